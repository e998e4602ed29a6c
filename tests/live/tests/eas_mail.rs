//! ActiveSync mail, push, attachments, GAL, out-of-office and folder commands against the real
//! SOGo (see tests/servers). Each test uses its own DeviceId so SOGo's per-device sync state of
//! one test never leaks into another.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kontor_eas::email::{self, Email, FlagStatus};
use kontor_eas::folder_sync::Change;
use kontor_eas::move_items::{self, Move};
use kontor_eas::ping::{Outcome, PingFolder};
use kontor_eas::sync::{
    BodyPreference, BodyType, ClientCommand, CollectionRequest, LoopGuard, ServerChange, Status,
    SyncOptions,
};
use kontor_eas::{EasClient, FolderType, ItemClass};
use kontor_live_tests::{ALICE, BOB, User};
use kontor_wbxml::Element;

mod eas_common;
use eas_common::{folder, session};
/// SOGo's workers drop connections when several ActiveSync sessions hit them at once
/// ("http server caught: (null)" in its log), so the tests in this file run one at a time.
/// This only serialises tests that share a process (`cargo test`); nextest gives each test its
/// own process, and there the client's one resend of a reset request covers SOGo's resets.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn unique(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{n}")
}

fn mail_options() -> SyncOptions {
    SyncOptions {
        body_preferences: vec![BodyPreference {
            truncation_size: Some(32_768),
            ..BodyPreference::new(BodyType::PlainText)
        }],
        ..SyncOptions::default()
    }
}

/// Runs Sync rounds on one folder until the server has nothing more; returns the new key and
/// the Add/Change items seen (ServerId → data).
async fn sync_until_done(
    c: &mut EasClient,
    folder_id: &str,
    key: &str,
) -> (String, Vec<(String, Element)>) {
    let mut key = key.to_string();
    let mut items = Vec::new();
    let mut guard = LoopGuard::new(folder_id);
    loop {
        let mut req = CollectionRequest::new(folder_id, &key);
        req.options = Some(mail_options());
        let resp = c.sync(&[req]).await.expect("Sync");
        let Some(col) = resp.collection(folder_id) else {
            return (key, items);
        };
        assert_eq!(col.status, Status::Success, "{col:?}");
        guard.observe(&key, col).expect("no sync loop");
        for ch in &col.changes {
            if let ServerChange::Add { server_id, data }
            | ServerChange::Change { server_id, data } = ch
            {
                items.push((server_id.clone(), data.clone()));
            }
        }
        let first_round = key == "0";
        key = col.sync_key.clone();
        if !col.more_available && !first_round {
            return (key, items);
        }
    }
}

/// Syncs `folder_id` from `key` until an item with `subject` shows up (mail delivery is
/// asynchronous), for up to 60 s.
async fn wait_for_subject(
    c: &mut EasClient,
    folder_id: &str,
    key: &mut String,
    subject: &str,
) -> (String, Email) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (k, items) = sync_until_done(c, folder_id, key).await;
        *key = k;
        for (id, data) in items {
            let m = Email::from_application_data(&data);
            if m.subject.as_deref() == Some(subject) {
                return (id, m);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no mail with subject {subject} arrived"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn mime(from: User, to: User, subject: &str, body: &str) -> Vec<u8> {
    // Bare LF on purpose: the client must turn it into CRLF.
    format!(
        "From: {} <{}>\nTo: {}\nSubject: {subject}\nMessage-ID: <{subject}@kontor.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n",
        from.name,
        from.email(),
        to.email()
    )
    .into_bytes()
}

#[tokio::test]
async fn send_mail_reaches_bob() {
    let _serial = SERIAL.lock().await;
    let (mut alice, _) = session(ALICE, "KontorLiveMail1a").await;
    let (mut bob, bob_folders) = session(BOB, "KontorLiveMail1b").await;
    let inbox = folder(&bob_folders, FolderType::Inbox);
    let (mut key, _) = sync_until_done(&mut bob, &inbox, "0").await;

    let subject = unique("sendmail");
    alice
        .send_mail(
            &unique("c"),
            &mime(ALICE, BOB, &subject, "Grüße aus Kontor\nzweite Zeile"),
            true,
        )
        .await
        .expect("SendMail");

    let (_, m) = wait_for_subject(&mut bob, &inbox, &mut key, &subject).await;
    assert!(
        m.from
            .as_deref()
            .unwrap_or_default()
            .contains("alice@kontor.test"),
        "{m:?}"
    );
    let body = m.body.expect("body");
    let text = String::from_utf8_lossy(body.data.as_deref().unwrap_or_default()).to_string();
    assert!(
        text.contains("Grüße aus Kontor") && text.contains("zweite Zeile"),
        "body: {text:?}"
    );
}

#[tokio::test]
async fn read_flag_move_delete_round_trip() {
    let _serial = SERIAL.lock().await;
    let (mut bob, folders) = session(BOB, "KontorLiveMail2a").await;
    let inbox = folder(&folders, FolderType::Inbox);
    let trash = folder(&folders, FolderType::DeletedItems);
    let (mut key, _) = sync_until_done(&mut bob, &inbox, "0").await;
    let subject = unique("roundtrip");
    bob.send_mail(&unique("c"), &mime(BOB, BOB, &subject, "round trip"), false)
        .await
        .expect("SendMail");
    let (id, m) = wait_for_subject(&mut bob, &inbox, &mut key, &subject).await;
    assert_eq!(m.read, Some(false));

    // Read + flag in one Sync.
    let mut req = CollectionRequest::new(&inbox, &key);
    req.commands = vec![
        ClientCommand::Change {
            server_id: id.clone(),
            data: email::set_read(true),
        },
        ClientCommand::Change {
            server_id: id.clone(),
            data: email::set_flag(FlagStatus::Active),
        },
    ];
    let resp = bob.sync(&[req]).await.expect("Sync with changes");
    let col = resp.collection(&inbox).expect("collection answer");
    assert_eq!(col.status, Status::Success);
    key = col.sync_key.clone();
    let _ = key;

    // A second device sees the new state.
    let (mut other, _) = session(BOB, "KontorLiveMail2b").await;
    let (_, items) = sync_until_done(&mut other, &inbox, "0").await;
    let seen = items
        .iter()
        .map(|(i, d)| (i, Email::from_application_data(d)))
        .find(|(i, _)| **i == id)
        .expect("item visible to the second device")
        .1;
    assert_eq!(seen.read, Some(true), "{seen:?}");
    assert_eq!(seen.flag, Some(FlagStatus::Active), "{seen:?}");

    // Move to Trash.
    let moved = bob
        .move_items(&[Move {
            src_msg_id: id.clone(),
            src_fld_id: inbox.clone(),
            dst_fld_id: trash.clone(),
        }])
        .await
        .expect("MoveItems");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].status, move_items::Status::Success, "{moved:?}");
    let new_id = moved[0].dst_msg_id.clone().expect("DstMsgId");

    // Delete for good from Trash.
    let (tkey, titems) = sync_until_done(&mut bob, &trash, "0").await;
    assert!(
        titems.iter().any(|(i, _)| *i == new_id),
        "moved item not in Trash"
    );
    let mut req = CollectionRequest::new(&trash, &tkey);
    req.deletes_as_moves = Some(false);
    req.commands = vec![ClientCommand::Delete {
        server_id: new_id.clone(),
    }];
    let resp = bob.sync(&[req]).await.expect("Sync delete");
    assert_eq!(
        resp.collection(&trash).map(|c| c.status),
        Some(Status::Success)
    );
    let (mut fresh, _) = session(BOB, "KontorLiveMail2c").await;
    let (_, after) = sync_until_done(&mut fresh, &trash, "0").await;
    assert!(
        !after.iter().any(|(i, _)| *i == new_id),
        "deleted item still in Trash"
    );
}

#[tokio::test]
async fn ping_wakes_on_new_mail() {
    let _serial = SERIAL.lock().await;
    let (mut alice, _) = session(ALICE, "KontorLiveMail3a").await;
    let (mut bob, folders) = session(BOB, "KontorLiveMail3b").await;
    let inbox = folder(&folders, FolderType::Inbox);
    let _ = sync_until_done(&mut bob, &inbox, "0").await;
    let subject = unique("ping");
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        alice
            .send_mail(&unique("c"), &mime(ALICE, BOB, &subject, "wake up"), false)
            .await
            .expect("SendMail");
    });
    let started = Instant::now();
    let outcome = bob
        .ping(
            120,
            &[PingFolder {
                id: inbox.clone(),
                class: ItemClass::Email,
            }],
        )
        .await
        .expect("Ping");
    sender.await.unwrap();
    assert_eq!(
        outcome,
        Outcome::Changed(vec![inbox]),
        "after {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(100),
        "Ping took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn attachment_is_byte_identical() {
    let _serial = SERIAL.lock().await;
    let (mut alice, folders) = session(ALICE, "KontorLiveMail4a").await;
    let inbox = folder(&folders, FolderType::Inbox);
    let (_, items) = sync_until_done(&mut alice, &inbox, "0").await;
    let mail = items
        .iter()
        .map(|(_, d)| Email::from_application_data(d))
        .find(|m| m.subject.as_deref() == Some("Report with attachments"))
        .expect("seeded mail with attachments");
    let att = mail
        .attachments
        .iter()
        .find(|a| a.display_name == "report.pdf")
        .expect("report.pdf listed");
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("report.pdf");
    // Progress as the answer arrives: rising, and at the end all the server announced.
    let seen = std::sync::Mutex::new(Vec::<(u64, Option<u64>)>::new());
    let n = alice
        .fetch_attachment_with_progress(&att.file_reference, &dest, &|got, total| {
            seen.lock().unwrap().push((got, total));
        })
        .await
        .expect("ItemOperations Fetch");
    let seen = seen.into_inner().unwrap();
    assert!(!seen.is_empty(), "no progress reported");
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "progress not rising: {seen:?}"
    );
    let (last, total) = *seen.last().unwrap();
    if let Some(total) = total {
        assert_eq!(last, total, "progress ended short of the announced size");
    }
    assert!(
        last >= n,
        "the answer ({last} bytes) is smaller than the file ({n} bytes)"
    );
    let expected = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../servers/seed/report.pdf"
    ))
    .unwrap();
    let got = std::fs::read(&dest).unwrap();
    assert_eq!(n as usize, expected.len());
    assert!(
        got == expected,
        "attachment differs: {} bytes vs {} expected",
        got.len(),
        expected.len()
    );
    assert!(!dir.path().join("report.pdf.part").exists());
}

#[tokio::test]
async fn gal_search_finds_bob() {
    let _serial = SERIAL.lock().await;
    let (mut alice, _) = session(ALICE, "KontorLiveMail5a").await;
    let r = alice.search_gal("bob", 10).await.expect("Search GAL");
    assert!(
        r.items
            .iter()
            .any(|e| e.email_address.as_deref() == Some("bob@kontor.test")),
        "{r:?}"
    );
}

/// SOGo's ActiveSync keeps automatic replies when its vacation feature is on (the test SOGo):
/// Settings Oof Get answers with the user's state, its placeholders ("(null)", 1970-01-01)
/// read as none. (A SOGo with it off answers without an Oof element, read as "not supported":
/// crates/eas/tests/oof.rs on the recorded answer; the round trip is in core_auto_replies.rs.)
#[tokio::test]
async fn oof_on_sogo_is_read() {
    let _serial = SERIAL.lock().await;
    let (mut bob, _) = session(BOB, "KontorLiveMail6a").await;
    let oof = bob
        .oof_get()
        .await
        .expect("SOGo keeps automatic replies with its vacation feature on");
    assert!(
        oof.start_time
            .as_deref()
            .is_none_or(|t| !t.starts_with("1970")),
        "{oof:?}"
    );
    assert_ne!(oof.internal.message.as_deref(), Some("(null)"), "{oof:?}");
}

#[tokio::test]
async fn folder_create_update_delete() {
    let _serial = SERIAL.lock().await;
    let (mut alice, _) = session(ALICE, "KontorLiveMail7a").await;
    let key = alice.folder_sync("0").await.expect("FolderSync").sync_key;
    let name = unique("KontorTest");
    let created = alice
        .folder_create(&key, "0", &name, FolderType::UserCreatedMail)
        .await
        .expect("FolderCreate");
    let h = alice.folder_sync("0").await.expect("FolderSync");
    assert!(
        h.changes
            .iter()
            .any(|c| matches!(c, Change::Add(f) if f.display_name == name)),
        "created folder not listed"
    );
    let renamed = format!("{name}-renamed");
    let key = alice
        .folder_update(&h.sync_key, &created.server_id, "0", &renamed)
        .await
        .expect("FolderUpdate");
    let h = alice.folder_sync("0").await.expect("FolderSync");
    let f = h
        .changes
        .iter()
        .find_map(|c| match c {
            Change::Add(f) if f.display_name == renamed => Some(f.clone()),
            _ => None,
        })
        .expect("renamed folder listed");
    let _ = key;
    alice
        .folder_delete(&h.sync_key, &f.server_id)
        .await
        .expect("FolderDelete");
    let h = alice.folder_sync("0").await.expect("FolderSync");
    assert!(
        !h.changes.iter().any(
            |c| matches!(c, Change::Add(f) if f.display_name == renamed || f.display_name == name)
        ),
        "deleted folder still listed"
    );
}
