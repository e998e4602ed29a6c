-- The search box's conditions on a message's state, answered from an index
-- (crates/core/src/store/filtered_search.rs).
--
-- A search walks its candidates newest first (an FTS5 index's hits, or every message by sort
-- key) and keeps those in the folder, unread, flagged, with attachments or in the date range
-- asked for. Each check read the message's row: with the Unread filter and one or two more
-- conditions most candidates fail, and reading a page of those took 17–25 ms in 100,000
-- messages (their rows lie in arrival order, not in date order). This index holds the sort key
-- and every column the conditions read, so they are checked without the rows: 1–9 ms.

CREATE INDEX message_search_state ON message (
    sort_key, account_id, local_state, read, has_attachments, flag_status, folder_id, date
);
