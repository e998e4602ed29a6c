//! The scheduler driven by a fake clock: exact alarm instants, recurring series, DST,
//! dismiss/snooze persistence, missed, moved and deleted items, the calendar switch.

use chrono::{DateTime, TimeDelta, Utc};
use kontor_calendar::Zone;
use kontor_calendar::eas::{EasCalendarItem, EasException, EasRecurrence};
use kontor_reminders::{
    CalendarSettings, EasTaskReminder, Error, OccurrenceKey, ReminderSource, Scheduler, Settings,
    SnoozeChoice, UserState,
};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn berlin() -> Zone {
    Zone::Iana(chrono_tz::Europe::Berlin)
}

fn scheduler(now: &str) -> Scheduler {
    Scheduler::new(
        Settings::with_zone(berlin()),
        UserState::default(),
        utc(now),
    )
}

/// A VEVENT in Europe/Berlin with the given extra lines (RRULE, VALARM…).
fn event(uid: &str, start: &str, end: &str, body: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{start}\r\n\
         DTEND;TZID=Europe/Berlin:{end}\r\nSUMMARY:{uid}\r\nLOCATION:Room 1\r\n{body}\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

const ALARM_15: &str =
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n";

fn src(id: &str, cal: &str, ics: &str) -> ReminderSource {
    ReminderSource::parse_ics(id, cal, ics).unwrap()
}

/// Runs the scheduler from `from` to `to` the way the core does: poll, sleep until next_wake,
/// repeat. Returns every newly due reminder as (uid, alarm_at, fired_at) with the poll instant.
fn run(s: &mut Scheduler, from: &str, to: &str) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
    let mut now = utc(from);
    let end = utc(to);
    let mut out = Vec::new();
    let mut guard = 0;
    while now <= end {
        let p = s.poll(now);
        for r in p.newly_due {
            assert_eq!(r.fired_at, now, "fired exactly when the wake-up said so");
            out.push((r.id.uid.clone(), r.alarm_at, now));
        }
        assert!(p.next_wake > now);
        now = p.next_wake;
        guard += 1;
        assert!(guard < 10_000);
    }
    out
}

#[test]
fn single_event_fires_at_the_exact_instant() {
    let mut s = scheduler("2026-06-10T06:00:00Z");
    // 10:00 CEST = 08:00Z; 15 minutes before = 07:45Z.
    s.upsert(src(
        "r1",
        "personal",
        &event("e1", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    let p = s.poll(utc("2026-06-10T06:00:00Z"));
    assert!(p.newly_due.is_empty());
    assert_eq!(p.next_wake, utc("2026-06-10T07:45:00Z"));
    assert!(s.poll(utc("2026-06-10T07:44:59Z")).newly_due.is_empty());
    let p = s.poll(utc("2026-06-10T07:45:00Z"));
    assert_eq!(p.newly_due.len(), 1);
    let r = &p.newly_due[0];
    assert_eq!(
        r.id,
        OccurrenceKey {
            uid: "e1".into(),
            instance: utc("2026-06-10T08:00:00Z")
        }
    );
    assert_eq!(r.alarm_at, utc("2026-06-10T07:45:00Z"));
    assert_eq!(r.start, Some(utc("2026-06-10T08:00:00Z")));
    assert_eq!(r.title.as_deref(), Some("e1"));
    assert_eq!(r.location.as_deref(), Some("Room 1"));
    assert!(!r.missed);
    // Still active, not new again.
    let p = s.poll(utc("2026-06-10T07:46:00Z"));
    assert!(p.newly_due.is_empty());
    assert_eq!(p.active.len(), 1);
}

#[test]
fn dst_spring_forward_europe_berlin() {
    // Daily 09:00 Berlin across Sunday 29 March 2026 (02:00 CET → 03:00 CEST).
    let mut s = scheduler("2026-03-27T12:00:00Z");
    let body = format!("RRULE:FREQ=DAILY;COUNT=4\r\n{ALARM_15}");
    s.upsert(src(
        "r",
        "personal",
        &event("daily", "20260327T090000", "20260327T093000", &body),
    ));
    let fired = run(&mut s, "2026-03-27T12:00:00Z", "2026-04-01T00:00:00Z");
    let times: Vec<_> = fired.iter().map(|f| f.2).collect();
    assert_eq!(
        times,
        [
            utc("2026-03-28T07:45:00Z"), // 08:45 CET
            utc("2026-03-29T06:45:00Z"), // 08:45 CEST
            utc("2026-03-30T06:45:00Z"),
        ]
    );
}

#[test]
fn dst_fall_back_europe_berlin() {
    // Weekly Sunday 09:00 Berlin over Sunday 25 October 2026 (03:00 CEST → 02:00 CET), plus an
    // event inside the repeated hour.
    let mut s = scheduler("2026-10-17T00:00:00Z");
    let body = format!("RRULE:FREQ=WEEKLY;BYDAY=SU\r\n{ALARM_15}");
    s.upsert(src(
        "w",
        "personal",
        &event("weekly", "20261018T090000", "20261018T100000", &body),
    ));
    s.upsert(src(
        "o",
        "personal",
        &event("night", "20261025T023000", "20261025T030000", ALARM_15),
    ));
    let fired = run(&mut s, "2026-10-17T00:00:00Z", "2026-11-02T00:00:00Z");
    let got: Vec<_> = fired.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(
        got,
        [
            ("weekly", utc("2026-10-18T06:45:00Z")), // 08:45 CEST
            // 02:30 exists twice; RFC 5545 §3.3.5 takes the first (CEST): 00:30Z - 15 min.
            ("night", utc("2026-10-25T00:15:00Z")),
            ("weekly", utc("2026-10-25T07:45:00Z")), // 08:45 CET
            ("weekly", utc("2026-11-01T07:45:00Z")),
        ]
    );
}

#[test]
fn each_occurrence_of_a_series_fires_once() {
    let mut s = scheduler("2026-05-01T00:00:00Z");
    // Alarm with two REPEATs 5 minutes apart: the repeats re-raise the same reminder.
    let body = "RRULE:FREQ=WEEKLY;BYDAY=MO,WE\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n\
                TRIGGER:-PT10M\r\nREPEAT:2\r\nDURATION:PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n";
    s.upsert(src(
        "r",
        "personal",
        &event("series", "20260504T100000", "20260504T110000", body),
    ));
    let mut now = utc("2026-05-01T00:00:00Z");
    let mut seen: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    while now < utc("2026-05-16T00:00:00Z") {
        let p = s.poll(now);
        for r in &p.newly_due {
            seen.push((r.id.instance, r.fired_at));
        }
        // Dismiss each reminder at its first alarm: the repeats then never fire.
        for r in p.newly_due {
            s.dismiss(&r.id, now).unwrap();
        }
        assert!(p.next_wake > now);
        now = p.next_wake;
    }
    let expect: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        ["2026-05-04", "2026-05-06", "2026-05-11", "2026-05-13"]
            .iter()
            .map(|d| {
                (
                    utc(&format!("{d}T08:00:00Z")),
                    utc(&format!("{d}T07:50:00Z")),
                )
            })
            .collect();
    assert_eq!(seen, expect);
}

#[test]
fn repeats_re_raise_an_unanswered_reminder() {
    let mut s = scheduler("2026-05-04T07:00:00Z");
    let body = "BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT10M\r\nREPEAT:2\r\nDURATION:PT5M\r\n\
                END:VALARM\r\n";
    s.upsert(src(
        "r",
        "personal",
        &event("e", "20260504T100000", "20260504T110000", body),
    ));
    let fired = run(&mut s, "2026-05-04T07:00:00Z", "2026-05-04T09:00:00Z");
    let times: Vec<_> = fired.iter().map(|f| (f.1, f.2)).collect();
    let alarm = utc("2026-05-04T07:50:00Z");
    assert_eq!(
        times,
        [
            (alarm, alarm),
            (alarm, utc("2026-05-04T07:55:00Z")),
            (alarm, utc("2026-05-04T08:00:00Z"))
        ]
    );
}

#[test]
fn snooze_brings_it_back_exactly() {
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.upsert(src(
        "r1",
        "personal",
        &event("e1", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    let t = utc("2026-06-10T07:45:00Z");
    let id = s.poll(t).newly_due[0].id.clone();
    let until = s
        .snooze(&id, SnoozeChoice::FiveMinutes, t + TimeDelta::seconds(20))
        .unwrap();
    assert_eq!(until, utc("2026-06-10T07:50:20Z"));
    let p = s.poll(utc("2026-06-10T07:46:00Z"));
    assert!(p.active.is_empty());
    assert!(
        p.withdrawn.is_empty(),
        "a snoozed reminder is answered, not withdrawn"
    );
    assert_eq!(p.next_wake, until);
    assert!(s.poll(until - TimeDelta::seconds(1)).newly_due.is_empty());
    let p = s.poll(until);
    assert_eq!(p.newly_due.len(), 1);
    assert!(p.newly_due[0].snoozed);
    assert_eq!(
        p.newly_due[0].alarm_at, t,
        "shown with its original alarm time"
    );
    assert_eq!(p.newly_due[0].fired_at, until);
    // "5 minutes before start" = 07:55Z.
    let until = s
        .snooze(&id, SnoozeChoice::FiveMinutesBeforeStart, until)
        .unwrap();
    assert_eq!(until, utc("2026-06-10T07:55:00Z"));
    assert_eq!(s.poll(utc("2026-06-10T07:55:00Z")).newly_due.len(), 1);
    // …which is refused once that moment has passed.
    assert_eq!(
        s.snooze(
            &id,
            SnoozeChoice::FiveMinutesBeforeStart,
            utc("2026-06-10T07:56:00Z")
        ),
        Err(Error::SnoozeTooLate {
            start: utc("2026-06-10T08:00:00Z")
        })
    );
    let now = utc("2026-06-10T07:56:00Z");
    for (c, minutes) in [
        (SnoozeChoice::TenMinutes, 10),
        (SnoozeChoice::FifteenMinutes, 15),
        (SnoozeChoice::ThirtyMinutes, 30),
        (SnoozeChoice::OneHour, 60),
    ] {
        assert_eq!(
            c.until(now, None).unwrap(),
            now + TimeDelta::minutes(minutes)
        );
    }
}

#[test]
fn dismiss_persists_across_a_restart() {
    let ics = event("e1", "20260610T100000", "20260610T110000", ALARM_15);
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.upsert(src("r1", "personal", &ics));
    let t = utc("2026-06-10T07:45:00Z");
    let id = s.poll(t).newly_due[0].id.clone();
    s.dismiss(&id, t + TimeDelta::seconds(3)).unwrap();
    assert!(s.ack(&id).unwrap().is_dismissed());
    let json = serde_json::to_string(&s.state()).unwrap();
    drop(s);

    // Restart a minute later, with a new row id for the item (the cache was rebuilt).
    let state: UserState = serde_json::from_str(&json).unwrap();
    let now = utc("2026-06-10T07:46:00Z");
    let mut s = Scheduler::new(Settings::with_zone(berlin()), state, now);
    s.upsert(src("row-after-rebuild", "personal", &ics));
    let p = s.poll(now);
    assert!(
        p.newly_due.is_empty(),
        "dismissed stays dismissed: {:?}",
        p.newly_due
    );
    assert!(p.active.is_empty());
    assert_ne!(p.next_wake, t);
    assert!(s.due(utc("2026-06-10T09:00:00Z")).is_empty());
}

#[test]
fn missed_reminders_are_reported_once_with_their_original_time() {
    let ics = event("e1", "20260610T100000", "20260610T120000", ALARM_15);
    let mut s = scheduler("2026-06-10T06:00:00Z");
    s.upsert(src("r1", "personal", &ics));
    s.poll(utc("2026-06-10T06:00:00Z"));
    let state = s.state();
    assert_eq!(state.last_seen, Some(utc("2026-06-10T06:00:00Z")));
    drop(s);
    // The app was closed from 06:00 to 09:00.
    let now = utc("2026-06-10T09:00:00Z");
    let mut s = Scheduler::new(Settings::with_zone(berlin()), state, now);
    s.upsert(src("r1", "personal", &ics));
    let p = s.poll(now);
    assert_eq!(p.newly_due.len(), 1);
    assert!(p.newly_due[0].missed);
    assert_eq!(p.newly_due[0].alarm_at, utc("2026-06-10T07:45:00Z"));
    // Once: the next poll lists it as active only.
    let p = s.poll(now + TimeDelta::minutes(1));
    assert!(p.newly_due.is_empty());
    assert_eq!(p.active.len(), 1);

    // Asleep without closing the app: the same.
    let mut s = scheduler("2026-06-10T06:00:00Z");
    s.upsert(src("r1", "personal", &ics));
    assert_eq!(
        s.poll(utc("2026-06-10T06:00:00Z")).next_wake,
        utc("2026-06-10T07:45:00Z")
    );
    let p = s.poll(utc("2026-06-10T08:30:00Z"));
    assert_eq!(p.newly_due.len(), 1);
    assert!(p.newly_due[0].missed);
    // A reminder reported within the grace period is not "missed".
    let mut s = scheduler("2026-06-10T06:00:00Z");
    s.upsert(src("r1", "personal", &ics));
    s.poll(utc("2026-06-10T06:00:00Z"));
    assert!(!s.poll(utc("2026-06-10T07:45:30Z")).newly_due[0].missed);
}

#[test]
fn missed_beyond_the_lookback_are_not_reported() {
    let ics = event("e1", "20260610T100000", "20260610T120000", ALARM_15);
    let mut s = scheduler("2026-06-01T00:00:00Z");
    s.upsert(src("r1", "personal", &ics));
    s.poll(utc("2026-06-01T00:00:00Z"));
    let state = s.state();
    let now = utc("2026-06-17T07:46:00Z"); // 7 days and 1 minute after the alarm
    let mut s = Scheduler::new(Settings::with_zone(berlin()), state.clone(), now);
    s.upsert(src("r1", "personal", &ics));
    assert!(s.poll(now).newly_due.is_empty());
    let now = utc("2026-06-17T07:44:00Z");
    let mut s = Scheduler::new(Settings::with_zone(berlin()), state, now);
    s.upsert(src("r1", "personal", &ics));
    assert_eq!(s.poll(now).newly_due.len(), 1);
}

#[test]
fn moved_single_event_reminds_again_at_the_new_time() {
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.upsert(src(
        "r1",
        "personal",
        &event("e1", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    let t = utc("2026-06-10T07:45:00Z");
    let id = s.poll(t).newly_due[0].id.clone();
    s.dismiss(&id, t).unwrap();
    // The organizer moves it to 14:00 CEST (12:00Z).
    s.upsert(src(
        "r1",
        "personal",
        &event("e1", "20260610T140000", "20260610T150000", ALARM_15),
    ));
    let p = s.poll(utc("2026-06-10T08:00:00Z"));
    assert!(p.newly_due.is_empty());
    assert_eq!(p.next_wake, utc("2026-06-10T11:45:00Z"));
    let p = s.poll(utc("2026-06-10T11:45:00Z"));
    assert_eq!(p.newly_due.len(), 1);
    assert_eq!(p.newly_due[0].start, Some(utc("2026-06-10T12:00:00Z")));
}

#[test]
fn moved_instance_of_a_series_voids_its_dismiss_and_snooze() {
    let series = |extra: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\n\
             DTSTART;TZID=Europe/Berlin:20260601T100000\r\nDTEND;TZID=Europe/Berlin:20260601T110000\r\n\
             RRULE:FREQ=DAILY\r\nSUMMARY:Standup\r\n{ALARM_15}END:VEVENT\r\n{extra}END:VCALENDAR\r\n"
        )
    };
    // The override carries its own VALARM: it replaces the whole instance (RFC 5545 §3.8.4.4).
    let moved = &format!(
        "BEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260603T100000\r\n\
         DTSTART;TZID=Europe/Berlin:20260603T130000\r\nDTEND;TZID=Europe/Berlin:20260603T140000\r\n\
         SUMMARY:Standup (moved)\r\n{ALARM_15}END:VEVENT\r\n"
    );
    let mut s = scheduler("2026-06-03T07:00:00Z");
    s.upsert(src("r", "personal", &series("")));
    let t = utc("2026-06-03T07:45:00Z");
    let p = s.poll(t);
    assert_eq!(p.newly_due.len(), 1);
    let id = p.newly_due[0].id.clone();
    assert_eq!(id.instance, utc("2026-06-03T08:00:00Z"));
    // Snoozed for 10 minutes; then the server moves this instance to 13:00 CEST.
    s.snooze(&id, SnoozeChoice::TenMinutes, t).unwrap();
    s.upsert(src("r", "personal", &series(moved)));
    let p = s.poll(utc("2026-06-03T07:55:00Z"));
    assert!(p.newly_due.is_empty(), "the snooze was about the old time");
    assert_eq!(p.next_wake, utc("2026-06-03T10:45:00Z"));
    let p = s.poll(utc("2026-06-03T10:45:00Z"));
    assert_eq!(p.newly_due.len(), 1);
    let r = &p.newly_due[0];
    assert_eq!(r.id, id, "same occurrence identity (RECURRENCE-ID)");
    assert_eq!(r.title.as_deref(), Some("Standup (moved)"));
    assert_eq!(r.start, Some(utc("2026-06-03T11:00:00Z")));
    // The other days are untouched.
    let p = s.poll(utc("2026-06-04T07:45:00Z"));
    assert_eq!(p.newly_due.len(), 1);
    assert_eq!(p.newly_due[0].id.instance, utc("2026-06-04T08:00:00Z"));
}

#[test]
fn override_without_valarm_does_not_take_the_masters() {
    // RFC 5545 §3.8.4.4: an override replaces the whole instance, alarms included.
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s2\r\n\
         DTSTART;TZID=Europe/Berlin:20260601T100000\r\nDTEND;TZID=Europe/Berlin:20260601T110000\r\n\
         RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Standup\r\n{ALARM_15}END:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:s2\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260602T100000\r\n\
         DTSTART;TZID=Europe/Berlin:20260602T120000\r\nDTEND;TZID=Europe/Berlin:20260602T130000\r\n\
         SUMMARY:Standup (moved, no reminder)\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:s2\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260603T100000\r\n\
         DTSTART;TZID=Europe/Berlin:20260603T100000\r\nDTEND;TZID=Europe/Berlin:20260603T110000\r\n\
         SUMMARY:Standup (own reminder)\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n\
         TRIGGER:-PT1H\r\nDESCRIPTION:x\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let mut s = scheduler("2026-05-31T00:00:00Z");
    s.upsert(src("r", "personal", &ics));
    let fired: Vec<DateTime<Utc>> = run(&mut s, "2026-05-31T00:00:00Z", "2026-06-04T00:00:00Z")
        .into_iter()
        .map(|(_, at, _)| at)
        .collect();
    assert_eq!(
        fired,
        vec![utc("2026-06-01T07:45:00Z"), utc("2026-06-03T07:00:00Z")]
    );
}

#[test]
fn action_none_alarm_never_reminds() {
    // RFC 9074 §7: ACTION:NONE keeps a switched-off default alarm without ever alerting.
    let none = "BEGIN:VALARM\r\nACTION:NONE\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\n";
    let mut s = scheduler("2026-06-10T06:00:00Z");
    s.upsert(src(
        "r1",
        "personal",
        &event("e1", "20260610T100000", "20260610T110000", none),
    ));
    assert!(run(&mut s, "2026-06-10T06:00:00Z", "2026-06-10T12:00:00Z").is_empty());
}

#[test]
fn deleted_item_is_withdrawn_and_its_dismissal_kept() {
    let ics = event("e1", "20260610T100000", "20260610T110000", ALARM_15);
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.upsert(src("r1", "personal", &ics));
    s.upsert(src(
        "r2",
        "personal",
        &event("e2", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    let t = utc("2026-06-10T07:45:00Z");
    assert_eq!(s.poll(t).newly_due.len(), 2);
    s.remove("r1");
    let p = s.poll(t + TimeDelta::seconds(30));
    assert_eq!(
        p.withdrawn,
        [OccurrenceKey {
            uid: "e1".into(),
            instance: utc("2026-06-10T08:00:00Z")
        }]
    );
    assert_eq!(p.active.len(), 1);
    assert_eq!(
        s.dismiss(&p.withdrawn[0], t),
        Err(Error::UnknownReminder(p.withdrawn[0].clone()))
    );
    // A dismissal survives the item's removal and return (cache rebuild).
    let e2 = p.active[0].id.clone();
    s.dismiss(&e2, t + TimeDelta::minutes(1)).unwrap();
    s.remove("r2");
    s.upsert(src(
        "r2-new",
        "personal",
        &event("e2", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    let p = s.poll(t + TimeDelta::minutes(2));
    assert!(p.active.is_empty());
    assert!(p.newly_due.is_empty());
}

#[test]
fn cancelled_occurrence_is_withdrawn() {
    let mut s = scheduler("2026-06-03T07:00:00Z");
    let series = |extra: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\n\
             DTSTART;TZID=Europe/Berlin:20260601T100000\r\nDTEND;TZID=Europe/Berlin:20260601T110000\r\n\
             RRULE:FREQ=DAILY\r\n{extra}{ALARM_15}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    s.upsert(src("r", "personal", &series("")));
    assert_eq!(s.poll(utc("2026-06-03T07:45:00Z")).newly_due.len(), 1);
    s.upsert(src(
        "r",
        "personal",
        &series("EXDATE;TZID=Europe/Berlin:20260603T100000\r\n"),
    ));
    let p = s.poll(utc("2026-06-03T07:46:00Z"));
    assert_eq!(p.withdrawn.len(), 1);
    assert_eq!(p.withdrawn[0].instance, utc("2026-06-03T08:00:00Z"));
}

#[test]
fn shared_calendars_are_off_by_default() {
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.set_calendar("bob-team", CalendarSettings::shared());
    s.set_calendar("mine", CalendarSettings::own());
    s.upsert(src(
        "r1",
        "bob-team",
        &event("shared", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    s.upsert(src(
        "r2",
        "mine",
        &event("own", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    s.upsert(src(
        "r3",
        "unregistered",
        &event("new", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    assert!(!s.calendar_reminds("bob-team"));
    assert!(s.calendar_reminds("mine"));
    let p = s.poll(utc("2026-06-10T07:45:00Z"));
    let mut uids: Vec<_> = p.newly_due.iter().map(|r| r.id.uid.as_str()).collect();
    uids.sort();
    assert_eq!(uids, ["new", "own"]);
    // Switched on at 07:50 for a meeting not yet begun: it reminds at once.
    s.set_calendar(
        "bob-team",
        CalendarSettings {
            shared: true,
            remind: Some(true),
            enabled_since: Some(utc("2026-06-10T07:50:00Z")),
        },
    );
    let p = s.poll(utc("2026-06-10T07:50:00Z"));
    assert_eq!(p.newly_due.len(), 1);
    assert_eq!(p.newly_due[0].id.uid, "shared");
    // Own calendar switched off: its reminder is withdrawn.
    s.set_calendar(
        "mine",
        CalendarSettings {
            remind: Some(false),
            ..CalendarSettings::own()
        },
    );
    let p = s.poll(utc("2026-06-10T07:51:00Z"));
    assert_eq!(p.withdrawn.len(), 1);
    assert_eq!(p.withdrawn[0].uid, "own");
}

#[test]
fn first_sync_does_not_flood_but_fresh_meetings_remind() {
    let now = utc("2026-06-10T07:50:00Z");
    let mut s = Scheduler::new(
        Settings::with_zone(berlin()),
        UserState {
            since: Some(utc("2026-01-01T00:00:00Z")),
            ..UserState::default()
        },
        now,
    );
    // Yesterday's meeting, stored just now by the first sync: over, not reported.
    s.upsert(
        src(
            "old",
            "personal",
            &event("old", "20260609T100000", "20260609T110000", ALARM_15),
        )
        .known_since(now),
    );
    // A meeting at 10:00 CEST created by a colleague at 07:48Z: alarm (07:45Z) already passed,
    // meeting still ahead: reported.
    s.upsert(
        src(
            "new",
            "personal",
            &event("new", "20260610T100000", "20260610T110000", ALARM_15),
        )
        .known_since(utc("2026-06-10T07:48:00Z")),
    );
    let p = s.poll(now);
    let uids: Vec<_> = p.newly_due.iter().map(|r| r.id.uid.as_str()).collect();
    assert_eq!(uids, ["new"]);
}

#[test]
fn a_later_valarm_of_a_dismissed_occurrence_still_fires() {
    let body = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P1D\r\nDESCRIPTION:x\r\nEND:VALARM\r\n\
                BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n\
                BEGIN:VALARM\r\nACTION:NONE\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n";
    let mut s = scheduler("2026-06-09T07:00:00Z");
    s.upsert(src(
        "r",
        "personal",
        &event("e", "20260610T100000", "20260610T110000", body),
    ));
    let fired = run(&mut s, "2026-06-09T07:00:00Z", "2026-06-09T08:00:00Z");
    assert_eq!(fired.len(), 1);
    let id = s.due(utc("2026-06-09T08:00:00Z"))[0].id.clone();
    s.dismiss(&id, utc("2026-06-09T08:00:00Z")).unwrap();
    let p = s.poll(utc("2026-06-09T08:00:01Z"));
    assert_eq!(
        p.next_wake,
        utc("2026-06-10T07:45:00Z"),
        "ACTION:NONE never wakes"
    );
    let p = s.poll(p.next_wake);
    assert_eq!(p.newly_due.len(), 1);
    assert_eq!(p.newly_due[0].alarm_at, utc("2026-06-10T07:45:00Z"));
    assert!(s.poll(utc("2026-06-10T07:55:00Z")).newly_due.is_empty());
}

#[test]
fn same_occurrence_in_two_calendars_is_one_reminder() {
    let ics = event("meet", "20260610T100000", "20260610T110000", ALARM_15);
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.set_calendar(
        "bob",
        CalendarSettings {
            remind: Some(true),
            ..CalendarSettings::shared()
        },
    );
    s.upsert(src("a", "personal", &ics));
    s.upsert(src("b", "bob", &ics));
    let p = s.poll(utc("2026-06-10T07:45:00Z"));
    assert_eq!(p.newly_due.len(), 1);
    s.dismiss(&p.newly_due[0].id, utc("2026-06-10T07:45:00Z"))
        .unwrap();
    assert!(s.poll(utc("2026-06-10T07:46:00Z")).active.is_empty());
}

#[test]
fn activesync_event_reminder_minutes_and_exception() {
    // Weekly Wednesday 09:00 Berlin (07:00Z in summer), Reminder 10 minutes; one exception
    // moved to 11:00 CEST with a 30-minute reminder, one deleted.
    let item = EasCalendarItem {
        uid: Some("eas-1".into()),
        start_time: Some(utc("2026-06-03T07:00:00Z")),
        end_time: Some(utc("2026-06-03T08:00:00Z")),
        subject: Some("Jour fixe".into()),
        location: Some("B 2.14".into()),
        reminder: Some(10),
        recurrence: Some(EasRecurrence {
            recurrence_type: 1,
            interval: Some(1),
            day_of_week: Some(8),
            ..EasRecurrence::default()
        }),
        exceptions: vec![
            EasException {
                exception_start_time: utc("2026-06-10T07:00:00Z"),
                start_time: Some(utc("2026-06-10T09:00:00Z")),
                end_time: Some(utc("2026-06-10T10:00:00Z")),
                reminder: Some(30),
                ..EasException::default()
            },
            EasException {
                deleted: true,
                exception_start_time: utc("2026-06-17T07:00:00Z"),
                ..EasException::default()
            },
        ],
        ..EasCalendarItem::default()
    };
    let mut s = scheduler("2026-06-01T00:00:00Z");
    s.upsert(ReminderSource::eas_event("7:1", "eas-cal", &item, "7:1", &berlin()).unwrap());
    let fired = run(&mut s, "2026-06-01T00:00:00Z", "2026-06-25T00:00:00Z");
    let got: Vec<_> = fired.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(
        got,
        [
            ("eas-1", utc("2026-06-03T06:50:00Z")),
            ("eas-1", utc("2026-06-10T08:30:00Z")),
            ("eas-1", utc("2026-06-24T06:50:00Z")),
        ]
    );
    let r = &s.due(utc("2026-06-24T06:50:00Z"))[0];
    assert_eq!(r.location.as_deref(), Some("B 2.14"));
}

#[test]
fn activesync_task_reminder_time() {
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.upsert(ReminderSource::eas_task(
        "t1",
        "tasks",
        EasTaskReminder {
            uid: "task-1".into(),
            subject: Some("Send report".into()),
            due: Some(utc("2026-06-12T00:00:00Z")),
            reminder_set: true,
            reminder_time: Some(utc("2026-06-10T12:00:00Z")),
            ..EasTaskReminder::default()
        },
    ));
    s.upsert(ReminderSource::eas_task(
        "t2",
        "tasks",
        EasTaskReminder {
            uid: "task-2".into(),
            reminder_set: false,
            reminder_time: Some(utc("2026-06-10T11:00:00Z")),
            ..EasTaskReminder::default()
        },
    ));
    s.upsert(ReminderSource::eas_task(
        "t3",
        "tasks",
        EasTaskReminder {
            uid: "task-3".into(),
            reminder_set: true,
            reminder_time: Some(utc("2026-06-10T11:30:00Z")),
            complete: true,
            ..EasTaskReminder::default()
        },
    ));
    let p = s.poll(utc("2026-06-10T07:00:00Z"));
    assert_eq!(p.next_wake, utc("2026-06-10T12:00:00Z"));
    let p = s.poll(p.next_wake);
    assert_eq!(p.newly_due.len(), 1);
    assert_eq!(p.newly_due[0].kind, kontor_reminders::ReminderKind::Task);
    assert_eq!(p.newly_due[0].title.as_deref(), Some("Send report"));
}

#[test]
fn a_month_of_daily_series_moves_the_window_along() {
    let mut s = scheduler("2026-02-28T00:00:00Z");
    let body = format!("RRULE:FREQ=DAILY\r\n{ALARM_15}");
    s.upsert(src(
        "r",
        "personal",
        &event("d", "20260301T090000", "20260301T091500", &body),
    ));
    let fired = run(&mut s, "2026-02-28T00:00:00Z", "2026-04-30T23:00:00Z");
    assert_eq!(fired.len(), 61, "1 March .. 30 April, once each");
    for (_, _, at) in &fired {
        // 08:45 Berlin, whatever the offset.
        let local = at.with_timezone(&chrono_tz::Europe::Berlin);
        assert_eq!(local.format("%H:%M").to_string(), "08:45");
    }
}

#[test]
fn all_day_event_uses_the_local_zone() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:birthday\r\n\
               DTSTART;VALUE=DATE:20260615\r\nDTEND;VALUE=DATE:20260616\r\nSUMMARY:Birthday\r\n\
               BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15H\r\nDESCRIPTION:x\r\nEND:VALARM\r\n\
               END:VEVENT\r\nEND:VCALENDAR\r\n";
    let mut s = scheduler("2026-06-14T00:00:00Z");
    s.upsert(src("b", "personal", ics));
    // Midnight Berlin (22:00Z on the 14th) minus 15 hours = 07:00Z on the 14th.
    assert_eq!(
        s.poll(utc("2026-06-14T00:00:00Z")).next_wake,
        utc("2026-06-14T07:00:00Z")
    );
}

#[test]
fn instance_moved_earlier_after_dismissal_is_due_at_once() {
    let series = |extra: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\n\
             DTSTART;TZID=Europe/Berlin:20260601T100000\r\nDTEND;TZID=Europe/Berlin:20260601T110000\r\n\
             RRULE:FREQ=DAILY\r\nSUMMARY:Standup\r\n{ALARM_15}END:VEVENT\r\n{extra}END:VCALENDAR\r\n"
        )
    };
    // Today's instance moved from 10:00 to 09:50 CEST: its alarm (07:35Z) lies before the
    // dismissal (07:45Z), but the dismissal was about 10:00.
    // The override carries its own VALARM (RFC 5545 §3.8.4.4: it replaces the whole instance).
    let moved = &format!(
        "BEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260603T100000\r\n\
         DTSTART;TZID=Europe/Berlin:20260603T095000\r\nDTEND;TZID=Europe/Berlin:20260603T110000\r\n\
         SUMMARY:Standup (earlier)\r\n{ALARM_15}END:VEVENT\r\n"
    );
    let mut s = scheduler("2026-06-03T07:00:00Z");
    s.upsert(src("r", "personal", &series("")));
    let t = utc("2026-06-03T07:45:00Z");
    let id = s.poll(t).newly_due[0].id.clone();
    s.dismiss(&id, t).unwrap();
    assert!(s.poll(t + TimeDelta::seconds(10)).active.is_empty());
    s.upsert(src("r", "personal", &series(moved)));
    let p = s.poll(t + TimeDelta::seconds(20));
    assert_eq!(p.newly_due.len(), 1);
    assert_eq!(p.newly_due[0].id, id);
    assert_eq!(p.newly_due[0].alarm_at, utc("2026-06-03T07:35:00Z"));
    assert_eq!(p.newly_due[0].start, Some(utc("2026-06-03T07:50:00Z")));
    // Dismissed again: bound to the new start now.
    s.dismiss(&id, t + TimeDelta::seconds(30)).unwrap();
    assert_eq!(s.ack(&id).unwrap().start, utc("2026-06-03T07:50:00Z"));
    assert!(s.poll(t + TimeDelta::seconds(40)).active.is_empty());
}

#[test]
fn missed_flag_is_kept_from_the_first_report() {
    let mut s = scheduler("2026-06-10T07:00:00Z");
    s.upsert(src(
        "r1",
        "personal",
        &event("e1", "20260610T100000", "20260610T110000", ALARM_15),
    ));
    s.upsert(src(
        "r2",
        "personal",
        &event("e2", "20260610T093000", "20260610T110000", ALARM_15),
    ));
    s.poll(utc("2026-06-10T07:00:00Z"));
    // e2 (07:15Z) was missed while asleep; e1 (07:45Z) is reported on time.
    let p = s.poll(utc("2026-06-10T07:45:00Z"));
    let flags: Vec<_> = p
        .newly_due
        .iter()
        .map(|r| (r.id.uid.as_str(), r.missed))
        .collect();
    assert_eq!(flags, [("e2", true), ("e1", false)]);
    let p = s.poll(utc("2026-06-10T07:50:00Z"));
    let flags: Vec<_> = p
        .active
        .iter()
        .map(|r| (r.id.uid.as_str(), r.missed))
        .collect();
    assert_eq!(
        flags,
        [("e2", true), ("e1", false)],
        "an on-time reminder does not turn missed"
    );
}

#[test]
fn vtodo_alarm_related_to_due_and_completed_todo() {
    let todo = |status: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:todo-1\r\nSUMMARY:Report\r\n\
             DUE;TZID=Europe/Berlin:20261030T170000\r\n{status}BEGIN:VALARM\r\nACTION:DISPLAY\r\n\
             TRIGGER;RELATED=END:-PT1H\r\nDESCRIPTION:x\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
        )
    };
    let mut s = scheduler("2026-10-30T00:00:00Z");
    s.upsert(src("t", "tasks", &todo("")));
    // Due 17:00 CET (after the October change) = 16:00Z; one hour before = 15:00Z.
    let p = s.poll(utc("2026-10-30T00:00:00Z"));
    assert_eq!(p.next_wake, utc("2026-10-30T15:00:00Z"));
    let p = s.poll(p.next_wake);
    assert_eq!(p.newly_due.len(), 1);
    assert_eq!(p.newly_due[0].kind, kontor_reminders::ReminderKind::Task);
    // Completed meanwhile: withdrawn.
    s.upsert(src("t", "tasks", &todo("STATUS:COMPLETED\r\n")));
    let p = s.poll(utc("2026-10-30T15:01:00Z"));
    assert_eq!(p.withdrawn.len(), 1);
    assert!(p.active.is_empty());
}

/// The incremental poll against a full evaluation: a few hundred single and recurring items
/// (alarms with REPEAT, items that arrive late, a shared calendar switched on and off), polled
/// at irregular steps over ten days while some reminders are dismissed, snoozed, moved and
/// deleted. Each poll compares its active list with `Scheduler::due` (a debug assertion inside
/// `poll`) and the reported sets are checked here.
#[test]
fn incremental_poll_matches_full_evaluation() {
    let start = utc("2026-11-20T06:00:00Z");
    let mut s = Scheduler::new(
        Settings::with_zone(berlin()),
        UserState {
            since: Some(start - TimeDelta::days(3)),
            ..UserState::default()
        },
        start,
    );
    s.set_calendar("bob", CalendarSettings::shared());
    let repeat = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nREPEAT:2\r\nDURATION:PT5M\r\nEND:VALARM\r\n";
    let mk = |i: i64| -> ReminderSource {
        let day = 20 + (i % 9);
        let hour = 7 + (i % 10);
        let minute = (i * 7) % 60;
        let st = format!("202611{day:02}T{hour:02}{minute:02}00");
        let en = format!("202611{day:02}T{:02}{minute:02}00", hour + 1);
        let body = match i % 4 {
            0 => format!("RRULE:FREQ=DAILY;COUNT=5\r\n{ALARM_15}"),
            1 => repeat.to_string(),
            _ => ALARM_15.to_string(),
        };
        let cal = if i % 7 == 0 { "bob" } else { "personal" };
        let mut src = src(
            &format!("s{i}"),
            cal,
            &event(&format!("u{i}"), &st, &en, &body),
        );
        if i % 11 == 0 {
            src = src.known_since(start + TimeDelta::hours(i % 48));
        }
        src
    };
    for i in 0..300 {
        s.upsert(mk(i));
    }
    let mut now = start;
    let mut step = 0_i64;
    while now < start + TimeDelta::days(10) {
        let p = s.poll(now);
        let active: Vec<OccurrenceKey> = p.active.iter().map(|r| r.id.clone()).collect();
        for r in &p.newly_due {
            assert!(active.contains(&r.id), "newly due {:?} is active", r.id);
        }
        for w in &p.withdrawn {
            assert!(!active.contains(w), "withdrawn {w:?} is not active");
        }
        step += 1;
        match step % 13 {
            1 if !active.is_empty() => s.dismiss(&active[0], now).unwrap(),
            2 if active.len() > 1 => {
                s.snooze(&active[1], SnoozeChoice::TenMinutes, now).unwrap();
            }
            3 => s.remove(&format!("s{}", step % 300)),
            4 => s.upsert(mk(step % 300)),
            5 => s.set_calendar(
                "bob",
                CalendarSettings {
                    shared: true,
                    remind: Some(step % 2 == 0),
                    enabled_since: Some(now),
                },
            ),
            _ => {}
        }
        // Irregular steps: sometimes exactly the next wake-up, sometimes 1–97 minutes on.
        now = if step % 3 == 0 {
            p.next_wake
        } else {
            now + TimeDelta::minutes((step * 37) % 97 + 1)
        };
    }
    assert!(step > 150, "{step} polls");
}
