//! Multistatus parsing against responses recorded from the real test servers (SOGo 5.8 and
//! Radicale 3.1, see `tests/servers/`), plus answers neither server gives, written after the
//! RFC: a §3.6-style truncated response (`rfc6578-truncated-507.xml`), a 409 with the
//! `DAV:valid-sync-token` precondition (§3.2; Radicale answers 403) and the HTML page of an
//! HTTP 500 some servers answer an unknown token with (`http-500-sync-token.html`).
//!
//! The sync-token answers (`*-sync-*.xml`, `*-multiget-all.xml`) also drive the engine tests
//! in `kontor-core` (`engine/calendar_dav.rs`), which serve them over HTTP.

use kontor_caldav::xml::{error_conditions, parse_multistatus};
use kontor_caldav::{SyncChanges, SyncState, apply_sync_page, calendars_in, finish_sync};
use url::Url;

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn sogo_principal_and_home() {
    let ms = parse_multistatus(&fixture("sogo-cup.xml")).unwrap();
    assert_eq!(
        ms.responses[0].props.current_user_principal.as_deref(),
        Some("/SOGo/dav/alice/")
    );
    let ms = parse_multistatus(&fixture("sogo-principal.xml")).unwrap();
    let p = &ms.responses[0].props;
    assert_eq!(p.calendar_home_set, ["/SOGo/dav/alice/Calendar/"]);
    assert_eq!(
        p.calendar_user_address_set,
        ["mailto:alice@kontor.test", "/SOGo/dav/alice/"]
    );
    assert_eq!(p.displayname.as_deref(), Some("Alice Archer"));
}

#[test]
fn sogo_home_lists_calendars_without_export_resources() {
    let home = Url::parse("http://127.0.0.1:20000/SOGo/dav/alice/Calendar/").unwrap();
    let ms = parse_multistatus(&fixture("sogo-home-depth1.xml")).unwrap();
    assert_eq!(
        ms.responses.len(),
        5,
        "home, personal.ics, personal.xml, personal, bob_personal"
    );
    let cals = calendars_in(&home, &ms);
    let paths: Vec<&str> = cals.iter().map(|c| c.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/SOGo/dav/alice/Calendar/personal/",
            "/SOGo/dav/alice/Calendar/bob_personal/"
        ]
    );
    let personal = &cals[0];
    assert!(!personal.read_only);
    assert_eq!(personal.color.as_deref(), Some("#AAAAAAFF"));
    assert_eq!(personal.ctag.as_deref(), Some("1795785818"));
    assert_eq!(personal.sync_token.as_deref(), Some("1795785818"));
    assert_eq!(personal.components, ["VEVENT", "VFREEBUSY", "VTODO"]);
    assert_eq!(personal.owner.as_deref(), Some("/SOGo/dav/alice/"));
    let shared = &cals[1];
    assert!(shared.read_only, "bob shares with viewer roles only");
    assert_eq!(shared.owner.as_deref(), Some("/SOGo/dav/bob/"));
    assert_eq!(
        shared.display_name.as_deref(),
        Some("Personal Calendar (Bob Baker <bob@kontor.test>)")
    );
}

#[test]
fn sogo_shared_calendar_depth0_is_read_only() {
    let url = Url::parse("http://127.0.0.1:20000/SOGo/dav/alice/Calendar/bob_personal/").unwrap();
    let ms = parse_multistatus(&fixture("sogo-bob-personal-as-alice.xml")).unwrap();
    // Depth 0 returns the collection itself; calendars_in leaves the base out, so read it directly.
    let r = &ms.responses[0];
    assert!(r.props.is_calendar());
    let privs = r.props.privileges.as_ref().unwrap();
    assert!(privs.iter().any(|p| p == "{DAV:}read"));
    assert!(
        !privs
            .iter()
            .any(|p| p == "{DAV:}write" || p == "{DAV:}write-content" || p == "{DAV:}bind")
    );
    let parent = url.join("..").unwrap();
    let cals = calendars_in(&parent, &ms);
    assert_eq!(cals.len(), 1);
    assert!(cals[0].read_only);
}

#[test]
fn sogo_sync_and_multiget() {
    let cal = Url::parse("http://127.0.0.1:20000/SOGo/dav/alice/Calendar/personal/").unwrap();
    let ms = parse_multistatus(&fixture("sogo-sync-initial.xml")).unwrap();
    let mut state = SyncState::new();
    assert!(!apply_sync_page(&cal, &ms, &mut state));
    let mut out = SyncChanges::default();
    finish_sync(state, &mut out);
    assert_eq!(out.changed.len(), 6);
    assert!(
        out.changed
            .values()
            .all(|e| e.as_deref() == Some("\"gcs00000000\""))
    );
    assert_eq!(ms.sync_token.as_deref(), Some("1795785818"));

    let ms = parse_multistatus(&fixture("sogo-multiget.xml")).unwrap();
    assert_eq!(ms.responses.len(), 3);
    let data = ms.responses[1].props.calendar_data.as_deref().unwrap();
    assert!(data.contains("UID:kontor-seed-weekly-series"));
    assert!(data.contains("RECURRENCE-ID;TZID=Europe/Berlin:20261103T100000"));
    assert_eq!(ms.responses[2].status, Some(404));
    assert!(ms.responses[2].props.calendar_data.is_none());
    // The data is real iCalendar the model reads.
    let parsed = kontor_calendar::Calendar::parse(data).unwrap();
    assert_eq!(parsed.items.len(), 2);
}

#[test]
fn radicale_listing_and_unlisted_colleague_calendar() {
    let home = Url::parse("http://127.0.0.1:55232/alice/").unwrap();
    let ms = parse_multistatus(&fixture("radicale-home-depth1.xml")).unwrap();
    let cals = calendars_in(&home, &ms);
    assert_eq!(cals.len(), 1, "the principal collection is not a calendar");
    assert_eq!(cals[0].display_name.as_deref(), Some("Alice's calendar"));
    assert!(!cals[0].read_only);
    assert!(
        cals[0]
            .sync_token
            .as_deref()
            .unwrap()
            .starts_with("http://radicale.org/ns/sync/")
    );

    let ms = parse_multistatus(&fixture("radicale-bob-team-as-alice.xml")).unwrap();
    let cals = calendars_in(&Url::parse("http://127.0.0.1:55232/bob/").unwrap(), &ms);
    assert_eq!(cals.len(), 1);
    assert!(cals[0].read_only);
    assert_eq!(cals[0].owner.as_deref(), Some("/bob/"));

    let ms = parse_multistatus(&fixture("radicale-principal.xml")).unwrap();
    assert_eq!(ms.responses[0].props.calendar_home_set, ["/alice/"]);
    assert_eq!(
        ms.responses[0].props.displayname, None,
        "404 propstat is ignored"
    );
}

#[test]
fn radicale_sync_token_is_read_before_responses() {
    let cal = Url::parse("http://127.0.0.1:55232/alice/calendar/").unwrap();
    let ms = parse_multistatus(&fixture("radicale-sync-initial.xml")).unwrap();
    assert!(
        ms.sync_token
            .as_deref()
            .unwrap()
            .starts_with("http://radicale.org/ns/sync/")
    );
    let mut state = SyncState::new();
    apply_sync_page(&cal, &ms, &mut state);
    assert_eq!(state.len(), 6);
    assert_eq!(
        error_conditions(&fixture("radicale-sync-invalid-token.xml")),
        ["valid-sync-token"]
    );
}

#[test]
fn truncated_sync_is_detected_with_removals() {
    let cal = Url::parse("http://127.0.0.1:55232/alice/calendar/").unwrap();
    let ms = parse_multistatus(&fixture("rfc6578-truncated-507.xml")).unwrap();
    let mut state = SyncState::new();
    assert!(
        apply_sync_page(&cal, &ms, &mut state),
        "507 on the collection means more to come"
    );
    let mut out = SyncChanges::default();
    finish_sync(state, &mut out);
    assert_eq!(out.changed.len(), 1);
    assert_eq!(out.removed, [cal.join("vcard.ics").unwrap()]);
}

#[test]
fn refused_tokens_name_the_precondition() {
    // RFC 6578 §3.2: 403 (Radicale, recorded) or 409 (the RFC's other choice).
    for name in [
        "radicale-sync-invalid-token.xml",
        "rfc6578-409-valid-sync-token.xml",
    ] {
        assert_eq!(
            error_conditions(&fixture(name)),
            ["valid-sync-token"],
            "{name}"
        );
    }
    assert!(error_conditions(&fixture("http-500-sync-token.html")).is_empty());
}

#[test]
fn sogo_answers_an_unknown_token_with_the_initial_listing() {
    // Recorded with the token 99999999999 (never issued) and with an empty token: the same
    // bytes. Nothing in the answer tells the client that its token was not understood, and
    // members deleted since that token are simply absent (no 404 response).
    let unknown = fixture("sogo-sync-unknown-token.xml");
    assert_eq!(unknown, fixture("sogo-sync-empty-token.xml"));
    let cal = Url::parse("http://127.0.0.1:20000/SOGo/dav/alice/Calendar/personal/").unwrap();
    let ms = parse_multistatus(&unknown).unwrap();
    let mut state = SyncState::new();
    assert!(!apply_sync_page(&cal, &ms, &mut state));
    let mut out = SyncChanges::default();
    finish_sync(state, &mut out);
    assert_eq!(out.changed.len(), 6);
    assert!(out.removed.is_empty());
    assert!(ms.sync_token.is_some());
}

#[test]
fn full_listings_and_multigets_agree() {
    // Recorded together, so the ETags of the listing are those of the bodies.
    for (cal, listing, multiget) in [
        (
            "http://127.0.0.1:55232/alice/calendar/",
            "radicale-sync-empty-token.xml",
            "radicale-multiget-all.xml",
        ),
        (
            "http://127.0.0.1:20000/SOGo/dav/alice/Calendar/personal/",
            "sogo-sync-empty-token.xml",
            "sogo-multiget-all.xml",
        ),
    ] {
        let cal = Url::parse(cal).unwrap();
        let mut state = SyncState::new();
        apply_sync_page(
            &cal,
            &parse_multistatus(&fixture(listing)).unwrap(),
            &mut state,
        );
        let got = parse_multistatus(&fixture(multiget)).unwrap();
        assert_eq!(got.responses.len(), state.len(), "{multiget}");
        for r in &got.responses {
            let url = cal.join(&r.href).unwrap();
            assert_eq!(state.get(&url), Some(&Some(r.props.etag.clone())), "{url}");
            assert!(r.props.calendar_data.is_some(), "{url}");
        }
    }
}
