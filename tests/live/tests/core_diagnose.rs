//! `kontor --diagnose` in the core against the real SOGo: a working account passes every step
//! (CalDAV included), a closed port stops at TCP, a wrong password stops at auth, and a port
//! that does not speak TLS fails the TLS step. Each outcome has its own code.

use kontor_core::ErrorCode;
use kontor_core::diagnose::{self, StepName, StepStatus, Target};
use kontor_core::policy::Policy;
use kontor_live_tests::{ALICE, SOGO_DAV_URL, SOGO_EAS_URL, require_sogo};

fn target(server_url: &str, password: &str, caldav: Option<&str>) -> Target {
    Target {
        server_url: server_url.to_owned(),
        user: ALICE.name.to_owned(),
        password: Some(password.to_owned()),
        caldav_url: caldav.map(str::to_owned),
        // Its own device on the server, so the check cannot disturb other tests' state.
        device_id: diagnose::diagnose_device_id("LIVETEST0000000000000000000000"),
    }
}

fn status(r: &diagnose::Report, name: StepName) -> StepStatus {
    r.steps.iter().find(|s| s.name == name).unwrap().status
}

/// A port with nothing listening: bind, note the port, close.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn working_account_passes_every_step() {
    require_sogo();
    let r = diagnose::run(
        &target(SOGO_EAS_URL, ALICE.password, Some(SOGO_DAV_URL)),
        &Policy::default(),
    )
    .await;
    assert_eq!(r.outcome, None, "{:#?}", r.steps);
    assert!(r.passed());
    for name in [
        StepName::Dns,
        StepName::Tcp,
        StepName::Auth,
        StepName::Options,
        StepName::Provision,
        StepName::FolderSync,
        StepName::Caldav,
    ] {
        assert_eq!(status(&r, name), StepStatus::Ok, "{name:?}: {:#?}", r.steps);
    }
    // Plain http: TLS does not apply, and the report says so.
    assert_eq!(status(&r, StepName::Tls), StepStatus::Skipped);
    let options = r
        .steps
        .iter()
        .find(|s| s.name == StepName::Options)
        .unwrap();
    assert!(options.detail.contains("14.1"), "{}", options.detail);
    let folders = r
        .steps
        .iter()
        .find(|s| s.name == StepName::FolderSync)
        .unwrap();
    assert!(!folders.detail.starts_with("0 "), "{}", folders.detail);
    let caldav = r.steps.iter().find(|s| s.name == StepName::Caldav).unwrap();
    assert!(
        caldav.detail.contains("/SOGo/dav/alice/"),
        "{}",
        caldav.detail
    );
    let text = r.lines(kontor_core::Lang::En).join("\n");
    assert!(text.contains("All checks passed."), "{text}");
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(ALICE.password), "{json}");
}

#[tokio::test]
async fn closed_port_is_unreachable_at_tcp() {
    let url = format!(
        "http://127.0.0.1:{}/SOGo/Microsoft-Server-ActiveSync",
        closed_port()
    );
    let r = diagnose::run(&target(&url, ALICE.password, None), &Policy::default()).await;
    assert_eq!(r.outcome, Some(ErrorCode::Unreachable), "{:#?}", r.steps);
    assert_eq!(status(&r, StepName::Dns), StepStatus::Ok);
    assert_eq!(status(&r, StepName::Tcp), StepStatus::Failed);
    assert_eq!(status(&r, StepName::Auth), StepStatus::Skipped);
    let de = r.lines(kontor_core::Lang::De).join("\n");
    assert!(de.contains("nicht erreichbar"), "{de}");
}

#[tokio::test]
async fn wrong_password_fails_at_auth() {
    require_sogo();
    let r = diagnose::run(
        &target(SOGO_EAS_URL, "not-alices-password", Some(SOGO_DAV_URL)),
        &Policy::default(),
    )
    .await;
    assert_eq!(r.outcome, Some(ErrorCode::AuthFailed), "{:#?}", r.steps);
    assert_eq!(status(&r, StepName::Tcp), StepStatus::Ok);
    assert_eq!(status(&r, StepName::Auth), StepStatus::Failed);
    assert_eq!(status(&r, StepName::Provision), StepStatus::Skipped);
    // CalDAV is checked on its own and is refused too.
    assert_eq!(status(&r, StepName::Caldav), StepStatus::Failed);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("not-alices-password"));
}

#[tokio::test]
async fn a_port_that_does_not_speak_tls_fails_the_tls_step() {
    // Answers every connection with plain HTTP, which a TLS client cannot accept.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    let url = format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync");
    let r = diagnose::run(&target(&url, "x", None), &Policy::default()).await;
    assert_eq!(r.outcome, Some(ErrorCode::Tls), "{:#?}", r.steps);
    assert_eq!(status(&r, StepName::Tcp), StepStatus::Ok);
    assert_eq!(status(&r, StepName::Tls), StepStatus::Failed);
    assert_eq!(status(&r, StepName::Auth), StepStatus::Skipped);
}
