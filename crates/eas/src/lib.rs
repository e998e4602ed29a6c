//! # kontor-eas — Exchange ActiveSync commands
//!
//! Typed requests and responses for the MS-ASCMD commands Kontor uses, one module per command,
//! each with a `Status` enum whose strategy-changing values are variants. The protocol logic is
//! pure (build a request tree, read a response tree); the [`client`] module is the only place
//! that performs HTTP.
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

pub mod autodiscover;
pub mod calendar;
pub mod client;
pub mod compose;
pub mod email;
pub mod error;
pub mod estimate;
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
pub mod version;

pub use client::{EasClient, EasConfig, Param, ProvisionOutcome, QueryForm, ServerInfo};
pub use error::EasError;
pub use folder_sync::{FolderType, ItemClass};
pub use version::ProtocolVersion;
