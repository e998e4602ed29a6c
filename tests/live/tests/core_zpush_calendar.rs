//! Calendars through the core against Z-Push (tests/servers/README.md "Z-Push"), whose combined
//! backend serves them from SOGo's CalDAV: an event made, edited and deleted in carol's
//! `c/Cpersonal` is checked on SOGo over CalDAV (not through Z-Push); alice sees bob's shared
//! calendar `c/Cbob_personal` (read only: nothing of alice's is changed).

mod caldav_common;

use chrono::{DateTime, TimeDelta, Utc};
use kontor_core::ErrorCode;
use kontor_core::app::EventDraft;
use kontor_core::store::{CalendarRow, CalendarSource as Source};
use kontor_live_tests::zpush::{signed_in, unique};
use kontor_live_tests::{ALICE, CAROL, require_sogo};

use caldav_common::sogo_personal_containing;

fn eas_calendar(cals: &[CalendarRow], id: &str) -> CalendarRow {
    cals.iter()
        .find(|c| c.source == Source::Eas && (c.remote_id == id || c.remote_id.ends_with(id)))
        .unwrap_or_else(|| panic!("no ActiveSync calendar {id} in {cals:#?}"))
        .clone()
}

/// A whole minute two days ahead, so the event lies in the occurrence window.
fn soon() -> DateTime<Utc> {
    let t = Utc::now() + TimeDelta::days(2);
    DateTime::from_timestamp(t.timestamp() / 60 * 60, 0).unwrap()
}

fn draft(calendar_id: i64, summary: &str) -> EventDraft {
    let start = soon();
    EventDraft {
        calendar_id,
        summary: summary.into(),
        location: Some("Raum 1".into()),
        description: None,
        start,
        end: start + TimeDelta::minutes(30),
        all_day: false,
        time_zone: Some("Europe/Berlin".into()),
        reminder_minutes: Some(15),
        rrule: None,
        uid: None,
        attendees: None,
        show_as: None,
        private: None,
    }
}

/// Summaries of the events of carol's SOGo calendar `personal` that contain `marker`.
async fn on_sogo(marker: &str) -> Vec<String> {
    sogo_personal_containing(CAROL, marker)
        .await
        .into_iter()
        .flat_map(|data| {
            data.lines()
                .filter_map(|l| l.strip_prefix("SUMMARY:"))
                .map(|s| s.trim_end().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn occurrences(app: &kontor_core::Kontor, calendar_id: i64, marker: &str) -> Vec<String> {
    let now = Utc::now();
    app.occurrences(now - TimeDelta::days(7), now + TimeDelta::days(90))
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.calendar_id == calendar_id && o.summary.contains(marker))
        .map(|o| o.summary)
        .collect()
}

#[tokio::test]
async fn an_event_made_through_zpush_reaches_sogo_edited_and_deleted() {
    require_sogo();
    let (_dir, app, _) = signed_in(CAROL).await;
    app.sync_calendars_once().await.expect("first sync");
    let cal = eas_calendar(&app.calendars().await.unwrap(), "c/Cpersonal");
    assert!(!cal.read_only && !cal.shared, "{cal:?}");
    let marker = unique("zpush-event");

    let ev = app
        .create_event(draft(cal.id, &format!("Made {marker}")))
        .await
        .unwrap();
    assert!(ev.pending);
    let report = app.sync_calendars_once().await.unwrap();
    let created = on_sogo(&marker).await;
    let ev_now = app.event(ev.id).await;
    assert_eq!(report.replayed, 1, "{report:?}");
    assert_eq!(
        created,
        [format!("Made {marker}")],
        "on SOGo after the create"
    );
    let ev = ev_now.unwrap();
    assert!(!ev.pending, "{ev:?}");
    assert_eq!(occurrences(&app, cal.id, &marker).await.len(), 1);

    app.update_event(ev.id, draft(cal.id, &format!("Edited {marker}")))
        .await
        .unwrap();
    let report = app.sync_calendars_once().await.unwrap();
    assert_eq!(report.replayed, 1, "{report:?}");
    assert_eq!(
        on_sogo(&marker).await,
        [format!("Edited {marker}")],
        "on SOGo after the edit"
    );

    app.delete_event(ev.id).await.unwrap();
    let report = app.sync_calendars_once().await.unwrap();
    assert_eq!(report.replayed, 1, "{report:?}");
    assert!(on_sogo(&marker).await.is_empty(), "still on SOGo");
    assert!(occurrences(&app, cal.id, &marker).await.is_empty());
}

#[tokio::test]
async fn alice_sees_bobs_shared_calendar_through_zpush() {
    require_sogo();
    let (_dir, app, _) = signed_in(ALICE).await;
    app.sync_calendars_once().await.expect("calendar sync");
    let cals = app.calendars().await.unwrap();
    let own = eas_calendar(&cals, "c/Cpersonal");
    let bob = eas_calendar(&cals, "c/Cbob_personal");
    assert!(!own.shared && !own.read_only, "{own:?}");
    assert!(bob.shared && bob.read_only, "{bob:?}");
    assert!(bob.display_name.contains("Bob Baker"), "{bob:?}");
    let now = Utc::now();
    let occ = app
        .occurrences(now - TimeDelta::days(30), now + TimeDelta::days(90))
        .await
        .unwrap();
    let n_bob = occ.iter().filter(|o| o.calendar_id == bob.id).count();
    let n_own = occ.iter().filter(|o| o.calendar_id == own.id).count();
    // The seed puts events into both (tests/servers/README.md, Seed data).
    assert!(n_bob >= 2, "bob's shared calendar has {n_bob} occurrences");
    assert!(n_own >= 2, "alice's own calendar has {n_own} occurrences");
    // Writing into bob's calendar is refused here, before anything reaches the server.
    let err = app
        .create_event(draft(bob.id, &unique("zpush-not-allowed")))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidInput,
        "bob's calendar is read only"
    );
}

/// Z-Push confirms an Add that SOGo refused: a copy of an event whose organizer is one of
/// SOGo's own users (bob), written into carol's calendar by hand rather than by bob's
/// invitation, is refused with 412, and Z-Push's CalDAV backend still answers success with a
/// ServerId (docs/server-quirks.md). Kontor fetches the new item, finds nothing, and parks the
/// create with the event kept: the user sees it among the unsent changes.
#[tokio::test]
async fn a_create_zpush_confirms_but_sogo_refused_is_parked_not_lost() {
    require_sogo();
    let (_dir, app, _) = signed_in(CAROL).await;
    app.sync_calendars_once().await.expect("first sync");
    let cal = eas_calendar(&app.calendars().await.unwrap(), "c/Cpersonal");
    let marker = unique("zpush-refused");
    let uid = format!("{marker}@kontor.test");
    let start = soon();
    let f = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let ical = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor//live test//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:Refused {marker}\r\n\
         ORGANIZER;CN=Bob Baker:mailto:bob@kontor.test\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@kontor.test\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED:mailto:carol@kontor.test\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        f(Utc::now()),
        f(start),
        f(start + TimeDelta::hours(1))
    );
    let op = app
        .store()
        .enqueue(
            cal.account_id,
            &kontor_core::store::OutboxOp::EventCreate {
                calendar: cal.remote_id.clone(),
                remote_id: format!("local:{uid}"),
                ical,
            },
        )
        .await
        .unwrap();
    let report = app.sync_calendars_once().await.unwrap();
    assert!(
        on_sogo(&marker).await.is_empty(),
        "SOGo stored it after all: the premise of this test no longer holds"
    );
    let waiting = kontor_core::engine::calendar_outbox::pending_changes(app.store())
        .await
        .unwrap();
    let parked = waiting
        .iter()
        .find(|p| p.id == op)
        .unwrap_or_else(|| panic!("the create is not among the unsent changes: {report:?}"));
    assert_eq!(parked.state, "parked", "{parked:?}");
    assert!(parked.last_error.contains("has not stored"), "{parked:?}");
    // The appointment is still shown, as a local change.
    assert_eq!(
        occurrences(&app, cal.id, &marker).await,
        [format!("Refused {marker}")]
    );
    app.store().discard(op).await.unwrap();
    assert!(occurrences(&app, cal.id, &marker).await.is_empty());
}
