//! The outbox: local changes applied to the cache at once and queued for the server.
//!
//! [`Store::enqueue`] changes the cache and inserts the `outbox` row in one transaction, so the
//! user sees the change immediately and a crash can never keep one without the other.
//!
//! ## States
//!
//! ```text
//! pending ──mark_in_flight──▶ in_flight ──mark_done──▶ done
//!    ▲                            │
//!    └──── mark_failed (attempts < MAX_ATTEMPTS, retry at next_attempt_at)
//!                                 │
//!                                 └── mark_failed (attempts = MAX_ATTEMPTS) ──▶ parked
//! parked ──retry_parked──▶ pending        parked/pending ──discard──▶ (row removed)
//! ```
//!
//! * Order: two queues per account, mail and calendar (`CALENDAR_KINDS`). In each, only the
//!   oldest row that is `pending` or `in_flight` can be ready ([`Store::next_ready`] for mail,
//!   engine/calendar_outbox.rs for events); a row backing off holds back the later rows of its
//!   queue, so the server sees the changes in the order the user made them. A parked row does
//!   not hold back the queue: it waits for the user.
//! * Crash: rows found `in_flight` at the next replay are "in doubt" and replayed first; that
//!   is safe because each row carries an idempotency key (the EAS ClientId of a
//!   Send/Reply/Forward/draft, the iCalendar UID of an event) with which the engine checks
//!   whether the server already has the change (engine/outbox.rs "Never sent twice").
//!   [`Store::recover_in_flight`] exists for tools that reset a queue by hand; the engine
//!   does not use it.
//! * Local bits: an operation that changed a cached field sets its bit in `local_state` of the
//!   row named by `local_ref` (messages.rs "The local-change rule"). When the row is done or
//!   discarded, the bit stays only if another unfinished row for the same item sets it too.
//!   Discarding a row does not undo a cached flag or read state; the next full sync of the
//!   item brings the server's value back. A discarded move is undone at once (the message goes
//!   back to its folder), since its placeholder ServerId names nothing on the server.
//! * Reset: `outbox` is user data; it names accounts by server URL and user and items by
//!   folder and ServerId (or calendar and href), so it survives a profile reset.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};

use super::events::{delete_occurrences_of, local as event_local, upsert_local_event};
use super::messages::{draft_content, local, message_id_by_server_id, write_draft};
use super::{Store, account_key};
use crate::error::CoreError;

/// Failures after which an operation is parked instead of retried (with exponential backoff
/// between attempts, chosen by the engine, eight attempts span a few hours).
pub const MAX_ATTEMPTS: i64 = 8;

/// A meeting response (MS-ASCMD 2.2.1.11 MeetingResponse UserResponse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Accept,
    Tentative,
    Decline,
}

/// One local change. Folders are ActiveSync folder ServerIds, calendars their remote ids (EAS
/// folder ServerId or CalDAV collection URL), so a queued change survives a profile reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxOp {
    MarkRead {
        folder_id: String,
        server_id: String,
        read: bool,
    },
    Flag {
        folder_id: String,
        server_id: String,
        flag_status: i64,
    },
    /// MoveItems (MS-ASCMD 2.2.1.12). In the cache the message moves at once under the
    /// temporary ServerId `local:<outbox id>`; `mark_done` with the DstMsgId gives it its real
    /// one.
    Move {
        folder_id: String,
        server_id: String,
        to_folder_id: String,
    },
    /// Sync `Delete` (MS-ASCMD 2.2.3.42.2). A user's delete outside Deleted Items is queued
    /// as a [`OutboxOp::Move`] to Deleted Items instead (app/mail.rs); this is the delete for
    /// good (`permanent`: Shift+Del, or a message already in Deleted Items; sent with
    /// `DeletesAsMoves` 0) or, when the account has no Deleted Items folder, the server's own
    /// delete (`permanent` false: no `DeletesAsMoves`, the server's default applies).
    Delete {
        folder_id: String,
        server_id: String,
        #[serde(default)]
        permanent: bool,
    },
    /// SendMail (MS-ASCMD 2.2.1.17); `client_id` is its ClientId.
    Send {
        client_id: String,
        mime: String,
        save_in_sent: bool,
    },
    /// SmartReply on the message `folder_id`/`server_id`.
    Reply {
        client_id: String,
        folder_id: String,
        server_id: String,
        mime: String,
        /// `mime` already holds the quoted original (the compose window's quote): the server
        /// must not add it again (ReplaceMime). False for operations queued before it existed.
        #[serde(default)]
        replace_mime: bool,
    },
    /// SmartForward of the message `folder_id`/`server_id`.
    Forward {
        client_id: String,
        folder_id: String,
        server_id: String,
        mime: String,
        /// `mime` already holds the quoted original (the compose window's quote): the server
        /// must not add it again (ReplaceMime). False for operations queued before it existed.
        #[serde(default)]
        replace_mime: bool,
    },
    /// Save (add or replace) a draft in `folder_id`; `server_id` is '' for a new draft, which
    /// [`Store::enqueue`] replaces by the placeholder `local:<outbox id>` it gives the new row.
    DraftSave {
        client_id: String,
        folder_id: String,
        server_id: String,
        mime: String,
    },
    /// A new event: `remote_id` is the href chosen for CalDAV, or `local:<ClientId>` for EAS.
    EventCreate {
        calendar: String,
        remote_id: String,
        ical: String,
    },
    EventUpdate {
        calendar: String,
        remote_id: String,
        ical: String,
    },
    EventDelete {
        calendar: String,
        remote_id: String,
    },
    /// An answer to an invitation: the mail item (`folder_id`/`server_id`) or the calendar item
    /// it refers to. The cache is not changed; the server's updated event arrives by sync.
    MeetingResponse {
        folder_id: String,
        server_id: String,
        response: Response,
        uid: String,
    },
}

impl OutboxOp {
    /// The `outbox.kind` text.
    pub fn kind(&self) -> &'static str {
        match self {
            OutboxOp::MarkRead { .. } => "mark_read",
            OutboxOp::Flag { .. } => "flag",
            OutboxOp::Move { .. } => "move",
            OutboxOp::Delete { .. } => "delete",
            OutboxOp::Send { .. } => "send",
            OutboxOp::Reply { .. } => "reply",
            OutboxOp::Forward { .. } => "forward",
            OutboxOp::DraftSave { .. } => "draft_save",
            OutboxOp::EventCreate { .. } => "event_create",
            OutboxOp::EventUpdate { .. } => "event_update",
            OutboxOp::EventDelete { .. } => "event_delete",
            OutboxOp::MeetingResponse { .. } => "meeting_response",
        }
    }

    /// The cached message a read, flag, move or delete acts on, to change in place.
    fn message_target_mut(&mut self) -> Option<(&mut String, &mut String)> {
        match self {
            OutboxOp::MarkRead {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Flag {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Move {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Delete {
                folder_id,
                server_id,
                ..
            } => Some((folder_id, server_id)),
            _ => None,
        }
    }

    /// (folder or calendar, item) this operation targets.
    pub fn target(&self) -> (&str, &str) {
        match self {
            OutboxOp::MarkRead {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Flag {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Move {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Delete {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Reply {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Forward {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::DraftSave {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::MeetingResponse {
                folder_id,
                server_id,
                ..
            } => (folder_id, server_id),
            OutboxOp::Send { .. } => ("", ""),
            OutboxOp::EventCreate {
                calendar,
                remote_id,
                ..
            }
            | OutboxOp::EventUpdate {
                calendar,
                remote_id,
                ..
            }
            | OutboxOp::EventDelete {
                calendar,
                remote_id,
            } => (calendar, remote_id),
        }
    }

    /// The key a replay uses to see whether the server already has this change.
    fn idempotency_key(&self) -> String {
        match self {
            OutboxOp::Send { client_id, .. }
            | OutboxOp::Reply { client_id, .. }
            | OutboxOp::Forward { client_id, .. }
            | OutboxOp::DraftSave { client_id, .. } => client_id.clone(),
            OutboxOp::EventCreate { ical, .. } | OutboxOp::EventUpdate { ical, .. } => {
                kontor_calendar::Calendar::parse(ical)
                    .ok()
                    .and_then(|c| c.items.first().map(|i| i.uid.clone()))
                    .unwrap_or_default()
            }
            OutboxOp::MeetingResponse { uid, .. } => uid.clone(),
            _ => String::new(),
        }
    }

    /// The `local_state` bit this operation sets on its cache row.
    fn local_bit(&self) -> i64 {
        match self {
            OutboxOp::MarkRead { .. } => local::READ,
            OutboxOp::Flag { .. } => local::FLAG,
            OutboxOp::Move { .. } => local::MOVED,
            OutboxOp::Delete { .. } => local::DELETED,
            OutboxOp::EventCreate { .. } | OutboxOp::EventUpdate { .. } => event_local::CHANGED,
            OutboxOp::EventDelete { .. } => event_local::DELETED,
            _ => 0,
        }
    }

    fn is_event(&self) -> bool {
        matches!(
            self,
            OutboxOp::EventCreate { .. }
                | OutboxOp::EventUpdate { .. }
                | OutboxOp::EventDelete { .. }
        )
    }
}

/// State of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    InFlight,
    Parked,
    Done,
}

impl OutboxState {
    fn parse(s: &str) -> Result<Self, CoreError> {
        Ok(match s {
            "pending" => OutboxState::Pending,
            "in_flight" => OutboxState::InFlight,
            "parked" => OutboxState::Parked,
            "done" => OutboxState::Done,
            other => {
                return Err(CoreError::InvalidInput(format!(
                    "unknown outbox state {other:?}"
                )));
            }
        })
    }
}

/// An outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    /// The account's current id, `None` if the account is not (yet) in the cache, e.g. right
    /// after a profile reset.
    pub account_id: Option<i64>,
    pub account_url: String,
    pub account_user: String,
    pub op: OutboxOp,
    pub idempotency_key: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
    pub created_at: i64,
}

/// What the server answered for a finished operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Done {
    /// The item's new ServerId or href: MoveItems DstMsgId, the ServerId of an EAS Add.
    pub new_server_id: Option<String>,
    /// The new ETag of a CalDAV PUT.
    pub etag: Option<String>,
}

/// An unfinished row of the calendar queue as stored ([`Store::calendar_queue`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRow {
    pub id: i64,
    /// The operation as JSON (read by the replay, which parks a row it cannot read).
    pub payload: String,
    /// `pending` or `in_flight`.
    pub state: String,
    pub next_attempt_at: i64,
}

/// An unsent or parked calendar change, for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingChange {
    pub id: i64,
    pub kind: String,
    /// The calendar (remote id) and the item (href, ServerId or `local:<uid>`).
    pub calendar: String,
    pub item: String,
    /// `pending`, `in_flight` or `parked`.
    pub state: String,
    pub attempts: i64,
    /// Why it is parked or was retried (`conflict: …` for a conflict).
    pub last_error: String,
}

/// The operation kinds of the calendar queue (replayed by engine/calendar_outbox.rs).
pub(crate) const CALENDAR_KINDS: &str =
    "('event_create', 'event_update', 'event_delete', 'meeting_response')";

const ENTRY_COLUMNS: &str = "o.id, a.id AS account_id, o.account_url, o.account_user, o.payload, \
     o.idempotency_key, o.state, o.attempts, o.next_attempt_at, o.last_error, o.created_at";

fn entry_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<OutboxEntry, CoreError> {
    let payload: String = r.try_get("payload")?;
    let state: String = r.try_get("state")?;
    Ok(OutboxEntry {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        account_url: r.try_get("account_url")?,
        account_user: r.try_get("account_user")?,
        op: serde_json::from_str(&payload)
            .map_err(|e| CoreError::InvalidInput(format!("outbox payload cannot be read: {e}")))?,
        idempotency_key: r.try_get("idempotency_key")?,
        state: OutboxState::parse(&state)?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn calendar_id_by_remote(
    conn: &mut SqliteConnection,
    account_id: i64,
    remote_id: &str,
) -> Result<i64, CoreError> {
    sqlx::query_scalar("SELECT id FROM calendar WHERE account_id = ?1 AND remote_id = ?2")
        .bind(account_id)
        .bind(remote_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| CoreError::InvalidInput(format!("no cached calendar {remote_id:?}")))
}

async fn event_id_by_remote(
    conn: &mut SqliteConnection,
    calendar_id: i64,
    remote_id: &str,
) -> Result<i64, CoreError> {
    sqlx::query_scalar("SELECT id FROM event WHERE calendar_id = ?1 AND remote_id = ?2")
        .bind(calendar_id)
        .bind(remote_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| CoreError::InvalidInput(format!("no cached event {remote_id:?}")))
}

async fn message_ref(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
    server_id: &str,
) -> Result<i64, CoreError> {
    message_id_by_server_id(conn, account_id, folder_id, server_id)
        .await?
        .map(|(id, _)| id)
        .ok_or_else(|| {
            CoreError::InvalidInput(format!(
                "no cached message {server_id:?} in folder {folder_id:?}"
            ))
        })
}

/// The transient double (docs/ARCHITECTURE.md#outbox-replay-and-conflicts, "Moves"): while a move
/// whose answer was lost is unsettled and the user has moved the message on, a Sync of that move's
/// destination can bring the server's copy of the message there. An action on that copy would name
/// a ServerId that the user's next move takes away, and SOGo answers a change for an id it no
/// longer has with success and does nothing — the change would be lost without a word. So a
/// read/flag/move/delete of such a copy (same subject, sender, date and conversation as the row of
/// an unfinished move into its folder that no longer waits for that move's ServerId) acts on the
/// user's own row instead. Returns the operation to queue, if changed.
async fn users_row_for_server_copy(
    conn: &mut SqliteConnection,
    account_id: i64,
    op: &OutboxOp,
) -> Result<Option<OutboxOp>, CoreError> {
    // Only the small message actions are copied (a send carries its whole MIME).
    let mut op = match op {
        OutboxOp::MarkRead { .. }
        | OutboxOp::Flag { .. }
        | OutboxOp::Move { .. }
        | OutboxOp::Delete { .. } => op.clone(),
        _ => return Ok(None),
    };
    let Some((folder_id, server_id)) = op.message_target_mut() else {
        return Ok(None);
    };
    if server_id.starts_with("local:") {
        return Ok(None);
    }
    let own: Option<(String, String)> = sqlx::query_as(
        "SELECT p.folder_id, p.server_id FROM message m
           JOIN outbox o ON o.kind = 'move' AND o.state != 'done'
            AND json_extract(o.payload, '$.to_folder_id') = m.folder_id
           JOIN message p ON p.id = o.local_ref AND p.id != m.id
            AND p.account_id = m.account_id
            AND p.server_id != 'local:' || o.id
            AND p.subject = m.subject AND p.from_addr = m.from_addr AND p.date = m.date
            AND p.conversation_id = m.conversation_id
         WHERE m.account_id = ?1 AND m.folder_id = ?2 AND m.server_id = ?3
         ORDER BY o.id DESC
         LIMIT 1",
    )
    .bind(account_id)
    .bind(&*folder_id)
    .bind(&*server_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((own_folder, own_id)) = own else {
        return Ok(None);
    };
    tracing::info!(
        folder_id = %folder_id,
        server_id = %server_id,
        own_folder,
        own_id,
        "an action on the server's copy of a message being moved applies to the user's row"
    );
    *folder_id = own_folder;
    *server_id = own_id;
    if let OutboxOp::Move {
        folder_id,
        to_folder_id,
        ..
    } = &op
        && folder_id == to_folder_id
    {
        return Err(CoreError::InvalidInput(
            "the message is already in that folder".into(),
        ));
    }
    Ok(Some(op))
}

/// Undoes the local move of outbox row `id`: the message goes back to `folder_id` under its
/// old ServerId (unless a Sync brought that item there meanwhile; then the placeholder just
/// goes).
async fn undo_local_move(
    conn: &mut SqliteConnection,
    id: i64,
    folder_id: &str,
    server_id: &str,
    local_ref: i64,
) -> Result<(), CoreError> {
    let back = sqlx::query(
        "UPDATE message SET folder_id = ?2, server_id = ?3
         WHERE id = ?1 AND server_id = ?4 AND NOT EXISTS (
            SELECT 1 FROM message m WHERE m.account_id = message.account_id
            AND m.folder_id = ?2 AND m.server_id = ?3)",
    )
    .bind(local_ref)
    .bind(folder_id)
    .bind(server_id)
    .bind(format!("local:{id}"))
    .execute(&mut *conn)
    .await?;
    if back.rows_affected() == 0 {
        sqlx::query("DELETE FROM message WHERE id = ?1 AND server_id = ?2")
            .bind(local_ref)
            .bind(format!("local:{id}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A move the server did not carry out while its source still holds the message
/// (engine/outbox.rs, "Moves"), inside the caller's transaction: the row is parked with
/// `reason` and the message goes back to its folder, as a discard would do.
pub(crate) async fn park_move_undone_in(
    conn: &mut SqliteConnection,
    id: i64,
    reason: &str,
) -> Result<(), CoreError> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT payload, local_ref FROM outbox WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((payload, local_ref)) = row else {
        return Err(CoreError::InvalidInput(format!("no outbox entry {id}")));
    };
    let op: OutboxOp = serde_json::from_str(&payload)
        .map_err(|e| CoreError::InvalidInput(format!("outbox payload cannot be read: {e}")))?;
    park_in(conn, id, reason).await?;
    if let OutboxOp::Move {
        folder_id,
        server_id,
        ..
    } = &op
    {
        undo_local_move(conn, id, folder_id, server_id, local_ref).await?;
        settle_local_bit(conn, id, &op, local_ref).await?;
    }
    Ok(())
}

/// Recomputes the bit `bit` of the row `local_ref` after the outbox row `finished` ended.
async fn settle_local_bit(
    conn: &mut SqliteConnection,
    finished: i64,
    op: &OutboxOp,
    local_ref: i64,
) -> Result<(), CoreError> {
    let bit = op.local_bit();
    if bit == 0 || local_ref == 0 {
        return Ok(());
    }
    let kinds: &[&str] = if op.is_event() {
        &["event_create", "event_update", "event_delete"]
    } else {
        &[op.kind()]
    };
    let mut still = false;
    for kind in kinds {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM outbox WHERE local_ref = ?1 AND kind = ?2 AND id != ?3
             AND state != 'done'",
        )
        .bind(local_ref)
        .bind(kind)
        .bind(finished)
        .fetch_one(&mut *conn)
        .await?;
        // An event create/update and a delete set different bits.
        let other_bit = match *kind {
            "event_delete" => event_local::DELETED,
            "event_create" | "event_update" => event_local::CHANGED,
            _ => bit,
        };
        still |= n > 0 && other_bit == bit;
    }
    if still {
        return Ok(());
    }
    let table = if op.is_event() { "event" } else { "message" };
    let sql = format!("UPDATE {table} SET local_state = local_state & ~?2 WHERE id = ?1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(local_ref)
        .bind(bit)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Applies `op` to the cache and queues it, in one transaction; returns the outbox id.
    /// Fails with `InvalidInput`, changing nothing, when the item it names is not cached.
    pub async fn enqueue(&self, account_id: i64, op: &OutboxOp) -> Result<i64, CoreError> {
        let mut tx = self.begin_write().await?;
        let (url, user) = account_key(&mut tx, account_id).await?;
        let redirected = users_row_for_server_copy(&mut tx, account_id, op).await?;
        let op = redirected.as_ref().unwrap_or(op);
        let (folder, item) = op.target();
        let payload = serde_json::to_string(op)
            .map_err(|e| CoreError::InvalidInput(format!("outbox operation: {e}")))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (account_url, account_user, kind, folder_id, item_id, payload,
                idempotency_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(&url)
        .bind(&user)
        .bind(op.kind())
        .bind(folder)
        .bind(item)
        .bind(&payload)
        .bind(op.idempotency_key())
        .fetch_one(&mut *tx)
        .await?;

        let local_ref = match op {
            OutboxOp::MarkRead {
                folder_id,
                server_id,
                read,
            } => {
                let m = message_ref(&mut tx, account_id, folder_id, server_id).await?;
                sqlx::query(
                    "UPDATE message SET read = ?2, local_state = local_state | 1 WHERE id = ?1",
                )
                .bind(m)
                .bind(read)
                .execute(&mut *tx)
                .await?;
                m
            }
            OutboxOp::Flag {
                folder_id,
                server_id,
                flag_status,
            } => {
                let m = message_ref(&mut tx, account_id, folder_id, server_id).await?;
                sqlx::query(
                    "UPDATE message SET flag_status = ?2, local_state = local_state | 2 WHERE id = ?1",
                )
                .bind(m)
                .bind(flag_status)
                .execute(&mut *tx)
                .await?;
                m
            }
            OutboxOp::Move {
                folder_id,
                server_id,
                to_folder_id,
            } => {
                let m = message_ref(&mut tx, account_id, folder_id, server_id).await?;
                sqlx::query(
                    "UPDATE message SET folder_id = ?2, server_id = ?3,
                        local_state = local_state | 4 WHERE id = ?1",
                )
                .bind(m)
                .bind(to_folder_id)
                .bind(format!("local:{id}"))
                .execute(&mut *tx)
                .await?;
                m
            }
            OutboxOp::Delete {
                folder_id,
                server_id,
                ..
            } => {
                let m = message_ref(&mut tx, account_id, folder_id, server_id).await?;
                sqlx::query("UPDATE message SET local_state = local_state | 8 WHERE id = ?1")
                    .bind(m)
                    .execute(&mut *tx)
                    .await?;
                m
            }
            OutboxOp::EventCreate {
                calendar,
                remote_id,
                ical,
            }
            | OutboxOp::EventUpdate {
                calendar,
                remote_id,
                ical,
            } => {
                let cal = calendar_id_by_remote(&mut tx, account_id, calendar).await?;
                if matches!(op, OutboxOp::EventUpdate { .. }) {
                    event_id_by_remote(&mut tx, cal, remote_id).await?;
                }
                let zone = self.local_zone();
                upsert_local_event(&mut tx, cal, remote_id, ical, &zone).await?
            }
            OutboxOp::EventDelete {
                calendar,
                remote_id,
            } => {
                let cal = calendar_id_by_remote(&mut tx, account_id, calendar).await?;
                let ev = event_id_by_remote(&mut tx, cal, remote_id).await?;
                sqlx::query("UPDATE event SET local_state = local_state | 8 WHERE id = ?1")
                    .bind(ev)
                    .execute(&mut *tx)
                    .await?;
                delete_occurrences_of(&mut tx, ev).await?;
                ev
            }
            OutboxOp::DraftSave {
                folder_id,
                server_id,
                mime,
                ..
            } => {
                let content = draft_content(mime)?;
                let (row_id, existing) = if server_id.is_empty() {
                    // A new draft: the row and this operation name it by a placeholder until
                    // the server gives it a ServerId (messages.rs "Drafts").
                    let placeholder = format!("local:{id}");
                    sqlx::query(
                        "UPDATE outbox SET item_id = ?2,
                            payload = json_set(payload, '$.server_id', ?2)
                         WHERE id = ?1",
                    )
                    .bind(id)
                    .bind(&placeholder)
                    .execute(&mut *tx)
                    .await?;
                    (placeholder, None)
                } else {
                    let m = message_ref(&mut tx, account_id, folder_id, server_id).await?;
                    (server_id.clone(), Some(m))
                };
                write_draft(&mut tx, account_id, folder_id, &row_id, existing, &content).await?
            }
            OutboxOp::Send { .. }
            | OutboxOp::Reply { .. }
            | OutboxOp::Forward { .. }
            | OutboxOp::MeetingResponse { .. } => 0,
        };
        if local_ref != 0 {
            sqlx::query("UPDATE outbox SET local_ref = ?2 WHERE id = ?1")
                .bind(id)
                .bind(local_ref)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if matches!(op, OutboxOp::DraftSave { .. }) {
            self.index_wanted();
        }
        Ok(id)
    }

    /// The operation that deletes a cached message as Outlook does: outside Deleted Items a
    /// [`OutboxOp::Move`] there; in Deleted Items, or `permanent` (Shift+Del), a Sync `Delete`
    /// for good. Without a Deleted Items folder (type 4) a Sync `Delete` that leaves the
    /// choice to the server, unless `permanent`. A draft kept only on this computer is deleted
    /// (no request: nothing on the server has its id).
    pub async fn delete_operation(
        &self,
        message_id: i64,
        permanent: bool,
    ) -> Result<OutboxOp, CoreError> {
        let m = self.message(message_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(format!("message {message_id} is not in the cache"))
        })?;
        let deleted_items = self.deleted_items_folder_id(m.account_id).await?;
        let local_draft = m.server_id.starts_with("local:") && m.local_state & local::DRAFT != 0;
        Ok(match deleted_items {
            Some(to) if !permanent && !local_draft && to != m.folder_id => OutboxOp::Move {
                folder_id: m.folder_id,
                server_id: m.server_id,
                to_folder_id: to,
            },
            Some(_) => OutboxOp::Delete {
                folder_id: m.folder_id,
                server_id: m.server_id,
                permanent: true,
            },
            None => OutboxOp::Delete {
                folder_id: m.folder_id,
                server_id: m.server_id,
                permanent,
            },
        })
    }

    /// The mail operations to send now: per account the oldest unfinished mail operation, if
    /// it is pending and due at `now` (module docs). Ordered by id. Calendar operations have
    /// their own queue (engine/calendar_outbox.rs): an event waiting for its calendar server
    /// does not hold back mail, nor the other way round.
    pub async fn next_ready(&self, now: DateTime<Utc>) -> Result<Vec<OutboxEntry>, CoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox o
             LEFT JOIN account a ON a.server_url = o.account_url AND a.username = o.account_user
             WHERE o.id IN (SELECT min(id) FROM outbox WHERE state IN ('pending', 'in_flight')
                              AND kind NOT IN {CALENDAR_KINDS}
                            GROUP BY account_url, account_user)
               AND o.state = 'pending' AND o.next_attempt_at <= ?1
             ORDER BY o.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now.timestamp())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// One outbox row.
    pub async fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>, CoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox o
             LEFT JOIN account a ON a.server_url = o.account_url AND a.username = o.account_user
             WHERE o.id = ?1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(entry_from_row).transpose()
    }

    /// How many rows are not on the server yet (pending, in flight, parked): the status bar's
    /// "changes waiting".
    pub async fn outbox_unsent_count(&self) -> Result<u32, CoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state != 'done'")
            .fetch_one(&self.pool)
            .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Every unfinished row (pending, in flight, parked), oldest first.
    pub async fn outbox_unfinished(&self) -> Result<Vec<OutboxEntry>, CoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox o
             LEFT JOIN account a ON a.server_url = o.account_url AND a.username = o.account_user
             WHERE o.state != 'done' ORDER BY o.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn transition(&self, id: i64, from: &[&str], sql: &str) -> Result<(), CoreError> {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM outbox WHERE id = ?1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match state {
            None => Err(CoreError::InvalidInput(format!("no outbox entry {id}"))),
            Some(s) if !from.contains(&s.as_str()) => Err(CoreError::InvalidInput(format!(
                "outbox entry {id} is {s}, expected {}",
                from.join(" or ")
            ))),
            Some(_) => {
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    }

    /// pending → in_flight (the engine is about to send it).
    pub async fn mark_in_flight(&self, id: i64) -> Result<(), CoreError> {
        self.transition(
            id,
            &["pending"],
            "UPDATE outbox SET state = 'in_flight', updated_at = unixepoch() WHERE id = ?1",
        )
        .await
    }

    /// After a crash: every in_flight row goes back to pending. Returns how many.
    pub async fn recover_in_flight(&self) -> Result<u64, CoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET state = 'pending', updated_at = unixepoch() WHERE state = 'in_flight'",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The server accepted the operation: the row becomes done and the cache is settled (local
    /// bits cleared, a confirmed delete removed, a moved message or created item given its new
    /// ServerId/href and ETag), in one transaction.
    pub async fn mark_done(&self, id: i64, result: &Done) -> Result<(), CoreError> {
        self.finish(id, result, false).await
    }

    /// A move whose source the server no longer has (MoveItems "invalid source"): either an
    /// earlier try of this very move reached the server and only its answer was lost, or
    /// another client moved or deleted the message. Either way the server's folders are the
    /// truth: the row is done and the placeholder `local:<id>` leaves the destination folder
    /// in the same transaction; a Sync of the folder that now holds the message brings it
    /// under its real ServerId (a lost MoveItems answer cannot leave a phantom copy behind).
    pub async fn mark_move_source_gone(&self, id: i64) -> Result<(), CoreError> {
        self.finish(id, &Done::default(), true).await
    }

    /// After a move's source was reported gone and its destination synced: the ServerId of
    /// the one message in the destination that is the moved message (same subject, sender,
    /// date and conversation, not the placeholder itself), if there is exactly one.
    pub async fn moved_copy(&self, move_id: i64) -> Result<Option<String>, CoreError> {
        // The user's row may have been moved on meanwhile: the copy is looked for in this
        // move's destination, whatever folder the row shows now.
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT m.server_id FROM outbox o
               JOIN message p ON p.id = o.local_ref
               JOIN message m ON m.account_id = p.account_id
                AND m.folder_id = json_extract(o.payload, '$.to_folder_id')
                AND m.id != p.id AND m.server_id NOT LIKE 'local:%'
                AND m.subject = p.subject AND m.from_addr = p.from_addr AND m.date = p.date
                AND m.conversation_id = p.conversation_id
             WHERE o.id = ?1 AND o.kind = 'move'
             LIMIT 2",
        )
        .bind(move_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(match ids.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        })
    }

    async fn finish(&self, id: i64, result: &Done, source_gone: bool) -> Result<(), CoreError> {
        let mut tx = self.begin_write().await?;
        finish_in(&mut tx, id, result, source_gone).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The operation failed: retried at `next_attempt_at`, or parked after [`MAX_ATTEMPTS`]
    /// failures. Returns the new state.
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<OutboxState, CoreError> {
        let state: Option<String> = sqlx::query_scalar(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,
                next_attempt_at = ?3, updated_at = unixepoch(),
                state = CASE WHEN attempts + 1 >= ?4 THEN 'parked' ELSE 'pending' END
             WHERE id = ?1 AND state IN ('pending', 'in_flight')
             RETURNING state",
        )
        .bind(id)
        .bind(error)
        .bind(next_attempt_at.timestamp())
        .bind(MAX_ATTEMPTS)
        .fetch_optional(&self.pool)
        .await?;
        match state {
            Some(s) => OutboxState::parse(&s),
            None => Err(CoreError::InvalidInput(format!(
                "outbox entry {id} is not pending or in flight"
            ))),
        }
    }

    /// Parked operations, oldest first, with their last error: for the UI.
    pub async fn parked(&self) -> Result<Vec<OutboxEntry>, CoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox o
             LEFT JOIN account a ON a.server_url = o.account_url AND a.username = o.account_user
             WHERE o.state = 'parked' ORDER BY o.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// The user asked to try a parked operation again: pending, due now, attempts reset. A
    /// delete hides its message again (a delete the server did not do showed it again).
    pub async fn retry_parked(&self, id: i64) -> Result<(), CoreError> {
        self.transition(
            id,
            &["parked"],
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = 0,
                updated_at = unixepoch() WHERE id = ?1",
        )
        .await?;
        sqlx::query(
            "UPDATE message SET local_state = local_state | ?2
             WHERE id = (SELECT local_ref FROM outbox WHERE id = ?1 AND kind = 'delete')",
        )
        .bind(id)
        .bind(local::DELETED)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The delete check found the message still in its folder after a Sync `Delete` that may
    /// move (engine/outbox.rs "The delete check"): the row becomes a move of the message to
    /// Deleted Items (`to_folder_id`), due at once, with the failed try counted and `error`
    /// kept; the message leaves its folder for Deleted Items under `local:<id>` as with any
    /// move. Returns false, changing nothing, when the row is not an unfinished delete.
    pub async fn retry_delete_as_move(
        &self,
        id: i64,
        to_folder_id: &str,
        error: &str,
    ) -> Result<bool, CoreError> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, String, i64)> =
            sqlx::query_as("SELECT state, payload, local_ref FROM outbox WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((state, payload, local_ref)) = row else {
            return Ok(false);
        };
        let op: OutboxOp = serde_json::from_str(&payload)
            .map_err(|e| CoreError::InvalidInput(format!("outbox payload cannot be read: {e}")))?;
        let OutboxOp::Delete {
            folder_id,
            server_id,
            ..
        } = op
        else {
            return Ok(false);
        };
        if !matches!(state.as_str(), "pending" | "in_flight") {
            return Ok(false);
        }
        let mv = OutboxOp::Move {
            folder_id,
            server_id,
            to_folder_id: to_folder_id.to_owned(),
        };
        let payload = serde_json::to_string(&mv)
            .map_err(|e| CoreError::InvalidInput(format!("outbox operation: {e}")))?;
        sqlx::query(
            "UPDATE outbox SET kind = 'move', payload = ?2, state = 'pending',
                attempts = attempts + 1, last_error = ?3, next_attempt_at = 0,
                updated_at = unixepoch()
             WHERE id = ?1",
        )
        .bind(id)
        .bind(&payload)
        .bind(error)
        .execute(&mut *tx)
        .await?;
        if local_ref != 0 {
            sqlx::query(
                "UPDATE message SET folder_id = ?2, server_id = ?3,
                    local_state = (local_state & ~?4) | ?5
                 WHERE id = ?1",
            )
            .bind(local_ref)
            .bind(to_folder_id)
            .bind(format!("local:{id}"))
            .bind(local::DELETED)
            .bind(local::MOVED)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The user gave up on a parked or pending operation: the row is removed and its local bit
    /// settled (the cached value stays until the server sends the item again).
    pub async fn discard(&self, id: i64) -> Result<(), CoreError> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, String, i64)> =
            sqlx::query_as("SELECT state, payload, local_ref FROM outbox WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((state, payload, local_ref)) = row else {
            return Err(CoreError::InvalidInput(format!("no outbox entry {id}")));
        };
        if state == "in_flight" {
            return Err(CoreError::InvalidInput(format!(
                "outbox entry {id} is being sent; it can be discarded once it failed"
            )));
        }
        let op: OutboxOp = serde_json::from_str(&payload)
            .map_err(|e| CoreError::InvalidInput(format!("outbox payload cannot be read: {e}")))?;
        sqlx::query("DELETE FROM outbox WHERE id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let OutboxOp::Move {
            folder_id,
            server_id,
            ..
        } = &op
        {
            undo_local_move(&mut tx, id, folder_id, server_id, local_ref).await?;
        }
        settle_local_bit(&mut tx, id, &op, local_ref).await?;
        if matches!(op, OutboxOp::EventCreate { .. }) {
            // A create discarded before the server had the event: the event goes too (it
            // exists nowhere else), unless another change of it still waits. One the server
            // has (a ServerId, or a CalDAV resource with its ETag) stays.
            let gone = sqlx::query(
                "DELETE FROM event WHERE id = ?1
                   AND (remote_id LIKE 'local:%' OR (etag = '' AND remote_id LIKE 'http%'))
                   AND NOT EXISTS (SELECT 1 FROM outbox WHERE local_ref = ?1
                       AND state != 'done'
                       AND kind IN ('event_create', 'event_update', 'event_delete'))",
            )
            .bind(local_ref)
            .execute(&mut *tx)
            .await?;
            if gone.rows_affected() > 0 {
                delete_occurrences_of(&mut tx, local_ref).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes done rows finished before `before`. Returns how many.
    pub async fn purge_done(&self, before: DateTime<Utc>) -> Result<u64, CoreError> {
        let done = sqlx::query("DELETE FROM outbox WHERE state = 'done' AND updated_at < ?1")
            .bind(before.timestamp())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The account's unfinished (`pending` or `in_flight`) calendar operations, oldest first,
    /// their payloads not yet read.
    pub async fn calendar_queue(
        &self,
        account_url: &str,
        account_user: &str,
    ) -> Result<Vec<QueuedRow>, CoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, payload, state, next_attempt_at FROM outbox
             WHERE account_url = ?1 AND account_user = ?2 AND state IN ('pending', 'in_flight')
               AND kind IN {CALENDAR_KINDS}
             ORDER BY id"
        )))
        .bind(account_url)
        .bind(account_user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| QueuedRow {
                id: r.get("id"),
                payload: r.get("payload"),
                state: r.get("state"),
                next_attempt_at: r.get("next_attempt_at"),
            })
            .collect())
    }

    /// The payload and state of one outbox row as stored now, `None` when the row is gone.
    pub async fn outbox_payload(&self, id: i64) -> Result<Option<(String, String)>, CoreError> {
        let row = sqlx::query_as("SELECT payload, state FROM outbox WHERE id = ?1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row)
    }

    /// The failed tries of an operation so far and when the next one is due (Unix seconds).
    pub async fn outbox_tries(&self, id: i64) -> Result<(i64, i64), CoreError> {
        let tries = sqlx::query_as("SELECT attempts, next_attempt_at FROM outbox WHERE id = ?1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(tries)
    }

    /// Makes a waiting operation due now, as if its backoff had passed.
    #[cfg(test)]
    pub(crate) async fn make_due_now(&self, id: i64) -> Result<(), CoreError> {
        sqlx::query("UPDATE outbox SET next_attempt_at = 0 WHERE id = ?1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// in_flight → pending without counting a try: the server could not be reached.
    pub async fn release_in_flight(&self, id: i64) -> Result<(), CoreError> {
        sqlx::query("UPDATE outbox SET state = 'pending' WHERE id = ?1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A try failed in a way retrying cannot fix: the try is counted and the row parked with
    /// the error, if it is still pending or in flight.
    pub async fn park_failed(&self, id: i64, error: &str) -> Result<(), CoreError> {
        let mut conn = self.pool.acquire().await?;
        park_failed_in(&mut conn, id, error).await
    }

    /// Parks an operation with a reason the user sees; the count of failed tries stays.
    pub async fn park_operation(&self, id: i64, reason: &str) -> Result<(), CoreError> {
        let mut conn = self.pool.acquire().await?;
        park_in(&mut conn, id, reason).await
    }

    /// Every calendar operation that is not done (pending and parked), oldest first.
    pub async fn pending_calendar_changes(&self) -> Result<Vec<PendingChange>, CoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, kind, folder_id, item_id, state, attempts, last_error FROM outbox
             WHERE state <> 'done' AND kind IN {CALENDAR_KINDS} ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| PendingChange {
                id: r.get("id"),
                kind: r.get("kind"),
                calendar: r.get("folder_id"),
                item: r.get("item_id"),
                state: r.get("state"),
                attempts: r.get("attempts"),
                last_error: r.get("last_error"),
            })
            .collect())
    }
}

/// Marks an operation done (see [`Store::mark_done`]) inside the caller's transaction: the EAS
/// calendar replay stores the answer's SyncKey and items and settles the operation at once.
pub(crate) async fn finish_in(
    tx: &mut SqliteConnection,
    id: i64,
    result: &Done,
    source_gone: bool,
) -> Result<(), CoreError> {
    let row: Option<(String, String, i64)> =
        sqlx::query_as("SELECT state, payload, local_ref FROM outbox WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((state, payload, local_ref)) = row else {
        return Err(CoreError::InvalidInput(format!("no outbox entry {id}")));
    };
    if state == "done" {
        return Ok(()); // a repeated confirmation changes nothing
    }
    let op: OutboxOp = serde_json::from_str(&payload)
        .map_err(|e| CoreError::InvalidInput(format!("outbox payload cannot be read: {e}")))?;
    sqlx::query(
        "UPDATE outbox SET state = 'done', last_error = '', updated_at = unixepoch()
         WHERE id = ?1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if local_ref != 0 {
        match &op {
            OutboxOp::Move { .. } if source_gone => {
                sqlx::query("DELETE FROM message WHERE id = ?1 AND server_id = ?2")
                    .bind(local_ref)
                    .bind(format!("local:{id}"))
                    .execute(&mut *tx)
                    .await?;
            }
            OutboxOp::Move { to_folder_id, .. } => {
                if let Some(new) = &result.new_server_id {
                    // When the MoveItems answer was lost and the move retried, a Sync of
                    // the destination may have brought the item in already under its new
                    // ServerId. The user's row (local_ref) stands for the message — it may
                    // even have been moved on since — so that copy goes, and the row takes
                    // the id if it still waits for it (taking it while the copy exists
                    // would violate UNIQUE (account, folder, server_id)).
                    sqlx::query(
                        "DELETE FROM message WHERE folder_id = ?2 AND server_id = ?3
                            AND id != ?1
                            AND account_id = (SELECT account_id FROM message WHERE id = ?1)",
                    )
                    .bind(local_ref)
                    .bind(to_folder_id)
                    .bind(new)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE message SET server_id = ?2 WHERE id = ?1 AND server_id = ?3",
                    )
                    .bind(local_ref)
                    .bind(new)
                    .bind(format!("local:{id}"))
                    .execute(&mut *tx)
                    .await?;
                    // Operations the user queued on the moved message before the move
                    // was confirmed (move, then flag or move again) name the placeholder:
                    // they now name the ServerId the server gave it.
                    sqlx::query(
                        "UPDATE outbox SET item_id = ?2,
                            payload = json_set(payload, '$.server_id', ?2)
                         WHERE item_id = ?1 AND state != 'done'
                           AND json_extract(payload, '$.server_id') = ?1",
                    )
                    .bind(format!("local:{id}"))
                    .bind(new)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            OutboxOp::DraftSave { server_id, .. } => {
                // Stored on the server (ActiveSync 16): the row takes the ServerId and is an
                // ordinary server item again once no later save of it waits. Without a
                // ServerId (below 16.0) the draft stays kept on this computer.
                if let Some(new) = result.new_server_id.as_ref() {
                    if new != server_id {
                        sqlx::query(
                            "DELETE FROM message WHERE id != ?1 AND server_id = ?2
                               AND (account_id, folder_id) =
                                   (SELECT account_id, folder_id FROM message WHERE id = ?1)",
                        )
                        .bind(local_ref)
                        .bind(new)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE message SET server_id = ?2 WHERE id = ?1 AND server_id = ?3",
                        )
                        .bind(local_ref)
                        .bind(new)
                        .bind(server_id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE outbox SET item_id = ?2,
                                payload = json_set(payload, '$.server_id', ?2)
                             WHERE item_id = ?1 AND state != 'done' AND id != ?3
                               AND json_extract(payload, '$.server_id') = ?1",
                        )
                        .bind(server_id)
                        .bind(new)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query(
                        "UPDATE message SET local_state = local_state & ~?2 WHERE id = ?1
                           AND NOT EXISTS (SELECT 1 FROM outbox WHERE local_ref = ?1
                               AND kind = 'draft_save' AND state != 'done' AND id != ?3)",
                    )
                    .bind(local_ref)
                    .bind(local::DRAFT)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            OutboxOp::Delete { .. } => {
                sqlx::query("DELETE FROM message WHERE id = ?1 AND (local_state & 8) != 0")
                    .bind(local_ref)
                    .execute(&mut *tx)
                    .await?;
            }
            OutboxOp::EventCreate {
                calendar,
                remote_id: old,
                ..
            }
            | OutboxOp::EventUpdate {
                calendar,
                remote_id: old,
                ..
            } => {
                if let Some(new) = result.new_server_id.as_ref().filter(|n| *n != old) {
                    // A Sync may have brought the server's copy of this very item in
                    // already (the answer to an earlier try of the create was lost): that
                    // copy goes, the row the user edits takes its id (which would
                    // otherwise violate UNIQUE (calendar, remote_id) and stop the queue).
                    sqlx::query(
                        "DELETE FROM event WHERE id != ?1 AND remote_id = ?2
                           AND calendar_id = (SELECT calendar_id FROM event WHERE id = ?1)",
                    )
                    .bind(local_ref)
                    .bind(new)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE event SET remote_id = ?2 WHERE id = ?1")
                        .bind(local_ref)
                        .bind(new)
                        .execute(&mut *tx)
                        .await?;
                    // Edits and deletes the user queued before the create was confirmed
                    // name the placeholder (`local:<uid>`): they now name the item the
                    // server has. Otherwise an edit would be sent as a second Add and a
                    // delete counted as "never reached the server" and lost.
                    sqlx::query(
                        "UPDATE outbox SET item_id = ?3,
                            payload = json_set(payload, '$.remote_id', ?3)
                         WHERE id != ?4 AND state != 'done' AND folder_id = ?1
                           AND item_id = ?2
                           AND kind IN ('event_create', 'event_update', 'event_delete')
                           AND json_extract(payload, '$.remote_id') = ?2",
                    )
                    .bind(calendar)
                    .bind(old)
                    .bind(new)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(etag) = &result.etag {
                    sqlx::query("UPDATE event SET etag = ?2 WHERE id = ?1")
                        .bind(local_ref)
                        .bind(etag)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            OutboxOp::EventDelete { .. } => {
                sqlx::query("DELETE FROM event WHERE id = ?1 AND (local_state & 8) != 0")
                    .bind(local_ref)
                    .execute(&mut *tx)
                    .await?;
            }
            _ => {}
        }
        settle_local_bit(&mut *tx, id, &op, local_ref).await?;
    }
    Ok(())
}

/// Unfinished operations of the account (`account_url`, `account_user`) that name the event
/// `items` (its remote ids, e.g. the ServerId and the placeholder `local:<uid>`) in calendar
/// `calendar`, and meeting answers for `old_uid`, take `new_uid` instead (the server gave the
/// item another UID, events.rs [`super::events::adopt_server_uid_in`]): the iCalendar of a
/// queued create or edit, the answer's UID and the idempotency key. Inside the caller's
/// transaction.
pub(crate) async fn rename_event_uid_in(
    conn: &mut SqliteConnection,
    account: (&str, &str),
    calendar: &str,
    items: &[&str],
    old_uid: &str,
    new_uid: &str,
) -> Result<u32, CoreError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, folder_id, payload FROM outbox
         WHERE account_url = ?1 AND account_user = ?2 AND state != 'done'
           AND (kind IN ('event_create', 'event_update')
                OR (kind = 'meeting_response' AND idempotency_key = ?3))
         ORDER BY id",
    )
    .bind(account.0)
    .bind(account.1)
    .bind(old_uid)
    .fetch_all(&mut *conn)
    .await?;
    let mut changed = 0;
    for (id, folder_id, payload) in rows {
        let Ok(mut op) = serde_json::from_str::<OutboxOp>(&payload) else {
            continue;
        };
        match &mut op {
            OutboxOp::EventCreate {
                remote_id, ical, ..
            }
            | OutboxOp::EventUpdate {
                remote_id, ical, ..
            } => {
                if folder_id != calendar || !items.contains(&remote_id.as_str()) {
                    continue;
                }
                match super::events::with_uid(ical, old_uid, new_uid) {
                    Some(rewritten) => *ical = rewritten,
                    None => continue,
                }
            }
            OutboxOp::MeetingResponse { uid, .. } if *uid == old_uid => *uid = new_uid.to_owned(),
            _ => continue,
        }
        let payload = serde_json::to_string(&op)
            .map_err(|e| CoreError::InvalidInput(format!("outbox operation: {e}")))?;
        sqlx::query("UPDATE outbox SET payload = ?2, idempotency_key = ?3 WHERE id = ?1")
            .bind(id)
            .bind(payload)
            .bind(op.idempotency_key())
            .execute(&mut *conn)
            .await?;
        changed += 1;
    }
    Ok(changed)
}

/// A create the server confirmed (operation `id`, done, its event renamed to the ServerId
/// `server_id` in `calendar`) but does not have (engine/calendar_outbox.rs "The create
/// check"), inside the caller's transaction: the event takes its placeholder `local_id` again
/// and stays shown as a local change, the edits and deletes queued on it name the placeholder
/// again, and the create is parked with `reason`, for the user to send again or discard.
pub(crate) async fn park_unstored_create_in(
    conn: &mut SqliteConnection,
    id: i64,
    calendar: &str,
    server_id: &str,
    local_id: &str,
    reason: &str,
) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE event SET remote_id = ?3, local_state = local_state | ?4
         WHERE id = (SELECT local_ref FROM outbox WHERE id = ?1) AND remote_id = ?2",
    )
    .bind(id)
    .bind(server_id)
    .bind(local_id)
    .bind(event_local::CHANGED)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE outbox SET item_id = ?3, payload = json_set(payload, '$.remote_id', ?3)
         WHERE id != ?4 AND state != 'done' AND folder_id = ?1 AND item_id = ?2
           AND kind IN ('event_create', 'event_update', 'event_delete')
           AND json_extract(payload, '$.remote_id') = ?2",
    )
    .bind(calendar)
    .bind(server_id)
    .bind(local_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    park_in(conn, id, reason).await
}

/// Parks an operation inside the caller's transaction, with a reason the user sees; the count
/// of failed tries stays as it is.
pub(crate) async fn park_in(
    conn: &mut SqliteConnection,
    id: i64,
    reason: &str,
) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE outbox SET state = 'parked', last_error = ?2, updated_at = unixepoch() WHERE id = ?1",
    )
    .bind(id)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A delete the server did not carry out (engine/outbox.rs "The delete check"), inside the
/// caller's transaction: the row is parked with `reason` and its message shows again in its
/// folder (bit 8 cleared unless another unfinished delete of it waits).
pub(crate) async fn park_undeleted_in(
    conn: &mut SqliteConnection,
    id: i64,
    reason: &str,
) -> Result<(), CoreError> {
    park_in(conn, id, reason).await?;
    sqlx::query(
        "UPDATE message SET local_state = local_state & ~?2
         WHERE id = (SELECT local_ref FROM outbox WHERE id = ?1 AND kind = 'delete')
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.local_ref = message.id
               AND o.kind = 'delete' AND o.state IN ('pending', 'in_flight') AND o.id != ?1)",
    )
    .bind(id)
    .bind(local::DELETED)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// [`Store::park_failed`] inside the caller's transaction.
pub(crate) async fn park_failed_in(
    conn: &mut SqliteConnection,
    id: i64,
    error: &str,
) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE outbox SET state = 'parked', last_error = ?2, attempts = attempts + 1,
            updated_at = unixepoch()
         WHERE id = ?1 AND state IN ('pending', 'in_flight')",
    )
    .bind(id)
    .bind(error)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
