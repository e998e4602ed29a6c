//! Shared by the ActiveSync live tests: a provisioned session with its folder list, and
//! folder lookup by type.

use kontor_eas::folder_sync::{Change, Folder};
use kontor_eas::sync::{CollectionRequest, LoopGuard, ServerChange, Status};
use kontor_eas::{EasClient, EasConfig, FolderType};
use kontor_live_tests::{SOGO_EAS_URL, User, require_sogo};
use kontor_wbxml::Element;

/// OPTIONS, Provision and a full FolderSync as `user` with its own DeviceId `device`.
pub async fn session(user: User, device: &str) -> (EasClient, Vec<Folder>) {
    require_sogo();
    let cfg = EasConfig::new(SOGO_EAS_URL, user.name, user.password, device)
        .unwrap()
        .device_type("KontorTest");
    let mut c = EasClient::new(cfg).unwrap();
    c.negotiate().await.expect("OPTIONS");
    c.provision().await.expect("Provision");
    let folders = c
        .folder_sync("0")
        .await
        .expect("FolderSync")
        .changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Add(f) => Some(f),
            _ => None,
        })
        .collect();
    (c, folders)
}

/// The ServerId of the first folder of type `t`.
pub fn folder(folders: &[Folder], t: FolderType) -> String {
    folders
        .iter()
        .find(|f| f.folder_type == t)
        .unwrap_or_else(|| panic!("no {t:?} folder"))
        .server_id
        .clone()
}

/// Synchronises collection `id` from key 0 to the end (MoreAvailable loop under a
/// [`LoopGuard`]) and returns the final key and every added or changed item.
#[allow(
    dead_code,
    reason = "each test binary includes this module; the mail tests use their own loop"
)]
#[allow(
    clippy::print_stderr,
    reason = "tells in the test output that SOGo did this"
)]
pub async fn full_sync(c: &mut EasClient, id: &str) -> (String, Vec<(String, Element)>) {
    let mut key = "0".to_string();
    let mut items = Vec::new();
    let mut guard = LoopGuard::new(id);
    let mut restarted = false;
    loop {
        let resp = c
            .sync(&[CollectionRequest::new(id, &key)])
            .await
            .expect("Sync");
        let Some(col) = resp.collection(id) else {
            return (key, items);
        };
        // SOGo sometimes loses its own per-device folder cache and answers a valid key with
        // status 3 (see `command` in eas_contacts_tasks.rs); the client starts again from 0,
        // once (MS-ASCMD 2.2.3.177.17).
        if col.status == Status::InvalidSyncKey && !restarted {
            eprintln!("SOGo answered InvalidSyncKey for key {key}; starting {id} again from 0");
            restarted = true;
            key = "0".to_string();
            items.clear();
            guard = LoopGuard::new(id);
            continue;
        }
        assert_eq!(col.status, Status::Success, "{col:?}");
        guard.observe(&key, col).expect("no loop");
        for ch in &col.changes {
            if let ServerChange::Add { server_id, data }
            | ServerChange::Change { server_id, data } = ch
            {
                items.push((server_id.clone(), data.clone()));
            }
        }
        let first = key == "0";
        key = col.sync_key.clone();
        if !first && !col.more_available {
            return (key, items);
        }
    }
}
