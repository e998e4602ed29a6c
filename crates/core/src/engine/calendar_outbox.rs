//! Local calendar changes: applied to the cache at once, queued in `outbox`, replayed in order.
//!
//! Operation kinds (`outbox.kind`): `event_create`, `event_update`, `event_delete`,
//! `meeting_response`. `outbox.folder_id` is the calendar's remote id, `item_id` the event's
//! UID, `idempotency_key` the UID (what lets a create replayed after a crash find that the
//! server already has it). The payload ([`EventOp`]) carries the iCalendar text of the change.
//!
//! Enqueueing writes the event row (with `local_state` ≠ 0, so no server batch overwrites it)
//! and the outbox row in one transaction. Replay takes the account's pending calendar
//! operations in `id` order; a failure that may pass (network, 5xx) stops the replay and is
//! retried later with a growing delay; after [`MAX_ATTEMPTS`] the operation is parked with its
//! error, visible to the user, and the queue goes on.
//!
//! ## Conflicts: the server wins, the local version is kept
//! When the server changed or deleted the item meanwhile (CalDAV 412 on `If-Match`, an
//! existing resource on create, EAS Sync status 7), the server's version goes into the cache
//! and the local operation is **parked** with `last_error` = `conflict: …` and its payload
//! (the local iCalendar) unchanged. The user sees it in the list of unsent changes and can
//! apply it again on top of the server's version or discard it. Nothing is dropped silently.

use chrono::{DateTime, Utc};
use kontor_caldav::{CalendarInfo, DavClient, WriteOutcome};
use kontor_calendar::{Calendar, PartStat, Zone};
use kontor_eas::EasClient;
use kontor_eas::meeting_response::UserResponse;
use kontor_eas::sync::{ClientCommand, CollectionRequest, ItemResponse, Status};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use url::Url;

use super::calendar_cache::{self, Batch, CalendarRow, EventUpsert, Source, local_state};
use super::calendar_dav::map_dav;
use crate::convert;
use crate::error::CoreError;

/// Failures of one operation before it is parked.
pub const MAX_ATTEMPTS: i64 = 5;

/// What a calendar operation carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOp {
    pub calendar_id: i64,
    pub event_id: i64,
    pub uid: String,
    /// The iCalendar text to write (empty for a delete).
    #[serde(default)]
    pub ical: String,
    /// For `meeting_response`: `accepted`, `tentative` or `declined`.
    #[serde(default)]
    pub response: String,
}

/// An outbox kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Create,
    Update,
    Delete,
    MeetingResponse,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Create => "event_create",
            OpKind::Update => "event_update",
            OpKind::Delete => "event_delete",
            OpKind::MeetingResponse => "meeting_response",
        }
    }

    fn parse(s: &str) -> Option<OpKind> {
        Some(match s {
            "event_create" => OpKind::Create,
            "event_update" => OpKind::Update,
            "event_delete" => OpKind::Delete,
            "meeting_response" => OpKind::MeetingResponse,
            _ => return None,
        })
    }
}

/// The account an outbox row belongs to (`outbox.account_url`, `account_user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountKey {
    pub server_url: String,
    pub user: String,
}

/// A remote id for an event that exists only locally.
pub fn local_remote_id(cal: &CalendarRow, uid: &str) -> String {
    match cal.source {
        Source::Caldav => resource_url(&cal.remote_id, uid),
        Source::Eas => format!("local:{uid}"),
    }
}

/// `<collection>/<uid>.ics`, with the UID made safe for a path segment.
pub fn resource_url(collection: &str, uid: &str) -> String {
    let name: String = uid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match Url::parse(collection) {
        Ok(mut u) => {
            if let Ok(mut segs) = u.path_segments_mut() {
                segs.pop_if_empty().push(&format!("{name}.ics"));
            }
            u.to_string()
        }
        Err(_) => format!("{}/{name}.ics", collection.trim_end_matches('/')),
    }
}

/// Writes the local change and its outbox row in one transaction; returns the event id.
pub async fn enqueue(
    pool: &SqlitePool,
    account: &AccountKey,
    cal: &CalendarRow,
    kind: OpKind,
    op: EventOp,
    remote_id: &str,
    zone: &Zone,
) -> Result<i64, CoreError> {
    if cal.read_only {
        return Err(CoreError::InvalidInput(format!(
            "the calendar \"{}\" is read-only",
            cal.display_name
        )));
    }
    let mut tx = pool.begin().await?;
    let win = calendar_cache::window(Utc::now());
    let event_id = match kind {
        OpKind::Create | OpKind::Update | OpKind::MeetingResponse => {
            let existing_etag: String = sqlx::query_scalar(
                "SELECT etag FROM event WHERE calendar_id = ?1 AND remote_id = ?2",
            )
            .bind(cal.id)
            .bind(remote_id)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_default();
            let state = if kind == OpKind::Create {
                local_state::CREATED
            } else {
                local_state::UPDATED
            };
            calendar_cache::put_event(
                &mut tx,
                cal.id,
                &EventUpsert {
                    remote_id: remote_id.to_string(),
                    etag: existing_etag,
                    ical: op.ical.clone(),
                },
                state,
                zone,
                win,
            )
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the event has no readable start".into()))?
        }
        OpKind::Delete => {
            sqlx::query("UPDATE event SET local_state = ?2 WHERE id = ?1")
                .bind(op.event_id)
                .bind(local_state::DELETED)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM occurrence WHERE event_id = ?1")
                .bind(op.event_id)
                .execute(&mut *tx)
                .await?;
            op.event_id
        }
    };
    let op = EventOp { event_id, ..op };
    sqlx::query(
        "INSERT INTO outbox (account_url, account_user, kind, folder_id, item_id, payload, idempotency_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .bind(&account.server_url)
    .bind(&account.user)
    .bind(kind.as_str())
    .bind(&cal.remote_id)
    .bind(&op.uid)
    .bind(serde_json::to_string(&op).map_err(|e| CoreError::InvalidInput(e.to_string()))?)
    .bind(&op.uid)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(event_id)
}

/// One queued calendar operation.
#[derive(Debug, Clone)]
pub struct QueuedOp {
    pub id: i64,
    pub kind: OpKind,
    pub op: EventOp,
    pub attempts: i64,
}

/// Pending calendar operations of an account that are due, in order.
pub async fn pending(
    pool: &SqlitePool,
    account: &AccountKey,
    now: DateTime<Utc>,
) -> Result<Vec<QueuedOp>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, payload, attempts FROM outbox
         WHERE account_url = ?1 AND account_user = ?2 AND state IN ('pending', 'in_flight')
           AND kind IN ('event_create', 'event_update', 'event_delete', 'meeting_response')
           AND next_attempt_at <= ?3
         ORDER BY id",
    )
    .bind(&account.server_url)
    .bind(&account.user)
    .bind(now.timestamp())
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.get("id");
        let kind = OpKind::parse(r.get::<&str, _>("kind"));
        let op = serde_json::from_str::<EventOp>(r.get::<&str, _>("payload"));
        match (kind, op) {
            (Some(kind), Ok(op)) => out.push(QueuedOp {
                id,
                kind,
                op,
                attempts: r.get("attempts"),
            }),
            (_, Err(e)) => {
                park(pool, id, &format!("unreadable operation: {e}")).await?;
            }
            (None, _) => {}
        }
    }
    Ok(out)
}

/// Parks an operation with a reason the user sees.
pub async fn park(pool: &SqlitePool, id: i64, reason: &str) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE outbox SET state = 'parked', last_error = ?2, updated_at = unixepoch() WHERE id = ?1",
    )
    .bind(id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(())
}

async fn failed(pool: &SqlitePool, q: &QueuedOp, err: &CoreError) -> Result<(), CoreError> {
    let attempts = q.attempts + 1;
    if attempts >= MAX_ATTEMPTS {
        return park(pool, q.id, &format!("failed {attempts} times: {err}")).await;
    }
    // 30 s, 60 s, 120 s, … between attempts.
    let delay = 30i64 << (attempts - 1).min(10);
    sqlx::query(
        "UPDATE outbox SET state = 'pending', attempts = ?2, last_error = ?3,
                next_attempt_at = unixepoch() + ?4, updated_at = unixepoch() WHERE id = ?1",
    )
    .bind(q.id)
    .bind(attempts)
    .bind(err.to_string())
    .bind(delay)
    .execute(pool)
    .await?;
    Ok(())
}

/// Marks the op done and the event synced (unless another op for it is still queued).
async fn done(
    pool: &SqlitePool,
    q: &QueuedOp,
    remote_id: Option<&str>,
    etag: Option<&str>,
    token: Option<Batch>,
    zone: &Zone,
) -> Result<(), CoreError> {
    let mut tx = pool.begin().await?;
    if let Some(b) = token {
        calendar_cache::apply_batch_in(&mut tx, q.op.calendar_id, &b, zone, Utc::now()).await?;
    }
    sqlx::query("UPDATE outbox SET state = 'done', updated_at = unixepoch() WHERE id = ?1")
        .bind(q.id)
        .execute(&mut *tx)
        .await?;
    let more: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight') AND id <> ?1
           AND kind IN ('event_create', 'event_update', 'event_delete', 'meeting_response')
           AND item_id = ?2",
    )
    .bind(q.id)
    .bind(&q.op.uid)
    .fetch_one(&mut *tx)
    .await?;
    if q.kind == OpKind::Delete {
        if more == 0 {
            sqlx::query("DELETE FROM event WHERE id = ?1")
                .bind(q.op.event_id)
                .execute(&mut *tx)
                .await?;
        }
    } else {
        sqlx::query(
            "UPDATE event SET remote_id = COALESCE(?2, remote_id), etag = COALESCE(?3, etag),
                    local_state = CASE WHEN ?4 = 0 THEN 0 ELSE local_state END
             WHERE id = ?1",
        )
        .bind(q.op.event_id)
        .bind(remote_id)
        .bind(etag)
        .bind(more)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Server wins: its version (or its delete) goes into the cache, the local op is parked.
async fn conflict(
    pool: &SqlitePool,
    q: &QueuedOp,
    server: Option<EventUpsert>,
    detail: &str,
    zone: &Zone,
) -> Result<(), CoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM event WHERE id = ?1")
        .bind(q.op.event_id)
        .execute(&mut *tx)
        .await?;
    if let Some(s) = server {
        calendar_cache::put_event(
            &mut tx,
            q.op.calendar_id,
            &s,
            local_state::SYNCED,
            zone,
            calendar_cache::window(Utc::now()),
        )
        .await?;
    }
    sqlx::query(
        "UPDATE outbox SET state = 'parked', last_error = ?2, updated_at = unixepoch() WHERE id = ?1",
    )
    .bind(q.id)
    .bind(format!("conflict: {detail}"))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::warn!(uid = %q.op.uid, %detail, "calendar change conflicts with the server; server version kept, local change parked");
    Ok(())
}

/// What happened to one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    Done,
    Conflict { uid: String, detail: String },
    Retry(String),
}

fn calendar_info(cal: &CalendarRow) -> Result<CalendarInfo, CoreError> {
    Ok(CalendarInfo {
        url: Url::parse(&cal.remote_id)
            .map_err(|e| CoreError::InvalidInput(format!("{}: {e}", cal.remote_id)))?,
        display_name: Some(cal.display_name.clone()),
        color: None,
        ctag: None,
        sync_token: None,
        components: Vec::new(),
        read_only: cal.read_only,
        owner: None,
    })
}

/// Replays one CalDAV operation.
pub async fn replay_dav(
    dav: &DavClient,
    pool: &SqlitePool,
    cal: &CalendarRow,
    q: &QueuedOp,
    zone: &Zone,
) -> Result<Replayed, CoreError> {
    let info = calendar_info(cal)?;
    let row = calendar_cache::event(pool, q.op.event_id).await?;
    let (url, etag) = match &row {
        Some(r) => (r.remote_id.clone(), r.etag.clone()),
        None => (resource_url(&cal.remote_id, &q.op.uid), String::new()),
    };
    let url_parsed =
        Url::parse(&url).map_err(|e| CoreError::InvalidInput(format!("{url}: {e}")))?;
    let outcome = match q.kind {
        OpKind::Create => {
            let name = url_parsed
                .path_segments()
                .and_then(|mut s| s.next_back().map(str::to_string))
                .unwrap_or_else(|| format!("{}.ics", q.op.uid));
            let name = percent_decode(&name);
            match dav
                .create(&info, &name, &q.op.ical)
                .await
                .map_err(map_dav)?
            {
                // A create replayed after a crash: the server already has our own version.
                WriteOutcome::Conflict(c)
                    if c.server
                        .as_ref()
                        .is_some_and(|s| same_object(&s.data, &q.op.ical)) =>
                {
                    let s = c.server.expect("checked");
                    WriteOutcome::Written {
                        url: s.url,
                        etag: s.etag,
                    }
                }
                o => o,
            }
        }
        OpKind::Update | OpKind::MeetingResponse if etag.is_empty() => {
            // Never fetched with an ETag (should not happen): treat as a create-or-conflict.
            dav.create(&info, &q.op.uid, &q.op.ical)
                .await
                .map_err(map_dav)?
        }
        OpKind::Update | OpKind::MeetingResponse => dav
            .update(&info, &url_parsed, &q.op.ical, &etag)
            .await
            .map_err(map_dav)?,
        OpKind::Delete if etag.is_empty() => WriteOutcome::Written {
            url: url_parsed.clone(),
            etag: None,
        },
        OpKind::Delete => dav
            .delete(&info, &url_parsed, &etag)
            .await
            .map_err(map_dav)?,
    };
    match outcome {
        WriteOutcome::Written { url, etag } => {
            // Servers may answer a PUT without an ETag; fetch it so the next If-Match works.
            let etag = match (etag, q.kind) {
                (Some(e), _) => Some(e),
                (None, OpKind::Delete) => None,
                (None, _) => dav.get(&url).await.map_err(map_dav)?.and_then(|r| r.etag),
            };
            done(pool, q, Some(url.as_str()), etag.as_deref(), None, zone).await?;
            Ok(Replayed::Done)
        }
        WriteOutcome::Conflict(c) => {
            let detail = match &c.server {
                Some(_) => format!("{} was changed on the server (HTTP 412)", c.url),
                None => format!("{} was deleted on the server", c.url),
            };
            let server = c.server.map(|s| EventUpsert {
                remote_id: s.url.to_string(),
                etag: s.etag.unwrap_or_default(),
                ical: s.data,
            });
            conflict(pool, q, server, &detail, zone).await?;
            Ok(Replayed::Conflict {
                uid: q.op.uid.clone(),
                detail,
            })
        }
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// True when two iCalendar texts hold the same UID and SEQUENCE/DTSTAMP-independent data.
fn same_object(a: &str, b: &str) -> bool {
    match (Calendar::parse(a), Calendar::parse(b)) {
        (Ok(x), Ok(y)) => {
            let strip = |mut c: Calendar| {
                for i in &mut c.items {
                    i.dtstamp = None;
                    i.extra.retain(|l| {
                        !l.name.starts_with("X-")
                            && l.name != "LAST-MODIFIED"
                            && l.name != "CREATED"
                    });
                }
                c.items
            };
            strip(x) == strip(y)
        }
        _ => false,
    }
}

/// Replays one ActiveSync operation (Sync Add/Change/Delete, MS-ASCMD 2.2.3.7.2, or
/// MeetingResponse, MS-ASCMD 2.2.1.11). The folder's SyncKey must be current (run a Sync pass
/// first); the key the answer returns is stored with the result in one transaction.
pub async fn replay_eas(
    client: &mut EasClient,
    pool: &SqlitePool,
    cal: &CalendarRow,
    q: &QueuedOp,
    zone: &Zone,
) -> Result<Replayed, CoreError> {
    let row = calendar_cache::event(pool, q.op.event_id).await?;
    let server_id = row
        .as_ref()
        .map(|r| r.remote_id.clone())
        .filter(|r| !r.starts_with("local:"));
    if q.kind == OpKind::MeetingResponse {
        let Some(sid) = server_id else {
            return Ok(Replayed::Retry(
                "the invitation is not on the server yet".into(),
            ));
        };
        let resp = match q.op.response.as_str() {
            "accepted" => UserResponse::Accepted,
            "tentative" => UserResponse::Tentative,
            _ => UserResponse::Declined,
        };
        client
            .meeting_response(resp, &cal.remote_id, &sid, None)
            .await
            .map_err(|e| crate::sync::map_eas(e, "MeetingResponse"))?;
        done(pool, q, None, None, None, zone).await?;
        return Ok(Replayed::Done);
    }
    let key = calendar_cache::calendar(pool, cal.id)
        .await?
        .map(|c| c.sync_token)
        .unwrap_or_default();
    if key.is_empty() || key == "0" {
        return Ok(Replayed::Retry(
            "the calendar has not been synced yet".into(),
        ));
    }
    let version = client.version();
    let data = || -> Result<kontor_wbxml::Element, CoreError> {
        let cal =
            Calendar::parse(&q.op.ical).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let ev = convert::calendar_to_event(&cal, &q.op.uid, zone)
            .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        Ok(ev.to_application_data(version))
    };
    let command = match (q.kind, &server_id) {
        (OpKind::Create, _) | (OpKind::Update, None) => ClientCommand::Add {
            client_id: q.op.uid.clone(),
            data: data()?,
        },
        (OpKind::Update, Some(sid)) => ClientCommand::Change {
            server_id: sid.clone(),
            data: data()?,
        },
        (OpKind::Delete, None) => {
            done(pool, q, None, None, None, zone).await?;
            return Ok(Replayed::Done);
        }
        (OpKind::Delete, Some(sid)) => ClientCommand::Delete {
            server_id: sid.clone(),
        },
        (OpKind::MeetingResponse, _) => {
            return Ok(Replayed::Retry("handled above".into()));
        }
    };
    let mut req = CollectionRequest::new(&cal.remote_id, &key);
    req.get_changes = false;
    req.window_size = None;
    req.deletes_as_moves = Some(false);
    req.commands = vec![command];
    let r = client
        .sync(&[req])
        .await
        .map_err(|e| crate::sync::map_eas(e, "Sync"))?;
    let Some(col) = r.collection(&cal.remote_id) else {
        return Ok(Replayed::Retry(
            "the server sent no answer for the calendar".into(),
        ));
    };
    if let Err(e) = col.status.into_result() {
        return Err(crate::sync::map_eas(e, "Sync"));
    }
    let mut report = super::calendar_eas::PassReport::default();
    let mut batch =
        super::calendar_eas::window_batch(pool, cal, &col.changes, zone, &mut report).await?;
    batch.sync_token = Some(col.sync_key.clone());
    let status = col
        .responses
        .iter()
        .find_map(|r| match r {
            ItemResponse::Add {
                client_id, status, ..
            } if *client_id == q.op.uid => Some(*status),
            ItemResponse::Change { status, .. } | ItemResponse::Delete { status, .. } => {
                Some(*status)
            }
            _ => None,
        })
        .unwrap_or(Status::Success);
    let new_id = col.responses.iter().find_map(|r| match r {
        ItemResponse::Add {
            client_id,
            server_id,
            ..
        } if *client_id == q.op.uid => server_id.clone(),
        _ => None,
    });
    match status {
        Status::Success => {
            done(pool, q, new_id.as_deref(), None, Some(batch), zone).await?;
            Ok(Replayed::Done)
        }
        Status::ObjectNotFound if q.kind == OpKind::Delete => {
            done(pool, q, None, None, Some(batch), zone).await?;
            Ok(Replayed::Done)
        }
        Status::Conflict | Status::ObjectNotFound => {
            calendar_cache::apply_batch(pool, cal.id, &batch, zone, Utc::now()).await?;
            let detail = format!(
                "{} (Sync status {})",
                if status == Status::Conflict {
                    "the server's version was newer"
                } else {
                    "the item no longer exists on the server"
                },
                status.code()
            );
            conflict(pool, q, None, &detail, zone).await?;
            // The server's current version comes with the next pass.
            Ok(Replayed::Conflict {
                uid: q.op.uid.clone(),
                detail,
            })
        }
        other => {
            calendar_cache::apply_batch(pool, cal.id, &batch, zone, Utc::now()).await?;
            let msg = format!(
                "the server refused the change (Sync status {})",
                other.code()
            );
            park(pool, q.id, &msg).await?;
            Ok(Replayed::Conflict {
                uid: q.op.uid.clone(),
                detail: msg,
            })
        }
    }
}

/// Records a failed attempt (retry later, or park after [`MAX_ATTEMPTS`]).
pub async fn record_failure(
    pool: &SqlitePool,
    q: &QueuedOp,
    err: &CoreError,
) -> Result<(), CoreError> {
    failed(pool, q, err).await
}

/// Sets the user's PARTSTAT on every item of `ical` where one of `me` is an attendee.
pub fn with_partstat(ical: &str, me: &[String], response: PartStat) -> Result<String, CoreError> {
    let mut cal = Calendar::parse(ical).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    let mut found = false;
    for it in &mut cal.items {
        for a in &mut it.attendees {
            if me.iter().any(|m| a.email.eq_ignore_ascii_case(m)) {
                a.partstat = response;
                a.rsvp = false;
                found = true;
            }
        }
    }
    if !found {
        return Err(CoreError::InvalidInput(
            "you are not an attendee of this event".into(),
        ));
    }
    Ok(cal.to_ics())
}

/// Unsent and parked calendar changes, for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingChange {
    pub id: i64,
    pub kind: String,
    pub uid: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: String,
}

/// The account's calendar operations that are not done (pending and parked).
pub async fn pending_changes(
    pool: &SqlitePool,
    account: &AccountKey,
) -> Result<Vec<PendingChange>, CoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, item_id, state, attempts, last_error FROM outbox
         WHERE account_url = ?1 AND account_user = ?2 AND state <> 'done'
           AND kind IN ('event_create', 'event_update', 'event_delete', 'meeting_response')
         ORDER BY id",
    )
    .bind(&account.server_url)
    .bind(&account.user)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| PendingChange {
            id: r.get("id"),
            kind: r.get("kind"),
            uid: r.get("item_id"),
            state: r.get("state"),
            attempts: r.get("attempts"),
            last_error: r.get("last_error"),
        })
        .collect())
}
