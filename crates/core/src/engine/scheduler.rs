//! The per-account task, the Ping heartbeat, and periodic jobs.
//!
//! [`spawn_account`] starts one tokio task per account. It connects (OPTIONS, Provision),
//! runs FolderSync, one Sync pass per folder some [`CollectionSyncer`] owns, replays the
//! outbox, and then waits for server push with Ping (MS-ASCMD 2.2.1.13). Ping answers drive
//! what happens next: changed folders are synced, status 7 (hierarchy changed) re-runs
//! FolderSync, status 5 adopts the server's heartbeat limits. Any failure ends the round; the
//! task waits ([`Backoff`], Retry-After honoured) and starts over. [`EngineHandle::stop`]
//! ends it cleanly at the next await point (an open SQLite transaction is rolled back, an
//! HTTP request dropped).
//!
//! The Ping runs on a clone of the client in its own task, so an outbox wake-up
//! ([`EngineHandle::wake`]) is served at once without cancelling the Ping (a cancelled Ping
//! would keep a server worker busy until its heartbeat ends).

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kontor_eas::ping::{self, Outcome, PingFolder};
use kontor_eas::{EasClient, EasConfig, EasError, FolderType};
use kontor_net::NetError;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::{
    AccountContext, Backoff, CollectionSyncer, EngineError, EngineEvent, EventBus, FolderRef,
};
use crate::store::Store;

/// Ping heartbeat adaptation (MS-ASCMD 2.2.3.86.1 HeartbeatInterval, 3.1.5.2 / 3.2.5.1).
///
/// Starts at `start` (480 s by default); after `raise_after` Pings in a row that ran their
/// whole heartbeat it goes up by `step`; when a Ping is cut before its heartbeat ended (a NAT
/// or proxy dropping idle connections) the ceiling drops to one step below the failed value.
/// A Ping status 5 answer gives the server's limit: a lower value becomes the ceiling, a
/// higher one the floor. Never outside 60–3540 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    current: u32,
    min: u32,
    max: u32,
    step: u32,
    raise_after: u32,
    streak: u32,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat::new(480)
    }
}

impl Heartbeat {
    pub fn new(start: u32) -> Self {
        Heartbeat {
            current: start.clamp(ping::MIN_HEARTBEAT, ping::MAX_HEARTBEAT),
            min: ping::MIN_HEARTBEAT,
            max: ping::MAX_HEARTBEAT,
            step: 60,
            raise_after: 2,
            streak: 0,
        }
    }

    /// Seconds to ask for in the next Ping.
    pub fn current(&self) -> u32 {
        self.current
    }

    /// The current floor and ceiling.
    pub fn bounds(&self) -> (u32, u32) {
        (self.min, self.max)
    }

    /// A Ping ran its whole heartbeat (status 1) or returned changes (status 2).
    pub fn on_success(&mut self) {
        self.streak += 1;
        if self.streak >= self.raise_after {
            self.streak = 0;
            self.current = (self.current + self.step).min(self.max);
        }
    }

    /// A Ping was cut (timeout or dropped connection) before its heartbeat ended.
    pub fn on_cut(&mut self) {
        self.streak = 0;
        self.max = self.current.saturating_sub(self.step).max(self.min);
        self.current = self.max;
    }

    /// Status 5: the server allows `allowed` seconds (its maximum when we asked for more, its
    /// minimum when we asked for less).
    pub fn on_out_of_range(&mut self, allowed: u32) {
        let allowed = allowed.clamp(ping::MIN_HEARTBEAT, ping::MAX_HEARTBEAT);
        if allowed < self.current {
            self.max = allowed;
            self.min = self.min.min(allowed);
        } else {
            self.min = allowed;
            self.max = self.max.max(allowed);
        }
        self.current = allowed;
        self.streak = 0;
    }
}

/// Who to connect as. `endpoint` may differ from the account's stored server address (a
/// loopback proxy in tests); `account_id` names the store's account row either way.
#[derive(Clone)]
pub struct AccountSpec {
    pub account_id: i64,
    pub endpoint: String,
    pub user: String,
    pub password: String,
    pub device_id: String,
}

impl std::fmt::Debug for AccountSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSpec")
            .field("account_id", &self.account_id)
            .field("endpoint", &self.endpoint)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("device_id", &self.device_id)
            .finish()
    }
}

/// Tunables of the account task.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// First Ping heartbeat in seconds (adapted as it goes).
    pub heartbeat: u32,
    /// Backoff of the account task after a failed round.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Items per Sync window.
    pub window_size: u32,
    /// Failures of one outbox operation before it is parked.
    pub max_attempts: u32,
    /// Fixed random seed for backoff jitter (tests); `None` seeds from the OS.
    pub seed: Option<u64>,
    /// Per-request timeout of everything but Ping.
    pub request_timeout: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            heartbeat: 480,
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(300),
            window_size: 100,
            max_attempts: 5,
            seed: None,
            request_timeout: Duration::from_secs(120),
        }
    }
}

/// A shutdown signal that can be awaited by any number of jobs.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// A signal of its own and the sender that requests stop (for jobs run outside an
    /// account task, such as a benchmark's indexer).
    pub fn channel() -> (watch::Sender<bool>, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (tx, Shutdown(rx))
    }

    /// True once stop was requested.
    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when stop is requested (at once if it already was).
    pub async fn requested(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }
}

/// Controls a running account task.
#[derive(Debug)]
pub struct EngineHandle {
    stop: watch::Sender<bool>,
    wake: Arc<Notify>,
    task: JoinHandle<()>,
    events: EventBus,
}

impl EngineHandle {
    /// Tells the task that the outbox has new work (served at once, also during a Ping).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The signal other jobs of this account (CalDAV polling) stop on.
    pub fn shutdown_signal(&self) -> Shutdown {
        Shutdown(self.stop.subscribe())
    }

    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// True while the task runs.
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// Asks the task to stop and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await
            && e.is_panic()
        {
            tracing::error!(error = %e, "the account task panicked");
        }
    }
}

/// Starts the account task.
pub fn spawn_account(
    spec: AccountSpec,
    store: Store,
    events: EventBus,
    syncers: Vec<Arc<dyn CollectionSyncer>>,
    options: EngineOptions,
) -> EngineHandle {
    let (stop, stop_rx) = watch::channel(false);
    let wake = Arc::new(Notify::new());
    let task = tokio::spawn(run_account(
        spec,
        store,
        events.clone(),
        syncers,
        options,
        Shutdown(stop_rx),
        wake.clone(),
    ));
    EngineHandle {
        stop,
        wake,
        task,
        events,
    }
}

/// Runs `job` every `interval` until shutdown; a failed run is retried after a backoff
/// (Retry-After honoured) instead of the interval. For polled sources such as CalDAV
/// collections (RFC 6578 sync-collection every few minutes).
pub fn spawn_periodic<F, Fut>(
    name: &'static str,
    interval: Duration,
    mut shutdown: Shutdown,
    mut backoff: Backoff,
    mut job: F,
) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), EngineError>> + Send,
{
    tokio::spawn(async move {
        loop {
            let wait = tokio::select! {
                _ = shutdown.requested() => break,
                r = job() => match r {
                    Ok(()) => {
                        backoff.reset();
                        interval
                    }
                    Err(e) => {
                        let d = backoff.next_delay(e.retry_after());
                        tracing::warn!(job = name, error = %e, retry_in = ?d, "periodic job failed");
                        d
                    }
                },
            };
            tokio::select! {
                _ = shutdown.requested() => break,
                _ = tokio::time::sleep(wait) => {}
            }
        }
        tracing::debug!(job = name, "periodic job stopped");
    })
}

/// Runs the search indexer until shutdown: whenever the store signals new or changed
/// messages, [`Store::index_pending`] takes them in transactions of
/// [`INDEX_BATCH`](crate::store::search::INDEX_BATCH) until none is left. Between batches
/// the sync gets the database (each batch is its own short write transaction).
pub fn spawn_indexer(store: Store, mut shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.requested() => break,
                _ = store.index_work() => {}
            }
            let started = std::time::Instant::now();
            let mut total = 0u64;
            while !shutdown.is_requested() {
                match store.index_pending(crate::store::search::INDEX_BATCH).await {
                    Ok(0) => break,
                    Ok(n) => {
                        total += u64::from(n);
                        tokio::task::yield_now().await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "search indexer failed; trying again in 30 s");
                        tokio::select! {
                            _ = shutdown.requested() => return,
                            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                        }
                    }
                }
            }
            if total > 0 {
                tracing::info!(messages = total, took = ?started.elapsed(), "search index updated");
            }
        }
    })
}

async fn run_account(
    spec: AccountSpec,
    store: Store,
    events: EventBus,
    syncers: Vec<Arc<dyn CollectionSyncer>>,
    options: EngineOptions,
    mut shutdown: Shutdown,
    wake: Arc<Notify>,
) {
    let account_id = spec.account_id;
    let mut backoff = Backoff::new(options.backoff_base, options.backoff_cap);
    if let Some(seed) = options.seed {
        backoff = backoff.with_seed(seed);
    }
    let mut heartbeat = Heartbeat::new(options.heartbeat);
    let mut hierarchy_restarts = 0u32;
    while !shutdown.is_requested() {
        events.emit(EngineEvent::Started { account_id });
        let mut round = AccountRound {
            spec: &spec,
            store: &store,
            events: &events,
            syncers: &syncers,
            options: &options,
            wake: &wake,
            heartbeat: &mut heartbeat,
            backoff: &mut backoff,
        };
        let result = tokio::select! {
            r = round.run() => r,
            _ = shutdown.requested() => Err(EngineError::Stopped),
        };
        let err = match result {
            Ok(()) | Err(EngineError::Stopped) => break,
            // Sync status 12 / collection gone: the next round starts with FolderSync anyway;
            // no reason to wait.
            Err(e) if e.is_hierarchy_changed() && hierarchy_restarts < 3 => {
                hierarchy_restarts += 1;
                tracing::info!(
                    account_id,
                    "folder hierarchy changed; starting over with FolderSync"
                );
                continue;
            }
            Err(e) => e,
        };
        hierarchy_restarts = 0;
        let delay = backoff.next_delay(err.retry_after());
        tracing::warn!(account_id, error = %err, retry_in = ?delay, "sync round failed");
        events.emit(EngineEvent::Error {
            account_id,
            code: err.code(),
            message: err.to_string(),
            retry_in_ms: Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
            tls: err.tls().map(Box::new),
        });
        tokio::select! {
            _ = shutdown.requested() => break,
            _ = tokio::time::sleep(delay) => {}
            // Something was queued: worth trying again now rather than later.
            _ = wake.notified() => {}
        }
    }
    events.emit(EngineEvent::Stopped { account_id });
}

struct AccountRound<'a> {
    spec: &'a AccountSpec,
    store: &'a Store,
    events: &'a EventBus,
    syncers: &'a [Arc<dyn CollectionSyncer>],
    options: &'a EngineOptions,
    wake: &'a Notify,
    heartbeat: &'a mut Heartbeat,
    backoff: &'a mut Backoff,
}

/// Consecutive cut Pings after which the round ends and the account backs off.
const MAX_CUTS: u32 = 3;

impl AccountRound<'_> {
    async fn connect(&self) -> Result<EasClient, EngineError> {
        let s = self.spec;
        let config = EasConfig::new(&s.endpoint, &s.user, &s.password, &s.device_id)?
            .device_type(crate::sync::DEVICE_TYPE)
            .user_agent(&format!("Kontor/{}", env!("CARGO_PKG_VERSION")))
            .timeout(self.options.request_timeout);
        let mut client = EasClient::new(config)?;
        client.negotiate().await?;
        client.ensure_policy_key().await?;
        self.store
            .record_negotiated(s.account_id, client.protocol_version(), client.policy_key())
            .await?;
        // The policy's attachment limit, for the compose window: known after each Provision
        // of this process (the first connection of every start makes one).
        if let Some(settings) = client.policy_settings() {
            self.store
                .set_server_attachment_limit(kontor_eas::provision::max_attachment_size(&settings))
                .await?;
        }
        Ok(client)
    }

    /// FolderSync from the stored key (from "0" when the server rejects it); returns the
    /// folders some syncer owns, Inbox first.
    async fn folder_sync(&self, cx: &mut AccountContext) -> Result<Vec<FolderRef>, EngineError> {
        let key = self.store.folder_sync_key(cx.account_id).await?;
        let (full, resp) = match cx.client.folder_sync(&key).await {
            Ok(r) => (key == "0", r),
            // MS-ASCMD 2.2.3.177.5: status 9 (and the sync-state common statuses) mean the
            // hierarchy key is gone: read the whole hierarchy again.
            Err(EasError::InvalidSyncKey) | Err(EasError::Status { status: 9, .. })
                if key != "0" =>
            {
                tracing::warn!("folder sync key rejected; re-reading the hierarchy");
                (true, cx.client.folder_sync("0").await?)
            }
            Err(e) => return Err(e.into()),
        };
        let h = crate::sync::hierarchy(resp);
        let changed = !h.changes.is_empty();
        self.store
            .apply_folder_sync(cx.account_id, &h.sync_key, full, &h.changes)
            .await?;
        self.events.emit(EngineEvent::FoldersSynced {
            account_id: cx.account_id,
            changed,
        });
        let mut folders: Vec<FolderRef> = self
            .store
            .folders(cx.account_id)
            .await?
            .into_iter()
            .map(|r| FolderRef {
                folder_type: FolderType::from_code(u8::try_from(r.folder_type).unwrap_or(0)),
                server_id: r.server_id,
                display_name: r.display_name,
            })
            .filter(|f| self.syncers.iter().any(|s| s.handles(f.folder_type)))
            .collect();
        folders.sort_by_key(|f| folder_priority(f.folder_type));
        Ok(folders)
    }

    fn syncer_for(&self, t: FolderType) -> Option<&Arc<dyn CollectionSyncer>> {
        self.syncers.iter().find(|s| s.handles(t))
    }

    async fn sync_folders(
        &self,
        cx: &mut AccountContext,
        folders: &[FolderRef],
    ) -> Result<(), EngineError> {
        for f in folders {
            if let Some(s) = self.syncer_for(f.folder_type) {
                s.sync_folder(cx, f).await?;
            }
        }
        Ok(())
    }

    /// Replays every syncer's outbox; returns when the next retry is due.
    async fn replay(&self, cx: &mut AccountContext) -> Result<Option<Instant>, EngineError> {
        let mut next: Option<Instant> = None;
        for s in self.syncers {
            if let Some(due) = s.replay_outbox(cx).await? {
                let at = Instant::now() + due;
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Ok(next)
    }

    async fn run(&mut self) -> Result<(), EngineError> {
        let account_id = self.spec.account_id;
        let client = self.connect().await?;
        let mut cx = AccountContext {
            account_id,
            client,
            store: self.store.clone(),
            events: self.events.clone(),
            window_size: self.options.window_size,
            max_attempts: self.options.max_attempts,
            seed: self.options.seed,
        };
        let mut folders = self.folder_sync(&mut cx).await?;
        // Queued changes first: the user's latest intent reaches the server before a long
        // initial sync.
        let mut retry_at = self.replay(&mut cx).await?;
        self.sync_folders(&mut cx, &folders).await?;
        retry_at = min_instant(retry_at, self.replay(&mut cx).await?);
        self.backoff.reset();

        let mut ping_folders = ping_set(&folders, self.syncers);
        let mut pinging: Option<AbortOnDrop<(EasClient, Result<Outcome, EasError>)>> = None;
        let mut cuts = 0u32;
        loop {
            if ping_folders.is_empty() {
                // Nothing to watch: wait for queued work only.
                self.wake.notified().await;
                retry_at = min_instant(retry_at, self.replay(&mut cx).await?);
                continue;
            }
            let task = match pinging.as_mut() {
                Some(t) => &mut t.0,
                None => {
                    let hb = self.heartbeat.current();
                    self.events.emit(EngineEvent::Listening {
                        account_id,
                        heartbeat_secs: hb,
                    });
                    let mut c = cx.client.clone();
                    let pf = ping_folders.clone();
                    &mut pinging
                        .insert(AbortOnDrop(tokio::spawn(async move {
                            let r = c.ping(hb, &pf).await;
                            (c, r)
                        })))
                        .0
                }
            };
            let retry_sleep = async {
                match retry_at {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            let started = Instant::now();
            tokio::select! {
                _ = self.wake.notified() => {
                    retry_at = min_instant(None, self.replay(&mut cx).await?);
                }
                _ = retry_sleep => {
                    retry_at = min_instant(None, self.replay(&mut cx).await?);
                }
                joined = task => {
                    pinging = None;
                    let (_, result) = joined.map_err(|e| {
                        EngineError::Core(crate::error::CoreError::Server {
                            detail: format!("the Ping task failed: {e}"),
                        })
                    })?;
                    match result {
                        Ok(Outcome::NoChanges) => {
                            cuts = 0;
                            self.heartbeat.on_success();
                        }
                        Ok(Outcome::Changed(ids)) => {
                            cuts = 0;
                            self.heartbeat.on_success();
                            let changed: HashSet<&str> = ids.iter().map(String::as_str).collect();
                            let todo: Vec<FolderRef> = folders
                                .iter()
                                .filter(|f| changed.contains(f.server_id.as_str()))
                                .cloned()
                                .collect();
                            if todo.len() < ids.len() {
                                tracing::debug!(?ids, "Ping named folders not in the cache; re-reading the hierarchy");
                                folders = self.folder_sync(&mut cx).await?;
                                ping_folders = ping_set(&folders, self.syncers);
                            }
                            self.sync_folders(&mut cx, &todo).await?;
                        }
                        Ok(Outcome::ParametersRequired) => {}
                        Ok(Outcome::HeartbeatOutOfRange { allowed }) => {
                            tracing::debug!(allowed, "server heartbeat limit");
                            self.heartbeat.on_out_of_range(allowed);
                        }
                        Ok(Outcome::TooManyFolders { max }) => {
                            ping_folders.truncate(usize::try_from(max.max(1)).unwrap_or(1));
                        }
                        Err(EasError::FolderHierarchyChanged) => {
                            folders = self.folder_sync(&mut cx).await?;
                            ping_folders = ping_set(&folders, self.syncers);
                            self.sync_folders(&mut cx, &folders).await?;
                        }
                        Err(EasError::Net(NetError::Timeout { .. } | NetError::Other { .. }))
                            if started.elapsed().as_secs() < u64::from(self.heartbeat.current()) =>
                        {
                            cuts += 1;
                            self.heartbeat.on_cut();
                            tracing::info!(heartbeat = self.heartbeat.current(), "Ping cut early; lowering the heartbeat");
                            if cuts >= MAX_CUTS {
                                return Err(EngineError::Eas(EasError::Net(NetError::Other {
                                    host: String::new(),
                                    detail: "the push connection keeps being cut".into(),
                                })));
                            }
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    }
}

/// A spawned task that is aborted when its owner goes away (a stopped account must not leave
/// its Ping running).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn min_instant(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Inbox first, then the other standard folders, then user folders.
fn folder_priority(t: FolderType) -> u8 {
    match t {
        FolderType::Inbox => 0,
        FolderType::SentItems => 1,
        FolderType::Drafts => 2,
        FolderType::Calendar => 3,
        FolderType::DeletedItems => 5,
        _ => 4,
    }
}

fn ping_set(folders: &[FolderRef], syncers: &[Arc<dyn CollectionSyncer>]) -> Vec<PingFolder> {
    folders
        .iter()
        .filter(|f| syncers.iter().any(|s| s.handles(f.folder_type)))
        .filter_map(|f| {
            f.folder_type.item_class().map(|class| PingFolder {
                id: f.server_id.clone(),
                class,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_adapts_to_sogo_limit_cuts_and_successes() {
        let mut hb = Heartbeat::default();
        assert_eq!(hb.current(), 480);
        // SOGo's SOGoMaximumPingInterval = 120: status 5 with 120.
        hb.on_out_of_range(120);
        assert_eq!(hb.current(), 120);
        assert_eq!(hb.bounds(), (60, 120));
        for _ in 0..10 {
            hb.on_success();
        }
        assert_eq!(hb.current(), 120, "never above the server's maximum");

        let mut hb = Heartbeat::new(480);
        hb.on_success();
        assert_eq!(hb.current(), 480);
        hb.on_success();
        assert_eq!(hb.current(), 540, "raised after two full heartbeats");
        hb.on_cut();
        assert_eq!(hb.current(), 480);
        assert_eq!(hb.bounds().1, 480, "the cut value is not tried again");
        for _ in 0..10 {
            hb.on_success();
        }
        assert_eq!(hb.current(), 480);
        for _ in 0..20 {
            hb.on_cut();
        }
        assert_eq!(hb.current(), 60, "never below the protocol minimum");
        // A server minimum above the current value becomes the floor.
        hb.on_out_of_range(300);
        assert_eq!(hb.current(), 300);
        assert_eq!(hb.bounds().0, 300);
        // Out-of-spec requests are clamped.
        assert_eq!(Heartbeat::new(5).current(), 60);
        assert_eq!(Heartbeat::new(99_999).current(), 3540);
    }

    #[tokio::test(start_paused = true)]
    async fn periodic_jobs_back_off_on_failure_and_stop_cleanly() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let (tx, rx) = watch::channel(false);
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        let handle = spawn_periodic(
            "test",
            Duration::from_secs(60),
            Shutdown(rx),
            Backoff::new(Duration::from_secs(1), Duration::from_secs(8)).with_seed(1),
            move || {
                let r = r.clone();
                async move {
                    let n = r.fetch_add(1, Ordering::SeqCst);
                    if n < 3 {
                        Err(EngineError::Eas(EasError::ServerBusy {
                            retry_after: Some(Duration::from_secs(5)),
                        }))
                    } else {
                        Ok(())
                    }
                }
            },
        );
        // Three failures waiting ≥ 5 s each (Retry-After), then a success, then 60 s.
        tokio::time::sleep(Duration::from_secs(14)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 4);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 5);
        tx.send(true).unwrap();
        handle.await.unwrap();
    }

    #[tokio::test]
    async fn the_indexer_catches_up_after_each_batch_and_stops_cleanly() {
        use crate::store::{MailBatch, MailChange, MessageData};
        let store = Store::open_in_memory().await.unwrap();
        let account_id = store
            .upsert_account("http://127.0.0.1:9/", "alice", "", "")
            .await
            .unwrap();
        let (tx, rx) = watch::channel(false);
        let indexer = spawn_indexer(store.clone(), Shutdown(rx));
        let wait_until_indexed = || async {
            for _ in 0..500 {
                if store.unindexed_count().await.unwrap() == 0 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the indexer did not catch up within 5 s");
        };
        for round in 0..3 {
            let changes = (0..1_200)
                .map(|i| {
                    MailChange::Upsert(MessageData {
                        server_id: format!("1:{round}-{i}"),
                        subject: format!("Runde {round} Nachricht {i}"),
                        date: chrono::DateTime::from_timestamp(1_700_000_000 + i, 0).unwrap(),
                        ..MessageData::default()
                    })
                })
                .collect();
            let batch = MailBatch {
                sync_key: format!("k{round}"),
                changes,
                complete: true,
            };
            store
                .apply_mail_batch(account_id, "1", &batch)
                .await
                .unwrap();
            wait_until_indexed().await;
            let hits = store.index_match_count("runde").await.unwrap();
            assert_eq!(hits, 1_200 * (round + 1));
        }
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), indexer)
            .await
            .expect("the indexer stops on shutdown")
            .unwrap();
    }

    #[tokio::test]
    async fn an_unreachable_server_backs_off_reports_and_stops_cleanly() {
        let store = Store::open_in_memory().await.unwrap();
        let account_id = store
            .upsert_account("http://127.0.0.1:9/", "alice", "", "")
            .await
            .unwrap();
        // A port that refuses connections.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let events = EventBus::default();
        let mut rx = events.subscribe();
        let handle = spawn_account(
            AccountSpec {
                account_id,
                endpoint: format!("http://127.0.0.1:{port}/Microsoft-Server-ActiveSync"),
                user: "alice".into(),
                password: "x".into(),
                device_id: "test1".into(),
            },
            store,
            events,
            Vec::new(),
            EngineOptions {
                seed: Some(1),
                backoff_base: Duration::from_millis(10),
                backoff_cap: Duration::from_millis(20),
                ..EngineOptions::default()
            },
        );
        let mut errors = 0;
        while errors < 2 {
            match rx.recv().await.unwrap() {
                EngineEvent::Error {
                    code, retry_in_ms, ..
                } => {
                    assert_eq!(code, crate::error::ErrorCode::Unreachable);
                    assert!(retry_in_ms.unwrap() <= 20);
                    errors += 1;
                }
                EngineEvent::Started { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(handle.is_running());
        handle.stop().await;
        loop {
            if let EngineEvent::Stopped { .. } = rx.recv().await.unwrap() {
                break;
            }
        }
    }
}
