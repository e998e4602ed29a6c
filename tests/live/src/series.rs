//! The seeded recurring series (`weekly-series.ics` in alice's SOGo calendar: weekly in
//! Europe/Berlin across a DST change, one EXDATE, one moved occurrence), read over an
//! ActiveSync server and over SOGo's CalDAV, for the tests that compare the two
//! (`tests/caldav_eas_equivalence.rs` for SOGo's ActiveSync, `tests/core_zpush_equivalence.rs`
//! for Z-Push's, which serves the same calendar from SOGo's CalDAV).
//!
//! The WBXML is read by `kontor-eas` ([`Event::from_application_data`]) and turned into the
//! calendar crate's item by the app's own conversion (`kontor_core::convert`), the path the sync
//! engine takes.

use chrono::{DateTime, Utc};
use kontor_calendar::eas::EasCalendarItem;
use kontor_calendar::{Calendar, Occurrence};
use kontor_core::convert::event_to_item;
use kontor_eas::calendar::Event;
use kontor_eas::folder_sync::Change;
use kontor_eas::sync::{CollectionRequest, FilterType, ServerChange, SyncOptions};
use kontor_eas::{EasClient, EasConfig};
use kontor_wbxml::pages::calendar as cal;

use crate::{ALICE, SOGO_DAV_URL};

/// The UID of the seeded series.
pub const UID: &str = "kontor-seed-weekly-series";

/// The seeded series as alice's ActiveSync server `url` sends it from calendar folder
/// `folder_id` (read only: a full Sync from key 0 under device `device_id`), converted by the
/// app's own conversion; with its ServerId.
pub async fn over_eas(url: &str, device_id: &str, folder_id: &str) -> (EasCalendarItem, String) {
    let cfg = EasConfig::new(url, ALICE.name, ALICE.password, device_id)
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
            Change::Add(f) if f.server_id == folder_id => Some(f.server_id.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("alice's calendar {folder_id} over EAS at {url}"));
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
                let item = event_to_item(&Event::from_application_data(data))
                    .expect("the server sends readable times");
                return (item, server_id.clone());
            }
        }
        if !col.more_available {
            break;
        }
        key = col.sync_key.clone();
    }
    panic!("the seeded series {UID} did not come over EAS at {url}");
}

/// The seeded series as SOGo's CalDAV serves it (alice's `personal/weekly-series.ics`).
pub async fn over_caldav() -> Calendar {
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
    Calendar::parse(&res.data).expect("iCalendar")
}

/// What two occurrences must agree on: instance (RECURRENCE-ID), start, end and summary.
pub fn key(o: &Occurrence) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>, String) {
    (
        o.instance,
        o.start,
        o.end,
        o.summary.clone().unwrap_or_default(),
    )
}
