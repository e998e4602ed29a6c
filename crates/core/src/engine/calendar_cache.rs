//! The calendar engine's reads and writes of the cache tables `calendar`, `event` and
//! `occurrence` (migrations/0002_cache.sql).
//!
//! Every write that advances a calendar's sync state (EAS SyncKey, CalDAV sync token, ctag)
//! also writes the events it covers and re-materialises their occurrences, in one transaction
//! ([`apply_batch`]). Rows with a pending local change (`event.local_state` ≠ 0) are never
//! overwritten or removed by a server batch: the outbox owns them until the change has been
//! replayed (or turned into a conflict, see `calendar_outbox`).

use chrono::{DateTime, TimeDelta, Utc};
use kontor_calendar::tz::Resolver;
use kontor_calendar::{Calendar, DateOrTime, Status, Zone};
use serde::Serialize;
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

use crate::error::CoreError;

/// `event.local_state`: what the outbox holds for the row.
pub mod local_state {
    /// Mirrors the server.
    pub const SYNCED: i64 = 0;
    /// Created here, not yet on the server.
    pub const CREATED: i64 = 1;
    /// Changed here, the change not yet on the server.
    pub const UPDATED: i64 = 2;
    /// Deleted here (hidden), the delete not yet on the server.
    pub const DELETED: i64 = 3;
}

/// Where a calendar comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An ActiveSync Calendar folder (FolderSync type 8 or 13).
    Eas,
    /// A CalDAV calendar collection.
    Caldav,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Eas => "eas",
            Source::Caldav => "caldav",
        }
    }

    fn parse(s: &str) -> Source {
        if s == "eas" {
            Source::Eas
        } else {
            Source::Caldav
        }
    }
}

/// A calendar row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarRow {
    pub id: i64,
    pub account_id: i64,
    pub source: Source,
    /// EAS folder ServerId or CalDAV collection URL.
    pub remote_id: String,
    pub display_name: String,
    pub color: String,
    pub owner: String,
    /// Someone else's calendar (reminders off by default).
    pub shared: bool,
    /// Never written to.
    pub read_only: bool,
    #[serde(skip)]
    pub ctag: String,
    #[serde(skip)]
    pub sync_token: String,
}

/// What a calendar listing says about one calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarMeta {
    pub source: Source,
    pub remote_id: String,
    pub display_name: String,
    pub color: String,
    pub owner: String,
    pub shared: bool,
    pub read_only: bool,
}

/// One calendar object to store: a CalDAV resource or an EAS item as iCalendar.
#[derive(Debug, Clone, PartialEq)]
pub struct EventUpsert {
    /// CalDAV resource URL or EAS ServerId.
    pub remote_id: String,
    pub etag: String,
    pub ical: String,
}

/// One batch from the server for one calendar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub upserts: Vec<EventUpsert>,
    /// Remote ids the server no longer has.
    pub deletes: Vec<String>,
    /// The new SyncKey / sync token (`None`: unchanged).
    pub sync_token: Option<String>,
    /// The new ctag (`None`: unchanged).
    pub ctag: Option<String>,
    /// Drop every synced event not in `upserts` first (a full re-enumeration).
    pub replace_all: bool,
}

/// An occurrence as the UI and the reminder service read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OccurrenceRow {
    pub event_id: i64,
    pub calendar_id: i64,
    pub uid: String,
    /// The instance's original start (RECURRENCE-ID), the key for snooze/dismiss.
    pub instance: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub all_day: bool,
    pub is_override: bool,
    pub summary: String,
    pub location: String,
    /// Alarm instants of this occurrence.
    pub alarms: Vec<DateTime<Utc>>,
}

/// An event row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: i64,
    pub calendar_id: i64,
    pub uid: String,
    pub remote_id: String,
    pub etag: String,
    pub ical: String,
    pub local_state: i64,
}

/// The occurrence window: a week back, 90 days ahead.
pub fn window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - TimeDelta::days(7), now + TimeDelta::days(90))
}

fn instant(resolver: &Resolver, zone: &Zone, d: &DateOrTime) -> DateTime<Utc> {
    match d {
        DateOrTime::Utc(u) => *u,
        DateOrTime::Zoned { tzid, local } => resolver
            .resolve(tzid)
            .unwrap_or_else(|| zone.clone())
            .local_to_utc(*local),
        other => zone.local_to_utc(other.naive()),
    }
}

/// Columns derived from the iCalendar text (the series master, or the first item).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalised {
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

/// Reads the normalised columns of a parsed object.
pub fn normalise(cal: &Calendar, zone: &Zone) -> Option<Normalised> {
    let it = cal
        .items
        .iter()
        .find(|i| i.recurrence_id.is_none())
        .or_else(|| cal.items.first())?;
    let resolver = Resolver::from_vtimezones(&cal.timezones);
    let start = it.start.as_ref().or(it.due.as_ref());
    let start_utc = start.map(|s| instant(&resolver, zone, s));
    let end_utc = match (&it.end, it.duration, start_utc) {
        (Some(e), _, _) => Some(instant(&resolver, zone, e)),
        (None, Some(d), Some(s)) => Some(s + d),
        (None, None, Some(s)) if it.is_all_day() => Some(s + TimeDelta::days(1)),
        (_, _, s) => s,
    };
    Some(Normalised {
        uid: it.uid.clone(),
        summary: it.summary.clone().unwrap_or_default(),
        location: it.location.clone().unwrap_or_default(),
        start_utc: start_utc.map(|t| t.timestamp()).unwrap_or(0),
        end_utc: end_utc.map(|t| t.timestamp()).unwrap_or(0),
        all_day: it.is_all_day(),
        tzid: start.and_then(|s| s.tzid()).unwrap_or_default().to_string(),
        is_recurring: it.rrule.is_some() || !it.rdates.is_empty(),
        recurrence_id: it
            .recurrence_id
            .as_ref()
            .map(|r| instant(&resolver, zone, r).timestamp())
            .unwrap_or(0),
        status: it
            .status
            .as_ref()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        organizer: it
            .organizer
            .as_ref()
            .map(|o| o.email.clone())
            .unwrap_or_default(),
        has_alarms: cal.items.iter().any(|i| !i.alarms.is_empty()),
    })
}

fn calendar_row(r: &sqlx::sqlite::SqliteRow) -> CalendarRow {
    CalendarRow {
        id: r.get("id"),
        account_id: r.get("account_id"),
        source: Source::parse(r.get::<&str, _>("source")),
        remote_id: r.get("remote_id"),
        display_name: r.get("display_name"),
        color: r.get("color"),
        owner: r.get("owner"),
        shared: r.get::<i64, _>("shared") != 0,
        read_only: r.get::<i64, _>("read_only") != 0,
        ctag: r.get("ctag"),
        sync_token: r.get("sync_token"),
    }
}

macro_rules! calendar_cols {
    () => {
        "id, account_id, source, remote_id, display_name, color, owner, shared, read_only, ctag, sync_token"
    };
}

/// Inserts or updates a calendar from a listing; returns its id. Sync state is kept.
pub async fn upsert_calendar(
    pool: &SqlitePool,
    account_id: i64,
    m: &CalendarMeta,
) -> Result<i64, CoreError> {
    let id = sqlx::query_scalar(
        "INSERT INTO calendar (account_id, source, remote_id, display_name, color, owner, shared, read_only)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (account_id, source, remote_id) DO UPDATE SET
            display_name = excluded.display_name, color = excluded.color, owner = excluded.owner,
            shared = excluded.shared, read_only = excluded.read_only
         RETURNING id",
    )
    .bind(account_id)
    .bind(m.source.as_str())
    .bind(&m.remote_id)
    .bind(&m.display_name)
    .bind(&m.color)
    .bind(&m.owner)
    .bind(i64::from(m.shared))
    .bind(i64::from(m.read_only))
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Removes a calendar and everything cached for it.
pub async fn delete_calendar(pool: &SqlitePool, id: i64) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM calendar WHERE id = ?1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Calendars of one account, or of every account.
pub async fn calendars(
    pool: &SqlitePool,
    account_id: Option<i64>,
) -> Result<Vec<CalendarRow>, CoreError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        calendar_cols!(),
        " FROM calendar WHERE ?1 IS NULL OR account_id = ?1 ORDER BY source, display_name, id"
    ))
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(calendar_row).collect())
}

/// One calendar.
pub async fn calendar(pool: &SqlitePool, id: i64) -> Result<Option<CalendarRow>, CoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        calendar_cols!(),
        " FROM calendar WHERE id = ?1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.as_ref().map(calendar_row))
}

/// remote_id → ETag of the synced events of a calendar.
pub async fn known_etags(
    pool: &SqlitePool,
    calendar_id: i64,
) -> Result<std::collections::BTreeMap<String, String>, CoreError> {
    let rows = sqlx::query("SELECT remote_id, etag FROM event WHERE calendar_id = ?1")
        .bind(calendar_id)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect())
}

fn event_row(r: &sqlx::sqlite::SqliteRow) -> EventRow {
    EventRow {
        id: r.get("id"),
        calendar_id: r.get("calendar_id"),
        uid: r.get("uid"),
        remote_id: r.get("remote_id"),
        etag: r.get("etag"),
        ical: r.get("ical"),
        local_state: r.get("local_state"),
    }
}

/// One event by id.
pub async fn event(pool: &SqlitePool, id: i64) -> Result<Option<EventRow>, CoreError> {
    let row = sqlx::query(
        "SELECT id, calendar_id, uid, remote_id, etag, ical, local_state FROM event WHERE id = ?1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.as_ref().map(event_row))
}

/// One event by calendar and UID.
pub async fn event_by_uid(
    pool: &SqlitePool,
    calendar_id: i64,
    uid: &str,
) -> Result<Option<EventRow>, CoreError> {
    let row = sqlx::query(
        "SELECT id, calendar_id, uid, remote_id, etag, ical, local_state FROM event
         WHERE calendar_id = ?1 AND uid = ?2 ORDER BY id LIMIT 1",
    )
    .bind(calendar_id)
    .bind(uid)
    .fetch_optional(pool)
    .await?;
    Ok(row.as_ref().map(event_row))
}

/// Writes (or replaces) one event row inside `tx` and re-materialises its occurrences.
/// Returns the row id.
pub async fn put_event(
    tx: &mut Transaction<'_, Sqlite>,
    calendar_id: i64,
    e: &EventUpsert,
    local: i64,
    zone: &Zone,
    win: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Option<i64>, CoreError> {
    let cal = match Calendar::parse(&e.ical) {
        Ok(c) => c,
        Err(err) => {
            tracing::warn!(remote_id = %e.remote_id, %err, "unreadable calendar object; not stored");
            return Ok(None);
        }
    };
    let Some(n) = normalise(&cal, zone) else {
        tracing::warn!(remote_id = %e.remote_id, "calendar object without events; not stored");
        return Ok(None);
    };
    // A row with a pending local change stays as it is (unless this write is that change).
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO event (calendar_id, uid, remote_id, etag, ical, summary, location, start_utc,
                            end_utc, all_day, tzid, is_recurring, recurrence_id, status, organizer,
                            has_alarms, local_state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (calendar_id, remote_id) DO UPDATE SET
            uid = excluded.uid, etag = excluded.etag, ical = excluded.ical,
            summary = excluded.summary, location = excluded.location,
            start_utc = excluded.start_utc, end_utc = excluded.end_utc,
            all_day = excluded.all_day, tzid = excluded.tzid,
            is_recurring = excluded.is_recurring, recurrence_id = excluded.recurrence_id,
            status = excluded.status, organizer = excluded.organizer,
            has_alarms = excluded.has_alarms, local_state = excluded.local_state
         WHERE event.local_state = 0 OR excluded.local_state <> 0
         RETURNING id",
    )
    .bind(calendar_id)
    .bind(&n.uid)
    .bind(&e.remote_id)
    .bind(&e.etag)
    .bind(&e.ical)
    .bind(&n.summary)
    .bind(&n.location)
    .bind(n.start_utc)
    .bind(n.end_utc)
    .bind(i64::from(n.all_day))
    .bind(&n.tzid)
    .bind(i64::from(n.is_recurring))
    .bind(n.recurrence_id)
    .bind(&n.status)
    .bind(&n.organizer)
    .bind(i64::from(n.has_alarms))
    .bind(local)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = id {
        materialise_one(tx, id, calendar_id, &cal, zone, win).await?;
    }
    Ok(id)
}

/// Replaces the occurrences of one event with those in `win`.
async fn materialise_one(
    tx: &mut Transaction<'_, Sqlite>,
    event_id: i64,
    calendar_id: i64,
    cal: &Calendar,
    zone: &Zone,
    win: (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), CoreError> {
    sqlx::query("DELETE FROM occurrence WHERE event_id = ?1")
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    for o in cal.expand(win.0, win.1, zone) {
        let item = &cal.items[o.item];
        if item.status == Some(Status::Cancelled) && o.is_override {
            continue;
        }
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
        .bind(i64::from(o.all_day))
        .bind(i64::from(o.is_override))
        .bind(o.summary.clone().unwrap_or_default())
        .bind(item.location.clone().unwrap_or_default())
        .bind(serde_json::to_string(&alarms).unwrap_or_else(|_| "[]".into()))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Applies one server batch with its sync state, in one transaction. Returns how many rows
/// changed (upserted + deleted).
pub async fn apply_batch(
    pool: &SqlitePool,
    calendar_id: i64,
    batch: &Batch,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<usize, CoreError> {
    let mut tx = pool.begin().await?;
    let changed = apply_batch_in(&mut tx, calendar_id, batch, zone, now).await?;
    tx.commit().await?;
    Ok(changed)
}

/// [`apply_batch`] inside the caller's transaction.
pub async fn apply_batch_in(
    tx: &mut Transaction<'_, Sqlite>,
    calendar_id: i64,
    batch: &Batch,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<usize, CoreError> {
    let win = window(now);
    let mut changed = 0usize;
    if batch.replace_all {
        let keep: std::collections::HashSet<&str> =
            batch.upserts.iter().map(|u| u.remote_id.as_str()).collect();
        let existing: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, remote_id FROM event WHERE calendar_id = ?1 AND local_state = 0",
        )
        .bind(calendar_id)
        .fetch_all(&mut **tx)
        .await?;
        for (id, rid) in existing {
            if !keep.contains(rid.as_str()) {
                sqlx::query("DELETE FROM event WHERE id = ?1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                changed += 1;
            }
        }
    }
    for rid in &batch.deletes {
        changed += sqlx::query(
            "DELETE FROM event WHERE calendar_id = ?1 AND remote_id = ?2 AND local_state = 0",
        )
        .bind(calendar_id)
        .bind(rid)
        .execute(&mut **tx)
        .await?
        .rows_affected() as usize;
    }
    for u in &batch.upserts {
        if put_event(tx, calendar_id, u, local_state::SYNCED, zone, win)
            .await?
            .is_some()
        {
            changed += 1;
        }
    }
    if let Some(t) = &batch.sync_token {
        sqlx::query("UPDATE calendar SET sync_token = ?2 WHERE id = ?1")
            .bind(calendar_id)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    if let Some(c) = &batch.ctag {
        sqlx::query("UPDATE calendar SET ctag = ?2 WHERE id = ?1")
            .bind(calendar_id)
            .bind(c)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "UPDATE calendar SET window_start = ?2, window_end = ?3 WHERE id = ?1 AND window_start = 0",
    )
    .bind(calendar_id)
    .bind(win.0.timestamp())
    .bind(win.1.timestamp())
    .execute(&mut **tx)
    .await?;
    Ok(changed)
}

/// Forgets a calendar's sync state and its synced events (pending local changes stay): what an
/// invalid SyncKey or sync token leads to.
pub async fn reset_calendar(pool: &SqlitePool, calendar_id: i64) -> Result<(), CoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM event WHERE calendar_id = ?1 AND local_state = 0")
        .bind(calendar_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE calendar SET sync_token = '', ctag = '' WHERE id = ?1")
        .bind(calendar_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Re-materialises every calendar whose window is not the one for `now` (the window moves
/// with the day). Returns the number of calendars redone.
pub async fn rematerialise_if_moved(
    pool: &SqlitePool,
    zone: &Zone,
    now: DateTime<Utc>,
) -> Result<usize, CoreError> {
    let win = window(now);
    // Re-expanding once a day is enough: an occurrence window of 97 days moved by < 1 day.
    let stale: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM calendar WHERE window_start = 0 OR ABS(window_start - ?1) >= 86400",
    )
    .bind(win.0.timestamp())
    .fetch_all(pool)
    .await?;
    for cal_id in &stale {
        let mut tx = pool.begin().await?;
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, ical FROM event WHERE calendar_id = ?1 AND local_state <> 3",
        )
        .bind(cal_id)
        .fetch_all(&mut *tx)
        .await?;
        for (id, ical) in rows {
            if let Ok(cal) = Calendar::parse(&ical) {
                materialise_one(&mut tx, id, *cal_id, &cal, zone, win).await?;
            }
        }
        sqlx::query("UPDATE calendar SET window_start = ?2, window_end = ?3 WHERE id = ?1")
            .bind(cal_id)
            .bind(win.0.timestamp())
            .bind(win.1.timestamp())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(stale.len())
}

fn ts(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

/// Occurrences overlapping `[from, to)`, by start. Locally deleted events are left out.
pub async fn occurrences_between(
    pool: &SqlitePool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<OccurrenceRow>, CoreError> {
    let rows = sqlx::query(
        "SELECT o.event_id, o.calendar_id, o.uid, o.instance, o.start_utc, o.end_utc, o.all_day,
                o.is_override, o.summary, o.location, o.alarms_json
         FROM occurrence o JOIN event e ON e.id = o.event_id
         WHERE o.start_utc < ?2 AND (o.end_utc > ?1 OR (o.end_utc = o.start_utc AND o.start_utc >= ?1))
           AND e.local_state <> 3
         ORDER BY o.start_utc, o.id",
    )
    .bind(from.timestamp())
    .bind(to.timestamp())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let alarms: Vec<i64> =
                serde_json::from_str(r.get::<&str, _>("alarms_json")).unwrap_or_default();
            OccurrenceRow {
                event_id: r.get("event_id"),
                calendar_id: r.get("calendar_id"),
                uid: r.get("uid"),
                instance: ts(r.get("instance")),
                start: ts(r.get("start_utc")),
                end: ts(r.get("end_utc")),
                all_day: r.get::<i64, _>("all_day") != 0,
                is_override: r.get::<i64, _>("is_override") != 0,
                summary: r.get("summary"),
                location: r.get("location"),
                alarms: alarms.into_iter().map(ts).collect(),
            }
        })
        .collect())
}
