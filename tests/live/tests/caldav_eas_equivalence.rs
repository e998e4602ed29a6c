//! The seeded recurring series (`weekly-series.ics` in alice's SOGo calendar: weekly across a
//! DST change, one EXDATE, one moved occurrence) read over ActiveSync and over CalDAV must give
//! the same occurrences once both go through `kontor-calendar`.
//!
//! The reading and the conversion (the app's own, the path the sync engine takes) are shared
//! with the same comparison for Z-Push (`core_zpush_equivalence.rs`): `kontor_live_tests::series`.

use chrono::TimeDelta;
use kontor_calendar::Zone;
use kontor_calendar::eas::from_eas;
use kontor_live_tests::series::{self, key};
use kontor_live_tests::{SOGO_EAS_URL, require_sogo};

#[tokio::test]
async fn seeded_series_has_the_same_occurrences_over_eas_and_caldav() {
    require_sogo();
    let berlin = Zone::Iana(chrono_tz::Europe::Berlin);

    let (item, server_id) =
        series::over_eas(SOGO_EAS_URL, "KontorCalEquiv1", "vevent%2Fpersonal").await;
    assert!(
        item.recurrence.is_some(),
        "EAS item has a Recurrence: {item:?}"
    );
    let over_eas = from_eas(&item, &server_id, &berlin).expect("EAS item maps to the model");

    let over_dav = series::over_caldav().await;

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
