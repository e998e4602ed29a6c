//! The user's reminder state: what was dismissed and snoozed, and when the scheduler last
//! looked. These are plain serialisable values; the core stores them (they are user data, never
//! part of the disposable server cache, docs/CONVENTIONS.md#cache-vs-user-data) and hands them back
//! on the next start.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Identifies one reminder: the item's UID and the occurrence it belongs to.
///
/// `instance` is the occurrence's original start as an instant: the RECURRENCE-ID of an
/// instance of a recurring series (stable when the server moves that one instance), and the
/// start of a single item (which changes when the item is moved). For a task without a start or
/// due time it is the reminder time itself.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
pub struct OccurrenceKey {
    pub uid: String,
    pub instance: DateTime<Utc>,
}

/// A reminder is identified by its occurrence.
pub type ReminderId = OccurrenceKey;

/// What the user did with one reminder: dismissed it, or snoozed it until `snooze_until`.
///
/// An acknowledgement covers every alarm of the occurrence at or before `through` (the moment
/// the user acted), REPEATs of those alarms included. A second VALARM of the same occurrence
/// that falls due later (a "1 day before" and a "15 minutes before" alarm) is a new reminder.
///
/// The acknowledgement is bound to the occurrence's start at the time (`start`): when the
/// occurrence has moved since, it is void and the moved occurrence reminds afresh from its own
/// alarms (see the crate documentation, "Moved and deleted items").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub key: OccurrenceKey,
    /// Start of the occurrence when the user acted.
    pub start: DateTime<Utc>,
    /// Alarms at or before this instant are handled.
    pub through: DateTime<Utc>,
    /// The original alarm time of the reminder the user acted on (shown again after a snooze).
    pub alarm_at: DateTime<Utc>,
    /// `Some` = snoozed until then; `None` = dismissed.
    pub snooze_until: Option<DateTime<Utc>>,
}

impl Ack {
    pub fn is_dismissed(&self) -> bool {
        self.snooze_until.is_none()
    }
}

/// Everything the scheduler needs to survive a restart. Serialise it as a whole (JSON) or store
/// the [`Ack`]s as rows keyed by [`OccurrenceKey`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    /// When reminders were first evaluated for this profile. Alarms before it are reported only
    /// while their occurrence is still upcoming or in progress (no flood of old reminders on the
    /// very first start).
    pub since: Option<DateTime<Utc>>,
    /// The last instant the scheduler evaluated. Alarms after it that are found due later were
    /// missed (app closed, machine asleep).
    pub last_seen: Option<DateTime<Utc>>,
    /// Dismissed and snoozed occurrences, sorted by key.
    pub acks: Vec<Ack>,
}

/// The snooze choices offered by the reminder window (docs/reminders.md#window-semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SnoozeChoice {
    FiveMinutes,
    TenMinutes,
    FifteenMinutes,
    ThirtyMinutes,
    OneHour,
    /// Until 5 minutes before the occurrence starts.
    FiveMinutesBeforeStart,
}

impl SnoozeChoice {
    /// Every choice, in the order the window offers them.
    pub const ALL: [SnoozeChoice; 6] = [
        SnoozeChoice::FiveMinutes,
        SnoozeChoice::TenMinutes,
        SnoozeChoice::FifteenMinutes,
        SnoozeChoice::ThirtyMinutes,
        SnoozeChoice::OneHour,
        SnoozeChoice::FiveMinutesBeforeStart,
    ];

    /// When a reminder snoozed at `now` comes back. "Until 5 minutes before start" needs a start
    /// that is more than 5 minutes away; otherwise it is refused ([`Error::SnoozeTooLate`]) and
    /// the window should not offer it ([`SnoozeChoice::available`]).
    pub fn until(
        self,
        now: DateTime<Utc>,
        start: Option<DateTime<Utc>>,
    ) -> Result<DateTime<Utc>, Error> {
        let minutes = |m| Ok(now + TimeDelta::minutes(m));
        match self {
            SnoozeChoice::FiveMinutes => minutes(5),
            SnoozeChoice::TenMinutes => minutes(10),
            SnoozeChoice::FifteenMinutes => minutes(15),
            SnoozeChoice::ThirtyMinutes => minutes(30),
            SnoozeChoice::OneHour => minutes(60),
            SnoozeChoice::FiveMinutesBeforeStart => {
                let start = start.ok_or(Error::NoStart)?;
                let at = start - TimeDelta::minutes(5);
                if at <= now {
                    Err(Error::SnoozeTooLate { start })
                } else {
                    Ok(at)
                }
            }
        }
    }

    /// Whether the choice can be used at `now` for an occurrence starting at `start`.
    pub fn available(self, now: DateTime<Utc>, start: Option<DateTime<Utc>>) -> bool {
        self.until(now, start).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_are_stable() {
        // The core stores these; renaming a variant or field breaks stored profiles.
        let names: Vec<String> = SnoozeChoice::ALL
            .iter()
            .map(|c| serde_json::to_string(c).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "\"five_minutes\"",
                "\"ten_minutes\"",
                "\"fifteen_minutes\"",
                "\"thirty_minutes\"",
                "\"one_hour\"",
                "\"five_minutes_before_start\""
            ]
        );
        let t: DateTime<Utc> = "2026-11-27T08:45:00Z".parse().unwrap();
        let state = UserState {
            since: Some(t),
            last_seen: Some(t),
            acks: vec![Ack {
                key: OccurrenceKey {
                    uid: "m1".into(),
                    instance: t,
                },
                start: t,
                through: t,
                alarm_at: t,
                snooze_until: None,
            }],
        };
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            json,
            "{\"since\":\"2026-11-27T08:45:00Z\",\"last_seen\":\"2026-11-27T08:45:00Z\",\
             \"acks\":[{\"key\":{\"uid\":\"m1\",\"instance\":\"2026-11-27T08:45:00Z\"},\
             \"start\":\"2026-11-27T08:45:00Z\",\"through\":\"2026-11-27T08:45:00Z\",\
             \"alarm_at\":\"2026-11-27T08:45:00Z\",\"snooze_until\":null}]}"
        );
        assert_eq!(serde_json::from_str::<UserState>(&json).unwrap(), state);
    }

    #[test]
    fn five_minutes_before_start_needs_a_future_start() {
        let now: DateTime<Utc> = "2026-11-27T08:45:00Z".parse().unwrap();
        let start = now + TimeDelta::minutes(15);
        let c = SnoozeChoice::FiveMinutesBeforeStart;
        assert_eq!(c.until(now, Some(start)), Ok(now + TimeDelta::minutes(10)));
        assert!(c.available(now, Some(start)));
        assert!(!c.available(now + TimeDelta::minutes(10), Some(start)));
        assert_eq!(c.until(now, None), Err(Error::NoStart));
    }
}
