//! RRULE values (RFC 5545 §3.3.10) as a plain struct, so that the EAS mapping can read and
//! build rules field by field. Iteration is done by the `rrule` crate (see `expand`).

use chrono::Weekday;

use crate::Error;
use crate::value::DateOrTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    Secondly,
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Frequency {
    fn as_str(self) -> &'static str {
        match self {
            Self::Secondly => "SECONDLY",
            Self::Minutely => "MINUTELY",
            Self::Hourly => "HOURLY",
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        }
    }
}

/// A weekday with an optional ordinal (`2MO`, `-1FR`, `SU`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByDay {
    pub ordinal: Option<i16>,
    pub weekday: Weekday,
}

/// One RRULE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Recurrence {
    pub freq: Frequency,
    pub interval: u16,
    pub count: Option<u32>,
    /// UNTIL as written (DATE, UTC DATE-TIME, or a floating/local DATE-TIME).
    pub until: Option<DateOrTime>,
    pub by_day: Vec<ByDay>,
    pub by_month_day: Vec<i8>,
    pub by_month: Vec<u8>,
    pub by_year_day: Vec<i16>,
    pub by_week_no: Vec<i8>,
    pub by_set_pos: Vec<i32>,
    pub by_hour: Vec<u8>,
    pub by_minute: Vec<u8>,
    pub by_second: Vec<u8>,
    pub week_start: Option<Weekday>,
}

impl Recurrence {
    pub fn new(freq: Frequency) -> Self {
        Self {
            freq,
            interval: 1,
            count: None,
            until: None,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_year_day: Vec::new(),
            by_week_no: Vec::new(),
            by_set_pos: Vec::new(),
            by_hour: Vec::new(),
            by_minute: Vec::new(),
            by_second: Vec::new(),
            week_start: None,
        }
    }

    /// Parses an RRULE value such as `FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231T225959Z`.
    /// Unknown parts are skipped with a trace (RFC 5545 says x-name parts may appear).
    pub fn parse(s: &str) -> Result<Self, Error> {
        let mut freq = None;
        let mut r = Recurrence::new(Frequency::Daily);
        for part in s.trim().split(';').filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| Error::Parse(format!("RRULE part without '=': {part:?}")))?;
            let v = v.trim();
            let bad = || Error::Parse(format!("bad RRULE {k}={v}"));
            match k.trim().to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match v.to_ascii_uppercase().as_str() {
                        "SECONDLY" => Frequency::Secondly,
                        "MINUTELY" => Frequency::Minutely,
                        "HOURLY" => Frequency::Hourly,
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        "YEARLY" => Frequency::Yearly,
                        _ => return Err(bad()),
                    })
                }
                "INTERVAL" => r.interval = v.parse().ok().filter(|i| *i > 0).ok_or_else(bad)?,
                "COUNT" => r.count = Some(v.parse().map_err(|_| bad())?),
                "UNTIL" => r.until = Some(DateOrTime::parse(v, None, None)?),
                "BYDAY" => {
                    r.by_day = v.split(',').map(parse_by_day).collect::<Result<_, _>>()?;
                }
                "BYMONTHDAY" => r.by_month_day = list(v).ok_or_else(bad)?,
                "BYMONTH" => r.by_month = list(v).ok_or_else(bad)?,
                "BYYEARDAY" => r.by_year_day = list(v).ok_or_else(bad)?,
                "BYWEEKNO" => r.by_week_no = list(v).ok_or_else(bad)?,
                "BYSETPOS" => r.by_set_pos = list(v).ok_or_else(bad)?,
                "BYHOUR" => r.by_hour = list(v).ok_or_else(bad)?,
                "BYMINUTE" => r.by_minute = list(v).ok_or_else(bad)?,
                "BYSECOND" => r.by_second = list(v).ok_or_else(bad)?,
                "WKST" => r.week_start = Some(weekday(v).ok_or_else(bad)?),
                other => tracing::trace!(part = other, "skipping unknown RRULE part"),
            }
        }
        r.freq = freq.ok_or_else(|| Error::Parse(format!("RRULE without FREQ: {s:?}")))?;
        Ok(r)
    }

    /// The RRULE value text.
    pub fn to_value(&self) -> String {
        let mut parts = vec![format!("FREQ={}", self.freq.as_str())];
        if let Some(u) = &self.until {
            parts.push(format!("UNTIL={}", u.value_text()));
        }
        if let Some(c) = self.count {
            parts.push(format!("COUNT={c}"));
        }
        if self.interval != 1 {
            parts.push(format!("INTERVAL={}", self.interval));
        }
        fn join<T: ToString>(v: &[T]) -> String {
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        }
        let lists: [(&str, String); 9] = [
            ("BYSECOND", join(&self.by_second)),
            ("BYMINUTE", join(&self.by_minute)),
            ("BYHOUR", join(&self.by_hour)),
            (
                "BYDAY",
                self.by_day
                    .iter()
                    .map(|d| {
                        format!(
                            "{}{}",
                            d.ordinal.map(|o| o.to_string()).unwrap_or_default(),
                            day_code(d.weekday)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("BYMONTHDAY", join(&self.by_month_day)),
            ("BYYEARDAY", join(&self.by_year_day)),
            ("BYWEEKNO", join(&self.by_week_no)),
            ("BYMONTH", join(&self.by_month)),
            ("BYSETPOS", join(&self.by_set_pos)),
        ];
        for (k, v) in lists {
            if !v.is_empty() {
                parts.push(format!("{k}={v}"));
            }
        }
        if let Some(w) = self.week_start {
            parts.push(format!("WKST={}", day_code(w)));
        }
        parts.join(";")
    }
}

fn list<T: std::str::FromStr>(v: &str) -> Option<Vec<T>> {
    v.split(',')
        .map(|x| x.trim().trim_start_matches('+').parse().ok())
        .collect()
}

pub(crate) fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.trim().to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

pub(crate) fn day_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn parse_by_day(s: &str) -> Result<ByDay, Error> {
    let s = s.trim();
    let bad = || Error::Parse(format!("bad BYDAY {s:?}"));
    if s.len() < 2 || !s.is_char_boundary(s.len() - 2) {
        return Err(bad());
    }
    let (num, day) = s.split_at(s.len() - 2);
    let weekday = weekday(day).ok_or_else(bad)?;
    let ordinal = if num.is_empty() {
        None
    } else {
        let n: i16 = num.trim_start_matches('+').parse().map_err(|_| bad())?;
        if n == 0 || n.abs() > 53 {
            return Err(bad());
        }
        Some(n)
    };
    Ok(ByDay { ordinal, weekday })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_back() {
        let src =
            "FREQ=MONTHLY;UNTIL=20261231T225959Z;INTERVAL=2;BYDAY=-1FR,2MO;BYSETPOS=1;WKST=SU";
        let r = Recurrence::parse(src).unwrap();
        assert_eq!(r.freq, Frequency::Monthly);
        assert_eq!(
            r.by_day[0],
            ByDay {
                ordinal: Some(-1),
                weekday: Weekday::Fri
            }
        );
        assert_eq!(Recurrence::parse(&r.to_value()).unwrap(), r);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Recurrence::parse("BYDAY=MO").is_err());
        assert!(Recurrence::parse("FREQ=WEEKLY;BYDAY=XX").is_err());
        assert!(Recurrence::parse("FREQ=WEEKLY;INTERVAL=0").is_err());
    }
}
