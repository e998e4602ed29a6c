//! Where a user's Kontor data lives, and the small `profile.json` that must outlive the cache.
//!
//! Layout of a profile folder (one per OS user; on a terminal server every session has its own):
//!
//! ```text
//! <profile>/profile.json   DeviceId and account identity (user data; survives a cache reset)
//! <profile>/kontor.db      SQLite: server mirror, outbox, reminder state, settings
//! <profile>/logs/          log files
//! ```
//!
//! The folder is `%LOCALAPPDATA%\Kontor` on Windows and `$XDG_DATA_HOME/kontor` on Linux,
//! unless `--profile-dir` or `KONTOR_PROFILE_DIR` names another one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// Environment variable that overrides the profile folder.
pub const PROFILE_DIR_ENV: &str = "KONTOR_PROFILE_DIR";

/// Paths of one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePaths {
    root: PathBuf,
}

impl ProfilePaths {
    /// A profile rooted at `root` (created on first use).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ProfilePaths { root: root.into() }
    }

    /// Resolves the profile folder: the explicit `dir` (from the command line) first, then
    /// `KONTOR_PROFILE_DIR`, then the operating system's per-user local data folder.
    pub fn resolve(dir: Option<PathBuf>) -> Result<Self, CoreError> {
        if let Some(dir) = dir {
            return Ok(Self::new(dir));
        }
        if let Some(dir) = std::env::var_os(PROFILE_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(Self::new(PathBuf::from(dir)));
        }
        let dirs = directories::ProjectDirs::from("", "", "Kontor").ok_or_else(|| {
            CoreError::Profile("the operating system reports no home folder for this user".into())
        })?;
        Ok(Self::new(dirs.data_local_dir()))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn database(&self) -> PathBuf {
        self.root.join("kontor.db")
    }

    pub fn profile_file(&self) -> PathBuf {
        self.root.join("profile.json")
    }

    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
}

/// One configured account's identity. The password is in the OS keychain, never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountConfig {
    pub server_url: String,
    pub user: String,
}

/// The contents of `profile.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileFile {
    pub version: u32,
    /// The ActiveSync DeviceId. Stable for the life of the profile: Z-Push keeps shared
    /// folders and partnerships per DeviceId, so a cache reset must keep it.
    pub device_id: String,
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
}

impl ProfileFile {
    fn fresh() -> Self {
        ProfileFile {
            version: 1,
            device_id: new_device_id(),
            accounts: Vec::new(),
        }
    }

    /// Loads `profile.json`, creating it with a new DeviceId when it does not exist.
    pub fn load_or_create(paths: &ProfilePaths) -> Result<Self, CoreError> {
        let file = paths.profile_file();
        match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| CoreError::Profile(format!("{} is not valid: {e}", file.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let fresh = Self::fresh();
                fresh.save(paths)?;
                Ok(fresh)
            }
            Err(e) => Err(CoreError::Io {
                context: format!("reading {}", file.display()),
                source: e,
            }),
        }
    }

    /// Writes `profile.json` atomically (temporary file, fsync, rename).
    pub fn save(&self, paths: &ProfilePaths) -> Result<(), CoreError> {
        let io = |context: String| move |source| CoreError::Io { context, source };
        std::fs::create_dir_all(paths.root())
            .map_err(io(format!("creating {}", paths.root().display())))?;
        let file = paths.profile_file();
        let tmp = file.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(self).expect("profile serialises");
        let mut f =
            std::fs::File::create(&tmp).map_err(io(format!("creating {}", tmp.display())))?;
        f.write_all(&json)
            .map_err(io(format!("writing {}", tmp.display())))?;
        f.sync_all()
            .map_err(io(format!("syncing {}", tmp.display())))?;
        drop(f);
        std::fs::rename(&tmp, &file).map_err(io(format!("replacing {}", file.display())))?;
        Ok(())
    }
}

/// A new DeviceId: 32 upper-case hex digits, within MS-ASCMD's 32-character limit and made
/// only of characters every server accepts in the query string.
fn new_device_id() -> String {
    uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_id_is_stable_across_loads() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path().join("p"));
        let a = ProfileFile::load_or_create(&paths).unwrap();
        let b = ProfileFile::load_or_create(&paths).unwrap();
        assert_eq!(a.device_id, b.device_id);
        assert_eq!(a.device_id.len(), 32);
        assert!(a.device_id.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn corrupt_profile_is_a_clear_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path());
        std::fs::write(paths.profile_file(), b"{not json").unwrap();
        let err = ProfileFile::load_or_create(&paths).unwrap_err();
        assert!(err.to_string().contains("profile.json"), "{err}");
        assert_eq!(std::fs::read(paths.profile_file()).unwrap(), b"{not json");
    }

    #[test]
    fn explicit_dir_wins() {
        let p = ProfilePaths::resolve(Some(PathBuf::from("/x/y"))).unwrap();
        assert_eq!(p.database(), PathBuf::from("/x/y/kontor.db"));
    }
}
