//! The IPC surface the front end (`ui/src/lib/api.ts`) calls. Each command forwards to one
//! `kontor_core::Kontor` method and returns `Result<T, IpcError>`; errors are localized in the
//! language the UI last announced with `set_language`.

use std::sync::{Arc, RwLock};

use kontor_core::{Account, CoreError, Folder, IpcError, Kontor, Lang, SignIn};
use tauri::State;

/// Shared by every command: the opened core (or why it could not be opened) and the UI language.
#[derive(Debug)]
pub struct Shell {
    core: Result<Kontor, Arc<CoreError>>,
    lang: RwLock<Lang>,
}

impl Shell {
    pub fn new(core: Result<Kontor, CoreError>, lang: Lang) -> Self {
        Shell {
            core: core.map_err(Arc::new),
            lang: RwLock::new(lang),
        }
    }

    fn lang(&self) -> Lang {
        // A poisoned lock only means a panic elsewhere; the value is still a valid Lang.
        *self.lang.read().unwrap_or_else(|e| e.into_inner())
    }

    fn ipc(&self, err: &CoreError) -> IpcError {
        err.to_ipc(self.lang())
    }

    /// The core, or the start-up error (e.g. an unreadable profile) for every command to show.
    fn core(&self) -> Result<Kontor, IpcError> {
        match &self.core {
            Ok(k) => Ok(k.clone()),
            Err(e) => Err(self.ipc(e)),
        }
    }
}

#[tauri::command]
pub fn set_language(shell: State<'_, Shell>, lang: Lang) {
    *shell.lang.write().unwrap_or_else(|e| e.into_inner()) = lang;
}

#[tauri::command]
pub async fn account(shell: State<'_, Shell>) -> Result<Option<Account>, IpcError> {
    shell.core()?.account().await.map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn sign_in(shell: State<'_, Shell>, request: SignIn) -> Result<Account, IpcError> {
    tracing::info!(server = %request.server_url, user = %request.user, "sign-in requested");
    let result = shell.core()?.sign_in(request).await;
    if let Err(e) = &result {
        tracing::warn!(error = %e, "sign-in failed");
    }
    result.map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn folders(shell: State<'_, Shell>) -> Result<Vec<Folder>, IpcError> {
    shell.core()?.folders().await.map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn refresh_folders(shell: State<'_, Shell>) -> Result<Vec<Folder>, IpcError> {
    shell
        .core()?
        .refresh_folders()
        .await
        .map_err(|e| shell.ipc(&e))
}

#[tauri::command]
pub async fn sign_out(shell: State<'_, Shell>) -> Result<(), IpcError> {
    shell.core()?.sign_out().await.map_err(|e| shell.ipc(&e))
}

/// The settings in force (policy over the user's own choice over the default), each with its
/// source and lock. See `kontor_core::policy::EffectiveSettings` for the JSON.
#[tauri::command]
pub async fn effective_settings(
    shell: State<'_, Shell>,
) -> Result<kontor_core::policy::EffectiveSettings, IpcError> {
    shell
        .core()?
        .effective_settings()
        .await
        .map_err(|e| shell.ipc(&e))
}

/// Changes one of the user's own settings; refused when policy locks it.
#[tauri::command]
pub async fn set_setting(
    shell: State<'_, Shell>,
    change: kontor_core::policy::SettingChange,
) -> Result<kontor_core::policy::EffectiveSettings, IpcError> {
    shell
        .core()?
        .set_setting(change)
        .await
        .map_err(|e| shell.ipc(&e))
}
