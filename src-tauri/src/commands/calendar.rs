//! The calendar views: the calendar list (shown, colour) and the occurrences of a range, the
//! `calendar:changed` event that tells the views to read their range again, and `.ics` files
//! (import with a preview, export of an event or a calendar).

use chrono::{DateTime, Utc};
use kontor_core::app::{IcsImport, IcsPreview};
use kontor_core::{CalendarEntry, CalendarOccurrence, EventDraft, EventForm, Id, IpcError, Kontor};
use tauri::{AppHandle, Manager, State};
use tauri_specta::Event;

use super::events::{CalendarChanged, CalendarFileAsked};
use super::{IpcResult, Shell};

fn instant(seconds: f64, shell: &Shell) -> Result<DateTime<Utc>, IpcError> {
    DateTime::<Utc>::from_timestamp(seconds as i64, 0)
        .ok_or_else(|| kontor_core::CoreError::InvalidInput(format!("no such time: {seconds}")))
        .ipc(shell)
}

/// A calendar file a start was given (`kontor termine.ics`, also handed over by a second
/// start): kept for the main window, which is brought to the front and told to take it. The
/// window also takes what is waiting when it starts (the file came with the first start).
pub fn ask_calendar_import(app: &AppHandle, path: std::path::PathBuf) {
    let shell = app.state::<Shell>();
    if let Ok(mut files) = shell.calendar_files.lock() {
        files.push(path);
    }
    crate::tray::show_main(app);
    if let Err(e) = CalendarFileAsked.emit_to(app, "main") {
        tracing::warn!(error = %e, "the main window was not told of the calendar file");
    }
}

/// The next calendar file a start was given, once (`null` when none is waiting): the main
/// window's import dialog shows it.
#[tauri::command]
#[specta::specta]
pub fn take_calendar_file(shell: State<'_, Shell>) -> Result<Option<String>, IpcError> {
    let mut files = shell.calendar_files.lock().map_err(|_| {
        shell.error(&kontor_core::CoreError::Profile(
            "a start-up list is unusable".into(),
        ))
    })?;
    Ok((!files.is_empty()).then(|| files.remove(0).to_string_lossy().into_owned()))
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
/// sync. With attendees it is a meeting: they are invited by mail (in the UI's language).
/// Returns the new event's id.
#[tauri::command]
#[specta::specta]
pub async fn create_event(shell: State<'_, Shell>, draft: EventDraft) -> Result<Id, IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move {
            let e = core.create_event(draft).await?;
            // The appointment is saved: a failure to queue the invitation must not make the
            // dialog offer to save it a second time.
            if let Err(err) = core.invite_attendees(e.id, None, lang).await {
                tracing::error!(error = %err, "the invitation mail was not queued");
            }
            Ok(Id(e.id))
        })
        .await
}

/// What the event dialog shows to edit an appointment: the series (or the single appointment)
/// without `instance`, else the occurrence whose original start is `instance` (Unix seconds).
#[tauri::command]
#[specta::specta]
pub async fn event_form(
    shell: State<'_, Shell>,
    event_id: Id,
    instance: Option<f64>,
) -> Result<EventForm, IpcError> {
    let instance = match instance {
        Some(s) => Some(instant(s, &shell)?),
        None => None,
    };
    shell
        .run(|core| async move { core.event_form(event_id.0, instance).await })
        .await
}

/// Changes an appointment, or a whole series (its exceptions are kept). A meeting the user
/// organizes tells its attendees of the change, and those taken off it that they are no
/// longer invited.
#[tauri::command]
#[specta::specta]
pub async fn update_event(
    shell: State<'_, Shell>,
    event_id: Id,
    draft: EventDraft,
) -> Result<(), IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move {
            let before = core.event(event_id.0).await?.ical;
            core.update_event(event_id.0, draft).await?;
            core.invite_attendees(event_id.0, Some(&before), lang)
                .await?;
            core.cancel_for_removed(event_id.0, &before, lang).await?;
            Ok(())
        })
        .await
}

/// Deletes an appointment, or a whole series; a meeting the user organizes is cancelled for
/// its attendees.
#[tauri::command]
#[specta::specta]
pub async fn delete_event(shell: State<'_, Shell>, event_id: Id) -> Result<(), IpcError> {
    let lang = shell.lang();
    shell
        .run(|core| async move { core.delete_meeting(event_id.0, lang).await })
        .await
}

/// Changes only one occurrence of a series, the one whose original start is `instance` (Unix
/// seconds): an exception on the server.
#[tauri::command]
#[specta::specta]
pub async fn update_occurrence(
    shell: State<'_, Shell>,
    event_id: Id,
    instance: f64,
    draft: EventDraft,
) -> Result<(), IpcError> {
    let at = instant(instance, &shell)?;
    let lang = shell.lang();
    shell
        .run(|core| async move {
            let before = core.event(event_id.0).await?.ical;
            core.update_occurrence(event_id.0, at, draft).await?;
            core.invite_attendees(event_id.0, Some(&before), lang)
                .await?;
            Ok(())
        })
        .await
}

/// Deletes only one occurrence of a series, the one whose original start is `instance` (Unix
/// seconds).
#[tauri::command]
#[specta::specta]
pub async fn delete_occurrence(
    shell: State<'_, Shell>,
    event_id: Id,
    instance: f64,
) -> Result<(), IpcError> {
    let at = instant(instance, &shell)?;
    let lang = shell.lang();
    shell
        .run(|core| async move {
            let before = core.event(event_id.0).await?.ical;
            core.delete_occurrence(event_id.0, at).await?;
            // The series without that occurrence, to a meeting's attendees.
            core.invite_attendees(event_id.0, Some(&before), lang)
                .await?;
            Ok(())
        })
        .await
}

/// Opens a colleague's calendar by name, e-mail address or address (URL): checked on the
/// server, kept, synced at once, and listed under "Colleagues' calendars". Returns its id; a
/// refusal says why (not found, no permission, not a calendar, unreachable).
#[tauri::command]
#[specta::specta]
pub async fn open_colleague_calendar(
    shell: State<'_, Shell>,
    input: String,
) -> Result<Id, IpcError> {
    shell
        .run(|core| async move { core.open_colleague_calendar(&input).await.map(|c| Id(c.id)) })
        .await
}

/// Removes a colleague's calendar the user opened, with its cached appointments.
#[tauri::command]
#[specta::specta]
pub async fn remove_colleague_calendar(
    shell: State<'_, Shell>,
    calendar_id: Id,
) -> Result<(), IpcError> {
    shell
        .run(|core| async move { core.remove_colleague_calendar(calendar_id.0).await })
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

/// What an `.ics` file holds (its events, what is left out), before it is imported.
#[tauri::command]
#[specta::specta]
pub async fn preview_ics(shell: State<'_, Shell>, path: String) -> Result<IcsPreview, IpcError> {
    shell
        .run(|core| async move { core.preview_ics(std::path::Path::new(&path)).await })
        .await
}

/// Imports the events of an `.ics` file into a calendar the user may write to.
#[tauri::command]
#[specta::specta]
pub async fn import_ics(
    shell: State<'_, Shell>,
    path: String,
    calendar_id: Id,
) -> Result<IcsImport, IpcError> {
    shell
        .run(|core| async move {
            core.import_ics(std::path::Path::new(&path), calendar_id.0)
                .await
        })
        .await
}

/// Saves an event (a whole series) as an `.ics` file into Downloads; returns the path.
#[tauri::command]
#[specta::specta]
pub async fn export_event_ics(shell: State<'_, Shell>, event_id: Id) -> Result<String, IpcError> {
    shell
        .run(|core| async move {
            core.export_event_ics(event_id.0, None)
                .await
                .map(|p| p.display().to_string())
        })
        .await
}

/// Saves every event of a calendar as one `.ics` file into Downloads; returns the path.
#[tauri::command]
#[specta::specta]
pub async fn export_calendar_ics(
    shell: State<'_, Shell>,
    calendar_id: Id,
) -> Result<String, IpcError> {
    shell
        .run(|core| async move {
            core.export_calendar_ics(calendar_id.0, None)
                .await
                .map(|p| p.display().to_string())
        })
        .await
}

/// Fetches an `.ics` attachment into a temporary folder for the import dialog; returns the
/// file's path.
#[tauri::command]
#[specta::specta]
pub async fn attachment_for_import(
    shell: State<'_, Shell>,
    attachment_id: Id,
) -> Result<String, IpcError> {
    shell
        .run(|core| async move {
            core.attachment_for_import(attachment_id.0)
                .await
                .map(|p| p.display().to_string())
        })
        .await
}
