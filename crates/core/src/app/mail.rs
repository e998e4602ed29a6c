//! Mail: outbox operations on cached messages and sending new mail, replies and forwards.

use serde::Deserialize;

use super::{Kontor, mail_domain};
use crate::engine::outbox::build_plain_message;
use crate::error::CoreError;
use crate::store::OutboxOp;

/// A new message, a reply or a forward, as the compose window submits it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingMail {
    /// The sender address; when empty, the primary address the server reported (Settings
    /// UserInformation), else the account's user name if it is an address, else
    /// `user@<server host without mail./webmail.>`.
    #[serde(default)]
    pub from: String,
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Cached message (`message.id`) this replies to (SmartReply).
    #[serde(default)]
    pub reply_to: Option<i64>,
    /// Cached message this forwards (SmartForward).
    #[serde(default)]
    pub forward_of: Option<i64>,
    /// The saved draft (`message.id`) this message was written in: sending it deletes the
    /// draft.
    #[serde(default)]
    pub draft: Option<i64>,
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

    /// Marks a cached message read or unread (at once in the cache, then on the server).
    pub async fn mark_read(&self, message_id: i64, read: bool) -> Result<i64, CoreError> {
        let (folder_id, server_id) = self.message_ref(message_id).await?;
        self.enqueue(OutboxOp::MarkRead {
            folder_id,
            server_id,
            read,
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
        let (folder_id, server_id) = self.message_ref(message_id).await?;
        self.enqueue(OutboxOp::Flag {
            folder_id,
            server_id,
            flag_status,
        })
        .await
    }

    /// Moves a cached message to another folder (by the folder's ServerId).
    pub async fn move_message(&self, message_id: i64, to_folder: &str) -> Result<i64, CoreError> {
        let (folder_id, server_id) = self.message_ref(message_id).await?;
        if folder_id == to_folder {
            return Err(CoreError::InvalidInput(
                "the message is already in that folder".into(),
            ));
        }
        self.enqueue(OutboxOp::Move {
            folder_id,
            server_id,
            to_folder_id: to_folder.to_owned(),
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
        let op = self.store.delete_operation(message_id, permanent).await?;
        self.enqueue(op).await
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
        let (_, mime) =
            build_plain_message(&from, &mail.to, &mail.cc, &mail.subject, &mail.body, None);
        let op = match (mail.reply_to, mail.forward_of) {
            (Some(id), _) => {
                let (folder_id, server_id) = self.message_ref(id).await?;
                OutboxOp::Reply {
                    client_id,
                    folder_id,
                    server_id,
                    mime,
                }
            }
            (_, Some(id)) => {
                let (folder_id, server_id) = self.message_ref(id).await?;
                OutboxOp::Forward {
                    client_id,
                    folder_id,
                    server_id,
                    mime,
                }
            }
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
