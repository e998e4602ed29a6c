//! The events the shell sends to the windows. Each wraps its payload, so it reaches the page
//! as the payload itself; the event names are the ones the UI has always listened to.

use kontor_core::reminders::{ReminderItem, ReminderSnapshot};
use kontor_core::{MailChanged, SignInStep, SyncStatus};
use serde::Serialize;

/// Every change of the reminders (sent to every window).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "reminders:changed")]
pub struct RemindersChanged(pub ReminderSnapshot);

/// "Open" was chosen in the reminder window: the main window shows the item.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "reminders:open")]
pub struct RemindersOpen(pub ReminderItem);

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

/// A running sign-in started its next step (the account screen says which).
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
#[tauri_specta(event_name = "sign-in:progress")]
pub struct SignInProgress(pub SignInStep);
