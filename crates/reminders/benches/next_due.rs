//! Next due reminders over 10,000 items, 1,000 of them recurring (daily and weekly series with
//! alarms, Europe/Berlin). Budget: ≤ 5 ms per query.
//!
//! `cargo bench -p kontor-reminders --bench next_due`

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kontor_calendar::Zone;
use kontor_reminders::{ReminderSource, Scheduler, Settings, UserState};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .expect("valid")
}

fn ics(uid: &str, start: DateTime<Utc>, rrule: &str, alarm_minutes: i64) -> String {
    let local = start.with_timezone(&chrono_tz::Europe::Berlin);
    let end = local + TimeDelta::minutes(45);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Bench//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{}\r\n\
         DTEND;TZID=Europe/Berlin:{}\r\nSUMMARY:Item {uid}\r\n{rrule}BEGIN:VALARM\r\n\
         ACTION:DISPLAY\r\nTRIGGER:-PT{alarm_minutes}M\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        local.format("%Y%m%dT%H%M%S"),
        end.format("%Y%m%dT%H%M%S"),
    )
}

/// 9,000 single events spread from 30 days ago to 60 days ahead, 500 daily and 500 weekly
/// series that started up to a year ago.
fn sources() -> Vec<ReminderSource> {
    let mut out = Vec::with_capacity(10_000);
    let base = now() - TimeDelta::days(30);
    for i in 0..9_000_i64 {
        // Spread over 90 days, on the quarter hour.
        let start = base + TimeDelta::minutes((i * 14_400 / 1_000) / 15 * 15);
        let cal = ["personal", "work", "team"][(i % 3) as usize];
        let text = ics(&format!("single-{i}"), start, "", 5 + (i % 4) * 5);
        out.push(ReminderSource::parse_ics(&format!("s{i}"), cal, &text).expect("valid"));
    }
    for i in 0..1_000_i64 {
        let start = now() - TimeDelta::days(1 + (i % 365)) + TimeDelta::minutes((i % 40) * 15);
        let rule = if i % 2 == 0 {
            "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR\r\n".to_string()
        } else {
            format!(
                "RRULE:FREQ=WEEKLY;BYDAY={}\r\n",
                ["MO", "TU", "WE", "TH", "FR"][i as usize % 5]
            )
        };
        let text = ics(&format!("series-{i}"), start, &rule, 15);
        out.push(ReminderSource::parse_ics(&format!("r{i}"), "personal", &text).expect("valid"));
    }
    out
}

fn loaded(answered: bool) -> Scheduler {
    let mut s = Scheduler::new(
        Settings::with_zone(Zone::Iana(chrono_tz::Europe::Berlin)),
        UserState {
            since: Some(now() - TimeDelta::days(400)),
            ..UserState::default()
        },
        now(),
    );
    for src in sources() {
        s.upsert(src);
    }
    if answered {
        // The usual state: everything that fell due before now was dismissed.
        s.dismiss_all(now());
    }
    s.poll(now());
    s
}

#[allow(clippy::print_stderr, reason = "a bench reports its setup")]
fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("reminders_10k");
    g.sample_size(20);
    g.bench_function("load_10k_sources", |b| {
        b.iter(|| black_box(loaded(false).len()))
    });
    g.sample_size(100);
    for (name, answered) in [("answered", true), ("unanswered_week", false)] {
        let s = loaded(answered);
        let active = s.due(now()).len();
        assert!(s.next_alarm(now()).is_some());
        eprintln!("{name}: {active} reminders due at {}", now());
        // One query = the due list at `now` plus the next wake-up, at a minute that moves on
        // each iteration (within the expansion window).
        // Answered: the next two hours (what a running app asks). Unanswered: anywhere in the
        // next six days, with up to a week of reminders nobody answered.
        let span = if answered { 120 } else { 6 * 24 * 60 };
        let mut minute = 0_i64;
        g.bench_function(format!("next_due_{name}"), |b| {
            b.iter(|| {
                minute = (minute + 1) % span;
                let at = now() + TimeDelta::minutes(minute);
                let due = s.due(at);
                let wake = s.next_wake(at);
                black_box((due.len(), wake))
            })
        });
        let mut s = s;
        let mut at = now();
        g.bench_function(format!("poll_{name}"), |b| {
            b.iter(|| {
                at += TimeDelta::seconds(30);
                if at > now() + TimeDelta::minutes(span) {
                    at = now();
                }
                black_box(s.poll(at).active.len())
            })
        });
    }
    // Moving the expansion window re-expands the 1,000 series (every 7 days of uptime, or
    // when the clock jumps). Alternate between two instants 8 days apart so each poll moves it.
    let mut series = Scheduler::new(
        Settings::with_zone(Zone::Iana(chrono_tz::Europe::Berlin)),
        UserState {
            since: Some(now() - TimeDelta::days(400)),
            ..UserState::default()
        },
        now(),
    );
    for src in sources().into_iter().skip(9_000) {
        series.upsert(src);
    }
    g.sample_size(10);
    let mut flip = false;
    g.bench_function("window_move_1000_series", |b| {
        b.iter(|| {
            flip = !flip;
            let at = if flip {
                now() + TimeDelta::days(8)
            } else {
                now()
            };
            black_box(series.poll(at).next_wake)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
