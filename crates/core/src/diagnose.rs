//! `kontor --diagnose`: why does Kontor not connect? One check after the other, each building
//! on the one before, so the first failure names the layer that is broken:
//!
//! | step | what | fails as |
//! |---|---|---|
//! | DNS | resolve the server's host name | `unreachable` |
//! | TCP | connect to one of its addresses | `unreachable` |
//! | TLS | handshake with the platform's certificate check and the policy's pinned fingerprints (`https` only); on failure which check failed in plain words, and the certificate's subject, issuer, dates, names and SHA-256 fingerprint | `tls` |
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
//!
//! [`Report::lines`] is entirely in the chosen language: every step carries its sentence in
//! English and German, a failure's sentence is the one the window shows
//! ([`CoreError::message`]), and the technical cause (English, from the lower layers) appears
//! only on a line labelled as technical detail.

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
    /// SHA-256 fingerprint, `AB:CD:…`.
    pub sha256: String,
    /// Which check failed: expired, not_yet_valid, self_signed, unknown_issuer, name_mismatch,
    /// revoked, other.
    pub problem: String,
}

/// A step's sentence for a person, in both languages (not in the JSON report).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    pub en: String,
    pub de: String,
}

impl Texts {
    fn new(en: impl Into<String>, de: impl Into<String>) -> Texts {
        Texts {
            en: en.into(),
            de: de.into(),
        }
    }

    /// The same text in both languages (names, addresses, numbers).
    fn same(text: impl Into<String>) -> Texts {
        let text = text.into();
        Texts {
            en: text.clone(),
            de: text,
        }
    }

    fn of(err: &CoreError) -> Texts {
        Texts::new(err.message(Lang::En), err.message(Lang::De))
    }

    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::De => &self.de,
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub name: StepName,
    pub status: StepStatus,
    /// What was found or what went wrong (technical, English).
    pub detail: String,
    /// What was found or what went wrong for a person ([`Report::lines`]).
    #[serde(skip)]
    pub text: Texts,
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

    /// A passed (or not applicable) step: `text` for a person, its English as the detail.
    fn push(&mut self, name: StepName, status: StepStatus, text: Texts) {
        self.push_full(name, status, text.en.clone(), text, None, None);
    }

    fn fail(&mut self, name: StepName, err: &CoreError) {
        self.fail_with(name, err, None);
    }

    fn fail_with(&mut self, name: StepName, err: &CoreError, certificate: Option<Certificate>) {
        self.push_full(
            name,
            StepStatus::Failed,
            err.to_string(),
            Texts::of(err),
            Some(err.code()),
            certificate,
        );
    }

    fn push_full(
        &mut self,
        name: StepName,
        status: StepStatus,
        detail: String,
        text: Texts,
        code: Option<ErrorCode>,
        certificate: Option<Certificate>,
    ) {
        let millis = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.steps.push(Step {
            name,
            status,
            detail,
            text,
            code,
            certificate,
            millis,
        });
    }

    fn skip(&mut self, names: &[StepName], why: Texts) {
        for &n in names {
            self.started = Instant::now();
            self.push(n, StepStatus::Skipped, why.clone());
        }
    }
}

/// Runs every check against `target` and returns the report. Never fails: failures are steps.
pub async fn run(target: &Target, policy: &Policy) -> Report {
    let mut run = Run {
        steps: Vec::new(),
        started: Instant::now(),
    };
    let pins = policy.trusted_certificate_fingerprints();
    run_eas(target, &mut run, &pins).await;
    match &target.caldav_url {
        Some(url) => {
            run.start();
            match caldav(url, target, &pins).await {
                Ok(text) => run.push(StepName::Caldav, StepStatus::Ok, text),
                Err(e) => run.fail(StepName::Caldav, &e),
            }
        }
        None => run.skip(
            &[StepName::Caldav],
            Texts::new(
                "no CalDAV address is configured",
                "keine CalDAV-Adresse eingerichtet",
            ),
        ),
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

async fn run_eas(target: &Target, run: &mut Run, pins: &[[u8; 32]]) {
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
            run.skip(
                &after(1),
                Texts::new(
                    "the server address is not valid",
                    "die Serveradresse ist ungültig",
                ),
            );
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
                run.skip(
                    &after(1),
                    Texts::new(
                        "the server name could not be resolved",
                        "der Servername konnte nicht aufgelöst werden",
                    ),
                );
                return;
            }
            Err(_) => {
                run.fail(
                    Dns,
                    &CoreError::Unreachable {
                        detail: format!("resolving {host} took longer than {STEP_TIMEOUT:?}"),
                    },
                );
                run.skip(
                    &after(1),
                    Texts::new(
                        "the server name could not be resolved",
                        "der Servername konnte nicht aufgelöst werden",
                    ),
                );
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
        run.skip(
            &after(1),
            Texts::new(
                "the server name could not be resolved",
                "der Servername konnte nicht aufgelöst werden",
            ),
        );
        return;
    }
    let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
    run.push(
        Dns,
        StepStatus::Ok,
        Texts::same(format!("{host} → {}", list.join(", "))),
    );

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
        Some(addr) => run.push(
            Tcp,
            StepStatus::Ok,
            Texts::new(
                format!("connected to {addr}"),
                format!("verbunden mit {addr}"),
            ),
        ),
        None => {
            run.fail(
                Tcp,
                &CoreError::Unreachable {
                    detail: format!("port {port} of {host}: {}", errors.join("; ")),
                },
            );
            run.skip(
                &after(2),
                Texts::new("no connection to the server", "keine Verbindung zum Server"),
            );
            return;
        }
    }

    // TLS
    run.start();
    if url.scheme() == "https" {
        match tls_check(&url, pins).await {
            Ok(text) => run.push(Tls, StepStatus::Ok, text),
            Err((err, cert)) => {
                run.fail_with(Tls, &err, cert);
                run.skip(
                    &after(3),
                    Texts::new(
                        "no secure connection to the server",
                        "keine verschlüsselte Verbindung zum Server",
                    ),
                );
                return;
            }
        }
    } else {
        run.push(
            Tls,
            StepStatus::Skipped,
            Texts::new(
                "the address uses http: the connection is not encrypted",
                "die Adresse verwendet http: Die Verbindung ist nicht verschlüsselt",
            ),
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
        run.skip(&after(4), Texts::new("no password", "kein Kennwort"));
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
            run.skip(
                &after(4),
                Texts::new(
                    "the server address is not valid",
                    "die Serveradresse ist ungültig",
                ),
            );
            return;
        }
    };
    // EasClient::new's client, with the policy's pinned certificates.
    let http = kontor_net::client(&kontor_net::ClientOptions {
        timeout: None,
        user_agent: format!("Kontor/{} (diagnose)", env!("CARGO_PKG_VERSION")),
        trusted_fingerprints: pins.to_vec(),
        ..kontor_net::ClientOptions::default()
    });
    let mut client = match http {
        Ok(http) => EasClient::with_http(config, http),
        Err(e) => {
            run.fail(Auth, &map(EasError::Net(e), &target.server_url));
            run.skip(&after(4), Texts::new("no HTTP client", "kein HTTP-Client"));
            return;
        }
    };
    match client.negotiate().await {
        Ok(info) => {
            let (versions, chosen, commands) = (
                info.versions.join(", "),
                info.chosen.as_str(),
                info.commands.len(),
            );
            run.push(
                Auth,
                StepStatus::Ok,
                Texts::new(
                    format!("the server accepted {} (OPTIONS)", target.user),
                    format!("der Server hat {} angenommen (OPTIONS)", target.user),
                ),
            );
            run.start();
            run.push(
                Options,
                StepStatus::Ok,
                Texts::new(
                    format!("server offers {versions}; using {chosen}; {commands} commands"),
                    format!(
                        "der Server bietet {versions}; verwendet wird {chosen}; {commands} Befehle"
                    ),
                ),
            );
        }
        Err(e @ (EasError::Unauthorized { .. } | EasError::Forbidden { .. })) => {
            run.fail(Auth, &map(e, &target.server_url));
            run.skip(
                &after(4),
                Texts::new(
                    "the server refused the sign-in",
                    "der Server hat die Anmeldung abgelehnt",
                ),
            );
            return;
        }
        Err(e) => {
            let err = map(e, &target.server_url);
            if matches!(err.code(), ErrorCode::Unreachable | ErrorCode::Tls) {
                run.fail(Auth, &err);
                run.skip(
                    &after(4),
                    Texts::new("no answer to OPTIONS", "keine Antwort auf OPTIONS"),
                );
            } else {
                run.push(
                    Auth,
                    StepStatus::Ok,
                    Texts::new(
                        "the server did not refuse the credentials",
                        "der Server hat die Anmeldedaten nicht abgelehnt",
                    ),
                );
                run.start();
                run.fail(Options, &err);
                run.skip(
                    &after(5),
                    Texts::new(
                        "no usable ActiveSync version",
                        "keine verwendbare ActiveSync-Version",
                    ),
                );
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
            Texts::new(
                format!(
                    "policy status {:?}, {} settings",
                    p.policy_status,
                    p.settings.len()
                ),
                format!(
                    "Richtlinienstatus: {}; {} Einstellungen",
                    policy_status_de(&p.policy_status),
                    p.settings.len()
                ),
            ),
        ),
        Err(e) => {
            run.fail(Provision, &map(e, &target.server_url));
            run.skip(
                &after(6),
                Texts::new(
                    "provisioning failed",
                    "die Richtlinienabfrage ist fehlgeschlagen",
                ),
            );
            return;
        }
    }

    // FolderSync
    run.start();
    match client.folder_sync("0").await {
        Ok(r) => run.push(
            FolderSync,
            StepStatus::Ok,
            Texts::new(
                format!("{} folders", r.changes.len()),
                format!("{} Ordner", r.changes.len()),
            ),
        ),
        Err(e) => run.fail(FolderSync, &map(e, &target.server_url)),
    }
}

/// The Provision answer's policy status in German (MS-ASPROV 2.2.2.54).
fn policy_status_de(status: &kontor_eas::provision::PolicyStatus) -> String {
    use kontor_eas::provision::PolicyStatus as S;
    match status {
        S::Success => "erfolgreich".to_owned(),
        S::NoPolicy => "keine Richtlinie für dieses Gerät".to_owned(),
        S::UnknownPolicyType => "unbekannter Richtlinientyp".to_owned(),
        S::PolicyDataCorrupt => "Richtliniendaten beschädigt".to_owned(),
        S::PolicyKeyMismatch => "Richtlinienschlüssel passt nicht".to_owned(),
        S::Other(code) => format!("Code {code}"),
    }
}

/// The TLS step: any HTTP answer over a verified connection passes.
async fn tls_check(
    url: &url::Url,
    pins: &[[u8; 32]],
) -> Result<Texts, (CoreError, Option<Certificate>)> {
    let http = kontor_net::client(&kontor_net::ClientOptions {
        timeout: Some(REQUEST_TIMEOUT),
        connect_timeout: STEP_TIMEOUT,
        follow_redirects: false,
        trusted_fingerprints: pins.to_vec(),
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
        Ok(resp) => {
            let how = format!("{:?}, HTTP {}", resp.version(), resp.status().as_u16());
            Ok(Texts::new(
                format!("certificate accepted ({how})"),
                format!("Zertifikat akzeptiert ({how})"),
            ))
        }
        Err(e) => {
            let net = kontor_net::NetError::from(e);
            let err = CoreError::from_net(&net, net.to_string());
            // A certificate-less TLS failure (handshake garbage) has nothing to show.
            let cert = err.tls().and_then(|t| {
                Some(Certificate {
                    subject: t.subject.clone()?,
                    issuer: t.issuer.clone().unwrap_or_default(),
                    not_before: t.not_before.map(rfc3339).unwrap_or_default(),
                    not_after: t.not_after.map(rfc3339).unwrap_or_default(),
                    names: t.names.clone(),
                    sha256: t.sha256.clone().unwrap_or_default(),
                    problem: t.kind.as_str().to_owned(),
                })
            });
            Err((err, cert))
        }
    }
}

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ts.to_string())
}

/// The CalDAV step: discovery, then the calendars of the first home.
async fn caldav(url: &str, target: &Target, pins: &[[u8; 32]]) -> Result<Texts, CoreError> {
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
        trusted_fingerprints: pins.to_vec(),
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
    let home = found
        .calendar_homes
        .first()
        .map(|u| u.as_str())
        .unwrap_or("-");
    Ok(Texts::new(
        format!(
            "principal {}; calendar home {home}; {calendars} calendars",
            found.principal
        ),
        format!(
            "Principal {}; Kalenderverzeichnis {home}; {calendars} Kalender",
            found.principal
        ),
    ))
}

fn map(e: EasError, url: &str) -> CoreError {
    crate::sync::map_eas(e, url)
}

fn map_dav(e: kontor_caldav::DavError) -> CoreError {
    use kontor_caldav::DavError as D;
    let detail = e.to_string();
    match e {
        D::Net(n) => CoreError::from_net(&n, detail),
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

    /// The report for a person, in `lang`: every sentence in that language; the technical
    /// cause of a failure (English, from the lower layers) only on a line labelled as such.
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
        let indent = "          ";
        for s in &self.steps {
            let mark = match s.status {
                StepStatus::Ok => lang.pick("OK     ", "OK     "),
                StepStatus::Failed => lang.pick("FAILED ", "FEHLER "),
                StepStatus::Skipped => lang.pick("skipped", "übersprungen"),
            };
            out.push(format!(
                "[{mark}] {}: {}",
                s.name.title(lang),
                s.text.pick(lang)
            ));
            if let Some(c) = &s.certificate {
                let mut field = |label: &str, value: String| {
                    if !value.is_empty() {
                        out.push(format!("{indent}{label}: {value}"));
                    }
                };
                field(
                    lang.pick("certificate subject", "Zertifikat für"),
                    c.subject.clone(),
                );
                field(lang.pick("issued by", "ausgestellt von"), c.issuer.clone());
                field(
                    lang.pick("valid", "gültig"),
                    format!("{} – {}", c.not_before, c.not_after),
                );
                field(
                    lang.pick("names in the certificate", "Namen im Zertifikat"),
                    c.names.join(", "),
                );
                field(
                    lang.pick("SHA-256 fingerprint", "SHA-256-Fingerabdruck"),
                    c.sha256.clone(),
                );
            }
            if s.status == StepStatus::Failed {
                out.push(format!(
                    "{indent}{}: {}",
                    lang.pick("technical detail", "technische Angabe (englisch)"),
                    s.detail
                ));
            }
        }
        for p in &self.policy_problems {
            out.push(format!(
                "{}: {p}",
                lang.pick(
                    "Policy value ignored (technical detail)",
                    "Richtlinienwert ignoriert (technische Angabe, englisch)"
                )
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
                s.text.pick(lang)
            )),
        }
        out
    }
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
