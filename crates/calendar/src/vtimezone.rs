//! Building VTIMEZONE components (RFC 5545 §3.6.5) for zones we know by name, so that every
//! TZID we write is defined in the same object, and the yearly rule of a zone (also used for the
//! EAS TimeZone blob, MS-ASDTYPE 2.7.6).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc, Weekday};

use crate::ical::{Component, ContentLine};
use crate::recur::day_code;
use crate::tz::{Zone, zone_by_name};

/// One yearly transition: on the `ordinal`th (`-1` = last) `weekday` of `month`, at local
/// `time` (wall clock before the change), the offset goes from `offset_from` to `offset_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearlyTransition {
    pub month: u32,
    pub ordinal: i16,
    pub weekday: Weekday,
    pub local: NaiveDateTime,
    pub offset_from: i32,
    pub offset_to: i32,
}

/// The zone's standard offset and, if it observes DST in `year`, its two transitions
/// `(to_standard, to_daylight)`.
pub fn yearly_rule(
    tz: chrono_tz::Tz,
    year: i32,
) -> (i32, Option<(YearlyTransition, YearlyTransition)>) {
    let off = |utc: NaiveDateTime| tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .expect("valid year")
        .and_hms_opt(0, 0, 0)
        .expect("valid");
    let mut transitions = Vec::new();
    let mut prev = off(start);
    // Scan in 1-hour steps, then find the exact minute.
    let mut t = start;
    while t.year() == year {
        let next = t + TimeDelta::hours(1);
        let o = off(next);
        if o != prev {
            let mut lo = t;
            while off(lo + TimeDelta::minutes(1)) == prev {
                lo += TimeDelta::minutes(1);
            }
            let at_utc = lo + TimeDelta::minutes(1);
            transitions.push((at_utc, prev, o));
            prev = o;
        }
        t = next;
    }
    let to_tr = |(at_utc, from, to): (NaiveDateTime, i32, i32)| {
        let local = at_utc + TimeDelta::seconds(from as i64);
        let date = local.date();
        let days_in_month = {
            let next = if date.month() == 12 {
                NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
            }
            .expect("valid");
            next.pred_opt().expect("valid").day()
        };
        let ordinal = if date.day() + 7 > days_in_month {
            -1
        } else {
            ((date.day() - 1) / 7 + 1) as i16
        };
        YearlyTransition {
            month: date.month(),
            ordinal,
            weekday: date.weekday(),
            local,
            offset_from: from,
            offset_to: to,
        }
    };
    if transitions.len() == 2 {
        let a = to_tr(transitions[0]);
        let b = to_tr(transitions[1]);
        // The standard one goes to the smaller offset.
        let (std, dst) = if a.offset_to < b.offset_to {
            (a, b)
        } else {
            (b, a)
        };
        (std.offset_to, Some((std, dst)))
    } else {
        (
            off(NaiveDate::from_ymd_opt(year, 7, 1)
                .expect("valid")
                .and_hms_opt(0, 0, 0)
                .expect("valid"))
            .min(prev),
            None,
        )
    }
}

fn fmt_offset(s: i32) -> String {
    let sign = if s < 0 { '-' } else { '+' };
    let a = s.abs();
    format!("{sign}{:02}{:02}", a / 3600, (a % 3600) / 60)
}

fn observance(name: &str, tr: &YearlyTransition) -> Component {
    let mut c = Component::new(name);
    // Start in 1970 so every reader (Outlook, vobject) accepts it.
    let start = NaiveDate::from_ymd_opt(1970, tr.month, 1)
        .and_then(|d| crate::tz::nth_weekday(1970, tr.month, tr.weekday, tr.ordinal).or(Some(d)))
        .expect("valid")
        .and_time(tr.local.time());
    c.push(ContentLine::new(
        "DTSTART",
        start.format("%Y%m%dT%H%M%S").to_string(),
    ));
    c.push(ContentLine::new(
        "RRULE",
        format!(
            "FREQ=YEARLY;BYMONTH={};BYDAY={}{}",
            tr.month,
            tr.ordinal,
            day_code(tr.weekday)
        ),
    ));
    c.push(ContentLine::new("TZOFFSETFROM", fmt_offset(tr.offset_from)));
    c.push(ContentLine::new("TZOFFSETTO", fmt_offset(tr.offset_to)));
    c
}

/// A VTIMEZONE for a TZID known by name (IANA or Windows), using this year's rules.
pub fn generate(tzid: &str) -> Option<Component> {
    let tz = match zone_by_name(tzid)? {
        Zone::Iana(tz) => tz,
        Zone::Utc => chrono_tz::UTC,
        _ => return None,
    };
    let year = Utc::now().year();
    let mut vtz = Component::new("VTIMEZONE");
    vtz.push(ContentLine::new("TZID", tzid.to_string()));
    vtz.push(ContentLine::new("X-LIC-LOCATION", tz.name().to_string()));
    match yearly_rule(tz, year) {
        (_, Some((std, dst))) => {
            vtz.children.push(observance("STANDARD", &std));
            vtz.children.push(observance("DAYLIGHT", &dst));
        }
        (std_off, None) => {
            let mut c = Component::new("STANDARD");
            c.push(ContentLine::new("DTSTART", "19700101T000000"));
            c.push(ContentLine::new("TZOFFSETFROM", fmt_offset(std_off)));
            c.push(ContentLine::new("TZOFFSETTO", fmt_offset(std_off)));
            vtz.children.push(c);
        }
    }
    Some(vtz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn berlin_rule() {
        let (std_off, rules) = yearly_rule(chrono_tz::Europe::Berlin, 2026);
        assert_eq!(std_off, 3600);
        let (std, dst) = rules.unwrap();
        assert_eq!(
            (std.month, std.ordinal, std.weekday),
            (10, -1, Weekday::Sun)
        );
        assert_eq!(std.local.time().hour(), 3);
        assert_eq!((dst.month, dst.ordinal, dst.weekday), (3, -1, Weekday::Sun));
        assert_eq!(dst.local.time().hour(), 2);
    }

    #[test]
    fn new_york_rule() {
        let (_, rules) = yearly_rule(chrono_tz::America::New_York, 2026);
        let (std, dst) = rules.unwrap();
        assert_eq!((std.month, std.ordinal), (11, 1));
        assert_eq!((dst.month, dst.ordinal), (3, 2));
    }

    #[test]
    fn generated_vtimezone_resolves_to_the_same_offsets() {
        let vtz = generate("W. Europe Standard Time").unwrap();
        let rules = crate::tz::rules_from_vtimezone("x", &vtz).unwrap();
        assert!(rules.agrees_with(chrono_tz::Europe::Berlin));
        let tokyo = generate("Asia/Tokyo").unwrap();
        assert_eq!(tokyo.children.len(), 1);
    }
}
