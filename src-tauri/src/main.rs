//! # kontor — the desktop app
//!
//! The thin Tauri shell around `kontor-core`. It owns windows, IPC commands and the command line,
//! and nothing else: every command and every flag calls one `kontor_core` function and turns its
//! result into JSON (for the window) or text and an exit code (for a terminal). There is no
//! business logic here; if a button and a flag need the same thing, it lives in the core.
//!
//! Start-up order matters for IT scripting (DESIGN §6): the command line is parsed first, and
//! flags that act without a window (`--version`, `--add-account`, `--reset-profile`, later
//! `--diagnose`, `--export-logs`) run to completion before GTK, WebKit or any window exists, so
//! they work over SSH or PsExec with no display.
//!
//! Modules: [`cli`] (flags and the window-less actions), [`commands`] (the IPC surface the UI in
//! `ui/` calls), [`gui`] (the Tauri builder and windows), [`reminder_window`] (the always-on-top
//! reminder window that follows the core's reminder state), [`tray`] (tray icon with the count
//! of active reminders).

mod cli;
mod commands;
mod gui;
mod reminder_window;
mod tray;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `--help`/`--version` and usage errors exit inside `parse`, before anything else happens.
    let args = cli::Cli::parse();
    init_logging();
    match args.action() {
        cli::Action::Window => gui::run(args.profile_dir),
        cli::Action::AddAccount(add) => cli::add_account(args.profile_dir, add),
        cli::Action::ResetProfile(opts) => cli::reset_profile(args.profile_dir, opts),
    }
}

/// Logs go to stderr; `KONTOR_LOG` (tracing's env-filter syntax) sets the level.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KONTOR_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,kontor=info,kontor_core=info")
    });
    // A second initialisation (never expected) is harmless, so its error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
