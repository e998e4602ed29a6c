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

use kontor_eas::estimate::EstimateRequest;
use kontor_eas::sync::{
    BodyPreference, ClientCommand, CollectionRequest, CollectionResponse, ItemResponse, LoopGuard,
    Status as SyncStatus, SyncOptions,
};
use kontor_eas::{EasError, FolderType, ItemClass};

use super::{AccountContext, BoxFuture, CollectionSyncer, EngineError, EngineEvent, FolderRef};
use crate::store::{
    AttachmentMeta as StoreAttachment, BodyState, MailBatch, MailChange, MessageData,
};

/// Characters of preview kept per message.
pub const PREVIEW_CHARS: usize = 200;

pub use crate::store::Address;

/// `Name <addr>`, or `addr` alone when there is no name.
pub fn display_address(a: &Address) -> String {
    if a.name.is_empty() {
        a.addr.clone()
    } else {
        format!("{} <{}>", a.name, a.addr)
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
    /// The body is the message's own plain text, whole (NativeBodyType 1, not cut).
    pub body_complete: bool,
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

/// One Sync window's changes, mapped to the store's terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapped {
    pub changes: Vec<MailChange>,
    /// Server Adds among `changes`.
    pub added: u32,
}

/// Maps one window of server changes, leaving out the items in `skip` (quarantined ones).
/// A Change that carries the item's headers is an upsert; one with only Read/Flag (what
/// servers send when another client changed the state) is a flag change.
pub fn map_changes(changes: &[ServerChange], skip: &HashSet<String>) -> Mapped {
    let mut out = Mapped::default();
    for c in changes {
        if skip.contains(c.server_id()) {
            tracing::debug!(server_id = c.server_id(), "skipping a quarantined item");
            continue;
        }
        match c {
            ServerChange::Add { server_id, data } => {
                let item = map_email(server_id, &Email::from_application_data(data));
                out.changes.push(MailChange::Upsert(item.to_message_data()));
                out.added += 1;
            }
            ServerChange::Change { server_id, data } => {
                let email = Email::from_application_data(data);
                if email.subject.is_some() || email.from.is_some() || email.body.is_some() {
                    out.changes.push(MailChange::Upsert(
                        map_email(server_id, &email).to_message_data(),
                    ));
                } else {
                    out.changes.push(MailChange::Flags {
                        server_id: server_id.clone(),
                        read: email.read,
                        flag_status: email.flag.map(|f| flag_code(Some(f))),
                    });
                }
            }
            ServerChange::Delete { server_id } | ServerChange::SoftDelete { server_id } => {
                out.changes.push(MailChange::Delete {
                    server_id: server_id.clone(),
                })
            }
        }
    }
    out
}

impl MailItem {
    /// The store's row data. The RFC 5322 Message-ID is not part of the Email class in
    /// ActiveSync 14.1, so it stays empty here.
    pub fn to_message_data(&self) -> MessageData {
        MessageData {
            server_id: self.server_id.clone(),
            message_id: String::new(),
            subject: self.subject.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            cc: self.cc.clone(),
            reply_to: self.reply_to.clone(),
            date: self.received.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
            preview: self.preview.clone(),
            read: self.read,
            flag_status: self.flag,
            importance: self.importance,
            has_attachments: self.attachments.iter().any(|a| !a.inline),
            conversation_id: self.conversation_id.clone(),
            body_state: if self.body_text.is_empty() {
                BodyState::None
            } else if self.body_truncated {
                BodyState::Preview
            } else {
                BodyState::Full
            },
            size: self
                .body_size
                .and_then(|s| i64::try_from(s).ok())
                .unwrap_or(0),
            attachments: self
                .attachments
                .iter()
                .map(|a| StoreAttachment {
                    file_reference: a.file_reference.clone(),
                    name: a.name.clone(),
                    content_type: String::new(),
                    size: a.size.and_then(|s| i64::try_from(s).ok()).unwrap_or(0),
                    content_id: a.content_id.clone().unwrap_or_default(),
                    inline: a.inline,
                })
                .collect(),
            body: self.body_text.clone(),
            body_complete: self.body_complete,
        }
    }
}

/// One Email-class item as the cache keeps it.
pub fn map_email(server_id: &str, e: &Email) -> MailItem {
    let natively_plain = e.native_body_type == Some(BodyType::PlainText);
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
        // A meeting request's text is not the whole message: the invitation card needs its
        // text/calendar part, which only the MIME (fetched on demand) holds.
        body_complete: natively_plain
            && !body_truncated
            && !body_text.is_empty()
            && !e.is_meeting_request
            && !e
                .message_class
                .as_deref()
                .is_some_and(|c| c.starts_with("IPM.Schedule.Meeting")),
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

/// Body bytes asked for per message in a Sync (plain text, MS-ASAIRS 2.2.2.7 BodyPreference):
/// enough for the preview and most short mails; longer bodies are fetched when opened.
pub const SYNC_BODY_BYTES: u32 = 2048;

/// Syncs mail folders (every folder type of the Email class but the Outbox) and replays the
/// mail operations of the outbox.
#[derive(Debug, Default, Clone, Copy)]
pub struct MailSyncer;

impl CollectionSyncer for MailSyncer {
    fn name(&self) -> &'static str {
        "mail"
    }

    fn handles(&self, t: FolderType) -> bool {
        t.item_class() == Some(ItemClass::Email) && t != FolderType::Outbox
    }

    fn sync_folder<'a>(
        &'a self,
        cx: &'a mut AccountContext,
        folder: &'a FolderRef,
    ) -> BoxFuture<'a, Result<(), EngineError>> {
        Box::pin(async move {
            sync_pass(cx, &folder.server_id, Vec::new())
                .await
                .map(|_| ())
        })
    }

    fn replay_outbox<'a>(
        &'a self,
        cx: &'a mut AccountContext,
    ) -> BoxFuture<'a, Result<Option<std::time::Duration>, EngineError>> {
        Box::pin(super::outbox::replay(cx))
    }
}

/// The mail kept offline (the setting and policy `MailSyncWindow`, Outlook's "download email
/// for the past …"): 0 = everything, else months (1, 3, 6, 12). The effective value is what
/// the app wrote under [`crate::policy::setting_keys::ENGINE_MAIL_WINDOW`]; the engine reads
/// it at every pass.
///
/// On the wire it is the Sync `FilterType` (MS-ASCMD 2.2.3.68.2): 1 month = 5, 3 months = 6,
/// 6 months = 7. The protocol lists 6 and 7 for calendars only, but the servers Kontor is
/// tested against (Z-Push, SOGo) apply them to mail as well (tests/live/tests/
/// core_mail_window_kept.rs). A year has no FilterType: everything is asked for. Whatever the
/// server does, every pass ends by removing cached messages older than the window
/// ([`Store::prune_mail_before`](crate::store::Store::prune_mail_before)), except those
/// with local changes or unfinished outbox operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MailWindow {
    pub months: u32,
}

impl MailWindow {
    /// The window the app set for the engine (0 = everything when nothing is set).
    pub async fn current(store: &crate::store::Store) -> Result<MailWindow, crate::CoreError> {
        let months = crate::store::settings::read_setting(
            store.pool(),
            crate::policy::setting_keys::ENGINE_MAIL_WINDOW,
        )
        .await?
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(0);
        Ok(MailWindow { months })
    }

    /// The Sync `FilterType` to send: `None` asks for everything.
    pub fn filter_type(self) -> Option<kontor_eas::sync::FilterType> {
        use kontor_eas::sync::FilterType;
        match self.months {
            1 => Some(FilterType::OneMonth),
            3 => Some(FilterType::ThreeMonths),
            6 => Some(FilterType::SixMonths),
            _ => None,
        }
    }

    /// Messages dated before this are not kept; `None` keeps everything.
    pub fn cutoff(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.months > 0).then(|| {
            now.checked_sub_months(chrono::Months::new(self.months))
                .unwrap_or(now)
        })
    }
}

fn sync_options(window: MailWindow) -> SyncOptions {
    SyncOptions {
        filter_type: window.filter_type(),
        body_preferences: vec![BodyPreference {
            truncation_size: Some(SYNC_BODY_BYTES),
            ..BodyPreference::new(BodyType::PlainText)
        }],
        mime_support: None,
        class: None,
    }
}

/// Checks a collection status, turning the ones that change strategy into their errors.
fn check_status(col: &CollectionResponse) -> Result<(), EasError> {
    match col.status {
        SyncStatus::Success => Ok(()),
        // Collection-level 8: the folder itself is gone → the hierarchy must be re-read.
        SyncStatus::ObjectNotFound => Err(EasError::FolderHierarchyChanged),
        s => s.into_result(),
    }
}

/// One complete Sync pass of a mail folder (MS-ASCMD 2.2.1.21), sending `commands` (the
/// outbox's Change/Delete) with the first request. Returns the server's per-item answers to
/// those commands.
///
/// * Key "0": one request to get the first key (the answer carries no items), then windows
///   of `cx.window_size` until MoreAvailable is gone. Each window is applied together with its
///   new SyncKey in one transaction ([`Store::apply_mail_batch`](crate::store::Store)).
/// * `InvalidSyncKey` (status 3): the folder is re-synced from key 0 once per pass
///   (`begin_mail_resync` keeps messages with unsent local changes and the outbox; the
///   window that ends the re-sync removes what the server no longer has). Commands sent
///   with the rejected key were not applied and go out again with the new key.
/// * Loop safety: a [`LoopGuard`] watches every window. When it names an item (Z-Push's
///   window-of-one on a broken item), the item is quarantined with its raw data, an
///   [`EngineEvent::ItemQuarantined`] goes out, and the window is applied **without** it (copies
///   applied by earlier windows leave the folder view) but **with** the new SyncKey: the server then counts the item as delivered and moves on, and
///   the quarantined ServerId is also left out of every later window of this folder. When it
///   names no item (the same key with no progress), the pass ends with the error and the
///   account backs off.
///
/// Commands go out only on a SyncKey the server has just confirmed as current: with commands
/// to send, a plain pass comes first. SOGo answers a Sync that carries commands with no server
/// changes, and when it names an older key than the device's latest (the answer to the
/// previous Sync was lost on its way back) with the device's latest key, so storing that key
/// would skip the lost answer's changes for good; a plain Sync on the older key re-sends them
/// (tests/faultproxy/tests/core_lost_answer.rs).
pub async fn sync_pass(
    cx: &mut AccountContext,
    folder_id: &str,
    commands: Vec<ClientCommand>,
) -> Result<Vec<ItemResponse>, EngineError> {
    Ok(sync_commands(cx, folder_id, commands, None)
        .await?
        .responses)
}

/// The server's answer to the client commands of a [`sync_commands`] pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandAnswer {
    /// The per-item answers (`Responses`) the server gave.
    pub responses: Vec<ItemResponse>,
    /// False when the Sync that carried the commands came back without the folder (an empty
    /// answer): nothing shows that the server applied them.
    pub answered: bool,
}

/// [`sync_pass`] with the commands' `DeletesAsMoves` (MS-ASCMD 2.2.3.42: `Some(false)`
/// deletes for good; `None` leaves the server's default) and whether the commands were
/// answered at all.
pub async fn sync_commands(
    cx: &mut AccountContext,
    folder_id: &str,
    commands: Vec<ClientCommand>,
    deletes_as_moves: Option<bool>,
) -> Result<CommandAnswer, EngineError> {
    if !commands.is_empty() {
        sync_pass_once(cx, folder_id, Vec::new(), None).await?;
    }
    sync_pass_once(cx, folder_id, commands, deletes_as_moves).await
}

async fn sync_pass_once(
    cx: &mut AccountContext,
    folder_id: &str,
    commands: Vec<ClientCommand>,
    deletes_as_moves: Option<bool>,
) -> Result<CommandAnswer, EngineError> {
    let account_id = cx.account_id;
    let window = MailWindow::current(&cx.store).await?;
    let mut key = cx.store.sync_key(account_id, folder_id).await?;
    let mut initial = key == "0";
    let mut skip: HashSet<String> = cx
        .store
        .quarantined(Some(account_id))
        .await?
        .into_iter()
        .filter(|q| q.folder_id == folder_id)
        .map(|q| q.server_id)
        .collect();
    let mut guard = LoopGuard::new(folder_id);
    let mut pending_commands = commands;
    let mut responses = Vec::new();
    let mut answered = true;
    let mut resynced = false;
    let mut resyncing = false;
    let (mut added, mut changed, mut deleted, mut done) = (0u32, 0u32, 0u32, 0u64);
    let mut estimate: Option<u64> = None;
    loop {
        if key == "0" {
            // MS-ASCMD 2.2.1.21.1.2: the first request only gets a key; no GetChanges,
            // no commands.
            let mut req = CollectionRequest::new(folder_id, "0");
            req.window_size = None;
            req.options = Some(sync_options(window));
            let resp = cx.client.sync(&[req]).await?;
            let col = resp
                .collection(folder_id)
                .ok_or_else(|| EasError::Protocol {
                    command: "Sync",
                    detail: format!("the answer for folder {folder_id} is missing"),
                })?;
            check_status(col)?;
            cx.store
                .apply_mail_batch(
                    account_id,
                    folder_id,
                    &MailBatch {
                        sync_key: col.sync_key.clone(),
                        changes: Vec::new(),
                        complete: false,
                    },
                )
                .await?;
            key = col.sync_key.clone();
            guard = LoopGuard::new(folder_id);
        }
        // Progress matters for an initial (or re-)sync; a push-triggered pass is short and
        // saves the extra request.
        if estimate.is_none() && initial && pending_commands.is_empty() {
            estimate = item_estimate(cx, folder_id, &key, window).await;
            cx.emit(EngineEvent::Progress {
                account_id,
                folder: folder_id.to_owned(),
                done,
                estimate,
            });
        }
        let mut req = CollectionRequest::new(folder_id, &key);
        req.window_size = Some(cx.window_size);
        req.options = Some(sync_options(window));
        req.commands = pending_commands.clone();
        if !pending_commands.is_empty() {
            req.deletes_as_moves = deletes_as_moves;
        }
        let resp = cx.client.sync(&[req]).await?;
        let Some(col) = resp.collection(folder_id) else {
            // An empty answer: nothing changed (MS-ASCMD 2.2.1.21: empty response). Commands
            // it was to answer are not confirmed by it.
            answered &= pending_commands.is_empty();
            if resyncing || initial {
                cx.store
                    .apply_mail_batch(
                        account_id,
                        folder_id,
                        &MailBatch {
                            sync_key: key.clone(),
                            changes: Vec::new(),
                            complete: true,
                        },
                    )
                    .await?;
            }
            break;
        };
        if col.status == SyncStatus::InvalidSyncKey {
            if resynced {
                return Err(EasError::InvalidSyncKey.into());
            }
            tracing::warn!(
                folder_id,
                "sync key rejected; syncing the folder again from 0"
            );
            resynced = true;
            resyncing = true;
            cx.store.begin_mail_resync(account_id, folder_id).await?;
            key = "0".into();
            initial = true;
            continue;
        }
        check_status(col)?;
        pending_commands.clear();
        responses.extend(col.responses.iter().cloned());
        let mut newly_quarantined = None;
        if let Err(e) = guard.observe(&key, col) {
            match &e {
                EasError::SyncLoop {
                    item: Some(item), ..
                } => {
                    let raw = col
                        .changes
                        .iter()
                        .find_map(|c| match c {
                            ServerChange::Add { server_id, data }
                            | ServerChange::Change { server_id, data }
                                if server_id == item =>
                            {
                                kontor_wbxml::encode(data).ok()
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    let reason = e.to_string();
                    cx.store
                        .quarantine(account_id, folder_id, item, &reason, &raw)
                        .await?;
                    cx.emit(EngineEvent::ItemQuarantined {
                        account_id,
                        folder: folder_id.to_owned(),
                        server_id: item.clone(),
                        reason,
                    });
                    skip.insert(item.clone());
                    newly_quarantined = Some(item.clone());
                    guard = LoopGuard::new(folder_id);
                }
                _ => return Err(e.into()),
            }
        }
        let mut mapped = map_changes(&col.changes, &skip);
        if let Some(item) = &newly_quarantined {
            // Copies applied by the windows before the loop was recognised leave the folder
            // view; the item is listed in the quarantine instead.
            mapped.changes.push(MailChange::Delete {
                server_id: item.clone(),
            });
        }
        let complete = !col.more_available;
        let outcome = cx
            .store
            .apply_mail_batch(
                account_id,
                folder_id,
                &MailBatch {
                    sync_key: col.sync_key.clone(),
                    changes: mapped.changes,
                    // Ends a re-sync, also one begun outside this pass (the mail kept
                    // offline changed): the store acts on its marker only.
                    complete: complete && (resyncing || initial),
                },
            )
            .await?;
        added += outcome.added;
        changed += outcome.updated;
        deleted += outcome.deleted;
        done += col.changes.len() as u64;
        key = col.sync_key.clone();
        if !col.changes.is_empty() {
            cx.emit(EngineEvent::Progress {
                account_id,
                folder: folder_id.to_owned(),
                done,
                estimate,
            });
        }
        if complete {
            break;
        }
    }
    if let Some(cutoff) = window.cutoff(Utc::now()) {
        deleted += cx
            .store
            .prune_mail_before(account_id, folder_id, cutoff)
            .await?;
    }
    cx.emit(EngineEvent::FolderSynced {
        account_id,
        folder: folder_id.to_owned(),
        added,
        changed,
        deleted,
    });
    Ok(CommandAnswer {
        responses,
        answered,
    })
}

/// GetItemEstimate (MS-ASCMD 2.2.1.9) for one folder; `None` when the server gives none.
async fn item_estimate(
    cx: &mut AccountContext,
    folder_id: &str,
    key: &str,
    window: MailWindow,
) -> Option<u64> {
    let req = EstimateRequest {
        collection_id: folder_id.to_owned(),
        sync_key: key.to_owned(),
        filter_type: window.filter_type(),
    };
    match cx.client.get_item_estimate(&[req]).await {
        Ok(v) => v
            .into_iter()
            .find(|(id, _)| id == folder_id)
            .map(|(_, n)| n),
        Err(e) => {
            tracing::debug!(folder_id, error = %e, "no item estimate");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn fixture(name: &str) -> kontor_eas::sync::Response {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../eas/tests/fixtures/sogo")
            .join(name);
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        kontor_eas::sync::parse(Some(kontor_wbxml::decode(bytes).unwrap())).unwrap()
    }

    fn upserts(m: &Mapped) -> Vec<&MessageData> {
        m.changes
            .iter()
            .filter_map(|c| match c {
                MailChange::Upsert(d) => Some(d),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn sogo_inbox_fixture_maps_to_rows() {
        let resp = fixture("sync-inbox-items.wbxml");
        let col = &resp.collections[0];
        let mapped = map_changes(&col.changes, &HashSet::new());
        assert_eq!(mapped.added as usize, col.changes.len());
        let rows = upserts(&mapped);
        assert!(rows.len() >= 4, "{}", rows.len());
        let welcome = rows
            .iter()
            .find(|m| m.subject == "Welcome to Kontor")
            .expect("the seeded welcome mail");
        assert_eq!(welcome.server_id, "1");
        assert_eq!(welcome.from, Address::new("Bob Baker", "bob@kontor.test"));
        assert_eq!(
            welcome.to[0],
            Address::new("Alice Archer", "alice@kontor.test")
        );
        assert_eq!(welcome.date.to_rfc3339(), "2026-11-24T13:39:12+00:00");
        assert!(!welcome.read);
        assert_eq!(welcome.flag_status, 0);
        assert_eq!(welcome.importance, 1);
        assert_eq!(welcome.body_state, BodyState::Full);
        assert_eq!(welcome.size, 174);
        assert!(
            welcome.preview.starts_with(
                "Hallo Alice, willkommen bei Kontor. Viele Grüße aus der Straße am Dom."
            ),
            "{}",
            welcome.preview
        );
        assert_eq!(welcome.conversation_id, "<seed-plain.alice@kontor.test>");
        // The full item keeps the body text (for search and the reading pane).
        let item = map_email(
            "1",
            &Email::from_application_data(match &col.changes[0] {
                ServerChange::Add { data, .. } => data,
                other => panic!("{other:?}"),
            }),
        );
        assert!(
            item.body_text
                .contains("This is the plain text test message.")
        );
        for m in &rows {
            assert!(m.date.timestamp() > 0, "{m:?}");
            assert!(!m.from.addr.is_empty(), "{m:?}");
        }
        // Skipping a quarantined item leaves it out.
        let skip: HashSet<String> = ["1".to_owned()].into();
        let m2 = map_changes(&col.changes, &skip);
        assert_eq!(upserts(&m2).len(), rows.len() - 1);
        assert!(upserts(&m2).iter().all(|m| m.server_id != "1"));
    }

    #[test]
    fn attachment_metadata_is_kept() {
        let resp = fixture("sync-inbox-items.wbxml");
        let mapped = map_changes(&resp.collections[0].changes, &HashSet::new());
        let rows = upserts(&mapped);
        let with = rows
            .iter()
            .find(|m| !m.attachments.is_empty())
            .expect("the seed has a mail with attachments");
        assert!(with.has_attachments);
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
        let m = map_changes(&changes, &HashSet::new());
        assert_eq!(
            m.changes,
            [
                MailChange::Flags {
                    server_id: "5".into(),
                    read: Some(true),
                    flag_status: Some(2)
                },
                MailChange::Delete {
                    server_id: "6".into()
                },
                MailChange::Delete {
                    server_id: "7".into()
                },
            ]
        );
        assert_eq!(m.added, 0);
    }

    #[test]
    fn address_lists() {
        let v = parse_addresses(r#""Baker, Bob" <bob@x.test>, carol@y.test; <d@z.test>"#);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].name, "Baker, Bob");
        assert_eq!(v[0].addr, "bob@x.test");
        assert_eq!(v[1], Address::new("", "carol@y.test"));
        assert_eq!(v[2].addr, "d@z.test");
        assert_eq!(display_address(&v[0]), "Baker, Bob <bob@x.test>");
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

    // ── Engine tests over a scripted server (tier 2: recorded-style transport, temp DB) ──

    use kontor_wbxml::Element;
    use kontor_wbxml::pages::{airsync as a, email as em};

    use crate::engine::scripted::{Answer, scripted};
    use crate::engine::{AccountContext, EngineEvent, EventBus};
    use crate::store::{OutboxOp, Store};

    fn sync_answer(key: &str, more: bool, adds: &[&str], responses: Vec<Element>) -> Answer {
        let mut col = Element::new(a::Collection)
            .with(Element::text(a::SyncKey, key))
            .with(Element::text(a::CollectionId, "38"))
            .with(Element::text(a::Status, "1"));
        if more {
            col.push(Element::new(a::MoreAvailable));
        }
        if !responses.is_empty() {
            let mut r = Element::new(a::Responses);
            for e in responses {
                r.push(e);
            }
            col.push(r);
        }
        if !adds.is_empty() {
            let mut cmds = Element::new(a::Commands);
            for id in adds {
                cmds.push(
                    Element::new(a::Add)
                        .with(Element::text(a::ServerId, *id))
                        .with(
                            Element::new(a::ApplicationData)
                                .with(Element::text(em::Subject, format!("item {id}")))
                                .with(Element::text(em::From, "x@example.com"))
                                .with(Element::text(em::DateReceived, "2026-11-27T10:00:00.000Z"))
                                .with(Element::text(em::Read, "0")),
                        ),
                );
            }
            col.push(cmds);
        }
        let doc = Element::new(a::Sync).with(Element::new(a::Collections).with(col));
        (200, "", kontor_wbxml::encode(&doc).unwrap())
    }

    async fn context(
        url: &str,
    ) -> (
        AccountContext,
        tokio::sync::broadcast::Receiver<EngineEvent>,
    ) {
        let store = Store::open_in_memory().await.unwrap();
        let account_id = store
            .upsert_account(url, "alice", "14.1", "")
            .await
            .unwrap();
        store
            .apply_folder_sync(
                account_id,
                "1",
                true,
                &[crate::store::FolderChange::Upsert {
                    server_id: "38".into(),
                    parent_id: "0".into(),
                    display_name: "Inbox".into(),
                    folder_type: 2,
                }],
            )
            .await
            .unwrap();
        store
            .apply_mail_batch(
                account_id,
                "38",
                &MailBatch {
                    sync_key: "{u}1".into(),
                    changes: Vec::new(),
                    complete: false,
                },
            )
            .await
            .unwrap();
        let events = EventBus::default();
        let rx = events.subscribe();
        let client = kontor_eas::EasClient::new(
            kontor_eas::EasConfig::new(url, "alice", "pw", "EngineTest1").unwrap(),
        )
        .unwrap();
        (
            AccountContext {
                account_id,
                client,
                store,
                events,
                window_size: 100,
                max_attempts: 5,
                seed: Some(3),
            },
            rx,
        )
    }

    async fn cached_ids(cx: &AccountContext) -> Vec<String> {
        cx.store.server_ids_in_folder("38").await.unwrap()
    }

    #[tokio::test]
    async fn a_change_naming_the_placeholder_of_a_move_whose_source_was_gone_is_a_conflict() {
        // No server: the operation must be settled without a request.
        let (mut cx, mut rx) = context("http://127.0.0.1:9/Microsoft-Server-ActiveSync").await;
        let acc = cx.account_id;
        cx.store
            .apply_folder_sync(
                acc,
                "2",
                false,
                &[crate::store::FolderChange::Upsert {
                    server_id: "39".into(),
                    parent_id: "0".into(),
                    display_name: "Archiv".into(),
                    folder_type: 12,
                }],
            )
            .await
            .unwrap();
        cx.store
            .apply_mail_batch(
                acc,
                "38",
                &MailBatch {
                    sync_key: "{u}2".into(),
                    changes: vec![MailChange::Upsert(crate::store::MessageData {
                        server_id: "a1".into(),
                        subject: "moved".into(),
                        ..crate::store::MessageData::default()
                    })],
                    complete: false,
                },
            )
            .await
            .unwrap();
        let mv = cx
            .store
            .enqueue(
                acc,
                &OutboxOp::Move {
                    folder_id: "38".into(),
                    server_id: "a1".into(),
                    to_folder_id: "39".into(),
                },
            )
            .await
            .unwrap();
        let flag = cx
            .store
            .enqueue(
                acc,
                &OutboxOp::Flag {
                    folder_id: "39".into(),
                    server_id: format!("local:{mv}"),
                    flag_status: 2,
                },
            )
            .await
            .unwrap();
        // The move's source was gone on the server and no copy showed up in the destination.
        cx.store.mark_move_source_gone(mv).await.unwrap();
        super::super::outbox::replay(&mut cx).await.unwrap();
        let entry = cx.store.outbox_entry(flag).await.unwrap().unwrap();
        assert_eq!(entry.state, crate::store::OutboxState::Done);
        let mut conflict = false;
        while let Ok(e) = rx.try_recv() {
            conflict |= matches!(&e, EngineEvent::OutboxConflict { op_id, .. } if *op_id == flag);
        }
        assert!(conflict, "the lost change is reported");
    }

    #[tokio::test]
    async fn a_looping_item_is_quarantined_and_the_folder_keeps_syncing() {
        // Z-Push after a repeated key: windows of one, the same broken item, the same key.
        let (url, seen) = scripted(vec![
            sync_answer("{u}2", true, &["a1", "a2"], vec![]),
            sync_answer("{u}2", true, &["bad"], vec![]),
            sync_answer("{u}2", true, &["bad"], vec![]),
            sync_answer("{u}2", true, &["bad"], vec![]),
            sync_answer("{u}3", false, &["a3"], vec![]),
        ])
        .await;
        let (mut cx, mut rx) = context(&url).await;
        sync_pass(&mut cx, "38", Vec::new()).await.unwrap();
        assert_eq!(cached_ids(&cx).await, ["a1", "a2", "a3"]);
        assert_eq!(
            cx.store.sync_key(cx.account_id, "38").await.unwrap(),
            "{u}3"
        );
        let q = cx.store.quarantined(Some(cx.account_id)).await.unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].server_id, "bad");
        assert!(q[0].reason.contains("bad"), "{}", q[0].reason);
        assert!(!q[0].raw.is_empty(), "the raw item is kept for diagnosis");
        assert_eq!(seen.lock().unwrap().len(), 5);
        let mut quarantined = false;
        while let Ok(e) = rx.try_recv() {
            quarantined |=
                matches!(&e, EngineEvent::ItemQuarantined { server_id, .. } if server_id == "bad");
        }
        assert!(quarantined);

        // Later windows leave the quarantined item out even when the server sends it again.
        let (url2, _) = scripted(vec![sync_answer("{u}4", false, &["bad", "a4"], vec![])]).await;
        cx.client = kontor_eas::EasClient::new(
            kontor_eas::EasConfig::new(&url2, "alice", "pw", "EngineTest1").unwrap(),
        )
        .unwrap();
        sync_pass(&mut cx, "38", Vec::new()).await.unwrap();
        assert_eq!(cached_ids(&cx).await, ["a1", "a2", "a3", "a4"]);
    }

    #[tokio::test]
    async fn invalid_sync_key_resyncs_from_zero_and_keeps_local_changes() {
        let status3 = {
            let col = Element::new(a::Collection)
                .with(Element::text(a::SyncKey, "0"))
                .with(Element::text(a::CollectionId, "38"))
                .with(Element::text(a::Status, "3"));
            let doc = Element::new(a::Sync).with(Element::new(a::Collections).with(col));
            (200, "", kontor_wbxml::encode(&doc).unwrap())
        };
        let (url, _) = scripted(vec![
            sync_answer("{u}2", false, &["a1", "a2"], vec![]),
            status3,
            sync_answer("{v}1", false, &[], vec![]),
            // GetItemEstimate for the progress of the re-sync: a failure only costs the estimate.
            (500, "", Vec::new()),
            sync_answer("{v}2", false, &["a2"], vec![]),
        ])
        .await;
        let (mut cx, _rx) = context(&url).await;
        sync_pass(&mut cx, "38", Vec::new()).await.unwrap();
        assert_eq!(cached_ids(&cx).await, ["a1", "a2"]);
        // A local change waiting in the outbox for a1.
        let op = cx
            .store
            .enqueue(
                cx.account_id,
                &OutboxOp::MarkRead {
                    folder_id: "38".into(),
                    server_id: "a1".into(),
                    read: true,
                },
            )
            .await
            .unwrap();
        sync_pass(&mut cx, "38", Vec::new()).await.unwrap();
        assert_eq!(
            cx.store.sync_key(cx.account_id, "38").await.unwrap(),
            "{v}2"
        );
        // a1 was not re-delivered but has an unsent local change: kept; the outbox is intact.
        assert_eq!(cached_ids(&cx).await, ["a1", "a2"]);
        let entry = cx.store.outbox_entry(op).await.unwrap().unwrap();
        assert_eq!(entry.state, crate::store::OutboxState::Pending);
    }

    #[tokio::test]
    async fn outbox_retries_busy_servers_reports_conflicts_and_parks_what_cannot_work() {
        let not_found = Element::new(a::Change)
            .with(Element::text(a::ServerId, "a1"))
            .with(Element::text(a::Status, "8"));
        let (url, _) = scripted(vec![
            sync_answer("{u}2", false, &["a1"], vec![]),
            // The replay's plain pass before the command (see `sync_pass`).
            (503, "Retry-After: 7\r\n", Vec::new()),
            sync_answer("{u}3", false, &[], vec![]),
            sync_answer("{u}3", false, &[], vec![not_found]),
        ])
        .await;
        let (mut cx, mut rx) = context(&url).await;
        sync_pass(&mut cx, "38", Vec::new()).await.unwrap();
        let op = cx
            .store
            .enqueue(
                cx.account_id,
                &OutboxOp::MarkRead {
                    folder_id: "38".into(),
                    server_id: "a1".into(),
                    read: true,
                },
            )
            .await
            .unwrap();
        // 503 with Retry-After: retried no sooner than the server asked.
        let wait = crate::engine::outbox::replay(&mut cx).await.unwrap();
        assert!(
            wait.is_some_and(|w| w >= Duration::from_secs(7)),
            "{wait:?}"
        );
        let e = cx.store.outbox_entry(op).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Pending);
        assert_eq!(e.attempts, 1);
        assert!(e.last_error.contains("busy"), "{}", e.last_error);
        // Not due yet: nothing is sent.
        let again = crate::engine::outbox::replay(&mut cx).await.unwrap();
        assert!(again.is_some());
        // Due: the server says the item is gone → a conflict, reported, removed from the queue.
        cx.store.make_due_now(op).await.unwrap();
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(op).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Done);
        // A draft save on ActiveSync 14.1: nothing can be sent (no request is made, the
        // scripted server has no answer left), the draft is kept on this computer.
        let draft = cx
            .store
            .enqueue(
                cx.account_id,
                &OutboxOp::DraftSave {
                    client_id: "d1".into(),
                    folder_id: "38".into(),
                    server_id: String::new(),
                    mime: "Subject: x\r\nTo: bob@example.com\r\n\r\ny".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(draft).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Done);
        assert!(cx.store.parked().await.unwrap().is_empty());
        let kept = cx
            .store
            .message_by_server_id(cx.account_id, "38", &format!("local:{draft}"))
            .await
            .unwrap()
            .expect("the draft stays in the cache");
        assert_eq!(kept.subject, "x");
        assert_eq!(kept.local_state, crate::store::messages::local::DRAFT);
        let mut seen = Vec::new();
        while let Ok(e) = rx.try_recv() {
            seen.push(e);
        }
        assert!(seen.iter().any(|e| matches!(e, EngineEvent::OutboxRetry { op_id, retry_in_ms, .. } if *op_id == op && *retry_in_ms >= 7000)), "{seen:#?}");
        assert!(
            seen.iter()
                .any(|e| matches!(e, EngineEvent::OutboxConflict { op_id, .. } if *op_id == op)),
            "{seen:#?}"
        );
    }

    #[tokio::test]
    async fn drafts_are_stored_on_the_server_from_activesync_16() {
        let added = Element::new(a::Add)
            .with(Element::text(a::ClientId, "draft-1"))
            .with(Element::text(a::ServerId, "38:7"))
            .with(Element::text(a::Status, "1"));
        let changed = Element::new(a::Change)
            .with(Element::text(a::ServerId, "38:7"))
            .with(Element::text(a::Status, "1"));
        let (url, seen) = scripted(vec![
            sync_answer("{u}2", false, &[], vec![]),
            sync_answer("{u}3", false, &[], vec![added]),
            sync_answer("{u}4", false, &[], vec![]),
            sync_answer("{u}5", false, &[], vec![changed]),
        ])
        .await;
        let (mut cx, _rx) = context(&url).await;
        cx.client.set_version(kontor_eas::ProtocolVersion::V16_0);
        let save = |subject: &str, server_id: String| OutboxOp::DraftSave {
            client_id: "draft-1".into(),
            folder_id: "38".into(),
            server_id,
            mime: format!(
                "Subject: {subject}\r\nTo: \"Bob\" <bob@example.com>\r\n\r\nText {subject}"
            ),
        };
        let first = cx
            .store
            .enqueue(cx.account_id, &save("Entwurf eins", String::new()))
            .await
            .unwrap();
        // Saved again before the first save reached the server: it names the placeholder.
        let second = cx
            .store
            .enqueue(
                cx.account_id,
                &save("Entwurf zwei", format!("local:{first}")),
            )
            .await
            .unwrap();
        let row = cx
            .store
            .message_by_server_id(cx.account_id, "38", &format!("local:{first}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.subject, "Entwurf zwei");
        assert_eq!(row.local_state, crate::store::messages::local::DRAFT);

        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        for op in [first, second] {
            let e = cx.store.outbox_entry(op).await.unwrap().unwrap();
            assert_eq!(e.state, crate::store::OutboxState::Done, "{e:?}");
        }
        // The row took the server's ServerId and is an ordinary server item again.
        let stored = cx
            .store
            .message_by_server_id(cx.account_id, "38", "38:7")
            .await
            .unwrap()
            .expect("the draft has the server's id");
        assert_eq!(stored.id, row.id);
        assert_eq!(stored.local_state, 0);
        let body = |i: usize| String::from_utf8_lossy(&seen.lock().unwrap()[i]).into_owned();
        // An Add with the ClientId and the first text, then a Change of 38:7 with the second.
        assert!(body(1).contains("draft-1") && body(1).contains("Entwurf eins"));
        assert!(!body(1).contains("38:7"));
        assert!(body(3).contains("38:7") && body(3).contains("Entwurf zwei"));
        assert!(body(3).contains("Bob") && body(3).contains("bob@example.com"));
        assert_eq!(seen.lock().unwrap().len(), 4);
    }

    // ── Deletes: MoveItems to Deleted Items, and the delete check ──

    /// A Sync answer for folder `col` with item answers (`Responses`) and no changes.
    fn sync_in(col: &str, key: &str, responses: Vec<Element>) -> Answer {
        let mut c = Element::new(a::Collection)
            .with(Element::text(a::SyncKey, key))
            .with(Element::text(a::CollectionId, col))
            .with(Element::text(a::Status, "1"));
        if !responses.is_empty() {
            let mut r = Element::new(a::Responses);
            for e in responses {
                r.push(e);
            }
            c.push(r);
        }
        let doc = Element::new(a::Sync).with(Element::new(a::Collections).with(c));
        (200, "", kontor_wbxml::encode(&doc).unwrap())
    }

    /// An item answer to a Sync `Delete`.
    fn delete_status(server_id: &str, status: &str) -> Element {
        Element::new(a::Delete)
            .with(Element::text(a::ServerId, server_id))
            .with(Element::text(a::Status, status))
    }

    /// The answer to a Sync `Fetch`: the item (status 1) or "not found" (8).
    fn fetched(server_id: &str, found: bool) -> Element {
        let mut f = Element::new(a::Fetch)
            .with(Element::text(a::ServerId, server_id))
            .with(Element::text(a::Status, if found { "1" } else { "8" }));
        if found {
            f.push(
                Element::new(a::ApplicationData)
                    .with(Element::text(em::Subject, format!("item {server_id}")))
                    .with(Element::text(em::From, "x@example.com")),
            );
        }
        f
    }

    /// A MoveItems answer for one item.
    fn moved(src: &str, status: u16, dst: Option<&str>) -> Answer {
        use kontor_wbxml::pages::moveitems as mv;
        let mut r = Element::new(mv::Response)
            .with(Element::text(mv::SrcMsgId, src))
            .with(Element::text(mv::Status, status.to_string()));
        if let Some(d) = dst {
            r.push(Element::text(mv::DstMsgId, d));
        }
        let doc = Element::new(mv::MoveItems).with(r);
        (200, "", kontor_wbxml::encode(&doc).unwrap())
    }

    /// Adds Deleted Items (`40`, type 4) and caches `server_id` in `folder`; returns the row id.
    async fn with_trash_and(cx: &AccountContext, folder: &str, server_id: &str) -> i64 {
        cx.store
            .apply_folder_sync(
                cx.account_id,
                "2",
                false,
                &[crate::store::FolderChange::Upsert {
                    server_id: "40".into(),
                    parent_id: "0".into(),
                    display_name: "Trash".into(),
                    folder_type: 4,
                }],
            )
            .await
            .unwrap();
        cx.store
            .apply_mail_batch(
                cx.account_id,
                "40",
                &MailBatch {
                    sync_key: "{u}2".into(),
                    changes: Vec::new(),
                    complete: false,
                },
            )
            .await
            .unwrap();
        cx.store
            .apply_mail_batch(
                cx.account_id,
                folder,
                &MailBatch {
                    sync_key: "{u}2".into(),
                    changes: vec![MailChange::Upsert(MessageData {
                        server_id: server_id.into(),
                        subject: format!("item {server_id}"),
                        ..MessageData::default()
                    })],
                    complete: false,
                },
            )
            .await
            .unwrap();
        cx.store
            .message_by_server_id(cx.account_id, folder, server_id)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    fn drain(rx: &mut tokio::sync::broadcast::Receiver<EngineEvent>) -> Vec<EngineEvent> {
        let mut seen = Vec::new();
        while let Ok(e) = rx.try_recv() {
            seen.push(e);
        }
        seen
    }

    #[tokio::test]
    async fn a_delete_moves_the_message_to_deleted_items() {
        let (url, seen) = scripted(vec![moved("a1", 3, Some("40:9"))]).await;
        let (mut cx, _rx) = context(&url).await;
        let id = with_trash_and(&cx, "38", "a1").await;
        let op = cx.store.delete_operation(id, false).await.unwrap();
        assert_eq!(
            op,
            OutboxOp::Move {
                folder_id: "38".into(),
                server_id: "a1".into(),
                to_folder_id: "40".into(),
            }
        );
        let q = cx.store.enqueue(cx.account_id, &op).await.unwrap();
        // Shown in Deleted Items at once.
        assert_eq!(
            cx.store.server_ids_in_folder("40").await.unwrap(),
            [format!("local:{q}")]
        );
        assert!(cached_ids(&cx).await.is_empty());
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(q).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Done);
        let row = cx.store.message(id).await.unwrap().unwrap();
        assert_eq!(
            (row.folder_id.as_str(), row.server_id.as_str()),
            ("40", "40:9")
        );
        assert_eq!(row.local_state, 0);
        let requests = seen.lock().unwrap().clone();
        assert_eq!(requests.len(), 1, "one MoveItems, no Sync Delete");
        let doc = kontor_wbxml::decode(requests[0].clone()).unwrap();
        let m = doc
            .root()
            .child(kontor_wbxml::pages::moveitems::Move)
            .expect("a MoveItems request");
        use kontor_wbxml::pages::moveitems as mv;
        assert_eq!(m.child_text(mv::SrcMsgId).as_deref(), Some("a1"));
        assert_eq!(m.child_text(mv::SrcFldId).as_deref(), Some("38"));
        assert_eq!(m.child_text(mv::DstFldId).as_deref(), Some("40"));
    }

    #[tokio::test]
    async fn a_delete_not_found_while_the_folder_still_holds_it_is_moved_to_deleted_items() {
        // Z-Push's IMAP backend: a Sync Delete answered "not found" (8) although the message
        // stays in the Inbox.
        let (url, seen) = scripted(vec![
            sync_in("38", "{u}3", vec![]),
            sync_in("38", "{u}4", vec![delete_status("a1", "8")]),
            // The check: a plain pass, then the Fetch finds it still there.
            sync_in("38", "{u}4", vec![]),
            sync_in("38", "{u}5", vec![fetched("a1", true)]),
            // Tried again the other way: MoveItems to Deleted Items.
            moved("a1", 3, Some("40:5")),
        ])
        .await;
        let (mut cx, mut rx) = context(&url).await;
        let id = with_trash_and(&cx, "38", "a1").await;
        // A Sync Delete that leaves the choice to the server (queued before Deleted Items was
        // known, or by an older version).
        let q = cx
            .store
            .enqueue(
                cx.account_id,
                &OutboxOp::Delete {
                    folder_id: "38".into(),
                    server_id: "a1".into(),
                    permanent: false,
                },
            )
            .await
            .unwrap();
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(q).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Done, "{e:?}");
        assert!(matches!(e.op, OutboxOp::Move { ref to_folder_id, .. } if to_folder_id == "40"));
        let row = cx.store.message(id).await.unwrap().expect("not dropped");
        assert_eq!(
            (row.folder_id.as_str(), row.server_id.as_str()),
            ("40", "40:5")
        );
        assert_eq!(row.local_state, 0);
        assert_eq!(seen.lock().unwrap().len(), 5);
        let events = drain(&mut rx);
        assert!(
            events
                .iter()
                .any(|e| matches!(e, EngineEvent::OutboxRetry { op_id, .. } if *op_id == q)),
            "{events:#?}"
        );
    }

    #[tokio::test]
    async fn a_delete_not_found_whose_message_is_gone_is_done() {
        // Z-Push answers the Fetch of a gone item "not found".
        delete_not_found_then_gone(fetched("a1", false)).await;
    }

    #[tokio::test]
    async fn a_delete_not_found_is_done_when_sogo_fetches_a_stand_in() {
        // SOGo answers the Fetch of an id it does not have with status 1 and an item without
        // sender or subject.
        let stand_in = Element::new(a::Fetch)
            .with(Element::text(a::ServerId, "a1"))
            .with(Element::text(a::Status, "1"))
            .with(
                Element::new(a::ApplicationData)
                    .with(Element::text(em::DateReceived, "2026-12-04T20:42:37.017Z"))
                    .with(Element::text(em::Read, "0")),
            );
        delete_not_found_then_gone(stand_in).await;
    }

    async fn delete_not_found_then_gone(fetch_answer: Element) {
        let (url, seen) = scripted(vec![
            sync_in("38", "{u}3", vec![]),
            sync_in("38", "{u}4", vec![delete_status("a1", "8")]),
            sync_in("38", "{u}4", vec![]),
            sync_in("38", "{u}5", vec![fetch_answer]),
        ])
        .await;
        let (mut cx, mut rx) = context(&url).await;
        let id = with_trash_and(&cx, "38", "a1").await;
        let q = cx
            .store
            .enqueue(
                cx.account_id,
                &OutboxOp::Delete {
                    folder_id: "38".into(),
                    server_id: "a1".into(),
                    permanent: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(q).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Done);
        assert!(cx.store.message(id).await.unwrap().is_none());
        // Done only after the Fetch showed it gone.
        assert_eq!(seen.lock().unwrap().len(), 4);
        let events = drain(&mut rx);
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, EngineEvent::OutboxConflict { .. })),
            "{events:#?}"
        );
    }

    #[tokio::test]
    async fn a_permanent_delete_from_deleted_items_is_a_sync_delete_for_good() {
        let (url, seen) = scripted(vec![
            sync_in("40", "{u}3", vec![]),
            sync_in("40", "{u}4", vec![]),
        ])
        .await;
        let (mut cx, _rx) = context(&url).await;
        let id = with_trash_and(&cx, "40", "t1").await;
        let op = cx.store.delete_operation(id, false).await.unwrap();
        assert_eq!(
            op,
            OutboxOp::Delete {
                folder_id: "40".into(),
                server_id: "t1".into(),
                permanent: true,
            }
        );
        let q = cx.store.enqueue(cx.account_id, &op).await.unwrap();
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(q).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Done);
        assert!(cx.store.message(id).await.unwrap().is_none());
        let requests = seen.lock().unwrap().clone();
        assert_eq!(requests.len(), 2);
        let doc = kontor_wbxml::decode(requests[1].clone()).unwrap();
        let col = doc.root().path(&[a::Collections, a::Collection]).unwrap();
        assert_eq!(col.child_text(a::DeletesAsMoves).as_deref(), Some("0"));
        let del = col.path(&[a::Commands, a::Delete]).expect("a Sync Delete");
        assert_eq!(del.child_text(a::ServerId).as_deref(), Some("t1"));
        // Shift+Del elsewhere is the same Sync Delete.
        let inbox = with_trash_and(&cx, "38", "a2").await;
        assert!(matches!(
            cx.store.delete_operation(inbox, true).await.unwrap(),
            OutboxOp::Delete { permanent: true, ref folder_id, .. } if folder_id == "38"
        ));
    }

    #[tokio::test]
    async fn a_permanent_delete_the_server_did_not_do_shows_the_message_again() {
        let (url, seen) = scripted(vec![
            sync_in("38", "{u}3", vec![]),
            // No answer for the folder: nothing confirms the delete.
            (200, "", Vec::new()),
            sync_in("38", "{u}4", vec![]),
            sync_in("38", "{u}5", vec![fetched("a1", true)]),
        ])
        .await;
        let (mut cx, mut rx) = context(&url).await;
        let id = with_trash_and(&cx, "38", "a1").await;
        let op = cx.store.delete_operation(id, true).await.unwrap();
        let q = cx.store.enqueue(cx.account_id, &op).await.unwrap();
        assert!(
            cx.store
                .messages_page(cx.account_id, "38", None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(q).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Parked, "{e:?}");
        assert!(e.last_error.starts_with("conflict:"), "{}", e.last_error);
        // Shown again in its folder, and listed among the parked operations.
        let shown = cx
            .store
            .messages_page(cx.account_id, "38", None, 10)
            .await
            .unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].id, id);
        assert_eq!(shown[0].local_state, 0);
        assert_eq!(cx.store.parked().await.unwrap().len(), 1);
        assert_eq!(seen.lock().unwrap().len(), 4);
        let events = drain(&mut rx);
        assert!(
            events
                .iter()
                .any(|e| matches!(e, EngineEvent::OutboxConflict { op_id, .. } if *op_id == q)),
            "{events:#?}"
        );
        // Tried again by the user: hidden again while it waits.
        cx.store.retry_parked(q).await.unwrap();
        assert!(
            cx.store
                .messages_page(cx.account_id, "38", None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_move_the_server_did_not_do_puts_the_message_back_and_is_a_conflict() {
        let (url, seen) = scripted(vec![
            // MoveItems: "invalid source".
            moved("a1", 1, None),
            // The destination holds no copy …
            sync_in("40", "{u}3", vec![]),
            // … and the source still holds the message.
            sync_in("38", "{u}3", vec![]),
            sync_in("38", "{u}4", vec![fetched("a1", true)]),
        ])
        .await;
        let (mut cx, mut rx) = context(&url).await;
        let id = with_trash_and(&cx, "38", "a1").await;
        let op = cx.store.delete_operation(id, false).await.unwrap();
        let q = cx.store.enqueue(cx.account_id, &op).await.unwrap();
        assert_eq!(crate::engine::outbox::replay(&mut cx).await.unwrap(), None);
        let e = cx.store.outbox_entry(q).await.unwrap().unwrap();
        assert_eq!(e.state, crate::store::OutboxState::Parked, "{e:?}");
        assert!(e.last_error.starts_with("conflict:"), "{}", e.last_error);
        let row = cx.store.message(id).await.unwrap().expect("not dropped");
        assert_eq!(
            (row.folder_id.as_str(), row.server_id.as_str()),
            ("38", "a1")
        );
        assert_eq!(row.local_state, 0);
        assert_eq!(seen.lock().unwrap().len(), 4);
        let events = drain(&mut rx);
        assert!(
            events
                .iter()
                .any(|e| matches!(e, EngineEvent::OutboxConflict { op_id, .. } if *op_id == q)),
            "{events:#?}"
        );
    }
}
