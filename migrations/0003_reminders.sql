-- Reminder state: user data (docs/CONVENTIONS.md#cache-vs-user-data). These tables are listed in
-- crates/core/src/store/user_data.rs USER_DATA_TABLES, so a profile reset carries them into the fresh
-- database, and nothing here references a cache table: an occurrence is named by its iCalendar
-- UID and original start, a calendar by its stable id, never by a cache row id. A rebuild of
-- the server cache therefore cannot bring a dismissed reminder back.

-- What the user answered per occurrence (kontor_reminders::Ack). Instants are RFC 3339 UTC
-- text ("2026-11-27T08:45:00Z"); `snooze_until` is '' for a dismissed reminder.
CREATE TABLE reminder_ack (
    uid          TEXT NOT NULL,
    instance     TEXT NOT NULL,
    start        TEXT NOT NULL,
    through      TEXT NOT NULL,
    alarm_at     TEXT NOT NULL,
    snooze_until TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (uid, instance)
) STRICT;

-- The per-calendar "remind me" switch, only where the user changed the default (own calendars
-- on, shared calendars off). `enabled_since` is when it was last switched on ('' = never).
CREATE TABLE reminder_calendar (
    calendar_id   TEXT    NOT NULL PRIMARY KEY,
    remind        INTEGER NOT NULL DEFAULT 1 CHECK (remind IN (0, 1)),
    enabled_since TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The scheduler's clock marks: `since` (first evaluation of this profile) and `last_seen` (the
-- last instant reminders were evaluated; alarms after it found due later were missed).
CREATE TABLE reminder_meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL DEFAULT ''
) STRICT;
