//! The UI language and the settings in force.

use kontor_core::policy::{EffectiveSettings, SettingChange};
use kontor_core::reminders::ReminderSettings;
use kontor_core::{IpcError, Lang};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::events::SyncStatusChanged;
use super::{IpcResult, Shell};

/// The language of the error messages from now on (the UI's own labels are its business).
/// The sync status goes out again in it, so an error already shown in the status bar changes
/// language with the window. Never fails; a `Result` like every command, so the UI handles all
/// of them alike.
#[tauri::command]
#[specta::specta]
pub async fn set_language(
    app: AppHandle,
    shell: State<'_, Shell>,
    lang: Lang,
) -> Result<(), IpcError> {
    shell.set_lang(lang);
    if let Ok(core) = shell.core()
        && let Ok(status) = core.sync_status(lang).await
        && let Err(e) = SyncStatusChanged(status).emit(&app)
    {
        tracing::warn!(error = %e, "sync status not sent");
    }
    Ok(())
}

/// The settings in force (policy over the user's own choice over the default), each with its
/// source and lock. See `kontor_core::policy::EffectiveSettings` for the JSON.
#[tauri::command]
#[specta::specta]
pub async fn effective_settings(shell: State<'_, Shell>) -> Result<EffectiveSettings, IpcError> {
    shell
        .run(|core| async move { core.effective_settings().await })
        .await
}

/// Changes one of the user's own settings; refused when policy locks it.
#[tauri::command]
#[specta::specta]
pub async fn set_setting(
    shell: State<'_, Shell>,
    change: SettingChange,
) -> Result<EffectiveSettings, IpcError> {
    let settings = shell.core()?.set_setting(change).await.ipc(&shell)?;
    // The reminder window follows the autohide settings whichever command changed them.
    if let Some(r) = &shell.reminders {
        let s = ReminderSettings::from_effective(&settings);
        r.service.set_window_settings(s.window()).await;
    }
    Ok(settings)
}
