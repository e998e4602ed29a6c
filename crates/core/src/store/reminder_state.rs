//! The reminder service's user data: dismissed and snoozed occurrences (`reminder_ack`), the
//! scheduler's marks (`reminder_meta`) and the per-calendar "remind me" switch
//! (`reminder_calendar`), `migrations/0003_reminders.sql`. Times are RFC 3339 text, empty for
//! none; `reminders.rs` turns them into times.

use super::Store;
use crate::error::CoreError;

/// A dismissed or snoozed occurrence as stored; `snooze_until` is empty for a dismissal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderAckRow {
    pub uid: String,
    /// The occurrence's start (with `uid`, the key).
    pub instance: String,
    pub start: String,
    pub through: String,
    pub alarm_at: String,
    pub snooze_until: String,
}

/// A calendar's "remind me" switch as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderCalendarRow {
    /// The calendar's remote id.
    pub calendar_id: String,
    pub remind: bool,
    /// When reminders were last switched on; empty when never.
    pub enabled_since: String,
}

impl Store {
    /// Every dismissed or snoozed occurrence, by uid and occurrence start.
    pub async fn reminder_acks(&self) -> Result<Vec<ReminderAckRow>, CoreError> {
        let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT uid, instance, start, through, alarm_at, snooze_until FROM reminder_ack
             ORDER BY uid, instance",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(uid, instance, start, through, alarm_at, snooze_until)| ReminderAckRow {
                    uid,
                    instance,
                    start,
                    through,
                    alarm_at,
                    snooze_until,
                },
            )
            .collect())
    }

    /// The scheduler's marks (`since`, `last_seen`) as (key, value) pairs.
    pub async fn reminder_meta(&self) -> Result<Vec<(String, String)>, CoreError> {
        Ok(sqlx::query_as("SELECT key, value FROM reminder_meta")
            .fetch_all(&self.pool)
            .await?)
    }

    /// Writes a change of the reminder state in one transaction: the acks removed (by uid and
    /// occurrence start), the acks added or changed, then the scheduler's marks.
    pub async fn save_reminder_state(
        &self,
        removed: &[(String, String)],
        upserted: &[ReminderAckRow],
        meta: &[(&str, String)],
    ) -> Result<(), CoreError> {
        let mut tx = self.begin_write().await?;
        for (uid, instance) in removed {
            sqlx::query("DELETE FROM reminder_ack WHERE uid = ?1 AND instance = ?2")
                .bind(uid)
                .bind(instance)
                .execute(&mut *tx)
                .await?;
        }
        for ack in upserted {
            sqlx::query(
                "INSERT INTO reminder_ack (uid, instance, start, through, alarm_at, snooze_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (uid, instance) DO UPDATE SET start = excluded.start,
                    through = excluded.through, alarm_at = excluded.alarm_at,
                    snooze_until = excluded.snooze_until",
            )
            .bind(&ack.uid)
            .bind(&ack.instance)
            .bind(&ack.start)
            .bind(&ack.through)
            .bind(&ack.alarm_at)
            .bind(&ack.snooze_until)
            .execute(&mut *tx)
            .await?;
        }
        for (key, value) in meta {
            sqlx::query(
                "INSERT INTO reminder_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every calendar's stored "remind me" switch.
    pub async fn reminder_calendars(&self) -> Result<Vec<ReminderCalendarRow>, CoreError> {
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT calendar_id, remind, enabled_since FROM reminder_calendar")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(calendar_id, remind, enabled_since)| ReminderCalendarRow {
                calendar_id,
                remind: remind != 0,
                enabled_since,
            })
            .collect())
    }

    /// Stores a calendar's "remind me" switch and when it was switched on (empty: never).
    pub async fn set_reminder_calendar(
        &self,
        calendar_id: &str,
        remind: bool,
        enabled_since: &str,
    ) -> Result<(), CoreError> {
        sqlx::query(
            "INSERT INTO reminder_calendar (calendar_id, remind, enabled_since) VALUES (?1, ?2, ?3)
             ON CONFLICT (calendar_id) DO UPDATE SET remind = excluded.remind,
                enabled_since = excluded.enabled_since",
        )
        .bind(calendar_id)
        .bind(i64::from(remind))
        .bind(enabled_since)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// The acknowledgements of the occurrences of `old_uid` also name `new_uid` (the server gave
/// the item another UID, events.rs [`super::events::adopt_server_uid_in`]); `keep_old`: the old
/// UID still names another item, whose acknowledgements stay. Inside the caller's transaction.
pub(crate) async fn rename_ack_uid_in(
    conn: &mut sqlx::SqliteConnection,
    old_uid: &str,
    new_uid: &str,
    keep_old: bool,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT OR IGNORE INTO reminder_ack (uid, instance, start, through, alarm_at, snooze_until)
         SELECT ?2, instance, start, through, alarm_at, snooze_until FROM reminder_ack
         WHERE uid = ?1",
    )
    .bind(old_uid)
    .bind(new_uid)
    .execute(&mut *conn)
    .await?;
    if !keep_old {
        sqlx::query("DELETE FROM reminder_ack WHERE uid = ?1")
            .bind(old_uid)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
