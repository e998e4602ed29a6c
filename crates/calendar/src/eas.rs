//! ActiveSync calendar items (MS-ASCAL 2.2.2) as plain data, and their mapping to and from the
//! model.
//!
//! [`EasCalendarItem`] mirrors the MS-ASCAL elements the client uses; it has no WBXML in it.
//! `kontor-eas` decodes the wire format and fills this struct; this module turns it into a
//! [`Calendar`] (master + overrides) and back. All EAS times are UTC (MS-ASDTYPE 2.7.3); the
//! local wall time comes from the TimeZone blob ([`crate::eas_tz`]) or, when the server sends
//! an all-zero blob (Kopano/Z-Push), from the zone the caller passes in.
//! An exception's ExceptionStartTime is matched to the series instance it means
//! ([`series_instance`]): Z-Push sends it off by the zone's UTC offset.

use chrono::{DateTime, TimeDelta, Utc, Weekday};

use crate::Error;
use crate::eas_tz::EasTimeZone;
use crate::ical::ContentLine;
use crate::model::{
    Alarm, Calendar, Item, ItemKind, PartStat, Person, Related, Role, Status, Trigger,
};
use crate::recur::{ByDay, Frequency, Recurrence};
use crate::tz::{Resolver, Zone};
use crate::value::DateOrTime;

/// MS-ASCAL 2.2.2.37 Recurrence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EasRecurrence {
    /// 0 daily, 1 weekly, 2 monthly (day of month), 3 monthly (nth weekday), 5 yearly (date),
    /// 6 yearly (nth weekday of a month).
    pub recurrence_type: u8,
    pub interval: Option<u16>,
    pub until: Option<DateTime<Utc>>,
    pub occurrences: Option<u32>,
    /// 1–5 (5 = last).
    pub week_of_month: Option<u8>,
    pub day_of_month: Option<u8>,
    /// Bit mask: Sunday 1, Monday 2, Tuesday 4, Wednesday 8, Thursday 16, Friday 32, Saturday 64.
    pub day_of_week: Option<u8>,
    pub month_of_year: Option<u8>,
    /// 0 = Sunday … 6 = Saturday (EAS 14.0+).
    pub first_day_of_week: Option<u8>,
}

/// MS-ASCAL 2.2.2.3 Attendee.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EasAttendee {
    pub email: String,
    pub name: Option<String>,
    /// 0 unknown, 2 tentative, 3 accepted, 4 declined, 5 not responded.
    pub status: Option<u8>,
    /// 1 required, 2 optional, 3 resource.
    pub attendee_type: Option<u8>,
}

/// MS-ASCAL 2.2.2.20 Exception. `None` fields are inherited from the series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EasException {
    pub deleted: bool,
    /// The original start of the instance (ExceptionStartTime), UTC.
    pub exception_start_time: DateTime<Utc>,
    pub subject: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub location: Option<String>,
    pub body: Option<String>,
    pub reminder: Option<u32>,
    pub all_day_event: Option<bool>,
    pub busy_status: Option<u8>,
    pub meeting_status: Option<u8>,
    pub attendees: Option<Vec<EasAttendee>>,
}

/// MS-ASCAL 2.2.2 calendar item, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EasCalendarItem {
    /// Raw TimeZone blob bytes (after base64), MS-ASDTYPE 2.7.6.
    pub timezone: Option<Vec<u8>>,
    pub uid: Option<String>,
    pub dtstamp: Option<DateTime<Utc>>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub all_day_event: bool,
    pub subject: Option<String>,
    pub location: Option<String>,
    pub body: Option<String>,
    /// Minutes before the start; `None` = no reminder.
    pub reminder: Option<u32>,
    /// 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere.
    pub busy_status: Option<u8>,
    /// 0 normal, 1 personal, 2 private, 3 confidential.
    pub sensitivity: Option<u8>,
    /// MS-ASCAL 2.2.2.29: 0 appointment, 1 meeting (organizer), 3 received, 5 cancelled
    /// (organizer), 7 cancelled (received), 9/11/13/15 the same for a forwarded meeting.
    pub meeting_status: Option<u8>,
    pub organizer_email: Option<String>,
    pub organizer_name: Option<String>,
    pub attendees: Vec<EasAttendee>,
    pub categories: Vec<String>,
    pub recurrence: Option<EasRecurrence>,
    pub exceptions: Vec<EasException>,
    pub response_requested: Option<bool>,
}

const DAY_BITS: [(u8, Weekday); 7] = [
    (1, Weekday::Sun),
    (2, Weekday::Mon),
    (4, Weekday::Tue),
    (8, Weekday::Wed),
    (16, Weekday::Thu),
    (32, Weekday::Fri),
    (64, Weekday::Sat),
];

fn mask_to_days(mask: u8) -> Vec<Weekday> {
    DAY_BITS
        .iter()
        .filter(|(b, _)| mask & b != 0)
        .map(|(_, d)| *d)
        .collect()
}

fn days_to_mask(days: &[ByDay]) -> u8 {
    days.iter()
        .map(|d| {
            DAY_BITS
                .iter()
                .find(|(_, w)| *w == d.weekday)
                .map(|(b, _)| *b)
                .unwrap_or(0)
        })
        .fold(0, |a, b| a | b)
}

fn partstat_from_eas(s: Option<u8>) -> PartStat {
    match s {
        Some(2) => PartStat::Tentative,
        Some(3) => PartStat::Accepted,
        Some(4) => PartStat::Declined,
        _ => PartStat::NeedsAction,
    }
}

fn partstat_to_eas(p: PartStat) -> u8 {
    match p {
        PartStat::Tentative => 2,
        PartStat::Accepted => 3,
        PartStat::Declined => 4,
        _ => 5,
    }
}

fn busy_to_cdo(b: u8) -> &'static str {
    match b {
        0 => "FREE",
        1 => "TENTATIVE",
        3 => "OOF",
        4 => "WORKINGELSEWHERE",
        _ => "BUSY",
    }
}

fn cdo_to_busy(s: &str) -> u8 {
    match s.trim().to_ascii_uppercase().as_str() {
        "FREE" => 0,
        "TENTATIVE" => 1,
        "OOF" => 3,
        "WORKINGELSEWHERE" => 4,
        _ => 2,
    }
}

fn attendee_from_eas(a: &EasAttendee) -> Person {
    let mut p = Person::new(&a.email);
    p.name = a.name.clone();
    p.partstat = partstat_from_eas(a.status);
    p.role = match a.attendee_type {
        Some(2) => Role::Optional,
        Some(3) => Role::NonParticipant,
        _ => Role::Required,
    };
    if a.attendee_type == Some(3) {
        p.other_params.push(("CUTYPE".into(), "RESOURCE".into()));
    }
    p
}

fn attendee_to_eas(p: &Person) -> EasAttendee {
    let resource = p
        .other_params
        .iter()
        .any(|(n, v)| n == "CUTYPE" && (v == "RESOURCE" || v == "ROOM"));
    EasAttendee {
        email: p.email.clone(),
        name: p.name.clone(),
        status: Some(partstat_to_eas(p.partstat)),
        attendee_type: Some(if resource {
            3
        } else if p.role == Role::Optional {
            2
        } else {
            1
        }),
    }
}

/// Converts the EAS recurrence to an RRULE (MS-ASCAL 2.2.2.37 ↔ RFC 5545 §3.3.10).
pub fn recurrence_from_eas(r: &EasRecurrence) -> Result<Recurrence, Error> {
    let mut rule = Recurrence::new(Frequency::Daily);
    rule.interval = r.interval.filter(|i| *i > 0).unwrap_or(1);
    rule.count = r.occurrences;
    rule.until = r.until.map(DateOrTime::Utc);
    let days = |mask: Option<u8>, ordinal: Option<i16>| {
        mask_to_days(mask.unwrap_or(0))
            .into_iter()
            .map(|weekday| ByDay { ordinal, weekday })
            .collect::<Vec<_>>()
    };
    let week = r.week_of_month.map(|w| if w >= 5 { -1 } else { w as i16 });
    match r.recurrence_type {
        0 if r.day_of_week.is_some_and(|m| m != 0) => {
            // "Every weekday" is sent as daily with a DayOfWeek mask.
            rule.freq = Frequency::Weekly;
            rule.by_day = days(r.day_of_week, None);
        }
        0 => rule.freq = Frequency::Daily,
        1 => {
            rule.freq = Frequency::Weekly;
            rule.by_day = days(r.day_of_week, None);
        }
        2 => {
            rule.freq = Frequency::Monthly;
            rule.by_month_day = r.day_of_month.map(|d| vec![d as i8]).unwrap_or_default();
        }
        3 => {
            rule.freq = Frequency::Monthly;
            rule.by_day = days(r.day_of_week, week);
        }
        5 => {
            rule.freq = Frequency::Yearly;
            rule.by_month = r.month_of_year.map(|m| vec![m]).unwrap_or_default();
            rule.by_month_day = r.day_of_month.map(|d| vec![d as i8]).unwrap_or_default();
        }
        6 => {
            rule.freq = Frequency::Yearly;
            rule.by_month = r.month_of_year.map(|m| vec![m]).unwrap_or_default();
            rule.by_day = days(r.day_of_week, week);
        }
        t => return Err(Error::Eas(format!("unknown recurrence type {t}"))),
    }
    // A multi-day mask with an ordinal ("the last weekday") needs BYSETPOS.
    if matches!(r.recurrence_type, 3 | 6) && rule.by_day.len() > 1 {
        let pos = rule.by_day[0].ordinal.unwrap_or(1) as i32;
        for d in &mut rule.by_day {
            d.ordinal = None;
        }
        rule.by_set_pos = vec![pos];
    }
    rule.week_start = r.first_day_of_week.map(|d| match d {
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        _ => Weekday::Sun,
    });
    Ok(rule)
}

/// Converts an RRULE to the EAS recurrence, or says why it cannot be expressed.
pub fn recurrence_to_eas(
    rule: &Recurrence,
    start_local: chrono::NaiveDateTime,
    zone: &Zone,
) -> Result<EasRecurrence, Error> {
    use chrono::Datelike;
    let unsupported = |why: &str| Error::Unsupported(format!("RRULE {}: {why}", rule.to_value()));
    if !rule.by_hour.is_empty()
        || !rule.by_minute.is_empty()
        || !rule.by_second.is_empty()
        || !rule.by_year_day.is_empty()
        || !rule.by_week_no.is_empty()
    {
        return Err(unsupported(
            "BYHOUR/BYMINUTE/BYSECOND/BYYEARDAY/BYWEEKNO have no EAS equivalent",
        ));
    }
    let mut r = EasRecurrence {
        interval: Some(rule.interval),
        occurrences: rule.count,
        until: rule.until.as_ref().map(|u| match u {
            DateOrTime::Utc(t) => *t,
            DateOrTime::Date(d) => zone.local_to_utc(d.and_hms_opt(23, 59, 59).expect("valid")),
            other => zone.local_to_utc(other.naive()),
        }),
        first_day_of_week: rule.week_start.map(|w| w.num_days_from_sunday() as u8),
        ..Default::default()
    };
    let ordinal = rule
        .by_day
        .first()
        .and_then(|d| d.ordinal)
        .or(rule.by_set_pos.first().map(|p| *p as i16));
    let week = |o: i16| if o < 0 { 5 } else { o.clamp(1, 5) as u8 };
    match rule.freq {
        Frequency::Daily if rule.by_day.is_empty() => r.recurrence_type = 0,
        Frequency::Weekly | Frequency::Daily => {
            r.recurrence_type = 1;
            r.day_of_week = Some(if rule.by_day.is_empty() {
                days_to_mask(&[ByDay {
                    ordinal: None,
                    weekday: start_local.weekday(),
                }])
            } else {
                days_to_mask(&rule.by_day)
            });
        }
        Frequency::Monthly if rule.by_day.is_empty() => {
            r.recurrence_type = 2;
            r.day_of_month = Some(
                rule.by_month_day
                    .first()
                    .map(|d| *d as u8)
                    .unwrap_or(start_local.day() as u8),
            );
        }
        Frequency::Monthly => {
            r.recurrence_type = 3;
            r.day_of_week = Some(days_to_mask(&rule.by_day));
            r.week_of_month = Some(week(ordinal.unwrap_or(1)));
        }
        Frequency::Yearly if rule.by_day.is_empty() => {
            r.recurrence_type = 5;
            r.month_of_year = Some(
                rule.by_month
                    .first()
                    .copied()
                    .unwrap_or(start_local.month() as u8),
            );
            r.day_of_month = Some(
                rule.by_month_day
                    .first()
                    .map(|d| *d as u8)
                    .unwrap_or(start_local.day() as u8),
            );
        }
        Frequency::Yearly => {
            r.recurrence_type = 6;
            r.month_of_year = Some(
                rule.by_month
                    .first()
                    .copied()
                    .unwrap_or(start_local.month() as u8),
            );
            r.day_of_week = Some(days_to_mask(&rule.by_day));
            r.week_of_month = Some(week(ordinal.unwrap_or(1)));
        }
        _ => return Err(unsupported("sub-daily frequencies have no EAS equivalent")),
    }
    Ok(r)
}

/// The zone an EAS item is in: its blob, else `fallback` (the user's zone).
pub fn eas_zone(item: &EasCalendarItem, fallback: &Zone) -> Zone {
    item.timezone
        .as_deref()
        .and_then(|b| EasTimeZone::decode(b).ok())
        .and_then(|tz| tz.to_zone())
        .unwrap_or_else(|| fallback.clone())
}

fn zone_tzid(zone: &Zone) -> Option<String> {
    match zone {
        Zone::Utc => None,
        Zone::Iana(tz) => Some(tz.name().to_string()),
        Zone::Fixed(_) | Zone::Rules(_) => Some(zone.name()),
    }
}

fn when(zone: &Zone, tzid: &Option<String>, t: DateTime<Utc>, all_day: bool) -> DateOrTime {
    let local = zone.utc_to_local(t);
    if all_day {
        DateOrTime::Date(local.date())
    } else if let Some(tzid) = tzid {
        DateOrTime::Zoned {
            local,
            tzid: tzid.clone(),
        }
    } else {
        DateOrTime::Utc(t)
    }
}

/// The series instance an exception means. MS-ASCAL 2.2.2.23 ExceptionStartTime (2.2.2.22 in
/// older revisions of the document) is "the original start time of the occurrence that the
/// exception is replacing", a UTC Compact DateTime (MS-ASDTYPE 2.7.2). SOGo sends that instant;
/// Z-Push 2.7 sends the instance's local wall time written as UTC (`09:00Z` for 09:00 in
/// Berlin; MAPI keeps the exception's start in local time), one hour off in winter and two in
/// summer, so an EXDATE or RECURRENCE-ID taken as sent names no instance and a deleted
/// occurrence comes back. The rule, first match wins:
///
/// 1. an instance that starts exactly at `exception_start` (SOGo, the specification);
/// 2. an instance whose local wall time is `exception_start` read as a wall time, i.e. off by
///    exactly the series zone's UTC offset at that date (Z-Push);
/// 3. the instance nearest to `exception_start`, at most 14 hours (the largest UTC offset)
///    away, on the same local day (`exception_start`'s date read as a wall time or in the
///    zone); the earlier one on a tie;
/// 4. none: `exception_start` as sent.
///
/// `series_start` is DTSTART as local wall time in `zone`; instances are computed like
/// [`Calendar::expand`] does (local wall time, then the zone).
pub fn series_instance(
    rule: Option<&Recurrence>,
    zone: &Zone,
    series_start: chrono::NaiveDateTime,
    exception_start: DateTime<Utc>,
) -> DateTime<Utc> {
    let wall = exception_start.naive_utc();
    let day = TimeDelta::days(2);
    let mut locals = vec![series_start];
    if let Some(rule) = rule {
        locals.extend(crate::expand::rule_instances(
            rule,
            zone,
            series_start,
            wall - day,
            wall + day,
        ));
    }
    let candidates: Vec<(chrono::NaiveDateTime, DateTime<Utc>)> = locals
        .into_iter()
        .map(|l| (l, zone.local_to_utc(l)))
        .collect();
    if candidates.iter().any(|(_, u)| *u == exception_start) {
        return exception_start;
    }
    if let Some((_, u)) = candidates.iter().find(|(l, _)| *l == wall) {
        return *u;
    }
    let days = [wall.date(), zone.utc_to_local(exception_start).date()];
    candidates
        .iter()
        .filter(|(l, u)| {
            (*u - exception_start).abs() <= TimeDelta::hours(14) && days.contains(&l.date())
        })
        .min_by_key(|(_, u)| ((*u - exception_start).abs(), *u))
        .map_or(exception_start, |(_, u)| *u)
}

/// Builds the model (series master plus one override per changed exception) from an EAS item.
/// `fallback` is the zone used when the item's TimeZone blob is empty (Kopano/Z-Push).
pub fn from_eas(
    item: &EasCalendarItem,
    server_id: &str,
    fallback: &Zone,
) -> Result<Calendar, Error> {
    let zone = eas_zone(item, fallback);
    let tzid = zone_tzid(&zone);
    let uid = item
        .uid
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| server_id.to_string());
    let start = item
        .start_time
        .ok_or_else(|| Error::Eas("calendar item without StartTime".into()))?;
    let end = item.end_time.unwrap_or(start);
    let mut m = Item::new(ItemKind::Event, &uid);
    m.summary = item.subject.clone();
    m.location = item.location.clone();
    m.description = item.body.clone();
    m.dtstamp = item.dtstamp;
    m.start = Some(when(&zone, &tzid, start, item.all_day_event));
    m.end = Some(when(&zone, &tzid, end, item.all_day_event));
    if let Some(min) = item.reminder {
        m.alarms.push(Alarm::minutes_before_start(min as i64));
    }
    if let Some(b) = item.busy_status {
        m.extra.push(ContentLine::new(
            "X-MICROSOFT-CDO-BUSYSTATUS",
            busy_to_cdo(b),
        ));
    }
    if let Some(s) = item.sensitivity {
        m.extra.push(ContentLine::new(
            "CLASS",
            match s {
                0 => "PUBLIC",
                3 => "CONFIDENTIAL",
                _ => "PRIVATE",
            },
        ));
    }
    if !item.categories.is_empty() {
        m.extra.push(ContentLine::new(
            "CATEGORIES",
            item.categories
                .iter()
                .map(|c| crate::value::escape_text(c))
                .collect::<Vec<_>>()
                .join(","),
        ));
    }
    let meeting = item.meeting_status.unwrap_or(0);
    if meeting & 1 == 1 {
        if let Some(email) = &item.organizer_email {
            let mut o = Person::new(email);
            o.name = item.organizer_name.clone();
            m.organizer = Some(o);
        }
        m.attendees = item.attendees.iter().map(attendee_from_eas).collect();
    }
    if matches!(meeting, 5 | 7 | 13 | 15) {
        m.status = Some(Status::Cancelled);
    }
    if let Some(r) = &item.recurrence {
        m.rrule = Some(recurrence_from_eas(r)?);
    }
    let mut cal = Calendar::default();
    let mut overrides = Vec::new();
    let series_start = zone.utc_to_local(start);
    for ex in &item.exceptions {
        let original = if item.all_day_event {
            // Matched by local date (`when`), whatever the time of day.
            ex.exception_start_time
        } else {
            series_instance(
                m.rrule.as_ref(),
                &zone,
                series_start,
                ex.exception_start_time,
            )
        };
        let rid = when(&zone, &tzid, original, item.all_day_event);
        if ex.deleted {
            m.exdates.push(rid);
            continue;
        }
        let all_day = ex.all_day_event.unwrap_or(item.all_day_event);
        let mut o = m.clone();
        o.rrule = None;
        o.exdates.clear();
        o.recurrence_id = Some(rid);
        let s = ex.start_time.unwrap_or(original);
        let e = ex.end_time.unwrap_or(s + (end - start));
        o.start = Some(when(&zone, &tzid, s, all_day));
        o.end = Some(when(&zone, &tzid, e, all_day));
        if let Some(x) = &ex.subject {
            o.summary = Some(x.clone());
        }
        if let Some(x) = &ex.location {
            o.location = Some(x.clone());
        }
        if let Some(x) = &ex.body {
            o.description = Some(x.clone());
        }
        if let Some(min) = ex.reminder {
            o.alarms = vec![Alarm::minutes_before_start(min as i64)];
        }
        if let Some(b) = ex.busy_status {
            o.extra.retain(|l| l.name != "X-MICROSOFT-CDO-BUSYSTATUS");
            o.extra.push(ContentLine::new(
                "X-MICROSOFT-CDO-BUSYSTATUS",
                busy_to_cdo(b),
            ));
        }
        if matches!(ex.meeting_status, Some(5 | 7 | 13 | 15)) {
            o.status = Some(Status::Cancelled);
        }
        if let Some(a) = &ex.attendees {
            o.attendees = a.iter().map(attendee_from_eas).collect();
        }
        overrides.push(o);
    }
    if let Zone::Rules(r) = &zone {
        cal.timezones.push(rules_to_vtimezone(r));
    }
    cal.items.push(m);
    cal.items.extend(overrides);
    Ok(cal)
}

fn rules_to_vtimezone(r: &crate::tz::ZoneRules) -> crate::ical::Component {
    use crate::ical::Component;
    let mut vtz = Component::new("VTIMEZONE");
    vtz.push(ContentLine::new("TZID", format!("VTIMEZONE:{}", r.name)));
    let off = |s: i32| {
        format!(
            "{}{:02}{:02}",
            if s < 0 { '-' } else { '+' },
            s.abs() / 3600,
            (s.abs() % 3600) / 60
        )
    };
    for o in &r.observances {
        let mut c = Component::new(if o.daylight { "DAYLIGHT" } else { "STANDARD" });
        c.push(ContentLine::new(
            "DTSTART",
            o.start.format("%Y%m%dT%H%M%S").to_string(),
        ));
        if let Some(rule) = &o.rule {
            c.push(ContentLine::new("RRULE", rule.to_value()));
        }
        c.push(ContentLine::new("TZOFFSETFROM", off(o.offset_from)));
        c.push(ContentLine::new("TZOFFSETTO", off(o.offset_to)));
        vtz.children.push(c);
    }
    vtz
}

/// Builds the EAS item for the series `uid` of `cal` (master plus overrides).
pub fn to_eas(cal: &Calendar, uid: &str, fallback: &Zone) -> Result<EasCalendarItem, Error> {
    let m = cal
        .master(uid)
        .ok_or_else(|| Error::Unsupported(format!("no master item for UID {uid}")))?;
    let resolver = Resolver::from_vtimezones(&cal.timezones);
    let start = m
        .start
        .as_ref()
        .ok_or_else(|| Error::Unsupported("event without DTSTART".into()))?;
    let zone = match start {
        DateOrTime::Zoned { tzid, .. } => {
            resolver.resolve(tzid).unwrap_or_else(|| fallback.clone())
        }
        DateOrTime::Utc(_) => fallback.clone(),
        _ => fallback.clone(),
    };
    let instant = |d: &DateOrTime| match d {
        DateOrTime::Utc(u) => *u,
        DateOrTime::Zoned { tzid, local } => resolver
            .resolve(tzid)
            .unwrap_or_else(|| fallback.clone())
            .local_to_utc(*local),
        other => fallback.local_to_utc(other.naive()),
    };
    let start_utc = instant(start);
    let end_utc = match (&m.end, m.duration) {
        (Some(e), _) => instant(e),
        // RFC 5545 §3.8.2.5: days on the wall clock of the start's zone.
        (None, Some(d)) => match start {
            DateOrTime::Utc(u) => d.after(&Zone::Utc, u.naive_utc()),
            other => d.after(&zone, other.naive()),
        },
        (None, None) if start.is_date() => start_utc + TimeDelta::days(1),
        _ => start_utc,
    };
    let blob = match &zone {
        Zone::Iana(tz) => EasTimeZone::from_iana(*tz),
        Zone::Utc => EasTimeZone::from_iana(chrono_tz::UTC),
        other => {
            let off = other.offset_at(start_utc.naive_utc());
            EasTimeZone {
                bias: -off / 60,
                ..Default::default()
            }
        }
    };
    let reminder = m.alarms.iter().find_map(|a| match a.trigger {
        Trigger::Relative {
            offset,
            related: Related::Start,
        } if offset <= TimeDelta::zero() => Some((-offset.num_minutes()) as u32),
        _ => None,
    });
    let meeting = m.organizer.is_some() || !m.attendees.is_empty();
    let cancelled = m.status == Some(Status::Cancelled);
    let mut out = EasCalendarItem {
        timezone: Some(blob.encode()),
        uid: Some(m.uid.clone()),
        dtstamp: m.dtstamp,
        start_time: Some(start_utc),
        end_time: Some(end_utc),
        all_day_event: start.is_date(),
        subject: m.summary.clone(),
        location: m.location.clone(),
        body: m.description.clone(),
        reminder,
        busy_status: m.extra_value("X-MICROSOFT-CDO-BUSYSTATUS").map(cdo_to_busy),
        sensitivity: m.extra_value("CLASS").map(|c| match c.trim() {
            "PRIVATE" => 2,
            "CONFIDENTIAL" => 3,
            _ => 0,
        }),
        meeting_status: Some(match (meeting, cancelled) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 5,
        }),
        organizer_email: m.organizer.as_ref().map(|o| o.email.clone()),
        organizer_name: m.organizer.as_ref().and_then(|o| o.name.clone()),
        attendees: m.attendees.iter().map(attendee_to_eas).collect(),
        categories: Vec::new(),
        recurrence: None,
        exceptions: Vec::new(),
        response_requested: meeting.then_some(true),
    };
    if let Some(rule) = &m.rrule {
        let local = match start {
            DateOrTime::Utc(u) => zone.utc_to_local(*u),
            other => other.naive(),
        };
        out.recurrence = Some(recurrence_to_eas(rule, local, &zone)?);
    }
    for ex in &m.exdates {
        out.exceptions.push(EasException {
            deleted: true,
            exception_start_time: instant(ex),
            ..Default::default()
        });
    }
    for o in cal.overrides(uid) {
        let rid = instant(o.recurrence_id.as_ref().expect("override"));
        let s = o.start.as_ref().map(&instant);
        out.exceptions.push(EasException {
            deleted: o.status == Some(Status::Cancelled),
            exception_start_time: rid,
            subject: o.summary.clone().filter(|x| Some(x) != m.summary.as_ref()),
            start_time: s,
            end_time: o
                .end
                .as_ref()
                .map(&instant)
                .or_else(|| s.map(|s| s + (end_utc - start_utc))),
            location: o
                .location
                .clone()
                .filter(|x| Some(x) != m.location.as_ref()),
            body: None,
            reminder: o.alarms.iter().find_map(|a| match a.trigger {
                Trigger::Relative {
                    offset,
                    related: Related::Start,
                } => Some((-offset.num_minutes()).max(0) as u32),
                _ => None,
            }),
            all_day_event: o.start.as_ref().map(DateOrTime::is_date),
            busy_status: o.extra_value("X-MICROSOFT-CDO-BUSYSTATUS").map(cdo_to_busy),
            meeting_status: None,
            attendees: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn berlin() -> Zone {
        Zone::Iana(chrono_tz::Europe::Berlin)
    }

    fn weekly_item() -> EasCalendarItem {
        EasCalendarItem {
            timezone: Some(EasTimeZone::from_iana(chrono_tz::Europe::Berlin).encode()),
            uid: Some("eas-uid-1".into()),
            start_time: Some(Utc.with_ymd_and_hms(2026, 3, 11, 8, 0, 0).unwrap()),
            end_time: Some(Utc.with_ymd_and_hms(2026, 3, 11, 9, 0, 0).unwrap()),
            subject: Some("Jour fixe".into()),
            reminder: Some(15),
            busy_status: Some(2),
            meeting_status: Some(0),
            recurrence: Some(EasRecurrence {
                recurrence_type: 1,
                interval: Some(1),
                occurrences: Some(5),
                day_of_week: Some(8),
                ..Default::default()
            }),
            exceptions: vec![
                EasException {
                    deleted: true,
                    exception_start_time: Utc.with_ymd_and_hms(2026, 3, 18, 8, 0, 0).unwrap(),
                    ..Default::default()
                },
                EasException {
                    exception_start_time: Utc.with_ymd_and_hms(2026, 4, 1, 7, 0, 0).unwrap(),
                    start_time: Some(Utc.with_ymd_and_hms(2026, 4, 1, 12, 0, 0).unwrap()),
                    end_time: Some(Utc.with_ymd_and_hms(2026, 4, 1, 13, 0, 0).unwrap()),
                    subject: Some("Jour fixe (moved)".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn eas_series_expands_like_the_ical_series() {
        let cal = from_eas(&weekly_item(), "1", &berlin()).unwrap();
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let occ = cal.expand(from, to, &berlin());
        let starts: Vec<String> = occ
            .iter()
            .map(|o| o.start.format("%m-%d %H:%M").to_string())
            .collect();
        // 11 Mar, (18 Mar deleted), 25 Mar, 1 Apr moved to 14:00 local, 8 Apr (after DST: 07:00Z).
        assert_eq!(
            starts,
            ["03-11 08:00", "03-25 08:00", "04-01 12:00", "04-08 07:00"]
        );
        assert_eq!(
            occ[0].alarms[0],
            Utc.with_ymd_and_hms(2026, 3, 11, 7, 45, 0).unwrap()
        );
        assert!(occ[2].is_override);

        // And back: the same EAS item (modulo fields EAS does not carry).
        let back = to_eas(&cal, "eas-uid-1", &berlin()).unwrap();
        let orig = weekly_item();
        assert_eq!(back.start_time, orig.start_time);
        assert_eq!(back.recurrence.as_ref().unwrap().day_of_week, Some(8));
        assert_eq!(back.recurrence.as_ref().unwrap().occurrences, Some(5));
        assert_eq!(back.reminder, Some(15));
        assert_eq!(back.exceptions.len(), 2);
        assert!(back.exceptions.iter().any(
            |e| e.deleted && e.exception_start_time == orig.exceptions[0].exception_start_time
        ));
        assert_eq!(
            EasTimeZone::decode(back.timezone.as_ref().unwrap())
                .unwrap()
                .to_zone(),
            Some(berlin())
        );
    }

    /// Wednesdays 09:00 Berlin from 7 Jan 2026, with deleted and changed exceptions as Z-Push
    /// sends them (local wall time written as UTC) and as SOGo does (the instant).
    fn berlin_series_with_exceptions() -> EasCalendarItem {
        let t = |m, d, h| Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap();
        let deleted = |at| EasException {
            deleted: true,
            exception_start_time: at,
            ..Default::default()
        };
        EasCalendarItem {
            timezone: Some(EasTimeZone::from_iana(chrono_tz::Europe::Berlin).encode()),
            uid: Some("zpush-series".into()),
            start_time: Some(t(1, 7, 8)),
            end_time: Some(t(1, 7, 9)),
            subject: Some("Jour fixe".into()),
            recurrence: Some(EasRecurrence {
                recurrence_type: 1,
                interval: Some(1),
                occurrences: Some(30),
                day_of_week: Some(8),
                ..Default::default()
            }),
            exceptions: vec![
                // Z-Push, winter: 09:00 local sent as 09:00Z (the instance is 08:00Z).
                deleted(t(1, 14, 9)),
                // Z-Push, summer: 09:00 local sent as 09:00Z (the instance is 07:00Z).
                deleted(t(6, 10, 9)),
                // Z-Push, summer, moved to 14:00 local.
                EasException {
                    exception_start_time: t(6, 17, 9),
                    start_time: Some(t(6, 17, 12)),
                    end_time: Some(t(6, 17, 13)),
                    subject: Some("Jour fixe (moved)".into()),
                    ..Default::default()
                },
                // SOGo: the instants themselves, winter and summer.
                deleted(t(2, 4, 8)),
                deleted(t(7, 1, 7)),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn exceptions_off_by_the_zone_offset_name_their_instance() {
        let cal = from_eas(&berlin_series_with_exceptions(), "1", &berlin()).unwrap();
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 8, 1, 0, 0, 0).unwrap();
        let occ = cal.expand(from, to, &berlin());
        let days: Vec<String> = occ
            .iter()
            .map(|o| o.local_start.format("%m-%d %H:%M").to_string())
            .collect();
        for gone in ["01-14", "02-04", "06-10", "07-01"] {
            assert!(
                !days.iter().any(|d| d.starts_with(gone)),
                "{gone} was deleted: {days:?}"
            );
        }
        let june17: Vec<&String> = days.iter().filter(|d| d.starts_with("06-17")).collect();
        assert_eq!(june17, ["06-17 14:00"], "moved, not doubled");
        assert!(days.contains(&"01-21 09:00".to_string()));
        assert!(days.contains(&"06-24 09:00".to_string()));
        assert_eq!(occ.len(), 30 - 4);
    }

    #[test]
    fn an_exact_instance_wins_and_others_are_matched_by_day() {
        let t = |m, d, h, min| Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap();
        let item = berlin_series_with_exceptions();
        let rule = recurrence_from_eas(item.recurrence.as_ref().unwrap()).unwrap();
        let start = berlin().utc_to_local(item.start_time.unwrap());
        let at = |x| series_instance(Some(&rule), &berlin(), start, x);
        // Exact (SOGo), winter and summer.
        assert_eq!(at(t(1, 21, 8, 0)), t(1, 21, 8, 0));
        assert_eq!(at(t(6, 24, 7, 0)), t(6, 24, 7, 0));
        // Off by the offset (Z-Push): 1 h in winter, 2 h in summer.
        assert_eq!(at(t(1, 21, 9, 0)), t(1, 21, 8, 0));
        assert_eq!(at(t(6, 24, 9, 0)), t(6, 24, 7, 0));
        // Neither: the nearest instance that day.
        assert_eq!(at(t(1, 21, 11, 30)), t(1, 21, 8, 0));
        // No instance that day: as sent.
        assert_eq!(at(t(1, 22, 8, 0)), t(1, 22, 8, 0));
    }

    #[test]
    fn zero_blob_uses_the_fallback_zone() {
        let mut item = weekly_item();
        item.timezone = Some(vec![0; 172]);
        let cal = from_eas(&item, "1", &berlin()).unwrap();
        assert_eq!(
            cal.items[0].start.as_ref().unwrap().tzid(),
            Some("Europe/Berlin")
        );
    }

    #[test]
    fn monthly_nth_and_last_weekday_map_both_ways() {
        let r = EasRecurrence {
            recurrence_type: 3,
            week_of_month: Some(5),
            day_of_week: Some(32),
            ..Default::default()
        };
        let rule = recurrence_from_eas(&r).unwrap();
        assert_eq!(rule.to_value(), "FREQ=MONTHLY;BYDAY=-1FR");
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 30)
            .unwrap()
            .and_hms_opt(15, 0, 0)
            .unwrap();
        let back = recurrence_to_eas(&rule, start, &berlin()).unwrap();
        assert_eq!(
            (back.recurrence_type, back.week_of_month, back.day_of_week),
            (3, Some(5), Some(32))
        );
        let hourly = Recurrence::parse("FREQ=HOURLY").unwrap();
        assert!(matches!(
            recurrence_to_eas(&hourly, start, &berlin()),
            Err(Error::Unsupported(_))
        ));
    }

    #[test]
    fn weekdays_daily_is_weekly_by_day() {
        let r = EasRecurrence {
            recurrence_type: 0,
            day_of_week: Some(62),
            ..Default::default()
        };
        assert_eq!(
            recurrence_from_eas(&r).unwrap().to_value(),
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
        );
    }
}
