-- Message ids in arrival order, search order in `sort_key` (crates/core/src/store/messages.rs).
--
-- Until now `message.id` itself was date-ordered (date * 2^20 + n), so the full-text indexes
-- could use it as their rowid and stop after the newest `n` hits. But then every Sync window
-- whose messages are not in date order inserted its rows all over the table (one B-tree page
-- written per message): 100,000 messages in random order stored at about a third of the
-- speed of the same messages oldest first. Now the row id grows with each insert (rows are
-- appended) and the date-ordered number moves to `sort_key`, which the indexes use as their
-- rowid; its own index is small enough to stay in the page cache.
--
-- Existing rows keep their ids, which are already date-ordered keys, so the indexes stay
-- valid as they are.

ALTER TABLE message ADD COLUMN sort_key INTEGER NOT NULL DEFAULT 0;

UPDATE message SET sort_key = id;

CREATE UNIQUE INDEX message_by_sort_key ON message (sort_key);

DROP INDEX message_unindexed;
CREATE INDEX message_unindexed ON message (sort_key) WHERE indexed = 0;

-- A message's index entries leave with it, and when its text changes (`indexed` back to 0;
-- the indexer adds them again). Here rather than at every DELETE in the code.
CREATE TRIGGER message_unindex_on_delete AFTER DELETE ON message
WHEN old.indexed = 1
BEGIN
    DELETE FROM message_fts WHERE rowid = old.sort_key;
    DELETE FROM message_tri WHERE rowid = old.sort_key;
END;

CREATE TRIGGER message_unindex_on_change AFTER UPDATE OF indexed ON message
WHEN old.indexed = 1 AND new.indexed = 0
BEGIN
    DELETE FROM message_fts WHERE rowid = old.sort_key;
    DELETE FROM message_tri WHERE rowid = old.sort_key;
END;
