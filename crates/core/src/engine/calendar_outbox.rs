//! Replaying queued calendar changes (the store's `OutboxOp::EventCreate`, `EventUpdate`,
//! `EventDelete` and `MeetingResponse`) to CalDAV and ActiveSync.
//!
//! `Store::enqueue` has already applied each change to the cache (the event row carries a
//! local bit, so no server batch overwrites it, and its ETag stays the one the edit was based
//! on). Replay takes an account's queued calendar operations **in order**; the first one that
//! cannot be sent stops the run so the server sees the changes in the order they were made.
//!
//! | operation | CalDAV | ActiveSync |
//! |---|---|---|
//! | create | PUT `If-None-Match: *` (RFC 4791 §5.3.2) to `<collection>/<uid>.ics` | Sync `Add` with ClientId = UID (MS-ASCMD 2.2.3.7.2) |
//! | update | PUT `If-Match: <ETag the edit was based on>` | Sync `Change` |
//! | delete | DELETE `If-Match` | Sync `Delete` |
//! | meeting answer | PUT of the event with the own PARTSTAT | MeetingResponse (MS-ASCMD 2.2.1.11) |
//!
//! Outcomes are the shared [`Outcome`]s of engine/outcome.rs, recorded with its helpers.
//! Failures: an unreachable server counts no attempt (later runs retry), and neither does a
//! transient server failure on ActiveSync (HTTP 5xx, 503 / ServerBusy: [`op_error`]) — that is
//! the server's state, not the operation's: the error ends the run and the account task's
//! backoff (exponential with jitter) paces the next try. Other failures are a `Retry`
//! ([`retry`]: the calendar backoff of [`Queue::Calendar`], parked after
//! `store::MAX_ATTEMPTS`).
//!
//! ## Conflicts: the server wins, the local version is kept
//! When the server changed or deleted the item meanwhile (CalDAV 412 on `If-Match`, a
//! resource already at the name of a create, an ETag mismatch before a DELETE, EAS Sync status
//! 7 or 8), the server's version goes into the cache (or the item leaves it, when the server
//! deleted it) and the local operation is **parked** with `last_error` = `conflict: …` and its
//! payload — the local iCalendar — unchanged (a `Conflict` with [`LocalChange::Parked`]). The
//! user sees it among the unsent changes and can send it again on top of the server's version
//! (`Store::retry_parked`) or discard it.
//! Nothing is dropped silently. A create replayed after a crash whose resource is already on
//! the server with the same content counts as done, not as a conflict.

use chrono::{DateTime, Utc};
use kontor_caldav::{CalendarInfo, DavClient, WriteOutcome};
use kontor_calendar::{Calendar, PartStat, Zone};
use kontor_eas::EasClient;
use kontor_eas::meeting_response::UserResponse;
use kontor_eas::sync::{ClientCommand, CollectionRequest, ItemResponse, Status};
use url::Url;

use super::calendar_dav::map_dav;
use super::calendar_eas::{PassReport, window_batch};
use super::outcome::{self, Conflict, LocalChange, Outcome, Queue};
use crate::convert;
use crate::error::CoreError;
use crate::store::events::{apply_event_batch_in, take_server_version_in};
pub use crate::store::outbox::PendingChange;
use crate::store::{CalendarRow, Done, OutboxOp, Response, Store};

/// The account an outbox row belongs to (`outbox.account_url`, `account_user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountKey {
    pub server_url: String,
    pub user: String,
}

/// One queued calendar operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedOp {
    pub id: i64,
    pub op: OutboxOp,
    pub state: String,
}

impl QueuedOp {
    /// The calendar (remote id) the operation belongs to.
    pub fn calendar(&self) -> &str {
        match &self.op {
            OutboxOp::EventCreate { calendar, .. }
            | OutboxOp::EventUpdate { calendar, .. }
            | OutboxOp::EventDelete { calendar, .. } => calendar,
            OutboxOp::MeetingResponse { folder_id, .. } => folder_id,
            _ => "",
        }
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

/// The remote id of an event that exists only locally so far: its future CalDAV URL, or
/// `local:<uid>` on ActiveSync until the server assigns a ServerId.
pub fn local_remote_id(cal: &CalendarRow, uid: &str) -> String {
    match cal.source {
        crate::store::CalendarSource::Caldav => resource_url(&cal.remote_id, uid),
        crate::store::CalendarSource::Eas => format!("local:{uid}"),
    }
}

/// The account's queued calendar operations that may run now, in order: every unfinished
/// (`pending` or `in_flight`) operation up to the first one that is still waiting for its
/// retry. A waiting operation holds back the later ones (store/outbox.rs "Order"), so the
/// server sees the changes in the order they were made: an edit that failed once is never
/// overtaken by a later delete of the same event (which would turn the edit into a bogus
/// conflict), nor an edit by an older one. Parked operations do not hold the queue back. Rows
/// of other kinds are not read here (their replayers own them).
pub async fn pending(
    store: &Store,
    account: &AccountKey,
    now: DateTime<Utc>,
) -> Result<Vec<QueuedOp>, CoreError> {
    let rows = store
        .calendar_queue(&account.server_url, &account.user)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        if r.next_attempt_at > now.timestamp() {
            break;
        }
        match serde_json::from_str::<OutboxOp>(&r.payload) {
            Ok(op) => out.push(QueuedOp {
                id: r.id,
                op,
                state: r.state,
            }),
            Err(e) => {
                park(
                    store,
                    r.id,
                    &format!("the queued change cannot be read: {e}"),
                )
                .await?
            }
        }
    }
    Ok(out)
}

/// The operation as the outbox holds it now, `None` when it is no longer queued (done,
/// parked or discarded meanwhile). A replay run works through the list [`pending`] returned
/// at its start, but an earlier operation of the same run may have rewritten a later one: a
/// confirmed create gives the event its server id, and the edits and deletes queued on the
/// new event are rewritten to name it (store/outbox.rs). Acting on the list's copy would send
/// such an edit as a second create and count such a delete as "never reached the server" —
/// and leave the event on the server.
pub async fn current(store: &Store, q: &QueuedOp) -> Result<Option<QueuedOp>, CoreError> {
    let Some((payload, state)) = store.outbox_payload(q.id).await? else {
        return Ok(None);
    };
    if state != "pending" && state != "in_flight" {
        return Ok(None);
    }
    let op = serde_json::from_str::<OutboxOp>(&payload)
        .map_err(|e| CoreError::InvalidInput(format!("the queued change cannot be read: {e}")))?;
    Ok(Some(QueuedOp {
        id: q.id,
        op,
        state,
    }))
}

/// An ActiveSync failure while replaying an operation, as the outbox judges it: transient
/// ones (network, HTTP 5xx, 503 / ServerBusy, `EasError::is_transient`) count as "could not get
/// through now" ([`CoreError::Unreachable`]: no attempt is counted, the operation stays due and
/// holds back the later ones), everything else as the server's answer to this operation.
/// Counting a 503 as an attempt delayed the whole calendar queue by 30 s, 60 s, 120 s… however
/// short the server's Retry-After, and parked the operation after eight busy answers.
pub fn op_error(e: kontor_eas::EasError, command: &str) -> CoreError {
    if e.is_transient() && !matches!(&e, kontor_eas::EasError::Net(n) if n.is_tls()) {
        CoreError::Unreachable {
            detail: format!("{e} ({command})"),
        }
    } else {
        crate::sync::map_eas(e, command)
    }
}

/// Records `Park` at once, with a reason the user sees.
pub async fn park(store: &Store, id: i64, reason: &str) -> Result<(), CoreError> {
    outcome::record(
        store,
        Queue::Calendar,
        id,
        &Outcome::Park(reason.to_owned()),
    )
    .await
}

/// Records the `Retry` outcome of a failed replay: the try is counted and the operation waits
/// ([`Queue::Calendar`]), parked after `store::MAX_ATTEMPTS`. An unreachable server is not the
/// operation's failure and no outcome: no try is counted, an operation in flight is pending
/// again.
pub async fn retry(store: &Store, q: &QueuedOp, err: &CoreError) -> Result<(), CoreError> {
    if matches!(err, CoreError::Unreachable { .. }) {
        if q.state == "in_flight" {
            store.release_in_flight(q.id).await?;
        }
        return Ok(());
    }
    let (attempts, _) = store.outbox_tries(q.id).await?;
    let wait = Queue::Calendar.retry_wait(q.id, attempts, None);
    outcome::retry(store, q.id, &err.to_string(), wait).await?;
    Ok(())
}

/// The conflict of a calendar change the server won: the local change is parked for the user.
fn server_wins(detail: &str) -> Conflict {
    Conflict {
        resolution: detail.to_owned(),
        local: LocalChange::Parked,
    }
}

/// Server wins: the cache takes the server's version (or loses the item), the local operation
/// is parked as a conflict. One transaction.
async fn conflict(
    store: &Store,
    q: &QueuedOp,
    calendar_id: i64,
    local_remote_id: &str,
    server: Option<(String, String, String)>,
    detail: &str,
) -> Result<(), CoreError> {
    let zone = store.local_zone();
    let mut tx = store.begin_write().await?;
    conflict_in(
        &mut tx,
        &zone,
        q,
        calendar_id,
        local_remote_id,
        server,
        detail,
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(op = q.id, %detail, "calendar change conflicts with the server; server version kept, local change parked");
    Ok(())
}

/// [`conflict`] inside the caller's transaction.
async fn conflict_in(
    tx: &mut sqlx::SqliteConnection,
    zone: &Zone,
    q: &QueuedOp,
    calendar_id: i64,
    local_remote_id: &str,
    server: Option<(String, String, String)>,
    detail: &str,
) -> Result<(), CoreError> {
    take_server_version_in(&mut *tx, zone, calendar_id, local_remote_id, server).await?;
    let conflict = Outcome::Conflict(server_wins(detail));
    outcome::record_in(tx, Queue::Calendar, q.id, &conflict).await
}

/// What one calendar replay step came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    /// The operation's outcome, already recorded on its row: `Done`, a `Conflict` the server
    /// won, or `Park` when the server refused the change (both parked, reported as conflicts).
    /// Failures come back as errors instead ([`retry`]). `uid`: the event's UID for the notice
    /// of a conflict ('' for a delete and when done).
    Judged { outcome: Outcome, uid: String },
    /// Not sent this run and nothing recorded (e.g. the calendar was never synced); tried
    /// again next run.
    Later(String),
}

impl Replayed {
    /// A `Done` step.
    fn done() -> Self {
        Replayed::Judged {
            outcome: Outcome::Done,
            uid: String::new(),
        }
    }
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

fn uid_of(ical: &str) -> String {
    Calendar::parse(ical)
        .ok()
        .and_then(|c| c.items.first().map(|i| i.uid.clone()))
        .unwrap_or_default()
}

/// True when two iCalendar texts hold the same items apart from DTSTAMP and server-added
/// bookkeeping properties.
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

async fn in_flight(store: &Store, q: &QueuedOp) -> Result<(), CoreError> {
    if q.state == "pending" {
        store.mark_in_flight(q.id).await?;
    }
    Ok(())
}

/// Replays one operation to a CalDAV calendar.
pub async fn replay_dav(
    dav: &DavClient,
    store: &Store,
    cal: &CalendarRow,
    q: &QueuedOp,
) -> Result<Replayed, CoreError> {
    let Some(q) = &current(store, q).await? else {
        return Ok(Replayed::Later("no longer queued".into()));
    };
    let info = calendar_info(cal)?;
    let (remote_id, ical) = match &q.op {
        OutboxOp::EventCreate {
            remote_id, ical, ..
        }
        | OutboxOp::EventUpdate {
            remote_id, ical, ..
        } => (remote_id.clone(), Some(ical.clone())),
        OutboxOp::EventDelete { remote_id, .. } => (remote_id.clone(), None),
        OutboxOp::MeetingResponse { .. } => {
            park(
                store,
                q.id,
                "meeting answers on CalDAV calendars are sent as event updates",
            )
            .await?;
            return Ok(Replayed::Later("not a CalDAV operation".into()));
        }
        _ => return Ok(Replayed::Later("not a calendar operation".into())),
    };
    let url =
        Url::parse(&remote_id).map_err(|e| CoreError::InvalidInput(format!("{remote_id}: {e}")))?;
    // The ETag the edit was based on (the store keeps it while a local change is pending).
    let etag = store
        .event_by_remote_id(cal.id, &remote_id)
        .await?
        .map(|e| e.etag)
        .unwrap_or_default();
    in_flight(store, q).await?;
    let outcome = match (&q.op, &ical) {
        (OutboxOp::EventCreate { .. }, Some(ical)) | (OutboxOp::EventUpdate { .. }, Some(ical))
            if etag.is_empty() =>
        {
            let name = url
                .path_segments()
                .and_then(|mut s| s.next_back().map(str::to_string))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("{}.ics", uid_of(ical)));
            let name = percent_decode(&name);
            match dav.create(&info, &name, ical).await.map_err(map_dav)? {
                // Replayed after a crash: the server already has exactly this version.
                WriteOutcome::Conflict(c)
                    if c.server
                        .as_ref()
                        .is_some_and(|s| same_object(&s.data, ical)) =>
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
        (_, Some(ical)) => dav
            .update(&info, &url, ical, &etag)
            .await
            .map_err(map_dav)?,
        (_, None) if etag.is_empty() => WriteOutcome::Written {
            url: url.clone(),
            etag: None,
        },
        (_, None) => dav.delete(&info, &url, &etag).await.map_err(map_dav)?,
    };
    match outcome {
        WriteOutcome::Written { url: written, etag } => {
            // A PUT may be answered without an ETag; fetch it so the next If-Match works.
            let etag = match (etag, &ical) {
                (Some(e), _) => Some(e),
                (None, None) => None,
                (None, Some(_)) => dav
                    .get(&written)
                    .await
                    .map_err(map_dav)?
                    .and_then(|r| r.etag),
            };
            let new_id = (written.as_str() != remote_id).then(|| written.to_string());
            outcome::done(
                store,
                q.id,
                &Done {
                    new_server_id: new_id,
                    etag,
                },
            )
            .await?;
            Ok(Replayed::done())
        }
        WriteOutcome::Conflict(c) => {
            let detail = match (&c.server, &ical) {
                (Some(_), Some(_)) => format!("{} was changed on the server (HTTP 412)", c.url),
                (Some(_), None) => format!(
                    "{} was changed on the server; it was not deleted (HTTP 412)",
                    c.url
                ),
                (None, _) => format!("{} was deleted on the server", c.url),
            };
            let server = c
                .server
                .map(|s| (s.url.to_string(), s.etag.unwrap_or_default(), s.data));
            conflict(store, q, cal.id, &remote_id, server, &detail).await?;
            Ok(Replayed::Judged {
                outcome: Outcome::Conflict(server_wins(&detail)),
                uid: ical.as_deref().map(uid_of).unwrap_or_default(),
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

/// Replays one operation to an ActiveSync calendar folder. The folder's SyncKey must be
/// current (run its Sync pass first); the key the answer returns is stored with any changes
/// it carries (`Store::apply_event_batch`) before the operation is marked done.
pub async fn replay_eas(
    client: &mut EasClient,
    store: &Store,
    cal: &CalendarRow,
    q: &QueuedOp,
    zone: &Zone,
) -> Result<Replayed, CoreError> {
    let Some(q) = &current(store, q).await? else {
        return Ok(Replayed::Later("no longer queued".into()));
    };
    if let OutboxOp::MeetingResponse {
        folder_id,
        server_id,
        response,
        ..
    } = &q.op
    {
        in_flight(store, q).await?;
        let r = match response {
            Response::Accept => UserResponse::Accepted,
            Response::Tentative => UserResponse::Tentative,
            Response::Decline => UserResponse::Declined,
        };
        match client.meeting_response(r, folder_id, server_id, None).await {
            Ok(_) => {
                outcome::done(store, q.id, &Done::default()).await?;
                return Ok(Replayed::done());
            }
            // A backend that cannot answer meetings itself (Z-Push's CalDAV backend, a diff
            // backend: status 3, docs/server-quirks.md) still stores an ordinary change: the
            // answer goes out as a Sync Change of the event with the user's PARTSTAT, which
            // the CalDAV server behind it records (and, for its own users, reports to the
            // organizer). Nothing is counted done before that change is confirmed.
            Err(kontor_eas::EasError::Status {
                status: status @ (2 | 3),
                ..
            }) => {
                tracing::info!(
                    op = q.id,
                    status,
                    "MeetingResponse not supported for this item; writing the answer as a change"
                );
            }
            Err(e) => return Err(op_error(e, "MeetingResponse")),
        }
    }
    if cal.sync_token.is_empty() || cal.sync_token == "0" {
        return Ok(Replayed::Later(
            "the calendar has not been synced yet".into(),
        ));
    }
    // Commands only on a SyncKey the server has just confirmed (engine/mail.rs `sync_pass`:
    // SOGo answers a command Sync on an older key with its latest key and no changes, which
    // would skip a lost answer's changes for good). A plain pass first.
    if let Some(current) = store.calendar(cal.id).await? {
        super::calendar_eas::sync_folder(client, store, &current, zone)
            .await
            .map_err(|e| match e {
                super::calendar_eas::EasSyncError::Eas(e) => op_error(e, "Sync"),
                super::calendar_eas::EasSyncError::Core(e) => e,
            })?;
    }
    let key = store
        .calendar(cal.id)
        .await?
        .map(|c| c.sync_token)
        .unwrap_or_default();
    if key.is_empty() || key == "0" {
        return Ok(Replayed::Later(
            "the calendar has not been synced yet".into(),
        ));
    }
    // The pass may have rewritten the operation: the server gave the item another UID
    // (store/events.rs `adopt_server_uid_in`), and the change goes out under it.
    let Some(q) = &current(store, q).await? else {
        return Ok(Replayed::Later("no longer queued".into()));
    };
    let (remote_id, ical) = match &q.op {
        OutboxOp::EventCreate {
            remote_id, ical, ..
        }
        | OutboxOp::EventUpdate {
            remote_id, ical, ..
        } => (remote_id.clone(), Some(ical.clone())),
        OutboxOp::EventDelete { remote_id, .. } => (remote_id.clone(), None),
        // Reached only when the server could not take the MeetingResponse (above).
        OutboxOp::MeetingResponse {
            server_id,
            response,
            ..
        } => {
            let event = store
                .event_by_remote_id(cal.id, server_id)
                .await?
                .ok_or_else(|| {
                    CoreError::InvalidInput("the answered event is no longer cached".into())
                })?;
            let me = attendee_addresses(store, cal.account_id).await?;
            let partstat = match response {
                Response::Accept => PartStat::Accepted,
                Response::Tentative => PartStat::Tentative,
                Response::Decline => PartStat::Declined,
            };
            (
                server_id.clone(),
                Some(with_partstat(&event.ical, &me, partstat)?),
            )
        }
        _ => return Ok(Replayed::Later("not a calendar operation".into())),
    };
    let uid = ical.as_deref().map(uid_of).unwrap_or_default();
    let on_server = !remote_id.starts_with("local:");
    let version = client.version();
    let data = |ical: &str| -> Result<kontor_wbxml::Element, CoreError> {
        let parsed = Calendar::parse(ical).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let uid = parsed
            .items
            .first()
            .map(|i| i.uid.clone())
            .unwrap_or_default();
        let ev = convert::calendar_to_event(&parsed, &uid, zone)
            .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        Ok(ev.to_application_data(version))
    };
    let command = match (&ical, on_server) {
        (Some(ical), false) => ClientCommand::Add {
            client_id: uid.clone(),
            data: data(ical)?,
        },
        (Some(ical), true) => ClientCommand::Change {
            server_id: remote_id.clone(),
            data: data(ical)?,
        },
        (None, false) => {
            // Never reached the server: nothing to delete there.
            in_flight(store, q).await?;
            outcome::done(store, q.id, &Done::default()).await?;
            return Ok(Replayed::done());
        }
        (None, true) => ClientCommand::Delete {
            server_id: remote_id.clone(),
        },
    };
    in_flight(store, q).await?;
    let mut req = CollectionRequest::new(&cal.remote_id, &key);
    req.get_changes = false;
    req.window_size = None;
    req.deletes_as_moves = Some(false);
    let needs_answer = needs_answer(&command);
    let is_add = matches!(command, ClientCommand::Add { .. });
    req.commands = vec![command];
    let r = client.sync(&[req]).await.map_err(|e| op_error(e, "Sync"))?;
    let Some(col) = r.collection(&cal.remote_id) else {
        if !needs_answer {
            // Nothing to report: the change or delete went through (SOGo answers a Delete of
            // an item it no longer has, e.g. the retry of a delete whose answer was lost,
            // with an empty Sync response).
            outcome::done(store, q.id, &Done::default()).await?;
            return Ok(Replayed::done());
        }
        return Err(CoreError::Protocol {
            detail: "the server sent no answer for the calendar".into(),
        });
    };
    col.status
        .into_result()
        .map_err(|e| crate::sync::map_eas(e, "Sync"))?;
    let mut report = PassReport::default();
    let batch = window_batch(store, cal, &col.changes, zone, &mut report).await?;
    let (status, new_id) = col
        .responses
        .iter()
        .find_map(|r| match r {
            ItemResponse::Add {
                client_id,
                server_id,
                status,
            } if *client_id == uid => Some((*status, server_id.clone())),
            ItemResponse::Change { status, .. } | ItemResponse::Delete { status, .. } => {
                Some((*status, None))
            }
            _ => None,
        })
        .unwrap_or((Status::Success, None));
    // The answer's SyncKey and items and the operation's outcome in one transaction: a crash
    // can neither keep the new key with the operation still queued (it would be sent again on
    // a key that already covers it) nor settle the operation without its key.
    let local_zone = store.local_zone();
    let added = new_id
        .clone()
        .filter(|_| is_add && status == Status::Success)
        .map(|sid| (sid, remote_id.clone(), uid.clone()));
    let mut tx = store.begin_write().await?;
    if status == Status::Success {
        // Settled first: a confirmed Add gives the cached event its ServerId, so an item the
        // answer carries for it (Z-Push: with the UID the server gave it) updates that event
        // instead of arriving as a copy.
        outcome::done_in(
            &mut tx,
            q.id,
            &Done {
                new_server_id: new_id,
                etag: None,
            },
        )
        .await?;
    }
    apply_event_batch_in(
        &mut tx,
        &local_zone,
        cal.id,
        &col.sync_key,
        &batch.upserts,
        &batch.deletes,
    )
    .await?;
    let replayed = match status {
        Status::Success => Replayed::done(),
        Status::ObjectNotFound if ical.is_none() => {
            outcome::record_in(&mut tx, Queue::Calendar, q.id, &Outcome::Done).await?;
            Replayed::done()
        }
        Status::Conflict | Status::ObjectNotFound => {
            let detail = format!(
                "{} (Sync status {})",
                if status == Status::Conflict {
                    "the server's version was newer"
                } else {
                    "the item no longer exists on the server"
                },
                status.code()
            );
            // The server's current version comes with the next pass.
            conflict_in(&mut tx, &local_zone, q, cal.id, &remote_id, None, &detail).await?;
            tracing::warn!(op = q.id, %detail, "calendar change conflicts with the server; local change parked");
            Replayed::Judged {
                outcome: Outcome::Conflict(server_wins(&detail)),
                uid,
            }
        }
        other => {
            let refused = Outcome::Park(format!(
                "the server refused the change (Sync status {})",
                other.code()
            ));
            outcome::record_in(&mut tx, Queue::Calendar, q.id, &refused).await?;
            Replayed::Judged {
                outcome: refused,
                uid,
            }
        }
    };
    tx.commit().await?;
    if let Some((server_id, local_id, uid)) = added {
        match check_create(client, store, cal, q.id, &server_id, &local_id, zone).await {
            Ok(None) => {}
            Ok(Some(reason)) => {
                return Ok(Replayed::Judged {
                    outcome: Outcome::Park(reason),
                    uid,
                });
            }
            // The create stays done (the server said so); nothing is concluded.
            Err(e) => {
                tracing::warn!(op = q.id, %server_id, error = %e, "could not check a confirmed create")
            }
        }
    }
    Ok(replayed)
}

/// The create check. A confirmed Add is only as good as the server behind it: Z-Push's CalDAV
/// backend answers success and a ServerId even when the CalDAV server refused the PUT
/// (docs/server-quirks.md), and the item then never shows up again. So the new item is
/// fetched (a Sync `Fetch`, on the key the Add's answer gave). Found: nothing more to do.
/// Not found — "not found", or an answer without the event's data (SOGo's stand-in for an id
/// it does not have) — the event takes its placeholder id again, stays shown as a local
/// change, and the create is parked with the reason (returned), for the user to send again or
/// discard: never a silent loss. The Fetch's key and the parking are one transaction. A
/// failed Fetch concludes nothing: the create stays done (the server said so). SOGo cannot
/// fetch calendar items (HTTP 501) and is not checked; it stores what it confirms.
async fn check_create(
    client: &mut EasClient,
    store: &Store,
    cal: &CalendarRow,
    op: i64,
    server_id: &str,
    local_id: &str,
    zone: &Zone,
) -> Result<Option<String>, CoreError> {
    let key = store
        .calendar(cal.id)
        .await?
        .map(|c| c.sync_token)
        .unwrap_or_default();
    // Servers that cannot fetch a calendar item at all (SOGo: HTTP 501) write through their
    // own store and are not checked; asked once per server and run.
    static NO_FETCH: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let server = client.url().to_owned();
    if NO_FETCH.lock().is_ok_and(|l| l.contains(&server)) {
        return Ok(None);
    }
    let mut req = CollectionRequest::new(&cal.remote_id, &key);
    req.get_changes = false;
    req.window_size = None;
    req.commands = vec![ClientCommand::Fetch {
        server_id: server_id.to_owned(),
    }];
    let r = match client.sync(&[req]).await {
        Ok(r) => r,
        Err(kontor_eas::EasError::NotSupported { .. }) => {
            tracing::info!(%server, "the server cannot fetch calendar items; creates are not checked");
            if let Ok(mut l) = NO_FETCH.lock() {
                l.push(server);
            }
            return Ok(None);
        }
        Err(e) => return Err(op_error(e, "Sync")),
    };
    let col = r
        .collection(&cal.remote_id)
        .ok_or_else(|| CoreError::Protocol {
            detail: "the server sent no answer to the Fetch of a new appointment".into(),
        })?;
    col.status
        .into_result()
        .map_err(|e| crate::sync::map_eas(e, "Sync"))?;
    let fetched = col.responses.iter().find_map(|r| match r {
        ItemResponse::Fetch {
            server_id: s,
            status,
            data,
        } if s == server_id => Some((
            *status,
            data.as_ref().is_some_and(|d| {
                d.child(kontor_wbxml::pages::calendar::StartTime).is_some()
                    || d.child(kontor_wbxml::pages::calendar::Subject).is_some()
            }),
        )),
        _ => None,
    });
    let stored = match fetched {
        Some((Status::Success, true)) => true,
        Some((Status::Success | Status::ObjectNotFound, _)) => false,
        Some((other, _)) => {
            return Err(CoreError::Protocol {
                detail: format!(
                    "the Fetch of a new appointment was answered with Sync status {}",
                    other.code()
                ),
            });
        }
        None => {
            return Err(CoreError::Protocol {
                detail: "the server did not answer the Fetch of a new appointment".into(),
            });
        }
    };
    tracing::debug!(
        op,
        server_id,
        stored,
        "fetched a new appointment to check its create"
    );
    let mut report = PassReport::default();
    let batch = window_batch(store, cal, &col.changes, zone, &mut report).await?;
    let reason = (!stored).then(|| {
        "conflict: the server confirmed the new appointment but has not stored it".to_owned()
    });
    let local_zone = store.local_zone();
    let mut tx = store.begin_write().await?;
    apply_event_batch_in(
        &mut tx,
        &local_zone,
        cal.id,
        &col.sync_key,
        &batch.upserts,
        &batch.deletes,
    )
    .await?;
    if let Some(reason) = &reason {
        crate::store::outbox::park_unstored_create_in(
            &mut tx,
            op,
            &cal.remote_id,
            server_id,
            local_id,
            reason,
        )
        .await?;
        tracing::warn!(
            op,
            server_id,
            "the server confirmed a new appointment it has not stored; create parked"
        );
    }
    tx.commit().await?;
    Ok(reason)
}

/// Whether a command Sync must be answered for the command to count as done. A server
/// answers a client's Change or Delete only when it failed (MS-ASCMD 2.2.3.24.2 Change,
/// 2.2.3.42.2 Delete in Responses: "only if … not successful"), so an answer without a
/// Responses entry — or without the collection at all — means done. An Add is always answered
/// (it carries the ServerId the server gave the item).
fn needs_answer(command: &ClientCommand) -> bool {
    matches!(command, ClientCommand::Add { .. })
}

/// The addresses that may name the account's user as an attendee: those the server reported
/// (Settings UserInformation), the user name, and that name at the server's host (with and
/// without `mail.` / `webmail.`).
pub async fn attendee_addresses(store: &Store, account_id: i64) -> Result<Vec<String>, CoreError> {
    let (server_url, user) = store.account_login(account_id).await?;
    let host = Url::parse(&server_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let domain = crate::app::mail_domain(&host);
    let mut me = store.account_identity(account_id).await?.0;
    me.extend([
        user.clone(),
        format!("{user}@{host}"),
        format!("{user}@{domain}"),
    ]);
    Ok(me)
}

/// The iCalendar text with the user's PARTSTAT set wherever one of `me` is an attendee.
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

/// Every calendar operation that is not done (pending and parked), oldest first.
pub async fn pending_changes(store: &Store) -> Result<Vec<PendingChange>, CoreError> {
    store.pending_calendar_changes().await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store with alice's account and her ActiveSync calendar `vevent%2Fpersonal`:
    /// (store, server URL, account id, folder, calendar id).
    async fn eas_calendar() -> (Store, &'static str, i64, &'static str, i64) {
        let store = Store::open_in_memory().await.unwrap();
        let url = "https://h/Microsoft-Server-ActiveSync";
        let acc = store
            .upsert_account(url, "alice", "14.1", "")
            .await
            .unwrap();
        let folder = "vevent%2Fpersonal";
        let cal = store
            .upsert_calendar(
                acc,
                &crate::store::CalendarInfo {
                    source: crate::store::CalendarSource::Eas,
                    remote_id: folder.into(),
                    display_name: "Kalender".into(),
                    color: String::new(),
                    owner: String::new(),
                    shared: false,
                    read_only: false,
                    ctag: String::new(),
                },
            )
            .await
            .unwrap();
        (store, url, acc, folder, cal)
    }

    #[tokio::test]
    async fn an_operation_waiting_for_its_retry_holds_back_the_later_ones() {
        // An edit failed once (HTTP 503) and waits; the user then deletes the same event. The
        // delete must not overtake the edit (the edit would then find the event gone and be
        // parked as a bogus conflict); a parked operation holds nothing back.
        let (store, url, acc, folder, cal) = eas_calendar().await;
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:e1\r\nDTSTART:20261201T090000Z\r\nSUMMARY:A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        store
            .apply_event_batch(
                cal,
                "k1",
                &[crate::store::EventUpsert {
                    remote_id: "e1".into(),
                    etag: String::new(),
                    ical: ics.into(),
                }],
                &[],
            )
            .await
            .unwrap();
        let edit = store
            .enqueue(
                acc,
                &OutboxOp::EventUpdate {
                    calendar: folder.into(),
                    remote_id: "e1".into(),
                    ical: ics.replace("SUMMARY:A", "SUMMARY:B"),
                },
            )
            .await
            .unwrap();
        let delete = store
            .enqueue(
                acc,
                &OutboxOp::EventDelete {
                    calendar: folder.into(),
                    remote_id: "e1".into(),
                },
            )
            .await
            .unwrap();
        let key = AccountKey {
            server_url: url.into(),
            user: "alice".into(),
        };
        let now = Utc::now();
        let ids = |v: Vec<QueuedOp>| v.into_iter().map(|q| q.id).collect::<Vec<_>>();
        assert_eq!(
            ids(pending(&store, &key, now).await.unwrap()),
            [edit, delete]
        );

        store.mark_in_flight(edit).await.unwrap();
        let q = QueuedOp {
            id: edit,
            op: store.outbox_entry(edit).await.unwrap().unwrap().op,
            state: "in_flight".into(),
        };
        retry(
            &store,
            &q,
            &CoreError::Server {
                detail: "HTTP 503".into(),
            },
        )
        .await
        .unwrap();
        assert!(
            pending(&store, &key, now).await.unwrap().is_empty(),
            "the delete waits behind the edit"
        );
        let later = now + chrono::TimeDelta::minutes(5);
        assert_eq!(
            ids(pending(&store, &key, later).await.unwrap()),
            [edit, delete]
        );

        park(&store, edit, "given up").await.unwrap();
        assert_eq!(ids(pending(&store, &key, now).await.unwrap()), [delete]);

        // A busy server (503, Retry-After 1) or an HTTP 500 is not the delete's failure: no
        // attempt counted, still due now; a refusal of the operation itself is one.
        let q = pending(&store, &key, now).await.unwrap().remove(0);
        for e in [
            kontor_eas::EasError::ServerBusy {
                retry_after: Some(std::time::Duration::from_secs(1)),
            },
            kontor_eas::EasError::Http {
                status: 500,
                detail: String::new(),
            },
        ] {
            retry(&store, &q, &op_error(e, "Sync")).await.unwrap();
        }
        let e = store.outbox_entry(delete).await.unwrap().unwrap();
        assert_eq!(e.attempts, 0);
        assert_eq!(ids(pending(&store, &key, now).await.unwrap()), [delete]);
        retry(
            &store,
            &q,
            &op_error(
                kontor_eas::EasError::Http {
                    status: 400,
                    detail: String::new(),
                },
                "Sync",
            ),
        )
        .await
        .unwrap();
        assert_eq!(
            store.outbox_entry(delete).await.unwrap().unwrap().attempts,
            1
        );
    }

    #[tokio::test]
    async fn a_run_acts_on_the_operation_as_an_earlier_one_left_it() {
        // Create and delete of a new event, both in one run's list; the create is confirmed
        // (the server names the event) before the delete's turn comes.
        let (store, url, acc, folder, _) = eas_calendar().await;
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:n1\r\nDTSTART:20261201T090000Z\r\nSUMMARY:A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let create = store
            .enqueue(
                acc,
                &OutboxOp::EventCreate {
                    calendar: folder.into(),
                    remote_id: "local:n1".into(),
                    ical: ics.into(),
                },
            )
            .await
            .unwrap();
        let delete = store
            .enqueue(
                acc,
                &OutboxOp::EventDelete {
                    calendar: folder.into(),
                    remote_id: "local:n1".into(),
                },
            )
            .await
            .unwrap();
        let key = AccountKey {
            server_url: url.into(),
            user: "alice".into(),
        };
        let run = pending(&store, &key, Utc::now()).await.unwrap();
        assert_eq!(run.len(), 2);
        store.mark_in_flight(create).await.unwrap();
        store
            .mark_done(
                create,
                &Done {
                    new_server_id: Some("n1".into()),
                    etag: None,
                },
            )
            .await
            .unwrap();
        // The list's copy still names the placeholder; the delete is sent as the outbox has it.
        assert!(
            matches!(&run[1].op, OutboxOp::EventDelete { remote_id, .. } if remote_id == "local:n1")
        );
        let now = current(&store, &run[1]).await.unwrap().unwrap();
        assert_eq!(now.id, delete);
        assert!(
            matches!(&now.op, OutboxOp::EventDelete { remote_id, .. } if remote_id == "n1"),
            "{now:?}"
        );
        assert!(current(&store, &run[0]).await.unwrap().is_none(), "done");
    }

    // ── Over a scripted ActiveSync server (answers in order, request bodies recorded) ──

    use std::sync::{Arc, Mutex};

    use kontor_wbxml::Element;
    use kontor_wbxml::pages::airsync as a;

    /// Serves `answers` (WBXML bodies) in order, one per request; records each request body.
    async fn scripted(answers: Vec<Vec<u8>>) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
        crate::engine::scripted::scripted(answers.into_iter().map(|b| (200, "", b)).collect()).await
    }

    /// A Sync answer for `vevent%2Fpersonal`: its key, the answers to the client's commands,
    /// the server's changes.
    fn calendar_answer(key: &str, responses: Vec<Element>, commands: Vec<Element>) -> Vec<u8> {
        let mut col = Element::new(a::Collection)
            .with(Element::text(a::SyncKey, key))
            .with(Element::text(a::CollectionId, "vevent%2Fpersonal"))
            .with(Element::text(a::Status, "1"));
        if !responses.is_empty() {
            let mut r = Element::new(a::Responses);
            for e in responses {
                r.push(e);
            }
            col.push(r);
        }
        if !commands.is_empty() {
            let mut c = Element::new(a::Commands);
            for e in commands {
                c.push(e);
            }
            col.push(c);
        }
        let doc = Element::new(a::Sync).with(Element::new(a::Collections).with(col));
        kontor_wbxml::encode(&doc).unwrap()
    }

    /// The server's Change of item `server_id`, as ActiveSync data built from `ical`.
    fn server_change(server_id: &str, ical: &str) -> Element {
        let cal = Calendar::parse(ical).unwrap();
        let uid = cal.items[0].uid.clone();
        let ev = convert::calendar_to_event(&cal, &uid, &Zone::Utc).unwrap();
        let mut app = ev.to_application_data(kontor_eas::ProtocolVersion::V14_1);
        app.tag = a::ApplicationData;
        Element::new(a::Change)
            .with(Element::text(a::ServerId, server_id))
            .with(app)
    }

    /// The server's answer to a Fetch of `server_id`: the item built from `ical`, or only a
    /// status (`ical` None: "not found" is 8).
    fn fetched(server_id: &str, status: &str, ical: Option<&str>) -> Element {
        let mut e = Element::new(a::Fetch)
            .with(Element::text(a::ServerId, server_id))
            .with(Element::text(a::Status, status));
        if let Some(ical) = ical {
            let cal = Calendar::parse(ical).unwrap();
            let uid = cal.items[0].uid.clone();
            let ev = convert::calendar_to_event(&cal, &uid, &Zone::Utc).unwrap();
            let mut app = ev.to_application_data(kontor_eas::ProtocolVersion::V14_1);
            app.tag = a::ApplicationData;
            e.push(app);
        }
        e
    }

    #[tokio::test]
    async fn the_uid_the_server_gives_a_new_event_is_adopted_with_what_hangs_on_it() {
        // Z-Push answers the Add with a ServerId and then reports the item with a UID of its
        // own. The reminder the user dismissed for the event stays dismissed, and the edit
        // queued before the server answered goes out under the server's UID.
        use crate::reminders::{ManualClock, ReminderService, StoreFeed};
        let (store, _url, _, folder, cal_id) = eas_calendar().await;
        store
            .apply_event_batch(cal_id, "k1", &[], &[])
            .await
            .unwrap();
        let client_uid = "kontor-3f2a@kontor.test";
        let server_uid = "040000008200E00074C5B7101A82E00800000000ZPUSH";
        let ics = |uid: &str, summary: &str| {
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
                 DTSTAMP:20260101T000000Z\r\nDTSTART:20261127T090000Z\r\nDTEND:20261127T093000Z\r\n\
                 SUMMARY:{summary}\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\n\
                 END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            )
        };
        let acc = store.calendar(cal_id).await.unwrap().unwrap().account_id;
        let create = store
            .enqueue(
                acc,
                &OutboxOp::EventCreate {
                    calendar: folder.into(),
                    remote_id: format!("local:{client_uid}"),
                    ical: ics(client_uid, "Review"),
                },
            )
            .await
            .unwrap();
        let edit = store
            .enqueue(
                acc,
                &OutboxOp::EventUpdate {
                    calendar: folder.into(),
                    remote_id: format!("local:{client_uid}"),
                    ical: ics(client_uid, "Review (room 2)"),
                },
            )
            .await
            .unwrap();

        // The reminder comes due and the user dismisses it (under the client's UID).
        let clock = Arc::new(ManualClock::new("2026-11-27T08:45:00Z".parse().unwrap()));
        let window = kontor_reminders::window::WindowSettings::default();
        let svc = ReminderService::open(store.clone(), clock.clone(), Zone::Utc, window)
            .await
            .unwrap();
        let snap = svc
            .load_feed(&StoreFeed::with_clock(store.clone(), clock.clone()))
            .await
            .unwrap();
        assert_eq!(snap.active.len(), 1);
        assert_eq!(snap.active[0].id.uid, client_uid);
        svc.dismiss(&snap.active[0].id.clone()).await.unwrap();

        let added = Element::new(a::Add)
            .with(Element::text(a::ClientId, client_uid))
            .with(Element::text(a::ServerId, "1:5"))
            .with(Element::text(a::Status, "1"));
        let (url, seen) = scripted(vec![
            // The create: the plain pass, then the Add, answered with the ServerId.
            calendar_answer("k2", vec![], vec![]),
            calendar_answer("k3", vec![added], vec![]),
            // The create check: the server has the new item.
            calendar_answer(
                "k3f",
                vec![fetched("1:5", "1", Some(&ics(server_uid, "Review")))],
                vec![],
            ),
            // The edit: the plain pass brings the item as the server has it, with its UID.
            calendar_answer(
                "k4",
                vec![],
                vec![server_change("1:5", &ics(server_uid, "Review"))],
            ),
            calendar_answer("k5", vec![], vec![]),
            // A later pass: the server's version once more.
            calendar_answer(
                "k6",
                vec![],
                vec![server_change("1:5", &ics(server_uid, "Review (room 2)"))],
            ),
        ])
        .await;
        let mut client =
            EasClient::new(kontor_eas::EasConfig::new(&url, "alice", "pw", "EngineTest1").unwrap())
                .unwrap();
        client.set_version(kontor_eas::ProtocolVersion::V14_1);
        let key = AccountKey {
            server_url: _url.into(),
            user: "alice".into(),
        };
        let run = pending(&store, &key, Utc::now()).await.unwrap();
        assert_eq!(run.iter().map(|q| q.id).collect::<Vec<_>>(), [create, edit]);
        for q in &run {
            let cal = store.calendar(cal_id).await.unwrap().unwrap();
            let r = replay_eas(&mut client, &store, &cal, q, &Zone::Utc)
                .await
                .unwrap();
            assert_eq!(r, Replayed::done(), "{q:?}");
        }
        // The edit named the item by its ServerId and the server's UID.
        let sent = kontor_wbxml::decode(seen.lock().unwrap()[4].clone())
            .unwrap()
            .render();
        assert!(sent.contains("1:5"), "{sent}");
        assert!(sent.contains(server_uid), "{sent}");
        assert!(!sent.contains(client_uid), "{sent}");

        let cal = store.calendar(cal_id).await.unwrap().unwrap();
        crate::engine::calendar_eas::sync_folder(&mut client, &store, &cal, &Zone::Utc)
            .await
            .unwrap();
        let ev = store
            .event_by_remote_id(cal_id, "1:5")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ev.uid, server_uid);
        assert_eq!(ev.summary, "Review (room 2)");
        let acks = store.reminder_acks().await.unwrap();
        assert_eq!(
            acks.iter().map(|a| a.uid.as_str()).collect::<Vec<_>>(),
            [server_uid]
        );

        // The dismissed reminder stays dismissed: in the service that ran all along (it
        // takes the acknowledgement the sync moved to the new UID) and after a restart.
        let snap = svc
            .load_feed(&StoreFeed::with_clock(store.clone(), clock.clone()))
            .await
            .unwrap();
        assert!(snap.active.is_empty(), "running: {:?}", snap.active);
        drop(svc);
        let svc = ReminderService::open(store.clone(), clock.clone(), Zone::Utc, window)
            .await
            .unwrap();
        let snap = svc
            .load_feed(&StoreFeed::with_clock(store.clone(), clock.clone()))
            .await
            .unwrap();
        assert!(snap.active.is_empty(), "{:?}", snap.active);
    }

    #[tokio::test]
    async fn an_add_answered_with_the_item_under_another_uid_keeps_one_event_with_that_uid() {
        let (store, url0, _, folder, cal_id) = eas_calendar().await;
        store
            .apply_event_batch(cal_id, "k1", &[], &[])
            .await
            .unwrap();
        let ics = |uid: &str| {
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
                 DTSTAMP:20260101T000000Z\r\nDTSTART:20261127T090000Z\r\nDTEND:20261127T093000Z\r\n\
                 SUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            )
        };
        let acc = store.calendar(cal_id).await.unwrap().unwrap().account_id;
        store
            .enqueue(
                acc,
                &OutboxOp::EventCreate {
                    calendar: folder.into(),
                    remote_id: "local:c-1".into(),
                    ical: ics("c-1"),
                },
            )
            .await
            .unwrap();
        // The answer to the Add also reports the new item, with the server's UID.
        let added = Element::new(a::Add)
            .with(Element::text(a::ClientId, "c-1"))
            .with(Element::text(a::ServerId, "1:7"))
            .with(Element::text(a::Status, "1"));
        let (url, _) = scripted(vec![
            calendar_answer("k2", vec![], vec![]),
            calendar_answer("k3", vec![added], vec![server_change("1:7", &ics("s-1"))]),
            calendar_answer("k4", vec![fetched("1:7", "1", Some(&ics("s-1")))], vec![]),
        ])
        .await;
        let mut client =
            EasClient::new(kontor_eas::EasConfig::new(&url, "alice", "pw", "EngineTest1").unwrap())
                .unwrap();
        let key = AccountKey {
            server_url: url0.into(),
            user: "alice".into(),
        };
        let q = pending(&store, &key, Utc::now()).await.unwrap().remove(0);
        let cal = store.calendar(cal_id).await.unwrap().unwrap();
        let r = replay_eas(&mut client, &store, &cal, &q, &Zone::Utc)
            .await
            .unwrap();
        assert_eq!(r, Replayed::done());
        let events = store.events(cal_id).await.unwrap();
        assert_eq!(
            events
                .iter()
                .map(|e| (e.remote_id.as_str(), e.uid.as_str(), e.local_state))
                .collect::<Vec<_>>(),
            [("1:7", "s-1", 0)]
        );
    }

    /// Z-Push's CalDAV backend confirms an Add the CalDAV server refused; the Fetch that
    /// follows finds nothing ("not found", or SOGo's empty stand-in). The event stays, shown
    /// as a local change under its placeholder, the edit queued on it names the placeholder
    /// again, and the create is parked for the user: nothing is lost silently.
    #[tokio::test]
    async fn a_confirmed_create_the_server_has_not_stored_is_parked_not_lost() {
        for (status, what) in [("8", "not found"), ("1", "an empty stand-in")] {
            let (store, url0, _, folder, cal_id) = eas_calendar().await;
            store
                .apply_event_batch(cal_id, "k1", &[], &[])
                .await
                .unwrap();
            let ics = |summary: &str| {
                format!(
                    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:c-2\r\n\
                     DTSTAMP:20260101T000000Z\r\nDTSTART:20261127T090000Z\r\nDTEND:20261127T093000Z\r\n\
                     SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                )
            };
            let acc = store.calendar(cal_id).await.unwrap().unwrap().account_id;
            let create = store
                .enqueue(
                    acc,
                    &OutboxOp::EventCreate {
                        calendar: folder.into(),
                        remote_id: "local:c-2".into(),
                        ical: ics("Review"),
                    },
                )
                .await
                .unwrap();
            let edit = store
                .enqueue(
                    acc,
                    &OutboxOp::EventUpdate {
                        calendar: folder.into(),
                        remote_id: "local:c-2".into(),
                        ical: ics("Review (room 2)"),
                    },
                )
                .await
                .unwrap();
            let added = Element::new(a::Add)
                .with(Element::text(a::ClientId, "c-2"))
                .with(Element::text(a::ServerId, "c-2.ics"))
                .with(Element::text(a::Status, "1"));
            let (url, _) = scripted(vec![
                calendar_answer("k2", vec![], vec![]),
                calendar_answer("k3", vec![added], vec![]),
                calendar_answer("k4", vec![fetched("c-2.ics", status, None)], vec![]),
            ])
            .await;
            let mut client = EasClient::new(
                kontor_eas::EasConfig::new(&url, "alice", "pw", "EngineTest1").unwrap(),
            )
            .unwrap();
            let key = AccountKey {
                server_url: url0.into(),
                user: "alice".into(),
            };
            let q = pending(&store, &key, Utc::now()).await.unwrap().remove(0);
            assert_eq!(q.id, create);
            let cal = store.calendar(cal_id).await.unwrap().unwrap();
            let r = replay_eas(&mut client, &store, &cal, &q, &Zone::Utc)
                .await
                .unwrap();
            assert!(
                matches!(&r, Replayed::Judged { outcome: Outcome::Park(reason), .. }
                    if reason.contains("has not stored")),
                "{what}: {r:?}"
            );
            // The Fetch's key is kept.
            assert_eq!(
                store.calendar(cal_id).await.unwrap().unwrap().sync_token,
                "k4",
                "{what}"
            );
            let events = store.events(cal_id).await.unwrap();
            assert_eq!(events.len(), 1, "{what}: {events:?}");
            assert_eq!(events[0].remote_id, "local:c-2", "{what}");
            assert_ne!(events[0].local_state, 0, "{what}");
            let waiting = pending_changes(&store).await.unwrap();
            let state = |id: i64| {
                waiting
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| (p.state.clone(), p.item.clone()))
            };
            assert_eq!(
                state(create),
                Some(("parked".to_owned(), "local:c-2".to_owned())),
                "{what}: {waiting:?}"
            );
            assert_eq!(
                state(edit).map(|s| s.1),
                Some("local:c-2".to_owned()),
                "{what}: {waiting:?}"
            );
            // Discarding the create keeps the event while the edit still waits; discarding
            // both leaves nothing behind: the event never was on the server.
            store.discard(create).await.unwrap();
            assert_eq!(store.events(cal_id).await.unwrap().len(), 1, "{what}");
            let recreate = store
                .enqueue(
                    acc,
                    &OutboxOp::EventCreate {
                        calendar: folder.into(),
                        remote_id: "local:c-2".into(),
                        ical: ics("Review"),
                    },
                )
                .await
                .unwrap();
            store.discard(edit).await.unwrap();
            store.discard(recreate).await.unwrap();
            assert!(store.events(cal_id).await.unwrap().is_empty(), "{what}");
        }
    }

    #[test]
    fn only_an_add_must_be_answered() {
        let data = kontor_wbxml::Element::new(kontor_wbxml::pages::airsync::ApplicationData);
        assert!(needs_answer(&ClientCommand::Add {
            client_id: "n1".into(),
            data: data.clone(),
        }));
        assert!(!needs_answer(&ClientCommand::Change {
            server_id: "n1".into(),
            data,
        }));
        assert!(!needs_answer(&ClientCommand::Delete {
            server_id: "n1".into(),
        }));
    }

    #[test]
    fn resource_names_are_safe_path_segments() {
        assert_eq!(
            resource_url("http://h/alice/calendar/", "abc-1@kontor"),
            "http://h/alice/calendar/abc-1@kontor.ics"
        );
        assert_eq!(
            resource_url("http://h/alice/calendar", "a/b c"),
            "http://h/alice/calendar/a_b_c.ics"
        );
    }

    #[test]
    fn partstat_is_set_for_the_user_only() {
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m1\r\nDTSTART:20261201T090000Z\r\nORGANIZER:mailto:bob@kontor.test\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@kontor.test\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:carol@kontor.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let out = with_partstat(ics, &["ALICE@kontor.test".into()], PartStat::Declined).unwrap();
        let cal = Calendar::parse(&out).unwrap();
        let a = &cal.items[0].attendees;
        assert_eq!(a[0].partstat, PartStat::Declined);
        assert!(!a[0].rsvp);
        assert_eq!(a[1].partstat, PartStat::Accepted);
        assert!(with_partstat(ics, &["dave@kontor.test".into()], PartStat::Accepted).is_err());
    }

    #[test]
    fn a_replayed_create_is_recognised_by_content() {
        let a = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261201T090000Z\r\nSUMMARY:A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let b = a
            .replace("DTSTAMP:20260101T000000Z", "DTSTAMP:20270101T000000Z")
            .replace("SUMMARY:A", "SUMMARY:A\r\nLAST-MODIFIED:20270101T000000Z");
        assert!(same_object(a, &b));
        assert!(!same_object(a, &a.replace("SUMMARY:A", "SUMMARY:B")));
    }
}
