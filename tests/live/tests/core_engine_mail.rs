//! The mail sync engine and the outbox against the real SOGo (see tests/servers): initial sync
//! of alice's Inbox into a temporary profile, push (Ping) bringing bob's new mail, read/flag/
//! move and delete (a move to Trash) replayed through the outbox and seen by a second,
//! independent session, and an edit queued while the server is unreachable applied once it is
//! back.
//!
//! Every test has its own profile (so its own DeviceId) and unique subjects; the keychain is
//! keyring-core's in-memory sample store.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kontor_core::engine::outbox::message_id_of;
use kontor_core::engine::{EngineEvent, EngineOptions};
use kontor_core::store::OutboxOp;
use kontor_core::{FolderKind, Kontor, OutgoingMail, ProfilePaths, SignIn};
use kontor_eas::email::{Email, FlagStatus};
use kontor_eas::sync::{CollectionRequest, LoopGuard, ServerChange, Status};
use kontor_eas::{EasClient, FolderType};
use kontor_live_tests::{ALICE, BOB, SOGO_EAS_URL, User, require_sogo, wait_event};

mod eas_common;
use eas_common::{folder, session};

fn unique(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{n}")
}

async fn signed_in(user: User) -> (tempfile::TempDir, Kontor) {
    require_sogo();
    // One in-memory keychain for the whole binary: a test replacing it would drop the
    // passwords of the tests running beside it (`cargo test` runs them as threads).
    static KEYCHAIN: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    KEYCHAIN.get_or_init(|| {
        keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
    });
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    app.sign_in(SignIn::to_server(SOGO_EAS_URL, user.name, user.password))
        .await
        .unwrap();
    (dir, app)
}

/// Fast-reacting options for tests (SOGo caps the heartbeat at 120 s anyway).
fn options() -> EngineOptions {
    EngineOptions {
        heartbeat: 60,
        backoff_base: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(2),
        seed: Some(5),
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

/// Polls the cache for a message with `subject` in `folder`; returns (id, read, flag_status).
async fn wait_cached(app: &Kontor, folder: &str, subject: &str, secs: u64) -> (i64, bool, i64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let row: Option<(i64, bool, i64)> = sqlx::query_as(
            "SELECT id, read, flag_status FROM message WHERE folder_id = ?1 AND subject = ?2",
        )
        .bind(folder)
        .bind(subject)
        .fetch_optional(app.store().pool())
        .await
        .unwrap();
        if let Some(r) = row {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "{subject} did not reach the cache of folder {folder} within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// A full raw Sync of a folder from key 0 with a fresh device: ServerId → Email.
async fn raw_items(c: &mut EasClient, folder_id: &str) -> Vec<(String, Email)> {
    let mut key = "0".to_string();
    let mut items = Vec::new();
    let mut guard = LoopGuard::new(folder_id);
    loop {
        let req = CollectionRequest::new(folder_id, &key);
        let resp = c.sync(&[req]).await.expect("Sync");
        let Some(col) = resp.collection(folder_id) else {
            return items;
        };
        assert_eq!(col.status, Status::Success, "{col:?}");
        guard.observe(&key, col).expect("no sync loop");
        for ch in &col.changes {
            if let ServerChange::Add { server_id, data } = ch {
                items.push((server_id.clone(), Email::from_application_data(data)));
            }
        }
        let first = key == "0";
        key = col.sync_key.clone();
        if !col.more_available && !first {
            return items;
        }
    }
}

/// How many of `items` have `subject`.
fn copies(items: &[(String, Email)], subject: &str) -> usize {
    items
        .iter()
        .filter(|(_, m)| m.subject.as_deref() == Some(subject))
        .count()
}

/// Waits up to 60 s until `folder` holds exactly one message with `subject`; fails at once on
/// more than one.
async fn wait_for_one(c: &mut EasClient, folder: &str, subject: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = copies(&raw_items(c, folder).await, subject);
        if n == 1 {
            return;
        }
        assert!(
            n == 0 && Instant::now() < deadline,
            "{n} copies of {subject} in folder {folder}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Delivers a mail from bob to alice with EAS SendMail as bob.
async fn bob_sends_to_alice(subject: &str) {
    let (mut bob, _) = session(BOB, &format!("EngBob{}", &unique("")[1..12])).await;
    let mime = format!(
        "From: Bob Baker <{}>\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@kontor.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nEngine test mail.\r\n",
        BOB.email(),
        ALICE.email()
    );
    bob.send_mail(&unique("c"), mime.as_bytes(), false)
        .await
        .expect("SendMail as bob");
}

#[tokio::test]
async fn initial_sync_of_alices_inbox_matches_a_raw_sync() {
    let (_dir, app) = signed_in(ALICE).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let mut rx = app.subscribe();
    let (mut raw, folders) = session(ALICE, &format!("EngRaw{}", &unique("")[1..12])).await;
    assert_eq!(folder(&folders, FolderType::Inbox), inbox);
    let before: HashSet<String> = raw_items(&mut raw, &inbox)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();

    app.start_sync_with(None, options()).await.unwrap();
    let mut progress = false;
    wait_event(&mut rx, 300, "the Inbox's FolderSynced", |e| {
        progress |= matches!(e, EngineEvent::Progress { folder, estimate: Some(_), .. } if *folder == inbox);
        matches!(e, EngineEvent::FolderSynced { folder, .. } if *folder == inbox)
    })
    .await;
    assert!(
        progress,
        "a Progress event with a GetItemEstimate count came first"
    );
    let cached: Vec<String> =
        sqlx::query_scalar("SELECT server_id FROM message WHERE folder_id = ?1")
            .bind(&inbox)
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    let after: HashSet<String> = raw_items(&mut raw, &inbox)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let cached: HashSet<String> = cached.into_iter().collect();
    // Other tests deliver to alice at the same time: the cache must lie between the two raw
    // snapshots (equal to both when nothing arrived meanwhile).
    assert!(
        before.intersection(&after).all(|id| cached.contains(id)),
        "missing in the cache: {:?}",
        before
            .intersection(&after)
            .filter(|id| !cached.contains(*id))
            .collect::<Vec<_>>()
    );
    assert!(
        cached
            .iter()
            .all(|id| before.contains(id) || after.contains(id)),
        "cached items the server does not have: {:?}",
        cached
            .iter()
            .filter(|id| !before.contains(*id) && !after.contains(*id))
            .collect::<Vec<_>>()
    );
    assert!(cached.len() >= 4, "the seeded Inbox has at least 4 mails");
    let welcome: (String, String) = sqlx::query_as(
        "SELECT from_addr, preview FROM message WHERE folder_id = ?1 AND subject = 'Welcome to Kontor'",
    )
    .bind(&inbox)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert_eq!(welcome.0, "bob@kontor.test");
    assert!(welcome.1.starts_with("Hallo Alice"), "{}", welcome.1);
    app.stop_sync().await;
}

#[tokio::test]
async fn bobs_new_mail_arrives_by_push() {
    let (_dir, app) = signed_in(ALICE).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    wait_event(&mut rx, 300, "the engine listening (Ping)", |e| {
        matches!(e, EngineEvent::Listening { .. })
    })
    .await;
    let subject = unique("push");
    bob_sends_to_alice(&subject).await;
    // One Ping cycle: SOGo's maximum heartbeat is 120 s; the Ping returns when the mail lands.
    let (_, read, _) = wait_cached(&app, &inbox, &subject, 150).await;
    assert!(!read);
    app.stop_sync().await;
}

#[tokio::test]
async fn read_flag_and_move_go_through_the_outbox_to_the_server() {
    let (_dir, app) = signed_in(ALICE).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let archive = app
        .folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.name == "Archive")
        .expect("alice has an Archive folder")
        .id;
    let subject = unique("outbox");
    bob_sends_to_alice(&subject).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let (id, read, flag) = wait_cached(&app, &inbox, &subject, 150).await;
    assert!(!read && flag == 0);

    let op_read = app.mark_read(id, true).await.unwrap();
    let op_flag = app.set_flag(id, 2).await.unwrap();
    // At once in the cache.
    let (r, f): (bool, i64) = sqlx::query_as("SELECT read, flag_status FROM message WHERE id = ?1")
        .bind(id)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert!(r && f == 2, "applied to the cache immediately");
    let op_move = app.move_message(id, &archive).await.unwrap();
    let mut applied = HashSet::new();
    wait_event(&mut rx, 120, "three OutboxApplied events", |e| {
        if let EngineEvent::OutboxApplied { op_id, .. } = e {
            applied.insert(*op_id);
        }
        assert!(
            !matches!(
                e,
                EngineEvent::OutboxParked { .. } | EngineEvent::OutboxConflict { .. }
            ),
            "{e:?}"
        );
        [op_read, op_flag, op_move]
            .iter()
            .all(|o| applied.contains(o))
    })
    .await;
    app.stop_sync().await;

    // A second, fresh session sees the message in Archive, read and flagged.
    let (mut raw, _) = session(ALICE, &format!("EngChk{}", &unique("")[1..12])).await;
    let in_archive = raw_items(&mut raw, &archive).await;
    let (_, m) = in_archive
        .iter()
        .find(|(_, m)| m.subject.as_deref() == Some(subject.as_str()))
        .unwrap_or_else(|| panic!("{subject} is not in Archive on the server"));
    assert_eq!(m.read, Some(true));
    assert_eq!(m.flag, Some(FlagStatus::Active));
    let in_inbox = raw_items(&mut raw, &inbox).await;
    assert!(
        in_inbox
            .iter()
            .all(|(_, m)| m.subject.as_deref() != Some(subject.as_str())),
        "{subject} is still in the Inbox on the server"
    );
    // The cache agrees: the moved message has its real ServerId in Archive.
    let server_id: String =
        sqlx::query_scalar("SELECT server_id FROM message WHERE folder_id = ?1 AND subject = ?2")
            .bind(&archive)
            .bind(&subject)
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert!(!server_id.starts_with("local:"), "{server_id}");
}

#[tokio::test]
async fn an_edit_made_while_the_server_is_unreachable_is_applied_when_it_is_back() {
    let (_dir, app) = signed_in(ALICE).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let subject = unique("offline");
    bob_sends_to_alice(&subject).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let (id, _, _) = wait_cached(&app, &inbox, &subject, 150).await;
    app.stop_sync().await;

    // Offline: the engine talks to a closed loopback port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    app.start_sync_with(
        Some(&format!(
            "http://127.0.0.1:{closed}/SOGo/Microsoft-Server-ActiveSync"
        )),
        options(),
    )
    .await
    .unwrap();
    wait_event(&mut rx, 30, "an Unreachable error", |e| {
        matches!(
            e,
            EngineEvent::Error {
                code: kontor_core::ErrorCode::Unreachable,
                ..
            }
        )
    })
    .await;
    let op = app.mark_read(id, true).await.unwrap();
    app.set_flag(id, 2).await.unwrap();
    wait_event(
        &mut rx,
        30,
        "another Unreachable error after the edit",
        |e| {
            matches!(
                e,
                EngineEvent::Error {
                    code: kontor_core::ErrorCode::Unreachable,
                    ..
                }
            )
        },
    )
    .await;
    let state: String = sqlx::query_scalar("SELECT state FROM outbox WHERE id = ?1")
        .bind(op)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(state, "pending", "the edit waits in the outbox");
    app.stop_sync().await;

    // Back online.
    app.start_sync_with(None, options()).await.unwrap();
    wait_event(
        &mut rx,
        120,
        "the queued edit applied",
        |e| matches!(e, EngineEvent::OutboxApplied { op_id, .. } if *op_id == op + 1),
    )
    .await;
    app.stop_sync().await;
    let (mut raw, _) = session(ALICE, &format!("EngOff{}", &unique("")[1..12])).await;
    let items = raw_items(&mut raw, &inbox).await;
    let (_, m) = items
        .iter()
        .find(|(_, m)| m.subject.as_deref() == Some(subject.as_str()))
        .expect("the message is still in the Inbox");
    assert_eq!(m.read, Some(true));
    assert_eq!(m.flag, Some(FlagStatus::Active));
}

#[tokio::test]
async fn a_sent_mail_goes_out_once_and_lands_in_sent() {
    let (_dir, app) = signed_in(ALICE).await;
    let sent = folder_id(&app, FolderKind::Sent).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let subject = unique("send");
    let op = app
        .send_mail(OutgoingMail {
            from: ALICE.email(),
            to: vec![BOB.email()],
            subject: subject.clone(),
            body: "Grüße aus dem Kontor.\nZweite Zeile.".into(),
            ..OutgoingMail::default()
        })
        .await
        .unwrap();
    wait_event(
        &mut rx,
        120,
        "the send applied",
        |e| matches!(e, EngineEvent::OutboxApplied { op_id, .. } if *op_id == op),
    )
    .await;
    app.stop_sync().await;
    let entry = app.store().outbox_entry(op).await.unwrap().unwrap();
    let OutboxOp::Send { mime, .. } = &entry.op else {
        panic!("{entry:?}")
    };
    let message_id = message_id_of(mime).expect("the message has a Message-ID");

    // Bob got it exactly once.
    let (mut bob, folders) = session(BOB, &format!("EngRcv{}", &unique("")[1..12])).await;
    let bob_inbox = folder(&folders, FolderType::Inbox);
    wait_for_one(&mut bob, &bob_inbox, &subject).await;
    // Alice's Sent folder has a copy (SaveInSentItems), and SOGo reports its Message-ID as the
    // ConversationId: what the "in doubt" check after a crash relies on.
    let (mut raw, _) = session(ALICE, &format!("EngSnt{}", &unique("")[1..12])).await;
    let in_sent = raw_items(&mut raw, &sent).await;
    let (_, copy) = in_sent
        .iter()
        .find(|(_, m)| m.subject.as_deref() == Some(subject.as_str()))
        .unwrap_or_else(|| panic!("{subject} is not in alice's Sent folder"));
    assert_eq!(
        copy.conversation_id.as_deref(),
        Some(format!("<{message_id}>").as_bytes())
    );

    // A crash between the server's answer and marking the send done leaves it in flight; the
    // next replay finds it in Sent and does not send it again.
    sqlx::query("UPDATE outbox SET state = 'in_flight' WHERE id = ?1")
        .bind(op)
        .execute(app.store().pool())
        .await
        .unwrap();
    app.start_sync_with(None, options()).await.unwrap();
    wait_event(
        &mut rx,
        120,
        "the in-doubt send settled",
        |e| matches!(e, EngineEvent::OutboxApplied { op_id, .. } if *op_id == op),
    )
    .await;
    app.stop_sync().await;
    // A second copy would be delivered within seconds (the first one took less).
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        copies(&raw_items(&mut bob, &bob_inbox).await, &subject),
        1,
        "the in-doubt send went out twice"
    );
}

#[tokio::test]
async fn a_ping_longer_than_sogo_allows_ends_at_its_limit_and_the_loop_goes_on() {
    let (_dir, app) = signed_in(ALICE).await;
    let mut rx = app.subscribe();
    app.start_sync_with(
        None,
        EngineOptions {
            heartbeat: 480,
            ..options()
        },
    )
    .await
    .unwrap();
    wait_event(&mut rx, 300, "a Ping with the 480 s start value", |e| {
        matches!(
            e,
            EngineEvent::Listening {
                heartbeat_secs: 480,
                ..
            }
        )
    })
    .await;
    let started = Instant::now();
    // SOGo does not answer Ping status 5 for a heartbeat above SOGoMaximumPingInterval (120 s
    // here): it ends the Ping at its limit with "no changes" (or earlier with changes, which
    // other tests' mail may cause), and the engine pings again.
    wait_event(&mut rx, 200, "the next Ping", |e| {
        matches!(e, EngineEvent::Listening { .. })
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(400),
        "the server held a Ping for {:?}",
        started.elapsed()
    );
    app.stop_sync().await;
}

#[tokio::test]
async fn a_failed_send_is_taken_back_as_a_draft_to_edit() {
    let (_dir, app) = signed_in(ALICE).await;
    let drafts = folder_id(&app, FolderKind::Drafts).await;
    // No engine runs: the sends wait. One is made to have failed (as when the server refuses a
    // recipient), one to be on its way.
    let subject = unique("edit-unsent");
    let send = |subject: String| OutgoingMail {
        to: vec![format!("Bob Baker <{}>", BOB.email())],
        subject,
        body: "Bitte noch einmal prüfen.".into(),
        ..OutgoingMail::default()
    };
    let failed = app.send_mail(send(subject.clone())).await.unwrap();
    sqlx::query(
        "UPDATE outbox SET state = 'parked', last_error = '550 recipient refused' WHERE id = ?1",
    )
    .bind(failed)
    .execute(app.store().pool())
    .await
    .unwrap();
    let busy = app
        .send_mail(send(format!("{subject} (on its way)")))
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET state = 'in_flight' WHERE id = ?1")
        .bind(busy)
        .execute(app.store().pool())
        .await
        .unwrap();

    let saved = app.edit_unsent(failed).await.unwrap();
    // The send is given up, its message is a draft in Drafts with what was written.
    assert!(app.store().outbox_entry(failed).await.unwrap().is_none());
    let row = app
        .store()
        .message(saved.message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.folder_id.as_str(), row.subject.as_str()),
        (drafts.as_str(), subject.as_str())
    );
    let form = app
        .compose(
            kontor_core::app::ComposeMode::Draft,
            Some(saved.message_id),
            kontor_core::Lang::De,
        )
        .await
        .unwrap();
    assert_eq!(form.subject, subject);
    assert!(
        form.to.iter().any(|t| t.contains(&BOB.email())),
        "{:?}",
        form.to
    );
    assert!(
        form.body_html.contains("Bitte noch einmal"),
        "{}",
        form.body_html
    );

    // One being sent at this moment is not taken back; it stays as it is.
    let err = app.edit_unsent(busy).await.unwrap_err();
    assert!(err.to_string().contains("being sent"), "{err}");
    assert!(app.store().outbox_entry(busy).await.unwrap().is_some());
    // Neither is anything but a message.
    assert!(app.edit_unsent(saved.op_id).await.is_err());
}

#[tokio::test]
async fn a_draft_is_kept_here_and_sent_from_there() {
    let (_dir, app) = signed_in(ALICE).await;
    let drafts = folder_id(&app, FolderKind::Drafts).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let subject = unique("draft");
    let saved = app
        .save_draft(
            OutgoingMail {
                to: vec![format!("Bob Baker <{}>", BOB.email())],
                subject: format!("{subject} (v1)"),
                body: "Erster Entwurf.".into(),
                ..OutgoingMail::default()
            },
            None,
        )
        .await
        .unwrap();
    // Shown in Drafts at once.
    let row = app
        .store()
        .message(saved.message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.folder_id.as_str(), row.subject.as_str()),
        (drafts.as_str(), format!("{subject} (v1)").as_str())
    );
    wait_event(
        &mut rx,
        120,
        "the draft save applied",
        |e| matches!(e, EngineEvent::OutboxApplied { op_id, .. } if *op_id == saved.op_id),
    )
    .await;
    // SOGo speaks ActiveSync 14.1, which cannot store drafts: kept on this computer, the
    // server's Drafts folder unchanged (and SOGo still answering).
    let row = app
        .store()
        .message(saved.message_id)
        .await
        .unwrap()
        .unwrap();
    assert!(row.server_id.starts_with("local:"), "{row:?}");
    let (mut raw, _) = session(ALICE, &format!("EngDrf{}", &unique("")[1..12])).await;
    assert!(!raw_items(&mut raw, &drafts).await.iter().any(|(_, m)| {
        m.subject
            .as_deref()
            .is_some_and(|s| s.starts_with(&subject))
    }));
    // Edited: the same draft.
    let again = app
        .save_draft(
            OutgoingMail {
                to: vec![format!("Bob Baker <{}>", BOB.email())],
                subject: subject.clone(),
                body: "Zweiter Entwurf.".into(),
                ..OutgoingMail::default()
            },
            Some(saved.message_id),
        )
        .await
        .unwrap();
    assert_eq!(again.message_id, saved.message_id);
    // Sent from the draft: the message goes out, the draft goes away.
    let op = app
        .send_mail(OutgoingMail {
            to: vec![format!("Bob Baker <{}>", BOB.email())],
            subject: subject.clone(),
            body: "Zweiter Entwurf.".into(),
            draft: Some(saved.message_id),
            ..OutgoingMail::default()
        })
        .await
        .unwrap();
    wait_event(
        &mut rx,
        120,
        "the send applied",
        |e| matches!(e, EngineEvent::OutboxApplied { op_id, .. } if *op_id == op),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while app
        .store()
        .message(saved.message_id)
        .await
        .unwrap()
        .is_some()
    {
        assert!(Instant::now() < deadline, "the sent draft is still cached");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.stop_sync().await;
    assert!(app.store().parked().await.unwrap().is_empty());
    let (mut bob, folders) = session(BOB, &format!("EngDrB{}", &unique("")[1..12])).await;
    let inbox = folder(&folders, FolderType::Inbox);
    wait_for_one(&mut bob, &inbox, &subject).await;
}

#[tokio::test]
async fn a_deleted_mail_is_moved_to_trash_on_the_server() {
    let (_dir, app) = signed_in(ALICE).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let trash = folder_id(&app, FolderKind::Deleted).await;
    let subject = unique("delete");
    bob_sends_to_alice(&subject).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let (id, _, _) = wait_cached(&app, &inbox, &subject, 150).await;

    // As in Outlook: a MoveItems to Deleted Items, shown there at once.
    let op = app.delete_message(id).await.unwrap();
    let row = app.store().message(id).await.unwrap().unwrap();
    assert_eq!(row.folder_id, trash);
    wait_event(&mut rx, 120, "the delete applied", |e| {
        assert!(
            !matches!(
                e,
                EngineEvent::OutboxParked { op_id, .. } | EngineEvent::OutboxConflict { op_id, .. }
                    if *op_id == op
            ),
            "{e:?}"
        );
        matches!(e, EngineEvent::OutboxApplied { op_id, .. } if *op_id == op)
    })
    .await;
    app.stop_sync().await;

    // A second, fresh session: in Trash, not in the Inbox.
    let (mut raw, _) = session(ALICE, &format!("EngDel{}", &unique("")[1..12])).await;
    wait_for_one(&mut raw, &trash, &subject).await;
    assert_eq!(copies(&raw_items(&mut raw, &inbox).await, &subject), 0);
    let row = app.store().message(id).await.unwrap().unwrap();
    assert!(!row.server_id.starts_with("local:"), "{}", row.server_id);
}
