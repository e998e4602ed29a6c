//! The walking skeleton in a real window: sign in to SOGo, see the folders (including bob's
//! shared calendar), and see a clear message for a wrong password, in English and German.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::time::Duration;

use kontor_core::{CoreError, Lang};
use kontor_e2e_tests::{App, Locator};
use kontor_live_tests::{ALICE, SOGO_EAS_URL, require_sogo};

/// Enter, as WebDriver's key code (the form must submit on Enter, no mouse needed).
const ENTER: &str = "\u{E007}";

async fn fill_account_form(app: &App, password: &str) {
    let url = app
        .wait_for("[data-testid=server-url]", Duration::from_secs(60))
        .await;
    url.clear().await.ok();
    url.send_keys(SOGO_EAS_URL)
        .await
        .expect("type the server URL");
    let user = app
        .client
        .find(Locator::Css("[data-testid=user]"))
        .await
        .expect("user field");
    user.clear().await.ok();
    user.send_keys(ALICE.name).await.expect("type the user");
    let pw = app
        .client
        .find(Locator::Css("[data-testid=password]"))
        .await
        .expect("password field");
    pw.clear().await.ok();
    pw.send_keys(&format!("{password}{ENTER}"))
        .await
        .expect("type the password and Enter");
}

async fn choose_language(app: &App, lang: &str) {
    app.wait_for("[data-testid=language]", Duration::from_secs(60))
        .await;
    app.client
        .find(Locator::Css(&format!(
            "[data-testid=language] option[value={lang}]"
        )))
        .await
        .expect("language option")
        .click()
        .await
        .expect("choose language");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_shows_folders_and_shared_calendar() {
    require_sogo();
    let app = App::launch("sign-in").await;
    assert_eq!(app.client.title().await.expect("window title"), "Kontor");
    choose_language(&app, "en").await;
    fill_account_form(&app, ALICE.password).await;

    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    // The tree is on screen; wait for the two folders that prove the sync went through.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let (names, shared) = loop {
        let names = app.texts("[data-testid=folder]").await;
        let shared = app
            .texts("[data-testid=section-calendars] [data-kind=calendar] [data-testid=folder]")
            .await
            .into_iter()
            .find(|n| n.contains("Bob"));
        if names.contains(&"Inbox".to_owned()) && shared.is_some() {
            break (names, shared);
        }
        if std::time::Instant::now() > deadline {
            app.fail(&format!(
                "Inbox and bob's shared calendar not both in the tree: {names:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let calendars = app
        .texts("[data-testid=section-calendars]")
        .await
        .join("\n");
    assert!(
        calendars.starts_with("CALENDARS") || calendars.starts_with("Calendars"),
        "{calendars}"
    );
    let shot = app.screenshot("main-window.png").await;
    println!(
        "folders: {names:?}\nshared calendar: {shared:?}\nscreenshot: {}",
        shot.display()
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_auth_failed_in_english_and_german() {
    require_sogo();
    let app = App::launch("wrong-password").await;
    choose_language(&app, "en").await;
    fill_account_form(&app, "not-alices-password").await;

    let expected_en = CoreError::AuthFailed {
        detail: String::new(),
    }
    .message(Lang::En);
    assert!(
        expected_en.contains("user name or password"),
        "{expected_en}"
    );
    let error = app
        .wait_for(
            "[data-testid=error][data-code=auth_failed]",
            Duration::from_secs(90),
        )
        .await;
    let message = error
        .find(Locator::Css("[data-testid=error-message]"))
        .await
        .expect("error message")
        .text()
        .await
        .expect("message text");
    if message != expected_en {
        app.fail(&format!("expected {expected_en:?}, saw {message:?}"))
            .await;
    }
    // The account screen is still there, and nothing was signed in.
    assert!(
        app.client
            .find(Locator::Css("[data-testid=folder-tree]"))
            .await
            .is_err()
    );
    let shot = app.screenshot("wrong-password.png").await;

    // The same failure in German: the UI tells the shell its language, the core localizes.
    choose_language(&app, "de").await;
    let pw = app
        .client
        .find(Locator::Css("[data-testid=password]"))
        .await
        .expect("password field");
    pw.send_keys(ENTER).await.expect("submit again");
    let expected_de = CoreError::AuthFailed {
        detail: String::new(),
    }
    .message(Lang::De);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let texts = app
            .texts("[data-testid=error][data-code=auth_failed] [data-testid=error-message]")
            .await;
        if texts.contains(&expected_de) {
            break;
        }
        if std::time::Instant::now() > deadline {
            app.fail(&format!(
                "German message {expected_de:?} not shown: {texts:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let shot_de = app.screenshot("wrong-password-de.png").await;
    println!("screenshots: {} {}", shot.display(), shot_de.display());
    app.close().await;
}
