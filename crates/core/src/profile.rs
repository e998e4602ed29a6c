//! Where a user's Kontor data lives, and the small `profile.json` that must outlive the cache.
//!
//! Layout of a profile folder (one per OS user; on a terminal server every session has its own):
//!
//! ```text
//! <profile>/profile.json   DeviceId and account identity (user data; survives a cache reset)
//! <profile>/kontor.db      SQLite: server mirror, outbox, reminder state, settings
//! <profile>/kontor.lock    held (OS file lock) by the one running Kontor of this profile
//! <profile>/logs/          log files
//! <profile>/reset-<UTC>/   a cache moved aside by `kontor --reset-profile` (restorable)
//! ```
//!
//! The folder is `%LOCALAPPDATA%\Kontor\data` on Windows (the `directories` crate's local data dir) and `$XDG_DATA_HOME/kontor` on Linux,
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

    /// The file whose OS lock marks a running instance (see [`InstanceLock`]).
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("kontor.lock")
    }
}

/// Proof that this process is the one Kontor running on a profile.
///
/// One instance per profile, which on a terminal server means one per user session (every
/// session has its own profile folder), never one per machine. The lock is an OS file lock
/// (`flock` on Linux, `LockFileEx` on Windows) on `<profile>/kontor.lock`, so it disappears with
/// the process, also after a crash: a stale lock file never blocks a start. The window holds it
/// for its whole life; `--reset-profile` holds it while it works, so neither can run during the
/// other.
#[derive(Debug)]
pub struct InstanceLock {
    // Closing the file releases the lock.
    _file: std::fs::File,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the profile's instance lock, creating the profile folder if needed. Fails with
    /// [`CoreError::InstanceRunning`] when another process holds it.
    pub fn acquire(paths: &ProfilePaths) -> Result<InstanceLock, CoreError> {
        let io = |context: String| move |source| CoreError::Io { context, source };
        std::fs::create_dir_all(paths.root())
            .map_err(io(format!("creating {}", paths.root().display())))?;
        let path = paths.lock_file();
        // Not truncated on open: the holder's contents stay until the lock is ours.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(format!("opening {}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CoreError::InstanceRunning {
                    profile: paths.root().display().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(CoreError::Io {
                    context: format!("locking {}", path.display()),
                    source,
                });
            }
        }
        // For a person looking at the folder (on Windows the locked file cannot be read by
        // others; nothing depends on these contents).
        let note = format!("pid {}\n", std::process::id());
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all(note.as_bytes()));
        Ok(InstanceLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
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
    fn instance_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path().join("p"));
        let first = InstanceLock::acquire(&paths).unwrap();
        assert_eq!(first.path(), paths.lock_file());
        let err = InstanceLock::acquire(&paths).unwrap_err();
        assert!(
            matches!(err, CoreError::InstanceRunning { ref profile } if profile.ends_with("p")),
            "{err:?}"
        );
        assert!(err.to_string().contains("already running"), "{err}");
        // Another profile of the same user (or another session's profile) is independent.
        let other = ProfilePaths::new(dir.path().join("q"));
        let _second = InstanceLock::acquire(&other).unwrap();
        drop(first);
        let _again = InstanceLock::acquire(&paths).unwrap();
    }

    #[test]
    fn explicit_dir_wins() {
        let p = ProfilePaths::resolve(Some(PathBuf::from("/x/y"))).unwrap();
        assert_eq!(p.database(), PathBuf::from("/x/y/kontor.db"));
    }
}
