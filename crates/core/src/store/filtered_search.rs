//! The search box's query against the cache: words through the two full-text indexes (as
//! [`Store::search`]), and the rest of the query — sender, recipients, subject, phrases,
//! read and flag state, attachments, dates, folder, known senders — as conditions on the
//! candidates, newest first.
//!
//! Conditions SQLite can check on the message row (folder, state, dates, sender list) go into
//! the statement that reads an index, so `LIMIT` counts only rows that pass them; the index
//! `message_search_state` (migration 0013) holds every column they read but the sender's, so
//! candidates that fail them cost no row read. Conditions on
//! folded text (sender, recipients, subject, phrases) are checked in Rust on pages of
//! candidates, with the folding of [`fold`]. Each source (word index, trigram index, the
//! messages the indexer has not reached, or — for a query without words — the messages
//! themselves) is walked page by page, newest first, until it has given `limit` matches or has
//! none left; the union of the sources, newest first, cut to `limit`, is the answer.

use std::collections::BTreeSet;

use sqlx::SqliteConnection;

use super::messages::key_base;
use super::messages::parse_addresses;
use super::search::{
    SHORT_PREFIX, TEXT_COLUMNS, TRIGRAM_INDEX, TextRow, WORD_INDEX, entry_from_row, fold,
    fts_expression, fts_phrase_expression, query_words, trigram_expression,
};
use super::{Address, Store};
use crate::error::CoreError;

/// What a search asks for. Text is as typed; the store folds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// Every word must occur (word prefix anywhere, or substring of subject/addresses).
    pub words: Vec<String>,
    /// Every phrase must occur, its words in this order.
    pub phrases: Vec<String>,
    /// Each must occur in the sender's name or address.
    pub from: Vec<String>,
    /// Each must occur in a recipient's (To, Cc) name or address.
    pub to: Vec<String>,
    /// Each must occur in the subject.
    pub subject: Vec<String>,
    /// Only this folder; `None`: every mail folder.
    pub folder_id: Option<String>,
    pub read: Option<bool>,
    pub flagged: Option<bool>,
    pub has_attachment: bool,
    /// Unix seconds: `date >= since`.
    pub since: Option<i64>,
    /// Unix seconds: `date < until`.
    pub until: Option<i64>,
    /// Only senders with one of these addresses (compared in lower case).
    pub senders: Option<Vec<String>>,
}

/// The columns of a [`TextRow`] without the bodies.
const HEAD_COLUMNS: &str = "m.sort_key, m.subject, m.from_name, m.from_addr, m.to_json, m.cc_json,
    m.preview, NULL, NULL";

/// Candidates read per statement.
const PAGE: i64 = 256;

/// Folded conditions checked in Rust.
struct TextChecks {
    from: Vec<String>,
    to: Vec<String>,
    subject: Vec<String>,
    /// The folded words of each phrase of two or more words.
    phrases: Vec<Vec<String>>,
}

impl TextChecks {
    fn of(f: &SearchFilter) -> Self {
        let norm = |s: &String| fold(s).trim().to_owned();
        TextChecks {
            from: f.from.iter().map(norm).filter(|s| !s.is_empty()).collect(),
            to: f.to.iter().map(norm).filter(|s| !s.is_empty()).collect(),
            subject: f
                .subject
                .iter()
                .map(norm)
                .filter(|s| !s.is_empty())
                .collect(),
            // A phrase of one word asks no more than the word, which the indexes answer.
            phrases: f
                .phrases
                .iter()
                .map(|p| query_words(p))
                .filter(|w| w.len() > 1)
                .collect(),
        }
    }

    /// Whether anything is checked on a candidate; `phrases`: the phrases too (the word index
    /// answers them itself).
    fn any(&self, phrases: bool) -> bool {
        !self.from.is_empty()
            || !self.to.is_empty()
            || !self.subject.is_empty()
            || (phrases && !self.phrases.is_empty())
    }

    fn matches(&self, row: &TextRow, phrases: bool) -> Result<bool, CoreError> {
        let (_, subject, from_name, from_addr, to_json, cc_json, ..) = row;
        if !self.subject.is_empty() {
            let s = fold(subject);
            if !self.subject.iter().all(|w| s.contains(w.as_str())) {
                return Ok(false);
            }
        }
        if !self.from.is_empty() {
            let s = fold(&format!("{from_name} {from_addr}"));
            if !self.from.iter().all(|w| s.contains(w.as_str())) {
                return Ok(false);
            }
        }
        if !self.to.is_empty() {
            let mut people: Vec<Address> = parse_addresses(to_json)?;
            people.extend(parse_addresses(cc_json)?);
            let s = fold(
                &people
                    .iter()
                    .map(|a| format!("{} {}", a.name, a.addr))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            if !self.to.iter().all(|w| s.contains(w.as_str())) {
                return Ok(false);
            }
        }
        if phrases && !self.phrases.is_empty() {
            let entry = entry_from_row(row.clone())?;
            if !self.phrases.iter().all(|p| entry.has_phrase(p)) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A bound value of the row conditions.
enum Bind {
    Int(i64),
    Text(String),
}

/// The row conditions as SQL on `m` with `?` placeholders, and their values.
fn row_conditions(account_id: i64, f: &SearchFilter) -> (String, Vec<Bind>) {
    let mut sql = String::from("m.account_id = ? AND (m.local_state & 8) = 0");
    let mut binds = vec![Bind::Int(account_id)];
    if let Some(folder) = &f.folder_id {
        sql.push_str(" AND m.folder_id = ?");
        binds.push(Bind::Text(folder.clone()));
    }
    if let Some(read) = f.read {
        sql.push_str(if read {
            " AND m.read != 0"
        } else {
            " AND m.read = 0"
        });
    }
    if let Some(flagged) = f.flagged {
        // MS-ASEMAIL FlagStatus 2: flagged (active).
        sql.push_str(if flagged {
            " AND m.flag_status = 2"
        } else {
            " AND m.flag_status != 2"
        });
    }
    if f.has_attachment {
        sql.push_str(" AND m.has_attachments != 0");
    }
    if let Some(since) = f.since {
        sql.push_str(" AND m.date >= ?");
        binds.push(Bind::Int(since));
    }
    if let Some(until) = f.until {
        sql.push_str(" AND m.date < ?");
        binds.push(Bind::Int(until));
    }
    if let Some(senders) = &f.senders {
        let lower: Vec<String> = senders.iter().map(|s| s.to_lowercase()).collect();
        sql.push_str(" AND lower(m.from_addr) IN (SELECT value FROM json_each(?))");
        binds.push(Bind::Text(
            serde_json::to_string(&lower).unwrap_or_else(|_| "[]".into()),
        ));
    }
    (sql, binds)
}

/// Where candidates come from. An index is always the outer loop (`CROSS JOIN` keeps SQLite
/// from driving the join from `message` by its account condition and asking the index once per
/// row: minutes instead of milliseconds on 100,000 messages).
#[derive(Clone, Copy)]
enum Source<'a> {
    /// An FTS5 table and its MATCH expression.
    Index(&'static str, &'a str),
    /// Messages the indexer has not reached, checked against the words in Rust (through the
    /// partial index of those: without `INDEXED BY` SQLite reads every message of the account).
    Unindexed(&'a [String]),
    /// Every message (a query without words).
    All,
}

/// The sort keys a date range can have: `date * 2^20 + n` (messages.rs) for every message
/// except those in the partial index `message_key_off_date` (migration 0010), which
/// [`Store::search_keys`] reads besides. Lower bound inclusive, upper exclusive.
fn key_range(f: &SearchFilter) -> Option<(i64, i64)> {
    if f.since.is_none() && f.until.is_none() {
        return None;
    }
    Some((
        f.since.map_or(i64::MIN, key_base),
        f.until.map_or(i64::MAX, key_base),
    ))
}

impl Store {
    /// Sort keys of the messages matching `filter`, newest first, at most `limit`.
    pub async fn search_keys(
        &self,
        account_id: i64,
        filter: &SearchFilter,
        limit: u32,
    ) -> Result<Vec<i64>, CoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let checks = TextChecks::of(filter);
        // Words every match holds somewhere in its indexed text: the free words, and those of
        // the phrases and the sender/recipient/subject values.
        let mut words: Vec<String> = Vec::new();
        for text in filter
            .words
            .iter()
            .chain(&filter.phrases)
            .chain(&filter.from)
            .chain(&filter.to)
            .chain(&filter.subject)
        {
            for w in query_words(text) {
                if !words.contains(&w) {
                    words.push(w);
                }
            }
        }
        // Words outside the phrases: a message holding the phrases holds their words.
        let loose: Vec<String> = words
            .iter()
            .filter(|w| !checks.phrases.iter().any(|p| p.contains(w)))
            .cloned()
            .collect();
        let range = key_range(filter);
        let mut conn = self.pool.acquire().await?;
        let mut keys: BTreeSet<i64> = BTreeSet::new();
        let mut sources: Vec<(Source<'_>, bool)> = Vec::new();
        let fts;
        let tri;
        if words.is_empty() {
            sources.push((Source::All, false));
        } else {
            // Words only from from:/to:/subject: values, each of three or more characters: the
            // substring index holds every message whose subject or addresses contain them, a
            // superset of the matches, so the word index would only repeat its work.
            let trigram_covers = filter.words.is_empty()
                && filter.phrases.is_empty()
                && trigram_expression(&words).is_some();
            // Only a letter or two per word typed so far (`m`, `pr`), or words that each stand
            // for more indexed words than the index expands: the index would look up and merge
            // every match of every word they begin before its first hit, 20–50 ms in 100,000
            // messages, while nearly every message matches. The newest messages read directly,
            // by the indexes' rules, give the answer at once; only when they hold too few
            // matches is the index asked.
            let scan_first = range.is_none() && checks.phrases.is_empty() && !loose.is_empty();
            let walk = Walk {
                account_id,
                filter,
                checks: &checks,
                phrases: true,
                limit,
            };
            let mut scanned = false;
            if scan_first && loose.iter().all(|w| w.chars().count() <= SHORT_PREFIX) {
                scanned = true;
                let (found, every_message) = walk.scan_newest(&mut conn, &words).await?;
                if found.len() >= limit as usize || every_message {
                    return Ok(found);
                }
                keys.extend(found);
            }
            // A letter or two typed after longer words (`invoice p`, `gruesse s`): the longer
            // words pick the candidates from the word index, newest first, and the short ones
            // are checked on them, rather than letting the index merge every word the letter
            // begins.
            let mut narrowed = false;
            if range.is_none()
                && !scanned
                && !trigram_covers
                && let Some(found) = walk.narrowed(&mut conn, &words).await?
            {
                keys.extend(found);
                narrowed = true;
            }
            fts = if trigram_covers || narrowed {
                None
            } else {
                word_index_expression(&mut conn, &loose, &checks.phrases).await?
            };
            if scan_first && !scanned && fts.as_deref().is_some_and(only_broad_prefixes) {
                let (found, every_message) = walk.scan_newest(&mut conn, &words).await?;
                if found.len() >= limit as usize || every_message {
                    return Ok(found);
                }
                keys.extend(found);
            }
            if let Some(fts) = &fts {
                // The word index answers the phrases itself.
                sources.push((Source::Index(WORD_INDEX, fts), false));
            }
            // With phrases, the substring index finds more only through a word outside them (a
            // message holding a phrase holds its words as words).
            tri = trigram_expression(&words)
                .filter(|_| checks.phrases.is_empty() || !loose.is_empty());
            if let Some(tri) = &tri {
                sources.push((Source::Index(TRIGRAM_INDEX, tri), true));
            }
            sources.push((Source::Unindexed(&words), true));
        }
        for (source, phrases) in sources {
            let walk = Walk {
                account_id,
                filter,
                checks: &checks,
                phrases,
                limit,
            };
            // Once the sources before have given `limit` hits, a later source need not look
            // below the oldest of them: the answer is the newest `limit` of all.
            let floor = keys
                .iter()
                .rev()
                .nth(limit as usize - 1)
                .copied()
                .unwrap_or(i64::MIN);
            match (source, range) {
                (Source::Unindexed(_), _) | (_, None) => {
                    let range = (floor, i64::MAX);
                    keys.extend(walk.run(&mut conn, source, range).await?);
                }
                (_, Some((low, high))) => {
                    let range = (low.max(floor), high);
                    keys.extend(walk.run(&mut conn, source, range).await?);
                    keys.extend(walk.off_date(&mut conn, source, floor).await?);
                }
            }
        }
        Ok(keys.into_iter().rev().take(limit as usize).collect())
    }

    /// The messages with these sort keys, in the order given (keys no longer in the cache are
    /// left out).
    pub async fn messages_by_sort_keys(
        &self,
        keys: &[i64],
    ) -> Result<Vec<super::MessageRow>, CoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT sort_key, {cols} FROM message WHERE sort_key IN (SELECT value FROM json_each(?1))",
            cols = super::messages::MESSAGE_COLUMNS
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(serde_json::to_string(keys).unwrap_or_else(|_| "[]".into()))
            .fetch_all(&self.pool)
            .await?;
        let mut by_key = std::collections::HashMap::new();
        for r in &rows {
            let key: i64 = sqlx::Row::try_get(r, "sort_key")?;
            by_key.insert(key, super::messages::message_from_row(r)?);
        }
        Ok(keys.iter().filter_map(|k| by_key.remove(k)).collect())
    }
}

/// The word index's query: every loose word (as [`fts_expression`]) and every phrase (as
/// [`fts_phrase_expression`]). `None` when no indexed message can match.
async fn word_index_expression(
    conn: &mut SqliteConnection,
    loose: &[String],
    phrases: &[Vec<String>],
) -> Result<Option<String>, CoreError> {
    let mut parts = Vec::new();
    if !loose.is_empty() {
        match fts_expression(conn, loose).await? {
            Some(e) => parts.push(e),
            None => return Ok(None),
        }
    }
    for p in phrases {
        match fts_phrase_expression(conn, p).await? {
            Some(e) => parts.push(e),
            None => return Ok(None),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
}

/// Whether a word index expression ([`fts_expression`]) is only prefix queries: words that
/// stand for more indexed words than it expands, each part `"w"*` (its other parts are groups
/// of quoted whole words in parentheses).
fn only_broad_prefixes(expr: &str) -> bool {
    expr.split(" AND ")
        .all(|part| part.starts_with('"') && part.ends_with("\"*"))
}

/// Rows read per step of [`Walk::scan_newest`], and the steps before it gives up.
const SCAN_STEPS: usize = 2;

/// Steps of [`Walk::narrowed`] before it leaves the query to the word index.
const NARROW_STEPS: usize = 3;

/// One search's walk over a source.
struct Walk<'a> {
    account_id: i64,
    filter: &'a SearchFilter,
    checks: &'a TextChecks,
    /// Whether the phrases are checked in Rust (every source but the word index).
    phrases: bool,
    limit: u32,
}

impl Walk<'_> {
    /// Up to `limit` sort keys from one source that pass the row conditions and the text
    /// checks, newest first, with sort keys in `range` (lower bound inclusive).
    async fn run(
        &self,
        conn: &mut SqliteConnection,
        source: Source<'_>,
        range: (i64, i64),
    ) -> Result<Vec<i64>, CoreError> {
        let (conditions, binds) = row_conditions(self.account_id, self.filter);
        let (low, below) = range;
        let (sql, match_expr) = match source {
            Source::Index(index, expr) => (
                format!(
                    "SELECT f.rowid FROM {index} f CROSS JOIN message m INDEXED BY message_search_state ON m.sort_key = f.rowid
                     WHERE {index} MATCH ? AND {conditions} AND f.rowid >= ? AND f.rowid < ?
                     ORDER BY f.rowid DESC LIMIT ?"
                ),
                Some(expr),
            ),
            Source::Unindexed(_) => (
                format!(
                    "SELECT m.sort_key FROM message m INDEXED BY message_unindexed
                     WHERE m.indexed = 0 AND {conditions} AND m.sort_key >= ? AND m.sort_key < ?
                     ORDER BY m.sort_key DESC LIMIT ?"
                ),
                None,
            ),
            Source::All => (
                format!(
                    "SELECT m.sort_key FROM message m INDEXED BY message_search_state
                     WHERE {conditions} AND m.sort_key >= ? AND m.sort_key < ?
                     ORDER BY m.sort_key DESC LIMIT ?"
                ),
                None,
            ),
        };
        let mut found = Vec::new();
        let mut below = below;
        loop {
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()));
            if let Some(e) = match_expr {
                q = q.bind(e);
            }
            for b in &binds {
                q = match b {
                    Bind::Int(v) => q.bind(*v),
                    Bind::Text(v) => q.bind(v.as_str()),
                };
            }
            let page: Vec<i64> = q
                .bind(low)
                .bind(below)
                .bind(PAGE)
                .fetch_all(&mut *conn)
                .await?;
            let last_page = page.len() < PAGE as usize;
            if let Some(&last) = page.last() {
                below = last;
            }
            if self.check(conn, source, &page, &mut found).await? || last_page {
                return Ok(found);
            }
        }
    }

    /// The newest messages, each checked directly against `words` and the text checks by the
    /// indexes' rules ([`entry_from_row`]), in at most [`SCAN_STEPS`] steps of a few more rows
    /// than `limit`: newest first, every match among the messages read. When that is `limit`
    /// keys, they are the answer (every match of every source is one of them, or older); so
    /// are they when every message was read (true).
    async fn scan_newest(
        &self,
        conn: &mut SqliteConnection,
        words: &[String],
    ) -> Result<(Vec<i64>, bool), CoreError> {
        let (conditions, binds) = row_conditions(self.account_id, self.filter);
        let step = (self.limit as i64 + self.limit as i64 / 2 + 16).min(PAGE);
        // The rows are bounded, not the matches: a folder whose newest messages are old does not
        // make SQLite read the whole account to fill a page.
        let sql = format!(
            "SELECT m.sort_key, ({conditions}) FROM message m INDEXED BY message_search_state
             WHERE m.sort_key < ? ORDER BY m.sort_key DESC LIMIT ?"
        );
        let mut found = Vec::new();
        let mut below = i64::MAX;
        for _ in 0..SCAN_STEPS {
            let mut q = sqlx::query_as::<_, (i64, bool)>(sqlx::AssertSqlSafe(sql.as_str()));
            for b in &binds {
                q = match b {
                    Bind::Int(v) => q.bind(*v),
                    Bind::Text(v) => q.bind(v.as_str()),
                };
            }
            let rows = q.bind(below).bind(step).fetch_all(&mut *conn).await?;
            let Some(&(last, _)) = rows.last() else {
                return Ok((found, true));
            };
            below = last;
            let page: Vec<i64> = rows.iter().filter(|r| r.1).map(|r| r.0).collect();
            if self
                .check(conn, Source::Unindexed(words), &page, &mut found)
                .await?
            {
                break;
            }
            if rows.len() < step as usize {
                return Ok((found, true));
            }
        }
        Ok((found, false))
    }

    /// The word index's answer for `words` when some are only a letter or two
    /// ([`SHORT_PREFIX`]) and the others each stand for a few indexed words: the messages the
    /// longer words find, newest first, each checked for every word by the indexes' rules, in
    /// at most [`NARROW_STEPS`] steps. `None` when that does not apply (also with a phrase) or
    /// the steps end before `limit` matches or the last candidate.
    async fn narrowed(
        &self,
        conn: &mut SqliteConnection,
        words: &[String],
    ) -> Result<Option<Vec<i64>>, CoreError> {
        let long: Vec<String> = words
            .iter()
            .filter(|w| w.chars().count() > SHORT_PREFIX)
            .cloned()
            .collect();
        // A phrase being typed (`"rechnung p`) is left to the index's phrase query: its first
        // word finds many messages, few with the phrase, and reading them costs more.
        if long.is_empty() || long.len() == words.len() || !self.checks.phrases.is_empty() {
            return Ok(None);
        }
        let Some(expr) = fts_expression(conn, &long).await? else {
            // A longer word is in no indexed message: neither is a match.
            return Ok(Some(Vec::new()));
        };
        if expr.split(" AND ").any(|part| part.ends_with("\"*")) {
            // A longer word is itself a broad prefix: no narrower than the whole query.
            return Ok(None);
        }
        let (conditions, binds) = row_conditions(self.account_id, self.filter);
        let step = (self.limit as i64 + self.limit as i64 / 2 + 16).min(PAGE);
        let sql = format!(
            "SELECT f.rowid FROM {WORD_INDEX} f CROSS JOIN message m INDEXED BY message_search_state ON m.sort_key = f.rowid
             WHERE {WORD_INDEX} MATCH ? AND {conditions} AND f.rowid < ?
             ORDER BY f.rowid DESC LIMIT ?"
        );
        let mut found = Vec::new();
        let mut below = i64::MAX;
        for _ in 0..NARROW_STEPS {
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str())).bind(&expr);
            for b in &binds {
                q = match b {
                    Bind::Int(v) => q.bind(*v),
                    Bind::Text(v) => q.bind(v.as_str()),
                };
            }
            let page: Vec<i64> = q.bind(below).bind(step).fetch_all(&mut *conn).await?;
            if self
                .check(conn, Source::Unindexed(words), &page, &mut found)
                .await?
                || page.len() < step as usize
            {
                return Ok(Some(found));
            }
            if let Some(&last) = page.last() {
                below = last;
            }
        }
        Ok(None)
    }

    /// The messages of a date range whose sort key does not say their date (see
    /// [`key_range`]), from `source`, newest first, at most `limit`, sort keys from `low` on.
    async fn off_date(
        &self,
        conn: &mut SqliteConnection,
        source: Source<'_>,
        low: i64,
    ) -> Result<Vec<i64>, CoreError> {
        let (conditions, binds) = row_conditions(self.account_id, self.filter);
        let (in_index, match_expr) = match source {
            Source::Index(index, expr) => (
                format!(
                    " AND EXISTS (SELECT 1 FROM {index} f WHERE {index} MATCH ?
                     AND f.rowid = m.sort_key)"
                ),
                Some(expr),
            ),
            _ => (String::new(), None),
        };
        let sql = format!(
            "SELECT m.sort_key FROM message m INDEXED BY message_key_off_date
             WHERE m.sort_key >> 20 != m.date AND {conditions} AND m.sort_key >= ?{in_index}
             ORDER BY m.sort_key DESC"
        );
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.as_str()));
        for b in &binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.as_str()),
            };
        }
        q = q.bind(low);
        if let Some(e) = match_expr {
            q = q.bind(e);
        }
        let keys: Vec<i64> = q.fetch_all(&mut *conn).await?;
        let mut found = Vec::new();
        for page in keys.chunks(PAGE as usize) {
            if self.check(conn, source, page, &mut found).await? {
                break;
            }
        }
        Ok(found)
    }

    /// Adds the keys of `page` (newest first) that pass the text checks to `found`; true when
    /// it holds `limit`.
    async fn check(
        &self,
        conn: &mut SqliteConnection,
        source: Source<'_>,
        page: &[i64],
        found: &mut Vec<i64>,
    ) -> Result<bool, CoreError> {
        let words = match source {
            Source::Unindexed(words) => Some(words),
            _ => None,
        };
        let phrases = self.phrases && !self.checks.phrases.is_empty();
        if !self.checks.any(phrases) && words.is_none() {
            for &key in page {
                found.push(key);
                if found.len() >= self.limit as usize {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        if page.is_empty() {
            return Ok(false);
        }
        // The bodies only when something is checked against them (a phrase, or the words of a
        // message the index does not hold yet): reading them costs most of the time otherwise.
        let columns = if phrases || words.is_some() {
            TEXT_COLUMNS
        } else {
            HEAD_COLUMNS
        };
        let text_sql = format!(
            "SELECT {columns} FROM message m WHERE m.sort_key IN (SELECT value FROM json_each(?1))
             ORDER BY m.sort_key DESC"
        );
        let rows: Vec<TextRow> = sqlx::query_as(sqlx::AssertSqlSafe(text_sql))
            .bind(serde_json::to_string(page).unwrap_or_else(|_| "[]".into()))
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let key = row.0;
            if let Some(words) = words
                && !entry_from_row(row.clone())?.matches(words)
            {
                continue;
            }
            if self.checks.matches(&row, phrases)? {
                found.push(key);
                if found.len() >= self.limit as usize {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
