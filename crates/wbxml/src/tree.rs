//! The owned element tree used to build requests.

use crate::Tag;
use bytes::Bytes;

/// An owned WBXML element: a tag and its children in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Element name.
    pub tag: Tag,
    /// Child nodes in document order.
    pub children: Vec<Node>,
}

/// A child of an [`Element`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A nested element.
    Element(Element),
    /// Inline text (encoded as STR_I; must not contain NUL).
    Text(String),
    /// Opaque bytes (encoded as OPAQUE), e.g. MIME in SendMail or a TimeZone blob.
    Opaque(Bytes),
}

impl Element {
    /// An empty element.
    pub fn new(tag: Tag) -> Self {
        Element {
            tag,
            children: Vec::new(),
        }
    }

    /// An element holding one text node.
    pub fn text(tag: Tag, text: impl Into<String>) -> Self {
        Element {
            tag,
            children: vec![Node::Text(text.into())],
        }
    }

    /// An element holding opaque bytes.
    pub fn opaque(tag: Tag, data: impl Into<Bytes>) -> Self {
        Element {
            tag,
            children: vec![Node::Opaque(data.into())],
        }
    }

    /// Appends a child element (builder style).
    pub fn with(mut self, child: Element) -> Self {
        self.children.push(Node::Element(child));
        self
    }

    /// Appends a child element when `child` is `Some`.
    pub fn with_opt(mut self, child: Option<Element>) -> Self {
        if let Some(c) = child {
            self.children.push(Node::Element(c));
        }
        self
    }

    /// Appends a child element.
    pub fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    /// Child elements in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// First child element with `tag`.
    pub fn child(&self, tag: Tag) -> Option<&Element> {
        self.elements().find(|e| e.tag == tag)
    }

    /// Text of the first child element with `tag`.
    pub fn child_text(&self, tag: Tag) -> Option<String> {
        self.child(tag).and_then(Element::text_content)
    }

    /// Child elements with `tag`.
    pub fn children_with(&self, tag: Tag) -> impl Iterator<Item = &Element> {
        self.elements().filter(move |e| e.tag == tag)
    }

    /// Raw bytes of the text/opaque children (opaque data as is, text as UTF-8).
    pub fn bytes_content(&self) -> Option<Bytes> {
        let mut parts = self
            .children
            .iter()
            .filter(|n| !matches!(n, Node::Element(_)))
            .peekable();
        parts.peek()?;
        let mut v = Vec::new();
        for n in parts {
            match n {
                Node::Text(t) => v.extend_from_slice(t.as_bytes()),
                Node::Opaque(b) => {
                    if self.children.len() == 1 {
                        return Some(b.clone());
                    }
                    v.extend_from_slice(b)
                }
                Node::Element(_) => {}
            }
        }
        Some(Bytes::from(v))
    }

    /// Concatenated text (and opaque data read as UTF-8) children, if any.
    pub fn text_content(&self) -> Option<String> {
        let mut out: Option<String> = None;
        for n in &self.children {
            match n {
                Node::Text(t) => out.get_or_insert_with(String::new).push_str(t),
                Node::Opaque(b) => out
                    .get_or_insert_with(String::new)
                    .push_str(&String::from_utf8_lossy(b)),
                Node::Element(_) => {}
            }
        }
        out
    }
}
