//! Mail items: batches from Sync, the folder list query, bodies and attachment metadata.
//!
//! ## Ids in arrival order, sort keys in date order
//!
//! `message.id` counts up with every insert, so a Sync window's new rows are appended to the
//! table whatever the order of their dates. `message.sort_key` is `date * 2^20 + n` (`date` in
//! Unix seconds, `n` the first free slot of that second), so `ORDER BY sort_key DESC` is
//! newest first; the full-text indexes use it as their rowid and can stop after `limit` hits
//! (search.rs). (Migration 0005; rows stored before it have `sort_key = id`.) The folder list
//! uses the index `(account_id, folder_id, date DESC, id DESC)` with a keyset cursor
//! `(date, id)`.
//!
//! ## The local-change rule
//!
//! A change the user made and the server has not confirmed yet is recorded twice: as an
//! `outbox` row and as a bit in `message.local_state` (1 read, 2 flag, 4 moved here,
//! 8 deleted). While a bit is set, a server Add/Change for the same item updates every other
//! field but leaves that one alone; the bit is cleared when the last outbox row touching that
//! field is done or discarded (outbox.rs). A locally deleted message (bit 8) stays in the table,
//! hidden from lists and search, until the server confirms the delete. A server Delete removes
//! the message even with bits set: the pending outbox row then fails on the server with
//! "object not found", which the sync engine reports instead of dropping it silently.
//! A locally moved message sits in its destination under the placeholder ServerId
//! `local:<outbox id>` (bit 4); while the move is unfinished, a server Add/Change for the
//! old ServerId in the source folder does not bring the message back there (it would show
//! twice). A move whose source the server no longer has removes the placeholder; a discarded
//! move puts the message back where it was.
//!
//! A re-sync from SyncKey 0 (`InvalidSyncKey`, MS-ASCMD 2.2.1.21.1.2) goes through
//! [`Store::begin_mail_resync`]: the folder's key becomes "0" and its messages are marked
//! `resync = 1`, and a marker row `resync<U+001F><folder>` in `sync_state` records that a
//! re-sync is under way; items the server re-delivers are matched by ServerId (keeping their
//! local bits), and the batch that ends the re-sync (`complete`) removes what was not
//! re-delivered, except messages with local bits, and drops the marker. The outbox is not
//! touched.
//!
//! ## Drafts
//!
//! A draft the user saves (outbox `DraftSave`, [`write_draft`]) is a row in the Drafts
//! folder with the bit 16 (`local::DRAFT`) and its text as a full plain body. A new draft
//! gets the placeholder ServerId `local:<outbox id>`. On ActiveSync 16.x the outbox adds it to
//! the server's Drafts folder (Sync `Add`) or changes it there, and the row takes the server's
//! ServerId and loses the bit. Below 16.0 (SOGo, older Z-Push) the protocol cannot store a
//! draft on the server: the row stays a draft **kept on this computer** (placeholder id, bit
//! set) — kept across re-syncs and restarts, sendable, deletable. While the bit is set a
//! server Add/Change of the same ServerId changes nothing, and a server Delete of it does not
//! remove the user's text: the row gets a placeholder id (`local:draft<row id>`) and stays.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::search::reindex_later;
use super::{Address, Store, write_sync_key};
use crate::error::CoreError;

/// Bits of `message.local_state`.
pub mod local {
    pub const READ: i64 = 1;
    pub const FLAG: i64 = 2;
    pub const MOVED: i64 = 4;
    pub const DELETED: i64 = 8;
    /// A draft saved on this computer: its text is the user's. Server Add/Change leave it
    /// alone, a server Delete turns it into a draft kept only here (module docs "Drafts").
    pub const DRAFT: i64 = 16;
}

const ID_SLOTS: i64 = 1 << 20;

/// How much of a body is cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BodyState {
    #[default]
    None = 0,
    Preview = 1,
    Full = 2,
}

impl BodyState {
    fn from_i64(v: i64) -> Self {
        match v {
            1 => BodyState::Preview,
            2 => BodyState::Full,
            _ => BodyState::None,
        }
    }
}

/// Attachment metadata as Sync delivers it (MS-ASAIRS 2.2.2.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachmentMeta {
    pub file_reference: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub content_id: String,
    pub inline: bool,
}

/// A message's headers and state as the server sent them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageData {
    pub server_id: String,
    pub message_id: String,
    pub subject: String,
    pub from: Address,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// Reply-To (MS-ASEMAIL ReplyTo); empty when the sender set none.
    pub reply_to: Vec<Address>,
    pub date: DateTime<Utc>,
    pub preview: String,
    pub read: bool,
    /// MS-ASEMAIL FlagStatus: 0 none, 1 complete, 2 active.
    pub flag_status: i64,
    /// MS-ASEMAIL Importance: 0 low, 1 normal, 2 high.
    pub importance: i64,
    pub has_attachments: bool,
    pub conversation_id: String,
    pub body_state: BodyState,
    pub size: i64,
    pub attachments: Vec<AttachmentMeta>,
    /// The body text the Sync brought (kept as the message's `plain` body, so the pane shows it
    /// without the server); empty when none.
    pub body: String,
    /// `body` is the whole message as its sender wrote it (plain text, not cut). Otherwise it
    /// stands in until the whole message is fetched (an HTML mail's text, a cut body).
    pub body_complete: bool,
}

/// One item of a mail Sync response (MS-ASCMD 2.2.1.21 Commands).
// Most items of a batch are Upserts; boxing them would only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailChange {
    /// Add, or a Change carrying the whole item: inserted or updated by ServerId.
    Upsert(MessageData),
    /// A Change carrying only flags (the usual Z-Push Change).
    Flags {
        server_id: String,
        read: Option<bool>,
        flag_status: Option<i64>,
    },
    /// Delete or SoftDelete.
    Delete { server_id: String },
}

/// One mail Sync answer for one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailBatch {
    pub sync_key: String,
    pub changes: Vec<MailChange>,
    /// No MoreAvailable: the last batch of this sync. Ends a re-sync from 0.
    pub complete: bool,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchOutcome {
    pub added: u32,
    pub updated: u32,
    pub deleted: u32,
    /// Fields left as they were because a local change is pending.
    pub kept_local: u32,
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageRow {
    pub id: i64,
    pub account_id: i64,
    pub folder_id: String,
    pub server_id: String,
    pub message_id: String,
    pub subject: String,
    pub from: Address,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub date: i64,
    pub preview: String,
    pub read: bool,
    pub flag_status: i64,
    pub importance: i64,
    pub has_attachments: bool,
    pub conversation_id: String,
    pub body_state: BodyState,
    pub size: i64,
    pub local_state: i64,
}

/// Keyset cursor for the next page of a folder: the last row's `(date, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCursor {
    pub date: i64,
    pub id: i64,
}

impl MessageRow {
    pub fn cursor(&self) -> PageCursor {
        PageCursor {
            date: self.date,
            id: self.id,
        }
    }
}

/// A body part (MS-ASAIRS 2.2.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    Plain,
    Html,
    Mime,
}

impl BodyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Plain => "plain",
            BodyKind::Html => "html",
            BodyKind::Mime => "mime",
        }
    }

    fn parse(s: &str) -> Result<Self, CoreError> {
        match s {
            "plain" => Ok(BodyKind::Plain),
            "html" => Ok(BodyKind::Html),
            "mime" => Ok(BodyKind::Mime),
            other => Err(CoreError::InvalidInput(format!(
                "unknown body kind {other:?} in the database"
            ))),
        }
    }
}

/// A fetched body part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPart {
    pub kind: BodyKind,
    /// Plain or HTML text.
    pub text: String,
    /// MIME bytes (`kind == Mime`).
    pub data: Vec<u8>,
    pub truncated: bool,
    pub total_size: i64,
}

/// Attachment metadata as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRow {
    pub id: i64,
    pub message_id: i64,
    pub file_reference: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub content_id: String,
    pub inline: bool,
    /// Where the bytes are on disk, '' until fetched.
    pub local_path: String,
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, account_id, folder_id, server_id, message_id, \
     subject, from_name, from_addr, to_json, cc_json, reply_to_json, date, preview, read, \
     flag_status, importance, has_attachments, conversation_id, body_state, size, local_state";

pub(crate) fn message_from_row(r: &SqliteRow) -> Result<MessageRow, CoreError> {
    let to: String = r.try_get("to_json")?;
    let cc: String = r.try_get("cc_json")?;
    let reply_to: String = r.try_get("reply_to_json")?;
    Ok(MessageRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        folder_id: r.try_get("folder_id")?,
        server_id: r.try_get("server_id")?,
        message_id: r.try_get("message_id")?,
        subject: r.try_get("subject")?,
        from: Address {
            name: r.try_get("from_name")?,
            addr: r.try_get("from_addr")?,
        },
        to: parse_addresses(&to)?,
        cc: parse_addresses(&cc)?,
        reply_to: parse_addresses(&reply_to)?,
        date: r.try_get("date")?,
        preview: r.try_get("preview")?,
        read: r.try_get("read")?,
        flag_status: r.try_get("flag_status")?,
        importance: r.try_get("importance")?,
        has_attachments: r.try_get("has_attachments")?,
        conversation_id: r.try_get("conversation_id")?,
        body_state: BodyState::from_i64(r.try_get("body_state")?),
        size: r.try_get("size")?,
        local_state: r.try_get("local_state")?,
    })
}

pub(crate) fn parse_addresses(json: &str) -> Result<Vec<Address>, CoreError> {
    serde_json::from_str(json)
        .map_err(|e| CoreError::InvalidInput(format!("stored address list is not valid: {e}")))
}

fn addresses_json(list: &[Address]) -> String {
    // Serialising plain strings cannot fail.
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// The base of the sort key range of one second (module docs).
pub(crate) fn key_base(date: i64) -> i64 {
    date.clamp(0, i64::MAX / ID_SLOTS - 1) * ID_SLOTS
}

/// Hands out ids and date-ordered sort keys for the new messages of one batch: the next id
/// and the first free slot of each second are looked up once per batch (one statement for all
/// seconds), then counted up here.
#[derive(Default)]
struct IdAllocator {
    /// Sort key base of a second → the next free key in it.
    next: HashMap<i64, i64>,
    /// The next row id (one more than the highest in the table).
    next_id: Option<i64>,
}

impl IdAllocator {
    /// Looks up the highest used sort key of every second in `dates` not yet known.
    async fn prepare(
        &mut self,
        conn: &mut SqliteConnection,
        dates: impl Iterator<Item = i64>,
    ) -> Result<(), CoreError> {
        let bases: BTreeSet<i64> = dates
            .map(key_base)
            .filter(|b| !self.next.contains_key(b))
            .collect();
        if bases.is_empty() {
            return Ok(());
        }
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT j.value,
                (SELECT max(sort_key) FROM message
                 WHERE sort_key >= j.value AND sort_key < j.value + ?2)
             FROM json_each(?1) j",
        )
        .bind(json_array(bases.iter()))
        .bind(ID_SLOTS)
        .fetch_all(&mut *conn)
        .await?;
        for (base, max) in rows {
            self.next.insert(base, max.map_or(base, |m| m + 1));
        }
        Ok(())
    }

    /// The next id and the next free sort key for `date` (one lookup each unless done
    /// before for this batch).
    async fn take(
        &mut self,
        conn: &mut SqliteConnection,
        date: i64,
    ) -> Result<(i64, i64), CoreError> {
        self.prepare(conn, std::iter::once(date)).await?;
        let base = key_base(date);
        let next = self.next.entry(base).or_insert(base);
        if *next >= base + ID_SLOTS {
            return Err(CoreError::InvalidInput(format!(
                "more than {ID_SLOTS} messages dated the same second ({date})"
            )));
        }
        let key = *next;
        *next += 1;
        let id = match self.next_id {
            Some(id) => id,
            None => {
                let max: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM message")
                    .fetch_one(&mut *conn)
                    .await?;
                max.unwrap_or(0) + 1
            }
        };
        self.next_id = Some(id + 1);
        Ok((id, key))
    }
}

/// A JSON array of the given values (for `json_each` in a statement).
fn json_array<T: Serialize>(values: impl Iterator<Item = T>) -> String {
    // Serialising strings and integers cannot fail.
    serde_json::to_string(&values.collect::<Vec<_>>()).unwrap_or_else(|_| "[]".to_owned())
}

/// The `sync_state` collection that marks a re-sync from 0 of `folder_id` as in progress, so
/// that only the batch ending a re-sync looks for messages the server did not re-deliver
/// (an ordinary batch must not scan the folder).
pub(crate) fn resync_marker(folder_id: &str) -> String {
    format!("resync\u{1f}{folder_id}")
}

/// Removes the re-sync marker of a folder; whether there was one.
async fn resync_marker_taken(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
) -> Result<bool, CoreError> {
    let done = sqlx::query("DELETE FROM sync_state WHERE account_id = ?1 AND collection = ?2")
        .bind(account_id)
        .bind(resync_marker(folder_id))
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The ServerIds that an unfinished outbox move takes out of `folder_id` (the local-change
/// rule for moves: the cache already shows those messages in the destination). One statement
/// per batch; the outbox does not change while a batch is applied.
async fn moving_away(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
) -> Result<HashSet<String>, CoreError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT o.item_id FROM outbox o
            JOIN account a ON a.server_url = o.account_url AND a.username = o.account_user
         WHERE a.id = ?1 AND o.folder_id = ?2 AND o.kind = 'move' AND o.state != 'done'",
    )
    .bind(account_id)
    .bind(folder_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.into_iter().collect())
}

/// `(id, local_state)` of the cached messages of `folder_id` among `server_ids`, by ServerId
/// (one statement per batch).
async fn existing_messages(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
    server_ids: impl Iterator<Item = &str>,
) -> Result<HashMap<String, (i64, i64)>, CoreError> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT server_id, id, local_state FROM message
         WHERE account_id = ?1 AND folder_id = ?2
           AND server_id IN (SELECT value FROM json_each(?3))",
    )
    .bind(account_id)
    .bind(folder_id)
    .bind(json_array(server_ids))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(server_id, id, local_state)| (server_id, (id, local_state)))
        .collect())
}

/// Rows per multi-row INSERT. A batch is written in chunks of powers of two up to this size,
/// so each connection caches a handful of statement shapes (sqlx prepares each once).
const INSERT_CHUNK: usize = 64;

/// `INSERT INTO <head> VALUES (?, …), (?, …)`: `rows` rows of `columns` parameters.
pub(crate) fn multi_row_insert(head: &str, columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("INSERT INTO {head} VALUES {}", vec![row; rows].join(", "))
}

/// Splits `rows` into chunks of `INSERT_CHUNK`, then of falling powers of two.
pub(crate) fn insert_chunks<T>(mut rows: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if rows.is_empty() {
            return None;
        }
        let n = INSERT_CHUNK.min(1 << rows.len().ilog2());
        let (head, tail) = rows.split_at(n);
        rows = tail;
        Some(head)
    })
}

/// Inserts new messages (ids already assigned, none of them cached yet) with their attachment
/// metadata, inside a transaction, as `indexed = 0`: the search indexes are filled later
/// (search.rs). Multi-row statements in ascending id order (neighbouring B-tree pages).
async fn insert_messages(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
    rows: &mut Vec<(i64, i64, &MessageData)>,
) -> Result<(), CoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    for chunk in insert_chunks(rows) {
        let sql = multi_row_insert(
            "message (id, sort_key, account_id, folder_id, server_id, message_id, subject,
                from_name, from_addr, to_json, cc_json, reply_to_json, date, preview, read,
                flag_status, importance, has_attachments, conversation_id, body_state, size)",
            21,
            chunk.len(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, key, m) in chunk {
            q = q
                .bind(*id)
                .bind(*key)
                .bind(account_id)
                .bind(folder_id)
                .bind(&m.server_id)
                .bind(&m.message_id)
                .bind(&m.subject)
                .bind(&m.from.name)
                .bind(&m.from.addr)
                .bind(addresses_json(&m.to))
                .bind(addresses_json(&m.cc))
                .bind(addresses_json(&m.reply_to))
                .bind(m.date.timestamp())
                .bind(&m.preview)
                .bind(m.read)
                .bind(m.flag_status)
                .bind(m.importance)
                .bind(m.has_attachments)
                .bind(&m.conversation_id)
                .bind(m.body_state as i64)
                .bind(m.size);
        }
        q.execute(&mut *conn).await?;
    }
    for (id, _, m) in rows.iter() {
        for a in &m.attachments {
            upsert_attachment(conn, *id, a).await?;
        }
        store_synced_body(conn, *id, m).await?;
    }
    rows.clear();
    Ok(())
}

async fn upsert_attachment(
    conn: &mut SqliteConnection,
    message_id: i64,
    a: &AttachmentMeta,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO attachment (message_id, file_reference, name, content_type, size,
            content_id, inline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (message_id, file_reference) DO UPDATE
            SET name = excluded.name, content_type = excluded.content_type,
                size = excluded.size, content_id = excluded.content_id,
                inline = excluded.inline",
    )
    .bind(message_id)
    .bind(&a.file_reference)
    .bind(&a.name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.content_id)
    .bind(a.inline)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Keeps the body text a Sync brought as the message's `plain` body; it never replaces a
/// complete body with a stand-in (a fetched one stays).
async fn store_synced_body(
    conn: &mut SqliteConnection,
    id: i64,
    m: &MessageData,
) -> Result<(), CoreError> {
    if m.body.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO message_body (message_id, kind, text, truncated, total_size)
         VALUES (?1, 'plain', ?2, ?3, ?4)
         ON CONFLICT (message_id, kind) DO UPDATE
            SET text = excluded.text, truncated = excluded.truncated,
                total_size = excluded.total_size, fetched_at = unixepoch()
            WHERE message_body.truncated = 1 OR excluded.truncated = 0",
    )
    .bind(id)
    .bind(&m.body)
    .bind(!m.body_complete)
    .bind(m.size)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Updates a cached message from the server inside a transaction, honouring the local-change
/// rule; returns whether a field was kept because of a pending local change.
async fn update_message(
    conn: &mut SqliteConnection,
    id: i64,
    local_state: i64,
    m: &MessageData,
) -> Result<bool, CoreError> {
    // Whether the text the search indexes (subject, people, preview) changes.
    let old: Option<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT subject, from_name, from_addr, to_json, cc_json, preview FROM message
         WHERE id = ?1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let to_json = addresses_json(&m.to);
    let cc_json = addresses_json(&m.cc);
    let text_changed = old.is_none_or(|(subject, from_name, from_addr, to, cc, preview)| {
        subject != m.subject
            || from_name != m.from.name
            || from_addr != m.from.addr
            || to != to_json
            || cc != cc_json
            || preview != m.preview
    });
    // The local-change rule: fields with a pending local change keep their value.
    sqlx::query(
        "UPDATE message SET message_id = ?2, subject = ?3, from_name = ?4, from_addr = ?5,
            to_json = ?6, cc_json = ?7, date = ?8, preview = ?9,
            read = CASE WHEN local_state & 1 THEN read ELSE ?10 END,
            flag_status = CASE WHEN local_state & 2 THEN flag_status ELSE ?11 END,
            importance = ?12, has_attachments = ?13, conversation_id = ?14,
            body_state = max(body_state, ?15), size = ?16, reply_to_json = ?17, resync = 0
         WHERE id = ?1",
    )
    .bind(id)
    .bind(&m.message_id)
    .bind(&m.subject)
    .bind(&m.from.name)
    .bind(&m.from.addr)
    .bind(&to_json)
    .bind(&cc_json)
    .bind(m.date.timestamp())
    .bind(&m.preview)
    .bind(m.read)
    .bind(m.flag_status)
    .bind(m.importance)
    .bind(m.has_attachments)
    .bind(&m.conversation_id)
    .bind(m.body_state as i64)
    .bind(m.size)
    .bind(addresses_json(&m.reply_to))
    .execute(&mut *conn)
    .await?;
    for a in &m.attachments {
        upsert_attachment(conn, id, a).await?;
    }
    store_synced_body(conn, id, m).await?;
    if text_changed {
        reindex_later(conn, id).await?;
    }
    Ok(local_state & (local::READ | local::FLAG) != 0)
}

/// A draft read from the MIME the user saved (outbox `DraftSave`): the row's fields, the
/// plain-text body, and the HTML body when it was written as HTML (the compose window's
/// editor), so that going on with it keeps the formatting.
#[derive(Debug, Clone)]
pub struct DraftContent {
    pub data: MessageData,
    pub body: String,
    pub html: Option<String>,
}

/// Reads a saved draft. Fails with `InvalidInput` when the text is not a MIME message.
pub fn draft_content(mime: &str) -> Result<DraftContent, CoreError> {
    let parsed = mail_parser::MessageParser::default()
        .parse(mime.as_bytes())
        .filter(|m| !m.headers().is_empty())
        .ok_or_else(|| CoreError::InvalidInput("the draft is not a MIME message".into()))?;
    let people = |a: Option<&mail_parser::Address>| -> Vec<Address> {
        a.map(|a| {
            a.iter()
                .map(|x| Address {
                    name: x.name().unwrap_or_default().to_owned(),
                    addr: x.address().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
    };
    let body = parsed
        .body_text(0)
        .map(|b| b.into_owned())
        .unwrap_or_default();
    // mail-parser offers a text part as HTML too: only a real text/html part counts.
    let html = parsed
        .html_part(0)
        .filter(|p| matches!(p.body, mail_parser::PartType::Html(_)))
        .and_then(|_| parsed.body_html(0))
        .map(|h| h.into_owned())
        // Its pictures (a signature's logo, sent as inline parts) back in the text as the
        // editor had them (compose.rs `pictures_back`).
        .map(|h| match crate::mail_view::mime_parts(mime.as_bytes()) {
            Some(parts) if h.contains("cid:") => crate::compose::pictures_back(&h, &parts.inline),
            _ => h,
        });
    let preview: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(255)
        .collect();
    let date = parsed
        .date()
        .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0))
        .unwrap_or_else(Utc::now);
    Ok(DraftContent {
        data: MessageData {
            server_id: String::new(),
            message_id: parsed.message_id().unwrap_or_default().to_owned(),
            subject: parsed.subject().unwrap_or_default().to_owned(),
            from: people(parsed.from()).into_iter().next().unwrap_or_default(),
            to: people(parsed.to()),
            cc: people(parsed.cc()),
            reply_to: people(parsed.reply_to()),
            date,
            preview,
            read: true,
            flag_status: 0,
            importance: 1,
            has_attachments: false,
            conversation_id: String::new(),
            body_state: BodyState::Full,
            size: i64::try_from(mime.len()).unwrap_or(i64::MAX),
            attachments: Vec::new(),
            body: String::new(),
            body_complete: false,
        },
        body,
        html,
    })
}

/// Writes a saved draft into the cache (module docs "Drafts"): a new row `server_id` in
/// `folder_id`, or the row `existing`, with the draft bit and the text as its full body.
/// Returns the row's id.
pub(crate) async fn write_draft(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
    server_id: &str,
    existing: Option<i64>,
    content: &DraftContent,
) -> Result<i64, CoreError> {
    let data = MessageData {
        server_id: server_id.to_owned(),
        ..content.data.clone()
    };
    let id = match existing {
        Some(id) => {
            update_message(conn, id, 0, &data).await?;
            id
        }
        None => {
            let mut ids = IdAllocator::default();
            let (id, key) = ids.take(conn, data.date.timestamp()).await?;
            insert_messages(conn, account_id, folder_id, &mut vec![(id, key, &data)]).await?;
            id
        }
    };
    sqlx::query("UPDATE message SET local_state = local_state | ?2 WHERE id = ?1")
        .bind(id)
        .bind(local::DRAFT)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM message_body WHERE message_id = ?1 AND kind != 'plain'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO message_body (message_id, kind, text, data, truncated, total_size)
         VALUES (?1, 'plain', ?2, x'', 0, ?3)
         ON CONFLICT (message_id, kind) DO UPDATE
            SET text = excluded.text, data = x'', truncated = 0,
                total_size = excluded.total_size, fetched_at = unixepoch()",
    )
    .bind(id)
    .bind(&content.body)
    .bind(i64::try_from(content.body.len()).unwrap_or(i64::MAX))
    .execute(&mut *conn)
    .await?;
    if let Some(html) = &content.html {
        sqlx::query(
            "INSERT INTO message_body (message_id, kind, text, data, truncated, total_size)
             VALUES (?1, 'html', ?2, x'', 0, ?3)",
        )
        .bind(id)
        .bind(html)
        .bind(i64::try_from(html.len()).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?;
    }
    reindex_later(conn, id).await?;
    Ok(id)
}

/// A server Delete of a draft the user saved here: the row stays as a draft kept on this
/// computer under a placeholder id, and queued operations naming the old id follow it.
async fn keep_draft_locally(
    conn: &mut SqliteConnection,
    id: i64,
    old: &str,
) -> Result<(), CoreError> {
    let new = format!("local:draft{id}");
    sqlx::query("UPDATE message SET server_id = ?2 WHERE id = ?1")
        .bind(id)
        .bind(&new)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE outbox SET item_id = ?2, payload = json_set(payload, '$.server_id', ?2)
         WHERE local_ref = ?3 AND item_id = ?1 AND state != 'done'
           AND json_extract(payload, '$.server_id') = ?1",
    )
    .bind(old)
    .bind(&new)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a message (its index entries go with it: trigger `message_unindex_on_delete`).
async fn delete_message(conn: &mut SqliteConnection, id: i64) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM message WHERE id = ?1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn message_id_by_server_id(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
    server_id: &str,
) -> Result<Option<(i64, i64)>, CoreError> {
    Ok(sqlx::query_as(
        "SELECT id, local_state FROM message
         WHERE account_id = ?1 AND folder_id = ?2 AND server_id = ?3",
    )
    .bind(account_id)
    .bind(folder_id)
    .bind(server_id)
    .fetch_optional(&mut *conn)
    .await?)
}

impl Store {
    /// The Sync key of a mail (or other) folder, "0" if never synced.
    pub async fn sync_key(&self, account_id: i64, folder_id: &str) -> Result<String, CoreError> {
        let key: Option<String> = sqlx::query_scalar(
            "SELECT sync_key FROM sync_state WHERE account_id = ?1 AND collection = ?2",
        )
        .bind(account_id)
        .bind(folder_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(key.unwrap_or_else(|| "0".to_owned()))
    }

    /// Applies one Sync answer for one folder: the new SyncKey and every item it covers, in one
    /// transaction (all or nothing). Honours the local-change rule (module docs).
    pub async fn apply_mail_batch(
        &self,
        account_id: i64,
        folder_id: &str,
        batch: &MailBatch,
    ) -> Result<BatchOutcome, CoreError> {
        let mut tx = self.begin_write().await?;
        let mut out = BatchOutcome::default();
        // What the per-item rules need, looked up once for the whole batch: the cached
        // messages among the batch's Upserts, the unfinished moves out of this folder, and the
        // first free id of each second. `known` follows the batch's own inserts and deletes.
        let upserts = || {
            batch.changes.iter().filter_map(|c| match c {
                MailChange::Upsert(m) => Some(m),
                _ => None,
            })
        };
        let mut known = existing_messages(
            &mut tx,
            account_id,
            folder_id,
            upserts().map(|m| m.server_id.as_str()),
        )
        .await?;
        let mut ids = IdAllocator::default();
        // Loaded on the first Upsert of a message that is not cached (a batch of flag changes
        // never needs them).
        let mut moved: Option<HashSet<String>> = None;
        // New messages wait here and are written together (insert_messages) before any other
        // kind of change and at the end, so every change sees the ones before it.
        let mut new_rows: Vec<(i64, i64, &MessageData)> = Vec::new();
        for change in &batch.changes {
            if !matches!(change, MailChange::Upsert(m) if !known.contains_key(&m.server_id)) {
                insert_messages(&mut tx, account_id, folder_id, &mut new_rows).await?;
            }
            match change {
                MailChange::Upsert(m) => {
                    if let Some(&(id, local_state)) = known.get(&m.server_id) {
                        if local_state & local::DRAFT != 0 {
                            // The user's draft: their text stands (module docs "Drafts").
                            out.kept_local += 1;
                            continue;
                        }
                        let kept = update_message(&mut tx, id, local_state, m).await?;
                        out.updated += 1;
                        out.kept_local += u32::from(kept);
                        continue;
                    }
                    let moved = match &mut moved {
                        Some(moved) => moved,
                        None => {
                            ids.prepare(
                                &mut tx,
                                upserts()
                                    .filter(|m| !known.contains_key(&m.server_id))
                                    .map(|m| m.date.timestamp()),
                            )
                            .await?;
                            moved.insert(moving_away(&mut tx, account_id, folder_id).await?)
                        }
                    };
                    if moved.contains(&m.server_id) {
                        // The user moved this message out of the folder and the move is not
                        // done yet: the server still lists it here (a re-sync, or a Change
                        // after a lost answer), but the cache must not show it twice. The
                        // move's outcome settles where it is.
                        out.updated += 1;
                        continue;
                    }
                    let (id, key) = ids.take(&mut tx, m.date.timestamp()).await?;
                    known.insert(m.server_id.clone(), (id, 0));
                    new_rows.push((id, key, m));
                    out.added += 1;
                }
                MailChange::Flags {
                    server_id,
                    read,
                    flag_status,
                } => {
                    let Some((id, local_state)) =
                        message_id_by_server_id(&mut tx, account_id, folder_id, server_id).await?
                    else {
                        tracing::debug!(folder_id, server_id, "change for an unknown message");
                        continue;
                    };
                    if let Some(read) = read {
                        if local_state & local::READ == 0 {
                            sqlx::query("UPDATE message SET read = ?2, resync = 0 WHERE id = ?1")
                                .bind(id)
                                .bind(read)
                                .execute(&mut *tx)
                                .await?;
                        } else {
                            out.kept_local += 1;
                        }
                    }
                    if let Some(flag) = flag_status {
                        if local_state & local::FLAG == 0 {
                            sqlx::query(
                                "UPDATE message SET flag_status = ?2, resync = 0 WHERE id = ?1",
                            )
                            .bind(id)
                            .bind(flag)
                            .execute(&mut *tx)
                            .await?;
                        } else {
                            out.kept_local += 1;
                        }
                    }
                    out.updated += 1;
                }
                MailChange::Delete { server_id } => {
                    known.remove(server_id);
                    match message_id_by_server_id(&mut tx, account_id, folder_id, server_id).await?
                    {
                        Some((id, local_state)) if local_state & local::DRAFT != 0 => {
                            keep_draft_locally(&mut tx, id, server_id).await?;
                            out.kept_local += 1;
                        }
                        Some((id, _)) => {
                            delete_message(&mut tx, id).await?;
                            out.deleted += 1;
                        }
                        None => {}
                    }
                }
            }
        }
        insert_messages(&mut tx, account_id, folder_id, &mut new_rows).await?;
        if batch.complete && resync_marker_taken(&mut tx, account_id, folder_id).await? {
            let stale: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM message WHERE account_id = ?1 AND folder_id = ?2 AND resync = 1
                 AND local_state = 0",
            )
            .bind(account_id)
            .bind(folder_id)
            .fetch_all(&mut *tx)
            .await?;
            for id in stale {
                delete_message(&mut tx, id).await?;
                out.deleted += 1;
            }
            sqlx::query("UPDATE message SET resync = 0 WHERE account_id = ?1 AND folder_id = ?2 AND resync = 1")
                .bind(account_id)
                .bind(folder_id)
                .execute(&mut *tx)
                .await?;
        }
        write_sync_key(&mut tx, account_id, folder_id, &batch.sync_key).await?;
        tx.commit().await?;
        if out.added > 0 || out.updated > 0 {
            self.index_wanted();
        }
        Ok(out)
    }

    /// Removes the folder's cached messages dated before `cutoff` (the mail kept offline,
    /// engine/mail.rs "Mail kept offline"): never one with a local change, a draft kept on
    /// this computer, or one an unfinished outbox operation names. Returns how many went.
    pub async fn prune_mail_before(
        &self,
        account_id: i64,
        folder_id: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<u32, CoreError> {
        let mut tx = self.begin_write().await?;
        let old: Vec<i64> = sqlx::query_scalar(
            "SELECT m.id FROM message m
             WHERE m.account_id = ?1 AND m.folder_id = ?2 AND m.date < ?3 AND m.local_state = 0
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.local_ref = m.id
                   AND o.state != 'done'
                   AND o.kind NOT IN ('event_create', 'event_update', 'event_delete',
                                      'meeting_response'))",
        )
        .bind(account_id)
        .bind(folder_id)
        .bind(cutoff.timestamp())
        .fetch_all(&mut *tx)
        .await?;
        for id in &old {
            delete_message(&mut tx, *id).await?;
        }
        tx.commit().await?;
        Ok(old.len() as u32)
    }

    /// Starts a re-sync of a folder from SyncKey 0 (after `InvalidSyncKey`): the key becomes
    /// "0" and the cached messages wait to be re-delivered (module docs). Outbox rows and
    /// local bits are kept.
    pub async fn begin_mail_resync(
        &self,
        account_id: i64,
        folder_id: &str,
    ) -> Result<(), CoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE message SET resync = 1 WHERE account_id = ?1 AND folder_id = ?2")
            .bind(account_id)
            .bind(folder_id)
            .execute(&mut *tx)
            .await?;
        write_sync_key(&mut tx, account_id, folder_id, "0").await?;
        write_sync_key(&mut tx, account_id, &resync_marker(folder_id), "0").await?;
        tx.commit().await?;
        Ok(())
    }

    /// One page of a folder, newest first: `limit` messages older than `after` (the cursor of
    /// the previous page's last row), locally deleted ones left out.
    pub async fn messages_page(
        &self,
        account_id: i64,
        folder_id: &str,
        after: Option<PageCursor>,
        limit: u32,
    ) -> Result<Vec<MessageRow>, CoreError> {
        let (date, id) = after.map_or((i64::MAX, i64::MAX), |c| (c.date, c.id));
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM message
             WHERE account_id = ?1 AND folder_id = ?2 AND (date, id) < (?3, ?4)
               AND (local_state & 8) = 0
             ORDER BY date DESC, id DESC LIMIT ?5"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(folder_id)
            .bind(date)
            .bind(id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// One message by its local id (also when locally deleted).
    pub async fn message(&self, id: i64) -> Result<Option<MessageRow>, CoreError> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM message WHERE id = ?1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// One message by folder and ServerId.
    pub async fn message_by_server_id(
        &self,
        account_id: i64,
        folder_id: &str,
        server_id: &str,
    ) -> Result<Option<MessageRow>, CoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM message
             WHERE account_id = ?1 AND folder_id = ?2 AND server_id = ?3"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(folder_id)
            .bind(server_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// The cached message that a server search hit stands for: same folder and subject,
    /// received within `slack` seconds of `date` (servers round the time differently: Z-Push
    /// to the minute). Search hits carry no ServerId to compare.
    pub async fn message_like(
        &self,
        account_id: i64,
        folder_id: &str,
        subject: &str,
        date: i64,
        slack: i64,
    ) -> Result<Option<i64>, CoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM message
             WHERE account_id = ?1 AND folder_id = ?2 AND subject = ?3
               AND date BETWEEN ?4 - ?5 AND ?4 + ?5
             ORDER BY abs(date - ?4) LIMIT 1",
        )
        .bind(account_id)
        .bind(folder_id)
        .bind(subject)
        .bind(date)
        .bind(slack)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The ServerIds cached in a folder (of any account, also locally deleted), in order.
    #[cfg(test)]
    pub(crate) async fn server_ids_in_folder(
        &self,
        folder_id: &str,
    ) -> Result<Vec<String>, CoreError> {
        let ids = sqlx::query_scalar(
            "SELECT server_id FROM message WHERE folder_id = ?1 ORDER BY server_id",
        )
        .bind(folder_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    /// The ServerId of the account's Sent Items folder (type 5), if the hierarchy has one.
    pub async fn sent_folder_id(&self, account_id: i64) -> Result<Option<String>, CoreError> {
        let id = sqlx::query_scalar(
            "SELECT server_id FROM folder WHERE account_id = ?1 AND folder_type = 5 LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id)
    }

    /// The ServerId of the account's Deleted Items folder (type 4), if the hierarchy has one.
    pub async fn deleted_items_folder_id(
        &self,
        account_id: i64,
    ) -> Result<Option<String>, CoreError> {
        let id = sqlx::query_scalar(
            "SELECT server_id FROM folder WHERE account_id = ?1 AND folder_type = 4 LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id)
    }

    /// True when the folder holds a message with this Message-ID (without angle brackets), as
    /// its Message-ID or as its ConversationId (SOGo reports the Message-ID there).
    pub async fn folder_has_message_id(
        &self,
        account_id: i64,
        folder_id: &str,
        message_id: &str,
    ) -> Result<bool, CoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM message WHERE account_id = ?1 AND folder_id = ?2
               AND (message_id = ?3 OR conversation_id = ?4)",
        )
        .bind(account_id)
        .bind(folder_id)
        .bind(message_id)
        .bind(format!("<{message_id}>"))
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Stores a fetched body part (replacing the same kind) and updates `body_state`, in one
    /// transaction; a text part sends the message back to the indexer (search.rs).
    pub async fn store_body(&self, message_id: i64, part: &BodyPart) -> Result<(), CoreError> {
        let mut tx = self.begin_write().await?;
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM message WHERE id = ?1")
            .bind(message_id)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(CoreError::InvalidInput(format!(
                "no cached message with id {message_id}"
            )));
        };
        sqlx::query(
            "INSERT INTO message_body (message_id, kind, text, data, truncated, total_size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (message_id, kind) DO UPDATE
                SET text = excluded.text, data = excluded.data, truncated = excluded.truncated,
                    total_size = excluded.total_size, fetched_at = unixepoch()",
        )
        .bind(message_id)
        .bind(part.kind.as_str())
        .bind(&part.text)
        .bind(&part.data)
        .bind(part.truncated)
        .bind(part.total_size)
        .execute(&mut *tx)
        .await?;
        let state = if part.truncated {
            BodyState::Preview
        } else {
            BodyState::Full
        };
        sqlx::query("UPDATE message SET body_state = max(body_state, ?2) WHERE id = ?1")
            .bind(message_id)
            .bind(state as i64)
            .execute(&mut *tx)
            .await?;
        let text_part = matches!(part.kind, BodyKind::Plain | BodyKind::Html);
        if text_part {
            reindex_later(&mut tx, message_id).await?;
        }
        tx.commit().await?;
        if text_part {
            self.index_wanted();
        }
        Ok(())
    }

    /// A cached body part.
    pub async fn body(
        &self,
        message_id: i64,
        kind: BodyKind,
    ) -> Result<Option<BodyPart>, CoreError> {
        let row: Option<(String, String, Vec<u8>, bool, i64)> = sqlx::query_as(
            "SELECT kind, text, data, truncated, total_size FROM message_body
             WHERE message_id = ?1 AND kind = ?2",
        )
        .bind(message_id)
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(k, text, data, truncated, total_size)| {
            Ok(BodyPart {
                kind: BodyKind::parse(&k)?,
                text,
                data,
                truncated,
                total_size,
            })
        })
        .transpose()
    }

    /// Attachment metadata of a message.
    pub async fn attachments(&self, message_id: i64) -> Result<Vec<AttachmentRow>, CoreError> {
        type Tuple = (i64, i64, String, String, String, i64, String, bool, String);
        let rows: Vec<Tuple> = sqlx::query_as(
            "SELECT id, message_id, file_reference, name, content_type, size, content_id,
                    inline, local_path
                 FROM attachment WHERE message_id = ?1 ORDER BY id",
        )
        .bind(message_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    message_id,
                    file_reference,
                    name,
                    content_type,
                    size,
                    content_id,
                    inline,
                    local_path,
                )| {
                    AttachmentRow {
                        id,
                        message_id,
                        file_reference,
                        name,
                        content_type,
                        size,
                        content_id,
                        inline,
                        local_path,
                    }
                },
            )
            .collect())
    }

    /// Records where an attachment's bytes were written on disk.
    pub async fn set_attachment_path(
        &self,
        attachment_id: i64,
        path: &str,
    ) -> Result<(), CoreError> {
        let done = sqlx::query("UPDATE attachment SET local_path = ?2 WHERE id = ?1")
            .bind(attachment_id)
            .bind(path)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(CoreError::InvalidInput(format!(
                "no attachment with id {attachment_id}"
            )));
        }
        Ok(())
    }
}
