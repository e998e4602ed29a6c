//! The scheduler: which reminders are due at an instant, when to wake up next, and the user's
//! dismiss/snooze decisions.
//!
//! Alarm instants are computed once per source (and again when the moving window advances, for
//! recurring series only) and kept in an ordered index `(instant, occurrence)`. A query walks
//! the index between `now - lookback` and `now` (due reminders) or from `now` onwards (next
//! wake-up); nothing is re-expanded per tick.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use kontor_calendar::expand::alarm_instants;
use kontor_calendar::{Calendar, DateOrTime, ItemKind, Occurrence, Status, Trigger, Zone};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::source::{CalendarSettings, ReminderSource, Timing};
use crate::state::{Ack, OccurrenceKey, ReminderId, SnoozeChoice, UserState};

/// Tuning of the scheduler. The defaults suit the desktop app.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The user's zone: floating and all-day items are placed in it.
    pub local_zone: Zone,
    /// How far back a missed or unanswered reminder is still reported (7 days).
    pub lookback: TimeDelta,
    /// How far ahead recurring series are expanded into the index (14 days). The window moves
    /// forward when half of it has been used up.
    pub horizon: TimeDelta,
    /// A reminder reported more than this after its alarm time is flagged `missed` (60 s).
    pub missed_grace: TimeDelta,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            local_zone: Zone::Utc,
            lookback: TimeDelta::days(7),
            horizon: TimeDelta::days(14),
            missed_grace: TimeDelta::seconds(60),
        }
    }
}

impl Settings {
    pub fn with_zone(zone: Zone) -> Self {
        Settings {
            local_zone: zone,
            ..Self::default()
        }
    }
}

/// Event or task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    Event,
    Task,
}

/// A due reminder, with what the window shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub id: ReminderId,
    pub source_id: String,
    pub calendar_id: String,
    pub kind: ReminderKind,
    pub title: Option<String>,
    pub location: Option<String>,
    /// Occurrence start (task: start or due date).
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub all_day: bool,
    /// The original alarm time (the earliest unanswered alarm of this occurrence; after a
    /// snooze, the alarm that was snoozed).
    pub alarm_at: DateTime<Utc>,
    /// The latest trigger at or before now: an alarm, one of its REPEATs, or a snooze expiry.
    pub fired_at: DateTime<Utc>,
    /// It is due again because a snooze expired.
    pub snoozed: bool,
    /// First reported more than [`Settings::missed_grace`] after `fired_at` (app closed,
    /// machine asleep). The flag stays as it was when the reminder was first shown.
    pub missed: bool,
}

/// The result of [`Scheduler::poll`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Poll {
    /// Reminders that became due since the last poll, or were not reported before (the first
    /// poll after a start, an item that arrived with its alarm already past). Feed them to the
    /// window as [`crate::window::WindowEvent::ReminderDue`].
    pub newly_due: Vec<Reminder>,
    /// Every due reminder (tray badge, main window list), sorted by alarm time. Shared with
    /// the scheduler's cache, so handing out the list costs no copies.
    pub active: Vec<Arc<Reminder>>,
    /// Reminders reported active before that are no longer due without the user answering
    /// them: the item was deleted or moved, or its calendar's switch was turned off.
    pub withdrawn: Vec<ReminderId>,
    /// When to poll next at the latest (the next alarm or snooze expiry, or the window refresh).
    pub next_wake: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy)]
struct Fire {
    alarm_at: DateTime<Utc>,
    fired_at: DateTime<Utc>,
    snoozed: bool,
    /// Due only while the occurrence is not over (an alarm from before the item was known):
    /// the instant that stops.
    until: Option<DateTime<Utc>>,
}

/// Sort key of the active list: alarm time, start, slot.
type ActiveKey = (DateTime<Utc>, Option<DateTime<Utc>>, usize);

#[derive(Debug, Clone)]
struct Group {
    /// The alarm's own trigger instant.
    base: DateTime<Utc>,
    /// `base` and its REPEATs, sorted.
    instants: Vec<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct Occ {
    source: String,
    calendar_id: String,
    /// Index into the scheduler's calendar table.
    cal: usize,
    /// The acknowledgement that applies (same key, same start), cached from `acks`.
    ack: Option<Ack>,
    /// Another source (calendar) holds the same occurrence.
    dup: bool,
    known_since: Option<DateTime<Utc>>,
    key: OccurrenceKey,
    /// The start an acknowledgement is bound to.
    anchor: DateTime<Utc>,
    kind: ReminderKind,
    title: Option<String>,
    location: Option<String>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    all_day: bool,
    groups: Vec<Group>,
}

impl Occ {
    /// Index entries that can still make this occurrence due: instants of alarms not covered by
    /// its acknowledgement, and the snooze expiry.
    fn live_instants(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let through = self.ack.as_ref().map(|a| a.through);
        self.groups
            .iter()
            .filter(move |g| through.is_none_or(|t| g.base > t))
            .flat_map(|g| g.instants.iter().copied())
            .chain(self.ack.as_ref().and_then(|a| a.snooze_until))
    }
}

#[derive(Debug)]
struct SourceEntry {
    source: ReminderSource,
    recurring: bool,
    slots: Vec<usize>,
}

/// The reminder scheduler. Pure: every call that depends on time takes `now`.
#[derive(Debug)]
pub struct Scheduler {
    settings: Settings,
    since: DateTime<Utc>,
    last_seen: Option<DateTime<Utc>>,
    acks: HashMap<OccurrenceKey, Ack>,
    cal_index: HashMap<String, usize>,
    cal_settings: Vec<Option<CalendarSettings>>,
    sources: HashMap<String, SourceEntry>,
    occs: Vec<Option<Occ>>,
    free: Vec<usize>,
    by_key: HashMap<OccurrenceKey, Vec<usize>>,
    index: BTreeSet<(DateTime<Utc>, usize)>,
    window_from: DateTime<Utc>,
    window_to: DateTime<Utc>,
    /// Reminders reported by `poll` as due, with the trigger and `missed` flag they were
    /// reported with (so `missed` stays what it was when the reminder was first shown).
    reported: HashMap<OccurrenceKey, (DateTime<Utc>, bool)>,
    // The incremental poll (see `poll`): the active list as of `polled_at`, kept up to date by
    // re-evaluating only the occurrences whose state can have changed since.
    /// The active reminders, in list order.
    active: BTreeMap<ActiveKey, Arc<Reminder>>,
    /// Where each active occurrence sits in `active`, and its `Fire::until`.
    active_at: HashMap<OccurrenceKey, (ActiveKey, Option<DateTime<Utc>>)>,
    /// Active occurrences that stop being due when they end (`Fire::until`).
    ending: BTreeSet<(DateTime<Utc>, OccurrenceKey)>,
    /// Occurrences changed since the last poll (items added, replaced or removed, answers).
    dirty: HashSet<OccurrenceKey>,
    /// Re-evaluate everything at the next poll (first poll, calendar switch, window move,
    /// clock jumps).
    full: bool,
    polled_at: Option<DateTime<Utc>>,
}

const ACTIONS: [&str; 3] = ["DISPLAY", "AUDIO", "EMAIL"];
/// Longest alarm lead or lag honoured for recurring series (a trigger a year before the start).
const MAX_REACH_DAYS: i64 = 366;

fn far_past() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

fn far_future() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2200, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

impl Scheduler {
    /// A scheduler with the user's stored state (`UserState::default()` on the first start).
    pub fn new(settings: Settings, state: UserState, now: DateTime<Utc>) -> Self {
        let acks = state.acks.into_iter().map(|a| (a.key.clone(), a)).collect();
        Scheduler {
            window_from: now - settings.lookback,
            window_to: now + settings.horizon,
            settings,
            since: state.since.unwrap_or(now),
            last_seen: state.last_seen,
            acks,
            cal_index: HashMap::new(),
            cal_settings: Vec::new(),
            sources: HashMap::new(),
            occs: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::new(),
            index: BTreeSet::new(),
            reported: HashMap::new(),
            active: BTreeMap::new(),
            active_at: HashMap::new(),
            ending: BTreeSet::new(),
            dirty: HashSet::new(),
            full: true,
            polled_at: None,
        }
    }

    /// The state to store (after every poll, dismiss and snooze).
    pub fn state(&self) -> UserState {
        let mut acks: Vec<Ack> = self.acks.values().cloned().collect();
        acks.sort_by(|a, b| a.key.cmp(&b.key));
        UserState {
            since: Some(self.since),
            last_seen: self.last_seen,
            acks,
        }
    }

    /// Takes acknowledgements written to the store by someone else (the sync renaming an
    /// event's UID to the one the server gave it): those whose key is not held yet are added,
    /// and the next poll evaluates everything again, so a dismissed reminder stays dismissed
    /// under the event's new UID. Returns how many were added.
    pub fn adopt_acks(&mut self, acks: impl IntoIterator<Item = Ack>) -> usize {
        let mut added = 0;
        for a in acks {
            if let std::collections::hash_map::Entry::Vacant(v) = self.acks.entry(a.key.clone()) {
                v.insert(a);
                added += 1;
            }
        }
        if added > 0 {
            self.full = true;
        }
        added
    }

    /// Registers a calendar's "remind me" switch. Calendars never registered count as the
    /// user's own (they remind): a missing registration must not swallow reminders.
    pub fn set_calendar(&mut self, calendar_id: &str, settings: CalendarSettings) {
        let i = self.cal_slot(calendar_id);
        if self.cal_settings[i].as_ref() != Some(&settings) {
            self.cal_settings[i] = Some(settings);
            self.full = true;
        }
    }

    fn cal_slot(&mut self, calendar_id: &str) -> usize {
        if let Some(i) = self.cal_index.get(calendar_id) {
            return *i;
        }
        self.cal_settings.push(None);
        let i = self.cal_settings.len() - 1;
        self.cal_index.insert(calendar_id.to_string(), i);
        i
    }

    /// Whether a calendar's items remind.
    pub fn calendar_reminds(&self, calendar_id: &str) -> bool {
        self.cal_index
            .get(calendar_id)
            .and_then(|i| self.cal_settings[*i].as_ref())
            .is_none_or(CalendarSettings::reminds)
    }

    /// Adds or replaces a source (after a sync changed the item). Its occurrences and alarms are
    /// recomputed; acknowledgements stay, keyed by UID and occurrence.
    pub fn upsert(&mut self, source: ReminderSource) {
        let id = source.id.clone();
        self.clear_slots(&id);
        let recurring = match &source.timing {
            Timing::Calendar(c) => c
                .items
                .iter()
                .any(|i| i.recurrence_id.is_none() && (i.rrule.is_some() || !i.rdates.is_empty())),
            Timing::Fixed(_) => false,
        };
        self.sources.insert(
            id.clone(),
            SourceEntry {
                source,
                recurring,
                slots: Vec::new(),
            },
        );
        self.materialise(&id);
    }

    /// Removes a source (the item was deleted). Its due reminders are withdrawn at the next poll;
    /// acknowledgements stay (a cache rebuild deletes and re-adds every item).
    pub fn remove(&mut self, source_id: &str) {
        self.clear_slots(source_id);
        self.sources.remove(source_id);
    }

    /// The ids of the sources held (to find the ones a new snapshot of the store lacks).
    pub fn source_ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.sources.keys().map(String::as_str)
    }

    /// Number of sources held.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    fn clear_slots(&mut self, source_id: &str) {
        let Some(entry) = self.sources.get_mut(source_id) else {
            return;
        };
        for slot in std::mem::take(&mut entry.slots) {
            if let Some(occ) = self.occs[slot].take() {
                for t in occ.live_instants() {
                    self.index.remove(&(t, slot));
                }
                self.dirty.insert(occ.key.clone());
                if let Some(v) = self.by_key.get_mut(&occ.key) {
                    v.retain(|s| *s != slot);
                    match v.as_slice() {
                        [] => {
                            self.by_key.remove(&occ.key);
                        }
                        [only] => {
                            if let Some(o) = self.occs[*only].as_mut() {
                                o.dup = false;
                            }
                        }
                        _ => {}
                    }
                }
            }
            self.free.push(slot);
        }
    }

    fn materialise(&mut self, source_id: &str) {
        let Some(entry) = self.sources.get(source_id) else {
            return;
        };
        let src = &entry.source;
        let occs = match &src.timing {
            Timing::Calendar(cal) => {
                // Occurrences a pending snooze refers to, wherever they lie.
                let uids: HashSet<&str> = cal.items.iter().map(|i| i.uid.as_str()).collect();
                let pinned: Vec<DateTime<Utc>> = self
                    .acks
                    .values()
                    .filter(|a| a.snooze_until.is_some_and(|u| u >= self.window_from))
                    .filter(|a| uids.contains(a.key.uid.as_str()))
                    .map(|a| a.start)
                    .collect();
                calendar_occurrences(
                    cal,
                    &self.settings.local_zone,
                    entry.recurring,
                    (self.window_from, self.window_to),
                    &pinned,
                )
                .into_iter()
                .map(|o| occ_from_calendar(cal, &o, src))
                .collect::<Vec<_>>()
            }
            Timing::Fixed(f) => {
                let mut alarms = f.alarms.clone();
                alarms.sort();
                alarms.dedup();
                match f.start.or(f.end).or(alarms.first().copied()) {
                    Some(anchor) if !alarms.is_empty() => vec![Occ {
                        source: src.id.clone(),
                        calendar_id: src.calendar_id.clone(),
                        cal: 0,
                        ack: None,
                        dup: false,
                        known_since: src.known_since,
                        key: OccurrenceKey {
                            uid: f.uid.clone(),
                            instance: anchor,
                        },
                        anchor,
                        kind: kind_of(f.kind),
                        title: f.title.clone(),
                        location: f.location.clone(),
                        start: f.start.or(f.end),
                        end: f.end,
                        all_day: f.all_day,
                        groups: alarms
                            .into_iter()
                            .map(|t| Group {
                                base: t,
                                instants: vec![t],
                            })
                            .collect(),
                    }],
                    _ => Vec::new(),
                }
            }
        };
        let cal = match self.sources.get(source_id) {
            Some(e) => e.source.calendar_id.clone(),
            None => return,
        };
        let cal = self.cal_slot(&cal);
        let mut slots = Vec::with_capacity(occs.len());
        for mut occ in occs {
            if occ.groups.is_empty() {
                continue;
            }
            occ.cal = cal;
            occ.ack = self
                .acks
                .get(&occ.key)
                .filter(|a| a.start == occ.anchor)
                .cloned();
            let slot = match self.free.pop() {
                Some(s) => s,
                None => {
                    self.occs.push(None);
                    self.occs.len() - 1
                }
            };
            for t in occ.live_instants() {
                self.index.insert((t, slot));
            }
            self.dirty.insert(occ.key.clone());
            let same = self.by_key.entry(occ.key.clone()).or_default();
            same.push(slot);
            occ.dup = same.len() > 1;
            if occ.dup {
                for s in same.clone() {
                    if let Some(o) = self.occs[s].as_mut() {
                        o.dup = true;
                    }
                }
            }
            self.occs[slot] = Some(occ);
            slots.push(slot);
        }
        if let Some(entry) = self.sources.get_mut(source_id) {
            entry.slots = slots;
        }
    }

    /// Moves the expansion window forward when needed (or back, if the clock went back), and
    /// prunes acknowledgements that can no longer matter.
    fn maintain(&mut self, now: DateTime<Utc>) {
        let lookback = self.settings.lookback;
        let fresh =
            self.window_from <= now - lookback && now + self.settings.horizon / 2 < self.window_to;
        if fresh {
            return;
        }
        self.window_from = now - lookback;
        self.window_to = now + self.settings.horizon;
        let recurring: Vec<String> = self
            .sources
            .iter()
            .filter(|(_, e)| e.recurring)
            .map(|(id, _)| id.clone())
            .collect();
        tracing::debug!(
            series = recurring.len(),
            from = %self.window_from,
            to = %self.window_to,
            "moving the reminder window"
        );
        for id in recurring {
            self.clear_slots(&id);
            self.materialise(&id);
        }
        self.full = true;
        // An acknowledgement whose alarms and snooze all lie before the lookback can no longer
        // suppress or cause anything.
        let floor = now - lookback;
        self.acks
            .retain(|_, a| a.through >= floor || a.snooze_until.is_some_and(|u| u >= floor));
    }

    /// The reminder of one occurrence as it stands at `now`, if it is due.
    fn evaluate(&self, slot: usize, now: DateTime<Utc>) -> Option<Reminder> {
        let fire = self.fire_state(slot, now)?;
        Some(self.build(slot, fire, now))
    }

    fn build(&self, slot: usize, fire: Fire, now: DateTime<Utc>) -> Reminder {
        let occ = self.occs[slot].as_ref().expect("live slot");
        Reminder {
            id: occ.key.clone(),
            source_id: occ.source.clone(),
            calendar_id: occ.calendar_id.clone(),
            kind: occ.kind,
            title: occ.title.clone(),
            location: occ.location.clone(),
            start: occ.start,
            end: occ.end,
            all_day: occ.all_day,
            alarm_at: fire.alarm_at,
            fired_at: fire.fired_at,
            snoozed: fire.snoozed,
            missed: match self.reported.get(&occ.key) {
                Some((fired, missed)) if *fired == fire.fired_at => *missed,
                _ => now - fire.fired_at > self.settings.missed_grace,
            },
        }
    }

    /// Whether an occurrence is due at `now`, and since when; allocation-free.
    fn fire_state(&self, slot: usize, now: DateTime<Utc>) -> Option<Fire> {
        let occ = self.occs.get(slot)?.as_ref()?;
        let cal = self.cal_settings[occ.cal].as_ref();
        if !cal.is_none_or(CalendarSettings::reminds) {
            return None;
        }
        let ack = occ.ack.as_ref();
        let through = ack.map(|a| a.through);
        let lookback_floor = now - self.settings.lookback;
        // Alarms before the item (or its calendar's switch, or the profile) were known count
        // only while the occurrence is not over.
        let known_floor = [
            Some(self.since),
            occ.known_since,
            cal.and_then(|c| c.enabled_since),
        ]
        .into_iter()
        .flatten()
        .max();
        let over_at = occ.end.or(occ.start);
        let not_over = over_at.is_some_and(|e| e > now);
        let mut alarm_at: Option<DateTime<Utc>> = None;
        let mut fired: Option<DateTime<Utc>> = None;
        let mut until = None;
        for g in &occ.groups {
            if g.base > now || g.base < lookback_floor || through.is_some_and(|t| g.base <= t) {
                continue;
            }
            if known_floor.is_some_and(|f| g.base < f) {
                if !not_over {
                    continue;
                }
                until = over_at;
            }
            alarm_at = Some(alarm_at.map_or(g.base, |a| a.min(g.base)));
            let last = g
                .instants
                .iter()
                .rev()
                .find(|t| **t <= now)
                .copied()
                .unwrap_or(g.base);
            fired = Some(fired.map_or(last, |f| f.max(last)));
        }
        let mut snoozed = false;
        if let Some(a) = ack
            && let Some(u) = a.snooze_until.filter(|u| *u <= now && *u >= lookback_floor)
        {
            if fired.is_none_or(|f| u >= f) {
                snoozed = true;
                fired = Some(u);
            }
            alarm_at = Some(alarm_at.map_or(a.alarm_at, |x| x.min(a.alarm_at)));
        }
        let fired_at = fired?;
        Some(Fire {
            alarm_at: alarm_at.unwrap_or(fired_at),
            fired_at,
            snoozed,
            until,
        })
    }

    /// Every reminder due at `now`, one per occurrence, sorted by alarm time. Read-only; call
    /// [`Scheduler::poll`] to also learn which ones are new.
    pub fn due(&self, now: DateTime<Utc>) -> Vec<Reminder> {
        let from = now - self.settings.lookback;
        let mut slots: Vec<usize> = self
            .index
            .range((from, 0)..=(now, usize::MAX))
            .map(|(_, s)| *s)
            .collect();
        slots.sort_unstable();
        slots.dedup();
        let occ = |s: usize| self.occs[s].as_ref().expect("indexed slot is live");
        let mut fired: Vec<(usize, Fire)> = Vec::with_capacity(slots.len());
        // The same occurrence in two calendars (an invitation also seen in a shared calendar) is
        // one reminder: the earliest alarm wins, then the smaller source id.
        let mut shared: HashMap<&OccurrenceKey, usize> = HashMap::new();
        for slot in slots {
            let Some(f) = self.fire_state(slot, now) else {
                continue;
            };
            let key = &occ(slot).key;
            if occ(slot).dup {
                match shared.get(key) {
                    Some(&i) => {
                        let (old_slot, old) = fired[i];
                        if (f.alarm_at, &occ(slot).source) < (old.alarm_at, &occ(old_slot).source) {
                            fired[i] = (slot, f);
                        }
                        continue;
                    }
                    None => {
                        shared.insert(key, fired.len());
                    }
                }
            }
            fired.push((slot, f));
        }
        // Ties (many meetings at the full hour) are broken by slot, which is deterministic for
        // a given load order and cheaper than comparing UIDs.
        fired.sort_unstable_by(|(sa, a), (sb, b)| {
            (a.alarm_at, occ(*sa).start, *sa).cmp(&(b.alarm_at, occ(*sb).start, *sb))
        });
        fired
            .into_iter()
            .map(|(s, f)| self.build(s, f, now))
            .collect()
    }

    /// The next instant after `now` at which a reminder falls due (an alarm, a REPEAT or a
    /// snooze expiry), if any is in the index.
    pub fn next_alarm(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = now + TimeDelta::nanoseconds(1);
        self.index
            .range((start, 0)..)
            .find(|(t, slot)| self.fire_state(*slot, *t).is_some_and(|f| f.fired_at == *t))
            .map(|(t, _)| *t)
    }

    /// When [`Scheduler::poll`] must run next at the latest.
    pub fn next_wake(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let refresh = (self.window_to - self.settings.horizon / 2).max(now);
        self.next_alarm(now).map_or(refresh, |t| t.min(refresh))
    }

    /// Evaluates at `now`: new, active and withdrawn reminders and the next wake-up. Records
    /// `now` as last seen; store [`Scheduler::state`] afterwards.
    ///
    /// The work per poll is bounded by what can have changed since the previous poll, not by
    /// the number of active reminders: only occurrences with an index instant that entered or
    /// left the lookback window since then, occurrences that ended, and occurrences touched by
    /// `upsert`/`remove`/`dismiss`/`snooze` are evaluated again. A calendar switch, a move of
    /// the expansion window, the first poll and a clock that went back or jumped further than
    /// the lookback evaluate everything (what [`Scheduler::due`] does on every call).
    pub fn poll(&mut self, now: DateTime<Utc>) -> Poll {
        self.maintain(now);
        let lookback = self.settings.lookback;
        let full = self.full || self.polled_at.is_none_or(|p| now < p || now - p > lookback);
        let mut keys: Vec<OccurrenceKey> = Vec::new();
        if full {
            self.active.clear();
            self.active_at.clear();
            self.ending.clear();
            self.dirty.clear();
            let from = now - lookback;
            let mut seen: HashSet<&OccurrenceKey> = HashSet::new();
            for (_, slot) in self.index.range((from, 0)..=(now, usize::MAX)) {
                if let Some(occ) = self.occs[*slot].as_ref()
                    && seen.insert(&occ.key)
                {
                    keys.push(occ.key.clone());
                }
            }
            // Reported reminders that left the index (answered elsewhere, deleted) are
            // re-evaluated too, so they are withdrawn.
            keys.extend(
                self.reported
                    .keys()
                    .filter(|k| !seen.contains(k))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        } else {
            let prev = self.polled_at.unwrap_or(now);
            let mut set: HashSet<OccurrenceKey> = std::mem::take(&mut self.dirty);
            let key_of = |slot: usize| self.occs[slot].as_ref().map(|o| &o.key);
            // Alarms, REPEATs and snooze expiries that fell due since the previous poll.
            for (_, slot) in self.index.range((prev, usize::MAX)..=(now, usize::MAX)) {
                if let Some(k) = key_of(*slot)
                    && !set.contains(k)
                {
                    set.insert(k.clone());
                }
            }
            // Instants that slid out of the lookback window.
            for (_, slot) in self.index.range((prev - lookback, 0)..(now - lookback, 0)) {
                if let Some(k) = key_of(*slot)
                    && !set.contains(k)
                {
                    set.insert(k.clone());
                }
            }
            // Occurrences due only until they end.
            for (_, k) in self.ending.iter().take_while(|(t, _)| *t <= now) {
                if !set.contains(k) {
                    set.insert(k.clone());
                }
            }
            keys.extend(set);
        }
        let last_seen = self.last_seen;
        let mut newly_due: Vec<(ActiveKey, Reminder)> = Vec::new();
        let mut withdrawn: Vec<ReminderId> = Vec::new();
        for key in keys {
            if let Some((at, until)) = self.active_at.remove(&key) {
                self.active.remove(&at);
                if let Some(end) = until {
                    self.ending.remove(&(end, key.clone()));
                }
            }
            match self.evaluate_key(&key, now) {
                Some((slot, fire)) => {
                    let r = self.build(slot, fire, now);
                    let at = (r.alarm_at, r.start, slot);
                    if !self.reported.contains_key(&r.id)
                        || last_seen.is_none_or(|l| r.fired_at > l)
                    {
                        newly_due.push((at, r.clone()));
                    }
                    if let Some(end) = fire.until {
                        self.ending.insert((end, key.clone()));
                    }
                    self.active_at.insert(key, (at, fire.until));
                    self.active.insert(at, Arc::new(r));
                }
                None => {
                    if self.reported.contains_key(&key) {
                        withdrawn.push(key);
                    }
                }
            }
        }
        withdrawn.sort();
        newly_due.sort_by_key(|(at, _)| *at);
        let newly_due: Vec<Reminder> = newly_due.into_iter().map(|(_, r)| r).collect();
        for k in &withdrawn {
            self.reported.remove(k);
        }
        for r in &newly_due {
            self.reported.insert(r.id.clone(), (r.fired_at, r.missed));
        }
        self.full = false;
        self.polled_at = Some(now);
        self.last_seen = Some(last_seen.map_or(now, |l| l.max(now)));
        let active: Vec<Arc<Reminder>> = self.active.values().cloned().collect();
        // The incremental list must equal a full evaluation (every test checks this).
        #[cfg(debug_assertions)]
        {
            let got: Vec<Reminder> = active.iter().map(|r| (**r).clone()).collect();
            debug_assert_eq!(got, self.due(now), "incremental poll differs at {now}");
        }
        Poll {
            newly_due,
            active,
            withdrawn,
            next_wake: self.next_wake(now),
        }
    }

    /// The due state of one occurrence over every calendar that holds it: the earliest alarm
    /// wins, then the smaller source id (an invitation also seen in a shared calendar is one
    /// reminder).
    fn evaluate_key(&self, key: &OccurrenceKey, now: DateTime<Utc>) -> Option<(usize, Fire)> {
        let slots = self.by_key.get(key)?;
        let occ = |s: usize| self.occs[s].as_ref().expect("slot in by_key is live");
        let mut best: Option<(usize, Fire)> = None;
        for &slot in slots {
            let Some(f) = self.fire_state(slot, now) else {
                continue;
            };
            best = match best {
                Some((bs, bf))
                    if (bf.alarm_at, &occ(bs).source) <= (f.alarm_at, &occ(slot).source) =>
                {
                    Some((bs, bf))
                }
                _ => Some((slot, f)),
            };
        }
        best
    }

    fn slot_for(&self, id: &ReminderId, now: DateTime<Utc>) -> Option<(usize, Option<Reminder>)> {
        let slots = self.by_key.get(id)?;
        let evaluated = slots
            .iter()
            .find_map(|s| self.evaluate(*s, now).map(|r| (*s, Some(r))));
        evaluated.or_else(|| slots.first().map(|s| (*s, None)))
    }

    fn acknowledge(
        &mut self,
        id: &ReminderId,
        now: DateTime<Utc>,
        choice: Option<SnoozeChoice>,
    ) -> Result<Option<DateTime<Utc>>, Error> {
        let (slot, current) = self
            .slot_for(id, now)
            .ok_or_else(|| Error::UnknownReminder(id.clone()))?;
        let occ = self.occs[slot].as_ref().expect("slot in by_key is live");
        let until = match choice {
            Some(c) => Some(c.until(now, occ.start)?),
            None => None,
        };
        let through = current.as_ref().map_or(now, |r| r.fired_at.max(now));
        let alarm_at = current.as_ref().map_or(now, |r| r.alarm_at);
        let ack = Ack {
            key: id.clone(),
            start: occ.anchor,
            through,
            alarm_at,
            snooze_until: until,
        };
        // Re-index every copy of the occurrence (one per calendar it appears in) under the new
        // acknowledgement; answered alarms leave the index, so scans stay short.
        for s in self.by_key.get(id).cloned().unwrap_or_default() {
            let Some(occ) = self.occs[s].as_mut() else {
                continue;
            };
            for t in occ.live_instants() {
                self.index.remove(&(t, s));
            }
            occ.ack = (occ.anchor == ack.start).then(|| ack.clone());
            for t in occ.live_instants() {
                self.index.insert((t, s));
            }
        }
        self.acks.insert(id.clone(), ack);
        self.reported.remove(id);
        self.dirty.insert(id.clone());
        Ok(until)
    }

    /// Dismisses a reminder: this occurrence's alarms up to now never fire again.
    pub fn dismiss(&mut self, id: &ReminderId, now: DateTime<Utc>) -> Result<(), Error> {
        self.acknowledge(id, now, None).map(|_| ())
    }

    /// Snoozes a reminder; returns when it comes back.
    pub fn snooze(
        &mut self,
        id: &ReminderId,
        choice: SnoozeChoice,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, Error> {
        self.acknowledge(id, now, Some(choice))?
            .ok_or(Error::NoStart)
    }

    /// Dismisses every reminder due at `now`; returns their ids.
    pub fn dismiss_all(&mut self, now: DateTime<Utc>) -> Vec<ReminderId> {
        let ids: Vec<ReminderId> = self.due(now).into_iter().map(|r| r.id).collect();
        for id in &ids {
            if let Err(e) = self.dismiss(id, now) {
                tracing::debug!(%e, "reminder vanished while dismissing all");
            }
        }
        ids
    }

    /// The stored acknowledgement of an occurrence, if any.
    pub fn ack(&self, id: &ReminderId) -> Option<&Ack> {
        self.acks.get(id)
    }
}

fn kind_of(k: ItemKind) -> ReminderKind {
    match k {
        ItemKind::Event => ReminderKind::Event,
        ItemKind::Todo => ReminderKind::Task,
    }
}

/// How far before (lead) and after (lag) an occurrence's start its relative alarms reach.
fn reach(cal: &Calendar) -> (TimeDelta, TimeDelta) {
    let mut lead = TimeDelta::zero();
    let mut lag = TimeDelta::zero();
    for a in cal.items.iter().flat_map(|i| i.alarms.iter()) {
        if let Trigger::Relative { offset, .. } = a.trigger {
            let last = offset
                + a.repeat_interval
                    .map_or(TimeDelta::zero(), |d| d * a.repeat.min(1000) as i32);
            lead = lead.max(-offset);
            lag = lag.max(last);
        }
    }
    let cap = TimeDelta::days(MAX_REACH_DAYS);
    (lead.min(cap), lag.min(cap))
}

fn calendar_occurrences(
    cal: &Calendar,
    zone: &Zone,
    recurring: bool,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    pinned_starts: &[DateTime<Utc>],
) -> Vec<Occurrence> {
    if !recurring {
        return cal.expand(far_past(), far_future(), zone);
    }
    let (lead, lag) = reach(cal);
    let mut occs = cal.expand(from - lag, to + lead, zone);
    // Absolute triggers belong to the first instance, wherever it lies (RFC 5545 §3.8.6.3).
    let has_absolute = cal
        .items
        .iter()
        .flat_map(|i| i.alarms.iter())
        .any(|a| matches!(a.trigger, Trigger::Absolute(_)));
    let mut extra: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    if has_absolute {
        for m in cal.items.iter().filter(|i| i.recurrence_id.is_none()) {
            if let Some(s) = &m.start {
                let guess = s.naive().and_utc();
                extra.push((guess - TimeDelta::days(2), guess + TimeDelta::days(2)));
            }
        }
    }
    for s in pinned_starts {
        extra.push((*s, *s + TimeDelta::seconds(1)));
    }
    for (f, t) in extra {
        occs.extend(cal.expand(f, t, zone));
    }
    let mut seen = HashSet::new();
    occs.retain(|o| seen.insert((o.uid.clone(), o.instance)));
    occs
}

fn acknowledged(a: &kontor_calendar::Alarm) -> Option<DateTime<Utc>> {
    // RFC 9074 §6: alarms triggered at or before ACKNOWLEDGED were handled elsewhere.
    let line = a
        .extra
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case("ACKNOWLEDGED"))?;
    match DateOrTime::parse(&line.value, None, None).ok()? {
        DateOrTime::Utc(u) => Some(u),
        other => Some(other.naive().and_utc()),
    }
}

fn occ_from_calendar(cal: &Calendar, o: &Occurrence, src: &ReminderSource) -> Occ {
    let item = &cal.items[o.item];
    let master = if item.recurrence_id.is_some() {
        cal.master(&item.uid)
    } else {
        None
    };
    let finished = |s: &Option<Status>| matches!(s, Some(Status::Cancelled | Status::Completed));
    let skip = finished(&item.status) || master.is_some_and(|m| finished(&m.status));
    // An override replaces the whole instance, its VALARMs included (RFC 5545 §3.8.4.4, as
    // the expansion does): the master's alarms do not apply to it.
    let alarms = item.alarms.as_slice();
    let mut groups = Vec::new();
    if !skip {
        for a in alarms
            .iter()
            .filter(|a| ACTIONS.iter().any(|x| a.action.eq_ignore_ascii_case(x)))
        {
            let instants = alarm_instants(std::slice::from_ref(a), o.start, o.end, true);
            let Some(base) = (match a.trigger {
                Trigger::Absolute(t) if !o.alarms.contains(&t) => None,
                Trigger::Absolute(t) => Some(t),
                Trigger::Relative { .. } => instants.first().copied(),
            }) else {
                continue;
            };
            if acknowledged(a).is_some_and(|ack| base <= ack) {
                continue;
            }
            groups.push(Group { base, instants });
        }
    }
    groups.sort_by_key(|g| g.base);
    Occ {
        source: src.id.clone(),
        calendar_id: src.calendar_id.clone(),
        cal: 0,
        ack: None,
        dup: false,
        known_since: src.known_since,
        key: OccurrenceKey {
            uid: o.uid.clone(),
            instance: o.instance,
        },
        anchor: o.start,
        kind: kind_of(o.kind),
        title: o.summary.clone(),
        location: item
            .location
            .clone()
            .or_else(|| master.and_then(|m| m.location.clone())),
        start: Some(o.start),
        end: Some(o.end),
        all_day: o.all_day,
        groups,
    }
}
