//! ItemOperations (MS-ASCMD 2.2.1.10): fetch a message or an attachment, empty a folder.
//!
//! Attachments are asked for as multipart (`MS-ASAcceptMultiPart: T`, MS-ASCMD 2.2.1.10.1) so
//! the bytes arrive raw after a small WBXML part and are streamed to disk; servers that answer
//! with plain WBXML (base64 `Data`) are handled too.

use base64::Engine as _;
use kontor_wbxml::pages::{airsync as a, airsyncbase as asb, itemoperations as io};
use kontor_wbxml::{Document, Element, ElementRef};

use crate::error::{EasError, common_status_error};
use crate::sync::BodyPreference;

/// ItemOperations status (MS-ASCMD 2.2.3.177.8), at command or item level.
pub fn check_status(code: u16) -> Result<(), EasError> {
    let st = |meaning| {
        Err(EasError::Status {
            command: "ItemOperations",
            status: code,
            meaning,
        })
    };
    match code {
        1 => Ok(()),
        2 => st("protocol error"),
        3 => Err(EasError::ServerBusy { retry_after: None }),
        4 => st("document library URI is bad"),
        5 => st("access denied"),
        6 => Err(EasError::ItemNotFound),
        7 => st("failed to connect to the document library"),
        8 => st("byte range invalid"),
        9 => st("unknown store"),
        10 => st("the file is empty"),
        11 => st("the data is too large"),
        12 => st("I/O failure on the server"),
        14 => st("conversion failure"),
        15 => Err(EasError::ItemNotFound),
        16 => st("resource access denied"),
        17 => st("partial success"),
        18 => st("credentials required"),
        c => Err(common_status_error("ItemOperations", c)),
    }
}

/// Fetch of one attachment by its FileReference.
pub fn fetch_attachment_request(file_reference: &str) -> Element {
    Element::new(io::ItemOperations).with(
        Element::new(io::Fetch)
            .with(Element::text(io::Store, "Mailbox"))
            .with(Element::text(asb::FileReference, file_reference)),
    )
}

/// Fetch of one item (e.g. a full message body) by folder and ServerId.
pub fn fetch_item_request(
    collection_id: &str,
    server_id: &str,
    body: Option<BodyPreference>,
) -> Element {
    let mut f = Element::new(io::Fetch)
        .with(Element::text(io::Store, "Mailbox"))
        .with(Element::text(a::CollectionId, collection_id))
        .with(Element::text(a::ServerId, server_id));
    if let Some(b) = body {
        f.push(Element::new(io::Options).with(b.to_element()));
    }
    Element::new(io::ItemOperations).with(f)
}

/// Fetch of one mailbox search hit by its LongId (MS-ASCMD 2.2.3.97.1: a Search result's
/// handle, valid until the next Search), e.g. a message older than the synced window.
pub fn fetch_long_id_request(long_id: &str, body: Option<BodyPreference>) -> Element {
    let mut f = Element::new(io::Fetch)
        .with(Element::text(io::Store, "Mailbox"))
        .with(Element::text(kontor_wbxml::pages::search::LongId, long_id));
    if let Some(b) = body {
        f.push(Element::new(io::Options).with(b.to_element()));
    }
    Element::new(io::ItemOperations).with(f)
}

/// Deletes every item in a folder (and its subfolders if asked).
pub fn empty_folder_request(collection_id: &str, delete_subfolders: bool) -> Element {
    let mut e =
        Element::new(io::EmptyFolderContents).with(Element::text(a::CollectionId, collection_id));
    if delete_subfolders {
        e.push(Element::new(io::Options).with(Element::new(io::DeleteSubFolders)));
    }
    Element::new(io::ItemOperations).with(e)
}

/// The first Fetch (or EmptyFolderContents) answer, after status checks.
fn first_response<'d>(
    doc: &'d Document,
    what: kontor_wbxml::Tag,
) -> Result<ElementRef<'d>, EasError> {
    let root = doc.root();
    if root.tag() != io::ItemOperations {
        return Err(EasError::protocol(
            "ItemOperations",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    let code = |e: ElementRef<'_>| {
        e.child_text(io::Status)
            .and_then(|s| s.trim().parse::<u16>().ok())
            .unwrap_or(1)
    };
    check_status(code(root))?;
    let r = root
        .path(&[io::Response, what])
        .ok_or_else(|| EasError::protocol("ItemOperations", format!("the answer has no {what}")))?;
    check_status(code(r))?;
    Ok(r)
}

/// What a fetched attachment's WBXML part says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub content_type: Option<String>,
    /// Inline data (base64-decoded) when the server did not use a separate part.
    pub inline_data: Option<Vec<u8>>,
    /// Multipart index of the data.
    pub part: Option<usize>,
}

pub fn parse_attachment(doc: &Document) -> Result<AttachmentInfo, EasError> {
    let f = first_response(doc, io::Fetch)?;
    let p = f.child(io::Properties).ok_or_else(|| {
        EasError::protocol("ItemOperations", "the Fetch answer has no Properties")
    })?;
    let inline_data = match p.child(io::Data) {
        Some(d) => {
            let raw = d.bytes().unwrap_or_default();
            let cleaned: Vec<u8> = raw
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            Some(
                base64::engine::general_purpose::STANDARD
                    .decode(&cleaned)
                    .map_err(|e| {
                        EasError::protocol(
                            "ItemOperations",
                            format!("attachment data is not base64: {e}"),
                        )
                    })?,
            )
        }
        None => None,
    };
    Ok(AttachmentInfo {
        content_type: p.child_text(asb::ContentType).map(|s| s.into_owned()),
        inline_data,
        part: p.child_text(io::Part).and_then(|s| s.trim().parse().ok()),
    })
}

/// Item properties (as `ApplicationData`) from a fetch by ServerId.
pub fn parse_item(doc: Option<Document>) -> Result<Element, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("ItemOperations", "the answer is empty"))?;
    let f = first_response(&doc, io::Fetch)?;
    let mut e = f
        .child(io::Properties)
        .ok_or_else(|| EasError::protocol("ItemOperations", "the Fetch answer has no Properties"))?
        .to_element();
    e.tag = a::ApplicationData;
    Ok(e)
}

pub fn parse_empty_folder(doc: Option<Document>) -> Result<(), EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("ItemOperations", "the answer is empty"))?;
    first_response(&doc, io::EmptyFolderContents).map(|_| ())
}

/// Header of a multipart answer (MS-ASCMD 2.2.2.10.1): part count, then (offset, length) pairs.
pub(crate) fn multipart_header(buf: &[u8]) -> Option<Vec<(usize, usize)>> {
    let n = u32::from_le_bytes(buf.get(0..4)?.try_into().ok()?) as usize;
    if n == 0 || n > 4096 {
        return Some(Vec::new());
    }
    let mut parts = Vec::with_capacity(n);
    for i in 0..n {
        let at = 4 + i * 8;
        let off = i32::from_le_bytes(buf.get(at..at + 4)?.try_into().ok()?);
        let len = i32::from_le_bytes(buf.get(at + 4..at + 8)?.try_into().ok()?);
        parts.push((usize::try_from(off).ok()?, usize::try_from(len).ok()?));
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::multipart_header;

    #[test]
    fn multipart_header_parsing() {
        let mut b = Vec::new();
        b.extend(2u32.to_le_bytes());
        b.extend(20i32.to_le_bytes());
        b.extend(30i32.to_le_bytes());
        b.extend(50i32.to_le_bytes());
        b.extend(1000i32.to_le_bytes());
        assert_eq!(multipart_header(&b), Some(vec![(20, 30), (50, 1000)]));
        assert_eq!(
            multipart_header(&b[..10]),
            None,
            "incomplete header: wait for more bytes"
        );
        let mut neg = Vec::new();
        neg.extend(1u32.to_le_bytes());
        neg.extend((-1i32).to_le_bytes());
        neg.extend(5i32.to_le_bytes());
        assert_eq!(multipart_header(&neg), None);
    }
}
