//! ActiveSync calendar Sync in both directions against the real SOGo: a client Add with
//! ClientId, a Change, a Fetch, and a Delete, each checked from a second device; plus
//! GetItemEstimate, ResolveRecipients and SmartReply.

use std::time::{SystemTime, UNIX_EPOCH};

use kontor_eas::calendar::Event;
use kontor_eas::compose::{Compose, Source};
use kontor_eas::email::Email;
use kontor_eas::estimate::EstimateRequest;
use kontor_eas::sync::{ClientCommand, CollectionRequest, ItemResponse, ServerChange, Status};
use kontor_eas::{EasError, FolderType, ProtocolVersion};
use kontor_live_tests::{ALICE, BOB};

mod eas_common;
use eas_common::{folder, full_sync, session};
/// SOGo drops connections under concurrent ActiveSync load; run these one at a time.
/// This only serialises tests that share a process (`cargo test`); nextest gives each test its
/// own process, and there the client's one resend of a reset request covers SOGo's resets.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn stamp() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test]
async fn event_add_change_fetch_delete() {
    let _serial = SERIAL.lock().await;
    let (mut alice, folders) = session(ALICE, "KontorLiveCal1a").await;
    let cal = folder(&folders, FolderType::Calendar);
    let (key, _) = full_sync(&mut alice, &cal).await;

    let uid = format!("kontor-live-{}", stamp());
    let event = Event {
        uid: Some(uid.clone()),
        dtstamp: Some("20261127T100000Z".into()),
        start_time: Some("20261215T090000Z".into()),
        end_time: Some("20261215T100000Z".into()),
        subject: Some("Kontor live event".into()),
        location: Some("Raum 3".into()),
        body: Some("Agenda: Grüße".into()),
        reminder: Some(10),
        busy_status: Some(2),
        sensitivity: Some(0),
        meeting_status: Some(0),
        ..Event::default()
    };
    let mut req = CollectionRequest::new(&cal, &key);
    req.commands = vec![ClientCommand::Add {
        client_id: format!("c{}", stamp()),
        data: event.to_application_data(ProtocolVersion::V14_1),
    }];
    let resp = alice.sync(&[req]).await.expect("Sync Add");
    let col = resp.collection(&cal).expect("answer");
    assert_eq!(col.status, Status::Success);
    let server_id = match col.responses.as_slice() {
        [
            ItemResponse::Add {
                status: Status::Success,
                server_id: Some(id),
                ..
            },
        ] => id.clone(),
        other => panic!("unexpected Add answer {other:?}"),
    };
    let mut key = col.sync_key.clone();

    // Change the subject.
    let mut changed = event.clone();
    changed.subject = Some("Kontor live event (changed)".into());
    let mut req = CollectionRequest::new(&cal, &key);
    req.commands = vec![ClientCommand::Change {
        server_id: server_id.clone(),
        data: changed.to_application_data(ProtocolVersion::V14_1),
    }];
    let resp = alice.sync(&[req]).await.expect("Sync Change");
    let col = resp.collection(&cal).unwrap();
    assert_eq!(col.status, Status::Success, "{col:?}");
    key = col.sync_key.clone();

    // SOGo does not implement Fetch inside Sync for calendars (HTTP 501): the client says so
    // plainly, and ItemOperations fetches the item instead.
    let mut req = CollectionRequest::new(&cal, &key);
    req.get_changes = false;
    req.commands = vec![ClientCommand::Fetch {
        server_id: server_id.clone(),
    }];
    let err = alice
        .sync(&[req])
        .await
        .expect_err("SOGo: no Fetch in Sync");
    assert!(matches!(err, EasError::NotSupported { .. }), "{err:?}");
    let fetched = Event::from_application_data(
        &alice
            .fetch_item(&cal, &server_id, None)
            .await
            .expect("ItemOperations Fetch"),
    );
    assert_eq!(
        fetched.subject.as_deref(),
        Some("Kontor live event (changed)")
    );
    assert_eq!(fetched.start_time.as_deref(), Some("20261215T090000Z"));
    assert_eq!(fetched.reminder, Some(10));

    // A second device sees it.
    let (mut other, _) = session(ALICE, "KontorLiveCal1b").await;
    let (_, items) = full_sync(&mut other, &cal).await;
    let seen = items
        .iter()
        .find(|(i, _)| *i == server_id)
        .map(|(_, d)| Event::from_application_data(d));
    let seen = seen.expect("second device sees the event");
    assert_eq!(seen.uid.as_deref(), Some(uid.as_str()));
    assert_eq!(seen.location.as_deref(), Some("Raum 3"));
    assert!(seen.body.as_deref().unwrap_or_default().contains("Grüße"));

    // Delete it.
    let mut req = CollectionRequest::new(&cal, &key);
    req.commands = vec![ClientCommand::Delete {
        server_id: server_id.clone(),
    }];
    let resp = alice.sync(&[req]).await.expect("Sync Delete");
    assert_eq!(
        resp.collection(&cal).map(|c| c.status),
        Some(Status::Success)
    );
    let (mut third, _) = session(ALICE, "KontorLiveCal1c").await;
    let (_, items) = full_sync(&mut third, &cal).await;
    assert!(
        !items.iter().any(|(i, _)| *i == server_id),
        "deleted event still there"
    );
}

#[tokio::test]
async fn item_estimate_and_recipients() {
    let _serial = SERIAL.lock().await;
    let (mut alice, folders) = session(ALICE, "KontorLiveCal2a").await;
    let inbox = folder(&folders, FolderType::Inbox);
    // Prime the folder (key 0 → first key) without fetching items, then estimate.
    let resp = alice
        .sync(&[CollectionRequest::new(&inbox, "0")])
        .await
        .expect("Sync 0");
    let key = resp.collection(&inbox).expect("answer").sync_key.clone();
    let est = alice
        .get_item_estimate(&[EstimateRequest {
            collection_id: inbox.clone(),
            sync_key: key,
            filter_type: None,
        }])
        .await
        .expect("GetItemEstimate");
    let n = est
        .iter()
        .find(|(c, _)| *c == inbox)
        .map(|(_, n)| *n)
        .expect("estimate for the inbox");
    assert!(n >= 4, "seeded inbox has at least 4 messages, estimate {n}");

    let r = alice
        .resolve_recipients(
            &["bob@kontor.test"],
            Some(("2026-11-27T00:00:00.000Z", "2026-11-28T00:00:00.000Z")),
        )
        .await
        .expect("ResolveRecipients");
    let bob = r
        .iter()
        .flat_map(|x| &x.recipients)
        .find(|x| x.email_address.as_deref() == Some("bob@kontor.test"));
    let fb = bob
        .and_then(|b| b.merged_free_busy.clone())
        .unwrap_or_else(|| panic!("no free/busy for bob in {r:?}"));
    assert!(
        !fb.is_empty() && fb.chars().all(|c| c.is_ascii_digit()),
        "{fb:?}"
    );
}

#[tokio::test]
async fn smart_reply_reaches_the_sender() {
    let _serial = SERIAL.lock().await;
    let (mut alice, folders) = session(ALICE, "KontorLiveCal3a").await;
    let inbox = folder(&folders, FolderType::Inbox);
    let (_, items) = full_sync(&mut alice, &inbox).await;
    let (welcome_id, _) = items
        .iter()
        .find(|(_, d)| {
            Email::from_application_data(d).subject.as_deref() == Some("Welcome to Kontor")
        })
        .expect("seeded welcome mail from bob");
    let (mut bob, bob_folders) = session(BOB, "KontorLiveCal3b").await;
    let bob_inbox = folder(&bob_folders, FolderType::Inbox);
    let (mut bkey, _) = full_sync(&mut bob, &bob_inbox).await;

    let subject = format!("Re: Welcome to Kontor {}", stamp());
    let mime = format!(
        "From: alice <alice@kontor.test>\nTo: bob@kontor.test\nSubject: {subject}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nDanke!\n"
    );
    alice
        .compose(
            &Compose::SmartReply(Source::Item {
                folder_id: inbox.clone(),
                item_id: welcome_id.clone(),
            }),
            &format!("c{}", stamp()),
            mime.as_bytes(),
            true,
            false,
        )
        .await
        .expect("SmartReply");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let mut req = CollectionRequest::new(&bob_inbox, &bkey);
        req.window_size = Some(50);
        let resp = bob.sync(&[req]).await.expect("Sync");
        let col = resp.collection(&bob_inbox);
        if let Some(col) = col {
            bkey = col.sync_key.clone();
            if col.changes.iter().any(|ch| {
                matches!(ch, ServerChange::Add { data, .. } if Email::from_application_data(data).subject.as_deref() == Some(subject.as_str()))
            }) {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reply never reached bob"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
