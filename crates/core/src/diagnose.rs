//! `kontor --diagnose`: why does Kontor not connect? One check after the other, each building
//! on the one before, so the first failure names the layer that is broken:
//!
//! | step | what | fails as |
//! |---|---|---|
//! | DNS | resolve the server's host name | `unreachable` |
//! | TCP | connect to one of its addresses | `unreachable` |
//! | TLS | handshake with the platform's certificate check (`https` only); on failure the certificate's subject, issuer and dates (kontor-net's distinct TLS errors) | `tls` |
//! | auth | OPTIONS with the credentials: 401/403 means a wrong user name or password | `auth_failed` |
//! | OPTIONS | the ActiveSync versions and commands (MS-ASHTTP 2.2.4) | `not_active_sync` |
//! | Provision | policy handshake (MS-ASPROV 3.1.5.1) | `server_error` |
//! | FolderSync | the folder hierarchy (MS-ASCMD 2.2.1.5) | `server_error` |
//! | CalDAV | principal and calendar homes (RFC 6764 §6, RFC 4791 §6.2.1), when a CalDAV address is configured | by cause |
//!
//! A failed step skips the ActiveSync steps after it; the CalDAV check runs on its own (another
//! address, often another server). The report's [`Report::outcome`] is the first failure's
//! [`ErrorCode`] (the command line turns it into an exit code) or `None` when all passed.
//!
//! The check must not disturb the running Kontor: Provision and FolderSync with SyncKey 0 reset
//! the server's state for a DeviceId, so the check uses its own DeviceId, derived from the
//! profile's ([`diagnose_device_id`]): one extra, stable device entry on the server per profile.
//! Passwords never appear in the report.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kontor_eas::{EasClient, EasConfig, EasError};
use serde::Serialize;

use crate::error::{CoreError, ErrorCode};
use crate::i18n::Lang;
use crate::policy::{Policy, setting_keys};
use crate::profile::{ProfileFile, ProfilePaths};
use crate::secrets;
use crate::sync::{DEVICE_TYPE, normalise_server_url};

/// Time allowed for resolving and for each connection attempt.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for one HTTP request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The checks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Dns,
    Tcp,
    Tls,
    Auth,
    Options,
    Provision,
    FolderSync,
    Caldav,
}

impl StepName {
    fn title(self, lang: Lang) -> &'static str {
        match self {
            StepName::Dns => lang.pick("Name lookup (DNS)", "Namensauflösung (DNS)"),
            StepName::Tcp => lang.pick("Connection (TCP)", "Verbindung (TCP)"),
            StepName::Tls => {
                lang.pick("Secure connection (TLS)", "Verschlüsselte Verbindung (TLS)")
            }
            StepName::Auth => lang.pick("Sign-in", "Anmeldung"),
            StepName::Options => lang.pick("ActiveSync versions", "ActiveSync-Versionen"),
            StepName::Provision => lang.pick("ActiveSync policy", "ActiveSync-Richtlinie"),
            StepName::FolderSync => lang.pick("Folder list", "Ordnerliste"),
            StepName::Caldav => lang.pick("Calendars (CalDAV)", "Kalender (CalDAV)"),
        }
    }
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Failed,
    /// Not run: an earlier step failed, or it does not apply (no TLS over `http`).
    Skipped,
}

/// A server certificate as the TLS step saw it (on failure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    pub not_after: String,
    pub names: Vec<String>,
    /// Which check failed: expired, not_yet_valid, self_signed, unknown_issuer, name_mismatch,
    /// revoked, other.
    pub problem: String,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub name: StepName,
    pub status: StepStatus,
    /// What was found or what went wrong (technical, English).
    pub detail: String,
    /// Set when the step failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    pub millis: u64,
}

/// What `--diagnose` checks. Build it with [`Target::for_profile`] or by hand.
#[derive(Clone)]
pub struct Target {
    pub server_url: String,
    pub user: String,
    /// `None`: no password was found; the steps that need one fail as `auth_failed`.
    pub password: Option<String>,
    pub caldav_url: Option<String>,
    pub device_id: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("server_url", &self.server_url)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("caldav_url", &self.caldav_url)
            .field("device_id", &self.device_id)
            .finish()
    }
}

/// What the command line adds to (or overrides in) the profile's configuration.
#[derive(Clone, Default)]
pub struct Overrides {
    pub server_url: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub caldav_url: Option<String>,
}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("server_url", &self.server_url)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("caldav_url", &self.caldav_url)
            .finish()
    }
}

/// The full report (`--diagnose --json` prints it as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub kontor_version: String,
    pub os: String,
    pub server_url: String,
    pub user: String,
    pub caldav_url: Option<String>,
    pub device_id: String,
    pub steps: Vec<Step>,
    /// The first failure, or `None` when every check that ran passed.
    pub outcome: Option<ErrorCode>,
    /// Policy values that were present but ignored.
    pub policy_problems: Vec<String>,
}

/// The DeviceId the check uses: `KDIAG` and the first 27 characters of the profile's DeviceId,
/// so it is stable per profile and never the running app's (32 characters, MS-ASHTTP limit).
pub fn diagnose_device_id(profile_device_id: &str) -> String {
    let tail: String = profile_device_id.chars().take(27).collect();
    format!("KDIAG{tail}")
}

impl Target {
    /// Fills the target from the command line, then the profile (account, CalDAV setting),
    /// the policy and the keychain: server `--server` > account > policy `ServerUrl`; user
    /// `--user` > account; password `--password-stdin` > keychain; CalDAV `--caldav-url` >
    /// policy `CalDavUrl` > the user's setting. Reads the profile without changing it.
    pub async fn for_profile(
        paths: &ProfilePaths,
        policy: &Policy,
        over: Overrides,
    ) -> Result<Target, CoreError> {
        let profile = match std::fs::read(paths.profile_file()) {
            Ok(bytes) => Some(serde_json::from_slice::<ProfileFile>(&bytes).map_err(|e| {
                CoreError::Profile(format!(
                    "{} is not valid: {e}",
                    paths.profile_file().display()
                ))
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(CoreError::Io {
                    context: format!("reading {}", paths.profile_file().display()),
                    source,
                });
            }
        };
        let account = profile.as_ref().and_then(|p| p.accounts.first().cloned());
        let policy_server = policy
            .machine
            .server_url
            .clone()
            .or_else(|| policy.user.server_url.clone());
        let server_url = over
            .server_url
            .or_else(|| account.as_ref().map(|a| a.server_url.clone()))
            .or(policy_server)
            .ok_or(CoreError::NotSignedIn)?;
        let server_url = normalise_server_url(&server_url)?;
        let user = over
            .user
            .or_else(|| account.as_ref().map(|a| a.user.clone()))
            .ok_or(CoreError::NotSignedIn)?;
        let password = match over.password {
            Some(p) => Some(p),
            None => secrets::password(&server_url, &user)?,
        };
        let policy_caldav = policy
            .machine
            .caldav_url
            .clone()
            .or_else(|| policy.user.caldav_url.clone());
        let caldav_url = match over.caldav_url.or(policy_caldav) {
            Some(u) => Some(u),
            None => user_caldav_setting(paths).await,
        };
        let device_id = match &profile {
            Some(p) => diagnose_device_id(&p.device_id),
            None => diagnose_device_id(&uuid::Uuid::new_v4().simple().to_string().to_uppercase()),
        };
        Ok(Target {
            server_url,
            user,
            password,
            caldav_url,
            device_id,
        })
    }
}

/// The user's CalDAV address from the settings table, read only (no migration, no creation).
async fn user_caldav_setting(paths: &ProfilePaths) -> Option<String> {
    let db = paths.database();
    if !db.exists() {
        return None;
    }
    let mut conn = crate::store::maintenance::open_read_only(&db).await.ok()?;
    let value = crate::store::settings::setting_value_in(&mut conn, setting_keys::CALDAV_URL)
        .await
        .ok()
        .flatten();
    value
        .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .filter(|s| !s.is_empty())
}

/// The operating system, for reports and log exports.
pub fn os_description() -> String {
    format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)
}

struct Run {
    steps: Vec<Step>,
    started: Instant,
}

impl Run {
    fn start(&mut self) {
        self.started = Instant::now();
    }

    fn push(&mut self, name: StepName, status: StepStatus, detail: impl Into<String>) {
        self.push_full(name, status, detail.into(), None, None);
    }

    fn fail(&mut self, name: StepName, err: &CoreError) {
        self.push_full(
            name,
            StepStatus::Failed,
            err.to_string(),
            Some(err.code()),
            None,
        );
    }

    fn push_full(
        &mut self,
        name: StepName,
        status: StepStatus,
        detail: String,
        code: Option<ErrorCode>,
        certificate: Option<Certificate>,
    ) {
        let millis = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.steps.push(Step {
            name,
            status,
            detail,
            code,
            certificate,
            millis,
        });
    }

    fn skip(&mut self, names: &[StepName], why: &str) {
        for &n in names {
            self.started = Instant::now();
            self.push(n, StepStatus::Skipped, why);
        }
    }
}

/// Runs every check against `target` and returns the report. Never fails: failures are steps.
pub async fn run(target: &Target, policy: &Policy) -> Report {
    let mut run = Run {
        steps: Vec::new(),
        started: Instant::now(),
    };
    run_eas(target, &mut run).await;
    match &target.caldav_url {
        Some(url) => {
            run.start();
            match caldav(url, target).await {
                Ok(detail) => run.push(StepName::Caldav, StepStatus::Ok, detail),
                Err(e) => run.fail(StepName::Caldav, &e),
            }
        }
        None => run.skip(&[StepName::Caldav], "no CalDAV address is configured"),
    }
    let outcome = run.steps.iter().find_map(|s| s.code);
    Report {
        kontor_version: env!("CARGO_PKG_VERSION").to_owned(),
        os: os_description(),
        server_url: target.server_url.clone(),
        user: target.user.clone(),
        caldav_url: target.caldav_url.clone(),
        device_id: target.device_id.clone(),
        steps: run.steps,
        outcome,
        policy_problems: policy.problems.clone(),
    }
}

async fn run_eas(target: &Target, run: &mut Run) {
    use StepName::*;
    let after = |from: usize| -> Vec<StepName> {
        [Dns, Tcp, Tls, Auth, Options, Provision, FolderSync][from..].to_vec()
    };
    run.start();
    let url = match url::Url::parse(&target.server_url) {
        Ok(u) => u,
        Err(e) => {
            run.fail(
                Dns,
                &CoreError::InvalidInput(format!("{}: {e}", target.server_url)),
            );
            run.skip(&after(1), "the server address is not valid");
            return;
        }
    };
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);

    // DNS
    let addrs: Vec<SocketAddr> =
        match tokio::time::timeout(STEP_TIMEOUT, tokio::net::lookup_host((host.as_str(), port)))
            .await
        {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => {
                run.fail(
                    Dns,
                    &CoreError::Unreachable {
                        detail: format!("the name {host} could not be resolved: {e}"),
                    },
                );
                run.skip(&after(1), "the server name could not be resolved");
                return;
            }
            Err(_) => {
                run.fail(
                    Dns,
                    &CoreError::Unreachable {
                        detail: format!("resolving {host} took longer than {STEP_TIMEOUT:?}"),
                    },
                );
                run.skip(&after(1), "the server name could not be resolved");
                return;
            }
        };
    if addrs.is_empty() {
        run.fail(
            Dns,
            &CoreError::Unreachable {
                detail: format!("{host} has no address"),
            },
        );
        run.skip(&after(1), "the server name could not be resolved");
        return;
    }
    let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
    run.push(Dns, StepStatus::Ok, format!("{host} → {}", list.join(", ")));

    // TCP
    run.start();
    let mut errors = Vec::new();
    let mut connected = None;
    for addr in &addrs {
        match tokio::time::timeout(STEP_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_stream)) => {
                connected = Some(*addr);
                break;
            }
            Ok(Err(e)) => errors.push(format!("{addr}: {e}")),
            Err(_) => errors.push(format!("{addr}: no answer within {STEP_TIMEOUT:?}")),
        }
    }
    match connected {
        Some(addr) => run.push(Tcp, StepStatus::Ok, format!("connected to {addr}")),
        None => {
            run.fail(
                Tcp,
                &CoreError::Unreachable {
                    detail: format!("port {port} of {host}: {}", errors.join("; ")),
                },
            );
            run.skip(&after(2), "no connection to the server");
            return;
        }
    }

    // TLS
    run.start();
    if url.scheme() == "https" {
        match tls_check(&url).await {
            Ok(detail) => run.push(Tls, StepStatus::Ok, detail),
            Err((err, cert)) => {
                let code = err.code();
                run.push_full(Tls, StepStatus::Failed, err.to_string(), Some(code), cert);
                run.skip(&after(3), "no secure connection to the server");
                return;
            }
        }
    } else {
        run.push(
            Tls,
            StepStatus::Skipped,
            "the address uses http: the connection is not encrypted",
        );
    }

    // Auth + OPTIONS: one OPTIONS request with the credentials.
    run.start();
    let Some(password) = target.password.as_deref() else {
        run.fail(
            Auth,
            &CoreError::AuthFailed {
                detail: format!(
                    "no password for {} at {} in the keychain (give one with --user and --password-stdin)",
                    target.user, target.server_url
                ),
            },
        );
        run.skip(&after(4), "no password");
        return;
    };
    let config = match EasConfig::new(
        &target.server_url,
        &target.user,
        password,
        &target.device_id,
    ) {
        Ok(c) => c
            .device_type(DEVICE_TYPE)
            .user_agent(&format!("Kontor/{} (diagnose)", env!("CARGO_PKG_VERSION")))
            .timeout(REQUEST_TIMEOUT),
        Err(e) => {
            run.fail(Auth, &map(e, &target.server_url));
            run.skip(&after(4), "the server address is not valid");
            return;
        }
    };
    let mut client = match EasClient::new(config) {
        Ok(c) => c,
        Err(e) => {
            run.fail(Auth, &map(e, &target.server_url));
            run.skip(&after(4), "no HTTP client");
            return;
        }
    };
    match client.negotiate().await {
        Ok(info) => {
            let detail = format!(
                "server offers {}; using {}; {} commands",
                info.versions.join(", "),
                info.chosen.as_str(),
                info.commands.len()
            );
            run.push(
                Auth,
                StepStatus::Ok,
                format!("the server accepted {} (OPTIONS)", target.user),
            );
            run.start();
            run.push(Options, StepStatus::Ok, detail);
        }
        Err(e @ (EasError::Unauthorized { .. } | EasError::Forbidden { .. })) => {
            run.fail(Auth, &map(e, &target.server_url));
            run.skip(&after(4), "the server refused the sign-in");
            return;
        }
        Err(e) => {
            let err = map(e, &target.server_url);
            if matches!(err.code(), ErrorCode::Unreachable | ErrorCode::Tls) {
                run.fail(Auth, &err);
                run.skip(&after(4), "no answer to OPTIONS");
            } else {
                run.push(
                    Auth,
                    StepStatus::Ok,
                    "the server did not refuse the credentials",
                );
                run.start();
                run.fail(Options, &err);
                run.skip(&after(5), "no usable ActiveSync version");
            }
            return;
        }
    }

    // Provision
    run.start();
    match client.provision().await {
        Ok(p) => run.push(
            Provision,
            StepStatus::Ok,
            format!(
                "policy status {:?}, {} settings",
                p.policy_status,
                p.settings.len()
            ),
        ),
        Err(e) => {
            run.fail(Provision, &map(e, &target.server_url));
            run.skip(&after(6), "provisioning failed");
            return;
        }
    }

    // FolderSync
    run.start();
    match client.folder_sync("0").await {
        Ok(r) => run.push(
            FolderSync,
            StepStatus::Ok,
            format!("{} folders", r.changes.len()),
        ),
        Err(e) => run.fail(FolderSync, &map(e, &target.server_url)),
    }
}

/// The TLS step: any HTTP answer over a verified connection passes.
async fn tls_check(url: &url::Url) -> Result<String, (CoreError, Option<Certificate>)> {
    let http = kontor_net::client(&kontor_net::ClientOptions {
        timeout: Some(REQUEST_TIMEOUT),
        connect_timeout: STEP_TIMEOUT,
        follow_redirects: false,
        ..kontor_net::ClientOptions::default()
    })
    .map_err(|e| {
        (
            CoreError::Unreachable {
                detail: e.to_string(),
            },
            None,
        )
    })?;
    match http.head(url.clone()).send().await {
        Ok(resp) => Ok(format!(
            "certificate accepted ({:?}, HTTP {})",
            resp.version(),
            resp.status().as_u16()
        )),
        Err(e) => {
            let net = kontor_net::NetError::from(e);
            let cert = match &net {
                kontor_net::NetError::Tls {
                    kind, certificate, ..
                } => Some(match certificate {
                    Some(c) => Certificate {
                        subject: c.subject.clone(),
                        issuer: c.issuer.clone(),
                        not_before: rfc3339(c.not_before),
                        not_after: rfc3339(c.not_after),
                        names: c.names.clone(),
                        problem: tls_problem(*kind).into(),
                    },
                    None => Certificate {
                        subject: String::new(),
                        issuer: String::new(),
                        not_before: String::new(),
                        not_after: String::new(),
                        names: Vec::new(),
                        problem: tls_problem(*kind).into(),
                    },
                }),
                _ => None,
            };
            let detail = net.to_string();
            let err = if net.is_tls() {
                CoreError::Tls { detail }
            } else {
                CoreError::Unreachable { detail }
            };
            // A certificate-less TLS failure (handshake garbage) has nothing to show.
            let cert = cert.filter(|c| !c.subject.is_empty() || c.problem != "other");
            Err((err, cert))
        }
    }
}

fn tls_problem(kind: kontor_net::TlsErrorKind) -> &'static str {
    use kontor_net::TlsErrorKind as K;
    match kind {
        K::Expired => "expired",
        K::NotYetValid => "not_yet_valid",
        K::SelfSigned => "self_signed",
        K::UnknownIssuer => "unknown_issuer",
        K::NameMismatch => "name_mismatch",
        K::Revoked => "revoked",
        K::Other => "other",
    }
}

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ts.to_string())
}

/// The CalDAV step: discovery, then the calendars of the first home.
async fn caldav(url: &str, target: &Target) -> Result<String, CoreError> {
    let start = url::Url::parse(url)
        .map_err(|e| CoreError::InvalidInput(format!("the CalDAV address {url}: {e}")))?;
    let password = target
        .password
        .clone()
        .ok_or_else(|| CoreError::AuthFailed {
            detail: "no password for the CalDAV check".into(),
        })?;
    let http = kontor_net::client(&kontor_net::ClientOptions {
        timeout: Some(REQUEST_TIMEOUT),
        connect_timeout: STEP_TIMEOUT,
        ..kontor_net::ClientOptions::default()
    })
    .map_err(|e| CoreError::Unreachable {
        detail: e.to_string(),
    })?;
    let dav = kontor_caldav::DavClient::new(
        http,
        kontor_caldav::Credentials {
            user: target.user.clone(),
            password,
        },
    );
    let found = dav.discover(&start).await.map_err(map_dav)?;
    let mut calendars = 0;
    if let Some(home) = found.calendar_homes.first() {
        calendars = dav.list_calendars(home).await.map_err(map_dav)?.len();
    }
    Ok(format!(
        "principal {}; calendar home {}; {calendars} calendars",
        found.principal,
        found
            .calendar_homes
            .first()
            .map(|u| u.as_str())
            .unwrap_or("-"),
    ))
}

fn map(e: EasError, url: &str) -> CoreError {
    crate::sync::map_eas(e, url)
}

fn map_dav(e: kontor_caldav::DavError) -> CoreError {
    use kontor_caldav::DavError as D;
    let detail = e.to_string();
    match e {
        D::Net(n) if n.is_tls() => CoreError::Tls { detail },
        D::Net(_) => CoreError::Unreachable { detail },
        D::Unauthorized(_) | D::Forbidden(_) => CoreError::AuthFailed { detail },
        D::Url(_) => CoreError::InvalidInput(detail),
        _ => CoreError::Protocol { detail },
    }
}

impl Report {
    /// True when every check that ran passed.
    pub fn passed(&self) -> bool {
        self.outcome.is_none()
    }

    /// The report for a person, in `lang`.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let mut out = vec![
            format!(
                "Kontor {} ({}) — {}",
                self.kontor_version,
                self.os,
                lang.pick("connection check", "Verbindungsprüfung")
            ),
            format!(
                "{}: {}  {}: {}",
                lang.pick("Server", "Server"),
                self.server_url,
                lang.pick("User name", "Benutzername"),
                self.user
            ),
        ];
        if let Some(c) = &self.caldav_url {
            out.push(format!("CalDAV: {c}"));
        }
        out.push(String::new());
        for s in &self.steps {
            let mark = match s.status {
                StepStatus::Ok => lang.pick("OK     ", "OK     "),
                StepStatus::Failed => lang.pick("FAILED ", "FEHLER "),
                StepStatus::Skipped => lang.pick("skipped", "übersprungen"),
            };
            out.push(format!("[{mark}] {}: {}", s.name.title(lang), s.detail));
            if let Some(c) = &s.certificate
                && !c.subject.is_empty()
            {
                out.push(format!(
                    "          {}: {}",
                    lang.pick("certificate subject", "Zertifikat für"),
                    c.subject
                ));
                out.push(format!(
                    "          {}: {}",
                    lang.pick("issued by", "ausgestellt von"),
                    c.issuer
                ));
                out.push(format!(
                    "          {}: {} – {}",
                    lang.pick("valid", "gültig"),
                    c.not_before,
                    c.not_after
                ));
            }
        }
        for p in &self.policy_problems {
            out.push(format!(
                "{}: {p}",
                lang.pick("Policy value ignored", "Richtlinienwert ignoriert")
            ));
        }
        out.push(String::new());
        match self.steps.iter().find(|s| s.code.is_some()) {
            None => out.push(
                lang.pick("All checks passed.", "Alle Prüfungen waren erfolgreich.")
                    .to_owned(),
            ),
            Some(s) => out.push(format!(
                "{} {}",
                lang.pick("Result:", "Ergebnis:"),
                failure_message(s.code.unwrap_or(ErrorCode::Internal), lang)
            )),
        }
        out
    }
}

/// The sentence for a person for a failed check's code (the same texts the window shows).
fn failure_message(code: ErrorCode, lang: Lang) -> String {
    let sample = match code {
        ErrorCode::AuthFailed => CoreError::AuthFailed {
            detail: String::new(),
        },
        ErrorCode::Unreachable => CoreError::Unreachable {
            detail: String::new(),
        },
        ErrorCode::NotActiveSync => CoreError::NotActiveSync {
            detail: String::new(),
        },
        ErrorCode::Tls => CoreError::Tls {
            detail: String::new(),
        },
        ErrorCode::InvalidInput => CoreError::InvalidInput(String::new()),
        ErrorCode::NotSignedIn => CoreError::NotSignedIn,
        _ => CoreError::Server {
            detail: String::new(),
        },
    };
    sample.message(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnose_device_id_is_stable_distinct_and_short_enough() {
        let id = "0123456789ABCDEF0123456789ABCDEF";
        let d = diagnose_device_id(id);
        assert_eq!(d, diagnose_device_id(id));
        assert_ne!(d, id);
        assert_eq!(d.len(), 32);
        assert!(d.starts_with("KDIAG"));
    }

    #[test]
    fn target_debug_hides_the_password() {
        let t = Target {
            server_url: "http://s".into(),
            user: "u".into(),
            password: Some("hunter2".into()),
            caldav_url: None,
            device_id: "d".into(),
        };
        assert!(!format!("{t:?}").contains("hunter2"));
        let o = Overrides {
            password: Some("hunter2".into()),
            ..Overrides::default()
        };
        assert!(!format!("{o:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn target_prefers_flags_then_account_then_policy() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path());
        let policy = Policy::from_json(
            r#"{"machine": {"ServerUrl": "https://policy.example/Microsoft-Server-ActiveSync", "CalDavUrl": "https://policy.example/dav/"}}"#,
        )
        .unwrap();
        // No profile, no account, no user: nothing to check.
        let err = Target::for_profile(&paths, &Policy::default(), Overrides::default())
            .await
            .unwrap_err();
        assert!(matches!(err, CoreError::NotSignedIn), "{err:?}");
        let t = Target::for_profile(
            &paths,
            &policy,
            Overrides {
                user: Some("it".into()),
                password: Some("pw".into()),
                ..Overrides::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            t.server_url,
            "https://policy.example/Microsoft-Server-ActiveSync"
        );
        assert_eq!(t.caldav_url.as_deref(), Some("https://policy.example/dav/"));
        assert!(!paths.profile_file().exists(), "the check writes nothing");

        let mut profile = ProfileFile::load_or_create(&paths).unwrap();
        profile.accounts = vec![crate::profile::AccountConfig {
            server_url: "http://account.example/Microsoft-Server-ActiveSync".into(),
            user: "alice".into(),
        }];
        profile.save(&paths).unwrap();
        let t = Target::for_profile(
            &paths,
            &policy,
            Overrides {
                password: Some("pw".into()),
                caldav_url: Some("http://flag.example/dav/".into()),
                ..Overrides::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (t.server_url.as_str(), t.user.as_str()),
            (
                "http://account.example/Microsoft-Server-ActiveSync",
                "alice"
            )
        );
        assert_eq!(t.caldav_url.as_deref(), Some("http://flag.example/dav/"));
        assert_eq!(t.device_id, diagnose_device_id(&profile.device_id));
    }

    #[tokio::test]
    async fn unresolvable_name_fails_at_dns_and_skips_the_rest() {
        let t = Target {
            // RFC 6761: .invalid never resolves.
            server_url: "https://kontor-diagnose.invalid/Microsoft-Server-ActiveSync".into(),
            user: "u".into(),
            password: Some("p".into()),
            caldav_url: None,
            device_id: "KDIAGTEST".into(),
        };
        let r = run(&t, &Policy::default()).await;
        assert_eq!(r.outcome, Some(ErrorCode::Unreachable));
        assert_eq!(r.steps[0].name, StepName::Dns);
        assert_eq!(r.steps[0].status, StepStatus::Failed);
        assert!(
            r.steps[1..].iter().all(|s| s.status == StepStatus::Skipped),
            "{:?}",
            r.steps
        );
        let en = r.lines(Lang::En).join("\n");
        let de = r.lines(Lang::De).join("\n");
        assert!(
            en.contains("FAILED") && en.contains("could not be reached"),
            "{en}"
        );
        assert!(
            de.contains("FEHLER") && de.contains("nicht erreichbar"),
            "{de}"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["outcome"], "unreachable");
        assert_eq!(json["steps"][0]["name"], "dns");
        assert!(!json.to_string().contains("\"p\""));
    }
}
