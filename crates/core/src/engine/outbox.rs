//! Replaying the user's queued mail changes (the outbox) to the server.
//!
//! Every user action is applied to the cache at once and queued as a [`MailOp`] in the
//! `outbox` table (user data: a cache reset keeps it). The account task replays the queue
//! **in order, one operation at a time per account**:
//!
//! | operation | how (MS-ASCMD) | idempotent because |
//! |---|---|---|
//! | read / unread, flag | Sync `Change` in the item's folder (2.2.3.24) | it sets a state |
//! | delete | Sync `Delete` (2.2.3.42.2), moved to Deleted Items | a missing item counts as deleted |
//! | move | MoveItems (2.2.1.12) | a missing source after a crash is checked, see below |
//! | send, reply, forward | SendMail / SmartReply / SmartForward (2.2.1.17–19) with a stable ClientId and Message-ID | see "never sent twice" |
//! | save draft | not in EAS 14.1 (Sync `Add` to Drafts needs 16.0): parked as "not supported by this server" | — |
//!
//! **Never sent twice.** Before a send the operation is marked in flight. If Kontor stops
//! between the server's answer and marking it done, the operation is found in flight at the
//! next start and is "in doubt": the Sent folder is synced and searched for the message's
//! Message-ID (SOGo reports it as the ConversationId of a new message); found → done. Not
//! found → it is sent again with the same ClientId, which servers use to refuse a duplicate
//! (status 118 "message previously sent" counts as done).
//!
//! **Failures** ([`judge`]): transient ones (network, HTTP 5xx, ServerBusy) are retried with
//! the backoff of [`super::Backoff`] (Retry-After honoured); after `max_attempts` failures, and
//! at once for permanent ones (invalid MIME, unknown recipient, not supported), the operation
//! is **parked**: kept with its error, shown to the user, skipped by the queue so later
//! operations go on.
//!
//! **Conflicts** (the server changed or removed the same item): see docs/ARCHITECTURE.md
//! "Outbox conflicts". In short: the user's latest change wins for the properties it sets
//! (read state, flag, folder); if the item no longer exists on the server the operation is
//! dropped from the queue with an [`super::EngineEvent::OutboxConflict`] saying so — a
//! delete of a vanished item simply counts as done. Nothing is dropped without an event.

use serde::{Deserialize, Serialize};

use kontor_eas::EasError;

/// The `kind` column of mail operations in the outbox.
pub const KIND_PREFIX: &str = "mail.";

/// Which message a reply or forward refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRef {
    pub folder: String,
    pub server_id: String,
}

/// A queued mail change. Stored as JSON in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum MailOp {
    SetRead {
        folder: String,
        server_id: String,
        read: bool,
    },
    /// `flag`: 0 none, 1 complete, 2 active.
    SetFlag {
        folder: String,
        server_id: String,
        flag: i64,
    },
    Move {
        folder: String,
        server_id: String,
        to_folder: String,
    },
    Delete {
        folder: String,
        server_id: String,
    },
    /// SendMail, or SmartReply / SmartForward when `reply_to` / `forward_of` is set.
    Send {
        /// Stable across retries (MS-ASCMD 2.2.3.27.2 ClientId).
        client_id: String,
        /// The `Message-ID` header inside `mime`, without angle brackets.
        message_id: String,
        /// The RFC 5322 message (CRLF line ends).
        mime: String,
        reply_to: Option<SourceRef>,
        forward_of: Option<SourceRef>,
        save_in_sent: bool,
    },
    SaveDraft {
        mime: String,
    },
}

impl MailOp {
    /// The outbox `kind` value (`mail.setRead`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            MailOp::SetRead { .. } => "mail.setRead",
            MailOp::SetFlag { .. } => "mail.setFlag",
            MailOp::Move { .. } => "mail.move",
            MailOp::Delete { .. } => "mail.delete",
            MailOp::Send { .. } => "mail.send",
            MailOp::SaveDraft { .. } => "mail.saveDraft",
        }
    }

    /// The item (folder, ServerId) the operation changes, if any.
    pub fn target(&self) -> Option<(&str, &str)> {
        match self {
            MailOp::SetRead {
                folder, server_id, ..
            }
            | MailOp::SetFlag {
                folder, server_id, ..
            }
            | MailOp::Move {
                folder, server_id, ..
            }
            | MailOp::Delete { folder, server_id } => Some((folder, server_id)),
            _ => None,
        }
    }
}

/// What to do with an operation after the server answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Applied (or already in the wanted state).
    Done,
    /// Removed from the queue because the server's state conflicts; the text says what
    /// happened, for the user (English; the UI has its own catalogue keyed by the event).
    Conflict(String),
    /// Try again later (backoff).
    Retry,
    /// Can never succeed as is: keep it, visible, out of the queue's way.
    Park(String),
}

/// The conflict and failure rule for a failed operation (see the module docs).
pub fn judge(op: &MailOp, err: &EasError) -> Verdict {
    match err {
        EasError::ItemNotFound => match op {
            MailOp::Delete { .. } => Verdict::Done,
            MailOp::Send { .. } => Verdict::Park(
                "the message this replies to or forwards no longer exists on the server".into(),
            ),
            _ => Verdict::Conflict(
                "the message was deleted or moved on the server by another client; the change was not applied"
                    .into(),
            ),
        },
        // 118: a resend of something the server already sent (same ClientId).
        EasError::Status { status: 118, .. } => Verdict::Done,
        EasError::NotSupported { feature } => {
            Verdict::Park(format!("not supported by this server ({feature})"))
        }
        e if e.is_transient() => Verdict::Retry,
        // Sign-in and provisioning problems are the account's, not the operation's: retry
        // when the account works again.
        EasError::Unauthorized { .. }
        | EasError::ProvisionRequired
        | EasError::InvalidSyncKey
        | EasError::FolderHierarchyChanged => Verdict::Retry,
        e => Verdict::Park(e.to_string()),
    }
}

/// Builds a plain-text message (UTF-8, RFC 2047 encoded words where needed) with a fresh
/// Message-ID. Returns `(message_id, mime)`.
pub fn build_plain_message(
    from: &str,
    to: &[String],
    cc: &[String],
    subject: &str,
    body: &str,
    in_reply_to: Option<&str>,
) -> (String, String) {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("kontor.invalid");
    let message_id = format!("{}@{}", uuid::Uuid::new_v4().simple(), domain);
    let mut m = mail_builder::MessageBuilder::new()
        .from(from)
        .to(to.iter().map(String::as_str).collect::<Vec<_>>())
        .subject(subject)
        .message_id(message_id.as_str())
        .text_body(body.replace("\r\n", "\n").replace('\n', "\r\n"));
    if !cc.is_empty() {
        m = m.cc(cc.iter().map(String::as_str).collect::<Vec<_>>());
    }
    if let Some(r) = in_reply_to {
        let r = r.trim().trim_start_matches('<').trim_end_matches('>');
        m = m.in_reply_to(r).references(r);
    }
    let mime = m.write_to_string().unwrap_or_default();
    (message_id, mime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip_as_json() {
        let ops = [
            MailOp::SetRead {
                folder: "f".into(),
                server_id: "1".into(),
                read: true,
            },
            MailOp::Move {
                folder: "f".into(),
                server_id: "1".into(),
                to_folder: "g".into(),
            },
            MailOp::Send {
                client_id: "c1".into(),
                message_id: "m@x".into(),
                mime: "From: a\r\n\r\nb".into(),
                reply_to: Some(SourceRef {
                    folder: "f".into(),
                    server_id: "2".into(),
                }),
                forward_of: None,
                save_in_sent: true,
            },
        ];
        for op in ops {
            let json = serde_json::to_string(&op).unwrap();
            assert_eq!(serde_json::from_str::<MailOp>(&json).unwrap(), op);
            assert!(op.kind().starts_with(KIND_PREFIX));
        }
        let v = serde_json::to_value(MailOp::SetFlag {
            folder: "f".into(),
            server_id: "1".into(),
            flag: 2,
        })
        .unwrap();
        assert_eq!(v["op"], "setFlag");
        assert_eq!(v["serverId"], "1");
    }

    #[test]
    fn the_conflict_rule() {
        let read = MailOp::SetRead {
            folder: "f".into(),
            server_id: "1".into(),
            read: true,
        };
        let del = MailOp::Delete {
            folder: "f".into(),
            server_id: "1".into(),
        };
        assert!(matches!(
            judge(&read, &EasError::ItemNotFound),
            Verdict::Conflict(_)
        ));
        assert_eq!(judge(&del, &EasError::ItemNotFound), Verdict::Done);
        assert_eq!(
            judge(&read, &EasError::ServerBusy { retry_after: None }),
            Verdict::Retry
        );
        assert_eq!(
            judge(
                &read,
                &EasError::Http {
                    status: 503,
                    detail: String::new()
                }
            ),
            Verdict::Retry
        );
        assert_eq!(
            judge(
                &read,
                &EasError::Status {
                    command: "SendMail",
                    status: 118,
                    meaning: ""
                }
            ),
            Verdict::Done
        );
        assert!(matches!(
            judge(
                &read,
                &EasError::Status {
                    command: "SendMail",
                    status: 107,
                    meaning: "invalid MIME"
                }
            ),
            Verdict::Park(m) if m.contains("invalid MIME")
        ));
        assert!(matches!(
            judge(&MailOp::SaveDraft { mime: String::new() }, &EasError::NotSupported { feature: "drafts" }),
            Verdict::Park(m) if m.contains("not supported")
        ));
    }

    #[test]
    fn plain_messages_are_crlf_utf8_with_a_message_id() {
        let (id, mime) = build_plain_message(
            "alice@kontor.test",
            &["bob@kontor.test".into()],
            &[],
            "Grüße",
            "Zeile 1\nZeile 2 – Straße",
            Some("<x@y>"),
        );
        assert!(id.ends_with("@kontor.test"));
        assert!(mime.contains(&format!("Message-ID: <{id}>")), "{mime}");
        assert!(mime.contains("In-Reply-To: <x@y>"), "{mime}");
        assert!(
            !mime.replace("\r\n", "").contains('\n'),
            "bare LF in {mime:?}"
        );
        assert!(
            !mime
                .lines()
                .any(|l| l.starts_with("Subject:") && l.contains('ü'))
        );
    }
}
