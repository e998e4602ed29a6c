//! ActiveSync calendar items between the wire and the calendar model, written once.
//!
//! `kontor-eas` reads and writes the MS-ASCAL elements of a Sync `ApplicationData` as
//! [`kontor_eas::calendar::Event`] — strings as the server sent them, no date library.
//! `kontor-calendar` maps [`EasCalendarItem`] (typed times, the raw TimeZone blob) to and from
//! the iCalendar model. The two structs mirror the same MS-ASCAL 2.2.2 fields; this module is
//! the only place that converts between them:
//!
//! ```text
//! WBXML ─kontor-eas─▶ Event ─event_to_item─▶ EasCalendarItem ─from_eas─▶ Calendar (iCalendar)
//! Calendar ─to_eas─▶ EasCalendarItem ─item_to_event─▶ Event ─kontor-eas─▶ WBXML
//! ```
//!
//! Times: MS-ASDTYPE 2.7.2 allows the compact form `20261127T130000Z` and the extended form
//! `2026-11-27T13:00:00.000Z`; both are read, the compact form is written (what Exchange and
//! Z-Push send for calendar items). A time that is not one of those is an error naming the
//! element, never a silent `None`, so a broken item is reported and skipped rather than stored
//! at a wrong time.
//!
//! What the mapping carries (MS-ASCAL → RFC 5545, in `kontor-calendar::eas`): the TimeZone blob
//! (MS-ASDTYPE 2.7.6) becomes the items' TZID — an all-zero blob (Kopano/Z-Push) uses the
//! user's zone; `AllDayEvent` becomes DATE values; `Reminder` minutes become a DISPLAY VALARM
//! `-PT<n>M`; `Recurrence` becomes an RRULE; deleted `Exception`s become EXDATEs and changed
//! ones overrides with their own RECURRENCE-ID. `ResponseType` (the user's own answer to a
//! meeting, MS-ASCAL 2.2.2.38) has no place in the model and is not carried.

use chrono::{DateTime, NaiveDateTime, Utc};
use kontor_calendar::eas::{
    EasAttendee, EasCalendarItem, EasException, EasRecurrence, from_eas, to_eas,
};
use kontor_calendar::{Calendar, Error, Zone};
use kontor_eas::calendar::{Attendee, Event, Exception, Recurrence};

/// Reads an MS-ASDTYPE 2.7.2 date-time (compact or extended form, always UTC).
pub fn parse_eas_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.fZ"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ"))
        .ok()
        .map(|n| n.and_utc())
}

/// Writes the compact MS-ASDTYPE 2.7.2 form.
pub fn format_eas_time(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn time(element: &str, v: &Option<String>) -> Result<Option<DateTime<Utc>>, Error> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_eas_time(s)
            .map(Some)
            .ok_or_else(|| Error::Eas(format!("{element} {s:?} is not an ActiveSync date-time"))),
    }
}

fn attendee_in(a: &Attendee) -> EasAttendee {
    EasAttendee {
        email: a.email.clone(),
        name: a.name.clone(),
        status: a.status,
        attendee_type: a.attendee_type,
    }
}

fn attendee_out(a: &EasAttendee) -> Attendee {
    Attendee {
        email: a.email.clone(),
        name: a.name.clone(),
        status: a.status,
        attendee_type: a.attendee_type,
    }
}

/// The wire event as the calendar crate's typed item.
pub fn event_to_item(e: &Event) -> Result<EasCalendarItem, Error> {
    let recurrence = match &e.recurrence {
        None => None,
        Some(r) => Some(EasRecurrence {
            recurrence_type: r.recurrence_type,
            interval: r.interval,
            until: time("Recurrence/Until", &r.until)?,
            occurrences: r.occurrences,
            week_of_month: r.week_of_month,
            day_of_month: r.day_of_month,
            day_of_week: r.day_of_week,
            month_of_year: r.month_of_year,
            first_day_of_week: r.first_day_of_week,
        }),
    };
    let mut exceptions = Vec::with_capacity(e.exceptions.len());
    for x in &e.exceptions {
        let exception_start_time = parse_eas_time(&x.exception_start_time).ok_or_else(|| {
            Error::Eas(format!(
                "Exception/ExceptionStartTime {:?} is not an ActiveSync date-time",
                x.exception_start_time
            ))
        })?;
        exceptions.push(EasException {
            deleted: x.deleted,
            exception_start_time,
            subject: x.subject.clone(),
            start_time: time("Exception/StartTime", &x.start_time)?,
            end_time: time("Exception/EndTime", &x.end_time)?,
            location: x.location.clone(),
            body: x.body.clone(),
            reminder: x.reminder,
            all_day_event: x.all_day_event,
            busy_status: x.busy_status,
            meeting_status: x.meeting_status,
            attendees: x
                .attendees
                .as_ref()
                .map(|a| a.iter().map(attendee_in).collect()),
        });
    }
    Ok(EasCalendarItem {
        timezone: e.timezone.as_ref().map(|b| b.to_vec()),
        uid: e.uid.clone().filter(|u| !u.trim().is_empty()),
        dtstamp: time("DtStamp", &e.dtstamp)?,
        start_time: time("StartTime", &e.start_time)?,
        end_time: time("EndTime", &e.end_time)?,
        all_day_event: e.all_day_event,
        subject: e.subject.clone(),
        location: e.location.clone(),
        body: e.body.clone(),
        reminder: e.reminder,
        busy_status: e.busy_status,
        sensitivity: e.sensitivity,
        meeting_status: e.meeting_status,
        organizer_email: e.organizer_email.clone(),
        organizer_name: e.organizer_name.clone(),
        attendees: e.attendees.iter().map(attendee_in).collect(),
        categories: e.categories.clone(),
        recurrence,
        exceptions,
        response_requested: e.response_requested,
    })
}

/// The calendar crate's item as the wire event (compact times).
pub fn item_to_event(i: &EasCalendarItem) -> Event {
    let t = |v: Option<DateTime<Utc>>| v.map(format_eas_time);
    Event {
        timezone: i.timezone.clone().map(Into::into),
        uid: i.uid.clone(),
        dtstamp: t(i.dtstamp),
        start_time: t(i.start_time),
        end_time: t(i.end_time),
        all_day_event: i.all_day_event,
        subject: i.subject.clone(),
        location: i.location.clone(),
        body: i.body.clone(),
        reminder: i.reminder,
        busy_status: i.busy_status,
        sensitivity: i.sensitivity,
        meeting_status: i.meeting_status,
        organizer_email: i.organizer_email.clone(),
        organizer_name: i.organizer_name.clone(),
        attendees: i.attendees.iter().map(attendee_out).collect(),
        categories: i.categories.clone(),
        recurrence: i.recurrence.as_ref().map(|r| Recurrence {
            recurrence_type: r.recurrence_type,
            interval: r.interval,
            until: t(r.until),
            occurrences: r.occurrences,
            week_of_month: r.week_of_month,
            day_of_month: r.day_of_month,
            day_of_week: r.day_of_week,
            month_of_year: r.month_of_year,
            first_day_of_week: r.first_day_of_week,
        }),
        exceptions: i
            .exceptions
            .iter()
            .map(|x| Exception {
                deleted: x.deleted,
                exception_start_time: format_eas_time(x.exception_start_time),
                subject: x.subject.clone(),
                start_time: t(x.start_time),
                end_time: t(x.end_time),
                location: x.location.clone(),
                body: x.body.clone(),
                reminder: x.reminder,
                all_day_event: x.all_day_event,
                busy_status: x.busy_status,
                meeting_status: x.meeting_status,
                attendees: x
                    .attendees
                    .as_ref()
                    .map(|a| a.iter().map(attendee_out).collect()),
            })
            .collect(),
        response_requested: i.response_requested,
        response_type: None,
    }
}

/// A wire event as an iCalendar object (series master plus overrides). `server_id` is the UID
/// when the item has none; `fallback` is the user's zone for an all-zero TimeZone blob.
pub fn event_to_calendar(e: &Event, server_id: &str, fallback: &Zone) -> Result<Calendar, Error> {
    from_eas(&event_to_item(e)?, server_id, fallback)
}

/// The series `uid` of an iCalendar object as a wire event for a Sync Add or Change.
pub fn calendar_to_event(cal: &Calendar, uid: &str, fallback: &Zone) -> Result<Event, Error> {
    Ok(item_to_event(&to_eas(cal, uid, fallback)?))
}

/// The user's zone: the system's IANA zone, UTC when it cannot be determined.
pub fn local_zone() -> Zone {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| kontor_calendar::tz::zone_by_name(&name))
        .unwrap_or(Zone::Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use kontor_calendar::eas_tz::EasTimeZone;
    use kontor_calendar::{DateOrTime, Related, Trigger};

    fn berlin() -> Zone {
        Zone::Iana(chrono_tz::Europe::Berlin)
    }

    fn blob_berlin() -> kontor_wbxml::Bytes {
        EasTimeZone::from_iana(chrono_tz::Europe::Berlin)
            .encode()
            .into()
    }

    /// A weekly series across the March DST change with one deleted and one moved instance,
    /// as SOGo sends it (compact times, Berlin blob, 15-minute reminder).
    fn series() -> Event {
        Event {
            timezone: Some(blob_berlin()),
            uid: Some("conv-uid-1".into()),
            dtstamp: Some("20260301T100000Z".into()),
            start_time: Some("20260311T080000Z".into()),
            end_time: Some("20260311T090000Z".into()),
            subject: Some("Jour fixe".into()),
            location: Some("Raum 2".into()),
            reminder: Some(15),
            busy_status: Some(2),
            meeting_status: Some(0),
            recurrence: Some(Recurrence {
                recurrence_type: 1,
                interval: Some(1),
                occurrences: Some(5),
                day_of_week: Some(8),
                ..Default::default()
            }),
            exceptions: vec![
                Exception {
                    deleted: true,
                    exception_start_time: "20260318T080000Z".into(),
                    ..Default::default()
                },
                Exception {
                    exception_start_time: "2026-04-01T07:00:00.000Z".into(),
                    start_time: Some("20260401T120000Z".into()),
                    end_time: Some("20260401T130000Z".into()),
                    subject: Some("Jour fixe (verschoben)".into()),
                    reminder: Some(5),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn both_time_forms_are_read_and_garbage_is_an_error() {
        let want = Utc.with_ymd_and_hms(2026, 11, 27, 13, 0, 0).unwrap();
        assert_eq!(parse_eas_time("20261127T130000Z"), Some(want));
        assert_eq!(parse_eas_time("2026-11-27T13:00:00.000Z"), Some(want));
        assert_eq!(parse_eas_time(" 2026-11-27T13:00:00Z "), Some(want));
        assert_eq!(format_eas_time(want), "20261127T130000Z");
        let mut e = series();
        e.start_time = Some("(null)".into());
        let err = event_to_item(&e).unwrap_err();
        assert!(err.to_string().contains("StartTime"), "{err}");
    }

    #[test]
    fn series_with_exceptions_becomes_master_exdate_and_override() {
        let cal = event_to_calendar(&series(), "srv-1", &Zone::Utc).unwrap();
        assert_eq!(cal.items.len(), 2, "master plus one override");
        let m = cal.master("conv-uid-1").unwrap();
        // The blob names Berlin: local 09:00, whatever fallback zone was passed.
        assert_eq!(m.start.as_ref().unwrap().tzid(), Some("Europe/Berlin"));
        assert_eq!(
            m.rrule.as_ref().unwrap().to_value(),
            "FREQ=WEEKLY;COUNT=5;BYDAY=WE"
        );
        assert_eq!(m.exdates.len(), 1);
        assert_eq!(
            m.alarms[0].trigger,
            Trigger::Relative {
                offset: chrono::TimeDelta::minutes(-15),
                related: Related::Start
            }
        );
        let from = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
        let occ = cal.expand(from, to, &berlin());
        let starts: Vec<_> = occ.iter().map(|o| o.start).collect();
        assert_eq!(
            starts,
            [
                Utc.with_ymd_and_hms(2026, 3, 11, 8, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 3, 25, 8, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap(),
                // After the DST change the series stays at 09:00 local = 07:00 UTC.
                Utc.with_ymd_and_hms(2026, 4, 8, 7, 0, 0).unwrap(),
            ]
        );
        // Reminder minutes → an alarm per occurrence; the exception has its own.
        assert_eq!(
            occ[0].alarms,
            [Utc.with_ymd_and_hms(2026, 3, 11, 7, 45, 0).unwrap()]
        );
        assert_eq!(
            occ[2].alarms,
            [Utc.with_ymd_and_hms(2026, 4, 1, 11, 55, 0).unwrap()]
        );
        assert!(occ[2].is_override);
        // And iCalendar text round-trips to the same occurrences.
        let again = Calendar::parse(&cal.to_ics()).unwrap();
        assert_eq!(again.expand(from, to, &berlin()), occ);
    }

    #[test]
    fn wire_event_round_trips_through_the_model() {
        let cal = event_to_calendar(&series(), "srv-1", &berlin()).unwrap();
        let back = calendar_to_event(&cal, "conv-uid-1", &berlin()).unwrap();
        let orig = series();
        assert_eq!(back.start_time, orig.start_time);
        assert_eq!(back.end_time, orig.end_time);
        assert_eq!(back.subject, orig.subject);
        assert_eq!(back.location, orig.location);
        assert_eq!(back.reminder, Some(15));
        assert_eq!(back.recurrence.as_ref().unwrap().day_of_week, Some(8));
        assert_eq!(back.recurrence.as_ref().unwrap().occurrences, Some(5));
        assert_eq!(back.exceptions.len(), 2);
        let deleted = back.exceptions.iter().find(|x| x.deleted).unwrap();
        assert_eq!(deleted.exception_start_time, "20260318T080000Z");
        let moved = back.exceptions.iter().find(|x| !x.deleted).unwrap();
        assert_eq!(moved.exception_start_time, "20260401T070000Z");
        assert_eq!(moved.start_time.as_deref(), Some("20260401T120000Z"));
        assert_eq!(moved.reminder, Some(5));
        let tz = EasTimeZone::decode(back.timezone.as_ref().unwrap()).unwrap();
        assert_eq!(tz.to_zone(), Some(berlin()));
        // The wire struct itself survives WBXML ApplicationData both ways.
        let v = kontor_eas::ProtocolVersion::V14_1;
        let el = back.to_application_data(v);
        assert_eq!(Event::from_application_data(&el), back);
    }

    #[test]
    fn all_day_event_is_a_date_in_the_blob_zone() {
        // Berlin midnight = 23:00 UTC the day before (winter).
        let e = Event {
            timezone: Some(blob_berlin()),
            uid: Some("allday-1".into()),
            start_time: Some("20261126T230000Z".into()),
            end_time: Some("20261127T230000Z".into()),
            all_day_event: true,
            subject: Some("Betriebsausflug".into()),
            ..Default::default()
        };
        let cal = event_to_calendar(&e, "srv-2", &Zone::Utc).unwrap();
        let m = &cal.items[0];
        assert_eq!(
            m.start,
            Some(DateOrTime::Date(
                chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
            ))
        );
        assert_eq!(
            m.end,
            Some(DateOrTime::Date(
                chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
            ))
        );
        assert!(m.alarms.is_empty(), "no Reminder, no VALARM");
        let back = calendar_to_event(&cal, "allday-1", &berlin()).unwrap();
        assert!(back.all_day_event);
        assert_eq!(back.start_time.as_deref(), Some("20261126T230000Z"));
        assert_eq!(back.end_time.as_deref(), Some("20261127T230000Z"));
    }

    #[test]
    fn zero_blob_and_missing_uid_use_the_fallbacks() {
        let e = Event {
            timezone: Some(vec![0u8; 172].into()),
            start_time: Some("20261127T080000Z".into()),
            end_time: Some("20261127T090000Z".into()),
            subject: Some("Z-Push".into()),
            reminder: Some(0),
            ..Default::default()
        };
        let cal = event_to_calendar(&e, "srv-3", &berlin()).unwrap();
        let m = &cal.items[0];
        assert_eq!(m.uid, "srv-3");
        assert_eq!(m.start.as_ref().unwrap().tzid(), Some("Europe/Berlin"));
        // Reminder 0 = at the start, still a reminder.
        assert_eq!(m.alarms.len(), 1);
    }

    #[test]
    fn meeting_keeps_organizer_and_attendees() {
        let e = Event {
            timezone: Some(blob_berlin()),
            uid: Some("mtg-1".into()),
            start_time: Some("20261127T080000Z".into()),
            end_time: Some("20261127T090000Z".into()),
            meeting_status: Some(3),
            organizer_email: Some("bob@kontor.test".into()),
            organizer_name: Some("Bob Baker".into()),
            attendees: vec![Attendee {
                email: "alice@kontor.test".into(),
                name: Some("Alice".into()),
                status: Some(3),
                attendee_type: Some(1),
            }],
            ..Default::default()
        };
        let cal = event_to_calendar(&e, "srv-4", &berlin()).unwrap();
        let m = &cal.items[0];
        assert_eq!(m.organizer.as_ref().unwrap().email, "bob@kontor.test");
        assert_eq!(m.attendees[0].partstat, kontor_calendar::PartStat::Accepted);
        let back = calendar_to_event(&cal, "mtg-1", &berlin()).unwrap();
        assert_eq!(back.attendees[0].email, "alice@kontor.test");
        assert_eq!(back.attendees[0].status, Some(3));
        assert_eq!(back.organizer_email.as_deref(), Some("bob@kontor.test"));
    }
}
