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
//!   that local date.
//! * An override (same UID, RECURRENCE-ID) replaces the instance it names and is placed at its
//!   own DTSTART/DTEND, so a moved instance appears where it was moved to even when its
//!   original slot lies outside the window. An override with `STATUS:CANCELLED` removes the
//!   instance (the way Google and Exchange cancel one meeting of a series).
//! * `RANGE=THISANDFUTURE` overrides are applied to their own instance only (traced).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

use crate::model::{Alarm, Calendar, Item, ItemKind, Related, Status, Trigger};
use crate::recur::Recurrence;
use crate::tz::{Resolver, Zone};
use crate::value::DateOrTime;

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
            if let Some(d) = it.duration {
                return Span::Days(d.num_days().max(0));
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
            return Span::Exact(d.max(TimeDelta::zero()));
        }
        fallback.unwrap_or(Span::Exact(TimeDelta::zero()))
    }
}

fn end_of(zone: &Zone, local: NaiveDateTime, start: DateTime<Utc>, span: Span) -> DateTime<Utc> {
    match span {
        Span::Days(n) => zone.local_to_utc(local + TimeDelta::days(n)),
        Span::Exact(d) => start + d,
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
/// Absolute triggers belong to the first instance of a series only.
pub fn alarm_instants(
    alarms: &[Alarm],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    first_instance: bool,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    for a in alarms {
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
        for it in self.items.iter().filter(|i| i.recurrence_id.is_some()) {
            let rid = it.recurrence_id.as_ref().expect("filtered");
            overridden
                .entry(it.uid.as_str())
                .or_default()
                .insert(ctx.instant(rid).timestamp());
        }

        for (idx, it) in self.items.iter().enumerate() {
            if it.recurrence_id.is_some() {
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
            let span_len = match span {
                Span::Days(n) => TimeDelta::days(n),
                Span::Exact(d) => d,
            };
            let dtstart_local = match start {
                DateOrTime::Utc(u) => u.naive_utc(),
                other => other.naive(),
            };
            let margin = TimeDelta::days(2);
            let gen_from = from.naive_utc() - span_len - margin;
            let gen_to = to.naive_utc() + margin;

            let mut locals: BTreeSet<NaiveDateTime> = BTreeSet::new();
            locals.insert(dtstart_local);
            if let Some(rule) = &it.rrule {
                locals.extend(rule_instances(rule, &zone, dtstart_local, gen_from, gen_to));
            }
            for rd in &it.rdates {
                let local = match rd {
                    DateOrTime::Date(d) => d.and_time(dtstart_local.time()),
                    DateOrTime::Floating(n) => *n,
                    other => zone.utc_to_local(ctx.instant(other)),
                };
                locals.insert(local);
            }
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
            for local in locals.range(gen_from..gen_to) {
                let s = zone.local_to_utc(*local);
                if ex_instants.contains(&s.timestamp()) || ex_dates.contains(&local.date()) {
                    continue;
                }
                if over.is_some_and(|o| o.contains(&s.timestamp())) {
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
        if it.this_and_future {
            tracing::debug!(uid = %it.uid, "RANGE=THISANDFUTURE applied to its own instance only");
        }
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
        // Overrides without their own alarms inherit the master's (RFC 5545 leaves it to the
        // producer; Outlook and SOGo omit unchanged VALARMs in overrides).
        let alarms = if it.alarms.is_empty() {
            master.map(|m| m.alarms.as_slice()).unwrap_or(&[])
        } else {
            &it.alarms
        };
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
