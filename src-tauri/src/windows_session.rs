//! Windows Restart Manager support: an MSI upgrade under `msiexec /quiet /norestart` closes
//! the running Kontor and starts it again, instead of scheduling a reboot
//! (docs/deployment.md#the-msi).
//!
//! How it works:
//!
//! 1. At start the app calls `RegisterApplicationRestart` with the arguments that reopen the
//!    same profile (`--profile-dir …` when one was given), so Restart Manager knows how to
//!    start it again after the upgrade. (`RESTART_NO_CRASH | RESTART_NO_HANG`: no restart after
//!    a crash or hang, only after Restart Manager closed it for an update.)
//! 2. Windows Installer, finding `kontor.exe` in use, asks Restart Manager to close it. Restart
//!    Manager sends `WM_QUERYENDSESSION` with `ENDSESSION_CLOSEAPP` in `lParam` to each top-level
//!    window, then `WM_ENDSESSION`. Tao (Tauri's windowing layer) leaves `WM_QUERYENDSESSION` to
//!    `DefWindowProc` and answers `WM_ENDSESSION` on its hidden event window by exiting the
//!    process at once (tao 0.37, `thread_event_target_callback`), without any chance to save.
//! 3. So the main window is subclassed (`SetWindowSubclass`): on `WM_QUERYENDSESSION` Kontor
//!    saves its state (the `save` callback: SQLite WAL checkpoint, log line) and answers TRUE
//!    ("may close"); the process then ends on `WM_ENDSESSION` as tao does it. All windows get
//!    `WM_QUERYENDSESSION` before any gets `WM_ENDSESSION`, so the save always runs first.
//!
//! Outside Windows the plugin does nothing. What could be verified where, see
//! `packaging/windows/README.md` ("Restart Manager").

/// What to do before Windows closes the app (runs on the UI thread; keep it short).
pub type SaveState = std::sync::Arc<dyn Fn() + Send + Sync>;

/// The arguments that reopen the app as it was started (only `--profile-dir` matters).
pub fn restart_arguments(profile_dir: Option<&std::path::Path>) -> String {
    match profile_dir {
        // CommandLineToArgvW quoting: wrap in quotes, double a trailing backslash.
        Some(dir) => {
            let d = dir.display().to_string();
            let d = if d.ends_with('\\') {
                format!("{d}\\")
            } else {
                d
            };
            format!("--profile-dir \"{}\"", d.replace('"', "\\\""))
        }
        None => String::new(),
    }
}

/// A Tauri plugin that registers the restart and hooks the main window (Windows only).
/// `profile_dir`: the `--profile-dir` the app was started with; `core`: the opened profile,
/// whose state is saved before Windows ends the process.
pub fn plugin<R: tauri::Runtime>(
    profile_dir: &Option<std::path::PathBuf>,
    core: Option<kontor_core::Kontor>,
) -> tauri::plugin::TauriPlugin<R> {
    let restart_args = restart_arguments(profile_dir.as_deref());
    let save: SaveState = std::sync::Arc::new(move || {
        if let Some(k) = &core
            && let Err(e) = tauri::async_runtime::block_on(k.save_state())
        {
            tracing::error!(error = %e, "saving state before the session ends failed");
        }
    });
    #[cfg(windows)]
    {
        tauri::plugin::Builder::new("kontor-session")
            .setup(move |_app, _api| {
                if let Err(e) = imp::register_restart(&restart_args) {
                    tracing::warn!(error = %e, "RegisterApplicationRestart failed");
                }
                Ok(())
            })
            .on_window_ready(move |window| {
                if window.label() != "main" {
                    return;
                }
                match window.hwnd() {
                    Ok(hwnd) => {
                        if let Err(e) = imp::hook(hwnd.0, save.clone()) {
                            tracing::warn!(error = %e, "the end-of-session hook is missing");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "no window handle for the hook"),
                }
            })
            .build()
    }
    #[cfg(not(windows))]
    {
        let _ = (restart_args, save);
        tauri::plugin::Builder::new("kontor-session").build()
    }
}

#[cfg(windows)]
#[allow(
    unsafe_code,
    reason = "window subclassing and RegisterApplicationRestart are Win32 calls with no safe \
              wrapper in Tauri, tao or std"
)]
mod imp {
    use std::ffi::c_void;

    use windows_sys::Win32::Foundation::{HWND, LPARAM, LRESULT, WPARAM};
    use windows_sys::Win32::System::Recovery::{
        RESTART_NO_CRASH, RESTART_NO_HANG, RegisterApplicationRestart,
    };
    use windows_sys::Win32::UI::Shell::{DefSubclassProc, RemoveWindowSubclass, SetWindowSubclass};
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        ENDSESSION_CLOSEAPP, WM_ENDSESSION, WM_NCDESTROY, WM_QUERYENDSESSION,
    };

    use super::SaveState;

    /// Our subclass id on the window.
    const SUBCLASS_ID: usize = 0x4b4f_4e54; // "KONT"

    pub(super) fn register_restart(args: &str) -> Result<(), String> {
        let wide: Vec<u16> = args.encode_utf16().chain(std::iter::once(0)).collect();
        // SAFETY: `wide` is a NUL-terminated UTF-16 string that outlives the call (the API
        // copies it).
        let hr = unsafe {
            RegisterApplicationRestart(wide.as_ptr(), RESTART_NO_CRASH | RESTART_NO_HANG)
        };
        if hr == 0 {
            tracing::info!(%args, "restart registered for Restart Manager");
            Ok(())
        } else {
            Err(format!("HRESULT {hr:#x}"))
        }
    }

    pub(super) fn hook(hwnd: *mut c_void, save: SaveState) -> Result<(), String> {
        // Freed in WM_NCDESTROY, when the window goes away.
        let data = Box::into_raw(Box::new(save)) as usize;
        // SAFETY: `hwnd` is the live main window of this thread (Tauri calls on_window_ready
        // on the UI thread); `data` points to a boxed callback owned by the subclass.
        let ok = unsafe { SetWindowSubclass(hwnd as HWND, Some(proc_), SUBCLASS_ID, data) };
        if ok == 0 {
            // SAFETY: the subclass was not installed, so we still own the box.
            drop(unsafe { Box::from_raw(data as *mut SaveState) });
            return Err("SetWindowSubclass failed".into());
        }
        Ok(())
    }

    unsafe extern "system" fn proc_(
        hwnd: HWND,
        msg: u32,
        wparam: WPARAM,
        lparam: LPARAM,
        _id: usize,
        data: usize,
    ) -> LRESULT {
        match msg {
            WM_QUERYENDSESSION => {
                // SAFETY: `data` is the box installed in `hook`, alive until WM_NCDESTROY.
                let save = unsafe { &*(data as *const SaveState) };
                let closeapp = (lparam as u32) & ENDSESSION_CLOSEAPP != 0;
                tracing::info!(closeapp, "Windows asks to end the session; saving state");
                save();
                // TRUE: Kontor may be closed (Restart Manager restarts it after the update).
                1
            }
            WM_ENDSESSION => {
                if wparam != 0 {
                    tracing::info!("session ends; Kontor closes now");
                }
                // SAFETY: forwarding the unchanged message to the next window procedure.
                unsafe { DefSubclassProc(hwnd, msg, wparam, lparam) }
            }
            WM_NCDESTROY => {
                // SAFETY: the window is going away: remove the subclass and free its data.
                unsafe {
                    RemoveWindowSubclass(hwnd, Some(proc_), SUBCLASS_ID);
                    drop(Box::from_raw(data as *mut SaveState));
                    DefSubclassProc(hwnd, msg, wparam, lparam)
                }
            }
            // SAFETY: as above.
            _ => unsafe { DefSubclassProc(hwnd, msg, wparam, lparam) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_arguments_reopen_the_same_profile() {
        assert_eq!(restart_arguments(None), "");
        assert_eq!(
            restart_arguments(Some(std::path::Path::new(r"C:\Users\a b\Kontor"))),
            r#"--profile-dir "C:\Users\a b\Kontor""#
        );
        assert_eq!(
            restart_arguments(Some(std::path::Path::new(r"D:\p\"))),
            r#"--profile-dir "D:\p\\""#
        );
    }
}
