//! The calendar side of the sync engine: ActiveSync calendar folders and CalDAV collections
//! into the cache tables `calendar`, `event` and `occurrence`, and local event changes back.
//!
//! ```text
//! sync_account_calendars ─┬─ EAS: folders of type 8/13 → calendar rows → calendar_eas::sync_folder
//!                         │        (Sync + MoreAvailable, each window + its SyncKey in one transaction)
//!                         ├─ CalDAV: discovery → listing (+ calendars added by URL) → calendar rows
//!                         │        → calendar_dav::sync_collection (sync-collection / ctag+ETag)
//!                         ├─ outbox replay (calendar_outbox), in order
//!                         └─ occurrences re-materialised when the window moved (calendar_cache)
//! ```
//!
//! Everything here can be driven by one plain call ([`sync_account_calendars`], and the app's
//! `Kontor::sync_calendars_once`), which is what the tests and the reminder service use; the
//! periodic poller ([`spawn_poller`]) only repeats that call.
//!
//! * Events are stored as iCalendar text (CalDAV: the resource as fetched; EAS: written from the
//!   calendar model by `crate::convert`) plus normalised columns; occurrences are materialised
//!   for `now − 7 days … now + 90 days` (`calendar_cache::window`).
//! * Shared calendars: EAS folders named `… (Owner <owner@host>)` (SOGo) and CalDAV calendars
//!   owned by another principal or added by URL are marked shared (reminders off by default).
//!   EAS reports no rights; shared EAS folders are treated as read-only. CalDAV read-only comes
//!   from `current-user-privilege-set`. Nothing is ever written to a read-only calendar.
//! * Changes are announced on a [`CalendarBus`] ([`CalendarNotice`]).

use std::time::Duration;

use chrono::Utc;
use kontor_caldav::{Credentials, DavClient};
use kontor_calendar::Zone;
use kontor_eas::EasClient;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tokio::sync::broadcast;
use url::Url;

use super::calendar_cache;
use super::calendar_dav::{self, map_dav};
use super::calendar_eas::{self, EasSyncError};
use super::calendar_outbox::{self, AccountKey, Replayed};
use super::outcome::{Conflict, Outcome};
use crate::error::CoreError;
use crate::store::settings;
use crate::store::{CalendarInfo, CalendarRow, CalendarSource, Store};

/// What changed, for the UI and the reminder service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum CalendarNotice {
    /// Events or occurrences of these calendars changed.
    Changed { calendar_ids: Vec<i64> },
    /// A local change lost against the server's version (kept, parked; see calendar_outbox).
    Conflict { uid: String, detail: String },
    /// A calendar could not be synced; the next poll tries again.
    SyncFailed { calendar_id: i64, message: String },
}

/// A broadcast of [`CalendarNotice`]s. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CalendarBus {
    tx: broadcast::Sender<CalendarNotice>,
}

impl Default for CalendarBus {
    fn default() -> Self {
        Self::new()
    }
}

impl CalendarBus {
    pub fn new() -> Self {
        CalendarBus {
            tx: broadcast::channel(64).0,
        }
    }

    pub fn emit(&self, n: CalendarNotice) {
        // No receiver is fine: nobody is listening.
        let _ = self.tx.send(n);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CalendarNotice> {
        self.tx.subscribe()
    }
}

/// A CalDAV account: where to discover, as whom, and calendars added by URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaldavAccount {
    /// The URL the user typed (server root, principal or calendar home).
    pub url: String,
    pub user: String,
    /// Colleagues' calendars opened by URL (not discoverable).
    #[serde(default)]
    pub extra_calendars: Vec<String>,
}

/// Setting key holding the CalDAV accounts (JSON list of [`CaldavAccount`]).
pub const CALDAV_ACCOUNTS_SETTING: &str = "calendar.caldav_accounts";
/// Setting key: seconds between CalDAV polls.
pub const POLL_SECONDS_SETTING: &str = "calendar.poll_seconds";
/// Default seconds between CalDAV polls.
pub const DEFAULT_POLL_SECONDS: u64 = 300;

/// Reads a JSON setting.
pub async fn setting<T: serde::de::DeserializeOwned>(
    pool: &SqlitePool,
    key: &str,
) -> Result<Option<T>, CoreError> {
    let v = settings::read_setting(pool, key).await?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
}

/// Writes a JSON setting.
pub async fn set_setting<T: Serialize>(
    pool: &SqlitePool,
    key: &str,
    value: &T,
) -> Result<(), CoreError> {
    let v = serde_json::to_string(value).map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    settings::write_setting(pool, key, &v).await
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarSyncReport {
    pub calendars: usize,
    /// Rows written or removed.
    pub changed: usize,
    pub requests: usize,
    pub quarantined: usize,
    pub replayed: usize,
    pub conflicts: usize,
    /// Calendars that failed, with the reason (the others were synced).
    pub failures: Vec<(i64, String)>,
}

/// Brings the account's EAS calendar folders into `calendar` (type 8 and 13 folders from the
/// cached hierarchy) and removes calendars whose folder is gone. Returns the rows.
pub async fn eas_calendars(
    store: &Store,
    account_id: i64,
    user: &str,
) -> Result<Vec<CalendarRow>, CoreError> {
    let folders = store.eas_calendar_folders(account_id).await?;
    for (server_id, name) in &folders {
        let shared = crate::sync::looks_shared(name, user);
        store
            .upsert_calendar(
                account_id,
                &CalendarInfo {
                    source: CalendarSource::Eas,
                    remote_id: server_id.clone(),
                    display_name: name.clone(),
                    color: String::new(),
                    owner: owner_from_name(name).unwrap_or_default(),
                    shared,
                    // ActiveSync reports no rights: someone else's folder is not written.
                    read_only: shared,
                    ctag: String::new(),
                },
            )
            .await?;
    }
    let mut out = Vec::new();
    for c in store.calendars(Some(account_id)).await? {
        if c.source != CalendarSource::Eas {
            continue;
        }
        if folders.iter().any(|(id, _)| *id == c.remote_id) {
            out.push(c);
        } else {
            store.delete_calendar(c.id).await?;
        }
    }
    Ok(out)
}

/// `bob@kontor.test` from SOGo's `Personal Calendar (Bob Baker <bob@kontor.test>)`.
fn owner_from_name(name: &str) -> Option<String> {
    let open = name.rfind('<')?;
    let rest = name[open + 1..].strip_suffix(">)")?;
    rest.contains('@').then(|| rest.to_string())
}

/// Syncs every EAS calendar folder of the account, then replays its queued EAS calendar
/// operations. `client` must be connected (OPTIONS, Provision).
pub async fn sync_eas(
    client: &mut EasClient,
    store: &Store,
    account: &AccountKey,
    account_id: i64,
    zone: &Zone,
    bus: &CalendarBus,
    report: &mut CalendarSyncReport,
) -> Result<(), CoreError> {
    let cals = eas_calendars(store, account_id, &account.user).await?;
    let mut changed = Vec::new();
    for cal in &cals {
        report.calendars += 1;
        match calendar_eas::sync_folder(client, store, cal, zone).await {
            Ok(r) => {
                report.changed += r.changed;
                report.requests += r.requests;
                report.quarantined += r.quarantined;
                if r.changed > 0 {
                    changed.push(cal.id);
                }
            }
            Err(EasSyncError::Core(e)) => return Err(e),
            Err(EasSyncError::Eas(e)) => {
                let e = crate::sync::map_eas(e, &cal.remote_id);
                if matches!(
                    e,
                    CoreError::Unreachable { .. } | CoreError::AuthFailed { .. }
                ) {
                    return Err(e);
                }
                tracing::warn!(folder = %cal.remote_id, error = %e, "calendar folder sync failed");
                bus.emit(CalendarNotice::SyncFailed {
                    calendar_id: cal.id,
                    message: e.to_string(),
                });
                report.failures.push((cal.id, e.to_string()));
            }
        }
    }
    // Outbox: EAS calendar operations of this account, in order.
    for q in calendar_outbox::pending(store, account, Utc::now()).await? {
        let Some(cal) = cals.iter().find(|c| c.remote_id == q.calendar()) else {
            continue;
        };
        match calendar_outbox::replay_eas(client, store, cal, &q, zone).await {
            Ok(r) => {
                note_replayed(r, bus, report);
                changed.push(cal.id);
            }
            Err(e) => {
                calendar_outbox::retry(store, &q, &e).await?;
                report.failures.push((cal.id, e.to_string()));
                break;
            }
        }
    }
    if !changed.is_empty() {
        changed.sort_unstable();
        changed.dedup();
        bus.emit(CalendarNotice::Changed {
            calendar_ids: changed,
        });
    }
    Ok(())
}

fn note_replayed(r: Replayed, bus: &CalendarBus, report: &mut CalendarSyncReport) {
    match r {
        Replayed::Judged {
            outcome: Outcome::Done,
            ..
        } => report.replayed += 1,
        Replayed::Judged {
            outcome:
                Outcome::Conflict(Conflict {
                    resolution: detail, ..
                })
                | Outcome::Park(detail),
            uid,
        } => {
            report.conflicts += 1;
            bus.emit(CalendarNotice::Conflict { uid, detail });
        }
        // Failures come back as errors (`calendar_outbox::retry`), never as these.
        Replayed::Judged {
            outcome: Outcome::Retry | Outcome::Check(_),
            ..
        } => {}
        Replayed::Later(why) => tracing::debug!(%why, "calendar operation waits"),
    }
}

/// A CalDAV client for an account.
pub fn dav_client(user: &str, password: &str) -> Result<DavClient, CoreError> {
    let http = kontor_net::client(&kontor_net::ClientOptions::default()).map_err(|e| {
        CoreError::Unreachable {
            detail: e.to_string(),
        }
    })?;
    Ok(DavClient::new(
        http,
        Credentials {
            user: user.into(),
            password: password.into(),
        },
    ))
}

/// The stored form of a CalDAV collection: shared when opened by URL, owned by someone else
/// (compared with `principal`) or read-only.
pub(crate) fn meta(
    info: &kontor_caldav::CalendarInfo,
    principal: Option<&Url>,
    by_url: bool,
    ctag: String,
) -> CalendarInfo {
    let owner = info.owner.clone().unwrap_or_default();
    let foreign_owner = match (principal, &info.owner) {
        (Some(p), Some(o)) => {
            let o = p
                .join(o)
                .map(|u| u.path().trim_end_matches('/').to_string());
            o.is_ok_and(|o| o != p.path().trim_end_matches('/'))
        }
        _ => false,
    };
    CalendarInfo {
        source: CalendarSource::Caldav,
        remote_id: info.url.to_string(),
        display_name: info
            .display_name
            .clone()
            .unwrap_or_else(|| info.url.path().to_string()),
        color: info.color.clone().unwrap_or_default(),
        owner,
        shared: by_url || foreign_owner || info.read_only,
        read_only: info.read_only,
        ctag,
    }
}

/// Discovers and lists the CalDAV account's calendars (and those added by URL) into
/// `calendar`, removing calendars that are gone. Only calendars that can hold events count.
pub async fn caldav_calendars(
    dav: &DavClient,
    store: &Store,
    account_id: i64,
    acct: &CaldavAccount,
) -> Result<Vec<CalendarRow>, CoreError> {
    let start =
        Url::parse(&acct.url).map_err(|e| CoreError::InvalidInput(format!("{}: {e}", acct.url)))?;
    let disc = match dav.discover(&start).await {
        Ok(d) => d,
        // Discovery reports "no principal" for any failure of its probes; ask once more
        // plainly so an unreachable server reads as unreachable (and the outbox waits).
        Err(e @ kontor_caldav::DavError::DiscoveryFailed(_)) => {
            if let Err(probe @ kontor_caldav::DavError::Net(_)) = dav.ctag(&start).await {
                return Err(map_dav(probe));
            }
            return Err(map_dav(e));
        }
        Err(e) => return Err(map_dav(e)),
    };
    // Whether the server schedules itself (RFC 6638): Kontor then mails no invitations or
    // answers for this account's calendars. Asked at the first calendar home; when OPTIONS
    // fails the last answer stays (none yet: not scheduling, so invitations are mailed).
    if let Some(home) = disc.calendar_homes.first() {
        match dav.schedules(home).await {
            Ok(schedules) => {
                if store.caldav_schedules(account_id).await? != schedules {
                    tracing::info!(account_id, schedules, "CalDAV server scheduling (RFC 6638)");
                }
                store.set_caldav_schedules(account_id, schedules).await?;
            }
            Err(e) => tracing::debug!(error = %e, "OPTIONS on the calendar home failed"),
        }
    }
    let mut infos: Vec<(kontor_caldav::CalendarInfo, bool)> = Vec::new();
    for home in &disc.calendar_homes {
        for c in dav.list_calendars(home).await.map_err(map_dav)? {
            infos.push((c, false));
        }
    }
    for extra in &acct.extra_calendars {
        let url =
            Url::parse(extra).map_err(|e| CoreError::InvalidInput(format!("{extra}: {e}")))?;
        if infos.iter().any(|(c, _)| c.url == url) {
            continue;
        }
        match dav.add_calendar(&url).await {
            Ok(c) => infos.push((c, true)),
            Err(e) => tracing::warn!(%url, error = %e, "added calendar not available"),
        }
    }
    infos.retain(|(c, _)| c.components.is_empty() || c.components.iter().any(|x| x == "VEVENT"));
    let mut seen = Vec::new();
    for (info, by_url) in &infos {
        // The stored ctag is the one the last poll caught up with; keep it.
        let ctag = store
            .calendar_ctag(account_id, info.url.as_str())
            .await?
            .unwrap_or_default();
        let m = meta(info, Some(&disc.principal), *by_url, ctag);
        seen.push(m.remote_id.clone());
        store.upsert_calendar(account_id, &m).await?;
    }
    let mut out = Vec::new();
    for c in store.calendars(Some(account_id)).await? {
        if c.source != CalendarSource::Caldav {
            continue;
        }
        if seen.contains(&c.remote_id) {
            out.push(c);
        } else {
            store.delete_calendar(c.id).await?;
        }
    }
    Ok(out)
}

/// Polls every calendar of a CalDAV account once and replays its queued operations.
pub async fn sync_caldav(
    dav: &DavClient,
    store: &Store,
    account: &AccountKey,
    account_id: i64,
    acct: &CaldavAccount,
    bus: &CalendarBus,
    report: &mut CalendarSyncReport,
) -> Result<(), CoreError> {
    let cals = caldav_calendars(dav, store, account_id, acct).await?;
    sync_caldav_calendars(dav, store, account, &cals, bus, report).await
}

/// Replays the queued operations of `cals` (calendars of one account) and polls each once.
pub async fn sync_caldav_calendars(
    dav: &DavClient,
    store: &Store,
    account: &AccountKey,
    cals: &[CalendarRow],
    bus: &CalendarBus,
    report: &mut CalendarSyncReport,
) -> Result<(), CoreError> {
    let mut changed = Vec::new();
    // Outbox first: a local change goes out before the poll, so the poll sees the server's
    // result of it (and an ETag conflict is found by the conditional write, not hidden).
    for q in calendar_outbox::pending(store, account, Utc::now()).await? {
        let Some(cal) = cals.iter().find(|c| c.remote_id == q.calendar()) else {
            continue;
        };
        match calendar_outbox::replay_dav(dav, store, cal, &q).await {
            Ok(r) => {
                note_replayed(r, bus, report);
                changed.push(cal.id);
            }
            Err(e) => {
                // Later operations wait, so the server sees the changes in order.
                calendar_outbox::retry(store, &q, &e).await?;
                report.failures.push((cal.id, e.to_string()));
                break;
            }
        }
    }
    for cal in cals {
        report.calendars += 1;
        let fresh = store.calendar(cal.id).await?.unwrap_or_else(|| cal.clone());
        match calendar_dav::sync_collection(dav, store, &fresh).await {
            Ok(r) => {
                report.changed += r.changed;
                report.requests += r.requests;
                report.quarantined += r.quarantined;
                if r.changed > 0 {
                    changed.push(cal.id);
                }
            }
            Err(e @ (CoreError::Unreachable { .. } | CoreError::AuthFailed { .. })) => {
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(url = %cal.remote_id, error = %e, "calendar sync failed");
                bus.emit(CalendarNotice::SyncFailed {
                    calendar_id: cal.id,
                    message: e.to_string(),
                });
                report.failures.push((cal.id, e.to_string()));
            }
        }
    }
    if !changed.is_empty() {
        changed.sort_unstable();
        changed.dedup();
        bus.emit(CalendarNotice::Changed {
            calendar_ids: changed,
        });
    }
    Ok(())
}

/// Re-materialises occurrences of calendars whose window moved; announces it.
pub async fn move_window(store: &Store, bus: &CalendarBus) -> Result<(), CoreError> {
    let ids = calendar_cache::move_windows(store, Utc::now()).await?;
    if !ids.is_empty() {
        bus.emit(CalendarNotice::Changed { calendar_ids: ids });
    }
    Ok(())
}

/// Runs `once` every `interval` until the returned handle is dropped or aborted. Failures are
/// logged and retried at the next tick (the call itself reports them on the bus).
pub fn spawn_poller<F, Fut>(interval: Duration, mut once: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), CoreError>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval.max(Duration::from_secs(5)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = once().await {
                tracing::warn!(error = %e, "calendar poll failed; trying again at the next interval");
            }
        }
    })
}

/// ActiveSync calendar folders (types 8 and 13) as a [`super::CollectionSyncer`] of the
/// account task: a Sync pass per folder when the task asks (after FolderSync, when Ping says
/// the folder changed), and the account's queued calendar operations when the outbox is woken.
/// Reports on the engine's [`super::EventBus`] (`FolderSynced`, `ItemQuarantined`,
/// `OutboxApplied`, `OutboxConflict`, `OutboxRetry`).
#[derive(Debug, Clone)]
pub struct CalendarSyncer {
    /// The user's zone (for all-zero TimeZone blobs).
    pub zone: Zone,
    /// Also told about changes, for callers of the plain API.
    pub notices: CalendarBus,
}

async fn account_key(store: &Store, account_id: i64) -> Result<AccountKey, CoreError> {
    let (server_url, user) = store.account_login(account_id).await?;
    Ok(AccountKey { server_url, user })
}

impl super::CollectionSyncer for CalendarSyncer {
    fn name(&self) -> &'static str {
        "calendar"
    }

    fn handles(&self, folder_type: kontor_eas::FolderType) -> bool {
        matches!(folder_type.code(), 8 | 13)
    }

    fn sync_folder<'a>(
        &'a self,
        cx: &'a mut super::AccountContext,
        folder: &'a super::FolderRef,
    ) -> super::BoxFuture<'a, Result<(), super::EngineError>> {
        Box::pin(async move {
            let key = account_key(&cx.store, cx.account_id).await?;
            let cals = eas_calendars(&cx.store, cx.account_id, &key.user).await?;
            let Some(cal) = cals.iter().find(|c| c.remote_id == folder.server_id) else {
                return Ok(());
            };
            let r = calendar_eas::sync_folder(&mut cx.client, &cx.store, cal, &self.zone)
                .await
                .map_err(|e| match e {
                    EasSyncError::Eas(e) => super::EngineError::Eas(e),
                    EasSyncError::Core(e) => super::EngineError::Core(e),
                })?;
            cx.emit(super::EngineEvent::FolderSynced {
                account_id: cx.account_id,
                folder: folder.server_id.clone(),
                added: 0,
                changed: u32::try_from(r.changed).unwrap_or(u32::MAX),
                deleted: 0,
            });
            if r.changed > 0 {
                self.notices.emit(CalendarNotice::Changed {
                    calendar_ids: vec![cal.id],
                });
            }
            Ok(())
        })
    }

    fn replay_outbox<'a>(
        &'a self,
        cx: &'a mut super::AccountContext,
    ) -> super::BoxFuture<'a, Result<Option<Duration>, super::EngineError>> {
        Box::pin(async move {
            let key = account_key(&cx.store, cx.account_id).await?;
            let cals = eas_calendars(&cx.store, cx.account_id, &key.user).await?;
            for q in calendar_outbox::pending(&cx.store, &key, Utc::now()).await? {
                let Some(cal) = cals.iter().find(|c| c.remote_id == q.calendar()) else {
                    continue;
                };
                match calendar_outbox::replay_eas(&mut cx.client, &cx.store, cal, &q, &self.zone)
                    .await
                {
                    Ok(Replayed::Judged {
                        outcome: Outcome::Done,
                        ..
                    }) => cx.emit(super::EngineEvent::OutboxApplied {
                        account_id: cx.account_id,
                        op_id: q.id,
                    }),
                    Ok(Replayed::Judged {
                        outcome:
                            Outcome::Conflict(Conflict {
                                resolution: detail, ..
                            })
                            | Outcome::Park(detail),
                        uid,
                    }) => {
                        cx.emit(super::EngineEvent::OutboxConflict {
                            account_id: cx.account_id,
                            op_id: q.id,
                            resolution: format!(
                                "server version kept, local change parked: {detail}"
                            ),
                        });
                        self.notices.emit(CalendarNotice::Conflict { uid, detail });
                    }
                    // Failures come back as errors (`calendar_outbox::retry`), never as these.
                    Ok(Replayed::Judged {
                        outcome: Outcome::Retry | Outcome::Check(_),
                        ..
                    })
                    | Ok(Replayed::Later(_)) => {}
                    Err(e @ (CoreError::Unreachable { .. } | CoreError::AuthFailed { .. })) => {
                        calendar_outbox::retry(&cx.store, &q, &e).await?;
                        return Err(super::EngineError::Core(e));
                    }
                    Err(e) => {
                        calendar_outbox::retry(&cx.store, &q, &e).await?;
                        let (attempts, due) = cx.store.outbox_tries(q.id).await?;
                        let wait = Duration::from_secs(
                            u64::try_from(due - Utc::now().timestamp()).unwrap_or(0),
                        );
                        cx.emit(super::EngineEvent::OutboxRetry {
                            account_id: cx.account_id,
                            op_id: q.id,
                            attempt: u32::try_from(attempts).unwrap_or(u32::MAX),
                            retry_in_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                            message: e.to_string(),
                        });
                        // Later operations wait: the server sees changes in order.
                        return Ok(Some(wait));
                    }
                }
            }
            Ok(None)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_is_read_from_sogo_folder_names() {
        assert_eq!(
            owner_from_name("Personal Calendar (Bob Baker <bob@kontor.test>)").as_deref(),
            Some("bob@kontor.test")
        );
        assert_eq!(owner_from_name("Personal Calendar"), None);
    }
}
