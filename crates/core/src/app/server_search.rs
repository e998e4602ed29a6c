//! Searching the server (docs/search.md#searching-the-server): when the cache does not reach far
//! enough back (the mail kept offline is a few months), the search box's "Search on the server"
//! row asks the server with an ActiveSync Search of the mailbox (MS-ASCMD 2.2.1.16). Its hits
//! that the cache does not hold are listed apart, marked as not cached; opening one fetches the
//! message by its LongId (ItemOperations) and shows it without caching it: the next sync pass
//! would prune a message older than the window again. Such a message, like an `.eml` file, is
//! a *detached* message: kept in memory under a negative id, which the reading pane's commands
//! (view, attachments) accept like a cached message's id.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDate};
use serde::Serialize;

use super::Kontor;
use super::messages::{
    AttachmentInfo, FlagState, Importance, MessageBody, MessageSummary, MessageView,
};
use super::search::MessageSearch;
use crate::error::CoreError;
use crate::mail_view;
use crate::search_query;
use crate::store::Address;

/// Hits asked for per server search.
pub const SERVER_SEARCH_LIMIT: u32 = 100;

/// Detached messages kept at a time (the oldest is forgotten first).
const DETACHED_KEPT: usize = 16;

/// A detached message's attachments are numbered `message id × 1000 − (index + 1)`.
const ATTACHMENTS_PER_MESSAGE: i64 = 1000;

/// A hit of a server search that the cache does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerHit {
    /// The server's handle for fetching it ([`Kontor::open_server_hit`]); valid until the
    /// next search.
    pub long_id: String,
    /// The folder on the server (the cache's folder id).
    pub folder_id: String,
    pub subject: String,
    pub from: Address,
    /// Unix seconds, UTC.
    #[specta(type = specta_typescript::Number)]
    pub date: i64,
    pub preview: String,
    pub read: bool,
    pub has_attachments: bool,
}

/// What a server search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerSearchResult {
    /// The hits the cache does not hold, newest first.
    pub hits: Vec<ServerHit>,
    /// Hits the cache holds as well (they are in the list already).
    pub cached: u32,
    /// The server found more than it sent ([`SERVER_SEARCH_LIMIT`]).
    pub more: bool,
}

/// A message shown without being cached.
struct DetachedMessage {
    id: i64,
    mime: Vec<u8>,
    folder_id: String,
}

/// The detached messages, newest last.
#[derive(Default)]
pub(crate) struct Detached {
    next: i64,
    items: VecDeque<DetachedMessage>,
}

pub(crate) type DetachedMessages = std::sync::Arc<std::sync::Mutex<Detached>>;

impl Detached {
    fn add(&mut self, mime: Vec<u8>, folder_id: String) -> i64 {
        self.next += 1;
        let id = -self.next;
        self.items.push_back(DetachedMessage {
            id,
            mime,
            folder_id,
        });
        while self.items.len() > DETACHED_KEPT {
            self.items.pop_front();
        }
        id
    }

    fn get(&self, id: i64) -> Option<(Vec<u8>, String)> {
        self.items
            .iter()
            .find(|m| m.id == id)
            .map(|m| (m.mime.clone(), m.folder_id.clone()))
    }
}

/// The text a server is asked for: the words and phrases; without any, the subject, sender or
/// recipient terms. Servers match it as they do (SOGo and Z-Push: as a piece of the message's
/// text, without the cache's German spellings).
fn free_text(q: &search_query::ParsedQuery) -> String {
    let text = q
        .words
        .iter()
        .chain(&q.phrases)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    if !text.is_empty() {
        return text;
    }
    [&q.subject, &q.from, &q.to]
        .into_iter()
        .find(|v| !v.is_empty())
        .map(|v| v.join(" "))
        .unwrap_or_default()
}

/// Whether a hit keeps to the terms the server was not asked for (sender, recipients, subject,
/// read state, attachments, dates), compared as the server sent them, case-insensitively.
fn keeps_to(hit: &ServerHit, to: &[Address], q: &search_query::ParsedQuery) -> bool {
    let has = |hay: &str, needle: &str| hay.to_lowercase().contains(&needle.to_lowercase());
    let addr = |a: &Address, n: &str| has(&a.name, n) || has(&a.addr, n);
    q.from.iter().all(|n| addr(&hit.from, n))
        && q.to.iter().all(|n| to.iter().any(|a| addr(a, n)))
        && q.subject.iter().all(|n| has(&hit.subject, n))
        && q.read.is_none_or(|r| r == hit.read)
        && (!q.has_attachment || hit.has_attachments)
        && q.after
            .and_then(day_start)
            .is_none_or(|since| hit.date >= since)
        && q.before
            .and_then(day_start)
            .is_none_or(|until| hit.date < until)
}

fn day_start(day: NaiveDate) -> Option<i64> {
    use chrono::TimeZone;
    Local
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.timestamp())
}

/// The cache's folder for a hit's CollectionId. SOGo names the folder in search hits as
/// `mail/…` where its FolderSync said `mail%2F…`, so an id is also compared percent-decoded.
fn cache_folder(folders: &[String], collection: &str) -> String {
    if folders.iter().any(|f| f == collection) {
        return collection.to_owned();
    }
    let wanted = percent_decoded(collection);
    folders
        .iter()
        .find(|f| percent_decoded(f) == wanted)
        .cloned()
        .unwrap_or_else(|| collection.to_owned())
}

fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'%'));
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The attachment id of a detached message's attachment number `index`.
fn detached_attachment_id(message_id: i64, index: usize) -> i64 {
    message_id * ATTACHMENTS_PER_MESSAGE - (i64::try_from(index).unwrap_or(0) + 1)
}

/// The detached message and attachment number an attachment id stands for.
fn detached_attachment(attachment_id: i64) -> Option<(i64, usize)> {
    if attachment_id > -ATTACHMENTS_PER_MESSAGE {
        return None;
    }
    let n = -attachment_id;
    let message = -(n / ATTACHMENTS_PER_MESSAGE);
    let index = usize::try_from(n % ATTACHMENTS_PER_MESSAGE - 1).ok()?;
    Some((message, index))
}

/// The parts of a parsed message that are listed as attachments (inline images with a
/// Content-ID are shown in the text instead).
fn listed_attachments<'m>(
    msg: &'m mail_parser::Message<'m>,
) -> Vec<&'m mail_parser::MessagePart<'m>> {
    use mail_parser::MimeHeaders;
    msg.attachments()
        .filter(|p| {
            let inline = p
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
            !(inline && p.content_id().is_some())
        })
        .collect()
}

fn part_name(p: &mail_parser::MessagePart<'_>, index: usize) -> String {
    use mail_parser::MimeHeaders;
    p.attachment_name()
        .map(str::to_owned)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("attachment-{}", index + 1))
}

fn part_type(p: &mail_parser::MessagePart<'_>) -> String {
    use mail_parser::MimeHeaders;
    p.content_type()
        .map(|c| match c.subtype() {
            Some(s) => format!("{}/{s}", c.ctype()),
            None => c.ctype().to_owned(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    a.map(|a| {
        a.iter()
            .map(|x| {
                Address::new(
                    x.name().unwrap_or_default(),
                    x.address().unwrap_or_default(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

impl Kontor {
    /// Asks the server for the messages a search stands for (its words, in `folder_id` or,
    /// with "All folders", in every folder) and returns those the cache does not hold.
    /// Fails plainly when the server cannot be reached or does not search.
    pub async fn server_search(
        &self,
        folder_id: &str,
        search: &MessageSearch,
    ) -> Result<ServerSearchResult, CoreError> {
        let account_id = self.current_account_id().await?;
        let q = search_query::parse(&search.text, Local::now().date_naive());
        let text = free_text(&q);
        if text.trim().is_empty() {
            return Err(CoreError::InvalidInput(
                "type a word to search for on the server".into(),
            ));
        }
        let url = self.server_url().await;
        let folder = (!search.all_folders).then(|| folder_id.to_owned());
        let found = self
            .with_fetch_session(async |s| {
                s.client_mut()
                    .search_mailbox(&text, folder.as_deref(), SERVER_SEARCH_LIMIT)
                    .await
                    .map_err(|e| crate::sync::map_eas(e, &url))
            })
            .await?;
        let sent = found.items.len();
        let folders: Vec<String> = self
            .store
            .folders(account_id)
            .await?
            .into_iter()
            .map(|f| f.server_id)
            .collect();
        let mut hits = Vec::new();
        let mut cached = 0;
        for h in found.items {
            let (Some(long_id), Some(collection)) = (h.long_id, h.collection_id) else {
                continue;
            };
            let folder_id = cache_folder(&folders, &collection);
            let e = kontor_eas::email::Email::from_application_data(&h.properties);
            let item = crate::engine::mail::map_email("", &e);
            let hit = ServerHit {
                long_id,
                folder_id,
                subject: item.subject,
                from: item.from,
                date: item.received.map(|t| t.timestamp()).unwrap_or(0),
                preview: item.preview,
                read: item.read,
                has_attachments: item.attachments.iter().any(|a| !a.inline),
            };
            if !keeps_to(&hit, &item.to, &q) {
                continue;
            }
            let local = self
                .store
                .message_like(account_id, &hit.folder_id, &hit.subject, hit.date, 120)
                .await?;
            if local.is_some() {
                cached += 1;
            } else {
                hits.push(hit);
            }
        }
        hits.sort_by_key(|h| std::cmp::Reverse(h.date));
        let total = found
            .total
            .map_or(sent, |t| usize::try_from(t).unwrap_or(sent));
        Ok(ServerSearchResult {
            hits,
            cached,
            more: total > sent,
        })
    }

    /// Fetches a server search hit (the whole message, as MIME) and returns it for the reading
    /// pane under a new negative id; nothing is cached. Fails plainly when the server cannot be
    /// reached or no longer has it.
    pub async fn open_server_hit(
        &self,
        long_id: &str,
        folder_id: &str,
        allow_remote: bool,
    ) -> Result<MessageView, CoreError> {
        let url = self.server_url().await;
        let body = self
            .with_fetch_session(async |s| {
                let pref = kontor_eas::sync::BodyPreference::new(kontor_eas::sync::BodyType::Mime);
                let item = s
                    .client_mut()
                    .fetch_long_id(long_id, Some(pref))
                    .await
                    .map_err(|e| crate::sync::map_eas(e, &url))?;
                Ok(kontor_eas::email::Email::from_application_data(&item).body)
            })
            .await?;
        let mime = body
            .filter(|b| b.body_type == kontor_eas::sync::BodyType::Mime && !b.truncated)
            .and_then(|b| b.data)
            .map(|d| d.to_vec())
            .filter(|d| !d.is_empty())
            .ok_or_else(|| CoreError::Protocol {
                detail: "the server sent the message without its content".into(),
            })?;
        let id = self.show_detached(mime, folder_id.to_owned())?;
        self.detached_view(id, allow_remote).await
    }

    /// Keeps a message to show without caching it; returns its (negative) id.
    pub(crate) fn show_detached(&self, mime: Vec<u8>, folder_id: String) -> Result<i64, CoreError> {
        if mail_parser::MessageParser::default().parse(&mime).is_none() {
            return Err(CoreError::InvalidInput(
                "this is not an e-mail message (MIME)".into(),
            ));
        }
        let mut d = self
            .detached
            .lock()
            .map_err(|_| CoreError::InvalidInput("the detached messages are unusable".into()))?;
        Ok(d.add(mime, folder_id))
    }

    /// The MIME a detached message was shown from.
    pub(super) fn detached_message_mime(&self, id: i64) -> Result<Vec<u8>, CoreError> {
        self.detached_mime(id).map(|(mime, _)| mime)
    }

    fn detached_mime(&self, id: i64) -> Result<(Vec<u8>, String), CoreError> {
        self.detached
            .lock()
            .ok()
            .and_then(|d| d.get(id))
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "this message is no longer open: search on the server or open its file again"
                        .into(),
                )
            })
    }

    /// The reading pane's view of a detached message (`id` < 0).
    pub(crate) async fn detached_view(
        &self,
        id: i64,
        allow_remote: bool,
    ) -> Result<MessageView, CoreError> {
        let (mime, folder_id) = self.detached_mime(id)?;
        let msg = mail_parser::MessageParser::default()
            .parse(&mime)
            .ok_or_else(|| CoreError::InvalidInput("this is not an e-mail message".into()))?;
        let from = addresses(msg.from()).into_iter().next().unwrap_or_default();
        let allow = (allow_remote && self.policy().allows_remote_content())
            || self.remote_allowed_for(&from.addr).await?;
        let parts = mail_view::mime_parts(&mime).unwrap_or_default();
        let mut body: MessageBody = super::messages::body_from_mime(&parts, allow);
        body.remote_forbidden = !self.policy().allows_remote_content();
        let listed = listed_attachments(&msg);
        let attachments = listed
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let name = part_name(p, i);
                let content_type = part_type(p);
                let risk = self.attachment_risk(&name, &content_type);
                AttachmentInfo {
                    id: detached_attachment_id(id, i),
                    blocked: self.attachment_blocked(&risk),
                    risk,
                    name,
                    content_type,
                    size: i64::try_from(p.contents().len()).unwrap_or(i64::MAX),
                    inline: false,
                }
            })
            .collect::<Vec<_>>();
        let preview_src = parts.text.clone().unwrap_or_else(|| {
            parts
                .html
                .as_deref()
                .map(crate::engine::mail::html_to_text)
                .unwrap_or_default()
        });
        let invitation = match parts.calendar.as_deref() {
            Some(ics) => self.invitation(ics).await?,
            None => None,
        };
        Ok(MessageView {
            message: MessageSummary {
                id,
                folder_id,
                subject: msg.subject().unwrap_or_default().to_owned(),
                from,
                to: addresses(msg.to()),
                date: msg.date().map(|d| d.to_timestamp()).unwrap_or(0),
                preview: crate::engine::mail::preview_of(&preview_src),
                // Shown, never marked: it is not in the cache.
                read: true,
                flag: FlagState::None,
                importance: Importance::Normal,
                has_attachments: !attachments.is_empty(),
                size: i64::try_from(mime.len()).unwrap_or(i64::MAX),
                pending: false,
            },
            to: addresses(msg.to()),
            cc: addresses(msg.cc()),
            body,
            attachments,
            invitation,
        })
    }

    /// Writes an attachment of a detached message into `directory` under its own name (a free
    /// name when taken); `None` when `attachment_id` is not one of a detached message's.
    pub(crate) async fn write_detached_attachment(
        &self,
        attachment_id: i64,
        directory: &Path,
    ) -> Result<Option<(PathBuf, String, String)>, CoreError> {
        let Some((message_id, index)) = detached_attachment(attachment_id) else {
            return Ok(None);
        };
        let (mime, _) = self.detached_mime(message_id)?;
        let msg = mail_parser::MessageParser::default()
            .parse(&mime)
            .ok_or_else(|| CoreError::InvalidInput("this is not an e-mail message".into()))?;
        let listed = listed_attachments(&msg);
        let part = listed.get(index).ok_or_else(|| {
            CoreError::InvalidInput(format!("attachment {attachment_id} is not in this message"))
        })?;
        let name = super::messages::safe_file_name(&part_name(part, index));
        let content_type = part_type(part);
        let by_name = self.attachment_risk(&name, &content_type);
        if self.attachment_blocked(&by_name) {
            return Err(CoreError::InvalidInput(format!(
                "\"{name}\" can run programs or macros; your IT department does not allow \
                 opening or saving such attachments (policy BlockDangerousAttachments)"
            )));
        }
        tokio::fs::create_dir_all(directory)
            .await
            .map_err(|e| CoreError::Io {
                context: format!("could not create {}", directory.display()),
                source: e,
            })?;
        let dest = super::messages::free_name(directory, &name);
        tokio::fs::write(&dest, part.contents())
            .await
            .map_err(|e| CoreError::Io {
                context: format!("could not write {}", dest.display()),
                source: e,
            })?;
        Ok(Some((dest, name, content_type)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_ids_of_detached_messages_go_both_ways() {
        for (m, i) in [(-1, 0), (-1, 5), (-37, 998), (-12345, 0)] {
            let id = detached_attachment_id(m, i);
            assert!(id < 0);
            assert_eq!(detached_attachment(id), Some((m, i)), "{m} {i}");
        }
        // Cached attachments (positive) and bare detached message ids are not such ids.
        assert_eq!(detached_attachment(42), None);
        assert_eq!(detached_attachment(-3), None);
    }

    #[test]
    fn a_hit_names_its_folder_as_the_cache_does() {
        let folders = ["mail%2Fb7c1".to_owned(), "i/4693219c".to_owned()];
        assert_eq!(cache_folder(&folders, "mail/b7c1"), "mail%2Fb7c1");
        assert_eq!(cache_folder(&folders, "i/4693219c"), "i/4693219c");
        assert_eq!(cache_folder(&folders, "elsewhere"), "elsewhere");
        assert_eq!(percent_decoded("a%2fb%zz%"), "a/b%zz%");
    }

    #[test]
    fn the_server_is_asked_for_the_words_else_the_terms() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let q = |t: &str| free_text(&search_query::parse(t, today));
        assert_eq!(q("rechnung from:bob has:attachment"), "rechnung");
        assert_eq!(q("\"alte rechnung\" projekt"), "projekt alte rechnung");
        assert_eq!(q("from:bob is:unread"), "bob");
        assert_eq!(q("betreff:angebot von:bob"), "angebot");
        assert_eq!(q("is:unread"), "");
    }

    #[test]
    fn hits_keep_to_the_terms_the_server_was_not_asked_for() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let hit = ServerHit {
            long_id: "l".into(),
            folder_id: "f".into(),
            subject: "Rechnung März".into(),
            from: Address::new("Bob Baker", "bob@kontor.test"),
            date: day_start(NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()).unwrap() + 3600,
            preview: String::new(),
            read: false,
            has_attachments: true,
        };
        let to = [Address::new("Alice", "alice@kontor.test")];
        let keeps = |t: &str| keeps_to(&hit, &to, &search_query::parse(t, today));
        assert!(keeps("rechnung from:bob has:attachment is:unread"));
        assert!(keeps(
            "rechnung to:alice after:2026-03-01 before:2026-04-01"
        ));
        assert!(!keeps("rechnung from:carol"));
        assert!(!keeps("rechnung is:read"));
        assert!(!keeps("rechnung before:2026-03-14"));
        assert!(!keeps("rechnung subject:angebot"));
    }

    #[test]
    fn the_oldest_detached_message_is_forgotten_first() {
        let mut d = Detached::default();
        let first = d.add(b"a".to_vec(), "f".into());
        for _ in 0..DETACHED_KEPT {
            d.add(b"b".to_vec(), "f".into());
        }
        assert!(d.get(first).is_none());
        assert!(d.get(-(DETACHED_KEPT as i64) - 1).is_some());
        assert!(first < 0);
    }
}
