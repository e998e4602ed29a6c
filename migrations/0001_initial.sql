-- Kontor schema, release 1: the server mirror for accounts and their folder hierarchy.
-- Conventions (docs/ARCHITECTURE.md): STRICT tables, NOT NULL DEFAULT columns, explicit INSERT
-- column lists in code, never edit this file once released: add a new numbered file instead.

-- One row per configured account. The account's identity (server URL, user name, DeviceId)
-- is user data and also lives in profile.json; this row is the cache's view of it and holds
-- what the server negotiated.
CREATE TABLE account (
    id               INTEGER PRIMARY KEY,
    server_url       TEXT    NOT NULL,
    username         TEXT    NOT NULL,
    protocol_version TEXT    NOT NULL DEFAULT '',
    policy_key       TEXT    NOT NULL DEFAULT '',
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (server_url, username)
) STRICT;

-- The ActiveSync folder hierarchy (MS-ASCMD 2.2.1.5 FolderSync). `folder_type` is the raw
-- MS-ASCMD 2.2.3.186.3 Type value, so no server information is lost in mapping.
-- `unread_count` is -1 while unknown (no mail Sync has counted it yet).
CREATE TABLE folder (
    account_id   INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    server_id    TEXT    NOT NULL,
    parent_id    TEXT    NOT NULL DEFAULT '0',
    display_name TEXT    NOT NULL,
    folder_type  INTEGER NOT NULL,
    unread_count INTEGER NOT NULL DEFAULT -1,
    PRIMARY KEY (account_id, server_id)
) STRICT;

-- Sync state per collection: the FolderSync key under collection '' and one Sync key per
-- folder. Written in the same transaction as the items the key covers.
CREATE TABLE sync_state (
    account_id INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    collection TEXT    NOT NULL,
    sync_key   TEXT    NOT NULL DEFAULT '0',
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (account_id, collection)
) STRICT;

-- User settings (user data: never dropped by a cache rebuild). Values are JSON.
CREATE TABLE setting (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL DEFAULT 'null'
) STRICT;
