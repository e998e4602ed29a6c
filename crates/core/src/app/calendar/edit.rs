//! Changing a stored event's iCalendar text: the dialog's view of it (a draft), the whole
//! series, one occurrence (an override VEVENT with RECURRENCE-ID, RFC 5545 §3.8.4.4) and a
//! deleted occurrence (an EXDATE, §3.8.5.1). Pure functions over the text, so the rules are
//! tested without a store; `Kontor`'s methods in `calendar.rs` queue what they return.

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use kontor_calendar::tz::Resolver;
use kontor_calendar::{Calendar, DateOrTime, Item, Trigger, Zone};

use super::{EventDraft, apply_draft};
use crate::error::CoreError;

fn parse(ical: &str) -> Result<Calendar, CoreError> {
    Calendar::parse(ical).map_err(|e| CoreError::InvalidInput(e.to_string()))
}

fn resolver(cal: &Calendar) -> Resolver {
    Resolver::from_vtimezones(cal.timezones.iter())
}

/// The zone a value's wall-clock time is in: its TZID's, else the user's (floating and
/// all-day values are placed in the user's zone, as the store does).
fn zone_of(d: &DateOrTime, r: &Resolver, zone: &Zone) -> Zone {
    match d {
        DateOrTime::Zoned { tzid, .. } => r.resolve(tzid).unwrap_or_else(|| zone.clone()),
        DateOrTime::Utc(_) => Zone::Utc,
        _ => zone.clone(),
    }
}

/// The instant of a value (what the store keys occurrences by).
fn instant(d: &DateOrTime, r: &Resolver, zone: &Zone) -> DateTime<Utc> {
    match d {
        DateOrTime::Utc(t) => *t,
        DateOrTime::Date(day) => zone.local_to_utc(day.and_time(NaiveTime::MIN)),
        _ => zone_of(d, r, zone).local_to_utc(d.naive()),
    }
}

/// The instant of a value of `cal` (its own VTIMEZONEs known).
pub(crate) fn instant_in(cal: &Calendar, d: &DateOrTime, zone: &Zone) -> DateTime<Utc> {
    instant(d, &resolver(cal), zone)
}

/// `at` written the way `like` is (a DATE, floating, UTC or in `like`'s TZID): a RECURRENCE-ID
/// or EXDATE must have the value type of the series' DTSTART (RFC 5545 §3.8.4.4, §3.8.5.1).
fn written_like(like: &DateOrTime, at: DateTime<Utc>, r: &Resolver, zone: &Zone) -> DateOrTime {
    match like {
        DateOrTime::Date(_) => DateOrTime::Date(zone.utc_to_local(at).date()),
        DateOrTime::Floating(_) => DateOrTime::Floating(zone.utc_to_local(at)),
        DateOrTime::Utc(_) => DateOrTime::Utc(at),
        DateOrTime::Zoned { tzid, .. } => DateOrTime::Zoned {
            local: zone_of(like, r, zone).utc_to_local(at),
            tzid: tzid.clone(),
        },
    }
}

fn is_series(item: &Item) -> bool {
    item.rrule.is_some() || !item.rdates.is_empty()
}

fn master_index(cal: &Calendar, uid: &str) -> Result<usize, CoreError> {
    cal.items
        .iter()
        .position(|i| i.uid == uid && i.recurrence_id.is_none())
        .ok_or_else(|| CoreError::InvalidInput("the event has no master item".into()))
}

/// The override of the instance `at`, if the text holds one.
fn override_index(
    cal: &Calendar,
    uid: &str,
    at: DateTime<Utc>,
    r: &Resolver,
    zone: &Zone,
) -> Option<usize> {
    cal.items.iter().position(|i| {
        i.uid == uid
            && i.recurrence_id
                .as_ref()
                .is_some_and(|rid| instant(rid, r, zone) == at)
    })
}

/// The end of an item as an instant (DTEND, else DTSTART + DURATION, else its start, or the
/// next day for an all-day one, RFC 5545 §3.6.1).
fn end_instant(item: &Item, start: &DateOrTime, r: &Resolver, zone: &Zone) -> DateTime<Utc> {
    if let Some(end) = &item.end {
        return instant(end, r, zone);
    }
    let z = zone_of(start, r, zone);
    match (&item.duration, start) {
        (Some(d), _) => d.after(&z, start.naive()),
        (None, DateOrTime::Date(day)) => {
            zone.local_to_utc((*day + TimeDelta::days(1)).and_time(NaiveTime::MIN))
        }
        (None, _) => instant(start, r, zone),
    }
}

/// Minutes before the start of the item's first reminder, if it has one the dialog can show.
fn reminder_minutes(item: &Item) -> Option<u32> {
    item.alarms.iter().find_map(|a| match a.trigger {
        Trigger::Relative { offset, related }
            if related == kontor_calendar::model::Related::Start && offset <= TimeDelta::zero() =>
        {
            u32::try_from(-offset.num_minutes()).ok()
        }
        _ => None,
    })
}

/// What the dialog shows for an event: the series (or the single event) when `instance` is
/// `None`, else that occurrence (its override, or the series' fields at the instance's time).
/// Returns the draft and whether the event is a series.
pub(crate) fn form(
    ical: &str,
    uid: &str,
    calendar_id: i64,
    instance: Option<DateTime<Utc>>,
    zone: &Zone,
) -> Result<(EventDraft, bool), CoreError> {
    let cal = parse(ical)?;
    let r = resolver(&cal);
    let master = &cal.items[master_index(&cal, uid)?];
    let series = is_series(master);
    let m_start = master
        .start
        .as_ref()
        .ok_or_else(|| CoreError::InvalidInput("the event has no start".into()))?;
    let (item, start, end) = match instance.filter(|_| series) {
        Some(at) => match override_index(&cal, uid, at, &r, zone) {
            Some(i) => {
                let o = &cal.items[i];
                let s = o.start.as_ref().unwrap_or(m_start);
                (o, instant(s, &r, zone), end_instant(o, s, &r, zone))
            }
            None => {
                let length = end_instant(master, m_start, &r, zone) - instant(m_start, &r, zone);
                (master, at, at + length)
            }
        },
        None => (
            master,
            instant(m_start, &r, zone),
            end_instant(master, m_start, &r, zone),
        ),
    };
    let time_zone = item
        .start
        .as_ref()
        .and_then(DateOrTime::tzid)
        .filter(|t| kontor_calendar::tz::zone_by_name(t).is_some())
        .map(str::to_string);
    let draft = EventDraft {
        calendar_id,
        summary: item.summary.clone().unwrap_or_default(),
        location: item.location.clone(),
        description: item.description.clone(),
        start,
        end,
        all_day: item.is_all_day(),
        time_zone,
        reminder_minutes: reminder_minutes(item),
        show_as: Some(super::ShowAs::of(item)),
        private: Some(item.extra_value("CLASS").is_some_and(|c| {
            matches!(
                c.trim().to_ascii_uppercase().as_str(),
                "PRIVATE" | "CONFIDENTIAL"
            )
        })),
        rrule: if instance.is_some() && series {
            None
        } else {
            master.rrule.as_ref().map(|r| r.to_value())
        },
        uid: Some(uid.to_string()),
        // The series' invited people (not the organizer), as `Name <address>`.
        attendees: Some(
            master
                .attendees
                .iter()
                .filter(|a| {
                    !master
                        .organizer
                        .as_ref()
                        .is_some_and(|o| o.email.eq_ignore_ascii_case(&a.email))
                })
                .map(|a| {
                    crate::compose::ParsedRecipient {
                        text: String::new(),
                        name: a.name.clone().unwrap_or_default(),
                        address: a.email.clone(),
                        valid: true,
                    }
                    .display()
                })
                .collect(),
        ),
    };
    Ok((draft, series))
}

/// The series (or single event) changed to `draft`. Overrides and EXDATEs are kept; when the
/// start moves (a drag of the whole series, or a new time in the dialog) they move by the same
/// wall-clock amount, so they still name the instances they meant.
pub(crate) fn update_series(
    ical: &str,
    uid: &str,
    draft: &EventDraft,
    zone: &Zone,
) -> Result<String, CoreError> {
    let mut cal = parse(ical)?;
    let r = resolver(&cal);
    let idx = master_index(&cal, uid)?;
    let old = cal.items[idx].start.clone();
    apply_draft(&mut cal.items[idx], draft, zone)?;
    cal.items[idx].sequence += 1;
    let new = cal.items[idx]
        .start
        .clone()
        .expect("a draft sets the start");
    if let Some(old) = old.filter(|o| o.is_date() == new.is_date()) {
        let z = zone_of(&new, &r, zone);
        let delta =
            z.utc_to_local(instant(&new, &r, zone)) - z.utc_to_local(instant(&old, &r, zone));
        if delta != TimeDelta::zero() {
            let shift = |d: &DateOrTime| -> DateOrTime {
                let local: NaiveDateTime = z.utc_to_local(instant(d, &r, zone)) + delta;
                written_like(&new, z.local_to_utc(local), &r, zone)
            };
            let m = &mut cal.items[idx];
            m.exdates = m.exdates.iter().map(shift).collect();
            for o in cal.items.iter_mut().filter(|i| i.uid == uid) {
                if let Some(rid) = o.recurrence_id.as_ref() {
                    o.recurrence_id = Some(shift(rid));
                }
            }
        }
    }
    Ok(cal.to_ics())
}

/// One occurrence (the instance that starts at `at` by the series' rule) changed to `draft`:
/// an override VEVENT with RECURRENCE-ID, replacing the one that instance had.
pub(crate) fn update_occurrence(
    ical: &str,
    uid: &str,
    at: DateTime<Utc>,
    draft: &EventDraft,
    zone: &Zone,
) -> Result<String, CoreError> {
    let mut cal = parse(ical)?;
    let r = resolver(&cal);
    let master = cal.items[master_index(&cal, uid)?].clone();
    if !is_series(&master) {
        return Err(CoreError::InvalidInput(
            "the event is not a series: change the event itself".into(),
        ));
    }
    let m_start = master
        .start
        .as_ref()
        .ok_or_else(|| CoreError::InvalidInput("the event has no start".into()))?;
    let rid = written_like(m_start, at, &r, zone);
    let (pos, mut item) = match override_index(&cal, uid, at, &r, zone) {
        Some(i) => (i, cal.items.remove(i)),
        None => {
            let mut o = master.clone();
            o.rrule = None;
            o.rdates.clear();
            o.exdates.clear();
            o.this_and_future = false;
            (cal.items.len(), o)
        }
    };
    apply_draft(
        &mut item,
        &EventDraft {
            rrule: None,
            ..draft.clone()
        },
        zone,
    )?;
    item.recurrence_id = Some(rid);
    item.this_and_future = false;
    item.sequence = item.sequence.max(master.sequence) + 1;
    cal.items.insert(pos, item);
    Ok(cal.to_ics())
}

/// One occurrence deleted: an EXDATE on the series for the instance at `at` (written like its
/// DTSTART), and that instance's override gone.
pub(crate) fn delete_occurrence(
    ical: &str,
    uid: &str,
    at: DateTime<Utc>,
    zone: &Zone,
) -> Result<String, CoreError> {
    let mut cal = parse(ical)?;
    let r = resolver(&cal);
    let idx = master_index(&cal, uid)?;
    if !is_series(&cal.items[idx]) {
        return Err(CoreError::InvalidInput(
            "the event is not a series: delete the event itself".into(),
        ));
    }
    let m_start = cal.items[idx]
        .start
        .clone()
        .ok_or_else(|| CoreError::InvalidInput("the event has no start".into()))?;
    let ex = written_like(&m_start, at, &r, zone);
    let m = &mut cal.items[idx];
    if !m.exdates.iter().any(|e| instant(e, &r, zone) == at) {
        m.exdates.push(ex);
    }
    m.sequence += 1;
    cal.items.retain(|i| {
        i.uid != uid
            || i.recurrence_id
                .as_ref()
                .is_none_or(|rid| instant(rid, &r, zone) != at)
    });
    Ok(cal.to_ics())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn berlin() -> Zone {
        Zone::Iana(chrono_tz::Europe::Berlin)
    }

    /// A weekly series on Tuesdays 10:00 Berlin time from 6 October 2026 (before the DST end on
    /// 25 October), with one moved occurrence (13 October to 14:00).
    const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20261001T000000Z\r\nSUMMARY:Jour fixe\r\n\
DTSTART;TZID=Europe/Berlin:20261006T100000\r\nDTEND;TZID=Europe/Berlin:20261006T110000\r\n\
RRULE:FREQ=WEEKLY;BYDAY=TU\r\nSEQUENCE:2\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20261001T000000Z\r\nSUMMARY:Jour fixe\r\n\
RECURRENCE-ID;TZID=Europe/Berlin:20261013T100000\r\n\
DTSTART;TZID=Europe/Berlin:20261013T140000\r\nDTEND;TZID=Europe/Berlin:20261013T150000\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn draft_at(start: DateTime<Utc>, end: DateTime<Utc>, summary: &str) -> EventDraft {
        EventDraft {
            calendar_id: 1,
            summary: summary.into(),
            location: None,
            description: None,
            start,
            end,
            all_day: false,
            time_zone: None,
            reminder_minutes: Some(15),
            rrule: None,
            uid: None,
            attendees: None,
            show_as: None,
            private: None,
        }
    }

    fn lines(ics: &str, name: &str) -> Vec<String> {
        ics.lines()
            .filter(|l| l.starts_with(name))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn an_occurrence_after_the_dst_change_gets_a_recurrence_id_in_the_series_zone() {
        // 3 November 2026, 10:00 CET = 09:00 UTC (an hour later in UTC than in October).
        let at = utc(2026, 11, 3, 9, 0);
        let ics = update_occurrence(
            SERIES,
            "weekly-1",
            at,
            &draft_at(utc(2026, 11, 3, 12, 0), utc(2026, 11, 3, 13, 0), "Moved"),
            &berlin(),
        )
        .unwrap();
        let rids = lines(&ics, "RECURRENCE-ID");
        assert_eq!(
            rids,
            vec![
                "RECURRENCE-ID;TZID=Europe/Berlin:20261013T100000",
                "RECURRENCE-ID;TZID=Europe/Berlin:20261103T100000",
            ]
        );
        assert!(ics.contains("DTSTART;TZID=Europe/Berlin:20261103T130000"));
        let cal = Calendar::parse(&ics).unwrap();
        let o = cal
            .overrides("weekly-1")
            .find(|o| o.summary.as_deref() == Some("Moved"))
            .unwrap();
        assert!(o.rrule.is_none(), "an override has no RRULE");
        assert_eq!(o.sequence, 3);
        // The series itself is untouched.
        let master = cal.master("weekly-1").unwrap();
        assert_eq!(
            master.rrule.as_ref().map(|r| r.to_value()).as_deref(),
            Some("FREQ=WEEKLY;BYDAY=TU")
        );
        assert_eq!(master.sequence, 2);
    }

    #[test]
    fn an_occurrence_with_an_override_has_it_replaced_not_doubled() {
        // 13 October 10:00 CEST = 08:00 UTC: the instance the existing override stands for.
        let at = utc(2026, 10, 13, 8, 0);
        let ics = update_occurrence(
            SERIES,
            "weekly-1",
            at,
            &draft_at(utc(2026, 10, 13, 14, 0), utc(2026, 10, 13, 15, 0), "Later"),
            &berlin(),
        )
        .unwrap();
        let cal = Calendar::parse(&ics).unwrap();
        let overrides: Vec<_> = cal.overrides("weekly-1").collect();
        assert_eq!(overrides.len(), 1, "{ics}");
        assert_eq!(overrides[0].summary.as_deref(), Some("Later"));
        assert!(
            ics.contains("DTSTART;TZID=Europe/Berlin:20261013T160000"),
            "{ics}"
        );
        assert_eq!(
            lines(&ics, "RECURRENCE-ID"),
            vec!["RECURRENCE-ID;TZID=Europe/Berlin:20261013T100000"]
        );
    }

    #[test]
    fn a_deleted_occurrence_is_an_exdate_in_the_series_zone_and_its_override_goes() {
        let ics =
            delete_occurrence(SERIES, "weekly-1", utc(2026, 10, 13, 8, 0), &berlin()).unwrap();
        assert_eq!(
            lines(&ics, "EXDATE"),
            vec!["EXDATE;TZID=Europe/Berlin:20261013T100000"]
        );
        assert!(lines(&ics, "RECURRENCE-ID").is_empty(), "{ics}");
        // Deleting it again adds no second EXDATE.
        let again =
            delete_occurrence(&ics, "weekly-1", utc(2026, 10, 13, 8, 0), &berlin()).unwrap();
        assert_eq!(lines(&again, "EXDATE").len(), 1);
        // After the DST change: 10:00 CET is 09:00 UTC.
        let nov = delete_occurrence(SERIES, "weekly-1", utc(2026, 11, 3, 9, 0), &berlin()).unwrap();
        assert_eq!(
            lines(&nov, "EXDATE"),
            vec!["EXDATE;TZID=Europe/Berlin:20261103T100000"]
        );
        assert_eq!(lines(&nov, "RECURRENCE-ID").len(), 1);
    }

    #[test]
    fn a_single_event_has_no_occurrences_to_change() {
        let single = SERIES.replace("RRULE:FREQ=WEEKLY;BYDAY=TU\r\n", "");
        let at = utc(2026, 10, 6, 8, 0);
        assert!(delete_occurrence(&single, "weekly-1", at, &berlin()).is_err());
        assert!(
            update_occurrence(&single, "weekly-1", at, &draft_at(at, at, "x"), &berlin()).is_err()
        );
    }

    #[test]
    fn moving_the_series_moves_its_exceptions_with_it() {
        let ics = delete_occurrence(SERIES, "weekly-1", utc(2026, 11, 3, 9, 0), &berlin()).unwrap();
        // The whole series an hour later: 11:00 Berlin from 6 October.
        let mut d = draft_at(utc(2026, 10, 6, 9, 0), utc(2026, 10, 6, 10, 0), "Jour fixe");
        d.rrule = Some("FREQ=WEEKLY;BYDAY=TU".into());
        let moved = update_series(&ics, "weekly-1", &d, &berlin()).unwrap();
        assert!(
            moved.contains("DTSTART;TZID=Europe/Berlin:20261006T110000"),
            "{moved}"
        );
        assert_eq!(
            lines(&moved, "EXDATE"),
            vec!["EXDATE;TZID=Europe/Berlin:20261103T110000"]
        );
        assert_eq!(
            lines(&moved, "RECURRENCE-ID"),
            vec!["RECURRENCE-ID;TZID=Europe/Berlin:20261013T110000"]
        );
        // The override's own time stays where the user put it.
        assert!(moved.contains("DTSTART;TZID=Europe/Berlin:20261013T140000"));
        // Only the title changed: the exceptions stay.
        let renamed = update_series(
            SERIES,
            "weekly-1",
            &EventDraft {
                summary: "Renamed".into(),
                rrule: Some("FREQ=WEEKLY;BYDAY=TU".into()),
                ..draft_at(utc(2026, 10, 6, 8, 0), utc(2026, 10, 6, 9, 0), "")
            },
            &berlin(),
        )
        .unwrap();
        assert_eq!(
            lines(&renamed, "RECURRENCE-ID"),
            vec!["RECURRENCE-ID;TZID=Europe/Berlin:20261013T100000"]
        );
        assert_eq!(lines(&renamed, "SEQUENCE"), vec!["SEQUENCE:3"]);
    }

    #[test]
    fn the_form_shows_an_occurrence_at_its_time_and_the_series_with_its_rule() {
        let (series, recurring) = form(SERIES, "weekly-1", 7, None, &berlin()).unwrap();
        assert!(recurring);
        assert_eq!(series.start, utc(2026, 10, 6, 8, 0));
        assert_eq!(series.end, utc(2026, 10, 6, 9, 0));
        assert_eq!(series.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=TU"));
        assert_eq!(series.reminder_minutes, Some(15));
        assert_eq!(series.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(series.calendar_id, 7);
        // An occurrence after the DST change: its own instant, an hour long, no rule.
        let at = utc(2026, 11, 3, 9, 0);
        let (one, _) = form(SERIES, "weekly-1", 7, Some(at), &berlin()).unwrap();
        assert_eq!((one.start, one.end), (at, utc(2026, 11, 3, 10, 0)));
        assert_eq!(one.rrule, None);
        // The moved one: the override's time.
        let (moved, _) = form(
            SERIES,
            "weekly-1",
            7,
            Some(utc(2026, 10, 13, 8, 0)),
            &berlin(),
        )
        .unwrap();
        assert_eq!(moved.start, utc(2026, 10, 13, 12, 0));
    }

    #[test]
    fn show_as_and_private_are_written_and_read_back() {
        let (plain, _) = form(SERIES, "weekly-1", 7, None, &berlin()).unwrap();
        assert_eq!(plain.show_as, Some(super::super::ShowAs::Busy));
        assert_eq!(plain.private, Some(false));
        let mut d = draft_at(utc(2026, 10, 6, 8, 0), utc(2026, 10, 6, 9, 0), "Arzt");
        d.show_as = Some(super::super::ShowAs::Away);
        d.private = Some(true);
        let out = update_series(SERIES, "weekly-1", &d, &berlin()).unwrap();
        assert_eq!(lines(&out, "CLASS"), ["CLASS:PRIVATE"]);
        assert_eq!(lines(&out, "TRANSP"), ["TRANSP:OPAQUE"]);
        assert_eq!(
            lines(&out, "X-MICROSOFT-CDO-BUSYSTATUS"),
            ["X-MICROSOFT-CDO-BUSYSTATUS:OOF"]
        );
        let (back, _) = form(&out, "weekly-1", 7, None, &berlin()).unwrap();
        assert_eq!(back.show_as, Some(super::super::ShowAs::Away));
        assert_eq!(back.private, Some(true));
        // Free, public again: TRANSPARENT, and CLASS written as PUBLIC (an ActiveSync change
        // without Sensitivity would keep PRIVATE on the server).
        d.show_as = Some(super::super::ShowAs::Free);
        d.private = Some(false);
        let again = update_series(&out, "weekly-1", &d, &berlin()).unwrap();
        assert_eq!(lines(&again, "CLASS"), ["CLASS:PUBLIC"]);
        assert_eq!(lines(&again, "TRANSP"), ["TRANSP:TRANSPARENT"]);
        let (free, _) = form(&again, "weekly-1", 7, None, &berlin()).unwrap();
        assert_eq!(free.show_as, Some(super::super::ShowAs::Free));
        // A server that writes only TRANSP.
        let transparent = SERIES.replace("SEQUENCE:2\r\n", "SEQUENCE:2\r\nTRANSP:TRANSPARENT\r\n");
        let (t, _) = form(&transparent, "weekly-1", 7, None, &berlin()).unwrap();
        assert_eq!(t.show_as, Some(super::super::ShowAs::Free));
    }

    #[test]
    fn an_all_day_series_gets_date_exceptions() {
        let all_day = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20261001T000000Z\r\nSUMMARY:Ausflug\r\n\
DTSTART;VALUE=DATE:20261005\r\nDTEND;VALUE=DATE:20261006\r\nRRULE:FREQ=DAILY\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";
        // 7 October, midnight in Berlin.
        let at = utc(2026, 10, 6, 22, 0);
        let ics = delete_occurrence(all_day, "d", at, &berlin()).unwrap();
        assert_eq!(lines(&ics, "EXDATE"), vec!["EXDATE;VALUE=DATE:20261007"]);
        let mut d = draft_at(at, utc(2026, 10, 7, 22, 0), "Ausflug");
        d.all_day = true;
        let ics = update_occurrence(all_day, "d", at, &d, &berlin()).unwrap();
        assert_eq!(
            lines(&ics, "RECURRENCE-ID"),
            vec!["RECURRENCE-ID;VALUE=DATE:20261007"]
        );
    }
}
