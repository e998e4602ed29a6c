//! The address book (docs/search.md#the-address-book): the company directory's people with what
//! the server says of each, and "Write mail" to one of them. Its recent correspondents are the
//! compose suggestions ([`super::compose::address_suggestions`]). Each command forwards to
//! `kontor_core` (crates/core/src/app/people.rs).

use kontor_core::IpcError;
use kontor_core::app::{ComposeMode, DirectoryPerson, mailto_for};
use tauri::{AppHandle, State};

use super::Shell;

/// The company directory's people for `query` (the server's GAL, from three characters on),
/// with phone, title, company and office where the server sends them; fails when the server
/// cannot be reached or refuses.
#[tauri::command]
#[specta::specta]
pub async fn directory_people(
    shell: State<'_, Shell>,
    query: String,
    limit: u32,
) -> Result<Vec<DirectoryPerson>, IpcError> {
    shell
        .run(|core| async move { core.directory_people(&query, limit).await })
        .await
}

/// Opens a compose window for new mail addressed to `address` (with `name` when it can be
/// carried). Returns the window's label.
#[tauri::command]
#[specta::specta]
pub async fn open_compose_to(
    app: AppHandle,
    shell: State<'_, Shell>,
    name: String,
    address: String,
) -> Result<String, IpcError> {
    let link = mailto_for(&name, &address);
    super::compose::open_window(&app, ComposeMode::New, None, Some(&link)).map_err(|e| {
        shell.error(&kontor_core::CoreError::Io {
            context: "the compose window could not be opened".into(),
            source: std::io::Error::other(e.to_string()),
        })
    })
}
