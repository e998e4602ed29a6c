//! Deleting mail through the core against Z-Push (see tests/servers/README.md "Z-Push"), as
//! carol (no other live test signs in as carol). The server's state is read back over IMAP
//! from the Dovecot that Z-Push serves the mail from: an independent view, not Z-Push's own
//! answer.
//!
//! Z-Push's IMAP backend cannot carry out a Sync `Delete` outside Trash (it hands `MoveMessage`
//! the folder name `Trash` where an id is expected) and answers "not found". Kontor deletes
//! with MoveItems to Deleted Items instead, and a delete for good that the server does not do
//! ends as a visible conflict, the message shown again.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kontor_core::engine::{EngineEvent, EngineOptions};
use kontor_core::store::OutboxState;
use kontor_core::{FolderKind, Kontor, ProfilePaths, SignIn};
use kontor_live_tests::{
    ALICE, CAROL, ZPUSH_EAS_URL, imap_count, imap_remove, require_zpush, smtp_deliver,
};
use tokio::sync::broadcast::Receiver;

fn unique(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{n}")
}

async fn signed_in() -> (tempfile::TempDir, Kontor) {
    require_zpush();
    static KEYCHAIN: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    KEYCHAIN.get_or_init(|| {
        keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
    });
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    app.sign_in(SignIn {
        server_url: ZPUSH_EAS_URL.into(),
        user: CAROL.name.into(),
        password: CAROL.password.into(),
    })
    .await
    .expect("sign-in to Z-Push as carol");
    (dir, app)
}

fn options() -> EngineOptions {
    EngineOptions {
        heartbeat: 30,
        backoff_base: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(2),
        seed: Some(7),
        ..EngineOptions::default()
    }
}

async fn folder_id(app: &Kontor, kind: FolderKind) -> String {
    app.folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} folder"))
        .id
}

/// Delivers a fresh mail from alice to carol's Inbox and waits until Dovecot has it.
async fn deliver(subject: &str) {
    let mime = format!(
        "From: Alice Archer <{}>\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@kontor.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDelete test mail.\r\n",
        ALICE.email(),
        CAROL.email()
    );
    let s = subject.to_owned();
    tokio::task::spawn_blocking(move || smtp_deliver(ALICE, CAROL, &mime))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while count("INBOX", &s).await == 0 {
        assert!(Instant::now() < deadline, "{s} was not delivered to carol");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn count(mailbox: &'static str, subject: &str) -> usize {
    let s = subject.to_owned();
    tokio::task::spawn_blocking(move || imap_count(CAROL, mailbox, &s))
        .await
        .unwrap()
}

async fn remove(mailbox: &'static str, subject: &str) {
    let s = subject.to_owned();
    tokio::task::spawn_blocking(move || imap_remove(CAROL, mailbox, &s))
        .await
        .unwrap();
}

/// Polls the cache for a message with `subject` in `folder`; returns its row id.
async fn wait_cached(app: &Kontor, folder: &str, subject: &str, secs: u64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let row: Option<i64> =
            sqlx::query_scalar("SELECT id FROM message WHERE folder_id = ?1 AND subject = ?2")
                .bind(folder)
                .bind(subject)
                .fetch_optional(app.store().pool())
                .await
                .unwrap();
        if let Some(id) = row {
            return id;
        }
        assert!(
            Instant::now() < deadline,
            "{subject} did not reach the cache of folder {folder} within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits for the outcome of operation `op`: applied, a conflict or parked.
async fn outcome_of(rx: &mut Receiver<EngineEvent>, op: i64, secs: u64) -> EngineEvent {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(e)) => match &e {
                EngineEvent::OutboxApplied { op_id, .. }
                | EngineEvent::OutboxConflict { op_id, .. }
                | EngineEvent::OutboxParked { op_id, .. }
                    if *op_id == op =>
                {
                    return e;
                }
                _ => seen.push(e),
            },
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event channel closed: {e}"),
            Err(_) => panic!("no outcome for operation {op} within {secs} s; saw {seen:#?}"),
        }
    }
}

#[tokio::test]
async fn a_deleted_mail_lands_in_trash_on_zpush() {
    let subject = unique("zpush-delete");
    deliver(&subject).await;
    let (_dir, app) = signed_in().await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let trash = folder_id(&app, FolderKind::Deleted).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let id = wait_cached(&app, &inbox, &subject, 150).await;

    let op = app.delete_message(id).await.unwrap();
    // Shown in Deleted Items at once.
    let row = app.store().message(id).await.unwrap().unwrap();
    assert_eq!(row.folder_id, trash);
    let e = outcome_of(&mut rx, op, 120).await;
    app.stop_sync().await;
    assert!(matches!(e, EngineEvent::OutboxApplied { .. }), "{e:?}");

    // Dovecot: in Trash, gone from the Inbox.
    assert_eq!(count("INBOX", &subject).await, 0, "still in the Inbox");
    assert_eq!(count("Trash", &subject).await, 1, "not in Trash");
    // The cache agrees: in Deleted Items under the server's id.
    let row = app.store().message(id).await.unwrap().unwrap();
    assert_eq!(row.folder_id, trash);
    assert!(!row.server_id.starts_with("local:"), "{}", row.server_id);
    assert_eq!(row.local_state, 0);
    remove("Trash", &subject).await;
}

#[tokio::test]
async fn a_delete_for_good_zpush_does_not_carry_out_is_shown_again() {
    let subject = unique("zpush-shift-del");
    deliver(&subject).await;
    let (_dir, app) = signed_in().await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let id = wait_cached(&app, &inbox, &subject, 150).await;

    // Shift+Del in the Inbox: a Sync Delete with DeletesAsMoves 0, which Z-Push's IMAP
    // backend turns into a move to Trash that fails.
    let op = app.delete_message_permanently(id).await.unwrap();
    let e = outcome_of(&mut rx, op, 120).await;
    app.stop_sync().await;
    let in_inbox = count("INBOX", &subject).await;
    let in_trash = count("Trash", &subject).await;
    let entry = app.store().outbox_entry(op).await.unwrap().unwrap();
    let row = app.store().message(id).await.unwrap();
    remove("INBOX", &subject).await;
    remove("Trash", &subject).await;
    // Z-Push did not delete it (should a fixed Z-Push ever do it, this test has to expect
    // `OutboxApplied` and the message gone from both folders instead).
    assert_eq!(
        (in_inbox, in_trash),
        (1, 0),
        "Z-Push's delete for good no longer fails as documented"
    );
    // Not done on the server: a visible conflict, never a silent drop.
    assert!(matches!(e, EngineEvent::OutboxConflict { .. }), "{e:?}");
    assert_eq!(entry.state, OutboxState::Parked, "{entry:?}");
    assert!(entry.last_error.starts_with("conflict:"), "{entry:?}");
    let row = row.expect("the message is still in the cache");
    assert_eq!(row.folder_id, inbox);
    assert_eq!(row.local_state, 0, "shown again in the Inbox");
}
