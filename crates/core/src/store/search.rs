//! Full-text search over the mail cache (DESIGN §7).
//!
//! Two contentless FTS5 indexes, both keyed by `message.id`:
//!
//! * `message_fts` (`unicode61 remove_diacritics 2`, prefix indexes for 2 and 3 characters)
//!   over subject, addresses and body text (the fetched plain body, else the preview);
//! * `message_tri` (`trigram`) over subject and addresses, for substring search
//!   ("kontor" inside "info@kontor-test.de", "strasse" inside "Hauptstrasse").
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
//! `message.id` grows with the message date (see `messages.rs`), so both indexes are read with
//! `ORDER BY rowid DESC LIMIT n`: FTS5 walks its doclists backwards and stops after `n` hits,
//! whether the term is rare or in every message. No query sorts the full match set.

use std::collections::BTreeSet;

use sqlx::SqliteConnection;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::messages::{MESSAGE_COLUMNS, MessageRow, message_from_row};
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

/// Replaces the index entries of one message (both indexes).
pub(crate) async fn index_message(
    conn: &mut SqliteConnection,
    id: i64,
    subject: &str,
    addresses: &str,
    body: &str,
    replace: bool,
) -> Result<(), sqlx::Error> {
    if replace {
        unindex_message(conn, id).await?;
    }
    let subject = fold(subject);
    let addresses = fold(addresses);
    sqlx::query(
        "INSERT INTO message_fts (rowid, subject, addresses, body) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(id)
    .bind(&subject)
    .bind(&addresses)
    .bind(fold(body))
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO message_tri (rowid, subject, addresses) VALUES (?1, ?2, ?3)")
        .bind(id)
        .bind(&subject)
        .bind(&addresses)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One message's folded index text.
pub(crate) struct IndexEntry {
    id: i64,
    subject: String,
    addresses: String,
    body: String,
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
}

/// Indexes messages that are not in the indexes yet (both indexes), with multi-row statements.
/// `entries` should be in ascending id order (FTS5 starts a new segment whenever a rowid is
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
    Ok(())
}

/// Removes a message from both indexes (a no-op for an unknown id).
pub(crate) async fn unindex_message(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM message_fts WHERE rowid = ?1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM message_tri WHERE rowid = ?1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The folded words of a query: split on anything that is not a letter or digit, so the
/// words match what `unicode61` makes of the indexed text.
pub fn query_words(query: &str) -> Vec<String> {
    fold(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// FTS5 query for the word index: every word must occur, each as a prefix
/// ("gru" finds "Grüße"). Words are quoted, so no FTS5 operator can be injected.
fn fts_expression(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// FTS5 query for the trigram index: every word must occur as a substring of the subject or
/// the addresses. `None` when a word is shorter than three characters (a trigram index cannot
/// answer that without a full scan).
fn trigram_expression(words: &[String]) -> Option<String> {
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

impl Store {
    /// Messages matching `query`, newest first, at most `limit`. A message matches when every
    /// word of the query is a word prefix in its subject, addresses or body, or a substring of
    /// its subject or addresses (words of three or more characters). Folding as in the module
    /// docs. Locally deleted messages are left out.
    pub async fn search(&self, query: &str, limit: u32) -> Result<Vec<MessageRow>, CoreError> {
        let words = query_words(query);
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.pool.acquire().await?;
        // Each index yields at most `limit` ids, newest first; the union of the two lists,
        // cut to `limit`, is the answer.
        let mut ids: BTreeSet<i64> = BTreeSet::new();
        let fts = fts_expression(&words);
        let hits: Vec<i64> = sqlx::query_scalar(
            "SELECT f.rowid FROM message_fts f JOIN message m ON m.id = f.rowid
             WHERE message_fts MATCH ?1 AND (m.local_state & 8) = 0
             ORDER BY f.rowid DESC LIMIT ?2",
        )
        .bind(&fts)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        ids.extend(hits);
        if let Some(tri) = trigram_expression(&words) {
            let hits: Vec<i64> = sqlx::query_scalar(
                "SELECT t.rowid FROM message_tri t JOIN message m ON m.id = t.rowid
                 WHERE message_tri MATCH ?1 AND (m.local_state & 8) = 0
                 ORDER BY t.rowid DESC LIMIT ?2",
            )
            .bind(&tri)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            ids.extend(hits);
        }
        let wanted: Vec<i64> = ids.into_iter().rev().take(limit as usize).collect();
        let mut out = Vec::with_capacity(wanted.len());
        for id in wanted {
            let sql = format!("SELECT {MESSAGE_COLUMNS} FROM message WHERE id = ?1");
            if let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
            {
                out.push(message_from_row(&row)?);
            }
        }
        Ok(out)
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
    fn queries_are_quoted_words() {
        let words = query_words("Grüße, \"OR\" x*y NEAR(a)");
        assert_eq!(words, ["grusse", "or", "x", "y", "near", "a"]);
        assert_eq!(fts_expression(&words[..2]), "\"grusse\"* AND \"or\"*");
        assert_eq!(trigram_expression(&words), None);
        assert_eq!(
            trigram_expression(&words[..1]).as_deref(),
            Some("\"grusse\"")
        );
    }
}
