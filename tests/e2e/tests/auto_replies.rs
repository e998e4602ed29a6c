//! Automatic replies (out of office) in a real window. Neither test server keeps them
//! (docs/server-quirks.md: SOGo answers Settings Oof without an Oof element, the test Z-Push's
//! combined backend answers "off" without any reply and refuses a change), so what is checked
//! here is what a user of such a server sees: "Automatic replies…" in the menu opens the dialog,
//! which says plainly that the server does not offer them and is read-only (no Save, the radio
//! buttons disabled, the texts read-only), and no banner. The round trip with a server that
//! keeps replies is covered over answers written after MS-ASCMD (crates/eas/tests/oof.rs) and the
//! core's unit tests. Screenshots in English and German under `target/e2e/`.

use std::time::Duration;

use kontor_e2e_tests::{
    ALICE, App, ZPUSH_EAS_URL, choose_language, click, require_sogo, sign_in, sign_in_at, wait_text,
};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sogo_does_not_offer_automatic_replies_and_the_dialog_says_so() {
    require_sogo();
    let app = App::launch("auto_replies_sogo").await;
    sign_in(&app, ALICE).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    let label = app.texts("[data-testid=menu-auto-replies]").await;
    assert!(label.is_empty(), "the menu is closed at start: {label:?}");

    open_dialog_and_see_not_offered(&app, "does not offer automatic replies").await;
    wait_text(
        &app,
        "[data-testid=auto-replies-dialog]",
        "Inside my organisation",
        5,
    )
    .await;
    app.screenshot("auto-replies-en.png").await;
    close_dialog(&app).await;

    choose_language(&app, "de").await;
    open_dialog_and_see_not_offered(&app, "bietet keine automatischen Antworten").await;
    let text = wait_text(
        &app,
        "[data-testid=auto-replies-dialog]",
        "Außerhalb meiner Organisation",
        5,
    )
    .await;
    assert!(text.contains("Automatische Antworten"), "{text}");
    assert!(text.contains("Schließen"), "{text}");
    app.screenshot("auto-replies-de.png").await;
    close_dialog(&app).await;
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
