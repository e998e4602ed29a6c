//! What the engine tells the rest of the application while it runs.
//!
//! Events go out on a `tokio::sync::broadcast` channel ([`EventBus`]); the Tauri shell
//! forwards them to the UI as they are (they serialise to `{"type": "folderSynced", …}`).
//! A slow subscriber that falls behind loses the oldest events (`RecvError::Lagged`), never
//! blocks the engine: every event is also reflected in the store, so the UI can re-read.

use serde::Serialize;
use tokio::sync::broadcast;

use crate::error::ErrorCode;
use crate::tls::TlsFailure;

/// One thing that happened in the sync engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum EngineEvent {
    /// The account task started (or restarted after an error) and is connecting.
    Started { account_id: i64 },
    /// FolderSync ran; `changed` is true when the hierarchy differs from before.
    FoldersSynced { account_id: i64, changed: bool },
    /// One folder finished a Sync pass (all MoreAvailable windows applied).
    FolderSynced {
        account_id: i64,
        folder: String,
        added: u32,
        changed: u32,
        deleted: u32,
    },
    /// Progress of a folder's Sync pass: `done` items applied of about `estimate`
    /// (GetItemEstimate, MS-ASCMD 2.2.1.9; `None` when the server gave no estimate).
    Progress {
        account_id: i64,
        folder: String,
        done: u64,
        estimate: Option<u64>,
    },
    /// An item the server kept sending in a loop was set aside (docs/CONVENTIONS.md#sync-state).
    ItemQuarantined {
        account_id: i64,
        folder: String,
        server_id: String,
        reason: String,
    },
    /// A queued change was applied on the server.
    OutboxApplied { account_id: i64, op_id: i64 },
    /// A queued change failed and will be retried after `retry_in_ms`.
    OutboxRetry {
        account_id: i64,
        op_id: i64,
        attempt: u32,
        retry_in_ms: u64,
        message: String,
    },
    /// A queued change failed too often (or can never work) and was parked; the user sees it.
    OutboxParked {
        account_id: i64,
        op_id: i64,
        message: String,
    },
    /// A queued change met a server-side change of the same item; `resolution` says what the
    /// stated conflict rule (docs/ARCHITECTURE.md#outbox-replay-and-conflicts) did.
    OutboxConflict {
        account_id: i64,
        op_id: i64,
        resolution: String,
    },
    /// Waiting for server push (Ping) with this heartbeat.
    Listening {
        account_id: i64,
        heartbeat_secs: u32,
    },
    /// Something failed; the engine backs off and retries by itself.
    Error {
        account_id: i64,
        code: ErrorCode,
        message: String,
        retry_in_ms: Option<u64>,
        /// For `code` tls: which certificate check failed and the certificate's details.
        #[serde(skip_serializing_if = "Option::is_none")]
        tls: Option<Box<TlsFailure>>,
    },
    /// The account task ended (shutdown requested).
    Stopped { account_id: i64 },
}

/// The sending side of the engine's event channel. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<EngineEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new(1024)
    }
}

impl EventBus {
    /// A channel keeping up to `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        EventBus {
            tx: broadcast::channel(capacity.max(1)).0,
        }
    }

    /// Sends an event; having no subscriber is fine.
    pub fn emit(&self, event: EngineEvent) {
        tracing::debug!(?event, "engine event");
        let _ = self.tx.send(event);
    }

    /// A new receiver that sees every event sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_for_the_ui() {
        let e = EngineEvent::FolderSynced {
            account_id: 1,
            folder: "mail%2Finbox".into(),
            added: 3,
            changed: 1,
            deleted: 0,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "folderSynced");
        assert_eq!(v["accountId"], 1);
        assert_eq!(v["added"], 3);
        let e = EngineEvent::Error {
            account_id: 1,
            code: ErrorCode::Unreachable,
            message: "refused".into(),
            retry_in_ms: Some(2000),
            tls: None,
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "unreachable");
        assert_eq!(v["retryInMs"], 2000);
    }

    #[tokio::test]
    async fn subscribers_receive_and_no_subscriber_is_fine() {
        let bus = EventBus::new(4);
        bus.emit(EngineEvent::Started { account_id: 1 });
        let mut rx = bus.subscribe();
        bus.emit(EngineEvent::Stopped { account_id: 1 });
        assert_eq!(
            rx.recv().await.unwrap(),
            EngineEvent::Stopped { account_id: 1 }
        );
    }
}
