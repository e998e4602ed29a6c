//! The windowed app: opens the core, then builds Tauri with the main window from
//! `tauri.conf.json` (label `main`), the reminder window (label `reminders`, see
//! [`crate::reminder_window`]) and the tray icon ([`crate::tray`]).
//!
//! Reminders: the core's `ReminderService` runs on the shell's async runtime (its timer loop,
//! and a refresh of the reminder feed after start and every `KONTOR_REMINDER_REFRESH_SECONDS`,
//! default 60); the shell only makes the reminder window and the tray follow its snapshots.
//! Debug builds run the service on an `OffsetClock` that the `test_advance_clock` command
//! moves forward (docs/reminders.md); release builds on the system clock.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use kontor_core::profile::InstanceLock;
use kontor_core::reminders::{self, AppFeed, Clock, OffsetClock, ReminderService, SystemClock};
use kontor_core::{CoreError, Kontor, Lang, ProfilePaths};

use crate::cli::OpenTarget;
use crate::commands::{self, RemindersShell, Shell};

/// Default seconds between two reads of the reminder feed.
const DEFAULT_REFRESH: u64 = 60;

pub fn run(profile_dir: Option<PathBuf>, open: Option<OpenTarget>, background: bool) -> ExitCode {
    // Without a keychain the window still opens; sign-in then reports the keychain error.
    if let Err(e) = kontor_core::secrets::use_platform_store() {
        tracing::error!(error = %e, "no system keychain");
    }
    let lang = crate::cli::terminal_lang();
    // Once: the front end is embedded in it.
    let context = tauri::generate_context!();
    // One instance per profile (per user session on a terminal server), held until exit.
    let paths_arg = profile_dir.clone();
    // The session start entry names the profile folder only when this run was given one.
    crate::background::init(profile_dir.clone());
    let instance = ProfilePaths::resolve(profile_dir)
        .and_then(|paths| InstanceLock::acquire(&paths).map(|lock| (paths, lock)));
    let (paths, _instance) = match instance {
        Ok(ok) => ok,
        Err(e) => {
            if let (CoreError::InstanceRunning { .. }, Ok(paths)) =
                (&e, ProfilePaths::resolve(paths_arg.clone()))
            {
                // A window of this profile is open: it comes to the front and this process
                // ends (exit code 0), on Linux after a D-Bus call, elsewhere (or when that call
                // finds no window) inside `hand_over`. When that returns, the profile is held by
                // a command-line action instead, and the error below is the answer.
                #[cfg(target_os = "linux")]
                match hand_over_over_dbus(&paths) {
                    Ok(()) => {
                        tracing::info!("handed over to the running window");
                        return ExitCode::SUCCESS;
                    }
                    Err(e) => tracing::info!(error = %e, "no window answered on D-Bus"),
                }
                hand_over(&paths, context);
            }
            tracing::error!(error = %e, "not starting");
            return crate::cli::report_error(&e, lang);
        }
    };
    let paths_for_instance = paths.clone();
    let core = tauri::async_runtime::block_on(async {
        tracing::info!(profile = %paths.root().display(), "opening profile");
        Kontor::open(paths).await
    });
    if let Err(e) = &core {
        tracing::error!(error = %e, "the profile could not be opened");
    }
    let reminders = match &core {
        Ok(k) => match tauri::async_runtime::block_on(open_reminders(k)) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::error!(error = %e, "the reminder service could not start");
                None
            }
        },
        Err(_) => None,
    };
    // Windows Restart Manager closes and restarts the app for upgrades (windows_session).
    let session = crate::windows_session::plugin(&paths_arg, core.as_ref().ok().cloned());
    let shell = Shell::new(core.clone_ok(), lang, reminders.clone());
    let ipc = commands::builder();
    let engine_core = core.clone_ok();

    let result = tauri::Builder::default()
        // First: a second start of this profile's window ends at once and brings this one to
        // the front.
        .plugin(single_instance(&paths_for_instance))
        .manage(shell)
        .plugin(session)
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        // The compose window's "Attach…" file picker.
        .plugin(tauri_plugin_dialog::init())
        // Every window loads only the app's own pages (docs/ARCHITECTURE.md#windows-and-permissions).
        .plugin(crate::navigation::plugin())
        .invoke_handler(ipc.invoke_handler())
        .setup(move |app| {
            // Before anything can emit one of the typed events.
            ipc.mount_events(app);
            let handle = app.handle().clone();
            if background {
                // Started with the session: the window waits hidden until it is opened.
                if let Some(main) = tauri::Manager::get_webview_window(app, "main") {
                    let _ = main.hide();
                }
                tracing::info!("started in the background");
            }
            lean_web_view(&handle);
            commands::mail::open_mail_on_click(&handle);
            if let Some(target) = open
                && core.is_ok()
            {
                open_target(&handle, target);
            }
            if let Err(e) = crate::tray::create(&handle, lang) {
                // No tray host (a bare X server): the window and the main list still work.
                tracing::warn!(error = %e, "no tray icon");
            }
            if let Ok(k) = &core {
                tauri::async_runtime::spawn(commands::sync::forward_status(
                    handle.clone(),
                    k.clone(),
                ));
                tauri::async_runtime::spawn(commands::mail::forward_mail_changes(
                    handle.clone(),
                    k.clone(),
                ));
                tauri::async_runtime::spawn(commands::calendar::forward_calendar_changes(
                    handle.clone(),
                    k.clone(),
                ));
                tauri::async_runtime::spawn(commands::account::start_engine(k.clone()));
                tauri::async_runtime::spawn(commands::settings::apply_background_settings(
                    k.clone(),
                ));
            }
            if let Some(r) = reminders {
                tauri::async_runtime::spawn(crate::reminder_window::follow(
                    handle.clone(),
                    r.service.clone(),
                    lang,
                ));
                tauri::async_runtime::spawn(r.service.clone().run());
                if let Ok(k) = &core {
                    tauri::async_runtime::spawn(refresh_feed(k.clone(), r));
                }
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the main window hides it (Kontor keeps running in the notification area)
            // or ends the app, as the CloseToTray setting says; the reminder window is never
            // left behind alone.
            if window.label() == "main"
                && let tauri::WindowEvent::CloseRequested { api, .. } = event
            {
                api.prevent_close();
                crate::background::close_main(tauri::Manager::app_handle(window));
            }
        })
        .build(context)
        .map(|app| {
            app.run(move |_, event| {
                // The engine stops cleanly (the Sync in flight ends, the outbox row is kept)
                // before the process ends.
                if let tauri::RunEvent::Exit = event
                    && let Ok(k) = &engine_core
                {
                    tauri::async_runtime::block_on(k.stop_sync());
                    tracing::info!("sync engine stopped");
                }
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => crate::cli::report_error(
            &CoreError::Io {
                context: "starting the window system".into(),
                source: std::io::Error::other(e),
            },
            crate::cli::terminal_lang(),
        ),
    }
}

/// `Result<Kontor, CoreError>` is not `Clone` (the error is not); the shell keeps the error's
/// text.
trait CloneOk {
    fn clone_ok(&self) -> Result<Kontor, CoreError>;
}

impl CloneOk for Result<Kontor, CoreError> {
    fn clone_ok(&self) -> Result<Kontor, CoreError> {
        match self {
            Ok(k) => Ok(k.clone()),
            Err(e) => Err(CoreError::Profile(e.to_string())),
        }
    }
}

/// WebKitGTK keeps caches sized for a browser: decoded images and pages of the back/forward
/// history in memory. The window is one page that loads nothing from the network, and every
/// message shown in the reader is a new document in its frame; the "document viewer" cache model
/// keeps none of that around (docs/performance.md, "The window bench").
fn lean_web_view(app: &tauri::AppHandle) {
    #[cfg(target_os = "linux")]
    if let Some(window) = tauri::Manager::get_webview_window(app, "main") {
        let set = window.with_webview(|view| {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = view.inner().context() {
                context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = set {
            tracing::warn!(error = %e, "the web view's cache model stays the default");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// The clock: the system clock, or in debug builds the system clock plus a test offset.
fn clock() -> (Arc<dyn Clock>, Option<Arc<OffsetClock>>) {
    if cfg!(debug_assertions) {
        let c = Arc::new(OffsetClock::default());
        (c.clone(), Some(c))
    } else {
        (Arc::new(SystemClock), None)
    }
}

async fn open_reminders(core: &Kontor) -> Result<RemindersShell, CoreError> {
    let settings = reminders::settings(core).await?;
    let (clock, test_clock) = clock();
    let service = ReminderService::open(
        core.store().clone(),
        clock,
        reminders::local_zone(),
        settings.window(),
    )
    .await?;
    Ok(RemindersShell {
        service,
        test_clock,
        refresh: Arc::new(tokio::sync::Notify::new()),
    })
}

/// Reads the reminder feed now and then every refresh interval (and polls in between through
/// the service's own timer). A failed read keeps the reminders already known.
async fn refresh_feed(core: Kontor, r: RemindersShell) {
    let every = std::env::var("KONTOR_REMINDER_REFRESH_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(DEFAULT_REFRESH);
    let lang = Lang::En;
    let feed = AppFeed::with_clock(core.store().clone(), r.service.clock());
    loop {
        // Calendar sync fills the store (ActiveSync calendar folders, CalDAV collections).
        match core.sync_calendars_once().await {
            Ok(_) => {}
            Err(CoreError::NotSignedIn) => tracing::debug!("no account yet: no calendar sync"),
            Err(e) => tracing::warn!(error = %e, "calendar sync for reminders failed"),
        }
        match r.service.load_feed(&feed).await {
            Ok(snap) => tracing::debug!(active = snap.active.len(), "reminder feed read"),
            Err(e) => {
                tracing::warn!(error = %e.message(lang), detail = %e, "reminder feed not read")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(every)) => {}
            _ = r.refresh.notified() => {}
        }
    }
}

/// The single-instance plugin for this profile: one D-Bus name (Linux) or mutex (Windows) per
/// profile folder, so two profiles of one user (or two test runs) each keep their own window.
/// The running window, called by a second start, comes to the front.
fn single_instance(paths: &ProfilePaths) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_dbus_id(paths))
        .callback(|app, args, cwd| {
            // The session start entry while Kontor already runs: nothing to show.
            if args.iter().any(|a| a == crate::background::BACKGROUND_FLAG) {
                return;
            }
            crate::tray::show_main(app);
            // `kontor mailto:…` or `kontor file.eml` while the window runs: a compose or reader
            // window opens here. The first argument is the program; a flag's value is no
            // target (`--profile-dir x.eml`).
            let mut rest = args.iter().skip(1);
            while let Some(arg) = rest.next() {
                if arg == "--profile-dir" {
                    rest.next();
                    continue;
                }
                if arg.starts_with("--") {
                    continue;
                }
                if let Ok(target) = OpenTarget::parse(arg, Path::new(&cwd)) {
                    open_target(app, target);
                    break;
                }
            }
        })
        .build()
}

/// Opens what a start was given: a compose window for a `mailto:` link, a reader window for a
/// saved message, the main window's import dialog for a calendar file. An error is logged; the main window stays as it is.
fn open_target(app: &tauri::AppHandle, target: OpenTarget) {
    match target {
        OpenTarget::Mailto(link) => {
            if let Err(e) = commands::compose::open_window(
                app,
                kontor_core::app::ComposeMode::New,
                None,
                Some(&link),
            ) {
                tracing::error!(error = %e, "the compose window for the mailto: link could not be opened");
            }
        }
        OpenTarget::Message(path) => commands::reader::open_file_later(app, path),
        OpenTarget::Calendar(path) => commands::calendar::ask_calendar_import(app, path),
    }
}

/// The D-Bus id of this profile's window (the single-instance plugin adds ".SingleInstance").
fn instance_dbus_id(paths: &ProfilePaths) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    paths.root().hash(&mut h);
    format!("org.kontor.desktop.p{:016x}", h.finish())
}

/// Hands this start's arguments to the running window of this profile with the call the
/// single-instance plugin's second start makes, but before GTK and Tauri are started: that
/// start ended the process from inside Tauri's setup, with GTK's and the runtime's threads
/// running, and was once seen to end with SIGSEGV there instead of exit code 0 (a loaded
/// machine, E2E). Any error (no window, another plugin version's protocol) leaves it to
/// [`hand_over`].
#[cfg(target_os = "linux")]
fn hand_over_over_dbus(paths: &ProfilePaths) -> Result<(), zbus::Error> {
    let name = format!("{}.SingleInstance", instance_dbus_id(paths));
    let object = format!("/{}", name.replace('.', "/").replace('-', "_"));
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cwd = std::env::current_dir()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let bus = zbus::blocking::Connection::session()?;
    bus.call_method(
        Some(name.as_str()),
        object.as_str(),
        Some("org.SingleInstance.DBus"),
        "ExecuteCallback",
        &(argv, cwd.as_str()),
    )?;
    Ok(())
}

/// Asks the running window of this profile to come to the front; on success the process ends
/// here (exit code 0). Returns when no window of this profile answers.
fn hand_over(paths: &ProfilePaths, context: tauri::Context<tauri::Wry>) {
    let built = tauri::Builder::default()
        .plugin(single_instance(paths))
        .build(context);
    match built {
        // No window answered (the plugin did not end the process): nothing to keep.
        Ok(app) => app.cleanup_before_exit(),
        Err(e) => tracing::warn!(error = %e, "the running window could not be reached"),
    }
}
