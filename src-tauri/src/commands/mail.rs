//! The mail window: message list windows, the reading pane, actions on messages, attachments,
//! links, and the list of unsent changes. Each command forwards to `kontor_core`
//! (crates/core/src/app/messages.rs); opening a link or a file is the shell's part (the
//! opener plugin).

use std::path::PathBuf;

use kontor_core::{
    DeleteOutcome, FlagState, Id, IpcError, Kontor, MessageView, MessageWindow,
    MessageWindowRequest, PendingOperation,
};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;

use super::Shell;
use super::events::MailChangedEvent;

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
    shell: State<'_, Shell>,
    attachment_id: Id,
    directory: Option<String>,
) -> Result<String, IpcError> {
    shell
        .run(|core| async move {
            core.save_attachment(attachment_id.0, directory.map(PathBuf::from))
                .await
                .map(|p| p.display().to_string())
        })
        .await
}

/// Opens an attachment with the system's program for its type (from a temporary copy).
#[tauri::command]
#[specta::specta]
pub async fn open_attachment(
    app: AppHandle,
    shell: State<'_, Shell>,
    attachment_id: Id,
) -> Result<(), IpcError> {
    let path = shell
        .run(|core| async move { core.attachment_for_opening(attachment_id.0).await })
        .await?;
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| opener_error(&shell, &e.to_string()))
}

/// Opens a link of a message in the system's browser (or mail program for `mailto:`).
#[tauri::command]
#[specta::specta]
pub async fn open_link(
    app: AppHandle,
    shell: State<'_, Shell>,
    url: String,
) -> Result<(), IpcError> {
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

/// Answers a meeting invitation shown in the reading pane (the event in the calendar cache).
#[tauri::command]
#[specta::specta]
pub async fn respond_to_meeting(
    shell: State<'_, Shell>,
    event_id: Id,
    answer: kontor_core::app::MeetingAnswer,
) -> Result<(), IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move { core.respond_to_meeting(event_id.0, answer, lang).await })
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
    let shown: Vec<(String, String)> = if new.count > 3 {
        vec![(
            lang.pick("New mail", "Neue E-Mail").to_owned(),
            match lang {
                kontor_core::Lang::En => format!("{} new messages in the Inbox", new.count),
                kontor_core::Lang::De => format!("{} neue Nachrichten im Posteingang", new.count),
            },
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
                (from, subject)
            })
            .collect()
    };
    for (title, body) in shown {
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
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
