//! Reminders in real windows (DESIGN §5, issue 6), against SOGo: the test itself writes events
//! with a VALARM into alice's personal calendar over CalDAV, the app reads them, and:
//!
//! (a) autohide off, `autohide_seconds` = 5: the reminder window appears when the alarm falls
//!     due and is still visible 30 s later (checked every 2 s);
//! (b) autohide on (5 s): the window hides within 5 s + 2 s slack, the reminder stays listed in
//!     the main window, and the window comes back for the next reminder (and hides again);
//! (c) a reminder dismissed in the main window stays dismissed across an app restart;
//! (d) a 5-minute snooze brings the reminder back once the test clock (debug builds only,
//!     `test_advance_clock`, docs/reminders.md) has moved 5 minutes on.
//!
//! Visibility is what the window system reports for the reminder window: the
//! `reminder_window_visible` IPC command (Tauri's `is_visible`, GTK's mapped state), cross-
//! checked with X11 (`xwininfo`: the window's map state on the Xvfb display). Screenshots of
//! the display (xwd) are saved to `target/e2e/reminder-*.png`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use kontor_e2e_tests::{ALICE, App, caldav_delete, caldav_put, progress, require_sogo, sign_in};
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
/// "Reminders – Kontor" is viewable, `Some(false)` when it exists but is not, `None` when X11
/// does not list it at all.
fn x11_viewable() -> Option<bool> {
    let tree = Command::new("xwininfo")
        .args(["-root", "-tree"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&tree.stdout);
    let ids: Vec<String> = text
        .lines()
        .filter(|l| l.contains("Reminders") && l.contains("Kontor"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    if ids.is_empty() {
        return None;
    }
    Some(ids.iter().any(|id| {
        Command::new("xwininfo")
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

/// Clicks a button of one row of the main window's reminder list (a script click: see
/// tests/e2e/src/lib.rs on WebKitWebDriver).
async fn click_in_row(app: &App, uid: &str, button: &str) {
    let clicked = app
        .script(
            "const row = Array.from(document.querySelectorAll( \
               '[data-testid=main-reminder-list] [data-testid=reminder-row]')) \
               .find(r => r.dataset.uid === arguments[0]); \
             if (!row) return false; \
             row.querySelector('[data-testid=' + arguments[1] + ']').click(); return true;",
            vec![json!(uid), json!(button)],
        )
        .await;
    if clicked != json!(true) {
        app.fail(&format!("no {button} button for {uid} in the main window"))
            .await;
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

    let app = App::launch("reminders").await;
    sign_in(&app, ALICE).await;

    // (a) Autohide off with 5 s configured: the 5 s must not matter. Reminders of the seeded
    // data (if any are due) are answered first, so the window starts hidden.
    set_autohide(&app, false, 5).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    app.invoke("reminder_dismiss_all", json!({}))
        .await
        .expect("dismiss all");
    wait_visible(&app, false, Duration::from_secs(10), "start").await;
    let alarm1 = Utc::now() + TimeDelta::seconds(25);
    created.push(caldav_put(ALICE, &uid1, &ics(&uid1, &title1, alarm1)));
    wait_listed(&app, &title1, true, Duration::from_secs(120)).await;
    let shown = wait_visible(&app, true, Duration::from_secs(5), "first alarm").await;
    let late = (Utc::now() - alarm1).num_milliseconds();
    println!("(a) reminder listed and window shown {late} ms after the alarm time");
    assert_eq!(
        x11_viewable(),
        Some(true),
        "X11 does not show the reminder window as viewable"
    );
    let first = app.capture_display("reminder-window.png");
    while shown.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if !visible(&app).await || x11_viewable() != Some(true) {
            app.fail(&format!(
                "autohide off: the reminder window vanished {:?} after it was shown",
                shown.elapsed()
            ))
            .await;
        }
    }
    let after30 = app.capture_display("reminder-window-after-30s.png");
    println!(
        "(a) still visible after {:?}: {}",
        shown.elapsed(),
        after30.display()
    );

    // (b) Autohide on, 5 s: switched on while visible, the countdown starts now.
    let switched = Instant::now();
    set_autohide(&app, true, 5).await;
    let hidden = wait_visible(&app, false, Duration::from_secs(20), "autohide on").await;
    let took = hidden - switched;
    println!("(b) hidden {took:?} after switching autohide on (5 s)");
    assert!(
        took <= Duration::from_secs(7),
        "autohide 5 s: hidden only after {took:?}"
    );
    assert!(
        took >= Duration::from_secs(4),
        "autohide 5 s: hidden already after {took:?}"
    );
    assert_eq!(x11_viewable(), Some(false), "X11 still shows the window");
    wait_listed(&app, &title1, true, Duration::from_secs(5)).await;
    // The next reminder brings the window back, and it hides again after 5 s.
    let alarm2 = Utc::now() + TimeDelta::seconds(20);
    created.push(caldav_put(ALICE, &uid2, &ics(&uid2, &title2, alarm2)));
    wait_listed(&app, &title2, true, Duration::from_secs(90)).await;
    let back = wait_visible(&app, true, Duration::from_secs(2), "second alarm").await;
    let shot_b = app.capture_display("reminder-window-autohide-on.png");
    let hidden = wait_visible(&app, false, Duration::from_secs(20), "autohide on, next").await;
    let took = hidden - back;
    println!(
        "(b) next reminder: shown, hidden {took:?} later: {}",
        shot_b.display()
    );
    assert!(took <= Duration::from_secs(7), "hidden only after {took:?}");
    wait_listed(&app, &title1, true, Duration::from_secs(5)).await;
    wait_listed(&app, &title2, true, Duration::from_secs(5)).await;

    // (c) Dismiss the first reminder, restart: it stays dismissed, the second is back.
    click_in_row(&app, &uid1, "reminder-dismiss").await;
    wait_listed(&app, &title1, false, Duration::from_secs(10)).await;
    let profile = app.close_keep_profile().await;
    let app = App::launch_with_profile("reminders-restart", profile).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    wait_listed(&app, &title2, true, Duration::from_secs(60)).await;
    let titles = main_titles(&app).await;
    assert!(
        !titles.contains(&title1),
        "the dismissed reminder came back after a restart: {titles:?}"
    );
    let shot_c = app.capture_display("reminder-after-restart.png");
    println!("(c) after restart: {titles:?} {}", shot_c.display());

    // (d) Snooze the second for 5 minutes; move the test clock 5 minutes on: it is back.
    click_in_row(&app, &uid2, "reminder-snooze").await;
    wait_listed(&app, &title2, false, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let titles = main_titles(&app).await;
    assert!(!titles.contains(&title2), "snoozed but listed: {titles:?}");
    let offset = app
        .invoke("test_advance_clock", json!({"seconds": 300}))
        .await
        .expect("test clock (debug build)");
    println!("(d) test clock offset now {offset} s");
    wait_visible(&app, true, Duration::from_secs(30), "snooze expired").await;
    wait_listed(&app, &title2, true, Duration::from_secs(5)).await;
    let shot_d = app.capture_display("reminder-snoozed-back.png");
    let snap = app.invoke("reminders", json!({})).await.expect("snapshot");
    let back = snap["active"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"]["uid"] == json!(uid2)).cloned())
        .expect("the snoozed reminder is active again");
    assert_eq!(back["snoozed"], json!(true), "{back}");
    println!("(d) snoozed reminder back: {}", shot_d.display());

    for url in &created {
        caldav_delete(ALICE, url);
    }
    println!(
        "screenshots: {} {} {} {} {}",
        first.display(),
        after30.display(),
        shot_b.display(),
        shot_c.display(),
        shot_d.display()
    );
    app.close().await;
}
