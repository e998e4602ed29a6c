-- Phrases from the word index, and a date range from the sort key (docs/performance.md#search-box;
-- crates/core/src/store/search.rs, filtered_search.rs).
--
-- The word index keeps positions again (FTS5's default `detail = full`, still without prefix
-- indexes), so a phrase ("rechnung projekt") is a phrase query of the index, read newest first
-- and stopped after the first page like a word. Without positions every message holding the
-- phrase's words had its body read and folded in Rust to look for the words side by side:
-- 140–470 ms a keystroke on 100,000 messages.
--
-- Both indexes are rebuilt by the indexer, as in 0004: every message starts as `indexed = 0`
-- (the trigger that takes a message's entries out when `indexed` goes back to 0 is dropped
-- meanwhile: the new tables are empty). Until it is done the search reads the unindexed
-- messages directly, with the same rules.
--
-- `message_key_off_date`: the messages whose sort key does not say their date (a server
-- change of the date keeps the key; a date before 1970 is stored at 1970). The search bounds
-- a date range by the sort key (`date * 2^20 + n`) and reads these few besides.

DROP TRIGGER message_unindex_on_change;

DROP TABLE message_fts_terms;
DROP TABLE message_fts;
CREATE VIRTUAL TABLE message_fts USING fts5 (
    subject, addresses, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE message_fts_terms USING fts5vocab (message_fts, 'row');

DROP TABLE message_tri;
CREATE VIRTUAL TABLE message_tri USING fts5 (
    subject, addresses,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram'
);

UPDATE message SET indexed = 0 WHERE indexed = 1;

CREATE TRIGGER message_unindex_on_change AFTER UPDATE OF indexed ON message
WHEN old.indexed = 1 AND new.indexed = 0
BEGIN
    DELETE FROM message_fts WHERE rowid = old.sort_key;
    DELETE FROM message_tri WHERE rowid = old.sort_key;
END;

CREATE INDEX message_key_off_date ON message (sort_key) WHERE sort_key >> 20 != date;
