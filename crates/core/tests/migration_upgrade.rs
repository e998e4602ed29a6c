//! A database written by release 1 (schema 0001 only, `tests/fixtures/release1.sqlite`, made by
//! `tests/fixtures/make_release1.rs`) opened by the current store: every row kept, the new
//! tables there and usable, `PRAGMA integrity_check` ok.

use chrono::{TimeZone, Utc};
use kontor_core::store::{Address, MailBatch, MailChange, MessageData, OutboxOp, Store};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/release1.sqlite"
);

async fn scalar_i64(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_release_1_database_is_upgraded_in_place_without_losing_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontor.db");
    std::fs::copy(FIXTURE, &path).unwrap();

    // Before: release 1 knows one migration.
    {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(versions, [1]);
        conn.close().await.unwrap();
    }

    let store = Store::open(&path).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions.first(), Some(&1));
    assert!(versions.contains(&2), "{versions:?}");

    // Rows of release 1, unchanged.
    let alice = store
        .account_id(
            "https://mail.example.test/Microsoft-Server-ActiveSync",
            "alice",
        )
        .await
        .unwrap();
    assert_eq!(alice, Some(1));
    let folders = store.folders(1).await.unwrap();
    let names: Vec<&str> = folders.iter().map(|f| f.display_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Gesendete Elemente",
            "Kalender",
            "Posteingang",
            "Rechnungen für 2025"
        ]
    );
    assert_eq!(folders[2].unread, Some(4));
    assert_eq!(store.folder_sync_key(1).await.unwrap(), "7");
    assert_eq!(
        store.sync_key(1, "1").await.unwrap(),
        "{5B3E2F1A-0000-0000-0000-000000000001}12"
    );
    assert_eq!(store.folders(2).await.unwrap().len(), 1);
    let lang: String = sqlx::query_scalar("SELECT value FROM setting WHERE key = 'ui.language'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(lang, "\"de\"");
    assert_eq!(scalar_i64(&store, "SELECT count(*) FROM setting").await, 2);

    // The new tables exist and work on the upgraded file.
    for table in [
        "message",
        "message_body",
        "attachment",
        "message_fts",
        "message_tri",
        "calendar",
        "event",
        "occurrence",
        "outbox",
        "quarantine",
    ] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = ?1")
            .bind(table)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 1, "table {table} missing");
    }
    let batch = MailBatch {
        sync_key: "13".into(),
        changes: vec![MailChange::Upsert(MessageData {
            server_id: "1:1".into(),
            subject: "Grüße nach dem Update".into(),
            from: Address::new("Bob", "bob@kontor.test"),
            date: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            ..MessageData::default()
        })],
        complete: true,
    };
    store.apply_mail_batch(1, "1", &batch).await.unwrap();
    assert_eq!(store.search("gruesse", 10).await.unwrap().len(), 1);
    store
        .enqueue(
            1,
            &OutboxOp::MarkRead {
                folder_id: "1".into(),
                server_id: "1:1".into(),
                read: true,
            },
        )
        .await
        .unwrap();

    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let fk: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(fk.is_empty(), "{fk:?}");
    store.close().await;

    // Opening again applies nothing twice.
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.search("gruesse", 10).await.unwrap().len(), 1);
    store.close().await;
}
