//! Searching the cache from the window: the search box's text ([`crate::search_query`]) and
//! the quick filters become a [`SearchFilter`]; the hits are a list like a folder's, read in
//! windows (docs/search.md).

use chrono::{Datelike, Days, Local, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use super::Kontor;
use super::messages::{MessageSummary, MessageWindow, MessageWindowRequest};
use crate::error::CoreError;
use crate::search_query::{self, QueryHint};
use crate::store::SearchFilter;

/// At most this many hits, newest first; the window says when there are more.
pub const SEARCH_LIMIT: u32 = 1000;

/// A search or filtered view of the message list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageSearch {
    /// The search box's text (words, "phrases", from: to: subject: has: is: before: after:
    /// date: and their German names).
    pub text: String,
    /// Every mail folder instead of the request's folder.
    pub all_folders: bool,
    pub filters: QuickFilters,
}

/// The quick filter bar's switches; they narrow the list, with or without search text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QuickFilters {
    pub unread: bool,
    pub flagged: bool,
    pub attachment: bool,
    /// From someone the user has written to (a recipient of a message in Sent Items).
    pub known_senders: bool,
    /// Received this week (since Monday, local time).
    pub this_week: bool,
}

/// What the window shows about a search besides its hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchOutcome {
    /// Parts of the text that were not understood (the search ran with them as words).
    pub hints: Vec<QueryHint>,
    /// More messages match than the list holds ([`SEARCH_LIMIT`]).
    pub capped: bool,
    /// Hits are counted only as far as the windows asked for so far: more match than
    /// `total - 1`, and the row at `total - 1` comes with the next window.
    pub more: bool,
}

/// Local midnight of `day` as Unix seconds (the earlier one when the clock was set back).
fn local_midnight(day: NaiveDate) -> Option<i64> {
    let naive = day.and_hms_opt(0, 0, 0)?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp())
}

impl Kontor {
    /// The filter a search stands for; `today` is the user's local date.
    pub async fn search_filter(
        &self,
        account_id: i64,
        folder_id: &str,
        search: &MessageSearch,
        today: NaiveDate,
    ) -> Result<(SearchFilter, Vec<QueryHint>), CoreError> {
        let q = search_query::parse(&search.text, today);
        let f = &search.filters;
        let mut filter = SearchFilter {
            words: q.words,
            phrases: q.phrases,
            from: q.from,
            to: q.to,
            subject: q.subject,
            folder_id: (!search.all_folders).then(|| folder_id.to_owned()),
            read: if f.unread { Some(false) } else { q.read },
            flagged: if f.flagged { Some(true) } else { q.flagged },
            has_attachment: q.has_attachment || f.attachment,
            since: q.after.and_then(local_midnight),
            until: q.before.and_then(local_midnight),
            senders: None,
        };
        if f.this_week {
            let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
            let since = local_midnight(monday);
            filter.since = filter.since.max(since);
        }
        if f.known_senders {
            filter.senders = Some(self.store.correspondents(account_id).await?);
        }
        Ok((filter, q.hints))
    }

    /// A window of a search's hits (newest first; sort and keyset are not used). Hits are
    /// looked for only as far as this window reaches, plus one to know whether there are more:
    /// the first window of a keystroke does not wait for a thousand hits to be counted. With
    /// more, `total` is one past the window, so the list shows a row to scroll to, whose window
    /// then looks further.
    pub(crate) async fn search_window(
        &self,
        account_id: i64,
        req: &MessageWindowRequest,
        search: &MessageSearch,
    ) -> Result<MessageWindow, CoreError> {
        let began = std::time::Instant::now();
        let today = Local::now().date_naive();
        let (filter, hints) = self
            .search_filter(account_id, &req.folder_id, search, today)
            .await?;
        let want = req
            .start
            .saturating_add(req.count.min(1000))
            .min(SEARCH_LIMIT);
        let keys = self
            .store
            .search_keys(account_id, &filter, want + 1)
            .await?;
        let searched = began.elapsed();
        let beyond = keys.len() > want as usize;
        let capped = beyond && want == SEARCH_LIMIT;
        let more = beyond && !capped;
        let hits = &keys[..keys.len().min(want as usize)];
        let start = (req.start as usize).min(hits.len());
        let rows = self.store.messages_by_sort_keys(&hits[start..]).await?;
        let total = hits.len() + usize::from(more);
        tracing::debug!(
            text = %search.text,
            start = req.start,
            rows = rows.len(),
            keys_ms = searched.as_secs_f64() * 1000.0,
            total_ms = began.elapsed().as_secs_f64() * 1000.0,
            "search window"
        );
        Ok(MessageWindow {
            folder_id: req.folder_id.clone(),
            total: u32::try_from(total).unwrap_or(u32::MAX),
            unread: 0,
            start: req.start,
            rows: rows.iter().map(MessageSummary::from).collect(),
            next: None,
            search: Some(SearchOutcome {
                hints,
                capped,
                more,
            }),
        })
    }
}
