//! # kontor-eas — Exchange ActiveSync commands
//!
//! Typed requests and responses for the MS-ASCMD commands Kontor uses, one module per command,
//! each with a `Status` enum whose strategy-changing values are variants. The protocol logic is
//! pure (build a request tree, read a response tree); only the [`client`] module and
//! [`autodiscover`]'s `query`/`discover` perform HTTP.
//!
//! It must not touch SQLite, the UI or any sync policy: callers decide what to do with an
//! `InvalidSyncKey` or a `ProvisionRequired`.
//!
//! ## Signing in
//!
//! ```no_run
//! use kontor_eas::{EasClient, EasConfig, EasError};
//!
//! # async fn demo() -> Result<(), EasError> {
//! // A bare host gets /Microsoft-Server-ActiveSync appended; a full endpoint URL is kept.
//! let config = EasConfig::new("https://mail.example.com", "alice", "secret", "K0ntorDevice01")?
//!     .device_type("Kontor")
//!     .user_agent("Kontor/0.1");
//! let mut client = EasClient::new(config)?;
//! client.negotiate().await?;          // OPTIONS: 16.1 if offered, else 14.1, 14.0, 12.1
//! client.provision().await?;          // two-phase policy; SOGo's "no policy" is accepted
//! let hierarchy = client.folder_sync("0").await?;
//! for change in &hierarchy.changes {
//!     if let kontor_eas::folder_sync::Change::Add(f) = change {
//!         println!("{} ({:?})", f.display_name, f.folder_type);
//!     }
//! }
//! // Keep hierarchy.sync_key, client.policy_key() and client.protocol_version() for next time.
//! # Ok(()) }
//! ```
//!
//! Errors are [`EasError`] values with a plain English sentence as their `Display`:
//! `Unauthorized` (HTTP 401), `Forbidden` (403 and barring statuses), `NotActiveSync`
//! (404, an HTML page, or OPTIONS without `MS-ASProtocolVersions`), `Net` (DNS, refused,
//! timeout, TLS — see `kontor_net::NetError`), `Http`, `Protocol`, and the values that change
//! what the caller does next: `ProvisionRequired` (the client already provisioned and retried
//! once before returning it), `InvalidSyncKey`, `FolderHierarchyChanged`, `ServerBusy`,
//! `ItemNotFound`, `SyncLoop`.

//! ## Modules
//!
//! | module | command (MS-ASCMD) |
//! |---|---|
//! | [`client`] | HTTP: OPTIONS (version negotiation), query forms, policy key, 449/451/503, resend on a dropped kept-alive connection |
//! | [`provision`] | Provision 2.2.1.14 (two phases, remote wipe) |
//! | [`folder_sync`], [`folder_ops`] | FolderSync 2.2.1.5, FolderCreate/Update/Delete 2.2.1.2–4 |
//! | [`sync`] | Sync 2.2.1.21 (WindowSize, MoreAvailable, BodyPreference, Add/Change/Delete/Fetch, ClientId) and [`sync::LoopGuard`] |
//! | [`email`], [`calendar`], [`contacts`], [`tasks`] | Email (MS-ASEMAIL), Calendar (MS-ASCAL), Contacts (MS-ASCNTC) and Tasks (MS-ASTASK) application data |
//! | [`ping`] | Ping 2.2.1.13 |
//! | [`item_operations`] | ItemOperations 2.2.1.10 (attachments streamed to disk, EmptyFolderContents) |
//! | [`move_items`] | MoveItems 2.2.1.12 |
//! | [`compose`] | SendMail/SmartReply/SmartForward 2.2.1.17–19 (CRLF enforced, 12.1 form too) |
//! | [`settings`] | Settings 2.2.1.18 (Oof, UserInformation, DeviceInformation) |
//! | [`search`] | Search 2.2.1.16 (GAL, Mailbox) |
//! | [`find`] | Find 2.2.1.2 (16.1: KQL mailbox and GAL search) |
//! | [`estimate`] | GetItemEstimate 2.2.1.9 |
//! | [`meeting_response`] | MeetingResponse 2.2.1.11 |
//! | [`resolve_recipients`] | ResolveRecipients 2.2.1.15 (free/busy) |
//! | [`autodiscover`] | Autodiscover 2.2.1.1 (POX) |
//!
//! The TimeZone blob (MS-ASDTYPE 2.7.6) is decoded in `kontor-calendar`, which owns time zones.
//! Server differences met so far: SOGo accepts any FolderSync key, answers Provision with "no
//! policy", has no Oof over EAS (no Oof element at all), answers Fetch inside a calendar Sync
//! with HTTP 501 and ResolveRecipients without Availability with an empty body, sends `(null)`
//! as the `ReminderTime` of some tasks (read as no time, [`tasks`]), and its workers sometimes
//! reset reused connections; Z-Push enforces provisioning (449), shrinks the Sync window to one
//! item when it suspects a loop, and with a backend that keeps no out-of-office answers Oof Get
//! "off" without any OofMessage and refuses Oof Set (both read as not supported, [`settings`]).

mod appdata;
pub mod autodiscover;
pub mod calendar;
pub mod client;
pub mod compose;
pub mod contacts;
pub mod email;
pub mod error;
pub mod estimate;
pub mod find;
pub mod folder_ops;
pub mod folder_sync;
pub mod item_operations;
pub mod meeting_response;
pub mod move_items;
pub mod ping;
pub mod provision;
pub mod resolve_recipients;
pub mod search;
pub mod settings;
pub mod sync;
pub mod tasks;
pub mod version;

pub use client::{EasClient, EasConfig, Param, ProvisionOutcome, QueryForm, ServerInfo};
pub use error::EasError;
pub use folder_sync::{FolderType, ItemClass};
pub use version::ProtocolVersion;
