//! The HTTP side of ActiveSync (MS-ASHTTP): with [`crate::autodiscover`], the I/O of this crate.
//!
//! Every command is a POST to the endpoint with `Cmd`, `User`, `DeviceId` and `DeviceType` in
//! the query (plain form, MS-ASHTTP 2.2.1.1.1.2, or the base64 form, 2.2.1.1.1.1), Basic
//! authentication, `MS-ASProtocolVersion` and `X-MS-PolicyKey` headers and a WBXML body.

use std::time::Duration;

use base64::Engine as _;
use kontor_net::{ClientOptions, NetError};
use kontor_wbxml::{Document, Element, encode};
use reqwest::StatusCode;
use url::Url;

use crate::error::EasError;
use crate::provision::{self, PolicyStatus};
use crate::version::ProtocolVersion;
use crate::{
    compose, estimate, find, folder_ops, folder_sync, item_operations, meeting_response,
    move_items, ping, resolve_recipients, search, settings, sync,
};

/// The path ActiveSync lives under when the user gives only a host.
pub const ENDPOINT_PATH: &str = "/Microsoft-Server-ActiveSync";
const WBXML_CONTENT_TYPE: &str = "application/vnd.ms-sync.wbxml";
/// Default per-request timeout (Ping computes its own from the heartbeat).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How the command parameters travel in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryForm {
    /// `?Cmd=Sync&User=…&DeviceId=…&DeviceType=…` (MS-ASHTTP 2.2.1.1.1.2).
    #[default]
    Plain,
    /// One base64 blob carrying version, command, device and policy key (MS-ASHTTP 2.2.1.1.1.1).
    Base64,
}

/// Connection settings for one account on one device.
#[derive(Debug, Clone)]
pub struct EasConfig {
    endpoint: Url,
    user: String,
    password: String,
    device_id: String,
    device_type: String,
    user_agent: String,
    query_form: QueryForm,
    timeout: Duration,
}

impl EasConfig {
    /// Settings for `server_url`, which may be a bare host URL (`https://mail.example.com`,
    /// `/Microsoft-Server-ActiveSync` is appended) or the full endpoint URL (used as given).
    ///
    /// `device_id` must stay the same for the life of a profile (Z-Push keys shared folders and
    /// policy state by it): 1–32 ASCII letters and digits.
    pub fn new(
        server_url: &str,
        user: &str,
        password: &str,
        device_id: &str,
    ) -> Result<Self, EasError> {
        let endpoint = endpoint_url(server_url)?;
        if device_id.is_empty()
            || device_id.len() > 32
            || !device_id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(EasError::InvalidUrl {
                url: server_url.into(),
                detail: format!("the device ID \"{device_id}\" must be 1 to 32 letters and digits"),
            });
        }
        if user.is_empty() {
            return Err(EasError::InvalidUrl {
                url: server_url.into(),
                detail: "the user name is empty".into(),
            });
        }
        Ok(EasConfig {
            endpoint,
            user: user.into(),
            password: password.into(),
            device_id: device_id.into(),
            device_type: "Kontor".into(),
            user_agent: format!("Kontor/{}", env!("CARGO_PKG_VERSION")),
            query_form: QueryForm::Plain,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// DeviceType reported to the server (default `Kontor`).
    pub fn device_type(mut self, device_type: &str) -> Self {
        self.device_type = device_type.into();
        self
    }

    /// User-Agent header (default `Kontor/<version>`).
    pub fn user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Plain or base64 query form.
    pub fn query_form(mut self, form: QueryForm) -> Self {
        self.query_form = form;
        self
    }

    /// Per-request timeout for everything but Ping (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The endpoint URL requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }
}

fn endpoint_url(server_url: &str) -> Result<Url, EasError> {
    let invalid = |detail: String| EasError::InvalidUrl {
        url: server_url.into(),
        detail,
    };
    let mut url = Url::parse(server_url.trim()).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme must be https or http, not {}",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it names no server".into()));
    }
    url.set_query(None);
    url.set_fragment(None);
    if url.path().is_empty() || url.path() == "/" {
        url.set_path(ENDPOINT_PATH);
    }
    Ok(url)
}

/// What OPTIONS told us about the server (MS-ASHTTP 2.2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// `MS-ASProtocolVersions`, in the server's order.
    pub versions: Vec<String>,
    /// `MS-ASProtocolCommands`.
    pub commands: Vec<String>,
    /// The version this client chose.
    pub chosen: ProtocolVersion,
}

impl ServerInfo {
    /// True when the server lists `command` (e.g. `"ItemOperations"`).
    pub fn supports(&self, command: &str) -> bool {
        self.commands
            .iter()
            .any(|c| c.eq_ignore_ascii_case(command))
    }
}

/// Result of a successful provisioning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionOutcome {
    /// The policy key now sent with every request (`"0"` when the server has no policy).
    pub policy_key: String,
    /// Whether the server had a policy for this device (`NoPolicy` on SOGo).
    pub policy_status: PolicyStatus,
    /// The policy settings as sent (`EASProvisionDoc` children: name, value).
    pub settings: Vec<(String, String)>,
}

/// Extra command parameters of the query string (MS-ASHTTP 2.2.1.1.1.2.x), used by the
/// 12.x forms of SendMail/SmartReply/SmartForward and by GetAttachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    AttachmentName,
    CollectionId,
    ItemId,
    LongId,
    Occurrence,
    /// `SaveInSent=T`.
    SaveInSent,
}

impl Param {
    fn name(self) -> &'static str {
        match self {
            Param::AttachmentName => "AttachmentName",
            Param::CollectionId => "CollectionId",
            Param::ItemId => "ItemId",
            Param::LongId => "LongId",
            Param::Occurrence => "Occurrence",
            Param::SaveInSent => "SaveInSent",
        }
    }

    /// Tag in the base64 form (MS-ASHTTP 2.2.1.1.1.1.3).
    fn code(self) -> u8 {
        match self {
            Param::AttachmentName => 0,
            Param::CollectionId => 1,
            Param::ItemId => 3,
            Param::LongId => 4,
            Param::Occurrence => 6,
            Param::SaveInSent => 7,
        }
    }
}

/// Command codes for the base64 query form (MS-ASHTTP 2.2.1.1.1.1.2).
fn command_code(cmd: &str) -> Option<u8> {
    Some(match cmd {
        "Sync" => 0,
        "SendMail" => 1,
        "SmartForward" => 2,
        "SmartReply" => 3,
        "GetAttachment" => 4,
        "FolderSync" => 9,
        "FolderCreate" => 10,
        "FolderDelete" => 11,
        "FolderUpdate" => 12,
        "MoveItems" => 13,
        "GetItemEstimate" => 14,
        "MeetingResponse" => 15,
        "Search" => 16,
        "Settings" => 17,
        "Ping" => 18,
        "ItemOperations" => 19,
        "Provision" => 20,
        "ResolveRecipients" => 21,
        "ValidateCert" => 22,
        _ => return None,
    })
}

/// An ActiveSync session for one account: configuration, negotiated version and policy key.
///
/// Methods take `&mut self` because the policy key and version change as the session goes.
/// For a Ping running beside Syncs, clone the client (the HTTP connection pool is shared).
#[derive(Debug, Clone)]
pub struct EasClient {
    http: reqwest::Client,
    cfg: EasConfig,
    version: ProtocolVersion,
    policy_key: String,
    /// The newest policy key of any client of this process for the same endpoint, user and
    /// device ([`shared_policy_key`]).
    shared_key: SharedKey,
    server: Option<ServerInfo>,
    accept_multipart: bool,
}

/// What the clients of one device in this process share: the newest policy key, and a lock so
/// that only one of them provisions at a time.
#[derive(Debug, Default)]
struct DeviceKey {
    key: std::sync::Mutex<String>,
    provisioning: tokio::sync::Mutex<()>,
    /// The `EASProvisionDoc` settings of the newest Provision of this device in this process
    /// (empty for a server without a policy); `None` until one was made.
    policy: std::sync::Mutex<Option<Vec<(String, String)>>>,
}

type SharedKey = std::sync::Arc<DeviceKey>;

/// The policy key all clients of this process share for one endpoint, user and DeviceId.
///
/// A server keeps one policy key per device (Z-Push: the newest Provision wins), and the app
/// runs several sessions of one device at once (the sync engine's, the window's fetches). A
/// session that provisions makes the others' key stale; each of them, told so (HTTP 449),
/// provisioned in turn and made the first one's stale again, and a command whose one retry met
/// the other session's new Provision failed. A client told its key is stale now first takes
/// the key another session got, and provisions only when there is none newer. Provisions are
/// serialised: two sessions told at the same moment that their key is stale provisioned at
/// once, and the second Provision made the first one's fresh key stale again (seen on Z-Push,
/// where the engine, the window's fetch session and the calendar sync start together).
fn shared_policy_key(cfg: &EasConfig) -> SharedKey {
    type Registry = std::collections::HashMap<(String, String, String), SharedKey>;
    static KEYS: std::sync::LazyLock<std::sync::Mutex<Registry>> =
        std::sync::LazyLock::new(Default::default);
    let id = (
        cfg.endpoint.as_str().to_owned(),
        cfg.user.clone(),
        cfg.device_id.clone(),
    );
    match KEYS.lock() {
        Ok(mut keys) => keys.entry(id).or_default().clone(),
        // A panic elsewhere while holding the lock: this client keeps its own key.
        Err(_) => SharedKey::default(),
    }
}

impl EasClient {
    /// A client with its own HTTP client from `kontor_net` (no overall timeout: each request
    /// sets one, so Ping can wait as long as its heartbeat).
    pub fn new(cfg: EasConfig) -> Result<Self, EasError> {
        let http = kontor_net::client(&ClientOptions {
            timeout: None,
            user_agent: cfg.user_agent.clone(),
            ..ClientOptions::default()
        })?;
        Ok(Self::with_http(cfg, http))
    }

    /// A client over an existing HTTP client.
    pub fn with_http(cfg: EasConfig, http: reqwest::Client) -> Self {
        EasClient {
            http,
            shared_key: shared_policy_key(&cfg),
            cfg,
            version: ProtocolVersion::V14_1,
            policy_key: "0".into(),
            server: None,
            accept_multipart: false,
        }
    }

    /// The endpoint URL (after any 451 redirect).
    pub fn url(&self) -> &str {
        self.cfg.endpoint.as_str()
    }

    /// The protocol version in use (`"14.1"` until [`negotiate`](Self::negotiate) says otherwise).
    pub fn protocol_version(&self) -> &str {
        self.version.as_str()
    }

    /// The protocol version in use.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// Forces a protocol version (e.g. one remembered from an earlier session).
    pub fn set_version(&mut self, v: ProtocolVersion) {
        self.version = v;
    }

    /// The current policy key (`"0"` before provisioning).
    pub fn policy_key(&self) -> &str {
        &self.policy_key
    }

    /// Restores a policy key remembered from an earlier session.
    pub fn set_policy_key(&mut self, key: &str) {
        self.policy_key = key.into();
        self.share_policy_key();
    }

    /// What OPTIONS reported, after [`negotiate`](Self::negotiate).
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.server.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &EasConfig {
        &self.cfg
    }

    /// OPTIONS: the protocol versions and commands the server offers (MS-ASHTTP 2.2.4).
    pub async fn options(&self) -> Result<ServerInfo, EasError> {
        let request = || {
            self.http
                .request(reqwest::Method::OPTIONS, self.cfg.endpoint.clone())
                .basic_auth(&self.cfg.user, Some(&self.cfg.password))
                .timeout(self.cfg.timeout)
                .send()
        };
        let resp = match request().await {
            Err(e) if kontor_net::is_connection_dropped(&e) => request().await,
            other => other,
        }
        .map_err(NetError::from)?;
        let status = resp.status();
        self.check_status(&resp)?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let list = |s: Option<String>| -> Vec<String> {
            s.map(|s| {
                s.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default()
        };
        let versions = list(header("MS-ASProtocolVersions"));
        if versions.is_empty() {
            let is_html = header("content-type").is_some_and(|c| c.contains("html"));
            return Err(EasError::NotActiveSync {
                url: self.url().into(),
                detail: if is_html {
                    "it answered with a web page instead of the ActiveSync protocol list".into()
                } else {
                    format!(
                        "its answer to OPTIONS (HTTP {}) lists no ActiveSync protocol versions",
                        status.as_u16()
                    )
                },
            });
        }
        let chosen =
            ProtocolVersion::negotiate(versions.iter().map(String::as_str)).ok_or_else(|| {
                EasError::UnsupportedVersion {
                    offered: versions.join(", "),
                }
            })?;
        Ok(ServerInfo {
            versions,
            commands: list(header("MS-ASProtocolCommands")),
            chosen,
        })
    }

    /// OPTIONS, then adopts the preferred common version.
    pub async fn negotiate(&mut self) -> Result<&ServerInfo, EasError> {
        let info = self.options().await?;
        tracing::debug!(versions = ?info.versions, chosen = %info.chosen, "negotiated ActiveSync version");
        self.version = info.chosen;
        Ok(self.server.insert(info))
    }

    /// Provision (MS-ASPROV 3.1.5.1): phase one asks for the policy, phase two acknowledges
    /// it with the temporary key and receives the final key, which is kept for every later
    /// request. A server without a policy (Status 2, as SOGo answers) is accepted as is.
    pub async fn provision(&mut self) -> Result<ProvisionOutcome, EasError> {
        let shared = self.shared_key.clone();
        let _only_one = shared.provisioning.lock().await;
        self.provision_now().await
    }

    /// A policy key for a new session: the one another session of this device holds, else a
    /// Provision of its own ([`provision`](Self::provision)). Returns whether it provisioned.
    /// A key that turns out stale is renewed on the first command the server refuses.
    pub async fn ensure_policy_key(&mut self) -> Result<bool, EasError> {
        let shared = self.shared_key.clone();
        let _only_one = shared.provisioning.lock().await;
        let held = self.shared_key();
        if !held.is_empty() && held != "0" {
            self.policy_key = held;
            return Ok(false);
        }
        self.provision_now().await.map(|_| true)
    }

    async fn provision_now(&mut self) -> Result<ProvisionOutcome, EasError> {
        self.policy_key = "0".into();
        let req = provision::request(self.version, &self.cfg.device_type, &self.cfg.user_agent);
        let first = provision::parse(self.post("Provision", &req, &[]).await?)?;
        if first.remote_wipe {
            return Err(EasError::RemoteWipeRequested);
        }
        let policy = first
            .policy
            .ok_or_else(|| EasError::protocol("Provision", "the answer carries no policy"))?;
        match policy.status {
            PolicyStatus::Success => {
                let temp = policy.policy_key.clone().ok_or_else(|| {
                    EasError::protocol("Provision", "the policy carries no temporary policy key")
                })?;
                let ack = provision::acknowledge(&temp);
                let second = provision::parse(self.post("Provision", &ack, &[]).await?)?;
                let final_policy = second.policy.ok_or_else(|| {
                    EasError::protocol("Provision", "the acknowledgement answer carries no policy")
                })?;
                if final_policy.status != PolicyStatus::Success {
                    return Err(final_policy.status.into_error());
                }
                let key = final_policy.policy_key.ok_or_else(|| {
                    EasError::protocol(
                        "Provision",
                        "the acknowledgement answer carries no policy key",
                    )
                })?;
                self.policy_key = key.clone();
                self.share_policy_key();
                self.share_policy(&policy.settings);
                Ok(ProvisionOutcome {
                    policy_key: key,
                    policy_status: PolicyStatus::Success,
                    settings: policy.settings,
                })
            }
            PolicyStatus::NoPolicy => {
                if let Some(k) = policy.policy_key.filter(|k| !k.is_empty()) {
                    self.policy_key = k;
                    self.share_policy_key();
                }
                self.share_policy(&[]);
                Ok(ProvisionOutcome {
                    policy_key: self.policy_key.clone(),
                    policy_status: PolicyStatus::NoPolicy,
                    settings: Vec::new(),
                })
            }
            other => Err(other.into_error()),
        }
    }

    /// Tells the server the requested remote wipe was carried out (MS-ASPROV 3.1.5.1.2.1).
    pub async fn acknowledge_remote_wipe(&mut self) -> Result<(), EasError> {
        let req = provision::acknowledge_remote_wipe();
        let resp = provision::parse(self.post("Provision", &req, &[]).await?)?;
        let _ = resp;
        Ok(())
    }

    /// FolderSync (MS-ASCMD 2.2.1.5): the folder hierarchy changes since `sync_key`
    /// (`"0"` for the whole hierarchy).
    pub async fn folder_sync(&mut self, sync_key: &str) -> Result<folder_sync::Response, EasError> {
        let req = folder_sync::request(sync_key);
        self.command("FolderSync", &req, &[], folder_sync::parse)
            .await
    }

    /// Sync (MS-ASCMD 2.2.1.21) for one or more collections. Check each
    /// [`CollectionResponse::status`](crate::sync::CollectionResponse) and feed a
    /// [`LoopGuard`](crate::sync::LoopGuard) when looping on MoreAvailable.
    pub async fn sync(
        &mut self,
        collections: &[sync::CollectionRequest],
    ) -> Result<sync::Response, EasError> {
        if self.version < ProtocolVersion::V16_0
            && collections
                .iter()
                .any(|c| c.commands.iter().any(sync::ClientCommand::sends))
        {
            return Err(EasError::NotSupported {
                feature: "sending a draft through Sync before ActiveSync 16.0 (SendMail is used instead)",
            });
        }
        let req = sync::request(collections);
        for c in collections {
            tracing::debug!(
                collection = %c.collection_id,
                sync_key = %c.sync_key,
                commands = c.commands.len(),
                "Sync request"
            );
        }
        let result = self.command("Sync", &req, &[], sync::parse).await;
        match &result {
            Ok(resp) => {
                for c in &resp.collections {
                    tracing::debug!(
                        collection = %c.collection_id,
                        status = ?c.status,
                        sync_key = %c.sync_key,
                        more = c.more_available,
                        changes = %sync::change_summary(&c.changes),
                        responses = ?c.responses,
                        "Sync answer"
                    );
                }
            }
            Err(e) => tracing::debug!(error = %e, "Sync failed"),
        }
        result
    }

    /// SendMail (MS-ASCMD 2.2.1.17). `mime` is an RFC 5322 message; line endings are made CRLF.
    /// `client_id` must be unique per message (it lets the server drop a resent duplicate).
    pub async fn send_mail(
        &mut self,
        client_id: &str,
        mime: &[u8],
        save_in_sent: bool,
    ) -> Result<(), EasError> {
        self.compose(
            &compose::Compose::SendMail,
            client_id,
            mime,
            save_in_sent,
            false,
        )
        .await
    }

    /// SmartReply / SmartForward / SendMail. On 12.1 the MIME goes as the raw body with the
    /// parameters in the query string (MS-ASCMD 2.2.1.17, 12.1 form); from 14.0 as WBXML.
    pub async fn compose(
        &mut self,
        kind: &compose::Compose,
        client_id: &str,
        mime: &[u8],
        save_in_sent: bool,
        replace_mime: bool,
    ) -> Result<(), EasError> {
        let cmd = kind.command();
        if self.version < ProtocolVersion::V14_0 {
            let mut params: Vec<(Param, &str)> = Vec::new();
            if save_in_sent {
                params.push((Param::SaveInSent, "T"));
            }
            if let compose::Compose::SmartReply(src) | compose::Compose::SmartForward(src) = kind {
                match src {
                    compose::Source::Item { folder_id, item_id } => {
                        params.push((Param::CollectionId, folder_id));
                        params.push((Param::ItemId, item_id));
                    }
                    compose::Source::LongId(l) => params.push((Param::LongId, l)),
                }
            }
            let timeout = self.cfg.timeout;
            let resp = self
                .send(
                    cmd,
                    compose::to_crlf(mime),
                    &params,
                    timeout,
                    "message/rfc822",
                )
                .await?;
            let doc = self.read_wbxml(cmd, resp).await?;
            return compose::parse(cmd, doc);
        }
        let req = compose::request(kind, client_id, mime, save_in_sent, replace_mime);
        self.command(cmd, &req, &[], |d| compose::parse(cmd, d))
            .await
    }

    /// MoveItems (MS-ASCMD 2.2.1.12).
    pub async fn move_items(
        &mut self,
        moves: &[move_items::Move],
    ) -> Result<Vec<move_items::MoveResult>, EasError> {
        let req = move_items::request(moves);
        self.command("MoveItems", &req, &[], move_items::parse)
            .await
    }

    /// Ping (MS-ASCMD 2.2.1.13): waits up to `heartbeat` seconds for changes in `folders`.
    pub async fn ping(
        &mut self,
        heartbeat: u32,
        folders: &[ping::PingFolder],
    ) -> Result<ping::Outcome, EasError> {
        let req = ping::request(heartbeat, folders);
        let bytes =
            kontor_wbxml::encode(&req).map_err(|e| EasError::protocol("Ping", e.to_string()))?;
        let timeout = ping::http_timeout(heartbeat);
        match self
            .post_bytes("Ping", bytes.clone(), &[], timeout)
            .await
            .and_then(ping::parse)
        {
            Err(EasError::ProvisionRequired) => {
                self.renew_policy_key("Ping").await?;
                self.post_bytes("Ping", bytes, &[], timeout)
                    .await
                    .and_then(ping::parse)
            }
            other => other,
        }
    }

    /// FolderCreate (MS-ASCMD 2.2.1.2).
    pub async fn folder_create(
        &mut self,
        sync_key: &str,
        parent_id: &str,
        display_name: &str,
        folder_type: folder_sync::FolderType,
    ) -> Result<folder_ops::Created, EasError> {
        let req = folder_ops::create_request(sync_key, parent_id, display_name, folder_type);
        self.command("FolderCreate", &req, &[], folder_ops::parse_create)
            .await
    }

    /// FolderUpdate (MS-ASCMD 2.2.1.4): rename and/or move. Returns the new hierarchy key.
    pub async fn folder_update(
        &mut self,
        sync_key: &str,
        server_id: &str,
        parent_id: &str,
        display_name: &str,
    ) -> Result<String, EasError> {
        let req = folder_ops::update_request(sync_key, server_id, parent_id, display_name);
        self.command("FolderUpdate", &req, &[], folder_ops::parse_update)
            .await
    }

    /// FolderDelete (MS-ASCMD 2.2.1.3). Returns the new hierarchy key.
    pub async fn folder_delete(
        &mut self,
        sync_key: &str,
        server_id: &str,
    ) -> Result<String, EasError> {
        let req = folder_ops::delete_request(sync_key, server_id);
        self.command("FolderDelete", &req, &[], folder_ops::parse_delete)
            .await
    }

    /// Settings Oof Get.
    pub async fn oof_get(&mut self) -> Result<settings::Oof, EasError> {
        self.command(
            "Settings",
            &settings::oof_get_request(),
            &[],
            settings::parse_oof_get,
        )
        .await
    }

    /// Settings Oof Set.
    pub async fn oof_set(&mut self, oof: &settings::Oof) -> Result<(), EasError> {
        self.command(
            "Settings",
            &settings::oof_set_request(oof),
            &[],
            settings::parse_oof_set,
        )
        .await
    }

    /// Settings UserInformation Get.
    pub async fn user_information(&mut self) -> Result<settings::UserInformation, EasError> {
        self.command(
            "Settings",
            &settings::user_information_request(),
            &[],
            settings::parse_user_information,
        )
        .await
    }

    /// Search the global address list.
    pub async fn search_gal(
        &mut self,
        query: &str,
        max: u32,
    ) -> Result<search::Results<search::GalEntry>, EasError> {
        let req = search::gal_request(query, 0, max.max(1) - 1);
        self.command("Search", &req, &[], search::parse_gal).await
    }

    /// Search the mailbox (free text), optionally in one folder.
    pub async fn search_mailbox(
        &mut self,
        text: &str,
        collection_id: Option<&str>,
        max: u32,
    ) -> Result<search::Results<search::MailboxHit>, EasError> {
        let req = search::mailbox_request(text, collection_id, 0, max.max(1) - 1, None);
        self.command("Search", &req, &[], search::parse_mailbox)
            .await
    }

    /// Find (MS-ASCMD 2.2.1.2): a KQL search of the mailbox or the GAL. Only EAS 16.1 has it;
    /// on an older session this returns `NotSupported` without sending anything (use
    /// [`EasClient::search_mailbox`] / [`EasClient::search_gal`] there).
    pub async fn find(&mut self, req: &find::FindRequest) -> Result<find::Response, EasError> {
        if self.version < ProtocolVersion::V16_1 {
            return Err(EasError::NotSupported {
                feature: "Find before ActiveSync 16.1 (Search is used instead)",
            });
        }
        self.command("Find", &req.to_element(), &[], find::parse)
            .await
    }

    /// GetItemEstimate (MS-ASCMD 2.2.1.9).
    pub async fn get_item_estimate(
        &mut self,
        collections: &[estimate::EstimateRequest],
    ) -> Result<Vec<(String, u64)>, EasError> {
        let req = estimate::request(collections);
        self.command("GetItemEstimate", &req, &[], estimate::parse)
            .await
    }

    /// MeetingResponse (MS-ASCMD 2.2.1.11).
    pub async fn meeting_response(
        &mut self,
        response: meeting_response::UserResponse,
        collection_id: &str,
        request_id: &str,
        instance_id: Option<&str>,
    ) -> Result<Option<String>, EasError> {
        let req = meeting_response::request(response, collection_id, request_id, instance_id);
        self.command("MeetingResponse", &req, &[], meeting_response::parse)
            .await
    }

    /// ResolveRecipients (MS-ASCMD 2.2.1.15), with free/busy when `availability` is given.
    pub async fn resolve_recipients(
        &mut self,
        names: &[&str],
        availability: Option<(&str, &str)>,
    ) -> Result<Vec<resolve_recipients::Resolution>, EasError> {
        let req = resolve_recipients::request(names, availability);
        self.command("ResolveRecipients", &req, &[], resolve_recipients::parse)
            .await
    }

    /// ItemOperations Fetch of one item's properties (e.g. the full body).
    pub async fn fetch_item(
        &mut self,
        collection_id: &str,
        server_id: &str,
        body: Option<sync::BodyPreference>,
    ) -> Result<kontor_wbxml::Element, EasError> {
        let req = item_operations::fetch_item_request(collection_id, server_id, body);
        self.command("ItemOperations", &req, &[], item_operations::parse_item)
            .await
    }

    /// ItemOperations Fetch of a mailbox search hit by its LongId (see
    /// [`EasClient::search_mailbox`]); the answer's properties as for [`EasClient::fetch_item`].
    pub async fn fetch_long_id(
        &mut self,
        long_id: &str,
        body: Option<sync::BodyPreference>,
    ) -> Result<kontor_wbxml::Element, EasError> {
        let req = item_operations::fetch_long_id_request(long_id, body);
        self.command("ItemOperations", &req, &[], item_operations::parse_item)
            .await
    }

    /// ItemOperations EmptyFolderContents.
    pub async fn empty_folder(
        &mut self,
        collection_id: &str,
        delete_subfolders: bool,
    ) -> Result<(), EasError> {
        let req = item_operations::empty_folder_request(collection_id, delete_subfolders);
        self.command(
            "ItemOperations",
            &req,
            &[],
            item_operations::parse_empty_folder,
        )
        .await
    }

    /// Fetches an attachment by FileReference into `dest`, streaming a multipart answer to
    /// disk. The data goes to `dest` + `.part` first and is renamed when complete, so a
    /// failure never leaves a truncated file under the final name. Returns the byte count.
    pub async fn fetch_attachment(
        &mut self,
        file_reference: &str,
        dest: &std::path::Path,
    ) -> Result<u64, EasError> {
        self.fetch_attachment_with_progress(file_reference, dest, &|_, _| {})
            .await
    }

    /// [`Self::fetch_attachment`], telling `progress` after every piece of the answer how
    /// many bytes of it arrived and how many the server announced (`Content-Length`; `None`
    /// when it sends the answer in chunks of unknown total).
    pub async fn fetch_attachment_with_progress(
        &mut self,
        file_reference: &str,
        dest: &std::path::Path,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<u64, EasError> {
        use tokio::io::AsyncWriteExt;
        let body = kontor_wbxml::encode(&item_operations::fetch_attachment_request(file_reference))
            .map_err(|e| EasError::protocol("ItemOperations", e.to_string()))?;
        let mut tmp_name = dest.as_os_str().to_owned();
        tmp_name.push(".part");
        let tmp = std::path::PathBuf::from(tmp_name);
        let io_err = |e: std::io::Error| {
            EasError::protocol(
                "ItemOperations",
                format!("could not write {}: {e}", tmp.display()),
            )
        };

        let timeout = self.cfg.timeout.max(Duration::from_secs(600));
        let mut resp = self.send_multipart("ItemOperations", body, timeout).await?;
        let total = resp.content_length();
        let multipart = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.to_ascii_lowercase().contains("multipart"));
        let mut file = tokio::fs::File::create(&tmp).await.map_err(io_err)?;
        let written = if multipart {
            // Header first, then part 0 (WBXML) into memory and part 1 (the data) to disk.
            let mut head: Vec<u8> = Vec::new();
            let mut parts: Option<Vec<(usize, usize)>> = None;
            let mut pos = 0usize; // absolute offset of the next byte of the stream
            let mut wbxml = Vec::new();
            let mut written = 0u64;
            while let Some(chunk) = resp.chunk().await.map_err(kontor_net::NetError::from)? {
                let start = pos;
                pos += chunk.len();
                progress(pos as u64, total);
                if parts.is_none() {
                    head.extend_from_slice(&chunk);
                    if let Some(p) = item_operations::multipart_header(&head) {
                        parts = Some(p);
                    } else {
                        continue;
                    }
                    // Re-process everything received so far as one chunk.
                    let all = std::mem::take(&mut head);
                    written += route(
                        &all,
                        0,
                        parts.as_deref().unwrap_or(&[]),
                        &mut wbxml,
                        &mut file,
                    )
                    .await
                    .map_err(io_err)?;
                    continue;
                }
                written += route(
                    &chunk,
                    start,
                    parts.as_deref().unwrap_or(&[]),
                    &mut wbxml,
                    &mut file,
                )
                .await
                .map_err(io_err)?;
            }
            let doc =
                kontor_wbxml::decode(wbxml).map_err(|e| EasError::decode("ItemOperations", e))?;
            let info = item_operations::parse_attachment(&doc)?;
            if let Some(data) = info.inline_data {
                file.write_all(&data).await.map_err(io_err)?;
                written += data.len() as u64;
            }
            written
        } else {
            // The data inline (base64 in the WBXML): the whole answer, piece by piece.
            let content_type = content_type_of(&resp);
            let mut answer = Vec::with_capacity(
                total.map_or(0, |t| usize::try_from(t.min(64 << 20)).unwrap_or(0)),
            );
            while let Some(chunk) = resp.chunk().await.map_err(kontor_net::NetError::from)? {
                answer.extend_from_slice(&chunk);
                progress(answer.len() as u64, total);
            }
            let doc = self
                .decode_answer("ItemOperations", &content_type, answer.into())?
                .ok_or_else(|| EasError::protocol("ItemOperations", "the answer is empty"))?;
            let info = item_operations::parse_attachment(&doc)?;
            let data = info.inline_data.unwrap_or_default();
            file.write_all(&data).await.map_err(io_err)?;
            data.len() as u64
        };
        file.flush().await.map_err(io_err)?;
        file.sync_all().await.map_err(io_err)?;
        drop(file);
        tokio::fs::rename(&tmp, dest).await.map_err(io_err)?;
        Ok(written)
    }

    async fn send_multipart(
        &mut self,
        cmd: &'static str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<reqwest::Response, EasError> {
        for attempt in 0..2 {
            self.accept_multipart = true;
            let r = self
                .send(cmd, body.clone(), &[], timeout, WBXML_CONTENT_TYPE)
                .await;
            self.accept_multipart = false;
            match r {
                Err(EasError::ProvisionRequired) if attempt == 0 => {
                    self.renew_policy_key(cmd).await.map(|_| ())?
                }
                other => return other,
            }
        }
        Err(EasError::ProvisionRequired)
    }

    /// Tells the other clients of this device the key this one now holds.
    fn share_policy_key(&self) {
        if self.policy_key != "0"
            && let Ok(mut k) = self.shared_key.key.lock()
        {
            k.clone_from(&self.policy_key);
        }
    }

    fn share_policy(&self, settings: &[(String, String)]) {
        if let Ok(mut p) = self.shared_key.policy.lock() {
            *p = Some(settings.to_vec());
        }
    }

    /// The policy settings (`EASProvisionDoc` children as name and text) of the newest
    /// Provision any client of this device made in this process, empty when the server has no
    /// policy for it; `None` when none provisioned yet (the key came from elsewhere). Read
    /// them with [`provision::max_attachment_size`] and the like.
    pub fn policy_settings(&self) -> Option<Vec<(String, String)>> {
        self.shared_key.policy.lock().ok().and_then(|p| p.clone())
    }

    /// The newest key any client of this device holds (empty when none has one yet).
    fn shared_key(&self) -> String {
        self.shared_key
            .key
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default()
    }

    /// After the server said the policy key is stale: takes the key another session of this
    /// device got since ([`shared_policy_key`]), else provisions. Returns whether it
    /// provisioned.
    async fn renew_policy_key(&mut self, cmd: &'static str) -> Result<bool, EasError> {
        let stale = self.policy_key.clone();
        let shared = self.shared_key.clone();
        // Waits while another session provisions, then takes its key rather than provisioning
        // once more.
        let _only_one = shared.provisioning.lock().await;
        let newer = self.shared_key();
        if !newer.is_empty() && newer != "0" && newer != stale {
            tracing::info!(
                command = cmd,
                "policy key stale; using the one another session of this device got, and retrying"
            );
            self.policy_key = newer;
            return Ok(false);
        }
        tracing::info!(
            command = cmd,
            "server requires provisioning; provisioning and retrying"
        );
        self.provision_now().await.map(|_| true)
    }

    /// Runs a command, provisioning (or taking the key another session of this device got)
    /// and retrying once when the server asks for it (HTTP 449 or Status 142–144).
    pub async fn command<T>(
        &mut self,
        cmd: &'static str,
        body: &Element,
        params: &[(Param, &str)],
        parse: impl Fn(Option<Document>) -> Result<T, EasError>,
    ) -> Result<T, EasError> {
        match self.post(cmd, body, params).await.and_then(&parse) {
            Err(EasError::ProvisionRequired) => {
                // Another session's key first (if there is a newer one), then a Provision of
                // its own: at most three tries in all.
                let mut provisioned = self.renew_policy_key(cmd).await?;
                let mut tries = 1;
                loop {
                    match self.post(cmd, body, params).await.and_then(&parse) {
                        Err(EasError::ProvisionRequired) if !provisioned && tries < 3 => {
                            provisioned = self.renew_policy_key(cmd).await?;
                            tries += 1;
                        }
                        other => return other,
                    }
                }
            }
            other => other,
        }
    }

    /// POSTs a command and decodes the WBXML answer (`None` for an empty 200 body).
    /// Follows one 451 redirect (MS-ASHTTP 3.1.5.2).
    pub async fn post(
        &mut self,
        cmd: &'static str,
        body: &Element,
        params: &[(Param, &str)],
    ) -> Result<Option<Document>, EasError> {
        let bytes = encode(body).map_err(|e| {
            EasError::protocol(cmd, format!("the request could not be encoded: {e}"))
        })?;
        let timeout = self.cfg.timeout;
        self.post_bytes(cmd, bytes, params, timeout).await
    }

    /// POSTs raw bytes with an explicit timeout (used by Ping and SendMail's 12.x form).
    pub(crate) async fn post_bytes(
        &mut self,
        cmd: &'static str,
        body: Vec<u8>,
        params: &[(Param, &str)],
        timeout: Duration,
    ) -> Result<Option<Document>, EasError> {
        let resp = self
            .send(cmd, body, params, timeout, WBXML_CONTENT_TYPE)
            .await?;
        self.read_wbxml(cmd, resp).await
    }

    /// Sends a request and returns the raw response after HTTP status checks (one 451 redirect
    /// is followed). Callers that stream the body (attachments) use this.
    pub(crate) async fn send(
        &mut self,
        cmd: &'static str,
        body: Vec<u8>,
        params: &[(Param, &str)],
        timeout: Duration,
        content_type: &str,
    ) -> Result<reqwest::Response, EasError> {
        let body = bytes::Bytes::from(body);
        let mut redirected = false;
        let mut resent = false;
        loop {
            let url = self.command_url(cmd, params)?;
            let mut req = self
                .http
                .post(url)
                .basic_auth(&self.cfg.user, Some(&self.cfg.password))
                .header("Content-Type", content_type)
                .timeout(timeout)
                .body(body.clone());
            if self.cfg.query_form == QueryForm::Plain {
                req = req.header("MS-ASProtocolVersion", self.version.as_str());
                req = req.header("X-MS-PolicyKey", &self.policy_key);
            }
            if self.accept_multipart {
                req = req.header("MS-ASAcceptMultiPart", "T");
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if !resent && kontor_net::is_connection_dropped(&e) => {
                    // A kept-alive connection the server had closed (SOGo's workers do this);
                    // ActiveSync requests are safe to repeat (same SyncKey, same ClientId).
                    tracing::debug!(command = cmd, error = %e, "connection dropped; sending the request again");
                    resent = true;
                    continue;
                }
                Err(e) => return Err(NetError::from(e).into()),
            };
            if resp.status().as_u16() == 451
                && !redirected
                && let Some(loc) = resp
                    .headers()
                    .get("X-MS-Location")
                    .and_then(|v| v.to_str().ok())
            {
                tracing::info!(from = %self.cfg.endpoint, to = loc, "server redirected ActiveSync (451)");
                self.cfg.endpoint = endpoint_url(loc)?;
                redirected = true;
                continue;
            }
            self.check_status(&resp)?;
            return Ok(resp);
        }
    }

    fn command_url(&self, cmd: &str, params: &[(Param, &str)]) -> Result<Url, EasError> {
        let mut url = self.cfg.endpoint.clone();
        match self.cfg.query_form {
            QueryForm::Plain => {
                let mut q = url.query_pairs_mut();
                q.append_pair("Cmd", cmd)
                    .append_pair("User", &self.cfg.user)
                    .append_pair("DeviceId", &self.cfg.device_id)
                    .append_pair("DeviceType", &self.cfg.device_type);
                for (p, v) in params {
                    q.append_pair(p.name(), if *p == Param::SaveInSent { "T" } else { v });
                }
            }
            QueryForm::Base64 => {
                let code = command_code(cmd).ok_or_else(|| {
                    EasError::protocol("request", format!("{cmd} has no base64 query form"))
                })?;
                let mut b = vec![self.version.as_byte(), code];
                b.extend_from_slice(&0x0409u16.to_le_bytes()); // locale en-US
                push_short(&mut b, self.cfg.device_id.as_bytes());
                match self.policy_key.parse::<u32>() {
                    Ok(0) | Err(_) => b.push(0),
                    Ok(k) => {
                        b.push(4);
                        b.extend_from_slice(&k.to_le_bytes());
                    }
                }
                push_short(&mut b, self.cfg.device_type.as_bytes());
                for (p, v) in params {
                    b.push(p.code());
                    if *p == Param::SaveInSent {
                        b.push(1);
                        b.push(0x01);
                    } else {
                        push_short(&mut b, v.as_bytes());
                    }
                }
                b.push(8); // User
                push_short(&mut b, self.cfg.user.as_bytes());
                // Raw base64, as devices send it: '+', '/' and '=' are legal in a query, and SOGo does
                // not percent-decode this form.
                url.set_query(Some(&base64::engine::general_purpose::STANDARD.encode(&b)));
            }
        }
        Ok(url)
    }

    fn check_status(&self, resp: &reqwest::Response) -> Result<(), EasError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = || {
            resp.headers()
                .get("Retry-After")
                .and_then(|v| v.to_str().ok())
                .and_then(|s| retry_after(s, std::time::SystemTime::now()))
        };
        Err(match status.as_u16() {
            401 => EasError::Unauthorized {
                user: self.cfg.user.clone(),
            },
            403 => EasError::Forbidden {
                detail: "the account or this device is not allowed to use ActiveSync (HTTP 403)"
                    .into(),
            },
            404 => EasError::NotActiveSync {
                url: self.url().into(),
                detail: "the server answered HTTP 404 (not found)".into(),
            },
            449 => EasError::ProvisionRequired,
            501 => EasError::NotSupported {
                feature: "this request (HTTP 501 Not Implemented)",
            },
            503 => EasError::ServerBusy {
                retry_after: retry_after(),
            },
            _ => EasError::Http {
                status: status.as_u16(),
                detail: status.canonical_reason().unwrap_or_default().to_string(),
            },
        })
    }

    async fn read_wbxml(
        &self,
        cmd: &'static str,
        resp: reqwest::Response,
    ) -> Result<Option<Document>, EasError> {
        debug_assert_eq!(resp.status(), StatusCode::OK);
        let content_type = content_type_of(&resp);
        let body = resp.bytes().await.map_err(NetError::from)?;
        self.decode_answer(cmd, &content_type, body)
    }

    /// A successful answer's body as WBXML (`None`: empty); a web page is not ActiveSync.
    fn decode_answer(
        &self,
        cmd: &'static str,
        content_type: &str,
        body: bytes::Bytes,
    ) -> Result<Option<Document>, EasError> {
        if body.is_empty() {
            return Ok(None);
        }
        if content_type.contains("html") {
            return Err(EasError::NotActiveSync {
                url: self.url().into(),
                detail: "it answered with a web page instead of ActiveSync data".into(),
            });
        }
        kontor_wbxml::decode(body)
            .map(Some)
            .map_err(|e| EasError::decode(cmd, e))
    }
}

/// An answer's content type, lower case ("" when it has none).
fn content_type_of(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Sends the bytes of `chunk` (starting at absolute stream offset `start`) to where they belong:
/// part 0 (WBXML) into `wbxml`, part 1 (the data) into `file`. Returns bytes written to disk.
async fn route(
    chunk: &[u8],
    start: usize,
    parts: &[(usize, usize)],
    wbxml: &mut Vec<u8>,
    file: &mut tokio::fs::File,
) -> std::io::Result<u64> {
    use tokio::io::AsyncWriteExt;
    let end = start + chunk.len();
    let slice = |(off, len): (usize, usize)| {
        let (a, b) = (off.max(start), (off + len).min(end));
        (a < b).then(|| &chunk[a - start..b - start])
    };
    if let Some(&p0) = parts.first()
        && let Some(s) = slice(p0)
    {
        wbxml.extend_from_slice(s);
    }
    let mut n = 0;
    if let Some(&p1) = parts.get(1)
        && let Some(s) = slice(p1)
    {
        file.write_all(s).await?;
        n = s.len() as u64;
    }
    Ok(n)
}

fn push_short(b: &mut Vec<u8>, s: &[u8]) {
    let n = s.len().min(255);
    b.push(n as u8);
    b.extend_from_slice(&s[..n]);
}

/// A `Retry-After` value (RFC 9110 §10.2.3): seconds, or an HTTP-date (IMF-fixdate,
/// `Fri, 27 Nov 2026 18:00:00 GMT`) turned into the wait from `now` (zero when it has passed).
/// Anything else gives `None`: the caller then picks its own back-off.
pub(crate) fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let parts: Vec<&str> = value.split_ascii_whitespace().collect();
    let [_weekday, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *m > 59 || *sec > 60 {
        return None;
    }
    // Days from 1970-01-01 to the civil date (H. Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let at = days * 86_400 + h * 3600 + m * 60 + sec;
    let now = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(Duration::from_secs((at - now).max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client of `device` at a port nothing listens on: any request it sends fails.
    fn unreachable_client(device: &str) -> EasClient {
        let cfg = EasConfig::new("http://127.0.0.1:9/", "alice", "pw", device).unwrap();
        EasClient::with_http(cfg, kontor_net::client(&Default::default()).unwrap())
    }

    #[tokio::test]
    async fn a_stale_key_is_replaced_by_the_one_another_session_of_the_device_got() {
        let mut engine = unreachable_client("SharedKeyDev");
        let mut fetches = unreachable_client("SharedKeyDev");
        let mut other_device = unreachable_client("SharedKeyOther");
        engine.set_policy_key("111");
        fetches.set_policy_key("222");
        // The engine is told its key is stale: it takes the fetch session's, sending nothing
        // (a Provision would fail: nothing listens).
        assert!(!engine.renew_policy_key("Sync").await.unwrap());
        assert_eq!(engine.policy_key(), "222");
        // Nothing newer: a Provision is tried (and fails here).
        assert!(engine.renew_policy_key("Sync").await.is_err());
        // Another device's key is its own.
        other_device.set_policy_key("333");
        assert!(fetches.renew_policy_key("Search").await.is_err());
        assert_eq!(
            fetches.policy_key(),
            "0",
            "a failed Provision starts from key 0"
        );
    }

    #[test]
    fn endpoint_forms() {
        let e = |s: &str| endpoint_url(s).map(|u| u.to_string());
        assert_eq!(
            e("https://mail.example.com").unwrap(),
            "https://mail.example.com/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            e("https://mail.example.com/").unwrap(),
            "https://mail.example.com/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            e("http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync?x=1").unwrap(),
            "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            e("http://127.0.0.1:20000/SOGo/").unwrap(),
            "http://127.0.0.1:20000/SOGo/"
        );
        assert!(matches!(
            endpoint_url("ftp://x/"),
            Err(EasError::InvalidUrl { .. })
        ));
        assert!(matches!(
            endpoint_url("not a url"),
            Err(EasError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn config_validates_device_id() {
        assert!(EasConfig::new("https://h", "u", "p", "abc123").is_ok());
        assert!(EasConfig::new("https://h", "u", "p", "").is_err());
        assert!(EasConfig::new("https://h", "u", "p", "has-dash").is_err());
        assert!(EasConfig::new("https://h", "u", "p", &"a".repeat(33)).is_err());
    }

    #[test]
    fn plain_and_base64_query() {
        let cfg = EasConfig::new("https://h", "alice", "p", "dev1")
            .unwrap()
            .device_type("Kontor");
        let mut c = EasClient::with_http(
            cfg.clone(),
            kontor_net::client(&Default::default()).unwrap(),
        );
        assert_eq!(
            c.command_url("FolderSync", &[]).unwrap().as_str(),
            "https://h/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=alice&DeviceId=dev1&DeviceType=Kontor"
        );
        assert_eq!(
            c.command_url("SendMail", &[(Param::SaveInSent, "")])
                .unwrap()
                .query(),
            Some("Cmd=SendMail&User=alice&DeviceId=dev1&DeviceType=Kontor&SaveInSent=T")
        );
        c = EasClient::with_http(
            cfg.query_form(QueryForm::Base64),
            kontor_net::client(&Default::default()).unwrap(),
        );
        c.set_policy_key("1234");
        let q = c
            .command_url("Sync", &[])
            .unwrap()
            .query()
            .unwrap()
            .to_string();
        let raw = base64::engine::general_purpose::STANDARD.decode(q).unwrap();
        let mut expect = vec![141, 0, 0x09, 0x04, 4, b'd', b'e', b'v', b'1', 4];
        expect.extend(1234u32.to_le_bytes());
        expect.extend([
            6, b'K', b'o', b'n', b't', b'o', b'r', 8, 5, b'a', b'l', b'i', b'c', b'e',
        ]);
        assert_eq!(raw, expect);
    }

    #[test]
    fn retry_after_seconds_and_http_dates() {
        use std::time::{Duration, UNIX_EPOCH};
        let now = UNIX_EPOCH + Duration::from_secs(1_795_795_200); // 2026-11-27T16:00:00Z
        assert_eq!(
            super::retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            super::retry_after("Fri, 27 Nov 2026 18:00:00 GMT", now),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            super::retry_after("Sun, 01 Mar 2026 00:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means: now"
        );
        assert_eq!(
            super::retry_after("Tue, 29 Feb 2028 00:00:01 GMT", now).map(|d| d.as_secs()),
            Some(1_835_395_201 - 1_795_795_200)
        );
        for bad in [
            "soon",
            "",
            "-5",
            "Fri, 27 Foo 2026 18:00:00 GMT",
            "Fri, 27 Nov 2026 25:00:00 GMT",
            "Fri, 27 Nov 2026 18:00 GMT",
        ] {
            assert_eq!(super::retry_after(bad, now), None, "{bad:?}");
        }
    }
}
