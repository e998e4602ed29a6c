//! Typed iCalendar values (RFC 5545 §3.3): DATE, DATE-TIME in its three forms, DURATION,
//! UTC-OFFSET and TEXT escaping.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

use crate::Error;
use crate::ical::ContentLine;

/// A DTSTART/DTEND/DUE/RECURRENCE-ID/EXDATE/RDATE value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DateOrTime {
    /// `VALUE=DATE` — an all-day value (§3.3.4).
    Date(NaiveDate),
    /// Local time with no zone: the same wall-clock time wherever the user is (§3.3.5 form 1).
    Floating(NaiveDateTime),
    /// `…Z` (§3.3.5 form 2).
    Utc(DateTime<Utc>),
    /// `TZID=…` local time (§3.3.5 form 3). The TZID is kept as written.
    Zoned { local: NaiveDateTime, tzid: String },
}

impl DateOrTime {
    pub fn is_date(&self) -> bool {
        matches!(self, Self::Date(_))
    }

    /// Wall-clock time as written (midnight for a DATE, UTC clock for a UTC value).
    pub fn naive(&self) -> NaiveDateTime {
        match self {
            Self::Date(d) => d.and_time(NaiveTime::MIN),
            Self::Floating(n) => *n,
            Self::Utc(u) => u.naive_utc(),
            Self::Zoned { local, .. } => *local,
        }
    }

    pub fn tzid(&self) -> Option<&str> {
        match self {
            Self::Zoned { tzid, .. } => Some(tzid),
            _ => None,
        }
    }

    /// Parses a property's value, honouring its `TZID` and `VALUE` parameters.
    pub fn from_line(line: &ContentLine) -> Result<Self, Error> {
        let first = line.value.split(',').next().unwrap_or("");
        Self::parse(first, line.param("TZID"), line.param("VALUE"))
    }

    /// Every comma-separated value of an EXDATE/RDATE line (PERIOD values keep their start).
    pub fn list_from_line(line: &ContentLine) -> Vec<Self> {
        line.value
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .filter_map(|v| {
                let v = v.split('/').next().unwrap_or(v);
                match Self::parse(v, line.param("TZID"), line.param("VALUE")) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        tracing::trace!(%e, "skipping unreadable date in list");
                        None
                    }
                }
            })
            .collect()
    }

    pub fn parse(value: &str, tzid: Option<&str>, value_type: Option<&str>) -> Result<Self, Error> {
        let v = value.trim();
        let is_date = value_type.is_some_and(|t| t.eq_ignore_ascii_case("DATE"))
            || (v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()));
        if is_date {
            let d = NaiveDate::parse_from_str(&v[..v.len().min(8)], "%Y%m%d")
                .map_err(|_| Error::Parse(format!("bad DATE {v:?}")))?;
            return Ok(Self::Date(d));
        }
        let (body, utc) = match v.strip_suffix(['Z', 'z']) {
            Some(b) => (b, true),
            None => (v, false),
        };
        let n = NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M%S")
            .or_else(|_| NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M"))
            .map_err(|_| Error::Parse(format!("bad DATE-TIME {v:?}")))?;
        Ok(if utc {
            Self::Utc(n.and_utc())
        } else if let Some(tz) = tzid.filter(|t| !t.trim().is_empty()) {
            Self::Zoned {
                local: n,
                tzid: tz.to_string(),
            }
        } else {
            Self::Floating(n)
        })
    }

    /// The value text as written to a property (without parameters).
    pub fn value_text(&self) -> String {
        match self {
            Self::Date(d) => d.format("%Y%m%d").to_string(),
            Self::Floating(n) | Self::Zoned { local: n, .. } => {
                n.format("%Y%m%dT%H%M%S").to_string()
            }
            Self::Utc(u) => u.format("%Y%m%dT%H%M%SZ").to_string(),
        }
    }

    /// A complete content line for property `name` with the right `VALUE`/`TZID` parameters.
    pub fn to_line(&self, name: &str) -> ContentLine {
        let mut l = ContentLine::new(name, self.value_text());
        match self {
            Self::Date(_) => l = l.with_param("VALUE", "DATE"),
            Self::Zoned { tzid, .. } => l = l.with_param("TZID", tzid.clone()),
            _ => {}
        }
        l
    }
}

/// One RDATE value (RFC 5545 §3.8.5.2): a DATE or DATE-TIME, or a PERIOD (§3.3.9) whose
/// instance keeps its own end instead of the item's duration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RDate {
    pub start: DateOrTime,
    /// The end of a `VALUE=PERIOD` value.
    pub end: Option<PeriodEnd>,
}

/// The second half of a PERIOD (§3.3.9): an explicit end or a duration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PeriodEnd {
    At(DateOrTime),
    Duration(Duration),
}

impl From<DateOrTime> for RDate {
    fn from(start: DateOrTime) -> Self {
        Self { start, end: None }
    }
}

impl RDate {
    /// Every comma-separated value of an RDATE line, periods with their ends.
    pub fn list_from_line(line: &ContentLine) -> Vec<Self> {
        let tzid = line.param("TZID");
        let value_type = line.param("VALUE");
        line.value
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .filter_map(|v| {
                let (start, end) = match v.split_once('/') {
                    Some((s, e)) => (s, Some(e.trim())),
                    None => (v, None),
                };
                let read = || -> Result<Self, Error> {
                    let start = DateOrTime::parse(start, tzid, value_type)?;
                    let end = match end {
                        None => None,
                        Some(e) if e.trim_start_matches(['+', '-']).starts_with(['P', 'p']) => {
                            Some(PeriodEnd::Duration(Duration::parse(e)?))
                        }
                        Some(e) => Some(PeriodEnd::At(DateOrTime::parse(e, tzid, None)?)),
                    };
                    Ok(Self { start, end })
                };
                read()
                    .inspect_err(|e| tracing::trace!(%e, "skipping unreadable RDATE value"))
                    .ok()
            })
            .collect()
    }

    /// A complete RDATE line (`VALUE=PERIOD` when the value has an end).
    pub fn to_line(&self, name: &str) -> ContentLine {
        let mut l = self.start.to_line(name);
        match &self.end {
            None => {}
            Some(end) => {
                let end = match end {
                    PeriodEnd::At(e) => e.value_text(),
                    PeriodEnd::Duration(d) => d.to_value(),
                };
                l.value = format!("{}/{end}", l.value);
                l = l.with_param("VALUE", "PERIOD");
            }
        }
        l
    }
}

/// A DURATION value (RFC 5545 §3.3.6) as written: weeks and days are *nominal*, hours, minutes
/// and seconds *exact*. `P1D` from 12:00 on the day before a DST change ends at 12:00 the next
/// day (23 or 25 hours later); `PT24H` ends exactly 24 hours later. `P1DT2H` adds one calendar
/// day, then two hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    /// Nominal days, weeks counted as 7 (§3.3.6); same sign as `time`.
    pub days: i64,
    /// The exact part (hours, minutes, seconds).
    pub time: TimeDelta,
}

impl Duration {
    /// An exact duration (no day or week part).
    pub fn exact(time: TimeDelta) -> Self {
        Self { days: 0, time }
    }

    /// Parses a DURATION (§3.3.6), keeping days and weeks apart from the exact part.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let (days, secs) = parse_duration_parts(s)?;
        Ok(Self {
            days,
            time: TimeDelta::seconds(secs),
        })
    }

    /// The length with every day counted as 24 hours (what it is in UTC).
    pub fn approx(&self) -> TimeDelta {
        TimeDelta::days(self.days) + self.time
    }

    /// The instant this duration after the wall-clock time `local` in `zone` (§3.3.6): the days
    /// are added to the wall clock, the exact part to the resulting instant.
    pub fn after(&self, zone: &crate::Zone, local: NaiveDateTime) -> DateTime<Utc> {
        zone.local_to_utc(local + TimeDelta::days(self.days)) + self.time
    }

    /// The value text, keeping a nominal `P1D` apart from an exact `PT24H`.
    pub fn to_value(&self) -> String {
        let neg = self.days < 0 || self.time < TimeDelta::zero();
        let days = self.days.abs();
        let secs = self.time.num_seconds().abs();
        let mut out = String::from(if neg { "-P" } else { "P" });
        if days == 0 && secs == 0 {
            out.push_str("T0S");
            return out;
        }
        if secs == 0 && days % 7 == 0 {
            out.push_str(&format!("{}W", days / 7));
            return out;
        }
        if days > 0 {
            out.push_str(&format!("{days}D"));
        }
        push_time(&mut out, secs);
        out
    }
}

/// Parses a DURATION (§3.3.6), e.g. `-PT15M`, `P1DT2H`, `P2W`, into an exact length (a day
/// counted as 24 hours; [`Duration`] keeps days nominal). Lenient about a missing `T`.
pub fn parse_duration(s: &str) -> Result<TimeDelta, Error> {
    let (days, secs) = parse_duration_parts(s)?;
    Ok(TimeDelta::seconds(days * 86_400 + secs))
}

/// Signed (nominal days, exact seconds) of a DURATION.
fn parse_duration_parts(s: &str) -> Result<(i64, i64), Error> {
    let bad = || Error::Parse(format!("bad DURATION {s:?}"));
    let s = s.trim();
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let mut days: i64 = 0;
    let mut secs: i64 = 0;
    let mut num = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            '0'..='9' => num.push(c),
            'T' => {}
            u @ ('W' | 'D' | 'H' | 'M' | 'S') => {
                let n: i64 = num.parse().map_err(|_| bad())?;
                if n > 1_000_000_000 {
                    return Err(bad());
                }
                num.clear();
                any = true;
                match u {
                    'W' => days += n * 7,
                    'D' => days += n,
                    'H' => secs += n * 3_600,
                    'M' => secs += n * 60,
                    _ => secs += n,
                }
            }
            _ => return Err(bad()),
        }
    }
    if !any || !num.is_empty() {
        return Err(bad());
    }
    Ok(if neg { (-days, -secs) } else { (days, secs) })
}

fn push_time(out: &mut String, secs: i64) {
    if secs > 0 {
        out.push('T');
        let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 {
            out.push_str(&format!("{s}S"));
        }
    }
}

/// Formats a DURATION (§3.3.6) in the shortest usual form.
pub fn format_duration(d: TimeDelta) -> String {
    let mut secs = d.num_seconds();
    let mut out = String::new();
    if secs < 0 {
        out.push('-');
        secs = -secs;
    }
    out.push('P');
    if secs == 0 {
        out.push_str("T0S");
        return out;
    }
    if secs % 604_800 == 0 {
        out.push_str(&format!("{}W", secs / 604_800));
        return out;
    }
    let days = secs / 86_400;
    secs %= 86_400;
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    push_time(&mut out, secs);
    out
}

/// Parses a UTC-OFFSET (§3.3.14) such as `+0200` or `-0330` or `+013000` into seconds east.
pub fn parse_utc_offset(s: &str) -> Result<i32, Error> {
    let bad = || Error::Parse(format!("bad UTC-OFFSET {s:?}"));
    let s = s.trim();
    let (sign, digits) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let h: i32 = digits[0..2].parse().map_err(|_| bad())?;
    let m: i32 = digits[2..4].parse().map_err(|_| bad())?;
    let sec: i32 = if digits.len() == 6 {
        digits[4..6].parse().map_err(|_| bad())?
    } else {
        0
    };
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    Ok(sign * (h * 3600 + m * 60 + sec))
}

/// Unescapes a TEXT value (§3.3.11).
pub fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a TEXT value (§3.3.11).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            o => out.push(o),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (s, secs) in [
            ("-PT15M", -900),
            ("P1DT2H", 93_600),
            ("P2W", 1_209_600),
            ("PT0S", 0),
        ] {
            let d = parse_duration(s).unwrap();
            assert_eq!(d.num_seconds(), secs, "{s}");
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("PT15").is_err());
        assert!(parse_duration("15M").is_err());
    }

    #[test]
    fn nominal_days_stay_apart_from_exact_hours() {
        // RFC 5545 §3.3.6: `P1D` is a calendar day, `PT24H` 24 hours; both survive writing.
        for (s, days, secs) in [
            ("P1D", 1, 0),
            ("PT24H", 0, 86_400),
            ("P2W", 14, 0),
            ("P1DT2H", 1, 7_200),
            ("-P1D", -1, 0),
            ("PT0S", 0, 0),
        ] {
            let d = Duration::parse(s).unwrap();
            assert_eq!((d.days, d.time.num_seconds()), (days, secs), "{s}");
            assert_eq!(d.to_value(), s);
        }
        let berlin = crate::Zone::Iana(chrono_tz::Europe::Berlin);
        let noon = |d: u32| {
            NaiveDate::from_ymd_opt(2026, 3, d)
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
        };
        let start = berlin.local_to_utc(noon(28));
        let p1d = Duration::parse("P1D").unwrap().after(&berlin, noon(28));
        assert_eq!(p1d, berlin.local_to_utc(noon(29)));
        assert_eq!(p1d - start, TimeDelta::hours(23));
        let pt24h = Duration::parse("PT24H").unwrap().after(&berlin, noon(28));
        assert_eq!(pt24h - start, TimeDelta::hours(24));
    }

    #[test]
    fn rdate_periods_keep_their_ends() {
        // RFC 5545 §3.3.9: explicit end or duration; both are written back as PERIOD.
        let line = crate::ical::parse_line(
            "RDATE;VALUE=PERIOD;TZID=Europe/Berlin:20260416T180000/20260416T210000,20260611T180000/PT2H",
        )
        .unwrap();
        let list = RDate::list_from_line(&line);
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[0].end,
            Some(PeriodEnd::At(
                DateOrTime::parse("20260416T210000", Some("Europe/Berlin"), None).unwrap()
            ))
        );
        assert_eq!(
            list[1].end,
            Some(PeriodEnd::Duration(Duration::exact(TimeDelta::hours(2))))
        );
        for r in &list {
            assert_eq!(RDate::list_from_line(&r.to_line("RDATE")), vec![r.clone()]);
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_utc_offset("+0200").unwrap(), 7200);
        assert_eq!(parse_utc_offset("-0330").unwrap(), -12_600);
        assert!(parse_utc_offset("+2500").is_err());
    }

    #[test]
    fn text_escaping_round_trips() {
        let s = "a, b; c\\d\nnext";
        assert_eq!(unescape_text(&escape_text(s)), s);
    }

    #[test]
    fn date_time_forms() {
        assert!(matches!(
            DateOrTime::parse("20260101", None, None).unwrap(),
            DateOrTime::Date(_)
        ));
        assert!(matches!(
            DateOrTime::parse("20260101T090000Z", Some("X"), None).unwrap(),
            DateOrTime::Utc(_)
        ));
        assert!(matches!(
            DateOrTime::parse("20260101T090000", None, None).unwrap(),
            DateOrTime::Floating(_)
        ));
        assert!(matches!(
            DateOrTime::parse("20260101T090000", Some("Europe/Berlin"), None).unwrap(),
            DateOrTime::Zoned { .. }
        ));
        assert!(DateOrTime::parse("2026-01-01", None, None).is_err());
    }
}
