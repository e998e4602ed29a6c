//! The mail window: the message list in windows, the reading pane's view of a message (the
//! body fetched on demand, HTML made safe), attachments, actions on several messages at once,
//! the list of unsent changes, and the "mail changed" notices the window follows.
//! See docs/mail-window.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::Kontor;
use crate::engine::EngineEvent;
use crate::error::CoreError;
use crate::mail_view::{self, MimeParts};
use crate::secrets;
use crate::store::messages::{BodyKind, BodyPart, MessageRow};
use crate::store::{Address, ListCursor, MessageSort, OutboxEntry, OutboxOp, OutboxState};
use crate::sync::Session;

/// A local row id (message, attachment, outbox entry) as a command argument: a plain number in
/// TypeScript. Ids stay far below 2^53, where JavaScript numbers stop being exact
/// (docs/decisions/0004-generated-ipc-bindings.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(transparent)]
pub struct Id(#[specta(type = specta_typescript::Number)] pub i64);

/// The ids of a list of [`Id`]s.
pub fn ids(list: &[Id]) -> Vec<i64> {
    list.iter().map(|i| i.0).collect()
}

/// The follow-up flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum FlagState {
    None,
    Active,
    Complete,
}

impl FlagState {
    fn from_code(c: i64) -> Self {
        match c {
            1 => FlagState::Complete,
            2 => FlagState::Active,
            _ => FlagState::None,
        }
    }

    fn code(self) -> i64 {
        match self {
            FlagState::None => 0,
            FlagState::Complete => 1,
            FlagState::Active => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Importance {
    Low,
    Normal,
    High,
}

/// Which part of a folder's list the window wants.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageWindowRequest {
    pub folder_id: String,
    pub sort: MessageSort,
    pub descending: bool,
    /// Position of the first row wanted (0 = the top of the list in this order).
    pub start: u32,
    /// Rows wanted, at most 1000.
    pub count: u32,
    /// The `next` of the window that ends right before `start` (keyset continuation); `None`
    /// reads by position.
    pub after: Option<String>,
    /// A search or quick filter: the window is of its hits, newest first (`sort`,
    /// `descending` and `after` are not used).
    #[serde(default)]
    pub search: Option<super::search::MessageSearch>,
}

/// A message as a row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageSummary {
    /// The local id; it stays the same when the message is moved.
    #[specta(type = specta_typescript::Number)]
    pub id: i64,
    pub folder_id: String,
    pub subject: String,
    pub from: Address,
    /// The recipients (shown instead of the sender in Sent Items and Drafts).
    pub to: Vec<Address>,
    /// Unix seconds, UTC.
    #[specta(type = specta_typescript::Number)]
    pub date: i64,
    pub preview: String,
    pub read: bool,
    pub flag: FlagState,
    pub importance: Importance,
    pub has_attachments: bool,
    /// Bytes.
    #[specta(type = specta_typescript::Number)]
    pub size: i64,
    /// A change made here is not yet on the server.
    pub pending: bool,
}

impl From<&MessageRow> for MessageSummary {
    fn from(r: &MessageRow) -> Self {
        MessageSummary {
            id: r.id,
            folder_id: r.folder_id.clone(),
            subject: r.subject.clone(),
            from: r.from.clone(),
            to: r.to.clone(),
            date: r.date,
            preview: r.preview.clone(),
            read: r.read,
            flag: FlagState::from_code(r.flag_status),
            importance: match r.importance {
                0 => Importance::Low,
                2 => Importance::High,
                _ => Importance::Normal,
            },
            has_attachments: r.has_attachments,
            size: r.size,
            pending: r.local_state & 0b1111 != 0,
        }
    }
}

/// One window of a folder's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageWindow {
    pub folder_id: String,
    /// Messages in the folder (locally deleted ones left out).
    pub total: u32,
    pub unread: u32,
    pub start: u32,
    pub rows: Vec<MessageSummary>,
    /// Pass as `after` (with `start` + `rows.length`) for the window that follows.
    pub next: Option<String>,
    /// For a search: what was not understood, and whether there are more hits than listed.
    pub search: Option<super::search::SearchOutcome>,
}

/// How much of a body the pane can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum BodyFormat {
    /// Nothing of the body is on this computer.
    None,
    Plain,
    Html,
}

/// The body as the reading pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageBody {
    pub format: BodyFormat,
    /// Plain text (format `plain`).
    pub text: String,
    /// Sanitised HTML (format `html`): see `mail_view`.
    pub html: String,
    /// Remote images and styles left out of `html`.
    pub remote_blocked: u32,
    /// Tracking images (1×1 or hidden) left out although remote content is allowed.
    pub trackers_blocked: u32,
    /// Remote images are in `html` (allowed for this message or this sender).
    pub remote_allowed: bool,
    /// Policy `AllowRemoteContent` is 0: the window offers no way to load remote content.
    pub remote_forbidden: bool,
    /// False while only a preview is cached: fetch the body to show it whole.
    pub complete: bool,
}

/// An attachment as the pane lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    #[specta(type = specta_typescript::Number)]
    pub id: i64,
    pub name: String,
    pub content_type: String,
    #[specta(type = specta_typescript::Number)]
    pub size: i64,
    pub inline: bool,
    /// The risk by name and type (docs/safety.md); opening looks into the content as well.
    pub risk: kontor_safety::AttachmentRisk,
    /// Policy `BlockDangerousAttachments` makes it un-openable.
    pub blocked: bool,
}

/// A meeting invitation in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    /// The event in the calendar cache (for `respond_to_meeting`), once synced.
    #[specta(type = Option<specta_typescript::Number>)]
    pub event_id: Option<i64>,
    pub uid: String,
    pub summary: String,
    pub location: String,
    pub organizer: String,
    /// RFC 3339.
    pub start: String,
    pub end: String,
    pub all_day: bool,
}

/// A message as the reading pane shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub message: MessageSummary,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub body: MessageBody,
    pub attachments: Vec<AttachmentInfo>,
    pub invitation: Option<Invitation>,
}

/// What a delete did, for undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeleteOutcome {
    /// The Deleted Items folder the messages were moved to; `None` when they were deleted for
    /// good (Shift+Del, or deleted in Deleted Items).
    pub moved_to: Option<String>,
}

/// Folders whose messages changed (event `mail:changed`); empty: any folder may have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MailChanged {
    pub folders: Vec<String>,
}

/// What an unsent change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PendingKind {
    MarkRead,
    MarkUnread,
    Flag,
    Move,
    Delete,
    Send,
    Reply,
    Forward,
    Draft,
    EventCreate,
    EventUpdate,
    EventDelete,
    MeetingResponse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PendingState {
    /// Waits for its turn or for the connection.
    Pending,
    /// Being sent now.
    InFlight,
    /// Failed too often or cannot work: waits for the user (Retry or Discard).
    Parked,
}

/// One unsent change, for the list behind the status bar's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PendingOperation {
    #[specta(type = specta_typescript::Number)]
    pub id: i64,
    pub kind: PendingKind,
    pub state: PendingState,
    /// The message's subject or the event's summary; empty when unknown.
    pub subject: String,
    /// The folder or calendar it is in (for a move: where it goes); empty when unknown.
    pub folder: String,
    pub attempts: u32,
    /// The last failure as the server or network said it (English); empty if none.
    pub last_error: String,
    /// When it is tried next (RFC 3339), while pending.
    pub next_attempt: Option<String>,
}

/// The setting key of the senders whose remote content is always shown (a JSON array of
/// lower-case addresses).
const REMOTE_SENDERS: &str = "mail.remote_content_senders";

/// The setting key of the domains whose remote content is always shown (a JSON array of
/// lower-case domain names; a domain covers its subdomains).
const REMOTE_DOMAINS: &str = "mail.remote_content_domains";

/// The senders and domains whose remote content is always shown, for the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RemoteContentLists {
    pub senders: Vec<String>,
    pub domains: Vec<String>,
}

/// True when `addr`'s domain is `domain` or one of its subdomains.
fn in_domain(addr: &str, domain: &str) -> bool {
    let host = addr
        .rsplit_once('@')
        .map_or("", |(_, h)| h)
        .to_ascii_lowercase();
    !host.is_empty()
        && (host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.')))
}

/// The setting key of "notify me of new mail" (JSON bool; on when never set).
const NOTIFY_NEW_MAIL: &str = "mail.notify_new";

/// New mail in the Inbox for a desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Newest first, at most a few.
    pub messages: Vec<MessageSummary>,
    /// How many arrived in all.
    pub count: usize,
}

/// The ActiveSync session the window's on-demand fetches share (body, attachments).
pub(super) type FetchSession = std::sync::Arc<tokio::sync::Mutex<Option<Session>>>;

/// The number of the newest body fetch ([`Kontor::fetch_message_body`]).
pub(super) type BodyFetches = std::sync::Arc<tokio::sync::watch::Sender<u64>>;

/// Runs `work` until it ends, or until a newer call with the same `latest` starts: then
/// `work` is dropped (an HTTP request in flight is abandoned; the session stays usable) and
/// the answer is [`CoreError::Cancelled`].
pub(super) async fn superseding<T>(
    latest: &tokio::sync::watch::Sender<u64>,
    what: &str,
    work: impl std::future::Future<Output = Result<T, CoreError>>,
) -> Result<T, CoreError> {
    let mut mine = 0;
    latest.send_modify(|n| {
        *n += 1;
        mine = *n;
    });
    let mut newer = latest.subscribe();
    let replaced = async move {
        while newer.changed().await.is_ok() {
            if *newer.borrow_and_update() != mine {
                return;
            }
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        done = work => done,
        () = replaced => Err(CoreError::Cancelled { what: what.to_owned() }),
    }
}

impl Kontor {
    /// Notices of changed mail folders: local actions, and every sync pass that changed
    /// something (engine events), from now on.
    pub fn mail_changes(&self) -> broadcast::Receiver<MailChanged> {
        if !self
            .mail_followed
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            let mut events = self.events.subscribe();
            let bus = self.mail_bus.clone();
            tokio::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(e) => {
                            if let Some(m) = mail_notice(&e) {
                                let _ = bus.send(m);
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            let _ = bus.send(MailChanged {
                                folders: Vec::new(),
                            });
                        }
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
        }
        self.mail_bus.subscribe()
    }

    pub(super) fn mail_changed(&self, folders: Vec<String>) {
        let _ = self.mail_bus.send(MailChanged { folders });
    }

    /// Whether new mail in the Inbox shows a desktop notification (on unless switched off).
    pub async fn new_mail_notifications(&self) -> Result<bool, CoreError> {
        let raw = crate::store::settings::read_setting(self.store.pool(), NOTIFY_NEW_MAIL).await?;
        Ok(raw.is_none_or(|v| v.trim() != "false"))
    }

    /// Switches the desktop notification for new mail on or off.
    pub async fn set_new_mail_notifications(&self, on: bool) -> Result<(), CoreError> {
        crate::store::settings::write_setting(
            self.store.pool(),
            NOTIFY_NEW_MAIL,
            if on { "true" } else { "false" },
        )
        .await
    }

    /// The Inbox's id and its highest message id now: where [`Kontor::new_mail_since`] starts.
    pub async fn inbox_mark(&self) -> Result<Option<(String, i64)>, CoreError> {
        let account = self.current_account_id().await?;
        let Some(inbox) = self
            .store
            .folders(account)
            .await?
            .into_iter()
            .find(|f| f.folder_type == 2)
        else {
            return Ok(None);
        };
        let max = self.store.max_message_id(account, &inbox.server_id).await?;
        Ok(Some((inbox.server_id, max)))
    }

    /// Unread mail that arrived in the Inbox after the message id `mark` (from
    /// [`Kontor::inbox_mark`]), and the new mark. A message moved back into the Inbox keeps its
    /// old id and is not new.
    pub async fn new_mail_since(
        &self,
        inbox: &str,
        mark: i64,
    ) -> Result<(NewMail, i64), CoreError> {
        let account = self.current_account_id().await?;
        let rows = self.store.unread_since(account, inbox, mark, 50).await?;
        let new_mark = self.store.max_message_id(account, inbox).await?.max(mark);
        Ok((
            NewMail {
                count: rows.len(),
                messages: rows.iter().take(3).map(MessageSummary::from).collect(),
            },
            new_mark,
        ))
    }

    /// One window of a folder's message list.
    pub async fn list_messages(
        &self,
        req: MessageWindowRequest,
    ) -> Result<MessageWindow, CoreError> {
        let account = self.current_account_id().await?;
        if let Some(search) = &req.search {
            return self.search_window(account, &req, search).await;
        }
        let after = req.after.as_deref().map(ListCursor::decode).transpose()?;
        let w = self
            .store
            .message_window(
                account,
                &req.folder_id,
                req.sort,
                req.descending,
                req.start,
                req.count,
                after.as_ref(),
            )
            .await?;
        Ok(MessageWindow {
            folder_id: req.folder_id,
            total: w.total,
            unread: w.unread,
            start: req.start,
            rows: w.rows.iter().map(MessageSummary::from).collect(),
            next: w.next.map(|c| c.encode()),
            search: None,
        })
    }

    /// Where a message stands in its folder's list in this order (0 = the top), or `None` when
    /// the folder does not show it: the window selects and scrolls to a message it is told to
    /// open (a clicked new-mail notification).
    pub async fn message_position(
        &self,
        folder_id: &str,
        sort: MessageSort,
        descending: bool,
        message_id: Id,
    ) -> Result<Option<u32>, CoreError> {
        let account = self.current_account_id().await?;
        self.store
            .message_position(account, folder_id, sort, descending, message_id.0)
            .await
    }

    pub(super) async fn row(&self, message_id: i64) -> Result<MessageRow, CoreError> {
        self.store.message(message_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(format!("message {message_id} is not in the cache"))
        })
    }

    async fn string_list(&self, key: &str) -> Result<Vec<String>, CoreError> {
        let raw = crate::store::settings::read_setting(self.store.pool(), key).await?;
        Ok(raw
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    async fn write_string_list(&self, key: &str, list: &[String]) -> Result<(), CoreError> {
        let json = serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
        crate::store::settings::write_setting(self.store.pool(), key, &json).await
    }

    /// The senders whose remote content is always shown.
    async fn remote_senders(&self) -> Result<Vec<String>, CoreError> {
        self.string_list(REMOTE_SENDERS).await
    }

    /// The senders and domains whose remote content is always shown.
    pub async fn remote_content_lists(&self) -> Result<RemoteContentLists, CoreError> {
        Ok(RemoteContentLists {
            senders: self.string_list(REMOTE_SENDERS).await?,
            domains: self.string_list(REMOTE_DOMAINS).await?,
        })
    }

    /// True when remote content of mail from `sender` is always shown (sender or domain
    /// listed), and the policy does not forbid remote content.
    pub(super) async fn remote_allowed_for(&self, sender: &str) -> Result<bool, CoreError> {
        if !self.policy().allows_remote_content() {
            return Ok(false);
        }
        let sender = sender.trim().to_lowercase();
        if self.string_list(REMOTE_SENDERS).await?.contains(&sender) {
            return Ok(true);
        }
        Ok(self
            .string_list(REMOTE_DOMAINS)
            .await?
            .iter()
            .any(|d| in_domain(&sender, d)))
    }

    /// "Always show remote content from this sender".
    pub async fn allow_remote_content(&self, sender: &str) -> Result<(), CoreError> {
        self.refuse_remote_by_policy()?;
        let sender = sender.trim().to_lowercase();
        if !sender.contains('@') {
            return Err(CoreError::InvalidInput(format!(
                "\"{sender}\" is not a mail address"
            )));
        }
        let mut list = self.remote_senders().await?;
        if !list.contains(&sender) {
            list.push(sender);
            list.sort();
            self.write_string_list(REMOTE_SENDERS, &list).await?;
        }
        Ok(())
    }

    /// "Always show remote content from this domain" (and its subdomains). Takes a domain or
    /// a mail address (its domain is used).
    pub async fn allow_remote_content_domain(&self, domain: &str) -> Result<(), CoreError> {
        self.refuse_remote_by_policy()?;
        let d = domain.trim().to_lowercase();
        let d = d
            .rsplit_once('@')
            .map_or(d.as_str(), |(_, h)| h)
            .trim_matches('.');
        if d.is_empty() || !d.contains('.') || d.contains(char::is_whitespace) {
            return Err(CoreError::InvalidInput(format!(
                "\"{domain}\" is not a domain name"
            )));
        }
        let mut list = self.string_list(REMOTE_DOMAINS).await?;
        if !list.iter().any(|x| x == d) {
            list.push(d.to_owned());
            list.sort();
            self.write_string_list(REMOTE_DOMAINS, &list).await?;
        }
        Ok(())
    }

    /// Removes a sender or a domain from the lists of [`Kontor::remote_content_lists`].
    pub async fn forget_remote_content(&self, entry: &str) -> Result<(), CoreError> {
        let e = entry.trim().to_lowercase();
        for key in [REMOTE_SENDERS, REMOTE_DOMAINS] {
            let mut list = self.string_list(key).await?;
            let before = list.len();
            list.retain(|x| *x != e);
            if list.len() != before {
                self.write_string_list(key, &list).await?;
            }
        }
        Ok(())
    }

    fn refuse_remote_by_policy(&self) -> Result<(), CoreError> {
        if self.policy().allows_remote_content() {
            Ok(())
        } else {
            Err(CoreError::InvalidInput(
                "your IT department does not allow remote content (policy AllowRemoteContent)"
                    .into(),
            ))
        }
    }

    /// A message for the reading pane, from the cache only (fast; never waits for the server).
    pub async fn message_view(
        &self,
        message_id: i64,
        allow_remote: bool,
    ) -> Result<MessageView, CoreError> {
        if message_id < 0 {
            // A message shown without being cached (a server search hit, app/server_search.rs).
            return self.detached_view(message_id, allow_remote).await;
        }
        let row = self.row(message_id).await?;
        let allow = (allow_remote && self.policy().allows_remote_content())
            || self.remote_allowed_for(&row.from.addr).await?;
        let mime = self.store.body(message_id, BodyKind::Mime).await?;
        let parts = mime
            .as_ref()
            .filter(|m| !m.truncated)
            .and_then(|m| mail_view::mime_parts(&m.data));
        let mut body = match &parts {
            Some(p) => body_from_mime(p, allow),
            None => {
                let html = self.store.body(message_id, BodyKind::Html).await?;
                let plain = self.store.body(message_id, BodyKind::Plain).await?;
                match (html, plain) {
                    (Some(h), _) if !h.truncated => {
                        let safe = mail_view::sanitize_html(&h.text, &HashMap::new(), allow);
                        MessageBody {
                            format: BodyFormat::Html,
                            text: String::new(),
                            html: safe.html,
                            remote_blocked: safe.remote_blocked,
                            trackers_blocked: safe.trackers_blocked,
                            remote_allowed: allow,
                            remote_forbidden: false,
                            complete: true,
                        }
                    }
                    (_, Some(p)) => MessageBody {
                        format: BodyFormat::Plain,
                        text: p.text,
                        html: String::new(),
                        remote_blocked: 0,
                        trackers_blocked: 0,
                        remote_allowed: allow,
                        remote_forbidden: false,
                        // Whole only when the sender wrote plain text and nothing was cut
                        // (store: `MessageData::body_complete`); else a stand-in.
                        complete: !p.truncated,
                    },
                    _ => MessageBody {
                        format: BodyFormat::None,
                        text: String::new(),
                        html: String::new(),
                        remote_blocked: 0,
                        trackers_blocked: 0,
                        remote_allowed: allow,
                        remote_forbidden: false,
                        complete: false,
                    },
                }
            }
        };
        let attachments = self
            .store
            .attachments(message_id)
            .await?
            .into_iter()
            // Inline images with a Content-ID are shown in the text, not listed.
            .filter(|a| !a.inline || a.content_id.is_empty())
            .map(|a| {
                let risk = self.attachment_risk(&a.name, &a.content_type);
                AttachmentInfo {
                    id: a.id,
                    blocked: self.attachment_blocked(&risk),
                    risk,
                    name: a.name,
                    content_type: a.content_type,
                    size: a.size,
                    inline: a.inline,
                }
            })
            .collect();
        body.remote_forbidden = !self.policy().allows_remote_content();
        let invitation = match parts.as_ref().and_then(|p| p.calendar.as_deref()) {
            Some(ics) => self.invitation(ics).await?,
            None => None,
        };
        Ok(MessageView {
            message: MessageSummary::from(&row),
            to: row.to.clone(),
            cc: row.cc.clone(),
            body,
            attachments,
            invitation,
        })
    }

    pub(super) async fn invitation(&self, ics: &str) -> Result<Option<Invitation>, CoreError> {
        let Ok(cal) = kontor_calendar::Calendar::parse(ics) else {
            return Ok(None);
        };
        // An invitation carries an iTIP method (RFC 6047); a calendar file someone attached
        // (no METHOD) is offered for import ("Add to calendar") instead.
        if cal.method.is_none() {
            return Ok(None);
        }
        let Some(item) = cal.items.first() else {
            return Ok(None);
        };
        let event_id = self.store.event_id_by_uid(&item.uid).await?;
        let zone = self.calendar_zone();
        let Some(guess) = item.start.as_ref().map(|s| s.naive().and_utc()) else {
            return Ok(None);
        };
        let first = cal
            .expand(
                guess - chrono::TimeDelta::days(2),
                guess + chrono::TimeDelta::days(400),
                &zone,
            )
            .into_iter()
            .find(|o| o.uid == item.uid);
        let Some(occ) = first else {
            return Ok(None);
        };
        let organizer = item
            .organizer
            .as_ref()
            .map(|p| match &p.name {
                Some(n) if !n.is_empty() => format!("{n} <{}>", p.email),
                _ => p.email.clone(),
            })
            .unwrap_or_default();
        Ok(Some(Invitation {
            event_id,
            uid: item.uid.clone(),
            summary: item.summary.clone().unwrap_or_default(),
            location: item.location.clone().unwrap_or_default(),
            organizer,
            start: occ.start.to_rfc3339(),
            end: occ.end.to_rfc3339(),
            all_day: occ.all_day,
        }))
    }

    /// The account's ActiveSync session for fetches, connected on first use.
    pub(super) async fn with_fetch_session<T>(
        &self,
        f: impl AsyncFnOnce(&mut Session) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        let mut slot = self.fetch_session.lock().await;
        if slot.is_none() {
            let password = secrets::password(&cfg.server_url, &cfg.user)?.ok_or_else(|| {
                CoreError::AuthFailed {
                    detail: "no password for this account in the keychain".into(),
                }
            })?;
            let device_id = self.device_id().await;
            *slot =
                Some(Session::connect(&cfg.server_url, &cfg.user, &password, &device_id).await?);
        }
        let session = slot.as_mut().ok_or(CoreError::NotSignedIn)?;
        let result = f(session).await;
        if result.is_err() {
            // A broken connection or an expired policy: the next fetch connects again.
            *slot = None;
        }
        result
    }

    /// Fetches the whole message from the server (ItemOperations, as MIME), caches it, and
    /// returns the view. Fails plainly when the server cannot be reached. The window shows one
    /// message at a time: a newer call gives a running one up ([`CoreError::Cancelled`]), so
    /// the message now selected does not wait for a large body of one that no longer is.
    pub async fn fetch_message_body(
        &self,
        message_id: i64,
        allow_remote: bool,
    ) -> Result<MessageView, CoreError> {
        superseding(
            &self.body_fetches,
            "a message body fetch",
            self.fetch_message_body_now(message_id, allow_remote),
        )
        .await
    }

    async fn fetch_message_body_now(
        &self,
        message_id: i64,
        allow_remote: bool,
    ) -> Result<MessageView, CoreError> {
        if message_id < 0 {
            // Fetched whole already (app/server_search.rs).
            return self.detached_view(message_id, allow_remote).await;
        }
        let row = self.row(message_id).await?;
        if row.server_id.starts_with("local:") {
            // Moved or saved here and not yet on the server: nothing to fetch yet.
            return self.message_view(message_id, allow_remote).await;
        }
        let url = self.server_url().await;
        let (folder, server_id) = (row.folder_id.clone(), row.server_id.clone());
        let data = self
            .with_fetch_session(async |s| {
                let pref = kontor_eas::sync::BodyPreference::new(kontor_eas::sync::BodyType::Mime);
                let item = s
                    .client_mut()
                    .fetch_item(&folder, &server_id, Some(pref))
                    .await
                    .map_err(|e| crate::sync::map_eas(e, &url))?;
                let email = kontor_eas::email::Email::from_application_data(&item);
                Ok(email.body)
            })
            .await?;
        let Some(body) = data else {
            return Err(CoreError::Protocol {
                detail: "the server sent the message without its body".into(),
            });
        };
        let bytes = body.data.map(|b| b.to_vec()).unwrap_or_default();
        let part = match body.body_type {
            kontor_eas::sync::BodyType::Mime => BodyPart {
                kind: BodyKind::Mime,
                text: String::new(),
                total_size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                data: bytes,
                truncated: body.truncated,
            },
            kontor_eas::sync::BodyType::Html => BodyPart {
                kind: BodyKind::Html,
                text: String::from_utf8_lossy(&bytes).into_owned(),
                data: Vec::new(),
                truncated: body.truncated,
                total_size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            },
            _ => BodyPart {
                kind: BodyKind::Plain,
                text: String::from_utf8_lossy(&bytes).into_owned(),
                data: Vec::new(),
                truncated: body.truncated,
                total_size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            },
        };
        self.store.store_body(message_id, &part).await?;
        self.message_view(message_id, allow_remote).await
    }

    /// Writes an attachment into `directory` (the user's Downloads folder when `None`) under
    /// its own name (a free name when taken), fetched from the server as it is there. Returns
    /// the file's path.
    pub async fn save_attachment(
        &self,
        attachment_id: i64,
        directory: Option<PathBuf>,
    ) -> Result<PathBuf, CoreError> {
        self.save_attachment_with_progress(attachment_id, directory, &|_, _| {})
            .await
    }

    /// [`Kontor::save_attachment`], telling `progress` how much of the server's answer has
    /// arrived (bytes so far, bytes announced) while it downloads.
    pub async fn save_attachment_with_progress(
        &self,
        attachment_id: i64,
        directory: Option<PathBuf>,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<PathBuf, CoreError> {
        self.fetch_attachment_into(attachment_id, directory, progress)
            .await
            .map(|(path, _)| path)
    }

    /// Fetches an attachment into `directory` (Downloads when `None`) and judges it by its
    /// content (app/safety.rs): removed again when policy blocks it, else marked as coming from
    /// the internet. Returns the file's path and its risk.
    pub(super) async fn fetch_attachment_into(
        &self,
        attachment_id: i64,
        directory: Option<PathBuf>,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<(PathBuf, kontor_safety::AttachmentRisk), CoreError> {
        let (dest, name, content_type) = self
            .download_attachment(attachment_id, directory, progress)
            .await?;
        let risk = self.judge_fetched(&dest, &name, &content_type).await?;
        Ok((dest, risk))
    }

    /// Fetches an attachment as it is on the server into `directory` (Downloads when `None`),
    /// under its own name (a free name when taken); refuses one that policy blocks by its name.
    /// Returns the path, the name and the MIME type.
    pub(super) async fn download_attachment(
        &self,
        attachment_id: i64,
        directory: Option<PathBuf>,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<(PathBuf, String, String), CoreError> {
        if attachment_id < 0 {
            // An attachment of a message shown without being cached: written from its MIME.
            let dir = match directory {
                Some(d) => d,
                None => downloads_dir()?,
            };
            return self
                .write_detached_attachment(attachment_id, &dir)
                .await?
                .ok_or_else(|| {
                    CoreError::InvalidInput(format!("attachment {attachment_id} is not known"))
                });
        }
        let (file_reference, name) = self.attachment_ref(attachment_id).await?;
        let content_type = self
            .store
            .attachment_content_type(attachment_id)
            .await?
            .unwrap_or_default();
        // Known dangerous by its name: not even fetched when policy blocks it.
        let by_name = self.attachment_risk(&name, &content_type);
        if self.attachment_blocked(&by_name) {
            return Err(CoreError::InvalidInput(format!(
                "\"{name}\" can run programs or macros; your IT department does not allow \
                 opening or saving such attachments (policy BlockDangerousAttachments)"
            )));
        }
        let dir = match directory {
            Some(d) => d,
            None => downloads_dir()?,
        };
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| CoreError::Io {
                context: format!("could not create {}", dir.display()),
                source: e,
            })?;
        let dest = free_name(&dir, &name);
        let url = self.server_url().await;
        let target = dest.clone();
        self.with_fetch_session(async |s| {
            s.client_mut()
                .fetch_attachment_with_progress(&file_reference, &target, progress)
                .await
                .map_err(|e| crate::sync::map_eas(e, &url))
        })
        .await?;
        Ok((dest, name, content_type))
    }

    async fn attachment_ref(&self, attachment_id: i64) -> Result<(String, String), CoreError> {
        let (file_reference, name): (String, String) = self
            .store
            .attachment_ref(attachment_id)
            .await?
            .ok_or_else(|| {
                CoreError::InvalidInput(format!("attachment {attachment_id} is not in the cache"))
            })?;
        Ok((file_reference, safe_file_name(&name)))
    }

    /// Marks messages read or unread.
    pub async fn mark_read_many(&self, ids: &[i64], read: bool) -> Result<(), CoreError> {
        let mut folders = Vec::new();
        for &id in ids {
            let row = self.row(id).await?;
            if row.read != read {
                self.mark_read(id, read).await?;
            }
            folders.push(row.folder_id);
        }
        self.mail_changed(dedup(folders));
        Ok(())
    }

    /// Sets the follow-up flag of messages.
    pub async fn set_flag_many(&self, ids: &[i64], flag: FlagState) -> Result<(), CoreError> {
        let mut folders = Vec::new();
        for &id in ids {
            let row = self.row(id).await?;
            if row.flag_status != flag.code() {
                self.set_flag(id, flag.code()).await?;
            }
            folders.push(row.folder_id);
        }
        self.mail_changed(dedup(folders));
        Ok(())
    }

    /// Moves messages to another folder (those already there stay).
    pub async fn move_many(&self, ids: &[i64], to_folder: &str) -> Result<(), CoreError> {
        let mut folders = vec![to_folder.to_owned()];
        for &id in ids {
            let row = self.row(id).await?;
            if row.folder_id != to_folder {
                self.move_message(id, to_folder).await?;
                folders.push(row.folder_id);
            }
        }
        self.mail_changed(dedup(folders));
        Ok(())
    }

    /// Deletes messages (to Deleted Items, or for good when `permanent` or already there).
    pub async fn delete_many(
        &self,
        ids: &[i64],
        permanent: bool,
    ) -> Result<DeleteOutcome, CoreError> {
        let mut folders = Vec::new();
        let mut moved_to = None;
        for &id in ids {
            let row = self.row(id).await?;
            let (_, op) = self.enqueue_delete(id, permanent).await?;
            if let OutboxOp::Move { to_folder_id, .. } = &op {
                moved_to = Some(to_folder_id.clone());
                folders.push(to_folder_id.clone());
            }
            folders.push(row.folder_id);
        }
        self.mail_changed(dedup(folders));
        Ok(DeleteOutcome { moved_to })
    }

    /// Every unsent change (pending, in flight, parked), oldest first.
    pub async fn pending_operations(&self) -> Result<Vec<PendingOperation>, CoreError> {
        let mut out = Vec::new();
        for e in self.store.outbox_unfinished().await? {
            out.push(self.describe(&e).await?);
        }
        Ok(out)
    }

    async fn describe(&self, e: &OutboxEntry) -> Result<PendingOperation, CoreError> {
        let (folder_id, item) = e.op.target();
        let account = e.account_id;
        let subject_of = async |folder: &str, item: &str| -> Result<String, CoreError> {
            Ok(match account {
                Some(a) => self
                    .store
                    .message_by_server_id(a, folder, item)
                    .await?
                    .map(|m| m.subject)
                    .unwrap_or_default(),
                None => String::new(),
            })
        };
        let folder_name = async |folder: &str| -> Result<String, CoreError> {
            Ok(match account {
                Some(a) => self
                    .store
                    .folder_name_and_type(a, folder)
                    .await?
                    .map(|(n, _)| n)
                    .unwrap_or_default(),
                None => String::new(),
            })
        };
        let mime_subject = |mime: &str| {
            mail_parser::MessageParser::default()
                .parse(mime.as_bytes())
                .and_then(|m| m.subject().map(str::to_owned))
                .unwrap_or_default()
        };
        let ical_summary = |ical: &str| {
            kontor_calendar::Calendar::parse(ical)
                .ok()
                .and_then(|c| c.items.first().and_then(|i| i.summary.clone()))
                .unwrap_or_default()
        };
        let (kind, subject, folder) = match &e.op {
            OutboxOp::MarkRead { read, .. } => (
                if *read {
                    PendingKind::MarkRead
                } else {
                    PendingKind::MarkUnread
                },
                subject_of(folder_id, item).await?,
                folder_name(folder_id).await?,
            ),
            OutboxOp::Flag { .. } => (
                PendingKind::Flag,
                subject_of(folder_id, item).await?,
                folder_name(folder_id).await?,
            ),
            OutboxOp::Move { to_folder_id, .. } => {
                // The cached row is in the target folder already, under `local:<id>`.
                let moved = match account {
                    Some(a) => self
                        .store
                        .message_by_server_id(a, to_folder_id, &format!("local:{}", e.id))
                        .await?
                        .map(|m| m.subject),
                    None => None,
                };
                let subject = match moved {
                    Some(s) => s,
                    None => subject_of(folder_id, item).await?,
                };
                (PendingKind::Move, subject, folder_name(to_folder_id).await?)
            }
            OutboxOp::Delete { .. } => (
                PendingKind::Delete,
                subject_of(folder_id, item).await?,
                folder_name(folder_id).await?,
            ),
            OutboxOp::Send { mime, .. } => (PendingKind::Send, mime_subject(mime), String::new()),
            OutboxOp::Reply { mime, .. } => (PendingKind::Reply, mime_subject(mime), String::new()),
            OutboxOp::Forward { mime, .. } => {
                (PendingKind::Forward, mime_subject(mime), String::new())
            }
            OutboxOp::DraftSave { .. } => (
                PendingKind::Draft,
                subject_of(folder_id, item).await?,
                folder_name(folder_id).await?,
            ),
            OutboxOp::EventCreate { ical, .. } => {
                (PendingKind::EventCreate, ical_summary(ical), String::new())
            }
            OutboxOp::EventUpdate { ical, .. } => {
                (PendingKind::EventUpdate, ical_summary(ical), String::new())
            }
            OutboxOp::EventDelete { .. } => {
                (PendingKind::EventDelete, String::new(), String::new())
            }
            OutboxOp::MeetingResponse { .. } => {
                (PendingKind::MeetingResponse, String::new(), String::new())
            }
        };
        Ok(PendingOperation {
            id: e.id,
            kind,
            state: match e.state {
                OutboxState::Pending | OutboxState::Done => PendingState::Pending,
                OutboxState::InFlight => PendingState::InFlight,
                OutboxState::Parked => PendingState::Parked,
            },
            subject,
            folder,
            attempts: u32::try_from(e.attempts).unwrap_or(u32::MAX),
            last_error: e.last_error.clone(),
            next_attempt: (e.state == OutboxState::Pending && e.next_attempt_at > 0)
                .then(|| {
                    chrono::DateTime::from_timestamp(e.next_attempt_at, 0).map(|t| t.to_rfc3339())
                })
                .flatten(),
        })
    }

    /// Tries a parked change again now.
    pub async fn retry_operation(&self, id: i64) -> Result<(), CoreError> {
        self.store.retry_parked(id).await?;
        if let Some(h) = self.engine.lock().await.handle.as_ref() {
            h.wake();
        }
        self.mail_changed(Vec::new());
        Ok(())
    }

    /// Gives up an unsent change (the window asked the user first).
    pub async fn discard_operation(&self, id: i64) -> Result<(), CoreError> {
        self.store.discard(id).await?;
        self.mail_changed(Vec::new());
        Ok(())
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// The notice an engine event means for the mail window.
fn mail_notice(e: &EngineEvent) -> Option<MailChanged> {
    match e {
        EngineEvent::FolderSynced {
            folder,
            added,
            changed,
            deleted,
            ..
        } if added + changed + deleted > 0 => Some(MailChanged {
            folders: vec![folder.clone()],
        }),
        EngineEvent::OutboxApplied { .. }
        | EngineEvent::OutboxConflict { .. }
        | EngineEvent::OutboxParked { .. }
        | EngineEvent::FoldersSynced { changed: true, .. } => Some(MailChanged {
            folders: Vec::new(),
        }),
        _ => None,
    }
}

pub(super) fn body_from_mime(p: &MimeParts, allow: bool) -> MessageBody {
    match (&p.html, &p.text) {
        (Some(html), _) => {
            let safe = mail_view::sanitize_html(html, &p.inline, allow);
            MessageBody {
                format: BodyFormat::Html,
                text: String::new(),
                html: safe.html,
                remote_blocked: safe.remote_blocked,
                trackers_blocked: safe.trackers_blocked,
                remote_allowed: allow,
                remote_forbidden: false,
                complete: true,
            }
        }
        (None, text) => MessageBody {
            format: BodyFormat::Plain,
            text: text.clone().unwrap_or_default(),
            html: String::new(),
            remote_blocked: 0,
            trackers_blocked: 0,
            remote_allowed: allow,
            remote_forbidden: false,
            complete: true,
        },
    }
}

/// The user's Downloads folder.
pub(super) fn downloads_dir() -> Result<PathBuf, CoreError> {
    directories::UserDirs::new()
        .and_then(|u| {
            u.download_dir()
                .map(Path::to_path_buf)
                .or_else(|| Some(u.home_dir().join("Downloads")))
        })
        .ok_or_else(|| CoreError::Io {
            context: "the Downloads folder is not known".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })
}

/// An attachment name as a plain file name: no folders, no characters Windows refuses.
pub(super) fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_control() || "<>:\"|?*".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_end_matches('.').trim_start_matches('.');
    if trimmed.is_empty() {
        "attachment".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `name` in `dir`, or `name (2)`, `name (3)`, … when taken.
pub(super) fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_newer_body_fetch_gives_the_running_one_up() {
        let latest = tokio::sync::watch::channel(0).0;
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let first = superseding(&latest, "a fetch", async move {
            // A large body still arriving: it ends only when told.
            let _ = wait.await;
            Ok::<_, CoreError>("first")
        });
        let second = async {
            tokio::task::yield_now().await;
            superseding(&latest, "a fetch", async { Ok::<_, CoreError>("second") }).await
        };
        let (first, second) = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            tokio::join!(first, second)
        })
        .await
        .expect("the first fetch was not given up");
        assert!(
            matches!(&first, Err(CoreError::Cancelled { what }) if what == "a fetch"),
            "{first:?}"
        );
        assert_eq!(second.unwrap(), "second");
        assert_eq!(
            CoreError::Cancelled { what: "x".into() }.code(),
            crate::error::ErrorCode::Cancelled
        );
        drop(go);
    }

    #[tokio::test]
    async fn a_fetch_alone_runs_to_its_end() {
        let latest = tokio::sync::watch::channel(0).0;
        let done = superseding(&latest, "a fetch", async {
            tokio::task::yield_now().await;
            Ok::<_, CoreError>(7)
        })
        .await;
        assert_eq!(done.unwrap(), 7);
        // One after the other: the second does not cancel a finished first.
        let again = superseding(&latest, "a fetch", async { Ok::<_, CoreError>(8) }).await;
        assert_eq!(again.unwrap(), 8);
    }

    #[test]
    fn attachment_names_become_plain_free_file_names() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("C:\\x\\Bericht: Q3?.pdf"),
            "Bericht_ Q3_.pdf"
        );
        assert_eq!(safe_file_name(".."), "attachment");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x").unwrap();
        assert_eq!(free_name(dir.path(), "a.csv"), dir.path().join("a (2).csv"));
        assert_eq!(free_name(dir.path(), "b.csv"), dir.path().join("b.csv"));
    }

    #[test]
    fn sync_passes_that_changed_mail_are_announced() {
        let e = EngineEvent::FolderSynced {
            account_id: 1,
            folder: "5".into(),
            added: 1,
            changed: 0,
            deleted: 0,
        };
        assert_eq!(
            mail_notice(&e),
            Some(MailChanged {
                folders: vec!["5".into()]
            })
        );
        let quiet = EngineEvent::FolderSynced {
            account_id: 1,
            folder: "5".into(),
            added: 0,
            changed: 0,
            deleted: 0,
        };
        assert_eq!(mail_notice(&quiet), None);
    }
}
