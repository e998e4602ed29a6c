//! Checks shared by the SOGo and Radicale CalDAV live tests. Every test works in a calendar it
//! creates under a unique name and deletes afterwards, so the seeded data others rely on is
//! never touched.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kontor_caldav::{CalendarInfo, Credentials, DavClient, DavError, WriteOutcome};
use kontor_live_tests::User;
use url::Url;

pub fn client(user: User) -> DavClient {
    let http = kontor_net::client(&kontor_net::ClientOptions::default()).expect("HTTP client");
    DavClient::new(
        http,
        Credentials {
            user: user.name.into(),
            password: user.password.into(),
        },
    )
}

/// A name no other run uses.
pub fn unique(prefix: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    format!("{prefix}-{n}-{}", std::process::id())
}

/// A small event with a UID; `summary` tells versions apart.
pub fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor//live test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T080000Z\r\nDTSTART;TZID=Europe/Berlin:20261215T100000\r\nDTEND;TZID=Europe/Berlin:20261215T110000\r\nSUMMARY:{summary}\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:{summary}\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A calendar created for one test, deleted on drop of the guard's owner via `cleanup`.
pub async fn temp_calendar(c: &DavClient, home: &Url, prefix: &str) -> CalendarInfo {
    let name = unique(prefix);
    let url = home.join(&format!("{name}/")).expect("calendar URL");
    let cal = c
        .make_calendar(&url, &name)
        .await
        .unwrap_or_else(|e| panic!("MKCALENDAR {url}: {e}"));
    assert!(!cal.read_only, "own new calendar must be writable");
    cal
}

fn summary_of(ics: &str) -> String {
    kontor_calendar::Calendar::parse(ics)
        .expect("server returns iCalendar")
        .items[0]
        .summary
        .clone()
        .unwrap_or_default()
}

/// Create → read back → update with the ETag → stale update/delete give conflicts → delete.
pub async fn round_trip_with_etags(c: &DavClient, cal: &CalendarInfo) {
    let uid = unique("kontor-live-rt");
    let name = format!("{uid}.ics");
    let created = c
        .create(cal, &name, &event(&uid, "Round trip v1"))
        .await
        .expect("create");
    let WriteOutcome::Written { url, .. } = created else {
        panic!("create conflicted: {created:?}")
    };

    // Creating the same name again is refused by If-None-Match: * and reported as a conflict.
    match c
        .create(cal, &name, &event(&uid, "Duplicate"))
        .await
        .expect("second create")
    {
        WriteOutcome::Conflict(k) => {
            assert_eq!(
                summary_of(&k.server.expect("server version").data),
                "Round trip v1"
            );
        }
        other => panic!("expected a conflict for a second create, got {other:?}"),
    }

    let got = c
        .multiget(&cal.url, std::slice::from_ref(&url), 10)
        .await
        .expect("multiget");
    assert_eq!(got.len(), 1);
    assert_eq!(summary_of(&got[0].data), "Round trip v1");
    let etag1 = got[0].etag.clone().expect("multiget returns an ETag");

    let upd = c
        .update(cal, &url, &event(&uid, "Round trip v2"), &etag1)
        .await
        .expect("update");
    assert!(matches!(upd, WriteOutcome::Written { .. }), "{upd:?}");
    let now = c.get(&url).await.expect("get").expect("exists");
    assert_eq!(summary_of(&now.data), "Round trip v2");
    let etag2 = now.etag.clone().expect("GET returns an ETag");
    assert_ne!(etag1, etag2, "the ETag changes with the content");

    // A stale ETag: update and delete are conflicts carrying the server's version.
    match c
        .update(cal, &url, &event(&uid, "Stale write"), &etag1)
        .await
        .expect("stale update")
    {
        WriteOutcome::Conflict(k) => {
            assert_eq!(
                summary_of(k.local.as_deref().expect("local version")),
                "Stale write"
            );
            assert_eq!(
                summary_of(&k.server.expect("server version").data),
                "Round trip v2"
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    match c.delete(cal, &url, &etag1).await.expect("stale delete") {
        WriteOutcome::Conflict(k) => assert!(k.local.is_none() && k.server.is_some()),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(
        c.get(&url).await.expect("get").is_some(),
        "a refused delete deletes nothing"
    );

    let del = c.delete(cal, &url, &etag2).await.expect("delete");
    assert!(matches!(del, WriteOutcome::Written { .. }));
    assert!(c.get(&url).await.expect("get").is_none(), "deleted");
}

/// Two clients read the same version; the second writer gets the conflict value with both
/// versions.
pub async fn two_clients_conflict(a: &DavClient, b: &DavClient, cal: &CalendarInfo) {
    let uid = unique("kontor-live-conflict");
    let WriteOutcome::Written { url, .. } = a
        .create(cal, &format!("{uid}.ics"), &event(&uid, "Original"))
        .await
        .expect("create")
    else {
        panic!("create conflicted")
    };
    let seen_a = a.get(&url).await.expect("get").expect("exists");
    let seen_b = b.get(&url).await.expect("get").expect("exists");
    assert_eq!(seen_a.etag, seen_b.etag);
    let etag = seen_a.etag.clone().expect("ETag");

    let first = a
        .update(cal, &url, &event(&uid, "Edited by A"), &etag)
        .await
        .expect("A update");
    assert!(matches!(first, WriteOutcome::Written { .. }), "{first:?}");
    match b
        .update(cal, &url, &event(&uid, "Edited by B"), &etag)
        .await
        .expect("B update")
    {
        WriteOutcome::Conflict(k) => {
            assert_eq!(k.url, url);
            assert_eq!(
                summary_of(k.local.as_deref().expect("B's version")),
                "Edited by B"
            );
            let server = k.server.expect("A's version");
            assert_eq!(summary_of(&server.data), "Edited by A");
            // B can now retry on top of A's version.
            let retry = b
                .update(
                    cal,
                    &url,
                    &event(&uid, "Merged by B"),
                    server.etag.as_deref().expect("ETag"),
                )
                .await
                .expect("retry");
            assert!(matches!(retry, WriteOutcome::Written { .. }));
        }
        other => panic!("B's stale write must conflict, got {other:?}"),
    }
    let last = a.get(&url).await.expect("get").expect("exists");
    assert_eq!(summary_of(&last.data), "Merged by B");
}

/// After a sync, create one item, change one and delete one; the next sync-collection
/// reports exactly those three, and another sync with no changes reports nothing in one
/// request.
///
/// `strict`: the server itself reports nothing beyond the changes (Radicale). SOGo also
/// re-reports members modified in the token's second; the engine drops those by ETag.
pub async fn sync_reports_exact_changes(
    c: &DavClient,
    cal: &CalendarInfo,
    token_granularity: Duration,
    strict: bool,
) {
    let keep = unique("kontor-live-keep");
    let change = unique("kontor-live-change");
    let gone = unique("kontor-live-gone");
    let mut urls = Vec::new();
    for uid in [&keep, &change, &gone] {
        match c
            .create(cal, &format!("{uid}.ics"), &event(uid, "before"))
            .await
            .expect("create")
        {
            WriteOutcome::Written { url, .. } => urls.push(url),
            other => panic!("{other:?}"),
        }
    }
    let initial = c
        .sync_collection(&cal.url, None, None)
        .await
        .expect("initial sync");
    assert_eq!(initial.changed.len(), 3, "{initial:?}");
    assert!(initial.removed.is_empty());
    let token = initial.token.clone().expect("sync token");
    // What a sync engine keeps: URL → ETag.
    let mut known: BTreeMap<Url, String> = initial
        .changed
        .iter()
        .map(|(u, e)| (u.clone(), e.clone().expect("ETag in sync report")))
        .collect();
    tokio::time::sleep(token_granularity).await;

    let added = unique("kontor-live-added");
    let WriteOutcome::Written { url: added_url, .. } = c
        .create(cal, &format!("{added}.ics"), &event(&added, "new"))
        .await
        .expect("create")
    else {
        panic!("create conflicted")
    };
    let cur = c.get(&urls[1]).await.expect("get").expect("exists");
    let upd = c
        .update(
            cal,
            &urls[1],
            &event(&change, "after"),
            cur.etag.as_deref().expect("ETag"),
        )
        .await
        .expect("update");
    assert!(matches!(upd, WriteOutcome::Written { .. }));
    let cur = c.get(&urls[2]).await.expect("get").expect("exists");
    c.delete(cal, &urls[2], cur.etag.as_deref().expect("ETag"))
        .await
        .expect("delete");
    tokio::time::sleep(token_granularity).await;

    let raw = c
        .sync_collection(&cal.url, Some(&token), None)
        .await
        .expect("incremental sync");
    if strict {
        assert_eq!(
            raw.changed.len(),
            2,
            "the server reports only the changes: {raw:?}"
        );
    }
    let delta = raw.without_unchanged(&known);
    let changed: Vec<&Url> = delta.changed.keys().collect();
    let mut expected = vec![&added_url, &urls[1]];
    expected.sort();
    assert_eq!(changed, expected, "changed members");
    assert_eq!(delta.removed, vec![urls[2].clone()], "removed members");
    assert_eq!(delta.requests, 1);

    // The changed bodies come back in one multiget batch.
    let wanted: Vec<Url> = delta.changed.keys().cloned().collect();
    let bodies = c.multiget(&cal.url, &wanted, 50).await.expect("multiget");
    assert_eq!(bodies.len(), 2);

    for r in &bodies {
        known.insert(r.url.clone(), r.etag.clone().expect("ETag"));
    }
    for u in &delta.removed {
        known.remove(u);
    }
    tokio::time::sleep(token_granularity).await;
    let quiet = c
        .sync_collection(&cal.url, delta.token.as_deref(), None)
        .await
        .expect("quiet sync")
        .without_unchanged(&known);
    assert!(
        quiet.changed.is_empty() && quiet.removed.is_empty(),
        "nothing changed: {quiet:?}"
    );
    assert_eq!(quiet.requests, 1, "an idle calendar costs one request");
}

/// Read-only calendars are refused before any request is sent.
pub async fn read_only_is_never_written(c: &DavClient, cal: &CalendarInfo) {
    assert!(cal.read_only);
    let uid = unique("kontor-live-ro");
    match c
        .create(
            cal,
            &format!("{uid}.ics"),
            &event(&uid, "must not be written"),
        )
        .await
    {
        Err(DavError::ReadOnly(u)) => assert_eq!(u, cal.url),
        other => panic!("expected ReadOnly, got {other:?}"),
    }
    let target = cal.url.join(&format!("{uid}.ics")).expect("url");
    assert!(matches!(
        c.update(cal, &target, "x", "\"1\"").await,
        Err(DavError::ReadOnly(_))
    ));
    assert!(matches!(
        c.delete(cal, &target, "\"1\"").await,
        Err(DavError::ReadOnly(_))
    ));
    assert!(
        c.get(&target).await.expect("get").is_none(),
        "nothing was created"
    );
}

/// The fallback for servers without sync-collection: the ctag moves when the calendar changes
/// and a Depth-1 ETag listing names the new member with the ETag a GET returns.
pub async fn ctag_and_etag_fallback(
    c: &DavClient,
    cal: &CalendarInfo,
    token_granularity: Duration,
) {
    let (ctag0, _) = c.ctag(&cal.url).await.expect("ctag");
    let ctag0 = ctag0.expect("server reports a ctag");
    tokio::time::sleep(token_granularity).await;
    let uid = unique("kontor-live-ctag");
    let WriteOutcome::Written { url, .. } = c
        .create(cal, &format!("{uid}.ics"), &event(&uid, "ctag"))
        .await
        .expect("create")
    else {
        panic!("create conflicted")
    };
    let (ctag1, _) = c.ctag(&cal.url).await.expect("ctag");
    assert_ne!(Some(ctag0), ctag1, "the ctag changes with the content");
    let etags = c.etags(&cal.url).await.expect("etags");
    assert_eq!(etags.len(), 1, "{etags:?}");
    let got = c.get(&url).await.expect("get").expect("exists");
    assert_eq!(etags.get(&url), Some(&got.etag));
}

/// The objects of `user`'s SOGo calendar `personal` whose iCalendar text contains `marker`,
/// read over CalDAV (not through the server a test talks to).
pub async fn sogo_personal_containing(user: User, marker: &str) -> Vec<String> {
    let dav = client(user);
    let personal = dav
        .add_calendar(
            &Url::parse(&format!(
                "{}{}/Calendar/personal/",
                kontor_live_tests::SOGO_DAV_URL,
                user.name
            ))
            .unwrap(),
        )
        .await
        .unwrap();
    let urls: Vec<Url> = dav
        .etags(&personal.url)
        .await
        .unwrap()
        .keys()
        .cloned()
        .collect();
    dav.multiget(&personal.url, &urls, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.data.contains(marker))
        .map(|r| r.data)
        .collect()
}
