//! Expansion budget (docs/performance.md#budgets): 10,000 events, 1,000 of them recurring
//! daily/weekly with exceptions, expanded over one year in ≤ 200 ms. Each event is its own
//! calendar object, as CalDAV resources are. Run: `cargo bench -p kontor-calendar --bench expand`.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kontor_calendar::{Calendar, Zone};

fn corpus() -> Vec<Calendar> {
    let day0 = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid");
    let mut out = Vec::with_capacity(10_000);
    for i in 0..10_000u32 {
        let day = day0 + Duration::days((i % 365) as i64);
        let start = day.and_hms_opt(8 + (i % 9), 0, 0).expect("valid");
        let dt = |d: chrono::NaiveDateTime| d.format("%Y%m%dT%H%M%S").to_string();
        let mut ev = format!(
            "BEGIN:VEVENT\r\nUID:bench-{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{}\r\nDTEND;TZID=Europe/Berlin:{}\r\nSUMMARY:Event {i}\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n",
            dt(start),
            dt(start + Duration::hours(1))
        );
        let recurring = i % 10 == 0;
        let mut overrides = String::new();
        if recurring {
            let (rule, step) = if i % 20 == 0 {
                ("FREQ=DAILY", 1)
            } else {
                ("FREQ=WEEKLY", 7)
            };
            ev.push_str(&format!("RRULE:{rule}\r\n"));
            for k in [2, 5] {
                ev.push_str(&format!(
                    "EXDATE;TZID=Europe/Berlin:{}\r\n",
                    dt(start + Duration::days(k * step))
                ));
            }
            let rid = start + Duration::days(3 * step);
            overrides = format!(
                "BEGIN:VEVENT\r\nUID:bench-{i}\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:{}\r\nDTSTART;TZID=Europe/Berlin:{}\r\nDTEND;TZID=Europe/Berlin:{}\r\nSUMMARY:Moved {i}\r\nEND:VEVENT\r\n",
                dt(rid),
                dt(rid + Duration::hours(2)),
                dt(rid + Duration::hours(3))
            );
        }
        ev.push_str("END:VEVENT\r\n");
        let text = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:bench\r\n{ev}{overrides}END:VCALENDAR\r\n"
        );
        out.push(Calendar::parse(&text).expect("bench data parses"));
    }
    out
}

fn bench(c: &mut Criterion) {
    let cals = corpus();
    let zone = Zone::Iana(chrono_tz::Europe::Berlin);
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let total: usize = cals
        .iter()
        .map(|cal| cal.expand(from, to, &zone).len())
        .sum();
    assert!(total > 100_000, "{total} occurrences");
    let mut g = c.benchmark_group("expand");
    g.sample_size(10);
    g.bench_function("10k events (1k recurring) over one year", |b| {
        b.iter(|| {
            cals.iter()
                .map(|cal| cal.expand(from, to, &zone).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
