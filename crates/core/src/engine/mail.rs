//! Mail items: from ActiveSync's Email class (MS-ASEMAIL) to what the cache stores, and the
//! per-folder mail Sync pass (MS-ASCMD 2.2.1.21) that feeds the store.
//!
//! The mapping functions are pure: a Sync answer's `ServerChange`s go in, a [`MailBatch`]
//! comes out. Addresses are split into name and address (RFC 5322 §3.4 `mailbox-list`,
//! leniently), dates parsed from MS-ASDTYPE 2.3 (`2026-11-24T13:39:12.000Z`), a plain-text
//! preview derived when the server sends none (MS-ASAIRS 2.2.2.37 `Preview` is optional and
//! SOGo sends it empty).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use kontor_eas::email::{Email, FlagStatus};
use kontor_eas::sync::{BodyType, ServerChange};

/// Characters of preview kept per message.
pub const PREVIEW_CHARS: usize = 200;

/// One mailbox of an address list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// The display name, unquoted; empty when none was given.
    pub name: String,
    /// `local@domain`, or whatever the server sent when it is not an address.
    pub addr: String,
}

impl Address {
    /// `Name <addr>`, or `addr` alone when there is no name.
    pub fn display(&self) -> String {
        if self.name.is_empty() {
            self.addr.clone()
        } else {
            format!("{} <{}>", self.name, self.addr)
        }
    }
}

/// Follow-up flag as stored: 0 none, 1 complete, 2 active (MS-ASEMAIL 2.2.2.33 values).
pub fn flag_code(f: Option<FlagStatus>) -> i64 {
    match f {
        None | Some(FlagStatus::Cleared) => 0,
        Some(FlagStatus::Complete) => 1,
        Some(FlagStatus::Active) => 2,
    }
}

/// Attachment metadata (the bytes are fetched on demand with ItemOperations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub name: String,
    pub file_reference: String,
    pub size: Option<u64>,
    pub content_id: Option<String>,
    pub inline: bool,
}

/// A mail item as the cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailItem {
    /// The item's ServerId in its folder (an IMAP UID on SOGo).
    pub server_id: String,
    pub subject: String,
    pub from: Address,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// `DateReceived`; `None` when missing or unreadable.
    pub received: Option<DateTime<Utc>>,
    /// Up to [`PREVIEW_CHARS`] characters of text, whitespace folded.
    pub preview: String,
    /// The body as text (HTML reduced to text), as far as the server sent it.
    pub body_text: String,
    /// The server cut the body (`Truncated`): the full one must be fetched to show it.
    pub body_truncated: bool,
    /// The full body's size on the server, when sent.
    pub body_size: Option<u64>,
    pub read: bool,
    /// 0 none, 1 complete, 2 active.
    pub flag: i64,
    /// 0 low, 1 normal, 2 high.
    pub importance: i64,
    pub message_class: String,
    pub thread_topic: String,
    /// The server's conversation id as text (SOGo sends the thread's root Message-ID).
    pub conversation_id: String,
    pub attachments: Vec<AttachmentMeta>,
    pub categories: Vec<String>,
}

/// A change of an item's state that carries no full item (what servers send when only the
/// read or flag state changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagChange {
    pub server_id: String,
    pub read: Option<bool>,
    pub flag: Option<i64>,
}

/// One Sync window's changes, mapped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailBatch {
    /// New items and changes that carried the whole item (upserts).
    pub upserts: Vec<MailItem>,
    /// Read/flag-only changes.
    pub flag_changes: Vec<FlagChange>,
    /// Items gone (Delete and SoftDelete alike: both leave the local view).
    pub deletes: Vec<String>,
    /// Server adds among `upserts` (for counting).
    pub added: u32,
}

impl MailBatch {
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.flag_changes.is_empty() && self.deletes.is_empty()
    }

    /// Items this batch touches.
    pub fn len(&self) -> usize {
        self.upserts.len() + self.flag_changes.len() + self.deletes.len()
    }
}

/// Maps one window of server changes, leaving out the items in `skip` (quarantined ones).
pub fn map_changes(changes: &[ServerChange], skip: &HashSet<String>) -> MailBatch {
    let mut batch = MailBatch::default();
    for c in changes {
        if skip.contains(c.server_id()) {
            tracing::debug!(server_id = c.server_id(), "skipping a quarantined item");
            continue;
        }
        match c {
            ServerChange::Add { server_id, data } => {
                batch
                    .upserts
                    .push(map_email(server_id, &Email::from_application_data(data)));
                batch.added += 1;
            }
            ServerChange::Change { server_id, data } => {
                let email = Email::from_application_data(data);
                if email.subject.is_some() || email.from.is_some() || email.body.is_some() {
                    batch.upserts.push(map_email(server_id, &email));
                } else {
                    batch.flag_changes.push(FlagChange {
                        server_id: server_id.clone(),
                        read: email.read,
                        flag: email.flag.map(|f| flag_code(Some(f))),
                    });
                }
            }
            ServerChange::Delete { server_id } | ServerChange::SoftDelete { server_id } => {
                batch.deletes.push(server_id.clone())
            }
        }
    }
    batch
}

/// One Email-class item as the cache keeps it.
pub fn map_email(server_id: &str, e: &Email) -> MailItem {
    let (body_text, body_truncated, body_size, server_preview) = match &e.body {
        Some(b) => {
            let raw = b
                .data
                .as_ref()
                .map(|d| String::from_utf8_lossy(d).into_owned())
                .unwrap_or_default();
            let text = match b.body_type {
                BodyType::Html => html_to_text(&raw),
                // MIME is not asked for in Sync; if a server sends it anyway, keep no text
                // rather than headers and base64.
                BodyType::Mime | BodyType::Rtf => String::new(),
                _ => raw,
            };
            (text, b.truncated, b.estimated_size, b.preview.clone())
        }
        None => (String::new(), false, None, None),
    };
    let preview = match server_preview.filter(|p| !p.trim().is_empty()) {
        Some(p) => preview_of(&p),
        None => preview_of(&body_text),
    };
    MailItem {
        server_id: server_id.to_owned(),
        subject: e.subject.clone().unwrap_or_default(),
        from: e
            .from
            .as_deref()
            .map(parse_addresses)
            .and_then(|v| v.into_iter().next())
            .unwrap_or_default(),
        to: e.to.as_deref().map(parse_addresses).unwrap_or_default(),
        cc: e.cc.as_deref().map(parse_addresses).unwrap_or_default(),
        reply_to: e
            .reply_to
            .as_deref()
            .map(parse_addresses)
            .unwrap_or_default(),
        received: e.date_received.as_deref().and_then(parse_date),
        preview,
        body_text,
        body_truncated,
        body_size,
        read: e.read.unwrap_or(false),
        flag: flag_code(e.flag),
        importance: i64::from(e.importance.unwrap_or(1)),
        message_class: e.message_class.clone().unwrap_or_else(|| "IPM.Note".into()),
        thread_topic: e.thread_topic.clone().unwrap_or_default(),
        conversation_id: e
            .conversation_id
            .as_ref()
            .map(|b| conversation_id_text(b))
            .unwrap_or_default(),
        attachments: e
            .attachments
            .iter()
            .map(|a| AttachmentMeta {
                name: a.display_name.clone(),
                file_reference: a.file_reference.clone(),
                size: a.estimated_size,
                content_id: a.content_id.clone(),
                inline: a.is_inline,
            })
            .collect(),
        categories: e.categories.clone(),
    }
}

/// A ConversationId as text: printable ASCII as is (SOGo sends a Message-ID), otherwise hex
/// (Exchange and Z-Push send 16 binary bytes).
pub fn conversation_id_text(b: &[u8]) -> String {
    if !b.is_empty() && b.iter().all(|c| (0x20..0x7f).contains(c)) {
        String::from_utf8_lossy(b).into_owned()
    } else {
        b.iter().map(|c| format!("{c:02x}")).collect()
    }
}

/// Reads an MS-ASDTYPE 2.3 date-time (`2026-11-24T13:39:12.000Z`); also takes RFC 3339 with
/// an offset and the compact form without separators some servers use.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|n| n.and_utc())
}

/// Splits an address list (`"Baker, Bob" <bob@x>, carol@y`) into mailboxes. Commas inside
/// quotes or angle brackets do not split; quotes around names are removed.
pub fn parse_addresses(s: &str) -> Vec<Address> {
    let mut parts = Vec::new();
    let (mut cur, mut quoted, mut angle) = (String::new(), false, false);
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                continue;
            }
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter_map(|p| parse_mailbox(p.trim()))
        .collect()
}

fn parse_mailbox(p: &str) -> Option<Address> {
    if p.is_empty() {
        return None;
    }
    let unquote = |n: &str| {
        let n = n.trim();
        let n = n
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .unwrap_or(n);
        n.replace("\\\"", "\"").replace("\\\\", "\\")
    };
    match (p.rfind('<'), p.rfind('>')) {
        (Some(l), Some(r)) if l < r => Some(Address {
            name: unquote(&p[..l]),
            addr: p[l + 1..r].trim().to_owned(),
        }),
        _ => Some(Address {
            name: String::new(),
            addr: p.trim_matches(['<', '>', ' ']).to_owned(),
        }),
    }
}

/// Up to [`PREVIEW_CHARS`] characters with runs of whitespace folded to one space.
pub fn preview_of(text: &str) -> String {
    let mut out = String::with_capacity(PREVIEW_CHARS + 8);
    let mut n = 0;
    for word in text.split_whitespace() {
        if n > 0 {
            out.push(' ');
            n += 1;
        }
        for c in word.chars() {
            if n >= PREVIEW_CHARS {
                return out;
            }
            out.push(c);
            n += 1;
        }
        if n >= PREVIEW_CHARS {
            break;
        }
    }
    out
}

/// HTML to plain text, enough for a preview and full-text search: drops `<script>`/`<style>`
/// content and tags, turns block ends into line breaks, decodes the common entities.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let Some(end) = html[i..].find('>').map(|e| i + e) else {
                break;
            };
            let tag = lower[i + 1..end].trim_start_matches('/');
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if (name == "script" || name == "style") && !lower[i + 1..].starts_with('/') {
                let close = format!("</{name}");
                i = lower[end..]
                    .find(&close)
                    .map(|p| end + p)
                    .unwrap_or(bytes.len());
                continue;
            }
            if matches!(
                name.as_str(),
                "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "blockquote"
            ) {
                out.push('\n');
            }
            i = end + 1;
        } else {
            let next = html[i..].find('<').map(|p| i + p).unwrap_or(bytes.len());
            decode_entities(&html[i..next], &mut out);
            i = next;
        }
    }
    out
}

fn decode_entities(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let Some(semi) = tail.find(';').filter(|&p| p <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let ent = &tail[1..semi];
        let decoded = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            "auml" => Some('ä'),
            "ouml" => Some('ö'),
            "uuml" => Some('ü'),
            "Auml" => Some('Ä'),
            "Ouml" => Some('Ö'),
            "Uuml" => Some('Ü'),
            "szlig" => Some('ß'),
            "euro" => Some('€'),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> kontor_eas::sync::Response {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../eas/tests/fixtures/sogo")
            .join(name);
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        kontor_eas::sync::parse(Some(kontor_wbxml::decode(bytes).unwrap())).unwrap()
    }

    #[test]
    fn sogo_inbox_fixture_maps_to_rows() {
        let resp = fixture("sync-inbox-items.wbxml");
        let col = &resp.collections[0];
        let batch = map_changes(&col.changes, &HashSet::new());
        assert_eq!(batch.added as usize, col.changes.len());
        assert!(batch.upserts.len() >= 4, "{}", batch.upserts.len());
        let welcome = batch
            .upserts
            .iter()
            .find(|m| m.subject == "Welcome to Kontor")
            .expect("the seeded welcome mail");
        assert_eq!(welcome.server_id, "1");
        assert_eq!(
            welcome.from,
            Address {
                name: "Bob Baker".into(),
                addr: "bob@kontor.test".into()
            }
        );
        assert_eq!(welcome.to[0].addr, "alice@kontor.test");
        assert_eq!(welcome.to[0].name, "Alice Archer");
        assert_eq!(
            welcome.received.unwrap().to_rfc3339(),
            "2026-11-24T13:39:12+00:00"
        );
        assert!(!welcome.read);
        assert_eq!(welcome.flag, 0);
        assert_eq!(welcome.importance, 1);
        assert!(welcome.body_text.contains("Straße am Dom"));
        assert!(
            welcome
                .preview
                .starts_with("Hallo Alice, willkommen bei Kontor.")
        );
        assert!(!welcome.preview.contains('\n'));
        assert_eq!(welcome.conversation_id, "<seed-plain.alice@kontor.test>");
        // Every item got a date and a sender.
        for m in &batch.upserts {
            assert!(m.received.is_some(), "{m:?}");
            assert!(!m.from.addr.is_empty(), "{m:?}");
        }
        // Skipping a quarantined item leaves it out.
        let skip: HashSet<String> = ["1".to_owned()].into();
        let b2 = map_changes(&col.changes, &skip);
        assert_eq!(b2.upserts.len(), batch.upserts.len() - 1);
        assert!(b2.upserts.iter().all(|m| m.server_id != "1"));
    }

    #[test]
    fn attachment_metadata_is_kept() {
        let resp = fixture("sync-inbox-items.wbxml");
        let batch = map_changes(&resp.collections[0].changes, &HashSet::new());
        let with = batch
            .upserts
            .iter()
            .find(|m| !m.attachments.is_empty())
            .expect("the seed has a mail with attachments");
        assert!(
            with.attachments
                .iter()
                .all(|a| !a.file_reference.is_empty())
        );
        assert!(with.attachments.iter().any(|a| a.name.ends_with(".pdf")));
    }

    #[test]
    fn flag_only_changes_and_deletes() {
        use kontor_eas::email::{set_flag, set_read};
        let mut data = set_read(true);
        data.children.extend(set_flag(FlagStatus::Active).children);
        let changes = vec![
            ServerChange::Change {
                server_id: "5".into(),
                data,
            },
            ServerChange::Delete {
                server_id: "6".into(),
            },
            ServerChange::SoftDelete {
                server_id: "7".into(),
            },
        ];
        let b = map_changes(&changes, &HashSet::new());
        assert_eq!(
            b.flag_changes,
            [FlagChange {
                server_id: "5".into(),
                read: Some(true),
                flag: Some(2)
            }]
        );
        assert_eq!(b.deletes, ["6", "7"]);
        assert_eq!(b.added, 0);
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn address_lists() {
        let v = parse_addresses(r#""Baker, Bob" <bob@x.test>, carol@y.test; <d@z.test>"#);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].name, "Baker, Bob");
        assert_eq!(v[0].addr, "bob@x.test");
        assert_eq!(
            v[1],
            Address {
                name: String::new(),
                addr: "carol@y.test".into()
            }
        );
        assert_eq!(v[2].addr, "d@z.test");
        assert_eq!(v[0].display(), "Baker, Bob <bob@x.test>");
        assert!(parse_addresses("").is_empty());
        assert_eq!(
            parse_addresses(r#""A \"Q\" B" <a@b>"#)[0].name,
            r#"A "Q" B"#
        );
    }

    #[test]
    fn dates_previews_and_html() {
        assert!(parse_date("2026-11-24T13:39:12.000Z").is_some());
        assert!(parse_date("20261124T133912Z").is_some());
        assert!(parse_date("yesterday").is_none());
        let long = "wort ".repeat(100);
        assert_eq!(preview_of(&long).chars().count(), PREVIEW_CHARS);
        assert_eq!(preview_of("  a\r\n\tb  "), "a b");
        let t = html_to_text(
            "<html><style>p{x:y}</style><p>Gr&uuml;&szlig;e &amp; <b>mehr</b></p><script>alert(1)</script>Tsch&#252;ss&#x21;",
        );
        assert!(t.contains("Grüße & mehr"), "{t:?}");
        assert!(t.contains("Tschüss!"), "{t:?}");
        assert!(!t.contains("alert") && !t.contains("x:y"), "{t:?}");
        assert_eq!(conversation_id_text(&[1, 2, 0xff]), "0102ff");
    }
}
