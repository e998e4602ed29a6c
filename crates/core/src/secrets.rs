//! Account passwords in the operating system's keychain (keyring-core): the Secret Service
//! (GNOME Keyring, KWallet) on Linux and the Credential Manager on Windows. Passwords are never
//! written to SQLite, profile.json, logs or settings.

use keyring_core::Entry;

use crate::error::CoreError;

/// The keychain service name every Kontor entry uses.
pub const SERVICE: &str = "Kontor";

/// Installs the platform credential store as keyring-core's default. Call once at start-up,
/// before any password is read or written.
pub fn use_platform_store() -> Result<(), CoreError> {
    #[cfg(target_os = "linux")]
    {
        let store = dbus_secret_service_keyring_store::Store::new().map_err(CoreError::Keychain)?;
        keyring_core::set_default_store(store);
        Ok(())
    }
    #[cfg(target_os = "windows")]
    {
        let store = windows_native_keyring_store::Store::new().map_err(CoreError::Keychain)?;
        keyring_core::set_default_store(store);
        Ok(())
    }
    #[cfg(not(any(target_os = "linux", target_os = "windows")))]
    {
        Err(CoreError::Keychain(keyring_core::Error::NoDefaultStore))
    }
}

/// The keychain entry name for one account: `user@server-url`.
fn entry(server_url: &str, user: &str) -> Result<Entry, CoreError> {
    Entry::new(SERVICE, &format!("{user}@{server_url}")).map_err(CoreError::Keychain)
}

/// Stores (or replaces) an account's password.
pub fn set_password(server_url: &str, user: &str, password: &str) -> Result<(), CoreError> {
    entry(server_url, user)?
        .set_password(password)
        .map_err(CoreError::Keychain)
}

/// Reads an account's password; `Ok(None)` when the keychain has none.
pub fn password(server_url: &str, user: &str) -> Result<Option<String>, CoreError> {
    match entry(server_url, user)?.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(CoreError::Keychain(e)),
    }
}

/// Removes an account's password; absent is fine.
pub fn forget(server_url: &str, user: &str) -> Result<(), CoreError> {
    match entry(server_url, user)?.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(e) => Err(CoreError::Keychain(e)),
    }
}
