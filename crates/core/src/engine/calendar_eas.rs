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

use chrono::Utc;
use kontor_calendar::Zone;
use kontor_eas::calendar::Event;
use kontor_eas::sync::{
    BodyPreference, BodyType, CollectionRequest, FilterType, LoopGuard, ServerChange, SyncOptions,
};
use kontor_eas::{EasClient, EasError};
use sqlx::SqlitePool;

use super::calendar_cache::{self, Batch, CalendarRow, EventUpsert};
use crate::convert;
use crate::error::CoreError;

/// Items per Sync window (MS-ASCMD 2.2.3.199: 1–512).
pub const WINDOW_SIZE: u32 = 100;

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Rows written or removed.
    pub changed: usize,
    /// Sync requests sent.
    pub requests: usize,
    /// True when the pass started over from SyncKey 0.
    pub full: bool,
    /// Items recorded in quarantine.
    pub quarantined: usize,
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

/// Records an item the client cannot process (`quarantine`, migrations/0002).
pub(crate) async fn quarantine(
    pool: &SqlitePool,
    account_id: i64,
    folder: &str,
    server_id: &str,
    reason: &str,
    raw: &[u8],
) -> Result<(), CoreError> {
    tracing::warn!(%folder, %server_id, %reason, "calendar item quarantined");
    sqlx::query(
        "INSERT INTO quarantine (account_id, folder_id, server_id, reason, raw)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account_id, folder_id, server_id) DO UPDATE SET
            reason = excluded.reason, raw = excluded.raw, last_seen = unixepoch(),
            times_seen = quarantine.times_seen + 1",
    )
    .bind(account_id)
    .bind(folder)
    .bind(server_id)
    .bind(reason)
    .bind(raw)
    .execute(pool)
    .await?;
    Ok(())
}

/// Turns one window's changes into a batch (and quarantines what cannot be read).
pub(crate) async fn window_batch(
    pool: &SqlitePool,
    cal: &CalendarRow,
    changes: &[ServerChange],
    zone: &Zone,
    report: &mut PassReport,
) -> Result<Batch, CoreError> {
    let mut batch = Batch::default();
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
                        quarantine(
                            pool,
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

/// One complete Sync pass of an EAS calendar folder.
pub async fn sync_folder(
    client: &mut EasClient,
    pool: &SqlitePool,
    cal: &CalendarRow,
    zone: &Zone,
) -> Result<PassReport, EasSyncError> {
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
            calendar_cache::apply_batch(
                pool,
                cal.id,
                &Batch {
                    sync_token: Some(col.sync_key.clone()),
                    replace_all: true,
                    ..Default::default()
                },
                zone,
                Utc::now(),
            )
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
                calendar_cache::reset_calendar(pool, cal.id).await?;
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
                quarantine(
                    pool,
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
        let mut batch = window_batch(pool, cal, &col.changes, zone, &mut report).await?;
        batch.sync_token = Some(col.sync_key.clone());
        report.changed +=
            calendar_cache::apply_batch(pool, cal.id, &batch, zone, Utc::now()).await?;
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
