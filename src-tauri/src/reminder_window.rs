//! The reminder window (label `reminders`): a second, always-on-top window, made when first
//! needed ([`follow`]), that shows the front end's reminder page (`index.html#reminders`).
//!
//! The window never decides its own visibility. `kontor_core::reminders::ReminderService` runs the
//! state machine of docs/reminders.md#window-semantics (`kontor_reminders::ReminderWindow`) and
//! publishes snapshots; [`follow`] makes the real window match them: shown when `visible` turns
//! true, hidden when it turns false, and nothing else. Closing the window with the title bar's
//! button is refused (it counts as a touch): with autohide off the window stays until every
//! reminder is dismissed or snoozed.
//!
//! Not stealing keyboard focus: the window is created unfocused, and each time it is shown it
//! is made non-focusable for the moment it is mapped (so the window manager does not hand it
//! the focus, and the user's typing goes on where it was), then focusable again, so a click
//! into it makes it keyboard-usable (Tab, Enter, Escape).

use std::time::Duration;

use kontor_core::Lang;
use kontor_core::reminders::{ReminderService, ReminderSnapshot};
use kontor_reminders::WindowEvent;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindow, WebviewWindowBuilder};
use tauri_specta::Event;

use crate::commands::events::RemindersChanged;

/// The window's label (also what `capabilities/default.json` names).
pub const LABEL: &str = "reminders";

/// How long the window refuses focus after being shown.
const NO_FOCUS_WHILE_MAPPING: Duration = Duration::from_millis(600);

/// Creates the reminder window, hidden ([`apply`] shows it).
pub fn create(app: &AppHandle, lang: Lang) -> tauri::Result<WebviewWindow> {
    WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("index.html#reminders".into()))
        .title(lang.pick("Reminders – Kontor", "Erinnerungen – Kontor"))
        .inner_size(460.0, 400.0)
        .min_inner_size(340.0, 220.0)
        .always_on_top(true)
        .focused(false)
        .visible(false)
        .build()
}

/// Shows or hides the window as the snapshot says, without taking keyboard focus.
pub fn apply(window: &WebviewWindow, snap: &ReminderSnapshot) {
    let shown = window.is_visible().unwrap_or(false);
    if snap.visible && !shown {
        tracing::info!(reminders = snap.listed.len(), "showing the reminder window");
        let _ = window.set_focusable(false);
        if let Err(e) = window.show() {
            tracing::error!(error = %e, "the reminder window could not be shown");
        }
        let _ = window.set_always_on_top(true);
        let w = window.clone();
        tauri::async_runtime::spawn(async move {
            // A webview in a window that was created hidden may stay unpainted after the
            // first show on WebKitGTK; a one-pixel resize makes it lay out and paint.
            tokio::time::sleep(Duration::from_millis(150)).await;
            if let Ok(size) = w.inner_size() {
                let _ = w.set_size(tauri::PhysicalSize::new(size.width + 1, size.height));
                let _ = w.set_size(size);
            }
            tokio::time::sleep(NO_FOCUS_WHILE_MAPPING).await;
            let _ = w.set_focusable(true);
        });
    } else if !snap.visible && shown {
        tracing::info!(active = snap.active.len(), "hiding the reminder window");
        if let Err(e) = window.hide() {
            tracing::error!(error = %e, "the reminder window could not be hidden");
        }
    }
}

/// Wires the window's own events to the service: focus changes are reported (they never hide
/// it), and closing it counts as a touch instead.
pub fn wire_events(window: &WebviewWindow, service: ReminderService) {
    window.on_window_event(move |event| match event {
        tauri::WindowEvent::CloseRequested { api, .. } => {
            api.prevent_close();
            let s = service.clone();
            tauri::async_runtime::spawn(async move {
                s.interacted().await;
            });
        }
        tauri::WindowEvent::Focused(_) => {
            let s = service.clone();
            tauri::async_runtime::spawn(async move {
                s.window_event(WindowEvent::FocusChanged).await;
            });
        }
        _ => {}
    });
}

/// Follows the service's snapshots until the app ends: the window's visibility, the tray
/// badge, and a `reminders:changed` event to every window.
///
/// The window is made the first time a snapshot wants it visible, not at start: a webview keeps
/// a WebKit web process of its own (about 80 MiB), which a day without reminders does not need.
/// Once made, it is hidden and shown again rather than closed, so its page keeps what it lists.
pub async fn follow(app: AppHandle, service: ReminderService, lang: Lang) {
    let mut rx = service.subscribe();
    loop {
        let snap = rx.borrow_and_update().clone();
        let existing = app.get_webview_window(LABEL);
        match (existing, snap.visible) {
            (Some(window), true) => apply(&window, &snap),
            (None, true) => match create(&app, lang) {
                Ok(window) => {
                    wire_events(&window, service.clone());
                    apply(&window, &snap);
                }
                Err(e) => tracing::error!(error = %e, "the reminder window could not be made"),
            },
            (Some(window), false) => apply(&window, &snap),
            (None, false) => {}
        }
        crate::tray::update(&app, &snap, lang);
        if let Err(e) = RemindersChanged(snap).emit(&app) {
            tracing::warn!(error = %e, "reminder snapshot not delivered to the windows");
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
}
