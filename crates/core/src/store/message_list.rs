//! The window's message list: a folder's messages in one of four orders, read in windows of a
//! few hundred rows (never the whole folder), and the unread counts of the folder tree.
//!
//! Each order has a partial index over the shown rows (migrations/0008_message_list.sql), so a
//! window is an index range: after a known row (keyset, the usual case while scrolling) or at a
//! position (`OFFSET` over the index alone, when the user jumps). Every query repeats the
//! index's condition `(local_state & 8) = 0` word for word: that is how SQLite picks a partial
//! index.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::Store;
use super::messages::{MESSAGE_COLUMNS, MessageRow, message_from_row};
use crate::error::CoreError;

/// The orders of the message list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum MessageSort {
    Date,
    From,
    Subject,
    Size,
}

impl MessageSort {
    /// The sort key as an SQL expression, the same text as in the index.
    fn key(self) -> &'static str {
        match self {
            MessageSort::Date => "date",
            MessageSort::Size => "size",
            MessageSort::From => {
                "lower(CASE WHEN from_name != '' THEN from_name ELSE from_addr END)"
            }
            MessageSort::Subject => "lower(subject)",
        }
    }

    fn is_text(self) -> bool {
        matches!(self, MessageSort::From | MessageSort::Subject)
    }

    fn index(self) -> &'static str {
        match self {
            MessageSort::Date => "message_list_by_date",
            MessageSort::Size => "message_list_by_size",
            MessageSort::From => "message_list_by_from",
            MessageSort::Subject => "message_list_by_subject",
        }
    }

    /// The statement that makes this order's index when it is first needed; the date order's
    /// is made by migrations/0008_message_list.sql.
    fn create_index(self) -> Option<String> {
        (self != MessageSort::Date).then(|| {
            format!(
                "CREATE INDEX IF NOT EXISTS {} ON message (account_id, folder_id, {}, id)
                 WHERE (local_state & 8) = 0",
                self.index(),
                self.key()
            )
        })
    }
}

/// A sort key value of the row a window continues after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    Int(i64),
    Text(String),
}

/// Where the next window starts: the last row's sort key and id. Opaque to the UI (a string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListCursor {
    pub sort: MessageSort,
    pub descending: bool,
    pub key: KeyValue,
    pub id: i64,
}

impl ListCursor {
    pub fn encode(&self) -> String {
        // Serialising plain values cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(s: &str) -> Result<Self, CoreError> {
        serde_json::from_str(s)
            .map_err(|e| CoreError::InvalidInput(format!("the list cursor is not valid: {e}")))
    }

    fn of(row: &MessageRow, sort: MessageSort, descending: bool) -> Self {
        let key = match sort {
            MessageSort::Date => KeyValue::Int(row.date),
            MessageSort::Size => KeyValue::Int(row.size),
            MessageSort::From => KeyValue::Text(ascii_lower(if row.from.name.is_empty() {
                &row.from.addr
            } else {
                &row.from.name
            })),
            MessageSort::Subject => KeyValue::Text(ascii_lower(&row.subject)),
        };
        ListCursor {
            sort,
            descending,
            key,
            id: row.id,
        }
    }
}

/// SQLite's `lower()`: ASCII letters only.
fn ascii_lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// One window of a folder's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListWindow {
    /// Shown messages in the folder.
    pub total: u32,
    pub unread: u32,
    pub rows: Vec<MessageRow>,
    /// After the last row, when the folder has more.
    pub next: Option<ListCursor>,
}

impl Store {
    /// `count` messages of a folder in the order `sort`, from position `start` — or, when
    /// `after` is given (the cursor of the row at `start - 1`), right after that row.
    #[allow(clippy::too_many_arguments)]
    pub async fn message_window(
        &self,
        account_id: i64,
        folder_id: &str,
        sort: MessageSort,
        descending: bool,
        start: u32,
        count: u32,
        after: Option<&ListCursor>,
    ) -> Result<ListWindow, CoreError> {
        if let Some(c) = after
            && (c.sort != sort || c.descending != descending)
        {
            return Err(CoreError::InvalidInput(
                "the list cursor belongs to another sort order".into(),
            ));
        }
        self.ensure_sort_index(sort).await?;
        let (total, unread): (i64, i64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(read = 0), 0) FROM message INDEXED BY message_list_by_date
             WHERE account_id = ?1 AND folder_id = ?2 AND (local_state & 8) = 0",
        )
        .bind(account_id)
        .bind(folder_id)
        .fetch_one(&self.pool)
        .await?;
        let key = sort.key();
        let index = sort.index();
        let (dir, cmp) = if descending {
            ("DESC", "<")
        } else {
            ("ASC", ">")
        };
        let limit = i64::from(count.min(1000));
        // The ids of the window from the index alone, then their rows.
        let ids: Vec<i64> = match after {
            Some(c) => {
                let sql = format!(
                    "SELECT id FROM message INDEXED BY {index}
                     WHERE account_id = ?1 AND folder_id = ?2 AND (local_state & 8) = 0
                       AND ({key}, id) {cmp} (?3, ?4)
                     ORDER BY {key} {dir}, id {dir} LIMIT ?5"
                );
                let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(account_id)
                    .bind(folder_id);
                let q = match &c.key {
                    KeyValue::Int(v) => q.bind(*v),
                    KeyValue::Text(s) => q.bind(s.clone()),
                };
                q.bind(c.id).bind(limit).fetch_all(&self.pool).await?
            }
            None => {
                let sql = format!(
                    "SELECT id FROM message INDEXED BY {index}
                     WHERE account_id = ?1 AND folder_id = ?2 AND (local_state & 8) = 0
                     ORDER BY {key} {dir}, id {dir} LIMIT ?3 OFFSET ?4"
                );
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(account_id)
                    .bind(folder_id)
                    .bind(limit)
                    .bind(i64::from(start))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let mut rows = self.messages_by_ids(&ids).await?;
        // Back into the index's order.
        let pos: std::collections::HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        rows.sort_by_key(|r| pos.get(&r.id).copied().unwrap_or(usize::MAX));
        let next = if rows.len() as i64 == limit {
            rows.last().map(|r| ListCursor::of(r, sort, descending))
        } else {
            None
        };
        Ok(ListWindow {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
            rows,
            next,
        })
    }

    /// Where a message stands in its folder's list in an order (0 = the top), or `None` when it
    /// is not a shown row of that folder (another folder, deleted here, not in the cache). What
    /// the window needs to select a message it is told to open.
    pub async fn message_position(
        &self,
        account_id: i64,
        folder_id: &str,
        sort: MessageSort,
        descending: bool,
        message_id: i64,
    ) -> Result<Option<u32>, CoreError> {
        self.ensure_sort_index(sort).await?;
        let key = sort.key();
        let index = sort.index();
        let sql = format!(
            "SELECT {key} FROM message
             WHERE id = ?1 AND account_id = ?2 AND folder_id = ?3 AND (local_state & 8) = 0"
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(message_id)
            .bind(account_id)
            .bind(folder_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        // The rows before it: those the window query returns first.
        let cmp = if descending { ">" } else { "<" };
        let sql = format!(
            "SELECT count(*) FROM message INDEXED BY {index}
             WHERE account_id = ?1 AND folder_id = ?2 AND (local_state & 8) = 0
               AND ({key}, id) {cmp} (?3, ?4)"
        );
        let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(folder_id);
        let q = if sort.is_text() {
            q.bind(row.try_get::<String, _>(0)?)
        } else {
            q.bind(row.try_get::<i64, _>(0)?)
        };
        let before: i64 = q.bind(message_id).fetch_one(&self.pool).await?;
        Ok(Some(u32::try_from(before).unwrap_or(u32::MAX)))
    }

    /// Makes the index of a sort order the first time the list is sorted that way (once per
    /// database: it stays, and every later message is added to it). Sorting a large folder the
    /// first time takes about as long as reading it once; every synced message costs one more
    /// B-tree insert from then on, which users who never sort by sender, subject or size do not
    /// pay (migrations/0008_message_list.sql).
    pub async fn ensure_sort_index(&self, sort: MessageSort) -> Result<(), CoreError> {
        let Some(sql) = sort.create_index() else {
            return Ok(());
        };
        let known: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?1")
                .bind(sort.index())
                .fetch_optional(&self.pool)
                .await?;
        if known.is_none() {
            let mut tx = self.begin_write().await?;
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(index = sort.index(), "made the index of a sort order");
        }
        Ok(())
    }

    /// Messages by local id (any order; missing ids left out).
    pub async fn messages_by_ids(&self, ids: &[i64]) -> Result<Vec<MessageRow>, CoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are numbers, joined into the statement as a JSON array bound as one value.
        let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM message WHERE id IN (SELECT value FROM json_each(?1))"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(list)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// An attachment's FileReference and name.
    pub async fn attachment_ref(&self, id: i64) -> Result<Option<(String, String)>, CoreError> {
        Ok(
            sqlx::query_as("SELECT file_reference, name FROM attachment WHERE id = ?1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// An attachment's MIME type as the server listed it.
    pub async fn attachment_content_type(&self, id: i64) -> Result<Option<String>, CoreError> {
        Ok(
            sqlx::query_scalar("SELECT content_type FROM attachment WHERE id = ?1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The cached calendar event with this iCalendar UID (the series, not an override).
    pub async fn event_id_by_uid(&self, uid: &str) -> Result<Option<i64>, CoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM event WHERE uid = ?1 ORDER BY id LIMIT 1")
                .bind(uid)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The highest message id of a folder (0 when empty): new mail arrives above it.
    pub async fn max_message_id(&self, account_id: i64, folder_id: &str) -> Result<i64, CoreError> {
        Ok(sqlx::query_scalar(
            "SELECT coalesce(max(id), 0) FROM message WHERE account_id = ?1 AND folder_id = ?2",
        )
        .bind(account_id)
        .bind(folder_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Unread, shown messages of a folder that arrived after the message `after_id` (ids grow
    /// with each insert), newest first, at most `limit`.
    pub async fn unread_since(
        &self,
        account_id: i64,
        folder_id: &str,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<MessageRow>, CoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM message
             WHERE account_id = ?1 AND folder_id = ?2 AND id > ?3 AND read = 0
               AND (local_state & 8) = 0
             ORDER BY id DESC LIMIT ?4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(folder_id)
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(message_from_row).collect()
    }

    /// Unread, shown messages per folder of an account (folders with none are absent).
    pub async fn unread_counts(
        &self,
        account_id: i64,
    ) -> Result<std::collections::HashMap<String, u32>, CoreError> {
        let rows = sqlx::query(
            "SELECT folder_id, count(*) FROM message INDEXED BY message_unread
             WHERE account_id = ?1 AND read = 0 AND (local_state & 8) = 0 GROUP BY folder_id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let n: i64 = r.get(1);
                (r.get::<String, _>(0), u32::try_from(n).unwrap_or(u32::MAX))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::store::{Address, MailBatch, MailChange, MessageData};

    async fn folder_of(n: usize) -> (Store, i64) {
        let store = Store::open_in_memory().await.unwrap();
        let acc = store
            .upsert_account("https://h/Microsoft-Server-ActiveSync", "alice", "14.1", "")
            .await
            .unwrap();
        let changes = (0..n)
            .map(|i| {
                MailChange::Upsert(MessageData {
                    server_id: format!("{i}"),
                    subject: format!("Subject {:03}", (i * 7) % n),
                    from: Address::new(if i % 2 == 0 { "" } else { "Bert" }, &format!("s{i}@x.de")),
                    // Pairs of messages share a second: the id decides between them.
                    date: Utc
                        .timestamp_opt(1_700_000_000 + (i as i64 / 2) * 60, 0)
                        .unwrap(),
                    size: (i as i64 * 37) % 101,
                    read: i % 3 != 0,
                    importance: 1,
                    ..MessageData::default()
                })
            })
            .collect();
        store
            .apply_mail_batch(
                acc,
                "inbox",
                &MailBatch {
                    sync_key: "1".into(),
                    changes,
                    complete: true,
                },
            )
            .await
            .unwrap();
        (store, acc)
    }

    /// Every order, both directions: walking the folder window by window with cursors gives the
    /// same rows as one offset read, and the same as sorting the whole folder in Rust.
    #[tokio::test]
    async fn windows_by_cursor_and_by_offset_agree_with_a_full_sort() {
        let (store, acc) = folder_of(95).await;
        for sort in [
            MessageSort::Date,
            MessageSort::From,
            MessageSort::Subject,
            MessageSort::Size,
        ] {
            for descending in [true, false] {
                let all = store
                    .message_window(acc, "inbox", sort, descending, 0, 1000, None)
                    .await
                    .unwrap();
                assert_eq!(all.total, 95);
                assert_eq!(all.unread, 32);
                assert!(all.next.is_none());
                let mut expected = all.rows.clone();
                expected.sort_by(|a, b| {
                    let ka = ListCursor::of(a, sort, descending);
                    let kb = ListCursor::of(b, sort, descending);
                    let ord = match (&ka.key, &kb.key) {
                        (KeyValue::Int(x), KeyValue::Int(y)) => x.cmp(y),
                        (KeyValue::Text(x), KeyValue::Text(y)) => x.cmp(y),
                        _ => unreachable!(),
                    }
                    .then(a.id.cmp(&b.id));
                    if descending { ord.reverse() } else { ord }
                });
                let ids = |rows: &[MessageRow]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
                assert_eq!(ids(&all.rows), ids(&expected), "{sort:?} desc={descending}");

                let mut walked = Vec::new();
                let mut after: Option<ListCursor> = None;
                loop {
                    let start = walked.len() as u32;
                    let w = store
                        .message_window(acc, "inbox", sort, descending, start, 10, after.as_ref())
                        .await
                        .unwrap();
                    // The same window by position.
                    let by_offset = store
                        .message_window(acc, "inbox", sort, descending, start, 10, None)
                        .await
                        .unwrap();
                    assert_eq!(ids(&w.rows), ids(&by_offset.rows));
                    walked.extend(w.rows);
                    match w.next {
                        Some(c) => {
                            let c = ListCursor::decode(&c.encode()).unwrap();
                            after = Some(c);
                        }
                        None => break,
                    }
                }
                assert_eq!(ids(&walked), ids(&expected), "{sort:?} desc={descending}");
            }
        }
    }

    #[tokio::test]
    async fn deleted_rows_leave_the_list_and_the_counts() {
        let (store, acc) = folder_of(10).await;
        let first = store
            .message_window(acc, "inbox", MessageSort::Date, true, 0, 3, None)
            .await
            .unwrap();
        sqlx::query("UPDATE message SET local_state = 8 WHERE id = ?1")
            .bind(first.rows[0].id)
            .execute(store.pool())
            .await
            .unwrap();
        let after = store
            .message_window(acc, "inbox", MessageSort::Date, true, 0, 3, None)
            .await
            .unwrap();
        assert_eq!(after.total, 9);
        assert!(after.rows.iter().all(|r| r.id != first.rows[0].id));
        let unread = store.unread_counts(acc).await.unwrap();
        let expected = i64::from(after.unread);
        assert_eq!(unread.get("inbox").copied().map(i64::from), Some(expected));
        // A cursor of another order is refused.
        let c = first.next.unwrap();
        assert!(
            store
                .message_window(acc, "inbox", MessageSort::Size, true, 3, 3, Some(&c))
                .await
                .is_err()
        );
    }

    /// New mail is what arrived above the mark: read mail and mail moved in (old ids) is not.
    #[tokio::test]
    async fn unread_mail_above_the_mark_is_new() {
        let (store, acc) = folder_of(6).await;
        let mark = store.max_message_id(acc, "inbox").await.unwrap();
        assert!(mark > 0);
        assert!(
            store
                .unread_since(acc, "inbox", mark, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let changes = ["n1", "n2"]
            .iter()
            .enumerate()
            .map(|(i, sid)| {
                MailChange::Upsert(MessageData {
                    server_id: (*sid).into(),
                    subject: format!("new {i}"),
                    // Older than everything: arrival order counts, not the date.
                    date: Utc.timestamp_opt(1_600_000_000, 0).unwrap(),
                    read: i == 1,
                    importance: 1,
                    ..MessageData::default()
                })
            })
            .collect();
        store
            .apply_mail_batch(
                acc,
                "inbox",
                &MailBatch {
                    sync_key: "2".into(),
                    changes,
                    complete: true,
                },
            )
            .await
            .unwrap();
        let new = store.unread_since(acc, "inbox", mark, 10).await.unwrap();
        assert_eq!(
            new.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(),
            ["new 0"]
        );
        assert!(store.max_message_id(acc, "inbox").await.unwrap() > mark);
    }

    /// A message's position is the index of its row in the windows, in every order.
    #[tokio::test]
    async fn a_position_matches_the_window_row() {
        let (store, acc) = folder_of(40).await;
        for sort in [
            MessageSort::Date,
            MessageSort::From,
            MessageSort::Subject,
            MessageSort::Size,
        ] {
            for descending in [false, true] {
                let w = store
                    .message_window(acc, "inbox", sort, descending, 0, 100, None)
                    .await
                    .unwrap();
                for (i, row) in w.rows.iter().enumerate() {
                    let at = store
                        .message_position(acc, "inbox", sort, descending, row.id)
                        .await
                        .unwrap();
                    assert_eq!(at, Some(i as u32), "{sort:?} descending={descending}");
                }
            }
        }
        assert_eq!(
            store
                .message_position(acc, "sent", MessageSort::Date, true, 1)
                .await
                .unwrap(),
            None
        );
    }

    /// Only the date order's index exists until the list is sorted another way.
    #[tokio::test]
    async fn a_sort_index_is_made_when_first_needed() {
        let (store, acc) = folder_of(5).await;
        let has = async |name: &str| -> bool {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
            )
            .bind(name)
            .fetch_one(store.pool())
            .await
            .unwrap();
            n == 1
        };
        assert!(has("message_list_by_date").await);
        assert!(!has("message_list_by_from").await);
        store
            .message_window(acc, "inbox", MessageSort::From, false, 0, 5, None)
            .await
            .unwrap();
        assert!(has("message_list_by_from").await);
        assert!(!has("message_list_by_subject").await);
    }
}
