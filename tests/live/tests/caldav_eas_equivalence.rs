//! The seeded recurring series (`weekly-series.ics` in alice's SOGo calendar: weekly across a
//! DST change, one EXDATE, one moved occurrence) read over ActiveSync and over CalDAV must give
//! the same occurrences once both go through `kontor-calendar`.
//!
//! The WBXML is read by `kontor-eas` ([`Event::from_application_data`]) and turned into the
//! calendar crate's item by the app's own conversion (`kontor_core::convert`), so this test
//! checks the path the sync engine takes.

use chrono::{DateTime, TimeDelta, Utc};
use kontor_calendar::eas::{EasCalendarItem, from_eas};
use kontor_calendar::{Calendar, Occurrence, Zone};
use kontor_core::convert::event_to_item;
use kontor_eas::calendar::Event;
use kontor_eas::folder_sync::Change;
use kontor_eas::sync::{CollectionRequest, FilterType, ServerChange, SyncOptions};
use kontor_eas::{EasClient, EasConfig};
use kontor_live_tests::{ALICE, SOGO_DAV_URL, SOGO_EAS_URL, require_sogo};
use kontor_wbxml::pages::calendar as cal;

const UID: &str = "kontor-seed-weekly-series";

fn read_item(d: &kontor_wbxml::Element) -> EasCalendarItem {
    event_to_item(&Event::from_application_data(d)).expect("SOGo sends readable times")
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
