//! Opening a colleague's calendar by address in the real window, as alice on SOGo in
//! Europe/Berlin time (the app is started with `TZ=Europe/Berlin`, as in `calendar.rs`).
//!
//! bob's Radicale calendar `http://127.0.0.1:55232/bob/team/` is readable by alice but listed
//! for nobody (tests/servers/README.md, "Radicale"); the seed wrote "Team standup" (weekdays
//! 09:30 from the seeding week's Monday) and "Release party" (seeding day + 4, 16:00) into it.
//! Like a person: Ctrl+2 opens the calendar, "Open calendar…" the dialog, the address is typed
//! key by key, Open; the calendar is listed under "Colleagues' calendars" with a lock, and
//! Page Down to the release party's week shows it from that calendar. A wrong address shows
//! the not-found message in the dialog with the address kept, in English and German. The
//! calendar is removed again from its ⋯ menu. Screenshots (`target/e2e/calendar-colleague-*.png`):
//! the dialog filled in (EN), its refusal (EN, DE) and the week with the Radicale calendar.

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeDelta};
use fantoccini::key::Key;
use kontor_e2e_tests::{
    ALICE, App, berlin_today, bounded, choose_language, click, progress, require_sogo, seed_info,
    sign_in,
};

const TEAM_URL: &str = "http://127.0.0.1:55232/bob/team/";
const WRONG_URL: &str = "http://127.0.0.1:55232/alice/no-such-calendar/";
const RELEASE_UID: &str = "kontor-seed-team-release";

fn monday(d: NaiveDate) -> NaiveDate {
    d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday()))
}

fn seed_date(key: &str) -> NaiveDate {
    let info = seed_info();
    let v = info["times"][key].as_str().unwrap_or_default().to_owned();
    NaiveDate::parse_from_str(&v, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(&v, "%Y-%m-%d"))
        .unwrap_or_else(|e| panic!("seed time {key}={v:?}: {e}"))
}

/// Sends keys to the element `css` finds, finding it again if it was drawn anew meanwhile.
async fn send_keys(app: &App, css: &str, keys: &str) {
    for attempt in 1..=5 {
        let el = app.wait_for(css, Duration::from_secs(60)).await;
        match bounded(&format!("keys to {css}"), el.send_keys(keys)).await {
            Ok(()) => return,
            Err(e) if attempt < 5 => {
                progress(&format!("keys to {css}: {e}; finding it again"));
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => app.fail(&format!("keys to {css}: {e}")).await,
        }
    }
}

/// Types `text` into the dialog's field one key at a time, as a person does.
async fn type_like_a_person(app: &App, text: &str) {
    for ch in text.chars() {
        send_keys(app, "[data-testid=cal-open-input]", &ch.to_string()).await;
    }
}

/// The first instant of the range shown (`data-start`).
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

async fn page(app: &App, back: bool) {
    let before = range(app).await;
    let key = if back { Key::PageUp } else { Key::PageDown };
    send_keys(app, "[data-testid=cal-today]", &key.to_string()).await;
    let start = Instant::now();
    while range(app).await == before {
        if start.elapsed() > Duration::from_secs(10) {
            app.fail("the week did not change").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
}

/// The appointments shown as (uid, calendar id, text).
async fn shown_events(app: &App) -> Vec<(String, String, String)> {
    let v = app
        .script(
            "return Array.from(document.querySelectorAll('[data-testid=cal-event]')).map(e => \
               [e.dataset.uid || '', e.dataset.calendar || '', e.textContent || '']);",
            vec![],
        )
        .await;
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let s = |i: usize| x[i].as_str().unwrap_or_default().to_owned();
                    (s(0), s(1), s(2))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The calendar list's colleague entry named `name`: its calendar id, or '' when not listed.
async fn shared_calendar(app: &App, name: &str) -> String {
    app.script(
        "const items = [...document.querySelectorAll('[data-testid=cal-list-shared] [data-testid=cal-list-item]')]; \
         const i = items.find(i => (i.textContent || '').includes(arguments[0])); \
         return i ? i.dataset.calendar : '';",
        vec![serde_json::json!(name)],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Opens the dialog, types `url`, presses Open.
async fn open_calendar(app: &App, url: &str, shot: Option<&str>) {
    click(app, "[data-testid=cal-open]").await;
    app.wait_for("[data-testid=cal-open-dialog]", Duration::from_secs(10))
        .await;
    type_like_a_person(app, url).await;
    if let Some(file) = shot {
        app.screenshot(file).await;
    }
    click(app, "[data-testid=cal-open-ok]").await;
}

/// Waits for the dialog's refusal; checks the address is kept; returns the message.
async fn refusal(app: &App) -> String {
    let start = Instant::now();
    loop {
        let t = app
            .texts("[data-testid=cal-open-dialog] [data-testid=error-message]")
            .await
            .join(" ");
        if !t.is_empty() {
            let kept = app
                .script(
                    "return document.querySelector('[data-testid=cal-open-input]')?.value || '';",
                    vec![],
                )
                .await;
            assert_eq!(kept.as_str(), Some(WRONG_URL), "the address is kept");
            return t;
        }
        if start.elapsed() > Duration::from_secs(30) {
            app.fail("the dialog shows no refusal").await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn escape_dialog(app: &App) {
    send_keys(
        app,
        "[data-testid=cal-open-input]",
        &Key::Escape.to_string(),
    )
    .await;
    let start = Instant::now();
    while !app.texts("[data-testid=cal-open-dialog]").await.is_empty() {
        if start.elapsed() > Duration::from_secs(5) {
            app.fail("Escape did not close the dialog").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_opens_bobs_radicale_calendar_by_url_and_sees_its_events() {
    require_sogo();
    let release = seed_date("TODAY_PLUS_4");
    let today = berlin_today();
    let weeks = (monday(release) - monday(today)).num_weeks();
    progress(&format!(
        "release party on {release}; {weeks} week(s) from today"
    ));

    let (_work, wrapper) = kontor_e2e_tests::berlin_app_binary();
    let profile = tempfile::Builder::new()
        .prefix("kontor-e2e-")
        .tempdir()
        .expect("temp profile");
    let app = App::launch_binary("calendar-colleague", profile, &wrapper).await;
    sign_in(&app, ALICE).await;
    // Ctrl+2 (in the message list) opens the calendar; Ctrl+Alt+3 the week view.
    send_keys(
        &app,
        "[data-testid=message-row][tabindex=\"0\"]",
        &(Key::Control + "2"),
    )
    .await;
    app.wait_for("[data-testid=calendar-view]", Duration::from_secs(10))
        .await;
    send_keys(
        &app,
        "[data-testid=cal-today]",
        &format!("{}{}3{}", Key::Control, Key::Alt, Key::Null),
    )
    .await;
    app.wait_for(
        "[data-testid=calendar-view][data-view=week]",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        shared_calendar(&app, "Team").await.is_empty(),
        "nothing lists bob's team calendar for alice"
    );

    // By address: typed like a person, Open.
    open_calendar(&app, TEAM_URL, Some("calendar-colleague-dialog-en.png")).await;
    let start = Instant::now();
    let team_id = loop {
        let id = shared_calendar(&app, "Team").await;
        if !id.is_empty() && app.texts("[data-testid=cal-open-dialog]").await.is_empty() {
            break id;
        }
        if start.elapsed() > Duration::from_secs(60) {
            app.fail("bob's team calendar is not listed after Open")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    progress(&format!("bob's team calendar opened as calendar {team_id}"));
    let locked = app
        .script(
            "return !!document.querySelector(`[data-testid=cal-list-shared] [data-calendar='${arguments[0]}'] [data-testid=cal-readonly]`);",
            vec![serde_json::json!(team_id)],
        )
        .await;
    assert_eq!(locked.as_bool(), Some(true), "listed read-only (a lock)");

    // Its events in the view: the release party's week.
    for _ in 0..weeks.abs() {
        page(&app, weeks < 0).await;
    }
    let start = Instant::now();
    loop {
        let ev = shown_events(&app).await;
        if ev.iter().any(|(uid, cal, text)| {
            uid == RELEASE_UID && *cal == team_id && text.contains("Release party")
        }) {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            app.fail(&format!("the release party is not shown: {ev:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.screenshot("calendar-colleague-week-en.png").await;

    // A wrong address: the not-found message in the dialog, the address kept; Escape closes.
    open_calendar(&app, WRONG_URL, None).await;
    let said = refusal(&app).await;
    assert!(
        said.contains("No calendar was found at this address"),
        "{said}"
    );
    app.screenshot("calendar-colleague-refused-en.png").await;
    escape_dialog(&app).await;

    // The same in German.
    choose_language(&app, "de").await;
    app.wait_for("[data-testid=cal-open]", Duration::from_secs(10))
        .await;
    let button = app.texts("[data-testid=cal-open]").await.join(" ");
    assert_eq!(button, "Kalender öffnen…");
    open_calendar(&app, WRONG_URL, None).await;
    let said = refusal(&app).await;
    assert!(
        said.contains("Unter dieser Adresse wurde kein Kalender gefunden"),
        "{said}"
    );
    let dialog = app.texts("[data-testid=cal-open-dialog]").await.join(" ");
    assert!(
        dialog.contains("Name, E-Mail-Adresse oder Kalenderadresse (URL)")
            && dialog.contains("Der Kalender konnte nicht geöffnet werden"),
        "{dialog}"
    );
    app.screenshot("calendar-colleague-refused-de.png").await;
    escape_dialog(&app).await;

    // Removed from its ⋯ menu: gone from the list and from the view.
    click(
        &app,
        &format!("[data-calendar='{team_id}'] [data-testid=cal-actions]"),
    )
    .await;
    click(&app, "[data-testid=cal-remove]").await;
    let start = Instant::now();
    loop {
        let listed = !shared_calendar(&app, "Team").await.is_empty();
        let shown = shown_events(&app)
            .await
            .iter()
            .any(|(_, cal, _)| *cal == team_id);
        if !listed && !shown {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            app.fail("the removed calendar is still listed or shown")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    progress("bob's team calendar removed");
    app.close().await;
}
