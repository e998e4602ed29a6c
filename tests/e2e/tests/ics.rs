//! Calendar files in a real window, as alice against the project's SOGo, driven like a person:
//!
//! * a mail from bob carries an `.ics` file (a weekly series and an all-day event): "Add to
//!   calendar" on the attachment shows the import dialog with both appointments; Import puts
//!   them into alice's calendar, the window shows the calendar with the first one's card, and
//!   both are on the server (read back over CalDAV, an independent client);
//! * the card's "Save as .ics" saves the series as a file; the calendar list's menu exports the
//!   whole calendar with both appointments;
//! * `kontor <file>.ics` (what the file manager's "Open with" runs) hands the file to the
//!   running window, which shows its import dialog; Import puts the appointment on the server;
//! * screenshots of the import dialog and of the calendar after the event's export in German,
//!   of the calendar after its export and of the dialog of the opened file in English, under
//!   `target/e2e/`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{Datelike, Duration as Days, Local, NaiveDate, Weekday};
use kontor_e2e_tests::server::{BOB, smtp_deliver, unique};
use kontor_e2e_tests::{
    ALICE, App, caldav_delete, caldav_find, choose_language, click, click_row, progress,
    require_sogo, row_id, sign_in, wait_text,
};

/// The Monday of next week: the series' first day, inside the calendar's synced window.
fn next_monday() -> NaiveDate {
    let today = Local::now().date_naive();
    let back = i64::from(today.weekday().num_days_from_monday());
    today - Days::days(back) + Days::days(7)
}

fn ics_file(series: &str, party: &str, monday: NaiveDate) -> String {
    let day = monday.format("%Y%m%d");
    let friday = (monday + Days::days(4)).format("%Y%m%d");
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//Calendar//EN\r\n\
         BEGIN:VEVENT\r\nUID:{series}\r\nDTSTAMP:20261201T080000Z\r\n\
         DTSTART;TZID=Europe/Berlin:{day}T100000\r\nDTEND;TZID=Europe/Berlin:{day}T110000\r\n\
         RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Teamrunde {series}\r\nLOCATION:Raum 2\r\n\
         END:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:{party}\r\nDTSTAMP:20261201T080000Z\r\n\
         DTSTART;VALUE=DATE:{friday}\r\nSUMMARY:Feier {party}\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n"
    )
}

fn mail_with(subject: &str, ics: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(ics.as_bytes());
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDie Termine im Anhang.\r\n\
         --b1\r\nContent-Type: text/calendar; charset=utf-8; name=\"termine.ics\"\r\n\
         Content-Disposition: attachment; filename=\"termine.ics\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b1--\r\n"
    )
}

/// The path a toast names after `prefix`, waiting for it.
async fn saved_path(app: &App, prefix: &str) -> PathBuf {
    let text = wait_text(app, "[data-testid=toast-text]", prefix, 60).await;
    let at = text.find(prefix).expect("the prefix") + prefix.len();
    PathBuf::from(text[at..].trim())
}

/// Waits until alice's personal calendar on SOGo has an object containing `needle`.
async fn on_server(app: &App, needle: &str, secs: u64) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let n = needle.to_owned();
        if let Some(found) = tokio::task::spawn_blocking(move || caldav_find(ALICE, &n))
            .await
            .expect("CalDAV lookup")
        {
            return found;
        }
        if Instant::now() > deadline {
            app.fail(&format!("{needle} did not reach SOGo within {secs} s"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_imports_an_ics_attachment_and_exports_her_calendar() {
    require_sogo();
    let series = unique("kontor-ics-series");
    let party = unique("kontor-ics-party");
    let subject = unique("Termine als Datei");
    let monday = next_monday();
    assert_eq!(monday.weekday(), Weekday::Mon);
    smtp_deliver(
        BOB,
        ALICE,
        &mail_with(&subject, &ics_file(&series, &party, monday)),
    );

    let app = App::launch("ics").await;
    sign_in(&app, ALICE).await;
    choose_language(&app, "de").await;
    row_id(&app, &subject, 120).await;

    // ---- "Add to calendar" on the attachment: the import dialog ----
    progress("add to calendar");
    click_row(&app, &subject).await;
    click(&app, "[data-testid=attachment-add-calendar]").await;
    app.wait_for("[data-testid=import-ics-dialog]", Duration::from_secs(30))
        .await;
    let listed = wait_text(&app, "[data-testid=import-ics-list]", "Feier", 30).await;
    assert!(
        listed.contains(&format!("Teamrunde {series}")) && listed.contains("Serie"),
        "{listed}"
    );
    let count = app.texts("[data-testid=import-ics-count]").await.join(" ");
    assert_eq!(count, "Termine in der Datei: 2");
    let dialog_shot = app.screenshot("ics-import-dialog-de.png").await;
    click(&app, "[data-testid=import-ics-ok]").await;
    wait_text(
        &app,
        "[data-testid=toast-text]",
        "Importiert: 2 neu, 0 ersetzt",
        30,
    )
    .await;
    // The calendar shows the first appointment's card.
    let card = wait_text(&app, "[data-testid=event-card-title]", &series, 30).await;
    assert!(card.contains("Teamrunde"), "{card}");

    // Both reach SOGo (the engine replays the outbox), read back over CalDAV.
    progress("on the server");
    let (series_url, series_text) = on_server(&app, &series, 90).await;
    assert!(
        series_text.contains("RRULE:FREQ=WEEKLY;COUNT=4"),
        "{series_text}"
    );
    let (party_url, _) = on_server(&app, &party, 90).await;

    // ---- the card's "Save as .ics": the series as a file ----
    progress("export the event");
    click(&app, "[data-testid=event-card-export]").await;
    let one = saved_path(&app, "Gespeichert unter ").await;
    let text = std::fs::read_to_string(&one).expect("read the event's file");
    assert!(
        text.contains(&format!("UID:{series}")) && !text.contains(&party),
        "{text}"
    );
    let event_shot = app.screenshot("ics-event-exported-de.png").await;
    if !app.texts("[data-testid=event-card]").await.is_empty() {
        click(&app, "[data-testid=event-card-close]").await;
    }
    choose_language(&app, "en").await;

    // ---- the calendar list's menu: the whole calendar ----
    progress("export the calendar");
    click(
        &app,
        "[data-testid=cal-list-own] [data-testid=cal-list-item]:first-child [data-testid=cal-actions]",
    )
    .await;
    click(&app, "[data-testid=cal-export]").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let whole = loop {
        let p = saved_path(&app, "Saved to ").await;
        if p != one {
            break p;
        }
        if Instant::now() > deadline {
            app.fail("the calendar was not exported").await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let calendar_shot = app.screenshot("ics-calendar-exported-en.png").await;
    let text = std::fs::read_to_string(&whole).expect("read the calendar's file");
    assert!(
        text.contains(&format!("UID:{series}")) && text.contains(&format!("UID:{party}")),
        "{}",
        whole.display()
    );

    // ---- a calendar file opened with Kontor: the running window's import dialog ----
    progress("kontor <file>.ics");
    let single = unique("kontor-ics-file");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("Einladung.ics");
    let day = (monday + Days::days(2)).format("%Y%m%d");
    std::fs::write(
        &file,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//Calendar//EN\r\n\
             BEGIN:VEVENT\r\nUID:{single}\r\nDTSTAMP:20261201T080000Z\r\n\
             DTSTART;TZID=Europe/Berlin:{day}T140000\r\nDTEND;TZID=Europe/Berlin:{day}T150000\r\n\
             SUMMARY:Besuch {single}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
    )
    .expect("write the calendar file");
    app.open_with_kontor(file.as_os_str());
    app.wait_for("[data-testid=import-ics-dialog]", Duration::from_secs(30))
        .await;
    wait_text(&app, "[data-testid=import-ics-list]", &single, 30).await;
    let opened_shot = app.screenshot("ics-file-opened-en.png").await;
    click(&app, "[data-testid=import-ics-ok]").await;
    wait_text(
        &app,
        "[data-testid=toast-text]",
        "Imported: 1 new, 0 replaced",
        30,
    )
    .await;
    let (single_url, _) = on_server(&app, &single, 90).await;

    println!(
        "files: {} {}\nscreenshots: {} {} {} {}",
        one.display(),
        whole.display(),
        dialog_shot.display(),
        event_shot.display(),
        calendar_shot.display(),
        opened_shot.display()
    );
    for url in [series_url, party_url, single_url] {
        tokio::task::spawn_blocking(move || caldav_delete(ALICE, &url))
            .await
            .expect("CalDAV delete");
    }
    app.close().await;
}
