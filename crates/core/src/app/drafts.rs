//! Drafts: saving the message being written in the account's Drafts folder.

use serde::Serialize;

use super::{Kontor, OutgoingMail};
use crate::error::CoreError;
use crate::store::OutboxOp;

/// A saved draft: its cached message and the outbox operation that stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedDraft {
    #[specta(type = specta_typescript::Number)]
    pub message_id: i64,
    #[specta(type = specta_typescript::Number)]
    pub op_id: i64,
}

impl Kontor {
    /// Saves the message being written as a draft in the account's Drafts folder: at once in
    /// the cache (a new draft when `draft` is `None`, else the given draft changes), then on
    /// the server where its ActiveSync can store drafts (16.x; below that the draft is kept on
    /// this computer, see store/messages.rs "Drafts"). Recipients may be empty.
    pub async fn save_draft(
        &self,
        mail: OutgoingMail,
        draft: Option<i64>,
    ) -> Result<SavedDraft, CoreError> {
        let account_id = self.current_account_id().await?;
        let (folder_id, server_id) = match draft {
            Some(d) => {
                let m = self.draft_row(d).await?;
                (m.folder_id, m.server_id)
            }
            None => {
                let drafts = self.store.drafts_folder_id(account_id).await?;
                let drafts = drafts.ok_or_else(|| {
                    CoreError::InvalidInput(
                        "the account has no Drafts folder (refresh the folder list)".into(),
                    )
                })?;
                (drafts, String::new())
            }
        };
        // The ClientId of an ActiveSync 16 Sync `Add` (a new draft), and the operation's
        // idempotency key.
        let client_id = uuid::Uuid::new_v4().simple().to_string();
        let from = self.sender(&mail.from).await?;
        let mime = self.mime_of(&mail, &from, None, None, None).await?;
        let op_id = self
            .enqueue(OutboxOp::DraftSave {
                client_id,
                folder_id: folder_id.clone(),
                server_id: server_id.clone(),
                mime,
            })
            .await?;
        let row_id = if server_id.is_empty() {
            format!("local:{op_id}")
        } else {
            server_id
        };
        let row = self
            .store
            .message_by_server_id(account_id, &folder_id, &row_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the saved draft is not in the cache".into()))?;
        // A reply's or forward's draft remembers its original, so it goes out as one later.
        self.store
            .set_draft_origin(row.id, mail.reply_to, mail.forward_of)
            .await?;
        Ok(SavedDraft {
            message_id: row.id,
            op_id,
        })
    }

    /// A waiting or failed send taken back to be edited (the Outbox's "Edit"): its message, as
    /// it was queued (recipients, text, attachments), becomes a new draft in Drafts, and the
    /// send is given up. The draft is made first, so when giving up the send fails (it is being
    /// sent at this moment) nothing is lost: the error says so and the draft is there as well.
    /// A reply or forward stays one: the draft names its original while that is cached.
    /// Returns the draft, which the window opens to edit.
    pub async fn edit_unsent(&self, op_id: i64) -> Result<SavedDraft, CoreError> {
        let entry = self
            .store
            .outbox_entry(op_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no unsent change {op_id}")))?;
        if entry.state == crate::store::OutboxState::InFlight {
            return Err(CoreError::InvalidInput(
                "the message is being sent at this moment; it can be edited if that fails".into(),
            ));
        }
        let mime = match &entry.op {
            OutboxOp::Send { mime, .. }
            | OutboxOp::Reply { mime, .. }
            | OutboxOp::Forward { mime, .. } => mime.clone(),
            _ => {
                return Err(CoreError::InvalidInput(
                    "only a message waiting to be sent can be edited".into(),
                ));
            }
        };
        let account_id = self.current_account_id().await?;
        let drafts = self
            .store
            .drafts_folder_id(account_id)
            .await?
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "the account has no Drafts folder (refresh the folder list)".into(),
                )
            })?;
        let saved = self.new_draft_from_mime(account_id, drafts, mime).await?;
        // A reply or forward stays one: its draft names the original while that is cached.
        let original = match &entry.op {
            OutboxOp::Reply {
                folder_id,
                server_id,
                ..
            }
            | OutboxOp::Forward {
                folder_id,
                server_id,
                ..
            } => self
                .store
                .message_by_server_id(account_id, folder_id, server_id)
                .await?
                .map(|m| m.id),
            _ => None,
        };
        if let Some(id) = original {
            let reply = matches!(entry.op, OutboxOp::Reply { .. });
            self.store
                .set_draft_origin(
                    saved.message_id,
                    reply.then_some(id),
                    (!reply).then_some(id),
                )
                .await?;
        }
        self.store.discard(op_id).await?;
        self.mail_changed(Vec::new());
        Ok(saved)
    }

    /// Queues `mime` as a new draft in the Drafts folder `folder_id` and returns its cache row.
    async fn new_draft_from_mime(
        &self,
        account_id: i64,
        folder_id: String,
        mime: String,
    ) -> Result<SavedDraft, CoreError> {
        let client_id = uuid::Uuid::new_v4().simple().to_string();
        let op_id = self
            .enqueue(OutboxOp::DraftSave {
                client_id,
                folder_id: folder_id.clone(),
                server_id: String::new(),
                mime,
            })
            .await?;
        let row = self
            .store
            .message_by_server_id(account_id, &folder_id, &format!("local:{op_id}"))
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the saved draft is not in the cache".into()))?;
        Ok(SavedDraft {
            message_id: row.id,
            op_id,
        })
    }

    /// A cached message in a Drafts folder.
    pub(super) async fn draft_row(
        &self,
        message_id: i64,
    ) -> Result<crate::store::MessageRow, CoreError> {
        let m = self.store.message(message_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(format!("message {message_id} is not in the cache"))
        })?;
        let kind = self.store.folder_type(m.account_id, &m.folder_id).await?;
        if kind != Some(3) {
            return Err(CoreError::InvalidInput(format!(
                "message {message_id} is not a draft"
            )));
        }
        Ok(m)
    }
}
