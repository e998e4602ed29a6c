//! Time zones: IANA names, Windows names, and zones defined only by a VTIMEZONE.
//!
//! A TZID is resolved in this order (see docs/decisions/0002-icalendar-library.md):
//! 1. an IANA name known to `chrono-tz` (`Europe/Berlin`);
//! 2. a Windows name from the CLDR `windowZones` table in `data/windows_zones.tsv`
//!    (`W. Europe Standard Time`);
//! 3. the VTIMEZONE's `X-LIC-LOCATION` or `X-MICROSOFT-CDO-TZID`;
//! 4. `calcard`'s name heuristics (Outlook display names such as `(UTC+01:00) Amsterdam, …`,
//!    `/softwarestudio.org/…/Europe/Berlin` prefixes);
//! 5. the VTIMEZONE's own STANDARD/DAYLIGHT observances (RFC 5545 §3.6.5), evaluated here —
//!    this is what makes Outlook's `Customized Time Zone` right.
//!
//! Local times are turned into instants as RFC 5545 §3.3.5 asks: a time inside a DST gap is
//! moved forward by the gap (interpreted with the offset before the gap), and an ambiguous time
//! in the repeated hour means its first occurrence.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};

use crate::ical::Component;
use crate::recur::{Frequency, Recurrence};
use crate::value::{DateOrTime, parse_utc_offset};

/// A resolved time zone.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    Utc,
    Iana(chrono_tz::Tz),
    /// A constant offset in seconds east of UTC.
    Fixed(i32),
    /// Rules taken from a VTIMEZONE (or an EAS TimeZone blob).
    Rules(Arc<ZoneRules>),
}

/// One STANDARD or DAYLIGHT observance of a VTIMEZONE.
#[derive(Debug, Clone, PartialEq)]
pub struct Observance {
    /// Local onset time (in `offset_from`).
    pub start: NaiveDateTime,
    pub offset_from: i32,
    pub offset_to: i32,
    pub rule: Option<Recurrence>,
    pub rdates: Vec<NaiveDateTime>,
    pub daylight: bool,
}

/// The observances of one zone.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneRules {
    pub name: String,
    pub observances: Vec<Observance>,
}

static WINDOWS: OnceLock<HashMap<String, chrono_tz::Tz>> = OnceLock::new();

/// The checked-in CLDR Windows → IANA table.
pub const WINDOWS_ZONES_TSV: &str = include_str!("../data/windows_zones.tsv");

fn windows_table() -> &'static HashMap<String, chrono_tz::Tz> {
    WINDOWS.get_or_init(|| {
        WINDOWS_ZONES_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (win, iana) = l.split_once('\t')?;
                let tz = chrono_tz::Tz::from_str(iana.trim()).ok()?;
                Some((win.trim().to_ascii_lowercase(), tz))
            })
            .collect()
    })
}

/// Maps a Windows zone name ("W. Europe Standard Time") to its IANA zone.
pub fn windows_to_iana(name: &str) -> Option<chrono_tz::Tz> {
    windows_table()
        .get(&name.trim().to_ascii_lowercase())
        .copied()
}

/// Maps an IANA zone to the Windows name whose CLDR "001" row names it, if any.
pub fn iana_to_windows(tz: chrono_tz::Tz) -> Option<&'static str> {
    WINDOWS_ZONES_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .find(|(_, iana)| chrono_tz::Tz::from_str(iana.trim()).ok() == Some(tz))
        .map(|(w, _)| w)
}

/// Resolves a TZID by name alone (steps 1, 2 and 4).
pub fn zone_by_name(tzid: &str) -> Option<Zone> {
    let t = tzid.trim().trim_matches('"');
    if t.eq_ignore_ascii_case("UTC") || t.eq_ignore_ascii_case("GMT") || t == "Z" {
        return Some(Zone::Utc);
    }
    if let Ok(tz) = chrono_tz::Tz::from_str(t) {
        return Some(Zone::Iana(tz));
    }
    if let Some(tz) = windows_to_iana(t) {
        return Some(Zone::Iana(tz));
    }
    match calcard::common::timezone::Tz::from_str(t) {
        Ok(calcard::common::timezone::Tz::Tz(tz)) => Some(Zone::Iana(tz)),
        Ok(calcard::common::timezone::Tz::Fixed(off)) => Some(Zone::Fixed(off.local_minus_utc())),
        _ => None,
    }
}

/// Resolves TZIDs against the VTIMEZONEs of one calendar object.
#[derive(Debug, Default, Clone)]
pub struct Resolver {
    zones: HashMap<String, Zone>,
}

impl Resolver {
    /// Builds the resolver from the VTIMEZONE components of a VCALENDAR.
    pub fn from_vtimezones<'a>(vtimezones: impl IntoIterator<Item = &'a Component>) -> Self {
        let mut zones = HashMap::new();
        for vtz in vtimezones {
            let Some(tzid) = vtz.prop("TZID").map(|p| p.value.trim().to_string()) else {
                continue;
            };
            if let Some(z) = resolve_vtimezone(&tzid, vtz) {
                zones.insert(tzid, z);
            }
        }
        Self { zones }
    }

    /// The zone for a TZID, or `None` when nothing is known about it.
    pub fn resolve(&self, tzid: &str) -> Option<Zone> {
        if let Some(z) = self.zones.get(tzid.trim()) {
            return Some(z.clone());
        }
        zone_by_name(tzid)
    }
}

fn resolve_vtimezone(tzid: &str, vtz: &Component) -> Option<Zone> {
    let t = tzid.trim();
    if let Ok(tz) = chrono_tz::Tz::from_str(t) {
        return Some(Zone::Iana(tz));
    }
    if let Some(tz) = windows_to_iana(t) {
        return Some(Zone::Iana(tz));
    }
    if let Some(loc) = vtz.prop("X-LIC-LOCATION")
        && let Ok(tz) = chrono_tz::Tz::from_str(loc.value.trim())
    {
        return Some(Zone::Iana(tz));
    }
    if let Some(cdo) = vtz.prop("X-MICROSOFT-CDO-TZID")
        && let Some(calcard::common::timezone::Tz::Tz(tz)) =
            calcard::common::timezone::Tz::from_ms_cdo_zone_id(cdo.value.trim())
    {
        // A CDO id only names a region; trust it only if the rules agree on the offsets.
        let rules = rules_from_vtimezone(t, vtz);
        if rules.as_ref().is_none_or(|r| r.agrees_with(tz)) {
            return Some(Zone::Iana(tz));
        }
    }
    if let Some(z) = zone_by_name(t) {
        return Some(z);
    }
    rules_from_vtimezone(t, vtz).map(|r| Zone::Rules(Arc::new(r)))
}

/// Reads the STANDARD/DAYLIGHT observances of a VTIMEZONE (RFC 5545 §3.6.5).
pub fn rules_from_vtimezone(name: &str, vtz: &Component) -> Option<ZoneRules> {
    let mut observances = Vec::new();
    for c in &vtz.children {
        let daylight = match c.name.as_str() {
            "STANDARD" => false,
            "DAYLIGHT" => true,
            _ => continue,
        };
        let start = c
            .prop("DTSTART")
            .and_then(|p| DateOrTime::from_line(p).ok())
            .map(|d| d.naive());
        let to = c
            .prop("TZOFFSETTO")
            .and_then(|p| parse_utc_offset(&p.value).ok());
        let from = c
            .prop("TZOFFSETFROM")
            .and_then(|p| parse_utc_offset(&p.value).ok());
        let (Some(start), Some(to)) = (start, to) else {
            continue;
        };
        let rule = c
            .prop("RRULE")
            .and_then(|p| Recurrence::parse(&p.value).ok());
        let rdates = c
            .props_named("RDATE")
            .flat_map(DateOrTime::list_from_line)
            .map(|d| d.naive())
            .collect();
        observances.push(Observance {
            start,
            offset_from: from.unwrap_or(to),
            offset_to: to,
            rule,
            rdates,
            daylight,
        });
    }
    if observances.is_empty() {
        None
    } else {
        Some(ZoneRules {
            name: name.to_string(),
            observances,
        })
    }
}

/// Date of the `n`th (1-based; negative counts from the end) `weekday` in a month.
pub fn nth_weekday(year: i32, month: u32, weekday: chrono::Weekday, n: i16) -> Option<NaiveDate> {
    if n > 0 {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let delta = (7 + weekday.num_days_from_monday() as i64
            - first.weekday().num_days_from_monday() as i64)
            % 7;
        let d = first + TimeDelta::days(delta + 7 * (n as i64 - 1));
        (d.month() == month).then_some(d)
    } else {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let last = next.pred_opt()?;
        let delta = (7 + last.weekday().num_days_from_monday() as i64
            - weekday.num_days_from_monday() as i64)
            % 7;
        let d = last - TimeDelta::days(delta + 7 * ((-n) as i64 - 1));
        (d.month() == month).then_some(d)
    }
}

impl Observance {
    /// Local onsets of this observance that fall in `year`.
    fn onsets_in_year(&self, year: i32) -> Vec<NaiveDateTime> {
        let mut out: Vec<NaiveDateTime> = self
            .rdates
            .iter()
            .copied()
            .chain(std::iter::once(self.start))
            .filter(|d| d.year() == year)
            .collect();
        if let Some(rule) = &self.rule
            && rule.freq == Frequency::Yearly
            && year > self.start.year()
        {
            let month = rule
                .by_month
                .first()
                .map(|m| *m as u32)
                .unwrap_or(self.start.month());
            let date = match (rule.by_day.first(), rule.by_month_day.as_slice()) {
                (Some(bd), []) => nth_weekday(year, month, bd.weekday, bd.ordinal.unwrap_or(1)),
                // Old style: BYMONTHDAY=8,9,…,14;BYDAY=SU → the weekday within those days.
                (Some(bd), days) => days
                    .iter()
                    .filter_map(|d| NaiveDate::from_ymd_opt(year, month, (*d).max(1) as u32))
                    .find(|d| d.weekday() == bd.weekday),
                (None, [d, ..]) => NaiveDate::from_ymd_opt(year, month, (*d).max(1) as u32),
                (None, []) => NaiveDate::from_ymd_opt(year, month, self.start.day()),
            };
            if let Some(date) = date {
                let onset = date.and_time(self.start.time());
                let within = match &rule.until {
                    None => true,
                    Some(DateOrTime::Utc(u)) => {
                        onset - TimeDelta::seconds(self.offset_from as i64) <= u.naive_utc()
                    }
                    Some(other) => onset <= other.naive(),
                };
                if within {
                    out.push(onset);
                }
            }
        }
        out
    }
}

impl ZoneRules {
    /// Offset (seconds east) in force at a UTC instant.
    pub fn offset_at(&self, utc: NaiveDateTime) -> i32 {
        let mut best: Option<(NaiveDateTime, i32)> = None;
        for o in &self.observances {
            for year in [utc.year() - 1, utc.year()] {
                for onset in o.onsets_in_year(year) {
                    let onset_utc = onset - TimeDelta::seconds(o.offset_from as i64);
                    if onset_utc <= utc && best.is_none_or(|(b, _)| onset_utc > b) {
                        best = Some((onset_utc, o.offset_to));
                    }
                }
            }
        }
        if let Some((_, off)) = best {
            return off;
        }
        // Older than every onset we looked at: the last onset before `utc` may be in an earlier
        // year (a zone without DST). Use the latest observance that started before `utc`.
        self.observances
            .iter()
            .filter(|o| o.start - TimeDelta::seconds(o.offset_from as i64) <= utc)
            .max_by_key(|o| o.start)
            .or_else(|| self.observances.iter().min_by_key(|o| o.start))
            .map(|o| {
                if o.start - TimeDelta::seconds(o.offset_from as i64) <= utc {
                    o.offset_to
                } else {
                    o.offset_from
                }
            })
            .unwrap_or(0)
    }

    /// True when this zone gives the same offsets as `tz` at a few probe instants.
    pub fn agrees_with(&self, tz: chrono_tz::Tz) -> bool {
        let year = Utc::now().year();
        [(1, 15), (4, 15), (7, 15), (10, 15)].iter().all(|(m, d)| {
            let probe = NaiveDate::from_ymd_opt(year, *m, *d)
                .expect("valid")
                .and_hms_opt(12, 0, 0)
                .expect("valid");
            tz.offset_from_utc_datetime(&probe).fix().local_minus_utc() == self.offset_at(probe)
        })
    }
}

impl Zone {
    /// Offset (seconds east) at a UTC instant.
    pub fn offset_at(&self, utc: NaiveDateTime) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(s) => *s,
            Zone::Iana(tz) => tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
            Zone::Rules(r) => r.offset_at(utc),
        }
    }

    /// The instant of a local wall-clock time (RFC 5545 §3.3.5 gap/overlap rules).
    pub fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Utc => local.and_utc(),
            Zone::Fixed(s) => (local - TimeDelta::seconds(*s as i64)).and_utc(),
            Zone::Iana(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(d) => d.with_timezone(&Utc),
                chrono::LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
                chrono::LocalResult::None => {
                    let before = self.offset_at(local - TimeDelta::days(1));
                    (local - TimeDelta::seconds(before as i64)).and_utc()
                }
            },
            Zone::Rules(r) => {
                let mut offsets: Vec<i32> = r
                    .observances
                    .iter()
                    .flat_map(|o| [o.offset_from, o.offset_to])
                    .collect();
                offsets.sort_unstable_by(|a, b| b.cmp(a));
                offsets.dedup();
                for o in &offsets {
                    let utc = local - TimeDelta::seconds(*o as i64);
                    if r.offset_at(utc) == *o {
                        return utc.and_utc();
                    }
                }
                let before = r.offset_at(local - TimeDelta::days(1));
                (local - TimeDelta::seconds(before as i64)).and_utc()
            }
        }
    }

    /// Wall-clock time of an instant in this zone.
    pub fn utc_to_local(&self, utc: DateTime<Utc>) -> NaiveDateTime {
        utc.naive_utc() + TimeDelta::seconds(self.offset_at(utc.naive_utc()) as i64)
    }

    /// A short name for reports and expected files.
    pub fn name(&self) -> String {
        match self {
            Zone::Utc => "UTC".into(),
            Zone::Iana(tz) => tz.name().into(),
            Zone::Fixed(s) => format!("UTC{:+03}:{:02}", s / 3600, (s.abs() % 3600) / 60),
            Zone::Rules(r) => format!("VTIMEZONE:{}", r.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ical::parse_components;

    #[test]
    fn every_windows_row_resolves_in_chrono_tz() {
        for l in WINDOWS_ZONES_TSV.lines().filter(|l| !l.starts_with('#')) {
            let (w, iana) = l.split_once('\t').expect("tab-separated row");
            assert!(
                chrono_tz::Tz::from_str(iana).is_ok(),
                "{w} -> {iana} unknown to chrono-tz"
            );
        }
        assert!(windows_table().len() >= 140);
        assert_eq!(
            windows_to_iana("W. Europe Standard Time"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            iana_to_windows(chrono_tz::Europe::Berlin),
            Some("W. Europe Standard Time")
        );
    }

    fn custom_zone() -> Zone {
        let src = "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Customized Time Zone\nBEGIN:STANDARD\nDTSTART:16011028T030000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:16010325T020000\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\nEND:VCALENDAR\n";
        let cal = parse_components(src).unwrap();
        Resolver::from_vtimezones(&cal[0].children)
            .resolve("Customized Time Zone")
            .unwrap()
    }

    #[test]
    fn vtimezone_rules_match_iana_including_gaps_and_folds() {
        let z = custom_zone();
        assert!(matches!(z, Zone::Rules(_)));
        let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
        let start = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 30, 0)
            .unwrap();
        // Every half hour through a year, including the gap on 29 March and the fold on 25 Oct.
        for i in 0..(365 * 48) {
            let local = start + TimeDelta::minutes(30 * i);
            assert_eq!(
                z.local_to_utc(local),
                berlin.local_to_utc(local),
                "at {local}"
            );
        }
    }

    #[test]
    fn gap_moves_forward_and_fold_takes_first() {
        let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            berlin.local_to_utc(gap).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        let fold = NaiveDate::from_ymd_opt(2026, 10, 25)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            berlin.local_to_utc(fold).to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
    }

    #[test]
    fn nth_weekday_edges() {
        assert_eq!(
            nth_weekday(2026, 3, chrono::Weekday::Sun, -1),
            NaiveDate::from_ymd_opt(2026, 3, 29)
        );
        assert_eq!(
            nth_weekday(2026, 3, chrono::Weekday::Sun, 2),
            NaiveDate::from_ymd_opt(2026, 3, 8)
        );
        assert_eq!(nth_weekday(2026, 2, chrono::Weekday::Mon, 5), None);
    }
}
