//! The account and its folders.

use kontor_core::{Account, Folder, IpcError, SignIn};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::events::SignInProgress;
use super::{IpcResult, Shell};

#[tauri::command]
#[specta::specta]
pub async fn account(shell: State<'_, Shell>) -> Result<Option<Account>, IpcError> {
    shell.run(|core| async move { core.account().await }).await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    app: AppHandle,
    shell: State<'_, Shell>,
    request: SignIn,
) -> Result<Account, IpcError> {
    tracing::info!(?request, "sign-in requested");
    // Each step as an event while this command runs: the screen says what it is waiting for.
    let result = shell
        .core()?
        .sign_in_with_progress(request, |step| {
            if let Err(e) = SignInProgress(step).emit(&app) {
                tracing::warn!(error = %e, "sign-in progress not sent");
            }
        })
        .await;
    if let Err(e) = &result {
        tracing::warn!(error = %e, "sign-in failed");
    } else {
        if let Some(r) = &shell.reminders {
            r.refresh.notify_one();
        }
        if let Ok(core) = shell.core() {
            tauri::async_runtime::spawn(start_engine(core));
        }
    }
    result.ipc(&shell)
}

#[tauri::command]
#[specta::specta]
pub async fn folders(shell: State<'_, Shell>) -> Result<Vec<Folder>, IpcError> {
    shell.run(|core| async move { core.folders().await }).await
}

#[tauri::command]
#[specta::specta]
pub async fn refresh_folders(shell: State<'_, Shell>) -> Result<Vec<Folder>, IpcError> {
    shell
        .run(|core| async move { core.refresh_folders().await })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(shell: State<'_, Shell>) -> Result<(), IpcError> {
    shell.run(|core| async move { core.sign_out().await }).await
}

/// Starts the account's sync engine (after sign-in, and at start when an account exists).
/// Its failures arrive as engine events; this only logs that it could not start.
pub async fn start_engine(core: kontor_core::Kontor) {
    match core.start_sync().await {
        Ok(()) => tracing::info!("sync engine started"),
        Err(kontor_core::CoreError::NotSignedIn) => tracing::debug!("no account: no sync"),
        Err(e) => tracing::warn!(error = %e, "the sync engine did not start"),
    }
}
