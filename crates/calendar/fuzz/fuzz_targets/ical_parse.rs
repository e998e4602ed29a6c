//! Parses arbitrary bytes as iCalendar; whatever parses must serialise, parse again, and expand
//! over a bounded window without panicking.
#![no_main]

use chrono::{TimeZone, Utc};
use kontor_calendar::{Calendar, Zone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cal) = Calendar::parse(text) else {
        return;
    };
    let written = cal.to_ics();
    let again = Calendar::parse(&written).expect("our own output must parse");
    assert_eq!(again.items.len(), cal.items.len());
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let _ = cal.expand(from, to, &Zone::Iana(chrono_tz::Europe::Berlin));
});
