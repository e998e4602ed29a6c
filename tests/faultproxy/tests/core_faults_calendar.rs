//! Calendar sync and the calendar outbox through the fault proxy: ≥ 200 seeded rounds in which
//! the core syncs the ActiveSync calendar `vevent%2Fpersonal` of its own account (heidi)
//! through cuts, stalls and 500/503 answers, while the user creates, edits (summary, time) and
//! deletes events through the app's API (the outbox, as the UI does) and the server changes
//! other events behind the client's back over CalDAV (straight to SOGo, not through the
//! proxy). Afterwards:
//!
//! * the server (read over CalDAV as heidi, the truth) holds exactly what the model of both
//!   sides' changes says: no event lost, none twice, each with its last summary and times;
//! * the cache (the calendar's `event` rows) equals the server: the same events by UID, with
//!   the same summary, start and end, none twice, none left with local changes, and the
//!   outbox is empty.
//!
//! A round is what the account task does for a calendar folder (scheduler.rs `run`): connect
//! (OPTIONS, Provision) when needed, replay the calendar outbox
//! ([`CalendarSyncer::replay_outbox`]), a Sync pass of the folder
//! ([`CalendarSyncer::sync_folder`], every MoreAvailable window with its key), replay again.
//! Any failure ends the round, as in the engine.
//!
//! Every event of a run has a UID that starts with the run's unique prefix; the comparison
//! looks only at those, and the run deletes them at the end.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeDelta, Utc};
use kontor_caldav::{CalendarInfo, Credentials, DavClient, WriteOutcome};
use kontor_calendar::{Calendar, Zone};
use kontor_core::Kontor;
use kontor_core::app::EventDraft;
use kontor_core::engine::calendar::{CalendarBus, CalendarSyncer};
use kontor_core::engine::{
    AccountContext, CollectionSyncer, EngineError, EngineEvent, EventBus, FolderRef,
};
use kontor_eas::{EasClient, EasConfig, FolderType};
use kontor_faultproxy::{FaultCounts, FaultProxy, Mix, Plan};
use kontor_live_tests::{SOGO_DAV_URL, SOGO_EAS_URL, require_sogo};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use sqlx::Row;
use url::Url;

mod common;

use common::unique;

/// This binary's own account (tests/servers/seed.py): nothing else changes its calendar.
const USER: kontor_live_tests::User = kontor_live_tests::HEIDI;
/// Her default calendar: the ActiveSync folder and the same collection over CalDAV.
const FOLDER: &str = "vevent%2Fpersonal";
fn dav_calendar() -> Url {
    Url::parse(&format!("{SOGO_DAV_URL}{}/Calendar/personal/", USER.name)).unwrap()
}

/// Seeds of the calendar rounds (`KONTOR_FAULT_SEEDS` replays chosen ones).
const SEEDS: [u64; 5] = [111, 222, 333, 444, 555];
const ROUNDS_PER_SEED: usize = 42;
/// Events put on the server at the start; every third belongs to the server side.
const SEEDED: usize = 18;
/// Per-request timeout of the client: long stalls (3 s) outlast it.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(1500);

fn plan(seed: u64) -> Plan {
    Plan {
        mix: Mix {
            pass: 14,
            ..Mix::default()
        },
        up_offset_max: 1500,
        down_offset_max: 6000,
        long_stall: Duration::from_secs(3),
        ..Plan::seeded(seed)
    }
}

/// Who changes an event: the user (the app's outbox) or the server (CalDAV behind the
/// client's back). Never both, so the expected end state does not depend on timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Client,
    Server,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    owner: Owner,
    summary: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// Edits so far (the summary names the version).
    version: u32,
}

/// An event as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct EventState {
    summary: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl EventState {
    fn of(e: &Expect) -> EventState {
        EventState {
            summary: e.summary.clone(),
            start: e.start,
            end: e.end,
        }
    }
}

fn dav_client() -> DavClient {
    let http = kontor_net::client(&kontor_net::ClientOptions::default()).expect("HTTP client");
    DavClient::new(
        http,
        Credentials {
            user: USER.name.into(),
            password: USER.password.into(),
        },
    )
}

fn ics(uid: &str, summary: &str, start: DateTime<Utc>, end: DateTime<Utc>, seq: u32) -> String {
    let f = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor//fault test//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:{}\r\nSEQUENCE:{seq}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{summary}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        f(Utc::now()),
        f(start),
        f(end),
    )
}

/// The test's window: every event lies in it (a few days to ~6 weeks ahead).
fn window() -> (DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    (now - TimeDelta::days(1), now + TimeDelta::days(120))
}

/// (summary, start, end) of a one-event iCalendar object.
fn state_of(ical: &str) -> Result<EventState, String> {
    let cal = Calendar::parse(ical).map_err(|e| e.to_string())?;
    let (from, to) = window();
    let occ = cal.expand(from, to, &Zone::Utc);
    match occ.as_slice() {
        [o] => Ok(EventState {
            summary: o.summary.clone().unwrap_or_default(),
            start: o.start,
            end: o.end,
        }),
        more => Err(format!("{} occurrences in the window", more.len())),
    }
}

/// Every event of the run on the server, read over CalDAV: UID → [(href, state)].
async fn server_events(
    dav: &DavClient,
    prefix: &str,
) -> BTreeMap<String, Vec<(String, Result<EventState, String>)>> {
    let cal = dav_calendar();
    let mut last = None;
    for attempt in 0..3 {
        match read_server(dav, &cal, prefix).await {
            Ok(v) => return v,
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(300 * (attempt + 1))).await;
            }
        }
    }
    panic!("reading {cal} over CalDAV: {last:?}");
}

async fn read_server(
    dav: &DavClient,
    cal: &Url,
    prefix: &str,
) -> Result<BTreeMap<String, Vec<(String, Result<EventState, String>)>>, kontor_caldav::DavError> {
    let urls: Vec<Url> = dav.etags(cal).await?.into_keys().collect();
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for r in dav.multiget(cal, &urls, 50).await? {
        let Ok(parsed) = Calendar::parse(&r.data) else {
            continue;
        };
        let Some(uid) = parsed.items.first().map(|i| i.uid.clone()) else {
            continue;
        };
        if !uid.starts_with(prefix) {
            continue;
        }
        out.entry(uid)
            .or_default()
            .push((r.url.to_string(), state_of(&r.data)));
    }
    Ok(out)
}

/// A short random suffix, so every UID is unique beyond the run's prefix.
fn suffix(rng: &mut ChaCha8Rng) -> String {
    format!("{:06x}", rng.random_range(0..0x100_0000u32))
}

struct Harness {
    app: Kontor,
    proxy: FaultProxy,
    account_id: i64,
    device_id: String,
    calendar_id: i64,
    folder: FolderRef,
    syncer: CalendarSyncer,
    client: Option<EasClient>,
    events: EventBus,
    seed: u64,
    /// When the last round ended (see [`Harness::next_second`]).
    last_round_end: SystemTime,
}

impl Harness {
    async fn connect(&self) -> Result<EasClient, EngineError> {
        let cfg = EasConfig::new(
            &self.proxy.url(SOGO_EAS_URL),
            USER.name,
            USER.password,
            &self.device_id,
        )?
        .device_type(kontor_core::sync::DEVICE_TYPE)
        .timeout(REQUEST_TIMEOUT);
        let mut c = EasClient::new(cfg)?;
        c.negotiate().await?;
        c.provision().await?;
        Ok(c)
    }

    /// One round; any failure ends it (the client is dropped and reconnects next round).
    async fn round(&mut self) -> Result<(), EngineError> {
        let result = self.round_inner().await;
        self.last_round_end = SystemTime::now();
        result
    }

    async fn round_inner(&mut self) -> Result<(), EngineError> {
        let client = match self.client.take() {
            Some(c) => c,
            None => self.connect().await?,
        };
        let mut cx = AccountContext {
            account_id: self.account_id,
            client,
            store: self.app.store().clone(),
            events: self.events.clone(),
            window_size: 5,
            max_attempts: 8,
            seed: Some(self.seed),
        };
        let result = async {
            self.syncer.replay_outbox(&mut cx).await?;
            self.syncer.sync_folder(&mut cx, &self.folder).await?;
            self.syncer.replay_outbox(&mut cx).await?;
            Ok::<_, EngineError>(())
        }
        .await;
        if result.is_ok() {
            self.client = Some(cx.client);
        }
        result
    }

    /// SOGo keeps calendar changes by modification time in whole seconds and its calendar
    /// SyncKey is such a time (tests/servers docs, core_engine_calendar.rs): a change made in
    /// the same second as the client's last Sync is not reported by the next one. A person
    /// does not change an event within the second of someone else's Sync; the server side of
    /// this test waits for the next second after the last round before it changes anything.
    async fn next_second(&self) {
        let last = self
            .last_round_end
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        loop {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
            if now.as_secs() > last {
                return;
            }
            let wait = Duration::from_secs(now.as_secs() + 1) - now;
            tokio::time::sleep(wait + Duration::from_millis(5)).await;
        }
    }
}

/// Cached events of the run: UID → [(remote id, state, local_state)].
async fn cached(h: &Harness, prefix: &str) -> BTreeMap<String, Vec<(String, EventState, i64)>> {
    let rows = sqlx::query(
        "SELECT uid, remote_id, summary, start_utc, end_utc, local_state FROM event
         WHERE calendar_id = ?1 AND substr(uid, 1, length(?2)) = ?2",
    )
    .bind(h.calendar_id)
    .bind(prefix)
    .fetch_all(h.app.store().pool())
    .await
    .unwrap();
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for r in rows {
        let ts = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        out.entry(r.get::<String, _>(0)).or_default().push((
            r.get::<String, _>(1),
            EventState {
                summary: r.get(2),
                start: ts(r.get(3)),
                end: ts(r.get(4)),
            },
            r.get::<i64, _>(5),
        ));
    }
    out
}

/// The event id the user sees for `uid` (not deleted locally), if the cache has it.
async fn cache_id(h: &Harness, uid: &str) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT id FROM event WHERE calendar_id = ?1 AND uid = ?2 AND local_state & 8 = 0
         ORDER BY id LIMIT 1",
    )
    .bind(h.calendar_id)
    .bind(uid)
    .fetch_optional(h.app.store().pool())
    .await
    .unwrap()
}

async fn outbox_states(h: &Harness) -> BTreeMap<String, i64> {
    sqlx::query("SELECT state, count(*) FROM outbox GROUP BY state")
        .fetch_all(h.app.store().pool())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// A start between 3 and 40 days ahead, on a whole quarter hour.
fn some_start(rng: &mut ChaCha8Rng) -> DateTime<Utc> {
    let base = Utc::now() + TimeDelta::days(3);
    let t = base + TimeDelta::minutes(15 * rng.random_range(0..(37 * 24 * 4)));
    DateTime::from_timestamp(t.timestamp() / 900 * 900, 0).unwrap()
}

fn some_length(rng: &mut ChaCha8Rng) -> TimeDelta {
    TimeDelta::minutes(15 * rng.random_range(1..=8))
}

/// Writes `e` for `uid` over CalDAV (create or replace); retries transient failures.
async fn server_put(dav: &DavClient, cal: &CalendarInfo, uid: &str, e: &Expect) {
    let url = cal.url.join(&format!("{uid}.ics")).unwrap();
    let body = ics(uid, &e.summary, e.start, e.end, e.version);
    for attempt in 0.. {
        let r = match dav.get(&url).await {
            Ok(Some(cur)) => {
                dav.update(cal, &url, &body, cur.etag.as_deref().unwrap_or("*"))
                    .await
            }
            Ok(None) => dav.create(cal, &format!("{uid}.ics"), &body).await,
            Err(e) => Err(e),
        };
        match r {
            Ok(WriteOutcome::Written { .. }) => return,
            Ok(WriteOutcome::Conflict(c)) => panic!("server-side write of {uid} conflicted: {c:?}"),
            Err(err) if attempt < 3 => {
                common_warn(&format!("CalDAV PUT {url}: {err}; again"));
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(err) => panic!("CalDAV PUT {url}: {err}"),
        }
    }
}

/// Deletes the resource of `uid` over CalDAV.
async fn server_delete(dav: &DavClient, cal: &CalendarInfo, uid: &str) {
    let url = cal.url.join(&format!("{uid}.ics")).unwrap();
    let cur = dav
        .get(&url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .unwrap_or_else(|| panic!("{url} is not on the server"));
    match dav
        .delete(cal, &url, cur.etag.as_deref().unwrap_or(""))
        .await
        .unwrap_or_else(|e| panic!("DELETE {url}: {e}"))
    {
        WriteOutcome::Written { .. } => {}
        WriteOutcome::Conflict(c) => panic!("server-side delete of {uid} conflicted: {c:?}"),
    }
}

/// Events of earlier runs that ended before their cleanup (a failed assertion, a killed
/// run) and are more than an hour old: removed so heidi's calendar does not grow without
/// bound. A run in progress (younger prefix) is never touched.
async fn remove_old_leftovers(dav: &DavClient, cal: &CalendarInfo) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let hour = 3_600_000_000_000u128;
    let Ok(old) = read_server(dav, &cal.url, "KFcal-").await else {
        return;
    };
    for (uid, copies) in old {
        let born: Option<u128> = uid
            .strip_prefix("KFcal-")
            .and_then(|r| r.split('-').next())
            .and_then(|n| n.parse().ok());
        if born.is_some_and(|b| b + hour < now) {
            for (href, _) in copies {
                let url = Url::parse(&href).unwrap();
                if let Ok(Some(cur)) = dav.get(&url).await {
                    let _ = dav
                        .delete(cal, &url, cur.etag.as_deref().unwrap_or(""))
                        .await;
                }
            }
        }
    }
}

/// Counts the engine's events since the last call and writes outbox conflicts and retries
/// into the history, with the round and its proxy connections (`conns`: first..end).
async fn note_events(
    h: &Harness,
    events: &mut tokio::sync::broadcast::Receiver<EngineEvent>,
    counts: &mut BTreeMap<String, u32>,
    history: &mut Vec<(usize, String, String)>,
    round: usize,
    conns: (u64, u64),
) {
    while let Ok(e) = events.try_recv() {
        let name = format!("{e:?}");
        let name = name.split([' ', '{']).next().unwrap_or("").to_owned();
        *counts.entry(name).or_default() += 1;
        let (op_id, what) = match &e {
            EngineEvent::OutboxConflict {
                op_id, resolution, ..
            } => (*op_id, format!("conflict: {resolution}")),
            EngineEvent::OutboxRetry { op_id, message, .. } => {
                (*op_id, format!("retry: {message}"))
            }
            EngineEvent::OutboxApplied { op_id, .. } => (*op_id, "applied".to_owned()),
            _ => continue,
        };
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT kind, item_id FROM outbox WHERE id = ?1")
                .bind(op_id)
                .fetch_optional(h.app.store().pool())
                .await
                .unwrap();
        let (kind, item) = row.unwrap_or_default();
        let uid = item.strip_prefix("local:").unwrap_or(&item).to_owned();
        let row_now: Option<String> = sqlx::query_scalar(
            "SELECT e.remote_id FROM outbox o JOIN event e ON e.id = o.local_ref WHERE o.id = ?1",
        )
        .bind(op_id)
        .fetch_optional(h.app.store().pool())
        .await
        .unwrap();
        history.push((
            round,
            format!(
                "op {op_id} {kind} {what} on {item} (event row now {row_now:?}; connections #{}..#{})",
                conns.0, conns.1
            ),
            uid,
        ));
    }
}

fn common_warn(msg: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{msg}\n").as_bytes());
}

#[tokio::test]
async fn calendar_sync_and_outbox_converge_through_faults() {
    require_sogo();
    let dav = dav_client();
    let cal = dav
        .add_calendar(&dav_calendar())
        .await
        .expect("heidi's personal calendar over CalDAV");
    let prefix = unique("KFcal");
    remove_old_leftovers(&dav, &cal).await;
    let mut rng = ChaCha8Rng::seed_from_u64(0xCA1E);

    // Seed events on the server; every third belongs to the server side, the rest to the user.
    let mut model: BTreeMap<String, Expect> = BTreeMap::new();
    for i in 0..SEEDED {
        let uid = format!("{prefix}-e{i:03}-{}", suffix(&mut rng));
        let start = some_start(&mut rng);
        let e = Expect {
            owner: if i % 3 == 0 {
                Owner::Server
            } else {
                Owner::Client
            },
            summary: format!("{uid} v0"),
            start,
            end: start + some_length(&mut rng),
            version: 0,
        };
        server_put(&dav, &cal, &uid, &e).await;
        model.insert(uid, e);
    }

    // Sign in through the proxy (faults off), then run the rounds.
    common::use_test_keychain();
    let proxy = FaultProxy::start(common::SOGO.parse().unwrap(), Plan::clean())
        .await
        .unwrap();
    proxy.set_faults(false);
    let (_dir, app, account_id) = common::signed_in(USER, &proxy.url(SOGO_EAS_URL)).await;
    // The calendar rows come from the cached folders (what the syncer does each pass).
    let cals = kontor_core::engine::calendar::eas_calendars(app.store(), account_id, USER.name)
        .await
        .unwrap();
    let calendar_id = cals
        .iter()
        .find(|c| c.remote_id == FOLDER)
        .unwrap_or_else(|| panic!("no calendar {FOLDER} among {cals:#?}"))
        .id;
    let folder_name = cals
        .iter()
        .find(|c| c.id == calendar_id)
        .map(|c| c.display_name.clone())
        .unwrap_or_default();
    let mut h = Harness {
        device_id: app.device_id().await,
        syncer: CalendarSyncer {
            zone: kontor_core::convert::local_zone(),
            notices: CalendarBus::new(),
        },
        app,
        proxy,
        account_id,
        calendar_id,
        folder: FolderRef {
            server_id: FOLDER.into(),
            folder_type: FolderType::from_code(8),
            display_name: folder_name,
        },
        client: None,
        events: EventBus::new(4096),
        seed: 0,
        last_round_end: SystemTime::now(),
    };
    let mut events = h.events.subscribe();

    let seeds = common::seeds(&SEEDS);
    let mut outcomes: BTreeMap<String, u32> = BTreeMap::new();
    // Errors that are not the network's or the server's: listed in the summary.
    let mut odd_errors: BTreeMap<String, u32> = BTreeMap::new();
    let mut ops: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut server_changes: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut rounds = 0usize;
    // Every change either side made, for the failure message: (round, what, uid).
    let mut history: Vec<(usize, String, String)> = Vec::new();
    let mut next_new = 0usize;
    let mut event_counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut conns_seen = 0u64;
    let started = std::time::Instant::now();
    for &seed in &seeds {
        h.seed = seed;
        h.proxy.set_plan(plan(seed));
        h.proxy.set_faults(true);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _round in 0..ROUNDS_PER_SEED {
            // The user acts on what the cache shows (client-owned events only).
            for _ in 0..rng.random_range(0..=2) {
                let kind = rng.random_range(0..10);
                if kind < 2 {
                    // Create (through the outbox: in the cache at once, on the server later).
                    let uid = format!("{prefix}-n{next_new:03}-{}", suffix(&mut rng));
                    next_new += 1;
                    let start = some_start(&mut rng);
                    let e = Expect {
                        owner: Owner::Client,
                        summary: format!("{uid} v0"),
                        start,
                        end: start + some_length(&mut rng),
                        version: 0,
                    };
                    h.app
                        .create_event(draft(calendar_id, &e, Some(uid.clone())))
                        .await
                        .unwrap();
                    history.push((rounds, "user create".into(), uid.clone()));
                    model.insert(uid, e);
                    *ops.entry("create").or_default() += 1;
                    continue;
                }
                let candidates: Vec<String> = model
                    .iter()
                    .filter(|(_, e)| e.owner == Owner::Client)
                    .map(|(u, _)| u.clone())
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                let uid = candidates[rng.random_range(0..candidates.len())].clone();
                let Some(id) = cache_id(&h, &uid).await else {
                    continue;
                };
                let e = model.get_mut(&uid).unwrap();
                match kind {
                    2..=4 => {
                        e.version += 1;
                        e.summary = format!("{uid} v{}", e.version);
                        h.app
                            .update_event(id, draft(calendar_id, e, None))
                            .await
                            .unwrap();
                        history.push((rounds, format!("user summary v{}", e.version), uid));
                        *ops.entry("summary").or_default() += 1;
                    }
                    5..=7 => {
                        e.version += 1;
                        e.start = some_start(&mut rng);
                        e.end = e.start + some_length(&mut rng);
                        h.app
                            .update_event(id, draft(calendar_id, e, None))
                            .await
                            .unwrap();
                        history.push((
                            rounds,
                            format!("user time {}..{} (v{})", e.start, e.end, e.version),
                            uid,
                        ));
                        *ops.entry("time").or_default() += 1;
                    }
                    _ => {
                        h.app.delete_event(id).await.unwrap();
                        model.remove(&uid);
                        history.push((rounds, "user delete".into(), uid));
                        *ops.entry("delete").or_default() += 1;
                    }
                }
            }
            // The server changes behind the client's back (server-owned events only).
            if rng.random_bool(0.35) {
                h.next_second().await;
                let kind = rng.random_range(0..4);
                let candidates: Vec<String> = model
                    .iter()
                    .filter(|(_, e)| e.owner == Owner::Server)
                    .map(|(u, _)| u.clone())
                    .collect();
                if kind == 0 || candidates.is_empty() {
                    let uid = format!("{prefix}-s{next_new:03}-{}", suffix(&mut rng));
                    next_new += 1;
                    let start = some_start(&mut rng);
                    let e = Expect {
                        owner: Owner::Server,
                        summary: format!("{uid} v0"),
                        start,
                        end: start + some_length(&mut rng),
                        version: 0,
                    };
                    server_put(&dav, &cal, &uid, &e).await;
                    history.push((rounds, "server create".into(), uid.clone()));
                    model.insert(uid, e);
                    *server_changes.entry("create").or_default() += 1;
                } else {
                    let uid = candidates[rng.random_range(0..candidates.len())].clone();
                    let e = model.get_mut(&uid).unwrap();
                    match kind {
                        1 => {
                            e.version += 1;
                            e.summary = format!("{uid} v{}", e.version);
                            server_put(&dav, &cal, &uid, e).await;
                            history.push((rounds, format!("server summary v{}", e.version), uid));
                            *server_changes.entry("summary").or_default() += 1;
                        }
                        2 => {
                            e.version += 1;
                            e.start = some_start(&mut rng);
                            e.end = e.start + some_length(&mut rng);
                            server_put(&dav, &cal, &uid, e).await;
                            history.push((
                                rounds,
                                format!("server time {}..{} (v{})", e.start, e.end, e.version),
                                uid,
                            ));
                            *server_changes.entry("time").or_default() += 1;
                        }
                        _ => {
                            server_delete(&dav, &cal, &uid).await;
                            model.remove(&uid);
                            history.push((rounds, "server delete".into(), uid));
                            *server_changes.entry("delete").or_default() += 1;
                        }
                    }
                }
            }
            rounds += 1;
            let outcome = match h.round().await {
                Ok(()) => "ok".to_owned(),
                Err(e) => {
                    let code = format!("{:?}", e.code());
                    if !matches!(code.as_str(), "Unreachable" | "ServerError") {
                        let text: String = e.to_string().chars().take(300).collect();
                        *odd_errors.entry(text).or_default() += 1;
                    }
                    code
                }
            };
            *outcomes.entry(outcome).or_default() += 1;
            let first_conn = conns_seen;
            conns_seen = h.proxy.log().last().map_or(0, |r| r.id + 1);
            note_events(
                &h,
                &mut events,
                &mut event_counts,
                &mut history,
                rounds - 1,
                (first_conn, conns_seen),
            )
            .await;
            // Short pauses let stalled requests reach the server late, as on a real network.
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..100))).await;
        }
    }
    let fault_rounds = started.elapsed();
    // How much of the outbox reached the server while the faults were on.
    let done_in_fault_rounds: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'done'")
            .fetch_one(h.app.store().pool())
            .await
            .unwrap();
    let queued_in_fault_rounds: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(h.app.store().pool())
        .await
        .unwrap();

    // Faults off. What a user's "retry now" does: queued operations waiting for their
    // backoff and parked ones are due at once.
    h.proxy.set_faults(false);
    let mut counts = FaultCounts::default();
    counts.merge(&h.proxy.counts());
    let parked_before: Vec<String> = h
        .app
        .store()
        .parked()
        .await
        .unwrap()
        .iter()
        .map(|e| format!("#{} {:?}", e.id, e))
        .collect();
    let mut retried_parked = 0;
    for e in h.app.store().parked().await.unwrap() {
        h.app.store().retry_parked(e.id).await.unwrap();
        retried_parked += 1;
    }
    sqlx::query("UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending'")
        .execute(h.app.store().pool())
        .await
        .unwrap();
    let mut clean_rounds = 0;
    loop {
        clean_rounds += 1;
        let r = h.round().await;
        let states = outbox_states(&h).await;
        let unfinished = states
            .iter()
            .filter(|(s, _)| s.as_str() != "done")
            .map(|(_, n)| n)
            .sum::<i64>();
        if r.is_ok() && unfinished == 0 {
            break;
        }
        if clean_rounds >= 10 {
            let pending = h.app.pending_calendar_changes().await.unwrap();
            let involved: Vec<String> = history
                .iter()
                .filter(|(_, _, uid)| pending.iter().any(|p| p.item.ends_with(uid.as_str())))
                .map(|(round, what, uid)| format!("round {round}: {what} {uid}"))
                .collect();
            panic!(
                "no convergence without faults: {r:?}, outbox {states:?}\n\
                 pending calendar changes: {pending:#?}\nhistory of the events involved:\n{}\n{}",
                involved.join("\n"),
                h.proxy.report()
            );
        }
    }
    // One more pass one second later: whatever the server changed in the second of the
    // last Sync (our own writes included) is reported now.
    h.next_second().await;
    h.round().await.expect("a clean round");
    clean_rounds += 1;

    // 1. The server holds what both sides did: nothing lost, nothing twice.
    let server = server_events(&dav, &prefix).await;
    let mut problems = Vec::new();
    for (uid, e) in &model {
        match server.get(uid).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!("{uid}: lost on the server ({e:?})")),
            Some([(_, Ok(s))]) => {
                if *s != EventState::of(e) {
                    problems.push(format!("{uid}: server has {s:?}, expected {e:?}"));
                }
            }
            Some([(href, Err(why))]) => {
                problems.push(format!("{uid}: server's {href} cannot be read: {why}"))
            }
            Some(more) => problems.push(format!(
                "{uid}: {} copies on the server: {more:?}",
                more.len()
            )),
        }
    }
    for uid in server.keys() {
        if !model.contains_key(uid) {
            problems.push(format!("{uid}: on the server but not expected"));
        }
    }

    // 2. The cache equals the server: the same events, once each, no local change left.
    let cache = cached(&h, &prefix).await;
    for (uid, rows) in &cache {
        let visible: Vec<_> = rows.iter().filter(|r| r.2 & 8 == 0).collect();
        for r in rows.iter().filter(|r| r.2 != 0) {
            problems.push(format!(
                "{uid}: local changes left in the cache ({}, local_state {})",
                r.0, r.2
            ));
        }
        match (visible.as_slice(), server.get(uid).map(Vec::as_slice)) {
            ([], None) => {}
            ([], Some(_)) => problems.push(format!("{uid}: on the server, not in the cache")),
            ([r], None) => problems.push(format!("{uid}: in the cache ({r:?}), not on the server")),
            ([r], Some([(_, Ok(s))])) => {
                if r.1 != *s {
                    problems.push(format!("{uid}: cache has {:?}, server {s:?}", r.1));
                }
            }
            ([_], Some(_)) => {}
            (more, _) => problems.push(format!(
                "{uid}: {} copies in the cache: {more:?}",
                more.len()
            )),
        }
    }
    for uid in server.keys() {
        if !cache.contains_key(uid) {
            problems.push(format!("{uid}: on the server, not in the cache"));
        }
    }
    let unfinished: Vec<String> = h
        .app
        .pending_calendar_changes()
        .await
        .unwrap()
        .iter()
        .map(|c| format!("{c:?}"))
        .collect();
    if !unfinished.is_empty() {
        problems.push(format!(
            "calendar changes left in the outbox: {unfinished:#?}"
        ));
    }

    note_events(
        &h,
        &mut events,
        &mut event_counts,
        &mut history,
        rounds,
        (conns_seen, conns_seen),
    )
    .await;
    let summary = format!(
        "calendar: {rounds} rounds (seeds {seeds:?}) in {:.0?} + {clean_rounds} clean; outcomes {outcomes:?}; \
         other errors {odd_errors:?}; user ops {ops:?}; server changes {server_changes:?}; \
         outbox done during the faults {done_in_fault_rounds}/{queued_in_fault_rounds}; \
         parked and retried {retried_parked}; events expected {}, on the server {}; \
         engine events {event_counts:?}; faults {counts}",
        fault_rounds,
        model.len(),
        server.len(),
    );
    common::report(&summary);
    let involved: Vec<String> = history
        .iter()
        .filter(|(_, _, uid)| problems.iter().any(|p| p.contains(uid.as_str())))
        .map(|(round, what, uid)| format!("round {round}: {what} {uid}"))
        .collect();

    // Clean up before asserting: every event of this run goes (the server's copies).
    for (uid, copies) in &server {
        for (href, _) in copies {
            let url = Url::parse(href).unwrap();
            if let Ok(Some(cur)) = dav.get(&url).await {
                let _ = dav
                    .delete(&cal, &url, cur.etag.as_deref().unwrap_or(""))
                    .await;
            }
        }
        let _ = uid;
    }

    assert!(
        problems.is_empty(),
        "{} problems after {summary}:\n{}\nparked before the clean rounds: {parked_before:#?}\n\
         history of the events involved:\n{}\n{}",
        problems.len(),
        problems.join("\n"),
        involved.join("\n"),
        h.proxy.report()
    );
    if seeds == SEEDS {
        assert!(rounds >= 200, "only {rounds} rounds");
    }
    assert!(
        counts.applied_faults() > 0,
        "no fault took effect: {counts}"
    );
}

/// The app's draft for the model's version of an event (as the UI's editor fills it).
fn draft(calendar_id: i64, e: &Expect, uid: Option<String>) -> EventDraft {
    EventDraft {
        calendar_id,
        summary: e.summary.clone(),
        location: None,
        description: None,
        start: e.start,
        end: e.end,
        all_day: false,
        time_zone: None,
        reminder_minutes: None,
        rrule: None,
        uid,
        attendees: None,
        show_as: None,
        private: None,
    }
}
