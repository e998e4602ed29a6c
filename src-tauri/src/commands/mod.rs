//! The IPC surface the front end calls, one file per domain: [`account`] (sign-in, folders),
//! [`settings`] (language, settings in force), [`reminders`] (the reminder window and its
//! settings), [`sync`] (sync status, sync now), and the events the shell sends to the windows
//! ([`events`]), [`mail`] (the message list, the reading pane, actions, unsent changes),
//! [`compose`] (compose windows, sending, drafts, address suggestions), [`people`] (the
//! address book) and [`reader`] (messages as `.eml` files, reader windows).
//!
//! Each command forwards to one `kontor_core` function and returns `Result<T, IpcError>`;
//! errors are localized in the language the UI last announced with `set_language`. The
//! TypeScript side (`ui/src/lib/bindings.ts`) is generated from [`builder`]: see [`bindings`].

pub mod account;
pub mod auto_replies;
#[cfg(test)]
mod bindings;
pub mod calendar;
pub mod compose;
pub mod events;
pub mod mail;
pub mod people;
pub mod reader;
pub mod reminders;
pub mod search;
pub mod settings;
pub mod sync;

use std::future::Future;
use std::sync::{Arc, RwLock};

use kontor_core::reminders::{OffsetClock, ReminderService};
use kontor_core::{CoreError, IpcError, Kontor, Lang};
use tauri_specta::{collect_commands, collect_events};

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
    /// Calendar files a start was given (`kontor termine.ics`), until the main window takes
    /// them for its import dialog.
    calendar_files: std::sync::Mutex<Vec<std::path::PathBuf>>,
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
            calendar_files: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The reminder service, or the start-up error.
    fn reminders(&self) -> Result<RemindersShell, IpcError> {
        match &self.reminders {
            Some(r) => Ok(r.clone()),
            None => Err(self.error(&match &self.core {
                Err(e) => CoreError::Profile(e.to_string()),
                Ok(_) => CoreError::Profile("the reminder service did not start".into()),
            })),
        }
    }

    pub(crate) fn lang(&self) -> Lang {
        // A poisoned lock only means a panic elsewhere; the value is still a valid Lang.
        *self.lang.read().unwrap_or_else(|e| e.into_inner())
    }

    fn set_lang(&self, lang: Lang) {
        *self.lang.write().unwrap_or_else(|e| e.into_inner()) = lang;
    }

    /// A core error as the UI receives it, in the UI's language.
    fn error(&self, err: &CoreError) -> IpcError {
        err.to_ipc(self.lang())
    }

    /// The core, or the start-up error (e.g. an unreadable profile) for every command to show.
    fn core(&self) -> Result<Kontor, IpcError> {
        match &self.core {
            Ok(k) => Ok(k.clone()),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Runs `f` on the core and maps its error for the UI: the body of most commands.
    async fn run<T, F, Fut>(&self, f: F) -> Result<T, IpcError>
    where
        F: FnOnce(Kontor) -> Fut,
        Fut: Future<Output = Result<T, CoreError>>,
    {
        f(self.core()?).await.ipc(self)
    }
}

/// Maps a core result for the UI: `.ipc(&shell)` in place of repeating `map_err` with the
/// shell's language in every command.
pub trait IpcResult<T> {
    fn ipc(self, shell: &Shell) -> Result<T, IpcError>;
}

impl<T> IpcResult<T> for Result<T, CoreError> {
    fn ipc(self, shell: &Shell) -> Result<T, IpcError> {
        self.map_err(|e| shell.error(&e))
    }
}

/// Every command and event of the shell: the invoke handler of the app and the source of the
/// generated TypeScript bindings. Sorted by name, the order of the generated commands.
pub fn builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        // One TypeScript type per Rust type: the UI reads what the shell serializes and sends
        // what it deserializes, and the serde attributes make the two the same shape.
        .disable_serde_phases()
        .commands(collect_commands![
            account::account,
            calendar::attachment_for_import,
            compose::address_suggestions,
            auto_replies::auto_replies,
            auto_replies::known_auto_replies,
            auto_replies::set_auto_replies,
            mail::allow_remote_content,
            mail::allow_remote_content_domain,
            mail::remote_content_lists,
            mail::forget_remote_content,
            mail::message_safety,
            mail::own_domains,
            mail::check_link,
            calendar::calendar_list,
            calendar::calendar_view,
            compose::compose_start,
            calendar::create_event,
            calendar::delete_event,
            settings::close_main_window,
            calendar::delete_occurrence,
            calendar::event_form,
            calendar::export_calendar_ics,
            calendar::export_event_ics,
            mail::delete_messages,
            people::directory_people,
            compose::directory_suggestions,
            compose::unknown_colleagues,
            mail::discard_operation,
            settings::effective_settings,
            mail::fetch_message_body,
            compose::file_sizes,
            account::folders,
            calendar::import_ics,
            mail::list_messages,
            mail::mark_read,
            mail::message_position,
            mail::message_view,
            mail::move_messages,
            mail::new_mail_notifications,
            mail::open_attachment,
            compose::open_compose,
            calendar::open_colleague_calendar,
            people::open_compose_to,
            search::open_server_hit,
            mail::open_link,
            reader::open_message_file,
            compose::parse_recipients,
            compose::read_picture,
            mail::pending_operations,
            calendar::preview_ics,
            settings::quit_app,
            account::refresh_folders,
            reminders::reminder_calendars,
            calendar::remove_colleague_calendar,
            reminders::reminder_dismiss,
            reminders::reminder_dismiss_all,
            reminders::reminder_interacted,
            reminders::reminder_open,
            reminders::reminder_settings,
            reminders::reminder_snooze,
            reminders::reminder_window_visible,
            reminders::reminders,
            mail::respond_to_invitation,
            mail::respond_to_meeting,
            mail::retry_operation,
            mail::save_attachment,
            compose::save_draft,
            reader::save_message_file,
            compose::send_mail,
            search::server_search,
            reminders::set_calendar_remind,
            calendar::set_calendar_view,
            compose::edit_unsent,
            calendar::take_calendar_file,
            calendar::update_event,
            calendar::update_occurrence,
            settings::set_language,
            mail::set_flag,
            mail::set_new_mail_notifications,
            reminders::set_reminder_settings,
            settings::set_setting,
            account::sign_in,
            account::sign_out,
            sync::sync_now,
            sync::sync_status,
            reminders::test_advance_clock,
        ])
        .events(collect_events![
            events::AttachmentProgress,
            events::CalendarChanged,
            events::CalendarFileAsked,
            events::MailChangedEvent,
            events::MailOpen,
            events::RemindersChanged,
            events::RemindersOpen,
            events::RemindersShowList,
            events::SignInProgress,
            events::SyncStatusChanged,
        ])
}
