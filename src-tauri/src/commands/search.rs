//! Searching the server (docs/search.md#searching-the-server): the search box's "Search on the
//! server" row and opening one of its hits. Each command forwards to `kontor_core`
//! (crates/core/src/app/server_search.rs). The local search is part of `list_messages`.

use kontor_core::app::{MessageSearch, ServerSearchResult};
use kontor_core::{IpcError, MessageView};
use tauri::State;

use super::Shell;

/// Asks the server for the messages of a search (in `folder_id`, or every folder with "All
/// folders") and returns the hits the cache does not hold; fails plainly when the server cannot
/// be reached.
#[tauri::command]
#[specta::specta]
pub async fn server_search(
    shell: State<'_, Shell>,
    folder_id: String,
    search: MessageSearch,
) -> Result<ServerSearchResult, IpcError> {
    shell
        .run(|core| async move { core.server_search(&folder_id, &search).await })
        .await
}

/// Fetches a server search hit and returns it for the reading pane under a new negative id
/// (the reading pane's commands take that id like a cached message's); nothing is cached.
#[tauri::command]
#[specta::specta]
pub async fn open_server_hit(
    shell: State<'_, Shell>,
    long_id: String,
    folder_id: String,
    allow_remote: bool,
) -> Result<MessageView, IpcError> {
    shell
        .run(|core| async move {
            core.open_server_hit(&long_id, &folder_id, allow_remote)
                .await
        })
        .await
}
