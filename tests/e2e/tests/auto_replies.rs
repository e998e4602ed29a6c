//! Automatic replies (out of office) in a real window.
//!
//! * Against SOGo (its vacation feature on, as in the test servers), as alice: "Automatic
//!   replies…" in the menu, *Send automatic replies*, a text for colleagues and one for outside
//!   senders, Save. SOGo keeps one text: the dialog stays open and says so. Closed, the banner
//!   says they are on, and a second, independent ActiveSync session reads them on with the
//!   text. In German the dialog shows the server's text; *off*, Save: the dialog closes, the
//!   banner goes, and the server has them off.
//! * Against the test Z-Push (its combined backend keeps none: "off" without any reply, a change
//!   refused), the dialog says plainly that the server does not offer them and is read-only (no
//!   Save, the radio buttons disabled, the texts read-only), and there is no banner.
//!
//! Screenshots in English and German under `target/e2e/`.

use std::time::Duration;

use fantoccini::key::Key;
use kontor_e2e_tests::server::{Probe, unique};
use kontor_e2e_tests::{
    ALICE, App, ZPUSH_EAS_URL, bounded, choose_language, click, require_sogo, sign_in, sign_in_at,
    wait_text,
};
use kontor_eas::settings::OofState;

/// Opens the dialog from the menu and waits for the server's answer: not offered, in `want`.
async fn open_dialog_and_see_not_offered(app: &App, want: &str) {
    click(app, "[data-testid=menu]").await;
    click(app, "[data-testid=menu-auto-replies]").await;
    app.wait_for("[data-testid=auto-replies-dialog]", Duration::from_secs(10))
        .await;
    wait_text(app, "[data-testid=auto-replies-unsupported]", want, 60).await;
    let state = app
        .script(
            "const d = document.querySelector('[data-testid=auto-replies-dialog]'); \
             return { save: !!d.querySelector('[data-testid=auto-replies-save]'), \
                      radios: [...d.querySelectorAll('input[type=radio]')].map(r => r.disabled), \
                      texts: [...d.querySelectorAll('textarea')].map(t => t.readOnly), \
                      banner: !!document.querySelector('[data-testid=auto-replies-banner]') };",
            vec![],
        )
        .await;
    assert_eq!(state["save"], false, "read-only: no Save ({state})");
    assert_eq!(
        state["radios"],
        serde_json::json!([true, true, true]),
        "{state}"
    );
    assert_eq!(state["texts"], serde_json::json!([true, true]), "{state}");
    assert_eq!(state["banner"], false, "no banner ({state})");
}

async fn close_dialog(app: &App) {
    click(app, "[data-testid=auto-replies-cancel]").await;
    let gone = app
        .script(
            "return !document.querySelector('[data-testid=auto-replies-dialog]');",
            vec![],
        )
        .await;
    assert_eq!(gone, true, "the dialog closes");
}

/// Opens the dialog from the menu and waits until the server's replies are read (the mode
/// buttons usable).
async fn open_dialog(app: &App) {
    click(app, "[data-testid=menu]").await;
    click(app, "[data-testid=menu-auto-replies]").await;
    app.wait_for(
        "[data-testid=auto-replies-mode-on]:not([disabled])",
        Duration::from_secs(60),
    )
    .await;
}

/// Replaces the text of the textarea `css` as a person does (select all, type).
async fn write(app: &App, css: &str, text: &str) {
    let area = app.wait_for(css, Duration::from_secs(10)).await;
    bounded("click", area.click()).await.expect("click");
    bounded("select all", area.send_keys(&(Key::Control + "a")))
        .await
        .expect("select all");
    bounded("type", area.send_keys(text)).await.expect("type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_turns_automatic_replies_on_and_off_on_sogo() {
    require_sogo();
    let text = format!("Bin bis Freitag im Urlaub {}", unique(""));
    let app = App::launch("auto_replies_sogo").await;
    sign_in(&app, ALICE).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    let label = app.texts("[data-testid=menu-auto-replies]").await;
    assert!(label.is_empty(), "the menu is closed at start: {label:?}");

    // ---- on, with a text for colleagues and one for outside senders ----
    open_dialog(&app).await;
    click(&app, "[data-testid=auto-replies-mode-on]").await;
    write(&app, "[data-testid=auto-replies-internal]", &text).await;
    write(
        &app,
        "[data-testid=auto-replies-external]",
        "Out of the office until Friday.",
    )
    .await;
    app.screenshot("auto-replies-en.png").await;
    click(&app, "[data-testid=auto-replies-save]").await;
    // SOGo keeps one text: the dialog stays open and says so.
    wait_text(
        &app,
        "[data-testid=auto-replies-external-lost]",
        "keeps one text for every sender",
        30,
    )
    .await;
    app.screenshot("auto-replies-saved-en.png").await;
    close_dialog(&app).await;
    wait_text(
        &app,
        "[data-testid=auto-replies-banner-text]",
        "Automatic replies are on.",
        10,
    )
    .await;
    app.screenshot("auto-replies-banner-en.png").await;
    // The server has them: a second, independent ActiveSync session reads them.
    let mut probe = Probe::connect(ALICE).await;
    let oof = probe.auto_replies().await;
    assert_eq!(oof.state, OofState::Global, "{oof:?}");
    assert_eq!(
        oof.internal.message.as_deref(),
        Some(text.as_str()),
        "{oof:?}"
    );

    // ---- German: the dialog shows what the server keeps; off ----
    choose_language(&app, "de").await;
    wait_text(
        &app,
        "[data-testid=auto-replies-banner-text]",
        "Automatische Antworten sind aktiviert.",
        10,
    )
    .await;
    open_dialog(&app).await;
    let dialog = wait_text(
        &app,
        "[data-testid=auto-replies-dialog]",
        "Außerhalb meiner Organisation",
        5,
    )
    .await;
    assert!(dialog.contains("Automatische Antworten"), "{dialog}");
    let shown = app
        .script(
            "return document.querySelector('[data-testid=auto-replies-internal]').value;",
            vec![],
        )
        .await;
    assert_eq!(
        shown.as_str(),
        Some(text.as_str()),
        "the server's text is shown"
    );
    app.screenshot("auto-replies-de.png").await;
    click(&app, "[data-testid=auto-replies-mode-off]").await;
    click(&app, "[data-testid=auto-replies-save]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let gone = app
            .script(
                "return !document.querySelector('[data-testid=auto-replies-dialog]') \
                 && !document.querySelector('[data-testid=auto-replies-banner]');",
                vec![],
            )
            .await;
        if gone == true {
            break;
        }
        if std::time::Instant::now() > deadline {
            app.fail("the dialog or the banner stayed after turning the replies off")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let oof = probe.auto_replies().await;
    assert_eq!(oof.state, OofState::Disabled, "{oof:?}");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zpush_without_an_oof_backend_is_shown_as_not_offering_automatic_replies() {
    require_sogo();
    let app = App::launch("auto_replies_zpush").await;
    sign_in_at(&app, ALICE, ZPUSH_EAS_URL).await;
    open_dialog_and_see_not_offered(&app, "does not offer automatic replies").await;
    app.screenshot("auto-replies-zpush-en.png").await;
    close_dialog(&app).await;
    app.close().await;
}
