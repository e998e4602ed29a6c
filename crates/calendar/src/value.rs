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

/// Parses a DURATION (§3.3.6), e.g. `-PT15M`, `P1DT2H`, `P2W`. Lenient about a missing `T`.
pub fn parse_duration(s: &str) -> Result<TimeDelta, Error> {
    let bad = || Error::Parse(format!("bad DURATION {s:?}"));
    let s = s.trim();
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
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
                secs += n * match u {
                    'W' => 604_800,
                    'D' => 86_400,
                    'H' => 3_600,
                    'M' => 60,
                    _ => 1,
                };
            }
            _ => return Err(bad()),
        }
    }
    if !any || !num.is_empty() {
        return Err(bad());
    }
    Ok(TimeDelta::seconds(if neg { -secs } else { secs }))
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
