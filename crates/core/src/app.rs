//! The app API: what the Tauri shell's IPC commands and the command-line flags call. A button
//! and a flag that do the same thing call the same function here.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::engine::calendar::{self as cal_engine, CaldavAccount, CalendarBus, CalendarSyncReport};
use crate::engine::calendar_outbox::{self, AccountKey, PendingChange};
use crate::engine::mail::MailSyncer;
use crate::engine::outbox::build_plain_message;
use crate::engine::scheduler::spawn_account;
use crate::engine::{
    AccountSpec, CollectionSyncer, EngineEvent, EngineHandle, EngineOptions, EventBus,
};
use crate::error::CoreError;
use crate::policy::{EffectiveSettings, Policy, SettingChange, UserSettings, setting_keys};
use crate::profile::{AccountConfig, ProfileFile, ProfilePaths};
use crate::secrets;
use crate::store::{CalendarRow, CalendarSource, OccurrenceRow, OutboxOp};
use crate::store::{FolderRow, Store};
use crate::sync::{self, Session};

/// What the account screen submits.
#[derive(Clone, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub server_url: String,
    pub user: String,
    /// The negotiated ActiveSync version ("14.1"), empty until the first connection.
    pub protocol_version: String,
}

/// What kind of folder, from the ActiveSync folder type (MS-ASCMD 2.2.3.186.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

struct State {
    profile: ProfileFile,
}

/// The running sync engine and what it is started with.
#[derive(Default)]
struct EngineSlot {
    handle: Option<EngineHandle>,
    /// Syncers besides mail (EAS calendar folders), added with [`Kontor::add_syncer`].
    extra: Vec<Arc<dyn CollectionSyncer>>,
}

/// A new message, a reply or a forward, as the compose window submits it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingMail {
    /// The sender address; when empty, the primary address the server reported (Settings
    /// UserInformation), else the account's user name if it is an address, else
    /// `user@<server host without mail./webmail.>`.
    #[serde(default)]
    pub from: String,
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Cached message (`message.id`) this replies to (SmartReply).
    #[serde(default)]
    pub reply_to: Option<i64>,
    /// Cached message this forwards (SmartForward).
    #[serde(default)]
    pub forward_of: Option<i64>,
    /// The saved draft (`message.id`) this message was written in: sending it deletes the
    /// draft.
    #[serde(default)]
    pub draft: Option<i64>,
}

/// A saved draft: its cached message and the outbox operation that stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedDraft {
    pub message_id: i64,
    pub op_id: i64,
}

/// The application core for one profile. Cheap to clone; safe to share between threads.
#[derive(Clone)]
pub struct Kontor {
    paths: ProfilePaths,
    store: Store,
    state: Arc<Mutex<State>>,
    /// Read once when the profile is opened (every start); never copied into settings.
    policy: Arc<Policy>,
    engine: Arc<Mutex<EngineSlot>>,
    events: EventBus,
    calendar_bus: CalendarBus,
    /// One calendar sync at a time (the poller and a manual "sync now" share it).
    calendar_sync: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Kontor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kontor")
            .field("profile", &self.paths.root())
            .finish_non_exhaustive()
    }
}

impl Kontor {
    /// Opens the profile: reads `profile.json` (creating it with a new DeviceId) and opens and
    /// migrates the database.
    pub async fn open(paths: ProfilePaths) -> Result<Kontor, CoreError> {
        let policy = tokio::task::spawn_blocking(Policy::load)
            .await
            .map_err(|e| CoreError::Profile(format!("policy reader failed: {e}")))?;
        Self::open_with_policy(paths, policy).await
    }

    /// [`Kontor::open`] with a given policy instead of the system's (tests, diagnostics).
    pub async fn open_with_policy(
        paths: ProfilePaths,
        policy: Policy,
    ) -> Result<Kontor, CoreError> {
        let profile = {
            let paths = paths.clone();
            tokio::task::spawn_blocking(move || ProfileFile::load_or_create(&paths))
                .await
                .map_err(|e| CoreError::Profile(format!("profile loader failed: {e}")))??
        };
        let store = Store::open(&paths.database()).await?;
        // The user's zone from the start: an event the user makes before any calendar was
        // read is placed in it too (floating and all-day times), not in UTC.
        store.set_local_zone(crate::convert::local_zone());
        Ok(Kontor {
            paths,
            store,
            state: Arc::new(Mutex::new(State { profile })),
            policy: Arc::new(policy),
            engine: Arc::new(Mutex::new(EngineSlot::default())),
            events: EventBus::default(),
            calendar_bus: CalendarBus::new(),
            calendar_sync: Arc::new(Mutex::new(())),
        })
    }

    /// Makes everything written so far durable in the database file itself (SQLite WAL
    /// checkpoint), for when the process is about to be ended from outside (Windows Restart
    /// Manager, session end). The app keeps working afterwards.
    pub async fn save_state(&self) -> Result<(), CoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(self.store.pool())
            .await?;
        tracing::info!("state saved (WAL checkpoint)");
        Ok(())
    }

    /// The machine and user policy read when the profile was opened.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The user's own settings (the `setting` table and the configured account), before policy.
    pub async fn user_settings(&self) -> Result<UserSettings, CoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM setting WHERE key IN (?1, ?2, ?3)")
                .bind(setting_keys::AUTOHIDE_REMINDERS)
                .bind(setting_keys::AUTOHIDE_SECONDS)
                .bind(setting_keys::CALDAV_URL)
                .fetch_all(self.store.pool())
                .await?;
        let mut out = UserSettings {
            server_url: self.account_config().await.map(|a| a.server_url),
            ..UserSettings::default()
        };
        for (key, value) in rows {
            // A value of the wrong shape is ignored (the default applies) rather than fatal.
            let v: serde_json::Value = serde_json::from_str(&value).unwrap_or_default();
            match key.as_str() {
                setting_keys::AUTOHIDE_REMINDERS => out.autohide_reminders = v.as_bool(),
                setting_keys::AUTOHIDE_SECONDS => {
                    out.autohide_seconds = v.as_u64().and_then(|n| u32::try_from(n).ok())
                }
                setting_keys::CALDAV_URL => {
                    out.caldav_url = v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The settings in force: policy over the user's own setting over the default, each with its
    /// source and whether it is locked. The reminder window and the settings screen read this;
    /// see [`EffectiveSettings`] for the JSON the `effective_settings` IPC command returns.
    pub async fn effective_settings(&self) -> Result<EffectiveSettings, CoreError> {
        Ok(self.policy.effective(&self.user_settings().await?))
    }

    /// Changes one of the user's own settings and returns the settings now in force. Refused
    /// ([`CoreError::InvalidInput`]) when the setting is locked by policy or out of range.
    pub async fn set_setting(&self, change: SettingChange) -> Result<EffectiveSettings, CoreError> {
        let now = self.effective_settings().await?;
        let (key, locked, value) = match &change {
            SettingChange::AutohideReminders(b) => (
                setting_keys::AUTOHIDE_REMINDERS,
                now.autohide_reminders.locked,
                serde_json::json!(b),
            ),
            SettingChange::AutohideSeconds(n) => {
                if !(1..=crate::policy::MAX_AUTOHIDE_SECONDS).contains(n) {
                    return Err(CoreError::InvalidInput(format!(
                        "autohide seconds must be 1 to {}, not {n}",
                        crate::policy::MAX_AUTOHIDE_SECONDS
                    )));
                }
                (
                    setting_keys::AUTOHIDE_SECONDS,
                    now.autohide_seconds.locked,
                    serde_json::json!(n),
                )
            }
            SettingChange::CaldavUrl(url) => (
                setting_keys::CALDAV_URL,
                now.caldav_url.locked,
                serde_json::json!(url.as_deref().map(str::trim).filter(|u| !u.is_empty())),
            ),
        };
        if locked {
            return Err(CoreError::InvalidInput(format!(
                "the setting {key} is locked by policy"
            )));
        }
        sqlx::query(
            "INSERT INTO setting (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value.to_string())
        .execute(self.store.pool())
        .await?;
        tracing::info!(%key, %value, "setting changed");
        self.effective_settings().await
    }

    pub fn paths(&self) -> &ProfilePaths {
        &self.paths
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The ActiveSync DeviceId of this profile.
    pub async fn device_id(&self) -> String {
        self.state.lock().await.profile.device_id.clone()
    }

    async fn account_config(&self) -> Option<AccountConfig> {
        self.state.lock().await.profile.accounts.first().cloned()
    }

    /// The configured account, if any.
    pub async fn account(&self) -> Result<Option<Account>, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Ok(None);
        };
        let version: Option<String> = sqlx::query_scalar(
            "SELECT protocol_version FROM account WHERE server_url = ?1 AND username = ?2",
        )
        .bind(&cfg.server_url)
        .bind(&cfg.user)
        .fetch_optional(self.store.pool())
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
        Ok(self
            .store
            .folders(id)
            .await?
            .into_iter()
            .map(|r| Folder::from_row(r, &cfg.user))
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

    /// Forgets the account: password, profile entry and the server mirror. The DeviceId stays.
    pub async fn sign_out(&self) -> Result<(), CoreError> {
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

    // ── Sync engine and outbox ───────────────────────────────────────────────────────────

    /// Starts the background sync of the signed-in account (does nothing if it runs).
    pub async fn start_sync(&self) -> Result<(), CoreError> {
        self.start_sync_with(None, EngineOptions::default()).await
    }

    /// [`start_sync`](Self::start_sync) through another address for the same account (a
    /// proxy, a test's closed port) and with explicit engine options.
    pub async fn start_sync_with(
        &self,
        endpoint: Option<&str>,
        options: EngineOptions,
    ) -> Result<(), CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        let mut slot = self.engine.lock().await;
        if slot.handle.as_ref().is_some_and(EngineHandle::is_running) {
            return Ok(());
        }
        // The keychain (D-Bus Secret Service, Credential Manager) blocks: off the runtime.
        let password = {
            let (url, user) = (cfg.server_url.clone(), cfg.user.clone());
            tokio::task::spawn_blocking(move || secrets::password(&url, &user))
                .await
                .map_err(|e| CoreError::Profile(format!("keychain reader failed: {e}")))??
        }
        .ok_or_else(|| CoreError::AuthFailed {
            detail: "no password for this account in the keychain".into(),
        })?;
        let account_id = match self.store.account_id(&cfg.server_url, &cfg.user).await? {
            Some(id) => id,
            None => {
                self.store
                    .upsert_account(&cfg.server_url, &cfg.user, "", "")
                    .await?
            }
        };
        let mut syncers: Vec<Arc<dyn CollectionSyncer>> = vec![
            Arc::new(MailSyncer),
            Arc::new(cal_engine::CalendarSyncer {
                zone: self.calendar_zone(),
                notices: self.calendar_bus.clone(),
            }),
        ];
        syncers.extend(slot.extra.iter().cloned());
        let spec = AccountSpec {
            account_id,
            endpoint: endpoint.unwrap_or(&cfg.server_url).to_owned(),
            user: cfg.user.clone(),
            password,
            device_id: self.device_id().await,
        };
        let handle = spawn_account(
            spec,
            self.store.clone(),
            self.events.clone(),
            syncers,
            options.clone(),
        );
        // The search indexer runs next to the account task and stops with it.
        crate::engine::scheduler::spawn_indexer(self.store.clone(), handle.shutdown_signal());
        // CalDAV collections are polled next to the account task and stop with it.
        let interval = self.calendar_poll_interval().await?;
        let me = self.clone();
        crate::engine::scheduler::spawn_periodic(
            "caldav",
            interval,
            handle.shutdown_signal(),
            crate::engine::Backoff::new(options.backoff_base, options.backoff_cap),
            move || {
                let me = me.clone();
                async move {
                    let report = me
                        .poll_caldav_once()
                        .await
                        .map_err(crate::engine::EngineError::Core)?;
                    // A calendar that failed is tried again after the backoff, not only at
                    // the next interval.
                    match report.failures.first() {
                        None => Ok(()),
                        Some((_, why)) => {
                            Err(crate::engine::EngineError::Core(CoreError::Server {
                                detail: format!(
                                    "{} calendar(s) not synced: {why}",
                                    report.failures.len()
                                ),
                            }))
                        }
                    }
                }
            },
        );
        slot.handle = Some(handle);
        Ok(())
    }

    /// Stops the background sync and waits until it has stopped.
    pub async fn stop_sync(&self) {
        let handle = self.engine.lock().await.handle.take();
        if let Some(h) = handle {
            h.stop().await;
        }
    }

    /// Registers another kind of folder sync (e.g. EAS calendars); used from the next
    /// [`start_sync`](Self::start_sync) on.
    pub async fn add_syncer(&self, syncer: Arc<dyn CollectionSyncer>) {
        self.engine.lock().await.extra.push(syncer);
    }

    /// Engine events (progress, changes, outbox results, errors) from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// The event bus, for parts that emit their own engine events (calendar polling).
    pub fn event_bus(&self) -> &EventBus {
        &self.events
    }

    async fn current_account_id(&self) -> Result<i64, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        self.store
            .account_id(&cfg.server_url, &cfg.user)
            .await?
            .ok_or(CoreError::NotSignedIn)
    }

    /// Applies `op` to the cache, queues it, and wakes the engine. Returns the outbox id.
    pub async fn enqueue(&self, op: OutboxOp) -> Result<i64, CoreError> {
        let account_id = self.current_account_id().await?;
        // A deferred SQLite transaction that reads first cannot take the write lock while the
        // sync engine or the CalDAV poller commits (SQLITE_BUSY at once, busy_timeout does not
        // apply): the user's action is simply tried again.
        let mut tries = 0;
        let id = loop {
            match self.store.enqueue(account_id, &op).await {
                Err(CoreError::Storage(sqlx::Error::Database(e)))
                    if tries < 20 && e.message().contains("database is locked") =>
                {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(25 * tries)).await;
                }
                other => break other?,
            }
        };
        if let Some(h) = self.engine.lock().await.handle.as_ref() {
            h.wake();
        }
        Ok(id)
    }

    async fn message_ref(&self, message_id: i64) -> Result<(String, String), CoreError> {
        let m = self.store.message(message_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(format!("message {message_id} is not in the cache"))
        })?;
        Ok((m.folder_id, m.server_id))
    }

    /// Marks a cached message read or unread (at once in the cache, then on the server).
    pub async fn mark_read(&self, message_id: i64, read: bool) -> Result<i64, CoreError> {
        let (folder_id, server_id) = self.message_ref(message_id).await?;
        self.enqueue(OutboxOp::MarkRead {
            folder_id,
            server_id,
            read,
        })
        .await
    }

    /// Sets the follow-up flag: 0 none, 1 complete, 2 active (MS-ASEMAIL FlagStatus).
    pub async fn set_flag(&self, message_id: i64, flag_status: i64) -> Result<i64, CoreError> {
        if !(0..=2).contains(&flag_status) {
            return Err(CoreError::InvalidInput(format!(
                "flag status {flag_status} is not 0 (none), 1 (complete) or 2 (active)"
            )));
        }
        let (folder_id, server_id) = self.message_ref(message_id).await?;
        self.enqueue(OutboxOp::Flag {
            folder_id,
            server_id,
            flag_status,
        })
        .await
    }

    /// Moves a cached message to another folder (by the folder's ServerId).
    pub async fn move_message(&self, message_id: i64, to_folder: &str) -> Result<i64, CoreError> {
        let (folder_id, server_id) = self.message_ref(message_id).await?;
        if folder_id == to_folder {
            return Err(CoreError::InvalidInput(
                "the message is already in that folder".into(),
            ));
        }
        self.enqueue(OutboxOp::Move {
            folder_id,
            server_id,
            to_folder_id: to_folder.to_owned(),
        })
        .await
    }

    /// Deletes a cached message (the server moves it to Deleted Items).
    pub async fn delete_message(&self, message_id: i64) -> Result<i64, CoreError> {
        let (folder_id, server_id) = self.message_ref(message_id).await?;
        self.enqueue(OutboxOp::Delete {
            folder_id,
            server_id,
        })
        .await
    }

    /// Sends a message (SendMail), a reply (SmartReply) or a forward (SmartForward) through
    /// the outbox; a copy is kept in Sent. Returns the outbox id.
    pub async fn send_mail(&self, mail: OutgoingMail) -> Result<i64, CoreError> {
        if self.account_config().await.is_none() {
            return Err(CoreError::NotSignedIn);
        }
        if mail.to.iter().chain(&mail.cc).all(|a| a.trim().is_empty()) {
            return Err(CoreError::InvalidInput(
                "the message has no recipient".into(),
            ));
        }
        if mail.reply_to.is_some() && mail.forward_of.is_some() {
            return Err(CoreError::InvalidInput(
                "a message is either a reply or a forward, not both".into(),
            ));
        }
        let from = self.sender(&mail.from).await?;
        if let Some(d) = mail.draft {
            self.draft_row(d).await?;
        }
        let client_id = uuid::Uuid::new_v4().simple().to_string();
        let (_, mime) =
            build_plain_message(&from, &mail.to, &mail.cc, &mail.subject, &mail.body, None);
        let op = match (mail.reply_to, mail.forward_of) {
            (Some(id), _) => {
                let (folder_id, server_id) = self.message_ref(id).await?;
                OutboxOp::Reply {
                    client_id,
                    folder_id,
                    server_id,
                    mime,
                }
            }
            (_, Some(id)) => {
                let (folder_id, server_id) = self.message_ref(id).await?;
                OutboxOp::Forward {
                    client_id,
                    folder_id,
                    server_id,
                    mime,
                }
            }
            _ => OutboxOp::Send {
                client_id,
                mime,
                save_in_sent: true,
            },
        };
        let sent = self.enqueue(op).await?;
        if let Some(d) = mail.draft {
            // Queued after the send: the draft goes only once the message is on its way.
            self.delete_message(d).await?;
        }
        Ok(sent)
    }

    /// The sender address: `from` when given, else the primary address the server reported,
    /// else the user name if it is an address, else `user@<server host>` ([`OutgoingMail`]).
    async fn sender(&self, from: &str) -> Result<String, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        if !from.trim().is_empty() {
            return Ok(from.trim().to_owned());
        }
        let reported = match self.store.account_id(&cfg.server_url, &cfg.user).await? {
            Some(id) => self.store.account_identity(id).await?.0.into_iter().next(),
            None => None,
        };
        Ok(if let Some(primary) = reported {
            primary
        } else if cfg.user.contains('@') {
            cfg.user.clone()
        } else {
            let host = url::Url::parse(&cfg.server_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{}@{}", cfg.user, mail_domain(&host))
        })
    }

    /// Saves the message being written as a draft in the account's Drafts folder: at once in
    /// the cache (a new draft when `draft` is `None`, else the given draft changes), then on
    /// the server where its ActiveSync can store drafts (16.x; below that the draft is kept on
    /// this computer, see store/messages.rs "Drafts"). Recipients may be empty.
    pub async fn save_draft(
        &self,
        mail: OutgoingMail,
        draft: Option<i64>,
    ) -> Result<SavedDraft, CoreError> {
        let account_id = self.current_account_id().await?;
        let (folder_id, server_id) = match draft {
            Some(d) => {
                let m = self.draft_row(d).await?;
                (m.folder_id, m.server_id)
            }
            None => {
                let drafts: Option<String> = sqlx::query_scalar(
                    "SELECT server_id FROM folder WHERE account_id = ?1 AND folder_type = 3
                     ORDER BY server_id LIMIT 1",
                )
                .bind(account_id)
                .fetch_optional(self.store.pool())
                .await?;
                let drafts = drafts.ok_or_else(|| {
                    CoreError::InvalidInput(
                        "the account has no Drafts folder (refresh the folder list)".into(),
                    )
                })?;
                (drafts, String::new())
            }
        };
        // The ClientId of an ActiveSync 16 Sync `Add` (a new draft), and the operation's
        // idempotency key.
        let client_id = uuid::Uuid::new_v4().simple().to_string();
        let from = self.sender(&mail.from).await?;
        let (_, mime) =
            build_plain_message(&from, &mail.to, &mail.cc, &mail.subject, &mail.body, None);
        let op_id = self
            .enqueue(OutboxOp::DraftSave {
                client_id,
                folder_id: folder_id.clone(),
                server_id: server_id.clone(),
                mime,
            })
            .await?;
        let row_id = if server_id.is_empty() {
            format!("local:{op_id}")
        } else {
            server_id
        };
        let row = self
            .store
            .message_by_server_id(account_id, &folder_id, &row_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the saved draft is not in the cache".into()))?;
        Ok(SavedDraft {
            message_id: row.id,
            op_id,
        })
    }

    /// A cached message in a Drafts folder.
    async fn draft_row(&self, message_id: i64) -> Result<crate::store::MessageRow, CoreError> {
        let m = self.store.message(message_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(format!("message {message_id} is not in the cache"))
        })?;
        let kind: Option<i64> = sqlx::query_scalar(
            "SELECT folder_type FROM folder WHERE account_id = ?1 AND server_id = ?2",
        )
        .bind(m.account_id)
        .bind(&m.folder_id)
        .fetch_optional(self.store.pool())
        .await?;
        if kind != Some(3) {
            return Err(CoreError::InvalidInput(format!(
                "message {message_id} is not a draft"
            )));
        }
        Ok(m)
    }
}

/// The mail domain guessed for a user name without one: the server's host without a leading
/// `mail.`/`webmail.`.
fn mail_domain(host: &str) -> String {
    host.trim_start_matches("mail.")
        .trim_start_matches("webmail.")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyValues, Source};

    #[tokio::test]
    async fn settings_follow_policy_and_policy_is_never_stored() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy {
            machine: PolicyValues {
                autohide_reminders: Some(true),
                ..PolicyValues::default()
            },
            ..Policy::default()
        };
        let app = Kontor::open_with_policy(ProfilePaths::new(dir.path()), policy)
            .await
            .unwrap();
        let e = app.effective_settings().await.unwrap();
        assert_eq!(
            (e.autohide_reminders.value, e.autohide_reminders.source),
            (true, Source::MachinePolicy)
        );
        assert!(e.autohide_reminders.locked);
        assert!(!e.autohide_seconds.locked);

        // Locked by policy: refused, nothing written.
        let err = app
            .set_setting(SettingChange::AutohideReminders(false))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("locked by policy"), "{err}");
        let e = app
            .set_setting(SettingChange::AutohideSeconds(42))
            .await
            .unwrap();
        assert_eq!(
            (e.autohide_seconds.value, e.autohide_seconds.source),
            (42, Source::UserSetting)
        );
        assert!(
            app.set_setting(SettingChange::AutohideSeconds(0))
                .await
                .is_err()
        );
        let stored: Vec<String> = sqlx::query_scalar("SELECT key FROM setting ORDER BY key")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
        assert_eq!(stored, vec![setting_keys::AUTOHIDE_SECONDS.to_owned()]);
        app.store().close().await;

        // Without the policy the user's own (never written) choice is the default again.
        let app = Kontor::open_with_policy(ProfilePaths::new(dir.path()), Policy::default())
            .await
            .unwrap();
        let e = app.effective_settings().await.unwrap();
        assert_eq!(
            (e.autohide_reminders.value, e.autohide_reminders.source),
            (false, Source::Default)
        );
        assert_eq!(e.autohide_seconds.value, 42);
    }
}

/// A new or edited event as the UI submits it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDraft {
    pub calendar_id: i64,
    pub summary: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub all_day: bool,
    /// IANA zone the event's wall-clock times belong to; the user's zone when absent.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Minutes before the start; `None` for no reminder.
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
    /// An RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=MO`), or none.
    #[serde(default)]
    pub rrule: Option<String>,
    /// A UID to use for a new event (generated when absent).
    #[serde(default)]
    pub uid: Option<String>,
}

/// An event as stored, for the UI to open and edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRef {
    pub id: i64,
    pub calendar_id: i64,
    pub uid: String,
    /// iCalendar text.
    pub ical: String,
    /// True while a local change waits in the outbox.
    pub pending: bool,
}

/// An answer to a meeting invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingAnswer {
    Accepted,
    Tentative,
    Declined,
}

/// Writes a draft into an item (new or existing master).
fn apply_draft(
    item: &mut kontor_calendar::Item,
    d: &EventDraft,
    zone: &kontor_calendar::Zone,
) -> Result<(), CoreError> {
    use kontor_calendar::{Alarm, DateOrTime, Recurrence};
    if d.end < d.start {
        return Err(CoreError::InvalidInput(
            "the event ends before it starts".into(),
        ));
    }
    let (z, tzid) = match d.time_zone.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => (
            kontor_calendar::tz::zone_by_name(t)
                .ok_or_else(|| CoreError::InvalidInput(format!("unknown time zone \"{t}\"")))?,
            Some(t.to_string()),
        ),
        None => (
            zone.clone(),
            match zone {
                kontor_calendar::Zone::Iana(tz) => Some(tz.name().to_string()),
                _ => None,
            },
        ),
    };
    let when = |t: chrono::DateTime<chrono::Utc>| -> DateOrTime {
        if d.all_day {
            DateOrTime::Date(z.utc_to_local(t).date())
        } else if let Some(tzid) = &tzid {
            DateOrTime::Zoned {
                local: z.utc_to_local(t),
                tzid: tzid.clone(),
            }
        } else {
            DateOrTime::Utc(t)
        }
    };
    item.summary = Some(d.summary.clone()).filter(|s| !s.is_empty());
    item.location = d.location.clone().filter(|s| !s.is_empty());
    item.description = d.description.clone().filter(|s| !s.is_empty());
    item.start = Some(when(d.start));
    let mut end = when(d.end);
    if d.all_day && end == *item.start.as_ref().expect("set") {
        // RFC 5545 §3.6.1: an all-day DTEND is exclusive.
        if let DateOrTime::Date(e) = end {
            end = DateOrTime::Date(e + chrono::TimeDelta::days(1));
        }
    }
    item.end = Some(end);
    item.duration = None;
    item.alarms = d
        .reminder_minutes
        .map(|m| vec![Alarm::minutes_before_start(i64::from(m))])
        .unwrap_or_default();
    item.rrule = match d.rrule.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(r) => Some(
            Recurrence::parse(r)
                .map_err(|e| CoreError::InvalidInput(format!("recurrence rule: {e}")))?,
        ),
        None => None,
    };
    item.dtstamp = Some(chrono::Utc::now());
    Ok(())
}

impl Kontor {
    /// Calendar change notifications (sync results, conflicts, failures).
    pub fn calendar_events(&self) -> &CalendarBus {
        &self.calendar_bus
    }

    /// The user's zone: floating and all-day times are placed in it, and ActiveSync items with
    /// an all-zero TimeZone blob (Kopano/Z-Push) are read in it.
    fn calendar_zone(&self) -> kontor_calendar::Zone {
        let zone = crate::convert::local_zone();
        self.store.set_local_zone(zone.clone());
        zone
    }

    /// Every cached calendar (ActiveSync folders and CalDAV collections).
    pub async fn calendars(&self) -> Result<Vec<CalendarRow>, CoreError> {
        self.store.calendars(None).await
    }

    /// Occurrences overlapping `[from, to)` from the cache, by start (what the materialised
    /// window, now − 7 days … now + 90 days, covers).
    pub async fn occurrences(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<OccurrenceRow>, CoreError> {
        self.store.occurrences_between(from, to).await
    }

    async fn event_row(&self, event_id: i64) -> Result<crate::store::EventRow, CoreError> {
        let sql = "SELECT calendar_id, remote_id FROM event WHERE id = ?1";
        let (cal, remote): (i64, String) = sqlx::query_as(sql)
            .bind(event_id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no event {event_id}")))?;
        self.store
            .event_by_remote_id(cal, &remote)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no event {event_id}")))
    }

    /// One stored event.
    pub async fn event(&self, event_id: i64) -> Result<EventRef, CoreError> {
        let e = self.event_row(event_id).await?;
        Ok(EventRef {
            id: e.id,
            calendar_id: e.calendar_id,
            uid: e.uid,
            ical: e.ical,
            pending: e.local_state != 0,
        })
    }

    async fn writable_calendar(&self, id: i64) -> Result<CalendarRow, CoreError> {
        let cal = self
            .store
            .calendar(id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no calendar {id}")))?;
        if cal.read_only {
            return Err(CoreError::InvalidInput(format!(
                "the calendar \"{}\" is read-only",
                cal.display_name
            )));
        }
        Ok(cal)
    }

    /// Creates an event: in the cache at once, on the server with the next sync.
    pub async fn create_event(&self, draft: EventDraft) -> Result<EventRef, CoreError> {
        let cal = self.writable_calendar(draft.calendar_id).await?;
        let zone = self.calendar_zone();
        let uid = draft
            .uid
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| format!("{}@kontor", uuid::Uuid::new_v4()));
        let mut item = kontor_calendar::Item::new(kontor_calendar::ItemKind::Event, &uid);
        apply_draft(&mut item, &draft, &zone)?;
        let ical = kontor_calendar::Calendar {
            items: vec![item],
            ..Default::default()
        }
        .to_ics();
        crate::engine::calendar_cache::ensure_window(&self.store, &cal).await?;
        let remote_id = calendar_outbox::local_remote_id(&cal, &uid);
        self.store
            .enqueue(
                cal.account_id,
                &OutboxOp::EventCreate {
                    calendar: cal.remote_id.clone(),
                    remote_id: remote_id.clone(),
                    ical,
                },
            )
            .await?;
        self.calendar_bus.emit(cal_engine::CalendarNotice::Changed {
            calendar_ids: vec![cal.id],
        });
        let e = self
            .store
            .event_by_remote_id(cal.id, &remote_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the new event was not stored".into()))?;
        self.event(e.id).await
    }

    /// Changes an event's master (overrides of a series are kept).
    pub async fn update_event(
        &self,
        event_id: i64,
        draft: EventDraft,
    ) -> Result<EventRef, CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        let zone = self.calendar_zone();
        let mut parsed = kontor_calendar::Calendar::parse(&row.ical)
            .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let master = parsed
            .items
            .iter_mut()
            .find(|i| i.uid == row.uid && i.recurrence_id.is_none())
            .ok_or_else(|| CoreError::InvalidInput("the event has no master item".into()))?;
        apply_draft(
            master,
            &EventDraft {
                calendar_id: cal.id,
                ..draft
            },
            &zone,
        )?;
        master.sequence += 1;
        self.store
            .enqueue(
                cal.account_id,
                &OutboxOp::EventUpdate {
                    calendar: cal.remote_id.clone(),
                    remote_id: row.remote_id.clone(),
                    ical: parsed.to_ics(),
                },
            )
            .await?;
        self.calendar_bus.emit(cal_engine::CalendarNotice::Changed {
            calendar_ids: vec![cal.id],
        });
        self.event(event_id).await
    }

    /// Deletes an event (hidden at once, deleted on the server with the next sync).
    pub async fn delete_event(&self, event_id: i64) -> Result<(), CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        self.store
            .enqueue(
                cal.account_id,
                &OutboxOp::EventDelete {
                    calendar: cal.remote_id.clone(),
                    remote_id: row.remote_id.clone(),
                },
            )
            .await?;
        self.calendar_bus.emit(cal_engine::CalendarNotice::Changed {
            calendar_ids: vec![cal.id],
        });
        Ok(())
    }

    /// Answers a meeting invitation. On ActiveSync: MeetingResponse (MS-ASCMD 2.2.1.11) on the
    /// calendar item, then an iTIP REPLY mail to the organizer (subject and text in `lang`);
    /// the server's updated event comes with the next sync. On CalDAV: the
    /// event with the user's PARTSTAT, written like any update (the server's scheduling, RFC
    /// 6638, informs the organizer); the cache shows the answer at once.
    pub async fn respond_to_meeting(
        &self,
        event_id: i64,
        answer: MeetingAnswer,
        lang: crate::i18n::Lang,
    ) -> Result<(), CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self
            .store
            .calendar(row.calendar_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the event's calendar is gone".into()))?;
        let partstat = match answer {
            MeetingAnswer::Accepted => kontor_calendar::PartStat::Accepted,
            MeetingAnswer::Tentative => kontor_calendar::PartStat::Tentative,
            MeetingAnswer::Declined => kontor_calendar::PartStat::Declined,
        };
        let me = self.my_addresses(cal.account_id).await?;
        let mut reply_mail = None;
        let op = match cal.source {
            CalendarSource::Eas => {
                // MeetingResponse records the answer in the user's mailbox; the organizer is
                // told by mail (up to EAS 14.1 the server sends nothing, and Kontor never asks
                // a 16.x server to: MS-ASCMD 2.2.3.163 SendResponse), like Outlook does.
                reply_mail = self.itip_reply_mail(&row.ical, &row.uid, &me, partstat, lang)?;
                OutboxOp::MeetingResponse {
                    folder_id: cal.remote_id.clone(),
                    server_id: row.remote_id.clone(),
                    response: match answer {
                        MeetingAnswer::Accepted => crate::store::Response::Accept,
                        MeetingAnswer::Tentative => crate::store::Response::Tentative,
                        MeetingAnswer::Declined => crate::store::Response::Decline,
                    },
                    uid: row.uid.clone(),
                }
            }
            CalendarSource::Caldav => {
                let cal = self.writable_calendar(cal.id).await?;
                OutboxOp::EventUpdate {
                    calendar: cal.remote_id.clone(),
                    remote_id: row.remote_id.clone(),
                    ical: calendar_outbox::with_partstat(&row.ical, &me, partstat)?,
                }
            }
        };
        self.store.enqueue(cal.account_id, &op).await?;
        if let Some(mail) = reply_mail {
            // Queued after the answer itself, so it goes out only once that is recorded.
            self.store.enqueue(cal.account_id, &mail).await?;
            if let Some(h) = self.engine.lock().await.handle.as_ref() {
                h.wake();
            }
        }
        Ok(())
    }

    /// The addresses that may name the user as an attendee: those the server reported
    /// (Settings UserInformation), the account's user name, that name at the server's host
    /// (with and without `mail.`), and the signed-in account's user.
    async fn my_addresses(&self, account_id: i64) -> Result<Vec<String>, CoreError> {
        let (server_url, user): (String, String) =
            sqlx::query_as("SELECT server_url, username FROM account WHERE id = ?1")
                .bind(account_id)
                .fetch_one(self.store.pool())
                .await?;
        let host = url::Url::parse(&server_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let mut me = self.store.account_identity(account_id).await?.0;
        me.extend([
            user.clone(),
            format!("{user}@{host}"),
            format!("{user}@{}", mail_domain(&host)),
        ]);
        if let Some(cfg) = self.account_config().await {
            me.push(cfg.user.clone());
        }
        Ok(me)
    }

    /// The iTIP REPLY mail (RFC 6047) telling the organizer of `ical` the user's answer, as a
    /// queued send; `None` when the event has no organizer other than the user or does not
    /// list the user as an attendee.
    fn itip_reply_mail(
        &self,
        ical: &str,
        uid: &str,
        me: &[String],
        partstat: kontor_calendar::PartStat,
        lang: crate::i18n::Lang,
    ) -> Result<Option<OutboxOp>, CoreError> {
        let cal = kontor_calendar::Calendar::parse(ical)
            .map_err(|e| CoreError::InvalidInput(format!("the invitation cannot be read: {e}")))?;
        let Some(master) = cal
            .items
            .iter()
            .find(|i| i.uid == uid && i.recurrence_id.is_none())
            .or_else(|| cal.items.iter().find(|i| i.uid == uid))
        else {
            return Ok(None);
        };
        let is_me = |addr: &str| me.iter().any(|m| m.eq_ignore_ascii_case(addr));
        let Some(organizer) = master.organizer.as_ref().filter(|o| !is_me(&o.email)) else {
            return Ok(None);
        };
        let Some(attendee) = master.attendees.iter().find(|a| is_me(&a.email)) else {
            return Ok(None);
        };
        let reply = kontor_calendar::itip::reply(
            &cal,
            uid,
            &attendee.email,
            partstat,
            None,
            chrono::Utc::now(),
        )
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let summary = master.summary.clone().unwrap_or_default();
        let who = attendee
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| attendee.email.clone());
        let (prefix, text) = match partstat {
            kontor_calendar::PartStat::Accepted => (
                lang.pick("Accepted", "Zugesagt"),
                lang.pick("has accepted", "hat zugesagt"),
            ),
            kontor_calendar::PartStat::Tentative => (
                lang.pick("Tentative", "Mit Vorbehalt"),
                lang.pick("has accepted tentatively", "hat mit Vorbehalt zugesagt"),
            ),
            _ => (
                lang.pick("Declined", "Abgesagt"),
                lang.pick("has declined", "hat abgesagt"),
            ),
        };
        let mime = crate::engine::outbox::build_itip_message(
            &attendee.email,
            std::slice::from_ref(&organizer.email),
            &format!("{prefix}: {summary}"),
            &format!("{who} {text}: {summary}"),
            &reply,
        );
        Ok(Some(OutboxOp::Send {
            client_id: uuid::Uuid::new_v4().simple().to_string(),
            mime,
            save_in_sent: true,
        }))
    }

    /// Calendar changes not on the server yet, and parked ones (conflicts, failures).
    pub async fn pending_calendar_changes(&self) -> Result<Vec<PendingChange>, CoreError> {
        calendar_outbox::pending_changes(&self.store).await
    }

    /// The configured CalDAV accounts.
    pub async fn caldav_accounts(&self) -> Result<Vec<CaldavAccount>, CoreError> {
        Ok(
            cal_engine::setting(self.store.pool(), cal_engine::CALDAV_ACCOUNTS_SETTING)
                .await?
                .unwrap_or_default(),
        )
    }

    /// Adds a CalDAV account (SOGo `/SOGo/dav/<user>/`, Radicale `/<user>/`, Kopano
    /// `/caldav/<user>/`): checks it by discovery, then keeps the password in the keychain and
    /// the account in the settings. Returns the calendars found.
    pub async fn add_caldav_account(
        &self,
        url: &str,
        user: &str,
        password: &str,
    ) -> Result<Vec<CalendarRow>, CoreError> {
        let url = crate::sync::normalise_server_url(url)?;
        let dav = cal_engine::dav_client(user, password)?;
        let acct = CaldavAccount {
            url: url.clone(),
            user: user.to_string(),
            extra_calendars: Vec::new(),
        };
        let account_id = self.store.upsert_account(&url, user, "", "").await?;
        let cals = cal_engine::caldav_calendars(&dav, &self.store, account_id, &acct).await?;
        crate::secrets::set_password(&url, user, password)?;
        let mut all = self.caldav_accounts().await?;
        all.retain(|a| !(a.url == url && a.user == user));
        all.push(acct);
        cal_engine::set_setting(self.store.pool(), cal_engine::CALDAV_ACCOUNTS_SETTING, &all)
            .await?;
        Ok(cals)
    }

    /// Opens a colleague's calendar by URL in a CalDAV account (not discoverable on Kopano
    /// and Radicale). Refused when the URL is not a calendar.
    pub async fn add_calendar_by_url(
        &self,
        account_url: &str,
        user: &str,
        calendar_url: &str,
    ) -> Result<Vec<CalendarRow>, CoreError> {
        let mut all = self.caldav_accounts().await?;
        let Some(acct) = all
            .iter_mut()
            .find(|a| a.url == account_url && a.user == user)
        else {
            return Err(CoreError::InvalidInput(format!(
                "no CalDAV account {user} at {account_url}"
            )));
        };
        let password =
            crate::secrets::password(account_url, user)?.ok_or_else(|| CoreError::AuthFailed {
                detail: "no password for this CalDAV account in the keychain".into(),
            })?;
        let dav = cal_engine::dav_client(user, &password)?;
        let u = url::Url::parse(calendar_url)
            .map_err(|e| CoreError::InvalidInput(format!("{calendar_url}: {e}")))?;
        dav.add_calendar(&u)
            .await
            .map_err(crate::engine::calendar_dav::map_dav)?;
        if !acct.extra_calendars.iter().any(|c| c == u.as_str()) {
            acct.extra_calendars.push(u.to_string());
        }
        let acct = acct.clone();
        cal_engine::set_setting(self.store.pool(), cal_engine::CALDAV_ACCOUNTS_SETTING, &all)
            .await?;
        let account_id = self.store.upsert_account(account_url, user, "", "").await?;
        cal_engine::caldav_calendars(&dav, &self.store, account_id, &acct).await
    }

    /// Seconds between CalDAV polls (setting `calendar.poll_seconds`, default 300).
    pub async fn calendar_poll_interval(&self) -> Result<std::time::Duration, CoreError> {
        let s: Option<u64> =
            cal_engine::setting(self.store.pool(), cal_engine::POLL_SECONDS_SETTING).await?;
        Ok(std::time::Duration::from_secs(
            s.filter(|s| *s >= 5)
                .unwrap_or(cal_engine::DEFAULT_POLL_SECONDS),
        ))
    }

    /// One calendar sync of every account: ActiveSync calendar folders (Sync), CalDAV
    /// collections (poll), queued local changes replayed, occurrences re-materialised when the
    /// window moved. An unreachable server is an error of the run only when no account could be
    /// synced; otherwise it is listed in the report's failures.
    pub async fn sync_calendars_once(&self) -> Result<CalendarSyncReport, CoreError> {
        self.calendars_once(true).await
    }

    /// Only the CalDAV accounts (what the poller runs while the account task syncs the
    /// ActiveSync calendar folders itself).
    pub async fn poll_caldav_once(&self) -> Result<CalendarSyncReport, CoreError> {
        self.calendars_once(false).await
    }

    async fn calendars_once(&self, with_eas: bool) -> Result<CalendarSyncReport, CoreError> {
        let _one = self.calendar_sync.lock().await;
        let zone = self.calendar_zone();
        let mut report = CalendarSyncReport::default();
        let mut errors: Vec<CoreError> = Vec::new();
        let mut attempted = 0usize;
        if with_eas && let Some(cfg) = self.account_config().await {
            attempted += 1;
            let res =
                async {
                    self.refresh_folders().await?;
                    let password = crate::secrets::password(&cfg.server_url, &cfg.user)?
                        .ok_or_else(|| CoreError::AuthFailed {
                            detail: "no password for this account in the keychain".into(),
                        })?;
                    let device_id = self.device_id().await;
                    let mut session =
                        Session::connect(&cfg.server_url, &cfg.user, &password, &device_id).await?;
                    let account_id = self
                        .store
                        .account_id(&cfg.server_url, &cfg.user)
                        .await?
                        .ok_or(CoreError::NotSignedIn)?;
                    let key = AccountKey {
                        server_url: cfg.server_url.clone(),
                        user: cfg.user.clone(),
                    };
                    cal_engine::sync_eas(
                        session.client_mut(),
                        &self.store,
                        &key,
                        account_id,
                        &zone,
                        &self.calendar_bus,
                        &mut report,
                    )
                    .await
                }
                .await;
            if let Err(e) = res {
                tracing::warn!(error = %e, "ActiveSync calendars not synced");
                report.failures.push((0, e.to_string()));
                errors.push(e);
            }
        }
        for acct in self.caldav_accounts().await? {
            attempted += 1;
            let res = async {
                let password =
                    crate::secrets::password(&acct.url, &acct.user)?.ok_or_else(|| {
                        CoreError::AuthFailed {
                            detail: "no password for this CalDAV account in the keychain".into(),
                        }
                    })?;
                let dav = cal_engine::dav_client(&acct.user, &password)?;
                let account_id = self
                    .store
                    .upsert_account(&acct.url, &acct.user, "", "")
                    .await?;
                let key = AccountKey {
                    server_url: acct.url.clone(),
                    user: acct.user.clone(),
                };
                cal_engine::sync_caldav(
                    &dav,
                    &self.store,
                    &key,
                    account_id,
                    &acct,
                    &self.calendar_bus,
                    &mut report,
                )
                .await
            }
            .await;
            if let Err(e) = res {
                tracing::warn!(url = %acct.url, error = %e, "CalDAV calendars not synced");
                report.failures.push((0, e.to_string()));
                errors.push(e);
            }
        }
        cal_engine::move_window(&self.store, &self.calendar_bus).await?;
        if attempted > 0 && errors.len() == attempted {
            return Err(errors.remove(0));
        }
        Ok(report)
    }

    /// Starts polling calendars every [`Self::calendar_poll_interval`]; stops when the handle
    /// is aborted or dropped with the runtime.
    pub async fn start_calendar_polling(&self) -> Result<tokio::task::JoinHandle<()>, CoreError> {
        let interval = self.calendar_poll_interval().await?;
        let me = self.clone();
        Ok(cal_engine::spawn_poller(interval, move || {
            let me = me.clone();
            async move { me.sync_calendars_once().await.map(|_| ()) }
        }))
    }
}
