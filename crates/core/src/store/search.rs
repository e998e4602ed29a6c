//! Full-text search over the mail cache (budgets: docs/performance.md#budgets).
//!
//! Two contentless FTS5 indexes, both keyed by `message.sort_key` (schema: migrations 0002,
//! 0004, 0005, 0010):
//!
//! * `message_fts` (`unicode61 remove_diacritics 2`, with positions) over subject, addresses
//!   and body text (the fetched plain body, else the HTML body without tags, else the
//!   preview): which message holds which word, and where (for phrases);
//! * `message_tri` (`trigram`) over subject and addresses, for substring search
//!   ("kontor" inside "info@kontor-test.de", "strasse" inside "Hauptstrasse").
//!
//! ## Built in the background
//!
//! Storing a synced message does not touch the indexes: the row is written with
//! `indexed = 0` and [`Store::index_pending`] adds its entries later, newest messages first,
//! in its own transactions (the app runs it as a task next to the sync; the index upkeep,
//! mostly the trigram index, costs several times what the row itself does). A change to the
//! indexed text of a message (subject, people, preview, a fetched body) takes its entries out
//! and marks it `indexed = 0` again (triggers in migration 0005 take the entries out when
//! `indexed` goes back to 0 and when the message is deleted). [`Store::search`] answers from the indexes for indexed
//! messages and reads the unindexed ones directly with the same rules
//! ([`IndexEntry::matches`]), so a result never lacks a message because the indexer is behind.
//!
//! ## German folding
//!
//! `unicode61` folds `ü` to `u` but leaves `ß` alone and cannot know that "gruesse" is the
//! ASCII spelling of "Grüße". So every text is folded by [`fold`] before it is indexed, and
//! every query before it is matched, with the same rules on both sides:
//!
//! 1. lower case (Unicode);
//! 2. `ß`/`ẞ` → `ss`;
//! 3. `ae` → `a`, `oe` → `o`, `ue` → `u` (the ASCII transcriptions of umlauts);
//! 4. every remaining diacritic removed (NFD, combining marks dropped): `ä` → `a`, `é` → `e`.
//!
//! Hence Straße / STRASSE / strasse → `strasse`, and Grüße / gruesse / grusse → `grusse`.
//! Rule 3 also changes words that merely contain those letter pairs ("queue" → "quu",
//! "does" → "dos"); because queries go through the same rule this never loses a match, it can
//! only add a rare false one (a search for "dos" also finds "does").
//!
//! ## Newest first, bounded
//!
//! `message.sort_key` grows with the message date (see `messages.rs`), so both indexes are read with
//! `ORDER BY rowid DESC LIMIT n`: FTS5 walks its doclists backwards and stops after `n` hits,
//! whether the term is rare or in every message. No query sorts the full match set.

use std::collections::BTreeSet;

use sqlx::SqliteConnection;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::messages::{MESSAGE_COLUMNS, MessageRow, message_from_row, parse_addresses};
use super::{Address, Store};
use crate::error::CoreError;

/// Folds text for indexing and for queries (module docs).
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        // Most indexed text: no ß and no diacritics, so NFD changes nothing (same result as
        // below, without the Unicode tables).
        return drop_umlaut_e(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    }
    let mut lower = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ß' | 'ẞ' => lower.push_str("ss"),
            _ => lower.extend(c.to_lowercase()),
        }
    }
    drop_umlaut_e(lower.nfd().filter(|c| !is_combining_mark(*c)))
}

/// Rule 3 of the folding (module docs) on lower-case text without diacritics.
fn drop_umlaut_e(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(chars.size_hint().0);
    let mut prev: Option<char> = None;
    for c in chars {
        // "ae", "oe", "ue" → "a", "o", "u": drop the 'e' after one of those vowels.
        if c == 'e' && matches!(prev, Some('a' | 'o' | 'u')) {
            prev = None;
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// The text indexed for the address column: names and addresses of sender and recipients.
pub(crate) fn address_text(from: &Address, to: &[Address], cc: &[Address]) -> String {
    let mut s = String::new();
    for a in std::iter::once(from).chain(to).chain(cc) {
        for part in [&a.name, &a.addr] {
            if !part.is_empty() {
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(part);
            }
        }
    }
    s
}

/// One message's folded index text; `id` is its sort key (the indexes' rowid).
pub(crate) struct IndexEntry {
    pub(crate) id: i64,
    pub(crate) subject: String,
    pub(crate) addresses: String,
    pub(crate) body: String,
}

impl IndexEntry {
    pub(crate) fn new(id: i64, subject: &str, addresses: &str, body: &str) -> Self {
        IndexEntry {
            id,
            subject: fold(subject),
            addresses: fold(addresses),
            body: fold(body),
        }
    }

    /// Whether the two indexes would return this message for the query `words`
    /// ([`query_words`]): every word a word prefix in one of the three columns (`message_fts`),
    /// or every word of three or more characters a substring of the subject or of the
    /// addresses (`message_tri`).
    pub(crate) fn matches(&self, words: &[String]) -> bool {
        if words.is_empty() {
            return false;
        }
        let as_prefix = words.iter().all(|w| {
            [&self.subject, &self.addresses, &self.body]
                .iter()
                .any(|col| tokens(col).any(|t| t.starts_with(w.as_str())))
        });
        as_prefix
            || (trigram_expression(words).is_some()
                && words.iter().all(|w| {
                    self.subject.contains(w.as_str()) || self.addresses.contains(w.as_str())
                }))
    }
}

impl IndexEntry {
    /// Whether one column holds `phrase` (the [`query_words`] of a phrase of two or more
    /// words) as the word index's phrase query finds it ([`fts_phrase_expression`]).
    pub(crate) fn has_phrase(&self, phrase: &[String]) -> bool {
        [&self.subject, &self.addresses, &self.body]
            .iter()
            .any(|col| phrase_in(&tokens(col).collect::<Vec<_>>(), phrase))
    }
}

/// Whether the tokens of one column hold `phrase`: its words next to each other in this
/// order, each a whole word except the last, which may be the beginning of one (the phrase as
/// typed so far). The rule of [`fts_phrase_expression`], for text the index does not hold.
pub(crate) fn phrase_in(tokens: &[&str], phrase: &[String]) -> bool {
    let Some((last, first)) = phrase.split_last() else {
        return false;
    };
    tokens.windows(phrase.len()).any(|w| {
        w[..first.len()]
            .iter()
            .zip(first)
            .all(|(t, p)| *t == p.as_str())
            && w[first.len()].starts_with(last.as_str())
    })
}

/// Whether `unicode61` (default `categories`: `L* N* Co`) keeps `c` inside a token.
fn is_token_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
    ) || c.general_category() == GeneralCategory::PrivateUse
}

/// The tokens `unicode61` makes of folded text.
pub(crate) fn tokens(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !is_token_char(c))
        .filter(|t| !t.is_empty())
}

/// The indexed text of one message from its row: (sort key, subject, from_name, from_addr, to_json,
/// cc_json, preview, plain body, HTML body).
pub(crate) type TextRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// Columns of a [`TextRow`] (`m` = message).
pub(crate) const TEXT_COLUMNS: &str =
    "m.sort_key, m.subject, m.from_name, m.from_addr, m.to_json, m.cc_json,
    m.preview,
    (SELECT b.text FROM message_body b WHERE b.message_id = m.id AND b.kind = 'plain'),
    (SELECT b.text FROM message_body b WHERE b.message_id = m.id AND b.kind = 'html')";

pub(crate) fn entry_from_row(row: TextRow) -> Result<IndexEntry, CoreError> {
    let (id, subject, from_name, from_addr, to, cc, preview, plain, html) = row;
    let from = Address {
        name: from_name,
        addr: from_addr,
    };
    let addresses = address_text(&from, &parse_addresses(&to)?, &parse_addresses(&cc)?);
    // The body text: the cached plain body, else the HTML body, else the preview.
    let body = match (plain, html) {
        (Some(t), _) => t,
        (None, Some(h)) => strip_tags(&h),
        (None, None) => preview,
    };
    Ok(IndexEntry::new(id, &subject, &addresses, &body))
}

/// Crude HTML → text for the index only: tags dropped, entities left as they are.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Marks an indexed message for the indexer; its entries leave both indexes at once (trigger
/// `message_unindex_on_change`). A no-op for a message that is not indexed. Returns whether
/// it was.
pub(crate) async fn reindex_later(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE message SET indexed = 0 WHERE id = ?1 AND indexed = 1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Indexes messages that are not in the indexes yet (both indexes), with multi-row statements.
/// `entries` should be in ascending sort key order (FTS5 starts a new segment whenever a rowid is
/// lower than the one before; see messages.rs `insert_messages`).
pub(crate) async fn index_new_messages(
    conn: &mut SqliteConnection,
    entries: &[IndexEntry],
) -> Result<(), sqlx::Error> {
    for chunk in super::messages::insert_chunks(entries) {
        let sql = super::messages::multi_row_insert(
            "message_fts (rowid, subject, addresses, body)",
            4,
            chunk.len(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q
                .bind(e.id)
                .bind(&e.subject)
                .bind(&e.addresses)
                .bind(&e.body);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in super::messages::insert_chunks(entries) {
        let sql = super::messages::multi_row_insert(
            "message_tri (rowid, subject, addresses)",
            3,
            chunk.len(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            q = q.bind(e.id).bind(&e.subject).bind(&e.addresses);
        }
        q.execute(&mut *conn).await?;
    }
    // The words the word index now holds, for prefix expansion (migration 0012), in order: the
    // B-tree takes them in one pass.
    let terms: BTreeSet<&str> = entries
        .iter()
        .flat_map(|e| {
            tokens(&e.subject)
                .chain(tokens(&e.addresses))
                .chain(tokens(&e.body))
        })
        .collect();
    if !terms.is_empty() {
        sqlx::query("INSERT OR IGNORE INTO search_term (term) SELECT value FROM json_each(?1)")
            .bind(serde_json::to_string(&terms).unwrap_or_else(|_| "[]".to_owned()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The folded words of a query, split where `unicode61` splits the indexed text, so every
/// word is one token.
pub fn query_words(query: &str) -> Vec<String> {
    tokens(&fold(query)).map(str::to_owned).collect()
}

/// A prefix stands for at most this many words in a query; one that stands for more is asked
/// as an FTS5 prefix query.
const MAX_EXPANSION: usize = 64;

/// A word of at most this many characters nearly always stands for more than
/// [`MAX_EXPANSION`] indexed words, so the word index gets it as a prefix query, for which
/// FTS5 merges every match of every word it begins before the first hit: 20–40 ms for a letter
/// in 100,000 messages. A query of such words alone is first answered by reading the newest
/// messages ([`Store::search_keys`](super::Store::search_keys)).
pub(crate) const SHORT_PREFIX: usize = 2;

/// FTS5 query for the word index: every word must occur, each as a prefix ("gru" finds
/// "Grüße"). Each prefix is replaced by the OR of the indexed words it stands for (looked up
/// in `search_term`, migration 0012), which FTS5 reads newest first and stops reading after `LIMIT`
/// hits; a prefix query (`"gru"*`) would make it merge every match of every such word first,
/// which took 20–40 ms for common prefixes in 100,000 messages. A prefix that stands for more
/// than [`MAX_EXPANSION`] words stays a prefix query. `None` when a word was never indexed (no
/// indexed message can match). Words are quoted, so no FTS5 operator can be injected.
pub(crate) async fn fts_expression(
    conn: &mut SqliteConnection,
    words: &[String],
) -> Result<Option<String>, sqlx::Error> {
    let mut parts = Vec::with_capacity(words.len());
    for w in words {
        // Every word that starts with `w` sorts between `w` and `w` + U+10FFFF (UTF-8 order).
        let terms: Vec<String> = sqlx::query_scalar(
            "SELECT term FROM search_term WHERE term >= ?1 AND term < ?2 LIMIT ?3",
        )
        .bind(w)
        .bind(format!("{w}\u{10FFFF}"))
        .bind(MAX_EXPANSION as i64 + 1)
        .fetch_all(&mut *conn)
        .await?;
        match terms.len() {
            0 => return Ok(None),
            n if n > MAX_EXPANSION => parts.push(format!("\"{w}\"*")),
            _ => parts.push(format!(
                "({})",
                terms
                    .iter()
                    .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            )),
        }
    }
    Ok(Some(parts.join(" AND ")))
}

/// FTS5 query for a phrase of two or more words ([`query_words`]) in the word index, which
/// keeps positions (migration 0010): its words next to each other in one column, each a whole
/// word except the last, which may be the beginning of one (`"rechnung proj` finds "Rechnung
/// Projekt" while it is typed). The last word is replaced by the phrases of the indexed words
/// it stands for, as in [`fts_expression`], and stays a prefix when it stands for more than
/// [`MAX_EXPANSION`]. `None` when no indexed message can hold the phrase (a word is in none).
pub(crate) async fn fts_phrase_expression(
    conn: &mut SqliteConnection,
    phrase: &[String],
) -> Result<Option<String>, sqlx::Error> {
    let Some((last, first)) = phrase.split_last() else {
        return Ok(None);
    };
    let quote = |t: &str| t.replace('"', "\"\"");
    for w in first {
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM search_term WHERE term = ?1")
            .bind(w)
            .fetch_optional(&mut *conn)
            .await?;
        if known.is_none() {
            return Ok(None);
        }
    }
    let head = first.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
    let terms: Vec<String> =
        sqlx::query_scalar("SELECT term FROM search_term WHERE term >= ?1 AND term < ?2 LIMIT ?3")
            .bind(last)
            .bind(format!("{last}\u{10FFFF}"))
            .bind(MAX_EXPANSION as i64 + 1)
            .fetch_all(&mut *conn)
            .await?;
    Ok(match terms.len() {
        0 => None,
        n if n > MAX_EXPANSION => Some(format!("\"{head} {}\"*", quote(last))),
        _ => Some(format!(
            "({})",
            terms
                .iter()
                .map(|t| format!("\"{head} {}\"", quote(t)))
                .collect::<Vec<_>>()
                .join(" OR ")
        )),
    })
}

/// FTS5 query for the trigram index: every word must occur as a substring of the subject or
/// the addresses. `None` when a word is shorter than three characters (a trigram index cannot
/// answer that without a full scan).
pub(crate) fn trigram_expression(words: &[String]) -> Option<String> {
    if words.is_empty() || words.iter().any(|w| w.chars().count() < 3) {
        return None;
    }
    Some(
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" AND "),
    )
}

/// Messages the indexer takes per transaction.
pub const INDEX_BATCH: u32 = 500;

/// Unindexed messages [`Store::search`] reads per statement.
const SCAN_PAGE: i64 = 256;

impl Store {
    /// How many rows of the full-text index match an FTS5 query.
    #[cfg(test)]
    pub(crate) async fn index_match_count(&self, query: &str) -> Result<i64, CoreError> {
        let n = sqlx::query_scalar("SELECT count(*) FROM message_fts WHERE message_fts MATCH ?1")
            .bind(query)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Messages matching `query`, newest first, at most `limit`. A message matches when every
    /// word of the query is a word prefix in its subject, addresses or body, or a substring of
    /// its subject or addresses (words of three or more characters). Folding as in the module
    /// docs. Locally deleted messages are left out. Messages the indexer has not reached yet
    /// are read directly (module docs), so the answer does not depend on its progress.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<MessageRow>, CoreError> {
        let words = query_words(query);
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.acquire().await?;
        // Each index yields at most `limit` sort keys, newest first, and so does the scan of
        // the unindexed messages; the union of the lists, cut to `limit`, is the answer.
        let mut ids: BTreeSet<i64> = BTreeSet::new();
        if let Some(fts) = fts_expression(&mut conn, &words).await? {
            ids.extend(index_hits(&mut conn, WORD_INDEX, &fts, limit).await?);
        }
        if let Some(tri) = trigram_expression(&words) {
            ids.extend(index_hits(&mut conn, TRIGRAM_INDEX, &tri, limit).await?);
        }
        ids.extend(scan_unindexed(&mut conn, &words, limit).await?);
        let wanted: Vec<i64> = ids.into_iter().rev().take(limit as usize).collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM message
             WHERE sort_key IN (SELECT value FROM json_each(?1))
             ORDER BY sort_key DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(serde_json::to_string(&wanted).unwrap_or_else(|_| "[]".to_owned()))
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Adds up to `max` unindexed messages (newest first) to both indexes in one
    /// transaction; returns how many. 0 means the indexes are complete.
    pub async fn index_pending(&self, max: u32) -> Result<u32, CoreError> {
        // Read and folded inside the write transaction: a message changed after being read
        // here could otherwise be marked indexed with its old text.
        let mut tx = self.begin_write().await?;
        let sql = format!(
            "SELECT {TEXT_COLUMNS} FROM message m WHERE m.indexed = 0 ORDER BY m.sort_key DESC
             LIMIT ?1"
        );
        let rows: Vec<TextRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(max)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut entries = rows
            .into_iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        // Ascending rowids keep the transaction's index writes in one FTS5 segment.
        entries.sort_unstable_by_key(|e| e.id);
        index_new_messages(&mut tx, &entries).await?;
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        sqlx::query(
            "UPDATE message SET indexed = 1 WHERE sort_key IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".to_owned()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u32::try_from(entries.len()).unwrap_or(u32::MAX))
    }

    /// How many messages wait for the indexer.
    pub async fn unindexed_count(&self) -> Result<u64, CoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM message WHERE indexed = 0")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The FTS5 tables [`index_hits`] reads.
pub(crate) const WORD_INDEX: &str = "message_fts";
pub(crate) const TRIGRAM_INDEX: &str = "message_tri";

/// The sort keys of the newest `limit` messages, not locally deleted, that FTS5 table `index`
/// returns for `expression`.
async fn index_hits(
    conn: &mut SqliteConnection,
    index: &'static str,
    expression: &str,
    limit: u32,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = format!(
        "SELECT f.rowid FROM {index} f JOIN message m ON m.sort_key = f.rowid
         WHERE {index} MATCH ?1 AND (m.local_state & 8) = 0
         ORDER BY f.rowid DESC LIMIT ?2"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(expression)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
}

/// The sort keys of the newest `limit` unindexed, not locally deleted messages that match
/// `words`.
async fn scan_unindexed(
    conn: &mut SqliteConnection,
    words: &[String],
    limit: u32,
) -> Result<Vec<i64>, CoreError> {
    let mut found = Vec::new();
    let mut below = i64::MAX;
    let sql = format!(
        "SELECT {TEXT_COLUMNS} FROM message m
         WHERE m.indexed = 0 AND m.sort_key < ?1 AND (m.local_state & 8) = 0
         ORDER BY m.sort_key DESC LIMIT ?2"
    );
    loop {
        let rows: Vec<TextRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(below)
            .bind(SCAN_PAGE)
            .fetch_all(&mut *conn)
            .await?;
        let last_page = rows.len() < SCAN_PAGE as usize;
        for row in rows {
            below = row.0;
            let entry = entry_from_row(row)?;
            if entry.matches(words) {
                found.push(entry.id);
                if found.len() >= limit as usize {
                    return Ok(found);
                }
            }
        }
        if last_page {
            return Ok(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_spellings_fold_together() {
        for group in [
            &["Straße", "STRASSE", "strasse", "Strasse", "STRAẞE"][..],
            &["Grüße", "gruesse", "grusse", "GRÜSSE", "Gruesse"][..],
            &["Müller", "Mueller", "muller", "MÜLLER"][..],
            &["Öl", "Oel", "ol"][..],
            &["Bär", "Baer", "bar"][..],
            &["café", "Cafe", "CAFÉ"][..],
        ] {
            let folded: Vec<String> = group.iter().map(|w| fold(w)).collect();
            assert!(
                folded.iter().all(|f| f == &folded[0]),
                "{group:?} folded to {folded:?}"
            );
        }
        assert_ne!(fold("Straße"), fold("Strafe"));
        // ASCII text takes a shorter path to the same result.
        for ascii in [
            "Gruesse aus der HAUPTSTRASSE",
            "Queue does 42 OK",
            "ae oe ue AE",
            "",
        ] {
            assert_eq!(format!("{}e", fold(ascii)), fold(&format!("{ascii}é")));
        }
        assert_eq!(
            fold("Grüße aus der Hauptstraße"),
            "grusse aus der hauptstrasse"
        );
    }

    #[test]
    fn the_direct_reading_follows_the_index_rules() {
        let e = IndexEntry::new(
            1,
            "Rechnung Nr. 17",
            "Jürgen Müller juergen@kontor-beispiel.de",
            "Das Zahlungsziel ist überschritten",
        );
        let m = |q: &str| e.matches(&query_words(q));
        // Word prefixes in any column.
        for q in [
            "rech",
            "re",
            "17",
            "zahl",
            "ueberschr",
            "jurg",
            "beispiel",
            "kontor de",
        ] {
            assert!(m(q), "{q}");
        }
        // Substrings of three or more characters in subject and addresses only.
        for q in ["echnung", "ontor-beisp", "ller", "r. 1"] {
            assert!(m(q), "{q}");
        }
        for q in [
            "ahlungsziel",
            "schritten",
            "ch",
            "rechnungen",
            "rech zahlt",
            "",
        ] {
            assert!(!m(q), "{q}");
        }
        // Every word must match, all by prefix or all by substring.
        assert!(m("rech zahl"));
        assert!(m("echnung ontor"));
        assert!(!m("echnung zahlungsziel2"));
    }

    #[test]
    fn query_words_split_where_the_index_splits() {
        // U+24D0 (circled a) counts as alphabetic in Rust but is a separator for unicode61:
        // one query word per index token, so no word becomes a phrase the index cannot answer.
        assert_eq!(query_words("x\u{24d0}y"), ["x", "y"]);
        assert_eq!(query_words("Straße_42"), ["strasse", "42"]);
        assert_eq!(query_words("東京 Ⅻ"), ["東京", "ⅻ"]);
    }

    #[test]
    fn queries_are_quoted_words() {
        let words = query_words("Grüße, \"OR\" x*y NEAR(a)");
        assert_eq!(words, ["grusse", "or", "x", "y", "near", "a"]);
        assert_eq!(trigram_expression(&words), None);
        assert_eq!(
            trigram_expression(&words[..1]).as_deref(),
            Some("\"grusse\"")
        );
    }
}
