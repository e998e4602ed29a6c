//! Tests of the cache tables, the outbox and search on an in-memory database.

use chrono::{DateTime, TimeZone, Utc};

use super::*;

async fn store_with_account() -> (Store, i64) {
    let store = Store::open_in_memory().await.unwrap();
    let acc = store
        .upsert_account("https://h/Microsoft-Server-ActiveSync", "alice", "14.1", "")
        .await
        .unwrap();
    (store, acc)
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn msg(server_id: &str, subject: &str, date: DateTime<Utc>) -> MessageData {
    MessageData {
        server_id: server_id.into(),
        message_id: format!("<{server_id}@example.test>"),
        subject: subject.into(),
        from: Address::new("Jürgen Groß", "juergen@example.de"),
        to: vec![Address::new("Alice", "alice@kontor.test")],
        cc: vec![],
        reply_to: Vec::new(),
        date,
        preview: format!("preview of {subject}"),
        importance: 1,
        ..MessageData::default()
    }
}

fn batch(key: &str, changes: Vec<MailChange>) -> MailBatch {
    MailBatch {
        sync_key: key.into(),
        changes,
        complete: true,
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// `Store::search` with every message indexed, with only the newest one indexed and with
/// none (the indexer behind): all three must give the same answer, because the search reads
/// unindexed messages with the rules of the indexes (search.rs).
async fn search(store: &Store, q: &str, limit: u32) -> Vec<MessageRow> {
    let ids = |rows: &[MessageRow]| rows.iter().map(|m| m.id).collect::<Vec<_>>();
    index_all(store).await;
    let indexed = store.search(q, limit).await.unwrap();
    unindex_all(store).await;
    store.index_pending(1).await.unwrap();
    let partly = store.search(q, limit).await.unwrap();
    assert_eq!(ids(&partly), ids(&indexed), "{q:?}: newest message indexed");
    unindex_all(store).await;
    let scanned = store.search(q, limit).await.unwrap();
    assert_eq!(ids(&scanned), ids(&indexed), "{q:?}: nothing indexed");
    index_all(store).await;
    indexed
}

/// Empties both search indexes and marks every message for the indexer.
async fn unindex_all(store: &Store) {
    for sql in [
        "UPDATE message SET indexed = 0",
        "INSERT INTO message_fts (message_fts) VALUES ('delete-all')",
        "INSERT INTO message_tri (message_tri) VALUES ('delete-all')",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
}

/// Runs the indexer until no message waits for it.
async fn index_all(store: &Store) {
    while store.index_pending(1000).await.unwrap() > 0 {}
    assert_eq!(store.unindexed_count().await.unwrap(), 0);
}

#[tokio::test]
async fn reply_to_is_kept_and_follows_the_server() {
    let (store, acc) = store_with_account().await;
    let mut m = msg("1:1", "Jahresabrechnung", at(2026, 11, 30, 9));
    m.reply_to = vec![Address::new("", "zahlung@stadtwerke-rechnung.top")];
    store
        .apply_mail_batch(acc, "1", &batch("k1", vec![MailChange::Upsert(m.clone())]))
        .await
        .unwrap();
    let row = store
        .messages_page(acc, "1", None, 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(row.reply_to, m.reply_to);
    m.reply_to = Vec::new();
    store
        .apply_mail_batch(acc, "1", &batch("k2", vec![MailChange::Upsert(m)]))
        .await
        .unwrap();
    let row = store.message(row.id).await.unwrap().unwrap();
    assert!(row.reply_to.is_empty(), "{:?}", row.reply_to);
}

#[tokio::test]
async fn mail_batch_pages_newest_first_with_a_keyset_cursor() {
    let (store, acc) = store_with_account().await;
    let changes = (0..25)
        .map(|i| {
            MailChange::Upsert(msg(
                &format!("1:{i}"),
                &format!("m{i}"),
                at(2024, 1, 1 + i % 5, 8),
            ))
        })
        .collect();
    let out = store
        .apply_mail_batch(acc, "1", &batch("k1", changes))
        .await
        .unwrap();
    assert_eq!(out.added, 25);
    assert_eq!(store.sync_key(acc, "1").await.unwrap(), "k1");
    assert_eq!(store.sync_key(acc, "2").await.unwrap(), "0");

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.messages_page(acc, "1", cursor, 10).await.unwrap();
        if page.is_empty() {
            break;
        }
        cursor = page.last().map(MessageRow::cursor);
        seen.extend(page);
    }
    assert_eq!(seen.len(), 25);
    for pair in seen.windows(2) {
        assert!(
            (pair[0].date, pair[0].id) > (pair[1].date, pair[1].id),
            "not newest first: {:?} {:?}",
            pair[0].subject,
            pair[1].subject
        );
    }
    // Ids follow arrival (rows are appended), sort keys follow dates (the search order).
    let rows: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT id, sort_key, server_id FROM message ORDER BY sort_key DESC")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let by_key: Vec<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(by_key, seen.iter().map(|m| m.id).collect::<Vec<_>>());
    let mut by_arrival = rows.clone();
    by_arrival.sort_by_key(|r| r.0);
    let arrival: Vec<String> = by_arrival.into_iter().map(|r| r.2).collect();
    assert_eq!(
        arrival,
        (0..25).map(|i| format!("1:{i}")).collect::<Vec<_>>()
    );
    let first = &seen[0];
    assert_eq!(first.from.name, "Jürgen Groß");
    assert_eq!(first.to, vec![Address::new("Alice", "alice@kontor.test")]);
    assert_eq!(first.date, at(2024, 1, 5, 8).timestamp());
}

#[tokio::test]
async fn a_batch_applies_its_items_in_order() {
    // New messages of a batch are written together; every other change must still see the
    // ones before it, and ids of one second must stay distinct across batches.
    let (store, acc) = store_with_account().await;
    let noon = at(2024, 3, 1, 12);
    let first: Vec<MailChange> = (0..100)
        .map(|i| MailChange::Upsert(msg(&format!("1:{i}"), &format!("first {i}"), noon)))
        .collect();
    let out = store
        .apply_mail_batch(acc, "1", &batch("k1", first))
        .await
        .unwrap();
    assert_eq!(out.added, 100);
    let mut again = msg("1:200", "added twice", noon);
    let out = store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k2",
                vec![
                    MailChange::Upsert(msg("1:200", "added once", noon)),
                    MailChange::Flags {
                        server_id: "1:200".into(),
                        read: Some(true),
                        flag_status: None,
                    },
                    MailChange::Upsert({
                        again.flag_status = 2;
                        again.read = true;
                        again
                    }),
                    MailChange::Upsert(msg("1:201", "deleted later", noon)),
                    MailChange::Delete {
                        server_id: "1:201".into(),
                    },
                    MailChange::Delete {
                        server_id: "1:5".into(),
                    },
                    MailChange::Upsert(msg("1:5", "back again", noon)),
                    MailChange::Upsert(msg("1:6", "changed", noon)),
                    MailChange::Upsert(msg("1:202", "new", at(2024, 3, 2, 12))),
                ],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        BatchOutcome {
            added: 4,
            updated: 3,
            deleted: 2,
            kept_local: 0
        }
    );
    let page = store.messages_page(acc, "1", None, 500).await.unwrap();
    assert_eq!(page.len(), 102);
    let mut ids: Vec<i64> = page.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 102, "ids are distinct");
    let get = |sid: &str| page.iter().find(|m| m.server_id == sid).unwrap().clone();
    let twice = get("1:200");
    assert_eq!(twice.subject, "added twice");
    assert!(twice.read);
    assert_eq!(twice.flag_status, 2);
    assert!(page.iter().all(|m| m.server_id != "1:201"));
    assert_eq!(get("1:5").subject, "back again");
    assert_eq!(get("1:6").subject, "changed");
    assert_eq!(page[0].server_id, "1:202");
    // The index holds each message once, with its last text.
    assert_eq!(search(&store, "twice", 10).await.len(), 1);
    assert_eq!(search(&store, "once", 10).await.len(), 0);
    assert_eq!(search(&store, "later", 10).await.len(), 0);
    assert_eq!(search(&store, "first", 200).await.len(), 98);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'back'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_batch_that_fails_half_way_keeps_the_old_key_and_items() {
    let (store, acc) = store_with_account().await;
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("1:1", "old", at(2024, 2, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    // Any insert of a subject "boom" fails inside the database.
    sqlx::query(
        "CREATE TRIGGER boom BEFORE INSERT ON message WHEN NEW.subject = 'boom'
         BEGIN SELECT RAISE(ABORT, 'boom'); END",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let mut changed = msg("1:1", "changed", at(2024, 2, 1, 9));
    changed.read = true;
    let err = store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k2",
                vec![
                    MailChange::Upsert(changed),
                    MailChange::Upsert(msg("1:2", "new", at(2024, 2, 2, 9))),
                    MailChange::Upsert(msg("1:3", "boom", at(2024, 2, 3, 9))),
                ],
            ),
        )
        .await;
    assert!(err.is_err());
    assert_eq!(store.sync_key(acc, "1").await.unwrap(), "k1");
    let page = store.messages_page(acc, "1", None, 10).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].subject, "old");
    assert!(!page[0].read);
    assert_eq!(search(&store, "changed", 10).await.len(), 0);
    assert_eq!(search(&store, "old", 10).await.len(), 1);
}

#[tokio::test]
async fn server_changes_never_overwrite_a_pending_local_change() {
    let (store, acc) = store_with_account().await;
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("1:1", "hello", at(2024, 3, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    let op = store
        .enqueue(
            acc,
            &OutboxOp::MarkRead {
                folder_id: "1".into(),
                server_id: "1:1".into(),
                read: true,
            },
        )
        .await
        .unwrap();
    let m = store
        .message_by_server_id(acc, "1", "1:1")
        .await
        .unwrap()
        .unwrap();
    assert!(m.read);
    assert_eq!(m.local_state, messages::local::READ);

    // The server still says unread and changes the flag: the flag is taken, read is not.
    let out = store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k2",
                vec![MailChange::Flags {
                    server_id: "1:1".into(),
                    read: Some(false),
                    flag_status: Some(2),
                }],
            ),
        )
        .await
        .unwrap();
    assert_eq!(out.kept_local, 1);
    let mut full = msg("1:1", "hello again", at(2024, 3, 1, 9));
    full.read = false;
    full.flag_status = 2;
    store
        .apply_mail_batch(acc, "1", &batch("k3", vec![MailChange::Upsert(full)]))
        .await
        .unwrap();
    let m = store
        .message_by_server_id(acc, "1", "1:1")
        .await
        .unwrap()
        .unwrap();
    assert!(m.read, "local read kept");
    assert_eq!(m.flag_status, 2);
    assert_eq!(m.subject, "hello again");

    // Once the server confirmed it, server values apply again.
    store.mark_in_flight(op).await.unwrap();
    store.mark_done(op, &Done::default()).await.unwrap();
    let m = store
        .message_by_server_id(acc, "1", "1:1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.local_state, 0);
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k4",
                vec![MailChange::Flags {
                    server_id: "1:1".into(),
                    read: Some(false),
                    flag_status: None,
                }],
            ),
        )
        .await
        .unwrap();
    let m = store
        .message_by_server_id(acc, "1", "1:1")
        .await
        .unwrap()
        .unwrap();
    assert!(!m.read);
}

#[tokio::test]
async fn a_resync_from_zero_keeps_the_outbox_and_local_flags() {
    let (store, acc) = store_with_account().await;
    let changes = (1..=3)
        .map(|i| MailChange::Upsert(msg(&format!("1:{i}"), &format!("m{i}"), at(2024, 4, i, 9))))
        .collect();
    store
        .apply_mail_batch(acc, "1", &batch("k1", changes))
        .await
        .unwrap();
    store
        .enqueue(
            acc,
            &OutboxOp::Flag {
                folder_id: "1".into(),
                server_id: "1:2".into(),
                flag_status: 2,
            },
        )
        .await
        .unwrap();

    store.begin_mail_resync(acc, "1").await.unwrap();
    assert_eq!(store.sync_key(acc, "1").await.unwrap(), "0");
    // The server re-delivers only 1:1 (unflagged 1:2 and 1:3 are gone on the server side, in
    // two batches: nothing is removed before the last one).
    let first = MailBatch {
        sync_key: "r1".into(),
        changes: vec![MailChange::Upsert(msg("1:1", "m1", at(2024, 4, 1, 9)))],
        complete: false,
    };
    store.apply_mail_batch(acc, "1", &first).await.unwrap();
    assert_eq!(
        store.messages_page(acc, "1", None, 10).await.unwrap().len(),
        3
    );
    let out = store
        .apply_mail_batch(acc, "1", &batch("r2", vec![]))
        .await
        .unwrap();
    assert_eq!(out.deleted, 1, "1:3 went, 1:2 has a local change");
    let left: Vec<String> = store
        .messages_page(acc, "1", None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.server_id)
        .collect();
    assert_eq!(left, ["1:2", "1:1"]);
    let flagged = store
        .message_by_server_id(acc, "1", "1:2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(flagged.flag_status, 2);
    assert_eq!(store.outbox_unfinished().await.unwrap().len(), 1);
    assert_eq!(store.sync_key(acc, "1").await.unwrap(), "r2");
    // The re-sync is over: a later batch removes nothing it does not name.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM sync_state WHERE collection LIKE 'resync%'"
        )
        .await,
        0
    );
    let out = store
        .apply_mail_batch(acc, "1", &batch("r3", vec![]))
        .await
        .unwrap();
    assert_eq!(out.deleted, 0);
}

/// The words the indexer lists for prefix expansion (`search_term`, migration 0012) are the
/// words FTS5 itself made of the same text (its `fts5vocab` table): a word missing from the
/// list could not be found by a prefix of it; one FTS5 does not hold would find nothing.
#[tokio::test]
async fn the_word_list_for_prefixes_holds_exactly_the_words_of_the_index() {
    let (store, acc) = store_with_account().await;
    let subjects = [
        "Grüße aus der Hauptstraße",
        "RE: [Projekt] Rechnung Nr. 2025-17 (Entwurf)",
        "Ärger über Öl & Übermaß — ẞ",
        "x\u{24d0}y Straße_42 東京 Ⅻ café naïve Ørsted Łódź",
        "don't stop-me now! a.b@c.de info+tag@kontor-beispiel.de",
        "Ｆｕｌｌｗｉｄｔｈ ﬁle ǅ İstanbul ΣΊΣΥΦΟΣ",
    ];
    let changes = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut m = msg(&format!("1:{i}"), s, at(2024, 1, 1 + i as u32, 9));
            m.preview = format!("{s} — Vorschau, préview; 3,5 % über Plan");
            MailChange::Upsert(m)
        })
        .collect();
    store
        .apply_mail_batch(acc, "1", &batch("k1", changes))
        .await
        .unwrap();
    index_all(&store).await;
    let pool = store.pool();
    let list = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_all(pool)
            .await
            .unwrap()
    };
    let fts = list("SELECT term FROM message_fts_terms ORDER BY term").await;
    let ours = list("SELECT term FROM search_term ORDER BY term").await;
    assert!(fts.len() > 40, "{fts:?}");
    assert_eq!(ours, fts);
}

#[tokio::test]
async fn search_folds_german_spellings_and_finds_substrings_newest_first() {
    let (store, acc) = store_with_account().await;
    let mut a = msg("1:1", "Grüße aus der Hauptstraße", at(2023, 5, 1, 9));
    a.from = Address::new("Info", "info@kontor-beispiel.de");
    let b = msg("1:2", "Liebe gruesse, STRASSE gesperrt", at(2024, 5, 1, 9));
    let c = msg("1:3", "Meeting notes", at(2025, 5, 1, 9));
    let d = msg("1:4", "Grusse ohne Umlaut", at(2022, 5, 1, 9));
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![
                    MailChange::Upsert(a),
                    MailChange::Upsert(b),
                    MailChange::Upsert(c),
                    MailChange::Upsert(d),
                ],
            ),
        )
        .await
        .unwrap();
    let subjects =
        |rows: Vec<MessageRow>| rows.into_iter().map(|m| m.server_id).collect::<Vec<_>>();
    for q in ["gruesse", "Grüße", "grusse", "GRÜSSE"] {
        assert_eq!(
            subjects(search(&store, q, 10).await),
            ["1:2", "1:1", "1:4"],
            "{q}"
        );
    }
    for q in ["strasse", "Straße", "STRASSE"] {
        // "Hauptstraße" is found by the substring index, "STRASSE" by the word index.
        assert_eq!(subjects(search(&store, q, 10).await), ["1:2", "1:1"], "{q}");
    }
    assert_eq!(
        subjects(search(&store, "gru", 10).await),
        ["1:2", "1:1", "1:4"]
    );
    assert_eq!(subjects(search(&store, "gru", 2).await), ["1:2", "1:1"]);
    assert_eq!(subjects(search(&store, "beispiel", 10).await), ["1:1"]);
    assert_eq!(subjects(search(&store, "ontor-beisp", 10).await), ["1:1"]);
    assert_eq!(subjects(search(&store, "liebe strasse", 10).await), ["1:2"]);
    assert_eq!(
        subjects(search(&store, "juergen", 10).await),
        ["1:3", "1:2", "1:4"]
    );
    assert!(search(&store, "nothing-like-this", 10).await.is_empty());
    assert!(search(&store, "  \"* ", 10).await.is_empty());
    // A character Rust calls alphabetic but the index treats as a separator.
    assert_eq!(
        subjects(search(&store, "gr\u{24d0}ss", 10).await),
        Vec::<String>::new()
    );
    assert_eq!(
        subjects(search(&store, "gru\u{24d0}str", 10).await),
        ["1:2", "1:1"]
    );
    assert_eq!(subjects(search(&store, "preview notes", 10).await), ["1:3"]);

    // A locally deleted message disappears from search and lists at once.
    store
        .enqueue(
            acc,
            &OutboxOp::Delete {
                folder_id: "1".into(),
                server_id: "1:2".into(),
                permanent: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        subjects(search(&store, "gruesse", 10).await),
        ["1:1", "1:4"]
    );
    assert_eq!(
        store.messages_page(acc, "1", None, 10).await.unwrap().len(),
        3
    );
}

#[tokio::test]
async fn bodies_and_attachments_are_stored_and_indexed() {
    let (store, acc) = store_with_account().await;
    let mut m = msg("1:1", "Rechnung", at(2024, 6, 1, 9));
    m.has_attachments = true;
    m.attachments = vec![AttachmentMeta {
        file_reference: "1:1:att1".into(),
        name: "rechnung.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1234,
        content_id: String::new(),
        inline: false,
    }];
    store
        .apply_mail_batch(acc, "1", &batch("k1", vec![MailChange::Upsert(m.clone())]))
        .await
        .unwrap();
    // A second delivery does not duplicate attachment rows.
    store
        .apply_mail_batch(acc, "1", &batch("k2", vec![MailChange::Upsert(m)]))
        .await
        .unwrap();
    let row = store
        .message_by_server_id(acc, "1", "1:1")
        .await
        .unwrap()
        .unwrap();
    let atts = store.attachments(row.id).await.unwrap();
    assert_eq!(atts.len(), 1);
    assert_eq!(atts[0].local_path, "");
    store
        .set_attachment_path(atts[0].id, "attachments/1/rechnung.pdf")
        .await
        .unwrap();
    assert_eq!(
        store.attachments(row.id).await.unwrap()[0].local_path,
        "attachments/1/rechnung.pdf"
    );
    assert!(store.set_attachment_path(9999, "x").await.is_err());

    assert!(search(&store, "zahlungsziel", 10).await.is_empty());
    store
        .store_body(
            row.id,
            &BodyPart {
                kind: BodyKind::Html,
                text: "<p>Das Zahlungsziel ist <b>überschritten</b></p>".into(),
                data: vec![],
                truncated: false,
                total_size: 48,
            },
        )
        .await
        .unwrap();
    let row = store.message(row.id).await.unwrap().unwrap();
    assert_eq!(row.body_state, BodyState::Full);
    assert_eq!(search(&store, "zahlungsziel", 10).await.len(), 1);
    assert_eq!(search(&store, "ueberschritten", 10).await.len(), 1);
    let body = store.body(row.id, BodyKind::Html).await.unwrap().unwrap();
    assert!(body.text.contains("Zahlungsziel"));
    assert!(store.body(row.id, BodyKind::Plain).await.unwrap().is_none());
    assert!(
        store
            .store_body(
                424242,
                &BodyPart {
                    kind: BodyKind::Plain,
                    text: String::new(),
                    data: vec![],
                    truncated: false,
                    total_size: 0
                }
            )
            .await
            .is_err()
    );

    // Deleting the message on the server removes body, attachments and index entries.
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k3",
                vec![MailChange::Delete {
                    server_id: "1:1".into(),
                }],
            ),
        )
        .await
        .unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM message_body").await, 0);
    assert_eq!(count(&store, "SELECT count(*) FROM attachment").await, 0);
    assert!(search(&store, "rechnung", 10).await.is_empty());
}

#[tokio::test]
async fn a_deleted_folder_takes_its_mail_and_key_with_it() {
    let (store, acc) = store_with_account().await;
    store
        .apply_folder_sync(
            acc,
            "f1",
            true,
            &[
                FolderChange::Upsert {
                    server_id: "1".into(),
                    parent_id: "0".into(),
                    display_name: "Inbox".into(),
                    folder_type: 2,
                },
                FolderChange::Upsert {
                    server_id: "2".into(),
                    parent_id: "0".into(),
                    display_name: "Old".into(),
                    folder_type: 12,
                },
            ],
        )
        .await
        .unwrap();
    for f in ["1", "2"] {
        store
            .apply_mail_batch(
                acc,
                f,
                &batch(
                    "k1",
                    vec![MailChange::Upsert(msg(
                        &format!("{f}:1"),
                        "x",
                        at(2024, 1, 1, 1),
                    ))],
                ),
            )
            .await
            .unwrap();
    }
    store
        .apply_folder_sync(
            acc,
            "f2",
            false,
            &[FolderChange::Delete {
                server_id: "2".into(),
            }],
        )
        .await
        .unwrap();
    assert!(
        store
            .messages_page(acc, "2", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.messages_page(acc, "1", None, 10).await.unwrap().len(),
        1
    );
    assert_eq!(store.sync_key(acc, "2").await.unwrap(), "0");
    assert_eq!(store.sync_key(acc, "1").await.unwrap(), "k1");
    index_all(&store).await;
    assert_eq!(count(&store, "SELECT count(*) FROM message_tri").await, 1);
}

fn send(client_id: &str) -> OutboxOp {
    OutboxOp::Send {
        client_id: client_id.into(),
        mime: "Subject: x\r\n\r\nbody".into(),
        save_in_sent: true,
    }
}

#[tokio::test]
async fn the_outbox_keeps_order_per_account_retries_and_parks() {
    let (store, alice) = store_with_account().await;
    let bob = store
        .upsert_account("https://h/Microsoft-Server-ActiveSync", "bob", "14.1", "")
        .await
        .unwrap();
    let a1 = store.enqueue(alice, &send("a1")).await.unwrap();
    let a2 = store.enqueue(alice, &send("a2")).await.unwrap();
    let b1 = store.enqueue(bob, &send("b1")).await.unwrap();
    assert!(a1 < a2 && a2 < b1);
    let now = at(2026, 1, 1, 12);

    let ready = store.next_ready(now).await.unwrap();
    assert_eq!(ready.iter().map(|e| e.id).collect::<Vec<_>>(), [a1, b1]);
    assert_eq!(ready[0].idempotency_key, "a1");
    assert_eq!(ready[0].op, send("a1"));
    assert_eq!(ready[0].account_id, Some(alice));

    // In flight: alice's next one waits behind it.
    store.mark_in_flight(a1).await.unwrap();
    assert!(store.mark_in_flight(a1).await.is_err());
    assert_eq!(
        store
            .next_ready(now)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [b1]
    );
    // A failure backs off and still holds the account's queue.
    let later = at(2026, 1, 1, 13);
    assert_eq!(
        store.mark_failed(a1, "503", later).await.unwrap(),
        OutboxState::Pending
    );
    assert_eq!(store.next_ready(now).await.unwrap().len(), 1);
    assert_eq!(store.next_ready(later).await.unwrap()[0].id, a1);
    let e = store.outbox_entry(a1).await.unwrap().unwrap();
    assert_eq!((e.attempts, e.last_error.as_str()), (1, "503"));

    // Crash while in flight: recovered to pending.
    store.mark_in_flight(a1).await.unwrap();
    assert_eq!(store.recover_in_flight().await.unwrap(), 1);
    assert_eq!(
        store.outbox_entry(a1).await.unwrap().unwrap().state,
        OutboxState::Pending
    );

    // MAX_ATTEMPTS failures park it; the queue moves on to a2.
    let mut state = OutboxState::Pending;
    for _ in 1..MAX_ATTEMPTS {
        state = store.mark_failed(a1, "bad request", now).await.unwrap();
    }
    assert_eq!(state, OutboxState::Parked);
    let parked = store.parked().await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].last_error, "bad request");
    // The status bar's "changes waiting": parked and pending rows alike.
    let unsent = store.outbox_unsent_count().await.unwrap();
    assert_eq!(
        unsent as usize,
        store.outbox_unfinished().await.unwrap().len()
    );
    assert!(unsent >= 3, "{unsent}");
    assert_eq!(
        store
            .next_ready(now)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [a2, b1]
    );
    assert!(store.mark_failed(a1, "again", now).await.is_err());

    // Retried by the user: first in line again, attempts reset.
    store.retry_parked(a1).await.unwrap();
    let e = store.outbox_entry(a1).await.unwrap().unwrap();
    assert_eq!((e.state, e.attempts), (OutboxState::Pending, 0));
    assert_eq!(store.next_ready(now).await.unwrap()[0].id, a1);
    assert!(store.retry_parked(a1).await.is_err());

    store.mark_in_flight(a1).await.unwrap();
    store.mark_done(a1, &Done::default()).await.unwrap();
    store.mark_done(a1, &Done::default()).await.unwrap();
    assert_eq!(store.next_ready(now).await.unwrap()[0].id, a2);
    store.discard(a2).await.unwrap();
    assert!(store.outbox_entry(a2).await.unwrap().is_none());
    assert_eq!(
        store
            .next_ready(now)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [b1]
    );
    assert!(store.discard(a2).await.is_err());
    assert_eq!(store.purge_done(at(2100, 1, 1, 0)).await.unwrap(), 1);
    assert_eq!(store.outbox_unfinished().await.unwrap().len(), 1);
    assert_eq!(store.outbox_unsent_count().await.unwrap(), 1);
}

#[tokio::test]
async fn enqueue_of_an_unknown_item_changes_nothing() {
    let (store, acc) = store_with_account().await;
    let err = store
        .enqueue(
            acc,
            &OutboxOp::Flag {
                folder_id: "1".into(),
                server_id: "nope".into(),
                flag_status: 2,
            },
        )
        .await;
    assert!(matches!(err, Err(CoreError::InvalidInput(_))), "{err:?}");
    assert!(store.outbox_unfinished().await.unwrap().is_empty());
    assert!(store.enqueue(acc + 9, &send("x")).await.is_err());
}

#[tokio::test]
async fn a_move_is_shown_at_once_and_rekeyed_when_done() {
    let (store, acc) = store_with_account().await;
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("7", "move me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    // Folder 2 has its own item "7": server ids are per folder.
    store
        .apply_mail_batch(
            acc,
            "2",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("7", "other", at(2024, 7, 2, 9)))],
            ),
        )
        .await
        .unwrap();
    let mv = store
        .enqueue(
            acc,
            &OutboxOp::Move {
                folder_id: "1".into(),
                server_id: "7".into(),
                to_folder_id: "2".into(),
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .messages_page(acc, "1", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let tmp = format!("local:{mv}");
    let moved = store
        .message_by_server_id(acc, "2", &tmp)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.subject, "move me");
    // A flag on the moved message targets its temporary id.
    let fl = store
        .enqueue(
            acc,
            &OutboxOp::Flag {
                folder_id: "2".into(),
                server_id: tmp.clone(),
                flag_status: 2,
            },
        )
        .await
        .unwrap();
    store.mark_in_flight(mv).await.unwrap();
    store
        .mark_done(
            mv,
            &Done {
                new_server_id: Some("99".into()),
                etag: None,
            },
        )
        .await
        .unwrap();
    let moved = store
        .message_by_server_id(acc, "2", "99")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.local_state, messages::local::FLAG);
    assert_eq!(moved.flag_status, 2);
    store.discard(fl).await.unwrap();
    let moved = store.message(moved.id).await.unwrap().unwrap();
    assert_eq!(moved.local_state, 0);

    // A confirmed delete removes the row.
    let del = store
        .enqueue(
            acc,
            &OutboxOp::Delete {
                folder_id: "2".into(),
                server_id: "99".into(),
                permanent: false,
            },
        )
        .await
        .unwrap();
    store.mark_in_flight(del).await.unwrap();
    store.mark_done(del, &Done::default()).await.unwrap();
    assert!(store.message(moved.id).await.unwrap().is_none());
    assert_eq!(
        store.messages_page(acc, "2", None, 10).await.unwrap().len(),
        1
    );
}

const WEEKLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:weekly-1@kontor.test\r\nDTSTAMP:20240101T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20240108T090000\r\nDTEND;TZID=Europe/Berlin:20240108T100000\r\n\
RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Jour fixe\r\nLOCATION:Raum 1\r\n\
ORGANIZER:mailto:bob@kontor.test\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

const SINGLE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:single-1@kontor.test\r\nDTSTAMP:20240101T000000Z\r\n\
DTSTART:20240110T120000Z\r\nDTEND:20240110T130000Z\r\nSUMMARY:Mittagessen\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

fn caldav(remote: &str) -> CalendarInfo {
    CalendarInfo {
        source: CalendarSource::Caldav,
        remote_id: remote.into(),
        display_name: "Arbeit".into(),
        color: "#3366cc".into(),
        owner: "alice".into(),
        shared: false,
        read_only: false,
        ctag: "c1".into(),
    }
}

#[tokio::test]
async fn calendars_events_and_occurrences() {
    let (store, acc) = store_with_account().await;
    let url = "http://127.0.0.1/dav/alice/work/";
    let cal = store.upsert_calendar(acc, &caldav(url)).await.unwrap();
    let mut renamed = caldav(url);
    renamed.display_name = "Work".into();
    assert_eq!(store.upsert_calendar(acc, &renamed).await.unwrap(), cal);
    let eas = store
        .upsert_calendar(
            acc,
            &CalendarInfo {
                source: CalendarSource::Eas,
                remote_id: "3".into(),
                display_name: "Kalender".into(),
                color: String::new(),
                owner: String::new(),
                shared: false,
                read_only: false,
                ctag: String::new(),
            },
        )
        .await
        .unwrap();
    let list = store.calendars(Some(acc)).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|c| c.display_name.as_str())
            .collect::<Vec<_>>(),
        ["Kalender", "Work"]
    );
    assert_eq!(list[1].source, CalendarSource::Caldav);
    assert_eq!(list[1].sync_token, "");

    let out = store
        .apply_event_batch(
            cal,
            "tok1",
            &[
                EventUpsert {
                    remote_id: format!("{url}weekly.ics"),
                    etag: "\"e1\"".into(),
                    ical: WEEKLY.into(),
                },
                EventUpsert {
                    remote_id: format!("{url}single.ics"),
                    etag: "\"s1\"".into(),
                    ical: SINGLE.into(),
                },
                EventUpsert {
                    remote_id: format!("{url}broken.ics"),
                    etag: "\"b1\"".into(),
                    ical: "this is not iCalendar".into(),
                },
            ],
            &[],
        )
        .await
        .unwrap();
    assert_eq!((out.upserted, out.quarantined), (2, 1));
    assert_eq!(
        store.calendar(cal).await.unwrap().unwrap().sync_token,
        "tok1"
    );
    let q = store.quarantined(Some(acc)).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].folder_id, url);
    assert_eq!(q[0].raw, b"this is not iCalendar");

    let weekly = store
        .event_by_remote_id(cal, &format!("{url}weekly.ics"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(weekly.uid, "weekly-1@kontor.test");
    assert_eq!(weekly.etag, "\"e1\"");
    assert_eq!(weekly.summary, "Jour fixe");
    assert_eq!(weekly.location, "Raum 1");
    assert_eq!(weekly.tzid, "Europe/Berlin");
    assert_eq!(weekly.start_utc, at(2024, 1, 8, 8).timestamp());
    assert_eq!(weekly.end_utc, at(2024, 1, 8, 9).timestamp());
    assert!(weekly.is_recurring && weekly.has_alarms && !weekly.all_day);
    assert_eq!(weekly.organizer, "bob@kontor.test");

    // Nothing materialised before a window is set.
    assert!(
        store
            .occurrences_between(at(2024, 1, 1, 0), at(2024, 12, 31, 0))
            .await
            .unwrap()
            .is_empty()
    );
    let n = store
        .materialise_occurrences(None, at(2024, 1, 1, 0), at(2024, 2, 1, 0))
        .await
        .unwrap();
    assert_eq!(n, 4 + 1, "four Mondays in January 2024 plus the lunch");
    let occ = store
        .occurrences_between(at(2024, 1, 9, 0), at(2024, 1, 16, 0))
        .await
        .unwrap();
    assert_eq!(
        occ.iter().map(|o| o.summary.as_str()).collect::<Vec<_>>(),
        ["Mittagessen", "Jour fixe"]
    );
    assert_eq!(occ[1].start_utc, at(2024, 1, 15, 8).timestamp());
    assert_eq!(occ[1].alarms, [at(2024, 1, 15, 8).timestamp() - 15 * 60]);
    assert_eq!(occ[1].location, "Raum 1");
    assert!(
        store
            .materialise_occurrences(Some(eas), at(2024, 2, 1, 0), at(2024, 1, 1, 0))
            .await
            .is_err()
    );

    // Outside the materialised window (January): expanded on demand, not stored.
    let march = store
        .expand_between(&[cal], at(2024, 3, 4, 0), at(2024, 3, 11, 0))
        .await
        .unwrap();
    assert_eq!(
        march
            .iter()
            .map(|o| (o.summary.as_str(), o.start_utc))
            .collect::<Vec<_>>(),
        [("Jour fixe", at(2024, 3, 4, 8).timestamp())],
        "the ninth of ten Mondays, 09:00 Berlin"
    );
    assert_eq!(march[0].instance, at(2024, 3, 4, 8).timestamp());
    assert!(
        store
            .expand_between(&[cal], at(2024, 3, 12, 0), at(2024, 4, 30, 0))
            .await
            .unwrap()
            .is_empty(),
        "COUNT=10 ends on 11 March"
    );
    assert!(
        store
            .occurrences_between(at(2024, 3, 1, 0), at(2024, 4, 1, 0))
            .await
            .unwrap()
            .is_empty(),
        "nothing stored by the expansion"
    );

    // A server change of the weekly event: re-expanded in the same transaction.
    let moved = WEEKLY
        .replace("T090000", "T140000")
        .replace("T100000", "T150000");
    store
        .apply_event_batch(
            cal,
            "tok2",
            &[EventUpsert {
                remote_id: format!("{url}weekly.ics"),
                etag: "\"e2\"".into(),
                ical: moved,
            }],
            &[format!("{url}single.ics")],
        )
        .await
        .unwrap();
    let occ = store
        .occurrences_between(at(2024, 1, 9, 0), at(2024, 1, 16, 0))
        .await
        .unwrap();
    assert_eq!(occ.len(), 1);
    assert_eq!(occ[0].start_utc, at(2024, 1, 15, 13).timestamp());
    assert_eq!(
        store.event_etags(cal).await.unwrap(),
        [(format!("{url}weekly.ics"), "\"e2\"".to_owned())]
    );

    // A failing batch (unknown calendar) changes nothing.
    assert!(
        store
            .apply_event_batch(cal + 100, "x", &[], &[])
            .await
            .is_err()
    );
    assert_eq!(
        store.calendar(cal).await.unwrap().unwrap().sync_token,
        "tok2"
    );

    // Deleting the calendar removes events and occurrences.
    store.delete_calendar(cal).await.unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM event").await, 0);
    assert_eq!(count(&store, "SELECT count(*) FROM occurrence").await, 0);
}

#[tokio::test]
async fn local_event_changes_win_until_confirmed() {
    let (store, acc) = store_with_account().await;
    let url = "http://127.0.0.1/dav/alice/home/";
    let cal = store.upsert_calendar(acc, &caldav(url)).await.unwrap();
    store
        .materialise_occurrences(Some(cal), at(2024, 1, 1, 0), at(2024, 3, 1, 0))
        .await
        .unwrap();
    let href = format!("{url}single.ics");
    let create = store
        .enqueue(
            acc,
            &OutboxOp::EventCreate {
                calendar: url.into(),
                remote_id: href.clone(),
                ical: SINGLE.into(),
            },
        )
        .await
        .unwrap();
    let e = store.outbox_entry(create).await.unwrap().unwrap();
    assert_eq!(e.idempotency_key, "single-1@kontor.test");
    let occ = store
        .occurrences_between(at(2024, 1, 1, 0), at(2024, 3, 1, 0))
        .await
        .unwrap();
    assert_eq!(occ.len(), 1, "a new event shows at once");

    // The server's version of the same href arrives before the PUT was confirmed: kept local.
    let theirs = SINGLE.replace("Mittagessen", "Lunch");
    let out = store
        .apply_event_batch(
            cal,
            "t1",
            &[EventUpsert {
                remote_id: href.clone(),
                etag: "\"x\"".into(),
                ical: theirs.clone(),
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(out.kept_local, 1);
    let ev = store.event_by_remote_id(cal, &href).await.unwrap().unwrap();
    assert_eq!((ev.summary.as_str(), ev.etag.as_str()), ("Mittagessen", ""));

    store.mark_in_flight(create).await.unwrap();
    store
        .mark_done(
            create,
            &Done {
                new_server_id: None,
                etag: Some("\"s1\"".into()),
            },
        )
        .await
        .unwrap();
    let ev = store.event_by_remote_id(cal, &href).await.unwrap().unwrap();
    assert_eq!((ev.etag.as_str(), ev.local_state), ("\"s1\"", 0));

    // Delete: hidden at once, removed when confirmed.
    let del = store
        .enqueue(
            acc,
            &OutboxOp::EventDelete {
                calendar: url.into(),
                remote_id: href.clone(),
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .occurrences_between(at(2024, 1, 1, 0), at(2024, 3, 1, 0))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .materialise_occurrences(None, at(2024, 1, 1, 0), at(2024, 3, 1, 0))
        .await
        .unwrap();
    assert!(
        store
            .occurrences_between(at(2024, 1, 1, 0), at(2024, 3, 1, 0))
            .await
            .unwrap()
            .is_empty()
    );
    store.mark_in_flight(del).await.unwrap();
    store.mark_done(del, &Done::default()).await.unwrap();
    assert!(
        store
            .event_by_remote_id(cal, &href)
            .await
            .unwrap()
            .is_none()
    );

    // Unreadable local input is refused, nothing queued.
    let bad = store
        .enqueue(
            acc,
            &OutboxOp::EventUpdate {
                calendar: url.into(),
                remote_id: "nope.ics".into(),
                ical: SINGLE.into(),
            },
        )
        .await;
    assert!(bad.is_err());
    let bad = store
        .enqueue(
            acc,
            &OutboxOp::EventCreate {
                calendar: url.into(),
                remote_id: "new.ics".into(),
                ical: "garbage".into(),
            },
        )
        .await;
    assert!(bad.is_err());
    assert!(store.outbox_unfinished().await.unwrap().is_empty());
}

#[tokio::test]
async fn quarantine_is_listed_counted_and_cleared() {
    let (store, acc) = store_with_account().await;
    let id = store
        .quarantine(
            acc,
            "1",
            "1:9",
            "Sync repeated the same key 5 times",
            b"\x03\x01",
        )
        .await
        .unwrap();
    let again = store
        .quarantine(
            acc,
            "1",
            "1:9",
            "Sync repeated the same key 5 times",
            b"\x03\x01",
        )
        .await
        .unwrap();
    assert_eq!(id, again);
    assert!(store.is_quarantined(acc, "1", "1:9").await.unwrap());
    assert!(!store.is_quarantined(acc, "1", "1:8").await.unwrap());
    let list = store.quarantined(None).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].times_seen, 2);
    assert_eq!(list[0].raw, b"\x03\x01");
    assert!(store.clear_quarantine(id).await.unwrap());
    assert!(!store.clear_quarantine(id).await.unwrap());
    assert!(store.quarantined(Some(acc)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_retried_move_whose_item_was_synced_in_first_is_confirmed_without_a_duplicate() {
    // The MoveItems answer was lost; before the retry confirmed it, a Sync of the destination
    // brought the moved item in under its new ServerId. Confirming must not fail (UNIQUE
    // account/folder/server_id) and must leave exactly one row.
    let (store, acc) = store_with_account().await;
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("7", "move me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    let mv = store
        .enqueue(
            acc,
            &OutboxOp::Move {
                folder_id: "1".into(),
                server_id: "7".into(),
                to_folder_id: "2".into(),
            },
        )
        .await
        .unwrap();
    store
        .apply_mail_batch(
            acc,
            "2",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("99", "move me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    store.mark_in_flight(mv).await.unwrap();
    store
        .mark_done(
            mv,
            &Done {
                new_server_id: Some("99".into()),
                etag: None,
            },
        )
        .await
        .expect("confirming the move");
    let rows = store.messages_page(acc, "2", None, 10).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].server_id, "99");
    assert_eq!(rows[0].subject, "move me");
    assert!(
        store
            .messages_page(acc, "1", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(search(&store, "move", 10).await.len(), 1);
}

/// Folder "1" holds "7" (subject "move me"); it is moved to "2". Returns the outbox id.
async fn moved_to_two(store: &Store, acc: i64) -> i64 {
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("7", "move me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    store
        .enqueue(
            acc,
            &OutboxOp::Move {
                folder_id: "1".into(),
                server_id: "7".into(),
                to_folder_id: "2".into(),
            },
        )
        .await
        .unwrap()
}

async fn subjects(store: &Store, acc: i64, folder: &str) -> Vec<(String, String)> {
    store
        .messages_page(acc, folder, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.server_id, m.subject))
        .collect()
}

#[tokio::test]
async fn a_message_moved_away_does_not_come_back_to_its_old_folder_while_the_move_is_unfinished() {
    // The server still lists "7" in folder 1 (the move has not reached it, or its answer was
    // lost and a Sync repeats the item): the cache shows the message once, in folder 2.
    let (store, acc) = store_with_account().await;
    let mv = moved_to_two(&store, acc).await;
    for key in ["k2", "k3"] {
        store
            .apply_mail_batch(
                acc,
                "1",
                &batch(
                    key,
                    vec![MailChange::Upsert(msg("7", "move me", at(2024, 7, 1, 9)))],
                ),
            )
            .await
            .unwrap();
        assert!(subjects(&store, acc, "1").await.is_empty(), "after {key}");
    }
    assert_eq!(subjects(&store, acc, "2").await.len(), 1);
    assert_eq!(store.sync_key(acc, "1").await.unwrap(), "k3");
    // Once the move is done, the server's word counts again (a later Add is a new item).
    store.mark_in_flight(mv).await.unwrap();
    store
        .mark_done(
            mv,
            &Done {
                new_server_id: Some("99".into()),
                etag: None,
            },
        )
        .await
        .unwrap();
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k4",
                vec![MailChange::Upsert(msg("7", "move me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    assert_eq!(subjects(&store, acc, "1").await.len(), 1);
}

#[tokio::test]
async fn a_move_whose_source_is_gone_leaves_no_placeholder_behind() {
    // MoveItems reached the server, its answer was lost; the destination's Sync brought the
    // message in as "99"; the retry hears "invalid source". Exactly one row remains.
    let (store, acc) = store_with_account().await;
    let mv = moved_to_two(&store, acc).await;
    assert_eq!(store.moved_copy(mv).await.unwrap(), None);
    store
        .apply_mail_batch(
            acc,
            "2",
            &batch(
                "k1",
                vec![
                    MailChange::Upsert(msg("99", "move me", at(2024, 7, 1, 9))),
                    MailChange::Upsert(msg("98", "move me too", at(2024, 7, 1, 9))),
                ],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        subjects(&store, acc, "2").await.len(),
        3,
        "placeholder and synced copies"
    );
    // The engine first looks for the moved message in the destination (a lost answer).
    assert_eq!(store.moved_copy(mv).await.unwrap().as_deref(), Some("99"));
    sqlx::query("DELETE FROM message WHERE server_id = '98'")
        .execute(store.pool())
        .await
        .unwrap();
    store.mark_in_flight(mv).await.unwrap();
    store.mark_move_source_gone(mv).await.unwrap();
    assert_eq!(
        subjects(&store, acc, "2").await,
        vec![("99".to_owned(), "move me".to_owned())]
    );
    assert!(subjects(&store, acc, "1").await.is_empty());
    assert_eq!(search(&store, "move", 10).await.len(), 1);
    assert_eq!(
        store.outbox_entry(mv).await.unwrap().unwrap().state,
        OutboxState::Done
    );
}

#[tokio::test]
async fn a_discarded_move_puts_the_message_back() {
    let (store, acc) = store_with_account().await;
    let mv = moved_to_two(&store, acc).await;
    store.discard(mv).await.unwrap();
    assert_eq!(
        subjects(&store, acc, "1").await,
        vec![("7".to_owned(), "move me".to_owned())]
    );
    assert!(subjects(&store, acc, "2").await.is_empty());
    assert_eq!(search(&store, "move", 10).await.len(), 1);
}

#[tokio::test]
async fn operations_queued_on_a_moved_message_follow_it_to_its_new_server_id() {
    // Move "7" to folder 2, then flag it and move it on to folder 3 before the first move is
    // confirmed: both later operations name the placeholder until the server's DstMsgId is
    // known, then that id (nothing is sent to a `local:` id that the server never had).
    let (store, acc) = store_with_account().await;
    let mv = moved_to_two(&store, acc).await;
    let placeholder = format!("local:{mv}");
    let flag = store
        .enqueue(
            acc,
            &OutboxOp::Flag {
                folder_id: "2".into(),
                server_id: placeholder.clone(),
                flag_status: 2,
            },
        )
        .await
        .unwrap();
    let mv2 = store
        .enqueue(
            acc,
            &OutboxOp::Move {
                folder_id: "2".into(),
                server_id: placeholder.clone(),
                to_folder_id: "3".into(),
            },
        )
        .await
        .unwrap();
    store.mark_in_flight(mv).await.unwrap();
    store
        .mark_done(
            mv,
            &Done {
                new_server_id: Some("99".into()),
                etag: None,
            },
        )
        .await
        .unwrap();
    let op_of = |id| {
        let store = store.clone();
        async move { store.outbox_entry(id).await.unwrap().unwrap().op }
    };
    assert_eq!(
        op_of(flag).await,
        OutboxOp::Flag {
            folder_id: "2".into(),
            server_id: "99".into(),
            flag_status: 2,
        }
    );
    assert_eq!(
        op_of(mv2).await,
        OutboxOp::Move {
            folder_id: "2".into(),
            server_id: "99".into(),
            to_folder_id: "3".into(),
        }
    );
    // The message is shown once, in folder 3, and a Sync of folder 2 that lists "99" (where
    // the first move put it on the server) does not bring a second copy back.
    store
        .apply_mail_batch(
            acc,
            "2",
            &batch(
                "k2",
                vec![MailChange::Upsert(msg("99", "move me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    assert!(subjects(&store, acc, "2").await.is_empty());
    assert_eq!(subjects(&store, acc, "3").await.len(), 1);
}

#[tokio::test]
async fn a_calendar_operation_backing_off_does_not_hold_back_mail() {
    // The calendar server is away; its queued event waits for a retry. Mail the user marks
    // meanwhile goes out at once: the two queues are independent.
    let (store, acc) = store_with_account().await;
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("7", "read me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO outbox (account_url, account_user, kind, payload, state, next_attempt_at)
         VALUES ('https://h/Microsoft-Server-ActiveSync', 'alice', 'event_create', '{}',
                 'pending', ?1)",
    )
    .bind(now.timestamp() + 600)
    .execute(store.pool())
    .await
    .unwrap();
    let read = store
        .enqueue(
            acc,
            &OutboxOp::MarkRead {
                folder_id: "1".into(),
                server_id: "7".into(),
                read: true,
            },
        )
        .await
        .unwrap();
    let ready: Vec<i64> = store
        .next_ready(now)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ready, vec![read]);
}

#[tokio::test]
async fn a_move_confirmed_after_the_user_moved_the_message_on_keeps_one_row() {
    // 1 → 2 (answer lost), then the user moves it on 2 → 3; a Sync of 2 brings the server's
    // copy "99"; the retried first move is recognised by that copy. The user's row (in 3) stays
    // the only one, and the second move now names "99" in folder 2.
    let (store, acc) = store_with_account().await;
    let mv = moved_to_two(&store, acc).await;
    let mv2 = store
        .enqueue(
            acc,
            &OutboxOp::Move {
                folder_id: "2".into(),
                server_id: format!("local:{mv}"),
                to_folder_id: "3".into(),
            },
        )
        .await
        .unwrap();
    store
        .apply_mail_batch(
            acc,
            "2",
            &batch(
                "k1",
                vec![MailChange::Upsert(msg("99", "move me", at(2024, 7, 1, 9)))],
            ),
        )
        .await
        .unwrap();
    // Meanwhile the message shows in 2 as well (the server's copy). Acting on that copy acts
    // on the user's row: "99" leaves folder 2 with the second move, and SOGo would answer a
    // change sent for it afterwards with success and do nothing.
    let flag = store
        .enqueue(
            acc,
            &OutboxOp::Flag {
                folder_id: "2".into(),
                server_id: "99".into(),
                flag_status: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.outbox_entry(flag).await.unwrap().unwrap().op,
        OutboxOp::Flag {
            folder_id: "3".into(),
            server_id: format!("local:{mv2}"),
            flag_status: 2,
        }
    );
    let back_to_three = store
        .enqueue(
            acc,
            &OutboxOp::Move {
                folder_id: "2".into(),
                server_id: "99".into(),
                to_folder_id: "3".into(),
            },
        )
        .await;
    assert!(
        matches!(back_to_three, Err(CoreError::InvalidInput(_))),
        "{back_to_three:?}"
    );
    assert_eq!(store.moved_copy(mv).await.unwrap().as_deref(), Some("99"));
    store.mark_in_flight(mv).await.unwrap();
    store
        .mark_done(
            mv,
            &Done {
                new_server_id: Some("99".into()),
                etag: None,
            },
        )
        .await
        .unwrap();
    assert!(subjects(&store, acc, "2").await.is_empty());
    assert_eq!(
        subjects(&store, acc, "3").await,
        vec![(format!("local:{mv2}"), "move me".to_owned())]
    );
    assert_eq!(
        store.outbox_entry(mv2).await.unwrap().unwrap().op,
        OutboxOp::Move {
            folder_id: "2".into(),
            server_id: "99".into(),
            to_folder_id: "3".into(),
        }
    );
    assert_eq!(search(&store, "move", 10).await.len(), 1);
}

#[tokio::test]
async fn changes_queued_on_a_new_event_follow_it_to_its_server_id() {
    // An ActiveSync calendar: a new event is `local:<uid>` until the server names it. The user
    // edits and deletes it before the create is confirmed; a Sync meanwhile brought the
    // server's copy in (the answer to a first try of the create was lost).
    let (store, acc) = store_with_account().await;
    let folder = "vevent%2Fpersonal";
    let cal = store
        .upsert_calendar(
            acc,
            &CalendarInfo {
                source: CalendarSource::Eas,
                remote_id: folder.into(),
                display_name: "Kalender".into(),
                color: String::new(),
                owner: String::new(),
                shared: false,
                read_only: false,
                ctag: String::new(),
            },
        )
        .await
        .unwrap();
    let placeholder = "local:single-1@kontor.test".to_owned();
    let create = store
        .enqueue(
            acc,
            &OutboxOp::EventCreate {
                calendar: folder.into(),
                remote_id: placeholder.clone(),
                ical: SINGLE.into(),
            },
        )
        .await
        .unwrap();
    let edit = store
        .enqueue(
            acc,
            &OutboxOp::EventUpdate {
                calendar: folder.into(),
                remote_id: placeholder.clone(),
                ical: SINGLE.replace("Mittagessen", "Abendessen"),
            },
        )
        .await
        .unwrap();
    let delete = store
        .enqueue(
            acc,
            &OutboxOp::EventDelete {
                calendar: folder.into(),
                remote_id: placeholder.clone(),
            },
        )
        .await
        .unwrap();
    store
        .apply_event_batch(
            cal,
            "k1",
            &[EventUpsert {
                remote_id: "single-1".into(),
                etag: String::new(),
                ical: SINGLE.into(),
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        count(&store, "SELECT count(*) FROM event").await,
        2,
        "the server's copy and the local row"
    );

    store.mark_in_flight(create).await.unwrap();
    store
        .mark_done(
            create,
            &Done {
                new_server_id: Some("single-1".into()),
                etag: None,
            },
        )
        .await
        .unwrap();
    // One row, under the server's id, still carrying the queued edit and delete.
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT remote_id, local_state FROM event")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(
        rows,
        [(
            "single-1".to_owned(),
            events::local::CHANGED | events::local::DELETED
        )]
    );
    for id in [edit, delete] {
        let e = store.outbox_entry(id).await.unwrap().unwrap();
        match e.op {
            OutboxOp::EventUpdate { remote_id, .. } | OutboxOp::EventDelete { remote_id, .. } => {
                assert_eq!(remote_id, "single-1", "operation {id}")
            }
            other => panic!("{other:?}"),
        }
        let item: String = sqlx::query_scalar("SELECT item_id FROM outbox WHERE id = ?1")
            .bind(id)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(item, "single-1");
    }
}

#[tokio::test]
async fn a_draft_saved_here_keeps_the_users_text() {
    let (store, acc) = store_with_account().await;
    let mime = |subject: &str, text: &str| {
        crate::engine::outbox::build_plain_message(
            "alice@kontor.test",
            &["Jürgen Groß <juergen@example.de>".to_owned()],
            &[],
            subject,
            text,
            None,
        )
        .1
    };
    let save = |server_id: &str, m: String| OutboxOp::DraftSave {
        client_id: "c1".into(),
        folder_id: "3".into(),
        server_id: server_id.into(),
        mime: m,
    };
    // A new draft: a row in Drafts under a placeholder, the text as its full body, searchable.
    let first = store
        .enqueue(
            acc,
            &save(
                "",
                mime("Angebot Büromöbel", "Sehr geehrter Herr Groß,\n\nanbei."),
            ),
        )
        .await
        .unwrap();
    let placeholder = format!("local:{first}");
    let row = store
        .message_by_server_id(acc, "3", &placeholder)
        .await
        .unwrap()
        .expect("the draft is cached at once");
    assert_eq!(row.subject, "Angebot Büromöbel");
    assert_eq!(row.to[0].addr, "juergen@example.de");
    assert_eq!(row.from.addr, "alice@kontor.test");
    assert_eq!(row.preview, "Sehr geehrter Herr Groß, anbei.");
    assert_eq!(row.local_state, messages::local::DRAFT);
    assert_eq!(row.body_state, BodyState::Full);
    let body = store.body(row.id, BodyKind::Plain).await.unwrap().unwrap();
    assert!(body.text.contains("anbei."), "{body:?}");
    let op = store.outbox_entry(first).await.unwrap().unwrap();
    assert!(matches!(&op.op, OutboxOp::DraftSave { server_id, .. } if *server_id == placeholder));
    assert_eq!(
        search(&store, "buromobel", 10)
            .await
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        [row.id]
    );

    // Kept on this computer (no ServerId from the server): the bit and the placeholder stay.
    store.mark_in_flight(first).await.unwrap();
    store.mark_done(first, &Done::default()).await.unwrap();
    // Saved again: the same row, the new text.
    store
        .enqueue(
            acc,
            &save(&placeholder, mime("Angebot Büromöbel (2)", "Neuer Text.")),
        )
        .await
        .unwrap();
    let again = store
        .message_by_server_id(acc, "3", &placeholder)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.id, again.subject.as_str()),
        (row.id, "Angebot Büromöbel (2)")
    );
    assert_eq!(again.local_state, messages::local::DRAFT);
    let body = store.body(row.id, BodyKind::Plain).await.unwrap().unwrap();
    assert_eq!(body.text.trim_end(), "Neuer Text.");

    // A re-sync of Drafts from zero keeps it (the server never had it).
    store.begin_mail_resync(acc, "3").await.unwrap();
    store
        .apply_mail_batch(acc, "3", &batch("r1", vec![]))
        .await
        .unwrap();
    assert!(
        store
            .message_by_server_id(acc, "3", &placeholder)
            .await
            .unwrap()
            .is_some()
    );

    // A draft the server has, edited here: server changes do not overwrite the user's text,
    // and a server Delete does not remove it.
    store
        .apply_mail_batch(
            acc,
            "3",
            &batch(
                "r2",
                vec![MailChange::Upsert(msg(
                    "3:9",
                    "vom Server",
                    at(2024, 5, 1, 9),
                ))],
            ),
        )
        .await
        .unwrap();
    let edit = store
        .enqueue(acc, &save("3:9", mime("meine Fassung", "Mein Text.")))
        .await
        .unwrap();
    store
        .apply_mail_batch(
            acc,
            "3",
            &batch(
                "r3",
                vec![MailChange::Upsert(msg(
                    "3:9",
                    "andere Fassung",
                    at(2024, 5, 1, 9),
                ))],
            ),
        )
        .await
        .unwrap();
    let mine = store
        .message_by_server_id(acc, "3", "3:9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mine.subject, "meine Fassung");
    store
        .apply_mail_batch(
            acc,
            "3",
            &batch(
                "r4",
                vec![MailChange::Delete {
                    server_id: "3:9".into(),
                }],
            ),
        )
        .await
        .unwrap();
    let kept = store
        .message(mine.id)
        .await
        .unwrap()
        .expect("the user's draft stays");
    assert_eq!(kept.server_id, format!("local:draft{}", mine.id));
    assert_eq!(kept.subject, "meine Fassung");
    let op = store.outbox_entry(edit).await.unwrap().unwrap();
    assert!(
        matches!(&op.op, OutboxOp::DraftSave { server_id, .. } if *server_id == kept.server_id),
        "{op:?}"
    );

    // Stored on an ActiveSync 16 server: the row takes the ServerId and loses the bit.
    store.mark_in_flight(edit).await.unwrap();
    store
        .mark_done(
            edit,
            &Done {
                new_server_id: Some("3:10".into()),
                etag: None,
            },
        )
        .await
        .unwrap();
    let stored = store.message(mine.id).await.unwrap().unwrap();
    assert_eq!((stored.server_id.as_str(), stored.local_state), ("3:10", 0));

    // Not a MIME message: refused, nothing written.
    let before = count(&store, "SELECT count(*) FROM outbox").await;
    assert!(matches!(
        store.enqueue(acc, &save("", String::new())).await,
        Err(CoreError::InvalidInput(_))
    ));
    assert_eq!(count(&store, "SELECT count(*) FROM outbox").await, before);
}

/// `Store::search_keys` in the three index states of [`search`]; the server ids of the hits.
async fn filtered(store: &Store, acc: i64, f: &SearchFilter) -> Vec<String> {
    async fn ids(store: &Store, acc: i64, f: &SearchFilter) -> Vec<String> {
        let keys = store.search_keys(acc, f, 50).await.unwrap();
        let rows = store.messages_by_sort_keys(&keys).await.unwrap();
        rows.into_iter().map(|m| m.server_id).collect()
    }
    index_all(store).await;
    let indexed = ids(store, acc, f).await;
    unindex_all(store).await;
    assert_eq!(ids(store, acc, f).await, indexed, "{f:?}: nothing indexed");
    store.index_pending(1).await.unwrap();
    assert_eq!(ids(store, acc, f).await, indexed, "{f:?}: newest indexed");
    index_all(store).await;
    indexed
}

#[tokio::test]
async fn filtered_search_checks_sender_phrase_state_dates_and_folder() {
    let (store, acc) = store_with_account().await;
    let mut a = msg("1:1", "Angebot Büromöbel", at(2026, 3, 2, 9));
    a.from = Address::new("Bob Baker", "bob@kontor.test");
    a.has_attachments = true;
    a.body = "Bitte bis Freitag prüfen, Grüße Bob".into();
    let mut b = msg("1:2", "Angebot Drucker", at(2026, 5, 2, 9));
    b.from = Address::new("Müller GmbH", "info@mueller.example");
    b.read = true;
    b.flag_status = 2;
    let mut c = msg("1:3", "Re: Angebot", at(2026, 6, 2, 9));
    c.from = Address::new("Bob Baker", "bob@kontor.test");
    c.body = "Freitag bis wann?".into();
    let mut d = msg("2:1", "Angebot im Archiv", at(2025, 6, 2, 9));
    d.from = Address::new("Bob Baker", "bob@kontor.test");
    d.has_attachments = true;
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![
                    MailChange::Upsert(a),
                    MailChange::Upsert(b),
                    MailChange::Upsert(c),
                ],
            ),
        )
        .await
        .unwrap();
    store
        .apply_mail_batch(acc, "2", &batch("k1", vec![MailChange::Upsert(d)]))
        .await
        .unwrap();
    let base = SearchFilter::default();
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    // Words alone: every folder, newest first.
    let f = SearchFilter {
        words: words(&["angebot"]),
        ..base.clone()
    };
    assert_eq!(
        filtered(&store, acc, &f).await,
        ["1:3", "1:2", "1:1", "2:1"]
    );
    // from: checks the sender only (Bob is in no subject; "mueller" folds like "Müller").
    for (from, want) in [
        ("bob", &["1:3", "1:1", "2:1"][..]),
        ("Müller", &["1:2"][..]),
        ("mueller", &["1:2"][..]),
        ("alice", &[][..]),
    ] {
        let f = SearchFilter {
            from: words(&[from]),
            ..base.clone()
        };
        assert_eq!(filtered(&store, acc, &f).await, want, "from:{from}");
    }
    // to: Alice is every message's recipient.
    let f = SearchFilter {
        to: words(&["alice"]),
        has_attachment: true,
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:1", "2:1"]);
    // from: with has:attachment, in one folder.
    let f = SearchFilter {
        from: words(&["bob"]),
        has_attachment: true,
        folder_id: Some("1".into()),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:1"]);
    // A phrase: its words in order ("Freitag bis" is in 1:3 only, "bis Freitag" in 1:1).
    let f = SearchFilter {
        phrases: words(&["bis freitag"]),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:1"]);
    let f = SearchFilter {
        phrases: words(&["Freitag bis"]),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:3"]);
    // subject: only the subject ("grusse" is in 1:1's body, not its subject).
    let f = SearchFilter {
        subject: words(&["gruesse"]),
        ..base.clone()
    };
    assert!(filtered(&store, acc, &f).await.is_empty());
    let f = SearchFilter {
        words: words(&["gruesse"]),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:1"]);
    // State and dates without words.
    let f = SearchFilter {
        read: Some(false),
        folder_id: Some("1".into()),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:3", "1:1"]);
    let f = SearchFilter {
        flagged: Some(true),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:2"]);
    let f = SearchFilter {
        since: Some(at(2026, 3, 1, 0).timestamp()),
        until: Some(at(2026, 6, 1, 0).timestamp()),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:2", "1:1"]);
    // Known senders, compared in lower case.
    let f = SearchFilter {
        senders: Some(words(&["INFO@mueller.example"])),
        ..base.clone()
    };
    assert_eq!(filtered(&store, acc, &f).await, ["1:2"]);
    let f = SearchFilter {
        senders: Some(vec![]),
        ..base.clone()
    };
    assert!(filtered(&store, acc, &f).await.is_empty());
    // The limit counts hits that pass every condition.
    let f = SearchFilter {
        from: words(&["bob"]),
        ..base.clone()
    };
    assert_eq!(store.search_keys(acc, &f, 1).await.unwrap().len(), 1);
    // Nothing asked: every message.
    assert_eq!(filtered(&store, acc, &base).await.len(), 4);
}

#[tokio::test]
async fn phrases_match_words_side_by_side_across_german_spellings() {
    let (store, acc) = store_with_account().await;
    let mut changes = Vec::new();
    for (id, subject, body, day) in [
        ("1:1", "Urlaub", "Viele Grüsse aus Berlin", 1),
        ("1:2", "Grüße aus Hamburg", "", 2),
        ("1:3", "Post", "aus Grüße", 3),
        ("1:4", "Hinweis", "GRUESSE, AUS der Hauptstraße", 4),
        ("1:5", "Notiz", "grüße und aus", 5),
        ("1:6", "Grüße", "aus dem Büro", 6),
    ] {
        let mut m = msg(id, subject, at(2026, 3, day, 9));
        m.body = body.into();
        changes.push(MailChange::Upsert(m));
    }
    store
        .apply_mail_batch(acc, "1", &batch("k1", changes))
        .await
        .unwrap();
    let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let phrase = |p: &[&str], w: &[&str]| SearchFilter {
        phrases: list(p),
        words: list(w),
        ..SearchFilter::default()
    };
    for (f, want) in [
        // Side by side, in this order, in one column (not across subject and body: 1:6), over
        // punctuation, whatever the spelling: Grüße / Grüsse / GRUESSE.
        (phrase(&["grüße aus"], &[]), &["1:4", "1:2", "1:1"][..]),
        (phrase(&["Gruesse aus"], &[]), &["1:4", "1:2", "1:1"][..]),
        (phrase(&["grusse AUS"], &[]), &["1:4", "1:2", "1:1"][..]),
        (phrase(&["aus grüße"], &[]), &["1:3"][..]),
        // The last word as typed so far is the beginning of a word; the others are words.
        (phrase(&["grüße au"], &[]), &["1:4", "1:2", "1:1"][..]),
        (phrase(&["grüsse aus ber"], &[]), &["1:1"][..]),
        (phrase(&["grü aus"], &[]), &[][..]),
        (phrase(&["russe aus"], &[]), &[][..]),
        (phrase(&["aus der haupt"], &[]), &["1:4"][..]),
        // With a word outside the phrase: as a word, or inside the subject ("amburg").
        (phrase(&["grüße aus"], &["hamburg"]), &["1:2"][..]),
        (phrase(&["grüße aus"], &["amburg"]), &["1:2"][..]),
        (phrase(&["grüße aus"], &["berlin"]), &["1:1"][..]),
        (phrase(&["grüße aus"], &["büro"]), &[][..]),
        // Two phrases, and one the index has no word of.
        (phrase(&["grüße aus", "aus der"], &[]), &["1:4"][..]),
        (phrase(&["grüße zeppelin"], &[]), &[][..]),
    ] {
        assert_eq!(filtered(&store, acc, &f).await, want, "{f:?}");
    }
}

#[tokio::test]
async fn a_date_range_finds_a_message_whose_date_the_server_changed() {
    let (store, acc) = store_with_account().await;
    let mut a = msg("1:1", "Angebot alt", at(2024, 5, 2, 9));
    a.body = "Angebot".into();
    let b = msg("1:2", "Angebot neu", at(2026, 6, 2, 9));
    store
        .apply_mail_batch(
            acc,
            "1",
            &batch(
                "k1",
                vec![MailChange::Upsert(a), MailChange::Upsert(b.clone())],
            ),
        )
        .await
        .unwrap();
    // The server moves 1:2 back to 2024: its sort key still says 2026.
    let mut moved = b;
    moved.date = at(2024, 3, 1, 9);
    store
        .apply_mail_batch(acc, "1", &batch("k2", vec![MailChange::Upsert(moved)]))
        .await
        .unwrap();
    let range = |since: DateTime<Utc>, until: DateTime<Utc>, words: &[&str]| SearchFilter {
        words: words.iter().map(|s| s.to_string()).collect(),
        since: Some(since.timestamp()),
        until: Some(until.timestamp()),
        ..SearchFilter::default()
    };
    for words in [&["angebot"][..], &[][..], &["ngebot"][..]] {
        let in_2024 = range(at(2024, 1, 1, 0), at(2025, 1, 1, 0), words);
        assert_eq!(
            filtered(&store, acc, &in_2024).await,
            ["1:2", "1:1"],
            "{words:?}"
        );
        let in_2026 = range(at(2026, 1, 1, 0), at(2027, 1, 1, 0), words);
        assert!(
            filtered(&store, acc, &in_2026).await.is_empty(),
            "{words:?}"
        );
        let march = range(at(2024, 3, 1, 0), at(2024, 3, 2, 0), words);
        assert_eq!(filtered(&store, acc, &march).await, ["1:2"], "{words:?}");
    }
}

#[tokio::test]
async fn address_book_ranks_by_use_and_matches_name_words_and_addresses() {
    let (store, acc) = store_with_account().await;
    let mut changes = Vec::new();
    for i in 0..3 {
        let mut m = msg(&format!("1:{i}"), "Angebot", at(2026, 3, 2 + i, 9));
        m.from = Address::new("Bob Baker", "Bob@Kontor.test");
        m.cc = vec![Address::new("Carol Clark", "carol@kontor.test")];
        changes.push(MailChange::Upsert(m));
    }
    // An older message names Bob without a name and Carol under another one: the newest named
    // one wins.
    let mut old = msg("1:9", "Alt", at(2025, 1, 1, 9));
    old.from = Address::new("", "bob@kontor.test");
    old.to = vec![Address::new("C. Clark (alt)", "carol@kontor.test")];
    changes.push(MailChange::Upsert(old));
    // The newest names Bob only by his address again: that is no name.
    let mut newest = msg("1:8", "Neu", at(2026, 4, 1, 9));
    newest.from = Address::new("BOB@kontor.test", "bob@kontor.test");
    changes.push(MailChange::Upsert(newest));
    store
        .apply_mail_batch(acc, "1", &batch("k1", changes))
        .await
        .unwrap();
    let book = |q: &'static str| {
        let store = store.clone();
        async move { store.address_book(acc, q, 10).await.unwrap() }
    };
    // Everything: bob 5 (3 + the old + the newest), alice 5 (To of every message), carol 4.
    let all = book("").await;
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(
        all.contains(&("Bob Baker".into(), "bob@kontor.test".into(), 5)),
        "{all:?}"
    );
    assert!(
        all.contains(&("Carol Clark".into(), "carol@kontor.test".into(), 4)),
        "{all:?}"
    );
    // Start of the address, of the name, of a later word of the name; any case.
    for q in ["bo", "BOB", "bak"] {
        let found = book(q).await;
        assert_eq!(found.len(), 1, "{q}: {found:?}");
        assert_eq!(found[0].1, "bob@kontor.test");
    }
    assert!(
        book("aker").await.is_empty(),
        "the middle of a word does not match"
    );
    assert!(
        book("%").await.len() == 3,
        "LIKE wildcards are taken literally (dropped)"
    );
}

/// A word that stands for more indexed words than the index expands (one letter typed): the
/// newest messages are read directly (`Walk::scan_newest`), and when they hold too few matches
/// the index answers. Both give the newest matches, as the index alone would.
#[tokio::test]
async fn a_letter_typed_finds_the_newest_matches_read_directly_or_from_the_index() {
    let (store, acc) = store_with_account().await;
    let mut changes = Vec::new();
    // 100 old messages each with a word of its own beginning with "q"; then 400 newer ones,
    // two in three with a word of its own beginning with "m", none with a "q" word.
    for i in 0..500u32 {
        let subject = if i < 100 {
            format!("Alt q{i}")
        } else if i.is_multiple_of(3) {
            "Zeile ohne".to_owned()
        } else {
            format!("Zeile m{i}")
        };
        let mut m = msg(
            &format!("1:{i}"),
            &subject,
            at(2026, 1, 1, 0) + chrono::TimeDelta::hours(i.into()),
        );
        m.preview = String::new();
        changes.push(MailChange::Upsert(m));
    }
    store
        .apply_mail_batch(acc, "1", &batch("k1", changes))
        .await
        .unwrap();
    let newest = |pred: &dyn Fn(u32) -> bool, n: usize| -> Vec<String> {
        (0..500u32)
            .rev()
            .filter(|&i| pred(i))
            .take(n)
            .map(|i| format!("1:{i}"))
            .collect()
    };
    let f = |w: &str| SearchFilter {
        words: vec![w.to_owned()],
        ..SearchFilter::default()
    };
    // Read directly: the newest 50 "m" messages (in every index state).
    let is_m = |i: u32| i >= 100 && !i.is_multiple_of(3);
    assert_eq!(filtered(&store, acc, &f("m")).await, newest(&is_m, 50));
    // A window of 61 and of 201, as the search box asks.
    for limit in [61u32, 201] {
        let keys = store.search_keys(acc, &f("m"), limit).await.unwrap();
        let ids: Vec<String> = store
            .messages_by_sort_keys(&keys)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.server_id)
            .collect();
        assert_eq!(ids, newest(&is_m, limit as usize), "limit {limit}");
    }
    // No "q" word among the newest: the index gives the old ones.
    assert_eq!(
        filtered(&store, acc, &f("q")).await,
        newest(&|i| i < 100, 50)
    );
    // In a folder and unread only: the same rules.
    let unread_m = SearchFilter {
        read: Some(false),
        folder_id: Some("1".into()),
        ..f("m")
    };
    assert_eq!(filtered(&store, acc, &unread_m).await, newest(&is_m, 50));
}

#[tokio::test]
async fn a_letter_typed_after_longer_words_is_checked_on_their_matches() {
    let (store, acc) = store_with_account().await;
    let mut changes = Vec::new();
    // 900 messages: "Invoice" in every third, a word of its own beginning with "p" in every
    // fifth; "Rechnung" right before a "p" word in every tenth, with a word between them in
    // every tenth but five; a "q" word only in the five oldest invoices.
    for i in 0..900u32 {
        let mut words = Vec::new();
        if i.is_multiple_of(3) {
            words.push("Invoice".to_owned());
        }
        if i.is_multiple_of(10) {
            words.push(format!("Rechnung p{i}"));
        } else if i % 10 == 5 {
            words.push(format!("Rechnung und p{i}"));
        } else if i.is_multiple_of(5) {
            words.push(format!("p{i}"));
        }
        if i.is_multiple_of(3) && i < 15 {
            words.push(format!("q{i}"));
        }
        words.push("Zeile".to_owned());
        let mut m = msg(
            &format!("1:{i}"),
            &words.join(" "),
            at(2026, 1, 1, 0) + chrono::TimeDelta::hours(i.into()),
        );
        m.preview = String::new();
        changes.push(MailChange::Upsert(m));
    }
    store
        .apply_mail_batch(acc, "1", &batch("k1", changes))
        .await
        .unwrap();
    let newest = |pred: &dyn Fn(u32) -> bool, n: usize| -> Vec<String> {
        (0..900u32)
            .rev()
            .filter(|&i| pred(i))
            .take(n)
            .map(|i| format!("1:{i}"))
            .collect()
    };
    let words = |ws: &[&str]| SearchFilter {
        words: ws.iter().map(|w| (*w).to_owned()).collect(),
        ..SearchFilter::default()
    };
    // "invoice p": the invoices with a "p" word.
    let both = |i: u32| i.is_multiple_of(3) && i.is_multiple_of(5);
    assert_eq!(
        filtered(&store, acc, &words(&["invoice", "p"])).await,
        newest(&both, 50)
    );
    for limit in [61u32, 201] {
        let keys = store
            .search_keys(acc, &words(&["invoice", "p"]), limit)
            .await
            .unwrap();
        let ids: Vec<String> = store
            .messages_by_sort_keys(&keys)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.server_id)
            .collect();
        assert_eq!(ids, newest(&both, limit as usize), "limit {limit}");
    }
    // Rare among the longer word's matches: left to the word index, the same answer.
    assert_eq!(
        filtered(&store, acc, &words(&["invoice", "q"])).await,
        newest(&|i| i.is_multiple_of(3) && i < 15, 50)
    );
    // A longer word in no message: nothing.
    assert!(
        filtered(&store, acc, &words(&["rechnungen", "p"]))
            .await
            .is_empty()
    );
    // A phrase being typed: "Rechnung" right before a "p" word, not with a word between.
    let phrase = SearchFilter {
        phrases: vec!["rechnung p".into()],
        ..SearchFilter::default()
    };
    assert_eq!(
        filtered(&store, acc, &phrase).await,
        newest(&|i| i.is_multiple_of(10), 50)
    );
}
