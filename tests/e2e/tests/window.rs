//! The walking skeleton in a real window: sign in to SOGo, see the mail folders (and bob's
//! shared calendar in the calendar view), the status bar online after the first sync, and a
//! clear message for a wrong password, in English and German.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::time::Duration;

use kontor_e2e_tests::{
    ALICE, App, Locator, bounded, choose_language, click, require_sogo, submit_account_form,
};

async fn fill_account_form(app: &App, password: &str) {
    kontor_e2e_tests::fill_account_form(app, ALICE, password).await;
    submit_account_form(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_shows_folders_and_shared_calendar() {
    require_sogo();
    let app = App::launch("sign-in").await;
    choose_language(&app, "en").await;
    let title = bounded("title", app.client.title()).await;
    assert_eq!(title.expect("window title"), "Kontor");
    fill_account_form(&app, ALICE.password).await;

    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    // The tree is on screen; wait for the Inbox that proves the sync went through.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let names = loop {
        let names = app.texts("[data-testid=folder]").await;
        if names.iter().any(|n| n.eq_ignore_ascii_case("Inbox")) {
            break names;
        }
        if std::time::Instant::now() > deadline {
            app.fail(&format!("no Inbox in the tree: {names:?}")).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    // The mail tree holds mail folders only, as Outlook's: calendars are in the calendar view.
    let not_mail = app
        .texts("[data-testid=folder-tree] [data-kind=calendar], [data-testid=folder-tree] [data-kind=contacts], [data-testid=folder-tree] [data-kind=tasks]")
        .await;
    assert!(
        not_mail.is_empty(),
        "not mail, yet in the mail tree: {not_mail:?}"
    );
    // bob's shared calendar is in the calendar view's list of shared calendars.
    click(&app, "[data-testid=module-calendar]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let shared = loop {
        let shared = app
            .texts("[data-testid=cal-list-shared] [data-testid=cal-list-item]")
            .await
            .into_iter()
            .find(|n| n.contains("Bob"));
        if let Some(shared) = shared {
            break shared;
        }
        if std::time::Instant::now() > deadline {
            app.fail("bob's shared calendar not in the calendar list")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    click(&app, "[data-testid=module-mail]").await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(10))
        .await;
    // The app runs the account's sync engine: the status bar reaches online with a last-sync
    // time (the first Sync of every folder done, push waiting).
    let en = wait_status(&app, "Online", "Last synced ").await;
    let shot = app.screenshot("main-window.png").await;
    // The same status in German.
    choose_language(&app, "de").await;
    let de = wait_status(&app, "Online", "Zuletzt synchronisiert ").await;
    let shot_de = app.screenshot("main-window-de.png").await;
    println!(
        "folders: {names:?}\nshared calendar: {shared:?}\nstatus: {en:?} / {de:?}\nscreenshots: {} {}",
        shot.display(),
        shot_de.display()
    );
    app.close().await;
}

/// Waits until the status bar says `state` and a last sync starting with `last_sync`; returns
/// the bar's text.
async fn wait_status(app: &App, state: &str, last_sync: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let shown = app.texts("[data-testid=status-state]").await;
        let last = app.texts("[data-testid=status-last-sync]").await;
        if shown.iter().any(|s| s == state) && last.iter().any(|l| l.starts_with(last_sync)) {
            return app.texts("[data-testid=status-bar]").await.join(" ");
        }
        if std::time::Instant::now() > deadline {
            let bar = app.texts("[data-testid=status-bar]").await;
            app.fail(&format!(
                "status bar not {state:?} with {last_sync:?}: {bar:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_auth_failed_in_english_and_german() {
    require_sogo();
    let app = App::launch("wrong-password").await;
    choose_language(&app, "en").await;
    fill_account_form(&app, "not-alices-password").await;

    // Part of the core's auth_failed sentence (kontor_core::CoreError::AuthFailed) in English.
    let expected_en = "user name or password";
    let error = app
        .wait_for(
            "[data-testid=error][data-code=auth_failed]",
            Duration::from_secs(90),
        )
        .await;
    drop(error);
    let message = app
        .texts("[data-testid=error][data-code=auth_failed] [data-testid=error-message]")
        .await
        .join("\n");
    if !message.contains(expected_en) || message.contains("Kennwort") {
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
    submit_account_form(&app).await;
    let expected_de = "Benutzername oder Kennwort";
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let texts = app
            .texts("[data-testid=error][data-code=auth_failed] [data-testid=error-message]")
            .await;
        if texts.iter().any(|t| t.contains(expected_de)) {
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
