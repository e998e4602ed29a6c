//! Changing appointments in the real window, as alice on SOGo in Europe/Berlin time (the app is
//! started with `TZ=Europe/Berlin`, as in `calendar.rs`).
//!
//! The test writes its own weekly series (Wednesdays 09:00–10:00 Berlin time, from the week
//! before this one) to alice's calendar over CalDAV, so the seeded series that `calendar.rs`
//! checks stays as the seed wrote it. Then, like a person:
//! * drags this week's occurrence with the mouse (WebDriver pointer actions) from 09:00 to 12:00
//!   in the week view, answers "Only this appointment", and finds on SOGo (an independent
//!   CalDAV GET) an override with RECURRENCE-ID 09:00 and DTSTART 12:00 that day;
//! * opens that occurrence again (card → Edit → "Only this appointment"), gives it another
//!   title in the dialog and saves: the server holds one override for that day, retitled;
//! * deletes next week's occurrence (card → Delete → "Only this appointment" → Delete): the
//!   server holds an EXDATE for it, and the view no longer shows it;
//! * presses Del on the week after's appointment (the same question; Cancel), then drags it an
//!   hour later and answers "The whole series": the series starts at 10:00 on the server, and
//!   the exception and the EXDATE moved with it (the changed occurrence stays at 12:00);
//! * the same question and dialog in German.
//!
//! Before that, bob's appointment (his calendar is shared with alice read-only): its card offers
//! Open and no Delete, the dialog opens read-only, and a drag does not move it.
//!
//! Screenshots: the series question, the edit dialog and the delete question, in English and
//! German, and the read-only dialog (`target/e2e/calendar-edit-*.png`). The series is deleted at the end.

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeDelta};
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::key::Key;
use kontor_e2e_tests::{
    ALICE, App, berlin_today, bounded, caldav_delete, caldav_find, caldav_get, caldav_put,
    choose_language, click_redrawn, progress, require_sogo, seed_info, sign_in,
};

const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// A weekly series on Wednesdays, 09:00–10:00 Berlin time, from `first`.
fn series(uid: &str, title: &str, first: NaiveDate) -> String {
    let d = first.format("%Y%m%d");
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor E2E//EN\r\n{VTIMEZONE}\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSEQUENCE:0\r\n\
         SUMMARY:{title}\r\nLOCATION:Raum 4\r\n\
         DTSTART;TZID=Europe/Berlin:{d}T090000\r\nDTEND;TZID=Europe/Berlin:{d}T100000\r\n\
         RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=8\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// `day` at `hhmm` Berlin time as an iCalendar UTC value ("20261202T080000Z").
fn berlin_in_utc(day: NaiveDate, hhmm: &str) -> String {
    let out = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("TZ=\"Europe/Berlin\" {day} {hhmm}"),
            "+%Y%m%dT%H%M%SZ",
        ])
        .output()
        .expect("run date");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Whether a RECURRENCE-ID or EXDATE line names the instance `day` at `hhmm` Berlin time: as
/// written (with the series' TZID) or in UTC (SOGo stores an override's RECURRENCE-ID in UTC).
fn names_instance(line: &str, prop: &str, day: NaiveDate, hhmm: &str) -> bool {
    let local = format!("{}T{}00", day.format("%Y%m%d"), hhmm.replace(':', ""));
    line.starts_with(prop)
        && ((line.contains("TZID=Europe/Berlin") && line.contains(&local))
            || line.contains(&berlin_in_utc(day, hhmm)))
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Sends keys to the calendar through its Today button (the calendar's keys are window-wide).
async fn cal_keys(app: &App, keys: &str) {
    for attempt in 1..=5 {
        let el = app
            .wait_for("[data-testid=cal-today]", Duration::from_secs(60))
            .await;
        match bounded("keys", el.send_keys(keys)).await {
            Ok(()) => return,
            Err(e) if attempt < 5 => {
                progress(&format!("keys: {e}; again"));
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => app.fail(&format!("keys: {e}")).await,
        }
    }
}

/// The start times ("HH:MM" as the view writes them) of the shown appointments of `uid`.
async fn shown(app: &App, uid: &str) -> Vec<String> {
    let v = app
        .script(
            "return Array.from(document.querySelectorAll(`[data-testid=cal-event][data-uid=\"${arguments[0]}\"]`)) \
               .map(e => e.textContent || '');",
            vec![serde_json::json!(uid)],
        )
        .await;
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_shown(app: &App, uid: &str, what: &str, ok: impl Fn(&[String]) -> bool) {
    let start = Instant::now();
    loop {
        let s = shown(app, uid).await;
        if ok(&s) {
            return;
        }
        if start.elapsed() > Duration::from_secs(120) {
            app.fail(&format!("{what}: the week shows {s:?}")).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits until SOGo's copy of the object satisfies `ok`; returns it.
async fn wait_server(app: &App, name: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let ics = caldav_get(ALICE, name).unwrap_or_default();
        if ok(&ics) {
            return ics;
        }
        if start.elapsed() > Duration::from_secs(120) {
            app.fail(&format!("{what}: SOGo holds {ics}")).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The top of the time slot `hh:mm` in the week view, in CSS pixels.
async fn slot_top(app: &App, time: &str) -> f64 {
    app.script(
        "const s = [...document.querySelectorAll(`[data-time=\"${arguments[0]}:00\"]`)].pop(); \
         return s ? s.getBoundingClientRect().top : null;",
        vec![serde_json::json!(time)],
    )
    .await
    .as_f64()
    .unwrap_or_else(|| panic!("no {time} slot in the week view"))
}

/// Opens the card of `uid`'s appointment shown and presses `button` on it (Edit or Delete).
async fn card_action(app: &App, uid: &str, button: &str) {
    click_redrawn(app, &format!("[data-testid=cal-event][data-uid=\"{uid}\"]")).await;
    app.wait_for("[data-testid=event-card]", Duration::from_secs(10))
        .await;
    click_redrawn(app, &format!("[data-testid=event-card-{button}]")).await;
}

/// Drags the appointment `css` with the mouse (WebDriver pointer actions: press, move, release)
/// down from the slot `from` to the slot `to` of the week view, as a person does.
///
/// The release waits until the page has seen the pointer arrive: on a busy machine WebKitGTK
/// hands the page its coalesced mouse moves with the next frame, but a button release at once,
/// so a release sent straight after the moves can reach the calendar before the pointer got
/// there (seen: `mouseup` at the target, its `mousemove` 400 ms later), and the drag ends
/// half-way or not at all. A person's release comes after the cursor is seen at the target.
async fn drag_down(app: &App, css: &str, from: &str, to: &str) {
    let dy = slot_top(app, to).await - slot_top(app, from).await;
    progress(&format!("dragging {dy} px down, {from} to {to}"));
    app.script(
        "if (!window.__kontorPointer) { \
           window.__kontorPointer = {}; \
           document.addEventListener('mousedown', (e) => { window.__kontorPointer = { down: e.clientY, y: e.clientY }; }, true); \
           document.addEventListener('mousemove', (e) => { window.__kontorPointer.y = e.clientY; }, true); \
         } \
         window.__kontorPointer = {}; return true;",
        vec![],
    )
    .await;
    let ev = app.wait_for(css, Duration::from_secs(10)).await;
    let press_and_move = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: ev,
            duration: Some(Duration::from_millis(100)),
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(200)),
            x: 0.0,
            y: 12.0,
        })
        .then(PointerAction::MoveBy {
            duration: Some(Duration::from_millis(400)),
            x: 0.0,
            y: (dy - 12.0).round(),
        });
    bounded(
        "press and drag the appointment",
        app.client.perform_actions(press_and_move),
    )
    .await
    .expect("drag");
    let start = Instant::now();
    loop {
        let arrived = app
            .script(
                "const p = window.__kontorPointer || {}; \
                 return p.down != null && p.y != null && p.y - p.down >= arguments[0] - 2;",
                vec![serde_json::json!(dy.round())],
            )
            .await;
        if arrived.as_bool() == Some(true) {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            app.fail(&format!(
                "the page did not see the pointer arrive {dy} px down: {:?}",
                app.script(
                    "return JSON.stringify(window.__kontorPointer || null);",
                    vec![]
                )
                .await
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let release = MouseActions::new("mouse".into())
        .then(PointerAction::Pause {
            duration: Duration::from_millis(200),
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    bounded(
        "release the appointment",
        app.client.perform_actions(release),
    )
    .await
    .expect("release");
    let _ = app.client.release_actions().await;
}

/// The first instant of the range shown (`data-start`, ISO 8601).
async fn range(app: &App) -> String {
    app.script(
        "return document.querySelector('[data-testid=calendar-view]')?.dataset.start || '';",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Pages the week view by one week (Page Down, or Page Up when `back`).
async fn page(app: &App, back: bool) {
    let before = range(app).await;
    let key = if back { Key::PageUp } else { Key::PageDown };
    cal_keys(app, &key.to_string()).await;
    let start = Instant::now();
    while range(app).await == before {
        if start.elapsed() > Duration::from_secs(10) {
            app.fail("the week did not change").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The range's appointments come with one IPC call after the range changed.
    tokio::time::sleep(Duration::from_millis(700)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_moves_edits_and_deletes_one_occurrence_in_the_calendar() {
    require_sogo();
    // What an earlier, failed run may have left.
    for _ in 0..20 {
        let Some((url, _)) = caldav_find(ALICE, "kontor-e2e-edit-") else {
            break;
        };
        progress(&format!("removing a leftover of an earlier run: {url}"));
        caldav_delete(ALICE, &url);
    }
    let tag = chrono::Utc::now().timestamp_millis();
    let uid = format!("kontor-e2e-edit-{tag}");
    let title = format!("E2E Serie {tag}");
    // The dates in Berlin, as the app (TZ=Europe/Berlin) sees them.
    let today = berlin_today();
    let this_wed = monday(today) + TimeDelta::days(2);
    let next_wed = this_wed + TimeDelta::days(7);
    let url = caldav_put(
        ALICE,
        &uid,
        &series(&uid, &title, this_wed - TimeDelta::days(7)),
    );
    let name = format!("{uid}.ics");
    progress(&format!("series {uid} at {url}; this Wednesday {this_wed}"));

    let (_work, wrapper) = kontor_e2e_tests::berlin_app_binary();
    let profile = tempfile::Builder::new()
        .prefix("kontor-e2e-")
        .tempdir()
        .expect("temp profile");
    let app = App::launch_binary("calendar-edit", profile, &wrapper).await;
    sign_in(&app, ALICE).await;
    click_redrawn(&app, "[data-testid=module-calendar]").await;
    app.wait_for("[data-testid=calendar-view]", Duration::from_secs(10))
        .await;
    // The seed's appointments fall due while the suite runs (the printer-service call about
    // five minutes after seeding, the weekly sync on Tuesdays). A reminder window that opens in
    // the middle of a WebDriver drag swallows the drag's release, so the own calendar's bell is
    // switched off first: this test is about editing, `calendar.rs` tests the reminders.
    kontor_e2e_tests::switch_own_calendar_bell_off(&app).await;
    click_redrawn(&app, "[data-testid=cal-view-week]").await;
    app.wait_for(
        "[data-testid=calendar-view][data-view=week]",
        Duration::from_secs(10),
    )
    .await;
    wait_shown(&app, &uid, "this week's occurrence", |s| {
        s.iter().any(|t| t.contains("09:00"))
    })
    .await;

    // Bob's appointment (his calendar is shared with alice read-only): the card offers Open,
    // not Edit or Delete; the dialog opens read-only; a drag does not move it.
    let tomorrow = seed_info()["times"]["TOMORROW"]
        .as_str()
        .and_then(|v| {
            NaiveDate::parse_from_str(v, "%Y%m%d")
                .or_else(|_| NaiveDate::parse_from_str(v, "%Y-%m-%d"))
                .ok()
        })
        .expect("the seed's TOMORROW");
    let weeks = (monday(tomorrow) - monday(today)).num_weeks();
    for _ in 0..weeks.abs() {
        page(&app, weeks < 0).await;
    }
    let bob_id = app
        .script(
            "return document.querySelector('[data-testid=cal-list-shared] [data-testid=cal-list-item]')?.dataset.calendar || '';",
            vec![],
        )
        .await;
    let bob_css = format!(
        "[data-testid=cal-event][data-calendar=\"{}\"]",
        bob_id.as_str().unwrap_or_default()
    );
    let bob_before = app.texts(&bob_css).await;
    progress(&format!("bob's appointments: {bob_before:?}"));
    click_redrawn(&app, &bob_css).await;
    app.wait_for("[data-testid=event-card]", Duration::from_secs(10))
        .await;
    assert!(
        app.texts("[data-testid=event-card-delete]")
            .await
            .is_empty(),
        "Delete offered on a read-only calendar"
    );
    click_redrawn(&app, "[data-testid=event-card-edit]").await;
    let heading = app
        .wait_for("[data-testid=event-editor] h2", Duration::from_secs(10))
        .await;
    assert_eq!(
        heading.text().await.unwrap_or_default(),
        "Appointment (read-only)"
    );
    assert!(
        app.texts("[data-testid=ev-save]").await.is_empty(),
        "Save offered on a read-only calendar"
    );
    app.screenshot("calendar-edit-readonly-en.png").await;
    click_redrawn(&app, "[data-testid=ev-cancel]").await;
    drag_down(&app, &bob_css, "14:00", "16:00").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        app.texts("[data-testid=series-question]").await.is_empty(),
        "a read-only appointment was dragged"
    );
    assert_eq!(
        app.texts(&bob_css).await,
        bob_before,
        "a read-only appointment moved"
    );
    for _ in 0..weeks.abs() {
        page(&app, weeks > 0).await;
    }
    wait_shown(&app, &uid, "this week's occurrence again", |s| {
        s.iter().any(|t| t.contains("09:00"))
    })
    .await;

    // Drag it with the mouse from 09:00 to 12:00, as a person does.
    let css = format!("[data-testid=cal-event][data-uid=\"{uid}\"]");
    drag_down(&app, &css, "09:00", "12:00").await;
    let question = app
        .wait_for("[data-testid=series-question]", Duration::from_secs(10))
        .await;
    let asked = question.text().await.unwrap_or_default();
    assert!(
        asked.contains("Only this appointment") && asked.contains("The whole series"),
        "the series question: {asked}"
    );
    app.screenshot("calendar-edit-question-en.png").await;
    click_redrawn(&app, "[data-testid=series-occurrence]").await;
    wait_shown(&app, &uid, "the moved occurrence at 12:00", |s| {
        s.iter().any(|t| t.contains("12:00"))
    })
    .await;
    let day = this_wed.format("%Y%m%d").to_string();
    let ics = wait_server(&app, &name, "the exception on SOGo", |ics| {
        ics.lines()
            .any(|l| names_instance(l, "RECURRENCE-ID", this_wed, "09:00"))
    })
    .await;
    progress(&format!("after the drag SOGo holds:\n{ics}"));
    assert!(
        ics.lines()
            .any(|l| l.starts_with("DTSTART;TZID=Europe/Berlin:")
                && l.ends_with(&format!("{day}T120000"))),
        "no override at 12:00 on {day}: {ics}"
    );
    assert!(
        ics.contains("RRULE:FREQ=WEEKLY"),
        "the series lost its rule: {ics}"
    );

    // Open the moved occurrence, "Only this appointment", retitle it in the dialog.
    card_action(&app, &uid, "edit").await;
    app.wait_for("[data-testid=series-question]", Duration::from_secs(10))
        .await;
    click_redrawn(&app, "[data-testid=series-occurrence]").await;
    let field = app
        .wait_for("[data-testid=ev-title]", Duration::from_secs(10))
        .await;
    assert_eq!(
        field.prop("value").await.ok().flatten().unwrap_or_default(),
        title,
        "the dialog is not filled in"
    );
    let start_time = app
        .wait_for("[data-testid=ev-start-time]", Duration::from_secs(5))
        .await;
    assert_eq!(
        start_time
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
        "12:00"
    );
    let start_date = app
        .wait_for("[data-testid=ev-start-date]", Duration::from_secs(5))
        .await;
    assert_eq!(
        start_date
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
        this_wed.format("%d/%m/%Y").to_string(),
        "the English dialog's date"
    );
    assert!(
        app.texts("[data-testid=ev-repeat]").await.is_empty(),
        "one occurrence offers repeat choices"
    );
    bounded("retitle", field.send_keys(" (verschoben)"))
        .await
        .expect("type");
    app.screenshot("calendar-edit-dialog-en.png").await;
    click_redrawn(&app, "[data-testid=ev-save]").await;
    let retitled = format!("{title} (verschoben)");
    let ics = wait_server(&app, &name, "the retitled exception on SOGo", |ics| {
        ics.contains(&retitled)
    })
    .await;
    let overrides = ics
        .lines()
        .filter(|l| names_instance(l, "RECURRENCE-ID", this_wed, "09:00"))
        .count();
    assert_eq!(overrides, 1, "the exception doubled: {ics}");

    // Next week's occurrence: Delete, "Only this appointment", confirm.
    page(&app, false).await;
    wait_shown(&app, &uid, "next week's occurrence", |s| {
        s.iter().any(|t| t.contains("09:00"))
    })
    .await;
    card_action(&app, &uid, "delete").await;
    app.wait_for(
        "[data-testid=series-question][data-action=delete]",
        Duration::from_secs(10),
    )
    .await;
    click_redrawn(&app, "[data-testid=series-occurrence]").await;
    let confirm = app
        .wait_for(
            "[data-testid=event-delete-confirm]",
            Duration::from_secs(10),
        )
        .await;
    let sentence = confirm.text().await.unwrap_or_default();
    assert!(
        sentence.contains("Delete only the appointment") && sentence.contains(&title),
        "the delete question: {sentence}"
    );
    app.screenshot("calendar-edit-delete-en.png").await;
    click_redrawn(&app, "[data-testid=event-delete-ok]").await;
    wait_shown(&app, &uid, "the deleted occurrence gone", |s| s.is_empty()).await;
    let ics = wait_server(&app, &name, "the EXDATE on SOGo", |ics| {
        ics.lines()
            .any(|l| names_instance(l, "EXDATE", next_wed, "09:00"))
    })
    .await;
    progress(&format!("after the delete SOGo holds:\n{ics}"));
    assert!(
        ics.contains(&retitled),
        "the exception was lost by the delete: {ics}"
    );

    // The week after: Del on the focused appointment asks the same question (Cancel leaves it);
    // then the whole series is dragged an hour later, and its exceptions move with it.
    page(&app, false).await;
    wait_shown(&app, &uid, "the week after's occurrence", |s| {
        s.iter().any(|t| t.contains("09:00"))
    })
    .await;
    let ev = app.wait_for(&css, Duration::from_secs(10)).await;
    bounded(
        "press Del on the appointment",
        ev.send_keys(&Key::Delete.to_string()),
    )
    .await
    .expect("Del");
    app.wait_for(
        "[data-testid=series-question][data-action=delete]",
        Duration::from_secs(10),
    )
    .await;
    click_redrawn(&app, "[data-testid=series-cancel]").await;
    drag_down(&app, &css, "09:00", "10:00").await;
    app.wait_for(
        "[data-testid=series-question][data-action=move]",
        Duration::from_secs(10),
    )
    .await;
    click_redrawn(&app, "[data-testid=series-all]").await;
    wait_shown(&app, &uid, "the series at 10:00", |s| {
        s.iter().any(|t| t.contains("10:00"))
    })
    .await;
    let first = (this_wed - TimeDelta::days(7)).format("%Y%m%d").to_string();
    let ics = wait_server(&app, &name, "the series moved on SOGo", |ics| {
        ics.lines().any(|l| {
            l.starts_with("DTSTART;TZID=Europe/Berlin:") && l.ends_with(&format!("{first}T100000"))
        })
    })
    .await;
    progress(&format!("after the series move SOGo holds:\n{ics}"));
    assert!(
        ics.lines()
            .any(|l| names_instance(l, "RECURRENCE-ID", this_wed, "10:00")),
        "the exception did not move with the series: {ics}"
    );
    assert!(
        ics.lines()
            .any(|l| names_instance(l, "EXDATE", next_wed, "10:00")),
        "the deleted occurrence did not move with the series: {ics}"
    );
    assert!(
        ics.lines()
            .any(|l| l.starts_with("DTSTART;TZID=Europe/Berlin:")
                && l.ends_with(&format!("{day}T120000"))),
        "the changed occurrence left 12:00: {ics}"
    );
    page(&app, true).await;

    // German: the same question and dialog.
    page(&app, true).await;
    wait_shown(&app, &uid, "this week again", |s| {
        s.iter().any(|t| t.contains("12:00"))
    })
    .await;
    choose_language(&app, "de").await;
    click_redrawn(&app, "[data-testid=cal-view-week]").await;
    wait_shown(&app, &uid, "the German week", |s| !s.is_empty()).await;
    card_action(&app, &uid, "edit").await;
    let question = app
        .wait_for("[data-testid=series-question]", Duration::from_secs(10))
        .await;
    let asked = question.text().await.unwrap_or_default();
    assert!(
        asked.contains("Nur diesen Termin") && asked.contains("Die ganze Serie"),
        "the German series question: {asked}"
    );
    app.screenshot("calendar-edit-question-de.png").await;
    click_redrawn(&app, "[data-testid=series-occurrence]").await;
    let start_date = app
        .wait_for("[data-testid=ev-start-date]", Duration::from_secs(10))
        .await;
    assert_eq!(
        start_date
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
        this_wed.format("%d.%m.%Y").to_string(),
        "the German dialog's date (LANG=C.UTF-8 in the test run)"
    );
    app.screenshot("calendar-edit-dialog-de.png").await;
    click_redrawn(&app, "[data-testid=ev-cancel]").await;
    card_action(&app, &uid, "delete").await;
    app.wait_for("[data-testid=series-question]", Duration::from_secs(10))
        .await;
    click_redrawn(&app, "[data-testid=series-all]").await;
    let confirm = app
        .wait_for(
            "[data-testid=event-delete-confirm]",
            Duration::from_secs(10),
        )
        .await;
    let sentence = confirm.text().await.unwrap_or_default();
    assert!(
        sentence.contains(&format!("Die ganze Serie „{title}“")),
        "the German delete question does not name the series by its title: {sentence}"
    );
    app.screenshot("calendar-edit-delete-de.png").await;
    click_redrawn(&app, "[data-testid=event-delete-cancel]").await;

    caldav_delete(ALICE, &url);
    app.close().await;
}
