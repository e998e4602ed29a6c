//! What calendar sync keeps outside the calendar and event rows: its settings (the CalDAV
//! accounts and the poll interval, JSON text in `setting`) and the account an ActiveSync
//! calendar replay names its queued operations by.

use sqlx::SqlitePool;

use super::Store;
use crate::error::CoreError;

/// The stored text of a setting, `None` when it was never set.
pub async fn read_setting(pool: &SqlitePool, key: &str) -> Result<Option<String>, CoreError> {
    let v = sqlx::query_scalar("SELECT value FROM setting WHERE key = ?1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(v)
}

/// Stores the text of a setting, replacing an earlier value.
pub async fn write_setting(pool: &SqlitePool, key: &str, value: &str) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO setting (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(pool)
    .await?;
    Ok(())
}

impl Store {
    /// The server URL and user name of an account (how outbox rows name it); an unknown id is
    /// a storage error (no row).
    pub async fn account_login(&self, account_id: i64) -> Result<(String, String), CoreError> {
        let login = sqlx::query_as("SELECT server_url, username FROM account WHERE id = ?1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(login)
    }
}
