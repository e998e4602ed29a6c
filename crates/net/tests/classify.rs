//! Real connections on loopback, classified into `NetError` values: refused, DNS, timeout, and
//! TLS servers presenting self-signed, expired, unknown-issuer and wrong-name certificates.

use std::sync::Arc;
use std::time::Duration;

use kontor_net::{ClientOptions, NetError, TlsErrorKind, client};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn opts() -> ClientOptions {
    ClientOptions {
        timeout: Some(Duration::from_secs(5)),
        ..ClientOptions::default()
    }
}

#[tokio::test]
async fn refused_connection_is_unreachable() {
    let http = client(&opts()).unwrap();
    let err = NetError::from(http.get("http://127.0.0.1:1/").send().await.unwrap_err());
    assert!(
        matches!(&err, NetError::Unreachable { host, .. } if host == "127.0.0.1"),
        "{err:?}"
    );
    assert!(err.to_string().contains("could not be reached"), "{err}");
}

#[tokio::test]
async fn unknown_host_is_dns() {
    let http = client(&opts()).unwrap();
    let err = NetError::from(
        http.get("http://no-such-host.invalid/")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err,
        NetError::Dns {
            host: "no-such-host.invalid".into()
        }
    );
}

#[tokio::test]
async fn silent_server_is_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let http = client(&ClientOptions {
        timeout: Some(Duration::from_millis(400)),
        ..ClientOptions::default()
    })
    .unwrap();
    let err = NetError::from(
        http.get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err,
        NetError::Timeout {
            host: "127.0.0.1".into()
        }
    );
}

struct Pki {
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn pki() -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "Kontor Test CA");
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Pki {
        ca_der: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

fn leaf(
    names: &[&str],
    expired: bool,
    issuer: Option<&Issuer<'static, KeyPair>>,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, format!("Kontor test {}", names[0]));
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let cert = match issuer {
        Some(i) => params.signed_by(&key, i).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// A TLS server on loopback that answers every request with 200 OK.
async fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(s).await {
                    let mut buf = [0u8; 1024];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

async fn fetch(port: u16, host: &str, roots: Vec<CertificateDer<'static>>) -> Result<(), NetError> {
    let http = client(&ClientOptions {
        extra_roots: roots,
        ..opts()
    })
    .unwrap();
    let resp = http.get(format!("https://{host}:{port}/")).send().await?;
    assert!(resp.status().is_success());
    Ok(())
}

#[tokio::test]
async fn trusted_certificate_connects() {
    let pki = pki();
    let (cert, key) = leaf(&["localhost"], false, Some(&pki.issuer));
    let port = tls_server(cert, key).await;
    fetch(port, "localhost", vec![pki.ca_der.clone()])
        .await
        .expect("trusted chain works");
}

#[tokio::test]
async fn self_signed_certificate() {
    let (cert, key) = leaf(&["localhost"], false, None);
    let port = tls_server(cert, key).await;
    let err = fetch(port, "localhost", vec![]).await.unwrap_err();
    let NetError::Tls {
        kind, certificate, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, TlsErrorKind::SelfSigned);
    let c = certificate.as_ref().expect("certificate details captured");
    assert_eq!(c.subject, "CN=Kontor test localhost");
    assert!(err.to_string().contains("self-signed"), "{err}");
    assert!(
        err.to_string().contains("CN=Kontor test localhost"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_issuer() {
    let other = pki();
    let (cert, key) = leaf(&["localhost"], false, Some(&other.issuer));
    let port = tls_server(cert, key).await;
    let err = fetch(port, "localhost", vec![]).await.unwrap_err();
    let NetError::Tls {
        kind, certificate, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, TlsErrorKind::UnknownIssuer);
    assert_eq!(certificate.as_ref().unwrap().issuer, "CN=Kontor Test CA");
}

#[tokio::test]
async fn expired_certificate() {
    let pki = pki();
    let (cert, key) = leaf(&["localhost"], true, Some(&pki.issuer));
    let port = tls_server(cert, key).await;
    let err = fetch(port, "localhost", vec![pki.ca_der.clone()])
        .await
        .unwrap_err();
    let NetError::Tls {
        kind, certificate, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, TlsErrorKind::Expired);
    let text = err.to_string();
    assert!(
        text.contains("has expired") && text.contains("until 2021-01-01 00:00 UTC"),
        "{text}"
    );
    assert!(certificate.is_some());
}

#[tokio::test]
async fn name_mismatch() {
    let pki = pki();
    let (cert, key) = leaf(&["mail.example.com"], false, Some(&pki.issuer));
    let port = tls_server(cert, key).await;
    let err = fetch(port, "localhost", vec![pki.ca_der.clone()])
        .await
        .unwrap_err();
    let NetError::Tls { kind, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, TlsErrorKind::NameMismatch);
    assert!(
        err.to_string().contains("valid for: mail.example.com"),
        "{err}"
    );
}

/// A self-signed certificate as `openssl req -x509` makes it: marked as a CA, for 127.0.0.1.
fn openssl_style_self_signed(name: &str) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

#[tokio::test]
async fn self_signed_ca_flagged_certificate_on_an_ip_address() {
    // webpki answers CaUsedAsEndEntity (CertificateError::Other): still "self-signed".
    let (cert, key) = openssl_style_self_signed("127.0.0.1");
    let fp = kontor_net::fingerprint_text(&kontor_net::sha256(cert.as_ref()));
    let port = tls_server(cert, key).await;
    let err = fetch(port, "127.0.0.1", vec![]).await.unwrap_err();
    let NetError::Tls {
        kind, certificate, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, TlsErrorKind::SelfSigned, "{err}");
    let c = certificate.as_ref().unwrap();
    assert_eq!(c.names, vec!["127.0.0.1".to_owned()]);
    assert_eq!(c.sha256, fp);
    assert!(err.to_string().contains(&fp), "{err}");
}

#[tokio::test]
async fn untrusted_certificate_for_another_name_is_a_name_mismatch() {
    let (cert, key) = openssl_style_self_signed("mail.example.com");
    let port = tls_server(cert, key).await;
    let err = fetch(port, "127.0.0.1", vec![]).await.unwrap_err();
    let NetError::Tls { kind, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, TlsErrorKind::NameMismatch, "{err}");
    assert!(
        err.to_string().contains("valid for: mail.example.com"),
        "{err}"
    );
}

#[tokio::test]
async fn pinned_fingerprint_accepts_a_self_signed_certificate() {
    let (cert, key) = openssl_style_self_signed("127.0.0.1");
    let fp = kontor_net::sha256(cert.as_ref());
    let port = tls_server(cert, key).await;
    let pinned = client(&ClientOptions {
        trusted_fingerprints: vec![fp],
        ..opts()
    })
    .unwrap();
    let resp = pinned
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await
        .expect("the pinned certificate is accepted");
    assert!(resp.status().is_success());
    // Another pin does not help.
    let other = client(&ClientOptions {
        trusted_fingerprints: vec![[0u8; 32]],
        ..opts()
    })
    .unwrap();
    let err = NetError::from(
        other
            .get(format!("https://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err(),
    );
    assert!(
        matches!(
            err,
            NetError::Tls {
                kind: TlsErrorKind::SelfSigned,
                ..
            }
        ),
        "{err}"
    );
}
