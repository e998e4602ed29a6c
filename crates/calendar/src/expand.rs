//! Occurrences of events and to-dos in a time window, with their alarm instants.
//!
//! Recurrence (RFC 5545 §3.8.5) is computed in the series' *local wall time*: the `rrule`
//! crate iterates the rule with the local clock standing in for UTC, and every local start is
//! turned into an instant with the series' zone afterwards ([`Zone::local_to_utc`]). A weekly
//! 09:00 meeting therefore stays at 09:00 on both sides of a DST change, in whatever way its
//! zone was named. Floating and all-day items are placed in the caller's zone.
//!
//! * DTSTART is always the first instance (§3.8.5.3), even when the rule would not produce it.
//! * RDATE adds instances, EXDATE removes them; both are matched as instants, so an EXDATE in
//!   UTC cancels an instance of a zoned series. A `VALUE=DATE` EXDATE cancels the instances on
//!   that local date. An RDATE `VALUE=PERIOD` instance ends where its period ends (§3.8.5.2),
//!   not after the item's duration.
//! * An override (same UID, RECURRENCE-ID) replaces the instance it names and is placed at its
//!   own DTSTART/DTEND, so a moved instance appears where it was moved to even when its
//!   original slot lies outside the window. An override with `STATUS:CANCELLED` removes the
//!   instance (the way Google and Exchange cancel one meeting of a series). The override is
//!   the whole instance (§3.8.4.4): its own VALARMs apply, the master's do not.
//! * Two overrides of the same instance give one occurrence: the higher SEQUENCE, then the
//!   later DTSTAMP, then the later in the file wins ([`supersedes`]).
//! * A VTODO without DTSTART is placed at its DUE and has no length (§3.8.2.3), so its alarms
//!   `RELATED=END` count from DUE; an all-day DUE is midnight at the start of that day.
//! * A `RANGE=THISANDFUTURE` override (§3.8.4.4) also stands for every later instance: each
//!   is moved by the override's shift of the start (on the series' wall clock), lasts as long
//!   as the override and takes its summary, alarms and other properties (the occurrence's
//!   `item` is the override, `is_override` is set, `instance` stays the original start). A
//!   later override, plain or THISANDFUTURE, takes precedence from its own instance on.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::model::{Alarm, Calendar, Item, ItemKind, Related, Status, Trigger};
use crate::recur::Recurrence;
use crate::tz::{Resolver, Zone};
use crate::value::{DateOrTime, Duration, PeriodEnd};

/// One occurrence of an item in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub uid: String,
    /// Index into [`Calendar::items`] of the item that supplies the data (master or override).
    pub item: usize,
    pub kind: ItemKind,
    pub summary: Option<String>,
    /// The instance this occurrence stands for (its RECURRENCE-ID as an instant); the key for
    /// per-occurrence state such as snooze and dismiss.
    pub instance: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Start as wall-clock time in the item's own zone.
    pub local_start: NaiveDateTime,
    /// Name of the zone used (`Europe/Berlin`, `VTIMEZONE:Customized Time Zone`, `floating`).
    pub zone: String,
    pub all_day: bool,
    pub is_override: bool,
    /// Alarm instants for this occurrence, sorted, REPEATs included.
    pub alarms: Vec<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy)]
enum Span {
    Days(i64),
    Exact(TimeDelta),
    /// A DURATION: its days on the wall clock, the rest exact (RFC 5545 §3.3.6, §3.8.2.5).
    Nominal(Duration),
}

impl Span {
    fn approx(self) -> TimeDelta {
        match self {
            Span::Days(n) => TimeDelta::days(n),
            Span::Exact(d) => d,
            Span::Nominal(d) => d.approx(),
        }
    }
}

struct Ctx<'a> {
    resolver: Resolver,
    floating: &'a Zone,
}

impl Ctx<'_> {
    fn zone_for(&self, d: &DateOrTime) -> (Zone, bool) {
        match d {
            DateOrTime::Utc(_) => (Zone::Utc, false),
            DateOrTime::Zoned { tzid, .. } => match self.resolver.resolve(tzid) {
                Some(z) => (z, false),
                None => {
                    tracing::debug!(%tzid, "unknown time zone; using the local zone");
                    (self.floating.clone(), true)
                }
            },
            DateOrTime::Floating(_) | DateOrTime::Date(_) => (self.floating.clone(), true),
        }
    }

    fn instant(&self, d: &DateOrTime) -> DateTime<Utc> {
        match d {
            DateOrTime::Utc(u) => *u,
            other => self.zone_for(other).0.local_to_utc(other.naive()),
        }
    }

    fn span(&self, it: &Item, start: &DateOrTime, fallback: Option<Span>) -> Span {
        if let DateOrTime::Date(sd) = start {
            if let Some(DateOrTime::Date(ed)) = &it.end {
                return Span::Days((*ed - *sd).num_days().max(0));
            }
            // RFC 5545 §3.6.2, §3.8.2.3: a to-do ends at its DUE, for a DATE as for a DATE-TIME.
            // One with DUE and no DTSTART is placed at DUE and lasts no time, so alarms
            // `RELATED=END` (§3.8.6.3) count from DUE, not from the day after.
            if it.kind == ItemKind::Todo
                && let Some(DateOrTime::Date(dd)) = &it.due
            {
                return Span::Days((*dd - *sd).num_days().max(0));
            }
            if let Some(d) = it.duration {
                return Span::Days((d.days + d.time.num_days()).max(0));
            }
            return fallback.unwrap_or(Span::Days(1));
        }
        let end = it.end.as_ref().or(if it.kind == ItemKind::Todo {
            it.due.as_ref()
        } else {
            None
        });
        if let Some(e) = end {
            return Span::Exact((self.instant(e) - self.instant(start)).max(TimeDelta::zero()));
        }
        if let Some(d) = it.duration {
            // §3.8.2.5: `P1D` keeps the wall-clock end across a DST change (23 or 25 hours).
            return if d.approx() <= TimeDelta::zero() {
                Span::Exact(TimeDelta::zero())
            } else {
                Span::Nominal(d)
            };
        }
        fallback.unwrap_or(Span::Exact(TimeDelta::zero()))
    }
}

fn end_of(zone: &Zone, local: NaiveDateTime, start: DateTime<Utc>, span: Span) -> DateTime<Utc> {
    match span {
        Span::Days(n) => zone.local_to_utc(local + TimeDelta::days(n)),
        Span::Exact(d) => start + d,
        Span::Nominal(d) => d.after(zone, local).max(start),
    }
}

fn overlaps(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> bool {
    start < to && (end > from || (end == start && start >= from))
}

/// Alarm instants for one occurrence (RFC 5545 §3.8.6.3, §3.6.6 REPEAT/DURATION).
/// Absolute triggers belong to the first instance of a series only. `ACTION:NONE` alarms
/// (RFC 9074 §7) give no instant.
pub fn alarm_instants(
    alarms: &[Alarm],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    first_instance: bool,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for a in alarms.iter().filter(|a| a.fires()) {
        let base = match a.trigger {
            Trigger::Relative {
                offset,
                related: Related::Start,
            } => start + offset,
            Trigger::Relative {
                offset,
                related: Related::End,
            } => end + offset,
            Trigger::Absolute(t) if first_instance => t,
            Trigger::Absolute(_) => continue,
        };
        out.push(base);
        if let Some(step) = a.repeat_interval {
            for k in 1..=a.repeat as i32 {
                out.push(base + step * k);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether override `new` replaces `old`, an override of the same instance (same UID and
/// RECURRENCE-ID). A UID and RECURRENCE-ID name one instance (RFC 5545 §3.8.4.4), so only one
/// override may stand: the higher SEQUENCE (§3.8.7.4), then the later DTSTAMP (the ordering
/// RFC 5546 §2.1.5 gives revisions of one instance), then the later one in the file (the
/// last written).
fn supersedes(new: &Item, old: &Item) -> bool {
    (new.sequence, new.dtstamp) >= (old.sequence, old.dtstamp)
}

/// Instances a rule may produce (counted from DTSTART, also before the window) before expansion
/// stops. A daily series since 1990 needs ~13,000; this bounds hostile `FREQ=SECONDLY` data.
pub const MAX_RULE_STEPS: usize = 200_000;

/// Local-wall-time instances of a rule between `from` and `to` (exclusive).
pub(crate) fn rule_instances(
    rule: &Recurrence,
    zone: &Zone,
    dtstart: NaiveDateTime,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Vec<NaiveDateTime> {
    let mut r = rule.clone();
    // UNTIL in local wall time, written as a stand-in UTC value for the iterator.
    let until_local = r.until.take().map(|u| match u {
        DateOrTime::Utc(t) => zone.utc_to_local(t),
        DateOrTime::Date(d) => d.and_hms_opt(23, 59, 59).expect("valid"),
        other => other.naive(),
    });
    let mut text = r.to_value();
    if let Some(u) = until_local {
        text.push_str(&format!(";UNTIL={}", u.format("%Y%m%dT%H%M%SZ")));
    }
    let parsed = match rrule::RRule::<rrule::Unvalidated>::from_str(&text) {
        Ok(p) => p,
        Err(e) => {
            tracing::debug!(%e, rule = %text, "unusable RRULE; keeping DTSTART only");
            return Vec::new();
        }
    };
    let start = dtstart.and_utc().with_timezone(&rrule::Tz::UTC);
    let set = match parsed.build(start) {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(%e, rule = %text, "unusable RRULE; keeping DTSTART only");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, dt) in (&set).into_iter().enumerate() {
        if i >= MAX_RULE_STEPS {
            tracing::debug!(rule = %text, "recurrence stopped after {MAX_RULE_STEPS} instances");
            break;
        }
        let n = dt.naive_utc();
        if n >= to {
            break;
        }
        if n >= from {
            out.push(n);
        }
    }
    out
}

impl Calendar {
    /// All occurrences that overlap `[from, to)`, sorted by start. Floating and all-day items
    /// are placed in `local_zone`; so are items whose TZID cannot be resolved.
    pub fn expand(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        local_zone: &Zone,
    ) -> Vec<Occurrence> {
        let ctx = Ctx {
            resolver: Resolver::from_vtimezones(&self.timezones),
            floating: local_zone,
        };
        let mut out = Vec::new();

        // Overrides by UID → instance instants.
        let mut overridden: HashMap<&str, HashSet<i64>> = HashMap::new();
        // The override that stands for each (UID, instance) when several name the same one.
        let mut winners: HashMap<(&str, i64), usize> = HashMap::new();
        for (idx, it) in self.items.iter().enumerate() {
            let Some(rid) = it.recurrence_id.as_ref() else {
                continue;
            };
            let key = (it.uid.as_str(), ctx.instant(rid).timestamp());
            overridden.entry(key.0).or_default().insert(key.1);
            match winners.get(&key) {
                Some(&prev) if !supersedes(it, &self.items[prev]) => {}
                _ => {
                    winners.insert(key, idx);
                }
            }
        }

        // RANGE=THISANDFUTURE overrides by UID: (instance, item index), sorted by instance.
        let mut ranges: HashMap<&str, Vec<(DateTime<Utc>, usize)>> = HashMap::new();
        for (&(uid, _), &idx) in &winners {
            let it = &self.items[idx];
            if it.this_and_future {
                let rid = it.recurrence_id.as_ref().expect("an override");
                ranges.entry(uid).or_default().push((ctx.instant(rid), idx));
            }
        }
        for list in ranges.values_mut() {
            list.sort();
        }

        for (idx, it) in self.items.iter().enumerate() {
            if let Some(rid) = &it.recurrence_id {
                if winners.get(&(it.uid.as_str(), ctx.instant(rid).timestamp())) != Some(&idx) {
                    tracing::debug!(uid = %it.uid, "override superseded by another for the same instance");
                    continue;
                }
                // Overrides are placed at their own times (or their original slot when they
                // have no DTSTART).
                self.push_override(&ctx, idx, it, from, to, &mut out);
                continue;
            }
            let Some(start) = it.start.as_ref().or(if it.kind == ItemKind::Todo {
                it.due.as_ref()
            } else {
                None
            }) else {
                tracing::trace!(uid = %it.uid, "item without DTSTART has no occurrences");
                continue;
            };
            let (zone, floating) = ctx.zone_for(start);
            let span = ctx.span(it, start, None);
            let span_len = span.approx();
            let dtstart_local = match start {
                DateOrTime::Utc(u) => u.naive_utc(),
                other => other.naive(),
            };
            // THISANDFUTURE overrides move later instances by their shift (wall clock).
            let shifts: Vec<(DateTime<Utc>, usize, TimeDelta)> = ranges
                .get(it.uid.as_str())
                .into_iter()
                .flatten()
                .map(|&(at, i)| {
                    let ov = &self.items[i];
                    let rid = ov.recurrence_id.as_ref().expect("an override");
                    let moved = ov.start.as_ref().unwrap_or(rid);
                    let shift =
                        zone.utc_to_local(ctx.instant(moved)) - zone.utc_to_local(ctx.instant(rid));
                    (at, i, shift)
                })
                .collect();
            let reach = shifts.iter().map(|s| s.2.abs()).max().unwrap_or_default();
            let margin = TimeDelta::days(2) + reach;
            let gen_from = from.naive_utc() - span_len - margin;
            let gen_to = to.naive_utc() + margin;

            let mut locals: BTreeSet<NaiveDateTime> = BTreeSet::new();
            locals.insert(dtstart_local);
            if let Some(rule) = &it.rrule {
                locals.extend(rule_instances(rule, &zone, dtstart_local, gen_from, gen_to));
            }
            // RFC 5545 §3.8.5.2: an RDATE PERIOD instance ends where its period ends.
            let mut period_spans: HashMap<NaiveDateTime, Span> = HashMap::new();
            for rd in &it.rdates {
                let local = match &rd.start {
                    DateOrTime::Date(d) => d.and_time(dtstart_local.time()),
                    DateOrTime::Floating(n) => *n,
                    other => zone.utc_to_local(ctx.instant(other)),
                };
                locals.insert(local);
                let own = match &rd.end {
                    None => continue,
                    Some(PeriodEnd::At(e)) => Span::Exact(
                        (ctx.instant(e) - ctx.instant(&rd.start)).max(TimeDelta::zero()),
                    ),
                    Some(PeriodEnd::Duration(d)) if d.approx() > TimeDelta::zero() => {
                        Span::Nominal(*d)
                    }
                    Some(PeriodEnd::Duration(_)) => Span::Exact(TimeDelta::zero()),
                };
                period_spans.insert(local, own);
            }
            let longest = period_spans.values().map(|s| s.approx()).max();
            // A period longer than the item may start before the rule's window and still overlap.
            let range_from =
                gen_from - (longest.unwrap_or(span_len) - span_len).max(TimeDelta::zero());
            let ex_instants: HashSet<i64> = it
                .exdates
                .iter()
                .filter(|d| !d.is_date())
                .map(|d| ctx.instant(d).timestamp())
                .collect();
            let ex_dates: HashSet<NaiveDate> = it
                .exdates
                .iter()
                .filter_map(|d| {
                    if let DateOrTime::Date(x) = d {
                        Some(*x)
                    } else {
                        None
                    }
                })
                .collect();
            let over = overridden.get(it.uid.as_str());
            let first = *locals.iter().next().expect("DTSTART inserted");
            for local in locals.range(range_from..gen_to) {
                let s = zone.local_to_utc(*local);
                if ex_instants.contains(&s.timestamp()) || ex_dates.contains(&local.date()) {
                    continue;
                }
                if over.is_some_and(|o| o.contains(&s.timestamp())) {
                    continue;
                }
                let span = period_spans.get(local).copied().unwrap_or(span);
                // RFC 5545 §3.8.4.4 RANGE=THISANDFUTURE: the latest such override before this
                // instance applies to it too — its shift of the start, its length, its other
                // properties (summary, location, alarms, STATUS:CANCELLED).
                if let Some(&(_, ov_idx, shift)) = shifts.iter().rev().find(|r| r.0 < s) {
                    let ov = &self.items[ov_idx];
                    if ov.status == Some(Status::Cancelled) {
                        continue;
                    }
                    let moved = *local + shift;
                    let ms = zone.local_to_utc(moved);
                    let ov_start = ov.start.as_ref().or(ov.recurrence_id.as_ref());
                    let ov_span = ov_start.map_or(span, |st| ctx.span(ov, st, Some(span)));
                    let me = end_of(&zone, moved, ms, ov_span);
                    if !overlaps(ms, me, from, to) {
                        continue;
                    }
                    out.push(Occurrence {
                        uid: it.uid.clone(),
                        item: ov_idx,
                        kind: it.kind,
                        summary: ov.summary.clone().or_else(|| it.summary.clone()),
                        instance: s,
                        start: ms,
                        end: me,
                        local_start: moved,
                        zone: if floating {
                            "floating".into()
                        } else {
                            zone.name()
                        },
                        all_day: start.is_date(),
                        is_override: true,
                        alarms: alarm_instants(&ov.alarms, ms, me, false),
                    });
                    continue;
                }
                let e = end_of(&zone, *local, s, span);
                if !overlaps(s, e, from, to) {
                    continue;
                }
                out.push(Occurrence {
                    uid: it.uid.clone(),
                    item: idx,
                    kind: it.kind,
                    summary: it.summary.clone(),
                    instance: s,
                    start: s,
                    end: e,
                    local_start: *local,
                    zone: if floating {
                        "floating".into()
                    } else {
                        zone.name()
                    },
                    all_day: start.is_date(),
                    is_override: false,
                    alarms: alarm_instants(&it.alarms, s, e, *local == first),
                });
            }
        }
        out.sort_by(|a, b| (a.start, &a.uid, a.instance).cmp(&(b.start, &b.uid, b.instance)));
        out
    }

    fn push_override(
        &self,
        ctx: &Ctx<'_>,
        idx: usize,
        it: &Item,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        out: &mut Vec<Occurrence>,
    ) {
        let rid = it.recurrence_id.as_ref().expect("override");
        if it.status == Some(Status::Cancelled) {
            return;
        }
        let master = self.master(&it.uid);
        let instance = ctx.instant(rid);
        if let Some(m) = master {
            let cancelled = m.exdates.iter().any(|d| match d {
                DateOrTime::Date(x) => *x == rid.naive().date(),
                other => ctx.instant(other) == instance,
            });
            if cancelled {
                return;
            }
        }
        let start = it.start.as_ref().unwrap_or(rid);
        let (zone, floating) = ctx.zone_for(start);
        let master_span = master.and_then(|m| m.start.as_ref().map(|ms| ctx.span(m, ms, None)));
        let span = ctx.span(it, start, master_span);
        let local = match start {
            DateOrTime::Utc(u) => u.naive_utc(),
            other => other.naive(),
        };
        let s = zone.local_to_utc(local);
        let e = end_of(&zone, local, s, span);
        if !overlaps(s, e, from, to) {
            return;
        }
        // RFC 5545 §3.8.4.4: the override replaces the whole instance, its VALARMs included;
        // an override without VALARMs has no alarm (the master's do not apply to it).
        let alarms = &it.alarms;
        let first = master
            .and_then(|m| m.start.as_ref())
            .is_some_and(|ms| ctx.instant(ms) == instance);
        out.push(Occurrence {
            uid: it.uid.clone(),
            item: idx,
            kind: it.kind,
            summary: it
                .summary
                .clone()
                .or_else(|| master.and_then(|m| m.summary.clone())),
            instance,
            start: s,
            end: e,
            local_start: local,
            zone: if floating {
                "floating".into()
            } else {
                zone.name()
            },
            all_day: start.is_date(),
            is_override: true,
            alarms: alarm_instants(alarms, s, e, first || master.is_none()),
        });
    }
}
