//! Logging: tracing to a daily log file under the profile, always, plus standard error for the
//! window (or with `--verbose`): a command-line flag prints only its result on the console.
//!
//! ```text
//! <profile>/logs/kontor.YYYY-MM-DD.log   one file per day, the newest 14 kept
//! ```
//!
//! The file is written synchronously (no background thread), so the last lines before an exit
//! are never lost, also when Windows ends the process after `WM_ENDSESSION`. `KONTOR_LOG`
//! (tracing's env-filter syntax) sets the level for both outputs; the default is `info` for
//! Kontor's own crates and `warn` for the rest. `kontor --export-logs` zips these files.
//!
//! Release builds on Windows use the GUI subsystem (no console window flashes up when the app
//! starts from the Start menu). A flag given in a terminal must still print there, so
//! [`attach_parent_console`] attaches to the calling console before anything is printed.

use kontor_core::ProfilePaths;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How many daily log files are kept.
pub const KEEP_LOG_FILES: usize = 14;

const DEFAULT_FILTER: &str = "warn,kontor=info,kontor_core=info";

fn filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("KONTOR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_FILTER))
}

/// Starts logging to `<profile>/logs/` when the profile folder is known and writable, and to
/// standard error when `console` is set (colour codes only on a terminal). Returns why the file could not be opened, if it could not (the caller
/// logs it; the app runs on without a file).
pub fn init(profile: Option<&ProfilePaths>, console: bool) -> Result<(), String> {
    let (file, problem) = match profile {
        // The folder first: the appender's clean-up of old files reads it when it is built
        // and otherwise prints "Error reading the log directory" on a new profile.
        Some(paths) => match std::fs::create_dir_all(paths.logs())
            .map_err(|e| e.to_string())
            .and_then(|()| {
                tracing_appender::rolling::Builder::new()
                    .rotation(tracing_appender::rolling::Rotation::DAILY)
                    .filename_prefix("kontor")
                    .filename_suffix("log")
                    .max_log_files(KEEP_LOG_FILES)
                    .build(paths.logs())
                    .map_err(|e| e.to_string())
            }) {
            Ok(appender) => (
                Some(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(appender)
                        .with_filter(filter()),
                ),
                None,
            ),
            Err(e) => (
                None,
                Some(format!("no log file in {}: {e}", paths.logs().display())),
            ),
        },
        None => (None, Some("no profile folder, so no log file".to_owned())),
    };
    let stderr = console.then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    // A second initialisation (never expected) is harmless, so its error is ignored.
    let _ = tracing_subscriber::registry()
        .with(file)
        .with(stderr)
        .try_init();
    match problem {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

/// In a release build on Windows (GUI subsystem) the process starts without standard handles.
/// When it was started from a console with a flag, attach to that console so `--version`,
/// `--diagnose` and the other flags print where the user typed them. A redirected output
/// (`kontor --diagnose > report.txt`) already has handles and is left alone.
///
/// Note for scripts: `cmd.exe` does not wait for a GUI-subsystem program; use
/// `start /wait kontor.exe --diagnose` (then `%ERRORLEVEL%`) or PowerShell's
/// `Start-Process -Wait -PassThru` to get the exit code.
#[cfg(windows)]
#[allow(
    unsafe_code,
    reason = "GetStdHandle and AttachConsole are Win32 calls with no safe wrapper in std"
)]
pub fn attach_parent_console() {
    use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
    use windows_sys::Win32::System::Console::{
        ATTACH_PARENT_PROCESS, AttachConsole, GetStdHandle, STD_ERROR_HANDLE, STD_OUTPUT_HANDLE,
    };
    // SAFETY: both functions take integer arguments and return a handle or BOOL; a failure
    // (no parent console, already attached) is harmless and leaves the handles as they were.
    unsafe {
        let missing =
            |h: windows_sys::Win32::Foundation::HANDLE| h.is_null() || h == INVALID_HANDLE_VALUE;
        if missing(GetStdHandle(STD_OUTPUT_HANDLE)) || missing(GetStdHandle(STD_ERROR_HANDLE)) {
            AttachConsole(ATTACH_PARENT_PROCESS);
        }
    }
}

/// Nothing to do outside Windows: a terminal program always has its standard handles.
#[cfg(not(windows))]
pub fn attach_parent_console() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_reach_a_file_in_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path());
        init(Some(&paths), false).unwrap();
        tracing::info!("a line for the log file");
        let files: Vec<_> = std::fs::read_dir(paths.logs())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("kontor.") && name.ends_with(".log"),
            "{name}"
        );
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("a line for the log file"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour codes in the file");
    }
}
