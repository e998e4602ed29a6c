//! The events the shell sends to the windows. Each wraps its payload, so it reaches the page
//! as the payload itself; the event names are the ones the UI has always listened to.

use kontor_core::reminders::{ReminderItem, ReminderSnapshot};
use kontor_core::{Id, MailChanged, SignInStep, SyncStatus};
use serde::Serialize;

/// Every change of the reminders (sent to every window).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "reminders:changed")]
pub struct RemindersChanged(pub ReminderSnapshot);

/// "Open" was chosen in the reminder window: the main window shows the item.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "reminders:open")]
pub struct RemindersOpen(pub ReminderItem);

/// A start was given a calendar file (`kontor termine.ics`): the main window takes it with
/// `take_calendar_file` and shows its import dialog (no payload: `null`).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "calendar:file-asked")]
pub struct CalendarFileAsked;

/// The tray asked for the reminder list (no payload: `null`).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "reminders:show-list")]
pub struct RemindersShowList;

/// Every change of the account's sync status (the status bar of the main window).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "sync:status")]
pub struct SyncStatusChanged(pub SyncStatus);

/// Messages of these folders changed (a sync pass, an action here, an unsent change that
/// went through or failed): the mail window reads the rows it shows again.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "mail:changed")]
pub struct MailChangedEvent(pub MailChanged);

/// A new-mail notification was clicked: the main window shows this folder and selects the
/// message (`null`: the notification stood for several messages, so the folder alone).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
#[tauri_specta(event_name = "mail:open")]
pub struct MailOpen {
    pub folder_id: String,
    pub message_id: Option<Id>,
}

/// How much of an attachment being saved or opened has arrived (bytes of the server's answer;
/// `total` as the server announced it, `null` when it did not). Sent at most every 100 ms and
/// once at the end.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
#[tauri_specta(event_name = "attachment:progress")]
pub struct AttachmentProgress {
    pub attachment_id: Id,
    #[specta(type = specta_typescript::Number)]
    pub received: u64,
    #[specta(type = Option<specta_typescript::Number>)]
    pub total: Option<u64>,
}

/// A running sign-in started its next step (the account screen says which).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "sign-in:progress")]
pub struct SignInProgress(pub SignInStep);

/// Events of these calendars changed (a sync, a local change, a calendar shown or hidden; empty:
/// any): the calendar views read their range again.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
#[tauri_specta(event_name = "calendar:changed")]
pub struct CalendarChanged {
    pub calendar_ids: Vec<Id>,
}
