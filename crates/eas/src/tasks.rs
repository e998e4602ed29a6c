//! The Tasks class (MS-ASTASK 2.2.2): reading tasks from Sync `ApplicationData` and writing
//! them for a client Add or Change.
//!
//! Dates stay as ActiveSync sends them: MS-ASDTYPE date-time strings, in pairs of a local
//! value (`StartDate`, `DueDate`) and its UTC twin (`UtcStartDate`, `UtcDueDate`).
//!
//! Reading is lenient: a value that is not a date-time or a number is dropped with a trace.
//! SOGo in particular sends the text `(null)` as `ReminderTime` for a VTODO whose alarm is
//! relative to a start it does not have (docs/server-quirks.md); that gives
//! `reminder_time: None` and the rest of the task — and of the batch — is kept. Writing is
//! strict: the pairs MS-ASTASK requires together are checked before anything is sent.

use kontor_wbxml::pages::{airsync as a, tasks as t};
use kontor_wbxml::{Element, Tag};

use crate::appdata::{
    body, body_element, date_time, flag, is_date_time, list, list_element, num, text,
};
use crate::error::EasError;

/// MS-ASTASK 2.2.2.18 Recurrence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskRecurrence {
    /// 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth weekday, 5 yearly, 6 yearly on the
    /// nth weekday.
    pub recurrence_type: u8,
    /// `Start` of the series (required by MS-ASTASK when a client sends a recurrence).
    pub start: Option<String>,
    pub until: Option<String>,
    pub occurrences: Option<u32>,
    pub interval: Option<u16>,
    /// Sunday 1, Monday 2, Tuesday 4 … Saturday 64.
    pub day_of_week: Option<u8>,
    pub day_of_month: Option<u8>,
    pub week_of_month: Option<u8>,
    pub month_of_year: Option<u8>,
    /// The next occurrence is computed from the completion date, not the due date.
    pub regenerate: Option<bool>,
    /// Only one occurrence is open at a time ("dead occurrence").
    pub dead_occur: Option<bool>,
    pub calendar_type: Option<u8>,
    pub is_leap_month: Option<bool>,
    pub first_day_of_week: Option<u8>,
}

/// A task as ActiveSync carries it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Task {
    pub subject: Option<String>,
    /// Plain-text notes.
    pub body: Option<String>,
    /// 0 low, 1 normal, 2 high.
    pub importance: Option<u8>,
    pub utc_start_date: Option<String>,
    pub start_date: Option<String>,
    pub utc_due_date: Option<String>,
    pub due_date: Option<String>,
    pub categories: Vec<String>,
    pub recurrence: Option<TaskRecurrence>,
    pub complete: bool,
    /// Required when `complete` is set.
    pub date_completed: Option<String>,
    /// 0 normal, 1 personal, 2 private, 3 confidential.
    pub sensitivity: Option<u8>,
    /// When the reminder fires (UTC).
    pub reminder_time: Option<String>,
    pub reminder_set: bool,
    /// `OrdinalDate`/`SubOrdinalDate`: sort keys some clients set.
    pub ordinal_date: Option<String>,
    pub sub_ordinal_date: Option<String>,
}

fn invalid(detail: String) -> EasError {
    EasError::InvalidItem {
        class: "Tasks",
        detail,
    }
}

impl Task {
    /// Reads an `ApplicationData` element of a Tasks collection.
    pub fn from_application_data(d: &Element) -> Self {
        let recurrence = d.child(t::Recurrence).map(|r| TaskRecurrence {
            recurrence_type: num(r, t::Type).unwrap_or(0),
            start: date_time(r, t::Start),
            until: date_time(r, t::Until),
            occurrences: num(r, t::Occurrences),
            interval: num(r, t::Interval),
            day_of_week: num(r, t::DayOfWeek),
            day_of_month: num(r, t::DayOfMonth),
            week_of_month: num(r, t::WeekOfMonth),
            month_of_year: num(r, t::MonthOfYear),
            regenerate: flag(r, t::Regenerate),
            dead_occur: flag(r, t::DeadOccur),
            calendar_type: num(r, t::CalendarType),
            is_leap_month: flag(r, t::IsLeapMonth),
            first_day_of_week: num(r, t::FirstDayOfWeek),
        });
        Task {
            subject: text(d, t::Subject),
            body: body(d, t::Body),
            importance: num(d, t::Importance),
            utc_start_date: date_time(d, t::UtcStartDate),
            start_date: date_time(d, t::StartDate),
            utc_due_date: date_time(d, t::UtcDueDate),
            due_date: date_time(d, t::DueDate),
            categories: list(d, t::Categories, t::Category),
            recurrence,
            complete: flag(d, t::Complete).unwrap_or(false),
            date_completed: date_time(d, t::DateCompleted),
            sensitivity: num(d, t::Sensitivity),
            reminder_time: date_time(d, t::ReminderTime),
            reminder_set: flag(d, t::ReminderSet).unwrap_or(false),
            ordinal_date: date_time(d, t::OrdinalDate),
            sub_ordinal_date: text(d, t::SubOrdinalDate),
        }
    }

    /// Checks what MS-ASTASK requires of a task a client sends: start and due dates come in
    /// local/UTC pairs (2.2.2.26, 2.2.2.29), a completed task has `DateCompleted` (2.2.2.7), a
    /// set reminder has `ReminderTime`, a recurrence has a `Start`, and every date is a
    /// date-time.
    pub fn validate(&self) -> Result<(), EasError> {
        let pair = |local: &Option<String>, utc: &Option<String>, what: &str| {
            if local.is_some() != utc.is_some() {
                Err(invalid(format!(
                    "{what} needs both the local and the UTC value"
                )))
            } else {
                Ok(())
            }
        };
        pair(&self.start_date, &self.utc_start_date, "the start date")?;
        pair(&self.due_date, &self.utc_due_date, "the due date")?;
        if self.complete && self.date_completed.is_none() {
            return Err(invalid("a completed task needs DateCompleted".into()));
        }
        if self.reminder_set && self.reminder_time.is_none() {
            return Err(invalid("a set reminder needs ReminderTime".into()));
        }
        let mut dates = vec![
            ("StartDate", &self.start_date),
            ("UtcStartDate", &self.utc_start_date),
            ("DueDate", &self.due_date),
            ("UtcDueDate", &self.utc_due_date),
            ("DateCompleted", &self.date_completed),
            ("ReminderTime", &self.reminder_time),
            ("OrdinalDate", &self.ordinal_date),
        ];
        if let Some(r) = &self.recurrence {
            if r.start.is_none() {
                return Err(invalid("a recurrence needs its Start".into()));
            }
            dates.push(("Recurrence Start", &r.start));
            dates.push(("Recurrence Until", &r.until));
        }
        for (name, v) in dates {
            if let Some(v) = v
                && !is_date_time(v)
            {
                return Err(invalid(format!("{name} {v:?} is not a date-time")));
            }
        }
        Ok(())
    }

    /// Writes the task as `ApplicationData` for a Sync Add or Change, in the order of the
    /// MS-ASTASK schema, after [`Task::validate`].
    pub fn to_application_data(&self) -> Result<Element, EasError> {
        self.validate()?;
        let s = |tag: Tag, v: &Option<String>| v.as_ref().map(|x| Element::text(tag, x.clone()));
        let n = |tag: Tag, v: Option<u32>| v.map(|x| Element::text(tag, x.to_string()));
        let b =
            |tag: Tag, v: Option<bool>| v.map(|x| Element::text(tag, if x { "1" } else { "0" }));
        let mut d = Element::new(a::ApplicationData).with_opt(s(t::Subject, &self.subject));
        if let Some(text) = &self.body {
            d.push(body_element(text));
        }
        d = d
            .with_opt(n(t::Importance, self.importance.map(u32::from)))
            .with_opt(s(t::UtcStartDate, &self.utc_start_date))
            .with_opt(s(t::StartDate, &self.start_date))
            .with_opt(s(t::UtcDueDate, &self.utc_due_date))
            .with_opt(s(t::DueDate, &self.due_date))
            .with_opt(list_element(t::Categories, t::Category, &self.categories));
        if let Some(r) = &self.recurrence {
            d.push(
                Element::new(t::Recurrence)
                    .with(Element::text(t::Type, r.recurrence_type.to_string()))
                    .with_opt(s(t::Start, &r.start))
                    .with_opt(s(t::Until, &r.until))
                    .with_opt(n(t::Occurrences, r.occurrences))
                    .with_opt(n(t::Interval, r.interval.map(u32::from)))
                    .with_opt(n(t::DayOfWeek, r.day_of_week.map(u32::from)))
                    .with_opt(n(t::DayOfMonth, r.day_of_month.map(u32::from)))
                    .with_opt(n(t::WeekOfMonth, r.week_of_month.map(u32::from)))
                    .with_opt(n(t::MonthOfYear, r.month_of_year.map(u32::from)))
                    .with_opt(b(t::Regenerate, r.regenerate))
                    .with_opt(b(t::DeadOccur, r.dead_occur))
                    .with_opt(n(t::CalendarType, r.calendar_type.map(u32::from)))
                    .with_opt(b(t::IsLeapMonth, r.is_leap_month))
                    .with_opt(n(t::FirstDayOfWeek, r.first_day_of_week.map(u32::from))),
            );
        }
        d = d
            .with(Element::text(
                t::Complete,
                if self.complete { "1" } else { "0" },
            ))
            .with_opt(s(t::DateCompleted, &self.date_completed))
            .with_opt(n(t::Sensitivity, self.sensitivity.map(u32::from)))
            .with_opt(s(t::ReminderTime, &self.reminder_time))
            .with(Element::text(
                t::ReminderSet,
                if self.reminder_set { "1" } else { "0" },
            ))
            .with_opt(s(t::OrdinalDate, &self.ordinal_date))
            .with_opt(s(t::SubOrdinalDate, &self.sub_ordinal_date));
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Task {
        Task {
            subject: Some("Angebot nachfassen".into()),
            body: Some("Grüße an den Einkauf".into()),
            importance: Some(2),
            utc_start_date: Some("2026-12-01T08:00:00.000Z".into()),
            start_date: Some("2026-12-01T09:00:00.000Z".into()),
            utc_due_date: Some("2026-12-04T16:00:00.000Z".into()),
            due_date: Some("2026-12-04T17:00:00.000Z".into()),
            categories: vec!["Vertrieb".into()],
            recurrence: Some(TaskRecurrence {
                recurrence_type: 1,
                start: Some("2026-12-01T08:00:00.000Z".into()),
                interval: Some(1),
                day_of_week: Some(2),
                occurrences: Some(4),
                regenerate: Some(false),
                dead_occur: Some(false),
                ..TaskRecurrence::default()
            }),
            complete: true,
            date_completed: Some("2026-12-03T10:00:00.000Z".into()),
            sensitivity: Some(0),
            reminder_time: Some("2026-12-04T15:30:00.000Z".into()),
            reminder_set: true,
            ordinal_date: None,
            sub_ordinal_date: None,
        }
    }

    #[test]
    fn task_round_trips_through_wbxml() {
        let x = sample();
        let bytes = kontor_wbxml::encode(&x.to_application_data().unwrap()).unwrap();
        let back = Task::from_application_data(&kontor_wbxml::decode(bytes).unwrap().to_element());
        assert_eq!(back, x);
    }

    #[test]
    fn sogo_null_reminder_time_is_dropped_not_fatal() {
        let d = Element::new(a::ApplicationData)
            .with(Element::text(t::Subject, "Kein Start"))
            .with(Element::text(t::ReminderSet, "1"))
            .with(Element::text(t::ReminderTime, "(null)"))
            .with(Element::text(t::Importance, "hoch"))
            .with(Element::text(t::UtcDueDate, "2026-12-04T16:00:00.000Z"));
        let x = Task::from_application_data(&d);
        assert_eq!(x.subject.as_deref(), Some("Kein Start"));
        assert!(x.reminder_set);
        assert_eq!(x.reminder_time, None);
        assert_eq!(x.importance, None);
        assert_eq!(x.utc_due_date.as_deref(), Some("2026-12-04T16:00:00.000Z"));
        // Sending it back as read would be refused: the reminder has no time.
        assert!(matches!(
            x.to_application_data(),
            Err(EasError::InvalidItem { class: "Tasks", .. })
        ));
    }

    #[test]
    fn strict_output_checks_the_pairs() {
        let ok = Task {
            subject: Some("x".into()),
            ..Task::default()
        };
        assert!(ok.validate().is_ok());
        let cases = [
            Task {
                due_date: Some("2026-12-04T17:00:00.000Z".into()),
                ..ok.clone()
            },
            Task {
                utc_start_date: Some("2026-12-04T17:00:00.000Z".into()),
                ..ok.clone()
            },
            Task {
                complete: true,
                ..ok.clone()
            },
            Task {
                reminder_set: true,
                ..ok.clone()
            },
            Task {
                reminder_time: Some("morgen".into()),
                ..ok.clone()
            },
            Task {
                recurrence: Some(TaskRecurrence::default()),
                ..ok.clone()
            },
        ];
        for c in cases {
            let err = c.validate().unwrap_err();
            assert!(matches!(err, EasError::InvalidItem { .. }), "{err:?}");
            assert!(!err.to_string().is_empty());
        }
    }
}
