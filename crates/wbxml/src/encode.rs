//! WBXML 1.3 encoder (strict): only tags defined by a code page are written.

use crate::Tag;
use crate::decode::MAX_DEPTH;
use crate::token::*;
use crate::tree::{Element, Node};

/// Why a tree could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("tag {0} is not defined by any ActiveSync code page")]
    UnknownTag(Tag),
    #[error("text inside {0} contains a NUL character, which WBXML inline strings cannot carry")]
    NulInText(Tag),
    #[error("elements are nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    #[error("opaque data inside {0} is larger than 4 GiB")]
    OpaqueTooLarge(Tag),
}

/// Header: WBXML 1.3, public id 1 (unknown), charset 106 (UTF-8), empty string table.
const HEADER: [u8; 4] = [0x03, 0x01, 0x6A, 0x00];

/// Encodes `root` as a WBXML 1.3 document the way ActiveSync expects (MS-ASWBXML 2.1.2).
pub fn encode(root: &Element) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&HEADER);
    let mut page = 0u8;
    write_element(&mut out, root, &mut page, 0)?;
    Ok(out)
}

fn write_mb_u32(out: &mut Vec<u8>, mut v: u32) {
    let mut tmp = [0u8; 5];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for b in &mut tmp[i..4] {
        *b |= 0x80;
    }
    out.extend_from_slice(&tmp[i..]);
}

fn write_element(
    out: &mut Vec<u8>,
    el: &Element,
    page: &mut u8,
    depth: usize,
) -> Result<(), EncodeError> {
    if depth >= MAX_DEPTH {
        return Err(EncodeError::TooDeep);
    }
    if !el.tag.is_known() {
        return Err(EncodeError::UnknownTag(el.tag));
    }
    if el.tag.page() != *page {
        out.push(SWITCH_PAGE);
        out.push(el.tag.page());
        *page = el.tag.page();
    }
    if el.children.is_empty() {
        out.push(el.tag.token());
        return Ok(());
    }
    out.push(el.tag.token() | HAS_CONTENT);
    for child in &el.children {
        match child {
            Node::Element(e) => write_element(out, e, page, depth + 1)?,
            Node::Text(t) => {
                if t.as_bytes().contains(&0) {
                    return Err(EncodeError::NulInText(el.tag));
                }
                out.push(STR_I);
                out.extend_from_slice(t.as_bytes());
                out.push(0);
            }
            Node::Opaque(b) => {
                let len =
                    u32::try_from(b.len()).map_err(|_| EncodeError::OpaqueTooLarge(el.tag))?;
                out.push(OPAQUE);
                write_mb_u32(out, len);
                out.extend_from_slice(b);
            }
        }
    }
    out.push(END);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mb_u32_examples_from_wap_192() {
        let mut v = Vec::new();
        write_mb_u32(&mut v, 0xA0);
        assert_eq!(v, [0x81, 0x20]);
        v.clear();
        write_mb_u32(&mut v, 0x60);
        assert_eq!(v, [0x60]);
        v.clear();
        write_mb_u32(&mut v, 0);
        assert_eq!(v, [0x00]);
        v.clear();
        write_mb_u32(&mut v, u32::MAX);
        assert_eq!(v, [0x8F, 0xFF, 0xFF, 0xFF, 0x7F]);
    }
}
