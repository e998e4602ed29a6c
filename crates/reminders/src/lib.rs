//! # kontor-reminders — reminders that never vanish
//!
//! This crate decides *when* the user is reminded and *whether the reminder window is visible*.
//! It is pure logic: no I/O, no SQLite, no async runtime, no clock of its own. Every call that
//! depends on time takes `now`, so tests drive it with a fake clock and assert exact instants.
//!
//! ## What it owns
//! * [`Scheduler`] — given [`ReminderSource`]s (iCalendar objects with VALARMs, ActiveSync
//!   calendar items with `Reminder` minutes, ActiveSync tasks with `ReminderTime`), the
//!   per-calendar "remind me" switch ([`CalendarSettings`]) and the user's stored
//!   [`UserState`], it answers: which reminders are due at `now` ([`Scheduler::due`]), which are
//!   new since the last look, missed included ([`Scheduler::poll`]), and when to look next
//!   ([`Scheduler::next_wake`]). It records dismiss and snooze ([`Scheduler::dismiss`],
//!   [`Scheduler::snooze`]) as plain values the core stores.
//! * [`ReminderWindow`] — the reminder window's state machine (docs/reminders.md#window-semantics):
//!   events in, desired [`WindowView`] out (visible or not, the listed reminders, the autohide
//!   deadline).
//!
//! ## What it must not do
//! * Read or write the store, talk to servers, open windows, show notifications, or sleep. The
//!   core persists [`UserState`] (user data: never dropped with the server cache) and arms a
//!   timer for [`Poll::next_wake`] and [`WindowView::hide_at`]; the shell makes the real
//!   window follow [`WindowView`] (always on top, never taking keyboard focus).
//! * Parse iCalendar or expand recurrence itself: occurrences, time zones and alarm instants
//!   come from `kontor-calendar`, so a weekly 09:00 meeting in Europe/Berlin reminds at 08:45
//!   local time on both sides of a DST change.
//! * Decide policy: whether `reminders.autohide` is locked is the caller's concern; this crate
//!   only takes the effective values.
//!
//! ## Reminders and their identity
//! A reminder is one *occurrence* of an item, identified by [`OccurrenceKey`] = UID + the
//! occurrence's original start (RECURRENCE-ID for an instance of a series, the start for a
//! single item). Several VALARMs of one occurrence make one reminder; REPEATs re-raise it.
//! Every occurrence of a recurring series reminds on its own and exactly once per alarm.
//! Only DISPLAY, AUDIO and EMAIL alarms remind (Apple's `ACTION:NONE` placeholders do not);
//! alarms marked ACKNOWLEDGED (RFC 9074 §6) at or after their trigger do not; cancelled items
//! and completed tasks do not. The same occurrence seen in two calendars is one reminder.
//!
//! A calendar's switch is on by default for the user's own calendars and off for shared ones
//! ([`CalendarSettings::reminds`]); a calendar never registered counts as own.
//!
//! ## Dismiss and snooze
//! Both are stored as an [`Ack`] keyed by [`OccurrenceKey`]: the alarms of that occurrence up
//! to the moment the user acted (`through`) are handled and never fire again — after a
//! restart, a resync, or a rebuild of the server cache, because the key does not depend on the
//! store's row ids. A snooze additionally brings the reminder back at `snooze_until`
//! ([`SnoozeChoice`]: 5, 10, 15, 30 minutes, 1 hour, or 5 minutes before the start — refused
//! when that moment has passed). A later, separate VALARM of the same occurrence (the
//! "15 minutes before" after a "1 day before") is a new reminder.
//!
//! ## Moved and deleted items
//! An acknowledgement is bound to the occurrence's start when the user acted ([`Ack::start`]).
//! * The item (or one instance of a series) **moved**: the acknowledgement is void. The moved
//!   occurrence reminds afresh from its own alarms: a meeting moved later reminds again at its
//!   new alarm time; one moved earlier whose new alarm already passed is due at once, like a
//!   missed reminder (within the lookback). A pending snooze of a moved occurrence is dropped with it: a snooze was a
//!   decision about the old time. (If the item moves back to the old start, the old
//!   acknowledgement applies again.)
//! * The item was **deleted** (or its calendar switched off): its due reminders are reported
//!   as [`Poll::withdrawn`]. Acknowledgements are kept, since a cache rebuild deletes and
//!   re-adds everything; an acknowledgement is pruned only when it can no longer matter (its
//!   alarms and snooze lie before the lookback).
//!
//! ## Missed reminders
//! [`UserState::last_seen`] is the last instant the scheduler looked. An alarm that passed
//! while nobody looked (app closed, machine asleep) is reported by the next [`Scheduler::poll`]
//! as newly due, once, with its original time ([`Reminder::alarm_at`]) and
//! [`Reminder::missed`] set; it then stays active until answered. Missed alarms older than
//! [`Settings::lookback`] (7 days) are not reported. Alarms that passed before the item reached
//! the store ([`ReminderSource::known_since`]), before its calendar's switch was turned on, or
//! before the profile's first start are reported only while their occurrence is not over, so a
//! first sync does not flood the user with last week's meetings but a meeting created two
//! minutes ago for now still reminds.
//!
//! ## Efficiency
//! Alarm instants are computed when a source is added or changed and kept in an ordered index.
//! Single items are indexed completely; recurring series over a moving window
//! (`now - lookback` … `now + horizon`, 7 + 14 days, extended by each series' alarm lead), which
//! is re-expanded (series only) when half the horizon is used up. A query walks only the
//! index range it needs.
//!
//! [`Scheduler::poll`] is incremental: it keeps the active list from the previous poll and
//! re-evaluates only occurrences whose state can have changed since — index instants that
//! fell due or slid out of the lookback window in between, occurrences that were due only
//! until they end, and occurrences touched by `upsert`/`remove`/`dismiss`/`snooze`. Its work
//! is bounded by what changed, not by how many reminders are active (a week of 3,692
//! unanswered reminders costs a poll about as much as none). A calendar switch, a move of the
//! expansion window, the first poll and a clock jump evaluate everything, like
//! [`Scheduler::due`] does on every call. Debug builds check every poll against `due`.
//! `benches/next_due.rs` measures both on 10,000 items.
//!
//! ## Window semantics (exact; docs/reminders.md#window-semantics)
//! [`ReminderWindow::handle`] takes `(now, event)`; the resulting [`WindowView`] is the truth.
//! * `ReminderDue` adds the reminders to the list (an already listed one is updated in place)
//!   and shows the window. This is the only event that shows it.
//! * **Autohide off**: once shown, the window stays visible until every listed reminder is
//!   dismissed or snoozed (`UserDismiss`, `UserSnooze`, `UserDismissAll`). No timer (`Tick`),
//!   `FocusChanged`, `SyncCompleted`, `Suspended`/`Resumed`, new `ReminderDue`,
//!   `ReminderWithdrawn` or settings change hides it. `hide_at` is `None`.
//! * **Autohide on**: the window hides at `hide_at` = the last time it was shown
//!   (`ReminderDue`) or touched (`UserInteracted`, or a dismiss/snooze that leaves rows) plus
//!   `autohide_seconds` (default 15). Hiding does not answer anything: the reminders stay
//!   listed in the view (tray badge, main window), and the window reappears with the next
//!   `ReminderDue`. Interacting with a hidden window does not show it. A deadline that passed
//!   during sleep is applied by the first event after resume. Switching autohide on while the
//!   window is visible starts the countdown then; changing the seconds applies to the running
//!   countdown.
//! * Dismissing or snoozing the last listed reminder hides the window in both modes.
//! * `ReminderWithdrawn` while visible keeps the row, marked withdrawn (the user should see that
//!   the meeting was cancelled or moved), until the user dismisses it; while hidden it drops
//!   the row.
//!
//! The window never stores answers: the core calls [`Scheduler::dismiss`] or
//! [`Scheduler::snooze`] first and then passes the same user event to the window.
//!
//! ## Using it from the core
//! ```
//! use chrono::{DateTime, Utc};
//! use kontor_reminders::*;
//!
//! let now: DateTime<Utc> = "2026-11-27T08:45:00Z".parse().unwrap();
//! // Start: the stored state (JSON here), the user's zone, the calendars, the stored items.
//! let state: UserState = serde_json::from_str("{\"since\":null,\"last_seen\":null,\"acks\":[]}").unwrap();
//! let zone = kontor_calendar::Zone::Iana(chrono_tz::Europe::Berlin);
//! let mut scheduler = Scheduler::new(Settings::with_zone(zone), state, now);
//! scheduler.set_calendar("bob/Calendar", CalendarSettings::shared()); // off unless switched on
//! let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m1\r\nDTSTART:20261127T090000Z\r\n\
//!            SUMMARY:Budget\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\n\
//!            END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
//! scheduler.upsert(ReminderSource::parse_ics("row-17", "alice/Calendar", ics).unwrap());
//! let mut window = ReminderWindow::new(WindowSettings { autohide: false, autohide_seconds: 15 });
//!
//! // At start, at every wake-up, after a sync and after resume:
//! let poll = scheduler.poll(now);
//! let _store_this = serde_json::to_string(&scheduler.state()).unwrap();
//! if !poll.withdrawn.is_empty() {
//!     window.handle(now, WindowEvent::ReminderWithdrawn(poll.withdrawn));
//! }
//! let view = window.handle(now, WindowEvent::ReminderDue(poll.newly_due));
//! assert!(view.visible);
//! // Arm one timer for min(poll.next_wake, view.hide_at); tray badge = poll.active.len().
//!
//! // The user snoozes a row: scheduler first (persist), then the window.
//! let id = view.reminders[0].reminder.id.clone();
//! let back_at = scheduler.snooze(&id, SnoozeChoice::TenMinutes, now).unwrap();
//! let view = window.handle(now, WindowEvent::UserSnooze(id, SnoozeChoice::TenMinutes));
//! assert!(!view.visible);
//! assert_eq!(scheduler.poll(now).next_wake, back_at);
//! ```

pub mod scheduler;
pub mod source;
pub mod state;
pub mod window;

pub use scheduler::{Poll, Reminder, ReminderKind, Scheduler, Settings};
pub use source::{CalendarSettings, EasTaskReminder, FixedItem, ReminderSource, Timing};
pub use state::{Ack, OccurrenceKey, ReminderId, SnoozeChoice, UserState};
pub use window::{
    DEFAULT_AUTOHIDE_SECONDS, ListedReminder, ReminderWindow, WindowEvent, WindowSettings,
    WindowView,
};

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// The item could not be read.
    #[error(transparent)]
    Calendar(kontor_calendar::Error),
    /// No occurrence with this UID and start is known (deleted or moved meanwhile).
    #[error("no reminder for {} at {}", .0.uid, .0.instance)]
    UnknownReminder(OccurrenceKey),
    /// "5 minutes before start" asked for an item without a start.
    #[error("the item has no start time")]
    NoStart,
    /// "5 minutes before start" asked when that moment has passed.
    #[error("the item starts at {start}; 5 minutes before that has passed")]
    SnoozeTooLate {
        start: chrono::DateTime<chrono::Utc>,
    },
}
