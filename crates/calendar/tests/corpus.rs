//! Corpus test: every `tests/corpus/*.ics` is parsed and expanded over the year 2026 in
//! Europe/Berlin; the occurrences and alarm instants are compared with the checked-in
//! `*.expected` file. A mismatch fails and writes `*.actual` next to it plus a diff in the
//! failure message. `KONTOR_BLESS=1` rewrites the expected files (review them by hand: a wrong
//! expected file is a bug). The expected files were checked by reasoning from RFC 5545 and the
//! zones' DST dates (EU: 29 Mar / 25 Oct 2026, US: 8 Mar / 1 Nov 2026).

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use kontor_calendar::{Calendar, Zone};

fn render(cal: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut out = String::new();
    let zone = Zone::Iana(chrono_tz::Europe::Berlin);
    for o in cal.expand(from, to, &zone) {
        let fmt = |d: DateTime<Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut flags = Vec::new();
        if o.all_day {
            flags.push("all-day");
        }
        if o.is_override {
            flags.push("override");
        }
        let _ = writeln!(
            out,
            "{} .. {} local={} zone={} {}{}{:?}",
            fmt(o.start),
            fmt(o.end),
            o.local_start.format("%Y-%m-%dT%H:%M"),
            o.zone,
            flags.join(","),
            if flags.is_empty() { "" } else { " " },
            o.summary.as_deref().unwrap_or(""),
        );
        if o.instance != o.start {
            let _ = writeln!(out, "    instance {}", fmt(o.instance));
        }
        for a in &o.alarms {
            let _ = writeln!(out, "    alarm {}", fmt(*a));
        }
    }
    if out.is_empty() {
        out.push_str("(no occurrences)\n");
    }
    out
}

fn diff(expected: &str, actual: &str) -> String {
    let mut d = String::new();
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                let _ = writeln!(
                    d,
                    "line {}:\n  - {}\n  + {}",
                    i + 1,
                    x.unwrap_or(&""),
                    y.unwrap_or(&"")
                );
            }
        }
    }
    d
}

#[test]
fn corpus_matches_expected_occurrences_and_alarms() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let bless = std::env::var("KONTOR_BLESS").is_ok_and(|v| v == "1");
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ics"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable corpus file");
        let cal = Calendar::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Serialising and parsing again must not change what the file means.
        let again = Calendar::parse(&cal.to_ics())
            .unwrap_or_else(|e| panic!("{}: re-read: {e}", path.display()));
        let actual = render(&cal, from, to);
        assert_eq!(
            render(&again, from, to),
            actual,
            "{}: round trip changed the occurrences",
            path.display()
        );
        let expected_path = path.with_extension("expected");
        let actual_path = path.with_extension("actual");
        ran += 1;
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expected");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            std::fs::write(&actual_path, &actual).expect("write actual");
            failures.push(format!("{}:\n{}", path.display(), diff(&expected, &actual)));
        } else {
            let _ = std::fs::remove_file(&actual_path);
        }
    }
    assert!(ran >= 30, "only {ran} corpus files ran");
    assert!(
        failures.is_empty(),
        "{} corpus mismatches (KONTOR_BLESS=1 regenerates):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
