//! Which tables hold user data rather than a server mirror (the "reset class" of every table,
//! docs/CONVENTIONS.md#cache-vs-user-data), and carrying that data from an old database into a fresh
//! one, which `kontor --reset-profile` does (`reset.rs`).
//!
//! User-data tables must not reference cache tables with foreign keys (the cache is emptied):
//! they name an account by server URL and user, an item by its server id.

use std::path::Path;

use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

/// How a user-data table is treated by a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserData {
    /// Always carried into the fresh database.
    Kept,
    /// Pending local changes: carried unless the reset discards the outbox.
    Outbox,
}

/// A table holding user data rather than a server mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserDataTable {
    pub name: &'static str,
    pub kind: UserData,
}

/// Every table whose rows are user data (docs/CONVENTIONS.md#cache-vs-user-data). Everything else in
/// the database is a server mirror that a reset rebuilds. A migration that adds a table adds it
/// here or to the cache list in this module's tests, which fail until it is classified.
/// `outbox` is the name reserved for the pending-changes table.
pub const USER_DATA_TABLES: &[UserDataTable] = &[
    UserDataTable {
        name: "setting",
        kind: UserData::Kept,
    },
    UserDataTable {
        name: "outbox",
        kind: UserData::Outbox,
    },
    // Reminder snooze/dismiss state, the per-calendar "remind me" switch and the scheduler's
    // marks (migrations/0003_reminders.sql): a dismissed occurrence never fires again, also
    // after a reset (docs/reminders.md#window-semantics).
    UserDataTable {
        name: "reminder_ack",
        kind: UserData::Kept,
    },
    UserDataTable {
        name: "reminder_calendar",
        kind: UserData::Kept,
    },
    UserDataTable {
        name: "reminder_meta",
        kind: UserData::Kept,
    },
];

#[cfg(test)]
impl super::Store {
    /// The number of rows in `table` (a name from the schema, not from input), for tests.
    pub(crate) async fn row_count(&self, table: &str) -> Result<i64, crate::error::CoreError> {
        Ok(
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// What carrying one user-data table into the fresh database did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    /// Rows copied; `dropped` names the old table's columns the current schema no longer has.
    Copied { rows: u64, dropped: Vec<String> },
    /// The outbox was left behind on request; this many rows are only in the old database.
    Discarded { rows: u64 },
    /// The current schema has no such table; the rows are only in the old database.
    NoSuchTable,
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Copies the user-data tables from the database at `old` into the connection's database, in
/// one transaction, and says per table what happened (a table the old database lacks is left
/// out). `discard_outbox` leaves the outbox behind. An error means the old database could not
/// be read (nothing was copied).
pub async fn carry_user_data(
    conn: &mut SqliteConnection,
    old: &Path,
    discard_outbox: bool,
) -> Result<Vec<(&'static str, Carried)>, sqlx::Error> {
    let old = old.to_str().ok_or_else(|| {
        sqlx::Error::Configuration("the profile path is not valid Unicode".into())
    })?;
    sqlx::query("ATTACH DATABASE ?1 AS old")
        .bind(old)
        .execute(&mut *conn)
        .await?;
    let result = carry_attached(conn, discard_outbox).await;
    // Detaching can only fail if a transaction is still open, which carry_attached prevents.
    let _ = sqlx::query("DETACH DATABASE old").execute(&mut *conn).await;
    result
}

async fn columns(
    conn: &mut SqliteConnection,
    schema: &str,
    table: &str,
) -> Result<Vec<String>, sqlx::Error> {
    // The table-valued pragma takes the schema as its last argument.
    sqlx::query_scalar("SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid")
        .bind(table)
        .bind(schema)
        .fetch_all(&mut *conn)
        .await
}

async fn carry_attached(
    conn: &mut SqliteConnection,
    discard_outbox: bool,
) -> Result<Vec<(&'static str, Carried)>, sqlx::Error> {
    let mut carried = Vec::new();
    let mut tx = conn.begin().await?;
    // Reading the old schema first turns "not a database" into an error here.
    let _: i64 = sqlx::query_scalar("SELECT count(*) FROM old.sqlite_master")
        .fetch_one(&mut *tx)
        .await?;
    for table in USER_DATA_TABLES {
        let old_cols = columns(&mut tx, "old", table.name).await?;
        if old_cols.is_empty() {
            continue; // not in this profile's database: nothing to keep
        }
        let from = format!("old.{}", quote(table.name));
        if discard_outbox && table.kind == UserData::Outbox {
            // Identifiers come from USER_DATA_TABLES and are quoted.
            let sql = format!("SELECT count(*) FROM {from}");
            let rows: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_one(&mut *tx)
                .await?;
            carried.push((
                table.name,
                Carried::Discarded {
                    rows: u64::try_from(rows).unwrap_or(0),
                },
            ));
            continue;
        }
        let new_cols = columns(&mut tx, "main", table.name).await?;
        if new_cols.is_empty() {
            carried.push((table.name, Carried::NoSuchTable));
            continue;
        }
        let shared: Vec<&String> = new_cols.iter().filter(|c| old_cols.contains(c)).collect();
        let dropped: Vec<String> = old_cols
            .iter()
            .filter(|c| !new_cols.contains(c))
            .cloned()
            .collect();
        let list = shared
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT OR REPLACE INTO main.{} ({list}) SELECT {list} FROM {from}",
            quote(table.name)
        );
        // Identifiers come from USER_DATA_TABLES and the schema, and are quoted.
        let done = sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        carried.push((
            table.name,
            Carried::Copied {
                rows: done.rows_affected(),
                dropped,
            },
        ));
    }
    tx.commit().await?;
    Ok(carried)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Cache tables of the current schema: rebuilt from the server after a reset.
    const CACHE_TABLES: &[&str] = &[
        "account",
        "folder",
        "sync_state",
        "message",
        "message_body",
        "attachment",
        "calendar",
        "event",
        "occurrence",
        "quarantine",
        // The words of the search index (migration 0012).
        "search_term",
    ];

    /// FTS5 indexes over the cache; their shadow tables (`<name>_data`, …) are cache too.
    const CACHE_INDEXES: &[&str] = &["message_fts", "message_tri"];

    #[tokio::test]
    async fn every_table_is_classified_and_user_data_has_no_foreign_keys() {
        let store = Store::open_in_memory().await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%'",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        for t in &tables {
            let user = USER_DATA_TABLES.iter().any(|u| u.name == t);
            let index = CACHE_INDEXES
                .iter()
                .any(|i| t == i || t.strip_prefix(i).is_some_and(|rest| rest.starts_with('_')));
            assert!(
                user || index || CACHE_TABLES.contains(&t.as_str()),
                "table {t} is neither in USER_DATA_TABLES nor a cache table: classify it"
            );
            if user {
                let fks: i64 =
                    sqlx::query_scalar("SELECT count(*) FROM pragma_foreign_key_list(?1)")
                        .bind(t)
                        .fetch_one(store.pool())
                        .await
                        .unwrap();
                assert_eq!(fks, 0, "user-data table {t} references the cache");
            }
        }
    }
}
