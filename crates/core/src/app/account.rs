//! The account: sign-in and sign-out, the configured account and its folder tree.

use serde::{Deserialize, Serialize};

use super::Kontor;
use crate::error::CoreError;
use crate::profile::AccountConfig;
use crate::secrets;
use crate::store::FolderRow;
use crate::sync::{self, Session};

/// What the account screen submits: the e-mail address and the password, as in Outlook. The
/// server and the user name come only from "Advanced" (or a server address set by policy).
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    /// The e-mail address: Autodiscover looks for its domain's server, and it is the user name
    /// unless `user` says otherwise. May be empty when `server` and `user` are both given.
    pub email: String,
    pub password: String,
    /// The server as typed: a name (`mail.firma.de`), `host:port`, or the full ActiveSync URL.
    /// Empty or absent: Autodiscover finds it.
    #[serde(default)]
    pub server: Option<String>,
    /// The user name, when the server wants another one than the e-mail address.
    #[serde(default)]
    pub user: Option<String>,
}

impl SignIn {
    /// A sign-in to a known server with a user name (the command line, scripts, tests).
    pub fn to_server(server: &str, user: &str, password: &str) -> SignIn {
        SignIn {
            email: String::new(),
            password: password.to_owned(),
            server: Some(server.to_owned()),
            user: Some(user.to_owned()),
        }
    }
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("email", &self.email)
            .field("server", &self.server)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where a sign-in is, for the account screen to say while it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SignInStep {
    /// Autodiscover is looking for the server of the e-mail address.
    FindingServer,
    /// OPTIONS and Provision: the first requests that carry the password.
    CheckingPassword,
    /// FolderSync: the folder tree.
    ReadingFolders,
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

    /// Signs in (see [`Kontor::sign_in_with_progress`]) without reporting the steps.
    pub async fn sign_in(&self, req: SignIn) -> Result<Account, CoreError> {
        self.sign_in_with_progress(req, |_| {}).await
    }

    /// Signs in: finds the server (the one given: a name, `host:port` or a URL; else by
    /// Autodiscover for the e-mail address), checks it (OPTIONS, Provision, FolderSync), and only
    /// when all of that worked stores the password in the keychain, the account in the profile
    /// and the folders in the cache. A failed sign-in leaves the profile as it was. `progress`
    /// hears each step as it starts.
    pub async fn sign_in_with_progress(
        &self,
        req: SignIn,
        progress: impl Fn(SignInStep) + Send + Sync,
    ) -> Result<Account, CoreError> {
        let email = req.email.trim().to_owned();
        let user = req
            .user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(&email)
            .to_owned();
        let server = req
            .server
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if user.is_empty() {
            return Err(CoreError::InvalidInput(
                "the e-mail address is empty".into(),
            ));
        }
        if req.password.is_empty() {
            return Err(CoreError::InvalidInput("the password is empty".into()));
        }
        let server_url = match server {
            Some(s) => sync::server_url_from_input(s)?,
            None => {
                progress(SignInStep::FindingServer);
                sync::autodiscover(&email, &user, &req.password).await?
            }
        };
        progress(SignInStep::CheckingPassword);
        let device_id = self.device_id().await;
        let mut session = Session::connect(&server_url, &user, &req.password, &device_id).await?;
        progress(SignInStep::ReadingFolders);
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
        self.forget_auto_replies().await?;
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
