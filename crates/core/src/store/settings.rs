//! The `setting` table: the user's own settings as JSON values by key (`policy::setting_keys`).
//!
//! Methods on [`Store`] serve the running app; the functions taking a connection serve the
//! command-line checks that read a profile's database read-only, without opening a [`Store`]
//! (`--diagnose`, the log export).

use sqlx::{SqliteConnection, SqlitePool};

use super::Store;
use crate::error::CoreError;

impl Store {
    /// The stored (key, JSON value) pairs of the three given settings; a key never set is absent.
    pub async fn setting_values(
        &self,
        keys: [&str; 3],
    ) -> Result<Vec<(String, String)>, CoreError> {
        let [a, b, c] = keys;
        Ok(
            sqlx::query_as("SELECT key, value FROM setting WHERE key IN (?1, ?2, ?3)")
                .bind(a)
                .bind(b)
                .bind(c)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Records which cached message the draft `draft` replies to or forwards (both `None`: a
    /// new message).
    pub async fn set_draft_origin(
        &self,
        draft: i64,
        reply_to: Option<i64>,
        forward_of: Option<i64>,
    ) -> Result<(), CoreError> {
        sqlx::query("UPDATE message SET draft_reply_to = ?2, draft_forward_of = ?3 WHERE id = ?1")
            .bind(draft)
            .bind(reply_to)
            .bind(forward_of)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The message the draft `draft` replies to and the one it forwards, as recorded, each only
    /// while it is still in the cache.
    pub async fn draft_origin(&self, draft: i64) -> Result<(Option<i64>, Option<i64>), CoreError> {
        let found: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT (SELECT o.id FROM message o WHERE o.id = d.draft_reply_to), \
                    (SELECT o.id FROM message o WHERE o.id = d.draft_forward_of) \
             FROM message d WHERE d.id = ?1",
        )
        .bind(draft)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.unwrap_or((None, None)))
    }

    /// Records the server's attachment limit from its policy (`None`: the policy sets none).
    pub async fn set_server_attachment_limit(&self, bytes: Option<u64>) -> Result<(), CoreError> {
        let key = crate::policy::setting_keys::SERVER_MAX_ATTACHMENT;
        match bytes {
            Some(n) => write_setting(&self.pool, key, &n.to_string()).await,
            None => {
                sqlx::query("DELETE FROM setting WHERE key = ?1")
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    }

    /// The server's attachment limit as last recorded, `None` when it set none.
    pub async fn server_attachment_limit(&self) -> Result<Option<u64>, CoreError> {
        let key = crate::policy::setting_keys::SERVER_MAX_ATTACHMENT;
        Ok(read_setting(&self.pool, key)
            .await?
            .and_then(|v| v.trim().parse::<u64>().ok()))
    }

    /// Records whether the CalDAV account `account_id`'s server schedules itself (RFC 6638).
    pub async fn set_caldav_schedules(&self, account_id: i64, on: bool) -> Result<(), CoreError> {
        let key = format!(
            "{}{account_id}",
            crate::policy::setting_keys::CALDAV_SCHEDULES_PREFIX
        );
        write_setting(&self.pool, &key, if on { "true" } else { "false" }).await
    }

    /// Whether the CalDAV account `account_id`'s server schedules itself, as last discovered;
    /// `false` before the first discovery.
    pub async fn caldav_schedules(&self, account_id: i64) -> Result<bool, CoreError> {
        let key = format!(
            "{}{account_id}",
            crate::policy::setting_keys::CALDAV_SCHEDULES_PREFIX
        );
        Ok(read_setting(&self.pool, &key).await?.as_deref() == Some("true"))
    }

    /// Stores one setting's JSON value, replacing the one stored before.
    pub async fn set_setting_value(&self, key: &str, json: &str) -> Result<(), CoreError> {
        write_setting(&self.pool, key, json).await
    }
}

/// The stored JSON text of a setting, `None` when it was never set.
pub async fn read_setting(pool: &SqlitePool, key: &str) -> Result<Option<String>, CoreError> {
    let v = sqlx::query_scalar("SELECT value FROM setting WHERE key = ?1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(v)
}

/// Stores the JSON text of a setting, replacing an earlier value.
pub async fn write_setting(pool: &SqlitePool, key: &str, value: &str) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO setting (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(pool)
    .await?;
    Ok(())
}

/// One setting's stored JSON value, read on `conn`.
pub async fn setting_value_in(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM setting WHERE key = ?1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await
}

/// Every stored (key, JSON value) pair, by key, read on `conn`.
pub async fn setting_rows_in(
    conn: &mut SqliteConnection,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT key, value FROM setting ORDER BY key")
        .fetch_all(&mut *conn)
        .await
}
