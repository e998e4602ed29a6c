//! Safety cues in a real window (docs/safety.md), as ivan, whose Inbox holds the safety corpus
//! (`tests/corpus/safety`, delivered by the project's seeding), driven like a person:
//!
//! * each sender cue is shown on its mail: a display name carrying another address, a
//!   colleague's name (found in the company directory) on an outside address, Reply-To to
//!   another domain, a look-alike domain (0 for o) and a punycode domain with a Cyrillic letter;
//!   outside mail carries the "External" tag in the list and the reader;
//! * links: pointing at a link in the message shows its real target with the registrable domain
//!   emphasised; a click on a link whose text shows another domain asks first and names both;
//!   a link to a bare IP address asks too; nothing opens without the answer;
//! * attachments: the program, script, double extension, macro document and encrypted archive
//!   are marked; Open on the archive finds the script and the macro document inside and asks;
//! * active content: a mail with `<script>`, event handlers, `javascript:`/`data:`/`file:`/
//!   `vbscript:` links, `<iframe>`, `<object>`, `<embed>`, `<form>`, `<meta refresh>`, `<base>`,
//!   `<link>`, CSS `url()` and `@import`, SVG with script, video and image sets fetches nothing
//!   and runs nothing: a local HTTP listener on 127.0.0.1:55391 records every connection and
//!   records none; after "Load for this message" on the newsletter its banner is fetched
//!   (recorded) but its two tracking pixels (listener on 55392) are not;
//! * screenshots of each cue in English and German under `target/e2e/safety-*.png`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use kontor_e2e_tests::{
    App, Locator, User, bounded, choose_language, click, click_row, progress, require_sogo, row_id,
    sign_in, wait_text,
};

const IVAN: User = User {
    name: "ivan",
    password: "ivan123",
};

const NAME_ADDRESS: &str = "Ihr Konto wurde vorübergehend eingeschränkt";
const COLLEAGUE: &str = "Kurze Bitte – Überweisung heute noch";
const REPLY_TO: &str = "Ihre Jahresabrechnung 2026";
const LOOKALIKE: &str = "Passwort läuft heute ab";
const CYRILLIC: &str = "Offene Rechnung";
const ATTACHMENTS: &str = "Rechnung und Unterlagen";
const ACTIVE: &str = "Active content test";
const NEWSLETTER: &str = "Neu im Dezember: Ordner und Papier";

/// Accepts every connection on `port` and records what arrived first (a request line, or the
/// bytes of a TLS ClientHello), answering plain HTTP with an empty 204.
fn listener(port: u16) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let socket = TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("the recording listener cannot bind 127.0.0.1:{port}: {e}"));
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in socket.incoming() {
            let Ok(mut conn) = conn else { continue };
            conn.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let mut buf = [0u8; 512];
            let n = conn.read(&mut buf).unwrap_or(0);
            let head = &buf[..n];
            let what = if head.first() == Some(&0x16) {
                "TLS ClientHello".to_owned()
            } else {
                String::from_utf8_lossy(head)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned()
            };
            progress(&format!("listener {port}: connection: {what}"));
            log.lock().unwrap_or_else(|p| p.into_inner()).push(what);
            use std::io::Write;
            let _ = conn.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
        }
    });
    seen
}

fn recorded(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    log.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Opens `subject` and waits for its sender warnings to say `want`.
async fn cue(app: &App, subject: &str, want: &str) -> String {
    click_row(app, subject).await;
    wait_text(app, "[data-testid=reader-subject]", subject, 30).await;
    wait_text(app, "[data-testid=sender-warnings]", want, 30).await
}

/// Moves the pointer onto the element `css` inside the message frame (WebDriver actions, as a
/// mouse does), leaving the session in the frame.
async fn point_at_in_frame(app: &App, css: &str) -> fantoccini::elements::Element {
    let frame = app
        .wait_for("[data-testid=reader-html]", Duration::from_secs(30))
        .await;
    bounded("enter the message frame", frame.enter_frame())
        .await
        .expect("enter frame");
    let link = bounded("find in frame", app.client.find(Locator::Css(css)))
        .await
        .expect("element in the frame");
    let mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: link.clone(),
        duration: Some(Duration::from_millis(100)),
        x: 0.0,
        y: 0.0,
    });
    bounded("point at it", app.client.perform_actions(mouse))
        .await
        .expect("move the pointer");
    link
}

async fn leave_frame(app: &App) {
    bounded("leave the frame", app.client.enter_parent_frame())
        .await
        .expect("back to the window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phishing_cues_links_attachments_and_active_content() {
    require_sogo();
    let images = listener(55391);
    let pixels = listener(55392);
    let app = App::launch("safety").await;
    sign_in(&app, IVAN).await;
    app.wait_for("[data-testid=message-list]", Duration::from_secs(90))
        .await;
    for s in [
        NAME_ADDRESS,
        COLLEAGUE,
        REPLY_TO,
        LOOKALIKE,
        CYRILLIC,
        ATTACHMENTS,
        ACTIVE,
        NEWSLETTER,
    ] {
        row_id(&app, s, 120).await;
    }
    let tags = app.texts("[data-testid=row-external]").await;
    assert!(
        tags.len() >= 8 && tags.iter().all(|t| t == "External"),
        "External tags in the list: {tags:?}"
    );
    let addresses = app.texts("[data-testid=row-address]").await;
    assert!(
        addresses.contains(&"kundenservice@paypa1-konto.top".to_owned())
            && addresses.contains(&"bob.baker.kontor@gmail.com".to_owned()),
        "outside senders' addresses in the list: {addresses:?}"
    );
    let mut shots = vec![app.screenshot("safety-list.png").await];

    // Sender cues, English.
    cue(
        &app,
        NAME_ADDRESS,
        "The sender calls themselves “service@paypal.de” but writes from kundenservice@paypa1-konto.top.",
    )
    .await;
    wait_text(&app, "[data-testid=external-tag]", "External", 10).await;
    shots.push(app.screenshot("safety-name-address-en.png").await);
    cue(
        &app,
        COLLEAGUE,
        "“Bob Baker” is the name of someone in your organisation, but this message comes from outside: bob.baker.kontor@gmail.com.",
    )
    .await;
    shots.push(app.screenshot("safety-colleague-en.png").await);
    cue(
        &app,
        REPLY_TO,
        "Replies go to stadtwerke-rechnung.top, not to the sender's domain stadtwerke-koeln.de.",
    )
    .await;
    shots.push(app.screenshot("safety-reply-to-en.png").await);
    cue(
        &app,
        LOOKALIKE,
        "The sender's domain k0ntor.test looks like kontor.test but is a different one",
    )
    .await;
    shots.push(app.screenshot("safety-lookalike-en.png").await);
    let cyrillic = cue(&app, CYRILLIC, "xn--kntor-jye.test").await;
    assert!(cyrillic.contains("kоntor.test"), "{cyrillic}");
    shots.push(app.screenshot("safety-punycode-en.png").await);

    // Links: the real target while pointing, the question naming both domains on a click.
    click_row(&app, NAME_ADDRESS).await;
    wait_text(&app, "[data-testid=reader-subject]", NAME_ADDRESS, 30).await;
    let link = point_at_in_frame(&app, "a[href*='paypa1-konto.top']").await;
    leave_frame(&app).await;
    let status = wait_text(&app, "[data-testid=link-status]", "paypa1-konto.top", 15).await;
    assert!(
        status.contains("Link goes to https://paypa1-konto.top/login?id=77"),
        "{status}"
    );
    let strong = app.texts("[data-testid=link-status] strong").await;
    assert_eq!(strong, ["paypa1-konto.top"], "emphasised domain");
    shots.push(app.screenshot("safety-link-hover-en.png").await);
    let frame = app
        .wait_for("[data-testid=reader-html]", Duration::from_secs(10))
        .await;
    bounded("enter frame", frame.enter_frame())
        .await
        .expect("enter frame");
    drop(link);
    let link = bounded(
        "find link",
        app.client.find(Locator::Css("a[href*='paypa1-konto.top']")),
    )
    .await
    .expect("link");
    bounded("click the link", link.click())
        .await
        .expect("click link");
    leave_frame(&app).await;
    let dialog = wait_text(
        &app,
        "[data-testid=link-confirm]",
        "The link shows paypal.de but leads to paypa1-konto.top.",
        15,
    )
    .await;
    assert!(
        dialog.contains("This link may not lead where it seems to."),
        "{dialog}"
    );
    assert_eq!(app.texts("[data-testid=link-open]").await, ["Open anyway"]);
    shots.push(app.screenshot("safety-link-ask-en.png").await);
    click(&app, "[data-testid=link-cancel]").await;
    point_at_in_frame(&app, "a[href*='192.168.10.5']")
        .await
        .click()
        .await
        .expect("click the IP link");
    leave_frame(&app).await;
    wait_text(
        &app,
        "[data-testid=link-confirm]",
        "The link leads to a bare IP address instead of a name.",
        15,
    )
    .await;
    click(&app, "[data-testid=link-cancel]").await;

    // Attachments: marked by name; the archive's inside is found when it is opened.
    click_row(&app, ATTACHMENTS).await;
    wait_text(
        &app,
        "[data-testid=attachment-warning]",
        "The name pretends to be .pdf but is .exe.",
        30,
    )
    .await;
    // The archives are looked into in the background: the encrypted one is marked then.
    let warnings = wait_text(
        &app,
        "[data-testid=attachment-warning]",
        "An encrypted archive: no virus scanner can look inside.",
        60,
    )
    .await;
    for want in [
        "A program or script (.js) can take over your computer.",
        "An Office document with macros (.docm)",
        "An encrypted archive: no virus scanner can look inside.",
    ] {
        assert!(warnings.contains(want), "{want:?} missing in {warnings:?}");
    }
    let names = app.texts("[data-testid=attachment] .att-name").await;
    let warned: Vec<String> = app
        .script(
            "return [...document.querySelectorAll('[data-testid=attachment]')] \
               .map(a => a.querySelector('.att-name').textContent + '=' + \
                 (a.querySelector('[data-testid=attachment-warning]')?.dataset.level || 'none'));",
            vec![],
        )
        .await
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        warned.contains(&"Preisliste.pdf=none".to_owned())
            && warned.contains(&"Rechnung.pdf.exe=dangerous".to_owned()),
        "{names:?} {warned:?}"
    );
    shots.push(app.screenshot("safety-attachments-en.png").await);
    let zip_open = app
        .script(
            "const a = [...document.querySelectorAll('[data-testid=attachment]')] \
               .find(a => a.querySelector('.att-name').textContent === 'Unterlagen.zip'); \
             a.querySelector('[data-testid=attachment-open]').setAttribute('data-e2e', 'zip'); \
             return true;",
            vec![],
        )
        .await;
    assert_eq!(zip_open, serde_json::json!(true));
    click(&app, "[data-e2e=zip]").await;
    let ask = wait_text(
        &app,
        "[data-testid=attachment-confirm]",
        "The archive contains dangerous files:",
        60,
    )
    .await;
    assert!(
        ask.contains("scan_0042.js") && ask.contains("Vertrag.docm"),
        "{ask}"
    );
    shots.push(app.screenshot("safety-attachment-ask-en.png").await);
    click(&app, "[data-testid=attachment-confirm-cancel]").await;

    // Active content: nothing runs, nothing is fetched.
    click_row(&app, ACTIVE).await;
    app.wait_for("[data-testid=reader-html]", Duration::from_secs(60))
        .await;
    app.wait_for("[data-testid=remote-bar]", Duration::from_secs(30))
        .await;
    // Point at everything in it, click its script links and the form's button, and give
    // scripts, handlers, refreshes and loads time to run.
    point_at_in_frame(&app, "p[onmouseover], p").await;
    for text in [
        "javascript link",
        "data link",
        "file link",
        "vbscript link",
        "Send",
    ] {
        let found = app
            .client
            .find(Locator::XPath(&format!(
                "//*[self::a or self::button][contains(., '{text}')]"
            )))
            .await;
        match found {
            Ok(e) => {
                let _ = bounded("click in the frame", e.click()).await;
            }
            Err(_) => progress(&format!("safety: {text:?} is not in the shown message")),
        }
    }
    leave_frame(&app).await;
    assert!(
        app.texts("[data-testid=link-confirm]").await.is_empty(),
        "a script link reached the link question"
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    let title = bounded("title", app.client.title())
        .await
        .unwrap_or_default();
    assert!(!title.contains("SCRIPT RAN"), "title {title:?}");
    assert_eq!(
        recorded(&images),
        Vec::<String>::new(),
        "the active-content mail fetched something"
    );
    shots.push(app.screenshot("safety-active-content-en.png").await);

    // Remote content on request: the banner is fetched, the tracking pixels are not.
    click_row(&app, NEWSLETTER).await;
    click(&app, "[data-testid=remote-load]").await;
    wait_text(
        &app,
        "[data-testid=trackers-blocked]",
        "Tracking images not loaded: 2",
        30,
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while recorded(&images).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        !recorded(&images).is_empty(),
        "the newsletter's banner was not fetched after Load for this message"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        recorded(&pixels),
        Vec::<String>::new(),
        "a tracking pixel was fetched"
    );

    // German.
    choose_language(&app, "de").await;
    cue(
        &app,
        NAME_ADDRESS,
        "Der Absender nennt sich „service@paypal.de“, schreibt aber von kundenservice@paypa1-konto.top.",
    )
    .await;
    wait_text(&app, "[data-testid=external-tag]", "Extern", 10).await;
    shots.push(app.screenshot("safety-name-address-de.png").await);
    cue(
        &app,
        COLLEAGUE,
        "„Bob Baker“ ist der Name einer Person aus Ihrer Organisation",
    )
    .await;
    shots.push(app.screenshot("safety-colleague-de.png").await);
    cue(&app, REPLY_TO, "Antworten gehen an stadtwerke-rechnung.top").await;
    shots.push(app.screenshot("safety-reply-to-de.png").await);
    cue(
        &app,
        LOOKALIKE,
        "sieht aus wie kontor.test, ist aber eine andere",
    )
    .await;
    shots.push(app.screenshot("safety-lookalike-de.png").await);
    cue(&app, CYRILLIC, "internationale Zeichen").await;
    shots.push(app.screenshot("safety-punycode-de.png").await);
    click_row(&app, NAME_ADDRESS).await;
    wait_text(&app, "[data-testid=reader-subject]", NAME_ADDRESS, 30).await;
    point_at_in_frame(&app, "a[href*='paypa1-konto.top']")
        .await
        .click()
        .await
        .expect("click link");
    leave_frame(&app).await;
    wait_text(
        &app,
        "[data-testid=link-confirm]",
        "Der Link zeigt paypal.de, führt aber zu paypa1-konto.top.",
        15,
    )
    .await;
    shots.push(app.screenshot("safety-link-ask-de.png").await);
    click(&app, "[data-testid=link-cancel]").await;
    click_row(&app, ATTACHMENTS).await;
    wait_text(
        &app,
        "[data-testid=attachment-warning]",
        "Der Name gibt sich als .pdf aus, ist aber .exe.",
        30,
    )
    .await;
    shots.push(app.screenshot("safety-attachments-de.png").await);
    choose_language(&app, "en").await;

    assert_eq!(
        recorded(&pixels),
        Vec::<String>::new(),
        "a tracking pixel was fetched"
    );
    for s in &shots {
        println!("screenshot: {}", s.display());
    }
    app.close().await;
}
