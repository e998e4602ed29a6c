//! Deleting mail through the core against Z-Push (see tests/servers/README.md "Z-Push"), as
//! carol (no other live test signs in as carol). The server's state is read back over IMAP
//! from the Dovecot that Z-Push serves the mail from: an independent view, not Z-Push's own
//! answer.
//!
//! Z-Push's IMAP backend cannot carry out a Sync `Delete` outside Trash (it hands `MoveMessage`
//! the folder name `Trash` where an id is expected) and answers "not found". Kontor deletes
//! with MoveItems to Deleted Items instead, and a delete for good that the server does not do
//! ends as a visible conflict, the message shown again.

use std::time::Duration;

use kontor_core::app::ComposeMode;
use kontor_core::engine::EngineEvent;
use kontor_core::store::OutboxState;
use kontor_core::{FolderKind, Lang, OutgoingMail};
use kontor_live_tests::zpush::{
    count, deliver, flags, folder_id, options, outcome_of, remove, signed_in, unique, wait_cached,
    wait_event, wait_imap,
};
use kontor_live_tests::{ALICE, BOB, CAROL};

#[tokio::test]
async fn a_deleted_mail_lands_in_trash_on_zpush() {
    let subject = unique("zpush-delete");
    deliver(ALICE, CAROL, &subject).await;
    let (_dir, app, _) = signed_in(CAROL).await;
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
    assert_eq!(
        count(CAROL, "INBOX", &subject).await,
        0,
        "still in the Inbox"
    );
    assert_eq!(count(CAROL, "Trash", &subject).await, 1, "not in Trash");
    // The cache agrees: in Deleted Items under the server's id.
    let row = app.store().message(id).await.unwrap().unwrap();
    assert_eq!(row.folder_id, trash);
    assert!(!row.server_id.starts_with("local:"), "{}", row.server_id);
    assert_eq!(row.local_state, 0);
    remove(CAROL, "Trash", &subject).await;
}

#[tokio::test]
async fn a_delete_for_good_zpush_does_not_carry_out_is_shown_again() {
    let subject = unique("zpush-shift-del");
    deliver(ALICE, CAROL, &subject).await;
    let (_dir, app, _) = signed_in(CAROL).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let id = wait_cached(&app, &inbox, &subject, 150).await;

    // Shift+Del in the Inbox: a Sync Delete with DeletesAsMoves 0, which Z-Push's IMAP
    // backend turns into a move to Trash that fails.
    let op = app.delete_message_permanently(id).await.unwrap();
    let e = outcome_of(&mut rx, op, 120).await;
    app.stop_sync().await;
    let in_inbox = count(CAROL, "INBOX", &subject).await;
    let in_trash = count(CAROL, "Trash", &subject).await;
    let entry = app.store().outbox_entry(op).await.unwrap().unwrap();
    let row = app.store().message(id).await.unwrap();
    remove(CAROL, "INBOX", &subject).await;
    remove(CAROL, "Trash", &subject).await;
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

#[tokio::test]
async fn carol_signs_in_with_provisioning_and_finds_her_folders() {
    let (_dir, app, account) = signed_in(CAROL).await;
    assert_eq!(account.user, "carol");
    assert_eq!(account.protocol_version, "14.0", "Z-Push offers up to 14.0");
    let folders = app.folders().await.unwrap();
    let one = |kind: FolderKind| {
        let found: Vec<_> = folders.iter().filter(|f| f.kind == kind).collect();
        assert_eq!(found.len(), 1, "{kind:?} in {folders:#?}");
        found[0].clone()
    };
    let inbox = one(FolderKind::Inbox);
    // Z-Push's IMAP backend: mail folder ids are `i/<hash>`.
    assert!(inbox.id.starts_with("i/"), "{inbox:?}");
    assert!(inbox.parent_id.is_none(), "{inbox:?}");
    for kind in [FolderKind::Sent, FolderKind::Drafts, FolderKind::Deleted] {
        assert!(one(kind).id.starts_with("i/"), "{kind:?}");
    }
    // The personal calendar comes from SOGo's CalDAV through the combined backend.
    let cal = folders
        .iter()
        .find(|f| f.kind == FolderKind::Calendar && f.id == "c/Cpersonal")
        .unwrap_or_else(|| panic!("no c/Cpersonal calendar in {folders:#?}"));
    assert!(!cal.shared, "{cal:?}");
    assert!(
        folders
            .iter()
            .any(|f| f.name == "Archive" && f.kind == FolderKind::Mail),
        "{folders:#?}"
    );
}

#[tokio::test]
async fn a_mail_delivered_while_the_engine_pings_reaches_the_cache() {
    let (_dir, app, _) = signed_in(CAROL).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    wait_event(&mut rx, 120, "the engine listening (Ping)", |e| {
        matches!(e, EngineEvent::Listening { .. })
    })
    .await;
    // Z-Push takes the folders' state for its Ping after the request arrived; a mail
    // delivered before that is not a change to this Ping (docs/server-quirks.md). A clean-clone
    // run delivered in that moment and waited 60 s in vain, so the mail comes a little later.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let subject = unique("zpush-push");
    deliver(ALICE, CAROL, &subject).await;
    // Without a manual sync: Z-Push looks for changes every 10 s (PING_INTERVAL), the
    // heartbeat 10 s.
    let id = wait_cached(&app, &inbox, &subject, 60).await;
    app.stop_sync().await;
    let row = app.store().message(id).await.unwrap().unwrap();
    assert!(!row.read, "{row:?}");
    remove(CAROL, "INBOX", &subject).await;
}

#[tokio::test]
async fn read_flag_and_move_on_zpush_show_in_imap() {
    let subject = unique("zpush-outbox");
    deliver(ALICE, CAROL, &subject).await;
    let (_dir, app, _) = signed_in(CAROL).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let archive = app
        .folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.name == "Archive")
        .expect("carol has an Archive folder")
        .id;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let id = wait_cached(&app, &inbox, &subject, 90).await;
    let before = flags(CAROL, "INBOX", &subject).await.unwrap();
    assert!(
        !before.iter().any(|f| f == "\\Seen" || f == "\\Flagged"),
        "{before:?}"
    );

    let op_read = app.mark_read(id, true).await.unwrap();
    let op_flag = app.set_flag(id, 2).await.unwrap();
    for op in [op_read, op_flag] {
        let e = outcome_of(&mut rx, op, 90).await;
        assert!(matches!(e, EngineEvent::OutboxApplied { .. }), "{e:?}");
    }
    let after = flags(CAROL, "INBOX", &subject)
        .await
        .expect("still in INBOX");
    assert!(after.iter().any(|f| f == "\\Seen"), "not read: {after:?}");
    assert!(
        after.iter().any(|f| f == "\\Flagged"),
        "not flagged: {after:?}"
    );

    let op = app.move_message(id, &archive).await.unwrap();
    let e = outcome_of(&mut rx, op, 90).await;
    assert!(matches!(e, EngineEvent::OutboxApplied { .. }), "{e:?}");
    assert_eq!(count(CAROL, "INBOX", &subject).await, 0, "still in INBOX");
    assert_eq!(count(CAROL, "Archive", &subject).await, 1, "not in Archive");
    let row = app.store().message(id).await.unwrap().unwrap();
    assert_eq!(row.folder_id, archive);
    assert!(!row.server_id.starts_with("local:"), "{}", row.server_id);

    // And back, under the id the first move got.
    let op = app.move_message(id, &inbox).await.unwrap();
    let e = outcome_of(&mut rx, op, 90).await;
    app.stop_sync().await;
    let in_inbox = count(CAROL, "INBOX", &subject).await;
    let in_archive = count(CAROL, "Archive", &subject).await;
    remove(CAROL, "INBOX", &subject).await;
    remove(CAROL, "Archive", &subject).await;
    assert!(matches!(e, EngineEvent::OutboxApplied { .. }), "{e:?}");
    assert_eq!(
        (in_inbox, in_archive),
        (1, 0),
        "(INBOX, Archive) after moving back"
    );
    let row = app.store().message(id).await.unwrap().unwrap();
    assert_eq!(row.folder_id, inbox);
}

#[tokio::test]
async fn send_reply_and_forward_on_zpush_arrive_once() {
    let subject = unique("zpush-orig");
    deliver(BOB, CAROL, &subject).await;
    let (_dir, app, _) = signed_in(CAROL).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let id = wait_cached(&app, &inbox, &subject, 90).await;

    let sent = format!("New {subject}");
    let reply = format!("Re: {subject}");
    let forward = format!("Fwd: {subject}");
    let mail = |subject: &str| OutgoingMail {
        from: CAROL.email(),
        to: vec![BOB.email()],
        subject: subject.to_owned(),
        body: "Grüße aus dem Kontor.".into(),
        ..OutgoingMail::default()
    };
    let ops = [
        app.send_mail(mail(&sent)).await.unwrap(),
        app.send_mail(OutgoingMail {
            reply_to: Some(id),
            ..mail(&reply)
        })
        .await
        .unwrap(),
        app.send_mail(OutgoingMail {
            forward_of: Some(id),
            ..mail(&forward)
        })
        .await
        .unwrap(),
    ];
    let mut outcomes = Vec::new();
    for op in ops {
        outcomes.push(outcome_of(&mut rx, op, 90).await);
    }
    app.stop_sync().await;
    let mut got = Vec::new();
    if outcomes
        .iter()
        .all(|e| matches!(e, EngineEvent::OutboxApplied { .. }))
    {
        for s in [&sent, &reply, &forward] {
            wait_imap(BOB, "INBOX", s, 60).await;
        }
        // A second copy would follow within seconds.
        tokio::time::sleep(Duration::from_secs(3)).await;
        for s in [&sent, &reply, &forward] {
            got.push(count(BOB, "INBOX", s).await);
        }
    }
    for s in [&sent, &reply, &forward] {
        remove(BOB, "INBOX", s).await;
        remove(CAROL, "Sent", s).await;
    }
    remove(CAROL, "INBOX", &subject).await;
    for e in &outcomes {
        assert!(matches!(e, EngineEvent::OutboxApplied { .. }), "{e:?}");
    }
    assert_eq!(
        got,
        [1, 1, 1],
        "bob's copies of the new mail, the reply, the forward"
    );
}

/// The company directory (ActiveSync Search of the GAL) as the compose field asks it. Z-Push
/// answers from its CardDAV backend's directory address book (tests/servers/README.md
/// "Z-Push"), with names; SOGo from its user source, with the address only.
#[tokio::test]
async fn the_directory_finds_bob_on_zpush() {
    let (_dir, app, _) = signed_in(CAROL).await;
    let found = app.directory_suggestions("Bob", 10).await.unwrap();
    let bob = found
        .iter()
        .find(|s| s.address == "bob@kontor.test")
        .unwrap_or_else(|| panic!("bob is not in Z-Push's directory: {found:?}"));
    assert_eq!(bob.name, "Bob Baker", "{found:?}");
    assert!(bob.directory);
    // By the last name too, and nothing for a name nobody has.
    let by_last = app.directory_suggestions("cooper", 10).await.unwrap();
    assert!(
        by_last
            .iter()
            .any(|s| s.address == "carol@kontor.test" && s.name == "Carol Cooper"),
        "{by_last:?}"
    );
    assert!(
        app.directory_suggestions("Zacharias", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_directory_finds_bob_on_sogo() {
    kontor_live_tests::require_sogo();
    let (_dir, app, _) =
        kontor_live_tests::zpush::signed_in_at(kontor_live_tests::SOGO_EAS_URL, CAROL).await;
    let found = app.directory_suggestions("bob", 10).await.unwrap();
    assert!(
        found
            .iter()
            .any(|s| s.address == "bob@kontor.test" && s.directory),
        "{found:?}"
    );
}

/// The server's device policy limits attachments to 10 MiB (tests/servers/README.md, Z-Push
/// `policies.ini`): the engine records Provision's MaxAttachmentSize, and a mail with a larger
/// file is refused before it goes into the outbox, naming the file and both sizes.
#[tokio::test]
async fn an_attachment_over_the_servers_policy_limit_is_refused_before_sending() {
    let (dir, app, _) = signed_in(CAROL).await;
    app.start_sync_with(None, options()).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let limit = loop {
        match app.store().server_attachment_limit().await.unwrap() {
            Some(n) => break n,
            None if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            None => panic!("the engine recorded no attachment limit from Z-Push's policy"),
        }
    };
    assert_eq!(limit, 10 * 1024 * 1024);

    let big = dir.path().join("Lageplan.pdf");
    std::fs::write(&big, vec![b'x'; limit as usize + 1]).unwrap();
    let subject = unique("zpush-too-large");
    let mail = |path: &std::path::Path| OutgoingMail {
        from: CAROL.email(),
        to: vec![BOB.email()],
        subject: subject.clone(),
        body: "Der Plan im Anhang.".into(),
        attachments: vec![kontor_core::app::AttachmentSource::File {
            path: path.display().to_string(),
        }],
        ..OutgoingMail::default()
    };
    let refused = app.send_mail(mail(&big)).await;
    app.stop_sync().await;
    match refused {
        Err(kontor_core::CoreError::AttachmentTooLarge { name, size, max }) => {
            assert_eq!(
                (name.as_str(), size, max),
                ("Lageplan.pdf", limit + 1, limit)
            );
        }
        other => panic!("expected the attachment refused, got {other:?}"),
    }
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(pending, 0, "nothing went into the outbox");
}

/// The check before sending: SOGo's directory knows bob and carol but not "bbo" (a typo), so
/// only that address on the own domain comes back; an outside address is never asked about.
/// Z-Push's IMAP backend refuses ResolveRecipients, so there nothing is reported and the send
/// goes on unchecked.
#[tokio::test]
async fn a_typo_in_a_colleagues_address_is_found_before_sending_on_sogo_not_on_zpush() {
    kontor_live_tests::require_sogo();
    let asked = vec![
        "bob@kontor.test".to_owned(),
        " Bbo@Kontor.test ".to_owned(),
        "alice@kontor.test".to_owned(),
        "someone@example.org".to_owned(),
    ];
    let (_dir, app, _) =
        kontor_live_tests::zpush::signed_in_at(kontor_live_tests::SOGO_EAS_URL, CAROL).await;
    assert_eq!(
        app.unknown_colleagues(asked.clone()).await.unwrap(),
        ["bbo@kontor.test"]
    );
    // Nothing to ask: no address on the own domain but the user's own.
    assert!(
        app.unknown_colleagues(vec!["carol@kontor.test".into(), "x@example.org".into()])
            .await
            .unwrap()
            .is_empty()
    );
    let (_dir, app, _) = signed_in(CAROL).await;
    assert!(app.unknown_colleagues(asked).await.unwrap().is_empty());
}

/// A recipient the mail server refuses while the message is handed over (the test Postfix
/// refuses refused@kontor.test, tests/servers/README.md). SOGo then sends nothing and answers
/// SendMail Status 120: the message waits in the outbox, parked with the server's answer, bob
/// never gets it, and Edit takes it back as a draft to change and send again. Z-Push's IMAP
/// backend sends to the others and drops the refused address without a word: the send is done
/// and bob gets it once (docs/server-quirks.md).
#[tokio::test]
async fn a_recipient_the_mail_server_refuses_parks_the_send_on_sogo_not_on_zpush() {
    kontor_live_tests::require_sogo();
    let mail = |subject: &str| OutgoingMail {
        from: CAROL.email(),
        to: vec!["refused@kontor.test".into(), BOB.email()],
        subject: subject.to_owned(),
        body: "Die Unterlagen, bitte.".into(),
        ..OutgoingMail::default()
    };

    let on_sogo = unique("sogo-refused");
    let (_dir, app, _) =
        kontor_live_tests::zpush::signed_in_at(kontor_live_tests::SOGO_EAS_URL, CAROL).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let op = app.send_mail(mail(&on_sogo)).await.unwrap();
    let e = outcome_of(&mut rx, op, 90).await;
    app.stop_sync().await;
    match &e {
        EngineEvent::OutboxParked { message, .. } => assert!(
            message.contains("SendMail") && message.contains("120"),
            "{message}"
        ),
        other => panic!("expected the send parked, got {other:?}"),
    }
    let entry = app.store().outbox_entry(op).await.unwrap().unwrap();
    assert_eq!(entry.state, OutboxState::Parked);
    assert!(entry.last_error.contains("120"), "{entry:?}");
    let saved = app.edit_unsent(op).await.unwrap();
    let draft = app
        .store()
        .message(saved.message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(draft.subject, on_sogo);
    assert!(app.store().outbox_entry(op).await.unwrap().is_none());
    // Nothing went out: bob has not got it (the Postfix log has the refusal).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count(BOB, "INBOX", &on_sogo).await, 0);

    let on_zpush = unique("zpush-refused");
    let (_dir, app, _) = signed_in(CAROL).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let op = app.send_mail(mail(&on_zpush)).await.unwrap();
    let e = outcome_of(&mut rx, op, 90).await;
    app.stop_sync().await;
    assert!(matches!(e, EngineEvent::OutboxApplied { .. }), "{e:?}");
    assert_eq!(wait_imap(BOB, "INBOX", &on_zpush, 60).await, 1);
    remove(BOB, "INBOX", &on_zpush).await;
}

/// A reply saved as a draft and sent later from Drafts goes out as the reply (SOGo, as carol):
/// reopened, the draft still names the original and says its text holds the quote; sent, the
/// message carries In-Reply-To with the original's Message-ID, not as new mail.
#[tokio::test]
async fn a_replys_draft_sent_from_drafts_is_still_the_reply() {
    kontor_live_tests::require_sogo();
    let subject = unique("draft-reply");
    deliver(BOB, CAROL, &subject).await;
    let (_dir, app, _) =
        kontor_live_tests::zpush::signed_in_at(kontor_live_tests::SOGO_EAS_URL, CAROL).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    let original = wait_cached(&app, &inbox, &subject, 90).await;

    let form = app
        .compose(ComposeMode::Reply, Some(original), Lang::De)
        .await
        .unwrap();
    assert!(!form.quote_in_body);
    let html = format!("<p>Gern, bis morgen.</p>{}", form.quote_html);
    let written = |draft: Option<i64>| OutgoingMail {
        from: CAROL.email(),
        to: form.to.clone(),
        subject: form.subject.clone(),
        html: Some(html.clone()),
        quoted: true,
        reply_to: form.reply_to,
        draft,
        ..OutgoingMail::default()
    };
    let saved = app.save_draft(written(None), None).await.unwrap();

    let reopened = app
        .compose(ComposeMode::Draft, Some(saved.message_id), Lang::De)
        .await
        .unwrap();
    assert_eq!(
        (
            reopened.reply_to,
            reopened.forward_of,
            reopened.quote_in_body
        ),
        (Some(original), None, true)
    );
    assert!(reopened.quote_html.is_empty());
    let op = app
        .send_mail(OutgoingMail {
            reply_to: reopened.reply_to,
            quoted: reopened.quote_in_body,
            ..written(Some(saved.message_id))
        })
        .await
        .unwrap();
    let e = outcome_of(&mut rx, op, 90).await;
    app.stop_sync().await;
    assert!(matches!(e, EngineEvent::OutboxApplied { .. }), "{e:?}");
    assert_eq!(wait_imap(BOB, "INBOX", &form.subject, 60).await, 1);
    let reply = form.subject.clone();
    let headers = tokio::task::spawn_blocking(move || {
        kontor_live_tests::imap_header_lines(BOB, "INBOX", &reply)
    })
    .await
    .unwrap()
    .expect("the reply in bob's Inbox");
    assert!(
        headers
            .iter()
            .any(|l| l.to_ascii_lowercase().starts_with("in-reply-to:")
                && l.contains(&format!("<{subject}@kontor.test>"))),
        "{headers:#?}"
    );
    remove(BOB, "INBOX", &form.subject).await;
    remove(CAROL, "INBOX", &subject).await;
}
