//! The mail kept offline (`MailSyncWindow`, engine/mail.rs `MailWindow`) against Z-Push and
//! SOGo, as carol: a message that arrived 100 days ago is not fetched with a window of one
//! month, is fetched once the window is "all", and leaves the cache again with three months,
//! while a new message stays; meanwhile a search on the server finds it and opens it without
//! caching it. The messages are put into carol's Inbox over IMAP with their
//! arrival dates, which both servers' time filters judge by.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use kontor_core::app::MessageSearch;
use kontor_core::engine::EngineEvent;
use kontor_core::policy::SettingChange;
use kontor_core::{FolderKind, Kontor};
use kontor_live_tests::zpush::{folder_id, options, remove, signed_in_at, unique, wait_cached};
use kontor_live_tests::{CAROL, imap_append};

fn message(subject: &str, date: chrono::DateTime<Utc>) -> String {
    format!(
        "From: Alice Archer <alice@kontor.test>\r\nTo: Carol Cooper <carol@kontor.test>\r\n\
         Subject: {subject}\r\nDate: {}\r\nMessage-ID: <{subject}@kontor.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo.\r\n",
        date.to_rfc2822()
    )
}

/// A message with a text and a small attachment, as an old invoice would be.
fn with_attachment(subject: &str, date: chrono::DateTime<Utc>) -> String {
    format!(
        "From: Alice Archer <alice@kontor.test>\r\nTo: Carol Cooper <carol@kontor.test>\r\n\
         Subject: {subject}\r\nDate: {}\r\nMessage-ID: <{subject}@kontor.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDie alte Rechnung, Grüße.\r\n\
         --b1\r\nContent-Type: text/csv; name=\"rechnung.csv\"\r\n\
         Content-Disposition: attachment; filename=\"rechnung.csv\"\r\n\r\nPosten;Betrag\r\nTee;4,20\r\n\
         --b1--\r\n",
        date.to_rfc2822()
    )
}

async fn cached(app: &Kontor, folder: &str, subject: &str) -> bool {
    sqlx::query_scalar::<_, i64>("SELECT id FROM message WHERE folder_id = ?1 AND subject = ?2")
        .bind(folder)
        .bind(subject)
        .fetch_optional(app.store().pool())
        .await
        .unwrap()
        .is_some()
}

async fn inbox_synced(rx: &mut tokio::sync::broadcast::Receiver<EngineEvent>, inbox: &str) {
    kontor_live_tests::wait_event(
        rx,
        120,
        "a Sync pass of the Inbox",
        |e| matches!(e, EngineEvent::FolderSynced { folder, .. } if folder == inbox),
    )
    .await;
}

async fn window_kept(server: &str) {
    kontor_live_tests::require_sogo();
    let old = unique("window-old");
    let new = unique("window-new");
    let then = Utc::now() - TimeDelta::days(100);
    let (old_mime, new_mime) = (with_attachment(&old, then), message(&new, Utc::now()));
    let imap_date = then.format("%d-%b-%Y %H:%M:%S +0000").to_string();
    tokio::task::spawn_blocking(move || {
        imap_append(CAROL, "INBOX", &imap_date, &old_mime);
        let now = Utc::now().format("%d-%b-%Y %H:%M:%S +0000").to_string();
        imap_append(CAROL, "INBOX", &now, &new_mime);
    })
    .await
    .unwrap();

    let (_dir, app, _) = signed_in_at(server, CAROL).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let e = app
        .set_setting(SettingChange::MailSyncWindow(1))
        .await
        .unwrap();
    assert_eq!(e.mail_sync_window.value, 1);
    let mut rx = app.subscribe();
    app.start_sync_with(None, options()).await.unwrap();
    wait_cached(&app, &inbox, &new, 150).await;
    inbox_synced(&mut rx, &inbox).await;
    assert!(
        !cached(&app, &inbox, &old).await,
        "{server}: a message of 100 days ago was fetched with one month kept offline"
    );

    // Search on the server: the old message is found there, marked as not cached, and opens
    // with its text and its attachment (docs/search.md#searching-the-server).
    let search = MessageSearch {
        text: old.clone(),
        all_folders: false,
        ..MessageSearch::default()
    };
    let found = app.server_search(&inbox, &search).await.unwrap();
    let hit = found
        .hits
        .iter()
        .find(|h| h.subject == old)
        .unwrap_or_else(|| panic!("{server}: the server search did not find {old}: {found:?}"));
    assert_eq!(hit.folder_id, inbox, "{server}");
    assert!(hit.has_attachments, "{server}: {hit:?}");
    assert_eq!(hit.from.addr, "alice@kontor.test", "{server}");
    let in_the_list = MessageSearch {
        text: new.clone(),
        all_folders: true,
        ..MessageSearch::default()
    };
    let both = app.server_search(&inbox, &in_the_list).await.unwrap();
    assert!(
        both.hits.is_empty() && both.cached == 1,
        "{server}: a cached message was listed as a server hit: {both:?}"
    );
    let view = app
        .open_server_hit(&hit.long_id, &hit.folder_id, false)
        .await
        .unwrap();
    assert!(view.message.id < 0, "{server}");
    assert_eq!(view.message.subject, old, "{server}");
    assert!(
        view.body.text.contains("Die alte Rechnung, Grüße."),
        "{server}: {:?}",
        view.body
    );
    assert!(view.body.complete, "{server}");
    assert!(
        !cached(&app, &inbox, &old).await,
        "{server}: opening a hit cached it"
    );
    // The reading pane's commands take the negative id.
    let again = app.message_view(view.message.id, false).await.unwrap();
    assert_eq!(again.message.subject, old);
    assert_eq!(
        view.attachments.len(),
        1,
        "{server}: {:?}",
        view.attachments
    );
    let dir = tempfile::tempdir().unwrap();
    let saved = app
        .save_attachment(view.attachments[0].id, Some(dir.path().to_owned()))
        .await
        .unwrap();
    assert_eq!(saved.file_name().unwrap(), "rechnung.csv");
    assert_eq!(
        std::fs::read_to_string(&saved)
            .unwrap()
            .replace("\r\n", "\n")
            .trim_end(),
        "Posten;Betrag\nTee;4,20"
    );

    // Everything: the folder syncs again and brings the old message.
    app.set_setting(SettingChange::MailSyncWindow(0))
        .await
        .unwrap();
    wait_cached(&app, &inbox, &old, 150).await;

    // Three months: the old message leaves the cache, the new one stays.
    app.set_setting(SettingChange::MailSyncWindow(3))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while cached(&app, &inbox, &old).await {
        assert!(
            Instant::now() < deadline,
            "{server}: the old message stayed with three months kept offline"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    wait_cached(&app, &inbox, &new, 150).await;
    assert!(cached(&app, &inbox, &new).await);
    app.stop_sync().await;
    remove(CAROL, "INBOX", &old).await;
    remove(CAROL, "INBOX", &new).await;
}

#[tokio::test]
async fn the_mail_kept_offline_follows_the_window_on_zpush() {
    kontor_live_tests::require_zpush();
    window_kept(kontor_live_tests::ZPUSH_EAS_URL).await;
}

#[tokio::test]
async fn the_mail_kept_offline_follows_the_window_on_sogo() {
    window_kept(kontor_live_tests::SOGO_EAS_URL).await;
}
