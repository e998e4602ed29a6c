//! What replaying one queued operation came to, in one vocabulary for both outboxes — mail
//! (engine/outbox.rs) and calendar (engine/calendar_outbox.rs) — and the helpers that record
//! it on the operation's `outbox` row (store/outbox.rs has the states).
//!
//! Each outbox judges the server's answer in its own terms (mail: [`super::outbox::judge`] of
//! an ActiveSync error; calendar: the CalDAV write outcome or the Sync status of the command)
//! into an [`Outcome`], records it here, and reports it on its bus. Timing of retries stays per
//! queue ([`Queue::retry_wait`]).

use std::time::Duration;

use chrono::Utc;
use sqlx::SqliteConnection;

use super::Backoff;
use crate::error::CoreError;
use crate::store::outbox::{
    finish_in, park_failed_in, park_in, park_move_undone_in, park_undeleted_in,
};
use crate::store::{Done, OutboxState, Store};

/// What replaying one outbox operation came to, and so what becomes of its row.
///
/// | outcome | the row | the user sees |
/// |---|---|---|
/// | `Done` | `done`; the cache is settled with the server's answer (local bits cleared, a confirmed delete removed, new ServerId/href and ETag taken) | the change stays; `OutboxApplied` |
/// | `Retry` | stays queued: the failed try is counted (`attempts`, `last_error`) and the row is due again after [`Queue::retry_wait`]; it holds back the later operations of its queue. After `store::MAX_ATTEMPTS` failed tries it is parked instead | `OutboxRetry` (mail: `OutboxParked` once parked) |
/// | `Conflict` | what [`Conflict::local`] says: dropped (mail), parked with the message shown again (a mail delete or move the server did not do) or parked as `conflict: …` with the server's version in the cache (calendar) | `OutboxConflict` with the resolution; calendar also `CalendarNotice::Conflict` |
/// | `Park` | `parked` with the reason as `last_error`, payload kept; out of the queue's way (later operations go on) until the user retries (`Store::retry_parked`) or discards it. Mail counts the try that led to it and parks only a row still queued; calendar leaves the count ([`Queue`]) | mail: `OutboxParked`; calendar: among the unsent changes, reported like a conflict when the server refused the change |
/// | `Check` | nothing yet: the server is asked first, then the row gets the outcome the check comes to | nothing until then |
///
/// An operation that could not reach the server at all has no outcome: calendar replay releases
/// it without counting a try (`calendar_outbox::retry`), mail leaves a failure that is not the
/// server's answer (storage, shutdown) to the account task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server has the change: applied now, already in the wanted state, or applied by an
    /// earlier try whose answer was lost.
    Done,
    /// Not this time (network, HTTP 5xx, a busy server, the account's sign-in): try again
    /// later with a backoff (Retry-After honoured).
    Retry,
    /// The server changed or removed the same item meanwhile; see [`Conflict`].
    Conflict(Conflict),
    /// Can never succeed as is (not supported, refused, the source of a reply is gone): kept,
    /// visible, out of the queue's way. The text is the reason the user sees.
    Park(String),
    /// The answer leaves open whether an earlier try, its answer lost, already applied the
    /// change: look at the server first ([`Check`]).
    Check(Check),
}

/// A conflict with the server's state: what happened, and what becomes of the local change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// What happened, for the user (English; the UI has its own catalogue keyed by the event).
    pub resolution: String,
    pub local: LocalChange,
}

/// What a conflict does with the local change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalChange {
    /// Dropped: the row is done without the server having the change; the cached value stays
    /// until the server sends the item again (mail read state, flag, … of a vanished message).
    Dropped,
    /// A move whose source the server no longer has: dropped, and its placeholder
    /// `local:<id>` leaves the destination folder in the same transaction
    /// (`Store::mark_move_source_gone`); a Sync of the folder that holds the message brings it.
    MoveDropped,
    /// A move the server did not carry out while its source still holds the message: the row
    /// is parked with `last_error` = `conflict: <resolution>` and the message goes back to its
    /// folder under its old ServerId, in one transaction (`park_move_undone_in`).
    MoveUndone,
    /// A delete the server did not carry out (the message is still in its folder there): the
    /// row is parked with `last_error` = `conflict: <resolution>` and the message shows again
    /// in its folder, in one transaction (`park_undeleted_in` in store/outbox.rs). The user
    /// can retry or discard it.
    Restored,
    /// Kept for the user: the row is parked with `last_error` = `conflict: <resolution>` and
    /// its payload unchanged, to send again on top of the server's version or to discard. The
    /// caller puts the server's version into the cache in the same transaction (calendar).
    Parked,
}

/// What to look at before an operation's outcome is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// MoveItems found no source: sync the destination. The moved message there (an earlier
    /// try moved it) makes the move `Done` under that ServerId; otherwise the source is
    /// fetched: still there, the move is undone and parked as a conflict
    /// ([`LocalChange::MoveUndone`]); gone, it is a conflict that drops the move
    /// ([`Check::not_found`], with this resolution for the user).
    MoveDestination(String),
    /// A Sync `Delete` whose answer does not prove it happened ("not found", or no answer for
    /// the folder): the item is fetched from its folder (Sync `Fetch`). Gone → `Done`. Still
    /// there → not done: a delete that may move is tried once more as MoveItems to Deleted
    /// Items; otherwise it is a conflict that shows the message again and parks the delete
    /// ([`Check::not_found`], with this resolution for the user).
    DeleteSource(String),
}

impl Check {
    /// The conflict a check comes to when the server does not show the change done: no
    /// earlier move in the destination, the message still where it was deleted.
    pub fn not_found(self) -> Conflict {
        match self {
            Check::MoveDestination(resolution) => Conflict {
                resolution,
                local: LocalChange::MoveDropped,
            },
            Check::DeleteSource(resolution) => Conflict {
                resolution,
                local: LocalChange::Restored,
            },
        }
    }
}

/// Longest wait between two tries of one mail operation.
const MAIL_BACKOFF_CAP: Duration = Duration::from_secs(15 * 60);

/// Which outbox queue an operation is in. The two keep their own retry timing and differ in
/// whether a park counts the try that led to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Mail: exponential backoff with full jitter from 2 s, capped at 15 minutes, seeded per
    /// operation when the engine has a seed; a park counts the try (`attempts + 1`).
    Mail { seed: Option<u64> },
    /// Calendar: 30 s doubled per failed try (at most 2¹⁰ times), no jitter; a park leaves the
    /// count as it is.
    Calendar,
}

impl Queue {
    /// How long an operation that failed `attempts` times before waits for its next try, at
    /// least a second (the queue stores whole seconds). `retry_after`: the server's own hint
    /// (mail honours it).
    pub fn retry_wait(self, id: i64, attempts: i64, retry_after: Option<Duration>) -> Duration {
        match self {
            Queue::Mail { seed } => {
                let mut backoff = Backoff::new(Duration::from_secs(2), MAIL_BACKOFF_CAP)
                    .with_attempt(u32::try_from(attempts).unwrap_or(u32::MAX));
                if let Some(seed) = seed {
                    backoff = backoff.with_seed(seed ^ id.unsigned_abs());
                }
                backoff.next_delay(retry_after).max(Duration::from_secs(1))
            }
            Queue::Calendar => Duration::from_secs(30u64 << attempts.clamp(0, 10)),
        }
    }
}

/// Records `Done` with what the server answered (new ServerId/href, ETag), in one transaction.
pub async fn done(store: &Store, id: i64, answer: &Done) -> Result<(), CoreError> {
    store.mark_done(id, answer).await
}

/// Records `Done` with what the server answered inside the caller's transaction (the EAS
/// calendar replay commits it with the answer's SyncKey and items).
pub async fn done_in(conn: &mut SqliteConnection, id: i64, answer: &Done) -> Result<(), CoreError> {
    finish_in(conn, id, answer, false).await
}

/// Records a `Done`, `Conflict` or `Park` outcome on its own: a park is one statement, the
/// others one transaction with the cache they settle.
pub async fn record(
    store: &Store,
    queue: Queue,
    id: i64,
    outcome: &Outcome,
) -> Result<(), CoreError> {
    match (outcome, queue) {
        (Outcome::Park(reason), Queue::Mail { .. }) => store.park_failed(id, reason).await,
        (Outcome::Park(reason), Queue::Calendar) => store.park_operation(id, reason).await,
        _ => {
            let mut tx = store.begin_write().await?;
            record_in(&mut tx, queue, id, outcome).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}

/// Records a `Done` (nothing answered beyond success), `Conflict` or `Park` outcome inside the
/// caller's transaction. `Retry` and `Check` need a wait or a look at the server first
/// ([`retry`], the outbox's own check) and are refused here.
pub async fn record_in(
    conn: &mut SqliteConnection,
    queue: Queue,
    id: i64,
    outcome: &Outcome,
) -> Result<(), CoreError> {
    match outcome {
        Outcome::Done => finish_in(conn, id, &Done::default(), false).await,
        Outcome::Conflict(c) => match c.local {
            LocalChange::Dropped => finish_in(conn, id, &Done::default(), false).await,
            LocalChange::MoveDropped => finish_in(conn, id, &Done::default(), true).await,
            LocalChange::Parked => park_in(conn, id, &format!("conflict: {}", c.resolution)).await,
            LocalChange::MoveUndone => {
                park_move_undone_in(conn, id, &format!("conflict: {}", c.resolution)).await
            }
            LocalChange::Restored => {
                park_undeleted_in(conn, id, &format!("conflict: {}", c.resolution)).await
            }
        },
        Outcome::Park(reason) => match queue {
            Queue::Mail { .. } => park_failed_in(conn, id, reason).await,
            Queue::Calendar => park_in(conn, id, reason).await,
        },
        Outcome::Retry | Outcome::Check(_) => Err(CoreError::InvalidInput(format!(
            "outbox entry {id}: a retry or a check is not recorded as a settled outcome"
        ))),
    }
}

/// Records `Retry`: one more failed try with `message`, due again after `wait`; parked instead
/// once it has failed `store::MAX_ATTEMPTS` times. Returns the row's new state.
pub async fn retry(
    store: &Store,
    id: i64,
    message: &str,
    wait: Duration,
) -> Result<OutboxState, CoreError> {
    let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
    store.mark_failed(id, message, at).await
}
