//! Quarantine: items the client could not process, kept with the reason and the raw data.
//!
//! Z-Push can answer a Sync with the same SyncKey and a window of one item again and again
//! when one item breaks it; a calendar object can be unreadable. Such an item is recorded here
//! (per account, folder and ServerId/href), shown to the user, and skipped by the sync engine,
//! so the folder keeps syncing. Recording the same item again counts it and keeps the first
//! sighting.

use serde::Serialize;
use sqlx::SqliteConnection;

use super::Store;
use crate::error::CoreError;

/// A quarantined item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineRow {
    pub id: i64,
    pub account_id: i64,
    /// Mail folder ServerId or calendar remote id.
    pub folder_id: String,
    pub server_id: String,
    pub reason: String,
    pub raw: Vec<u8>,
    pub first_seen: i64,
    pub last_seen: i64,
    pub times_seen: i64,
}

pub(crate) async fn quarantine_in(
    conn: &mut SqliteConnection,
    account_id: i64,
    folder_id: &str,
    server_id: &str,
    reason: &str,
    raw: &[u8],
) -> Result<i64, CoreError> {
    tracing::warn!(account_id, folder_id, server_id, reason, "item quarantined");
    Ok(sqlx::query_scalar(
        "INSERT INTO quarantine (account_id, folder_id, server_id, reason, raw)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account_id, folder_id, server_id) DO UPDATE
            SET reason = excluded.reason, raw = excluded.raw, last_seen = unixepoch(),
                times_seen = times_seen + 1
         RETURNING id",
    )
    .bind(account_id)
    .bind(folder_id)
    .bind(server_id)
    .bind(reason)
    .bind(raw)
    .fetch_one(&mut *conn)
    .await?)
}

impl Store {
    /// Records (or counts again) a bad item; returns its quarantine id.
    pub async fn quarantine(
        &self,
        account_id: i64,
        folder_id: &str,
        server_id: &str,
        reason: &str,
        raw: &[u8],
    ) -> Result<i64, CoreError> {
        let mut conn = self.pool.acquire().await?;
        quarantine_in(&mut conn, account_id, folder_id, server_id, reason, raw).await
    }

    /// Whether an item is quarantined (the engine skips it).
    pub async fn is_quarantined(
        &self,
        account_id: i64,
        folder_id: &str,
        server_id: &str,
    ) -> Result<bool, CoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM quarantine
             WHERE account_id = ?1 AND folder_id = ?2 AND server_id = ?3",
        )
        .bind(account_id)
        .bind(folder_id)
        .bind(server_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// Quarantined items of an account (or all), oldest first.
    pub async fn quarantined(
        &self,
        account_id: Option<i64>,
    ) -> Result<Vec<QuarantineRow>, CoreError> {
        type Tuple = (i64, i64, String, String, String, Vec<u8>, i64, i64, i64);
        let rows: Vec<Tuple> = sqlx::query_as(
            "SELECT id, account_id, folder_id, server_id, reason, raw, first_seen, last_seen,
                times_seen
             FROM quarantine WHERE ?1 IS NULL OR account_id = ?1 ORDER BY first_seen, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|t| QuarantineRow {
                id: t.0,
                account_id: t.1,
                folder_id: t.2,
                server_id: t.3,
                reason: t.4,
                raw: t.5,
                first_seen: t.6,
                last_seen: t.7,
                times_seen: t.8,
            })
            .collect())
    }

    /// Removes one quarantine entry (the user dismissed it, or the item synced fine later).
    pub async fn clear_quarantine(&self, id: i64) -> Result<bool, CoreError> {
        let done = sqlx::query("DELETE FROM quarantine WHERE id = ?1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
