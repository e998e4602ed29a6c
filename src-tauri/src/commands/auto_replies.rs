//! Automatic replies (out of office; docs/compose.md#automatic-replies): the dialog reads and
//! changes them on the server, the main window's banner reads the last known state. Each
//! command forwards to `kontor_core` (crates/core/src/app/auto_replies.rs).

use kontor_core::{AutoReplies, AutoRepliesChange, IpcError};
use tauri::State;

use super::Shell;

/// The automatic replies as the server has them now; `supported: false` with a reason when
/// the server keeps none. Fails offline.
#[tauri::command]
#[specta::specta]
pub async fn auto_replies(shell: State<'_, Shell>) -> Result<AutoReplies, IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move { core.auto_replies(lang).await })
        .await
}

/// The last state the server told, from the profile (no network): for the banner.
#[tauri::command]
#[specta::specta]
pub async fn known_auto_replies(shell: State<'_, Shell>) -> Result<AutoReplies, IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move { core.known_auto_replies(lang).await })
        .await
}

/// Changes the automatic replies on the server and returns them as the server then reports
/// them.
#[tauri::command]
#[specta::specta]
pub async fn set_auto_replies(
    shell: State<'_, Shell>,
    change: AutoRepliesChange,
) -> Result<AutoReplies, IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move { core.set_auto_replies(change, lang).await })
        .await
}
