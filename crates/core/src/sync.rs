//! ActiveSync sessions for the core: connect (OPTIONS → version, Provision) and FolderSync,
//! with the eas crate's errors turned into the core's plain categories.
//!
//! The sync engine (per-folder Sync, Ping, outbox replay) grows here; the rule stays that a
//! sync key and the items it covers are written in one transaction (see `store`).

use kontor_eas::{EasClient, EasConfig, EasError};

use crate::error::CoreError;
use crate::store::FolderChange;

/// The DeviceType Kontor reports (MS-ASHTTP 2.2.1.1.1.1.3).
pub const DEVICE_TYPE: &str = "Kontor";

/// The folder hierarchy as one FolderSync answered it.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub sync_key: String,
    pub changes: Vec<FolderChange>,
}

/// A connected, provisioned ActiveSync session.
#[derive(Debug)]
pub struct Session {
    client: EasClient,
}

impl Session {
    /// OPTIONS (version negotiation) and Provision.
    pub async fn connect(
        server_url: &str,
        user: &str,
        password: &str,
        device_id: &str,
    ) -> Result<Session, CoreError> {
        let config = EasConfig::new(server_url, user, password, device_id)
            .map_err(|e| map_eas(e, server_url))?
            .device_type(DEVICE_TYPE)
            .user_agent(&format!("Kontor/{}", env!("CARGO_PKG_VERSION")));
        let mut client = EasClient::new(config).map_err(|e| map_eas(e, server_url))?;
        client
            .negotiate()
            .await
            .map_err(|e| map_eas(e, server_url))?;
        // Another session of this device may hold a key already (the sync engine's, when
        // the window fetches a body): taking it does not make that one's stale.
        client
            .ensure_policy_key()
            .await
            .map_err(|e| map_eas(e, server_url))?;
        Ok(Session { client })
    }

    pub fn protocol_version(&self) -> &str {
        self.client.protocol_version()
    }

    /// The user's addresses (primary first, no repeats) and display name from Settings
    /// UserInformation; `None` when the server cannot tell (logged, not an error: the caller
    /// keeps what it knows).
    pub async fn user_identity(&mut self) -> Option<(Vec<String>, String)> {
        match self.client.user_information().await {
            Ok(info) => {
                let mut addresses: Vec<String> = Vec::new();
                for a in info
                    .primary_smtp_address
                    .iter()
                    .chain(info.email_addresses.iter())
                {
                    let a = a.trim();
                    if !a.is_empty() && !addresses.iter().any(|x| x.eq_ignore_ascii_case(a)) {
                        addresses.push(a.to_owned());
                    }
                }
                Some((addresses, info.display_name.unwrap_or_default()))
            }
            Err(e) => {
                tracing::info!(error = %e, "the server did not tell the user's addresses");
                None
            }
        }
    }

    pub fn policy_key(&self) -> &str {
        self.client.policy_key()
    }

    /// The connected client, for the sync engine.
    pub fn client_mut(&mut self) -> &mut EasClient {
        &mut self.client
    }

    /// FolderSync from `sync_key` ("0" for the whole hierarchy).
    pub async fn folder_sync(&mut self, sync_key: &str) -> Result<Hierarchy, CoreError> {
        let url = self.client.url().to_string();
        let resp = self
            .client
            .folder_sync(sync_key)
            .await
            .map_err(|e| map_eas(e, &url))?;
        Ok(hierarchy(resp))
    }
}

/// The store's view of one FolderSync answer.
pub(crate) fn hierarchy(resp: kontor_eas::folder_sync::Response) -> Hierarchy {
    let mut changes = Vec::with_capacity(resp.changes.len());
    for c in resp.changes {
        changes.push(match c {
            kontor_eas::folder_sync::Change::Add(f)
            | kontor_eas::folder_sync::Change::Update(f) => FolderChange::Upsert {
                server_id: f.server_id,
                parent_id: f.parent_id,
                display_name: f.display_name,
                folder_type: i64::from(f.folder_type.code()),
            },
            kontor_eas::folder_sync::Change::Delete { server_id } => {
                FolderChange::Delete { server_id }
            }
        });
    }
    Hierarchy {
        sync_key: resp.sync_key,
        changes,
    }
}

/// Sorts an eas error into what the user can act on.
pub(crate) fn map_eas(e: EasError, url: &str) -> CoreError {
    let detail = format!("{e} ({url})");
    match e {
        EasError::Unauthorized { .. } | EasError::Forbidden { .. } => {
            CoreError::AuthFailed { detail }
        }
        EasError::NotActiveSync { .. } => CoreError::NotActiveSync { detail },
        EasError::Net(ref n) => CoreError::from_net(n, detail),
        EasError::InvalidUrl { .. } => CoreError::InvalidInput(detail),
        EasError::Protocol { .. } => CoreError::Protocol { detail },
        _ => CoreError::Server { detail },
    }
}

/// Checks and tidies the server address the user typed: adds `https://` when no scheme is
/// given, and refuses anything but http(s).
pub fn normalise_server_url(input: &str) -> Result<String, CoreError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(CoreError::InvalidInput(
            "the server address is empty".into(),
        ));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| {
        CoreError::InvalidInput(format!("\"{trimmed}\" is not a valid server address: {e}"))
    })?;
    match url.scheme() {
        "https" | "http" => {}
        other => {
            return Err(CoreError::InvalidInput(format!(
                "\"{other}\" addresses are not supported; use https://"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CoreError::InvalidInput(format!(
            "\"{trimmed}\" names no server"
        )));
    }
    Ok(url.to_string())
}

/// The path of the ActiveSync endpoint on Exchange, Z-Push and most front ends (MS-ASHTTP 2.2.1).
pub const EAS_PATH: &str = "/Microsoft-Server-ActiveSync";

/// The ActiveSync URL for what the user typed as the server, the way Outlook reads it:
/// a name (`mail.firma.de`) or `host:port` gets `https://` and [`EAS_PATH`]; a URL that names a
/// path is taken as it is (the rules of [`normalise_server_url`]); one without a path gets
/// [`EAS_PATH`]. Without a scheme, a loopback host (`localhost`, `127.x`, `::1`) gets `http://`:
/// nothing sent to it leaves the computer (a local gateway, or the project's test servers), and
/// such servers rarely have a certificate. Any other host gets https unless `http://` is typed.
pub fn server_url_from_input(input: &str) -> Result<String, CoreError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(CoreError::InvalidInput(
            "the server address is empty".into(),
        ));
    }
    let typed_scheme = trimmed.contains("://");
    let mut url = url::Url::parse(&normalise_server_url(trimmed)?).map_err(|e| {
        CoreError::InvalidInput(format!("\"{trimmed}\" is not a valid server address: {e}"))
    })?;
    if !url.username().is_empty() {
        return Err(CoreError::InvalidInput(format!(
            "\"{trimmed}\" is not a server address (the e-mail address goes in its own field)"
        )));
    }
    if !typed_scheme && is_loopback(&url) {
        // `Url::set_scheme` refuses nothing between the two special schemes http and https.
        let _ = url.set_scheme("http");
    }
    if url.path() == "/" || url.path().is_empty() {
        url.set_path(EAS_PATH);
    }
    Ok(url.to_string())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// How long Autodiscover may take in all (every candidate and redirect): past that the user is
/// better served by "enter the server name" than by a longer wait.
pub const AUTODISCOVER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The domain of an e-mail address (lower case), or `None` when `email` is not one.
pub fn email_domain(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim().to_ascii_lowercase();
    (!local.is_empty() && !domain.is_empty() && !domain.contains(['/', ':', ' ', '@']))
        .then_some(domain)
}

/// Finds the ActiveSync URL for `email` by Autodiscover (MS-ASCMD 2.2.1.1), within
/// [`AUTODISCOVER_TIMEOUT`]. A refused password is [`CoreError::AuthFailed`]; every other
/// failure is [`CoreError::ServerNotFound`], which asks for the server name.
pub async fn autodiscover(email: &str, user: &str, password: &str) -> Result<String, CoreError> {
    let domain = email_domain(email).ok_or_else(|| {
        CoreError::InvalidInput(format!(
            "\"{}\" is not an e-mail address; enter the address or the server name",
            email.trim()
        ))
    })?;
    let not_found = |detail: String| CoreError::ServerNotFound {
        domain: domain.clone(),
        detail,
    };
    let http = kontor_net::client(&kontor_net::ClientOptions {
        timeout: Some(std::time::Duration::from_secs(10)),
        connect_timeout: std::time::Duration::from_secs(5),
        ..kontor_net::ClientOptions::default()
    })
    .map_err(|e| not_found(e.to_string()))?;
    let found = tokio::time::timeout(
        AUTODISCOVER_TIMEOUT,
        kontor_eas::autodiscover::discover(&http, email.trim(), user, password),
    )
    .await
    .map_err(|_| {
        not_found(format!(
            "Autodiscover did not answer within {} s",
            AUTODISCOVER_TIMEOUT.as_secs()
        ))
    })?;
    match found {
        Ok(d) => {
            tracing::info!(url = %d.url, "Autodiscover found the server");
            url_from_autodiscover(&d.url, &domain)
        }
        Err(e @ EasError::Unauthorized { .. }) => Err(map_eas(e, "Autodiscover")),
        Err(e) => Err(not_found(format!("Autodiscover: {e}"))),
    }
}

/// The ActiveSync URL an Autodiscover answer named, checked: https (http only on loopback, for
/// a test server), with a host.
pub fn url_from_autodiscover(url: &str, domain: &str) -> Result<String, CoreError> {
    let bad = |why: &str| CoreError::ServerNotFound {
        domain: domain.to_owned(),
        detail: format!("Autodiscover named {url:?}, {why}"),
    };
    let parsed = url::Url::parse(url.trim()).map_err(|_| bad("which is not a URL"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        _ => return Err(bad("which is not an https address")),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("which names no server"));
    }
    Ok(parsed.to_string())
}

/// Whether a calendar folder belongs to someone else. SOGo names a subscribed calendar
/// `Folder (Owner Name <owner@example.com>)`; a suffix naming another address marks it as
/// shared (docs/server-quirks.md#sogo-58, "Shared calendar names").
pub fn looks_shared(display_name: &str, user: &str) -> bool {
    let Some(open) = display_name.rfind('<') else {
        return false;
    };
    let Some(rest) = display_name[open + 1..].strip_suffix(">)") else {
        return false;
    };
    let local = rest.split('@').next().unwrap_or_default();
    rest.contains('@') && !local.eq_ignore_ascii_case(user) && !rest.eq_ignore_ascii_case(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalise_server_url(" mail.example.com ").unwrap(),
            "https://mail.example.com/"
        );
        assert_eq!(
            normalise_server_url("http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync")
                .unwrap(),
            "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync"
        );
        assert!(normalise_server_url("").is_err());
        assert!(normalise_server_url("ftp://x").is_err());
        assert!(normalise_server_url("https://").is_err());
    }

    #[test]
    fn a_server_name_becomes_the_activesync_url() {
        let url = |s: &str| server_url_from_input(s).unwrap();
        assert_eq!(
            url(" mail.firma.de "),
            "https://mail.firma.de/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            url("mail.firma.de:8443"),
            "https://mail.firma.de:8443/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            url("https://mail.firma.de"),
            "https://mail.firma.de/Microsoft-Server-ActiveSync"
        );
        // A URL that names a path is the full address: kept as it is.
        assert_eq!(
            url("http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync"),
            "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            url("mail.firma.de/SOGo/Microsoft-Server-ActiveSync"),
            "https://mail.firma.de/SOGo/Microsoft-Server-ActiveSync"
        );
        // Plain HTTP only where typed, or on loopback.
        assert_eq!(
            url("127.0.0.1:55080"),
            "http://127.0.0.1:55080/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            url("localhost:80"),
            "http://localhost/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            url("127.0.0.1:20000"),
            "http://127.0.0.1:20000/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            url("mail.firma.de:55080"),
            "https://mail.firma.de:55080/Microsoft-Server-ActiveSync"
        );
        assert_eq!(
            url("http://mail.firma.de"),
            "http://mail.firma.de/Microsoft-Server-ActiveSync"
        );
        assert!(server_url_from_input("").is_err());
        assert!(server_url_from_input("ftp://mail.firma.de").is_err());
        assert!(server_url_from_input("carol@firma.de").is_err());
    }

    #[test]
    fn e_mail_domains() {
        assert_eq!(
            email_domain(" Carol@Kontor.TEST ").as_deref(),
            Some("kontor.test")
        );
        assert_eq!(email_domain("carol"), None);
        assert_eq!(email_domain("@kontor.test"), None);
        assert_eq!(email_domain("carol@"), None);
        assert_eq!(email_domain("carol@mail.firma.de:443"), None);
    }

    /// Z-Push 2.7.1's own Autodiscover (`autodiscover/autodiscover.php`, ZPUSH_HOST
    /// `mail.kontor.test`) answering carol's request, recorded byte for byte.
    #[test]
    fn a_recorded_autodiscover_answer_gives_the_activesync_url() {
        let xml = include_str!("../tests/fixtures/autodiscover/zpush-2.7.1-carol.xml");
        let kontor_eas::autodiscover::Answer::Settings { url, email, .. } =
            kontor_eas::autodiscover::parse(xml).unwrap()
        else {
            panic!("not a settings answer")
        };
        assert_eq!(email.as_deref(), Some("carol@kontor.test"));
        assert_eq!(
            url_from_autodiscover(&url, "kontor.test").unwrap(),
            "https://mail.kontor.test/Microsoft-Server-ActiveSync"
        );
        // What an answer may not send the password to.
        for bad in [
            "http://mail.kontor.test/Microsoft-Server-ActiveSync",
            "ftp://mail.kontor.test/",
            "not a url",
        ] {
            let err = url_from_autodiscover(bad, "kontor.test").unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::ServerNotFound, "{bad}: {err}");
        }
        assert!(
            url_from_autodiscover("http://127.0.0.1:55080/Microsoft-Server-ActiveSync", "x")
                .is_ok()
        );
    }

    /// Nothing answers for a reserved domain (RFC 6761 `.invalid`): the error names the domain
    /// and asks for the server name, well within the overall limit.
    #[tokio::test]
    async fn autodiscover_without_an_answer_asks_for_the_server_name() {
        let started = std::time::Instant::now();
        let err = autodiscover("carol@kontor.invalid", "carol@kontor.invalid", "pw")
            .await
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::ServerNotFound, "{err}");
        assert!(
            err.to_string()
                .starts_with("the server for kontor.invalid was not found; enter the server name"),
            "{err}"
        );
        assert!(started.elapsed() <= AUTODISCOVER_TIMEOUT + std::time::Duration::from_secs(2));
        let err = autodiscover("carol", "carol", "pw").await.unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidInput, "{err}");
    }

    #[test]
    fn shared_calendar_names() {
        assert!(looks_shared(
            "Personal Calendar (Bob Baker <bob@kontor.test>)",
            "alice"
        ));
        assert!(!looks_shared(
            "Personal Calendar (Alice <alice@kontor.test>)",
            "alice"
        ));
        assert!(!looks_shared("Personal Calendar", "alice"));
        assert!(!looks_shared("Team <not an address>", "alice"));
    }
}
