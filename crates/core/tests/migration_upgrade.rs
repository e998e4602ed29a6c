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

/// A new database at `path` with the migrations up to `version` only.
async fn database_at(path: &std::path::Path, version: i64) -> sqlx::SqlitePool {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
    kontor_core::store::MIGRATOR
        .run_to(version, &pool)
        .await
        .unwrap();
    pool
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

/// A database at schema 0003 with cached mail and the word index of that schema (positions,
/// prefix indexes): opening it with the current store rebuilds the search index in the
/// background way (migration 0004). Every message starts unindexed and is found at once by
/// reading it directly, the indexer then fills the new indexes, and the answers stay the same.
#[tokio::test]
async fn a_schema_3_database_with_mail_gets_the_background_search_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontor.db");
    {
        let pool = database_at(&path, 3).await;
        for sql in [
            "INSERT INTO account (id, server_url, username) VALUES
                (1, 'https://mail.example.test/Microsoft-Server-ActiveSync', 'alice')",
            "INSERT INTO message (id, account_id, folder_id, server_id, subject, from_name,
                from_addr, date, preview) VALUES
                (100, 1, '1', '1:1', 'Grüße aus der Hauptstraße', 'Jürgen Müller',
                    'juergen@kontor-beispiel.de', 1700000000, 'Bis bald'),
                (200, 1, '1', '1:2', 'Rechnung 2025', 'Buchhaltung', 'rechnung@example.test',
                    1710000000, 'Anbei die Rechnung'),
                (300, 1, '1', '1:3', 'Protokoll', 'Erin', 'erin@example.test', 1720000000,
                    'Kurzfassung')",
            "INSERT INTO message_body (message_id, kind, text) VALUES
                (300, 'plain', 'Das Zahlungsziel wurde verlängert')",
            // What schema 0003's store wrote: folded text in both indexes.
            "INSERT INTO message_fts (rowid, subject, addresses, body) VALUES
                (100, 'grusse aus der hauptstrasse', 'jurgen muller jurgen@kontor-beispiel.de',
                    'bis bald'),
                (200, 'rechnung 2025', 'buchhaltung rechnung@example.test',
                    'anbei die rechnung'),
                (300, 'protokoll', 'erin erin@example.test', 'das zahlungsziel wurde verlangert')",
            "INSERT INTO message_tri (rowid, subject, addresses) VALUES
                (100, 'grusse aus der hauptstrasse', 'jurgen muller jurgen@kontor-beispiel.de'),
                (200, 'rechnung 2025', 'buchhaltung rechnung@example.test'),
                (300, 'protokoll', 'erin erin@example.test')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }

    let store = Store::open(&path).await.unwrap();
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    let fts_sql: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'message_fts'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    // Positions (FTS5's default detail, for phrases: migration 0010), no prefix indexes.
    assert!(!fts_sql.contains("detail"), "{fts_sql}");
    assert!(!fts_sql.contains("prefix"), "{fts_sql}");
    assert_eq!(store.unindexed_count().await.unwrap(), 3);
    assert_eq!(
        scalar_i64(&store, "SELECT count(*) FROM message_fts").await,
        0,
        "the old entries went with the old index"
    );

    let server_ids = |rows: Vec<kontor_core::store::MessageRow>| {
        rows.into_iter().map(|m| m.server_id).collect::<Vec<_>>()
    };
    let queries = [
        ("gruesse", vec!["1:1"]),
        ("strasse", vec!["1:1"]),
        ("mueller", vec!["1:1"]),
        ("ontor-beisp", vec!["1:1"]),
        ("rechnung", vec!["1:2"]),
        ("zahlungsziel verlaengert", vec!["1:3"]),
        ("example", vec!["1:3", "1:2"]),
        ("nichts", vec![]),
    ];
    // Before the indexer ran: read directly.
    for (q, want) in &queries {
        assert_eq!(&server_ids(store.search(q, 10).await.unwrap()), want, "{q}");
    }
    assert_eq!(store.index_pending(2).await.unwrap(), 2);
    assert_eq!(store.unindexed_count().await.unwrap(), 1);
    // Half indexed (the two newest), then complete.
    for (q, want) in &queries {
        assert_eq!(&server_ids(store.search(q, 10).await.unwrap()), want, "{q}");
    }
    assert_eq!(store.index_pending(10).await.unwrap(), 1);
    assert_eq!(store.index_pending(10).await.unwrap(), 0);
    for (q, want) in &queries {
        assert_eq!(&server_ids(store.search(q, 10).await.unwrap()), want, "{q}");
    }
    assert_eq!(
        scalar_i64(
            &store,
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'zahlungsziel'"
        )
        .await,
        1
    );
    for sql in [
        "INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 0)",
        "INSERT INTO message_tri (message_tri, rank) VALUES ('integrity-check', 0)",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(check, "ok");
    store.close().await;
}

/// A database at schema 0011 with indexed mail: migration 0012 lists the words its word index
/// holds, so a typed prefix is expanded to them at once (no re-indexing), and the words of
/// messages indexed afterwards join them.
#[tokio::test]
async fn a_schema_11_database_gets_the_words_of_its_index_for_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontor.db");
    let key = |secs: i64| secs << 20;
    {
        let pool = database_at(&path, 11).await;
        sqlx::query(
            "INSERT INTO account (id, server_url, username) VALUES
                (1, 'https://mail.example.test/Microsoft-Server-ActiveSync', 'alice')",
        )
        .execute(&pool)
        .await
        .unwrap();
        let secs = 1_710_000_000;
        sqlx::query(
            "INSERT INTO message (id, sort_key, account_id, folder_id, server_id, subject,
                from_addr, date, indexed)
             VALUES (1, ?1, 1, '1', '1:1', 'Rechnung Projekt', 'buchhaltung@example.test', ?2, 1)",
        )
        .bind(key(secs))
        .bind(secs)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO message_fts (rowid, subject, addresses, body)
             VALUES (?1, 'rechnung projekt', 'buchhaltung@example.test', 'zahlungsziel')",
        )
        .bind(key(secs))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }

    let store = Store::open(&path).await.unwrap();
    let terms: Vec<String> = sqlx::query_scalar("SELECT term FROM search_term ORDER BY term")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(
        terms,
        [
            "buchhaltung",
            "example",
            "projekt",
            "rechnung",
            "test",
            "zahlungsziel"
        ]
    );
    assert_eq!(
        store.unindexed_count().await.unwrap(),
        0,
        "nothing re-indexed"
    );
    let subjects = |rows: Vec<kontor_core::store::MessageRow>| {
        rows.into_iter().map(|m| m.subject).collect::<Vec<_>>()
    };
    // Found through the index (the message is indexed) by prefixes of its words.
    assert_eq!(
        subjects(store.search("zahl", 10).await.unwrap()),
        ["Rechnung Projekt"]
    );
    assert_eq!(
        subjects(store.search("\"rechnung proj", 10).await.unwrap()),
        ["Rechnung Projekt"]
    );
    store.close().await;
}

/// A database at schema 0004 with indexed mail (ids that are date-ordered keys): migration
/// 0005 keeps every index entry valid (`sort_key = id`; 0010 then re-indexes), a new message is
/// appended with the next id and a date-ordered sort key, and deleting or changing an old
/// message takes its entries out of both indexes (the triggers).
#[tokio::test]
async fn a_schema_4_database_keeps_its_search_index_with_sort_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontor.db");
    let key = |secs: i64| secs << 20;
    {
        let pool = database_at(&path, 4).await;
        sqlx::query(
            "INSERT INTO account (id, server_url, username) VALUES
                (1, 'https://mail.example.test/Microsoft-Server-ActiveSync', 'alice')",
        )
        .execute(&pool)
        .await
        .unwrap();
        for (secs, server_id, subject, addr) in [
            (
                1_700_000_000,
                "1:1",
                "grusse aus der hauptstrasse",
                "jurgen@kontor-beispiel.de",
            ),
            (
                1_710_000_000,
                "1:2",
                "rechnung 2025",
                "rechnung@example.test",
            ),
        ] {
            sqlx::query(
                "INSERT INTO message (id, account_id, folder_id, server_id, subject, from_addr,
                    date, indexed) VALUES (?1, 1, '1', ?2, ?3, ?4, ?5, 1)",
            )
            .bind(key(secs))
            .bind(server_id)
            .bind(subject)
            .bind(addr)
            .bind(secs)
            .execute(&pool)
            .await
            .unwrap();
            for sql in [
                "INSERT INTO message_fts (rowid, subject, addresses, body) VALUES (?1, ?2, ?3, '')",
                "INSERT INTO message_tri (rowid, subject, addresses) VALUES (?1, ?2, ?3)",
            ] {
                sqlx::query(sql)
                    .bind(key(secs))
                    .bind(subject)
                    .bind(addr)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        }
        pool.close().await;
    }

    let store = Store::open(&path).await.unwrap();
    // 0005 left the entries valid; 0010 rebuilds both indexes (positions for phrases), so the
    // messages wait for the indexer and are found meanwhile by reading them.
    assert_eq!(
        store.unindexed_count().await.unwrap(),
        2,
        "re-indexed for migration 0010"
    );
    assert_eq!(
        scalar_i64(&store, "SELECT count(*) FROM message WHERE sort_key = id").await,
        2
    );
    assert_eq!(
        scalar_i64(
            &store,
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'grusse'"
        )
        .await,
        0
    );
    while store.index_pending(10).await.unwrap() > 0 {}
    let subjects = |rows: Vec<kontor_core::store::MessageRow>| {
        rows.into_iter().map(|m| m.subject).collect::<Vec<_>>()
    };
    assert_eq!(
        subjects(store.search("gruesse", 10).await.unwrap()),
        ["grusse aus der hauptstrasse"]
    );
    assert_eq!(
        subjects(store.search("example", 10).await.unwrap()),
        ["rechnung 2025"]
    );

    // A new message dated between the two: appended (next id), sorted by date.
    let mid = Utc.timestamp_opt(1_705_000_000, 0).unwrap();
    store
        .apply_mail_batch(
            1,
            "1",
            &MailBatch {
                sync_key: "k5".into(),
                changes: vec![MailChange::Upsert(MessageData {
                    server_id: "1:3".into(),
                    subject: "Rechnung Januar".into(),
                    from: Address::new("Buchhaltung", "buchhaltung@example.test"),
                    date: mid,
                    ..MessageData::default()
                })],
                complete: false,
            },
        )
        .await
        .unwrap();
    let (id, sort_key): (i64, i64) =
        sqlx::query_as("SELECT id, sort_key FROM message WHERE server_id = '1:3'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(id, key(1_710_000_000) + 1, "appended after the highest id");
    assert_eq!(sort_key, key(1_705_000_000));
    while store.index_pending(10).await.unwrap() > 0 {}
    assert_eq!(
        subjects(store.search("rechnung", 10).await.unwrap()),
        ["rechnung 2025", "Rechnung Januar"],
        "newest first by date, not by id"
    );

    // The server deletes an old message and changes the other's subject: their old entries
    // leave both indexes.
    store
        .apply_mail_batch(
            1,
            "1",
            &MailBatch {
                sync_key: "k6".into(),
                changes: vec![
                    MailChange::Delete {
                        server_id: "1:2".into(),
                    },
                    MailChange::Upsert(MessageData {
                        server_id: "1:1".into(),
                        subject: "Neuer Betreff".into(),
                        from: Address::new("", "jurgen@kontor-beispiel.de"),
                        date: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
                        ..MessageData::default()
                    }),
                ],
                complete: false,
            },
        )
        .await
        .unwrap();
    for (table, q) in [
        ("message_fts", "rechnung"),
        ("message_tri", "example"),
        ("message_fts", "hauptstrasse"),
        ("message_tri", "hauptstrasse"),
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE {table} MATCH ?1 AND rowid IN (?2, ?3)"
        )))
        .bind(q)
        .bind(key(1_700_000_000))
        .bind(key(1_710_000_000))
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(
            n, 0,
            "{table} still has {q:?} of a deleted or changed message"
        );
    }
    while store.index_pending(10).await.unwrap() > 0 {}
    assert_eq!(
        subjects(store.search("rechnung", 10).await.unwrap()),
        ["Rechnung Januar"]
    );
    assert_eq!(
        subjects(store.search("betreff", 10).await.unwrap()),
        ["Neuer Betreff"]
    );
    assert!(store.search("hauptstrasse", 10).await.unwrap().is_empty());
    for sql in [
        "INSERT INTO message_fts (message_fts, rank) VALUES ('integrity-check', 0)",
        "INSERT INTO message_tri (message_tri, rank) VALUES ('integrity-check', 0)",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    store.close().await;
}

/// A database migrated with the released text of a migration whose comments were edited later
/// opens: its recorded checksum is brought up to the current one. One recording neither the
/// released nor the current text is still refused, as sqlx intends.
#[tokio::test]
async fn a_database_migrated_before_a_comment_only_edit_still_opens() {
    use kontor_core::store::{EDITED_MIGRATIONS, MIGRATOR};
    let hex = |h: &str| -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    };
    let checksum_of = |v: i64| -> Vec<u8> {
        MIGRATOR
            .iter()
            .find(|m| m.version == v)
            .unwrap()
            .checksum
            .to_vec()
    };
    let dir = tempfile::tempdir().unwrap();

    // As released: the records hold the checksums of the texts before the edit.
    let path = dir.path().join("released.db");
    let pool = database_at(&path, 4).await;
    for (version, released) in EDITED_MIGRATIONS {
        assert_ne!(
            hex(released),
            checksum_of(*version),
            "migration {version} was not edited"
        );
        sqlx::query("UPDATE _sqlx_migrations SET checksum = ?1 WHERE version = ?2")
            .bind(hex(released))
            .bind(version)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let store = Store::open(&path).await.unwrap();
    for (version, _) in EDITED_MIGRATIONS {
        let recorded: Vec<u8> =
            sqlx::query_scalar("SELECT checksum FROM _sqlx_migrations WHERE version = ?1")
                .bind(version)
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(recorded, checksum_of(*version), "migration {version}");
    }
    let top = scalar_i64(&store, "SELECT MAX(version) FROM _sqlx_migrations").await;
    assert_eq!(top, MIGRATOR.iter().map(|m| m.version).max().unwrap());
    drop(store);

    // Changed by something else: refused.
    let path = dir.path().join("tampered.db");
    let pool = database_at(&path, 4).await;
    sqlx::query("UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 3")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(Store::open(&path).await.is_err());
}
