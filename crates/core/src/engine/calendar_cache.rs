//! What the calendar engine needs from the cache beyond the store's calendar and event API
//! (`crate::store::{calendars, events}`): the occurrence window and a reset after an invalid
//! SyncKey or sync token.
//!
//! The store applies every server batch with its SyncKey or sync token in one transaction
//! (`Store::apply_event_batch`) and keeps the occurrences of changed events current in the
//! calendar's window; this module moves that window with the clock.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::CoreError;
use crate::store::{CalendarRow, Store};

/// The occurrence window: a week back, 90 days ahead.
pub fn window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - TimeDelta::days(7), now + TimeDelta::days(90))
}

/// True when the calendar's materialised window is missing or a day or more behind `now`.
pub fn window_moved(cal: &CalendarRow, now: DateTime<Utc>) -> bool {
    let (from, _) = window(now);
    cal.window_end <= cal.window_start || (cal.window_start - from.timestamp()).abs() >= 86_400
}

/// Materialises the occurrences of every calendar whose window moved (or that has none yet).
/// Returns the ids of the calendars redone.
pub async fn move_windows(store: &Store, now: DateTime<Utc>) -> Result<Vec<i64>, CoreError> {
    let (from, to) = window(now);
    let mut redone = Vec::new();
    for cal in store.calendars(None).await? {
        if window_moved(&cal, now) {
            store
                .materialise_occurrences(Some(cal.id), from, to)
                .await?;
            redone.push(cal.id);
        }
    }
    Ok(redone)
}

/// Makes sure a calendar has a current window before events are written to it (the store
/// expands written events into the calendar's window; none means no occurrences).
pub async fn ensure_window(store: &Store, cal: &CalendarRow) -> Result<(), CoreError> {
    let now = Utc::now();
    if window_moved(cal, now) {
        let (from, to) = window(now);
        store
            .materialise_occurrences(Some(cal.id), from, to)
            .await?;
    }
    Ok(())
}

/// Forgets a calendar's sync state and its synced events; events with a pending local change
/// stay (the outbox still owns them). What an invalid SyncKey (MS-ASCMD 2.2.3.177.17 status 3)
/// or sync token (RFC 6578 §3.2) leads to.
pub async fn reset_calendar(store: &Store, calendar_id: i64) -> Result<(), CoreError> {
    store.reset_calendar_sync(calendar_id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CalendarInfo, CalendarSource, EventUpsert};

    const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:w1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nRRULE:FREQ=DAILY\r\nSUMMARY:Daily\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[tokio::test]
    async fn window_moves_and_reset_keeps_nothing_synced() {
        let store = Store::open_in_memory().await.unwrap();
        let account = store
            .upsert_account("http://x/", "u", "", "")
            .await
            .unwrap();
        let id = store
            .upsert_calendar(
                account,
                &CalendarInfo {
                    source: CalendarSource::Caldav,
                    remote_id: "http://x/u/cal/".into(),
                    display_name: "Cal".into(),
                    color: String::new(),
                    owner: String::new(),
                    shared: false,
                    read_only: false,
                    ctag: String::new(),
                },
            )
            .await
            .unwrap();
        let cal = store.calendar(id).await.unwrap().unwrap();
        assert!(window_moved(&cal, Utc::now()), "no window yet");
        ensure_window(&store, &cal).await.unwrap();
        store
            .apply_event_batch(
                id,
                "t1",
                &[EventUpsert {
                    remote_id: "http://x/u/cal/w1.ics".into(),
                    etag: "\"1\"".into(),
                    ical: ICS.into(),
                }],
                &[],
            )
            .await
            .unwrap();
        let now = Utc::now();
        let occ = store
            .occurrences_between(window(now).0, window(now).1)
            .await
            .unwrap();
        // A daily series: one occurrence per day of the 97-day window (±1 at the edges).
        assert!((96..=98).contains(&occ.len()), "{}", occ.len());
        assert!(occ.iter().all(|o| o.alarms == vec![o.start_utc - 300]));
        let cal = store.calendar(id).await.unwrap().unwrap();
        assert!(!window_moved(&cal, now));
        assert!(window_moved(&cal, now + TimeDelta::days(2)));
        // Two days later the window follows: nothing before now+2d−7d remains.
        let later = now + TimeDelta::days(2);
        assert_eq!(move_windows(&store, later).await.unwrap(), vec![id]);
        let occ = store
            .occurrences_between(window(now).0, window(later).1)
            .await
            .unwrap();
        assert!(occ.iter().all(|o| o.end_utc > window(later).0.timestamp()));

        reset_calendar(&store, id).await.unwrap();
        let cal = store.calendar(id).await.unwrap().unwrap();
        assert_eq!(cal.sync_token, "");
        assert!(store.events(id).await.unwrap().is_empty());
    }
}
