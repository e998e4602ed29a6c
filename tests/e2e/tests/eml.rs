//! Messages as files in a real window, as alice against the project's SOGo, driven like a
//! person:
//!
//! * a mail bob sent is saved with "Save as file" into Downloads: the file is the message as
//!   the server keeps it, byte for byte (fetched by a second, independent ActiveSync session);
//! * `kontor <file>.eml` while the window runs opens the file in a reader window of the running
//!   instance: sender, subject, text and attachment shown; the attachment is saved from it byte
//!   for byte; the window follows the language chosen in the main window; Esc closes it;
//! * `kontor <file>.eml` for a file that is no message says so in a message box;
//! * screenshots of the reader window in English and German under `target/e2e/`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::key::Key;
use fantoccini::wd::WindowHandle;
use kontor_e2e_tests::server::{BOB, Probe, smtp_deliver, unique};
use kontor_e2e_tests::{
    ALICE, App, bounded, choose_language, click, click_row, progress, require_sogo, row_id,
    sign_in, wait_text, x11_window_ids,
};

const CSV: &str = "Artikel;Menge;Preis\r\nKaffee;2;7,99\r\nTee \u{2013} grün;1;3,50\r\n";

fn csv_mail(subject: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(CSV.as_bytes());
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDie Liste im Anhang, Grüße!\r\n\
         --b1\r\nContent-Type: text/csv; charset=utf-8; name=\"liste.csv\"\r\n\
         Content-Disposition: attachment; filename=\"liste.csv\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b1--\r\n"
    )
}

/// Clicks "Save as file" in the toolbar, or in its "More" menu when the line is full.
async fn save_as_file(app: &App) {
    let shown = app.texts("[data-testid=action-save-file]").await;
    if shown.is_empty() {
        click(app, "[data-testid=mail-more-menu]").await;
    }
    click(app, "[data-testid=action-save-file]").await;
}

/// The path a toast names after `prefix` ("Message saved to ", "Saved to "), waiting for it.
async fn saved_path(app: &App, prefix: &str) -> PathBuf {
    let text = wait_text(app, "[data-testid=toast-text]", prefix, 60).await;
    let path = text
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("toast {text:?} does not begin with {prefix:?}"));
    PathBuf::from(path.trim())
}

/// The reader window that opened after `known` were listed.
async fn reader_window(app: &App, known: &[WindowHandle]) -> WindowHandle {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let handles = bounded("window handles", app.client.windows())
            .await
            .expect("window handles");
        for h in handles.into_iter().filter(|h| !known.contains(h)) {
            app.switch_to(&h).await;
            let url = bounded("current url", app.client.current_url())
                .await
                .expect("current url");
            if url.fragment().is_some_and(|f| f.starts_with("reader")) {
                return h;
            }
        }
        app.switch_to_main().await;
        if Instant::now() > deadline {
            app.fail("no reader window opened").await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn handles(app: &App) -> Vec<WindowHandle> {
    bounded("window handles", app.client.windows())
        .await
        .expect("window handles")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_saves_a_mail_as_a_file_and_opens_it_again() {
    require_sogo();
    let subject = unique("Liste als Datei");
    smtp_deliver(BOB, ALICE, &csv_mail(&subject));
    let mut probe = Probe::connect(ALICE).await;

    let app = App::launch("eml").await;
    sign_in(&app, ALICE).await;
    choose_language(&app, "en").await;
    row_id(&app, &subject, 120).await;

    // ---- Save as file: the message as the server keeps it ----
    progress("save as file");
    click_row(&app, &subject).await;
    wait_text(&app, "[data-testid=reader-subject]", &subject, 60).await;
    save_as_file(&app).await;
    let saved = saved_path(&app, "Message saved to ").await;
    assert_eq!(
        saved.extension().and_then(|e| e.to_str()),
        Some("eml"),
        "{}",
        saved.display()
    );
    let on_server = probe.mimes("INBOX", &subject, 1, 60).await;
    let bytes = std::fs::read(&saved).expect("read the saved message");
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        on_server[0],
        "the saved file is not the message the server keeps"
    );

    // ---- `kontor file.eml`: a reader window in the running instance ----
    progress("open the file");
    let known = handles(&app).await;
    app.open_with_kontor(saved.as_os_str());
    let reader = reader_window(&app, &known).await;
    wait_text(&app, "[data-testid=reader-subject]", &subject, 30).await;
    let from = app.texts("[data-testid=reader-from]").await.join(" ");
    assert!(from.contains("Bob Baker"), "From: {from}");
    wait_text(&app, "[data-testid=reader-text]", "Die Liste im Anhang", 30).await;
    let title = bounded("title", app.client.title()).await.expect("title");
    assert_eq!(title, format!("{subject} – Message"));
    // Its attachment, byte for byte, saved from the file.
    click(&app, "[data-testid=attachment-save]").await;
    let csv = saved_path(&app, "Saved to ").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read(&csv).ok().as_deref() != Some(CSV.as_bytes()) {
        if Instant::now() > deadline {
            app.fail(&format!("{} is not the attachment", csv.display()))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let shot_en = app.screenshot("reader-window-en.png").await;

    // The language chosen in the main window reaches the reader window.
    app.switch_to_main().await;
    choose_language(&app, "de").await;
    app.switch_to(&reader).await;
    wait_text(
        &app,
        "[data-testid=action-save-file]",
        "Als Datei speichern",
        20,
    )
    .await;
    wait_text(&app, "[data-testid=reader-close]", "Schließen", 20).await;
    let shot_de = app.screenshot("reader-window-de.png").await;

    // Esc closes it.
    let body = app
        .wait_for("[data-testid=reader]", Duration::from_secs(10))
        .await;
    // The window may be gone before the driver answers the key press.
    let _ = bounded("Esc", body.send_keys(&Key::Escape.to_string())).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while handles(&app).await.contains(&reader) {
        if Instant::now() > deadline {
            app.fail("Esc did not close the reader window").await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.switch_to_main().await;

    // ---- a file that is no message: a message box says so ----
    progress("not a message");
    let bad = std::env::temp_dir().join(format!("{}.eml", unique("kein-mail")));
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").expect("write the bad file");
    app.open_with_kontor(bad.as_os_str());
    let deadline = Instant::now() + Duration::from_secs(20);
    while x11_window_ids("Die Datei konnte nicht geöffnet werden").is_empty() {
        if Instant::now() > deadline {
            app.fail("no message box for a file that is no message")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let box_shot = app.capture_display("reader-not-a-message-de.png");
    let _ = std::fs::remove_file(&bad);
    println!(
        "saved: {}\nscreenshots: {} {} {}",
        saved.display(),
        shot_en.display(),
        shot_de.display(),
        box_shot.display()
    );
    app.close().await;
}
