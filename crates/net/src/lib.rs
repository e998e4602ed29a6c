//! # kontor-net — one HTTP client, plain network errors
//!
//! Both protocol clients (ActiveSync and CalDAV) reach servers through the `reqwest::Client`
//! built here: rustls with the ring provider and the operating system's certificate store
//! (rustls-platform-verifier), so a company CA rolled out to Windows is trusted and an expired,
//! self-signed or mismatched certificate fails loudly.
//!
//! It owns the mapping from low-level failures (DNS, TCP, TLS, timeouts) to [`NetError`]
//! values whose messages a person can act on. It must not know any protocol.
//!
//! ## Usage
//!
//! ```no_run
//! # async fn demo() -> Result<(), kontor_net::NetError> {
//! let http = kontor_net::client(&kontor_net::ClientOptions::default())?;
//! match http.get("https://mail.example.com/").send().await {
//!     Ok(resp) => { let _ = resp.status(); }
//!     Err(e) => {
//!         let err = kontor_net::NetError::from(e);
//!         // e.g. "The certificate of mail.example.com expired on …"
//!         tracing::warn!("{err}");
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! ## Certificate details
//!
//! When the platform verifier rejects a certificate, the verifier wrapper in this crate keeps
//! the server's end-entity certificate (per host name, a handful at most) so that
//! [`NetError::from`] can name its subject, issuer and validity dates. That record is
//! process-wide because a `reqwest::Error` carries no handle back to the TLS session.

use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// How to build the client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request timeout (connect + send + receive). `None` means no overall limit, which
    /// long-polling callers (EAS Ping) need; they then set a per-request timeout themselves.
    pub timeout: Option<Duration>,
    /// Time allowed to establish TCP + TLS.
    pub connect_timeout: Duration,
    /// User-Agent header sent with every request.
    pub user_agent: String,
    /// Follow HTTP redirects (up to 10). Off means 3xx responses reach the caller.
    pub follow_redirects: bool,
    /// Extra trust anchors (DER) on top of the platform store, e.g. a test CA.
    pub extra_roots: Vec<CertificateDer<'static>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Some(Duration::from_secs(60)),
            connect_timeout: Duration::from_secs(15),
            user_agent: format!("Kontor/{}", env!("CARGO_PKG_VERSION")),
            follow_redirects: true,
            extra_roots: Vec::new(),
        }
    }
}

/// Builds the HTTP client every protocol crate uses.
///
/// TLS is rustls with the ring provider (installed as the process default too, so other rustls
/// users agree) and certificate checks through the platform verifier.
pub fn client(opts: &ClientOptions) -> Result<reqwest::Client, NetError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Ignore the error: another part of the process may have installed ring already.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let platform = if opts.extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(
            opts.extra_roots.clone(),
            provider.clone(),
        )
    }
    .map_err(|e| NetError::Setup {
        detail: format!("the system certificate store could not be loaded: {e}"),
    })?;
    let verifier = Arc::new(RecordingVerifier { inner: platform });

    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NetError::Setup {
            detail: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(opts.user_agent.clone())
        .connect_timeout(opts.connect_timeout)
        .redirect(if opts.follow_redirects {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        });
    if let Some(t) = opts.timeout {
        builder = builder.timeout(t);
    }
    builder.build().map_err(|e| NetError::Setup {
        detail: e.to_string(),
    })
}

/// Which certificate check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsErrorKind {
    /// The certificate's validity period has ended.
    Expired,
    /// The certificate's validity period has not started yet (often a wrong PC clock).
    NotYetValid,
    /// The certificate signed itself and is not trusted on this computer.
    SelfSigned,
    /// The certificate was issued by an authority this computer does not trust.
    UnknownIssuer,
    /// The certificate is for a different server name.
    NameMismatch,
    /// The certificate was revoked by its issuer.
    Revoked,
    /// Any other TLS failure (handshake, protocol, unsupported algorithm…).
    Other,
}

/// The parts of a server certificate a person (or their IT department) needs to judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject distinguished name, e.g. `CN=mail.example.com`.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// DNS names the certificate is valid for (subjectAltName).
    pub names: Vec<String>,
}

impl CertificateInfo {
    /// Parses a DER certificate; `None` if it is not valid X.509.
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let names = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|n| match n {
                        x509_parser::extensions::GeneralName::DNSName(d) => Some((*d).to_string()),
                        x509_parser::extensions::GeneralName::IPAddress(ip) => {
                            Some(format!("{ip:?}"))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(CertificateInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            names,
        })
    }

    /// True when subject and issuer are the same name (a self-signed certificate).
    pub fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }
}

/// Formats Unix seconds as `YYYY-MM-DD HH:MM UTC` without a date library.
fn utc(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// A network failure in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetError {
    /// The host name could not be resolved.
    Dns { host: String },
    /// Nothing accepted the connection (refused, no route, reset during connect).
    Unreachable { host: String, detail: String },
    /// The server did not answer in time.
    Timeout { host: String },
    /// The TLS handshake failed; `certificate` is filled when the server's certificate was seen.
    Tls {
        host: String,
        kind: TlsErrorKind,
        certificate: Option<Box<CertificateInfo>>,
        detail: String,
    },
    /// The HTTP client could not be set up (certificate store unreadable and the like).
    Setup { detail: String },
    /// Anything else (connection dropped mid-response, invalid URL, body decoding…).
    Other { host: String, detail: String },
}

impl StdError for NetError {}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::Dns { host } => write!(
                f,
                "The server name \"{host}\" could not be found. Check the spelling of the server address and your network connection."
            ),
            NetError::Unreachable { host, detail } => write!(
                f,
                "The server {host} could not be reached ({detail}). Check the server address and port, and whether the server is running."
            ),
            NetError::Timeout { host } => {
                write!(
                    f,
                    "The server {host} did not answer in time. Try again later or check your network connection."
                )
            }
            NetError::Tls {
                host,
                kind,
                certificate,
                detail,
            } => {
                let what = match kind {
                    TlsErrorKind::Expired => "The security certificate of {host} has expired",
                    TlsErrorKind::NotYetValid => {
                        "The security certificate of {host} is not valid yet (check this computer's date and time)"
                    }
                    TlsErrorKind::SelfSigned => {
                        "The security certificate of {host} is self-signed and not trusted on this computer"
                    }
                    TlsErrorKind::UnknownIssuer => {
                        "The security certificate of {host} was issued by an authority this computer does not trust"
                    }
                    TlsErrorKind::NameMismatch => {
                        "The security certificate presented by {host} belongs to a different server name"
                    }
                    TlsErrorKind::Revoked => {
                        "The security certificate of {host} has been revoked by its issuer"
                    }
                    TlsErrorKind::Other => "A secure connection to {host} could not be established",
                };
                f.write_str(&what.replace("{host}", host))?;
                match certificate {
                    Some(c) => {
                        write!(
                            f,
                            ". Certificate subject: {}; issuer: {}; valid from {} until {}",
                            c.subject,
                            c.issuer,
                            utc(c.not_before),
                            utc(c.not_after)
                        )?;
                        if *kind == TlsErrorKind::NameMismatch && !c.names.is_empty() {
                            write!(f, "; valid for: {}", c.names.join(", "))?;
                        }
                        f.write_str(".")
                    }
                    None => write!(f, " ({detail})."),
                }
            }
            NetError::Setup { detail } => {
                write!(f, "The network connection could not be set up: {detail}.")
            }
            NetError::Other { host, detail } => {
                write!(f, "The connection to {host} failed: {detail}.")
            }
        }
    }
}

impl NetError {
    /// Host the error concerns (empty for [`NetError::Setup`]).
    pub fn host(&self) -> &str {
        match self {
            NetError::Dns { host }
            | NetError::Unreachable { host, .. }
            | NetError::Timeout { host }
            | NetError::Tls { host, .. }
            | NetError::Other { host, .. } => host,
            NetError::Setup { .. } => "",
        }
    }

    /// True for certificate and handshake failures.
    pub fn is_tls(&self) -> bool {
        matches!(self, NetError::Tls { .. })
    }

    /// True for failures worth retrying later without user action (timeouts, unreachable).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            NetError::Timeout { .. } | NetError::Unreachable { .. } | NetError::Other { .. }
        )
    }
}

impl From<reqwest::Error> for NetError {
    fn from(e: reqwest::Error) -> Self {
        classify(&e)
    }
}

/// Classifies a reqwest error by walking its source chain (reqwest → hyper-util → io → rustls).
pub fn classify(err: &reqwest::Error) -> NetError {
    let host = err
        .url()
        .and_then(|u| u.host_str())
        .unwrap_or("the server")
        .to_string();
    let mut is_dns = false;
    let mut io_kind = None;
    let mut tls: Option<rustls::Error> = None;
    let mut innermost = err.to_string();

    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if text.starts_with("dns error") || text.contains("failed to lookup address") {
            is_dns = true;
        }
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            tls = Some(t.clone());
        }
        innermost = text;
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            // io::Error::source() skips the wrapped error itself, so look inside explicitly:
            // rustls errors arrive as io::Error(Other, io::Error(InvalidData, rustls::Error)).
            io_kind.get_or_insert(io.kind());
            if let Some(inner) = io.get_ref() {
                let inner: &(dyn StdError + 'static) = inner;
                if let Some(t) = inner.downcast_ref::<rustls::Error>() {
                    tls = Some(t.clone());
                }
                cur = Some(inner);
                continue;
            }
        }
        cur = e.source();
    }

    if let Some(t) = tls {
        return tls_error(host, &t);
    }
    if is_dns {
        return NetError::Dns { host };
    }
    if err.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
        return NetError::Timeout { host };
    }
    use std::io::ErrorKind as K;
    match io_kind {
        Some(K::ConnectionRefused) => {
            return NetError::Unreachable {
                host,
                detail: "connection refused".into(),
            };
        }
        Some(K::HostUnreachable) => {
            return NetError::Unreachable {
                host,
                detail: "no route to host".into(),
            };
        }
        Some(K::NetworkUnreachable) => {
            return NetError::Unreachable {
                host,
                detail: "network unreachable".into(),
            };
        }
        Some(K::ConnectionReset) if err.is_connect() => {
            return NetError::Unreachable {
                host,
                detail: "connection reset".into(),
            };
        }
        _ => {}
    }
    if err.is_connect() {
        return NetError::Unreachable {
            host,
            detail: innermost,
        };
    }
    NetError::Other {
        host,
        detail: innermost,
    }
}

/// True when the connection was dropped under the request (reset, broken pipe, closed before
/// the answer began). A kept-alive connection the server silently closed shows up this way; a
/// caller may resend a request that is safe to repeat.
pub fn is_connection_dropped(err: &reqwest::Error) -> bool {
    use std::io::ErrorKind as K;
    if err.is_timeout() || err.is_connect() {
        return false;
    }
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof
            ) {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                cur = Some(inner);
                continue;
            }
        }
        let text = e.to_string();
        if text.contains("connection closed before message completed")
            || text.contains("connection reset")
        {
            return true;
        }
        cur = e.source();
    }
    false
}

fn tls_error(host: String, e: &rustls::Error) -> NetError {
    let certificate = take_rejected(&host);
    let kind = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsErrorKind::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TlsErrorKind::NotYetValid
            }
            CertificateError::UnknownIssuer => {
                if certificate.as_ref().is_some_and(|c| c.is_self_signed()) {
                    TlsErrorKind::SelfSigned
                } else {
                    TlsErrorKind::UnknownIssuer
                }
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsErrorKind::NameMismatch
            }
            CertificateError::Revoked => TlsErrorKind::Revoked,
            _ => TlsErrorKind::Other,
        },
        _ => TlsErrorKind::Other,
    };
    NetError::Tls {
        host,
        kind,
        certificate,
        detail: e.to_string(),
    }
}

/// Certificates rejected recently, by host name (bounded).
static REJECTED: Mutex<Vec<(String, CertificateInfo)>> = Mutex::new(Vec::new());
const REJECTED_KEEP: usize = 8;

fn record_rejected(host: String, der: &[u8]) {
    let Some(info) = CertificateInfo::from_der(der) else {
        return;
    };
    let mut list = REJECTED.lock().unwrap_or_else(|p| p.into_inner());
    list.retain(|(h, _)| *h != host);
    if list.len() >= REJECTED_KEEP {
        list.remove(0);
    }
    list.push((host, info));
}

fn take_rejected(host: &str) -> Option<Box<CertificateInfo>> {
    let list = REJECTED.lock().unwrap_or_else(|p| p.into_inner());
    list.iter()
        .rev()
        .find(|(h, _)| h == host)
        .map(|(_, c)| Box::new(c.clone()))
}

/// Delegates to the platform verifier and remembers the certificate it rejects.
#[derive(Debug)]
struct RecordingVerifier {
    inner: rustls_platform_verifier::Verifier,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let Err(e) = &result {
            tracing::warn!(server = %server_name.to_str(), error = %e, "server certificate rejected");
            record_rejected(server_name.to_str().into_owned(), end_entity.as_ref());
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_formatting() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_795_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
    }
}
