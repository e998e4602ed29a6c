// Release builds on Windows have no console window; flags attach to the caller's console
// (logging::attach_parent_console).
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]
//! # kontor — the desktop app
//!
//! The thin Tauri shell around `kontor-core`. It owns windows, IPC commands and the command line,
//! and nothing else: every command and every flag calls one `kontor_core` function and turns its
//! result into JSON (for the window) or text and an exit code (for a terminal). There is no
//! business logic here; if a button and a flag need the same thing, it lives in the core.
//!
//! Start-up order matters for IT scripting (docs/deployment.md#profile-reset): the command line is
//! parsed first, and flags that act without a window (`--version`, `--add-account`,
//! `--reset-profile`, `--diagnose`, `--export-logs`) run to completion before GTK, WebKit or any
//! window exists, so they work over SSH or PsExec with no display. Every run logs to
//! `<profile>/logs/`.
//!
//! Modules: [`cli`] (flags and the window-less actions), [`commands`] (the IPC surface the UI in
//! `ui/` calls), [`gui`] (the Tauri builder and windows), [`logging`] (log file, console on
//! Windows), [`windows_session`] (Windows Restart Manager: close and restart for upgrades),
//! [`reminder_window`] (the always-on-top reminder window that follows the core's reminder
//! state), [`tray`] (tray icon with the count of active reminders), [`background`] (closing
//! to the notification area, the session start entry).

mod background;
#[cfg(test)]
mod capabilities;
mod cli;
mod commands;
mod gui;
mod logging;
mod navigation;
mod reminder_window;
mod tray;
mod windows_session;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    if std::env::args_os().len() > 1 {
        // Before clap prints --help or a usage error, and before --version prints.
        logging::attach_parent_console();
    }
    // `--help` and usage errors exit inside `parse`, before anything else happens; so does
    // `--version`, right after it: no profile, no log file.
    let args = cli::Cli::parse();
    if let cli::Action::Version { json } = args.action() {
        return cli::version(json);
    }
    let profile = kontor_core::ProfilePaths::resolve(args.profile_dir.clone()).ok();
    let action = args.action();
    // A flag prints its result alone (a script reads it); the window's log goes to the terminal
    // it was started from too.
    let console_log = args.verbose || matches!(action, cli::Action::Window);
    let log_problem = logging::init(profile.as_ref(), console_log).err();
    if let Some(p) = log_problem {
        tracing::warn!("{p}");
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        os = %kontor_core::diagnose::os_description(),
        args = ?std::env::args().skip(1).collect::<Vec<_>>(),
        "kontor starts"
    );
    let code = match action {
        cli::Action::Window => gui::run(args.profile_dir, args.open, args.background),
        cli::Action::AddAccount(add) => cli::add_account(args.profile_dir, add),
        cli::Action::ResetProfile(opts) => cli::reset_profile(args.profile_dir, opts),
        cli::Action::Diagnose(d) => cli::diagnose(args.profile_dir, d),
        cli::Action::ExportLogs(path) => cli::export_logs(args.profile_dir, path),
        // Answered above, before the profile and the log.
        cli::Action::Version { json } => cli::version(json),
    };
    tracing::info!(?code, "kontor ends");
    code
}
