//! The ActiveSync TimeZone blob (MS-ASDTYPE 2.7.6): a base64-encoded 172-byte
//! TIME_ZONE_INFORMATION structure.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | Bias (LONG, minutes; UTC = local + Bias) |
//! | 4 | 64 | StandardName (32 × UTF-16LE; 8-bit text from Z-Push, see `name_at`) |
//! | 68 | 16 | StandardDate (SYSTEMTIME) |
//! | 84 | 4 | StandardBias |
//! | 88 | 64 | DaylightName |
//! | 152 | 16 | DaylightDate (SYSTEMTIME) |
//! | 168 | 4 | DaylightBias |
//!
//! With `wYear == 0` a SYSTEMTIME is a yearly rule: `wDay` is the week of the month (1–4, 5 =
//! last) of weekday `wDayOfWeek` (0 = Sunday) in month `wMonth`, at `wHour:wMinute` local time.
//! Kopano/Z-Push sends an all-zero blob (or only names); [`EasTimeZone::to_zone`] returns `None`
//! for those and the caller uses the user's zone.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc, Weekday};

use crate::Error;
use crate::recur::{ByDay, Frequency, Recurrence};
use crate::tz::{Observance, Zone, ZoneRules, iana_to_windows, windows_to_iana, zone_by_name};
use crate::vtimezone::yearly_rule;

/// A Windows SYSTEMTIME as used in the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SystemTime {
    pub year: u16,
    pub month: u16,
    pub day_of_week: u16,
    pub day: u16,
    pub hour: u16,
    pub minute: u16,
    pub second: u16,
    pub millis: u16,
}

/// The decoded blob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EasTimeZone {
    pub bias: i32,
    pub standard_name: String,
    pub standard_date: SystemTime,
    pub standard_bias: i32,
    pub daylight_name: String,
    pub daylight_date: SystemTime,
    pub daylight_bias: i32,
}

const LEN: usize = 172;

fn i32_at(b: &[u8], o: usize) -> i32 {
    i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}

/// A StandardName/DaylightName field (64 bytes). MS-ASDTYPE 2.7.6 says 32 UTF-16LE code
/// units, but Z-Push 2.7 writes the names as 8-bit text ("CET\0…" in single bytes). The bytes
/// decide: UTF-16 text of ASCII/Latin-1 characters has a zero byte at every odd position; 8-bit
/// text has non-zero bytes there and ends with a single NUL followed by zero padding. A field
/// that reads as printable 8-bit text that way is taken as Latin-1, everything else as UTF-16LE.
/// Either is cut at its first NUL.
fn name_at(b: &[u8], o: usize) -> String {
    let field = &b[o..o + 64];
    let units: Vec<u16> = field
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    let wide_latin = units.iter().all(|u| *u <= 0xff);
    if !wide_latin && let Some(text) = eight_bit(field) {
        return text;
    }
    String::from_utf16_lossy(&units)
}

/// The field as 8-bit (Latin-1) text, when it looks like one: printable bytes up to the first
/// NUL and only zeros after it.
fn eight_bit(field: &[u8]) -> Option<String> {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    let (text, rest) = field.split_at(end);
    let printable = |b: &u8| matches!(b, 0x20..=0x7e | 0xa0..=0xff);
    (!text.is_empty() && text.iter().all(printable) && rest.iter().all(|b| *b == 0))
        .then(|| text.iter().map(|b| char::from(*b)).collect())
}

fn st_at(b: &[u8], o: usize) -> SystemTime {
    SystemTime {
        year: u16_at(b, o),
        month: u16_at(b, o + 2),
        day_of_week: u16_at(b, o + 4),
        day: u16_at(b, o + 6),
        hour: u16_at(b, o + 8),
        minute: u16_at(b, o + 10),
        second: u16_at(b, o + 12),
        millis: u16_at(b, o + 14),
    }
}

fn put_name(out: &mut Vec<u8>, s: &str) {
    let mut units: Vec<u16> = s.encode_utf16().take(31).collect();
    units.resize(32, 0);
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

fn put_st(out: &mut Vec<u8>, st: &SystemTime) {
    for v in [
        st.year,
        st.month,
        st.day_of_week,
        st.day,
        st.hour,
        st.minute,
        st.second,
        st.millis,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn weekday_from_windows(d: u16) -> Weekday {
    match d % 7 {
        0 => Weekday::Sun,
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        _ => Weekday::Sat,
    }
}

impl EasTimeZone {
    /// Decodes the raw 172 bytes (after base64).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() < LEN {
            return Err(Error::Eas(format!(
                "TimeZone blob has {} bytes, expected {LEN}",
                bytes.len()
            )));
        }
        Ok(EasTimeZone {
            bias: i32_at(bytes, 0),
            standard_name: name_at(bytes, 4),
            standard_date: st_at(bytes, 68),
            standard_bias: i32_at(bytes, 84),
            daylight_name: name_at(bytes, 88),
            daylight_date: st_at(bytes, 152),
            daylight_bias: i32_at(bytes, 168),
        })
    }

    /// Encodes to the raw 172 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN);
        out.extend_from_slice(&self.bias.to_le_bytes());
        put_name(&mut out, &self.standard_name);
        put_st(&mut out, &self.standard_date);
        out.extend_from_slice(&self.standard_bias.to_le_bytes());
        put_name(&mut out, &self.daylight_name);
        put_st(&mut out, &self.daylight_date);
        out.extend_from_slice(&self.daylight_bias.to_le_bytes());
        out
    }

    /// True for Z-Push's all-zero blob (no information at all).
    pub fn is_empty(&self) -> bool {
        self.bias == 0
            && self.standard_bias == 0
            && self.daylight_bias == 0
            && self.standard_date.month == 0
            && self.daylight_date.month == 0
            && self.standard_name.trim().is_empty()
            && self.daylight_name.trim().is_empty()
    }

    /// The zone the blob describes: by Windows/IANA name when the name is known and the rules
    /// agree with it, else by its rules. `None` for an all-zero blob or a name-only blob whose
    /// name is unknown.
    pub fn to_zone(&self) -> Option<Zone> {
        if self.is_empty() {
            return None;
        }
        let rules = self.rules();
        for name in [&self.standard_name, &self.daylight_name] {
            if let Some(Zone::Iana(tz)) = windows_to_iana(name)
                .map(Zone::Iana)
                .or_else(|| zone_by_name(name))
            {
                match &rules {
                    Some(r) if !r.agrees_with(tz) => {}
                    _ => return Some(Zone::Iana(tz)),
                }
            }
        }
        if self.bias == 0 && self.standard_date.month == 0 && self.daylight_date.month == 0 {
            // Names only, unknown: no offsets to go by.
            return None;
        }
        match rules {
            Some(r) => Some(Zone::Rules(Arc::new(r))),
            None => Some(Zone::Fixed(-(self.bias + self.standard_bias) * 60)),
        }
    }

    /// The yearly rules, when the blob has both transition dates.
    pub fn rules(&self) -> Option<ZoneRules> {
        let (s, d) = (&self.standard_date, &self.daylight_date);
        if s.month == 0 || d.month == 0 {
            return None;
        }
        let std_off = -(self.bias + self.standard_bias) * 60;
        let dst_off = -(self.bias + self.daylight_bias) * 60;
        let obs = |st: &SystemTime, from: i32, to: i32, daylight: bool| {
            let ordinal = if st.day >= 5 {
                -1
            } else {
                st.day.max(1) as i16
            };
            let weekday = weekday_from_windows(st.day_of_week);
            let start = crate::tz::nth_weekday(1601, st.month as u32, weekday, ordinal)
                .or_else(|| NaiveDate::from_ymd_opt(1601, st.month as u32, 1))?
                .and_hms_opt(st.hour as u32 % 24, st.minute as u32 % 60, 0)?;
            let mut rule = Recurrence::new(Frequency::Yearly);
            rule.by_month = vec![st.month as u8];
            rule.by_day = vec![ByDay {
                ordinal: Some(ordinal),
                weekday,
            }];
            Some(Observance {
                start,
                offset_from: from,
                offset_to: to,
                rule: Some(rule),
                rdates: Vec::new(),
                daylight,
            })
        };
        Some(ZoneRules {
            name: if self.standard_name.is_empty() {
                "ActiveSync zone".into()
            } else {
                self.standard_name.clone()
            },
            observances: vec![
                obs(s, dst_off, std_off, false)?,
                obs(d, std_off, dst_off, true)?,
            ],
        })
    }

    /// The blob for an IANA zone, using this year's rules.
    pub fn from_iana(tz: chrono_tz::Tz) -> Self {
        let year = Utc::now().year();
        let name = iana_to_windows(tz)
            .map(str::to_string)
            .unwrap_or_else(|| tz.name().to_string());
        match yearly_rule(tz, year) {
            (_, Some((std, dst))) => {
                let st = |t: &crate::vtimezone::YearlyTransition| SystemTime {
                    year: 0,
                    month: t.month as u16,
                    day_of_week: t.weekday.num_days_from_sunday() as u16,
                    day: if t.ordinal < 0 { 5 } else { t.ordinal as u16 },
                    hour: chrono::Timelike::hour(&t.local) as u16,
                    minute: chrono::Timelike::minute(&t.local) as u16,
                    second: 0,
                    millis: 0,
                };
                let bias = -std.offset_to / 60;
                EasTimeZone {
                    bias,
                    standard_name: name.clone(),
                    standard_date: st(&std),
                    standard_bias: 0,
                    daylight_name: name.replace("Standard", "Daylight"),
                    daylight_date: st(&dst),
                    daylight_bias: -(dst.offset_to - std.offset_to) / 60,
                }
            }
            (off, None) => EasTimeZone {
                bias: -off / 60,
                standard_name: name.clone(),
                daylight_name: name,
                ..Default::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn berlin_round_trips_and_resolves() {
        let blob = EasTimeZone::from_iana(chrono_tz::Europe::Berlin);
        assert_eq!(blob.bias, -60);
        assert_eq!(blob.daylight_bias, -60);
        assert_eq!(
            (
                blob.daylight_date.month,
                blob.daylight_date.day,
                blob.daylight_date.hour
            ),
            (3, 5, 2)
        );
        let bytes = blob.encode();
        assert_eq!(bytes.len(), 172);
        let back = EasTimeZone::decode(&bytes).unwrap();
        assert_eq!(back, blob);
        assert_eq!(back.to_zone(), Some(Zone::Iana(chrono_tz::Europe::Berlin)));
    }

    #[test]
    fn unnamed_rules_blob_gives_correct_offsets() {
        let mut blob = EasTimeZone::from_iana(chrono_tz::America::New_York);
        blob.standard_name = "Some custom name".into();
        blob.daylight_name = String::new();
        let zone = blob.to_zone().unwrap();
        assert!(matches!(zone, Zone::Rules(_)));
        let july = chrono::Utc
            .with_ymd_and_hms(2026, 7, 1, 12, 0, 0)
            .unwrap()
            .naive_utc();
        let jan = chrono::Utc
            .with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
            .unwrap()
            .naive_utc();
        assert_eq!(zone.offset_at(july), -4 * 3600);
        assert_eq!(zone.offset_at(jan), -5 * 3600);
    }

    /// A Berlin blob byte by byte (MS-ASDTYPE 2.7.6 layout), the names written by `name`.
    fn berlin_blob(name: impl Fn(&str) -> Vec<u8>) -> Vec<u8> {
        let st = |month: u16, hour: u16| {
            [0u16, month, 0, 5, hour, 0, 0, 0]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>()
        };
        let field = |s: &str| {
            let mut f = name(s);
            f.resize(64, 0);
            f
        };
        let mut b = Vec::new();
        b.extend_from_slice(&(-60i32).to_le_bytes());
        b.extend(field("CET"));
        b.extend(st(10, 3));
        b.extend_from_slice(&0i32.to_le_bytes());
        b.extend(field("CEST"));
        b.extend(st(3, 2));
        b.extend_from_slice(&(-60i32).to_le_bytes());
        assert_eq!(b.len(), 172);
        b
    }

    #[test]
    fn names_are_read_as_utf16_or_as_8_bit_text() {
        // Z-Push 2.7: the names in single bytes.
        let zpush = EasTimeZone::decode(&berlin_blob(|s| s.as_bytes().to_vec())).unwrap();
        assert_eq!(
            (zpush.standard_name.as_str(), zpush.daylight_name.as_str()),
            ("CET", "CEST")
        );
        // As the specification has it: UTF-16LE.
        let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let spec = EasTimeZone::decode(&berlin_blob(utf16)).unwrap();
        assert_eq!(
            (spec.standard_name.as_str(), spec.daylight_name.as_str()),
            ("CET", "CEST")
        );
        assert_eq!(zpush.to_zone(), spec.to_zone());
        // Latin-1 letters in UTF-16 (high bytes zero) and non-Latin UTF-16 stay UTF-16.
        let mut b = berlin_blob(utf16);
        let name: Vec<u8> = "Mitteleuropäische Zeit"
            .encode_utf16()
            .chain("Москва".encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect();
        b[4..4 + name.len()].copy_from_slice(&name);
        assert_eq!(
            EasTimeZone::decode(&b).unwrap().standard_name,
            "Mitteleuropäische ZeitМосква"
        );
    }

    #[test]
    fn zpush_all_zero_blob_means_unknown() {
        let blob = EasTimeZone::decode(&[0u8; 172]).unwrap();
        assert!(blob.is_empty());
        assert_eq!(blob.to_zone(), None);
        assert!(EasTimeZone::decode(&[0u8; 10]).is_err());
    }
}
