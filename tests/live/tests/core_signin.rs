//! The walking skeleton's core path against SOGo: sign in (OPTIONS, Provision, FolderSync),
//! folders in SQLite, the password only in the keychain, and one clear error per failure.
//!
//! The keychain here is keyring-core's in-memory sample store; the real Secret Service is
//! exercised by the end-to-end tests (tests/e2e).

use kontor_core::{ErrorCode, FolderKind, Kontor, Lang, ProfilePaths, SignIn, secrets};
use kontor_live_tests::{ALICE, CAROL, SOGO_EAS_URL, require_sogo};

fn use_test_keychain() {
    keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
}

async fn fresh() -> (tempfile::TempDir, Kontor) {
    require_sogo();
    use_test_keychain();
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    (dir, app)
}

fn sign_in(url: &str, user: &str, password: &str) -> SignIn {
    SignIn::to_server(url, user, password)
}

#[tokio::test]
async fn alice_signs_in_and_sees_inbox_and_bobs_shared_calendar() {
    let (dir, app) = fresh().await;
    let account = app
        .sign_in(sign_in(SOGO_EAS_URL, ALICE.name, ALICE.password))
        .await
        .unwrap();
    assert_eq!(account.user, "alice");
    assert_eq!(account.protocol_version, "14.1", "SOGo offers up to 14.1");

    let folders = app.folders().await.unwrap();
    let inbox = folders
        .iter()
        .find(|f| f.kind == FolderKind::Inbox)
        .expect("an inbox");
    assert_eq!(inbox.name, "INBOX");
    assert!(inbox.parent_id.is_none());
    let bob = folders
        .iter()
        .find(|f| f.kind == FolderKind::Calendar && f.name.contains("Bob Baker"))
        .unwrap_or_else(|| panic!("bob's shared calendar is missing from {folders:#?}"));
    assert!(bob.shared, "{bob:?} should be marked shared");
    let own = folders
        .iter()
        .find(|f| f.name == "Personal Calendar" && f.kind == FolderKind::Calendar);
    assert!(!own.expect("alice's own calendar").shared);

    // The account survives a restart of the app; the password is in the keychain only.
    let again = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    assert_eq!(again.account().await.unwrap().unwrap().user, "alice");
    assert_eq!(again.folders().await.unwrap().len(), folders.len());
    assert_eq!(
        secrets::password(&account.server_url, "alice")
            .unwrap()
            .as_deref(),
        Some(ALICE.password)
    );
    // An incremental FolderSync from the stored key keeps the tree.
    let refreshed = again.refresh_folders().await.unwrap();
    assert_eq!(refreshed.len(), folders.len());

    app.store().close().await;
    again.store().close().await;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes
                    .windows(ALICE.password.len())
                    .any(|w| w == ALICE.password.as_bytes()),
                "the password leaked into {}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn wrong_password_is_auth_failed_and_changes_nothing() {
    let (dir, app) = fresh().await;
    let err = app
        .sign_in(sign_in(SOGO_EAS_URL, "alice", "not-the-password"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed, "{err}");
    assert!(err.message(Lang::De).contains("Kennwort"));
    assert!(app.account().await.unwrap().is_none());
    assert_eq!(secrets::password(SOGO_EAS_URL, "alice").unwrap(), None);
    let reopened = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    assert!(reopened.account().await.unwrap().is_none());
}

#[tokio::test]
async fn a_web_page_that_is_not_activesync_says_so() {
    let (_dir, app) = fresh().await;
    let err = app
        .sign_in(sign_in("http://127.0.0.1:20000/SOGo/", "alice", "alice123"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotActiveSync, "{err}");
}

#[tokio::test]
async fn an_unreachable_host_says_so() {
    let (_dir, app) = fresh().await;
    let err = app
        .sign_in(sign_in(
            "http://127.0.0.1:9/Microsoft-Server-ActiveSync",
            "alice",
            "x",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unreachable, "{err}");
    assert!(err.message(Lang::En).contains("could not be reached"));
}

#[tokio::test]
async fn an_http_error_says_so() {
    let (_dir, app) = fresh().await;
    // Radicale answers ActiveSync's OPTIONS with an HTTP error of its own.
    let err = app
        .sign_in(sign_in(
            "http://127.0.0.1:55232/Microsoft-Server-ActiveSync",
            "alice",
            "alice123",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.code(),
            ErrorCode::NotActiveSync | ErrorCode::ServerError
        ),
        "{:?}: {err}",
        err.code()
    );
    assert!(
        err.to_string().contains("55232"),
        "the detail names the server: {err}"
    );
}

/// The app's engine lifecycle (what the window does): start after sign-in, a folder synced,
/// "sync now" restarts it, sign-out stops it before the account is forgotten.
#[tokio::test]
async fn the_engine_runs_after_sign_in_and_stops_on_sign_out() {
    use kontor_core::engine::EngineEvent;
    let (_dir, app) = fresh().await;
    assert!(matches!(
        app.start_sync().await,
        Err(kontor_core::CoreError::NotSignedIn)
    ));
    app.sign_in(sign_in(SOGO_EAS_URL, CAROL.name, CAROL.password))
        .await
        .unwrap();
    let mut events = app.subscribe();
    app.start_sync().await.unwrap();
    assert!(app.is_syncing().await);
    wait_for(&mut events, |e| {
        matches!(e, EngineEvent::FolderSynced { .. })
    })
    .await;
    wait_for(&mut events, |e| matches!(e, EngineEvent::Listening { .. })).await;
    // The status follows the events (its task runs next to this one: give it a moment).
    let mut online = None;
    for _ in 0..50 {
        let s = app.sync_status(Lang::De).await.unwrap();
        if s.state == kontor_core::SyncState::Online {
            online = Some(s);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let online = online.expect("the status says online");
    assert!(online.last_sync.is_some() && online.error.is_none() && online.folder.is_none());
    assert_eq!(online.unsent, 0);
    app.sync_now().await.unwrap();
    assert!(app.is_syncing().await);
    wait_for(&mut events, |e| matches!(e, EngineEvent::Started { .. })).await;
    app.sign_out().await.unwrap();
    assert!(!app.is_syncing().await);
    assert!(app.account().await.unwrap().is_none());
}

/// Waits (a minute at most) for the next engine event `pred` accepts.
async fn wait_for(
    events: &mut tokio::sync::broadcast::Receiver<kontor_core::engine::EngineEvent>,
    pred: fn(&kontor_core::engine::EngineEvent) -> bool,
) {
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            if pred(&events.recv().await.unwrap()) {
                return;
            }
        }
    })
    .await
    .expect("engine event in time")
}
