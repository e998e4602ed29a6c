//! Events and their materialised occurrences.
//!
//! An `event` row is one calendar object: a CalDAV resource (by href) or an EAS calendar item
//! (by ServerId). Its iCalendar text is the truth; the other columns are derived from it here
//! (the series master, or the first item when the object only holds overrides). For EAS items
//! the sync engine stores the iCalendar written from the kontor-calendar model
//! (`kontor_calendar::eas::from_eas`).
//!
//! Occurrences are materialised for a window per calendar (`calendar.window_start/end`) with
//! `kontor_calendar::Calendar::expand`, and kept current: every event written by a batch or a
//! local change is re-expanded in the same transaction. Floating and all-day times are placed
//! in the store's local zone ([`Store::set_local_zone`]).
//!
//! Local-change rule for events: while an event has a pending local change
//! (`local_state != 0`: 1 changed, 8 deleted), a server upsert of the same object is not
//! applied and its ETag not taken, so the queued PUT still carries the old ETag in If-Match
//! and the server answers 412 if someone else changed it: the conflict is then detected and
//! surfaced by the engine instead of silently overwriting either side. A server delete removes
//! the event even with a local change pending (the replay then fails visibly).
//!
//! Full listings ([`Store::apply_event_listing`]): a cached event the server's listing does not
//! name is removed, unless it has a pending local change or an unfinished outbox row (pending,
//! in flight or parked) names it — a local create not yet sent is in no listing, and the
//! outbox, not the listing, decides what becomes of it.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use kontor_calendar::tz::Resolver;
use kontor_calendar::{Calendar, DateOrTime, Zone};
use serde::Serialize;
use sqlx::SqliteConnection;

use super::outbox::CALENDAR_KINDS;
use super::{Store, quarantine::quarantine_in};
use crate::error::CoreError;

/// Bits of `event.local_state`.
pub mod local {
    pub const CHANGED: i64 = 1;
    pub const DELETED: i64 = 8;
}

/// A calendar object from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventUpsert {
    /// CalDAV href or EAS ServerId.
    pub remote_id: String,
    /// CalDAV ETag ('' for EAS).
    pub etag: String,
    /// iCalendar text.
    pub ical: String,
}

/// What an event batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventBatchOutcome {
    pub upserted: u32,
    pub deleted: u32,
    /// Server versions not applied because a local change is pending.
    pub kept_local: u32,
    /// Objects that could not be read, put into quarantine.
    pub quarantined: u32,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    pub id: i64,
    pub calendar_id: i64,
    pub uid: String,
    pub remote_id: String,
    pub etag: String,
    pub ical: String,
    pub summary: String,
    pub location: String,
    pub start_utc: i64,
    pub end_utc: i64,
    pub all_day: bool,
    pub tzid: String,
    pub is_recurring: bool,
    pub recurrence_id: i64,
    pub status: String,
    pub organizer: String,
    pub has_alarms: bool,
    pub local_state: i64,
}

/// An occurrence as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OccurrenceRow {
    pub event_id: i64,
    pub calendar_id: i64,
    pub uid: String,
    /// RECURRENCE-ID instant (Unix seconds): the key for per-occurrence state.
    pub instance: i64,
    pub start_utc: i64,
    pub end_utc: i64,
    pub all_day: bool,
    pub is_override: bool,
    pub summary: String,
    pub location: String,
    /// Alarm instants, Unix seconds, sorted.
    pub alarms: Vec<i64>,
}

/// The columns derived from an object's iCalendar text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Normalised {
    pub uid: String,
    pub summary: String,
    pub location: String,
    pub start_utc: i64,
    pub end_utc: i64,
    pub all_day: bool,
    pub tzid: String,
    pub is_recurring: bool,
    pub recurrence_id: i64,
    pub status: String,
    pub organizer: String,
    pub has_alarms: bool,
}

fn instant(d: &DateOrTime, resolver: &Resolver, zone: &Zone) -> DateTime<Utc> {
    match d {
        DateOrTime::Date(day) => zone.local_to_utc(day.and_time(NaiveTime::MIN)),
        DateOrTime::Floating(local) => zone.local_to_utc(*local),
        DateOrTime::Utc(t) => *t,
        DateOrTime::Zoned { local, tzid } => resolver
            .resolve(tzid)
            .unwrap_or_else(|| zone.clone())
            .local_to_utc(*local),
    }
}

/// The zone a value's wall-clock time is read in (UTC for a UTC value).
fn zone_of(d: &DateOrTime, resolver: &Resolver, zone: &Zone) -> Zone {
    match d {
        DateOrTime::Utc(_) => Zone::Utc,
        DateOrTime::Zoned { tzid, .. } => resolver.resolve(tzid).unwrap_or_else(|| zone.clone()),
        DateOrTime::Date(_) | DateOrTime::Floating(_) => zone.clone(),
    }
}

pub(crate) fn normalise(cal: &Calendar, zone: &Zone) -> Normalised {
    let Some(item) = cal
        .items
        .iter()
        .find(|i| i.recurrence_id.is_none())
        .or(cal.items.first())
    else {
        return Normalised::default();
    };
    let resolver = Resolver::from_vtimezones(&cal.timezones);
    let start = item.start.as_ref().or(item.due.as_ref());
    let start_utc = start.map(|s| instant(s, &resolver, zone));
    let end_utc = match (&item.end, item.duration, start) {
        (Some(e), _, _) => Some(instant(e, &resolver, zone)),
        // RFC 5545 §3.8.2.5: days and weeks of a DURATION are nominal (wall clock).
        (None, Some(d), Some(s)) => Some(d.after(&zone_of(s, &resolver, zone), s.naive())),
        (None, None, Some(_)) if item.is_all_day() => start_utc.map(|s| s + TimeDelta::days(1)),
        (None, _, _) => start_utc,
    };
    Normalised {
        uid: item.uid.clone(),
        summary: item.summary.clone().unwrap_or_default(),
        location: item.location.clone().unwrap_or_default(),
        start_utc: start_utc.map_or(0, |t| t.timestamp()),
        end_utc: end_utc.map_or(0, |t| t.timestamp()),
        all_day: item.is_all_day(),
        tzid: start
            .and_then(|s| s.tzid())
            .map(str::to_owned)
            .unwrap_or_default(),
        is_recurring: item.rrule.is_some() || !item.rdates.is_empty() || cal.items.len() > 1,
        recurrence_id: if item.recurrence_id.is_some()
            && cal.items.iter().all(|i| i.recurrence_id.is_some())
        {
            item.recurrence_id
                .as_ref()
                .map_or(0, |r| instant(r, &resolver, zone).timestamp())
        } else {
            0
        },
        status: item
            .status
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        organizer: item
            .organizer
            .as_ref()
            .map(|p| p.email.clone())
            .unwrap_or_default(),
        // RFC 9074 §7: an `ACTION:NONE` alarm never alerts.
        has_alarms: cal
            .items
            .iter()
            .any(|i| i.alarms.iter().any(kontor_calendar::Alarm::fires)),
    }
}

/// Writes an event's row (insert or update by remote id); returns its id.
async fn write_event(
    conn: &mut SqliteConnection,
    calendar_id: i64,
    remote_id: &str,
    etag: Option<&str>,
    ical: &str,
    n: &Normalised,
    set_local: i64,
) -> Result<i64, CoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO event (calendar_id, uid, remote_id, etag, ical, summary, location, start_utc,
            end_utc, all_day, tzid, is_recurring, recurrence_id, status, organizer, has_alarms,
            local_state)
         VALUES (?1, ?2, ?3, coalesce(?4, ''), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
            ?16, ?17)
         ON CONFLICT (calendar_id, remote_id) DO UPDATE
            SET uid = excluded.uid, etag = coalesce(?4, etag), ical = excluded.ical,
                summary = excluded.summary, location = excluded.location,
                start_utc = excluded.start_utc, end_utc = excluded.end_utc,
                all_day = excluded.all_day, tzid = excluded.tzid,
                is_recurring = excluded.is_recurring, recurrence_id = excluded.recurrence_id,
                status = excluded.status, organizer = excluded.organizer,
                has_alarms = excluded.has_alarms, local_state = local_state | ?17
         RETURNING id",
    )
    .bind(calendar_id)
    .bind(&n.uid)
    .bind(remote_id)
    .bind(etag)
    .bind(ical)
    .bind(&n.summary)
    .bind(&n.location)
    .bind(n.start_utc)
    .bind(n.end_utc)
    .bind(n.all_day)
    .bind(&n.tzid)
    .bind(n.is_recurring)
    .bind(n.recurrence_id)
    .bind(&n.status)
    .bind(&n.organizer)
    .bind(n.has_alarms)
    .bind(set_local)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub(crate) async fn delete_occurrences_of(
    conn: &mut SqliteConnection,
    event_id: i64,
) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM occurrence WHERE event_id = ?1")
        .bind(event_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Expands one object into `occurrence` for `[from, to)`; returns how many.
async fn insert_occurrences(
    conn: &mut SqliteConnection,
    event_id: i64,
    calendar_id: i64,
    cal: &Calendar,
    from: i64,
    to: i64,
    zone: &Zone,
) -> Result<u32, CoreError> {
    let (Some(from), Some(to)) = (
        DateTime::<Utc>::from_timestamp(from, 0),
        DateTime::<Utc>::from_timestamp(to, 0),
    ) else {
        return Err(CoreError::InvalidInput(format!(
            "occurrence window {from}..{to} is out of range"
        )));
    };
    let mut n = 0;
    for o in cal.expand(from, to, zone) {
        let location = cal
            .items
            .get(o.item)
            .and_then(|i| i.location.clone())
            .unwrap_or_default();
        let alarms: Vec<i64> = o.alarms.iter().map(|a| a.timestamp()).collect();
        sqlx::query(
            "INSERT INTO occurrence (event_id, calendar_id, uid, instance, start_utc, end_utc,
                all_day, is_override, summary, location, alarms_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(event_id)
        .bind(calendar_id)
        .bind(&o.uid)
        .bind(o.instance.timestamp())
        .bind(o.start.timestamp())
        .bind(o.end.timestamp())
        .bind(o.all_day)
        .bind(o.is_override)
        .bind(o.summary.as_deref().unwrap_or(""))
        .bind(location)
        .bind(serde_json::to_string(&alarms).unwrap_or_else(|_| "[]".to_owned()))
        .execute(&mut *conn)
        .await?;
        n += 1;
    }
    Ok(n)
}

/// Re-expands one event in its calendar's current window (nothing if no window yet).
async fn rematerialise(
    conn: &mut SqliteConnection,
    event_id: i64,
    calendar_id: i64,
    cal: &Calendar,
    zone: &Zone,
) -> Result<(), CoreError> {
    delete_occurrences_of(conn, event_id).await?;
    let (from, to): (i64, i64) =
        sqlx::query_as("SELECT window_start, window_end FROM calendar WHERE id = ?1")
            .bind(calendar_id)
            .fetch_one(&mut *conn)
            .await?;
    if to > from {
        insert_occurrences(conn, event_id, calendar_id, cal, from, to, zone).await?;
    }
    Ok(())
}

/// Writes a locally created or edited event (outbox) and re-expands it; returns its id.
pub(crate) async fn upsert_local_event(
    conn: &mut SqliteConnection,
    calendar_id: i64,
    remote_id: &str,
    ical: &str,
    zone: &Zone,
) -> Result<i64, CoreError> {
    let cal = Calendar::parse(ical)
        .map_err(|e| CoreError::InvalidInput(format!("the event cannot be read: {e}")))?;
    let n = normalise(&cal, zone);
    let id = write_event(conn, calendar_id, remote_id, None, ical, &n, local::CHANGED).await?;
    rematerialise(conn, id, calendar_id, &cal, zone).await?;
    Ok(id)
}

/// A conflict the server won, inside the caller's transaction: the local version of the event
/// (`local_remote_id`) leaves the cache and the server's version — (remote id, ETag,
/// iCalendar), when the server still has the item — takes its place as a synced event.
pub(crate) async fn take_server_version_in(
    conn: &mut SqliteConnection,
    zone: &Zone,
    calendar_id: i64,
    local_remote_id: &str,
    server: Option<(String, String, String)>,
) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM event WHERE calendar_id = ?1 AND remote_id = ?2")
        .bind(calendar_id)
        .bind(local_remote_id)
        .execute(&mut *conn)
        .await?;
    if let Some((remote_id, etag, ical)) = server {
        let id = upsert_local_event(&mut *conn, calendar_id, &remote_id, &ical, zone).await?;
        sqlx::query("UPDATE event SET local_state = 0, etag = ?2 WHERE id = ?1")
            .bind(id)
            .bind(etag)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `ical` with every item of UID `old_uid` renamed to `new_uid`; `None` when the text cannot
/// be read or holds no such item.
pub(crate) fn with_uid(ical: &str, old_uid: &str, new_uid: &str) -> Option<String> {
    let mut cal = Calendar::parse(ical).ok()?;
    let mut found = false;
    for it in cal.items.iter_mut().filter(|i| i.uid == old_uid) {
        it.uid = new_uid.to_owned();
        found = true;
    }
    found.then(|| cal.to_ics())
}

/// The server names the event `event_id` with another UID than the cache has (Z-Push gives an
/// item the client added a UID of its own): the row, its occurrences, the reminder
/// acknowledgements of its occurrences (user data keyed by UID and occurrence start) and the
/// unfinished outbox operations that name it take `new_uid`, in the caller's transaction. A
/// queued edit then goes out under the server's identity, and a dismissed reminder stays
/// dismissed. Returns false when there was nothing to change.
pub(crate) async fn adopt_server_uid_in(
    conn: &mut SqliteConnection,
    zone: &Zone,
    event_id: i64,
    new_uid: &str,
) -> Result<bool, CoreError> {
    let row: Option<(i64, String, String, String)> =
        sqlx::query_as("SELECT calendar_id, uid, remote_id, ical FROM event WHERE id = ?1")
            .bind(event_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((calendar_id, old_uid, remote_id, ical)) = row else {
        return Ok(false);
    };
    if new_uid.is_empty() || old_uid.is_empty() || old_uid == new_uid {
        return Ok(false);
    }
    let ical = with_uid(&ical, &old_uid, new_uid).unwrap_or(ical);
    sqlx::query("UPDATE event SET uid = ?2, ical = ?3 WHERE id = ?1")
        .bind(event_id)
        .bind(new_uid)
        .bind(&ical)
        .execute(&mut *conn)
        .await?;
    if let Ok(cal) = Calendar::parse(&ical) {
        rematerialise(&mut *conn, event_id, calendar_id, &cal, zone).await?;
    }
    let still_named: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM event WHERE uid = ?1 AND id != ?2)")
            .bind(&old_uid)
            .bind(event_id)
            .fetch_one(&mut *conn)
            .await?;
    super::reminder_state::rename_ack_uid_in(&mut *conn, &old_uid, new_uid, still_named).await?;
    let (calendar, url, user): (String, String, String) = sqlx::query_as(
        "SELECT c.remote_id, a.server_url, a.username
         FROM calendar c JOIN account a ON a.id = c.account_id WHERE c.id = ?1",
    )
    .bind(calendar_id)
    .fetch_one(&mut *conn)
    .await?;
    let placeholder = format!("local:{old_uid}");
    super::outbox::rename_event_uid_in(
        &mut *conn,
        (&url, &user),
        &calendar,
        &[&remote_id, &placeholder],
        &old_uid,
        new_uid,
    )
    .await?;
    tracing::info!(event_id, %old_uid, %new_uid, "the server gave the event another UID; adopted");
    Ok(true)
}

const EVENT_COLUMNS: &str = "id, calendar_id, uid, remote_id, etag, ical, summary, location, \
     start_utc, end_utc, all_day, tzid, is_recurring, recurrence_id, status, organizer, \
     has_alarms, local_state";

fn event_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<EventRow, sqlx::Error> {
    use sqlx::Row;
    Ok(EventRow {
        id: r.try_get("id")?,
        calendar_id: r.try_get("calendar_id")?,
        uid: r.try_get("uid")?,
        remote_id: r.try_get("remote_id")?,
        etag: r.try_get("etag")?,
        ical: r.try_get("ical")?,
        summary: r.try_get("summary")?,
        location: r.try_get("location")?,
        start_utc: r.try_get("start_utc")?,
        end_utc: r.try_get("end_utc")?,
        all_day: r.try_get("all_day")?,
        tzid: r.try_get("tzid")?,
        is_recurring: r.try_get("is_recurring")?,
        recurrence_id: r.try_get("recurrence_id")?,
        status: r.try_get("status")?,
        organizer: r.try_get("organizer")?,
        has_alarms: r.try_get("has_alarms")?,
        local_state: r.try_get("local_state")?,
    })
}

impl Store {
    /// The calendar id and remote id of the event row `event_id`, if there is one.
    pub async fn event_key(&self, event_id: i64) -> Result<Option<(i64, String)>, CoreError> {
        let sql = "SELECT calendar_id, remote_id FROM event WHERE id = ?1";
        Ok(sqlx::query_as(sql)
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Applies one sync answer for a calendar: the new sync token (EAS SyncKey or CalDAV
    /// sync token) and every object it covers, in one transaction. Upserts go by remote id and
    /// keep the server's ETag; objects that cannot be read are quarantined (same transaction)
    /// instead of failing the batch. Honours the local-change rule (module docs).
    pub async fn apply_event_batch(
        &self,
        calendar_id: i64,
        new_token: &str,
        upserts: &[EventUpsert],
        deletes: &[String],
    ) -> Result<EventBatchOutcome, CoreError> {
        let zone = self.local_zone();
        let mut tx = self.begin_write().await?;
        let out =
            apply_event_batch_in(&mut tx, &zone, calendar_id, new_token, upserts, deletes).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Applies a full listing of a calendar (RFC 6578 §3.8 initial sync-collection, or a
    /// Depth-1 PROPFIND): the new token (`''` for none), the fetched `upserts` and the removal
    /// of every cached event whose remote id `listed` (all members the server has) does not
    /// name — except events with a pending local change (module docs) — and the time of the
    /// listing (`calendar.full_sync_at` = `now`), in one transaction. `deleted` counts the
    /// removed events, `kept_local` also the unlisted events kept for their local change.
    pub async fn apply_event_listing(
        &self,
        calendar_id: i64,
        new_token: &str,
        upserts: &[EventUpsert],
        listed: &BTreeSet<String>,
        now: i64,
    ) -> Result<EventBatchOutcome, CoreError> {
        let zone = self.local_zone();
        let mut tx = self.begin_write().await?;
        let mut out =
            apply_event_batch_in(&mut tx, &zone, calendar_id, new_token, upserts, &[]).await?;
        // (remote id, kept) of every cached event; kept = a local change is pending.
        let cached: Vec<(String, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT e.remote_id, e.local_state <> 0 OR EXISTS (
                 SELECT 1 FROM outbox o
                 WHERE o.account_url = a.server_url AND o.account_user = a.username
                   AND o.folder_id = c.remote_id AND o.item_id = e.remote_id
                   AND o.state <> 'done' AND o.kind IN {CALENDAR_KINDS})
             FROM event e JOIN calendar c ON c.id = e.calendar_id
                  JOIN account a ON a.id = c.account_id
             WHERE e.calendar_id = ?1"
        )))
        .bind(calendar_id)
        .fetch_all(&mut *tx)
        .await?;
        for (remote_id, kept) in cached {
            if listed.contains(&remote_id) {
                continue;
            }
            if kept {
                out.kept_local += 1;
                continue;
            }
            let done = sqlx::query("DELETE FROM event WHERE calendar_id = ?1 AND remote_id = ?2")
                .bind(calendar_id)
                .bind(&remote_id)
                .execute(&mut *tx)
                .await?;
            out.deleted += u32::try_from(done.rows_affected()).unwrap_or(u32::MAX);
        }
        sqlx::query("UPDATE calendar SET full_sync_at = ?2 WHERE id = ?1")
            .bind(calendar_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Remote ids and ETags of a calendar's events (for comparing with a CalDAV listing).
    pub async fn event_etags(&self, calendar_id: i64) -> Result<Vec<(String, String)>, CoreError> {
        Ok(sqlx::query_as(
            "SELECT remote_id, etag FROM event WHERE calendar_id = ?1 ORDER BY remote_id",
        )
        .bind(calendar_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The events of a calendar, by start.
    pub async fn events(&self, calendar_id: i64) -> Result<Vec<EventRow>, CoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM event WHERE calendar_id = ?1 ORDER BY start_utc, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(calendar_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(event_from_row).collect::<Result<_, _>>()?)
    }

    /// One event by calendar and remote id.
    pub async fn event_by_remote_id(
        &self,
        calendar_id: i64,
        remote_id: &str,
    ) -> Result<Option<EventRow>, CoreError> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM event WHERE calendar_id = ?1 AND remote_id = ?2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(calendar_id)
            .bind(remote_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(event_from_row).transpose()?)
    }

    /// Materialises the occurrences of one calendar (or all) for `[from, to)`: the window is
    /// remembered per calendar, the old occurrences replaced, in one transaction. Events that
    /// are deleted locally are left out; objects that no longer parse are skipped (they were
    /// readable when stored, so this only happens after a change of the calendar library).
    /// Returns the number of occurrences written.
    pub async fn materialise_occurrences(
        &self,
        calendar_id: Option<i64>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u32, CoreError> {
        if to <= from {
            return Err(CoreError::InvalidInput(format!(
                "the occurrence window ends before it starts ({from} .. {to})"
            )));
        }
        let zone = self.local_zone();
        let mut tx = self.begin_write().await?;
        let calendars: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM calendar WHERE ?1 IS NULL OR id = ?1 ORDER BY id")
                .bind(calendar_id)
                .fetch_all(&mut *tx)
                .await?;
        let mut total = 0;
        for cal_id in calendars {
            sqlx::query("UPDATE calendar SET window_start = ?2, window_end = ?3 WHERE id = ?1")
                .bind(cal_id)
                .bind(from.timestamp())
                .bind(to.timestamp())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM occurrence WHERE calendar_id = ?1")
                .bind(cal_id)
                .execute(&mut *tx)
                .await?;
            let events: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, ical FROM event WHERE calendar_id = ?1 AND (local_state & 8) = 0",
            )
            .bind(cal_id)
            .fetch_all(&mut *tx)
            .await?;
            for (event_id, ical) in events {
                match Calendar::parse(&ical) {
                    Ok(cal) => {
                        total += insert_occurrences(
                            &mut tx,
                            event_id,
                            cal_id,
                            &cal,
                            from.timestamp(),
                            to.timestamp(),
                            &zone,
                        )
                        .await?;
                    }
                    Err(e) => tracing::warn!(event_id, error = %e, "stored event cannot be read"),
                }
            }
        }
        tx.commit().await?;
        Ok(total)
    }

    /// The meetings among the events `ids` (they name an organizer): (id, uid, iCalendar text).
    pub async fn meetings_among(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(i64, String, String)>, CoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let json = serde_json::to_string(ids)
            .map_err(|e| CoreError::InvalidInput(format!("event ids: {e}")))?;
        Ok(sqlx::query_as(
            "SELECT id, uid, ical FROM event
             WHERE id IN (SELECT value FROM json_each(?1)) AND organizer <> ''",
        )
        .bind(json)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Occurrences overlapping `[from, to)`, by start (then end, uid). Only what the last
    /// materialised windows cover.
    pub async fn occurrences_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OccurrenceRow>, CoreError> {
        type Tuple = (
            i64,
            i64,
            String,
            i64,
            i64,
            i64,
            bool,
            bool,
            String,
            String,
            String,
        );
        let rows: Vec<Tuple> = sqlx::query_as(
            "SELECT event_id, calendar_id, uid, instance, start_utc, end_utc, all_day,
                is_override, summary, location, alarms_json
             FROM occurrence WHERE start_utc < ?2 AND (end_utc > ?1 OR start_utc >= ?1)
             ORDER BY start_utc, end_utc, uid",
        )
        .bind(from.timestamp())
        .bind(to.timestamp())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|t| {
                Ok(OccurrenceRow {
                    event_id: t.0,
                    calendar_id: t.1,
                    uid: t.2,
                    instance: t.3,
                    start_utc: t.4,
                    end_utc: t.5,
                    all_day: t.6,
                    is_override: t.7,
                    summary: t.8,
                    location: t.9,
                    alarms: serde_json::from_str(&t.10).map_err(|e| {
                        CoreError::InvalidInput(format!("stored alarm list is not valid: {e}"))
                    })?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Occurrences of `calendar_ids` overlapping `[from, to)`, expanded now from the stored
    /// iCalendar text and not kept: for a range outside the materialised window (the calendar
    /// view paging back to last month). Non-recurring events outside the range are not read;
    /// locally deleted ones are left out. By start (then end, uid), as
    /// [`Store::occurrences_between`].
    pub async fn expand_between(
        &self,
        calendar_ids: &[i64],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OccurrenceRow>, CoreError> {
        let zone = self.local_zone();
        let mut out = Vec::new();
        for &cal_id in calendar_ids {
            let events: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, ical FROM event WHERE calendar_id = ?1 AND (local_state & 8) = 0
                   AND (is_recurring = 1 OR recurrence_id != 0
                        OR (start_utc < ?3 AND (end_utc > ?2 OR start_utc >= ?2)))",
            )
            .bind(cal_id)
            .bind(from.timestamp())
            .bind(to.timestamp())
            .fetch_all(&self.pool)
            .await?;
            for (event_id, ical) in events {
                let cal = match Calendar::parse(&ical) {
                    Ok(cal) => cal,
                    Err(e) => {
                        tracing::warn!(event_id, error = %e, "stored event cannot be read");
                        continue;
                    }
                };
                for o in cal.expand(from, to, &zone) {
                    let location = cal
                        .items
                        .get(o.item)
                        .and_then(|i| i.location.clone())
                        .unwrap_or_default();
                    out.push(OccurrenceRow {
                        event_id,
                        calendar_id: cal_id,
                        uid: o.uid.clone(),
                        instance: o.instance.timestamp(),
                        start_utc: o.start.timestamp(),
                        end_utc: o.end.timestamp(),
                        all_day: o.all_day,
                        is_override: o.is_override,
                        summary: o.summary.clone().unwrap_or_default(),
                        location,
                        alarms: o.alarms.iter().map(|a| a.timestamp()).collect(),
                    });
                }
            }
        }
        out.sort_by(|a, b| (a.start_utc, a.end_utc, &a.uid).cmp(&(b.start_utc, b.end_utc, &b.uid)));
        Ok(out)
    }
}

/// [`Store::apply_event_batch`] inside the caller's transaction (the EAS calendar replay
/// stores a command's answer and settles the operation together).
pub(crate) async fn apply_event_batch_in(
    tx: &mut SqliteConnection,
    zone: &Zone,
    calendar_id: i64,
    new_token: &str,
    upserts: &[EventUpsert],
    deletes: &[String],
) -> Result<EventBatchOutcome, CoreError> {
    let (account_id, calendar_remote, source): (i64, String, String) =
        sqlx::query_as("SELECT account_id, remote_id, source FROM calendar WHERE id = ?1")
            .bind(calendar_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no calendar {calendar_id}")))?;
    let mut out = EventBatchOutcome::default();
    for up in upserts {
        let cached: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT id, local_state, uid FROM event WHERE calendar_id = ?1 AND remote_id = ?2",
        )
        .bind(calendar_id)
        .bind(&up.remote_id)
        .fetch_optional(&mut *tx)
        .await?;
        let parsed = Calendar::parse(&up.ical);
        // On ActiveSync the ServerId names the item; the UID is whatever the server says it
        // is. Z-Push gives an item the client added a UID of its own: the cached row and what
        // hangs on its UID follow, also while a local change is pending.
        if source == "eas"
            && let (Some((id, _, uid)), Ok(cal)) = (&cached, &parsed)
        {
            let server_uid = normalise(cal, zone).uid;
            if !server_uid.is_empty() && server_uid != *uid {
                adopt_server_uid_in(&mut *tx, zone, *id, &server_uid).await?;
            }
        }
        if cached.is_some_and(|(_, local, _)| local != 0) {
            out.kept_local += 1;
            continue;
        }
        let cal = match parsed {
            Ok(cal) if !cal.items.is_empty() => cal,
            Ok(_) => {
                quarantine_in(
                    &mut *tx,
                    account_id,
                    &calendar_remote,
                    &up.remote_id,
                    "the calendar object holds no event or task",
                    up.ical.as_bytes(),
                )
                .await?;
                out.quarantined += 1;
                continue;
            }
            Err(e) => {
                quarantine_in(
                    &mut *tx,
                    account_id,
                    &calendar_remote,
                    &up.remote_id,
                    &e.to_string(),
                    up.ical.as_bytes(),
                )
                .await?;
                out.quarantined += 1;
                continue;
            }
        };
        let n = normalise(&cal, zone);
        let id = write_event(
            &mut *tx,
            calendar_id,
            &up.remote_id,
            Some(&up.etag),
            &up.ical,
            &n,
            0,
        )
        .await?;
        rematerialise(&mut *tx, id, calendar_id, &cal, zone).await?;
        out.upserted += 1;
    }
    for remote_id in deletes {
        let done = sqlx::query("DELETE FROM event WHERE calendar_id = ?1 AND remote_id = ?2")
            .bind(calendar_id)
            .bind(remote_id)
            .execute(&mut *tx)
            .await?;
        out.deleted += u32::try_from(done.rows_affected()).unwrap_or(u32::MAX);
    }
    sqlx::query("UPDATE calendar SET sync_token = ?2 WHERE id = ?1")
        .bind(calendar_id)
        .bind(new_token)
        .execute(&mut *tx)
        .await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(body: &str) -> Calendar {
        Calendar::parse(&format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:n1\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
        ))
        .unwrap()
    }

    #[test]
    fn a_duration_in_days_keeps_the_wall_clock_end_across_dst() {
        // RFC 5545 §3.8.2.5: 12:00 CET + P1D = 12:00 CEST the next day, 23 hours later.
        let zone = Zone::Iana(chrono_tz::Europe::Berlin);
        let n = normalise(
            &cal("DTSTART;TZID=Europe/Berlin:20260328T120000\r\nDURATION:P1D\r\n"),
            &zone,
        );
        assert_eq!(n.end_utc - n.start_utc, 23 * 3600);
        // Hours stay exact.
        let n = normalise(
            &cal("DTSTART;TZID=Europe/Berlin:20260328T120000\r\nDURATION:PT24H\r\n"),
            &zone,
        );
        assert_eq!(n.end_utc - n.start_utc, 24 * 3600);
    }

    #[test]
    fn an_action_none_alarm_is_no_alarm() {
        // RFC 9074 §7.
        let zone = Zone::Iana(chrono_tz::Europe::Berlin);
        let n = normalise(
            &cal(
                "DTSTART:20260328T120000Z\r\nBEGIN:VALARM\r\nACTION:NONE\r\n\
                 TRIGGER;VALUE=DATE-TIME:19760401T005545Z\r\nEND:VALARM\r\n",
            ),
            &zone,
        );
        assert!(!n.has_alarms);
    }
}
