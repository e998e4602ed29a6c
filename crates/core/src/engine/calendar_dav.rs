//! CalDAV calendar collections: one poll of one collection.
//!
//! 1. RFC 6578 sync-collection from the stored token (the caldav crate follows 507 truncation,
//!    §3.6, until the answer is complete). The members reported changed whose ETag the cache
//!    already has are dropped (SOGo reports again what changed in the token's second).
//! 2. A full listing — sync-collection without a token (§3.8, the initial sync) — when there is
//!    no token yet, when the server refused the token (§3.2: 403/409 `valid-sync-token`, or 412),
//!    when it failed on it with HTTP 500 (retried once this way; a 500 on the listing itself is
//!    an ordinary server error, tried again at the next poll), and as a periodic full comparison
//!    (below). Cached members the listing does not name are removed, except those with a
//!    pending local change (store/events.rs), in the same transaction as the new token.
//! 3. A server without sync-collection → `getctag` (calendarserver.org): unchanged ctag, nothing
//!    to do; else a Depth-1 PROPFIND of every ETag, compared with the cache the same way.
//! 4. Changed members are fetched with calendar-multiget (RFC 4791 §7.9) in batches, and
//!    stored with the new token (or ctag) in one transaction. A resource that is not readable
//!    iCalendar is quarantined, not stored, and does not stop the collection.
//!
//! ## Periodic full comparison
//!
//! A server may answer a token it does not know with a plain full listing and no error (SOGo
//! does, `docs/server-quirks.md`); RFC 6578 gives the client no way to tell that from a long
//! list of changes, and the members deleted since then are simply not in it. So every
//! collection is listed in full at least every [`FULL_COMPARISON_INTERVAL`] (24 h, kept in
//! `calendar.full_sync_at`, so it also holds across restarts of the app), and sooner when an
//! answer to a token looks like a full listing ([`looks_like_full_listing`]; at most every
//! [`FULL_LOOKING_RECHECK`]). A full listing costs one request for the ETags of every member;
//! only changed members are fetched.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use kontor_caldav::{DEFAULT_MULTIGET_BATCH, DavClient, DavError, SyncChanges};
use url::Url;

use super::calendar_cache;
use super::calendar_eas::PassReport;
use crate::error::CoreError;
use crate::store::{CalendarRow, EventUpsert, Store};

/// The core's category for a CalDAV failure.
pub fn map_dav(e: DavError) -> CoreError {
    let detail = e.to_string();
    match e {
        DavError::Unauthorized(_) => CoreError::AuthFailed { detail },
        DavError::Net(ref n) => CoreError::from_net(n, detail),
        DavError::Xml(_) => CoreError::Protocol { detail },
        DavError::Url(_) | DavError::NotACalendar(_) | DavError::ReadOnly(_) => {
            CoreError::InvalidInput(detail)
        }
        _ => CoreError::Server { detail },
    }
}

/// True for answers that mean "this server does not do sync-collection here".
fn unsupported(e: &DavError) -> bool {
    matches!(
        e,
        DavError::Http {
            status: 400 | 403 | 405 | 415 | 501,
            ..
        } | DavError::Forbidden(_)
    )
}

/// Fetches `urls` (calendar-multiget in batches) as upserts. Unreadable objects are
/// quarantined by the store when the batch is applied.
async fn fetch(
    dav: &DavClient,
    url: &Url,
    urls: Vec<Url>,
    report: &mut PassReport,
) -> Result<Vec<EventUpsert>, CoreError> {
    if urls.is_empty() {
        return Ok(Vec::new());
    }
    report.requests += urls.len().div_ceil(DEFAULT_MULTIGET_BATCH);
    let resources = dav
        .multiget(url, &urls, DEFAULT_MULTIGET_BATCH)
        .await
        .map_err(map_dav)?;
    Ok(resources
        .into_iter()
        .map(|r| EventUpsert {
            remote_id: r.url.to_string(),
            etag: r.etag.unwrap_or_default(),
            ical: r.data,
        })
        .collect())
}

/// Longest time between two full comparisons of a collection with the server (module docs).
pub const FULL_COMPARISON_INTERVAL: i64 = 24 * 3600;

/// An answer to a token that looks like a full listing leads to a full comparison, but not
/// again within this time of the last one (SOGo's same-second repeats can look like one on a
/// small calendar every poll).
pub const FULL_LOOKING_RECHECK: i64 = 3600;

/// True when an answer to a (non-empty) token looks like the server listed the whole
/// collection instead of the changes: nothing removed, and at least half of the cached
/// members (two or more) reported again with the ETag the cache already has. A real change
/// list names only what changed since the token. A guess: it only decides that a full
/// listing is asked for, never what is removed.
pub fn looks_like_full_listing(changes: &SyncChanges, known: &BTreeMap<Url, String>) -> bool {
    if !changes.removed.is_empty() || known.len() < 2 {
        return false;
    }
    let unchanged = changes
        .changed
        .iter()
        .filter(|(url, etag)| {
            etag.as_deref()
                .is_some_and(|e| known.get(*url).is_some_and(|k| k == e))
        })
        .count();
    unchanged * 2 >= known.len()
}

/// Why a collection is listed in full this poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FullReason {
    /// No token yet (first sync, or after a reset).
    Initial,
    /// RFC 6578 §3.2: the server refused the token.
    TokenRefused,
    /// HTTP 500 on a sync-collection with a token.
    TokenFailed,
    /// [`FULL_COMPARISON_INTERVAL`] has passed.
    Periodic,
    /// [`looks_like_full_listing`].
    LooksFull,
}

/// What the server answered this poll.
enum Answer {
    /// Changes since the stored token.
    Changes(SyncChanges),
    /// Every member (sync-collection without a token).
    Full(SyncChanges, FullReason),
    /// No sync-collection on this collection: use ctag and ETags.
    NoSyncCollection,
}

/// One poll of one CalDAV collection.
pub async fn sync_collection(
    dav: &DavClient,
    store: &Store,
    cal: &CalendarRow,
) -> Result<PassReport, CoreError> {
    sync_collection_at(dav, store, cal, Utc::now()).await
}

/// Lists the whole collection (sync-collection without a token, RFC 6578 §3.8).
async fn full_listing(
    dav: &DavClient,
    url: &Url,
    why: FullReason,
    report: &mut PassReport,
) -> Result<Answer, CoreError> {
    tracing::info!(%url, ?why, "listing the calendar in full");
    let changes = dav.sync_collection(url, None, None).await.map_err(|e| {
        report.requests += 1;
        map_dav(e)
    })?;
    Ok(Answer::Full(changes, why))
}

/// [`sync_collection`] at `now` (tests move the clock).
pub(crate) async fn sync_collection_at(
    dav: &DavClient,
    store: &Store,
    cal: &CalendarRow,
    now: DateTime<Utc>,
) -> Result<PassReport, CoreError> {
    calendar_cache::ensure_window(store, cal).await?;
    let url = Url::parse(&cal.remote_id)
        .map_err(|e| CoreError::InvalidInput(format!("calendar URL {}: {e}", cal.remote_id)))?;
    let known: BTreeMap<String, String> = store.event_etags(cal.id).await?.into_iter().collect();
    let known_urls: BTreeMap<Url, String> = known
        .iter()
        .filter_map(|(k, v)| Url::parse(k).ok().map(|u| (u, v.clone())))
        .collect();
    let mut report = PassReport::default();
    // A collection that earlier needed the ctag fallback keeps using it.
    let use_ctag = cal.sync_token.is_empty() && !cal.ctag.is_empty();
    let answer = if use_ctag {
        Answer::NoSyncCollection
    } else {
        let since_full = now.timestamp() - store.calendar_full_sync_at(cal.id).await?;
        match (!cal.sync_token.is_empty()).then_some(cal.sync_token.as_str()) {
            None => match dav.sync_collection(&url, None, None).await {
                Ok(c) => Answer::Full(c, FullReason::Initial),
                Err(e) if unsupported(&e) => {
                    report.requests += 1;
                    tracing::info!(%url, error = %e, "no sync-collection; using ctag and ETags");
                    Answer::NoSyncCollection
                }
                Err(e) => return Err(map_dav(e)),
            },
            Some(_) if since_full >= FULL_COMPARISON_INTERVAL => {
                full_listing(dav, &url, FullReason::Periodic, &mut report).await?
            }
            Some(token) => match dav.sync_collection(&url, Some(token), None).await {
                Ok(c)
                    if since_full >= FULL_LOOKING_RECHECK
                        && looks_like_full_listing(&c, &known_urls) =>
                {
                    report.requests += c.requests;
                    full_listing(dav, &url, FullReason::LooksFull, &mut report).await?
                }
                Ok(c) => Answer::Changes(c),
                // RFC 6578 §3.2 (403/409 with DAV:valid-sync-token; 412 from some servers).
                Err(DavError::InvalidSyncToken) => {
                    report.requests += 1;
                    full_listing(dav, &url, FullReason::TokenRefused, &mut report).await?
                }
                // Some servers fail on a token they no longer know instead of refusing it;
                // asking without one once is cheaper than failing at every poll for good.
                Err(DavError::Transient { status: 500, .. }) => {
                    report.requests += 1;
                    full_listing(dav, &url, FullReason::TokenFailed, &mut report).await?
                }
                Err(e) => return Err(map_dav(e)),
            },
        }
    };
    match answer {
        Answer::Changes(changes) => {
            report.requests += changes.requests;
            let deletes: Vec<String> = changes.removed.iter().map(Url::to_string).collect();
            let token = changes.token.clone().unwrap_or_default();
            let changes = changes.without_unchanged(&known_urls);
            let urls: Vec<Url> = changes.changed.keys().cloned().collect();
            let upserts = fetch(dav, &url, urls, &mut report).await?;
            let out = store
                .apply_event_batch(cal.id, &token, &upserts, &deletes)
                .await?;
            report.changed += (out.upserted + out.deleted) as usize;
            report.quarantined += out.quarantined as usize;
            Ok(report)
        }
        Answer::Full(changes, why) => {
            report.requests += changes.requests;
            report.full = true;
            // Members the server reports removed in a full listing are simply not listed.
            let listed: BTreeSet<String> = changes.changed.keys().map(Url::to_string).collect();
            let token = changes.token.clone().unwrap_or_default();
            let changes = changes.without_unchanged(&known_urls);
            let urls: Vec<Url> = changes.changed.keys().cloned().collect();
            let upserts = fetch(dav, &url, urls, &mut report).await?;
            let out = store
                .apply_event_listing(cal.id, &token, &upserts, &listed, now.timestamp())
                .await?;
            if out.deleted > 0 && why != FullReason::Initial {
                tracing::info!(%url, ?why, removed = out.deleted, "cached members the server no longer has were removed");
            }
            report.changed += (out.upserted + out.deleted) as usize;
            report.quarantined += out.quarantined as usize;
            Ok(report)
        }
        Answer::NoSyncCollection => {
            ctag_and_etags(dav, store, cal, &url, &known, report, now).await
        }
    }
}

/// The fallback without sync-collection: ctag, then the ETag of every member.
async fn ctag_and_etags(
    dav: &DavClient,
    store: &Store,
    cal: &CalendarRow,
    url: &Url,
    known: &BTreeMap<String, String>,
    mut report: PassReport,
    now: DateTime<Utc>,
) -> Result<PassReport, CoreError> {
    report.requests += 1;
    let (ctag, _) = dav.ctag(url).await.map_err(map_dav)?;
    if let Some(c) = &ctag
        && !c.is_empty()
        && *c == cal.ctag
    {
        return Ok(report);
    }
    report.requests += 1;
    let etags = dav.etags(url).await.map_err(map_dav)?;
    let listed: BTreeSet<String> = etags.keys().map(Url::to_string).collect();
    let urls: Vec<Url> = etags
        .iter()
        .filter(|(u, e)| match (e, known.get(u.as_str())) {
            (Some(new), Some(old)) => new != old,
            _ => true,
        })
        .map(|(u, _)| u.clone())
        .collect();
    let upserts = fetch(dav, url, urls, &mut report).await?;
    let out = store
        .apply_event_listing(cal.id, "", &upserts, &listed, now.timestamp())
        .await?;
    report.changed += (out.upserted + out.deleted) as usize;
    report.quarantined += out.quarantined as usize;
    // A server without a ctag gets a marker so the fallback is remembered. Written after the
    // events: a crash in between only repeats the ETag comparison.
    store
        .set_calendar_ctag(
            cal.id,
            &ctag.filter(|c| !c.is_empty()).unwrap_or_else(|| "-".into()),
        )
        .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    //! One poll against a scripted CalDAV server that answers with the recorded answers of
    //! `crates/caldav/tests/fixtures` (what Radicale and SOGo answer an unknown token, and
    //! what the RFC lets other servers answer), over a real HTTP connection.

    use std::sync::{Arc, Mutex};

    use chrono::TimeDelta;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::engine::calendar::dav_client;
    use crate::engine::calendar_outbox::local_remote_id;
    use crate::store::{CalendarInfo, CalendarSource, OutboxOp};

    fn fixture(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../caldav/tests/fixtures")
            .join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// A request as the server saw it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Seen {
        /// sync-collection with this token (`None`: without one).
        Sync(Option<String>),
        /// calendar-multiget of this many hrefs.
        Multiget(usize),
        Other(String),
    }

    /// What the scripted server answers: (status, body).
    #[derive(Clone)]
    struct Script {
        with_token: (u16, String),
        without_token: (u16, String),
        multiget: String,
    }

    fn classify(method: &str, body: &str) -> Seen {
        if body.contains("sync-collection") {
            let token = body
                .split_once("<d:sync-token>")
                .and_then(|(_, rest)| rest.split_once("</d:sync-token>"))
                .map(|(t, _)| t.to_string());
            Seen::Sync(token)
        } else if body.contains("calendar-multiget") {
            Seen::Multiget(body.matches("<d:href>").count())
        } else {
            Seen::Other(method.to_string())
        }
    }

    /// Serves `script` on 127.0.0.1; returns the base URL and the log of requests.
    async fn serve(script: Script) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let script = script.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    loop {
                        let mut buf = Vec::new();
                        let mut tmp = [0u8; 4096];
                        let head_end = loop {
                            let n = match s.read(&mut tmp).await {
                                Ok(0) | Err(_) => break None,
                                Ok(n) => n,
                            };
                            buf.extend_from_slice(&tmp[..n]);
                            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break Some(p + 4);
                            }
                        };
                        let Some(head_end) = head_end else { break };
                        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        while buf.len() < head_end + len {
                            let n = s.read(&mut tmp).await.unwrap_or(0);
                            if n == 0 {
                                break;
                            }
                            buf.extend_from_slice(&tmp[..n]);
                        }
                        let method = head.split(' ').next().unwrap_or_default();
                        let body = String::from_utf8_lossy(&buf[head_end..]);
                        let req = classify(method, &body);
                        log.lock().unwrap().push(req.clone());
                        let (status, body) = match req {
                            Seen::Sync(Some(_)) => script.with_token.clone(),
                            Seen::Sync(None) => script.without_token.clone(),
                            Seen::Multiget(_) => (207, script.multiget.clone()),
                            Seen::Other(_) => (500, String::new()),
                        };
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if s.write_all(reply.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        (base, seen)
    }

    const OLD_TOKEN: &str = "http://radicale.org/ns/sync/0000";

    /// The members of a recorded listing, as (absolute URL, ETag), and its token.
    fn listing(base: &str, calendar_path: &str, name: &str) -> (Vec<(String, String)>, String) {
        let cal = Url::parse(&format!("{base}{calendar_path}")).unwrap();
        let ms = kontor_caldav::xml::parse_multistatus(&fixture(name)).unwrap();
        let members = ms
            .responses
            .iter()
            .map(|r| {
                (
                    cal.join(&r.href).unwrap().to_string(),
                    r.props.etag.clone().unwrap(),
                )
            })
            .collect();
        (members, ms.sync_token.unwrap())
    }

    /// The bodies of a recorded multiget by absolute URL.
    fn bodies(base: &str, calendar_path: &str, name: &str) -> BTreeMap<String, String> {
        let cal = Url::parse(&format!("{base}{calendar_path}")).unwrap();
        kontor_caldav::xml::parse_multistatus(&fixture(name))
            .unwrap()
            .responses
            .into_iter()
            .map(|r| {
                (
                    cal.join(&r.href).unwrap().to_string(),
                    r.props.calendar_data.unwrap(),
                )
            })
            .collect()
    }

    const STALE_ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:gone-on-server\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T100000Z\r\nSUMMARY:Deleted on the server\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    /// A store holding the calendar `base` + `path` as last synced with `OLD_TOKEN`: every
    /// member of the recorded listing `listing_name` (bodies from `multiget_name`), the first
    /// one with an outdated ETag, plus `gone.ics`, which the server no longer has.
    async fn cached(
        base: &str,
        path: &str,
        listing_name: &str,
        multiget_name: &str,
    ) -> (Store, i64, CalendarRow, String) {
        let store = Store::open_in_memory().await.unwrap();
        let account = store
            .upsert_account(&format!("{base}/"), "alice", "", "")
            .await
            .unwrap();
        let remote = format!("{base}{path}");
        let id = store
            .upsert_calendar(
                account,
                &CalendarInfo {
                    source: CalendarSource::Caldav,
                    remote_id: remote.clone(),
                    display_name: "Calendar".into(),
                    color: String::new(),
                    owner: String::new(),
                    shared: false,
                    read_only: false,
                    ctag: String::new(),
                },
            )
            .await
            .unwrap();
        let (members, _) = listing(base, path, listing_name);
        let bodies = bodies(base, path, multiget_name);
        let mut upserts: Vec<EventUpsert> = members
            .iter()
            .enumerate()
            .map(|(i, (url, etag))| EventUpsert {
                remote_id: url.clone(),
                etag: if i == 0 {
                    "\"outdated\"".into()
                } else {
                    etag.clone()
                },
                ical: bodies[url].clone(),
            })
            .collect();
        let gone = format!("{remote}gone.ics");
        upserts.push(EventUpsert {
            remote_id: gone.clone(),
            etag: "\"g1\"".into(),
            ical: STALE_ICS.into(),
        });
        store
            .apply_event_batch(id, OLD_TOKEN, &upserts, &[])
            .await
            .unwrap();
        let cal = store.calendar(id).await.unwrap().unwrap();
        (store, account, cal, gone)
    }

    async fn cached_ids(store: &Store, cal: i64) -> BTreeSet<String> {
        store
            .event_etags(cal)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    fn ids(members: &[(String, String)]) -> BTreeSet<String> {
        members.iter().map(|(id, _)| id.clone()).collect()
    }

    const RADICALE: &str = "/alice/calendar/";
    const SOGO: &str = "/SOGo/dav/alice/Calendar/personal/";

    /// The token is refused (`status` + recorded body) or fails: the calendar is listed in
    /// full and converges on exactly the server's members and ETags, with the new token —
    /// except the local changes still queued, which stay.
    async fn refused_token_converges(status: u16, body: &str) {
        let script = Script {
            with_token: (status, fixture(body)),
            without_token: (207, fixture("radicale-sync-empty-token.xml")),
            multiget: fixture("radicale-multiget-all.xml"),
        };
        let (base, seen) = serve(script).await;
        let (store, account, cal, gone) = cached(
            &base,
            RADICALE,
            "radicale-sync-empty-token.xml",
            "radicale-multiget-all.xml",
        )
        .await;
        // Queued and not yet sent: a new event (the server cannot know it yet) …
        let new = local_remote_id(&cal, "local-new");
        store
            .enqueue(
                account,
                &OutboxOp::EventCreate {
                    calendar: cal.remote_id.clone(),
                    remote_id: new.clone(),
                    ical: STALE_ICS.replace("gone-on-server", "local-new"),
                },
            )
            .await
            .unwrap();
        // … and an edit of an event someone deleted on the server meanwhile (the replay finds
        // that out and reports it; the listing does not decide it).
        let edited = format!("{}edited-here.ics", cal.remote_id);
        store
            .apply_event_batch(
                cal.id,
                OLD_TOKEN,
                &[EventUpsert {
                    remote_id: edited.clone(),
                    etag: "\"e1\"".into(),
                    ical: STALE_ICS.replace("gone-on-server", "edited-here"),
                }],
                &[],
            )
            .await
            .unwrap();
        store
            .enqueue(
                account,
                &OutboxOp::EventUpdate {
                    calendar: cal.remote_id.clone(),
                    remote_id: edited.clone(),
                    ical: STALE_ICS
                        .replace("gone-on-server", "edited-here")
                        .replace("SUMMARY:Deleted", "SUMMARY:Edited"),
                },
            )
            .await
            .unwrap();
        let cal = store.calendar(cal.id).await.unwrap().unwrap();
        let now = Utc::now();
        store
            .set_calendar_full_sync_at(cal.id, now.timestamp() - 600)
            .await
            .unwrap();

        let report = sync_collection_at(&dav_client("alice", "pw").unwrap(), &store, &cal, now)
            .await
            .unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            [
                Seen::Sync(Some(OLD_TOKEN.into())),
                Seen::Sync(None),
                Seen::Multiget(1),
            ],
            "one full listing, then only the member whose ETag changed is fetched"
        );
        assert!(report.full);
        let (members, token) = listing(&base, RADICALE, "radicale-sync-empty-token.xml");
        let mut expected = ids(&members);
        expected.insert(new.clone());
        expected.insert(edited.clone());
        assert_eq!(cached_ids(&store, cal.id).await, expected);
        assert!(
            store
                .event_by_remote_id(cal.id, &gone)
                .await
                .unwrap()
                .is_none()
        );
        let etags: BTreeMap<String, String> = store
            .event_etags(cal.id)
            .await
            .unwrap()
            .into_iter()
            .collect();
        for (id, etag) in &members {
            assert_eq!(etags.get(id), Some(etag), "{id}");
        }
        let after = store.calendar(cal.id).await.unwrap().unwrap();
        assert_eq!(after.sync_token, token);
        assert_eq!(
            store.calendar_full_sync_at(cal.id).await.unwrap(),
            now.timestamp()
        );
        let kept = store
            .event_by_remote_id(cal.id, &edited)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            kept.summary, "Edited on the server",
            "the local edit is still shown"
        );
    }

    #[tokio::test]
    async fn token_refused_with_403_lists_in_full_and_removes_what_the_server_lost() {
        // Radicale, recorded: 403 with DAV:valid-sync-token (RFC 6578 §3.2).
        refused_token_converges(403, "radicale-sync-invalid-token.xml").await;
    }

    #[tokio::test]
    async fn token_refused_with_409_lists_in_full_and_removes_what_the_server_lost() {
        // RFC 6578 §3.2 allows 409 as well.
        refused_token_converges(409, "rfc6578-409-valid-sync-token.xml").await;
    }

    #[tokio::test]
    async fn http_500_on_a_token_is_retried_once_as_a_full_listing() {
        refused_token_converges(500, "http-500-sync-token.html").await;
    }

    #[tokio::test]
    async fn http_500_on_the_full_listing_is_an_ordinary_server_error() {
        let script = Script {
            with_token: (500, fixture("http-500-sync-token.html")),
            without_token: (500, fixture("http-500-sync-token.html")),
            multiget: String::new(),
        };
        let (base, seen) = serve(script).await;
        let (store, _, cal, gone) = cached(
            &base,
            RADICALE,
            "radicale-sync-empty-token.xml",
            "radicale-multiget-all.xml",
        )
        .await;
        let before = cached_ids(&store, cal.id).await;
        let now = Utc::now();
        store
            .set_calendar_full_sync_at(cal.id, now.timestamp() - 600)
            .await
            .unwrap();
        let r = sync_collection_at(&dav_client("alice", "pw").unwrap(), &store, &cal, now).await;
        assert!(matches!(r, Err(CoreError::Server { .. })), "{r:?}");
        assert_eq!(
            *seen.lock().unwrap(),
            [Seen::Sync(Some(OLD_TOKEN.into())), Seen::Sync(None)],
            "asked without the token once, not in a loop"
        );
        // Nothing changed: the next poll tries again from the same token.
        assert_eq!(cached_ids(&store, cal.id).await, before);
        assert!(before.contains(&gone));
        let after = store.calendar(cal.id).await.unwrap().unwrap();
        assert_eq!(after.sync_token, OLD_TOKEN);
        assert_eq!(
            store.calendar_full_sync_at(cal.id).await.unwrap(),
            now.timestamp() - 600
        );
    }

    /// SOGo, recorded: a token it never issued is answered like no token, with every member
    /// and no 404 for what was deleted since.
    fn sogo_script() -> Script {
        Script {
            with_token: (207, fixture("sogo-sync-unknown-token.xml")),
            without_token: (207, fixture("sogo-sync-empty-token.xml")),
            multiget: fixture("sogo-multiget-all.xml"),
        }
    }

    #[tokio::test]
    async fn a_plain_full_listing_is_caught_by_the_periodic_comparison() {
        let (base, seen) = serve(sogo_script()).await;
        let (store, _, cal, gone) = cached(
            &base,
            SOGO,
            "sogo-sync-empty-token.xml",
            "sogo-multiget-all.xml",
        )
        .await;
        let dav = dav_client("alice", "pw").unwrap();
        let now = Utc::now();
        // Compared in full ten minutes ago: the answer is taken as the changes it claims to be.
        store
            .set_calendar_full_sync_at(cal.id, now.timestamp() - 600)
            .await
            .unwrap();
        sync_collection_at(&dav, &store, &cal, now).await.unwrap();
        assert!(
            store
                .event_by_remote_id(cal.id, &gone)
                .await
                .unwrap()
                .is_some(),
            "nothing in the answer says the member is gone"
        );
        assert_eq!(
            *seen.lock().unwrap(),
            [Seen::Sync(Some(OLD_TOKEN.into())), Seen::Multiget(1)]
        );
        seen.lock().unwrap().clear();

        // A day later the collection is compared in full: the member leaves the cache.
        let cal = store.calendar(cal.id).await.unwrap().unwrap();
        let later = now + TimeDelta::seconds(FULL_COMPARISON_INTERVAL);
        let report = sync_collection_at(&dav, &store, &cal, later).await.unwrap();
        assert!(report.full);
        assert_eq!(
            *seen.lock().unwrap(),
            [Seen::Sync(None)],
            "no fetch: ETags unchanged"
        );
        let (members, token) = listing(&base, SOGO, "sogo-sync-empty-token.xml");
        assert_eq!(cached_ids(&store, cal.id).await, ids(&members));
        let after = store.calendar(cal.id).await.unwrap().unwrap();
        assert_eq!(after.sync_token, token);
        assert_eq!(
            store.calendar_full_sync_at(cal.id).await.unwrap(),
            later.timestamp()
        );
    }

    #[tokio::test]
    async fn an_answer_that_looks_like_a_full_listing_is_checked_at_once() {
        let (base, seen) = serve(sogo_script()).await;
        let (store, _, cal, gone) = cached(
            &base,
            SOGO,
            "sogo-sync-empty-token.xml",
            "sogo-multiget-all.xml",
        )
        .await;
        let now = Utc::now();
        store
            .set_calendar_full_sync_at(cal.id, now.timestamp() - 2 * FULL_LOOKING_RECHECK)
            .await
            .unwrap();
        let report = sync_collection_at(&dav_client("alice", "pw").unwrap(), &store, &cal, now)
            .await
            .unwrap();
        assert!(report.full);
        assert_eq!(
            *seen.lock().unwrap(),
            [
                Seen::Sync(Some(OLD_TOKEN.into())),
                Seen::Sync(None),
                Seen::Multiget(1)
            ]
        );
        assert!(
            store
                .event_by_remote_id(cal.id, &gone)
                .await
                .unwrap()
                .is_none()
        );
        let (members, _) = listing(&base, SOGO, "sogo-sync-empty-token.xml");
        assert_eq!(cached_ids(&store, cal.id).await, ids(&members));
    }

    #[test]
    fn a_change_list_does_not_look_like_a_full_listing() {
        let u = |n: &str| Url::parse(&format!("http://h/c/{n}.ics")).unwrap();
        let known: BTreeMap<Url, String> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| (u(n), "\"1\"".to_string()))
            .collect();
        let answer = |items: &[(&str, &str)], removed: &[&str]| SyncChanges {
            changed: items
                .iter()
                .map(|(n, e)| (u(n), Some(e.to_string())))
                .collect(),
            removed: removed.iter().map(|n| u(n)).collect(),
            token: Some("t".into()),
            requests: 1,
        };
        // Two changed, one new: changes.
        assert!(!looks_like_full_listing(
            &answer(&[("a", "\"2\""), ("b", "\"2\""), ("e", "\"1\"")], &[]),
            &known
        ));
        // Three of four again, unchanged: a listing.
        assert!(looks_like_full_listing(
            &answer(&[("a", "\"1\""), ("b", "\"1\""), ("c", "\"1\"")], &[]),
            &known
        ));
        // With a removal the server clearly sent changes.
        assert!(!looks_like_full_listing(
            &answer(&[("a", "\"1\""), ("b", "\"1\""), ("c", "\"1\"")], &["d"]),
            &known
        ));
    }
}
