//! CalDAV against Radicale (`tests/servers/start`): discovery, bob's unlisted `/bob/team/`
//! added by URL (read-only), ETag round trips, conflicts, sync-collection deltas and the
//! invalid-token signal.

mod caldav_common;

use std::time::Duration;

use caldav_common::*;
use kontor_caldav::DavError;
use kontor_live_tests::{ALICE, RADICALE_URL, require_radicale};
use url::Url;

fn root() -> Url {
    Url::parse(RADICALE_URL).expect("valid URL")
}

#[tokio::test]
async fn discovery_and_listing() {
    require_radicale();
    let c = client(ALICE);
    let d = c.discover(&root()).await.expect("discovery");
    assert_eq!(d.principal.path(), "/alice/");
    assert_eq!(d.calendar_homes, vec![root().join("alice/").unwrap()]);
    let cals = c.list_calendars(&d.calendar_homes[0]).await.expect("list");
    let own = cals
        .iter()
        .find(|c| c.url.path() == "/alice/calendar/")
        .expect("alice's calendar");
    assert!(!own.read_only);
    assert_eq!(own.display_name.as_deref(), Some("Alice's calendar"));
    assert!(
        cals.iter().all(|c| !c.url.path().starts_with("/bob/")),
        "bob's team calendar is not listed for alice"
    );
    // Radicale does no scheduling (RFC 6638): the client mails invitations.
    assert!(!c.schedules(&d.calendar_homes[0]).await.expect("OPTIONS"));
}

#[tokio::test]
async fn colleague_calendar_added_by_url_is_read_only() {
    require_radicale();
    let c = client(ALICE);
    let team = c
        .add_calendar(&root().join("bob/team/").unwrap())
        .await
        .expect("bob's team calendar by URL");
    assert!(team.read_only, "{team:?}");
    assert_eq!(team.display_name.as_deref(), Some("Team"));
    assert_eq!(team.owner.as_deref(), Some("/bob/"));
    read_only_is_never_written(&c, &team).await;

    let sync = c
        .sync_collection(&team.url, None, None)
        .await
        .expect("sync");
    let urls: Vec<Url> = sync.changed.keys().cloned().collect();
    let items = c.multiget(&team.url, &urls, 50).await.expect("multiget");
    assert!(
        items
            .iter()
            .any(|r| r.data.contains("SUMMARY:Team standup"))
    );

    // Not a calendar, and not readable at all.
    assert!(matches!(
        c.add_calendar(&root().join("alice/").unwrap()).await,
        Err(DavError::NotACalendar(_))
    ));
    assert!(matches!(
        c.add_calendar(&root().join("bob/").unwrap()).await,
        Err(DavError::Forbidden(_))
    ));
}

#[tokio::test]
async fn create_update_delete_round_trip() {
    require_radicale();
    let c = client(ALICE);
    let cal = temp_calendar(&c, &root().join("alice/").unwrap(), "kontor-live-rt").await;
    round_trip_with_etags(&c, &cal).await;
    c.delete_calendar(&cal).await.expect("cleanup");
}

#[tokio::test]
async fn two_clients_editing_one_event_conflict() {
    require_radicale();
    let (a, b) = (client(ALICE), client(ALICE));
    let cal = temp_calendar(&a, &root().join("alice/").unwrap(), "kontor-live-conflict").await;
    two_clients_conflict(&a, &b, &cal).await;
    a.delete_calendar(&cal).await.expect("cleanup");
}

#[tokio::test]
async fn sync_collection_returns_exactly_the_changes() {
    require_radicale();
    let c = client(ALICE);
    let cal = temp_calendar(&c, &root().join("alice/").unwrap(), "kontor-live-sync").await;
    sync_reports_exact_changes(&c, &cal, Duration::from_millis(10), true).await;
    c.delete_calendar(&cal).await.expect("cleanup");
}

#[tokio::test]
async fn invalid_sync_token_asks_for_a_full_resync() {
    require_radicale();
    let c = client(ALICE);
    let cal = c
        .add_calendar(&root().join("alice/calendar/").unwrap())
        .await
        .expect("calendar");
    let r = c
        .sync_collection(&cal.url, Some("http://radicale.org/ns/sync/0000"), None)
        .await;
    assert!(matches!(r, Err(DavError::InvalidSyncToken)), "{r:?}");
}

#[tokio::test]
async fn ctag_and_etags_work_as_a_fallback() {
    require_radicale();
    let c = client(ALICE);
    let cal = temp_calendar(&c, &root().join("alice/").unwrap(), "kontor-live-ctag").await;
    ctag_and_etag_fallback(&c, &cal, Duration::from_millis(10)).await;
    c.delete_calendar(&cal).await.expect("cleanup");
}
