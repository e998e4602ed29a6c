-- Search index built in the background (docs/performance.md; crates/core/src/store/search.rs).
--
-- A synced message is written without its index entries and marked `indexed = 0`; the
-- indexer (Store::index_pending) adds the entries in its own transactions, newest messages
-- first, and sets `indexed = 1`. Until then the search reads the unindexed messages directly,
-- so nothing is missing from a result while the index catches up. A change to an indexed
-- message (new subject, a fetched body) removes its entries and marks it `indexed = 0` again.
--
-- The word index keeps only which message holds a word (`detail = none`): the search asks
-- for every word as a prefix, never for a phrase or a column, and positions and prefix
-- indexes made the index three times as large and its upkeep the largest part of storing a
-- message. The trigram index is unchanged (substring search needs its positions).
--
-- Both indexes are rebuilt: every message already cached starts as `indexed = 0`, and the
-- indexer re-reads it with the folding the store applies (German folding is done in Rust, so
-- SQL alone cannot fill the new index).

ALTER TABLE message ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0 CHECK (indexed IN (0, 1));

CREATE INDEX message_unindexed ON message (id) WHERE indexed = 0;

DROP TABLE message_fts;
CREATE VIRTUAL TABLE message_fts USING fts5 (
    subject, addresses, body,
    content = '',
    contentless_delete = 1,
    detail = none,
    tokenize = 'unicode61 remove_diacritics 2'
);

DROP TABLE message_tri;
CREATE VIRTUAL TABLE message_tri USING fts5 (
    subject, addresses,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram'
);

-- The terms of the word index, for expanding a query's prefixes to the words they stand for
-- (Store::search: an OR of a few words is read newest first and stops after the first page;
-- a prefix query makes FTS5 merge the whole match list of every such word first).
CREATE VIRTUAL TABLE message_fts_terms USING fts5vocab (message_fts, 'row');
