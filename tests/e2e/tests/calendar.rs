//! The calendar in the real window, as alice on SOGo, in the time zone Europe/Berlin (the app is
//! started with `TZ=Europe/Berlin`, as an office PC in Germany runs).
//!
//! Driven like a person: Ctrl+2 opens the calendar, Ctrl+Alt+3 the week view, Page Up / Page
//! Down page through the weeks, a click on an appointment opens its card. What the seed wrote
//! (`tests/servers/seed/ics/weekly-series.ics`, dates relative to the seeding day): a weekly
//! series on Tuesdays at 10:00 Berlin time that starts three weeks before the last DST change,
//! one occurrence deleted (EXDATE, two days after the change) and one moved to 14:00 (nine days
//! after). It must show at 10:00 on both sides of the change, miss the deleted one and show the
//! moved one at its new time. Those weeks lie before the cached occurrence window (today − 7
//! days), so they are expanded on demand. Bob's calendar, shared with alice, is listed among the
//! colleagues' calendars as read-only and overlaid in another colour; hiding it hides its
//! appointments. A new appointment in New York time: the dialog says its times in Berlin time,
//! SOGo holds the same instant, and the card shows the Berlin time. Screenshots of week, month
//! and the card, in English and German.

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use fantoccini::key::Key;
use kontor_e2e_tests::{
    ALICE, App, Locator, berlin_today, bounded, caldav_delete, caldav_find, caldav_put,
    click_redrawn, progress, require_sogo, seed_info, sign_in, wait_text,
};

const SERIES_UID: &str = "kontor-seed-weekly-series";

/// An appointment 10 minutes after its alarm, the alarm at `alarm_at`.
fn ics(uid: &str, title: &str, alarm_at: DateTime<Utc>) -> String {
    let start = alarm_at + TimeDelta::minutes(10);
    let f = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor E2E//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{title}\r\n\
         LOCATION:Raum 7\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\n\
         TRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        f(Utc::now()),
        f(start),
        f(start + TimeDelta::minutes(30))
    )
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - TimeDelta::days(i64::from(d.weekday().num_days_from_monday()))
}

fn seed_date(info: &serde_json::Value, key: &str) -> NaiveDate {
    let v = info["times"][key].as_str().unwrap_or_default();
    NaiveDate::parse_from_str(v, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y-%m-%d"))
        .unwrap_or_else(|e| panic!("seed time {key}={v:?}: {e}"))
}

/// Sends keys to the calendar (through its Today button, which has the keyboard focus then; the
/// calendar's keys are window-wide while the calendar is shown).
async fn cal_keys(app: &App, keys: &str) {
    send_keys(app, "[data-testid=cal-today]", keys).await;
}

/// Sends keys to the element `css` finds, finding it again if it was drawn anew meanwhile.
async fn send_keys(app: &App, css: &str, keys: &str) {
    for attempt in 1..=5 {
        let el = app.wait_for(css, Duration::from_secs(120)).await;
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

async fn title(app: &App) -> String {
    app.texts("[data-testid=cal-title]")
        .await
        .into_iter()
        .next()
        .unwrap_or_default()
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

/// Waits until the range shown changes from `before` and its appointments are in.
async fn wait_range_change(app: &App, before: &str) -> String {
    let start = Instant::now();
    loop {
        let now = range(app).await;
        if now != before && !now.is_empty() {
            // The range's appointments come from one IPC call after the title changed.
            tokio::time::sleep(Duration::from_millis(700)).await;
            return now;
        }
        if start.elapsed() > Duration::from_secs(10) {
            app.fail(&format!("the calendar range stayed at {before:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The appointments shown: (uid, calendar id, text).
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

async fn wait_events(app: &App, what: &str, ok: impl Fn(&[(String, String, String)]) -> bool) {
    let start = Instant::now();
    loop {
        let ev = shown_events(app).await;
        if ok(&ev) {
            return;
        }
        if start.elapsed() > Duration::from_secs(60) {
            app.fail(&format!("{what}: the calendar shows {ev:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Clicks the appointment of `uid` and returns the card's title and "when" line; closes the card.
async fn open_card(app: &App, uid: &str) -> (String, String) {
    click_redrawn(app, &format!("[data-testid=cal-event][data-uid=\"{uid}\"]")).await;
    app.wait_for("[data-testid=event-card]", Duration::from_secs(10))
        .await;
    let t = app.texts("[data-testid=event-card-title]").await;
    let w = app.texts("[data-testid=event-card-when]").await;
    (
        t.into_iter().next().unwrap_or_default(),
        w.into_iter().next().unwrap_or_default(),
    )
}

/// Opens the series' appointment in the range shown and checks its card: title and times.
/// The card is left open (for a screenshot); `close_card` closes it.
async fn check_series(app: &App, title: &str, from: &str, to: &str, what: &str) {
    let (t, when) = open_card(app, SERIES_UID).await;
    assert_eq!(t, title, "{what}");
    assert!(
        when.contains(from) && when.contains(to),
        "{what}: {when}, expected {from} – {to}"
    );
}

async fn close_card(app: &App) {
    let close = app
        .wait_for("[data-testid=event-card-close]", Duration::from_secs(5))
        .await;
    bounded("close the card", close.click())
        .await
        .expect("close");
}

/// Pages by `n` weeks (Page Up for negative n), waiting for each new range.
async fn page_weeks(app: &App, n: i64) {
    for _ in 0..n.abs() {
        let before = range(app).await;
        let key = if n < 0 { Key::PageUp } else { Key::PageDown };
        cal_keys(app, &key.to_string()).await;
        wait_range_change(app, &before).await;
    }
}

/// The computed background colour of the first appointment of a calendar.
async fn event_colour(app: &App, calendar: &str) -> String {
    app.script(
        "const e = document.querySelector(`[data-testid=cal-event][data-calendar=\"${arguments[0]}\"]`); \
         if (!e) return ''; \
         for (const el of [e, ...e.querySelectorAll('*')]) { \
           const c = getComputedStyle(el).backgroundColor; \
           if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } \
         return '';",
        vec![serde_json::json!(calendar)],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_pages_through_her_weeks_and_sees_bobs_calendar() {
    require_sogo();
    let info = seed_info();
    let dst = seed_date(&info, "DST_CHANGE");
    // The day the app opens on: today in Berlin now, not when the servers were seeded (a run
    // seeded before midnight in Berlin and started after it opened a week too far).
    let today = berlin_today();
    // Bob's appointment is on the day after the seeding.
    let tomorrow = seed_date(&info, "TOMORROW");
    // The app in Berlin time: a wrapper that sets TZ and becomes the app (exec: the driver's
    // process is the app's).
    let (_work, wrapper) = kontor_e2e_tests::berlin_app_binary();
    let profile = tempfile::Builder::new()
        .prefix("kontor-e2e-")
        .tempdir()
        .expect("temp profile");
    // What an earlier, failed run of this test may have left in alice's calendar.
    for needle in ["kontor-e2e-cal-open-", "E2E Jour fixe "] {
        for _ in 0..20 {
            let Some((url, _)) = caldav_find(ALICE, needle) else {
                break;
            };
            progress(&format!("removing a leftover of an earlier run: {url}"));
            caldav_delete(ALICE, &url);
        }
    }
    let app = App::launch_binary("calendar", profile, &wrapper).await;
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
    cal_keys(&app, &format!("{}{}3{}", Key::Control, Key::Alt, Key::Null)).await;
    app.wait_for(
        "[data-testid=calendar-view][data-view=week]",
        Duration::from_secs(10),
    )
    .await;

    // The calendar list: alice's own calendar, and bob's among the colleagues', read-only.
    let start = Instant::now();
    let bob_id = loop {
        let v = app
            .script(
                "const li = document.querySelector('[data-testid=cal-list-shared] [data-testid=cal-list-item]'); \
                 return li ? [li.dataset.calendar, li.textContent, !!li.querySelector('[data-testid=cal-readonly]')] : null;",
                vec![],
            )
            .await;
        if let Some(a) = v.as_array() {
            progress(&format!("colleague calendar: {a:?}"));
            assert_eq!(
                a[2].as_bool(),
                Some(true),
                "bob's shared calendar is not marked read-only: {a:?}"
            );
            break a[0].as_str().unwrap_or_default().to_owned();
        }
        if start.elapsed() > Duration::from_secs(120) {
            app.fail("no colleague's calendar in the calendar list")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    // This week: the series (from the cached window) on its Tuesday, 10:00.
    wait_events(&app, "this week's Weekly sync", |ev| {
        ev.iter().any(|e| e.0 == SERIES_UID)
    })
    .await;
    check_series(&app, "Weekly sync", "10:00", "11:00", "this week").await;
    close_card(&app).await;

    // Bob's appointment (the day after the seeding, 14:00), overlaid in another colour.
    page_weeks(&app, (monday(tomorrow) - monday(today)).num_weeks()).await;
    wait_events(&app, "bob's Quarterly planning", |ev| {
        ev.iter()
            .any(|e| e.1 == bob_id && e.2.contains("Quarterly planning"))
    })
    .await;
    let bob_colour = event_colour(&app, &bob_id).await;
    let own = shown_events(&app)
        .await
        .into_iter()
        .find(|e| e.1 != bob_id)
        .map(|e| e.1);
    if let Some(own) = own {
        let own_colour = event_colour(&app, &own).await;
        progress(&format!("colours: alice {own_colour}, bob {bob_colour}"));
        assert_ne!(own_colour, bob_colour, "bob's calendar in alice's colour");
    }
    let shot = app.screenshot("calendar-week-en.png").await;
    progress(&format!("screenshot {}", shot.display()));
    // Hiding bob's calendar hides its appointments; showing it brings them back.
    click_redrawn(
        &app,
        &format!("[data-testid=cal-list-item][data-calendar=\"{bob_id}\"] [data-testid=cal-shown]"),
    )
    .await;
    wait_events(&app, "bob's calendar hidden", |ev| {
        ev.iter().all(|e| e.1 != bob_id)
    })
    .await;
    click_redrawn(
        &app,
        &format!("[data-testid=cal-list-item][data-calendar=\"{bob_id}\"] [data-testid=cal-shown]"),
    )
    .await;
    wait_events(&app, "bob's calendar shown again", |ev| {
        ev.iter().any(|e| e.1 == bob_id)
    })
    .await;

    // Back to the week before the DST change: 10:00 (CEST).
    let week_before = monday(dst - TimeDelta::days(6));
    let here = monday(tomorrow);
    page_weeks(&app, (week_before - here).num_weeks()).await;
    progress(&format!(
        "week of {week_before}: {} ({})",
        title(&app).await,
        range(&app).await
    ));
    wait_events(&app, "the series before the DST change", |ev| {
        ev.iter().any(|e| e.0 == SERIES_UID)
    })
    .await;
    check_series(&app, "Weekly sync", "10:00", "11:00", "before the change").await;
    close_card(&app).await;

    // The week after: its Tuesday was deleted (EXDATE).
    page_weeks(&app, 1).await;
    wait_events(&app, "the deleted occurrence", |ev| {
        ev.iter().all(|e| e.0 != SERIES_UID)
    })
    .await;

    // The next week: the moved occurrence at 14:00.
    page_weeks(&app, 1).await;
    wait_events(&app, "the moved occurrence", |ev| {
        ev.iter().any(|e| e.0 == SERIES_UID)
    })
    .await;
    check_series(&app, "Weekly sync (moved)", "14:00", "15:00", "moved").await;
    let shot = app.screenshot("calendar-event-card-en.png").await;
    progress(&format!("screenshot {}", shot.display()));
    close_card(&app).await;

    // And after the change: 10:00 again (CET).
    page_weeks(&app, 1).await;
    wait_events(&app, "the series after the DST change", |ev| {
        ev.iter().any(|e| e.0 == SERIES_UID)
    })
    .await;
    check_series(&app, "Weekly sync", "10:00", "11:00", "after the change").await;
    close_card(&app).await;

    // Month view (Ctrl+Alt+4), then Today.
    cal_keys(&app, &format!("{}{}4{}", Key::Control, Key::Alt, Key::Null)).await;
    app.wait_for(
        "[data-testid=calendar-view][data-view=month]",
        Duration::from_secs(10),
    )
    .await;
    let before = range(&app).await;
    click_redrawn(&app, "[data-testid=cal-today]").await;
    wait_range_change(&app, &before).await;
    wait_events(&app, "this month", |ev| {
        ev.iter().any(|e| e.0 == SERIES_UID)
    })
    .await;
    app.screenshot("calendar-month-en.png").await;

    // The calendar list's bell: switched off, an appointment of that calendar falls due
    // without a reminder; switched on again while it is not over, its reminder comes.
    progress("the calendar's bell");
    kontor_e2e_tests::switch_own_calendar_bell_off(&app).await;
    let tag = Utc::now().timestamp_millis();
    let muted_uid = format!("kontor-e2e-cal-muted-{tag}");
    let muted_alarm = Utc::now() + TimeDelta::seconds(15);
    let muted_url = caldav_put(
        ALICE,
        &muted_uid,
        &ics(&muted_uid, &format!("Muted {tag}"), muted_alarm),
    );
    // The app has it (read from its own cache, as the calendar view does) ...
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let from = Utc::now().timestamp() - 3600;
        let cached = app
            .invoke(
                "calendar_view",
                serde_json::json!({ "from": from, "to": from + 4 * 3600 }),
            )
            .await
            .unwrap_or_default();
        let has = cached
            .as_array()
            .is_some_and(|l| l.iter().any(|o| o["uid"] == muted_uid.as_str()));
        if has {
            break;
        }
        if Instant::now() > deadline {
            app.fail("the muted calendar's appointment did not reach the app")
                .await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // ... and its alarm time has passed, with no reminder.
    let wait = (muted_alarm - Utc::now()).num_milliseconds().max(0) as u64 + 5000;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let muted_css = format!(
        "[data-testid=main-reminder-list] [data-testid=reminder-row][data-uid=\"{muted_uid}\"]"
    );
    assert!(
        app.texts(&muted_css).await.is_empty(),
        "a reminder came from a calendar whose bell is off"
    );
    app.switch_to_main().await;
    click_redrawn(
        &app,
        &format!(
            "{}[aria-pressed=false]",
            kontor_e2e_tests::OWN_CALENDAR_BELL
        ),
    )
    .await;
    app.wait_for(&muted_css, Duration::from_secs(30)).await;
    app.switch_to_main().await;
    caldav_delete(ALICE, &muted_url);

    // A reminder's "Open" (in the main window's reminder list) shows the appointment in the
    // calendar: the view goes to its day and its card opens.
    let tag = Utc::now().timestamp_millis();
    let uid = format!("kontor-e2e-cal-open-{tag}");
    let subject = format!("Reminder to open {tag}");
    let alarm = Utc::now() + TimeDelta::seconds(20);
    let url = caldav_put(ALICE, &uid, &ics(&uid, &subject, alarm));
    let open_css = format!(
        "[data-testid=main-reminder-list] [data-testid=reminder-row][data-uid=\"{uid}\"] \
         [data-testid=reminder-open]"
    );
    app.wait_for(&open_css, Duration::from_secs(120)).await;
    app.switch_to_main().await;
    click_redrawn(&app, "[data-testid=module-mail]").await;
    // The reminder list is at the foot of the sidebar, below the folder tree.
    app.script(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' }); return true;",
        vec![serde_json::json!(open_css)],
    )
    .await;
    click_redrawn(&app, &open_css).await;
    app.wait_for(
        "[data-testid=module-calendar][aria-pressed=true]",
        Duration::from_secs(10),
    )
    .await;
    let card = app
        .wait_for("[data-testid=event-card-title]", Duration::from_secs(20))
        .await;
    assert_eq!(card.text().await.unwrap_or_default(), subject);
    app.screenshot("calendar-reminder-open-en.png").await;
    close_card(&app).await;
    caldav_delete(ALICE, &url);
    // The reminder window came up for it; the main window stays the one driven.
    app.switch_to_main().await;

    // A new appointment (Ctrl+Shift+A): weekly, with a 15-minute reminder, in alice's own
    // calendar. It shows at once; the server holds it with RRULE and VALARM after the sync.
    let title = format!("E2E Jour fixe {tag}");
    click_redrawn(&app, "[data-testid=cal-view-week]").await;
    cal_keys(
        &app,
        &format!("{}{}a{}", Key::Control, Key::Shift, Key::Null),
    )
    .await;
    let field = app
        .wait_for("[data-testid=ev-title]", Duration::from_secs(10))
        .await;
    bounded("type the title", field.send_keys(&title))
        .await
        .expect("type");
    let place = app
        .wait_for("[data-testid=ev-location]", Duration::from_secs(5))
        .await;
    bounded("type the place", place.send_keys("Raum 3"))
        .await
        .expect("type");
    click_redrawn(&app, "[data-testid=ev-repeat] option[value=weekly]").await;
    click_redrawn(&app, "[data-testid=ev-reminder] option[value=\"15\"]").await;
    // Another time zone: the times typed are New York's, and beside them the dialog says them
    // in the user's zone (Berlin, six hours later in winter).
    click_redrawn(
        &app,
        "[data-testid=ev-zone] option[value=\"America/New_York\"]",
    )
    .await;
    // 14:00–15:00 there (20:00 in Berlin: still today, in the week shown, but below the hours
    // the week opens on).
    for (css, time) in [
        ("[data-testid=ev-start-time]", "14:00"),
        ("[data-testid=ev-end-time]", "15:00"),
    ] {
        let field = app.wait_for(css, Duration::from_secs(5)).await;
        bounded("click the time", field.click())
            .await
            .expect("click");
        let keys = format!(
            "{}{}{time}{}",
            Key::End,
            Key::Backspace.to_string().repeat(8),
            Key::Tab
        );
        bounded("type the time", field.send_keys(&keys))
            .await
            .expect("type");
    }
    let typed_start = app
        .script(
            "return document.querySelector('[data-testid=ev-start-time]').value;",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let hint = wait_text(&app, "[data-testid=ev-zone-hint]", "your time", 10).await;
    let new_york = chrono::NaiveTime::parse_from_str(&typed_start, "%H:%M")
        .unwrap_or_else(|e| panic!("the start field says {typed_start:?}: {e}"));
    // December: New York is UTC−5, Berlin UTC+1.
    let berlin_start = (new_york + TimeDelta::hours(6)).format("%H:%M").to_string();
    if !hint.contains(&format!("= {berlin_start}")) {
        app.fail(&format!(
            "the zone hint for {typed_start} New York: {hint:?}, expected {berlin_start} Berlin"
        ))
        .await;
    }
    app.screenshot("calendar-editor-en.png").await;
    click_redrawn(&app, "[data-testid=ev-save]").await;
    let start = Instant::now();
    while app.texts("[data-testid=event-editor]").await.len() == 1 {
        if start.elapsed() > Duration::from_secs(10) {
            app.fail("the editor did not close after Save").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_events(&app, "the new appointment in the week", |ev| {
        ev.iter().any(|e| e.2.contains(&title))
    })
    .await;
    // The week scrolled down to it: the whole appointment within the time grid's visible part.
    let start = Instant::now();
    loop {
        let seen = app
            .script(
                "const e = Array.from(document.querySelectorAll('[data-testid=cal-event]')) \
                   .find(x => (x.textContent || '').includes(arguments[0])); \
                 if (!e) return 'not drawn'; let p = e.parentElement; \
                 while (p && !(p.scrollHeight > p.clientHeight + 1 \
                   && ['auto', 'scroll'].includes(getComputedStyle(p).overflowY))) p = p.parentElement; \
                 if (!p) return 'in no scrolled pane'; \
                 const r = e.getBoundingClientRect(), v = p.getBoundingClientRect(); \
                 return r.top >= v.top - 1 && r.bottom <= v.bottom + 1 ? 'in view' \
                   : `at ${Math.round(r.top)}..${Math.round(r.bottom)}, the pane shows ${Math.round(v.top)}..${Math.round(v.bottom)}`;",
                vec![serde_json::json!(title)],
            )
            .await;
        if seen == serde_json::json!("in view") {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            app.fail(&format!(
                "the new appointment at {berlin_start} is not in view after Save: {seen}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("calendar-new-in-view-en.png").await;
    let start = Instant::now();
    let (url, ics) = loop {
        if let Some(found) = caldav_find(ALICE, &title) {
            break found;
        }
        if start.elapsed() > Duration::from_secs(120) {
            app.fail(&format!("{title} is not on SOGo after 120 s"))
                .await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    progress(&format!("{title} on the server as {url}"));
    assert!(
        ics.contains("RRULE:FREQ=WEEKLY"),
        "no weekly RRULE on the server: {ics}"
    );
    assert!(
        // SOGo writes it as TRIGGER;VALUE=DURATION:-PT15M.
        ics.contains("BEGIN:VALARM") && ics.contains("TRIGGER") && ics.contains(":-PT15M"),
        "no 15-minute VALARM on the server: {ics}"
    );
    assert!(ics.contains("Raum 3"), "no place on the server: {ics}");
    // The start on the server is the same instant, however SOGo writes its zone: New York's
    // wall clock under a New York / Eastern zone, the UTC time, or (what SOGo does with an
    // appointment that came over ActiveSync) Berlin's wall clock under Europe/Berlin.
    let dtstart = ics
        .split("BEGIN:VEVENT")
        .nth(1)
        .and_then(|e| e.lines().find(|l| l.starts_with("DTSTART")))
        .unwrap_or_default()
        .to_owned();
    let hhmm = |t: chrono::NaiveTime| t.format("%H%M").to_string();
    let utc = hhmm(new_york + TimeDelta::hours(5));
    let same_instant = if dtstart.ends_with('Z') {
        dtstart.contains(&format!("T{utc}"))
    } else if dtstart.contains("Europe/Berlin") {
        dtstart.contains(&format!("T{}", hhmm(new_york + TimeDelta::hours(6))))
    } else {
        (dtstart.contains("New_York") || dtstart.contains("Eastern"))
            && dtstart.contains(&format!("T{}", hhmm(new_york)))
    };
    assert!(
        same_instant,
        "{dtstart} is not {typed_start} in New York ({utc} UTC): {ics}"
    );
    // The week shows it at the Berlin time the hint said.
    let uid = shown_events(&app)
        .await
        .into_iter()
        .find(|e| e.2.contains(&title))
        .map(|e| e.0)
        .unwrap_or_default();
    let (_, when) = open_card(&app, &uid).await;
    if !when.contains(&berlin_start) {
        app.fail(&format!(
            "the card of the New York appointment says {when:?}, expected {berlin_start}"
        ))
        .await;
    }
    close_card(&app).await;
    caldav_delete(ALICE, &url);

    // German: the same window in German, week view with the ISO week ("KW").
    app.client
        .find(Locator::Css("[data-testid=language] option[value=de]"))
        .await
        .expect("language option")
        .click()
        .await
        .expect("choose German");
    app.wait_for(
        "[data-testid=module-calendar][aria-pressed=true]",
        Duration::from_secs(10),
    )
    .await;
    click_redrawn(&app, "[data-testid=cal-view-week]").await;
    let start = Instant::now();
    loop {
        let body = app.texts("[data-testid=calendar-view]").await.join(" ");
        if body.contains("KW") && body.contains("Woche") {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            app.fail(&format!("no German week view: {body}")).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_events(&app, "German week", |ev| {
        ev.iter().any(|e| e.0 == SERIES_UID)
    })
    .await;
    app.screenshot("calendar-week-de.png").await;
    let (_, when) = open_card(&app, SERIES_UID).await;
    assert!(when.contains("10:00"), "German card: {when}");
    app.screenshot("calendar-event-card-de.png").await;
    close_card(&app).await;
    click_redrawn(&app, "[data-testid=cal-view-month]").await;
    wait_events(&app, "German month", |ev| {
        ev.iter().any(|e| e.0 == SERIES_UID)
    })
    .await;
    app.screenshot("calendar-month-de.png").await;

    // The month picker above the calendar list: its arrow pages to next month, a day there
    // shows that month.
    progress("month picker");
    let next = {
        let d = chrono::Local::now()
            .date_naive()
            .with_day(1)
            .expect("the first");
        if d.month() == 12 {
            NaiveDate::from_ymd_opt(d.year() + 1, 1, 15)
        } else {
            NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 15)
        }
        .expect("the 15th of next month")
    };
    const MONATE: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    let want = format!("{} {}", MONATE[next.month0() as usize], next.year());
    click_redrawn(&app, "[data-testid=mini-next]").await;
    let mini = app.texts("[data-testid=mini-title]").await.join(" ");
    assert_eq!(mini, want, "the picker after its arrow");
    let before = range(&app).await;
    click_redrawn(
        &app,
        &format!(
            "[data-testid=mini-day][data-date=\"{}\"]",
            next.format("%Y-%m-%d")
        ),
    )
    .await;
    wait_range_change(&app, &before).await;
    let shown = self::title(&app).await;
    assert!(
        shown.contains(&want),
        "the month shown after a picked day: {shown}"
    );
    let pressed = app
        .texts("[data-testid=mini-day][aria-pressed=true]")
        .await
        .len();
    assert!(
        pressed >= 28,
        "the picker marks the month shown: {pressed} days"
    );
    app.screenshot("calendar-month-picker-de.png").await;
    click_redrawn(&app, "[data-testid=cal-today]").await;
    click_redrawn(&app, "[data-testid=cal-new]").await;
    app.wait_for("[data-testid=ev-title]", Duration::from_secs(10))
        .await;
    click_redrawn(&app, "[data-testid=ev-repeat] option[value=weekly]").await;
    app.screenshot("calendar-editor-de.png").await;
    click_redrawn(&app, "[data-testid=ev-cancel]").await;
    app.close().await;
}
