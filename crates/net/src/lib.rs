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
//!
//! ## Naming the failure
//!
//! The platform verifier passes webpki's verdict on, but some verdicts arrive as
//! `CertificateError::Other` (webpki's `CaUsedAsEndEntity` for a self-signed certificate made
//! with `openssl req -x509`, which marks it as a CA) and a certificate that is untrusted *and*
//! for another name only says `UnknownIssuer`, because webpki checks the chain before the name.
//! [`certificate_problem`] therefore looks at the certificate itself too: validity dates, subject
//! equal to issuer, and whether its names cover the host. Order: expired or not yet valid, then
//! revoked, then another name, then self-signed or unknown issuer.
//!
//! ## Pinned certificates
//!
//! [`ClientOptions::trusted_fingerprints`] lists SHA-256 fingerprints of server certificates to
//! accept even when the platform verifier rejects them (the IT policy
//! `TrustedCertificateFingerprints`; the only way to accept a self-signed certificate). The
//! default comes from [`set_default_trusted_fingerprints`], which the application calls once it
//! has read its policy, so every client built with `..ClientOptions::default()` honours it.

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
    /// SHA-256 fingerprints of server certificates accepted even when the platform verifier
    /// rejects them (policy `TrustedCertificateFingerprints`). Defaults to
    /// [`default_trusted_fingerprints`].
    pub trusted_fingerprints: Vec<[u8; 32]>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Some(Duration::from_secs(60)),
            connect_timeout: Duration::from_secs(15),
            user_agent: format!("Kontor/{}", env!("CARGO_PKG_VERSION")),
            follow_redirects: true,
            extra_roots: Vec::new(),
            trusted_fingerprints: default_trusted_fingerprints(),
        }
    }
}

/// The process-wide pinned fingerprints that [`ClientOptions::default`] starts from.
static DEFAULT_PINS: Mutex<Vec<[u8; 32]>> = Mutex::new(Vec::new());

/// Sets the fingerprints every later [`ClientOptions::default`] carries (the application calls
/// this after reading its policy).
pub fn set_default_trusted_fingerprints(pins: Vec<[u8; 32]>) {
    *DEFAULT_PINS.lock().unwrap_or_else(|p| p.into_inner()) = pins;
}

/// The fingerprints set by [`set_default_trusted_fingerprints`] (none until then).
pub fn default_trusted_fingerprints() -> Vec<[u8; 32]> {
    DEFAULT_PINS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// SHA-256 of a DER certificate.
pub fn sha256(der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// A fingerprint as browsers show it: upper-case hex pairs joined by colons.
pub fn fingerprint_text(fp: &[u8; 32]) -> String {
    fp.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Reads a SHA-256 fingerprint written with or without colons (or spaces), in any case;
/// `None` unless it is exactly 32 bytes of hex.
pub fn parse_fingerprint(text: &str) -> Option<[u8; 32]> {
    let hex: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b':' | b' ' | b'-'))
        .collect();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
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
    let verifier = Arc::new(RecordingVerifier {
        inner: platform,
        pinned: opts.trusted_fingerprints.clone(),
    });

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
    /// Names the certificate is valid for: the subjectAltName's DNS names and IP addresses, or
    /// the subject's common name when it has no subjectAltName.
    pub names: Vec<String>,
    /// SHA-256 fingerprint of the DER certificate, `AB:CD:…` (as browsers show it).
    pub sha256: String,
}

impl CertificateInfo {
    /// Parses a DER certificate; `None` if it is not valid X.509.
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        use x509_parser::extensions::GeneralName;
        let names = match cert.subject_alternative_name().ok().flatten() {
            Some(san) => san
                .value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some((*d).to_string()),
                    GeneralName::IPAddress(ip) => ip_text(ip),
                    _ => None,
                })
                .collect(),
            None => cert
                .subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
                .collect(),
        };
        Some(CertificateInfo {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            names,
            sha256: fingerprint_text(&sha256(der)),
        })
    }

    /// True when one of [`CertificateInfo::names`] covers `host` (case-insensitive; `*.` covers
    /// one label). A certificate without names covers nothing.
    pub fn covers(&self, host: &str) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        self.names.iter().any(|n| {
            let n = n.trim_end_matches('.').to_ascii_lowercase();
            match n.strip_prefix("*.") {
                Some(suffix) => host
                    .split_once('.')
                    .is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
                None => n == host,
            }
        })
    }

    /// True when subject and issuer are the same name (a self-signed certificate).
    pub fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }
}

/// An IP address from its subjectAltName bytes.
fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
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
                        if !c.names.is_empty() {
                            write!(f, "; valid for: {}", c.names.join(", "))?;
                        }
                        write!(f, "; SHA-256 fingerprint: {}", c.sha256)?;
                        if *kind == TlsErrorKind::Other {
                            write!(f, " ({detail})")?;
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
    // The verifier records IPv6 addresses without the URL's brackets.
    let certificate = take_rejected(host.trim_start_matches('[').trim_end_matches(']'));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let kind = certificate_problem(e, &host, certificate.as_deref(), now);
    NetError::Tls {
        host,
        kind,
        certificate,
        detail: e.to_string(),
    }
}

/// Which certificate check a TLS failure stands for, from rustls' error (as the platform
/// verifier passes it on) and, when the verifier saw it, the certificate itself at `now`
/// (Unix seconds) for `host`.
///
/// The certificate decides where the error is vague: webpki reports a self-signed certificate
/// marked as a CA (as `openssl req -x509` makes them) as `Other(CaUsedAsEndEntity)`, and an
/// untrusted certificate for another name as `UnknownIssuer` (it checks the chain first).
pub fn certificate_problem(
    e: &rustls::Error,
    host: &str,
    cert: Option<&CertificateInfo>,
    now: i64,
) -> TlsErrorKind {
    use TlsErrorKind as K;
    let rustls::Error::InvalidCertificate(c) = e else {
        // Handshake, protocol, alert, encoding and policy errors: no certificate verdict.
        return K::Other;
    };
    // What the certificate itself shows, for the vague verdicts.
    let from_certificate = |untrusted: TlsErrorKind| -> TlsErrorKind {
        let Some(cert) = cert else {
            return untrusted;
        };
        if now > cert.not_after {
            K::Expired
        } else if now < cert.not_before {
            K::NotYetValid
        } else if !cert.covers(host) {
            K::NameMismatch
        } else if cert.is_self_signed() {
            K::SelfSigned
        } else {
            untrusted
        }
    };
    #[allow(
        deprecated,
        reason = "every variant is named, the deprecated ones included"
    )]
    match c {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => K::Expired,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            K::NotYetValid
        }
        CertificateError::Revoked => K::Revoked,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            K::NameMismatch
        }
        CertificateError::UnknownIssuer => from_certificate(K::UnknownIssuer),
        // webpki's errors without a rustls variant (CaUsedAsEndEntity, path length, name
        // constraints…), an unreadable or unsupported certificate, a wrong signature, a
        // missing purpose: the certificate may still say what is wrong with it.
        CertificateError::Other(_)
        | CertificateError::BadEncoding
        | CertificateError::BadSignature
        | CertificateError::UnhandledCriticalExtension
        | CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
        | CertificateError::InvalidPurpose
        | CertificateError::InvalidPurposeContext { .. }
        | CertificateError::ApplicationVerificationFailure => from_certificate(K::Other),
        // Revocation could not be checked, or the revocation list is stale or bad.
        CertificateError::UnknownRevocationStatus
        | CertificateError::ExpiredRevocationList
        | CertificateError::ExpiredRevocationListContext { .. }
        | CertificateError::InvalidOcspResponse => K::Other,
        _ => from_certificate(K::Other),
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
/// A certificate whose SHA-256 is in `pinned` is accepted even when the platform rejects it.
#[derive(Debug)]
struct RecordingVerifier {
    inner: rustls_platform_verifier::Verifier,
    pinned: Vec<[u8; 32]>,
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
            if !self.pinned.is_empty() && self.pinned.contains(&sha256(end_entity.as_ref())) {
                tracing::info!(
                    server = %server_name.to_str(),
                    error = %e,
                    "server certificate accepted by its pinned fingerprint (policy)"
                );
                return Ok(ServerCertVerified::assertion());
            }
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
    use super::*;

    fn cert(subject: &str, issuer: &str, names: &[&str]) -> CertificateInfo {
        CertificateInfo {
            subject: subject.into(),
            issuer: issuer.into(),
            not_before: 1_000,
            not_after: 2_000,
            names: names.iter().map(|n| n.to_string()).collect(),
            sha256: "AA".into(),
        }
    }

    fn bad(c: CertificateError) -> rustls::Error {
        rustls::Error::InvalidCertificate(c)
    }

    #[test]
    fn every_certificate_error_has_its_kind() {
        use TlsErrorKind as K;
        let own = cert("CN=mail", "CN=mail", &["mail.example.com"]);
        let ca = cert("CN=mail", "CN=Corp CA", &["mail.example.com"]);
        let host = "mail.example.com";
        let other = bad(CertificateError::Other(rustls::OtherError(Arc::new(
            std::io::Error::other("CaUsedAsEndEntity"),
        ))));
        let name_ctx = bad(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("mail.example.com").unwrap(),
            presented: vec!["other.example.com".into()],
        });
        let cases: Vec<(rustls::Error, Option<&CertificateInfo>, K)> = vec![
            (bad(CertificateError::Expired), None, K::Expired),
            (
                bad(CertificateError::ExpiredContext {
                    time: UnixTime::since_unix_epoch(Duration::from_secs(3_000)),
                    not_after: UnixTime::since_unix_epoch(Duration::from_secs(2_000)),
                }),
                Some(&ca),
                K::Expired,
            ),
            (bad(CertificateError::NotValidYet), None, K::NotYetValid),
            (
                bad(CertificateError::NotValidYetContext {
                    time: UnixTime::since_unix_epoch(Duration::from_secs(500)),
                    not_before: UnixTime::since_unix_epoch(Duration::from_secs(1_000)),
                }),
                Some(&ca),
                K::NotYetValid,
            ),
            (bad(CertificateError::Revoked), Some(&ca), K::Revoked),
            (
                bad(CertificateError::NotValidForName),
                None,
                K::NameMismatch,
            ),
            (name_ctx, Some(&ca), K::NameMismatch),
            (
                bad(CertificateError::UnknownIssuer),
                Some(&own),
                K::SelfSigned,
            ),
            (
                bad(CertificateError::UnknownIssuer),
                Some(&ca),
                K::UnknownIssuer,
            ),
            (bad(CertificateError::UnknownIssuer), None, K::UnknownIssuer),
            // openssl's self-signed certificates are CAs: webpki says CaUsedAsEndEntity.
            (other.clone(), Some(&own), K::SelfSigned),
            (other.clone(), Some(&ca), K::Other),
            (other, None, K::Other),
            (bad(CertificateError::BadEncoding), None, K::Other),
            (bad(CertificateError::BadSignature), Some(&ca), K::Other),
            (bad(CertificateError::InvalidPurpose), Some(&ca), K::Other),
            (
                bad(CertificateError::UnknownRevocationStatus),
                Some(&ca),
                K::Other,
            ),
            (
                bad(CertificateError::ExpiredRevocationList),
                Some(&ca),
                K::Other,
            ),
            (
                bad(CertificateError::InvalidOcspResponse),
                Some(&ca),
                K::Other,
            ),
            (
                bad(CertificateError::ApplicationVerificationFailure),
                Some(&ca),
                K::Other,
            ),
            (
                rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
                Some(&own),
                K::Other,
            ),
        ];
        for (e, c, want) in cases {
            assert_eq!(certificate_problem(&e, host, c, 1_500), want, "{e:?} {c:?}");
        }
        // The certificate's own dates and names decide a vague verdict.
        let unknown = bad(CertificateError::UnknownIssuer);
        assert_eq!(
            certificate_problem(&unknown, host, Some(&own), 2_500),
            K::Expired
        );
        assert_eq!(
            certificate_problem(&unknown, host, Some(&own), 500),
            K::NotYetValid
        );
        assert_eq!(
            certificate_problem(&unknown, "127.0.0.1", Some(&own), 1_500),
            K::NameMismatch
        );
        assert_eq!(
            certificate_problem(&unknown, "127.0.0.1", Some(&ca), 1_500),
            K::NameMismatch
        );
    }

    #[test]
    fn names_cover_hosts() {
        let c = cert(
            "CN=x",
            "CN=x",
            &["*.example.com", "Mail.Other.org", "127.0.0.1", "::1"],
        );
        assert!(c.covers("a.example.com"));
        assert!(c.covers("mail.other.org."));
        assert!(c.covers("127.0.0.1"));
        assert!(c.covers("[::1]"));
        assert!(!c.covers("example.com"));
        assert!(!c.covers("a.b.example.com"));
        assert!(!c.covers("localhost"));
        assert!(!cert("CN=x", "CN=x", &[]).covers("x"));
    }

    #[test]
    fn fingerprints_parse_in_any_spelling() {
        let fp = sha256(b"certificate");
        let text = fingerprint_text(&fp);
        assert_eq!(text.len(), 32 * 3 - 1);
        assert!(text.chars().all(|c| c == ':' || c.is_ascii_hexdigit()));
        assert_eq!(text, text.to_uppercase());
        assert_eq!(parse_fingerprint(&text), Some(fp));
        assert_eq!(parse_fingerprint(&text.to_lowercase()), Some(fp));
        assert_eq!(parse_fingerprint(&text.replace(':', "")), Some(fp));
        assert_eq!(parse_fingerprint(&text.replace(':', " ")), Some(fp));
        assert_eq!(parse_fingerprint(&text[3..]), None);
        assert_eq!(
            parse_fingerprint(&text.replace('A', "G")).is_none(),
            text.contains('A')
        );
        assert_eq!(parse_fingerprint(""), None);
        // Known value: SHA-256 of the empty input.
        assert!(fingerprint_text(&sha256(b"")).starts_with("E3:B0:C4:42"));
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_795_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
    }
}
