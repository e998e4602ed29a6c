-- When a CalDAV collection was last compared in full with the server (Unix seconds, 0 =
-- never): a listing of every member, with which cached members the server no longer has are
-- removed. RFC 6578 gives a client no way to tell a server's full listing from a list of
-- changes, and some servers answer a token they do not know with a plain full listing
-- (SOGo) — deletions since then would stay in the cache for good. So the engine compares in
-- full at least once a day (engine/calendar_dav.rs); the time is kept here, not in memory,
-- because a desktop app is rarely up for a day.

ALTER TABLE calendar ADD COLUMN full_sync_at INTEGER NOT NULL DEFAULT 0;
