//! The mail window's core API against the real SOGo: a mail bob sends to alice (HTML with a
//! remote image, a script, an `onerror` handler, a refresh `meta`, an inline `cid:` image and
//! a CSV attachment) is listed by window, its body fetched on demand and shown sanitised, its
//! attachment saved byte for byte, and delete / undo (move back) reach the server, seen over
//! IMAP.
//!
//! Own profile and unique subjects per test; the keychain is keyring-core's in-memory store.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kontor_core::store::MessageSort;
use kontor_core::{BodyFormat, FolderKind, Kontor, MessageWindowRequest, ProfilePaths, SignIn};
use kontor_live_tests::{
    ALICE, BOB, SOGO_EAS_URL, User, imap_append, imap_count, require_sogo, smtp_deliver,
};

fn unique(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{n}")
}

async fn signed_in(user: User) -> (tempfile::TempDir, Kontor) {
    require_sogo();
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

async fn folder_id(app: &Kontor, kind: FolderKind) -> String {
    app.folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} folder"))
        .id
}

/// Reads the folder's list window by window (200 rows, keyset) until `subject` shows up.
async fn wait_listed(app: &Kontor, folder: &str, subject: &str, secs: u64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let mut after = None;
        let mut start = 0;
        loop {
            let w = app
                .list_messages(MessageWindowRequest {
                    folder_id: folder.into(),
                    sort: MessageSort::Date,
                    descending: true,
                    start,
                    count: 200,
                    after: after.clone(),
                    search: None,
                })
                .await
                .unwrap();
            if let Some(r) = w.rows.iter().find(|r| r.subject == subject) {
                return r.id;
            }
            start += w.rows.len() as u32;
            match w.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert!(
            Instant::now() < deadline,
            "{subject} was not listed in folder {folder} within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

const CSV: &str = "Artikel;Menge;Preis\r\nKaffee;2;7,99\r\nTee \u{2013} grün;1;3,50\r\n";
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

fn hostile_mail(subject: &str) -> String {
    use base64::Engine;
    let csv_b64 = base64::engine::general_purpose::STANDARD.encode(CSV.as_bytes());
    format!(
        "From: Bob Baker <{bob}>\r\nTo: {alice}\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@kontor.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n\
         --mix\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
         --rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><meta http-equiv=\"refresh\" content=\"0;url=https://example.invalid/\">\
         <script>document.title='pwned'</script></head><body>\
         <p>Gr&uuml;&szlig;e aus K&ouml;ln</p>\
         <img src=\"https://example.invalid/pixel.gif\" alt=\"tracker\">\
         <img src=\"x\" onerror=\"document.title='pwned'\">\
         <img src=\"cid:logo@kontor.test\" alt=\"logo\">\
         <a href=\"https://example.org/\">example.org</a></body></html>\r\n\
         --rel\r\nContent-Type: image/png\r\nContent-ID: <logo@kontor.test>\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{PNG_1X1}\r\n--rel--\r\n\
         --mix\r\nContent-Type: text/csv; charset=utf-8; name=\"liste.csv\"\r\n\
         Content-Disposition: attachment; filename=\"liste.csv\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{csv_b64}\r\n--mix--\r\n",
        bob = BOB.email(),
        alice = ALICE.email(),
    )
}

#[tokio::test]
async fn a_hostile_html_mail_is_listed_fetched_sanitised_saved_deleted_and_restored() {
    let (_dir, app) = signed_in(ALICE).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let trash = folder_id(&app, FolderKind::Deleted).await;
    let subject = unique("window");
    let mime = hostile_mail(&subject);
    tokio::task::spawn_blocking(move || smtp_deliver(BOB, ALICE, &mime))
        .await
        .unwrap();
    app.start_sync().await.unwrap();
    let id = wait_listed(&app, &inbox, &subject, 150).await;

    // From the cache: only the synced text, a stand-in for the HTML: not the whole message.
    let cached = app.message_view(id, false).await.unwrap();
    assert!(!cached.body.complete, "{:?}", cached.body);
    assert_eq!(cached.body.format, BodyFormat::Plain, "{:?}", cached.body);
    assert!(cached.body.text.contains("Köln"), "{:?}", cached.body);
    assert_eq!(cached.message.from.addr, BOB.email());

    // Fetched on demand: the HTML, made safe.
    let view = app.fetch_message_body(id, false).await.unwrap();
    assert_eq!(view.body.format, BodyFormat::Html, "{:?}", view.body);
    assert!(view.body.complete);
    let html = view.body.html.to_ascii_lowercase();
    assert!(
        html.contains("köln") || html.contains("k&ouml;ln"),
        "{html}"
    );
    for bad in [
        "<script",
        "pwned",
        "onerror",
        "refresh",
        "<meta",
        "example.invalid",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert_eq!(view.body.remote_blocked, 1);
    assert!(html.contains("src=\"data:image/png;base64,"), "{html}");
    // Cached now: the pane shows it without the server.
    assert_eq!(app.message_view(id, false).await.unwrap().body, view.body);
    // Allowed for this message: the remote image is in.
    let allowed = app.message_view(id, true).await.unwrap();
    assert_eq!(allowed.body.remote_blocked, 0);
    assert!(
        allowed
            .body
            .html
            .contains("https://example.invalid/pixel.gif")
    );

    // The CSV, byte for byte.
    let csv = view
        .attachments
        .iter()
        .find(|a| a.name == "liste.csv")
        .unwrap_or_else(|| panic!("no liste.csv in {:?}", view.attachments));
    let dir = tempfile::tempdir().unwrap();
    let path = app
        .save_attachment(csv.id, Some(dir.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), CSV.as_bytes());
    let again = app
        .save_attachment(csv.id, Some(dir.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(again, dir.path().join("liste (2).csv"));

    // Delete (to Deleted Items) and undo (move back), both on the server.
    let out = app.delete_many(&[id], false).await.unwrap();
    assert_eq!(out.moved_to.as_deref(), Some(trash.as_str()));
    let s = subject.clone();
    wait_imap(move || imap_count(ALICE, "Trash", &s) == 1, "in Trash").await;
    app.move_many(&[id], &inbox).await.unwrap();
    let s = subject.clone();
    wait_imap(
        move || imap_count(ALICE, "INBOX", &s) == 1 && imap_count(ALICE, "Trash", &s) == 0,
        "back in the Inbox only",
    )
    .await;
    assert_eq!(wait_listed(&app, &inbox, &subject, 30).await, id);
    app.stop_sync().await;
    let s = subject.clone();
    tokio::task::spawn_blocking(move || kontor_live_tests::imap_remove(ALICE, "INBOX", &s))
        .await
        .unwrap();
}

async fn wait_imap(check: impl Fn() -> bool + Send + Clone + 'static, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let c = check.clone();
        if tokio::task::spawn_blocking(c).await.unwrap() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the message is not {what} on the server"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A message is saved as an `.eml` file as the server keeps it (fetched whole on demand), and
/// the file opens again for the reading pane, its attachment saved byte for byte from it.
#[tokio::test]
async fn a_mail_is_saved_as_an_eml_file_and_opened_from_it() {
    let (_dir, app) = signed_in(ALICE).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    let subject = unique("eml");
    let mime = hostile_mail(&subject);
    let appended = mime.clone();
    tokio::task::spawn_blocking(move || {
        imap_append(ALICE, "INBOX", "04-Dec-2026 10:00:00 +0100", &appended);
    })
    .await
    .unwrap();
    app.start_sync().await.unwrap();
    let id = wait_listed(&app, &inbox, &subject, 150).await;
    // Only the synced text is cached: saving fetches the whole message.
    assert!(!app.message_view(id, false).await.unwrap().body.complete);
    let dir = tempfile::tempdir().unwrap();
    let saved = app
        .save_message_eml(id, Some(dir.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(saved.extension().and_then(|e| e.to_str()), Some("eml"));
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&saved).unwrap()),
        mime,
        "the saved file is the message as the server keeps it"
    );

    let opened = app.open_eml(&saved).await.unwrap();
    let view = app.message_view(opened, false).await.unwrap();
    assert_eq!(view.message.subject, subject);
    assert_eq!(view.message.from.addr, BOB.email());
    assert!(view.body.html.contains("K&ouml;ln") || view.body.html.contains("Köln"));
    assert!(
        !view.body.html.contains("example.invalid"),
        "{}",
        view.body.html
    );
    let csv = view
        .attachments
        .iter()
        .find(|a| a.name == "liste.csv")
        .unwrap_or_else(|| panic!("no liste.csv in {:?}", view.attachments));
    let path = app
        .save_attachment(csv.id, Some(dir.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), CSV.as_bytes());
    app.stop_sync().await;
    let s = subject.clone();
    tokio::task::spawn_blocking(move || kontor_live_tests::imap_remove(ALICE, "INBOX", &s))
        .await
        .unwrap();
}
