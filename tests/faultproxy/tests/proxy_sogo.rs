//! The proxy between kontor-eas and the real SOGo: a clean connection is ActiveSync as usual,
//! and each fault arrives at the client as the error it stands for.

use std::time::Duration;

use kontor_eas::{EasClient, EasConfig, EasError};
use kontor_faultproxy::{Direction, Fault, FaultProxy, Plan};
use kontor_live_tests::{ALICE, SOGO_EAS_URL, require_sogo};
use kontor_net::NetError;

const SOGO: &str = "127.0.0.1:20000";

async fn client(proxy: &FaultProxy, device: &str, timeout: Duration) -> EasClient {
    let cfg = EasConfig::new(&proxy.url(SOGO_EAS_URL), ALICE.name, ALICE.password, device)
        .unwrap()
        .device_type("KontorFaults")
        .timeout(timeout);
    EasClient::new(cfg).unwrap()
}

#[tokio::test]
async fn faults_reach_the_eas_client_as_their_errors() {
    require_sogo();
    let proxy = FaultProxy::start(
        SOGO.parse().unwrap(),
        Plan::scripted([
            // 0, 1: OPTIONS and Provision pass.
            Fault::Pass,
            Fault::Pass,
            // 2: a FolderSync answer cut in its head; the client resends once (3) and gets it.
            Fault::Cut {
                dir: Direction::Down,
                after: 40,
            },
            Fault::Pass,
            // 4, 5: cut twice in a row: the resend fails too and the error surfaces.
            Fault::Cut {
                dir: Direction::Down,
                after: 100,
            },
            Fault::Cut {
                dir: Direction::Up,
                after: 10,
            },
            // 6: 503 with Retry-After from the proxy.
            Fault::Respond {
                status: 503,
                retry_after: Some(3),
            },
            // 7: 500.
            Fault::Respond {
                status: 500,
                retry_after: None,
            },
            // 8: a stall longer than the client's timeout.
            Fault::Stall {
                dir: Direction::Down,
                after: 0,
                duration: Duration::from_secs(5),
            },
            // 9: a short stall is only slower.
            Fault::Stall {
                dir: Direction::Down,
                after: 20,
                duration: Duration::from_millis(300),
            },
        ]),
    )
    .await
    .unwrap();
    let mut c = client(&proxy, "KontorFaultProbe01", Duration::from_secs(2)).await;

    let info = c.negotiate().await.expect("OPTIONS passes through").clone();
    assert!(
        info.versions.iter().any(|v| v == "14.1"),
        "{:?}",
        info.versions
    );
    c.provision().await.expect("Provision passes through");

    let h = c.folder_sync("0").await.expect("one cut is resent");
    assert!(!h.changes.is_empty());

    let err = c.folder_sync("0").await.unwrap_err();
    assert!(
        matches!(err, EasError::Net(NetError::Other { .. })),
        "two cuts in a row: {err:?}\n{}",
        proxy.report()
    );
    assert!(err.is_transient() || matches!(err, EasError::Net(_)));

    let err = c.folder_sync("0").await.unwrap_err();
    assert!(
        matches!(err, EasError::ServerBusy { retry_after: Some(d) } if d == Duration::from_secs(3)),
        "{err:?}"
    );
    assert!(err.is_transient());

    let err = c.folder_sync("0").await.unwrap_err();
    assert!(matches!(err, EasError::Http { status: 500, .. }), "{err:?}");
    assert!(err.is_transient());

    let err = c.folder_sync("0").await.unwrap_err();
    assert!(
        matches!(err, EasError::Net(NetError::Timeout { .. })),
        "{err:?}"
    );

    let h = c.folder_sync("0").await.expect("a short stall only delays");
    assert!(!h.changes.is_empty());

    // What the log says happened.
    let log = proxy.log();
    let commands: Vec<_> = log.iter().map(|r| r.command()).collect();
    assert_eq!(
        commands[..4],
        ["OPTIONS", "Provision", "FolderSync", "FolderSync"]
    );
    let counts = proxy.counts();
    assert_eq!(
        counts.applied("cut-down"),
        2,
        "{counts}\n{}",
        proxy.report()
    );
    assert_eq!(counts.applied("cut-up"), 1, "{counts}");
    assert_eq!(counts.applied("http-503"), 1, "{counts}");
    assert_eq!(counts.applied("http-500"), 1, "{counts}");
}
