//! The account: sign-in and sign-out, the configured account and its folder tree.

use serde::{Deserialize, Serialize};

use super::Kontor;
use crate::error::CoreError;
use crate::profile::AccountConfig;
use crate::secrets;
use crate::store::FolderRow;
use crate::sync::{self, Session};

/// What the account screen submits.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    pub server_url: String,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("server_url", &self.server_url)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The signed-in account as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub server_url: String,
    pub user: String,
    /// The negotiated ActiveSync version ("14.1"), empty until the first connection.
    pub protocol_version: String,
}

/// What kind of folder, from the ActiveSync folder type (MS-ASCMD 2.2.3.186.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FolderKind {
    Inbox,
    Drafts,
    Deleted,
    Sent,
    Outbox,
    Mail,
    Calendar,
    Contacts,
    Tasks,
    Notes,
    Journal,
    Other,
}

impl FolderKind {
    pub fn from_eas_type(t: i64) -> FolderKind {
        match t {
            2 => FolderKind::Inbox,
            3 => FolderKind::Drafts,
            4 => FolderKind::Deleted,
            5 => FolderKind::Sent,
            6 => FolderKind::Outbox,
            1 | 12 => FolderKind::Mail,
            8 | 13 => FolderKind::Calendar,
            9 | 14 => FolderKind::Contacts,
            7 | 15 => FolderKind::Tasks,
            10 | 17 => FolderKind::Notes,
            11 | 16 => FolderKind::Journal,
            _ => FolderKind::Other,
        }
    }
}

/// A folder as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    pub id: String,
    /// `None` for a top-level folder.
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: FolderKind,
    /// Unread messages, where known.
    pub unread: Option<u32>,
    /// Whether the folder belongs to someone else (a colleague's calendar).
    pub shared: bool,
}

impl Folder {
    fn from_row(row: FolderRow, user: &str) -> Folder {
        let kind = FolderKind::from_eas_type(row.folder_type);
        let shared = kind == FolderKind::Calendar && sync::looks_shared(&row.display_name, user);
        Folder {
            parent_id: (row.parent_id != "0" && !row.parent_id.is_empty()).then_some(row.parent_id),
            id: row.server_id,
            name: row.display_name,
            kind,
            unread: row.unread,
            shared,
        }
    }
}

impl Kontor {
    /// The configured account, if any.
    pub async fn account(&self) -> Result<Option<Account>, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Ok(None);
        };
        let version = self
            .store
            .account_protocol_version(&cfg.server_url, &cfg.user)
            .await?;
        Ok(Some(Account {
            server_url: cfg.server_url,
            user: cfg.user,
            protocol_version: version.unwrap_or_default(),
        }))
    }

    /// Signs in: checks the server (OPTIONS, Provision, FolderSync), and only when all of that
    /// worked stores the password in the keychain, the account in the profile and the folders
    /// in the cache. A failed sign-in leaves the profile as it was.
    pub async fn sign_in(&self, req: SignIn) -> Result<Account, CoreError> {
        let server_url = sync::normalise_server_url(&req.server_url)?;
        let user = req.user.trim().to_owned();
        if user.is_empty() {
            return Err(CoreError::InvalidInput("the user name is empty".into()));
        }
        if req.password.is_empty() {
            return Err(CoreError::InvalidInput("the password is empty".into()));
        }
        let device_id = self.device_id().await;
        let mut session = Session::connect(&server_url, &user, &req.password, &device_id).await?;
        let hierarchy = session.folder_sync("0").await?;

        secrets::set_password(&server_url, &user, &req.password)?;
        let account_id = self
            .store
            .upsert_account(
                &server_url,
                &user,
                session.protocol_version(),
                session.policy_key(),
            )
            .await?;
        self.store
            .apply_folder_sync(account_id, &hierarchy.sync_key, true, &hierarchy.changes)
            .await?;
        if let Some((addresses, name)) = session.user_identity().await {
            self.store
                .set_account_identity(account_id, &addresses, &name)
                .await?;
        }
        {
            let mut state = self.state.lock().await;
            let mut profile = state.profile.clone();
            profile.accounts = vec![AccountConfig {
                server_url: server_url.clone(),
                user: user.clone(),
            }];
            let paths = self.paths.clone();
            let saved = profile.clone();
            tokio::task::spawn_blocking(move || saved.save(&paths))
                .await
                .map_err(|e| CoreError::Profile(format!("profile writer failed: {e}")))??;
            state.profile = profile;
        }
        tracing::info!(%server_url, %user, version = session.protocol_version(), "signed in");
        Ok(Account {
            server_url,
            user,
            protocol_version: session.protocol_version().to_owned(),
        })
    }

    /// The cached folder tree of the account.
    pub async fn folders(&self) -> Result<Vec<Folder>, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        let Some(id) = self.store.account_id(&cfg.server_url, &cfg.user).await? else {
            return Ok(Vec::new());
        };
        let unread = self.store.unread_counts(id).await?;
        Ok(self
            .store
            .folders(id)
            .await?
            .into_iter()
            .map(|r| {
                let mut f = Folder::from_row(r, &cfg.user);
                // Mail folders count their unread messages in the cache; others stay unknown.
                if matches!(
                    f.kind,
                    FolderKind::Inbox
                        | FolderKind::Drafts
                        | FolderKind::Deleted
                        | FolderKind::Sent
                        | FolderKind::Outbox
                        | FolderKind::Mail
                ) {
                    f.unread = Some(unread.get(&f.id).copied().unwrap_or(0));
                }
                f
            })
            .collect())
    }

    /// Asks the server for hierarchy changes and returns the updated tree.
    pub async fn refresh_folders(&self) -> Result<Vec<Folder>, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        let password = secrets::password(&cfg.server_url, &cfg.user)?.ok_or_else(|| {
            CoreError::AuthFailed {
                detail: "no password for this account in the keychain".into(),
            }
        })?;
        let device_id = self.device_id().await;
        let mut session =
            Session::connect(&cfg.server_url, &cfg.user, &password, &device_id).await?;
        let account_id = self
            .store
            .upsert_account(
                &cfg.server_url,
                &cfg.user,
                session.protocol_version(),
                session.policy_key(),
            )
            .await?;
        if self.store.account_identity(account_id).await?.0.is_empty()
            && let Some((addresses, name)) = session.user_identity().await
        {
            self.store
                .set_account_identity(account_id, &addresses, &name)
                .await?;
        }
        let key = self.store.folder_sync_key(account_id).await?;
        let (full, hierarchy) = match session.folder_sync(&key).await {
            Ok(h) => (key == "0", h),
            // MS-ASCMD 2.2.3.177.5 Status 9: the key is no longer valid: start over.
            Err(CoreError::Protocol { .. }) | Err(CoreError::Server { .. }) if key != "0" => {
                tracing::warn!("folder sync key rejected; re-reading the hierarchy");
                (true, session.folder_sync("0").await?)
            }
            Err(e) => return Err(e),
        };
        self.store
            .apply_folder_sync(account_id, &hierarchy.sync_key, full, &hierarchy.changes)
            .await?;
        self.folders().await
    }

    /// Stops the background sync and forgets the account: password, profile entry and the server
    /// mirror. The DeviceId stays.
    pub async fn sign_out(&self) -> Result<(), CoreError> {
        // The engine of the account stops first: nothing writes to the rows deleted below.
        self.stop_sync().await;
        let Some(cfg) = self.account_config().await else {
            return Ok(());
        };
        secrets::forget(&cfg.server_url, &cfg.user)?;
        if let Some(id) = self.store.account_id(&cfg.server_url, &cfg.user).await? {
            self.store.delete_account(id).await?;
        }
        let mut state = self.state.lock().await;
        let mut profile = state.profile.clone();
        profile.accounts.clear();
        let paths = self.paths.clone();
        let saved = profile.clone();
        tokio::task::spawn_blocking(move || saved.save(&paths))
            .await
            .map_err(|e| CoreError::Profile(format!("profile writer failed: {e}")))??;
        state.profile = profile;
        Ok(())
    }
}
