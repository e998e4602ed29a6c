//! The sync engine: one task per account that keeps the local cache equal to the server and
//! replays the user's queued changes (the outbox) to it.
//!
//! ```text
//! EngineHandle ── stop() / wake()                        events ──▶ EventBus (broadcast)
//!      │
//!      ▼  scheduler::run_account (one tokio task per account)
//!   connect (OPTIONS, Provision) → FolderSync → for each folder a CollectionSyncer owns:
//!   Sync pass (MoreAvailable loop) → outbox replay → Ping loop (push) ──┐
//!        ▲              Ping says "changed" / outbox woke us / status 7 ┘
//!        └── any failure: backoff (full jitter, Retry-After honoured), then start over
//! ```
//!
//! * [`backoff`]: exponential backoff with full jitter, pure.
//! * [`scheduler`]: the account task, the Ping heartbeat adaptation ([`scheduler::Heartbeat`]),
//!   and [`scheduler::spawn_periodic`] for polled sources (CalDAV).
//! * [`mail`]: Email items → cache rows, and the mail folder Sync pass.
//! * [`outbox`]: replay of queued mail operations.
//! * [`outcome`]: what replaying a queued operation came to ([`outcome::Outcome`]), shared by
//!   the mail and the calendar outbox, and how it is recorded on the outbox row.
//! * [`events`]: [`EngineEvent`] and the broadcast channel.
//! * [`calendar`]: ActiveSync calendar folders and CalDAV collections into the cache, local
//!   event changes back ([`calendar_cache`], [`calendar_eas`], [`calendar_dav`],
//!   [`calendar_outbox`]).
//!
//! ## Plugging in another kind of collection
//!
//! The account task knows folders, not item classes. Whatever syncs a kind of folder
//! implements [`CollectionSyncer`] and is passed to [`scheduler::spawn_account`]: the task
//! calls [`CollectionSyncer::sync_folder`] for every folder whose type
//! [`CollectionSyncer::handles`] says it owns — after FolderSync, whenever Ping reports the
//! folder changed, and after a hierarchy change — and [`CollectionSyncer::replay_outbox`]
//! whenever the outbox is woken. Mail is [`mail::MailSyncer`]; EAS calendar folders plug in
//! the same way. Sources that are polled rather than pushed (CalDAV) run their own job under
//! [`scheduler::spawn_periodic`], which brings the same backoff and clean shutdown.
//!
//! ## Rules
//!
//! * Never block the runtime: network through reqwest, SQLite through sqlx (async), no
//!   `std::thread::sleep`, no blocking file I/O on the task.
//! * A SyncKey and the items it covers commit in one transaction (the store does that); a
//!   window is applied before the next is asked for, so a crash loses at most the window in
//!   flight, which the server sends again for the old key.
//! * Errors back off and retry; they are reported as [`EngineEvent::Error`], never swallowed.

use std::future::Future;
use std::pin::Pin;

use kontor_eas::{EasClient, EasError, FolderType};

use crate::error::{CoreError, ErrorCode};
use crate::store::Store;

pub mod backoff;
pub mod calendar;
pub mod calendar_cache;
pub mod calendar_dav;
pub mod calendar_eas;
pub mod calendar_outbox;
pub mod events;
pub mod mail;
pub mod outbox;
pub mod outcome;
pub mod scheduler;
#[cfg(test)]
pub(crate) mod scripted;

pub use backoff::Backoff;
pub use events::{EngineEvent, EventBus};
pub use scheduler::{AccountSpec, EngineHandle, EngineOptions, Heartbeat};

/// A boxed future, for the object-safe [`CollectionSyncer`] trait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What can stop a sync step. The variants say what the account task does next.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// From the ActiveSync layer: `FolderHierarchyChanged` → FolderSync, `ServerBusy` and
    /// network failures → back off, the rest → back off and report.
    #[error(transparent)]
    Eas(#[from] EasError),
    /// The store or another core part failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Shutdown was requested while the step ran.
    #[error("the sync engine is stopping")]
    Stopped,
}

impl From<sqlx::Error> for EngineError {
    fn from(e: sqlx::Error) -> Self {
        EngineError::Core(CoreError::Storage(e))
    }
}

impl EngineError {
    /// The server's own wait hint (Retry-After / ServerBusy), if any.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            EngineError::Eas(EasError::ServerBusy { retry_after }) => *retry_after,
            _ => None,
        }
    }

    /// The small code the UI branches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Eas(e) => crate::sync::map_eas(e.clone(), "").code(),
            EngineError::Core(e) => e.code(),
            EngineError::Stopped => ErrorCode::Internal,
        }
    }

    /// The certificate failure's details when the step failed on TLS.
    pub fn tls(&self) -> Option<crate::tls::TlsFailure> {
        match self {
            EngineError::Eas(EasError::Net(n)) => crate::tls::TlsFailure::from_net(n),
            EngineError::Core(e) => e.tls().cloned(),
            _ => None,
        }
    }

    /// True when the hierarchy must be re-read before going on.
    pub fn is_hierarchy_changed(&self) -> bool {
        matches!(self, EngineError::Eas(EasError::FolderHierarchyChanged))
    }
}

/// A folder as the account task hands it to a [`CollectionSyncer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderRef {
    pub server_id: String,
    pub folder_type: FolderType,
    pub display_name: String,
}

/// What a running step may use: the account's ids, its connected client, the store and the
/// event bus. Owned by the account task; lent to syncers one step at a time.
#[derive(Debug)]
pub struct AccountContext {
    /// The `account.id` row in the store.
    pub account_id: i64,
    pub client: EasClient,
    pub store: Store,
    pub events: EventBus,
    /// Items per Sync window (MS-ASCMD 2.2.3.199: 1–512; the server may send fewer).
    pub window_size: u32,
    /// Failures of one outbox operation before it is parked.
    pub max_attempts: u32,
    /// Seed for per-step backoff (fixed in tests and fault-injection runs).
    pub seed: Option<u64>,
}

impl AccountContext {
    pub fn emit(&self, e: EngineEvent) {
        self.events.emit(e);
    }
}

/// Syncs one kind of folder (mail, EAS calendars, …) and replays the outbox operations of
/// that kind. See the module docs for when the account task calls what.
pub trait CollectionSyncer: Send + Sync + std::fmt::Debug {
    /// A short name for logs (`"mail"`).
    fn name(&self) -> &'static str;

    /// True for the folder types this syncer owns.
    fn handles(&self, folder_type: FolderType) -> bool;

    /// One complete Sync pass of `folder`: every MoreAvailable window applied with its key.
    fn sync_folder<'a>(
        &'a self,
        cx: &'a mut AccountContext,
        folder: &'a FolderRef,
    ) -> BoxFuture<'a, Result<(), EngineError>>;

    /// Replays this syncer's queued operations that are due, in order. Returns how long
    /// until the next waiting retry is due (`None`: nothing waits). The default has none.
    fn replay_outbox<'a>(
        &'a self,
        cx: &'a mut AccountContext,
    ) -> BoxFuture<'a, Result<Option<std::time::Duration>, EngineError>> {
        let _ = cx;
        Box::pin(async { Ok(None) })
    }
}
