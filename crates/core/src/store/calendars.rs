//! Calendars: EAS calendar folders and CalDAV collections in one table.
//!
//! The sync position of a calendar (the EAS SyncKey of the folder, or the CalDAV sync token of
//! RFC 6578 §3.8) is `calendar.sync_token`, written by `apply_event_batch` in the same
//! transaction as the events it covers; `sync_state` is not used for calendars. `ctag` keeps
//! the CalDAV getctag for servers without sync-collection. `full_sync_at` is when a CalDAV
//! collection was last listed in full and its cache reconciled with that listing
//! (`Store::apply_event_listing`, same transaction).

use serde::{Deserialize, Serialize};

use super::Store;
use crate::error::CoreError;

/// Where a calendar comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarSource {
    Eas,
    Caldav,
}

impl CalendarSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarSource::Eas => "eas",
            CalendarSource::Caldav => "caldav",
        }
    }

    fn parse(s: &str) -> Result<Self, CoreError> {
        match s {
            "eas" => Ok(CalendarSource::Eas),
            "caldav" => Ok(CalendarSource::Caldav),
            other => Err(CoreError::InvalidInput(format!(
                "unknown calendar source {other:?}"
            ))),
        }
    }
}

/// A calendar as discovered on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarInfo {
    pub source: CalendarSource,
    /// EAS folder ServerId or CalDAV collection URL.
    pub remote_id: String,
    pub display_name: String,
    /// `#rrggbb` or ''.
    pub color: String,
    pub owner: String,
    pub shared: bool,
    pub read_only: bool,
    /// CalDAV getctag, '' if unknown.
    pub ctag: String,
}

/// A calendar as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarRow {
    pub id: i64,
    pub account_id: i64,
    pub source: CalendarSource,
    pub remote_id: String,
    pub display_name: String,
    pub color: String,
    pub owner: String,
    pub shared: bool,
    pub read_only: bool,
    pub ctag: String,
    /// EAS SyncKey or CalDAV sync token; '' before the first sync (send "0" to EAS).
    pub sync_token: String,
    /// The materialised occurrence window (Unix seconds), 0/0 if none.
    pub window_start: i64,
    pub window_end: i64,
}

type CalendarTuple = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    bool,
    bool,
    String,
    String,
    i64,
    i64,
);

fn calendar_from(t: CalendarTuple) -> Result<CalendarRow, CoreError> {
    Ok(CalendarRow {
        id: t.0,
        account_id: t.1,
        source: CalendarSource::parse(&t.2)?,
        remote_id: t.3,
        display_name: t.4,
        color: t.5,
        owner: t.6,
        shared: t.7,
        read_only: t.8,
        ctag: t.9,
        sync_token: t.10,
        window_start: t.11,
        window_end: t.12,
    })
}

const CALENDAR_COLUMNS: &str = "id, account_id, source, remote_id, display_name, color, owner, \
     shared, read_only, ctag, sync_token, window_start, window_end";

impl Store {
    /// Inserts a calendar or updates its properties (never its sync token); returns its id.
    pub async fn upsert_calendar(
        &self,
        account_id: i64,
        info: &CalendarInfo,
    ) -> Result<i64, CoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO calendar (account_id, source, remote_id, display_name, color, owner,
                shared, read_only, ctag)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (account_id, source, remote_id) DO UPDATE
                SET display_name = excluded.display_name, color = excluded.color,
                    owner = excluded.owner, shared = excluded.shared,
                    read_only = excluded.read_only, ctag = excluded.ctag
             RETURNING id",
        )
        .bind(account_id)
        .bind(info.source.as_str())
        .bind(&info.remote_id)
        .bind(&info.display_name)
        .bind(&info.color)
        .bind(&info.owner)
        .bind(info.shared)
        .bind(info.read_only)
        .bind(&info.ctag)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// The calendars of an account (or of all accounts), by name.
    pub async fn calendars(&self, account_id: Option<i64>) -> Result<Vec<CalendarRow>, CoreError> {
        let sql = format!(
            "SELECT {CALENDAR_COLUMNS} FROM calendar WHERE ?1 IS NULL OR account_id = ?1
             ORDER BY display_name COLLATE NOCASE, id"
        );
        let rows: Vec<CalendarTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(calendar_from).collect()
    }

    /// One calendar.
    pub async fn calendar(&self, id: i64) -> Result<Option<CalendarRow>, CoreError> {
        let sql = format!("SELECT {CALENDAR_COLUMNS} FROM calendar WHERE id = ?1");
        let row: Option<CalendarTuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(calendar_from).transpose()
    }

    /// Removes a calendar and its events and occurrences (gone from the server).
    pub async fn delete_calendar(&self, id: i64) -> Result<(), CoreError> {
        sqlx::query("DELETE FROM calendar WHERE id = ?1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The account's ActiveSync calendar folders (types 8 and 13) in the cached hierarchy, as
    /// (ServerId, display name), ordered by ServerId.
    pub async fn eas_calendar_folders(
        &self,
        account_id: i64,
    ) -> Result<Vec<(String, String)>, CoreError> {
        let folders = sqlx::query_as(
            "SELECT server_id, display_name FROM folder
             WHERE account_id = ?1 AND folder_type IN (8, 13) ORDER BY server_id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(folders)
    }

    /// Forgets a calendar's sync position and its synced events, keeping events with a pending
    /// local change, in one transaction.
    pub async fn reset_calendar_sync(&self, calendar_id: i64) -> Result<(), CoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM event WHERE calendar_id = ?1 AND local_state = 0")
            .bind(calendar_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE calendar SET sync_token = '', ctag = '' WHERE id = ?1")
            .bind(calendar_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the ctag a CalDAV poll without sync-collection has caught up with.
    pub async fn set_calendar_ctag(&self, calendar_id: i64, ctag: &str) -> Result<(), CoreError> {
        sqlx::query("UPDATE calendar SET ctag = ?2 WHERE id = ?1")
            .bind(calendar_id)
            .bind(ctag)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When the calendar was last compared in full with the server (Unix seconds, 0 = never
    /// or unknown calendar); written with the listing by [`Store::apply_event_listing`].
    pub async fn calendar_full_sync_at(&self, calendar_id: i64) -> Result<i64, CoreError> {
        let at: Option<i64> = sqlx::query_scalar("SELECT full_sync_at FROM calendar WHERE id = ?1")
            .bind(calendar_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(at.unwrap_or(0))
    }

    /// Sets when the calendar was last compared in full, as if that happened at `at`.
    #[cfg(test)]
    pub(crate) async fn set_calendar_full_sync_at(
        &self,
        calendar_id: i64,
        at: i64,
    ) -> Result<(), CoreError> {
        sqlx::query("UPDATE calendar SET full_sync_at = ?2 WHERE id = ?1")
            .bind(calendar_id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The stored ctag of an account's calendar by remote id, `None` for an unknown calendar.
    pub async fn calendar_ctag(
        &self,
        account_id: i64,
        remote_id: &str,
    ) -> Result<Option<String>, CoreError> {
        Ok(
            sqlx::query_scalar(
                "SELECT ctag FROM calendar WHERE account_id = ?1 AND remote_id = ?2",
            )
            .bind(account_id)
            .bind(remote_id)
            .fetch_optional(&self.pool)
            .await?,
        )
    }
}
