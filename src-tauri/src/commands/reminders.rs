//! The reminder window, the reminders in the main window, and their settings.

use kontor_core::reminders::{
    CalendarReminderSetting, ReminderItem, ReminderSettings, ReminderSnapshot,
};
use kontor_core::{CoreError, IpcError};
use kontor_reminders::{OccurrenceKey, SnoozeChoice};
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use super::events::RemindersOpen;
use super::{IpcResult, Shell};

#[tauri::command]
#[specta::specta]
pub async fn reminders(shell: State<'_, Shell>) -> Result<ReminderSnapshot, IpcError> {
    Ok(shell.reminders()?.service.snapshot())
}

#[tauri::command]
#[specta::specta]
pub async fn reminder_dismiss(
    shell: State<'_, Shell>,
    id: OccurrenceKey,
) -> Result<ReminderSnapshot, IpcError> {
    tracing::info!(uid = %id.uid, instance = %id.instance, "reminder dismissed");
    let r = shell.reminders()?;
    r.service.dismiss(&id).await.ipc(&shell)
}

#[tauri::command]
#[specta::specta]
pub async fn reminder_snooze(
    shell: State<'_, Shell>,
    id: OccurrenceKey,
    choice: SnoozeChoice,
) -> Result<ReminderSnapshot, IpcError> {
    let r = shell.reminders()?;
    let (until, snap) = r.service.snooze(&id, choice).await.ipc(&shell)?;
    tracing::info!(uid = %id.uid, instance = %id.instance, %until, "reminder snoozed");
    Ok(snap)
}

#[tauri::command]
#[specta::specta]
pub async fn reminder_dismiss_all(shell: State<'_, Shell>) -> Result<ReminderSnapshot, IpcError> {
    tracing::info!("all reminders dismissed");
    Ok(shell.reminders()?.service.dismiss_all().await)
}

/// Any touch of the reminder window (autohide counts from now).
#[tauri::command]
#[specta::specta]
pub async fn reminder_interacted(shell: State<'_, Shell>) -> Result<ReminderSnapshot, IpcError> {
    Ok(shell.reminders()?.service.interacted().await)
}

/// "Open": brings the main window to the front and tells it which item to show.
#[tauri::command]
#[specta::specta]
pub async fn reminder_open(
    app: AppHandle,
    shell: State<'_, Shell>,
    id: OccurrenceKey,
) -> Result<ReminderItem, IpcError> {
    let r = shell.reminders()?;
    let item = r.service.open_item(&id).await.ipc(&shell)?;
    crate::tray::show_main(&app);
    if let Err(e) = RemindersOpen(item.clone()).emit_to(&app, "main") {
        tracing::warn!(error = %e, "the main window did not get the item to open");
    }
    Ok(item)
}

/// Whether the reminder window is on screen, as the window system reports it (not as the
/// state machine wants it): what the end-to-end tests check. Never fails.
#[tauri::command]
#[specta::specta]
pub fn reminder_window_visible(app: AppHandle) -> Result<bool, IpcError> {
    Ok(app
        .get_webview_window(crate::reminder_window::LABEL)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false))
}

/// The reminder window's settings in force (policy applied) and whether they are locked.
#[tauri::command]
#[specta::specta]
pub async fn reminder_settings(shell: State<'_, Shell>) -> Result<ReminderSettings, IpcError> {
    shell
        .run(|core| async move { kontor_core::reminders::settings(&core).await })
        .await
}

/// Stores autohide and its seconds (refused under policy) and applies them to the window.
#[tauri::command]
#[specta::specta]
pub async fn set_reminder_settings(
    shell: State<'_, Shell>,
    autohide: bool,
    autohide_seconds: u32,
) -> Result<ReminderSettings, IpcError> {
    let settings = shell
        .run(|core| async move {
            kontor_core::reminders::save_settings(&core, autohide, autohide_seconds).await
        })
        .await?;
    tracing::info!(autohide, autohide_seconds, "reminder settings changed");
    if let Some(r) = &shell.reminders {
        r.service.set_window_settings(settings.window()).await;
    }
    Ok(settings)
}

#[tauri::command]
#[specta::specta]
pub async fn reminder_calendars(
    shell: State<'_, Shell>,
) -> Result<Vec<CalendarReminderSetting>, IpcError> {
    Ok(shell.reminders()?.service.calendars().await)
}

#[tauri::command]
#[specta::specta]
pub async fn set_calendar_remind(
    shell: State<'_, Shell>,
    calendar_id: String,
    remind: bool,
) -> Result<ReminderSnapshot, IpcError> {
    let r = shell.reminders()?;
    r.service
        .set_calendar_remind(&calendar_id, remind)
        .await
        .ipc(&shell)
}

/// Test builds only: moves the reminder clock forward by `seconds` (so a 5-minute snooze can
/// expire in an end-to-end test) and returns the clock's offset in seconds. Release builds run
/// on the system clock and refuse (see docs/reminders.md). 32-bit seconds (68 years) keep both
/// a plain `number` in TypeScript.
#[tauri::command]
#[specta::specta]
pub async fn test_advance_clock(shell: State<'_, Shell>, seconds: i32) -> Result<i32, IpcError> {
    let r = shell.reminders()?;
    match &r.test_clock {
        Some(clock) if cfg!(debug_assertions) => {
            clock.advance(chrono::TimeDelta::seconds(seconds.into()));
            tracing::warn!(seconds, offset = %clock.offset(), "test clock moved forward");
            r.service.wake();
            Ok(i32::try_from(clock.offset().num_seconds()).unwrap_or(i32::MAX))
        }
        _ => Err(shell.error(&CoreError::InvalidInput(
            "the test clock exists only in debug builds".into(),
        ))),
    }
}
