//! The tray icon: the number of active reminders (as the icon's label where the platform shows
//! one, and in its tooltip and menu), the Inbox's unread messages (tooltip), and a menu to open the main window on the reminder list,
//! or quit. Without a tray host (a bare X server) the icon simply is not shown; nothing else
//! depends on it.

use kontor_core::Lang;
use kontor_core::reminders::ReminderSnapshot;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;

use tauri::{AppHandle, Manager, Wry};
use tauri_specta::Event;

use crate::commands::events::RemindersShowList;

const TRAY_ID: &str = "kontor";

/// The menu entry that shows the count; kept to update its text. The tooltip shows both
/// counts, so each is kept for when the other changes.
pub struct TrayState {
    count: MenuItem<Wry>,
    reminders: AtomicUsize,
    unread: AtomicU32,
}

impl std::fmt::Debug for TrayState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrayState").finish_non_exhaustive()
    }
}

fn count_text(count: usize, lang: Lang) -> String {
    match (count, lang) {
        (0, Lang::En) => "No active reminders".into(),
        (0, Lang::De) => "Keine aktiven Erinnerungen".into(),
        (1, Lang::En) => "1 active reminder".into(),
        (1, Lang::De) => "1 aktive Erinnerung".into(),
        (n, Lang::En) => format!("{n} active reminders"),
        (n, Lang::De) => format!("{n} aktive Erinnerungen"),
    }
}

fn unread_text(unread: u32, lang: Lang) -> String {
    match (unread, lang) {
        (0, Lang::En) => "No unread messages".into(),
        (0, Lang::De) => "Keine ungelesenen Nachrichten".into(),
        (1, Lang::En) => "1 unread message".into(),
        (1, Lang::De) => "1 ungelesene Nachricht".into(),
        (n, Lang::En) => format!("{n} unread messages"),
        (n, Lang::De) => format!("{n} ungelesene Nachrichten"),
    }
}

/// The tooltip: unread messages in the Inbox, then active reminders, one per line.
fn tooltip(unread: u32, reminders: usize, lang: Lang) -> String {
    format!(
        "{}\n{}",
        unread_text(unread, lang),
        count_text(reminders, lang)
    )
}

/// Brings the main window to the front.
pub fn show_main(app: &AppHandle) {
    if let Some(main) = app.get_webview_window("main") {
        let _ = main.show();
        let _ = main.unminimize();
        let _ = main.set_focus();
    }
}

/// Creates the tray icon with its menu.
pub fn create(app: &AppHandle, lang: Lang) -> tauri::Result<()> {
    let count = MenuItem::with_id(app, "count", count_text(0, lang), true, None::<&str>)?;
    let open = MenuItem::with_id(
        app,
        "open",
        lang.pick("Open Kontor", "Kontor öffnen"),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(
        app,
        "quit",
        lang.pick("Exit Kontor", "Kontor beenden"),
        true,
        None::<&str>,
    )?;
    let sep = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&count, &open, &sep, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(tooltip(0, 0, lang))
        .on_menu_event(|app, event| match event.id().as_ref() {
            "count" => {
                show_main(app);
                let _ = RemindersShowList.emit_to(app, "main");
            }
            "open" => show_main(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    app.manage(TrayState {
        count,
        reminders: AtomicUsize::new(0),
        unread: AtomicU32::new(0),
    });
    Ok(())
}

/// Shows the number of active reminders.
pub fn update(app: &AppHandle, snap: &ReminderSnapshot, lang: Lang) {
    let n = snap.active.len();
    let mut unread = 0;
    if let Some(state) = app.try_state::<TrayState>() {
        state.reminders.store(n, Ordering::Relaxed);
        unread = state.unread.load(Ordering::Relaxed);
        let _ = state.count.set_text(count_text(n, lang));
    }
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(&tooltip(unread, n, lang)));
        let _ = tray.set_title(if n == 0 { None } else { Some(n.to_string()) });
    }
}

/// Shows the number of unread messages in the Inbox (in the tooltip).
pub fn set_unread(app: &AppHandle, unread: u32, lang: Lang) {
    let mut reminders = 0;
    if let Some(state) = app.try_state::<TrayState>() {
        state.unread.store(unread, Ordering::Relaxed);
        reminders = state.reminders.load(Ordering::Relaxed);
    }
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(&tooltip(unread, reminders, lang)));
    }
}
