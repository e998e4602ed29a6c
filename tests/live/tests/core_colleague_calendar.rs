//! Opening a colleague's calendar by address (URL) or by name, through the app API (`Kontor`)
//! into a temporary profile: alice, signed in on SOGo's ActiveSync only, opens bob's Radicale
//! calendar `/bob/team/` (which nothing lists for her) with her own user name and password, and
//! bob's SOGo calendar by his name. The servers' refusals come back as the dialog's reasons.

use std::sync::OnceLock;

use chrono::{TimeDelta, Utc};
use kontor_core::store::CalendarSource as Source;
use kontor_core::{CalendarRefusal, CoreError, ErrorCode, Kontor, ProfilePaths, SignIn};
use kontor_live_tests::{
    ALICE, RADICALE_URL, SOGO_DAV_URL, SOGO_EAS_URL, require_radicale, require_sogo,
};

fn use_test_keychain() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
    });
}

/// alice on SOGo's ActiveSync, no CalDAV account.
async fn alice() -> (tempfile::TempDir, Kontor) {
    require_sogo();
    require_radicale();
    use_test_keychain();
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    app.sign_in(SignIn::to_server(SOGO_EAS_URL, ALICE.name, ALICE.password))
        .await
        .expect("alice signs in over ActiveSync");
    (dir, app)
}

fn refusal(e: &CoreError) -> Option<CalendarRefusal> {
    match e {
        CoreError::CalendarRefused { refusal, .. } => Some(*refusal),
        _ => None,
    }
}

async fn uids(app: &Kontor, calendar_id: i64) -> Vec<String> {
    let now = Utc::now();
    let mut u: Vec<String> = app
        .occurrences(now - TimeDelta::days(7), now + TimeDelta::days(90))
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.calendar_id == calendar_id)
        .map(|o| o.uid)
        .collect();
    u.sort();
    u.dedup();
    u
}

#[tokio::test]
async fn alice_opens_bobs_radicale_calendar_by_url_and_removes_it() {
    let (_dir, app) = alice().await;
    let team = format!("{RADICALE_URL}bob/team/");
    let cal = app
        .open_colleague_calendar(&format!("  {team} "))
        .await
        .expect("bob's team calendar opens by URL");
    assert_eq!(cal.remote_id, team);
    assert_eq!(cal.source, Source::Caldav);
    assert_eq!(cal.display_name, "Team");
    assert!(cal.shared, "{cal:?}");
    assert!(cal.read_only, "Radicale grants alice only read: {cal:?}");
    // Synced at once: the seeded events are cached.
    assert_eq!(
        uids(&app, cal.id).await,
        ["kontor-seed-team-release", "kontor-seed-team-standup"]
    );
    let entry = app
        .calendar_list()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == cal.id)
        .expect("in the calendar list");
    assert!(
        entry.shared && entry.read_only && entry.removable,
        "{entry:?}"
    );
    assert!(
        app.calendar_list()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.id != cal.id)
            .all(|c| !c.removable),
        "only opened calendars can be removed"
    );

    // Opening it again changes nothing; the calendar sync keeps it.
    let again = app.open_colleague_calendar(&team).await.unwrap();
    assert_eq!(again.id, cal.id);
    let report = app.sync_calendars_once().await.expect("calendar sync");
    assert!(
        report.failures.iter().all(|(id, _)| *id != cal.id),
        "{report:?}"
    );
    assert_eq!(uids(&app, cal.id).await.len(), 2);
    assert_eq!(app.opened_calendars().await.unwrap().len(), 1);

    // Removed: gone from the list, its events with it, and not brought back by a sync.
    app.remove_colleague_calendar(cal.id)
        .await
        .expect("removed");
    assert!(app.opened_calendars().await.unwrap().is_empty());
    assert!(
        app.calendars()
            .await
            .unwrap()
            .iter()
            .all(|c| c.remote_id != team)
    );
    assert!(uids(&app, cal.id).await.is_empty());
    app.sync_calendars_once().await.expect("calendar sync");
    assert!(
        app.calendars()
            .await
            .unwrap()
            .iter()
            .all(|c| c.remote_id != team)
    );
    // Calendars of the account itself cannot be removed this way.
    let own = app.calendars().await.unwrap();
    let own = own.first().expect("alice's own calendars");
    let e = app.remove_colleague_calendar(own.id).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
}

#[tokio::test]
async fn refusals_say_not_found_no_permission_not_a_calendar_unreachable() {
    let (_dir, app) = alice().await;
    // Nothing at this address in alice's own space.
    let e = app
        .open_colleague_calendar(&format!("{RADICALE_URL}alice/no-such-calendar/"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), Some(CalendarRefusal::NotFound), "{e}");
    assert!(
        e.message(kontor_core::Lang::En)
            .contains("No calendar was found")
    );
    // bob's other collections: Radicale refuses alice (403).
    let e = app
        .open_colleague_calendar(&format!("{RADICALE_URL}bob/contacts/"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), Some(CalendarRefusal::NoPermission), "{e}");
    assert!(e.message(kontor_core::Lang::En).contains("no permission"));
    // An address book is not a calendar.
    let e = app
        .open_colleague_calendar(&format!("{RADICALE_URL}alice/contacts/"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), Some(CalendarRefusal::NotACalendar), "{e}");
    // Nobody listens there.
    let e = app
        .open_colleague_calendar("http://127.0.0.1:9/bob/team/")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unreachable, "{e}");
    let e = app.open_colleague_calendar("Bob Baker").await.unwrap_err();
    assert_eq!(refusal(&e), Some(CalendarRefusal::NotAnAddress), "{e}");
    // Nothing was kept.
    assert!(app.opened_calendars().await.unwrap().is_empty());
    assert!(
        app.calendar_list()
            .await
            .unwrap()
            .iter()
            .all(|c| !c.removable)
    );
}

#[tokio::test]
async fn a_name_opens_the_colleagues_calendar_on_sogo() {
    let (_dir, app) = alice().await;
    // bob shares his personal calendar with alice: by user name, by e-mail address.
    let cal = app
        .open_colleague_calendar("bob")
        .await
        .expect("bob's calendar by name");
    assert_eq!(
        cal.remote_id,
        format!("{SOGO_DAV_URL}bob/Calendar/personal/")
    );
    assert!(cal.shared && cal.read_only, "{cal:?}");
    let got = uids(&app, cal.id).await;
    assert!(
        got.iter().any(|u| u == "kontor-seed-bob-planning"),
        "{got:?}"
    );
    let same = app
        .open_colleague_calendar("bob@kontor.test")
        .await
        .unwrap();
    assert_eq!(same.id, cal.id, "the address finds the same calendar");
    app.remove_colleague_calendar(cal.id).await.unwrap();
    // carol shares nothing with alice: SOGo answers as if it did not exist.
    let e = app.open_colleague_calendar("carol").await.unwrap_err();
    assert_eq!(refusal(&e), Some(CalendarRefusal::NotFound), "{e}");
}
