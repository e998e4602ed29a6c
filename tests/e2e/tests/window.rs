//! The walking skeleton in a real window: sign in to SOGo, see the mail folders (and bob's
//! shared calendar in the calendar view), the status bar online after the first sync, and a
//! clear message for a wrong password, in English and German.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::time::Duration;

use kontor_e2e_tests::{
    ALICE, App, Locator, bounded, choose_language, click, progress, require_sogo, sign_in,
    submit_account_form, x11_window_pid,
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

/// Whether a main window of the app under test is viewable on the Xvfb display: a top-level
/// window of one of its processes titled "… Kontor" that is not the reminder window.
fn main_window_viewable(app: &App) -> bool {
    let pids = app.pids();
    let Ok(tree) = std::process::Command::new("xwininfo")
        .args(["-root", "-tree"])
        .output()
    else {
        return false;
    };
    String::from_utf8_lossy(&tree.stdout)
        .lines()
        .filter(|l| {
            l.contains("Kontor\"") && !l.contains("Reminders") && !l.contains("Erinnerungen")
        })
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|id| x11_window_pid(id).is_some_and(|p| pids.contains(&p)))
        .any(|id| {
            std::process::Command::new("xwininfo")
                .args(["-id", &id])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("IsViewable"))
        })
}

async fn wait_main_viewable(app: &App, want: bool, what: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while main_window_viewable(app) != want {
        if std::time::Instant::now() > deadline {
            app.fail(&format!("the main window is not viewable={want}: {what}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if want {
        // The page learns it is shown a moment after X11 maps the window; WebDriver clicks
        // before that fail.
        loop {
            let state = app.script("return document.visibilityState;", vec![]).await;
            if state.as_str() == Some("visible") {
                break;
            }
            if std::time::Instant::now() > deadline {
                app.fail(&format!(
                    "the page stayed {state} after the window showed: {what}"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    progress(&format!("main window viewable={want}: {what}"));
}

/// Starts Kontor on the app's profile once more, as the start menu (or the session start
/// entry, with `--background`) does; that start hands over to the running one and ends.
fn start_again(app: &App, extra: &[&str]) {
    let out = std::process::Command::new(kontor_e2e_tests::app_binary())
        .arg("--profile-dir")
        .arg(app.profile_path())
        .args(extra)
        .output()
        .expect("run kontor again");
    assert!(out.status.success(), "kontor {extra:?} again: {out:?}");
}

/// Chooses `item` ("Close window", "Exit Kontor") in the open menu. The item is activated by
/// the page's own click: WebKitWebDriver's Element Click waits for the window to paint after
/// the click, which a window that hides itself (or a process that ends) never does, so the
/// WebDriver call would hang or fail.
async fn choose_from_menu(app: &App, item: &str) {
    let css = format!("[data-testid={item}]");
    app.wait_for(&css, Duration::from_secs(10)).await;
    app.script(
        "setTimeout(() => document.querySelector(arguments[0]).click(), 0); return true;",
        vec![serde_json::json!(css)],
    )
    .await;
}

/// Opens the app menu in a window just shown again. WebKitWebDriver refuses a click
/// (UnknownError, no message) until the window shown again has painted once, which may come a
/// moment after the page reports itself visible; a person clicks a window they see.
async fn open_menu_after_show(app: &App) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let menu = app
            .wait_for("[data-testid=menu]", Duration::from_secs(10))
            .await;
        match bounded("click the menu", menu.click()).await {
            Ok(()) => break,
            Err(e) if std::time::Instant::now() < deadline => {
                progress(&format!("menu click refused, again: {e}"));
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => {
                app.fail(&format!("the menu could not be clicked: {e}"))
                    .await
            }
        }
    }
}

/// Running in the background as the settings say: the session start entry appears and goes
/// with its checkbox; closing the window keeps Kontor running (a second start shows the window
/// again), and "Exit Kontor" in the menu ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_window_keeps_kontor_running_until_exit() {
    require_sogo();
    let app = App::launch("background").await;
    sign_in(&app, ALICE).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    choose_language(&app, "de").await;
    wait_main_viewable(&app, true, "after sign-in").await;

    // Settings: keep running on (the default), start with the session off; switching it on
    // writes the XDG autostart entry that starts this program in the background.
    click(&app, "[data-testid=menu]").await;
    click(&app, "[data-testid=menu-settings]").await;
    app.wait_for(
        "[data-testid=close-to-tray]:checked:not(:disabled)",
        Duration::from_secs(10),
    )
    .await;
    let autostart = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .expect("scripts/e2e sets XDG_CONFIG_HOME")
        .join("autostart/kontor.desktop");
    assert!(!autostart.exists(), "an autostart entry before the switch");
    click(&app, "[data-testid=autostart]:not(:checked)").await;
    app.wait_for(
        "[data-testid=autostart]:checked:not(:disabled)",
        Duration::from_secs(10),
    )
    .await;
    let entry = std::fs::read_to_string(&autostart).expect("the autostart entry");
    let profile = app.profile_path().to_string_lossy().into_owned();
    assert!(
        entry.lines().any(|l| l.starts_with("Exec=")
            && l.contains(&format!("--profile-dir {profile}"))
            && l.ends_with(" --background")),
        "autostart entry: {entry}"
    );
    let shot = app.screenshot("settings-background-de.png").await;
    println!("screenshot: {}", shot.display());
    click(&app, "[data-testid=autostart]:checked").await;
    app.wait_for(
        "[data-testid=autostart]:not(:checked):not(:disabled)",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        !autostart.exists(),
        "the autostart entry stayed after the switch went off"
    );
    click(&app, "[data-testid=settings-close]").await;

    // "Close window" does what the title bar's × does: the window goes, Kontor stays.
    click(&app, "[data-testid=menu]").await;
    choose_from_menu(&app, "menu-close-window").await;
    wait_main_viewable(&app, false, "closed").await;
    assert!(
        !app.pids().is_empty(),
        "Kontor ended when its window was closed"
    );
    // Started again (the start menu, a desktop icon): the running one shows its window.
    start_again(&app, &[]);
    wait_main_viewable(&app, true, "started again").await;
    // The session start entry's second start shows nothing.
    open_menu_after_show(&app).await;
    choose_from_menu(&app, "menu-close-window").await;
    wait_main_viewable(&app, false, "closed again").await;
    start_again(&app, &["--background"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !main_window_viewable(&app),
        "kontor --background showed the window"
    );
    start_again(&app, &[]);
    wait_main_viewable(&app, true, "started once more").await;

    // "Exit Kontor" ends it for real.
    open_menu_after_show(&app).await;
    choose_from_menu(&app, "menu-quit").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !app.pids().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "Kontor still runs after Exit: {:?}",
            app.pids()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    progress("Kontor ended by Exit");
}
