//! # kontor-wbxml — WBXML 1.3 for Exchange ActiveSync
//!
//! This crate owns the binary XML encoding that every ActiveSync request and response uses
//! (WAP-192 WBXML 1.3 as profiled by MS-ASWBXML). It turns bytes into a small element tree and
//! back, using the ActiveSync code pages (0–25, up to 16.1's Find) held as plain data tables.
//!
//! It must not know about HTTP, commands or folders: it is a codec. It is lenient on input
//! (an unknown tag on a known page, or an unknown page, is traced and kept as a numeric tag so
//! nothing is lost) and strict on output (only known tags are encoded).
//!
//! ## Two trees
//!
//! * [`Document`] is what [`decode`] returns: one flat arena of nodes over the received bytes.
//!   Text and opaque data are not copied; they are ranges of the input buffer ([`bytes::Bytes`]),
//!   so a 20 MB attachment in an `ItemOperations` response costs no second allocation.
//!   Navigate it with [`ElementRef`] (`child`, `children_with`, `text`, `bytes`).
//! * [`Element`] is an owned tree for building requests; [`encode`] turns it into bytes and
//!   refuses tags that no code page defines. [`ElementRef::to_element`] converts a decoded tree.
//!
//! ```
//! use kontor_wbxml::{decode, encode, Element, pages::folderhierarchy as fh};
//!
//! let request = Element::new(fh::FolderSync).with(Element::text(fh::SyncKey, "0"));
//! let bytes = encode(&request).unwrap();
//! let doc = decode(bytes).unwrap();
//! assert_eq!(doc.root().child_text(fh::SyncKey).as_deref(), Some("0"));
//! ```
//!
//! [`Document::render`] gives a stable, indented XML-like text used by fixture tests and logs.

mod decode;
mod encode;
pub mod pages;
mod render;
mod tree;

pub use bytes::Bytes;
pub use decode::{DecodeError, DecodeErrorKind, Document, ElementRef, Elements, NodeRef, decode};
pub use encode::{EncodeError, encode};
pub use pages::{CodePage, PAGES};
pub use tree::{Element, Node};

use std::fmt;

/// Global tokens (WAP-192 §7.1).
pub(crate) mod token {
    pub const SWITCH_PAGE: u8 = 0x00;
    pub const END: u8 = 0x01;
    pub const ENTITY: u8 = 0x02;
    pub const STR_I: u8 = 0x03;
    pub const LITERAL: u8 = 0x04;
    pub const EXT_I_0: u8 = 0x40;
    pub const EXT_I_2: u8 = 0x42;
    pub const PI: u8 = 0x43;
    pub const LITERAL_C: u8 = 0x44;
    pub const EXT_T_0: u8 = 0x80;
    pub const EXT_T_2: u8 = 0x82;
    pub const STR_T: u8 = 0x83;
    pub const LITERAL_A: u8 = 0x84;
    pub const EXT_0: u8 = 0xC0;
    pub const EXT_2: u8 = 0xC2;
    pub const OPAQUE: u8 = 0xC3;
    pub const LITERAL_AC: u8 = 0xC4;
    /// Tag flag: the element has content (WAP-192 §5.8.2).
    pub const HAS_CONTENT: u8 = 0x40;
    /// Tag flag: the element has attributes.
    pub const HAS_ATTRIBUTES: u8 = 0x80;
}

/// An element name: code page plus token (the low six bits of a WBXML tag byte).
///
/// Constants for every ActiveSync element live in [`pages`], e.g. `pages::airsync::SyncKey`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    page: u8,
    token: u8,
}

impl Tag {
    /// A tag from page and token. Tokens are masked to six bits.
    pub const fn new(page: u8, token: u8) -> Self {
        Tag {
            page,
            token: token & 0x3F,
        }
    }

    /// Code page number.
    pub const fn page(self) -> u8 {
        self.page
    }

    /// Token within the page (0x05–0x3F for real elements).
    pub const fn token(self) -> u8 {
        self.token
    }

    /// Element name, if a code page defines this tag.
    pub fn name(self) -> Option<&'static str> {
        pages::page(self.page).and_then(|p| p.tag_name(self.token))
    }

    /// Namespace name of the page (`AirSync`, `Email`, …), if the page is known.
    pub fn namespace(self) -> Option<&'static str> {
        pages::page(self.page).map(|p| p.name)
    }

    /// True when a code page defines this tag.
    pub fn is_known(self) -> bool {
        pages::page(self.page)
            .is_some_and(|p| self.token < 64 && p.known & (1u64 << self.token) != 0)
    }

    /// Looks a tag up by namespace and element name (`"AirSync"`, `"SyncKey"`).
    pub fn from_names(namespace: &str, name: &str) -> Option<Tag> {
        let p = pages::page_by_name(namespace)?;
        p.token_of(name).map(|t| Tag::new(p.number, t))
    }
}

impl fmt::Display for Tag {
    /// `AirSync:SyncKey`; unknown tags as `AirSync:0x3a` or `page31:0x05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.namespace(), self.name()) {
            (Some(ns), Some(name)) => write!(f, "{ns}:{name}"),
            (Some(ns), None) => write!(f, "{ns}:0x{:02x}", self.token),
            _ => write!(f, "page{}:0x{:02x}", self.page, self.token),
        }
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
