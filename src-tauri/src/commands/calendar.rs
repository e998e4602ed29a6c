//! The calendar views: the calendar list (shown, colour) and the occurrences of a range, and the
//! `calendar:changed` event that tells the views to read their range again.

use chrono::{DateTime, Utc};
use kontor_core::{CalendarEntry, CalendarOccurrence, EventDraft, Id, IpcError, Kontor};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::events::CalendarChanged;
use super::{IpcResult, Shell};

fn instant(seconds: f64, shell: &Shell) -> Result<DateTime<Utc>, IpcError> {
    DateTime::<Utc>::from_timestamp(seconds as i64, 0)
        .ok_or_else(|| kontor_core::CoreError::InvalidInput(format!("no such time: {seconds}")))
        .ipc(shell)
}

/// Every calendar: own ones first, then colleagues', with the colour and shown state in use.
#[tauri::command]
#[specta::specta]
pub async fn calendar_list(shell: State<'_, Shell>) -> Result<Vec<CalendarEntry>, IpcError> {
    shell
        .run(|core| async move { core.calendar_list().await })
        .await
}

/// Shows or hides a calendar in the views, or sets its colour ('' for the server's).
#[tauri::command]
#[specta::specta]
pub async fn set_calendar_view(
    shell: State<'_, Shell>,
    app: AppHandle,
    calendar_id: Id,
    shown: Option<bool>,
    color: Option<String>,
) -> Result<(), IpcError> {
    let id = calendar_id.0;
    shell
        .run(|core| async move { core.set_calendar_view(id, shown, color).await })
        .await?;
    let _ = CalendarChanged {
        calendar_ids: vec![calendar_id],
    }
    .emit(&app);
    Ok(())
}

/// The occurrences overlapping `[from, to)` (Unix seconds) of every calendar, by start.
#[tauri::command]
#[specta::specta]
pub async fn calendar_view(
    shell: State<'_, Shell>,
    from: f64,
    to: f64,
) -> Result<Vec<CalendarOccurrence>, IpcError> {
    let (from, to) = (instant(from, &shell)?, instant(to, &shell)?);
    shell
        .run(|core| async move { core.calendar_view(from, to).await })
        .await
}

/// Creates an appointment: in the cache (and the views) at once, on the server with the next
/// sync. Returns the new event's id.
#[tauri::command]
#[specta::specta]
pub async fn create_event(shell: State<'_, Shell>, draft: EventDraft) -> Result<Id, IpcError> {
    shell
        .run(|core| async move { core.create_event(draft).await.map(|e| Id(e.id)) })
        .await
}

/// Sends every change of calendar data to the windows (`calendar:changed`).
pub async fn forward_calendar_changes(app: AppHandle, core: Kontor) {
    use kontor_core::engine::calendar::CalendarNotice;
    let mut rx = core.calendar_events().subscribe();
    loop {
        let ids = match rx.recv().await {
            Ok(CalendarNotice::Changed { calendar_ids }) => {
                calendar_ids.into_iter().map(Id).collect()
            }
            Ok(_) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Vec::new(),
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        };
        if let Err(e) = (CalendarChanged { calendar_ids: ids }).emit(&app) {
            tracing::warn!(error = %e, "calendar change not sent");
        }
    }
}
