//! # kontor-core — the application behind every window and command-line flag
//!
//! The store (SQLite through sqlx, schema in `migrations/`), the sync engine, the outbox, the
//! reminder scheduler, the profile (paths, DeviceId, settings, policy) and the app API that the
//! Tauri shell and the CLI both call.
//!
//! It must not depend on Tauri. Credentials live in the OS keychain, never in SQLite or logs.
//!
//! ```text
//! app (Kontor)  ── the API the shell and CLI call
//!   ├─ sync     ── ActiveSync sessions: connect (OPTIONS, Provision), FolderSync
//!   ├─ engine   ── the sync engine: per-account task, Sync/Ping, backoff, outbox replay, events;
//!   │              calendars: ActiveSync folders + CalDAV collections → events, occurrences
//!   ├─ convert  ── ActiveSync calendar items: eas wire struct ⇄ calendar model (written once)
//!   ├─ store    ── sqlx/SQLite; a sync key and the items it covers commit together
//!   ├─ profile  ── profile folder, profile.json (DeviceId, account identity), instance lock
//!   ├─ policy   ── machine/user policy (HKLM/HKCU Software\Policies\Kontor), read live
//!   ├─ reminders ─ reminder service: scheduler + window state, persisted snooze/dismiss, clock
//!   ├─ reset    ── `--reset-profile`: cache moved aside, user data carried over
//!   ├─ secrets  ── OS keychain through keyring-core
//!   ├─ tls      ── a certificate failure in plain words (EN/DE) with the certificate's details
//!   └─ error    ── CoreError → IpcError {code, message (EN/DE), detail, tls}
//! ```

pub mod app;
pub mod compose;
pub mod convert;
pub mod diagnose;
pub mod engine;
pub mod error;
pub mod i18n;
pub mod logs;
pub mod mail_view;
pub mod policy;
pub mod profile;
pub mod reminders;
pub mod reset;
pub mod search_query;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod tls;

pub use app::auto_replies::{AutoReplies, AutoRepliesChange, AutoReplyMode};
pub use app::{
    Account, AttachmentInfo, BodyFormat, CalendarEntry, CalendarOccurrence, DeleteOutcome,
    EventDraft, EventForm, FlagState, Folder, FolderKind, Id, Importance, Invitation, Kontor,
    MailChanged, MessageBody, MessageSummary, MessageView, MessageWindow, MessageWindowRequest,
    OutgoingMail, PendingKind, PendingOperation, PendingState, RemoteContentLists, SignIn,
    SignInStep, SyncFolder, SyncState, SyncStatus, SyncTracker,
};
pub use app::{AttachmentOpening, LinkView, MessageSafety, Opening};
pub use error::{CalendarRefusal, CoreError, ErrorCode, IpcError};
pub use i18n::Lang;
/// The safety checks' types (sender cues, link checks, attachment risks), as the window gets them.
pub use kontor_safety as safety;
pub use profile::ProfilePaths;
