-- The words of the word index, for expanding a typed prefix into the words it stands for
-- (crates/core/src/store/search.rs, `fts_expression`).
--
-- The fts5vocab table `message_fts_terms` lists them too, but counts the messages of every
-- word it lists (FTS5 reads each word's whole list): 8–15 ms for the words of one letter or
-- one common prefix in 100,000 messages, on every keystroke. Here a prefix is a range of a
-- B-tree. The indexer adds the words of each message it indexes; the words of messages that
-- left the cache stay (a query for them finds nothing, and they cost a few bytes each).

CREATE TABLE search_term (
    term TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

INSERT INTO search_term (term) SELECT term FROM message_fts_terms;
