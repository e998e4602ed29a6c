//! What the scheduler reminds of: one stored item (a CalDAV resource, an ActiveSync calendar
//! item or task) as a [`ReminderSource`], and the per-calendar "remind me" switch.

use chrono::{DateTime, Utc};
use kontor_calendar::eas::EasCalendarItem;
use kontor_calendar::{Calendar, ItemKind, Zone};

use crate::Error;

/// One stored item that may remind. The core fills it from whatever the store holds.
#[derive(Debug, Clone)]
pub struct ReminderSource {
    /// The core's handle for the stored item (a row id, `href`, ActiveSync ServerId…). Only used
    /// to replace or remove the source; reminder state is keyed by UID and occurrence instead,
    /// so it survives a rebuild of the server cache that hands out new ids.
    pub id: String,
    /// The calendar (or task folder) the item lives in; see [`CalendarSettings`].
    pub calendar_id: String,
    /// When the item first reached the store, if the core knows it. Alarms before this instant
    /// are reported only while their occurrence is still upcoming or in progress, so the first
    /// sync of a calendar does not report a week of past meetings as missed.
    pub known_since: Option<DateTime<Utc>>,
    pub timing: Timing,
}

/// When a source reminds.
#[derive(Debug, Clone)]
pub enum Timing {
    /// An iCalendar object (master plus overrides): VALARMs, recurrence, time zones. CalDAV
    /// resources come as they are; ActiveSync calendar items are mapped by
    /// [`kontor_calendar::eas::from_eas`], which turns `Reminder` minutes into a VALARM.
    Calendar(Box<Calendar>),
    /// A single item with explicit alarm instants, e.g. an ActiveSync task with `ReminderTime`.
    Fixed(FixedItem),
}

/// A non-recurring item with alarms at known instants.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedItem {
    pub uid: String,
    pub kind: ItemKind,
    pub title: Option<String>,
    pub location: Option<String>,
    /// Start (event) or start date (task).
    pub start: Option<DateTime<Utc>>,
    /// End (event) or due date (task).
    pub end: Option<DateTime<Utc>>,
    pub all_day: bool,
    pub alarms: Vec<DateTime<Utc>>,
}

impl ReminderSource {
    /// A parsed iCalendar object.
    pub fn calendar(id: &str, calendar_id: &str, cal: Calendar) -> Self {
        ReminderSource {
            id: id.into(),
            calendar_id: calendar_id.into(),
            known_since: None,
            timing: Timing::Calendar(Box::new(cal)),
        }
    }

    /// An iCalendar text (a CalDAV resource).
    pub fn parse_ics(id: &str, calendar_id: &str, ics: &str) -> Result<Self, Error> {
        let cal = Calendar::parse(ics).map_err(Error::Calendar)?;
        Ok(Self::calendar(id, calendar_id, cal))
    }

    /// An ActiveSync calendar item (MS-ASCAL 2.2.2): `Reminder` is minutes before the start of
    /// every occurrence, exceptions may carry their own. `fallback` is the zone used when the
    /// server sends an all-zero TimeZone blob (Kopano/Z-Push).
    pub fn eas_event(
        id: &str,
        calendar_id: &str,
        item: &EasCalendarItem,
        server_id: &str,
        fallback: &Zone,
    ) -> Result<Self, Error> {
        let cal =
            kontor_calendar::eas::from_eas(item, server_id, fallback).map_err(Error::Calendar)?;
        Ok(Self::calendar(id, calendar_id, cal))
    }

    /// An ActiveSync task (MS-ASTASK): a reminder only when `ReminderSet` (2.2.2.22) is 1, at
    /// `ReminderTime` (2.2.2.23, UTC), and the task is not `Complete`. `start`/`due` are
    /// `UtcStartDate`/`UtcDueDate`.
    pub fn eas_task(id: &str, calendar_id: &str, task: EasTaskReminder) -> Self {
        let alarms = match (task.reminder_set && !task.complete, task.reminder_time) {
            (true, Some(t)) => vec![t],
            _ => Vec::new(),
        };
        ReminderSource {
            id: id.into(),
            calendar_id: calendar_id.into(),
            known_since: None,
            timing: Timing::Fixed(FixedItem {
                uid: task.uid,
                kind: ItemKind::Todo,
                title: task.subject,
                location: None,
                start: task.start,
                end: task.due,
                all_day: false,
                alarms,
            }),
        }
    }

    /// Sets [`ReminderSource::known_since`].
    pub fn known_since(mut self, at: DateTime<Utc>) -> Self {
        self.known_since = Some(at);
        self
    }
}

/// The reminder fields of an ActiveSync task (MS-ASTASK 2.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EasTaskReminder {
    /// The task's identity: its ServerId, or a UID if the server sends one.
    pub uid: String,
    pub subject: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub due: Option<DateTime<Utc>>,
    pub reminder_set: bool,
    pub reminder_time: Option<DateTime<Utc>>,
    /// `Complete` = 1: a completed task does not remind.
    pub complete: bool,
}

/// The per-calendar "remind me" switch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarSettings {
    /// A colleague's calendar shared with the user (not the user's own).
    pub shared: bool,
    /// The user's explicit choice; `None` = the default (own calendars on, shared off).
    pub remind: Option<bool>,
    /// When reminders were last switched on for this calendar. Alarms before it are reported
    /// only while their occurrence is still upcoming or in progress.
    pub enabled_since: Option<DateTime<Utc>>,
}

impl CalendarSettings {
    pub fn own() -> Self {
        Self::default()
    }

    pub fn shared() -> Self {
        CalendarSettings {
            shared: true,
            ..Self::default()
        }
    }

    /// Whether items of this calendar remind.
    pub fn reminds(&self) -> bool {
        self.remind.unwrap_or(!self.shared)
    }
}
