//! Writing mail: compose windows (one per message being written, label `compose-<n>`), their
//! content for new mail, a reply, reply all or a forward, address suggestions, sending and
//! saving drafts. Each command forwards to `kontor_core` (crates/core/src/app/compose.rs,
//! mail.rs, drafts.rs).

use std::sync::atomic::{AtomicU32, Ordering};

use kontor_core::app::{AddressSuggestion, ComposeMode, ComposeStart, SavedDraft};
use kontor_core::compose::ParsedRecipient;
use kontor_core::{Id, IpcError, OutgoingMail};
use tauri::{AppHandle, Manager, State, WebviewUrl, WebviewWindowBuilder};

use super::{IpcResult, Shell};

/// The label prefix of compose windows (also what `capabilities/default.json` names).
pub const LABEL_PREFIX: &str = "compose-";

static NEXT: AtomicU32 = AtomicU32::new(1);

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// Opens a compose window: `mode` with the original `message_id` (reply, reply all, forward;
/// the draft for `Draft`), or a `mailto:` link's fields. Returns its label.
pub fn open_window(
    app: &AppHandle,
    mode: ComposeMode,
    message_id: Option<i64>,
    mailto: Option<&str>,
) -> tauri::Result<String> {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let label = format!("{LABEL_PREFIX}{n}");
    let mode_name = match mode {
        ComposeMode::New => "new",
        ComposeMode::Reply => "reply",
        ComposeMode::ReplyAll => "replyAll",
        ComposeMode::Forward => "forward",
        ComposeMode::Draft => "draft",
    };
    let mut query = format!("mode={mode_name}");
    if let Some(id) = message_id {
        query.push_str(&format!("&id={id}"));
    }
    if let Some(m) = mailto {
        query.push_str(&format!("&mailto={}", encode(m)));
    }
    let lang = app.state::<Shell>().lang();
    let window = WebviewWindowBuilder::new(
        app,
        &label,
        WebviewUrl::App(format!("index.html#compose?{query}").into()),
    )
    .title(lang.pick("New message – Kontor", "Neue Nachricht – Kontor"))
    .inner_size(820.0, 680.0)
    .min_inner_size(520.0, 420.0)
    .build()?;
    let _ = window.set_focus();
    tracing::info!(%label, mode = mode_name, "compose window opened");
    Ok(label)
}

/// Opens a compose window (New, Ctrl+N; Reply, Ctrl+R; Reply all, Ctrl+Shift+R; Forward,
/// Ctrl+F), or one that goes on with a saved draft (`Draft` and its id). Returns the window's
/// label.
#[tauri::command]
#[specta::specta]
pub async fn open_compose(
    app: AppHandle,
    shell: State<'_, Shell>,
    mode: ComposeMode,
    message_id: Option<Id>,
) -> Result<String, IpcError> {
    open_window(&app, mode, message_id.map(|i| i.0), None).map_err(|e| {
        shell.error(&kontor_core::CoreError::Io {
            context: "the compose window could not be opened".into(),
            source: std::io::Error::other(e.to_string()),
        })
    })
}

/// The Outbox's "Edit" on a waiting or failed send: the message becomes a draft and opens in a
/// compose window; the send is given up ([`kontor_core::Kontor::edit_unsent`]). Returns the
/// draft's message id.
#[tauri::command]
#[specta::specta]
pub async fn edit_unsent(app: AppHandle, shell: State<'_, Shell>, id: Id) -> Result<Id, IpcError> {
    let saved = shell
        .run(|core| async move { core.edit_unsent(id.0).await })
        .await?;
    open_window(&app, ComposeMode::Draft, Some(saved.message_id), None).map_err(|e| {
        shell.error(&kontor_core::CoreError::Io {
            context: "the compose window could not be opened".into(),
            source: std::io::Error::other(e.to_string()),
        })
    })?;
    Ok(Id(saved.message_id))
}

/// The compose window's content: sender, recipients, subject and quote for `mode`.
#[tauri::command]
#[specta::specta]
pub async fn compose_start(
    shell: State<'_, Shell>,
    mode: ComposeMode,
    message_id: Option<Id>,
) -> Result<ComposeStart, IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move { core.compose(mode, message_id.map(|i| i.0), lang).await })
        .await
}

/// Addresses from the cached mail for a recipient field, most used first.
#[tauri::command]
#[specta::specta]
pub async fn address_suggestions(
    shell: State<'_, Shell>,
    query: String,
    limit: u32,
) -> Result<Vec<AddressSuggestion>, IpcError> {
    shell
        .run(|core| async move { core.address_suggestions(&query, limit).await })
        .await
}

/// The company directory's entries (the server's GAL) for a recipient field: from three
/// characters on; fails when the server cannot be reached.
#[tauri::command]
#[specta::specta]
pub async fn directory_suggestions(
    shell: State<'_, Shell>,
    query: String,
    limit: u32,
) -> Result<Vec<AddressSuggestion>, IpcError> {
    shell
        .run(|core| async move { core.directory_suggestions(&query, limit).await })
        .await
}

/// The recipients on the user's own mail domains the company directory does not know (a typo
/// in a colleague's address), asked before sending; empty when the server cannot check.
#[tauri::command]
#[specta::specta]
pub async fn unknown_colleagues(
    shell: State<'_, Shell>,
    addresses: Vec<String>,
) -> Result<Vec<String>, IpcError> {
    shell
        .run(|core| async move { core.unknown_colleagues(addresses).await })
        .await
}

/// What a person typed or pasted into a recipient field, as separate recipients.
#[tauri::command]
#[specta::specta]
pub fn parse_recipients(text: String) -> Result<Vec<ParsedRecipient>, IpcError> {
    Ok(kontor_core::compose::parse_recipients(&text))
}

/// A file chosen as an attachment and its size (`None` when it cannot be read: gone, no
/// permission), for the attachment chips.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FileSize {
    pub path: String,
    #[specta(type = Option<specta_typescript::Number>)]
    pub bytes: Option<u64>,
}

/// The sizes of files chosen or dropped as attachments.
#[tauri::command]
#[specta::specta]
pub async fn file_sizes(paths: Vec<String>) -> Result<Vec<FileSize>, IpcError> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = tokio::fs::metadata(&path)
            .await
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        out.push(FileSize { path, bytes });
    }
    Ok(out)
}

/// A picture file chosen for a signature or a message's text, as a `data:` URI for the editor
/// (PNG, JPEG or GIF of at most 5 MB; anything else is refused with the reason).
#[tauri::command]
#[specta::specta]
pub async fn read_picture(shell: State<'_, Shell>, path: String) -> Result<String, IpcError> {
    kontor_core::app::read_picture(std::path::Path::new(&path))
        .await
        .ipc(&shell)
}

/// Puts the message into the outbox (sent at once when online). Returns the outbox id.
#[tauri::command]
#[specta::specta]
pub async fn send_mail(shell: State<'_, Shell>, mail: OutgoingMail) -> Result<Id, IpcError> {
    shell
        .run(|core| async move { core.send_mail(mail).await.map(Id) })
        .await
}

/// Saves the message being written in Drafts (a new draft when `draft` is null).
#[tauri::command]
#[specta::specta]
pub async fn save_draft(
    shell: State<'_, Shell>,
    mail: OutgoingMail,
    draft: Option<Id>,
) -> Result<SavedDraft, IpcError> {
    shell
        .run(|core| async move { core.save_draft(mail, draft.map(|i| i.0)).await })
        .await
}
