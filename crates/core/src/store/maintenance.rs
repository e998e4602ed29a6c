//! Whole-database operations: making the WAL durable, opening a profile's database read-only
//! for the command-line checks.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};

use super::Store;
use crate::error::CoreError;

impl Store {
    /// Copies the WAL into the database file and truncates it (`PRAGMA wal_checkpoint`).
    pub async fn checkpoint_wal(&self) -> Result<(), CoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// One read-only connection to the database file at `path` (no migration, no creation).
pub async fn open_read_only(path: &Path) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
}
