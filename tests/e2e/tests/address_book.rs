//! The address book in a real window, as alice against the project's SOGo, used like a person:
//!
//! * Ctrl+3 opens it from the mail; "bob" typed into its search field finds Bob
//!   (bob@kontor.test) in the company directory (SOGo's GAL, which sends the address only) and
//!   merged with the Bob of alice's cached mail;
//! * a click opens his card; "Write mail" opens a compose window addressed to bob@kontor.test;
//! * "Show mail from this person" switches to the mail and searches `from:bob@kontor.test` in
//!   all folders, which lists the mail bob sent alice for this run;
//! * against Z-Push, whose directory sends more, Bob's card shows his name, company and phone;
//! * in German by keyboard: ↓ from the search field to Bob's row, Enter to his card's Write mail;
//! * Z-Push's device policy allows attachments of at most 10 MiB: a larger file attached in the
//!   German compose window is marked at once, and Send is refused with both sizes;
//! * screenshots of the address book with the card in English and German under `target/e2e/`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::key::Key;
use fantoccini::wd::WindowHandle;
use kontor_e2e_tests::server::smtp_deliver;
use kontor_e2e_tests::{
    ALICE, App, ZPUSH_EAS_URL, bounded, choose_language, click, pick_file_in_dialog, progress,
    require_sogo, row_id, sign_in, sign_in_at, wait_text,
};

const BOB: &str = "bob@kontor.test";

/// A mail from bob to alice with `subject`.
fn mail(subject: &str) -> String {
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nHallo Alice,\r\n\r\nbis morgen.\r\n\r\nBob\r\n"
    )
}

async fn handles(app: &App) -> Vec<WindowHandle> {
    bounded("window handles", app.client.windows())
        .await
        .expect("window handles")
}

/// The compose window opened last: a window whose page is `#compose?…` and that is not in
/// `known`. Waits up to 20 s for it.
async fn compose_window(app: &App, known: &[WindowHandle]) -> WindowHandle {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for h in handles(app)
            .await
            .into_iter()
            .filter(|h| !known.contains(h))
        {
            app.switch_to(&h).await;
            let url = bounded("current url", app.client.current_url())
                .await
                .expect("current url");
            if url.fragment().is_some_and(|f| f.starts_with("compose")) {
                return h;
            }
        }
        app.switch_to_main().await;
        if Instant::now() > deadline {
            app.fail("no compose window opened").await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Closes the compose window `win` by its window button, answering Discard when it asks (it
/// counts a recipient, subject or file as a change); fails when it is still open after 20 s.
async fn close_compose(app: &App, win: &WindowHandle) {
    app.switch_to(win).await;
    bounded("close the compose window", app.client.close_window())
        .await
        .expect("close compose window");
    let deadline = Instant::now() + Duration::from_secs(20);
    while handles(app).await.contains(win) {
        if Instant::now() > deadline {
            app.fail("the compose window did not close").await;
        }
        app.switch_to(win).await;
        if let Ok(ask) = app
            .client
            .find(Locator::Css("[data-testid=compose-ask-discard]"))
            .await
        {
            let _ = bounded("discard", ask.click()).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The addresses of the recipient chips of a compose field, once there are any (the window
/// reads its `mailto:` after it has loaded).
async fn chips(app: &App, field: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = app
            .script(
                "return [...document.querySelectorAll(`[data-testid=${arguments[0]}] [data-testid=recipient-chip]`)] \
                   .map(c => c.getAttribute('data-address'));",
                vec![serde_json::json!(field)],
            )
            .await;
        let list: Vec<String> = v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if !list.is_empty() || Instant::now() > deadline {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends keys to the element `css`, as typed there.
async fn press(app: &App, css: &str, keys: &str) {
    let el = app.wait_for(css, Duration::from_secs(10)).await;
    bounded("keys", el.send_keys(keys))
        .await
        .expect("send keys");
}

/// Ctrl+3 from the message list (its focusable row): the address book, its search field typed into like a person.
async fn open_and_search(app: &App, text: &str) {
    press(
        app,
        "[data-testid=message-row][tabindex=\"0\"]",
        &(Key::Control + "3"),
    )
    .await;
    app.wait_for("[data-testid=address-book]", Duration::from_secs(10))
        .await;
    let pressed = app
        .script(
            "return document.querySelector('[data-testid=module-people]').getAttribute('aria-pressed');",
            vec![],
        )
        .await;
    assert_eq!(pressed.as_str(), Some("true"), "the People button is on");
    let input = app
        .wait_for("[data-testid=people-search]", Duration::from_secs(10))
        .await;
    bounded("click the search field", input.click())
        .await
        .expect("click");
    bounded("type", input.send_keys(text)).await.expect("type");
}

/// The test id of the focused element.
async fn focused(app: &App) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let id = app
            .script(
                "return document.activeElement?.getAttribute('data-testid') ?? '';",
                vec![],
            )
            .await;
        let id = id.as_str().unwrap_or_default().to_owned();
        if !id.is_empty() || Instant::now() > deadline {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Bob's row once the directory has answered for him; clicked, his card.
async fn open_bobs_card(app: &App) {
    let row = app
        .wait_for(
            &format!("[data-testid=person-row][data-address='{BOB}'][data-directory=true]"),
            Duration::from_secs(30),
        )
        .await;
    let state = app
        .script(
            "return document.querySelector('[data-testid=people-directory-status]').getAttribute('data-state');",
            vec![],
        )
        .await;
    assert_eq!(state.as_str(), Some("done"), "the directory answered");
    bounded("click Bob", row.click()).await.expect("click row");
    app.wait_for(
        &format!("[data-testid=person-card][data-address='{BOB}']"),
        Duration::from_secs(10),
    )
    .await;
    wait_text(app, "[data-testid=person-address]", BOB, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_finds_bob_in_the_address_book_and_writes_to_him() {
    require_sogo();
    let tag = format!(
        "p{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis()
    );
    let bobs_mail = format!("Telefonnotiz {tag}");
    smtp_deliver(kontor_e2e_tests::server::BOB, ALICE, &mail(&bobs_mail));
    let app = App::launch("address_book").await;
    sign_in(&app, ALICE).await;
    app.wait_for("[data-testid=message-list]", Duration::from_secs(90))
        .await;
    // Bob is among alice's correspondents once her Inbox is in the cache.
    row_id(&app, &bobs_mail, 120).await;
    let main = handles(&app).await;

    // ---- find Bob in the directory, open his card ----
    progress("address book: bob");
    open_and_search(&app, "bob").await;
    open_bobs_card(&app).await;
    let name = app.texts("[data-testid=person-name]").await.join("");
    assert!(
        name == "Bob Baker" || name == BOB,
        "the card's name: {name:?}"
    );
    let shot_en = app.screenshot("address-book-en.png").await;

    // ---- Write mail: a compose window addressed to Bob ----
    progress("write mail");
    click(&app, "[data-testid=person-write]").await;
    let win = compose_window(&app, &main).await;
    let to = chips(&app, "compose-to").await;
    if to != [BOB] {
        app.fail(&format!("To of the new mail: {to:?}")).await;
    }
    let shot_compose = app.screenshot("address-book-compose.png").await;
    close_compose(&app, &win).await;
    app.switch_to_main().await;

    // ---- Show mail from this person: the mail, searched in all folders ----
    progress("show mails from bob");
    click(&app, "[data-testid=person-show-mails]").await;
    app.wait_for("[data-testid=message-list]", Duration::from_secs(10))
        .await;
    let search = app
        .script(
            "return [document.querySelector('[data-testid=search-input]').value, \
                     document.querySelector('[data-testid=search-scope]').value];",
            vec![],
        )
        .await;
    assert_eq!(
        search,
        serde_json::json!([format!("from:{BOB}"), "all"]),
        "the search box"
    );
    wait_text(&app, "[data-testid=row-subject]", &bobs_mail, 30).await;
    let shot_mails = app.screenshot("address-book-mails-from-bob.png").await;

    // ---- German, by keyboard: ↓ from the field to Bob, Enter to his card's Write mail ----
    progress("German");
    choose_language(&app, "de").await;
    open_and_search(&app, "bob").await;
    app.wait_for(
        &format!("[data-testid=person-row][data-address='{BOB}'][data-directory=true]"),
        Duration::from_secs(30),
    )
    .await;
    press(&app, "[data-testid=people-search]", &Key::Down.to_string()).await;
    app.wait_for(
        &format!("[data-testid=person-card][data-address='{BOB}']"),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(focused(&app).await, "person-row", "↓ moves into the list");
    let row = app
        .wait_for(
            "[data-testid=person-row][aria-selected=true]",
            Duration::from_secs(5),
        )
        .await;
    bounded("Enter", row.send_keys(&Key::Enter.to_string()))
        .await
        .expect("Enter");
    assert_eq!(
        focused(&app).await,
        "person-write",
        "Enter goes to Write mail"
    );
    // (No focus ring in the screenshot: under Xvfb without a window manager the page never has
    // the window's focus, so WebKit matches no :focus; the focused element is checked above.)
    wait_text(&app, "[data-testid=person-write]", "E-Mail schreiben", 10).await;
    wait_text(
        &app,
        "[data-testid=person-show-mails]",
        "E-Mails dieser Person anzeigen",
        10,
    )
    .await;
    wait_text(&app, "[data-testid=module-people]", "Personen", 10).await;
    let status = app.texts("[data-testid=people-directory-status]").await;
    assert!(
        status.iter().any(|s| s.contains("Firmenadressbuch")),
        "German directory status: {status:?}"
    );
    let shot_de = app.screenshot("address-book-de.png").await;

    println!(
        "screenshots: {:?}",
        [shot_en, shot_compose, shot_mails, shot_de]
    );
    app.close().await;
}

/// Z-Push's directory sends more than SOGo's: Bob's card shows his name, company and phone, in
/// English and German. (Z-Push's CardDAV backend drops the vCard's TITLE and the department of
/// ORG on the way to the GAL: its GAL Title is the name's prefix and it reads no department.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_book_card_shows_what_the_zpush_directory_sends() {
    require_sogo();
    let app = App::launch("address_book_zpush").await;
    sign_in_at(&app, ALICE, ZPUSH_EAS_URL).await;

    // The People button, clicked like a person; Z-Push finds "Baker" in the full name.
    click(&app, "[data-testid=module-people]").await;
    let input = app
        .wait_for("[data-testid=people-search]", Duration::from_secs(10))
        .await;
    bounded("click the search field", input.click())
        .await
        .expect("click");
    bounded("type", input.send_keys("Baker"))
        .await
        .expect("type");
    open_bobs_card(&app).await;
    wait_text(&app, "[data-testid=person-name]", "Bob Baker", 10).await;
    wait_text(&app, "[data-testid=person-phone]", "+49 30 1234567-12", 10).await;
    wait_text(&app, "[data-testid=person-company]", "Kontor Test GmbH", 10).await;
    let shot_en = app.screenshot("address-book-zpush-en.png").await;

    choose_language(&app, "de").await;
    wait_text(&app, "[data-testid=person-company]", "Firma", 10).await;
    wait_text(&app, "[data-testid=person-phone]", "Telefon", 10).await;
    wait_text(&app, "[data-testid=person-write]", "E-Mail schreiben", 10).await;
    let shot_de = app.screenshot("address-book-zpush-de.png").await;

    // ---- Z-Push's device policy: attachments of at most 10 MiB (tests/servers/README.md) ----
    // A larger file is marked as soon as it is attached, and Send is refused with both sizes
    // while the window stays open.
    progress("write mail, attach a file over the server's limit");
    let main = handles(&app).await;
    click(&app, "[data-testid=person-write]").await;
    let win = compose_window(&app, &main).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("Lageplan.pdf");
    std::fs::write(&path, vec![b'x'; 10 * 1024 * 1024 + 100_000]).expect("write the file");
    click(&app, "[data-testid=compose-attach]").await;
    pick_file_in_dialog(&app, "Dateien anhängen", &path).await;
    wait_text(
        &app,
        "[data-testid=compose-attachment-too-large]",
        "Größer, als der Server Ihrer Firma annimmt (Anhänge bis höchstens 10 MB)",
        20,
    )
    .await;
    click(&app, "[data-testid=compose-subject]").await;
    let subject = app
        .wait_for("[data-testid=compose-subject]", Duration::from_secs(5))
        .await;
    bounded("type the subject", subject.send_keys("Lageplan"))
        .await
        .expect("type");
    click(&app, "[data-testid=compose-send]").await;
    wait_text(
        &app,
        "[data-testid=compose-error]",
        "Der Anhang „Lageplan.pdf“ ist 10,1 MB groß; der Server Ihrer Firma nimmt Anhänge bis höchstens 10,0 MB an.",
        30,
    )
    .await;
    if !handles(&app).await.contains(&win) {
        app.fail("the window closed although the message was refused")
            .await;
    }
    let shot_limit = app.screenshot("compose-attachment-limit-de.png").await;
    close_compose(&app, &win).await;
    app.switch_to_main().await;

    println!("screenshots: {:?}", [shot_en, shot_de, shot_limit]);
    app.close().await;
}
