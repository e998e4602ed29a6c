//! ActiveSync calendar folders (FolderSync type 8 "default calendar" and 13 "user-created
//! calendar", MS-ASCMD 2.2.3.186.3): one Sync pass per folder.
//!
//! * MS-ASCMD 2.2.1.21: a first Sync with SyncKey `0` only returns a key; then Sync with
//!   `GetChanges` and a `WindowSize` until `MoreAvailable` is absent. Every window's changes are
//!   committed together with the key the server returned for them (`calendar_cache::apply_batch`),
//!   so a crash or a cut connection loses at most the window in flight, which the server sends
//!   again for the old key.
//! * Status 3 (`InvalidSyncKey`, MS-ASCMD 2.2.3.177.17): the folder's synced events are
//!   dropped and the folder is read again from `0`; pending local changes (outbox) stay.
//! * Items are read by `kontor-eas` ([`Event::from_application_data`]) and turned into
//!   iCalendar by [`crate::convert`]; an item that cannot be read (e.g. a time that is not a
//!   date) is recorded in `quarantine` with its reason and skipped, it never stops the folder.
//! * A server that keeps sending the same single item (Z-Push's loop detection) is stopped by
//!   the eas crate's [`LoopGuard`]; the item is quarantined and the folder goes on next time.

use kontor_calendar::Zone;
use kontor_eas::calendar::Event;
use kontor_eas::sync::{
    BodyPreference, BodyType, CollectionRequest, FilterType, LoopGuard, ServerChange, SyncOptions,
};
use kontor_eas::{EasClient, EasError};

use super::calendar_cache;
use crate::convert;
use crate::error::CoreError;
use crate::store::{CalendarRow, EventUpsert, Store};

/// Items per Sync window (MS-ASCMD 2.2.3.199: 1–512).
pub const WINDOW_SIZE: u32 = 100;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Events written or removed.
    pub changed: usize,
    /// Requests sent.
    pub requests: usize,
    /// True when the pass started over (SyncKey 0, or a CalDAV listing without a token).
    pub full: bool,
    /// Items recorded in quarantine.
    pub quarantined: usize,
}

/// One window's changes as a store batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WindowBatch {
    pub upserts: Vec<EventUpsert>,
    pub deletes: Vec<String>,
}

fn options() -> SyncOptions {
    SyncOptions {
        // Whole series: occurrences are computed locally for a moving window.
        filter_type: Some(FilterType::All),
        body_preferences: vec![BodyPreference {
            truncation_size: Some(32 * 1024),
            ..BodyPreference::new(BodyType::PlainText)
        }],
        ..Default::default()
    }
}

/// Turns one window's changes into a batch; items that cannot be converted are quarantined
/// (with the reason and the item as read) and left out.
pub(crate) async fn window_batch(
    store: &Store,
    cal: &CalendarRow,
    changes: &[ServerChange],
    zone: &Zone,
    report: &mut PassReport,
) -> Result<WindowBatch, CoreError> {
    let mut batch = WindowBatch::default();
    for ch in changes {
        match ch {
            ServerChange::Add { server_id, data } | ServerChange::Change { server_id, data } => {
                let ev = Event::from_application_data(data);
                match convert::event_to_calendar(&ev, server_id, zone) {
                    Ok(c) => batch.upserts.push(EventUpsert {
                        remote_id: server_id.clone(),
                        etag: String::new(),
                        ical: c.to_ics(),
                    }),
                    Err(e) => {
                        report.quarantined += 1;
                        tracing::warn!(folder = %cal.remote_id, %server_id, error = %e, "calendar item quarantined");
                        store
                            .quarantine(
                                cal.account_id,
                                &cal.remote_id,
                                server_id,
                                &e.to_string(),
                                format!("{ev:?}").as_bytes(),
                            )
                            .await?;
                    }
                }
            }
            ServerChange::Delete { server_id } | ServerChange::SoftDelete { server_id } => {
                batch.deletes.push(server_id.clone());
            }
        }
    }
    Ok(batch)
}

/// One complete Sync pass of an EAS calendar folder. `zone` is the user's zone, used when
/// the server sends an all-zero TimeZone blob (Kopano/Z-Push).
pub async fn sync_folder(
    client: &mut EasClient,
    store: &Store,
    cal: &CalendarRow,
    zone: &Zone,
) -> Result<PassReport, EasSyncError> {
    calendar_cache::ensure_window(store, cal).await?;
    let mut report = PassReport::default();
    let mut key = if cal.sync_token.is_empty() {
        "0".to_string()
    } else {
        cal.sync_token.clone()
    };
    let mut restarted = false;
    let mut guard = LoopGuard::new(&cal.remote_id);
    loop {
        if key == "0" {
            report.full = true;
            report.requests += 1;
            let r = client
                .sync(&[CollectionRequest::new(&cal.remote_id, "0")])
                .await?;
            let col = r.collection(&cal.remote_id).ok_or_else(|| {
                EasSyncError::Eas(EasError::Protocol {
                    command: "Sync",
                    detail: "no answer for the calendar".into(),
                })
            })?;
            col.status.into_result()?;
            store
                .apply_event_batch(cal.id, &col.sync_key, &[], &[])
                .await?;
            key = col.sync_key.clone();
            continue;
        }
        let mut req = CollectionRequest::new(&cal.remote_id, &key);
        req.window_size = Some(WINDOW_SIZE);
        req.options = Some(options());
        report.requests += 1;
        let r = client.sync(&[req]).await?;
        // An empty answer: nothing changed (MS-ASCMD 2.2.1.21.1.2).
        let Some(col) = r.collection(&cal.remote_id) else {
            break;
        };
        match col.status.into_result() {
            Ok(()) => {}
            Err(EasError::InvalidSyncKey) if !restarted => {
                tracing::warn!(folder = %cal.remote_id, "SyncKey rejected; reading the calendar again");
                calendar_cache::reset_calendar(store, cal.id).await?;
                restarted = true;
                key = "0".into();
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        if let Err(e) = guard.observe(&key, col) {
            if let EasError::SyncLoop {
                item: Some(item), ..
            } = &e
            {
                store
                    .quarantine(
                        cal.account_id,
                        &cal.remote_id,
                        item,
                        "the server kept sending this item",
                        b"",
                    )
                    .await?;
            }
            return Err(e.into());
        }
        let batch = window_batch(store, cal, &col.changes, zone, &mut report).await?;
        let out = store
            .apply_event_batch(cal.id, &col.sync_key, &batch.upserts, &batch.deletes)
            .await?;
        report.changed += (out.upserted + out.deleted) as usize;
        report.quarantined += out.quarantined as usize;
        key = col.sync_key.clone();
        if !col.more_available {
            break;
        }
    }
    Ok(report)
}

/// What an EAS calendar pass can fail with: the eas error keeps its meaning for the caller
/// (backoff, FolderSync), the store's is plain.
#[derive(Debug, thiserror::Error)]
pub enum EasSyncError {
    #[error(transparent)]
    Eas(#[from] EasError),
    #[error(transparent)]
    Core(#[from] CoreError),
}
