//! A Sync answer lost on its way back, followed by the outbox replaying a change in the same
//! folder, against the real SOGo (no proxy needed: the "lost" answer is a request whose answer
//! the test throws away, with the app's own DeviceId and SyncKey).
//!
//! SOGo (5.8) answers a Sync that carries client commands with no server changes, and when
//! that Sync names an older SyncKey than the device's latest, with the device's *latest* key:
//! a client that then stores that key has skipped the changes of the lost answer for good. The
//! engine therefore sends commands only after a plain Sync of the folder has fetched what the
//! server has (engine/mail.rs `sync_pass`); this test fails without that.

use kontor_core::engine::{AccountContext, EventBus, mail, outbox};
use kontor_core::{FolderKind, Kontor};
use kontor_eas::sync::{CollectionRequest, ServerChange};
use kontor_eas::{EasClient, EasConfig};
use kontor_live_tests::SOGO_EAS_URL;
use sqlx::Row;

mod common;
use common::{Imap, message, unique};

/// This binary's own account (tests/servers/seed.py); only its INBOX is used.
const USER: kontor_live_tests::User = kontor_live_tests::HEIDI;

/// (cache id, flagged) of the cached message with `subject`.
async fn cached(app: &Kontor, subject: &str) -> (i64, bool) {
    let r = sqlx::query("SELECT id, flag_status FROM message WHERE subject = ?1")
        .bind(subject)
        .fetch_one(app.store().pool())
        .await
        .unwrap_or_else(|e| panic!("{subject} not cached: {e}"));
    (r.get(0), r.get::<i64, _>(1) == 2)
}

/// The engine's per-account context on the app's own DeviceId, straight to SOGo.
async fn engine_context(app: &Kontor, account_id: i64, window_size: u32) -> AccountContext {
    let cfg = EasConfig::new(
        SOGO_EAS_URL,
        USER.name,
        USER.password,
        &app.device_id().await,
    )
    .unwrap()
    .device_type(kontor_core::sync::DEVICE_TYPE);
    let mut client = EasClient::new(cfg).unwrap();
    client.negotiate().await.unwrap();
    client.provision().await.unwrap();
    AccountContext {
        account_id,
        client,
        store: app.store().clone(),
        events: EventBus::new(256),
        window_size,
        max_attempts: 8,
        seed: None,
    }
}

#[tokio::test]
async fn a_change_in_a_lost_sync_answer_survives_the_next_outbox_replay() {
    let (_dir, app, account_id) = common::signed_in(USER, SOGO_EAS_URL).await;
    let inbox = app
        .folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.kind == FolderKind::Inbox)
        .expect("an Inbox")
        .id;
    let mut cx = engine_context(&app, account_id, 100).await;

    // Two new messages, x and y, in the cache.
    let (x, y) = (unique("KFlostx"), unique("KFlosty"));
    let mut imap = Imap::login(USER).await;
    for s in [&x, &y] {
        imap.append("INBOX", "", &message(USER, USER, s)).await;
    }
    mail::sync_pass(&mut cx, &inbox, Vec::new()).await.unwrap();
    let (x_id, x_flagged) = cached(&app, &x).await;
    let (y_id, _) = cached(&app, &y).await;
    assert!(!x_flagged);

    // Someone flags x on the server; the Sync answer that carries it is lost.
    imap.select("INBOX").await;
    let uid = imap.uids_with_subject(&x).await[0];
    imap.cmd(&format!("UID STORE {uid} +FLAGS (\\Flagged)"))
        .await;
    let key = app.store().sync_key(account_id, &inbox).await.unwrap();
    let mut lost = None;
    for _ in 0..20 {
        let mut req = CollectionRequest::new(&inbox, &key);
        req.window_size = Some(100);
        let resp = cx.client.sync(&[req]).await.unwrap();
        let col = resp.collection(&inbox).expect("the Inbox's answer");
        if col.changes.iter().any(|c| {
            matches!(c, ServerChange::Change { server_id, .. } if *server_id == uid.to_string())
        }) {
            lost = Some(col.sync_key.clone());
            break;
        }
        // Not there yet (IMAP to EAS is not instant): nothing was handed out, ask again.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert!(
        lost.is_some(),
        "the server never reported x's flag (the test would prove nothing)"
    );
    assert_eq!(
        app.store().sync_key(account_id, &inbox).await.unwrap(),
        key,
        "the lost answer did not reach the cache"
    );

    // The user marks y read; the outbox replays it, then the folder syncs.
    app.mark_read(y_id, true).await.unwrap();
    outbox::replay(&mut cx).await.unwrap();
    mail::sync_pass(&mut cx, &inbox, Vec::new()).await.unwrap();
    let (id, flagged) = cached(&app, &x).await;
    assert_eq!(id, x_id);
    assert!(
        flagged,
        "x's flag from the lost answer was skipped: the cache says unflagged, the server flagged"
    );
    imap.logout().await;
}

/// Deletes in a lost Sync answer: SOGo drops the uids it reports from the device's cache at
/// once, so only its clean-up for a key older than the device's latest sends them again. The
/// engine's next passes on the old key must leave exactly the server's messages (seven
/// expunged, window of five).
#[tokio::test]
async fn deletes_in_a_lost_sync_answer_are_not_kept() {
    let (_dir, app, account_id) = common::signed_in(USER, SOGO_EAS_URL).await;
    let mut truth = common::direct(USER).await;
    let name = unique("KFlostdel");
    let folder = common::create_mail_folder(&mut truth, USER, &name).await;
    app.refresh_folders().await.unwrap();
    let mut cx = engine_context(&app, account_id, 5).await;

    // Ten messages cached; then one is flagged on the server and synced, so the folder's key
    // is SOGo's plain UIDNEXT-HIGHESTMODSEQ tag.
    let mut imap = Imap::login(USER).await;
    let subjects: Vec<String> = (0..10).map(|i| format!("{name}-{i}")).collect();
    for s in &subjects {
        imap.append(&name, "", &message(USER, USER, s)).await;
    }
    mail::sync_pass(&mut cx, &folder, Vec::new()).await.unwrap();
    imap.select(&name).await;
    let uid0 = imap.uids_with_subject(&subjects[0]).await[0];
    imap.cmd(&format!("UID STORE {uid0} +FLAGS (\\Flagged)"))
        .await;
    mail::sync_pass(&mut cx, &folder, Vec::new()).await.unwrap();
    let cached_subjects = async |app: &Kontor| -> Vec<String> {
        sqlx::query_scalar(
            "SELECT subject FROM message WHERE folder_id = ?1 AND local_state & 8 = 0
             ORDER BY subject",
        )
        .bind(&folder)
        .fetch_all(app.store().pool())
        .await
        .unwrap()
    };
    assert_eq!(cached_subjects(&app).await, subjects);

    // Seven are expunged on the server; the answer with the first window of Deletes is lost.
    for s in &subjects[1..8] {
        let uid = imap.uids_with_subject(s).await[0];
        imap.cmd(&format!("UID STORE {uid} +FLAGS (\\Deleted)"))
            .await;
        imap.cmd(&format!("UID EXPUNGE {uid}")).await;
    }
    let key = app.store().sync_key(account_id, &folder).await.unwrap();
    let mut lost = false;
    for _ in 0..20 {
        let mut req = CollectionRequest::new(&folder, &key);
        req.window_size = Some(5);
        let resp = cx.client.sync(&[req]).await.unwrap();
        if let Some(col) = resp.collection(&folder)
            && col
                .changes
                .iter()
                .any(|c| matches!(c, ServerChange::Delete { .. }))
        {
            lost = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert!(
        lost,
        "the server never reported the Deletes (the test would prove nothing)"
    );

    // The next passes (the engine's ordinary work) leave exactly the server's messages.
    mail::sync_pass(&mut cx, &folder, Vec::new()).await.unwrap();
    mail::sync_pass(&mut cx, &folder, Vec::new()).await.unwrap();
    let mut expected: Vec<String> = [&subjects[0], &subjects[8], &subjects[9]]
        .into_iter()
        .cloned()
        .collect();
    expected.sort();
    assert_eq!(
        cached_subjects(&app).await,
        expected,
        "messages deleted on the server stayed in the cache"
    );
    imap.logout().await;
    common::delete_folder(&mut truth, &folder).await;
}
