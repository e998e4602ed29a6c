//! The seeded recurring series (`weekly-series.ics` in alice's SOGo calendar: weekly across a
//! DST change, one EXDATE, one moved occurrence) read over ActiveSync and over CalDAV must give
//! the same occurrences once both go through `kontor-calendar`.
//!
//! The WBXML → `EasCalendarItem` reading here is a small test-local reader of the MS-ASCAL
//! elements the series uses; the app's own reader belongs to `kontor-eas`/`kontor-core`.

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use kontor_calendar::eas::{EasCalendarItem, EasException, EasRecurrence, from_eas};
use kontor_calendar::{Calendar, Occurrence, Zone};
use kontor_eas::folder_sync::Change;
use kontor_eas::sync::{CollectionRequest, FilterType, ServerChange, SyncOptions};
use kontor_eas::{EasClient, EasConfig};
use kontor_live_tests::{ALICE, SOGO_DAV_URL, SOGO_EAS_URL, require_sogo};
use kontor_wbxml::Element;
use kontor_wbxml::pages::calendar as cal;

const UID: &str = "kontor-seed-weekly-series";

fn eas_time(s: &str) -> Option<DateTime<Utc>> {
    // MS-ASDTYPE 2.7.2: compact (20261006T080000Z) or extended (2026-10-06T08:00:00.000Z).
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.fZ"))
        .ok()
        .map(|n| n.and_utc())
}

fn num<T: std::str::FromStr>(e: &Element, tag: kontor_wbxml::Tag) -> Option<T> {
    e.child_text(tag).and_then(|t| t.trim().parse().ok())
}

fn read_item(d: &Element) -> EasCalendarItem {
    let recurrence = d.child(cal::Recurrence).map(|r| EasRecurrence {
        recurrence_type: num(r, cal::Type).unwrap_or(0),
        interval: num(r, cal::Interval),
        until: r.child_text(cal::Until).and_then(|t| eas_time(&t)),
        occurrences: num(r, cal::Occurrences),
        week_of_month: num(r, cal::WeekOfMonth),
        day_of_month: num(r, cal::DayOfMonth),
        day_of_week: num(r, cal::DayOfWeek),
        month_of_year: num(r, cal::MonthOfYear),
        first_day_of_week: num(r, cal::FirstDayOfWeek),
    });
    let exceptions = d
        .child(cal::Exceptions)
        .map(|x| {
            x.children_with(cal::Exception)
                .map(|e| EasException {
                    deleted: e.child_text(cal::Deleted).is_some_and(|v| v.trim() == "1"),
                    exception_start_time: e
                        .child_text(cal::ExceptionStartTime)
                        .and_then(|t| eas_time(&t))
                        .expect("ExceptionStartTime"),
                    subject: e.child_text(cal::Subject),
                    start_time: e.child_text(cal::StartTime).and_then(|t| eas_time(&t)),
                    end_time: e.child_text(cal::EndTime).and_then(|t| eas_time(&t)),
                    location: e.child_text(cal::Location),
                    reminder: num(e, cal::Reminder),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default();
    EasCalendarItem {
        timezone: d.child_text(cal::TimeZone).and_then(|t| {
            base64::engine::general_purpose::STANDARD
                .decode(t.trim())
                .ok()
        }),
        uid: d.child_text(cal::UID),
        start_time: d.child_text(cal::StartTime).and_then(|t| eas_time(&t)),
        end_time: d.child_text(cal::EndTime).and_then(|t| eas_time(&t)),
        all_day_event: d
            .child_text(cal::AllDayEvent)
            .is_some_and(|v| v.trim() == "1"),
        subject: d.child_text(cal::Subject),
        location: d.child_text(cal::Location),
        reminder: num(d, cal::Reminder),
        meeting_status: num(d, cal::MeetingStatus),
        recurrence,
        exceptions,
        ..Default::default()
    }
}

async fn series_over_eas() -> (EasCalendarItem, String) {
    let cfg = EasConfig::new(SOGO_EAS_URL, ALICE.name, ALICE.password, "KontorCalEquiv1")
        .expect("config")
        .device_type("KontorTest");
    let mut c = EasClient::new(cfg).expect("client");
    c.negotiate().await.expect("OPTIONS");
    c.provision().await.expect("Provision");
    let h = c.folder_sync("0").await.expect("FolderSync");
    let folder = h
        .changes
        .iter()
        .find_map(|ch| match ch {
            Change::Add(f) if f.server_id == "vevent%2Fpersonal" => Some(f.server_id.clone()),
            _ => None,
        })
        .expect("alice's personal calendar over EAS");
    let first = c
        .sync(&[CollectionRequest::new(&folder, "0")])
        .await
        .expect("Sync 0");
    let mut key = first
        .collection(&folder)
        .expect("collection")
        .sync_key
        .clone();
    let options = SyncOptions {
        filter_type: Some(FilterType::All),
        ..Default::default()
    };
    for _ in 0..20 {
        let mut req = CollectionRequest::new(&folder, &key);
        req.options = Some(options.clone());
        let r = c.sync(&[req]).await.expect("Sync");
        let Some(col) = r.collection(&folder) else {
            break;
        };
        for ch in &col.changes {
            if let ServerChange::Add { server_id, data } | ServerChange::Change { server_id, data } =
                ch
                && data.child_text(cal::UID).as_deref() == Some(UID)
            {
                return (read_item(data), server_id.clone());
            }
        }
        if !col.more_available {
            break;
        }
        key = col.sync_key.clone();
    }
    panic!("the seeded series {UID} did not come over EAS");
}

fn key(o: &Occurrence) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>, String) {
    (
        o.instance,
        o.start,
        o.end,
        o.summary.clone().unwrap_or_default(),
    )
}

#[tokio::test]
async fn seeded_series_has_the_same_occurrences_over_eas_and_caldav() {
    require_sogo();
    let berlin = Zone::Iana(chrono_tz::Europe::Berlin);

    let (item, server_id) = series_over_eas().await;
    assert!(
        item.recurrence.is_some(),
        "EAS item has a Recurrence: {item:?}"
    );
    let over_eas = from_eas(&item, &server_id, &berlin).expect("EAS item maps to the model");

    let dav = kontor_caldav::DavClient::new(
        kontor_net::client(&kontor_net::ClientOptions::default()).expect("http"),
        kontor_caldav::Credentials {
            user: ALICE.name.into(),
            password: ALICE.password.into(),
        },
    );
    let url = url::Url::parse(SOGO_DAV_URL)
        .unwrap()
        .join("alice/Calendar/personal/weekly-series.ics")
        .unwrap();
    let res = dav
        .get(&url)
        .await
        .expect("GET")
        .expect("seeded resource exists");
    let over_dav = Calendar::parse(&res.data).expect("iCalendar");

    let start = item.start_time.expect("StartTime") - TimeDelta::days(1);
    let end = start + TimeDelta::days(200);
    let a: Vec<_> = over_eas
        .expand(start, end, &berlin)
        .iter()
        .map(key)
        .collect();
    let b: Vec<_> = over_dav
        .expand(start, end, &berlin)
        .iter()
        .map(key)
        .collect();
    assert!(
        b.len() >= 10,
        "the seeded series has many occurrences: {b:?}"
    );
    assert_eq!(a, b, "EAS and CalDAV disagree");
    // The moved occurrence and the DST change are in there.
    assert!(b.iter().any(|o| o.3 == "Weekly sync (moved)"));
    let alarms_eas: Vec<_> = over_eas
        .expand(start, end, &berlin)
        .iter()
        .map(|o| o.alarms.clone())
        .collect();
    let alarms_dav: Vec<_> = over_dav
        .expand(start, end, &berlin)
        .iter()
        .map(|o| o.alarms.clone())
        .collect();
    assert_eq!(alarms_eas, alarms_dav, "reminders differ");
}
