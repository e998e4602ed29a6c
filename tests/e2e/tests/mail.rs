//! Mail in a real window, as alice against the project's SOGo, driven like a person (clicks and
//! keys), with every change checked on the server through a second, independent ActiveSync
//! session:
//!
//! * bob's mails are listed; the HTML one shows its text with the remote image blocked and the
//!   bar shown, then loaded on request; its `<script>`, `onerror` handler and refresh `meta`
//!   run none (the script would rename the window);
//! * the CSV attachment is saved (Downloads) and compared byte for byte;
//! * a mail is deleted (Del) and undone (Ctrl+Z); one is moved by keyboard (Ctrl+Shift+V) and
//!   is in the target folder;
//! * bob's new mail appears within 15 s with no click (push), shown as a desktop notification
//!   (dunst, a real notification server) while another folder is open; a click on the
//!   notification opens the Inbox with that message selected and shown;
//! * an invitation from outside is accepted on its card: the event with alice's answer is in
//!   her calendar on SOGo, the invitation in Deleted Items;
//! * with SOGo stopped, a flag set in the window (Insert) reaches the server once it is back;
//! * a second start of the same profile hands over to the running window and ends (exit 0);
//! * screenshots of the list, the reader (HTML and plain), the blocked-content bar and the
//!   status bar offline, in English and German, under `target/e2e/`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::key::Key;
use kontor_e2e_tests::server::{BOB, Probe, smtp_deliver, unique};
use kontor_e2e_tests::{
    ALICE, App, Locator, bounded, caldav_get, choose_language, click, click_folder, click_row,
    progress, require_sogo, row_id, sign_in, wait_text,
};

const CSV: &str = "Artikel;Menge;Preis\r\nKaffee;2;7,99\r\nTee \u{2013} grün;1;3,50\r\n";

fn html_mail(subject: &str) -> String {
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><meta http-equiv=\"refresh\" content=\"0;url=https://example.invalid/\">\
         <script>document.title='pwned'; parent.document.title='pwned';</script>\
         <style>h1 {{ color: rgb(200, 30, 30); }}</style></head><body>\
         <h1>Quartalszahlen</h1><p>Gr&uuml;&szlig;e aus <b>K&ouml;ln</b>!</p>\
         <img src=\"https://example.invalid/banner.png\" alt=\"Banner\" width=\"300\" height=\"40\">\
         <img src=\"x\" onerror=\"document.title='pwned'; parent.document.title='pwned';\">\
         <p><a href=\"https://example.org/bericht\">Zum Bericht</a></p></body></html>\r\n"
    )
}

fn plain_mail(subject: &str) -> String {
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Hallo Alice,\r\n\r\nbitte die Zahlen bis Freitag prüfen: https://example.org/zahlen\r\n\r\nBob\r\n"
    )
}

fn csv_mail(subject: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(CSV.as_bytes());
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDie Liste im Anhang.\r\n\
         --b1\r\nContent-Type: text/csv; charset=utf-8; name=\"liste.csv\"\r\n\
         Content-Disposition: attachment; filename=\"liste.csv\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b1--\r\n"
    )
}

/// An invitation from outside the company to alice (a text part and the iTIP REQUEST).
fn invitation_mail(summary: &str) -> String {
    let start = chrono::Utc::now() + chrono::TimeDelta::days(4);
    let at = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H0000Z").to_string();
    format!(
        "From: Petra Partner <petra@partner.example>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: Einladung: {summary}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"inv\"\r\n\r\n\
         --inv\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBitte zu- oder absagen.\r\n\
         --inv\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n\
         BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Partner//EN\r\nMETHOD:REQUEST\r\n\
         BEGIN:VEVENT\r\nUID:{uid}@partner.example\r\nDTSTAMP:{now}\r\n\
         DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\n\
         ORGANIZER;CN=Petra Partner:mailto:petra@partner.example\r\n\
         ATTENDEE;CN=Alice Adler;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@kontor.test\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n\r\n--inv--\r\n",
        uid = summary.replace(' ', "-"),
        now = at(chrono::Utc::now()),
        start = at(start),
        end = at(start + chrono::TimeDelta::hours(1)),
    )
}

/// Whether a row with `subject` is listed now.
async fn listed(app: &App, subject: &str) -> bool {
    app.texts("[data-testid=row-subject]")
        .await
        .iter()
        .any(|s| s.contains(subject))
}

async fn wait_gone(app: &App, subject: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while listed(app, subject).await {
        if Instant::now() > deadline {
            app.fail(&format!("{subject:?} still listed after {secs} s"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Closes every notification the notification server (dunst) shows.
fn close_notifications() {
    let status = Command::new("dunstctl")
        .arg("close-all")
        .status()
        .expect("run dunstctl");
    assert!(status.success(), "dunstctl close-all failed");
}

/// How many notifications the notification server shows now.
fn notifications_shown() -> u32 {
    let out = Command::new("dunstctl")
        .args(["count", "displayed"])
        .output()
        .expect("run dunstctl");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

async fn wait_notification(app: &App, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while notifications_shown() == 0 {
        if Instant::now() > deadline {
            app.fail(&format!("no desktop notification within {secs} s"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Clicks the notification on screen with the mouse (xdotool moves the pointer into dunst's
/// window and presses the left button), as a person does.
async fn click_notification(app: &App) {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--class", "Dunst"])
        .output()
        .expect("run xdotool");
    let ids = String::from_utf8_lossy(&out.stdout).to_string();
    let Some(window) = ids.lines().next() else {
        app.fail("no notification window on the display").await;
    };
    let status = Command::new("xdotool")
        .args(["mousemove", "--window", window, "40", "20", "click", "1"])
        .status()
        .expect("run xdotool");
    assert!(status.success(), "clicking the notification failed");
}

/// Sends keys to the message list: to its row with the keyboard focus (roving tab stop).
async fn keys(app: &App, keys: &str) {
    let list = app
        .wait_for(
            "[data-testid=message-row][tabindex=\"0\"]",
            Duration::from_secs(10),
        )
        .await;
    bounded("keys to the list", list.send_keys(keys))
        .await
        .expect("send keys");
}

/// The `srcdoc` of the reader's frame and its `sandbox` attribute.
async fn frame(app: &App) -> (String, String) {
    app.wait_for("[data-testid=reader-html]", Duration::from_secs(60))
        .await;
    let v = app
        .script(
            "const f = document.querySelector('[data-testid=reader-html]'); \
             return [f.getAttribute('srcdoc') || '', f.getAttribute('sandbox') || ''];",
            vec![],
        )
        .await;
    (
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_str().unwrap_or_default().to_owned(),
    )
}

async fn title(app: &App) -> String {
    bounded("title", app.client.title())
        .await
        .unwrap_or_default()
}

fn servers(action: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let status = Command::new(root.join(format!("tests/servers/{action}")))
        .args(if action == "stop" {
            vec!["sogo"]
        } else {
            vec![]
        })
        .status()
        .expect("run tests/servers");
    assert!(status.success(), "tests/servers/{action} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_reads_files_and_undoes_mail_in_the_window() {
    require_sogo();
    let html = unique("Quartalszahlen HTML");
    let plain = unique("Zahlen prüfen");
    let csv = unique("Liste als CSV");
    for (subject, mime) in [
        (&plain, plain_mail(&plain)),
        (&csv, csv_mail(&csv)),
        (&html, html_mail(&html)),
    ] {
        progress(&format!("deliver {subject}"));
        smtp_deliver(BOB, ALICE, &mime);
    }
    let mut probe = Probe::connect(ALICE).await;

    let app = App::launch("mail").await;
    sign_in(&app, ALICE).await;
    app.wait_for("[data-testid=message-list]", Duration::from_secs(90))
        .await;
    for s in [&plain, &csv, &html] {
        row_id(&app, s, 120).await;
    }
    let list_shot = app.screenshot("mail-list.png").await;

    // The HTML mail: text shown, remote image blocked with the bar, nothing of it runs.
    click_row(&app, &html).await;
    let (doc, sandbox) = frame(&app).await;
    app.wait_for("[data-testid=remote-bar]", Duration::from_secs(60))
        .await;
    assert!(doc.contains("Quartalszahlen"), "{doc}");
    assert!(
        !sandbox.contains("allow-same-origin"),
        "the message frame must have an opaque origin: {sandbox:?}"
    );
    for bad in ["pwned", "onerror", "refresh", "example.invalid"] {
        assert!(!doc.contains(bad), "{bad:?} reached the frame: {doc}");
    }
    // Give a script, a handler and a refresh time to run: the window keeps its title.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t = title(&app).await;
    assert!(!t.contains("pwned") && t.contains("Kontor"), "title {t:?}");
    let html_shot = app.screenshot("mail-reader-html-blocked.png").await;
    click(&app, "[data-testid=remote-load]").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (doc, _) = frame(&app).await;
        if doc.contains("https://example.invalid/banner.png") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "remote image not loaded on request"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        app.client
            .find(Locator::Css("[data-testid=remote-bar]"))
            .await
            .is_err(),
        "the bar stays after loading"
    );

    // The plain mail, with its link as a link.
    click_row(&app, &plain).await;
    wait_text(&app, "[data-testid=reader-text]", "Freitag", 60).await;
    let plain_shot = app.screenshot("mail-reader-plain.png").await;

    // The CSV: saved into Downloads, byte for byte.
    click_row(&app, &csv).await;
    let save = app
        .wait_for("[data-testid=attachment-save]", Duration::from_secs(60))
        .await;
    bounded("save", save.click()).await.expect("click save");
    let downloads = std::path::PathBuf::from(
        std::env::var("KONTOR_E2E_DOWNLOADS").expect("scripts/e2e sets KONTOR_E2E_DOWNLOADS"),
    );
    let saved = downloads.join("liste.csv");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !saved.is_file() {
        if Instant::now() > deadline {
            app.fail(&format!("{} was not saved", saved.display()))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        std::fs::read(&saved).expect("read saved CSV"),
        CSV.as_bytes()
    );

    // Delete (Del) and undo (Ctrl+Z), both seen on the server.
    click_row(&app, &plain).await;
    keys(&app, &Key::Delete.to_string()).await;
    wait_gone(&app, &plain, 15).await;
    probe
        .wait("Trash", &plain, 90, "in Trash", |s| s.len() == 1)
        .await;
    keys(&app, &(Key::Control + "z")).await;
    row_id(&app, &plain, 30).await;
    probe
        .wait("INBOX", &plain, 90, "back in the Inbox", |s| s.len() == 1)
        .await;
    probe
        .wait("Trash", &plain, 30, "gone from Trash", |s| s.is_empty())
        .await;

    // Move by keyboard (Ctrl+Shift+V, filter, Enter) to Archive.
    click_row(&app, &csv).await;
    keys(&app, &(Key::Control + &(Key::Shift + "v"))).await;
    let filter = app
        .wait_for("[data-testid=move-filter]", Duration::from_secs(10))
        .await;
    bounded("filter", filter.send_keys("Arch"))
        .await
        .expect("type filter");
    bounded("enter", filter.send_keys(&Key::Enter.to_string()))
        .await
        .expect("Enter");
    wait_gone(&app, &csv, 15).await;
    probe
        .wait("Archive", &csv, 90, "in Archive", |s| s.len() == 1)
        .await;
    click_folder(&app, "Archive").await;
    row_id(&app, &csv, 30).await;
    click_folder(&app, "Inbox").await;

    // Bob's new mail arrives with no click (push) while Archive is open: a notification says
    // so, and a click on it opens the message.
    click_folder(&app, "Archive").await;
    close_notifications();
    let pushed = unique("Neu von Bob");
    smtp_deliver(BOB, ALICE, &plain_mail(&pushed));
    let sent = Instant::now();
    wait_notification(&app, 15).await;
    println!(
        "push: notified {:.1} s after delivery",
        sent.elapsed().as_secs_f64()
    );
    let notified_shot = app.capture_display("mail-notification.png");
    click_notification(&app).await;
    let selected = row_id(&app, &pushed, 15).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let sel = app
            .script(
                "const r = document.querySelector('[data-testid=message-row][aria-selected=true]'); \
                 return r ? r.getAttribute('data-message-id') : null;",
                vec![],
            )
            .await;
        if sel.as_str() == Some(selected.as_str()) {
            break;
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "the clicked notification's message {selected} is not selected (selected: {sel})"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_text(&app, "[data-testid=reader-subject]", &pushed, 30).await;
    let opened_shot = app.screenshot("mail-notification-opened.png").await;
    println!(
        "push: listed {:.1} s after delivery; notification clicked and the message opened",
        sent.elapsed().as_secs_f64()
    );

    // An invitation from outside, answered in the window: the event with alice's answer in
    // her calendar on SOGo, the invitation moved to Deleted Items.
    let meeting = unique("Abstimmung Partner");
    smtp_deliver(BOB, ALICE, &invitation_mail(&meeting));
    click_row(&app, &format!("Einladung: {meeting}")).await;
    click(&app, "[data-testid=invitation-accept]").await;
    wait_text(&app, "[data-testid=toast-text]", "Accepted", 30).await;
    wait_gone(&app, &format!("Einladung: {meeting}"), 30).await;
    let object = format!("{}@partner.example.ics", meeting.replace(' ', "-"));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let found = caldav_get(ALICE, &object);
        if found.as_deref().is_some_and(|c| {
            c.contains(&meeting)
                && c.lines()
                    .any(|l| l.contains("alice@kontor.test") && l.contains("PARTSTAT=ACCEPTED"))
        }) {
            break;
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "the accepted invitation is not in alice's calendar on SOGo: {found:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    probe
        .wait(
            "Trash",
            &format!("Einladung: {meeting}"),
            90,
            "answered invitation in Trash",
            |s| s.len() == 1,
        )
        .await;

    // German: list and reader.
    choose_language(&app, "de").await;
    click_folder(&app, "Posteingang").await;
    row_id(&app, &html, 30).await;
    let list_de = app.screenshot("mail-list-de.png").await;
    click_row(&app, &html).await;
    frame(&app).await;
    let html_de = app.screenshot("mail-reader-html-de.png").await;
    click_row(&app, &plain).await;
    wait_text(&app, "[data-testid=reader-text]", "Freitag", 60).await;
    let plain_de = app.screenshot("mail-reader-plain-de.png").await;
    choose_language(&app, "en").await;

    // Offline: SOGo stopped, a flag set in the window reaches the server once SOGo is back.
    click_row(&app, &pushed).await;
    servers("stop");
    wait_text(&app, "[data-testid=status-bar]", "Offline", 120).await;
    keys(&app, &Key::Insert.to_string()).await;
    let offline_shot = app.screenshot("mail-status-offline.png").await;
    choose_language(&app, "de").await;
    wait_text(&app, "[data-testid=status-bar]", "Offline", 30).await;
    let offline_de = app.screenshot("mail-status-offline-de.png").await;
    choose_language(&app, "en").await;
    servers("start");
    probe = Probe::connect(ALICE).await;
    probe
        .wait("INBOX", &pushed, 180, "flagged", |s| {
            s.len() == 1 && s[0].flagged
        })
        .await;

    // A second start of the same profile hands over to this window and ends at once.
    let started = Instant::now();
    let mut second = Command::new(kontor_e2e_tests::app_binary())
        .arg("--profile-dir")
        .arg(app.profile.path())
        .spawn()
        .expect("start kontor a second time");
    let status = loop {
        if let Some(s) = second.try_wait().expect("second start") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = second.kill();
            app.fail("a second start of the profile did not end within 30 s")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(status.success(), "second start: {status:?}");
    assert!(
        title(&app).await.contains("Kontor"),
        "the first window is gone"
    );
    println!(
        "second start: handed over and ended in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    println!(
        "screenshots: {}",
        [
            list_shot,
            html_shot,
            plain_shot,
            list_de,
            html_de,
            plain_de,
            offline_shot,
            offline_de,
            notified_shot,
            opened_shot
        ]
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
    );
    app.close().await;
}
