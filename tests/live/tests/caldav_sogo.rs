//! CalDAV against SOGo (`tests/servers/start`): discovery, the calendar list with bob's
//! shared calendar read-only, ETag round trips, the two-writer conflict, sync-collection deltas.

mod caldav_common;

use std::time::Duration;

use caldav_common::*;
use kontor_caldav::DavError;
use kontor_live_tests::{ALICE, BOB, SOGO_DAV_URL, require_sogo};
use url::Url;

fn dav_root() -> Url {
    Url::parse(SOGO_DAV_URL).expect("valid URL")
}

fn alice_home() -> Url {
    dav_root().join("alice/Calendar/").expect("valid URL")
}

// SOGo's sync tokens are Unix seconds.
const TOKEN_STEP: Duration = Duration::from_millis(1100);

#[tokio::test]
async fn discovery_finds_principal_home_and_address() {
    require_sogo();
    let d = client(ALICE)
        .discover(&dav_root())
        .await
        .expect("discovery");
    assert_eq!(d.principal.path(), "/SOGo/dav/alice/");
    assert_eq!(d.calendar_homes, vec![alice_home()]);
    assert!(
        d.addresses.iter().any(|a| a == "mailto:alice@kontor.test"),
        "{:?}",
        d.addresses
    );
    assert_eq!(d.display_name.as_deref(), Some("Alice Archer"));
    // SOGo schedules itself (RFC 6638 calendar-auto-schedule).
    assert!(
        client(ALICE)
            .schedules(&d.calendar_homes[0])
            .await
            .expect("OPTIONS")
    );
}

#[tokio::test]
async fn alice_sees_bobs_shared_calendar_read_only() {
    require_sogo();
    let c = client(ALICE);
    let cals = c.list_calendars(&alice_home()).await.expect("list");
    assert!(
        cals.iter()
            .all(|c| !c.url.path().ends_with(".ics") && !c.url.path().ends_with(".xml")),
        "export pseudo-resources are filtered: {cals:?}"
    );
    let personal = cals
        .iter()
        .find(|c| c.url.path() == "/SOGo/dav/alice/Calendar/personal/")
        .expect("personal listed");
    assert!(!personal.read_only);
    assert!(personal.components.iter().any(|c| c == "VEVENT"));
    assert!(personal.ctag.is_some() && personal.sync_token.is_some());
    let shared = cals
        .iter()
        .find(|c| c.url.path() == "/SOGo/dav/alice/Calendar/bob_personal/")
        .expect("bob_personal listed");
    assert!(shared.read_only, "{shared:?}");
    assert_eq!(shared.owner.as_deref(), Some("/SOGo/dav/bob/"));
    read_only_is_never_written(&c, shared).await;

    // Alice can read bob's seeded items through the subscription.
    let sync = c
        .sync_collection(&shared.url, None, None)
        .await
        .expect("sync shared");
    let urls: Vec<Url> = sync.changed.keys().cloned().collect();
    let items = c
        .multiget(&shared.url, &urls, 1)
        .await
        .expect("multiget in batches of one");
    assert_eq!(items.len(), urls.len());
    assert!(
        items
            .iter()
            .any(|r| r.data.contains("UID:kontor-seed-bob-planning"))
    );
}

#[tokio::test]
async fn add_calendar_by_url_validates_with_propfind() {
    require_sogo();
    let c = client(ALICE);
    let cal = c
        .add_calendar(&alice_home().join("personal/").unwrap())
        .await
        .expect("personal is a calendar");
    assert!(!cal.read_only);
    // The calendar home and the export resource are not calendars.
    assert!(matches!(
        c.add_calendar(&alice_home()).await,
        Err(DavError::NotACalendar(_))
    ));
    assert!(matches!(
        c.add_calendar(&alice_home().join("personal.ics").unwrap())
            .await,
        Err(DavError::NotACalendar(_))
    ));
    // Bob's calendar is not alice's to open directly unless shared via the subscription URL.
    let direct = c
        .add_calendar(&dav_root().join("bob/Calendar/personal/").unwrap())
        .await;
    match direct {
        Ok(info) => assert!(
            info.read_only,
            "bob's own calendar opened by alice must be read-only: {info:?}"
        ),
        Err(DavError::Forbidden(_) | DavError::NotFound(_) | DavError::NotACalendar(_)) => {}
        Err(e) => panic!("unexpected error: {e}"),
    }
}

#[tokio::test]
async fn wrong_password_is_unauthorized() {
    require_sogo();
    let c = client(kontor_live_tests::User {
        name: "alice",
        password: "wrong",
    });
    assert!(matches!(
        c.discover(&dav_root()).await,
        Err(DavError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn create_update_delete_round_trip() {
    require_sogo();
    let c = client(ALICE);
    let cal = temp_calendar(&c, &alice_home(), "kontor-live-rt").await;
    round_trip_with_etags(&c, &cal).await;
    c.delete_calendar(&cal).await.expect("cleanup");
}

#[tokio::test]
async fn two_clients_editing_one_event_conflict() {
    require_sogo();
    let (a, b) = (client(ALICE), client(ALICE));
    let cal = temp_calendar(&a, &alice_home(), "kontor-live-conflict").await;
    two_clients_conflict(&a, &b, &cal).await;
    a.delete_calendar(&cal).await.expect("cleanup");
}

#[tokio::test]
async fn sync_collection_returns_exactly_the_changes() {
    require_sogo();
    let c = client(BOB);
    let cal = temp_calendar(
        &c,
        &dav_root().join("bob/Calendar/").unwrap(),
        "kontor-live-sync",
    )
    .await;
    sync_reports_exact_changes(&c, &cal, TOKEN_STEP, false).await;
    c.delete_calendar(&cal).await.expect("cleanup");
}

#[tokio::test]
async fn unknown_sync_token_gives_a_full_listing() {
    require_sogo();
    let c = client(ALICE);
    let cal = temp_calendar(&c, &alice_home(), "kontor-live-token").await;
    let uid = unique("kontor-live-token-item");
    c.create(&cal, &format!("{uid}.ics"), &event(&uid, "x"))
        .await
        .expect("create");
    // SOGo ignores a token it does not know and lists everything (no 403 valid-sync-token).
    match c.sync_collection(&cal.url, Some("1"), None).await {
        Ok(all) => assert_eq!(all.changed.len(), 1),
        Err(DavError::InvalidSyncToken) => {}
        Err(e) => panic!("unexpected: {e}"),
    }
    c.delete_calendar(&cal).await.expect("cleanup");
}

#[tokio::test]
async fn ctag_and_etags_work_as_a_fallback() {
    require_sogo();
    let c = client(ALICE);
    let cal = temp_calendar(&c, &alice_home(), "kontor-live-ctag").await;
    ctag_and_etag_fallback(&c, &cal, TOKEN_STEP).await;
    c.delete_calendar(&cal).await.expect("cleanup");
}
