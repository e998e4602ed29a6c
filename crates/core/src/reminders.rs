//! The reminder service: the scheduler (`kontor_reminders`) wired to the store, a clock and the
//! shell.
//!
//! * **State is user data.** Every dismiss and snooze ([`kontor_reminders::Ack`], keyed by item
//!   UID + occurrence start), the scheduler's `since`/`last_seen` marks and the per-calendar
//!   "remind me" switch are written to `reminder_ack`, `reminder_meta` and `reminder_calendar`
//!   (`migrations/0003_reminders.sql`) as soon as they change. Those tables are in
//!   [`crate::reset::USER_DATA_TABLES`] and reference no cache table, so a restart, a resync, a
//!   rebuild of the server cache or `--reset-profile` never brings a dismissed reminder back.
//! * **Time comes from a [`Clock`].** Production uses [`SystemClock`]; unit tests use
//!   [`ManualClock`]; debug builds of the app use an [`OffsetClock`] (system time plus an offset
//!   that a debug-only IPC command advances, see `docs/reminders.md`) so an end-to-end test can
//!   let a 5-minute snooze expire in a second.
//! * **Items come from a [`ReminderFeed`]**: in the app the store's calendars and events
//!   ([`StoreFeed`], filled by calendar sync), in unit tests a fixed list ([`FixedFeed`]). The
//!   feed hands over [`ReminderSource`]s (each event's iCalendar text; the scheduler expands
//!   recurrence and alarms) and the calendars they live in.
//! * **Out come snapshots** ([`ReminderSnapshot`], on a `tokio::sync::watch` channel): the
//!   reminder window's desired state (visible, listed rows, autohide deadline) as
//!   [`kontor_reminders::ReminderWindow`] decides it, and the active reminders for the tray badge
//!   and the main window. The shell makes the real window follow them and never decides
//!   visibility itself.
//!
//! [`ReminderService::run`] is the timer loop: it polls at the scheduler's next wake-up or the
//! window's autohide deadline, whichever comes first, and at least every
//! [`MAX_SLEEP`] so a machine that slept (or a clock that jumped) is noticed promptly.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use kontor_calendar::Zone;
use kontor_reminders::{
    Ack, CalendarSettings, OccurrenceKey, Reminder, ReminderKind, ReminderSource, ReminderWindow,
    Scheduler, Settings, SnoozeChoice, UserState, WindowEvent, WindowSettings, WindowView,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Notify, watch};

use crate::error::CoreError;
use crate::store::Store;
use crate::store::reminder_state::ReminderAckRow;

pub use kontor_reminders::{DEFAULT_AUTOHIDE_SECONDS, SnoozeChoice as Snooze};

/// The longest the timer loop sleeps without looking at the clock again.
pub const MAX_SLEEP: Duration = Duration::from_secs(20);

/// A wall clock jump larger than this between two polls is treated as sleep/resume.
const RESUME_GAP: TimeDelta = TimeDelta::seconds(90);

// ---------------------------------------------------------------------------------------------
// Clocks

/// Where the service gets "now" from.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock (production).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock shifted by an offset that only moves forward: what debug builds of the app
/// use so an end-to-end test can let time pass (`docs/reminders.md`).
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: AtomicI64,
}

impl OffsetClock {
    /// Moves the clock forward by `by` (a negative value is ignored).
    pub fn advance(&self, by: TimeDelta) {
        let ms = by.num_milliseconds().max(0);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn offset(&self) -> TimeDelta {
        TimeDelta::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }
}

/// A clock that stands still until told (unit tests).
#[derive(Debug)]
pub struct ManualClock(StdMutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(StdMutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: TimeDelta) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The user's time zone (floating and all-day items are placed in it): the system's IANA or
/// Windows zone name, UTC when it cannot be read.
pub fn local_zone() -> Zone {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| kontor_calendar::tz::zone_by_name(&name))
        .unwrap_or(Zone::Utc)
}

// ---------------------------------------------------------------------------------------------
// Feed

/// A calendar (or task folder) that items may remind from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReminderCalendar {
    /// Stable across cache rebuilds (a CalDAV collection URL, an ActiveSync folder ServerId).
    pub id: String,
    pub name: String,
    /// A colleague's calendar: reminders off unless the user switches them on.
    pub shared: bool,
}

/// Everything a feed knows at one moment: the calendars and every item that may remind.
#[derive(Debug, Clone, Default)]
pub struct FeedSnapshot {
    pub calendars: Vec<ReminderCalendar>,
    pub sources: Vec<ReminderSource>,
}

/// The future a [`ReminderFeed`] returns.
pub type FeedFuture<'a> =
    Pin<Box<dyn Future<Output = Result<FeedSnapshot, CoreError>> + Send + 'a>>;

/// Where reminders come from: the store's calendars and items (after each sync), or, in unit
/// tests, a fixed list.
pub trait ReminderFeed: Send + Sync + fmt::Debug {
    fn snapshot(&self) -> FeedFuture<'_>;
}

/// A feed that always hands over the same snapshot.
#[derive(Debug, Clone, Default)]
pub struct FixedFeed(pub FeedSnapshot);

impl ReminderFeed for FixedFeed {
    fn snapshot(&self) -> FeedFuture<'_> {
        let s = self.0.clone();
        Box::pin(async move { Ok(s) })
    }
}

/// The store's calendars and events (`calendar`, `event` in `migrations/0002_cache.sql`): each
/// event row's iCalendar text becomes a reminder source (the scheduler expands recurrence and
/// alarms itself, so each occurrence of a series reminds). A calendar is named by its
/// `remote_id` (EAS folder ServerId or CalDAV collection URL), which survives a rebuild of the
/// cache, unlike the row id.
#[derive(Debug, Clone)]
pub struct StoreFeed {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl StoreFeed {
    pub fn new(store: Store) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    /// The same, judging "long past" by `clock` (the reminder service's).
    pub fn with_clock(store: Store, clock: Arc<dyn Clock>) -> Self {
        StoreFeed { store, clock }
    }

    async fn read(&self) -> Result<FeedSnapshot, CoreError> {
        let mut out = FeedSnapshot::default();
        let past_before = (self.clock.now() - TimeDelta::days(30)).timestamp();
        for cal in self.store.calendars(None).await? {
            let id = cal.remote_id.clone();
            for ev in self.store.events(cal.id).await? {
                // Deleted here but not yet on the server: no reminder for it (if the delete
                // fails or conflicts, the row comes back and so does its reminder).
                if ev.ical.is_empty() || ev.local_state & crate::store::events::local::DELETED != 0
                {
                    continue;
                }
                // An item without an alarm never reminds: not parsed, not held (most of a
                // large calendar; the service's memory grew with every event before).
                if !has_alarm(&ev.ical) {
                    continue;
                }
                // Nor does a single appointment that ended long before the scheduler's
                // lookback (7 days; an alarm after an item's end is seldom later than that).
                if !ev.is_recurring && ev.end_utc > 0 && ev.end_utc < past_before {
                    continue;
                }
                let source_id = format!("{}\u{1f}{}", cal.remote_id, ev.remote_id);
                match ReminderSource::parse_ics(&source_id, &id, &ev.ical) {
                    Ok(src) => out.sources.push(src),
                    Err(e) => tracing::warn!(event = %ev.remote_id, error = %e, "event skipped"),
                }
            }
            out.calendars.push(ReminderCalendar {
                id,
                name: if cal.display_name.is_empty() {
                    cal.remote_id.clone()
                } else {
                    cal.display_name.clone()
                },
                shared: cal.shared,
            });
        }
        Ok(out)
    }
}

impl ReminderFeed for StoreFeed {
    fn snapshot(&self) -> FeedFuture<'_> {
        Box::pin(self.read())
    }
}

/// Whether an iCalendar text holds an alarm (`BEGIN:VALARM`, in any case).
fn has_alarm(ical: &str) -> bool {
    const NEEDLE: &[u8] = b"BEGIN:VALARM";
    ical.as_bytes()
        .windows(NEEDLE.len())
        .any(|w| w.eq_ignore_ascii_case(NEEDLE))
}

/// What the app reads reminders from: calendar sync ([`crate::Kontor::sync_calendars_once`],
/// run by the shell before each read) fills the store, and the reminders come from there.
pub type AppFeed = StoreFeed;

// ---------------------------------------------------------------------------------------------
// What the UI sees

/// One reminder as the window, the main window and the tray show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReminderItem {
    /// Item UID + occurrence start: what dismiss/snooze/open take back.
    pub id: OccurrenceKey,
    pub source_id: String,
    pub calendar_id: String,
    pub calendar_name: String,
    pub kind: ReminderKind,
    pub title: String,
    pub location: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub all_day: bool,
    /// The original alarm time (also for a missed or snoozed reminder).
    pub alarm_at: DateTime<Utc>,
    pub snoozed: bool,
    pub missed: bool,
    /// The item was deleted or moved since the reminder was shown.
    pub withdrawn: bool,
    /// The snooze choices that make sense now ("5 minutes before start" only while it lies
    /// ahead).
    pub snooze_choices: Vec<SnoozeChoice>,
}

/// The reminder window's desired state and the active reminders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReminderSnapshot {
    /// Whether the reminder window should be on screen.
    pub visible: bool,
    /// When it hides by itself (autohide on and visible).
    pub hide_at: Option<DateTime<Utc>>,
    /// The rows of the reminder window.
    pub listed: Vec<ReminderItem>,
    /// Every reminder due and unanswered (tray badge, main window list).
    pub active: Vec<ReminderItem>,
    pub autohide: bool,
    pub autohide_seconds: u32,
    /// The service's "now" when this was taken.
    pub now: DateTime<Utc>,
    /// Increases with every change. A `number` in TypeScript: it counts the changes of one run,
    /// far below 2^53.
    #[specta(type = u32)]
    pub generation: u64,
}

/// A calendar with its "remind me" switch, for the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CalendarReminderSetting {
    #[serde(flatten)]
    pub calendar: ReminderCalendar,
    pub remind: bool,
}

// ---------------------------------------------------------------------------------------------
// The service

/// The per-calendar switch as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CalendarPref {
    remind: bool,
    enabled_since: Option<DateTime<Utc>>,
}

#[derive(Debug)]
struct Inner {
    scheduler: Scheduler,
    window: ReminderWindow,
    calendars: HashMap<String, ReminderCalendar>,
    prefs: HashMap<String, CalendarPref>,
    active: Vec<Arc<Reminder>>,
    next_wake: DateTime<Utc>,
    saved: UserState,
    last_poll: Option<DateTime<Utc>>,
    generation: u64,
}

#[derive(Debug)]
struct Shared {
    store: Store,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    wake: Notify,
    tx: watch::Sender<ReminderSnapshot>,
}

/// The reminder service of one profile. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReminderService {
    shared: Arc<Shared>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, CoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| CoreError::Profile(format!("stored reminder time {s:?} is unreadable: {e}")))
}

fn opt_time(s: &str) -> Result<Option<DateTime<Utc>>, CoreError> {
    if s.is_empty() {
        Ok(None)
    } else {
        parse_time(s).map(Some)
    }
}

async fn load_state(store: &Store) -> Result<UserState, CoreError> {
    let rows = store.reminder_acks().await?;
    let mut acks = Vec::with_capacity(rows.len());
    for r in rows {
        acks.push(Ack {
            key: OccurrenceKey {
                uid: r.uid,
                instance: parse_time(&r.instance)?,
            },
            start: parse_time(&r.start)?,
            through: parse_time(&r.through)?,
            alarm_at: parse_time(&r.alarm_at)?,
            snooze_until: opt_time(&r.snooze_until)?,
        });
    }
    let meta = store.reminder_meta().await?;
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    Ok(UserState {
        since: get("since").map(opt_time).transpose()?.flatten(),
        last_seen: get("last_seen").map(opt_time).transpose()?.flatten(),
        acks,
    })
}

/// Writes what changed between `old` and `new` in one transaction.
async fn save_state(store: &Store, old: &UserState, new: &UserState) -> Result<(), CoreError> {
    if old == new {
        return Ok(());
    }
    let old_acks: HashMap<&OccurrenceKey, &Ack> = old.acks.iter().map(|a| (&a.key, a)).collect();
    let new_keys: HashSet<&OccurrenceKey> = new.acks.iter().map(|a| &a.key).collect();
    let removed: Vec<(String, String)> = old
        .acks
        .iter()
        .filter(|a| !new_keys.contains(&a.key))
        .map(|gone| (gone.key.uid.clone(), rfc3339(gone.key.instance)))
        .collect();
    let upserted: Vec<ReminderAckRow> = new
        .acks
        .iter()
        .filter(|a| old_acks.get(&a.key) != Some(a))
        .map(|ack| ReminderAckRow {
            uid: ack.key.uid.clone(),
            instance: rfc3339(ack.key.instance),
            start: rfc3339(ack.start),
            through: rfc3339(ack.through),
            alarm_at: rfc3339(ack.alarm_at),
            snooze_until: ack.snooze_until.map(rfc3339).unwrap_or_default(),
        })
        .collect();
    let meta = [("since", new.since), ("last_seen", new.last_seen)]
        .map(|(key, value)| (key, value.map(rfc3339).unwrap_or_default()));
    store.save_reminder_state(&removed, &upserted, &meta).await
}

async fn load_prefs(store: &Store) -> Result<HashMap<String, CalendarPref>, CoreError> {
    let rows = store.reminder_calendars().await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        out.insert(
            r.calendar_id,
            CalendarPref {
                remind: r.remind,
                enabled_since: opt_time(&r.enabled_since)?,
            },
        );
    }
    Ok(out)
}

fn calendar_settings(
    cal: Option<&ReminderCalendar>,
    pref: Option<&CalendarPref>,
) -> CalendarSettings {
    CalendarSettings {
        shared: cal.is_some_and(|c| c.shared),
        remind: pref.map(|p| p.remind),
        enabled_since: pref.and_then(|p| p.enabled_since),
    }
}

impl Inner {
    fn item(&self, r: &Reminder, withdrawn: bool, now: DateTime<Utc>) -> ReminderItem {
        ReminderItem {
            id: r.id.clone(),
            source_id: r.source_id.clone(),
            calendar_id: r.calendar_id.clone(),
            calendar_name: self
                .calendars
                .get(&r.calendar_id)
                .map_or_else(|| r.calendar_id.clone(), |c| c.name.clone()),
            kind: r.kind,
            title: r.title.clone().unwrap_or_default(),
            location: r.location.clone().filter(|l| !l.trim().is_empty()),
            start: r.start,
            end: r.end,
            all_day: r.all_day,
            alarm_at: r.alarm_at,
            snoozed: r.snoozed,
            missed: r.missed,
            withdrawn,
            snooze_choices: SnoozeChoice::ALL
                .into_iter()
                .filter(|c| c.available(now, r.start))
                .collect(),
        }
    }

    fn snapshot(&self, view: &WindowView, now: DateTime<Utc>) -> ReminderSnapshot {
        let settings = self.window.settings();
        ReminderSnapshot {
            visible: view.visible,
            hide_at: view.hide_at,
            listed: view
                .reminders
                .iter()
                .map(|l| self.item(&l.reminder, l.withdrawn, now))
                .collect(),
            active: self
                .active
                .iter()
                .map(|r| self.item(r, false, now))
                .collect(),
            autohide: settings.autohide,
            autohide_seconds: settings.autohide_seconds,
            now,
            generation: self.generation,
        }
    }

    fn register_calendar(&mut self, id: &str) {
        let settings = calendar_settings(self.calendars.get(id), self.prefs.get(id));
        self.scheduler.set_calendar(id, settings);
    }
}

impl ReminderService {
    /// Opens the service: reads the stored reminder state and switches. Items arrive with
    /// [`ReminderService::load_feed`] or [`ReminderService::upsert`].
    pub async fn open(
        store: Store,
        clock: Arc<dyn Clock>,
        zone: Zone,
        window: WindowSettings,
    ) -> Result<ReminderService, CoreError> {
        let state = load_state(&store).await?;
        let prefs = load_prefs(&store).await?;
        let now = clock.now();
        let scheduler = Scheduler::new(Settings::with_zone(zone), state.clone(), now);
        let mut inner = Inner {
            scheduler,
            window: ReminderWindow::new(window),
            calendars: HashMap::new(),
            prefs,
            active: Vec::new(),
            next_wake: now,
            saved: state,
            last_poll: None,
            generation: 0,
        };
        let ids: Vec<String> = inner.prefs.keys().cloned().collect();
        for id in ids {
            inner.register_calendar(&id);
        }
        let first = inner.snapshot(&inner.window.view(), now);
        let (tx, _) = watch::channel(first);
        Ok(ReminderService {
            shared: Arc::new(Shared {
                store,
                clock,
                inner: Mutex::new(inner),
                wake: Notify::new(),
                tx,
            }),
        })
    }

    /// The clock the service runs on.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Snapshots as they change (the first value is the current one).
    pub fn subscribe(&self) -> watch::Receiver<ReminderSnapshot> {
        self.shared.tx.subscribe()
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> ReminderSnapshot {
        self.shared.tx.borrow().clone()
    }

    /// Wakes the timer loop (after the clock was moved, or anything else changed).
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    async fn publish(&self, inner: &mut Inner, view: WindowView, now: DateTime<Utc>) {
        let state = inner.scheduler.state();
        if let Err(e) = save_state(&self.shared.store, &inner.saved, &state).await {
            // Kept in memory and retried with the next change; the user sees the reminder.
            tracing::error!(error = %e, "reminder state could not be saved");
        } else {
            inner.saved = state;
        }
        inner.generation += 1;
        let snap = inner.snapshot(&view, now);
        self.shared.tx.send_replace(snap);
    }

    async fn poll_locked(&self, inner: &mut Inner, now: DateTime<Utc>) -> WindowView {
        if let Some(last) = inner.last_poll
            && now - last > RESUME_GAP
        {
            // The machine slept (or the clock jumped): the window applies a passed deadline.
            inner.window.handle(now, WindowEvent::Resumed);
        }
        inner.last_poll = Some(now);
        let poll = inner.scheduler.poll(now);
        if !poll.withdrawn.is_empty() {
            inner
                .window
                .handle(now, WindowEvent::ReminderWithdrawn(poll.withdrawn));
        }
        if !poll.newly_due.is_empty() {
            tracing::info!(count = poll.newly_due.len(), "reminders due");
        }
        let view = inner
            .window
            .handle(now, WindowEvent::ReminderDue(poll.newly_due));
        inner.active = poll.active;
        inner.next_wake = poll.next_wake;
        view
    }

    /// Evaluates reminders now and publishes the result.
    pub async fn poll(&self) -> ReminderSnapshot {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        let view = self.poll_locked(&mut inner, now).await;
        self.publish(&mut inner, view, now).await;
        self.snapshot()
    }

    /// The service's clock (a [`StoreFeed`] judges "long past" by it).
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.shared.clock.clone()
    }

    /// Replaces every item and calendar with what the feed holds now (after a sync), then polls.
    pub async fn load_feed(&self, feed: &dyn ReminderFeed) -> Result<ReminderSnapshot, CoreError> {
        let snap = feed.snapshot().await?;
        self.replace(snap).await;
        Ok(self.snapshot())
    }

    /// Replaces every item and calendar, then polls. Items no longer present are removed (their
    /// due reminders are withdrawn); acknowledgements stay.
    pub async fn replace(&self, snap: FeedSnapshot) {
        let now = self.now();
        // Acknowledgements the sync moved to another UID (the server gave a new event its
        // own, store/events.rs `adopt_server_uid_in`) are in the store only; taken over here,
        // before the items, so no dismissed reminder comes back under the new UID.
        let stored = load_state(&self.shared.store).await;
        let mut inner = self.shared.inner.lock().await;
        match stored {
            Ok(stored) => {
                let known: HashSet<OccurrenceKey> =
                    inner.saved.acks.iter().map(|a| a.key.clone()).collect();
                let moved: Vec<_> = stored
                    .acks
                    .into_iter()
                    .filter(|a| !known.contains(&a.key))
                    .collect();
                if !moved.is_empty() {
                    inner.saved.acks.extend(moved.iter().cloned());
                    inner.saved.acks.sort_by(|a, b| a.key.cmp(&b.key));
                    inner.scheduler.adopt_acks(moved);
                }
            }
            Err(e) => tracing::warn!(error = %e, "stored reminder acknowledgements unreadable"),
        }
        inner.calendars = snap
            .calendars
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut ids: Vec<String> = inner.calendars.keys().cloned().collect();
        ids.extend(inner.prefs.keys().cloned());
        for id in ids {
            inner.register_calendar(&id);
        }
        let keep: HashSet<String> = snap.sources.iter().map(|s| s.id.clone()).collect();
        let stale: Vec<String> = inner
            .scheduler
            .source_ids()
            .filter(|id| !keep.contains(*id))
            .map(str::to_owned)
            .collect();
        for id in stale {
            inner.scheduler.remove(&id);
        }
        for s in snap.sources {
            inner.scheduler.upsert(s);
        }
        inner.window.handle(now, WindowEvent::SyncCompleted);
        let view = self.poll_locked(&mut inner, now).await;
        self.publish(&mut inner, view, now).await;
    }

    /// Adds or replaces one item, then polls.
    pub async fn upsert(&self, source: ReminderSource) -> ReminderSnapshot {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        inner.scheduler.upsert(source);
        let view = self.poll_locked(&mut inner, now).await;
        self.publish(&mut inner, view, now).await;
        self.snapshot()
    }

    /// Removes one item (deleted on the server), then polls.
    pub async fn remove(&self, source_id: &str) -> ReminderSnapshot {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        inner.scheduler.remove(source_id);
        let view = self.poll_locked(&mut inner, now).await;
        self.publish(&mut inner, view, now).await;
        self.snapshot()
    }

    /// Dismisses one reminder: that occurrence never reminds again (persisted first).
    pub async fn dismiss(&self, id: &OccurrenceKey) -> Result<ReminderSnapshot, CoreError> {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        match inner.scheduler.dismiss(id, now) {
            Ok(()) => {}
            // A withdrawn row (the item is gone) is only taken off the window.
            Err(kontor_reminders::Error::UnknownReminder(_)) => {}
            Err(e) => return Err(CoreError::InvalidInput(e.to_string())),
        }
        let view = inner
            .window
            .handle(now, WindowEvent::UserDismiss(id.clone()));
        inner.active.retain(|r| &r.id != id);
        self.publish(&mut inner, view, now).await;
        Ok(self.snapshot())
    }

    /// Snoozes one reminder; it comes back at the returned instant.
    pub async fn snooze(
        &self,
        id: &OccurrenceKey,
        choice: SnoozeChoice,
    ) -> Result<(DateTime<Utc>, ReminderSnapshot), CoreError> {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        let until = inner
            .scheduler
            .snooze(id, choice, now)
            .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let view = inner
            .window
            .handle(now, WindowEvent::UserSnooze(id.clone(), choice));
        inner.active.retain(|r| &r.id != id);
        inner.next_wake = inner.next_wake.min(until);
        self.publish(&mut inner, view, now).await;
        drop(inner);
        self.wake();
        Ok((until, self.snapshot()))
    }

    /// Dismisses every listed and active reminder.
    pub async fn dismiss_all(&self) -> ReminderSnapshot {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        let mut ids: Vec<OccurrenceKey> = inner
            .window
            .view()
            .reminders
            .into_iter()
            .map(|l| l.reminder.id)
            .collect();
        ids.extend(inner.active.iter().map(|r| r.id.clone()));
        ids.sort();
        ids.dedup();
        for id in &ids {
            if let Err(e) = inner.scheduler.dismiss(id, now) {
                tracing::debug!(error = %e, "reminder vanished while dismissing all");
            }
        }
        let view = inner.window.handle(now, WindowEvent::UserDismissAll);
        inner.active.clear();
        self.publish(&mut inner, view, now).await;
        self.snapshot()
    }

    /// The user touched the reminder window (autohide counts from now).
    pub async fn interacted(&self) -> ReminderSnapshot {
        self.window_event(WindowEvent::UserInteracted).await
    }

    /// Anything else that happened to the window or the machine: focus change, sleep, resume.
    pub async fn window_event(&self, event: WindowEvent) -> ReminderSnapshot {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        let view = inner.window.handle(now, event);
        self.publish(&mut inner, view, now).await;
        drop(inner);
        self.wake();
        self.snapshot()
    }

    /// "Open": the reminder's item, for the main window to show. Counts as interaction.
    pub async fn open_item(&self, id: &OccurrenceKey) -> Result<ReminderItem, CoreError> {
        let snap = self.interacted().await;
        snap.listed
            .into_iter()
            .chain(snap.active)
            .find(|r| &r.id == id)
            .ok_or_else(|| CoreError::InvalidInput(format!("no reminder for {}", id.uid)))
    }

    /// Applies changed autohide settings to the window (effective values, policy applied).
    pub async fn set_window_settings(&self, settings: WindowSettings) -> ReminderSnapshot {
        self.window_event(WindowEvent::SettingsChanged {
            autohide: settings.autohide,
            autohide_seconds: settings.autohide_seconds,
        })
        .await
    }

    /// The calendars with their "remind me" switch.
    pub async fn calendars(&self) -> Vec<CalendarReminderSetting> {
        let inner = self.shared.inner.lock().await;
        let mut out: Vec<CalendarReminderSetting> = inner
            .calendars
            .values()
            .map(|c| CalendarReminderSetting {
                calendar: c.clone(),
                remind: inner.scheduler.calendar_reminds(&c.id),
            })
            .collect();
        out.sort_by(|a, b| {
            (a.calendar.shared, &a.calendar.name).cmp(&(b.calendar.shared, &b.calendar.name))
        });
        out
    }

    /// Switches a calendar's reminders on or off (persisted), then polls: switching off
    /// withdraws its due reminders; switching on reports only alarms of occurrences not over.
    pub async fn set_calendar_remind(
        &self,
        calendar_id: &str,
        remind: bool,
    ) -> Result<ReminderSnapshot, CoreError> {
        let now = self.now();
        let mut inner = self.shared.inner.lock().await;
        let was = inner.scheduler.calendar_reminds(calendar_id);
        let old = inner.prefs.get(calendar_id).copied();
        let pref = CalendarPref {
            remind,
            enabled_since: if remind && !was {
                Some(now)
            } else {
                old.and_then(|p| p.enabled_since)
            },
        };
        self.shared
            .store
            .set_reminder_calendar(
                calendar_id,
                remind,
                &pref.enabled_since.map(rfc3339).unwrap_or_default(),
            )
            .await?;
        inner.prefs.insert(calendar_id.to_owned(), pref);
        inner.register_calendar(calendar_id);
        let view = self.poll_locked(&mut inner, now).await;
        self.publish(&mut inner, view, now).await;
        Ok(self.snapshot())
    }

    /// When the timer loop must poll next: the scheduler's wake-up or the autohide deadline.
    pub async fn deadline(&self) -> DateTime<Utc> {
        let inner = self.shared.inner.lock().await;
        match inner.window.hide_at() {
            Some(h) => h.min(inner.next_wake),
            None => inner.next_wake,
        }
    }

    /// The timer loop: polls at every deadline, when woken ([`ReminderService::wake`]) and at
    /// least every [`MAX_SLEEP`]. Runs until the task is dropped.
    pub async fn run(self) {
        loop {
            let wait = (self.deadline().await - self.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.shared.wake.notified() => {}
            }
            self.poll().await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Settings

/// The reminder window's settings as the settings screen shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReminderSettings {
    pub autohide: bool,
    pub autohide_seconds: u32,
    /// Set by policy (or `LockSettings`): shown read-only.
    #[serde(default)]
    pub locked: bool,
}

impl ReminderSettings {
    /// The reminder part of the settings in force ([`crate::Kontor::effective_settings`]).
    pub fn from_effective(e: &crate::policy::EffectiveSettings) -> Self {
        ReminderSettings {
            autohide: e.autohide_reminders.value,
            autohide_seconds: e.autohide_seconds.value,
            locked: e.autohide_reminders.locked || e.autohide_seconds.locked,
        }
    }

    pub fn window(&self) -> WindowSettings {
        WindowSettings {
            autohide: self.autohide,
            autohide_seconds: self.autohide_seconds,
        }
    }
}

/// The reminder settings in force: policy over the user's settings over the defaults
/// (autohide off, 15 s).
pub async fn settings(kontor: &crate::Kontor) -> Result<ReminderSettings, CoreError> {
    Ok(ReminderSettings::from_effective(
        &kontor.effective_settings().await?,
    ))
}

/// Stores the user's reminder settings (both or neither); refused while policy locks them or
/// when the seconds are out of range.
pub async fn save_settings(
    kontor: &crate::Kontor,
    autohide: bool,
    autohide_seconds: u32,
) -> Result<ReminderSettings, CoreError> {
    use crate::policy::SettingChange;
    let now = settings(kontor).await?;
    if now.locked {
        return Err(CoreError::InvalidInput(
            "the reminder settings are set by your IT department (policy) and cannot be changed"
                .into(),
        ));
    }
    if !(1..=crate::policy::MAX_AUTOHIDE_SECONDS).contains(&autohide_seconds) {
        return Err(CoreError::InvalidInput(format!(
            "the autohide delay must be between 1 and {} seconds",
            crate::policy::MAX_AUTOHIDE_SECONDS
        )));
    }
    kontor
        .set_setting(SettingChange::AutohideSeconds(autohide_seconds))
        .await?;
    let e = kontor
        .set_setting(SettingChange::AutohideReminders(autohide))
        .await?;
    Ok(ReminderSettings::from_effective(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn event(uid: &str, start: &str, alarm_minutes: i64) -> String {
        let start = t(start).format("%Y%m%dT%H%M%SZ");
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
             DTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT30M\r\nSUMMARY:Meeting {uid}\r\n\
             LOCATION:Room 2\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT{alarm_minutes}M\r\n\
             END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    #[test]
    fn only_items_with_an_alarm_are_reminder_sources() {
        assert!(has_alarm(&event("a1", "2026-11-27T09:00:00Z", 15)));
        assert!(has_alarm("BEGIN:VEVENT\r\nbegin:valarm\r\nEND:VALARM\r\n"));
        let without = event("a2", "2026-11-27T09:00:00Z", 15).replace(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
            "",
        );
        assert!(!without.contains("VALARM"));
        assert!(!has_alarm(&without));
        assert!(!has_alarm(""));
    }

    /// The store feed hands over only what may still remind: not an appointment without an
    /// alarm, not a single one that ended more than 30 days ago; a series and a task without
    /// an end stay, however old.
    #[tokio::test]
    async fn the_store_feed_leaves_out_what_can_no_longer_remind() {
        let store = Store::open_in_memory().await.unwrap();
        let acc = store
            .upsert_account("https://h/Microsoft-Server-ActiveSync", "alice", "14.1", "")
            .await
            .unwrap();
        let cal = store
            .upsert_calendar(
                acc,
                &crate::store::CalendarInfo {
                    source: crate::store::CalendarSource::Eas,
                    remote_id: "cal".into(),
                    display_name: "Kalender".into(),
                    color: String::new(),
                    owner: String::new(),
                    shared: false,
                    read_only: false,
                    ctag: String::new(),
                },
            )
            .await
            .unwrap();
        let now = "2026-11-27T08:00:00Z";
        let old_series = event("series", "2026-06-01T09:00:00Z", 15)
            .replace("DURATION:PT30M", "DURATION:PT30M\r\nRRULE:FREQ=WEEKLY");
        let no_alarm = event("quiet", "2026-11-28T09:00:00Z", 15).replace(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
            "",
        );
        let items = [
            ("soon", event("soon", "2026-11-28T09:00:00Z", 15)),
            ("lately", event("lately", "2026-11-10T09:00:00Z", 15)),
            ("long-ago", event("long-ago", "2026-06-01T09:00:00Z", 15)),
            ("series", old_series),
            ("quiet", no_alarm),
        ];
        let upserts: Vec<_> = items
            .iter()
            .map(|(id, ical)| crate::store::events::EventUpsert {
                remote_id: format!("{id}.ics"),
                etag: String::new(),
                ical: ical.clone(),
            })
            .collect();
        store
            .apply_event_batch(cal, "k1", &upserts, &[])
            .await
            .unwrap();
        let feed = StoreFeed::with_clock(store.clone(), Arc::new(ManualClock::new(t(now))));
        let mut ids: Vec<String> = feed
            .snapshot()
            .await
            .unwrap()
            .sources
            .iter()
            .map(|s| s.id.rsplit('\u{1f}').next().unwrap().to_owned())
            .collect();
        ids.sort();
        assert_eq!(ids, ["lately.ics", "series.ics", "soon.ics"]);
    }

    fn feed(items: &[(&str, &str, &str)]) -> FeedSnapshot {
        FeedSnapshot {
            calendars: vec![
                ReminderCalendar {
                    id: "personal".into(),
                    name: "Personal".into(),
                    shared: false,
                },
                ReminderCalendar {
                    id: "bob".into(),
                    name: "Bob's calendar".into(),
                    shared: true,
                },
            ],
            sources: items
                .iter()
                .map(|(id, cal, ics)| ReminderSource::parse_ics(id, cal, ics).unwrap())
                .collect(),
        }
    }

    async fn service(store: &Store, clock: &Arc<ManualClock>, autohide: bool) -> ReminderService {
        ReminderService::open(
            store.clone(),
            clock.clone(),
            Zone::Utc,
            WindowSettings {
                autohide,
                autohide_seconds: 5,
            },
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn due_reminder_shows_and_dismiss_survives_restart_and_cache_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let store = Store::open(&path).await.unwrap();
        let clock = Arc::new(ManualClock::new(t("2026-11-27T08:00:00Z")));
        let svc = service(&store, &clock, false).await;
        let ics = event("m1", "2026-11-27T09:00:00Z", 15);
        let f = feed(&[("row-1", "personal", &ics)]);
        svc.replace(f.clone()).await;
        assert!(!svc.snapshot().visible);
        assert_eq!(svc.deadline().await, t("2026-11-27T08:45:00Z"));

        clock.set(t("2026-11-27T08:45:00Z"));
        let snap = svc.poll().await;
        assert!(snap.visible);
        assert_eq!(snap.listed.len(), 1);
        let item = &snap.listed[0];
        assert_eq!(item.title, "Meeting m1");
        assert_eq!(item.location.as_deref(), Some("Room 2"));
        assert_eq!(item.calendar_name, "Personal");
        assert_eq!(item.snooze_choices.len(), 6);
        assert_eq!(snap.active.len(), 1);
        // Autohide off: time, sync and focus changes do not hide it.
        clock.advance(TimeDelta::minutes(10));
        assert!(svc.poll().await.visible);
        svc.replace(f.clone()).await;
        assert!(svc.snapshot().visible);
        assert!(svc.window_event(WindowEvent::FocusChanged).await.visible);

        let id = item.id.clone();
        let snap = svc.dismiss(&id).await.unwrap();
        assert!(!snap.visible);
        assert!(snap.active.is_empty());
        drop(svc);
        store.close().await;

        // Restart: the dismissal is read back; the same item does not remind again.
        let store = Store::open(&path).await.unwrap();
        let svc = service(&store, &clock, false).await;
        svc.replace(f.clone()).await;
        assert!(svc.snapshot().active.is_empty());
        // Cache rebuild: the item comes back under a new row id.
        let rebuilt = feed(&[("row-99", "personal", &ics)]);
        svc.replace(rebuilt).await;
        assert!(svc.snapshot().active.is_empty());
        assert!(!svc.snapshot().visible);
        let rows = store
            .reminder_acks()
            .await
            .unwrap()
            .iter()
            .filter(|a| a.snooze_until.is_empty())
            .count();
        assert_eq!(rows, 1);
    }

    #[tokio::test]
    async fn missed_reminder_is_shown_once_after_restart_with_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let store = Store::open(&path).await.unwrap();
        let clock = Arc::new(ManualClock::new(t("2026-11-27T08:00:00Z")));
        let ics = event("m2", "2026-11-27T09:00:00Z", 15);
        let f = feed(&[("row-1", "personal", &ics)]);
        let svc = service(&store, &clock, false).await;
        svc.replace(f.clone()).await;
        drop(svc);
        // The app was closed over the alarm time.
        clock.set(t("2026-11-27T08:50:00Z"));
        let svc = service(&store, &clock, false).await;
        svc.replace(f.clone()).await;
        let snap = svc.snapshot();
        assert!(snap.visible);
        assert!(snap.listed[0].missed);
        assert_eq!(snap.listed[0].alarm_at, t("2026-11-27T08:45:00Z"));
    }

    #[tokio::test]
    async fn snooze_comes_back_and_autohide_hides_but_keeps_it_active() {
        let store = Store::open_in_memory().await.unwrap();
        let clock = Arc::new(ManualClock::new(t("2026-11-27T08:45:00Z")));
        let svc = service(&store, &clock, true).await;
        let ics = event("m3", "2026-11-27T09:00:00Z", 15);
        svc.replace(feed(&[("row-1", "personal", &ics)])).await;
        let snap = svc.snapshot();
        assert!(snap.visible);
        assert_eq!(snap.hide_at, Some(t("2026-11-27T08:45:05Z")));
        assert_eq!(svc.deadline().await, t("2026-11-27T08:45:05Z"));
        clock.advance(TimeDelta::seconds(5));
        let snap = svc.poll().await;
        assert!(!snap.visible, "autohide on: hidden after 5 s");
        assert_eq!(
            snap.active.len(),
            1,
            "still active for the tray and main window"
        );
        assert_eq!(snap.listed.len(), 1);

        let id = snap.active[0].id.clone();
        let (until, snap) = svc.snooze(&id, SnoozeChoice::FiveMinutes).await.unwrap();
        assert_eq!(until, t("2026-11-27T08:50:05Z"));
        assert!(snap.active.is_empty());
        let stored: String = store.reminder_acks().await.unwrap().remove(0).snooze_until;
        assert_eq!(stored, "2026-11-27T08:50:05Z");
        clock.set(until);
        let snap = svc.poll().await;
        assert!(snap.visible, "the snoozed reminder returns");
        assert!(snap.listed[0].snoozed);
        // Start 09:00: "5 minutes before start" (08:55) still lies ahead, so it is offered.
        assert!(
            snap.listed[0]
                .snooze_choices
                .contains(&SnoozeChoice::FiveMinutesBeforeStart)
        );
    }

    #[tokio::test]
    async fn shared_calendars_are_off_until_switched_on_and_the_switch_persists() {
        let store = Store::open_in_memory().await.unwrap();
        let clock = Arc::new(ManualClock::new(t("2026-11-27T08:46:00Z")));
        let svc = service(&store, &clock, false).await;
        let own = event("own", "2026-11-27T09:00:00Z", 15);
        let theirs = event("theirs", "2026-11-27T09:00:00Z", 15);
        let f = feed(&[("a", "personal", &own), ("b", "bob", &theirs)]);
        svc.replace(f.clone()).await;
        let titles: Vec<String> = svc.snapshot().active.into_iter().map(|r| r.title).collect();
        assert_eq!(titles, ["Meeting own"]);
        let cals = svc.calendars().await;
        assert_eq!(cals.len(), 2);
        assert!(cals[0].remind && !cals[0].calendar.shared);
        assert!(!cals[1].remind && cals[1].calendar.shared);

        let snap = svc.set_calendar_remind("bob", true).await.unwrap();
        assert_eq!(snap.active.len(), 2);
        let svc2 = service(&store, &clock, false).await;
        svc2.replace(f).await;
        assert!(svc2.calendars().await.iter().all(|c| c.remind));
        let snap = svc2.set_calendar_remind("personal", false).await.unwrap();
        let titles: Vec<String> = snap.active.into_iter().map(|r| r.title).collect();
        assert_eq!(titles, ["Meeting theirs"]);
    }

    #[tokio::test]
    async fn deleted_item_is_withdrawn_and_dismiss_all_answers_everything() {
        let store = Store::open_in_memory().await.unwrap();
        let clock = Arc::new(ManualClock::new(t("2026-11-27T08:46:00Z")));
        let svc = service(&store, &clock, false).await;
        let a = event("a", "2026-11-27T09:00:00Z", 15);
        let b = event("b", "2026-11-27T09:00:00Z", 10);
        svc.replace(feed(&[("1", "personal", &a), ("2", "personal", &b)]))
            .await;
        clock.advance(TimeDelta::minutes(5));
        let snap = svc.poll().await;
        assert_eq!(snap.listed.len(), 2);
        // "a" was deleted on the server: its row stays, marked, while the window is visible.
        svc.replace(feed(&[("2", "personal", &b)])).await;
        let snap = svc.snapshot();
        assert!(snap.visible);
        assert_eq!(snap.active.len(), 1);
        let withdrawn: Vec<bool> = snap.listed.iter().map(|r| r.withdrawn).collect();
        assert_eq!(withdrawn, [true, false]);
        let snap = svc.dismiss_all().await;
        assert!(!snap.visible && snap.listed.is_empty() && snap.active.is_empty());
    }

    #[tokio::test]
    async fn settings_follow_policy_and_are_refused_when_locked() {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::ProfilePaths::new(dir.path().join("p"));
        let k = crate::Kontor::open_with_policy(paths.clone(), Policy::default())
            .await
            .unwrap();
        let s = settings(&k).await.unwrap();
        assert_eq!(
            s,
            ReminderSettings {
                autohide: false,
                autohide_seconds: 15,
                locked: false
            }
        );
        let s = save_settings(&k, true, 5).await.unwrap();
        assert!(s.autohide && s.autohide_seconds == 5 && !s.locked);
        assert!(save_settings(&k, false, 0).await.is_err());
        assert!(settings(&k).await.unwrap().autohide, "nothing half-written");
        k.store().close().await;
        drop(k);

        let locked =
            Policy::from_json(r#"{"machine": {"AutohideReminders": 0, "AutohideSeconds": 30}}"#)
                .unwrap();
        let k = crate::Kontor::open_with_policy(paths.clone(), locked)
            .await
            .unwrap();
        let s = settings(&k).await.unwrap();
        assert_eq!(
            s,
            ReminderSettings {
                autohide: false,
                autohide_seconds: 30,
                locked: true
            }
        );
        assert!(save_settings(&k, true, 5).await.is_err());
        k.store().close().await;
        drop(k);
        // The user's own choice is still stored and comes back without the policy.
        let k = crate::Kontor::open_with_policy(paths, Policy::default())
            .await
            .unwrap();
        assert!(settings(&k).await.unwrap().autohide);
    }

    #[test]
    fn offset_clock_only_moves_forward() {
        let c = OffsetClock::default();
        c.advance(TimeDelta::minutes(5));
        c.advance(TimeDelta::minutes(-10));
        assert_eq!(c.offset(), TimeDelta::minutes(5));
        assert!(c.now() > Utc::now() + TimeDelta::minutes(4));
    }
}
