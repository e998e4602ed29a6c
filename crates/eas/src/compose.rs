//! SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.19, 2.2.1.18).
//!
//! The message is MIME carried as opaque data. Line endings are forced to CRLF first: SOGo
//! silently sends only a From header when the MIME has bare LFs.

use kontor_wbxml::pages::composemail as cm;
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};

/// Rewrites bare LF (and bare CR) line endings to CRLF. Borrow-free when already correct.
pub fn to_crlf(mime: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(mime.len() + mime.len() / 32);
    let mut i = 0;
    while i < mime.len() {
        match mime[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if mime.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Which message a reply or forward refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A message in a synchronised folder.
    Item { folder_id: String, item_id: String },
    /// A search result's LongId.
    LongId(String),
}

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compose {
    SendMail,
    SmartReply(Source),
    SmartForward(Source),
}

impl Compose {
    pub fn command(&self) -> &'static str {
        match self {
            Compose::SendMail => "SendMail",
            Compose::SmartReply(_) => "SmartReply",
            Compose::SmartForward(_) => "SmartForward",
        }
    }
}

/// The 14.0+ request: `ClientId`, `Source`, `SaveInSentItems`, `ReplaceMime`, `Mime`.
pub fn request(
    kind: &Compose,
    client_id: &str,
    mime: &[u8],
    save_in_sent: bool,
    replace_mime: bool,
) -> Element {
    let root = match kind {
        Compose::SendMail => cm::SendMail,
        Compose::SmartReply(_) => cm::SmartReply,
        Compose::SmartForward(_) => cm::SmartForward,
    };
    let mut e = Element::new(root).with(Element::text(cm::ClientId, client_id));
    if let Compose::SmartReply(src) | Compose::SmartForward(src) = kind {
        let s = match src {
            Source::Item { folder_id, item_id } => Element::new(cm::Source)
                .with(Element::text(cm::FolderId, folder_id.clone()))
                .with(Element::text(cm::ItemId, item_id.clone())),
            Source::LongId(l) => {
                Element::new(cm::Source).with(Element::text(cm::LongId, l.clone()))
            }
        };
        e.push(s);
    }
    if save_in_sent {
        e.push(Element::new(cm::SaveInSentItems));
    }
    if replace_mime && !matches!(kind, Compose::SendMail) {
        e.push(Element::new(cm::ReplaceMime));
    }
    e.with(Element::opaque(cm::Mime, to_crlf(mime)))
}

/// Status of a compose command (MS-ASCMD 2.2.3.177.14 and the common codes).
pub fn parse(command: &'static str, doc: Option<Document>) -> Result<(), EasError> {
    // Success is an empty body.
    let Some(doc) = doc else { return Ok(()) };
    let root = doc.root();
    match root
        .child_text(cm::Status)
        .and_then(|s| s.trim().parse::<u16>().ok())
    {
        None | Some(1) => Ok(()),
        Some(c) => Err(common_status_error(command, c)),
    }
}
