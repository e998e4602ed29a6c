//! A stable, human-readable rendering of a tree, for fixtures and debug logs.

use crate::tree::{Element, Node};
use std::fmt::Write;

/// Opaque runs longer than this are shown abbreviated.
const OPAQUE_SHOWN: usize = 256;

impl Element {
    /// Indented XML-like text: one element per line, `Namespace:Name` tags, text escaped
    /// (`&`, `<`, `>`, and control characters such as CR as `&#13;`), opaque data as hex.
    pub fn render(&self) -> String {
        let mut out = String::new();
        render_into(&mut out, self, 0);
        out
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push('\n'),
            c if c.is_control() => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn opaque(out: &mut String, b: &[u8]) {
    let _ = write!(out, "[opaque {} bytes:", b.len());
    for x in b.iter().take(OPAQUE_SHOWN) {
        let _ = write!(out, " {x:02x}");
    }
    if b.len() > OPAQUE_SHOWN {
        out.push_str(" …");
    }
    out.push(']');
}

fn render_into(out: &mut String, el: &Element, depth: usize) {
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    let name = el.tag.to_string();
    if el.children.is_empty() {
        let _ = writeln!(out, "<{name}/>");
        return;
    }
    let only_leaves = el.children.iter().all(|n| !matches!(n, Node::Element(_)));
    let _ = write!(out, "<{name}>");
    if only_leaves {
        for n in &el.children {
            match n {
                Node::Text(t) => escape(out, t),
                Node::Opaque(b) => opaque(out, b),
                Node::Element(_) => {}
            }
        }
        let _ = writeln!(out, "</{name}>");
        return;
    }
    out.push('\n');
    for n in &el.children {
        match n {
            Node::Element(e) => render_into(out, e, depth + 1),
            Node::Text(t) => {
                out.push_str(&indent);
                out.push_str("  ");
                escape(out, t);
                out.push('\n');
            }
            Node::Opaque(b) => {
                out.push_str(&indent);
                out.push_str("  ");
                opaque(out, b);
                out.push('\n');
            }
        }
    }
    let _ = writeln!(out, "{indent}</{name}>");
}
