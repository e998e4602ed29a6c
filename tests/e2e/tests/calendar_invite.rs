//! Meetings in the real window, as alice on SOGo in Europe/Berlin time (the app is started with
//! `TZ=Europe/Berlin`, as in `calendar.rs`):
//!
//! * the seed's invitation from bob ("Budget review", in three days at 10:00, SOGo filed a copy
//!   in alice's calendar): alice goes to that day (Ctrl+G), finds it hatched (not answered),
//!   opens the appointment of her own calendar, sees "Bob Baker invites you" with her answer not
//!   given yet, writes a message for bob and presses Accept; bob's copy on SOGo (an independent
//!   CalDAV GET as bob) then lists her as ACCEPTED, bob's Inbox holds her iTIP REPLY with the
//!   message, and the appointment is no longer hatched once the server's copy came back;
//! * alice makes a new appointment, invites bob in the dialog's Invite field and presses "Save
//!   and send": bob's Inbox on the server (his own ActiveSync session) holds the invitation, an
//!   iTIP REQUEST from alice with that appointment's UID; her copy on SOGo is private (the
//!   dialog's Private); her appointment's card shows bob with
//!   no answer yet (the organizer's view);
//! * the day view side by side (one column per calendar; alice's copy and bob's each in its
//!   calendar's column), in English and German;
//! * the same card and dialog in German; carol, invited with bob, taken off the meeting in the
//!   dialog: her Inbox gets the CANCEL ("Abgesagt: …"), bob's the changed invitation.
//!
//! The seeded invitation is set back to "not answered" in bob's copy first, so the test can fail
//! when run again on the same servers. Screenshots: `target/e2e/calendar-invitation-*.png`.
//! The new appointment is deleted at the end (its cancellation goes to bob too).

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use kontor_e2e_tests::server::{BOB, Probe};
use kontor_e2e_tests::{
    ALICE, App, SOGO_DAV_URL, bounded, caldav_delete, caldav_find, caldav_get, caldav_put,
    choose_language, click, click_redrawn, progress, require_sogo, seed_info, sign_in, wait_text,
};

const INVITE: &str = "kontor-seed-bob-invite";

const CAROL: kontor_e2e_tests::User = kontor_e2e_tests::User {
    name: "carol",
    password: "carol123",
};

/// Alice's answer in an iCalendar text (folded lines joined): her ATTENDEE line's PARTSTAT.
fn alice_partstat(ics: &str) -> Option<String> {
    let line = ics
        .lines()
        .find(|l| l.starts_with("ATTENDEE") && l.contains("alice@kontor.test"))?;
    let at = line.find("PARTSTAT=")? + "PARTSTAT=".len();
    Some(
        line[at..]
            .split([';', ':'])
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Sends keys to the calendar through its Today button (the calendar's keys are window-wide).
async fn cal_keys(app: &App, keys: &str) {
    let el = app
        .wait_for("[data-testid=cal-today]", Duration::from_secs(60))
        .await;
    bounded("keys", el.send_keys(keys)).await.expect("keys");
}

/// Types into the element `css` as a person does (the element gets the keys).
async fn type_keys(app: &App, css: &str, keys: &str) {
    let el = app.wait_for(css, Duration::from_secs(20)).await;
    bounded(&format!("type into {css}"), el.send_keys(keys))
        .await
        .expect("type");
}

/// Ctrl+G, the date typed over today's (End, Backspaces: WebDriver's Clear does not reach
/// React), Enter.
async fn go_to(app: &App, iso: &str) {
    cal_keys(app, &format!("{}g{}", Key::Control, Key::Null)).await;
    let wipe = Key::Backspace.to_string().repeat(12);
    type_keys(
        app,
        "[data-testid=cal-goto-date]",
        &format!("{}{wipe}{iso}{}", Key::End, Key::Enter),
    )
    .await;
    let start = Instant::now();
    while !app.texts("[data-testid=cal-goto-dialog]").await.is_empty() {
        if start.elapsed() > Duration::from_secs(10) {
            app.fail(&format!("Go to date did not take {iso}")).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An ISO date (2026-12-08) from the editor's date field, "08/12/2026" (day first) or ISO.
fn iso_date(shown: &str) -> String {
    let parts: Vec<&str> = shown
        .split(['/', '.', '-'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => format!("{y}-{m:0>2}-{d:0>2}"),
        [d, m, y] if y.len() == 4 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => panic!("not a date: {shown:?}"),
    }
}

/// The day view side by side ("Side by side" pressed): one column per calendar, headed by its
/// name, and each of `uid`'s two appointments (alice's copy, bob's) inside its calendar's
/// column. Takes the screenshot `shot`, then presses the button again.
async fn check_side_by_side(app: &App, uid: &str, shot: &str) {
    click(app, "[data-testid=cal-split][aria-pressed=false]").await;
    app.wait_for(
        "[data-testid=calendar-view][data-split=true]",
        Duration::from_secs(10),
    )
    .await;
    let start = Instant::now();
    loop {
        let placed = app
            .script(
                "const heads = [...document.querySelectorAll('[data-testid=cal-split-head]')];                  const evs = [...document.querySelectorAll(`[data-testid=cal-event][data-uid=\"${arguments[0]}\"]`)];                  if (heads.length < 2 || evs.length < 2) return 'heads ' + heads.length + ', events ' + evs.length;                  for (const e of evs) {                    const h = heads.find(h => h.dataset.calendar === e.dataset.calendar);                    if (!h) return 'no column for calendar ' + e.dataset.calendar;                    const col = h.closest('th, [role=columnheader]') || h;                    const c = col.getBoundingClientRect(), r = e.getBoundingClientRect();                    if (r.left < c.left - 1 || r.right > c.right + 1) return 'calendar ' + e.dataset.calendar + ' outside its column';                  }                  return 'ok';",
                vec![serde_json::json!(uid)],
            )
            .await;
        if placed == serde_json::json!("ok") {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            app.fail(&format!("side by side: {placed}")).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot(shot).await;
    click(app, "[data-testid=cal-split][aria-pressed=true]").await;
    app.wait_for(
        "[data-testid=calendar-view]:not([data-split])",
        Duration::from_secs(10),
    )
    .await;
}

/// The calendars (their ids) whose view shows an appointment of `uid`.
async fn shown_in(app: &App, uid: &str) -> Vec<String> {
    let v = app
        .script(
            "return Array.from(document.querySelectorAll(`[data-testid=cal-event][data-uid=\"${arguments[0]}\"]`)) \
               .map(e => e.getAttribute('data-calendar') || '');",
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

/// Opens the card of `uid`'s appointment in the calendar `calendar`.
async fn open_card(app: &App, uid: &str, calendar: &str) {
    let css = format!("[data-testid=cal-event][data-uid=\"{uid}\"][data-calendar=\"{calendar}\"]");
    // A person scrolls the day to the appointment first. One made for the next hour can sit at
    // the edge of the time grid, which opens scrolled to 07:30 (at 07:00 its middle is under the
    // column headers: WebDriver finds it not interactable); right after "Today" the appointment
    // found can be redrawn before the click lands on it.
    app.wait_for(&css, Duration::from_secs(30)).await;
    app.script(
        "const e = document.querySelector(arguments[0]); \
         if (e) e.scrollIntoView({ block: 'center' }); return true;",
        vec![serde_json::json!(css)],
    )
    .await;
    click_redrawn(app, &css).await;
    app.wait_for("[data-testid=event-card]", Duration::from_secs(10))
        .await;
}

async fn close_card(app: &App) {
    click(app, "[data-testid=event-card-close]").await;
    let start = Instant::now();
    while !app.texts("[data-testid=event-card]").await.is_empty() {
        if start.elapsed() > Duration::from_secs(10) {
            app.fail("the card did not close").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens the card of `uid`'s appointment that offers an answer (the copy in alice's own
/// calendar; bob's shared calendar shows the same meeting without one). Waits for the view.
async fn open_invitation(app: &App, uid: &str) {
    let start = Instant::now();
    loop {
        for cal in shown_in(app, uid).await {
            open_card(app, uid, &cal).await;
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(3) {
                if !app.texts("[data-testid=meeting-answers]").await.is_empty() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            close_card(app).await;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let seen = shown_in(app, uid).await;
            app.fail(&format!(
                "no appointment of {uid} offers an answer (shown in calendars {seen:?})"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_answers_bobs_invitation_and_invites_bob_from_the_calendar() {
    require_sogo();
    // What an earlier, failed run may have left: its meetings in alice's and bob's calendars.
    for user in [ALICE, BOB] {
        for _ in 0..20 {
            let Some((url, _)) = caldav_find(user, "E2E Abstimmung") else {
                break;
            };
            progress(&format!("removing a leftover of an earlier run: {url}"));
            caldav_delete(user, &url);
        }
    }
    // The seeded invitation not answered yet (a run before may have answered it). SOGo keeps
    // an attendee's answer in her copy when the organizer writes his again, so both copies go
    // and bob writes his anew; SOGo files a fresh copy in alice's calendar.
    let bob_copy = caldav_get(BOB, "bob-invite.ics")
        .expect("the seeded invitation in bob's calendar (tests/servers/seed.py calendars)");
    let alice_copy = caldav_get(ALICE, "bob-invite.ics").unwrap_or_default();
    if alice_partstat(&bob_copy).as_deref() != Some("NEEDS-ACTION")
        || alice_partstat(&alice_copy).as_deref() != Some("NEEDS-ACTION")
    {
        progress("setting the seeded invitation back to not answered");
        // Folded lines come joined; a long line is still valid iCalendar for SOGo.
        let reset: String = bob_copy
            .lines()
            .map(|l| {
                if l.starts_with("ATTENDEE") && l.contains("alice@kontor.test") {
                    "ATTENDEE;CN=Alice Archer;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@kontor.test".to_owned()
                } else {
                    l.trim_end_matches('\r').to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\r\n");
        for user in [ALICE, BOB] {
            caldav_delete(
                user,
                &format!(
                    "{SOGO_DAV_URL}{}/Calendar/personal/bob-invite.ics",
                    user.name
                ),
            );
        }
        caldav_put(BOB, "bob-invite", &format!("{reset}\r\n"));
        let start = Instant::now();
        while alice_partstat(&caldav_get(ALICE, "bob-invite.ics").unwrap_or_default()).as_deref()
            != Some("NEEDS-ACTION")
        {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "SOGo did not file the invitation in alice's calendar again"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let day = seed_info()["times"]["TODAY_PLUS_3"]
        .as_str()
        .map(|v| format!("{}-{}-{}", &v[..4], &v[4..6], &v[6..8]))
        .expect("the seed's TODAY_PLUS_3");

    let (_work, wrapper) = kontor_e2e_tests::berlin_app_binary();
    let profile = tempfile::Builder::new()
        .prefix("kontor-e2e-")
        .tempdir()
        .expect("temp profile");
    let app = App::launch_binary("calendar-invite", profile, &wrapper).await;
    sign_in(&app, ALICE).await;
    click(&app, "[data-testid=module-calendar]").await;
    app.wait_for("[data-testid=calendar-view]", Duration::from_secs(10))
        .await;
    // No reminder window in the middle of the clicks (reminders are `calendar.rs`'s).
    kontor_e2e_tests::switch_own_calendar_bell_off(&app).await;

    // Bob's invitation: the day it is on, Ctrl+G as a person does.
    click(&app, "[data-testid=cal-view-day]").await;
    go_to(&app, &day).await;
    // Not answered yet: hatched in the view.
    app.wait_for(
        &format!(
            "[data-testid=cal-event].ev-unanswered[data-uid=\"{INVITE}\"][data-answer=needs_action]"
        ),
        Duration::from_secs(120),
    )
    .await;
    app.screenshot("calendar-invitation-day-en.png").await;
    check_side_by_side(&app, INVITE, "calendar-day-side-by-side-en.png").await;
    open_invitation(&app, INVITE).await;
    wait_text(
        &app,
        "[data-testid=meeting-answers]",
        "Bob Baker invites you.",
        10,
    )
    .await;
    wait_text(
        &app,
        "[data-testid=meeting-my-answer]",
        "Your answer: no answer yet",
        10,
    )
    .await;
    wait_text(&app, "[data-testid=meeting-organizer]", "Bob Baker", 10).await;
    app.screenshot("calendar-invitation-card-en.png").await;
    // A message for bob with the answer.
    let note = format!(
        "Gern, ich bringe die Zahlen mit ({})",
        chrono::Utc::now().timestamp_millis()
    );
    type_keys(&app, "[data-testid=meeting-comment]", &note).await;
    click(&app, "[data-testid=event-accept]").await;
    wait_text(&app, "[data-testid=meeting-my-answer]", "accepted", 10).await;
    wait_text(&app, "[data-testid=toast-text]", "Accepted", 30).await;
    let start = Instant::now();
    loop {
        let copy = caldav_get(BOB, "bob-invite.ics").unwrap_or_default();
        if alice_partstat(&copy).as_deref() == Some("ACCEPTED") {
            progress(&format!(
                "bob's copy shows alice accepted after {:.1} s",
                start.elapsed().as_secs_f64()
            ));
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            app.fail(&format!(
                "bob's copy does not show alice's acceptance: {copy}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    close_card(&app).await;
    // Bob's Inbox: alice's iTIP REPLY with her message.
    let mut probe = Probe::connect(BOB).await;
    let start = Instant::now();
    loop {
        let replies = probe
            .mimes("INBOX", "Accepted: Budget review", 1, 180)
            .await;
        if replies
            .iter()
            .any(|m| m.contains(&note) && m.contains("METHOD:REPLY"))
        {
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            app.fail(&format!(
                "no reply with alice's message in bob's Inbox: {replies:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // The server's copy, synced back: no longer hatched.
    app.wait_for(
        &format!(
            "[data-testid=cal-event][data-uid=\"{INVITE}\"][data-answer=accepted]:not(.ev-unanswered)"
        ),
        Duration::from_secs(120),
    )
    .await;

    // A new meeting: alice invites bob.
    click(&app, "[data-testid=cal-today]").await;
    let tag = chrono::Utc::now().timestamp_millis();
    let title = format!("E2E Abstimmung {tag}");
    click(&app, "[data-testid=cal-new]").await;
    type_keys(&app, "[data-testid=ev-title]", &title).await;
    // "Bob B", the suggestion (from the cached mail or the company directory), Enter.
    type_keys(&app, "[data-testid=ev-attendees-input]", "Bob B").await;
    wait_text(&app, "[data-testid=address-suggestion]", "Bob Baker", 30).await;
    type_keys(
        &app,
        "[data-testid=ev-attendees-input]",
        &Key::Enter.to_string(),
    )
    .await;
    wait_text(&app, "[data-testid=ev-attendees]", "Bob Baker", 10).await;
    type_keys(
        &app,
        "[data-testid=ev-attendees-input]",
        "carol@kontor.test;",
    )
    .await;
    wait_text(&app, "[data-testid=ev-attendees]", "carol@kontor.test", 10).await;
    wait_text(&app, "[data-testid=ev-save]", "Save and send", 10).await;
    // Shown as tentative, private.
    click(&app, "[data-testid=ev-show-as] option[value=tentative]").await;
    click(&app, "[data-testid=ev-private]").await;
    app.screenshot("calendar-invitation-editor-en.png").await;
    // The meeting's day: the editor proposes the next full hour, which after 23:00 is tomorrow,
    // so the clean-up below goes to that day rather than to today.
    let meeting_day = app
        .script(
            "return document.querySelector('[data-testid=ev-start-date]').value;",
            vec![],
        )
        .await
        .as_str()
        .map(iso_date)
        .expect("the editor's start date");
    click(&app, "[data-testid=ev-save]").await;
    let start = Instant::now();
    while !app.texts("[data-testid=event-editor]").await.is_empty() {
        if start.elapsed() > Duration::from_secs(10) {
            app.fail("the dialog did not close after saving").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Bob's Inbox on the server: the invitation, an iTIP REQUEST from alice.
    let mimes = probe
        .mimes("INBOX", &format!("Invitation: {title}"), 1, 180)
        .await;
    let mime = mimes[0].replace("\r\n ", "");
    assert!(
        mime.contains("METHOD:REQUEST") && mime.contains("text/calendar"),
        "not an iTIP REQUEST: {mime}"
    );
    assert!(
        mime.lines()
            .any(|l| l.starts_with("ORGANIZER") && l.contains("alice@kontor.test")),
        "alice is not the organizer: {mime}"
    );
    assert!(
        mime.lines()
            .any(|l| l.starts_with("ATTENDEE") && l.contains("bob@kontor.test")),
        "bob is not invited: {mime}"
    );
    let uid = mime
        .lines()
        .find_map(|l| l.strip_prefix("UID:"))
        .map(|u| u.trim().to_owned())
        .expect("the invitation's UID");
    progress(&format!("bob's Inbox holds the invitation of {uid}"));
    // Alice's own copy on SOGo (her appointment, written over ActiveSync) names bob and is
    // private.
    let start = Instant::now();
    loop {
        if let Some((_, text)) = caldav_find(ALICE, &title)
            && text.contains("bob@kontor.test")
            && text.contains("CLASS:PRIVATE")
        {
            let busy: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("TRANSP") || l.starts_with("X-MICROSOFT-CDO-BUSYSTATUS"))
                .collect();
            progress(&format!("alice's meeting on SOGo: CLASS:PRIVATE, {busy:?}"));
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            app.fail("alice's meeting with bob as attendee is not on SOGo")
                .await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    if caldav_find(BOB, &title).is_some() {
        progress("SOGo also filed the meeting in bob's calendar");
    }

    // The organizer's view: bob, not answered yet.
    let cals = shown_in(&app, &uid).await;
    let Some(own) = cals.first().cloned() else {
        app.fail(&format!("the new meeting {uid} is not shown"))
            .await;
    };
    open_card(&app, &uid, &own).await;
    wait_text(
        &app,
        "[data-testid=meeting-attendee]",
        "Bob Baker · no answer yet",
        30,
    )
    .await;
    app.screenshot("calendar-invitation-organizer-en.png").await;
    close_card(&app).await;

    // German.
    choose_language(&app, "de").await;
    wait_text(&app, "[data-testid=cal-today]", "Heute", 10).await;
    open_card(&app, &uid, &own).await;
    wait_text(
        &app,
        "[data-testid=meeting-attendee]",
        "Bob Baker · noch keine Antwort",
        10,
    )
    .await;
    click(&app, "[data-testid=event-card-edit]").await;
    wait_text(&app, "[data-testid=ev-save]", "Speichern und senden", 10).await;
    wait_text(&app, "[data-testid=ev-attendees]", "Bob Baker", 10).await;
    app.screenshot("calendar-invitation-editor-de.png").await;
    // Carol taken off the meeting (Backspace in the empty field removes the last person):
    // she is told she is no longer invited, bob gets the changed invitation.
    type_keys(
        &app,
        "[data-testid=ev-attendees-input]",
        &Key::Backspace.to_string(),
    )
    .await;
    let start = Instant::now();
    while app
        .texts("[data-testid=ev-attendees]")
        .await
        .join(" ")
        .contains("carol")
    {
        if start.elapsed() > Duration::from_secs(10) {
            app.fail("carol is still in the Invite field").await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click(&app, "[data-testid=ev-save]").await;
    let mut carol = Probe::connect(CAROL).await;
    let cancel = carol
        .mimes("INBOX", &format!("Abgesagt: {title}"), 1, 180)
        .await;
    assert!(
        cancel[0].contains("METHOD:CANCEL"),
        "not a CANCEL: {}",
        cancel[0]
    );
    probe
        .mimes("INBOX", &format!("Geänderte Einladung: {title}"), 1, 180)
        .await;
    progress("carol got the cancellation, bob the changed invitation");
    go_to(&app, &day).await;
    check_side_by_side(&app, INVITE, "calendar-day-side-by-side-de.png").await;
    open_invitation(&app, INVITE).await;
    wait_text(
        &app,
        "[data-testid=meeting-answers]",
        "Bob Baker lädt Sie ein.",
        10,
    )
    .await;
    app.screenshot("calendar-invitation-card-de.png").await;
    close_card(&app).await;

    // Clean up: the meeting is deleted (and cancelled for bob).
    go_to(&app, &meeting_day).await;
    open_card(&app, &uid, &own).await;
    click(&app, "[data-testid=event-card-delete]").await;
    click(&app, "[data-testid=event-delete-ok]").await;
    let start = Instant::now();
    while caldav_find(ALICE, &title).is_some() {
        if start.elapsed() > Duration::from_secs(120) {
            app.fail("the meeting was not deleted on SOGo").await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    probe
        .mimes("INBOX", &format!("Abgesagt: {title}"), 1, 180)
        .await;
    app.close().await;
}
