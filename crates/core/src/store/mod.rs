//! The local SQLite store (sqlx). Schema in `migrations/` at the repository root, applied on
//! open. Every write that advances a sync key also writes the items that key covers, in one
//! transaction (docs/CONVENTIONS.md#sync-state).
//!
//! * this module — opening, accounts, the folder hierarchy, sync keys;
//! * [`messages`] — mail batches, the folder list, bodies and attachment metadata, and the
//!   local-change rule;
//! * [`search`] — FTS5 full-text and substring search with German folding;
//! * [`calendars`] and [`events`] — EAS and CalDAV calendars, events, occurrences;
//! * [`outbox`] — local changes applied at once and queued for the server;
//! * [`quarantine`] — items that could not be processed;
//! * [`account`] and [`folders`] — account and folder lookups, what the server negotiated;
//! * [`settings`] — the user's settings by key;
//! * [`reminder_state`] — snooze/dismiss state and the per-calendar "remind me" switches;
//! * [`user_data`] — which tables are user data, and carrying them through a profile reset;
//! * [`maintenance`] — WAL checkpoints and read-only access for `--diagnose` and log export.
//!
//! No SQL lives outside this module (tests excepted): a schema change is found here.
//!
//! All times in the cache tables are Unix seconds, UTC. Every query names its columns; every
//! row comes back as a typed struct.

pub mod account;
#[cfg(test)]
mod cache_tests;
pub mod calendars;
pub mod events;
pub mod filtered_search;
pub mod folders;
pub mod maintenance;
pub mod message_list;
pub mod messages;
pub mod outbox;
pub mod quarantine;
pub mod reminder_state;
pub mod search;
pub mod settings;
pub mod user_data;

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use kontor_calendar::Zone;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Row, SqliteConnection, SqlitePool};

use crate::error::CoreError;

pub use calendars::{CalendarInfo, CalendarRow, CalendarSource};
pub use events::{EventBatchOutcome, EventRow, EventUpsert, OccurrenceRow};
pub use filtered_search::SearchFilter;
pub use message_list::{ListCursor, ListWindow, MessageSort};
pub use messages::{
    AttachmentMeta, AttachmentRow, BatchOutcome, BodyKind, BodyPart, BodyState, MailBatch,
    MailChange, MessageData, MessageRow, PageCursor,
};
pub use outbox::{Done, MAX_ATTEMPTS, OutboxEntry, OutboxOp, OutboxState, Response};
pub use quarantine::QuarantineRow;

/// The migrations compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Released migrations whose comments (never their statements) were edited later, with the
/// SHA-384 checksum of the text they were released with. sqlx refuses a database whose
/// recorded checksum differs from the compiled migration's; a database migrated with the
/// released text still records the old one, so [`adopt_edited_migrations`] brings those
/// records up to date before migrating. A checksum that is neither the released nor the
/// current one still fails, as sqlx intends. `docs/decisions/0005-comment-edits-in-released-migrations.md`.
pub const EDITED_MIGRATIONS: &[(i64, &str)] = &[
    (
        2,
        "6a176c9c2e3ac74f37aff7ccfbf17664b9fa648baad98443cea8a0e4ba9582611a8732155b349c0224a45f9d1da98300",
    ),
    (
        3,
        "8bd65781152278c166c4533d96811db3baa797e673cde1da4e92948e62d1c9d3d4b7ea14c6d99976954e1a0b3511b4e4",
    ),
    (
        4,
        "ffb96f4be3e4ab97acaf89299d1b1f7aff18848fcb7fb8ebb30decf3d18be0f1dc865f2a40b81d4dbc56af4c35ddeb23",
    ),
];

/// Records the current checksum of each migration in [`EDITED_MIGRATIONS`] that a database
/// applied with its released text (a comment-only edit), then applies the pending
/// migrations. Every path that migrates a profile's database goes through here.
pub async fn migrate(conn: &mut SqliteConnection) -> Result<(), CoreError> {
    adopt_edited_migrations(conn).await?;
    MIGRATOR.run(conn).await?;
    Ok(())
}

async fn adopt_edited_migrations(conn: &mut SqliteConnection) -> Result<(), CoreError> {
    let has_table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_table {
        return Ok(());
    }
    for (version, released) in EDITED_MIGRATIONS {
        let Some(current) = MIGRATOR.iter().find(|m| m.version == *version) else {
            continue;
        };
        let released = decode_hex(released);
        if released.as_slice() == current.checksum.as_ref() {
            continue;
        }
        let updated = sqlx::query(
            "UPDATE _sqlx_migrations SET checksum = ?1 WHERE version = ?2 AND checksum = ?3",
        )
        .bind(current.checksum.as_ref())
        .bind(version)
        .bind(released.as_slice())
        .execute(&mut *conn)
        .await?;
        if updated.rows_affected() > 0 {
            tracing::info!(
                version,
                "migration checksum of a comment-only edit recorded"
            );
        }
    }
    Ok(())
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// Collection name of the folder hierarchy in `sync_state`.
const HIERARCHY: &str = "";

/// A handle to the profile's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// The one connection write transactions ([`Store::begin_write`]) run on, so its page
    /// cache stays valid from one transaction to the next (a connection drops its cache when
    /// another one has written). Reads use `pool`. The same pool for an in-memory store.
    writer: SqlitePool,
    /// The zone floating and all-day times are placed in (events.rs).
    local_zone: Arc<RwLock<Zone>>,
    /// Signalled when messages wait for the search indexer (search.rs).
    index_work: Arc<tokio::sync::Notify>,
}

/// A mail address with its display name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct Address {
    pub name: String,
    pub addr: String,
}

impl Address {
    pub fn new(name: &str, addr: &str) -> Self {
        Address {
            name: name.to_owned(),
            addr: addr.to_owned(),
        }
    }
}

/// The (server URL, user) of an account: how user-data tables name it (reset.rs).
pub(crate) async fn account_key(
    conn: &mut SqliteConnection,
    account_id: i64,
) -> Result<(String, String), CoreError> {
    sqlx::query_as("SELECT server_url, username FROM account WHERE id = ?1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| CoreError::InvalidInput(format!("no account with id {account_id}")))
}

/// Writes the sync key of one collection ('' = the folder hierarchy) inside a transaction.
pub(crate) async fn write_sync_key(
    conn: &mut SqliteConnection,
    account_id: i64,
    collection: &str,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sync_state (account_id, collection, sync_key) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id, collection) DO UPDATE
            SET sync_key = excluded.sync_key,
                updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
    )
    .bind(account_id)
    .bind(collection)
    .bind(key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A folder as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderRow {
    pub server_id: String,
    pub parent_id: String,
    pub display_name: String,
    pub folder_type: i64,
    /// `None` while no mail Sync has counted the folder.
    pub unread: Option<u32>,
}

/// One change to the folder hierarchy, from FolderSync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderChange {
    Upsert {
        server_id: String,
        parent_id: String,
        display_name: String,
        folder_type: i64,
    },
    Delete {
        server_id: String,
    },
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, CoreError> {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|source| CoreError::Io {
                    context: format!("creating {}", dir.display()),
                    source,
                })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        Self::with_options(options, 4).await
    }

    /// An in-memory database, for tests.
    pub async fn open_in_memory() -> Result<Store, CoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        // One connection: every connection to ":memory:" is its own database.
        Self::with_options(options, 1).await
    }

    async fn with_options(options: SqliteConnectOptions, max: u32) -> Result<Store, CoreError> {
        if max > 1 {
            // One connection alone first switches a new database to WAL and migrates it. A
            // pool opens its connections side by side, and two connections switching the same
            // new file to WAL deadlock on the exclusive lock: SQLite answers one of them
            // "database is locked" at once, without waiting for `busy_timeout`.
            let mut first = SqliteConnection::connect_with(&options).await?;
            migrate(&mut first).await?;
            first.close().await?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await?;
        if max == 1 {
            migrate(&mut *pool.acquire().await?).await?;
        }
        let writer = if max > 1 {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                // 8 MiB for the pages a sync batch touches (SQLite's default: 2 MB), and
                // a checkpoint after 10,000 WAL pages (40 MB) instead of 1,000: a page that
                // several batches change in a row is copied into the database file once.
                // Store bench, 100,000 messages in random date order: ~17,500 → ~25,000 msgs/s.
                .connect_with(
                    options
                        .pragma("cache_size", "-8192")
                        .pragma("wal_autocheckpoint", "10000"),
                )
                .await?
        } else {
            pool.clone()
        };
        Ok(Store {
            pool,
            writer,
            local_zone: Arc::new(RwLock::new(Zone::Utc)),
            // One stored permit: an indexer started later still sees that there may be work.
            index_work: {
                let n = Arc::new(tokio::sync::Notify::new());
                n.notify_one();
                n
            },
        })
    }

    /// Sets the zone floating and all-day event times are placed in (the user's zone; UTC
    /// until set). Takes effect for the next event write or materialisation.
    pub fn set_local_zone(&self, zone: Zone) {
        match self.local_zone.write() {
            Ok(mut z) => *z = zone,
            Err(poisoned) => *poisoned.into_inner() = zone,
        }
    }

    /// The zone set by [`Store::set_local_zone`].
    pub fn local_zone(&self) -> Zone {
        match self.local_zone.read() {
            Ok(z) => z.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Begins a write transaction with `BEGIN IMMEDIATE`: the write lock is taken up front, so
    /// a transaction that reads before it writes waits (`busy_timeout`) for another writer
    /// instead of failing with SQLITE_BUSY when it upgrades from a stale read snapshot (WAL).
    pub async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.writer
            .begin_with(sqlx::AssertSqlSafe("BEGIN IMMEDIATE"))
            .await
    }

    /// Tells the search indexer that messages may wait for it.
    pub(crate) fn index_wanted(&self) {
        self.index_work.notify_one();
    }

    /// Resolves when messages may wait for the search indexer (at once if that was signalled
    /// since the last call). One waiter at a time: the app runs one indexer.
    pub async fn index_work(&self) {
        self.index_work.notified().await;
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// Inserts the account or updates what the server negotiated; returns its id.
    pub async fn upsert_account(
        &self,
        server_url: &str,
        username: &str,
        protocol_version: &str,
        policy_key: &str,
    ) -> Result<i64, CoreError> {
        let row = sqlx::query(
            "INSERT INTO account (server_url, username, protocol_version, policy_key)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (server_url, username) DO UPDATE
                SET protocol_version = excluded.protocol_version,
                    policy_key = excluded.policy_key
             RETURNING id",
        )
        .bind(server_url)
        .bind(username)
        .bind(protocol_version)
        .bind(policy_key)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// Stores who the user is on the server: mail addresses (primary first) and display name.
    pub async fn set_account_identity(
        &self,
        account_id: i64,
        addresses: &[String],
        display_name: &str,
    ) -> Result<(), CoreError> {
        sqlx::query("UPDATE account SET addresses = ?2, display_name = ?3 WHERE id = ?1")
            .bind(account_id)
            .bind(serde_json::to_string(addresses).unwrap_or_else(|_| "[]".to_owned()))
            .bind(display_name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user's mail addresses (primary first) and display name, as the server reported
    /// them; empty when it was not asked yet.
    pub async fn account_identity(
        &self,
        account_id: i64,
    ) -> Result<(Vec<String>, String), CoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT addresses, display_name FROM account WHERE id = ?1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((addresses, name)) = row else {
            return Ok((Vec::new(), String::new()));
        };
        let addresses = serde_json::from_str(&addresses).map_err(|e| {
            CoreError::InvalidInput(format!("stored account addresses are not valid: {e}"))
        })?;
        Ok((addresses, name))
    }

    /// The id of a known account.
    pub async fn account_id(
        &self,
        server_url: &str,
        username: &str,
    ) -> Result<Option<i64>, CoreError> {
        let id =
            sqlx::query_scalar("SELECT id FROM account WHERE server_url = ?1 AND username = ?2")
                .bind(server_url)
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        Ok(id)
    }

    /// Removes an account and everything mirrored for it.
    pub async fn delete_account(&self, account_id: i64) -> Result<(), CoreError> {
        sqlx::query("DELETE FROM account WHERE id = ?1")
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The current FolderSync key ("0" when the hierarchy was never synced).
    pub async fn folder_sync_key(&self, account_id: i64) -> Result<String, CoreError> {
        let key: Option<String> = sqlx::query_scalar(
            "SELECT sync_key FROM sync_state WHERE account_id = ?1 AND collection = ?2",
        )
        .bind(account_id)
        .bind(HIERARCHY)
        .fetch_optional(&self.pool)
        .await?;
        Ok(key.unwrap_or_else(|| "0".to_owned()))
    }

    /// Applies one FolderSync answer: the changes and the new key in one transaction. With
    /// `full` (an initial sync, SyncKey 0) the stored hierarchy is replaced, not merged.
    pub async fn apply_folder_sync(
        &self,
        account_id: i64,
        new_key: &str,
        full: bool,
        changes: &[FolderChange],
    ) -> Result<(), CoreError> {
        let mut tx = self.begin_write().await?;
        if full {
            sqlx::query("DELETE FROM folder WHERE account_id = ?1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
        }
        for change in changes {
            match change {
                FolderChange::Upsert {
                    server_id,
                    parent_id,
                    display_name,
                    folder_type,
                } => {
                    sqlx::query(
                        "INSERT INTO folder (account_id, server_id, parent_id, display_name, folder_type)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (account_id, server_id) DO UPDATE
                            SET parent_id = excluded.parent_id,
                                display_name = excluded.display_name,
                                folder_type = excluded.folder_type",
                    )
                    .bind(account_id)
                    .bind(server_id)
                    .bind(parent_id)
                    .bind(display_name)
                    .bind(folder_type)
                    .execute(&mut *tx)
                    .await?;
                }
                FolderChange::Delete { server_id } => {
                    sqlx::query("DELETE FROM folder WHERE account_id = ?1 AND server_id = ?2")
                        .bind(account_id)
                        .bind(server_id)
                        .execute(&mut *tx)
                        .await?;
                    // The folder's Sync key goes with it (MS-ASCMD 2.2.1.5: a re-created
                    // folder starts from SyncKey 0).
                    sqlx::query(
                        "DELETE FROM sync_state WHERE account_id = ?1 AND collection IN (?2, ?3)",
                    )
                    .bind(account_id)
                    .bind(server_id)
                    .bind(messages::resync_marker(server_id))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        // Mail of folders that no longer exist goes with them (no foreign key: a full
        // FolderSync replaces the hierarchy row by row and must not cascade).
        sqlx::query(
            "DELETE FROM message AS m WHERE m.account_id = ?1 AND NOT EXISTS
                (SELECT 1 FROM folder f WHERE f.account_id = m.account_id
                 AND f.server_id = m.folder_id)",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        write_sync_key(&mut tx, account_id, HIERARCHY, new_key).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The stored folder hierarchy, ordered by name.
    pub async fn folders(&self, account_id: i64) -> Result<Vec<FolderRow>, CoreError> {
        let rows = sqlx::query(
            "SELECT server_id, parent_id, display_name, folder_type, unread_count
             FROM folder WHERE account_id = ?1 ORDER BY display_name COLLATE NOCASE, server_id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let unread: i64 = r.get(4);
                FolderRow {
                    server_id: r.get(0),
                    parent_id: r.get(1),
                    display_name: r.get(2),
                    folder_type: r.get(3),
                    unread: u32::try_from(unread).ok(),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(id: &str, parent: &str, name: &str, ty: i64) -> FolderChange {
        FolderChange::Upsert {
            server_id: id.into(),
            parent_id: parent.into(),
            display_name: name.into(),
            folder_type: ty,
        }
    }

    #[tokio::test]
    async fn folder_sync_is_applied_with_its_key() {
        let store = Store::open_in_memory().await.unwrap();
        let acc = store
            .upsert_account("https://h/", "alice", "14.1", "")
            .await
            .unwrap();
        assert_eq!(store.folder_sync_key(acc).await.unwrap(), "0");
        store
            .apply_folder_sync(
                acc,
                "1",
                true,
                &[up("1", "0", "Inbox", 2), up("2", "1", "Sub", 12)],
            )
            .await
            .unwrap();
        assert_eq!(store.folder_sync_key(acc).await.unwrap(), "1");
        let names: Vec<_> = store
            .folders(acc)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.display_name)
            .collect();
        assert_eq!(names, ["Inbox", "Sub"]);

        store
            .apply_folder_sync(
                acc,
                "2",
                false,
                &[
                    FolderChange::Delete {
                        server_id: "2".into(),
                    },
                    up("1", "0", "Posteingang", 2),
                ],
            )
            .await
            .unwrap();
        let folders = store.folders(acc).await.unwrap();
        assert_eq!(folders.len(), 1);
        assert_eq!(folders[0].display_name, "Posteingang");
        assert_eq!(folders[0].unread, None);
        assert_eq!(store.folder_sync_key(acc).await.unwrap(), "2");
    }

    #[tokio::test]
    async fn a_failed_write_keeps_the_old_key_and_folders() {
        let store = Store::open_in_memory().await.unwrap();
        let acc = store
            .upsert_account("https://h/", "alice", "14.1", "")
            .await
            .unwrap();
        store
            .apply_folder_sync(acc, "1", true, &[up("1", "0", "Inbox", 2)])
            .await
            .unwrap();
        // An unknown account id violates the foreign key half-way through: nothing may stick.
        let err = store
            .apply_folder_sync(acc + 99, "7", true, &[up("9", "0", "X", 12)])
            .await;
        assert!(err.is_err());
        assert_eq!(store.folder_sync_key(acc).await.unwrap(), "1");
        assert_eq!(store.folders(acc).await.unwrap().len(), 1);
        assert_eq!(store.folder_sync_key(acc + 99).await.unwrap(), "0");
    }

    #[tokio::test]
    async fn reopening_a_file_keeps_data_and_migrations_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let store = Store::open(&path).await.unwrap();
        let acc = store
            .upsert_account("https://h/", "alice", "14.1", "")
            .await
            .unwrap();
        store
            .apply_folder_sync(acc, "5", true, &[up("1", "0", "Inbox", 2)])
            .await
            .unwrap();
        store.close().await;
        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.folder_sync_key(acc).await.unwrap(), "5");
        let acc2 = store
            .upsert_account("https://h/", "alice", "14.0", "k")
            .await
            .unwrap();
        assert_eq!(acc, acc2);
    }
}
