//! The mail window: message list windows, the reading pane, actions on messages, attachments,
//! links, and the list of unsent changes. Each command forwards to `kontor_core`
//! (crates/core/src/app/messages.rs); opening a link or a file is the shell's part (the
//! opener plugin).

use std::path::PathBuf;

use kontor_core::store::MessageSort;
use kontor_core::{
    DeleteOutcome, FlagState, Id, IpcError, Kontor, MessageView, MessageWindow,
    MessageWindowRequest, PendingOperation,
};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;

use super::Shell;
use super::events::{AttachmentProgress, MailChangedEvent, MailOpen};

/// One window of a folder's message list.
#[tauri::command]
#[specta::specta]
pub async fn list_messages(
    shell: State<'_, Shell>,
    request: MessageWindowRequest,
) -> Result<MessageWindow, IpcError> {
    shell
        .run(|core| async move { core.list_messages(request).await })
        .await
}

/// Where a message stands in its folder's list in an order (0 = the top); `null` when the
/// folder does not show it.
#[tauri::command]
#[specta::specta]
pub async fn message_position(
    shell: State<'_, Shell>,
    folder_id: String,
    sort: MessageSort,
    descending: bool,
    message_id: Id,
) -> Result<Option<u32>, IpcError> {
    shell
        .run(|core| async move {
            core.message_position(&folder_id, sort, descending, message_id)
                .await
        })
        .await
}

/// A message for the reading pane, from the cache (never waits for the server).
#[tauri::command]
#[specta::specta]
pub async fn message_view(
    shell: State<'_, Shell>,
    message_id: Id,
    allow_remote: bool,
) -> Result<MessageView, IpcError> {
    shell
        .run(|core| async move { core.message_view(message_id.0, allow_remote).await })
        .await
}

/// Fetches the whole message from the server, caches it, and returns the view.
#[tauri::command]
#[specta::specta]
pub async fn fetch_message_body(
    shell: State<'_, Shell>,
    message_id: Id,
    allow_remote: bool,
) -> Result<MessageView, IpcError> {
    shell
        .run(|core| async move { core.fetch_message_body(message_id.0, allow_remote).await })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn mark_read(
    shell: State<'_, Shell>,
    message_ids: Vec<Id>,
    read: bool,
) -> Result<(), IpcError> {
    shell
        .run(|core| async move {
            core.mark_read_many(&kontor_core::app::ids(&message_ids), read)
                .await
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_flag(
    shell: State<'_, Shell>,
    message_ids: Vec<Id>,
    flag: FlagState,
) -> Result<(), IpcError> {
    shell
        .run(|core| async move {
            core.set_flag_many(&kontor_core::app::ids(&message_ids), flag)
                .await
        })
        .await
}

/// Deletes messages: to Deleted Items (undo moves them back), or for good when `permanent`.
#[tauri::command]
#[specta::specta]
pub async fn delete_messages(
    shell: State<'_, Shell>,
    message_ids: Vec<Id>,
    permanent: bool,
) -> Result<DeleteOutcome, IpcError> {
    shell
        .run(|core| async move {
            core.delete_many(&kontor_core::app::ids(&message_ids), permanent)
                .await
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn move_messages(
    shell: State<'_, Shell>,
    message_ids: Vec<Id>,
    to_folder: String,
) -> Result<(), IpcError> {
    shell
        .run(|core| async move {
            core.move_many(&kontor_core::app::ids(&message_ids), &to_folder)
                .await
        })
        .await
}

/// Saves an attachment into `directory` (the Downloads folder when `null`); returns the path.
#[tauri::command]
#[specta::specta]
pub async fn save_attachment(
    app: AppHandle,
    shell: State<'_, Shell>,
    attachment_id: Id,
    directory: Option<String>,
) -> Result<String, IpcError> {
    let progress = attachment_progress(&app, attachment_id);
    shell
        .run(|core| async move {
            core.save_attachment_with_progress(
                attachment_id.0,
                directory.map(PathBuf::from),
                &progress,
            )
            .await
            .map(|p| p.display().to_string())
        })
        .await
}

/// Sends the main window the progress of an attachment's download (`attachment:progress`), at
/// most every 100 ms and once when all has arrived.
fn attachment_progress(
    app: &AppHandle,
    attachment_id: Id,
) -> impl Fn(u64, Option<u64>) + Send + Sync + 'static {
    let app = app.clone();
    let last = std::sync::Mutex::new(None::<std::time::Instant>);
    move |received, total| {
        let now = std::time::Instant::now();
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        let done = total.is_some_and(|t| received >= t);
        if !done
            && last.is_some_and(|l| now.duration_since(l) < std::time::Duration::from_millis(100))
        {
            return;
        }
        *last = Some(now);
        let event = AttachmentProgress {
            attachment_id,
            received,
            total,
        };
        if let Err(e) = event.emit_to(&app, "main") {
            tracing::debug!(error = %e, "attachment progress not sent");
        }
    }
}

/// Fetches an attachment, judges it by its content (docs/safety.md) and opens it with the
/// system's program for its type, unless it is riskier than `accepted` (the level the user
/// already confirmed): then it is not opened and the risk comes back for the window to ask.
#[tauri::command]
#[specta::specta]
pub async fn open_attachment(
    app: AppHandle,
    shell: State<'_, Shell>,
    attachment_id: Id,
    accepted: kontor_core::safety::RiskLevel,
) -> Result<kontor_core::AttachmentOpening, IpcError> {
    let progress = attachment_progress(&app, attachment_id);
    let opening = shell
        .run(|core| async move {
            core.attachment_for_opening(attachment_id.0, accepted, &progress)
                .await
        })
        .await?;
    match opening {
        kontor_core::Opening::Confirm(risk) => Ok(kontor_core::AttachmentOpening {
            opened: false,
            risk,
        }),
        kontor_core::Opening::Ready(path, risk) => {
            app.opener()
                .open_path(path.display().to_string(), None::<&str>)
                .map_err(|e| opener_error(&shell, &e.to_string()))?;
            Ok(kontor_core::AttachmentOpening { opened: true, risk })
        }
    }
}

/// The sender cues of a message (may ask the company directory; a few seconds at most).
#[tauri::command]
#[specta::specta]
pub async fn message_safety(
    shell: State<'_, Shell>,
    message_id: Id,
) -> Result<kontor_core::MessageSafety, IpcError> {
    shell
        .run(|core| async move { core.message_safety(message_id.0).await })
        .await
}

/// The domains of the user's own addresses: mail from elsewhere is tagged "External".
#[tauri::command]
#[specta::specta]
pub async fn own_domains(shell: State<'_, Shell>) -> Result<Vec<String>, IpcError> {
    shell
        .run(|core| async move { core.own_domains().await })
        .await
}

/// Checks a link (its real target, the registrable domain to emphasise, warnings, or why it
/// never opens).
#[tauri::command]
#[specta::specta]
pub fn check_link(href: String, text: String) -> Result<kontor_core::LinkView, IpcError> {
    Ok(kontor_core::Kontor::check_link_view(&href, &text))
}

/// Opens a link of a message in the system's browser (or mail program for `mailto:`).
#[tauri::command]
#[specta::specta]
pub async fn open_link(
    app: AppHandle,
    shell: State<'_, Shell>,
    url: String,
) -> Result<(), IpcError> {
    if let kontor_core::safety::LinkVerdict::Blocked(why) =
        kontor_core::Kontor::check_link_view(&url, "").check.verdict
    {
        return Err(opener_error(
            &shell,
            &format!("this link is never opened ({why:?}): {url}"),
        ));
    }
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| opener_error(&shell, &format!("\"{url}\" is not a link: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto") {
        return Err(opener_error(
            &shell,
            &format!("links of the kind \"{}:\" are not opened", parsed.scheme()),
        ));
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| opener_error(&shell, &e.to_string()))
}

fn opener_error(shell: &Shell, detail: &str) -> IpcError {
    shell.error(&kontor_core::CoreError::InvalidInput(detail.to_owned()))
}

/// Answers a meeting invitation (the event in the calendar cache), from the reading pane or
/// the calendar: with an optional comment for the organizer, and (`sendReply` false) without
/// telling the organizer (the answer is recorded in the user's calendar only).
#[tauri::command]
#[specta::specta]
pub async fn respond_to_meeting(
    shell: State<'_, Shell>,
    event_id: Id,
    answer: kontor_core::app::MeetingAnswer,
    comment: Option<String>,
    send_reply: Option<bool>,
) -> Result<(), IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move {
            core.respond_to_meeting_with(
                event_id.0,
                answer,
                lang,
                comment.as_deref(),
                send_reply.unwrap_or(true),
            )
            .await
        })
        .await
}

/// Answers an invitation no calendar holds yet from its mail: files the event (unless
/// declined), tells the organizer, moves the invitation to Deleted Items (the core's
/// `respond_to_invitation_mail`).
#[tauri::command]
#[specta::specta]
pub async fn respond_to_invitation(
    shell: State<'_, Shell>,
    message_id: Id,
    answer: kontor_core::app::MeetingAnswer,
) -> Result<(), IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move {
            core.respond_to_invitation_mail(message_id.0, answer, lang)
                .await
                .map(|_| ())
        })
        .await
}

/// "Always show remote content from this sender."
#[tauri::command]
#[specta::specta]
pub async fn allow_remote_content(shell: State<'_, Shell>, sender: String) -> Result<(), IpcError> {
    shell
        .run(|core| async move { core.allow_remote_content(&sender).await })
        .await
}

/// "Always show remote content from this domain" (a domain, or an address whose domain counts).
#[tauri::command]
#[specta::specta]
pub async fn allow_remote_content_domain(
    shell: State<'_, Shell>,
    domain: String,
) -> Result<(), IpcError> {
    shell
        .run(|core| async move { core.allow_remote_content_domain(&domain).await })
        .await
}

/// The senders and domains whose remote content is always shown (for the settings).
#[tauri::command]
#[specta::specta]
pub async fn remote_content_lists(
    shell: State<'_, Shell>,
) -> Result<kontor_core::RemoteContentLists, IpcError> {
    shell
        .run(|core| async move { core.remote_content_lists().await })
        .await
}

/// Takes a sender or domain off the remote content lists.
#[tauri::command]
#[specta::specta]
pub async fn forget_remote_content(shell: State<'_, Shell>, entry: String) -> Result<(), IpcError> {
    shell
        .run(|core| async move { core.forget_remote_content(&entry).await })
        .await
}

/// The unsent changes (pending, being sent, parked), oldest first.
#[tauri::command]
#[specta::specta]
pub async fn pending_operations(
    shell: State<'_, Shell>,
) -> Result<Vec<PendingOperation>, IpcError> {
    shell
        .run(|core| async move { core.pending_operations().await })
        .await
}

/// Tries a parked change again now.
#[tauri::command]
#[specta::specta]
pub async fn retry_operation(shell: State<'_, Shell>, id: Id) -> Result<(), IpcError> {
    shell
        .run(|core| async move { core.retry_operation(id.0).await })
        .await
}

/// Gives up an unsent change (the window asks the user first).
#[tauri::command]
#[specta::specta]
pub async fn discard_operation(shell: State<'_, Shell>, id: Id) -> Result<(), IpcError> {
    shell
        .run(|core| async move { core.discard_operation(id.0).await })
        .await
}

/// Whether new mail in the Inbox shows a desktop notification.
#[tauri::command]
#[specta::specta]
pub async fn new_mail_notifications(shell: State<'_, Shell>) -> Result<bool, IpcError> {
    shell
        .run(|core| async move { core.new_mail_notifications().await })
        .await
}

/// Switches the desktop notification for new mail on or off.
#[tauri::command]
#[specta::specta]
pub async fn set_new_mail_notifications(shell: State<'_, Shell>, on: bool) -> Result<(), IpcError> {
    shell
        .run(|core| async move { core.set_new_mail_notifications(on).await })
        .await
}

/// Sends every mail change notice of the core to the windows, keeps the tray's unread count
/// current, and shows a desktop notification for new mail in the Inbox.
pub async fn forward_mail_changes(app: AppHandle, core: Kontor) {
    let mut changes = core.mail_changes();
    inbox_unread_to_tray(&app, &core).await;
    let mut mark = core.inbox_mark().await.ok().flatten();
    loop {
        match changes.recv().await {
            Ok(c) => {
                if let Some((inbox, at)) = &mut mark {
                    if c.folders.is_empty() || c.folders.contains(inbox) {
                        notify_new_mail(&app, &core, inbox, at).await;
                    }
                } else {
                    mark = core.inbox_mark().await.ok().flatten();
                }
                if let Err(e) = MailChangedEvent(c).emit(&app) {
                    tracing::warn!(error = %e, "mail change not sent");
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                let _ = MailChangedEvent(kontor_core::MailChanged {
                    folders: Vec::new(),
                })
                .emit(&app);
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
        inbox_unread_to_tray(&app, &core).await;
    }
}

/// What a new-mail notification carries, so a click on it can open the message.
const OPEN_FOLDER: &str = "kontor.folder";
const OPEN_MESSAGE: &str = "kontor.message";

/// A click on a new-mail notification brings the main window to the front and tells it to open
/// the message (or, for a notification counting several, the Inbox). The notification server
/// reports the click (Linux: the `default` action of the Desktop Notifications Specification;
/// Windows: while the toast is on screen).
pub fn open_mail_on_click(app: &AppHandle) {
    use tauri_plugin_notification::NotificationExt;
    let handle = app.clone();
    let registered = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let Some(extra) = performed.notification().map(|n| n.extra()) else {
            return;
        };
        let Some(folder_id) = extra.get(OPEN_FOLDER).and_then(|v| v.as_str()) else {
            return;
        };
        let message_id = extra.get(OPEN_MESSAGE).and_then(|v| v.as_i64()).map(Id);
        tracing::info!(?message_id, "a new-mail notification was clicked");
        crate::tray::show_main(&handle);
        let open = MailOpen {
            folder_id: folder_id.to_owned(),
            message_id,
        };
        if let Err(e) = open.emit_to(&handle, "main") {
            tracing::warn!(error = %e, "the main window did not get the message to open");
        }
    });
    if let Err(e) = registered {
        tracing::warn!(error = %e, "clicks on notifications are not followed");
    }
}

/// Shows new unread Inbox mail since `mark` (sender and subject; a count when there are more
/// than three) unless switched off, and moves the mark on.
async fn notify_new_mail(app: &AppHandle, core: &Kontor, inbox: &str, mark: &mut i64) {
    use tauri_plugin_notification::NotificationExt;
    let (new, next) = match core.new_mail_since(inbox, *mark).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "new mail not read");
            return;
        }
    };
    *mark = next;
    if new.count == 0 || !core.new_mail_notifications().await.unwrap_or(true) {
        return;
    }
    let lang = app.state::<Shell>().lang();
    let shown: Vec<(String, String, Option<Id>)> = if new.count > 3 {
        vec![(
            lang.pick("New mail", "Neue E-Mail").to_owned(),
            match lang {
                kontor_core::Lang::En => format!("{} new messages in the Inbox", new.count),
                kontor_core::Lang::De => format!("{} neue Nachrichten im Posteingang", new.count),
            },
            None,
        )]
    } else {
        new.messages
            .iter()
            .map(|m| {
                let from = if m.from.name.is_empty() {
                    m.from.addr.clone()
                } else {
                    m.from.name.clone()
                };
                let subject = if m.subject.is_empty() {
                    lang.pick("(no subject)", "(kein Betreff)").to_owned()
                } else {
                    m.subject.clone()
                };
                (from, subject, Some(Id(m.id)))
            })
            .collect()
    };
    for (title, body, message) in shown {
        let shown = app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .extra(OPEN_FOLDER, inbox)
            .extra(OPEN_MESSAGE, message.map(|m| m.0))
            .show();
        if let Err(e) = shown {
            // No notification service (a bare X server): the tray and the list still say it.
            tracing::info!(error = %e, "new-mail notification not shown");
        }
    }
}

async fn inbox_unread_to_tray(app: &AppHandle, core: &Kontor) {
    let Ok(folders) = core.folders().await else {
        return;
    };
    let unread = folders
        .iter()
        .find(|f| f.kind == kontor_core::FolderKind::Inbox)
        .and_then(|f| f.unread)
        .unwrap_or(0);
    let lang = app.state::<Shell>().lang();
    crate::tray::set_unread(app, unread, lang);
}
