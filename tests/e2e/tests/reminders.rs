//! Reminders in real windows (docs/reminders.md#window-semantics), against SOGo: the test itself
//! writes events with a VALARM into alice's personal calendar over CalDAV, the app reads them, and:
//!
//! (a) autohide on (5 s) from the start: a reminder falls due, the reminder window appears,
//!     lists it, hides within 5 s + 2 s slack, and the reminder stays listed in the main window;
//! (b) autohide off, `autohide_seconds` = 5: the next reminder brings the window back, listing
//!     both (title and alarm time, read from the reminder window's own page), and it is still
//!     visible 30 s later (checked every 2 s);
//! (c) in the reminder window itself: Dismiss on one row removes it and the window stays (one
//!     reminder left, autohide off); Snooze (5 minutes) on the last row leaves nothing, and the
//!     window hides; the main window lists neither;
//! (d) after an app restart neither comes back (the dismiss and the snooze were stored); once
//!     the test clock (debug builds only, `test_advance_clock`, docs/reminders.md) has moved
//!     5 minutes on, the snoozed one is back in the reminder window, marked snoozed, and the
//!     dismissed one is not;
//! (e) autohide switched on while the window is visible: it hides 5 s (+ 2 s slack) later, the
//!     reminder stays listed in the main window.
//!
//! The reminder window's page is driven over WebDriver like the main window's: WebKitWebDriver
//! lists both webviews as windows of the session, the test switches to the one showing
//! `index.html#reminders`, reads its rows and clicks its buttons (WebDriver Element Click).
//! Visibility is what the window system reports for the reminder window: the
//! `reminder_window_visible` IPC command (Tauri's `is_visible`, GTK's mapped state), cross-
//! checked with X11 (`xwininfo`: the window's map state on the Xvfb display). Screenshots in
//! `target/e2e/`: `reminder-window*.png`, `reminder-snoozed-back.png` are WebDriver screenshots
//! taken switched to the reminder window (see `App::screenshot` on making the page paint
//! first), `reminder-display.png`, `reminder-after-autohide.png` the whole display (see
//! `App::capture_display` on why not `xwd -root`).
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, SubsecRound, TimeDelta, Utc};
use kontor_e2e_tests::{
    ALICE, App, WindowHandle, bounded, caldav_delete, caldav_put, progress, require_sogo, sign_in,
    x11_window_ids, x11_window_pid,
};
use serde_json::json;

fn ics(uid: &str, title: &str, alarm_at: DateTime<Utc>) -> String {
    // The alarm is 10 minutes before the start, so "5 minutes before start" can be offered.
    let start = alarm_at + TimeDelta::minutes(10);
    let end = start + TimeDelta::minutes(30);
    let f = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor E2E//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{title}\r\n\
         LOCATION:E2E room\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\n\
         TRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        f(Utc::now()),
        f(start),
        f(end)
    )
}

/// The reminder window as the app's window system sees it (IPC → `WebviewWindow::is_visible`).
async fn visible(app: &App) -> bool {
    app.invoke("reminder_window_visible", json!({}))
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The reminder window's X11 map state on the Xvfb display: `Some(true)` when a window titled
/// "Reminders – Kontor" (or the German title) of the app under test is viewable, `Some(false)`
/// when it exists but is not, `None` when X11 does not list it at all. Windows of other
/// processes do not count (an app another test left running once showed its own).
fn x11_viewable(app: &App) -> Option<bool> {
    let pids = app.pids();
    let ids: Vec<String> = WINDOW_TITLES
        .into_iter()
        .flat_map(x11_window_ids)
        .filter(|id| x11_window_pid(id).is_some_and(|p| pids.contains(&p)))
        .collect();
    if ids.is_empty() {
        return None;
    }
    Some(ids.iter().any(|id| {
        std::process::Command::new("xwininfo")
            .args(["-id", id])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("IsViewable"))
    }))
}

async fn wait_visible(app: &App, want: bool, timeout: Duration, what: &str) -> Instant {
    let start = Instant::now();
    loop {
        if visible(app).await == want {
            progress(&format!("reminder window visible={want}: {what}"));
            return Instant::now();
        }
        if start.elapsed() > timeout {
            app.fail(&format!(
                "the reminder window did not become visible={want} within {timeout:?} ({what})"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Titles in the main window's reminder list.
async fn main_titles(app: &App) -> Vec<String> {
    app.texts("[data-testid=main-reminder-list] [data-testid=reminder-title]")
        .await
}

async fn wait_listed(app: &App, title: &str, listed: bool, timeout: Duration) {
    let start = Instant::now();
    loop {
        let titles = main_titles(app).await;
        if titles.iter().any(|t| t == title) == listed {
            return;
        }
        if start.elapsed() > timeout {
            app.fail(&format!(
                "{title:?} listed={listed} expected in the main window within {timeout:?}: {titles:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn set_autohide(app: &App, on: bool, seconds: u32) {
    let r = app
        .invoke(
            "set_reminder_settings",
            json!({"autohide": on, "autohideSeconds": seconds}),
        )
        .await;
    assert!(r.is_ok(), "settings refused: {r:?}");
}

/// The reminder window's X11 titles (English and German UI).
const WINDOW_TITLES: [&str; 2] = ["Reminders – Kontor", "Erinnerungen – Kontor"];

/// A WebDriver screenshot of the reminder window's page (switched to it, then back to the main
/// window), saved under `target/e2e/`.
async fn window_shot(app: &App, window: &WindowHandle, file: &str) -> PathBuf {
    app.switch_to(window).await;
    let path = app.screenshot(file).await;
    app.switch_to_main().await;
    path
}

/// One row of the reminder window's list, as its page shows it.
#[derive(Debug, serde::Deserialize)]
struct Row {
    uid: String,
    title: String,
    alarm: String,
    snoozed: bool,
}

/// The rows of the reminder window's own page (the session must be switched to it); `None`
/// when the current page is not the reminder window's or the script failed.
async fn window_rows(app: &App) -> Option<Vec<Row>> {
    let v = app
        .script(
            "const w = document.querySelector('[data-testid=reminder-window]'); \
             if (!w) return null; \
             return Array.from(w.querySelectorAll('[data-testid=reminder-row]')).map(r => ({ \
               uid: r.dataset.uid, \
               title: r.querySelector('[data-testid=reminder-title]').textContent, \
               alarm: r.querySelector('[data-testid=reminder-alarm]').textContent, \
               snoozed: Array.from(r.querySelectorAll('.reminder-flag')) \
                 .some(f => f.textContent === 'snoozed') }));",
            vec![],
        )
        .await;
    serde_json::from_value(v).ok()
}

/// Waits until the reminder window's page lists exactly the rows `uids` (in that order).
async fn wait_window_rows(app: &App, uids: &[&str], timeout: Duration) -> Vec<Row> {
    let start = Instant::now();
    loop {
        let rows = window_rows(app).await;
        let matches = rows
            .as_ref()
            .is_some_and(|rows| rows.iter().map(|r| r.uid.as_str()).eq(uids.iter().copied()));
        if matches && let Some(rows) = rows {
            return rows;
        }
        if start.elapsed() > timeout {
            app.fail(&format!(
                "the reminder window's page did not list {uids:?} within {timeout:?}: {rows:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The alarm time as the reminder window shows it ("Reminder Fri, 27 Nov, 19:36", in the
/// system's zone) must carry the day and the minute of `alarm`.
fn assert_alarm_text(row: &Row, alarm: DateTime<Utc>) {
    let local = alarm.with_timezone(&Local);
    for part in [
        local.format("%-d %b").to_string(),
        local.format("%H:%M").to_string(),
    ] {
        assert!(
            row.alarm.starts_with("Reminder ") && row.alarm.contains(&part),
            "alarm text {:?} of {:?} lacks {part:?}",
            row.alarm,
            row.title
        );
    }
}

/// Clicks a button of one row of the reminder window's page with WebDriver's Element Click
/// (the session must be switched to that window).
async fn click_in_window(app: &App, uid: &str, button: &str) {
    let css = format!(
        "[data-testid=reminder-window] [data-testid=reminder-row][data-uid=\"{uid}\"] \
         [data-testid={button}]"
    );
    let el = app.wait_for(&css, Duration::from_secs(10)).await;
    bounded(&format!("click {button} of {uid}"), el.click())
        .await
        .unwrap_or_else(|e| panic!("clicking {button} of {uid} in the reminder window: {e}"));
}

/// The X server maps and unmaps a window asynchronously: the app's own state
/// (`reminder_window_visible`) can flip a little before the server has handled the request,
/// more so on a loaded machine. The X11 state must follow within `X11_GRACE`; how long it took
/// is printed.
const X11_GRACE: Duration = Duration::from_secs(2);

async fn assert_x11(app: &App, want: bool, what: &str) {
    let start = Instant::now();
    let mut got = x11_viewable(app);
    while got != Some(want) && start.elapsed() < X11_GRACE {
        tokio::time::sleep(Duration::from_millis(50)).await;
        got = x11_viewable(app);
    }
    if got != Some(want) {
        app.fail(&format!(
            "X11 map state of the reminder window: {got:?} {X11_GRACE:?} after the app said \
             visible={want}, expected viewable={want} ({what})"
        ))
        .await;
    }
    progress(&format!(
        "X11 viewable={want} {:?} after the app's state ({what})",
        start.elapsed()
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminder_window_autohide_dismiss_and_snooze() {
    require_sogo();
    let tag = format!(
        "{}{}",
        std::process::id(),
        Utc::now().timestamp_subsec_micros()
    );
    let (uid1, uid2) = (
        format!("kontor-e2e-rem1-{tag}"),
        format!("kontor-e2e-rem2-{tag}"),
    );
    let (title1, title2) = (
        format!("E2E reminder one {tag}"),
        format!("E2E reminder two {tag}"),
    );
    let mut created = Vec::new();
    let mut shots = Vec::new();

    let app = App::launch("reminders").await;
    sign_in(&app, ALICE).await;

    // (a) Autohide on (5 s) before anything is due. Reminders of the seeded data (if any are
    // due) are answered first, so the window starts hidden.
    set_autohide(&app, true, 5).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    app.invoke("reminder_dismiss_all", json!({}))
        .await
        .expect("dismiss all");
    wait_visible(&app, false, Duration::from_secs(10), "start").await;
    // Whole seconds, as the iCalendar text carries them.
    let alarm1 = (Utc::now() + TimeDelta::seconds(25)).trunc_subsecs(0);
    created.push(caldav_put(ALICE, &uid1, &ics(&uid1, &title1, alarm1)));
    wait_listed(&app, &title1, true, Duration::from_secs(120)).await;
    let shown = wait_visible(
        &app,
        true,
        Duration::from_secs(5),
        "first alarm, autohide on",
    )
    .await;
    println!(
        "(a) reminder listed and window shown {} ms after the alarm time",
        (Utc::now() - alarm1).num_milliseconds()
    );
    // The reminder window is made when it is first needed (src-tauri/src/reminder_window.rs).
    let window = app.window_with_fragment("reminders").await;
    shots.push(window_shot(&app, &window, "reminder-window-autohide-on.png").await);
    let hidden = wait_visible(&app, false, Duration::from_secs(20), "autohide on").await;
    let took = hidden - shown;
    println!("(a) autohide on from the start: hidden {took:?} after it was shown");
    assert!(
        took <= Duration::from_secs(7),
        "autohide 5 s: hidden only after {took:?}"
    );
    assert!(
        took >= Duration::from_secs(4),
        "autohide 5 s: hidden already after {took:?}"
    );
    assert_x11(&app, false, "autohide on, hidden").await;
    wait_listed(&app, &title1, true, Duration::from_secs(5)).await;
    // The hidden window's page still lists it.
    app.switch_to(&window).await;
    let rows = wait_window_rows(&app, &[&uid1], Duration::from_secs(5)).await;
    assert_eq!(rows[0].title, title1);
    assert_alarm_text(&rows[0], alarm1);
    app.switch_to_main().await;

    // (b) Autohide off with 5 s configured: the 5 s must not matter. The next reminder brings
    // the window back with both rows.
    set_autohide(&app, false, 5).await;
    let alarm2 = (Utc::now() + TimeDelta::seconds(20)).trunc_subsecs(0);
    created.push(caldav_put(ALICE, &uid2, &ics(&uid2, &title2, alarm2)));
    wait_listed(&app, &title2, true, Duration::from_secs(90)).await;
    let shown = wait_visible(&app, true, Duration::from_secs(5), "second alarm").await;
    assert_x11(&app, true, "second alarm").await;
    app.switch_to(&window).await;
    let rows = wait_window_rows(&app, &[&uid1, &uid2], Duration::from_secs(5)).await;
    assert_eq!(
        (rows[0].title.as_str(), rows[1].title.as_str()),
        (title1.as_str(), title2.as_str())
    );
    assert_alarm_text(&rows[0], alarm1);
    assert_alarm_text(&rows[1], alarm2);
    println!("(b) the reminder window lists {rows:?}");
    app.switch_to_main().await;
    shots.push(window_shot(&app, &window, "reminder-window.png").await);
    shots.push(app.capture_display("reminder-display.png"));
    while shown.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if !visible(&app).await || x11_viewable(&app) != Some(true) {
            app.fail(&format!(
                "autohide off: the reminder window vanished {:?} after it was shown",
                shown.elapsed()
            ))
            .await;
        }
    }
    println!("(b) still visible after {:?}", shown.elapsed());
    shots.push(window_shot(&app, &window, "reminder-window-after-30s.png").await);

    // (c) Dismiss the first in the reminder window: its row goes, the window stays (one left,
    // autohide off). Snooze the second there (5 minutes, the first choice): none left, hidden.
    app.switch_to(&window).await;
    click_in_window(&app, &uid1, "reminder-dismiss").await;
    wait_window_rows(&app, &[&uid2], Duration::from_secs(10)).await;
    app.switch_to_main().await;
    wait_listed(&app, &title1, false, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    if !visible(&app).await {
        app.fail("autohide off: the window hid with a reminder still listed")
            .await;
    }
    assert_x11(&app, true, "one reminder left").await;
    shots.push(window_shot(&app, &window, "reminder-window-after-dismiss.png").await);
    app.switch_to(&window).await;
    let choice = app
        .script(
            "const s = document.querySelector('[data-testid=reminder-window] \
               [data-testid=reminder-row][data-uid=\"' + arguments[0] + '\"] \
               [data-testid=reminder-snooze-choice]'); \
             return s ? s.options[s.selectedIndex].textContent : null;",
            vec![json!(uid2)],
        )
        .await;
    assert_eq!(choice, json!("5 minutes"), "the first snooze choice");
    click_in_window(&app, &uid2, "reminder-snooze").await;
    wait_window_rows(&app, &[], Duration::from_secs(10)).await;
    app.switch_to_main().await;
    wait_visible(&app, false, Duration::from_secs(5), "nothing left").await;
    assert_x11(&app, false, "nothing left").await;
    wait_listed(&app, &title2, false, Duration::from_secs(10)).await;
    let titles = main_titles(&app).await;
    assert!(
        !titles.contains(&title1) && !titles.contains(&title2),
        "answered in the reminder window but listed in the main window: {titles:?}"
    );
    println!("(c) dismissed and snoozed in the reminder window; it is hidden");

    // (d) Restart: neither comes back (both answers were stored) ...
    let profile = app.close_keep_profile().await;
    let app = App::launch_with_profile("reminders-restart", profile).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    // Two feed reads (KONTOR_REMINDER_REFRESH_SECONDS=5) after the start.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let titles = main_titles(&app).await;
    assert!(
        !titles.contains(&title1) && !titles.contains(&title2),
        "after a restart a dismissed or snoozed reminder is back: {titles:?}"
    );
    if visible(&app).await {
        app.fail("after a restart the reminder window is visible with nothing due")
            .await;
    }
    // ... until the snooze has run out: the test clock moves 5 minutes on.
    let offset = app
        .invoke("test_advance_clock", json!({"seconds": 300}))
        .await
        .expect("test clock (debug build)");
    println!("(d) test clock offset now {offset} s");
    let shown = wait_visible(&app, true, Duration::from_secs(30), "snooze expired").await;
    wait_listed(&app, &title2, true, Duration::from_secs(5)).await;
    // Nothing was due since the restart: the window is made now.
    let window = app.window_with_fragment("reminders").await;
    app.switch_to(&window).await;
    let rows = wait_window_rows(&app, &[&uid2], Duration::from_secs(5)).await;
    assert_eq!(rows[0].title, title2);
    assert!(rows[0].snoozed, "not marked snoozed: {rows:?}");
    assert_alarm_text(&rows[0], alarm2);
    app.switch_to_main().await;
    let titles = main_titles(&app).await;
    assert!(
        !titles.contains(&title1),
        "the dismissed reminder came back: {titles:?}"
    );
    shots.push(window_shot(&app, &window, "reminder-snoozed-back.png").await);
    println!("(d) snoozed reminder back after a restart and 5 minutes: {rows:?}");

    // (e) Autohide switched on while visible: the countdown starts now.
    let switched = Instant::now();
    set_autohide(&app, true, 5).await;
    let hidden = wait_visible(&app, false, Duration::from_secs(20), "autohide switched on").await;
    let took = hidden - switched;
    println!(
        "(e) hidden {took:?} after switching autohide on (5 s), {:?} after it was shown",
        hidden - shown
    );
    assert!(
        took <= Duration::from_secs(7),
        "autohide 5 s: hidden only after {took:?}"
    );
    assert!(
        took >= Duration::from_secs(4),
        "autohide 5 s: hidden already after {took:?}"
    );
    assert_x11(&app, false, "autohide switched on").await;
    wait_listed(&app, &title2, true, Duration::from_secs(5)).await;
    shots.push(app.capture_display("reminder-after-autohide.png"));

    for url in &created {
        caldav_delete(ALICE, url);
    }
    println!("screenshots: {shots:?}");
    app.close().await;
}
