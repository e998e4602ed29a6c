//! Arbitrary bytes as a WebDAV multistatus: parsing, calendar listing and sync bookkeeping must
//! never panic.
#![no_main]

use kontor_caldav::xml::{error_conditions, parse_multistatus};
use kontor_caldav::{SyncState, apply_sync_page, calendars_in};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = error_conditions(text);
    let Ok(ms) = parse_multistatus(text) else {
        return;
    };
    let base = url::Url::parse("http://127.0.0.1:20000/SOGo/dav/alice/Calendar/").expect("valid");
    let _ = calendars_in(&base, &ms);
    let mut state = SyncState::new();
    let _ = apply_sync_page(&base, &ms, &mut state);
});
