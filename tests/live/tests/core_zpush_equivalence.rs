//! The seeded recurring series (`weekly-series.ics` in alice's SOGo calendar: weekly in
//! Europe/Berlin across a DST change, one EXDATE, one moved occurrence) read over Z-Push's
//! ActiveSync (`c/Cpersonal`, which Z-Push serves from SOGo's CalDAV) must give the same
//! occurrences in Kontor as the same series read over SOGo's CalDAV.
//!
//! Z-Push writes a deleted exception's ExceptionStartTime as the local wall time marked UTC
//! (10:00 Berlin arrives as 10:00Z); `kontor_calendar::eas::series_instance` matches it to the
//! series' instance, so the EXDATE'd occurrence is gone and no other one is. Read only: alice's
//! calendar is not changed (own device id `KontorZpEquiv1`).

use chrono::{NaiveTime, TimeDelta};
use kontor_calendar::Zone;
use kontor_calendar::eas::from_eas;
use kontor_live_tests::series::{self, key};
use kontor_live_tests::{ZPUSH_EAS_URL, require_sogo, require_zpush};

#[tokio::test]
async fn seeded_series_has_the_same_occurrences_over_zpush_and_caldav() {
    require_zpush();
    require_sogo();
    let berlin = Zone::Iana(chrono_tz::Europe::Berlin);

    let (item, server_id) = series::over_eas(ZPUSH_EAS_URL, "KontorZpEquiv1", "c/Cpersonal").await;
    assert!(
        item.recurrence.is_some(),
        "Z-Push's item has a Recurrence: {item:?}"
    );
    assert!(
        item.exceptions.iter().any(|e| e.deleted),
        "Z-Push sends the EXDATE as a deleted exception: {:?}",
        item.exceptions
    );
    let over_zpush = from_eas(&item, &server_id, &berlin).expect("Z-Push's item maps to the model");
    let over_dav = series::over_caldav().await;

    // The same window as the comparison for SOGo's ActiveSync (caldav_eas_equivalence.rs).
    let start = item.start_time.expect("StartTime") - TimeDelta::days(1);
    let end = start + TimeDelta::days(200);
    let zpush = over_zpush.expand(start, end, &berlin);
    let dav = over_dav.expand(start, end, &berlin);
    assert!(
        dav.len() >= 10,
        "the seeded series has many occurrences: {:?}",
        dav.iter().map(key).collect::<Vec<_>>()
    );
    assert_eq!(
        zpush.iter().map(key).collect::<Vec<_>>(),
        dav.iter().map(key).collect::<Vec<_>>(),
        "Z-Push and CalDAV disagree"
    );

    // What the equality covers, said outright on the CalDAV side (the reference): the EXDATE
    // leaves exactly one two-week gap between weekly dates, and the moved occurrence keeps its
    // 10:00 instance but starts at 14:00 the same day.
    let dates: Vec<_> = dav.iter().map(|o| o.local_start.date()).collect();
    let gaps = dates
        .windows(2)
        .filter(|w| w[1] - w[0] == TimeDelta::days(14))
        .count();
    assert_eq!(gaps, 1, "one EXDATE'd week in {dates:?}");
    assert!(
        dates
            .windows(2)
            .all(|w| [7, 14].contains(&(w[1] - w[0]).num_days())),
        "weekly dates: {dates:?}"
    );
    let moved: Vec<_> = dav
        .iter()
        .filter(|o| o.summary.as_deref() == Some("Weekly sync (moved)"))
        .collect();
    assert_eq!(moved.len(), 1, "one moved occurrence");
    let moved = moved[0];
    assert_eq!(
        moved.local_start.time(),
        NaiveTime::from_hms_opt(14, 0, 0).unwrap()
    );
    assert_eq!(
        moved.start - moved.instance,
        TimeDelta::hours(4),
        "the moved occurrence stands for the 10:00 instance of its day"
    );

    let alarms = |occ: &[kontor_calendar::Occurrence]| -> Vec<_> {
        occ.iter().map(|o| o.alarms.clone()).collect()
    };
    assert_eq!(alarms(&zpush), alarms(&dav), "reminders differ");
}
