//! The windowed app: opens the core, then builds Tauri with the main window from
//! `tauri.conf.json` (label `main`). A reminder window (label `reminders`) will be a second,
//! always-on-top window created here and driven by the core's scheduler.

use std::path::PathBuf;
use std::process::ExitCode;

use kontor_core::profile::InstanceLock;
use kontor_core::{CoreError, Kontor, ProfilePaths};

use crate::commands::{self, Shell};

pub fn run(profile_dir: Option<PathBuf>) -> ExitCode {
    // Without a keychain the window still opens; sign-in then reports the keychain error.
    if let Err(e) = kontor_core::secrets::use_platform_store() {
        tracing::error!(error = %e, "no system keychain");
    }
    let lang = crate::cli::terminal_lang();
    // One instance per profile (per user session on a terminal server), held until exit.
    let paths_arg = profile_dir.clone();
    let instance = ProfilePaths::resolve(profile_dir)
        .and_then(|paths| InstanceLock::acquire(&paths).map(|lock| (paths, lock)));
    let (paths, _instance) = match instance {
        Ok(ok) => ok,
        Err(e) => {
            tracing::error!(error = %e, "not starting");
            return crate::cli::report_error(&e, lang);
        }
    };
    let core = tauri::async_runtime::block_on(async {
        tracing::info!(profile = %paths.root().display(), "opening profile");
        Kontor::open(paths).await
    });
    if let Err(e) = &core {
        tracing::error!(error = %e, "the profile could not be opened");
    }
    // Windows Restart Manager closes and restarts the app for upgrades (windows_session).
    let session = crate::windows_session::plugin(&paths_arg, core.as_ref().ok().cloned());
    let shell = Shell::new(core, lang);

    let result = tauri::Builder::default()
        .manage(shell)
        .plugin(session)
        .invoke_handler(tauri::generate_handler![
            commands::set_language,
            commands::account,
            commands::sign_in,
            commands::folders,
            commands::refresh_folders,
            commands::sign_out,
            commands::effective_settings,
            commands::set_setting,
        ])
        .run(tauri::generate_context!());
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
