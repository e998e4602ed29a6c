//! The IPC surface the front end (`ui/src/lib/api.ts`) calls. Each command forwards to one
//! `kontor_core::Kontor` method and returns `Result<T, IpcError>`; errors are localized in the
//! language the UI last announced with `set_language`.

use std::sync::{Arc, RwLock};

use kontor_core::reminders::{
    CalendarReminderSetting, OffsetClock, ReminderItem, ReminderService, ReminderSettings,
    ReminderSnapshot,
};
use kontor_core::{Account, CoreError, Folder, IpcError, Kontor, Lang, SignIn};
use kontor_reminders::{OccurrenceKey, SnoozeChoice};
use tauri::{AppHandle, Emitter, Manager, State};

/// The reminder side of the shell: the service and (debug builds only) the clock a test may
/// move forward.
#[derive(Debug, Clone)]
pub struct RemindersShell {
    pub service: ReminderService,
    pub test_clock: Option<Arc<OffsetClock>>,
    /// Wakes the feed refresh (after a sign-in).
    pub refresh: Arc<tokio::sync::Notify>,
}

/// Shared by every command: the opened core (or why it could not be opened) and the UI language.
#[derive(Debug)]
pub struct Shell {
    core: Result<Kontor, Arc<CoreError>>,
    lang: RwLock<Lang>,
    reminders: Option<RemindersShell>,
}

impl Shell {
    pub fn new(
        core: Result<Kontor, CoreError>,
        lang: Lang,
        reminders: Option<RemindersShell>,
    ) -> Self {
        Shell {
            core: core.map_err(Arc::new),
            lang: RwLock::new(lang),
            reminders,
        }
    }

    /// The reminder service, or the start-up error.
    fn reminders(&self) -> Result<RemindersShell, IpcError> {
        match &self.reminders {
            Some(r) => Ok(r.clone()),
            None => Err(self.ipc(&match &self.core {
                Err(e) => CoreError::Profile(e.to_string()),
                Ok(_) => CoreError::Profile("the reminder service did not start".into()),
            })),
        }
    }

    fn lang(&self) -> Lang {
        // A poisoned lock only means a panic elsewhere; the value is still a valid Lang.
        *self.lang.read().unwrap_or_else(|e| e.into_inner())
    }

    fn ipc(&self, err: &CoreError) -> IpcError {
        err.to_ipc(self.lang())
    }

    /// The core, or the start-up error (e.g. an unreadable profile) for every command to show.
    fn core(&self) -> Result<Kontor, IpcError> {
        match &self.core {
            Ok(k) => Ok(k.clone()),
            Err(e) => Err(self.ipc(e)),
        }
    }
}

#[tauri::command]
pub fn set_language(shell: State<'_, Shell>, lang: Lang) {
    *shell.lang.write().unwrap_or_else(|e| e.into_inner()) = lang;
}

#[tauri::command]
pub async fn account(shell: State<'_, Shell>) -> Result<Option<Account>, IpcError> {
    shell.core()?.account().await.map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn sign_in(shell: State<'_, Shell>, request: SignIn) -> Result<Account, IpcError> {
    tracing::info!(server = %request.server_url, user = %request.user, "sign-in requested");
    let result = shell.core()?.sign_in(request).await;
    if let Err(e) = &result {
        tracing::warn!(error = %e, "sign-in failed");
    } else if let Some(r) = &shell.reminders {
        r.refresh.notify_one();
    }
    result.map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn folders(shell: State<'_, Shell>) -> Result<Vec<Folder>, IpcError> {
    shell.core()?.folders().await.map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn refresh_folders(shell: State<'_, Shell>) -> Result<Vec<Folder>, IpcError> {
    shell
        .core()?
        .refresh_folders()
        .await
        .map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn sign_out(shell: State<'_, Shell>) -> Result<(), IpcError> {
    shell.core()?.sign_out().await.map_err(|e| shell.ipc(&e))
}

// ---- reminders (ui/src/lib/reminders-api.ts) ----

#[tauri::command]
pub async fn reminders(shell: State<'_, Shell>) -> Result<ReminderSnapshot, IpcError> {
    Ok(shell.reminders()?.service.snapshot())
}

#[tauri::command]
pub async fn reminder_dismiss(
    shell: State<'_, Shell>,
    id: OccurrenceKey,
) -> Result<ReminderSnapshot, IpcError> {
    tracing::info!(uid = %id.uid, instance = %id.instance, "reminder dismissed");
    let r = shell.reminders()?;
    r.service.dismiss(&id).await.map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn reminder_snooze(
    shell: State<'_, Shell>,
    id: OccurrenceKey,
    choice: SnoozeChoice,
) -> Result<ReminderSnapshot, IpcError> {
    let r = shell.reminders()?;
    let (until, snap) = r
        .service
        .snooze(&id, choice)
        .await
        .map_err(|e| shell.ipc(&e))?;
    tracing::info!(uid = %id.uid, instance = %id.instance, %until, "reminder snoozed");
    Ok(snap)
}

#[tauri::command]
pub async fn reminder_dismiss_all(shell: State<'_, Shell>) -> Result<ReminderSnapshot, IpcError> {
    tracing::info!("all reminders dismissed");
    Ok(shell.reminders()?.service.dismiss_all().await)
}

/// Any touch of the reminder window (autohide counts from now).
#[tauri::command]
pub async fn reminder_interacted(shell: State<'_, Shell>) -> Result<ReminderSnapshot, IpcError> {
    Ok(shell.reminders()?.service.interacted().await)
}

/// "Open": brings the main window to the front and tells it which item to show.
#[tauri::command]
pub async fn reminder_open(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: OccurrenceKey,
) -> Result<ReminderItem, IpcError> {
    let r = shell.reminders()?;
    let item = r.service.open_item(&id).await.map_err(|e| shell.ipc(&e))?;
    crate::tray::show_main(&app);
    if let Err(e) = app.emit_to("main", "reminders:open", &item) {
        tracing::warn!(error = %e, "the main window did not get the item to open");
    }
    Ok(item)
}

/// Whether the reminder window is on screen, as the window system reports it (not as the
/// state machine wants it): what the end-to-end tests check.
#[tauri::command]
pub fn reminder_window_visible(app: AppHandle) -> bool {
    app.get_webview_window(crate::reminder_window::LABEL)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false)
}

/// The reminder window's settings in force (policy applied) and whether they are locked.
#[tauri::command]
pub async fn reminder_settings(shell: State<'_, Shell>) -> Result<ReminderSettings, IpcError> {
    let core = shell.core()?;
    kontor_core::reminders::settings(&core)
        .await
        .map_err(|e| shell.ipc(&e))
}

/// Stores autohide and its seconds (refused under policy) and applies them to the window.
#[tauri::command]
pub async fn set_reminder_settings(
    shell: State<'_, Shell>,
    autohide: bool,
    autohide_seconds: u32,
) -> Result<ReminderSettings, IpcError> {
    let core = shell.core()?;
    let settings = kontor_core::reminders::save_settings(&core, autohide, autohide_seconds)
        .await
        .map_err(|e| shell.ipc(&e))?;
    tracing::info!(autohide, autohide_seconds, "reminder settings changed");
    if let Some(r) = &shell.reminders {
        r.service.set_window_settings(settings.window()).await;
    }
    Ok(settings)
}

#[tauri::command]
pub async fn reminder_calendars(
    shell: State<'_, Shell>,
) -> Result<Vec<CalendarReminderSetting>, IpcError> {
    Ok(shell.reminders()?.service.calendars().await)
}

#[tauri::command]
pub async fn set_calendar_remind(
    shell: State<'_, Shell>,
    calendar_id: String,
    remind: bool,
) -> Result<ReminderSnapshot, IpcError> {
    let r = shell.reminders()?;
    r.service
        .set_calendar_remind(&calendar_id, remind)
        .await
        .map_err(|e| shell.ipc(&e))
}

/// Test builds only: moves the reminder clock forward by `seconds` (so a 5-minute snooze can
/// expire in an end-to-end test) and returns the clock's offset in seconds. Release builds run
/// on the system clock and refuse (see docs/reminders.md).
#[tauri::command]
pub async fn test_advance_clock(shell: State<'_, Shell>, seconds: i64) -> Result<i64, IpcError> {
    let r = shell.reminders()?;
    match &r.test_clock {
        Some(clock) if cfg!(debug_assertions) => {
            clock.advance(chrono::TimeDelta::seconds(seconds));
            tracing::warn!(seconds, offset = %clock.offset(), "test clock moved forward");
            r.service.wake();
            Ok(clock.offset().num_seconds())
        }
        _ => Err(shell.ipc(&CoreError::InvalidInput(
            "the test clock exists only in debug builds".into(),
        ))),
    }
}

/// The settings in force (policy over the user's own choice over the default), each with its
/// source and lock. See `kontor_core::policy::EffectiveSettings` for the JSON.
#[tauri::command]
pub async fn effective_settings(
    shell: State<'_, Shell>,
) -> Result<kontor_core::policy::EffectiveSettings, IpcError> {
    shell
        .core()?
        .effective_settings()
        .await
        .map_err(|e| shell.ipc(&e))
}

/// Changes one of the user's own settings; refused when policy locks it.
#[tauri::command]
pub async fn set_setting(
    shell: State<'_, Shell>,
    change: kontor_core::policy::SettingChange,
) -> Result<kontor_core::policy::EffectiveSettings, IpcError> {
    let settings = shell
        .core()?
        .set_setting(change)
        .await
        .map_err(|e| shell.ipc(&e))?;
    // The reminder window follows the autohide settings whichever command changed them.
    if let Some(r) = &shell.reminders {
        let s = kontor_core::reminders::ReminderSettings::from_effective(&settings);
        r.service.set_window_settings(s.window()).await;
    }
    Ok(settings)
}
