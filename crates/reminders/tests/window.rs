//! The reminder window state machine (docs/reminders.md#window-semantics) driven by a fake clock.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use kontor_reminders::{
    OccurrenceKey, Reminder, ReminderKind, ReminderWindow, SnoozeChoice, WindowEvent,
    WindowSettings,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 8, 45, 0).unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(secs)
}

fn reminder(uid: &str) -> Reminder {
    let start = t0() + TimeDelta::minutes(15);
    Reminder {
        id: OccurrenceKey {
            uid: uid.into(),
            instance: start,
        },
        source_id: format!("src-{uid}"),
        calendar_id: "personal".into(),
        kind: ReminderKind::Event,
        title: Some(format!("Meeting {uid}")),
        location: Some("Room 1".into()),
        start: Some(start),
        end: Some(start + TimeDelta::hours(1)),
        all_day: false,
        alarm_at: t0(),
        fired_at: t0(),
        snoozed: false,
        missed: false,
    }
}

fn id(uid: &str) -> OccurrenceKey {
    reminder(uid).id
}

fn window(autohide: bool, secs: u32) -> ReminderWindow {
    ReminderWindow::new(WindowSettings {
        autohide,
        autohide_seconds: secs,
    })
}

fn due(uids: &[&str]) -> WindowEvent {
    WindowEvent::ReminderDue(uids.iter().map(|u| reminder(u)).collect())
}

#[test]
fn default_settings_are_autohide_off_and_15_seconds() {
    let s = WindowSettings::default();
    assert!(!s.autohide);
    assert_eq!(s.autohide_seconds, 15);
    assert_eq!(kontor_reminders::DEFAULT_AUTOHIDE_SECONDS, 15);
}

#[test]
fn hidden_until_something_is_due() {
    let mut w = window(false, 15);
    for ev in [
        WindowEvent::Tick,
        WindowEvent::SyncCompleted,
        WindowEvent::UserInteracted,
    ] {
        assert!(!w.handle(at(0), ev).visible);
    }
    assert!(
        !w.handle(at(1), WindowEvent::ReminderDue(Vec::new()))
            .visible
    );
}

#[test]
fn autohide_off_survives_everything_but_answers() {
    let mut w = window(false, 5);
    let v = w.handle(at(0), due(&["a", "b"]));
    assert!(v.visible);
    assert_eq!(v.hide_at, None);
    assert_eq!(v.reminders.len(), 2);
    let noise = [
        (at(5), WindowEvent::Tick),
        (at(6), WindowEvent::Tick),
        (at(30), WindowEvent::Tick),
        (at(31), WindowEvent::FocusChanged),
        (at(32), WindowEvent::SyncCompleted),
        (at(33), WindowEvent::Suspended),
        (at(8 * 3600), WindowEvent::Resumed),
        (at(8 * 3600 + 1), WindowEvent::Tick),
        (at(8 * 3600 + 2), due(&["c"])),
        (
            at(8 * 3600 + 3),
            WindowEvent::SettingsChanged {
                autohide: false,
                autohide_seconds: 1,
            },
        ),
        (at(8 * 3600 + 10), WindowEvent::UserInteracted),
        (at(9 * 3600), WindowEvent::Tick),
        (at(9 * 3600), WindowEvent::ReminderWithdrawn(vec![id("a")])),
        (at(10 * 3600), WindowEvent::Tick),
    ];
    for (now, ev) in noise {
        let v = w.handle(now, ev.clone());
        assert!(
            v.visible,
            "{ev:?} at {now} must not hide the window with autohide off"
        );
        assert_eq!(v.hide_at, None);
    }
    assert_eq!(w.view().reminders.len(), 3);
    assert!(
        w.view()
            .reminders
            .iter()
            .any(|l| l.reminder.id == id("a") && l.withdrawn)
    );
    // Only answering every listed reminder hides it.
    assert!(
        w.handle(at(36_001), WindowEvent::UserDismiss(id("a")))
            .visible
    );
    assert!(
        w.handle(
            at(36_002),
            WindowEvent::UserSnooze(id("b"), SnoozeChoice::FiveMinutes)
        )
        .visible
    );
    let v = w.handle(at(36_003), WindowEvent::UserDismiss(id("c")));
    assert!(!v.visible);
    assert!(v.reminders.is_empty());
}

#[test]
fn autohide_on_hides_after_exactly_the_configured_seconds() {
    for secs in [5_u32, 15, 42] {
        let mut w = window(true, secs);
        let v = w.handle(at(0), due(&["a"]));
        assert!(v.visible);
        assert_eq!(v.hide_at, Some(at(i64::from(secs))));
        let v = w.handle(
            at(i64::from(secs)) - TimeDelta::milliseconds(1),
            WindowEvent::Tick,
        );
        assert!(
            v.visible,
            "still visible 1 ms before the deadline ({secs} s)"
        );
        let v = w.handle(at(i64::from(secs)), WindowEvent::Tick);
        assert!(!v.visible, "hidden at the deadline ({secs} s)");
        assert_eq!(v.hide_at, None);
        // The reminder stays active for the tray and the main window.
        assert_eq!(v.reminders.len(), 1);
        assert_eq!(v.reminders[0].reminder.id, id("a"));
    }
}

#[test]
fn interaction_resets_the_autohide_timer() {
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a"]));
    let v = w.handle(at(3), WindowEvent::UserInteracted);
    assert_eq!(v.hide_at, Some(at(8)));
    assert!(w.handle(at(7), WindowEvent::Tick).visible);
    // Focus and sync are not interactions.
    assert_eq!(
        w.handle(at(7), WindowEvent::FocusChanged).hide_at,
        Some(at(8))
    );
    assert_eq!(
        w.handle(at(7), WindowEvent::SyncCompleted).hide_at,
        Some(at(8))
    );
    assert!(!w.handle(at(8), WindowEvent::Tick).visible);
    // Interacting with the hidden window (from the main window list) does not show it.
    assert!(!w.handle(at(9), WindowEvent::UserInteracted).visible);
}

#[test]
fn answering_one_of_several_counts_as_interaction() {
    let mut w = window(true, 10);
    w.handle(at(0), due(&["a", "b"]));
    let v = w.handle(
        at(4),
        WindowEvent::UserSnooze(id("a"), SnoozeChoice::TenMinutes),
    );
    assert!(v.visible);
    assert_eq!(v.hide_at, Some(at(14)));
    let v = w.handle(at(5), WindowEvent::UserDismiss(id("b")));
    assert!(!v.visible, "nothing left to show");
}

#[test]
fn new_reminder_while_shown_resets_and_adds() {
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a"]));
    let v = w.handle(at(4), due(&["b"]));
    assert!(v.visible);
    assert_eq!(v.hide_at, Some(at(9)));
    assert_eq!(v.reminders.len(), 2);
    // Updating an already listed reminder does not duplicate it.
    let v = w.handle(at(4), due(&["b"]));
    assert_eq!(v.reminders.len(), 2);
}

#[test]
fn autohide_window_reappears_for_the_next_due_reminder() {
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a"]));
    assert!(!w.handle(at(5), WindowEvent::Tick).visible);
    let v = w.handle(at(600), due(&["b"]));
    assert!(v.visible);
    assert_eq!(v.hide_at, Some(at(605)));
    // Both are listed: hiding never answered "a".
    let ids: Vec<_> = v
        .reminders
        .iter()
        .map(|l| l.reminder.id.uid.clone())
        .collect();
    assert_eq!(ids, ["a", "b"]);
}

#[test]
fn deadline_is_applied_even_without_a_tick() {
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a"]));
    // The first event after the deadline sees the window hidden; an interaction does not
    // resurrect it.
    assert!(!w.handle(at(6), WindowEvent::UserInteracted).visible);
}

#[test]
fn sleep_and_resume() {
    // Autohide off: visible before, during and after sleep.
    let mut w = window(false, 5);
    w.handle(at(0), due(&["a"]));
    assert!(w.handle(at(1), WindowEvent::Suspended).visible);
    assert!(w.is_suspended());
    let v = w.handle(at(4 * 3600), WindowEvent::Resumed);
    assert!(v.visible);
    assert!(!w.is_suspended());
    // Autohide on: a deadline that passed while asleep hides the window on resume; a missed
    // reminder reported after resume shows it again.
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a"]));
    w.handle(at(2), WindowEvent::Suspended);
    let v = w.handle(at(3600), WindowEvent::Resumed);
    assert!(!v.visible);
    assert_eq!(v.reminders.len(), 1);
    let v = w.handle(at(3601), due(&["b"]));
    assert!(v.visible);
    assert_eq!(v.hide_at, Some(at(3606)));
    // Sleeping for less than the delay does not hide it.
    let mut w = window(true, 15);
    w.handle(at(0), due(&["a"]));
    w.handle(at(2), WindowEvent::Suspended);
    assert!(w.handle(at(10), WindowEvent::Resumed).visible);
}

#[test]
fn settings_changes() {
    // Off → on while visible: the countdown starts then.
    let mut w = window(false, 5);
    w.handle(at(0), due(&["a"]));
    let v = w.handle(
        at(100),
        WindowEvent::SettingsChanged {
            autohide: true,
            autohide_seconds: 5,
        },
    );
    assert!(v.visible);
    assert_eq!(v.hide_at, Some(at(105)));
    // A shorter delay applies to the running countdown.
    let v = w.handle(
        at(102),
        WindowEvent::SettingsChanged {
            autohide: true,
            autohide_seconds: 1,
        },
    );
    assert!(!v.visible, "100 + 1 s has passed at 102");
    // On → off: a visible window stays.
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a"]));
    let v = w.handle(
        at(2),
        WindowEvent::SettingsChanged {
            autohide: false,
            autohide_seconds: 5,
        },
    );
    assert!(v.visible);
    assert_eq!(v.hide_at, None);
    assert!(w.handle(at(3600), WindowEvent::Tick).visible);
    // A settings change never shows a hidden window.
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a"]));
    w.handle(at(5), WindowEvent::Tick);
    assert!(
        !w.handle(
            at(6),
            WindowEvent::SettingsChanged {
                autohide: false,
                autohide_seconds: 5
            }
        )
        .visible
    );
}

#[test]
fn zero_seconds_is_one_second() {
    let mut w = window(true, 0);
    let v = w.handle(at(0), due(&["a"]));
    assert_eq!(v.hide_at, Some(at(1)));
}

#[test]
fn dismiss_all_hides_in_both_modes() {
    for autohide in [false, true] {
        let mut w = window(autohide, 15);
        w.handle(at(0), due(&["a", "b", "c"]));
        let v = w.handle(at(1), WindowEvent::UserDismissAll);
        assert!(!v.visible);
        assert!(v.reminders.is_empty());
    }
}

#[test]
fn withdrawn_rows() {
    // Visible: the row stays, marked, until dismissed.
    let mut w = window(false, 15);
    w.handle(at(0), due(&["a"]));
    let v = w.handle(at(1), WindowEvent::ReminderWithdrawn(vec![id("a")]));
    assert!(v.visible);
    assert!(v.reminders[0].withdrawn);
    // Due again (e.g. moved back): the mark goes.
    let v = w.handle(at(2), due(&["a"]));
    assert!(!v.reminders[0].withdrawn);
    // Hidden: the row goes.
    let mut w = window(true, 5);
    w.handle(at(0), due(&["a", "b"]));
    w.handle(at(5), WindowEvent::Tick);
    let v = w.handle(at(6), WindowEvent::ReminderWithdrawn(vec![id("a")]));
    assert_eq!(v.reminders.len(), 1);
    assert_eq!(v.reminders[0].reminder.id, id("b"));
}

#[test]
fn view_serialises_for_the_shell() {
    let mut w = window(true, 5);
    let v = w.handle(at(0), due(&["a"]));
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["visible"], true);
    assert_eq!(json["hide_at"], "2026-11-27T08:45:05Z");
    assert_eq!(json["reminders"][0]["reminder"]["id"]["uid"], "a");
}
