//! Replaying the user's queued mail changes (the outbox) to the server.
//!
//! Every user action is applied to the cache at once and queued as an [`OutboxOp`] in the
//! `outbox` table (user data: a cache reset keeps it). The account task replays the queue
//! **in order, one operation at a time per account**:
//!
//! | operation | how (MS-ASCMD) | idempotent because |
//! |---|---|---|
//! | read / unread, flag | Sync `Change` in the item's folder (2.2.3.24) | it sets a state |
//! | delete | as Outlook: a **move** to Deleted Items (folder type 4) with MoveItems, queued as a `Move` (app/mail.rs) | as a move |
//! | delete for good (Shift+Del, or in Deleted Items) | Sync `Delete` (2.2.3.42.2) with `DeletesAsMoves` 0 | "not found" or no answer is checked, see "The delete check" |
//! | delete without a Deleted Items folder | Sync `Delete` without `DeletesAsMoves` (the server's default) | as above |
//! | move | MoveItems (2.2.1.12) | a missing source after a crash is checked, see below |
//! | send, reply, forward | SendMail / SmartReply / SmartForward (2.2.1.17–19) with a stable ClientId and Message-ID | see "never sent twice" |
//! | save draft | 16.x: Sync `Add` (new, with a stable ClientId) or `Change` in Drafts; below 16.0 the protocol has no way to store a draft, so it is kept on this computer (done without a server call; store/messages.rs "Drafts") | a `Change` sets the whole draft |
//!
//! **Never sent twice.** Before a send the operation is marked in flight. If Kontor stops
//! between the server's answer and marking it done, the operation is found in flight at the
//! next replay (the engine does not reset in-flight rows blindly) and is "in doubt": the Sent folder is synced and searched for the message's
//! Message-ID (SOGo reports it as the ConversationId of a new message); found → done. Not
//! found → it is sent again with the same ClientId, which servers use to refuse a duplicate
//! (status 118 "message previously sent" counts as done).
//!
//! **Failures** ([`judge`], into the shared [`Outcome`] of engine/outcome.rs): transient ones
//! (network, HTTP 5xx, ServerBusy) are retried with the mail backoff of
//! [`Queue::retry_wait`] (Retry-After honoured); after `store::MAX_ATTEMPTS` failures, and
//! at once for permanent ones (invalid MIME, unknown recipient, not supported), the operation
//! is **parked**: kept with its error, shown to the user, skipped by the queue so later
//! operations go on.
//!
//! **The delete check.** No delete is done unless the server shows it done. A Sync `Delete`
//! answered "not found" (status 8), or by a Sync answer without the folder, proves nothing:
//! Z-Push's IMAP backend answers 8 to a delete it failed to carry out, and the message stays
//! in the Inbox. So the item is fetched from its folder (Sync `Fetch`, [`Check::DeleteSource`]):
//! gone → done; still there → a delete that may move is tried once more as MoveItems to
//! Deleted Items (the row becomes that move, [`crate::store::Store::retry_delete_as_move`]);
//! a delete for good, or one without a Deleted Items folder, becomes a conflict: the message
//! shows again in its folder and the delete is parked as `conflict: …` for the user to retry
//! or discard. A Fetch that cannot be read concludes nothing: the delete is retried later.
//!
//! **Conflicts** (the server changed or removed the same item): see
//! docs/ARCHITECTURE.md#outbox-replay-and-conflicts. In short: the user's latest change wins
//! for the properties it sets
//! (read state, flag, folder); if the item no longer exists on the server the operation is
//! dropped from the queue with an [`super::EngineEvent::OutboxConflict`] saying so — a
//! delete goes through the delete check instead. Nothing is dropped without an event.

use std::time::Duration;

use chrono::Utc;
use kontor_eas::compose::{Compose, Source};
use kontor_eas::email::{self, FlagStatus};
use kontor_eas::move_items::Move;
use kontor_eas::sync::{ClientCommand, ItemResponse, Status as SyncStatus};
use kontor_eas::{EasError, ProtocolVersion};

use super::outcome::{self, Check, Conflict, LocalChange, Outcome, Queue};
use super::{AccountContext, EngineError, EngineEvent};
use crate::store::{Done, OutboxEntry, OutboxOp, OutboxState};

/// True for the operations this module replays (mail); events and meeting responses belong
/// to the calendar side.
pub fn is_mail(op: &OutboxOp) -> bool {
    matches!(
        op,
        OutboxOp::MarkRead { .. }
            | OutboxOp::Flag { .. }
            | OutboxOp::Move { .. }
            | OutboxOp::Delete { .. }
            | OutboxOp::Send { .. }
            | OutboxOp::Reply { .. }
            | OutboxOp::Forward { .. }
            | OutboxOp::DraftSave { .. }
    )
}

/// The conflict and failure rule for a failed operation (see the module docs).
pub fn judge(op: &OutboxOp, err: &EasError) -> Outcome {
    match err {
        // A delete the server says it cannot find, or answered in a way that does not show it
        // done, may still be in its folder (Z-Push's IMAP backend answers "not found" to a
        // delete it failed to carry out): look before calling it done.
        EasError::ItemNotFound | EasError::Protocol { .. }
            if matches!(op, OutboxOp::Delete { .. }) =>
        {
            Outcome::Check(Check::DeleteSource(
                "the server did not delete the message; it is shown again in its folder".into(),
            ))
        }
        EasError::ItemNotFound => match op {
            OutboxOp::Move { .. } => Outcome::Check(Check::MoveDestination(
                "the message was no longer in its folder on the server (moved by an earlier try \
                 whose answer was lost, or moved or deleted by another client); it is shown \
                 where the server has it"
                    .into(),
            )),
            OutboxOp::Reply { .. } | OutboxOp::Forward { .. } => Outcome::Park(
                "the message this replies to or forwards no longer exists on the server".into(),
            ),
            _ => Outcome::Conflict(Conflict {
                resolution: "the message was deleted or moved on the server by another client; the change was not applied"
                    .into(),
                local: LocalChange::Dropped,
            }),
        },
        // 118: a resend of something the server already sent (same ClientId).
        EasError::Status { status: 118, .. } => Outcome::Done,
        EasError::NotSupported { feature } => {
            Outcome::Park(format!("not supported by this server ({feature})"))
        }
        e if e.is_transient() => Outcome::Retry,
        // Sign-in and provisioning problems are the account's, not the operation's: retry
        // when the account works again.
        EasError::Unauthorized { .. }
        | EasError::ProvisionRequired
        | EasError::InvalidSyncKey
        | EasError::FolderHierarchyChanged => Outcome::Retry,
        e => Outcome::Park(e.to_string()),
    }
}

/// Replays the account's due mail operations in order, one at a time. Returns how long until
/// the next waiting retry (the head of the queue backing off), if any.
pub async fn replay(cx: &mut AccountContext) -> Result<Option<Duration>, EngineError> {
    let account_id = cx.account_id;
    // Rows left in flight by a crash or a stop during a send: in doubt (module docs).
    let in_doubt: Vec<OutboxEntry> = cx
        .store
        .outbox_unfinished()
        .await?
        .into_iter()
        .filter(|e| {
            e.account_id == Some(account_id) && e.state == OutboxState::InFlight && is_mail(&e.op)
        })
        .collect();
    for entry in in_doubt {
        if let Some(wait) = run_one(cx, &entry, true).await? {
            return Ok(Some(wait));
        }
    }
    loop {
        let ready = cx.store.next_ready(Utc::now()).await?;
        let Some(entry) = ready.into_iter().find(|e| e.account_id == Some(account_id)) else {
            break;
        };
        if !is_mail(&entry.op) {
            // `next_ready` names mail operations only; a calendar one is never replayed here.
            break;
        }
        cx.store.mark_in_flight(entry.id).await?;
        if let Some(wait) = run_one(cx, &entry, false).await? {
            return Ok(Some(wait));
        }
    }
    // Is the head of this account's queue waiting for a retry?
    let now = Utc::now().timestamp();
    let head = cx.store.outbox_unfinished().await?.into_iter().find(|e| {
        e.account_id == Some(account_id) && e.state == OutboxState::Pending && is_mail(&e.op)
    });
    Ok(head
        .filter(|e| e.next_attempt_at > now)
        .map(|e| Duration::from_secs(u64::try_from(e.next_attempt_at - now).unwrap_or(0))))
}

/// Applies one operation and records the outcome. Returns a wait when the operation is
/// backing off (the queue stops behind it).
async fn run_one(
    cx: &mut AccountContext,
    entry: &OutboxEntry,
    in_doubt: bool,
) -> Result<Option<Duration>, EngineError> {
    let account_id = cx.account_id;
    let result = apply(cx, &entry.op, in_doubt).await;
    tracing::debug!(
        op = entry.id,
        kind = entry.op.kind(),
        target = ?entry.op.target(),
        in_doubt,
        outcome = ?result.as_ref().map(|d| d.new_server_id.as_deref()).map_err(ToString::to_string),
        "outbox operation sent"
    );
    let queue = Queue::Mail { seed: cx.seed };
    let err = match result {
        Ok(done) => {
            outcome::done(&cx.store, entry.id, &done).await?;
            cx.emit(EngineEvent::OutboxApplied {
                account_id,
                op_id: entry.id,
            });
            return Ok(None);
        }
        Err(EngineError::Eas(e)) => e,
        // Local failures (SQLite) and shutdown are not the operation's fault.
        Err(other) => return Err(other),
    };
    let mut err = err;
    let mut outcome = judge(&entry.op, &err);
    if let (
        Outcome::Check(Check::MoveDestination(_)),
        OutboxOp::Move {
            folder_id,
            server_id,
            to_folder_id,
        },
    ) = (&outcome, &entry.op)
    {
        // Was it this very move, its answer lost? Then the destination holds the message
        // under a new ServerId: a Sync of the destination shows it, and the move is done.
        match super::mail::sync_pass(cx, to_folder_id, Vec::new()).await {
            Ok(_) => {
                if let Some(new_server_id) = cx.store.moved_copy(entry.id).await? {
                    tracing::info!(
                        op = entry.id,
                        "move: found in the destination after a lost answer"
                    );
                    outcome::done(
                        &cx.store,
                        entry.id,
                        &Done {
                            new_server_id: Some(new_server_id),
                            etag: None,
                        },
                    )
                    .await?;
                    cx.emit(EngineEvent::OutboxApplied {
                        account_id,
                        op_id: entry.id,
                    });
                    return Ok(None);
                }
                // Not in the destination: is it still where it was? Then the server did not
                // move it, and the message must not vanish from the cache (the server would
                // not send it again): it goes back, the move is parked as a conflict.
                if !server_id.starts_with("local:") {
                    match on_server(cx, folder_id, server_id).await {
                        Ok(true) => {
                            let conflict = Conflict {
                                resolution: "the server did not move the message; it is shown \
                                             again in its folder"
                                    .into(),
                                local: LocalChange::MoveUndone,
                            };
                            return settle_conflict(cx, entry, queue, conflict).await;
                        }
                        Ok(false) => {}
                        Err(EngineError::Eas(e)) => {
                            outcome = match judge(&entry.op, &e) {
                                Outcome::Check(_) => Outcome::Retry,
                                o => o,
                            };
                            err = e;
                        }
                        Err(other) => return Err(other),
                    }
                }
            }
            // The destination could not be synced now: the move is tried again later.
            Err(EngineError::Eas(e)) => {
                outcome = match judge(&entry.op, &e) {
                    Outcome::Check(_) => Outcome::Retry,
                    o => o,
                };
                err = e;
            }
            Err(other) => return Err(other),
        }
    }
    if let (
        Outcome::Check(Check::DeleteSource(_)),
        OutboxOp::Delete {
            folder_id,
            server_id,
            permanent,
        },
    ) = (&outcome, &entry.op)
    {
        // The delete check (module docs).
        match on_server(cx, folder_id, server_id).await {
            Ok(false) => {
                tracing::info!(op = entry.id, "delete: the message is gone from its folder");
                outcome::done(&cx.store, entry.id, &Done::default()).await?;
                cx.emit(EngineEvent::OutboxApplied {
                    account_id,
                    op_id: entry.id,
                });
                return Ok(None);
            }
            Ok(true) => {
                let deleted_items = cx.store.deleted_items_folder_id(account_id).await?;
                if let Some(to) = deleted_items.filter(|to| !*permanent && to != folder_id) {
                    let message = format!(
                        "the server did not delete the message ({err}); moving it to Deleted Items"
                    );
                    if cx
                        .store
                        .retry_delete_as_move(entry.id, &to, &message)
                        .await?
                    {
                        tracing::info!(
                            op = entry.id,
                            "delete: still in its folder; tried again as a move to Deleted Items"
                        );
                        cx.emit(EngineEvent::OutboxRetry {
                            account_id,
                            op_id: entry.id,
                            attempt: u32::try_from(entry.attempts + 1).unwrap_or(u32::MAX),
                            retry_in_ms: 0,
                            message,
                        });
                        return Ok(None);
                    }
                }
                tracing::warn!(op = entry.id, error = %err, "delete: the message is still in its folder");
            }
            Err(EngineError::Eas(e)) => {
                outcome = match judge(&entry.op, &e) {
                    Outcome::Check(_) => Outcome::Retry,
                    o => o,
                };
                err = e;
            }
            Err(other) => return Err(other),
        }
    }
    match outcome {
        Outcome::Done => {
            outcome::record(&cx.store, queue, entry.id, &outcome).await?;
            cx.emit(EngineEvent::OutboxApplied {
                account_id,
                op_id: entry.id,
            });
            Ok(None)
        }
        Outcome::Conflict(conflict) => settle_conflict(cx, entry, queue, conflict).await,
        // The check found nothing on the server.
        Outcome::Check(check) => settle_conflict(cx, entry, queue, check.not_found()).await,
        Outcome::Park(ref message) => {
            outcome::record(&cx.store, queue, entry.id, &outcome).await?;
            cx.emit(EngineEvent::OutboxParked {
                account_id,
                op_id: entry.id,
                message: message.clone(),
            });
            Ok(None)
        }
        Outcome::Retry => {
            let wait = queue.retry_wait(
                entry.id,
                entry.attempts,
                match &err {
                    EasError::ServerBusy { retry_after } => *retry_after,
                    _ => None,
                },
            );
            let message = err.to_string();
            let state = outcome::retry(&cx.store, entry.id, &message, wait).await?;
            if state == OutboxState::Parked {
                cx.emit(EngineEvent::OutboxParked {
                    account_id,
                    op_id: entry.id,
                    message,
                });
                Ok(None)
            } else {
                cx.emit(EngineEvent::OutboxRetry {
                    account_id,
                    op_id: entry.id,
                    attempt: u32::try_from(entry.attempts + 1).unwrap_or(u32::MAX),
                    retry_in_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    message,
                });
                Ok(Some(wait))
            }
        }
    }
}

/// Records a conflict (the local change dropped) and reports it.
async fn settle_conflict(
    cx: &mut AccountContext,
    entry: &OutboxEntry,
    queue: Queue,
    conflict: Conflict,
) -> Result<Option<Duration>, EngineError> {
    if conflict.local == LocalChange::MoveDropped {
        tracing::info!(op = entry.id, resolution = %conflict.resolution, "move: source gone on the server");
    } else {
        tracing::info!(op = entry.id, resolution = %conflict.resolution, "outbox conflict");
    }
    let resolution = conflict.resolution.clone();
    outcome::record(&cx.store, queue, entry.id, &Outcome::Conflict(conflict)).await?;
    cx.emit(EngineEvent::OutboxConflict {
        account_id: cx.account_id,
        op_id: entry.id,
        resolution,
    });
    Ok(None)
}

/// Sends one operation to the server.
async fn apply(
    cx: &mut AccountContext,
    op: &OutboxOp,
    in_doubt: bool,
) -> Result<Done, EngineError> {
    match op {
        OutboxOp::MarkRead {
            folder_id,
            server_id,
            read,
        } => {
            sync_command(
                cx,
                folder_id,
                ClientCommand::Change {
                    server_id: server_id.clone(),
                    data: email::set_read(*read),
                },
                None,
            )
            .await
        }
        OutboxOp::Flag {
            folder_id,
            server_id,
            flag_status,
        } => {
            let status = match flag_status {
                1 => FlagStatus::Complete,
                2 => FlagStatus::Active,
                _ => FlagStatus::Cleared,
            };
            sync_command(
                cx,
                folder_id,
                ClientCommand::Change {
                    server_id: server_id.clone(),
                    data: email::set_flag(status),
                },
                None,
            )
            .await
        }
        OutboxOp::Delete {
            folder_id,
            server_id,
            permanent,
        } => {
            if server_id.starts_with("local:") {
                // A draft kept on this computer, or a message whose move placeholder never got
                // a ServerId: nothing on the server has this id.
                return Ok(Done::default());
            }
            sync_command(
                cx,
                folder_id,
                ClientCommand::Delete {
                    server_id: server_id.clone(),
                },
                permanent.then_some(false),
            )
            .await
        }
        OutboxOp::Move {
            folder_id,
            server_id,
            to_folder_id,
        } => {
            let results = cx
                .client
                .move_items(&[Move {
                    src_msg_id: server_id.clone(),
                    src_fld_id: folder_id.clone(),
                    dst_fld_id: to_folder_id.clone(),
                }])
                .await?;
            let r = results
                .into_iter()
                .next()
                .ok_or_else(|| EasError::Protocol {
                    command: "MoveItems",
                    detail: "the answer names no item".into(),
                })?;
            r.status.into_result()?;
            Ok(Done {
                new_server_id: r.dst_msg_id,
                etag: None,
            })
        }
        OutboxOp::Send {
            client_id,
            mime,
            save_in_sent,
        } => {
            if in_doubt && already_sent(cx, mime).await? {
                return Ok(Done::default());
            }
            cx.client
                .send_mail(client_id, mime.as_bytes(), *save_in_sent)
                .await?;
            Ok(Done::default())
        }
        OutboxOp::Reply {
            client_id,
            folder_id,
            server_id,
            mime,
            replace_mime,
        }
        | OutboxOp::Forward {
            client_id,
            folder_id,
            server_id,
            mime,
            replace_mime,
        } => {
            if in_doubt && already_sent(cx, mime).await? {
                return Ok(Done::default());
            }
            let source = Source::Item {
                folder_id: folder_id.clone(),
                item_id: server_id.clone(),
            };
            let kind = if matches!(op, OutboxOp::Reply { .. }) {
                Compose::SmartReply(source)
            } else {
                Compose::SmartForward(source)
            };
            cx.client
                .compose(&kind, client_id, mime.as_bytes(), true, *replace_mime)
                .await?;
            Ok(Done::default())
        }
        OutboxOp::DraftSave {
            client_id,
            folder_id,
            server_id,
            mime,
        } => save_draft(cx, client_id, folder_id, server_id, mime).await,
        other => Err(EngineError::Core(crate::error::CoreError::InvalidInput(
            format!("the mail outbox cannot replay a {} operation", other.kind()),
        ))),
    }
}

/// A saved draft (module docs). MS-ASCMD 2.2.3.7.2: a client can add a draft mail item only
/// from protocol 16.0 on; below that (SOGo offers at most 14.1 and stops its worker on a mail
/// `Add`) nothing is sent and the draft stays on this computer.
async fn save_draft(
    cx: &mut AccountContext,
    client_id: &str,
    folder_id: &str,
    server_id: &str,
    mime: &str,
) -> Result<Done, EngineError> {
    if cx.client.version() < ProtocolVersion::V16_0 {
        tracing::debug!(
            folder_id,
            server_id,
            version = cx.client.protocol_version(),
            "draft kept on this computer (the server's ActiveSync cannot store drafts)"
        );
        return Ok(Done::default());
    }
    let draft = eas_draft(mime)?;
    if !server_id.starts_with("local:") {
        let change = ClientCommand::Change {
            server_id: server_id.to_owned(),
            data: draft.to_application_data()?,
        };
        match sync_command(cx, folder_id, change, None).await {
            Ok(_) => {
                return Ok(Done {
                    new_server_id: Some(server_id.to_owned()),
                    etag: None,
                });
            }
            // Deleted on the server meanwhile: the user's text is added again below.
            Err(EngineError::Eas(EasError::ItemNotFound)) => {}
            Err(e) => return Err(e),
        }
    }
    let responses = super::mail::sync_pass(cx, folder_id, vec![draft.save(client_id)?]).await?;
    let answer = responses.into_iter().find_map(|r| match r {
        ItemResponse::Add {
            client_id: c,
            server_id,
            status,
        } if c == client_id => Some((server_id, status)),
        _ => None,
    });
    match answer {
        Some((Some(new), SyncStatus::Success)) => Ok(Done {
            new_server_id: Some(new),
            etag: None,
        }),
        Some((_, status)) => Err(status
            .into_result()
            .err()
            .unwrap_or(EasError::Protocol {
                command: "Sync",
                detail: "the server added the draft without giving its ServerId".into(),
            })
            .into()),
        None => Err(EasError::Protocol {
            command: "Sync",
            detail: "the answer does not mention the draft that was added".into(),
        }
        .into()),
    }
}

/// The ActiveSync form of a draft saved as MIME (recipients, subject, plain-text body).
fn eas_draft(mime: &str) -> Result<email::Draft, EngineError> {
    let c = crate::store::messages::draft_content(mime)?;
    let list = |people: &[crate::store::Address]| -> Option<String> {
        let parts: Vec<String> = people
            .iter()
            .filter(|a| !a.addr.is_empty())
            .map(|a| {
                if a.name.is_empty() {
                    a.addr.clone()
                } else {
                    format!("\"{}\" <{}>", a.name.replace(['"', '\\'], ""), a.addr)
                }
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    };
    Ok(email::Draft {
        to: list(&c.data.to),
        cc: list(&c.data.cc),
        bcc: None,
        subject: Some(c.data.subject),
        importance: None,
        body: Some((kontor_eas::sync::BodyType::PlainText, c.body)),
    })
}

/// Sends a Change/Delete with the folder's Sync (applying whatever else the server sends)
/// and reads the item's answer: no answer for the item or status 1 is success, 8 is "not
/// found"; an answer without the folder at all confirms nothing (a protocol error, which a
/// delete checks). `deletes_as_moves`: see [`super::mail::sync_commands`].
async fn sync_command(
    cx: &mut AccountContext,
    folder_id: &str,
    command: ClientCommand,
    deletes_as_moves: Option<bool>,
) -> Result<Done, EngineError> {
    let target = match &command {
        ClientCommand::Change { server_id, .. } | ClientCommand::Delete { server_id } => {
            server_id.clone()
        }
        _ => String::new(),
    };
    if target.starts_with("local:") {
        // Moved locally and not confirmed yet: nothing on the server has this id.
        return Err(EasError::ItemNotFound.into());
    }
    let answer = super::mail::sync_commands(cx, folder_id, vec![command], deletes_as_moves).await?;
    if !answer.answered {
        return Err(EasError::Protocol {
            command: "Sync",
            detail: format!("the answer to the change of {target} does not mention its folder"),
        }
        .into());
    }
    let status = answer.responses.iter().find_map(|r| match r {
        ItemResponse::Change { server_id, status } | ItemResponse::Delete { server_id, status }
            if *server_id == target =>
        {
            Some(*status)
        }
        _ => None,
    });
    match status {
        None | Some(SyncStatus::Success) => Ok(Done::default()),
        Some(SyncStatus::ObjectNotFound) => Err(EasError::ItemNotFound.into()),
        Some(SyncStatus::Conflict) => Err(EasError::Status {
            command: "Sync",
            status: 7,
            meaning: "the server's version of the item won a conflict",
        }
        .into()),
        Some(s) => Err(s
            .into_result()
            .err()
            .unwrap_or(EasError::Status {
                command: "Sync",
                status: s.code(),
                meaning: "the change was refused",
            })
            .into()),
    }
}

/// Is the item still in the folder on the server? A Sync `Fetch` of it (after the plain
/// Sync that keeps commands on a confirmed key): a message (with sender or subject) → true;
/// "not found", or SOGo's empty stand-in for an id it does not have → false; any other answer
/// is an error (nothing is concluded from it).
async fn on_server(
    cx: &mut AccountContext,
    folder_id: &str,
    server_id: &str,
) -> Result<bool, EngineError> {
    let answer = super::mail::sync_commands(
        cx,
        folder_id,
        vec![ClientCommand::Fetch {
            server_id: server_id.to_owned(),
        }],
        None,
    )
    .await?;
    let fetched = answer.responses.iter().find_map(|r| match r {
        ItemResponse::Fetch {
            server_id: s,
            status,
            data,
        } if s == server_id => Some((
            *status,
            // SOGo answers a Fetch of a ServerId it does not have with status 1 and an item
            // without sender or subject (docs/server-quirks.md): that is no message.
            data.as_ref().is_some_and(|d| {
                d.child(kontor_wbxml::pages::email::From).is_some()
                    || d.child(kontor_wbxml::pages::email::Subject).is_some()
            }),
        )),
        _ => None,
    });
    tracing::debug!(folder_id, server_id, ?fetched, "fetched to check a delete");
    match fetched {
        Some((SyncStatus::Success, true)) => Ok(true),
        Some((SyncStatus::ObjectNotFound | SyncStatus::Success, _)) => Ok(false),
        Some((s, _)) => Err(s
            .into_result()
            .err()
            .unwrap_or(EasError::Status {
                command: "Sync",
                status: s.code(),
                meaning: "the item could not be fetched",
            })
            .into()),
        None => Err(EasError::Protocol {
            command: "Sync",
            detail: format!("the server did not answer the Fetch of {server_id}"),
        }
        .into()),
    }
}

/// The `Message-ID` header of a message, without angle brackets (headers only).
pub fn message_id_of(mime: &str) -> Option<String> {
    for line in mime.split("\r\n") {
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("message-id")
        {
            let v = value.trim().trim_start_matches('<').trim_end_matches('>');
            return (!v.is_empty()).then(|| v.to_owned());
        }
    }
    None
}

/// The "in doubt" check: syncs the Sent folder and looks for the message's Message-ID (SOGo
/// gives it as the ConversationId).
async fn already_sent(cx: &mut AccountContext, mime: &str) -> Result<bool, EngineError> {
    let Some(id) = message_id_of(mime) else {
        return Ok(false);
    };
    let Some(sent) = cx.store.sent_folder_id(cx.account_id).await? else {
        return Ok(false);
    };
    // Twice, a few seconds apart: a send whose answer was cut off (the app killed or the
    // connection lost mid-request) may still be running on the server, which files the Sent
    // copy only when it is done; a look too early would send the message a second time.
    for look in 0..2 {
        if look > 0 {
            tokio::time::sleep(SENT_RECHECK).await;
        }
        super::mail::sync_pass(cx, &sent, Vec::new()).await?;
        let found = cx
            .store
            .folder_has_message_id(cx.account_id, &sent, &id)
            .await?;
        tracing::info!(message_id = %id, found, look, "checked Sent for a send in doubt");
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// How long the in-doubt check waits before it looks at Sent a second time.
const SENT_RECHECK: Duration = Duration::from_secs(5);

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
        .from(recipient(from))
        .to(recipients(to))
        .subject(subject)
        .message_id(message_id.as_str())
        .text_body(body.replace("\r\n", "\n").replace('\n', "\r\n"));
    if !cc.is_empty() {
        m = m.cc(recipients(cc));
    }
    if let Some(r) = in_reply_to {
        let r = r.trim().trim_start_matches('<').trim_end_matches('>');
        m = m.in_reply_to(r).references(r);
    }
    let mime = m.write_to_string().unwrap_or_default();
    (message_id, mime)
}

/// One address as the user typed it: `addr`, `Name <addr>` or `"Name" <addr>`.
fn recipient(text: &str) -> mail_builder::headers::address::Address<'_> {
    let text = text.trim();
    if let Some((name, rest)) = text.rsplit_once('<')
        && let Some(addr) = rest.strip_suffix('>')
    {
        let name = name.trim().trim_matches('"').trim();
        return mail_builder::headers::address::Address::new_address(
            (!name.is_empty()).then_some(name),
            addr.trim(),
        );
    }
    mail_builder::headers::address::Address::new_address(None::<&str>, text)
}

fn recipients(list: &[String]) -> mail_builder::headers::address::Address<'_> {
    mail_builder::headers::address::Address::new_list(
        list.iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| recipient(a))
            .collect(),
    )
}

/// An iMIP message (RFC 6047): a short text for mail programs that do not read calendars and
/// the iTIP part (`text/calendar; method=…`) as its alternative. Returns the MIME text.
pub fn build_itip_message(
    from: &str,
    to: &[String],
    subject: &str,
    text: &str,
    itip: &kontor_calendar::itip::ItipMessage,
) -> String {
    use mail_builder::headers::content_type::ContentType;
    use mail_builder::mime::MimePart;
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d)
        .unwrap_or("kontor.invalid");
    let message_id = format!("{}@{}", uuid::Uuid::new_v4().simple(), domain);
    let calendar = itip.body();
    let body = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new(
                "text/plain",
                text.replace("\r\n", "\n").replace('\n', "\r\n"),
            ),
            MimePart::new(
                ContentType::new("text/calendar")
                    .attribute("charset", "utf-8")
                    .attribute("method", itip.method),
                calendar,
            ),
        ],
    );
    mail_builder::MessageBuilder::new()
        .from(from)
        .to(to.iter().map(String::as_str).collect::<Vec<_>>())
        .subject(subject)
        .message_id(message_id.as_str())
        .body(body)
        .write_to_string()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_itip_reply_is_a_text_calendar_alternative() {
        use mail_parser::MimeHeaders;
        let invitation = kontor_calendar::Calendar::parse(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n\
             DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n\
             SUMMARY:Planung\r\nORGANIZER:mailto:bob@kontor.test\r\n\
             ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@kontor.test\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n",
        )
        .unwrap();
        let reply = kontor_calendar::itip::reply(
            &invitation,
            "u1",
            "alice@kontor.test",
            kontor_calendar::PartStat::Accepted,
            None,
            chrono::Utc::now(),
        )
        .unwrap();
        let mime = build_itip_message(
            "alice@kontor.test",
            &reply.recipients,
            "Zugesagt: Planung",
            "alice@kontor.test hat zugesagt.",
            &reply,
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        assert_eq!(parsed.subject(), Some("Zugesagt: Planung"));
        let to = parsed
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address());
        assert_eq!(to, Some("bob@kontor.test"));
        let cal_part = parsed
            .parts
            .iter()
            .find(|p| {
                p.content_type()
                    .is_some_and(|c| c.ctype() == "text" && c.subtype() == Some("calendar"))
            })
            .expect("a text/calendar part");
        assert_eq!(
            cal_part.content_type().unwrap().attribute("method"),
            Some("REPLY")
        );
        let ics = cal_part.text_contents().unwrap();
        assert!(ics.contains("METHOD:REPLY"), "{ics}");
        assert!(ics.contains("PARTSTAT=ACCEPTED"), "{ics}");
        assert!(ics.contains("UID:u1"), "{ics}");
        assert!(mime.contains("multipart/alternative"), "{mime}");
    }

    #[test]
    fn the_conflict_rule() {
        let read = OutboxOp::MarkRead {
            folder_id: "f".into(),
            server_id: "1".into(),
            read: true,
        };
        let del = OutboxOp::Delete {
            folder_id: "f".into(),
            server_id: "1".into(),
            permanent: false,
        };
        assert!(matches!(
            judge(&read, &EasError::ItemNotFound),
            Outcome::Conflict(_)
        ));
        let reply = OutboxOp::Reply {
            client_id: "c".into(),
            folder_id: "f".into(),
            server_id: "1".into(),
            mime: String::new(),
            replace_mime: false,
        };
        assert!(matches!(
            judge(&reply, &EasError::ItemNotFound),
            Outcome::Park(_)
        ));
        assert!(is_mail(&read) && is_mail(&reply));
        assert!(!is_mail(&OutboxOp::EventDelete {
            calendar: "c".into(),
            remote_id: "r".into()
        }));
        assert_eq!(
            message_id_of("X: y\r\nMessage-ID: <a@b>\r\n\r\nMessage-ID: <c@d>"),
            Some("a@b".into())
        );
        assert_eq!(message_id_of("Subject: x\r\n\r\nMessage-ID: <c@d>"), None);
        // A delete is done only when the server shows it done: "not found" is checked.
        assert!(matches!(
            judge(&del, &EasError::ItemNotFound),
            Outcome::Check(Check::DeleteSource(_))
        ));
        let mv = OutboxOp::Move {
            folder_id: "f".into(),
            server_id: "1".into(),
            to_folder_id: "g".into(),
        };
        assert!(matches!(
            judge(&mv, &EasError::ItemNotFound),
            Outcome::Check(_)
        ));
        assert_eq!(
            judge(&read, &EasError::ServerBusy { retry_after: None }),
            Outcome::Retry
        );
        assert_eq!(
            judge(
                &read,
                &EasError::Http {
                    status: 503,
                    detail: String::new()
                }
            ),
            Outcome::Retry
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
            Outcome::Done
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
            Outcome::Park(m) if m.contains("invalid MIME")
        ));
        assert!(matches!(
            judge(
                &OutboxOp::DraftSave {
                    client_id: "c".into(),
                    folder_id: "d".into(),
                    server_id: String::new(),
                    mime: String::new()
                },
                &EasError::NotSupported { feature: "drafts" }
            ),
            Outcome::Park(m) if m.contains("not supported")
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

    #[test]
    fn recipients_typed_with_names_become_named_addresses() {
        let (_, mime) = build_plain_message(
            "Alice Adler <alice@kontor.test>",
            &[
                "\"Groß, Jürgen\" <juergen@example.de>".into(),
                " bob@kontor.test ".into(),
            ],
            &["Carol <carol@kontor.test>".into(), String::new()],
            "Hallo",
            "Text",
            None,
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        let list = |a: Option<&mail_parser::Address>| -> Vec<(String, String)> {
            a.unwrap()
                .iter()
                .map(|x| {
                    (
                        x.name().unwrap_or_default().to_owned(),
                        x.address().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        };
        assert_eq!(
            list(parsed.from()),
            [("Alice Adler".to_owned(), "alice@kontor.test".to_owned())]
        );
        assert_eq!(
            list(parsed.to()),
            [
                ("Groß, Jürgen".to_owned(), "juergen@example.de".to_owned()),
                (String::new(), "bob@kontor.test".to_owned())
            ]
        );
        assert_eq!(
            list(parsed.cc()),
            [("Carol".to_owned(), "carol@kontor.test".to_owned())]
        );
    }
}
