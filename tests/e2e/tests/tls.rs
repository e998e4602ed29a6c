//! Certificate failures in the window, and a company CA that works (SSL inspection).
//!
//! The test starts TLS servers on 127.0.0.1 with certificates it generates: an expired one, a
//! self-signed one, one issued for another name, and one issued by a test "company CA". Each
//! is a TLS-terminating proxy to SOGo's ActiveSync (127.0.0.1:20000), as an SSL-inspecting
//! firewall is. For each bad certificate alice types the server's address into the sign-in
//! screen (under "Advanced"), signs in, and the screen must name the failure in plain words
//! (its own sentence per kind, in English and in German), show the certificate (subject,
//! issuer, validity, names, SHA-256 fingerprint) with "Copy details for IT", and offer no way
//! to accept the certificate. Through the company CA's server she signs in and gets her
//! folders. Then that server's certificate is swapped for an expired one and the status bar
//! and the settings' "Connection" show the failure with the certificate.
//!
//! The company CA is installed into the system store: appended to the distribution's bundle
//! `/etc/ssl/certs/ca-certificates.crt`, which the app's verifier reads on Linux, for the
//! test's duration; the original bytes are put back when the test ends, also when it fails
//! (appending removes nothing, so other programs are not disturbed meanwhile). This needs root,
//! as CI has; without it the test gives the app the same bundle through `SSL_CERT_FILE` (a
//! wrapper sets it and unsets `SSL_CERT_DIR`) and says so in the progress log. See
//! docs/deployment.md#corporate-tls.
//!
//! Screenshots: `tls-<kind>-en.png`, `tls-<kind>-de.png` (kind: expired, self-signed,
//! wrong-name), `tls-company-ca-signed-in.png`, `tls-status-bar-de.png`, `tls-settings-de.png`.

use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kontor_e2e_tests::{
    ALICE, App, app_binary, bounded, choose_language, click, fill_account_form_at, progress,
    require_sogo,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

/// SOGo's ActiveSync, behind each TLS server.
const UPSTREAM: &str = "127.0.0.1:20000";
const EAS_PATH: &str = "/SOGo/Microsoft-Server-ActiveSync";

/// A certificate and its key, as a server presents them.
#[derive(Clone)]
struct Served {
    der: CertificateDer<'static>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl Served {
    /// SHA-256 of the certificate as the window shows it: `AB:CD:…`.
    fn fingerprint(&self) -> String {
        ring::digest::digest(&ring::digest::SHA256, self.der.as_ref())
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    fn config(&self) -> Arc<rustls::ServerConfig> {
        Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.der.clone()], self.key.clone_key())
            .expect("server certificate"),
        )
    }
}

/// The test's company CA: its PEM (for the bundle) and the issuer that signs with it.
fn company_ca() -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "Kontor Test Company CA");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Kontor Test GmbH");
    let key = KeyPair::generate().expect("CA key");
    let pem = params.self_signed(&key).expect("CA certificate").pem();
    (pem, Issuer::new(params, key))
}

/// A certificate for `name`, valid from 1 January of the first year to 1 January of the
/// second, issued by `issuer` or by itself (then marked as a CA, as `openssl req -x509` does).
fn certificate(name: &str, years: (i32, i32), issuer: Option<&Issuer<'static, KeyPair>>) -> Served {
    let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, format!("Kontor test {name}"));
    params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
    params.not_after = rcgen::date_time_ymd(years.1, 1, 1);
    let key = KeyPair::generate().expect("key");
    let cert = match issuer {
        Some(i) => params.signed_by(&key, i).expect("sign"),
        None => {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.self_signed(&key).expect("self-sign")
        }
    };
    Served {
        der: cert.der().clone(),
        key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            key.serialize_der(),
        ))),
    }
}

/// A TLS-terminating proxy on 127.0.0.1 to SOGo. Its certificate can be swapped; a swap also
/// ends the open connections, so the app's next request meets the new certificate.
struct Proxy {
    port: u16,
    config: Arc<Mutex<Arc<rustls::ServerConfig>>>,
    cut: tokio::sync::watch::Sender<u64>,
}

impl Proxy {
    async fn start(served: &Served) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let config = Arc::new(Mutex::new(served.config()));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let (shared, cuts) = (config.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor =
                    tokio_rustls::TlsAcceptor::from(shared.lock().expect("config lock").clone());
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    // A failed handshake is the point of most of these servers.
                    let Ok(mut tls) = acceptor.accept(client).await else {
                        return;
                    };
                    let Ok(mut upstream) = TcpStream::connect(UPSTREAM).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Proxy { port, config, cut }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}{EAS_PATH}", self.port)
    }

    /// Presents `served` from now on and ends every open connection.
    fn swap(&self, served: &Served) {
        *self.config.lock().expect("config lock") = served.config();
        self.cut.send_modify(|n| *n += 1);
    }
}

/// Replaces the server address as a person does: select all, type the new one.
async fn retype_server(app: &App, url: &str) {
    let field = app
        .wait_for("[data-testid=server-url]", Duration::from_secs(30))
        .await;
    // Select the old address (as a triple click or Ctrl+A does); the typed keys replace it.
    app.script(
        "const f = document.querySelector('[data-testid=server-url]'); f.focus(); f.select(); return true;",
        vec![],
    )
    .await;
    bounded("retype the server address", field.send_keys(url))
        .await
        .expect("type the server address");
    let value = app
        .script(
            "return document.querySelector('[data-testid=server-url]').value;",
            vec![],
        )
        .await;
    if value.as_str() != Some(url) {
        app.fail(&format!("the server address reads {value}, not {url}"))
            .await;
    }
}

/// What the window shows of a sign-in error: the message, the kind and the certificate's
/// fields, and the texts of every button on the screen.
#[derive(Debug)]
struct Shown {
    message: String,
    kind: String,
    fields: serde_json::Value,
    buttons: Vec<String>,
    page: String,
}

/// Waits until the error block shows a certificate failure whose message contains `needle`.
async fn wait_for_failure(app: &App, scope: &str, needle: &str) -> Shown {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = app
            .script(
                "const e = document.querySelector(arguments[0] + ' [data-testid=error]'); \
                 if (!e) return null; \
                 const c = e.querySelector('[data-testid=tls-certificate]'); \
                 const f = {}; \
                 if (c) for (const d of c.querySelectorAll('dd')) f[d.dataset.testid] = d.textContent; \
                 return { message: e.querySelector('[data-testid=error-message]').textContent, \
                          kind: c ? c.dataset.kind : '', fields: f, \
                          buttons: [...document.querySelectorAll('button')].map(b => b.textContent), \
                          page: document.querySelector(arguments[0]).innerText };",
                vec![serde_json::json!(scope)],
            )
            .await;
        if let Some(message) = v.get("message").and_then(|m| m.as_str())
            && message.contains(needle)
        {
            return Shown {
                message: message.to_owned(),
                kind: v["kind"].as_str().unwrap_or_default().to_owned(),
                fields: v["fields"].clone(),
                buttons: v["buttons"]
                    .as_array()
                    .map(|b| {
                        b.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                page: v["page"].as_str().unwrap_or_default().to_owned(),
            };
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "no certificate failure with {needle:?}; shown: {v}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Checks the certificate block against the served certificate and that nothing on the
/// screen offers to accept it.
fn check_block(shown: &Shown, kind: &str, served: &Served, problem: &str, issuer: &str) {
    assert_eq!(shown.kind, kind, "{shown:#?}");
    let field = |id: &str| shown.fields[id].as_str().unwrap_or_default().to_owned();
    assert_eq!(field("tls-sha256"), served.fingerprint(), "{shown:#?}");
    assert!(field("tls-problem").contains(problem), "{shown:#?}");
    assert_eq!(field("tls-issuer"), issuer, "{shown:#?}");
    assert_eq!(field("tls-host"), "127.0.0.1", "{shown:#?}");
    for b in &shown.buttons {
        let b = b.to_lowercase();
        for word in [
            "accept",
            "trust",
            "continue",
            "anyway",
            "akzeptieren",
            "vertrauen",
            "fortfahren",
            "trotzdem",
        ] {
            assert!(!b.contains(word), "a button offers {word:?}: {b:?}");
        }
    }
}

/// No English in the German texts shown (the certificate's own names and the policy's name
/// aside; the technical details are folded away, and English by design).
fn check_german(shown: &Shown) {
    let page = shown.page.replace("TrustedCertificateFingerprints", "");
    for english in [
        "certificate",
        "Certificate",
        "Tell your",
        "Valid",
        "Issued",
        "Copy",
        "Sign in",
        "Server address",
        "Password",
        "Could not",
        "Technical details",
        "expired",
        "Expired",
    ] {
        assert!(
            !page.contains(english),
            "English {english:?} on the German screen:\n{page}"
        );
    }
}

/// Signs in (the form is filled) and waits for the failure with `needle`; a screenshot with
/// the error block in view.
async fn sign_in_and_fail(app: &App, needle: &str, screenshot: &str) -> Shown {
    click(app, "[data-testid=sign-in]").await;
    let shown = wait_for_failure(app, ".account-screen", needle).await;
    app.script(
        "document.querySelector('[data-testid=error]').scrollIntoView({ block: 'end' }); return true;",
        vec![],
    )
    .await;
    app.screenshot(screenshot).await;
    shown
}

/// The distribution's CA bundle: what the system's TLS libraries (and the app's verifier on
/// Linux) read as the system store.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The company CA appended to the system store for the test's duration. Dropping it (also when
/// the test fails) puts the bundle's original bytes back; appending never removes another
/// certificate, so other programs on the machine keep trusting what they trusted.
struct SystemCa {
    original: Vec<u8>,
}

impl SystemCa {
    /// Installs `pem` when the store is writable (root, as CI runs); `None` otherwise.
    fn install(pem: &str) -> Option<SystemCa> {
        let original = std::fs::read(SYSTEM_BUNDLE).ok()?;
        let mut with_ca = original.clone();
        with_ca.extend_from_slice(format!("\n# Kontor E2E test company CA\n{pem}").as_bytes());
        match std::fs::write(SYSTEM_BUNDLE, &with_ca) {
            Ok(()) => {
                progress(&format!("tls: company CA installed into {SYSTEM_BUNDLE}"));
                Some(SystemCa { original })
            }
            Err(e) => {
                progress(&format!("tls: {SYSTEM_BUNDLE} is not writable ({e})"));
                None
            }
        }
    }
}

impl Drop for SystemCa {
    fn drop(&mut self) {
        match std::fs::write(SYSTEM_BUNDLE, &self.original) {
            Ok(()) => progress("tls: company CA removed from the system store"),
            Err(e) => progress(&format!("tls: could not restore {SYSTEM_BUNDLE}: {e}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_failures_are_named_and_a_company_ca_is_trusted() {
    require_sogo();
    let started = Instant::now();
    let (ca_pem, ca) = company_ca();
    let expired = certificate("127.0.0.1", (2020, 2021), Some(&ca));
    let self_signed = certificate("127.0.0.1", (2020, 2090), None);
    let wrong_name = certificate("mail.example.com", (2020, 2090), Some(&ca));
    let good = certificate("127.0.0.1", (2020, 2090), Some(&ca));
    let expired_proxy = Proxy::start(&expired).await;
    let self_signed_proxy = Proxy::start(&self_signed).await;
    let wrong_name_proxy = Proxy::start(&wrong_name).await;
    let company_proxy = Proxy::start(&good).await;

    // The company CA installed into the system store, as IT does on its PCs.
    let work = tempfile::tempdir().expect("temp dir");
    let profile = tempfile::Builder::new()
        .prefix("kontor-e2e-")
        .tempdir()
        .expect("temp profile");
    let installed = SystemCa::install(&ca_pem);
    let app = if installed.is_some() {
        App::launch_with_profile("tls", profile).await
    } else {
        // Not root: the same bundle, named by SSL_CERT_FILE (the variable the verifier reads
        // before the distribution's bundle).
        let bundle = work.path().join("ca-certificates.crt");
        let system = std::fs::read_to_string(SYSTEM_BUNDLE)
            .expect("the system's CA bundle /etc/ssl/certs/ca-certificates.crt");
        std::fs::write(&bundle, format!("{system}\n{ca_pem}")).expect("write the bundle");
        let wrapper = work.path().join("kontor-company-ca");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nunset SSL_CERT_DIR\nexport SSL_CERT_FILE='{}'\nexec '{}' \"$@\"\n",
                bundle.display(),
                app_binary().display()
            ),
        )
        .expect("write the wrapper");
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        progress("tls: not root, so the company CA is given through SSL_CERT_FILE");
        App::launch_binary("tls", profile, &wrapper).await
    };
    let company = "CN=Kontor Test Company CA, O=Kontor Test GmbH";
    let self_issuer = "CN=Kontor test 127.0.0.1";

    // English: each failure with its own sentence.
    choose_language(&app, "en").await;
    fill_account_form_at(&app, ALICE, ALICE.password, &expired_proxy.url()).await;
    let shown = sign_in_and_fail(&app, "has expired", "tls-expired-en.png").await;
    assert!(
        shown.message.starts_with(
            "The server's certificate has expired (valid 2020-01-01 to 2021-01-01). \
             Tell your IT department: the certificate of 127.0.0.1 must be renewed."
        ),
        "{shown:#?}"
    );
    check_block(&shown, "expired", &expired, "Expired since", company);
    assert!(
        shown.fields["tls-problem"]
            .as_str()
            .is_some_and(|p| p.contains("2021")),
        "{shown:#?}"
    );
    assert!(shown.buttons.iter().any(|b| b == "Copy details for IT"));

    retype_server(&app, &self_signed_proxy.url()).await;
    let shown = sign_in_and_fail(&app, "self-signed", "tls-self-signed-en.png").await;
    assert!(
        shown.message.contains("Tell your IT department")
            && shown.message.contains("TrustedCertificateFingerprints")
            && shown.message.contains(&self_signed.fingerprint()),
        "{shown:#?}"
    );
    check_block(
        &shown,
        "self_signed",
        &self_signed,
        "Self-signed",
        self_issuer,
    );

    retype_server(&app, &wrong_name_proxy.url()).await;
    let shown = sign_in_and_fail(&app, "another name", "tls-wrong-name-en.png").await;
    assert!(
        shown
            .message
            .contains("it is valid for mail.example.com, not for 127.0.0.1"),
        "{shown:#?}"
    );
    check_block(
        &shown,
        "name_mismatch",
        &wrong_name,
        "Issued for another name",
        company,
    );
    assert_eq!(shown.fields["tls-names"], "mail.example.com");

    // German: the same failures, every word German.
    choose_language(&app, "de").await;
    retype_server(&app, &expired_proxy.url()).await;
    let shown = sign_in_and_fail(&app, "abgelaufen", "tls-expired-de.png").await;
    assert!(
        shown.message.starts_with(
            "Das Zertifikat des Servers ist abgelaufen (gültig vom 01.01.2020 bis 01.01.2021). \
             Sagen Sie Ihrer IT-Abteilung: Das Zertifikat von 127.0.0.1 muss erneuert werden."
        ),
        "{shown:#?}"
    );
    check_block(&shown, "expired", &expired, "Abgelaufen seit", company);
    assert!(
        shown
            .buttons
            .iter()
            .any(|b| b == "Details für die IT-Abteilung kopieren")
    );
    check_german(&shown);

    retype_server(&app, &self_signed_proxy.url()).await;
    let shown = sign_in_and_fail(&app, "selbstsigniert", "tls-self-signed-de.png").await;
    assert!(
        shown.message.contains("Sagen Sie Ihrer IT-Abteilung"),
        "{shown:#?}"
    );
    check_block(
        &shown,
        "self_signed",
        &self_signed,
        "Selbstsigniert",
        self_issuer,
    );
    check_german(&shown);

    retype_server(&app, &wrong_name_proxy.url()).await;
    let shown = sign_in_and_fail(&app, "anderen Namen", "tls-wrong-name-de.png").await;
    assert!(
        shown
            .message
            .contains("Es gilt für mail.example.com, nicht für 127.0.0.1"),
        "{shown:#?}"
    );
    check_block(
        &shown,
        "name_mismatch",
        &wrong_name,
        "Für einen anderen Namen ausgestellt",
        company,
    );
    check_german(&shown);
    progress(&format!(
        "tls: six failures shown after {:?}",
        started.elapsed()
    ));

    // The company CA: trusted like a system CA, so alice signs in through its server.
    retype_server(&app, &company_proxy.url()).await;
    click(&app, "[data-testid=sign-in]").await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !app
        .texts("[data-testid=folder]")
        .await
        .iter()
        .any(|n| n.starts_with("Posteingang"))
    {
        if Instant::now() > deadline {
            let names = app.texts("[data-testid=folder]").await;
            app.fail(&format!("no Inbox through the company CA: {names:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Her mail comes through the company CA's server too (the seed gives her at least 4).
    app.wait_for("[data-testid=message-row]", Duration::from_secs(90))
        .await;
    app.screenshot("tls-company-ca-signed-in.png").await;
    progress(&format!(
        "tls: signed in through the company CA after {:?}",
        started.elapsed()
    ));

    // The server's certificate expires: the status bar names it, with the certificate.
    company_proxy.swap(&expired);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // F9 syncs now (as "Retry now" does once an error is shown).
        bounded(
            "press F9",
            app.client.execute(
                "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F9' })); \
                 return document.querySelector('[data-testid=status-certificate]') !== null;",
                vec![],
            ),
        )
        .await
        .ok();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let shown = app
            .script(
                "return document.querySelector('[data-testid=status-certificate]') !== null;",
                vec![],
            )
            .await;
        if shown == serde_json::json!(true) {
            break;
        }
        if Instant::now() > deadline {
            app.fail("the status bar shows no certificate failure")
                .await;
        }
    }
    let error = app.texts("[data-testid=status-error]").await;
    assert!(
        error.iter().any(|e| e.contains("abgelaufen")),
        "status bar: {error:?}"
    );
    click(&app, "[data-testid=status-certificate]").await;
    let shown =
        wait_for_failure(&app, "[data-testid=status-certificate-panel]", "abgelaufen").await;
    app.screenshot("tls-status-bar-de.png").await;
    check_block(&shown, "expired", &expired, "Abgelaufen seit", company);
    check_german(&shown);
    click(&app, "[data-testid=status-certificate]").await;

    // The settings' "Connection" shows the same.
    click(&app, "[data-testid=menu]").await;
    click(&app, "[data-testid=menu-settings]").await;
    let shown = wait_for_failure(&app, "[data-testid=settings-connection]", "abgelaufen").await;
    check_block(&shown, "expired", &expired, "Abgelaufen seit", company);
    check_german(&shown);
    app.script(
        "document.querySelector('[data-testid=settings-connection]').scrollIntoView({ block: 'end' }); return true;",
        vec![],
    )
    .await;
    app.screenshot("tls-settings-de.png").await;

    app.close().await;
    progress(&format!("tls: done after {:?}", started.elapsed()));
}
