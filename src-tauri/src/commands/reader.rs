//! Messages as files: a saved message (`.eml`) opens in a reader window of its own (label
//! `reader-<n>`, page `#reader?id=<id>`), from "Open file…" or `kontor file.eml`; any message
//! shown is saved as an `.eml` file. Each command forwards to `kontor_core`
//! (crates/core/src/app/eml.rs).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use kontor_core::{CoreError, Id, IpcError, Kontor, Lang};
use tauri::{AppHandle, Manager, State, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_dialog::{DialogExt, MessageDialogKind};

use super::{IpcResult, Shell};

/// The label prefix of reader windows (what `capabilities/reader.json` names).
pub const LABEL_PREFIX: &str = "reader-";

static NEXT: AtomicU32 = AtomicU32::new(1);

/// Opens the saved message at `path` in a new reader window. Returns the window's label.
pub async fn open_file_window(
    app: &AppHandle,
    core: &Kontor,
    path: &Path,
) -> Result<String, CoreError> {
    let id = core.open_eml(path).await?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let label = format!("{LABEL_PREFIX}{n}");
    let lang = app.state::<Shell>().lang();
    let window = WebviewWindowBuilder::new(
        app,
        &label,
        WebviewUrl::App(format!("index.html#reader?id={id}").into()),
    )
    .title(lang.pick("Message – Kontor", "Nachricht – Kontor"))
    .inner_size(860.0, 700.0)
    .min_inner_size(480.0, 360.0)
    .build()
    .map_err(|e| CoreError::Io {
        context: "the reader window could not be opened".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let _ = window.set_focus();
    tracing::info!(%label, "reader window opened for a saved message");
    Ok(label)
}

/// `kontor file.eml` while the window runs (or at start): the file opens in a reader window.
/// When it cannot (no message, unreadable), a message box says why, in the UI's language.
pub fn open_file_later(app: &AppHandle, path: PathBuf) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        let result = match shell.core() {
            Ok(core) => open_file_window(&app, &core, &path).await.ipc(&shell),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::error!(error = %e.message, detail = %e.detail, file = %path.display(), "the saved message could not be opened");
            let lang = shell.lang();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let headline = match lang {
                Lang::De => format!("„{name}“ konnte nicht als E-Mail-Nachricht geöffnet werden."),
                Lang::En => format!("\"{name}\" could not be opened as an e-mail message."),
            };
            let cause = if e.detail.is_empty() {
                &e.message
            } else {
                &e.detail
            };
            let text = format!("{headline}\n\n{cause}");
            app.dialog()
                .message(text)
                .title(lang.pick(
                    "The file could not be opened – Kontor",
                    "Die Datei konnte nicht geöffnet werden – Kontor",
                ))
                .kind(MessageDialogKind::Error)
                .show(|_| {});
        }
    });
}

/// Opens a saved message (an `.eml` file, "Open file…") in a reader window; returns the
/// window's label. A file that is no message gets a plain error.
#[tauri::command]
#[specta::specta]
pub async fn open_message_file(
    app: AppHandle,
    shell: State<'_, Shell>,
    path: String,
) -> Result<String, IpcError> {
    let core = shell.core()?;
    open_file_window(&app, &core, Path::new(&path))
        .await
        .ipc(&shell)
}

/// Saves a message as an `.eml` file (as the server keeps it) into `directory` (the Downloads
/// folder when `null`); returns the file's path.
#[tauri::command]
#[specta::specta]
pub async fn save_message_file(
    shell: State<'_, Shell>,
    message_id: Id,
    directory: Option<String>,
) -> Result<String, IpcError> {
    shell
        .run(|core| async move {
            core.save_message_eml(message_id.0, directory.map(PathBuf::from))
                .await
                .map(|p| p.display().to_string())
        })
        .await
}
