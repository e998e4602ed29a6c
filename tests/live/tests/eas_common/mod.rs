//! Shared by the ActiveSync live tests: a provisioned session with its folder list, and
//! folder lookup by type.

use kontor_eas::folder_sync::{Change, Folder};
use kontor_eas::{EasClient, EasConfig, FolderType};
use kontor_live_tests::{SOGO_EAS_URL, User, require_sogo};

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
