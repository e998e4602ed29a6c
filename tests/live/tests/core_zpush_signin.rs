//! Signing in the way the account screen does it, against Z-Push (tests/servers/README.md
//! "Z-Push"): an e-mail address and a password, the server given by name alone
//! (`127.0.0.1:55080`, no scheme, no path), and without a server (Autodiscover, which no test
//! server offers: the error asks for the server name).

use std::sync::Mutex;

use kontor_core::{ErrorCode, FolderKind, Kontor, Lang, ProfilePaths, SignIn, SignInStep};
use kontor_live_tests::{CAROL, ZPUSH_EAS_URL, require_zpush};

/// The server as a user types it: host and port.
const ZPUSH_SERVER_NAME: &str = "127.0.0.1:55080";

async fn fresh() -> (tempfile::TempDir, Kontor) {
    static KEYCHAIN: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    KEYCHAIN.get_or_init(|| {
        keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
    });
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    (dir, app)
}

/// Nothing under "Advanced" but the server name: the address is the user name, as Outlook sends
/// it. This Z-Push takes it (USE_FULLEMAIL_FOR_LOGIN; the Dovecot behind it drops the domain).
#[tokio::test]
async fn carol_signs_in_with_her_address_and_the_server_name_and_gets_her_folders() {
    require_zpush();
    let (_dir, app) = fresh().await;
    let steps = Mutex::new(Vec::new());
    let account = app
        .sign_in_with_progress(
            SignIn {
                email: CAROL.email(),
                password: CAROL.password.into(),
                server: Some(ZPUSH_SERVER_NAME.into()),
                user: None,
            },
            |s| steps.lock().unwrap().push(s),
        )
        .await
        .unwrap_or_else(|e| panic!("sign-in at {ZPUSH_SERVER_NAME} as {}: {e}", CAROL.email()));
    assert_eq!(
        steps.into_inner().unwrap(),
        [SignInStep::CheckingPassword, SignInStep::ReadingFolders],
        "a server was given: no search"
    );
    // Plain HTTP on the loopback test port, and the ActiveSync path added.
    assert_eq!(account.server_url, ZPUSH_EAS_URL);
    assert_eq!(account.user, "carol@kontor.test");
    assert_eq!(account.protocol_version, "14.0", "Z-Push offers up to 14.0");
    let folders = app.folders().await.unwrap();
    for kind in [FolderKind::Inbox, FolderKind::Sent, FolderKind::Calendar] {
        assert!(
            folders.iter().any(|f| f.kind == kind),
            "no {kind:?} in {folders:#?}"
        );
    }
}

/// A user name under "Advanced" is sent instead of the address.
#[tokio::test]
async fn a_user_name_from_advanced_replaces_the_address() {
    require_zpush();
    let (_dir, app) = fresh().await;
    let account = app
        .sign_in(SignIn {
            email: CAROL.email(),
            password: CAROL.password.into(),
            server: Some(ZPUSH_SERVER_NAME.into()),
            user: Some(format!(" {} ", CAROL.name)),
        })
        .await
        .unwrap_or_else(|e| panic!("sign-in at {ZPUSH_SERVER_NAME} as {}: {e}", CAROL.name));
    assert_eq!(account.user, "carol");
    assert_eq!(account.server_url, ZPUSH_EAS_URL);
    assert!(
        app.folders()
            .await
            .unwrap()
            .iter()
            .any(|f| f.kind == FolderKind::Inbox)
    );
}

#[tokio::test]
async fn a_wrong_password_at_the_server_name_is_auth_failed() {
    require_zpush();
    let (_dir, app) = fresh().await;
    let err = app
        .sign_in(SignIn {
            email: CAROL.email(),
            password: "not-the-password".into(),
            server: Some(ZPUSH_SERVER_NAME.into()),
            user: Some(CAROL.name.into()),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed, "{err}");
    assert!(app.account().await.unwrap().is_none());
}

/// Without a server, Autodiscover looks for the domain's server; for a domain that has none
/// the sign-in stops with the plain "enter the server name" error and changes nothing.
#[tokio::test]
async fn without_a_server_autodiscover_runs_and_asks_for_the_server_name() {
    let (_dir, app) = fresh().await;
    let steps = Mutex::new(Vec::new());
    let err = app
        .sign_in_with_progress(
            SignIn {
                email: "carol@kontor.invalid".into(),
                password: CAROL.password.into(),
                server: None,
                user: None,
            },
            |s| steps.lock().unwrap().push(s),
        )
        .await
        .unwrap_err();
    assert_eq!(steps.into_inner().unwrap(), [SignInStep::FindingServer]);
    assert_eq!(err.code(), ErrorCode::ServerNotFound, "{err}");
    assert!(
        err.message(Lang::En)
            .contains("The server for kontor.invalid was not found"),
        "{err}"
    );
    assert!(err.message(Lang::De).contains("Servernamen"), "{err}");
    assert!(app.account().await.unwrap().is_none());
}
