//! WBXML 1.3 decoder (WAP-192 §5) into a flat arena.

use crate::Tag;
use crate::token::*;
use crate::tree::{Element, Node};
use bytes::Bytes;
use std::borrow::Cow;

const NONE: u32 = u32::MAX;
/// Deeper nesting than this is refused; real ActiveSync documents stay below 15 levels.
pub const MAX_DEPTH: usize = 256;
/// IANA MIBenum of ISO-8859-1, the only non-UTF-8 charset seen in the wild.
const CHARSET_LATIN1: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Element,
    /// Text in the input buffer.
    Text,
    /// Text in `Document::extra` (from ENTITY tokens).
    ExtraText,
    Opaque,
}

#[derive(Debug, Clone, Copy)]
struct RawNode {
    tag: Tag,
    kind: Kind,
    first_child: u32,
    next_sibling: u32,
    start: u32,
    len: u32,
}

/// What went wrong while decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("the document ends in the middle of a token")]
    Truncated,
    #[error("the document is empty")]
    Empty,
    #[error("WBXML version byte {0:#04x} is not supported (expected 1.x)")]
    UnsupportedVersion(u8),
    #[error("a multi-byte integer is longer than 32 bits")]
    IntegerOverflow,
    #[error("string table reference {0} points outside the string table")]
    BadStringReference(u32),
    #[error("token {0:#04x} is not used by ActiveSync and cannot be represented")]
    UnsupportedToken(u8),
    #[error("an END token closes an element that was never opened")]
    UnbalancedEnd,
    #[error("text or data appears outside any element")]
    ContentOutsideElement,
    #[error("elements are nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    #[error("the document contains no element")]
    NoRootElement,
    #[error("the document is larger than 4 GiB")]
    TooLarge,
}

/// A decoding failure with the byte offset where it was noticed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid WBXML at byte {offset}: {kind}")]
pub struct DecodeError {
    /// Offset into the input.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

/// A decoded WBXML document: header fields plus a node arena over the input bytes.
#[derive(Debug, Clone)]
pub struct Document {
    buf: Bytes,
    nodes: Vec<RawNode>,
    extra: String,
    version: u8,
    public_id: u32,
    charset: u32,
}

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    #[inline]
    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            offset: self.pos,
            kind,
        }
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, DecodeError> {
        match self.b.get(self.pos) {
            Some(&v) => {
                self.pos += 1;
                Ok(v)
            }
            None => Err(self.err(DecodeErrorKind::Truncated)),
        }
    }

    /// mb_u_int32 (WAP-192 §5.1).
    #[inline]
    fn mb_u32(&mut self) -> Result<u32, DecodeError> {
        let mut v: u32 = 0;
        for _ in 0..5 {
            let b = self.byte()?;
            if v > (u32::MAX >> 7) {
                return Err(self.err(DecodeErrorKind::IntegerOverflow));
            }
            v = (v << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err(DecodeErrorKind::IntegerOverflow))
    }

    /// A NUL-terminated string; returns (start, len) and skips the terminator.
    #[inline]
    fn cstr(&mut self) -> Result<(usize, usize), DecodeError> {
        let start = self.pos;
        match memchr::memchr(0, &self.b[start..]) {
            Some(n) => {
                self.pos = start + n + 1;
                Ok((start, n))
            }
            None => {
                self.pos = self.b.len();
                Err(self.err(DecodeErrorKind::Truncated))
            }
        }
    }

    /// Skips an attribute list up to and including its END (WAP-192 §5.8.3).
    fn skip_attributes(&mut self) -> Result<(), DecodeError> {
        loop {
            match self.byte()? {
                END => return Ok(()),
                SWITCH_PAGE => {
                    self.byte()?;
                }
                STR_I | EXT_I_0..=EXT_I_2 => {
                    self.cstr()?;
                }
                ENTITY | STR_T | LITERAL | EXT_T_0..=EXT_T_2 => {
                    self.mb_u32()?;
                }
                OPAQUE => {
                    let n = self.mb_u32()? as usize;
                    if self.b.len() - self.pos < n {
                        return Err(self.err(DecodeErrorKind::Truncated));
                    }
                    self.pos += n;
                }
                _ => {}
            }
        }
    }
}

/// Decodes a WBXML document.
///
/// Unknown tags (on known or unknown pages) are kept with their numeric page and token and
/// reported at `trace` level; attributes, processing instructions and extension tokens, which
/// ActiveSync never uses, are skipped. Bytes after the root element are ignored with a trace.
pub fn decode(input: impl Into<Bytes>) -> Result<Document, DecodeError> {
    let buf: Bytes = input.into();
    if buf.is_empty() {
        return Err(DecodeError {
            offset: 0,
            kind: DecodeErrorKind::Empty,
        });
    }
    if buf.len() > u32::MAX as usize - 1 {
        return Err(DecodeError {
            offset: 0,
            kind: DecodeErrorKind::TooLarge,
        });
    }
    let mut p = Parser { b: &buf, pos: 0 };

    // Header (WAP-192 §5.3): version, publicid, charset, string table.
    let version = p.byte()?;
    if version > 0x0F {
        return Err(DecodeError {
            offset: 0,
            kind: DecodeErrorKind::UnsupportedVersion(version),
        });
    }
    let mut public_id = p.mb_u32()?;
    if public_id == 0 {
        // A string-table index follows; ActiveSync never does this, but keep the value.
        public_id = p.mb_u32()?;
    }
    let charset = p.mb_u32()?;
    let strtbl_len = p.mb_u32()? as usize;
    let strtbl_start = p.pos;
    if p.b.len() - p.pos < strtbl_len {
        return Err(p.err(DecodeErrorKind::Truncated));
    }
    p.pos += strtbl_len;
    let strtbl = strtbl_start..strtbl_start + strtbl_len;

    let mut nodes: Vec<RawNode> = Vec::with_capacity((buf.len() / 12).clamp(16, 1 << 20));
    let mut extra = String::new();
    // Open elements: (node index, last child index).
    let mut stack: Vec<(u32, u32)> = Vec::with_capacity(32);
    let mut page: u8 = 0;
    let mut root_done = false;

    #[inline]
    fn link(nodes: &mut [RawNode], stack: &mut [(u32, u32)], child: u32) {
        if let Some((parent, last)) = stack.last_mut() {
            if *last == NONE {
                nodes[*parent as usize].first_child = child;
            } else {
                nodes[*last as usize].next_sibling = child;
            }
            *last = child;
        }
    }

    while p.pos < p.b.len() && !root_done {
        let t = p.byte()?;
        match t {
            SWITCH_PAGE => page = p.byte()?,
            END => {
                if stack.pop().is_none() {
                    return Err(DecodeError {
                        offset: p.pos - 1,
                        kind: DecodeErrorKind::UnbalancedEnd,
                    });
                }
                root_done = stack.is_empty();
            }
            STR_I | STR_T | ENTITY | OPAQUE => {
                let at = p.pos - 1;
                let node = match t {
                    STR_I => {
                        let (s, l) = p.cstr()?;
                        RawNode::leaf(Kind::Text, s, l)
                    }
                    STR_T => {
                        let idx = p.mb_u32()?;
                        let s = strtbl.start + idx as usize;
                        if idx as usize >= strtbl.len() {
                            return Err(p.err(DecodeErrorKind::BadStringReference(idx)));
                        }
                        let l = memchr::memchr(0, &buf[s..strtbl.end])
                            .ok_or_else(|| p.err(DecodeErrorKind::BadStringReference(idx)))?;
                        RawNode::leaf(Kind::Text, s, l)
                    }
                    ENTITY => {
                        let c = p.mb_u32()?;
                        let ch = char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER);
                        let s = extra.len();
                        extra.push(ch);
                        RawNode::leaf(Kind::ExtraText, s, extra.len() - s)
                    }
                    _ => {
                        let n = p.mb_u32()? as usize;
                        if p.b.len() - p.pos < n {
                            return Err(p.err(DecodeErrorKind::Truncated));
                        }
                        let s = p.pos;
                        p.pos += n;
                        RawNode::leaf(Kind::Opaque, s, n)
                    }
                };
                if stack.is_empty() {
                    return Err(DecodeError {
                        offset: at,
                        kind: DecodeErrorKind::ContentOutsideElement,
                    });
                }
                let idx = nodes.len() as u32;
                nodes.push(node);
                link(&mut nodes, &mut stack, idx);
            }
            EXT_I_0..=EXT_I_2 => {
                tracing::trace!(offset = p.pos - 1, "skipping WBXML EXT_I token");
                p.cstr()?;
            }
            EXT_T_0..=EXT_T_2 => {
                tracing::trace!(offset = p.pos - 1, "skipping WBXML EXT_T token");
                p.mb_u32()?;
            }
            EXT_0..=EXT_2 => {
                tracing::trace!(offset = p.pos - 1, "skipping WBXML EXT token");
            }
            PI => {
                tracing::trace!(offset = p.pos - 1, "skipping WBXML processing instruction");
                p.skip_attributes()?;
            }
            LITERAL | LITERAL_A | LITERAL_C | LITERAL_AC => {
                return Err(DecodeError {
                    offset: p.pos - 1,
                    kind: DecodeErrorKind::UnsupportedToken(t),
                });
            }
            _ => {
                let tag = Tag::new(page, t);
                if !tag.is_known() {
                    tracing::trace!(%tag, offset = p.pos - 1, "unknown WBXML tag kept as numeric");
                }
                if t & HAS_ATTRIBUTES != 0 {
                    tracing::trace!(%tag, "skipping attributes");
                    p.skip_attributes()?;
                }
                if stack.is_empty() && !nodes.is_empty() {
                    // A second root cannot happen: the loop stops after the first closes.
                    return Err(p.err(DecodeErrorKind::ContentOutsideElement));
                }
                let idx = nodes.len() as u32;
                nodes.push(RawNode {
                    tag,
                    kind: Kind::Element,
                    first_child: NONE,
                    next_sibling: NONE,
                    start: 0,
                    len: 0,
                });
                link(&mut nodes, &mut stack, idx);
                if t & HAS_CONTENT != 0 {
                    if stack.len() >= MAX_DEPTH {
                        return Err(p.err(DecodeErrorKind::TooDeep));
                    }
                    stack.push((idx, NONE));
                } else if stack.is_empty() {
                    root_done = true;
                }
            }
        }
    }
    if !stack.is_empty() {
        return Err(p.err(DecodeErrorKind::Truncated));
    }
    if nodes.is_empty() {
        return Err(p.err(DecodeErrorKind::NoRootElement));
    }
    if p.pos < p.b.len() {
        tracing::trace!(
            trailing = p.b.len() - p.pos,
            "ignoring bytes after the root element"
        );
    }
    Ok(Document {
        buf,
        nodes,
        extra,
        version,
        public_id,
        charset,
    })
}

impl RawNode {
    #[inline]
    fn leaf(kind: Kind, start: usize, len: usize) -> Self {
        RawNode {
            tag: Tag::new(0, 0),
            kind,
            first_child: NONE,
            next_sibling: NONE,
            start: start as u32,
            len: len as u32,
        }
    }
}

impl Document {
    /// The root element.
    pub fn root(&self) -> ElementRef<'_> {
        ElementRef { doc: self, idx: 0 }
    }

    /// WBXML version byte (0x03 for 1.3).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Public identifier (1 = unknown, as ActiveSync sends).
    pub fn public_id(&self) -> u32 {
        self.public_id
    }

    /// Charset MIBenum (106 = UTF-8).
    pub fn charset(&self) -> u32 {
        self.charset
    }

    /// Number of nodes (elements, text and opaque runs).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The bytes this document was decoded from.
    pub fn as_bytes(&self) -> &Bytes {
        &self.buf
    }

    /// An owned copy of the tree.
    pub fn to_element(&self) -> Element {
        self.root().to_element()
    }

    /// Indented XML-like text of the whole document (see [`Element::render`]).
    pub fn render(&self) -> String {
        self.to_element().render()
    }

    fn raw_bytes(&self, n: &RawNode) -> &[u8] {
        let r = n.start as usize..(n.start + n.len) as usize;
        match n.kind {
            Kind::ExtraText => &self.extra.as_bytes()[r],
            _ => &self.buf[r],
        }
    }

    fn text_of(&self, n: &RawNode) -> Cow<'_, str> {
        let raw = self.raw_bytes(n);
        if n.kind == Kind::Text && self.charset == CHARSET_LATIN1 {
            Cow::Owned(raw.iter().map(|&b| char::from(b)).collect())
        } else {
            String::from_utf8_lossy(raw)
        }
    }

    fn node_ref(&self, idx: u32) -> NodeRef<'_> {
        let n = &self.nodes[idx as usize];
        match n.kind {
            Kind::Element => NodeRef::Element(ElementRef { doc: self, idx }),
            Kind::Text | Kind::ExtraText => NodeRef::Text(self.text_of(n)),
            Kind::Opaque => NodeRef::Opaque(self.raw_bytes(n)),
        }
    }
}

/// A child of an element in a decoded [`Document`].
#[derive(Debug, Clone)]
pub enum NodeRef<'a> {
    Element(ElementRef<'a>),
    /// Inline or string-table text (invalid UTF-8 is replaced, see [`ElementRef::bytes`]
    /// for the exact bytes).
    Text(Cow<'a, str>),
    /// Opaque data, borrowed from the input buffer.
    Opaque(&'a [u8]),
}

/// A handle to an element of a decoded [`Document`].
#[derive(Clone, Copy)]
pub struct ElementRef<'a> {
    doc: &'a Document,
    idx: u32,
}

impl std::fmt::Debug for ElementRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ElementRef({})", self.tag())
    }
}

/// Iterator over the child elements of an element.
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    doc: &'a Document,
    next: u32,
}

impl<'a> Iterator for Elements<'a> {
    type Item = ElementRef<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        while self.next != NONE {
            let idx = self.next;
            let n = &self.doc.nodes[idx as usize];
            self.next = n.next_sibling;
            if n.kind == Kind::Element {
                return Some(ElementRef { doc: self.doc, idx });
            }
        }
        None
    }
}

impl<'a> ElementRef<'a> {
    fn raw(&self) -> &'a RawNode {
        &self.doc.nodes[self.idx as usize]
    }

    /// The element's tag.
    pub fn tag(&self) -> Tag {
        self.raw().tag
    }

    /// The document this element belongs to.
    pub fn document(&self) -> &'a Document {
        self.doc
    }

    /// All children (elements, text, opaque) in order.
    pub fn children(&self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let doc = self.doc;
        let mut next = self.raw().first_child;
        std::iter::from_fn(move || {
            if next == NONE {
                return None;
            }
            let idx = next;
            next = doc.nodes[idx as usize].next_sibling;
            Some(doc.node_ref(idx))
        })
    }

    /// Child elements in order.
    pub fn elements(&self) -> Elements<'a> {
        Elements {
            doc: self.doc,
            next: self.raw().first_child,
        }
    }

    /// True when the element has no children at all.
    pub fn is_empty(&self) -> bool {
        self.raw().first_child == NONE
    }

    /// First child element with `tag`.
    pub fn child(&self, tag: Tag) -> Option<ElementRef<'a>> {
        self.elements().find(|e| e.tag() == tag)
    }

    /// Child elements with `tag`.
    pub fn children_with(&self, tag: Tag) -> impl Iterator<Item = ElementRef<'a>> + 'a {
        self.elements().filter(move |e| e.tag() == tag)
    }

    /// Descends through `path`, taking the first matching child at each step.
    pub fn path(&self, path: &[Tag]) -> Option<ElementRef<'a>> {
        let mut cur = *self;
        for t in path {
            cur = cur.child(*t)?;
        }
        Some(cur)
    }

    /// The element's text: its text and opaque children joined (opaque data read as UTF-8,
    /// invalid sequences replaced). `None` when it has neither.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        let mut out: Option<Cow<'a, str>> = None;
        for n in self.children() {
            let piece = match n {
                NodeRef::Text(t) => t,
                NodeRef::Opaque(b) => String::from_utf8_lossy(b),
                NodeRef::Element(_) => continue,
            };
            out = Some(match out {
                None => piece,
                Some(prev) => Cow::Owned(prev.into_owned() + &piece),
            });
        }
        out
    }

    /// Text of the first child element with `tag`.
    pub fn child_text(&self, tag: Tag) -> Option<Cow<'a, str>> {
        self.child(tag).and_then(|c| c.text())
    }

    /// The exact bytes of the element's text and opaque children. A single run is returned
    /// without copying (a slice of the input buffer).
    pub fn bytes(&self) -> Option<Bytes> {
        let doc = self.doc;
        let mut runs = Vec::new();
        let mut next = self.raw().first_child;
        while next != NONE {
            let n = &doc.nodes[next as usize];
            if n.kind != Kind::Element {
                runs.push(*n);
            }
            next = n.next_sibling;
        }
        match runs.as_slice() {
            [] => None,
            [one] if one.kind != Kind::ExtraText => Some(
                doc.buf
                    .slice(one.start as usize..(one.start + one.len) as usize),
            ),
            many => {
                let mut v = Vec::new();
                for r in many {
                    v.extend_from_slice(doc.raw_bytes(r));
                }
                Some(Bytes::from(v))
            }
        }
    }

    /// An owned copy of this subtree.
    pub fn to_element(&self) -> Element {
        let mut count = 0;
        let mut next = self.raw().first_child;
        while next != NONE {
            count += 1;
            next = self.doc.nodes[next as usize].next_sibling;
        }
        let mut el = Element {
            tag: self.tag(),
            children: Vec::with_capacity(count),
        };
        let mut next = self.raw().first_child;
        while next != NONE {
            let n = &self.doc.nodes[next as usize];
            el.children.push(match n.kind {
                Kind::Element => Node::Element(
                    ElementRef {
                        doc: self.doc,
                        idx: next,
                    }
                    .to_element(),
                ),
                Kind::Text | Kind::ExtraText => Node::Text(self.doc.text_of(n).into_owned()),
                Kind::Opaque => Node::Opaque(
                    self.doc
                        .buf
                        .slice(n.start as usize..(n.start + n.len) as usize),
                ),
            });
            next = n.next_sibling;
        }
        el
    }
}
