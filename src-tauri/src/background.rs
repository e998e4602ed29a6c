//! Kontor in the background (docs/deployment.md#running-in-the-background): closing the main
//! window keeps the app running in the notification area (the `CloseToTray` setting), and the
//! app can start with the user's session without showing its window (the `Autostart` setting,
//! `kontor --background`).
//!
//! The session start entry is the platform's own: a value `Kontor` under
//! `HKCU\Software\Microsoft\Windows\CurrentVersion\Run` on Windows, the desktop entry
//! `$XDG_CONFIG_HOME/autostart/kontor.desktop` (default `~/.config/autostart/`) on Linux. The
//! app writes or removes it at every start and whenever the setting changes, so it always
//! follows the setting in force (policy included) and points at the program that runs now.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{AppHandle, Manager};

/// The command-line flag of a start without the main window.
pub const BACKGROUND_FLAG: &str = "--background";

/// Whether closing the main window hides it instead of ending the app (the setting in force;
/// on until the settings are read, as its default).
static CLOSE_TO_TRAY: AtomicBool = AtomicBool::new(kontor_core::policy::DEFAULT_CLOSE_TO_TRAY);

/// The profile folder this run was given explicitly (`--profile-dir` or its environment
/// variable), for the session start entry.
static PROFILE_ARG: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Keeps the profile folder this run was given, once at start.
pub fn init(profile_arg: Option<PathBuf>) {
    let _ = PROFILE_ARG.set(profile_arg);
}

/// Takes the `CloseToTray` setting in force.
pub fn set_close_to_tray(on: bool) {
    CLOSE_TO_TRAY.store(on, Ordering::Relaxed);
}

/// What closing the main window does (its title bar's ×, Alt+F4, the menu's "Close window"):
/// with `CloseToTray` on the window hides and the app keeps syncing and reminding; otherwise
/// the app ends.
pub fn close_main(app: &AppHandle) {
    if CLOSE_TO_TRAY.load(Ordering::Relaxed) {
        if let Some(main) = app.get_webview_window("main") {
            tracing::info!("main window closed; Kontor keeps running in the background");
            if let Err(e) = main.hide() {
                tracing::error!(error = %e, "the main window could not be hidden; ending");
                app.exit(0);
            }
        }
    } else {
        tracing::info!("main window closed; Kontor ends");
        app.exit(0);
    }
}

/// The session start entry as it should be: the program with `--background`, and the profile
/// folder when this run was given one explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub program: PathBuf,
    pub profile_dir: Option<PathBuf>,
}

impl Entry {
    /// The entry for the program running now, with the profile folder it was given.
    pub fn current() -> std::io::Result<Entry> {
        Ok(Entry {
            program: std::env::current_exe()?,
            profile_dir: PROFILE_ARG.get().cloned().flatten(),
        })
    }

    fn args(&self) -> Vec<String> {
        let mut args = vec![self.program.to_string_lossy().into_owned()];
        if let Some(dir) = &self.profile_dir {
            args.push("--profile-dir".into());
            args.push(dir.to_string_lossy().into_owned());
        }
        args.push(BACKGROUND_FLAG.into());
        args
    }

    /// The command line of a Windows `Run` value: each argument in double quotes where it
    /// holds a space (paths under `C:\Program Files`).
    #[cfg_attr(not(windows), allow(dead_code))]
    pub fn windows_command(&self) -> String {
        self.args()
            .iter()
            .map(|a| {
                if a.contains([' ', '\t']) {
                    format!("\"{a}\"")
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The text of the XDG autostart desktop entry (Desktop Entry Specification: `Exec`
    /// arguments quoted, with `"`, `` ` ``, `$` and `\` escaped inside quotes; `%` doubled).
    #[cfg_attr(windows, allow(dead_code))]
    pub fn desktop_entry(&self) -> String {
        let exec = self
            .args()
            .iter()
            .map(|a| {
                let a = a.replace('%', "%%");
                if a.chars()
                    .any(|c| c.is_whitespace() || "\"'\\><~|&;$*?#()`".contains(c))
                {
                    let mut q = String::from("\"");
                    for c in a.chars() {
                        if matches!(c, '"' | '`' | '$' | '\\') {
                            q.push('\\');
                        }
                        q.push(c);
                    }
                    q.push('"');
                    q
                } else {
                    a
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        format!(
            "[Desktop Entry]\nType=Application\nName=Kontor\n\
             Comment=Mail, calendars and reminders in the background\n\
             Comment[de]=E-Mail, Kalender und Erinnerungen im Hintergrund\n\
             Exec={exec}\nIcon=kontor\nTerminal=false\nNoDisplay=true\n\
             X-GNOME-Autostart-enabled=true\n"
        )
    }
}

/// Makes the session start entry match `on`: written (or rewritten for this program) when on,
/// removed when off. An entry that is already right is not touched.
pub fn apply(on: bool) -> std::io::Result<()> {
    platform::apply(on, &Entry::current()?)
}

#[cfg(windows)]
mod platform {
    use super::Entry;
    use winreg::RegKey;
    use winreg::enums::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY};

    const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";
    const VALUE: &str = "Kontor";

    /// The machine-wide entry the MSI writes with `AUTOSTART=1` (64-bit view).
    fn machine_entry() -> Option<String> {
        RegKey::predef(HKEY_LOCAL_MACHINE)
            .open_subkey_with_flags(RUN_KEY, KEY_READ | KEY_WOW64_64KEY)
            .and_then(|k| k.get_value::<String, _>(VALUE))
            .ok()
    }

    pub fn apply(on: bool, entry: &Entry) -> std::io::Result<()> {
        let machine = machine_entry();
        if let Some(command) = &machine {
            if on {
                tracing::info!(%command, "the machine starts Kontor with every session (HKLM Run)");
            } else {
                tracing::warn!(%command, "the setting is off, but the machine's HKLM Run entry (MSI AUTOSTART=1) still starts Kontor");
            }
        }
        let on = on && machine.is_none();
        let hkcu = RegKey::predef(HKEY_CURRENT_USER);
        let (key, _) = hkcu.create_subkey(RUN_KEY)?;
        let now: Option<String> = key.get_value(VALUE).ok();
        if on {
            let want = entry.windows_command();
            if now.as_deref() != Some(want.as_str()) {
                key.set_value(VALUE, &want)?;
                tracing::info!(command = %want, "session start entry written (HKCU Run)");
            }
        } else if now.is_some() {
            key.delete_value(VALUE)?;
            tracing::info!("session start entry removed (HKCU Run)");
        }
        Ok(())
    }
}

#[cfg(not(windows))]
mod platform {
    use super::Entry;
    use std::path::PathBuf;

    /// `$XDG_CONFIG_HOME/autostart/kontor.desktop`, `~/.config/autostart/` by default.
    fn file() -> std::io::Result<PathBuf> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .ok_or_else(|| std::io::Error::other("neither XDG_CONFIG_HOME nor HOME is set"))?;
        Ok(config.join("autostart").join("kontor.desktop"))
    }

    pub fn apply(on: bool, entry: &Entry) -> std::io::Result<()> {
        let path = file()?;
        if on {
            let want = entry.desktop_entry();
            if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let tmp = path.with_extension("desktop.tmp");
                std::fs::write(&tmp, &want)?;
                std::fs::rename(&tmp, &path)?;
                tracing::info!(path = %path.display(), "session start entry written");
            }
        } else {
            match std::fs::remove_file(&path) {
                Ok(()) => tracing::info!(path = %path.display(), "session start entry removed"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_windows_command_quotes_paths_with_spaces() {
        let e = Entry {
            program: PathBuf::from(r"C:\Program Files\Kontor\kontor.exe"),
            profile_dir: None,
        };
        assert_eq!(
            e.windows_command(),
            r#""C:\Program Files\Kontor\kontor.exe" --background"#
        );
        let e = Entry {
            program: PathBuf::from(r"C:\Kontor\kontor.exe"),
            profile_dir: Some(PathBuf::from(r"D:\Profile Alice")),
        };
        assert_eq!(
            e.windows_command(),
            r#"C:\Kontor\kontor.exe --profile-dir "D:\Profile Alice" --background"#
        );
    }

    #[test]
    fn the_desktop_entry_quotes_and_escapes_exec_arguments() {
        let e = Entry {
            program: PathBuf::from("/usr/bin/kontor"),
            profile_dir: Some(PathBuf::from("/home/a/My $Profile 100%")),
        };
        let text = e.desktop_entry();
        assert!(
            text.starts_with("[Desktop Entry]\nType=Application\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "\nExec=/usr/bin/kontor --profile-dir \"/home/a/My \\$Profile 100%%\" --background\n"
            ),
            "{text}"
        );
        let plain = Entry {
            program: PathBuf::from("/usr/bin/kontor"),
            profile_dir: None,
        };
        assert!(
            plain
                .desktop_entry()
                .contains("\nExec=/usr/bin/kontor --background\n")
        );
    }
}
