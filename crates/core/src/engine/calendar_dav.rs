//! CalDAV calendar collections: one poll of one collection.
//!
//! 1. RFC 6578 sync-collection from the stored token (the caldav crate follows 507 truncation,
//!    §3.6, until the answer is complete). The members reported changed whose ETag the cache
//!    already has are dropped (SOGo reports again what changed in the token's second).
//! 2. An invalid token (§3.2: 403/409 `valid-sync-token`) → the same request without a token:
//!    a full listing; cached members it does not name are removed.
//! 3. A server without sync-collection → `getctag` (calendarserver.org): unchanged ctag, nothing
//!    to do; else a Depth-1 PROPFIND of every ETag, compared with the cache.
//! 4. Changed members are fetched with calendar-multiget (RFC 4791 §7.9) in batches, and
//!    stored with the new token (or ctag) in one transaction. A resource that is not readable
//!    iCalendar is quarantined, not stored, and does not stop the collection.

use std::collections::{BTreeMap, BTreeSet};

use kontor_caldav::{DEFAULT_MULTIGET_BATCH, DavClient, DavError};
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
        DavError::Net(ref n) if n.is_tls() => CoreError::Tls { detail },
        DavError::Net(_) => CoreError::Unreachable { detail },
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

/// One poll of one CalDAV collection.
pub async fn sync_collection(
    dav: &DavClient,
    store: &Store,
    cal: &CalendarRow,
) -> Result<PassReport, CoreError> {
    calendar_cache::ensure_window(store, cal).await?;
    let url = Url::parse(&cal.remote_id)
        .map_err(|e| CoreError::InvalidInput(format!("calendar URL {}: {e}", cal.remote_id)))?;
    let known: BTreeMap<String, String> = store.event_etags(cal.id).await?.into_iter().collect();
    let mut report = PassReport::default();
    // A collection that earlier needed the ctag fallback keeps using it.
    let use_ctag = cal.sync_token.is_empty() && !cal.ctag.is_empty();
    if !use_ctag {
        let token = (!cal.sync_token.is_empty()).then_some(cal.sync_token.as_str());
        let first = dav.sync_collection(&url, token, None).await;
        let (changes, full) = match first {
            Ok(c) => (Some(c), token.is_none()),
            Err(DavError::InvalidSyncToken) => {
                tracing::info!(url = %url, "sync token no longer valid; listing the calendar again");
                (
                    Some(
                        dav.sync_collection(&url, None, None)
                            .await
                            .map_err(map_dav)?,
                    ),
                    true,
                )
            }
            Err(e) if token.is_none() && unsupported(&e) => {
                tracing::info!(url = %url, error = %e, "no sync-collection; using ctag and ETags");
                (None, true)
            }
            Err(e) => return Err(map_dav(e)),
        };
        if let Some(changes) = changes {
            report.requests += changes.requests;
            report.full |= full;
            let listed: BTreeSet<String> = changes.changed.keys().map(Url::to_string).collect();
            let mut deletes: Vec<String> = changes.removed.iter().map(Url::to_string).collect();
            if full {
                // A full listing: what it does not name is gone.
                deletes.extend(known.keys().filter(|k| !listed.contains(*k)).cloned());
            }
            let known_urls: BTreeMap<Url, String> = known
                .iter()
                .filter_map(|(k, v)| Url::parse(k).ok().map(|u| (u, v.clone())))
                .collect();
            let token = changes.token.clone().unwrap_or_default();
            let changes = changes.without_unchanged(&known_urls);
            let urls: Vec<Url> = changes.changed.keys().cloned().collect();
            let upserts = fetch(dav, &url, urls, &mut report).await?;
            let out = store
                .apply_event_batch(cal.id, &token, &upserts, &deletes)
                .await?;
            report.changed += (out.upserted + out.deleted) as usize;
            report.quarantined += out.quarantined as usize;
            return Ok(report);
        }
    }
    // ctag + ETag fallback.
    report.requests += 1;
    let (ctag, _) = dav.ctag(&url).await.map_err(map_dav)?;
    if let Some(c) = &ctag
        && !c.is_empty()
        && *c == cal.ctag
    {
        return Ok(report);
    }
    report.requests += 1;
    let etags = dav.etags(&url).await.map_err(map_dav)?;
    let listed: BTreeSet<String> = etags.keys().map(Url::to_string).collect();
    let deletes: Vec<String> = known
        .keys()
        .filter(|k| !listed.contains(*k))
        .cloned()
        .collect();
    let urls: Vec<Url> = etags
        .iter()
        .filter(|(u, e)| match (e, known.get(u.as_str())) {
            (Some(new), Some(old)) => new != old,
            _ => true,
        })
        .map(|(u, _)| u.clone())
        .collect();
    let upserts = fetch(dav, &url, urls, &mut report).await?;
    let out = store
        .apply_event_batch(cal.id, "", &upserts, &deletes)
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
