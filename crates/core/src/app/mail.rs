//! Mail: outbox operations on cached messages and sending new mail, replies and forwards.

use serde::Deserialize;

use super::{Kontor, mail_domain};
use crate::compose::{
    MessageParts, OutgoingAttachment, build_message, content_type_for, html_to_text,
};
use crate::error::CoreError;
use crate::store::{BodyKind, MessageRow, OutboxOp};

/// A new message, a reply or a forward, as the compose window submits it.
#[derive(Debug, Clone, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingMail {
    /// The sender address; when empty, the primary address the server reported (Settings
    /// UserInformation), else the account's user name if it is an address, else
    /// `user@<server host without mail./webmail.>`.
    #[serde(default)]
    pub from: String,
    /// Recipients as typed: each entry may hold several (`a@b; Name <c@d>`).
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    pub subject: String,
    /// The text body; with `html` set and this empty, it is derived from the HTML.
    #[serde(default)]
    pub body: String,
    /// The HTML body (the rich-text editor's); `None` for a plain-text message.
    #[serde(default)]
    pub html: Option<String>,
    /// 0 low, 1 normal (also when absent), 2 high.
    #[serde(default)]
    #[specta(type = Option<specta_typescript::Number>)]
    pub importance: Option<i64>,
    /// Files to attach: paths on this computer, and attachments of cached messages (a
    /// forward's originals), fetched from the server when sent.
    #[serde(default)]
    pub attachments: Vec<AttachmentSource>,
    /// The body holds the quoted original ([`Kontor::compose`]'s quote): a reply or forward
    /// asks the server not to add it again (ReplaceMime).
    #[serde(default)]
    pub quoted: bool,
    /// Cached message (`message.id`) this replies to (SmartReply).
    #[serde(default)]
    #[specta(type = Option<specta_typescript::Number>)]
    pub reply_to: Option<i64>,
    /// Cached message this forwards (SmartForward).
    #[serde(default)]
    #[specta(type = Option<specta_typescript::Number>)]
    pub forward_of: Option<i64>,
    /// The saved draft (`message.id`) this message was written in: sending it deletes the
    /// draft.
    #[serde(default)]
    #[specta(type = Option<specta_typescript::Number>)]
    pub draft: Option<i64>,
}

/// Where an attachment of a message being written comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum AttachmentSource {
    /// A file on this computer (file dialog, drag and drop).
    File { path: String },
    /// An attachment of a cached message (`attachment.id`), e.g. of the forwarded original.
    #[serde(rename_all = "camelCase")]
    Cached {
        #[specta(type = specta_typescript::Number)]
        attachment_id: i64,
        name: String,
    },
}

impl Kontor {
    /// Applies `op` to the cache, queues it, and wakes the engine. Returns the outbox id.
    pub async fn enqueue(&self, op: OutboxOp) -> Result<i64, CoreError> {
        let account_id = self.current_account_id().await?;
        // A deferred SQLite transaction that reads first cannot take the write lock while the
        // sync engine or the CalDAV poller commits (SQLITE_BUSY at once, busy_timeout does not
        // apply): the user's action is simply tried again.
        let mut tries = 0;
        let id = loop {
            match self.store.enqueue(account_id, &op).await {
                Err(CoreError::Storage(sqlx::Error::Database(e)))
                    if tries < 20 && e.message().contains("database is locked") =>
                {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(25 * tries)).await;
                }
                other => break other?,
            }
        };
        if let Some(h) = self.engine.lock().await.handle.as_ref() {
            h.wake();
        }
        Ok(id)
    }

    async fn message_ref(&self, message_id: i64) -> Result<(String, String), CoreError> {
        let m = self.store.message(message_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(format!("message {message_id} is not in the cache"))
        })?;
        Ok((m.folder_id, m.server_id))
    }

    /// Queues the operation `make` builds from a message's current folder and ServerId. The
    /// outbox replay may give a moved message its server's ServerId (in place of `local:n`)
    /// between that read and the queueing, which then finds no such message: the message is
    /// read again and, when its reference changed, the operation built anew (seen in a live
    /// test: an undo right after a delete, while the delete's MoveItems answer came in).
    async fn enqueue_for_message(
        &self,
        message_id: i64,
        make: impl Fn(String, String) -> Result<OutboxOp, CoreError>,
    ) -> Result<i64, CoreError> {
        let mut current = self.message_ref(message_id).await?;
        let mut tries = 0;
        loop {
            let (folder_id, server_id) = current.clone();
            match self.enqueue(make(folder_id, server_id)?).await {
                Err(CoreError::InvalidInput(why))
                    if tries < 3 && why.starts_with("no cached message") =>
                {
                    let again = self.message_ref(message_id).await?;
                    if again == current {
                        return Err(CoreError::InvalidInput(why));
                    }
                    tries += 1;
                    current = again;
                }
                other => return other,
            }
        }
    }

    /// Marks a cached message read or unread (at once in the cache, then on the server).
    pub async fn mark_read(&self, message_id: i64, read: bool) -> Result<i64, CoreError> {
        self.enqueue_for_message(message_id, |folder_id, server_id| {
            Ok(OutboxOp::MarkRead {
                folder_id,
                server_id,
                read,
            })
        })
        .await
    }

    /// Sets the follow-up flag: 0 none, 1 complete, 2 active (MS-ASEMAIL FlagStatus).
    pub async fn set_flag(&self, message_id: i64, flag_status: i64) -> Result<i64, CoreError> {
        if !(0..=2).contains(&flag_status) {
            return Err(CoreError::InvalidInput(format!(
                "flag status {flag_status} is not 0 (none), 1 (complete) or 2 (active)"
            )));
        }
        self.enqueue_for_message(message_id, |folder_id, server_id| {
            Ok(OutboxOp::Flag {
                folder_id,
                server_id,
                flag_status,
            })
        })
        .await
    }

    /// Moves a cached message to another folder (by the folder's ServerId).
    pub async fn move_message(&self, message_id: i64, to_folder: &str) -> Result<i64, CoreError> {
        self.enqueue_for_message(message_id, |folder_id, server_id| {
            if folder_id == to_folder {
                return Err(CoreError::InvalidInput(
                    "the message is already in that folder".into(),
                ));
            }
            Ok(OutboxOp::Move {
                folder_id,
                server_id,
                to_folder_id: to_folder.to_owned(),
            })
        })
        .await
    }

    /// Deletes a cached message as Outlook does: outside Deleted Items it is moved there
    /// (MoveItems, shown there at once); in Deleted Items it is deleted for good. Without a
    /// Deleted Items folder the server's own Sync `Delete` is asked for (and checked: see
    /// engine/outbox.rs "The delete check").
    pub async fn delete_message(&self, message_id: i64) -> Result<i64, CoreError> {
        self.delete(message_id, false).await
    }

    /// Deletes a cached message for good (Shift+Del): Sync `Delete` with `DeletesAsMoves` 0,
    /// wherever it is.
    pub async fn delete_message_permanently(&self, message_id: i64) -> Result<i64, CoreError> {
        self.delete(message_id, true).await
    }

    async fn delete(&self, message_id: i64, permanent: bool) -> Result<i64, CoreError> {
        self.enqueue_delete(message_id, permanent)
            .await
            .map(|(id, _)| id)
    }

    /// Queues the delete of a message ([`crate::store::Store::delete_operation`]), built again when the
    /// message's ServerId changed under it (as [`Self::enqueue_for_message`]). Returns the
    /// outbox id and the operation queued.
    pub(super) async fn enqueue_delete(
        &self,
        message_id: i64,
        permanent: bool,
    ) -> Result<(i64, OutboxOp), CoreError> {
        let mut tries = 0;
        loop {
            let op = self.store.delete_operation(message_id, permanent).await?;
            match self.enqueue(op.clone()).await {
                Ok(id) => return Ok((id, op)),
                Err(CoreError::InvalidInput(why))
                    if tries < 3 && why.starts_with("no cached message") =>
                {
                    let again = self.store.delete_operation(message_id, permanent).await?;
                    if again == op {
                        return Err(CoreError::InvalidInput(why));
                    }
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends a message (SendMail), a reply (SmartReply) or a forward (SmartForward) through
    /// the outbox; a copy is kept in Sent. Returns the outbox id.
    pub async fn send_mail(&self, mail: OutgoingMail) -> Result<i64, CoreError> {
        if self.account_config().await.is_none() {
            return Err(CoreError::NotSignedIn);
        }
        if mail.to.iter().chain(&mail.cc).all(|a| a.trim().is_empty()) {
            return Err(CoreError::InvalidInput(
                "the message has no recipient".into(),
            ));
        }
        if mail.reply_to.is_some() && mail.forward_of.is_some() {
            return Err(CoreError::InvalidInput(
                "a message is either a reply or a forward, not both".into(),
            ));
        }
        let from = self.sender(&mail.from).await?;
        if let Some(d) = mail.draft {
            self.draft_row(d).await?;
        }
        let client_id = uuid::Uuid::new_v4().simple().to_string();
        let original = match mail.reply_to.or(mail.forward_of) {
            Some(id) => Some(self.store.message(id).await?.ok_or_else(|| {
                CoreError::InvalidInput(format!("message {id} is not in the cache"))
            })?),
            None => None,
        };
        let thread = match &original {
            Some(m) => self.thread_ids(m).await,
            None => (None, None),
        };
        let mime = self
            .mime_of(
                &mail,
                &from,
                thread.0.as_deref(),
                thread.1.as_deref(),
                self.store.server_attachment_limit().await?,
            )
            .await?;
        // Larger than the server accepts: refused here, with both sizes, so the window stays
        // open to remove attachments (the server would refuse it after the window closed).
        let max_mb = self.effective_settings().await?.max_message_mb.value;
        let size = mime.len() as u64;
        if size > u64::from(max_mb) * 1024 * 1024 {
            return Err(CoreError::MessageTooLarge { size, max_mb });
        }
        let replace_mime = mail.quoted;
        let op = match (mail.reply_to, mail.forward_of, original) {
            (Some(_), _, Some(m)) => OutboxOp::Reply {
                client_id,
                folder_id: m.folder_id,
                server_id: m.server_id,
                mime,
                replace_mime,
            },
            (_, Some(_), Some(m)) => OutboxOp::Forward {
                client_id,
                folder_id: m.folder_id,
                server_id: m.server_id,
                mime,
                replace_mime,
            },
            _ => OutboxOp::Send {
                client_id,
                mime,
                save_in_sent: true,
            },
        };
        let sent = self.enqueue(op).await?;
        if let Some(d) = mail.draft {
            // Queued after the send: the draft goes only once the message is on its way, for
            // good (the sent message replaces it; nothing lands in Deleted Items).
            self.delete_message_permanently(d).await?;
        }
        Ok(sent)
    }

    /// The MIME text of `mail` from `from`: multipart/alternative when written as HTML, the
    /// attachments read now (files from disk, cached messages' attachments from the server),
    /// threaded under the original's Message-ID `in_reply_to`. An attachment larger than
    /// `max_attachment` (the server's policy) is refused with both sizes.
    pub(super) async fn mime_of(
        &self,
        mail: &OutgoingMail,
        from: &str,
        in_reply_to: Option<&str>,
        references: Option<&str>,
        max_attachment: Option<u64>,
    ) -> Result<String, CoreError> {
        let mut attachments = Vec::with_capacity(mail.attachments.len());
        for a in &mail.attachments {
            let a = self.read_attachment(a).await?;
            let size = a.data.len() as u64;
            if let Some(max) = max_attachment.filter(|&max| size > max) {
                return Err(CoreError::AttachmentTooLarge {
                    name: a.name,
                    size,
                    max,
                });
            }
            attachments.push(a);
        }
        let text = match (&mail.html, mail.body.trim().is_empty()) {
            (Some(html), true) => html_to_text(html),
            _ => mail.body.clone(),
        };
        let (mime, _) = build_message(&MessageParts {
            from,
            to: &mail.to,
            cc: &mail.cc,
            bcc: &mail.bcc,
            subject: &mail.subject,
            html: mail.html.as_deref(),
            text: &text,
            importance: mail.importance.unwrap_or(1),
            in_reply_to: in_reply_to.filter(|r| !r.is_empty()),
            references,
            attachments: &attachments,
        });
        Ok(mime)
    }

    /// The original's Message-ID and References, for In-Reply-To and References of a reply
    /// or forward. ActiveSync 14.1 does not report the Message-ID with a synced mail, so it is
    /// read from the whole message (MIME) when that is cached, fetched once when it is not
    /// (online), or taken from the ConversationId where the server puts the Message-ID there
    /// (SOGo). `None` when none of these has it: the message then goes out unthreaded.
    async fn thread_ids(&self, m: &MessageRow) -> (Option<String>, Option<String>) {
        let clean = |s: &str| {
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        };
        if !m.message_id.trim().is_empty() {
            return (Some(clean(&m.message_id)), None);
        }
        let from_mime = async |id: i64| -> Option<(String, Option<String>)> {
            let body = self.store.body(id, BodyKind::Mime).await.ok()??;
            let parsed = mail_parser::MessageParser::default().parse_headers(&body.data)?;
            let mid = parsed.message_id()?.to_owned();
            let refs = parsed.references().as_text_list().map(|l| {
                l.iter()
                    .map(|r| format!("<{r}>"))
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            Some((mid, refs))
        };
        if let Some((mid, refs)) = from_mime(m.id).await {
            return (Some(mid), refs);
        }
        if !m.server_id.starts_with("local:")
            && self.fetch_message_body(m.id, false).await.is_ok()
            && let Some((mid, refs)) = from_mime(m.id).await
        {
            return (Some(mid), refs);
        }
        if m.conversation_id.contains('@') {
            return (Some(clean(&m.conversation_id)), None);
        }
        (None, None)
    }

    async fn read_attachment(
        &self,
        source: &AttachmentSource,
    ) -> Result<OutgoingAttachment, CoreError> {
        let (path, name) = match source {
            AttachmentSource::File { path } => {
                let p = std::path::PathBuf::from(path);
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "attachment".into());
                (p, name)
            }
            AttachmentSource::Cached {
                attachment_id,
                name,
            } => {
                let p = self
                    .fetch_attachment_into(
                        *attachment_id,
                        Some(super::safety::temp_attachment_dir()),
                        &|_, _| {},
                    )
                    .await
                    .map(|(path, _)| path)
                    .map_err(|e| {
                        CoreError::InvalidInput(format!(
                            "the attachment {name} of the original message could not be fetched from the server: {e}"
                        ))
                    })?;
                (p, name.clone())
            }
        };
        let data = tokio::fs::read(&path).await.map_err(|e| CoreError::Io {
            context: format!("could not read the attachment {}", path.display()),
            source: e,
        })?;
        if matches!(source, AttachmentSource::Cached { .. }) {
            let _ = tokio::fs::remove_file(&path).await;
        }
        Ok(OutgoingAttachment {
            content_type: content_type_for(&name).to_owned(),
            name,
            data,
        })
    }

    /// The sender address: `from` when given, else the primary address the server reported,
    /// else the user name if it is an address, else `user@<server host>` ([`OutgoingMail`]).
    pub(super) async fn sender(&self, from: &str) -> Result<String, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        if !from.trim().is_empty() {
            return Ok(from.trim().to_owned());
        }
        let reported = match self.store.account_id(&cfg.server_url, &cfg.user).await? {
            Some(id) => self.store.account_identity(id).await?.0.into_iter().next(),
            None => None,
        };
        Ok(if let Some(primary) = reported {
            primary
        } else if cfg.user.contains('@') {
            cfg.user.clone()
        } else {
            let host = url::Url::parse(&cfg.server_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{}@{}", cfg.user, mail_domain(&host))
        })
    }
}
