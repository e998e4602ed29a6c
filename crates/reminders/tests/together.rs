//! Scheduler and window together, the way the core drives them: poll at each wake-up, feed
//! new reminders to the window, answer through the scheduler first, then the window.

use chrono::{DateTime, TimeDelta, Utc};
use kontor_calendar::Zone;
use kontor_reminders::{
    ReminderSource, ReminderWindow, Scheduler, Settings, SnoozeChoice, UserState, WindowEvent,
    WindowSettings,
};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:m1\r\n\
    DTSTART;TZID=Europe/Berlin:20261127T100000\r\nDTEND;TZID=Europe/Berlin:20261127T110000\r\n\
    SUMMARY:Budget\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\n\
    END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn feed(s: &mut Scheduler, w: &mut ReminderWindow, now: DateTime<Utc>) -> bool {
    let p = s.poll(now);
    if !p.withdrawn.is_empty() {
        w.handle(now, WindowEvent::ReminderWithdrawn(p.withdrawn));
    }
    if p.newly_due.is_empty() {
        w.handle(now, WindowEvent::Tick).visible
    } else {
        w.handle(now, WindowEvent::ReminderDue(p.newly_due)).visible
    }
}

#[test]
fn snooze_expiry_brings_an_autohidden_window_back() {
    let start = utc("2026-11-27T09:00:00Z"); // 10:00 CET
    let mut s = Scheduler::new(
        Settings::with_zone(Zone::Iana(chrono_tz::Europe::Berlin)),
        UserState::default(),
        utc("2026-11-27T07:00:00Z"),
    );
    s.upsert(ReminderSource::parse_ics("1", "personal", ICS).unwrap());
    let mut w = ReminderWindow::new(WindowSettings {
        autohide: true,
        autohide_seconds: 5,
    });
    let alarm = utc("2026-11-27T08:45:00Z");
    assert_eq!(alarm, start - TimeDelta::minutes(15));
    assert!(!feed(&mut s, &mut w, utc("2026-11-27T07:00:00Z")));
    assert!(feed(&mut s, &mut w, alarm));
    assert!(feed(&mut s, &mut w, alarm + TimeDelta::seconds(4)));
    assert!(!feed(&mut s, &mut w, alarm + TimeDelta::seconds(5)));
    // Hidden but active (tray badge).
    assert_eq!(w.view().reminders.len(), 1);
    assert_eq!(s.due(alarm + TimeDelta::seconds(5)).len(), 1);
    // Snoozed from the main window list at +1 min: the scheduler first, then the window.
    let id = w.view().reminders[0].reminder.id.clone();
    let t = alarm + TimeDelta::minutes(1);
    let until = s.snooze(&id, SnoozeChoice::FiveMinutes, t).unwrap();
    w.handle(
        t,
        WindowEvent::UserSnooze(id.clone(), SnoozeChoice::FiveMinutes),
    );
    assert!(w.view().reminders.is_empty());
    assert_eq!(s.poll(t).next_wake, until);
    assert!(!feed(&mut s, &mut w, until - TimeDelta::seconds(1)));
    assert!(
        feed(&mut s, &mut w, until),
        "the snoozed reminder shows the window again"
    );
    assert!(w.view().reminders[0].reminder.snoozed);
    // Dismissed: the window hides and nothing comes back.
    s.dismiss(&id, until + TimeDelta::seconds(1)).unwrap();
    assert!(
        !w.handle(until + TimeDelta::seconds(1), WindowEvent::UserDismiss(id))
            .visible
    );
    let p = s.poll(until + TimeDelta::hours(2));
    assert!(p.active.is_empty() && p.newly_due.is_empty());
}

#[test]
fn autohide_off_window_outlives_sync_sleep_and_restart_until_dismissed() {
    let settings = || Settings::with_zone(Zone::Iana(chrono_tz::Europe::Berlin));
    let mut s = Scheduler::new(
        settings(),
        UserState::default(),
        utc("2026-11-27T07:00:00Z"),
    );
    s.upsert(ReminderSource::parse_ics("1", "personal", ICS).unwrap());
    let mut w = ReminderWindow::new(WindowSettings {
        autohide: false,
        autohide_seconds: 5,
    });
    feed(&mut s, &mut w, utc("2026-11-27T07:00:00Z"));
    assert!(!feed(&mut s, &mut w, utc("2026-11-27T08:44:59Z")));
    let shown = utc("2026-11-27T08:45:00Z");
    assert!(feed(&mut s, &mut w, shown));
    for (secs, ev) in [
        (30, WindowEvent::SyncCompleted),
        (31, WindowEvent::Suspended),
        (3600, WindowEvent::Resumed),
        (3601, WindowEvent::FocusChanged),
    ] {
        assert!(w.handle(shown + TimeDelta::seconds(secs), ev).visible);
        assert!(feed(&mut s, &mut w, shown + TimeDelta::seconds(secs)));
    }
    // The app restarts: the undismissed reminder is shown again.
    let state = s.state();
    let now = shown + TimeDelta::hours(2);
    let mut s = Scheduler::new(settings(), state, now);
    s.upsert(ReminderSource::parse_ics("1", "personal", ICS).unwrap());
    let mut w = ReminderWindow::new(WindowSettings {
        autohide: false,
        autohide_seconds: 5,
    });
    assert!(feed(&mut s, &mut w, now));
    let id = w.view().reminders[0].reminder.id.clone();
    assert_eq!(w.view().reminders[0].reminder.alarm_at, shown);
    s.dismiss(&id, now).unwrap();
    assert!(!w.handle(now, WindowEvent::UserDismiss(id)).visible);
    // Restart again: stays dismissed.
    let state = s.state();
    let mut s = Scheduler::new(settings(), state, now + TimeDelta::minutes(1));
    s.upsert(ReminderSource::parse_ics("1", "personal", ICS).unwrap());
    let mut w = ReminderWindow::new(WindowSettings::default());
    assert!(!feed(&mut s, &mut w, now + TimeDelta::minutes(1)));
}
