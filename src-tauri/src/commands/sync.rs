//! The account's background sync: its status (the status bar) and "sync now".

use kontor_core::{IpcError, Kontor, SyncStatus};
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use super::Shell;
use super::events::SyncStatusChanged;

/// The sync status now; later changes arrive as the `sync:status` event.
#[tauri::command]
#[specta::specta]
pub async fn sync_status(shell: State<'_, Shell>) -> Result<SyncStatus, IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move { core.sync_status(lang).await })
        .await
}

/// Syncs now (F9, "Retry now"): connects again, syncs every folder and sends the outbox.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(shell: State<'_, Shell>) -> Result<(), IpcError> {
    shell.run(|core| async move { core.sync_now().await }).await
}

/// Sends every change of the core's sync status to the windows, in the UI's language.
pub async fn forward_status(app: AppHandle, core: Kontor) {
    let mut changes = core.sync_status_changes();
    while changes.changed().await.is_ok() {
        let lang = app.state::<Shell>().lang();
        match core.sync_status(lang).await {
            Ok(status) => {
                if let Err(e) = SyncStatusChanged(status).emit(&app) {
                    tracing::warn!(error = %e, "sync status not sent");
                }
            }
            Err(e) => tracing::warn!(error = %e, "sync status not read"),
        }
    }
}
