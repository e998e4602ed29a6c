//! The sync status the window shows in its status bar: one snapshot ([`SyncStatus`]) built
//! from the engine's events ([`SyncTracker::apply`], pure) and two store reads (the unsent
//! outbox rows and the name of the folder being synced).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{broadcast, watch};

use super::{FolderKind, Kontor};
use crate::engine::EngineEvent;
use crate::error::{ErrorCode, IpcError};
use crate::i18n::Lang;
use crate::tls::TlsFailure;

/// Whether the account is connected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    /// No engine runs, or it waits to retry after an error.
    #[default]
    Offline,
    /// Connecting, FolderSync or a Sync pass is running.
    Syncing,
    /// Everything is synced; waiting for server push.
    Online,
}

/// The folder a Sync pass is running on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncFolder {
    pub name: String,
    pub kind: FolderKind,
}

/// What the status bar shows (event `sync:status`, command `sync_status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub state: SyncState,
    /// The folder being synced, while a Sync pass runs.
    pub folder: Option<SyncFolder>,
    /// Items applied in the running Sync pass.
    pub done: Option<u32>,
    /// About how many items the pass brings (the server's estimate), when known.
    pub total: Option<u32>,
    /// The end of the last complete sync (everything synced, push waiting), this run.
    pub last_sync: Option<DateTime<Utc>>,
    /// Local changes not yet on the server (outbox rows pending, in flight or parked).
    pub unsent: u32,
    /// The last failure since the last complete sync, in the UI's language.
    pub error: Option<IpcError>,
}

/// The engine-event part of the status; [`apply`](Self::apply) is the whole state machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncTracker {
    pub state: SyncState,
    /// Account and server id of the folder in a Sync pass.
    pub folder: Option<(i64, String)>,
    pub done: Option<u64>,
    pub total: Option<u64>,
    pub last_sync: Option<DateTime<Utc>>,
    /// Code, English detail and (for a TLS failure) the certificate's details of the last
    /// engine error.
    pub error: Option<(ErrorCode, String, Option<Box<TlsFailure>>)>,
}

impl SyncTracker {
    /// Follows one engine event that happened at `now`.
    pub fn apply(&mut self, event: &EngineEvent, now: DateTime<Utc>) {
        match event {
            EngineEvent::Started { .. } | EngineEvent::FoldersSynced { .. } => {
                self.state = SyncState::Syncing;
            }
            EngineEvent::Progress {
                account_id,
                folder,
                done,
                estimate,
            } => {
                self.state = SyncState::Syncing;
                self.folder = Some((*account_id, folder.clone()));
                self.done = Some(*done);
                self.total = *estimate;
            }
            EngineEvent::FolderSynced { .. } => {
                self.state = SyncState::Syncing;
                self.clear_folder();
                self.error = None;
            }
            EngineEvent::Listening { .. } => {
                self.state = SyncState::Online;
                self.clear_folder();
                self.last_sync = Some(now);
                self.error = None;
            }
            EngineEvent::Error {
                code, message, tls, ..
            } => {
                self.state = SyncState::Offline;
                self.clear_folder();
                self.error = Some((*code, message.clone(), tls.clone()));
            }
            EngineEvent::Stopped { .. } => {
                self.state = SyncState::Offline;
                self.clear_folder();
            }
            EngineEvent::ItemQuarantined { .. }
            | EngineEvent::OutboxApplied { .. }
            | EngineEvent::OutboxRetry { .. }
            | EngineEvent::OutboxParked { .. }
            | EngineEvent::OutboxConflict { .. } => {}
        }
    }

    fn clear_folder(&mut self) {
        self.folder = None;
        self.done = None;
        self.total = None;
    }

    /// The snapshot for the UI, with the store's part (`unsent`, the folder's name and kind).
    pub fn status(&self, unsent: u32, folder: Option<SyncFolder>, lang: Lang) -> SyncStatus {
        let small = |n: Option<u64>| n.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        SyncStatus {
            state: self.state,
            folder: self.folder.as_ref().and(folder),
            done: small(self.done),
            total: small(self.total),
            last_sync: self.last_sync,
            unsent,
            error: self.error.as_ref().map(|(code, detail, tls)| {
                let mut e = IpcError::from_code(*code, detail, lang);
                // A certificate failure says in the status bar what the sign-in says.
                if let Some(t) = tls {
                    e.message = t.message(lang);
                    e.tls = Some(t.clone());
                }
                e
            }),
        }
    }
}

/// Follows the event bus into the watch channel until the bus closes.
async fn follow(mut rx: broadcast::Receiver<EngineEvent>, tx: watch::Sender<SyncTracker>) {
    loop {
        match rx.recv().await {
            Ok(event) => tx.send_modify(|t| t.apply(&event, Utc::now())),
            // The events lost are reflected in the store; the next ones set the state again.
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::debug!(lost = n, "sync status fell behind the engine events");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

impl Kontor {
    /// Changes of the sync status from now on: after each, read [`Self::sync_status`].
    pub fn sync_status_changes(&self) -> watch::Receiver<SyncTracker> {
        self.status.subscribe()
    }

    /// Starts following the engine events into the status (once).
    pub(super) fn follow_sync_status(&self) {
        if !self
            .status_followed
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            tokio::spawn(follow(self.events.subscribe(), self.status.clone()));
        }
    }

    /// The sync status now, the error in `lang`.
    pub async fn sync_status(&self, lang: Lang) -> Result<SyncStatus, crate::error::CoreError> {
        let tracker = self.status.borrow().clone();
        let unsent = self.store.outbox_unsent_count().await?;
        let folder = match &tracker.folder {
            None => None,
            Some((account, id)) => {
                self.store
                    .folder_name_and_type(*account, id)
                    .await?
                    .map(|(name, kind)| SyncFolder {
                        name,
                        kind: FolderKind::from_eas_type(kind),
                    })
            }
        };
        Ok(tracker.status(unsent, folder, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    #[test]
    fn a_first_sync_goes_from_syncing_with_progress_to_online() {
        let mut t = SyncTracker::default();
        assert_eq!(t.status(0, None, Lang::En).state, SyncState::Offline);
        t.apply(&EngineEvent::Started { account_id: 1 }, at(1));
        assert_eq!(t.state, SyncState::Syncing);
        let progress = EngineEvent::Progress {
            account_id: 1,
            folder: "inbox".into(),
            done: 20,
            estimate: Some(100),
        };
        t.apply(&progress, at(2));
        let inbox = SyncFolder {
            name: "INBOX".into(),
            kind: FolderKind::Inbox,
        };
        let s = t.status(2, Some(inbox.clone()), Lang::En);
        assert_eq!(s.state, SyncState::Syncing);
        assert_eq!(s.folder, Some(inbox.clone()));
        assert_eq!((s.done, s.total, s.unsent), (Some(20), Some(100), 2));
        assert_eq!(s.last_sync, None);
        t.apply(
            &EngineEvent::FolderSynced {
                account_id: 1,
                folder: "inbox".into(),
                added: 100,
                changed: 0,
                deleted: 0,
            },
            at(3),
        );
        assert_eq!(t.status(0, Some(inbox), Lang::En).folder, None);
        t.apply(
            &EngineEvent::Listening {
                account_id: 1,
                heartbeat_secs: 480,
            },
            at(4),
        );
        let s = t.status(0, None, Lang::En);
        assert_eq!(s.state, SyncState::Online);
        assert_eq!(s.last_sync, Some(at(4)));
    }

    #[test]
    fn an_error_is_offline_with_a_localized_message_until_the_next_complete_sync() {
        let mut t = SyncTracker::default();
        t.apply(
            &EngineEvent::Listening {
                account_id: 1,
                heartbeat_secs: 480,
            },
            at(10),
        );
        t.apply(
            &EngineEvent::Error {
                account_id: 1,
                code: ErrorCode::Unreachable,
                message: "connection refused".into(),
                retry_in_ms: Some(2000),
                tls: None,
            },
            at(20),
        );
        let en = t.status(0, None, Lang::En);
        assert_eq!(en.state, SyncState::Offline);
        assert_eq!(en.last_sync, Some(at(10)), "the last good sync stays");
        let en = en.error.unwrap();
        assert_eq!(en.code, ErrorCode::Unreachable);
        assert_eq!(en.detail, "connection refused");
        let de = t.status(0, None, Lang::De).error.unwrap();
        assert_ne!(en.message, de.message);
        // A restart keeps the error on screen; the next complete sync clears it.
        t.apply(&EngineEvent::Started { account_id: 1 }, at(21));
        assert!(t.status(0, None, Lang::En).error.is_some());
        t.apply(
            &EngineEvent::Listening {
                account_id: 1,
                heartbeat_secs: 480,
            },
            at(30),
        );
        assert!(t.status(0, None, Lang::En).error.is_none());
        t.apply(&EngineEvent::Stopped { account_id: 1 }, at(40));
        assert_eq!(t.state, SyncState::Offline);
    }

    #[test]
    fn a_certificate_failure_reaches_the_status_bar_with_its_details() {
        let mut t = SyncTracker::default();
        t.apply(
            &EngineEvent::Error {
                account_id: 1,
                code: ErrorCode::Tls,
                message: "the secure connection was refused: …".into(),
                retry_in_ms: Some(2000),
                tls: Some(Box::new(TlsFailure {
                    kind: crate::tls::TlsProblem::SelfSigned,
                    host: "mail.example.com".into(),
                    subject: Some("CN=mail.example.com".into()),
                    issuer: Some("CN=mail.example.com".into()),
                    not_before: Some(0),
                    not_after: Some(1),
                    names: vec!["mail.example.com".into()],
                    sha256: Some("AB:CD".into()),
                })),
            },
            at(20),
        );
        let en = t.status(0, None, Lang::En).error.unwrap();
        assert_eq!(en.code, ErrorCode::Tls);
        assert!(en.message.contains("self-signed"), "{}", en.message);
        assert_eq!(en.tls.as_ref().unwrap().sha256.as_deref(), Some("AB:CD"));
        let de = t.status(0, None, Lang::De).error.unwrap();
        assert!(de.message.contains("selbstsigniert"), "{}", de.message);
    }
}
