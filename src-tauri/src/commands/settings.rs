//! The UI language and the settings in force.

use kontor_core::policy::{EffectiveSettings, SettingChange};
use kontor_core::reminders::ReminderSettings;
use kontor_core::{CoreError, IpcError, Kontor, Lang};
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
    let core = shell.core()?;
    let before = core.effective_settings().await.ipc(&shell)?;
    let background = matches!(
        change,
        SettingChange::CloseToTray(_) | SettingChange::Autostart(_)
    );
    let settings = core.set_setting(change).await.ipc(&shell)?;
    if background && let Err(e) = apply_background(&settings) {
        // The entry could not be written or removed: the choice is taken back, so the
        // setting shown is what the system does.
        let _ = core
            .set_setting(SettingChange::Autostart(before.autostart.value))
            .await;
        return Err(shell.error(&CoreError::Io {
            context: "changing the session start entry".into(),
            source: e,
        }));
    }
    // The reminder window follows the autohide settings whichever command changed them.
    if let Some(r) = &shell.reminders {
        let s = ReminderSettings::from_effective(&settings);
        r.service.set_window_settings(s.window()).await;
    }
    Ok(settings)
}

/// Makes the app follow the background settings in force: what closing the main window does,
/// and the session start entry.
fn apply_background(settings: &EffectiveSettings) -> std::io::Result<()> {
    crate::background::set_close_to_tray(settings.close_to_tray.value);
    crate::background::apply(settings.autostart.value)
}

/// At start: the background settings in force (policy may have changed since the last run, or
/// the program moved). A failure is logged; the app runs on.
pub async fn apply_background_settings(core: Kontor) {
    match core.effective_settings().await {
        Ok(s) => {
            if let Err(e) = apply_background(&s) {
                tracing::error!(error = %e, autostart = s.autostart.value, "the session start entry could not be made to match the setting");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "settings not read; background settings left as they are")
        }
    }
}

/// The menu's "Close window": the same as the window's own close button (hides the window
/// while `CloseToTray` is on, else ends the app).
#[tauri::command]
#[specta::specta]
pub async fn close_main_window(app: AppHandle) -> Result<(), IpcError> {
    crate::background::close_main(&app);
    Ok(())
}

/// The menu's "Exit Kontor" (Ctrl+Q): ends the app, whatever `CloseToTray` says. The sync
/// engine stops cleanly first (`RunEvent::Exit`).
#[tauri::command]
#[specta::specta]
pub async fn quit_app(app: AppHandle) -> Result<(), IpcError> {
    tracing::info!("exit chosen in the menu");
    app.exit(0);
    Ok(())
}
