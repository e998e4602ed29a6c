-- Kontor schema, release 2: the mail and calendar cache, the outbox and quarantine.
-- Conventions as in 0001 (docs/CONVENTIONS.md#migrations): STRICT tables, NOT NULL DEFAULT
-- columns, explicit INSERT column lists in code. Its statements never change once released.
--
-- Times are INTEGER Unix seconds, UTC, everywhere in this file (`*_at`, `date`, `start_utc`,
-- `end_utc`): they sort and compare as numbers and index compactly. 0 means "unknown".
--
-- Cache vs user data (docs/CONVENTIONS.md#cache-vs-user-data): every table here is a server mirror that a profile reset
-- rebuilds, except `outbox`, which holds the user's unsent changes and is carried across a
-- reset (crates/core/src/reset.rs). So `outbox` has no foreign keys and names its account by
-- server URL and user name, its item by folder and server id.

-- One mail item. `id` is not an autoincrement: the store assigns it as
-- `date * 2^20 + n` (n = 0, 1, … for messages of the same second), so ordering by `id` is
-- ordering by date, and the full-text indexes (whose rowid is `id`) can return matches newest
-- first without sorting them (docs/performance.md).
--
-- `local_state` is a bit set of fields changed locally and not yet confirmed by the server
-- (an outbox row for this message is pending, in flight or parked):
--   1 = read, 2 = flag, 4 = moved here, 8 = deleted (hidden from lists and search).
-- A server change never overwrites a field whose bit is set (see store/messages.rs).
-- `resync` is 1 while a re-sync from SyncKey 0 has not yet re-delivered the item.
CREATE TABLE message (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    folder_id       TEXT    NOT NULL,
    server_id       TEXT    NOT NULL,
    message_id      TEXT    NOT NULL DEFAULT '',
    subject         TEXT    NOT NULL DEFAULT '',
    from_name       TEXT    NOT NULL DEFAULT '',
    from_addr       TEXT    NOT NULL DEFAULT '',
    -- JSON arrays of {"name": "...", "addr": "..."}.
    to_json         TEXT    NOT NULL DEFAULT '[]',
    cc_json         TEXT    NOT NULL DEFAULT '[]',
    date            INTEGER NOT NULL DEFAULT 0,
    preview         TEXT    NOT NULL DEFAULT '',
    read            INTEGER NOT NULL DEFAULT 0,
    -- MS-ASEMAIL 2.2.2.31 FlagStatus: 0 none, 1 complete, 2 active.
    flag_status     INTEGER NOT NULL DEFAULT 0,
    -- MS-ASEMAIL 2.2.2.39 Importance: 0 low, 1 normal, 2 high.
    importance      INTEGER NOT NULL DEFAULT 1,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    -- MS-ASEMAIL 2.2.2.19 ConversationId (base64) when the server sends one, else ''.
    conversation_id TEXT    NOT NULL DEFAULT '',
    -- 0 none, 1 preview/truncated body, 2 full body in message_body.
    body_state      INTEGER NOT NULL DEFAULT 0,
    size            INTEGER NOT NULL DEFAULT 0,
    local_state     INTEGER NOT NULL DEFAULT 0,
    resync          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, folder_id, server_id)
) STRICT;

CREATE INDEX message_by_folder_date ON message (account_id, folder_id, date DESC, id DESC);

-- Body parts fetched on demand (MS-ASAIRS 2.2.2.9 Body). `kind`: 'plain', 'html' or 'mime'.
-- Text parts in `text`, a MIME part as bytes in `data`.
CREATE TABLE message_body (
    message_id INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('plain', 'html', 'mime')),
    text       TEXT    NOT NULL DEFAULT '',
    data       BLOB    NOT NULL DEFAULT x'',
    truncated  INTEGER NOT NULL DEFAULT 0,
    -- Size of the whole part on the server (MS-ASAIRS EstimatedDataSize), 0 if unknown.
    total_size INTEGER NOT NULL DEFAULT 0,
    fetched_at INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (message_id, kind)
) STRICT;

-- Attachment metadata (MS-ASAIRS 2.2.2.7). The bytes live on disk under the profile, never in
-- SQLite: `local_path` is '' until fetched (relative to the profile's attachment folder).
CREATE TABLE attachment (
    id             INTEGER PRIMARY KEY,
    message_id     INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    file_reference TEXT    NOT NULL,
    name           TEXT    NOT NULL DEFAULT '',
    content_type   TEXT    NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    content_id     TEXT    NOT NULL DEFAULT '',
    inline         INTEGER NOT NULL DEFAULT 0,
    local_path     TEXT    NOT NULL DEFAULT '',
    UNIQUE (message_id, file_reference)
) STRICT;

-- Full-text search (docs/performance.md). Both indexes are contentless (the text is in `message` and
-- `message_body`), rowid = message.id, and hold text folded by the store (store/search.rs:
-- lower case, ß→ss, ä/ö/ü→a/o/u, ae/oe/ue→a/o/u, other diacritics removed) so that the same
-- folding applied to a query finds "Grüße" from "gruesse" and "Straße" from "STRASSE".
CREATE VIRTUAL TABLE message_fts USING fts5 (
    subject, addresses, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Substring search over subject and addresses.
CREATE VIRTUAL TABLE message_tri USING fts5 (
    subject, addresses,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram'
);

-- One table for EAS calendar folders and CalDAV collections.
-- `remote_id`: the EAS folder ServerId or the CalDAV collection URL.
-- `ctag`: CalDAV getctag (or '' for EAS). The CalDAV sync token (RFC 6578) and the EAS
-- SyncKey are in `sync_token`, written in the same transaction as the events it covers; for
-- EAS calendar folders `sync_state` is not used.
-- `window_start`/`window_end`: the occurrence window last materialised (0/0: none).
CREATE TABLE calendar (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    source       TEXT    NOT NULL CHECK (source IN ('eas', 'caldav')),
    remote_id    TEXT    NOT NULL,
    display_name TEXT    NOT NULL DEFAULT '',
    -- '#rrggbb' or ''.
    color        TEXT    NOT NULL DEFAULT '',
    owner        TEXT    NOT NULL DEFAULT '',
    shared       INTEGER NOT NULL DEFAULT 0,
    read_only    INTEGER NOT NULL DEFAULT 0,
    ctag         TEXT    NOT NULL DEFAULT '',
    sync_token   TEXT    NOT NULL DEFAULT '',
    window_start INTEGER NOT NULL DEFAULT 0,
    window_end   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, source, remote_id)
) STRICT;

-- One calendar object: a CalDAV resource (href) or an EAS calendar item (ServerId).
-- `ical` is the iCalendar text: the resource as fetched for CalDAV, and for EAS items the
-- iCalendar written from the kontor-calendar model (kontor_calendar::eas::from_eas).
-- The other columns are derived from `ical` by the store (the series master, or the first
-- item if the object holds only overrides).
CREATE TABLE event (
    id             INTEGER PRIMARY KEY,
    calendar_id    INTEGER NOT NULL REFERENCES calendar (id) ON DELETE CASCADE,
    uid            TEXT    NOT NULL DEFAULT '',
    remote_id      TEXT    NOT NULL,
    etag           TEXT    NOT NULL DEFAULT '',
    ical           TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '',
    location       TEXT    NOT NULL DEFAULT '',
    start_utc      INTEGER NOT NULL DEFAULT 0,
    end_utc        INTEGER NOT NULL DEFAULT 0,
    all_day        INTEGER NOT NULL DEFAULT 0,
    tzid           TEXT    NOT NULL DEFAULT '',
    is_recurring   INTEGER NOT NULL DEFAULT 0,
    -- RECURRENCE-ID as Unix seconds when the object holds only an override, else 0.
    recurrence_id  INTEGER NOT NULL DEFAULT 0,
    status         TEXT    NOT NULL DEFAULT '',
    organizer      TEXT    NOT NULL DEFAULT '',
    has_alarms     INTEGER NOT NULL DEFAULT 0,
    local_state    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (calendar_id, remote_id)
) STRICT;

CREATE INDEX event_by_uid ON event (uid);

-- Occurrences in the materialised window (kontor_calendar::Calendar::expand), for list
-- queries and the reminder service. `instance` is the RECURRENCE-ID instant (the key for
-- per-occurrence state); `alarms_json` is a JSON array of alarm instants (Unix seconds).
CREATE TABLE occurrence (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    calendar_id INTEGER NOT NULL REFERENCES calendar (id) ON DELETE CASCADE,
    uid         TEXT    NOT NULL DEFAULT '',
    instance    INTEGER NOT NULL,
    start_utc   INTEGER NOT NULL,
    end_utc     INTEGER NOT NULL,
    all_day     INTEGER NOT NULL DEFAULT 0,
    is_override INTEGER NOT NULL DEFAULT 0,
    summary     TEXT    NOT NULL DEFAULT '',
    location    TEXT    NOT NULL DEFAULT '',
    alarms_json TEXT    NOT NULL DEFAULT '[]'
) STRICT;

CREATE INDEX occurrence_by_start ON occurrence (start_utc);
CREATE INDEX occurrence_by_event ON occurrence (event_id);

-- Pending local changes, replayed in `id` order per account (user data: carried across a
-- profile reset, so no foreign keys). States: 'pending' → 'in_flight' → 'done', or back to
-- 'pending' with a later `next_attempt_at` after a failure, or 'parked' after too many
-- failures (visible, retried or discarded by the user).
-- `folder_id` + `item_id`: the target (mail folder ServerId + item ServerId, or calendar
-- remote id + event href/ServerId). `idempotency_key`: what lets a replay after a crash see
-- that the server already has the change (EAS ClientId for adds, the iCalendar UID for
-- events, ''…).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_url      TEXT    NOT NULL,
    account_user     TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    folder_id        TEXT    NOT NULL DEFAULT '',
    item_id          TEXT    NOT NULL DEFAULT '',
    payload          TEXT    NOT NULL DEFAULT '{}',
    idempotency_key  TEXT    NOT NULL DEFAULT '',
    -- The cache row (message.id or event.id) whose local_state bits this row set, 0 if none.
    -- Not a foreign key: after a profile reset it names nothing (the rebuilt cache has no
    -- local bits) and is only used to clear bits.
    local_ref        INTEGER NOT NULL DEFAULT 0,
    state            TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'in_flight', 'parked', 'done')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL DEFAULT (unixepoch()),
    updated_at       INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE INDEX outbox_by_state ON outbox (state, account_url, account_user, id);
CREATE INDEX outbox_by_item ON outbox (account_url, account_user, folder_id, item_id);

-- Items the client could not process (a Z-Push item that loops, an unreadable calendar
-- object): kept with the reason and the raw data, shown to the user, skipped by sync.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    folder_id   TEXT    NOT NULL,
    server_id   TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    raw         BLOB    NOT NULL DEFAULT x'',
    first_seen  INTEGER NOT NULL DEFAULT (unixepoch()),
    last_seen   INTEGER NOT NULL DEFAULT (unixepoch()),
    times_seen  INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, folder_id, server_id)
) STRICT;
