//! Writing mail in a real window, as alice against the project's SOGo, driven like a person:
//!
//! * New mail (toolbar): "bob" typed into To offers Bob, found in alice's mail and in the
//!   server's directory (GAL); the suggestion is clicked, a subject typed, text written with
//!   Bold switched on and off (Ctrl+B), Send clicked. Bob's Inbox, read through a second,
//!   independent ActiveSync session, holds the message once: an HTML part with the bold text
//!   and a plain-text part. A picture is put into the text through Picture… and the file
//!   dialog: it arrives as an inline part the HTML names by `cid:`, byte for byte the file. A
//!   file is attached through Attach… and the system's file picker (its path typed into GTK's
//!   dialog) and arrives byte-identical. Before that a colleague's
//!   address with a typo ("bbo@kontor.test") is typed too: Send asks first, as SOGo's
//!   directory does not know it; back in the window Backspace takes the chip off.
//! * Reply (Ctrl+R on a mail from bob): the subject carries one "RE:", the quote has Outlook's
//!   header block; sent, it reaches bob with In-Reply-To naming the original's Message-ID.
//! * Reply all leaves alice out and keeps carol in Cc; Esc closes the untouched window.
//! * A recipient the mail server refuses (the test Postfix refuses refused@kontor.test): after
//!   "Send anyway" the mail waits in the list of unsent changes, parked with "The server did
//!   not send the message…"; its Edit opens it, Backspace takes the address off, bob's is
//!   typed, and bob gets it once.
//! * Offline (SOGo stopped): a mail sent waits in the list of unsent changes; its Edit there
//!   opens it as a draft in a compose window, and sent again with another subject it replaces
//!   the first in the list (German screenshot), and it is in the folder tree's Outbox
//!   ("Postausgang"); after SOGo is back the corrected mail reaches bob, once, and the first
//!   never, and the Outbox is empty.
//! * A new message typed and saved by the 30 s autosave survives `kill -9` of the app: after a
//!   restart it is in Drafts, and Enter on it goes on writing it with its subject and text.
//! * `kontor mailto:bob@…?subject=…&body=…` run while the window is open opens a filled compose
//!   window in it.
//! * German: the compose window of a reply says "AW:" and "Ursprüngliche Nachricht".
//! * Screenshots (new, reply; English and German) under `target/e2e/`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use kontor_e2e_tests::WindowHandle;
use kontor_e2e_tests::server::{BOB, Probe, smtp_deliver};
use kontor_e2e_tests::{
    ALICE, App, Locator, app_binary, bounded, choose_language, click, click_folder, click_row,
    icon_file, pick_file_in_dialog, progress, require_sogo, row_id, sign_in, wait_text,
};

fn mail(subject: &str, message_id: &str) -> String {
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Cc: Carol Clark <carol@kontor.test>\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Hallo Alice,\r\n\r\nbitte um Rückmeldung zum Angebot.\r\n\r\nBob\r\n"
    )
}

/// The compose window opened last: a window of the session whose page is `#compose?…` and
/// that is not in `known`. Waits up to 20 s for it.
async fn compose_window(app: &App, known: &[WindowHandle]) -> WindowHandle {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let handles = bounded("window handles", app.client.windows())
            .await
            .expect("window handles");
        for h in handles.into_iter().filter(|h| !known.contains(h)) {
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

async fn handles(app: &App) -> Vec<WindowHandle> {
    bounded("window handles", app.client.windows())
        .await
        .expect("window handles")
}

/// Waits until the window `h` is gone (sent or closed).
async fn wait_closed(app: &App, h: &WindowHandle, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while handles(app).await.contains(h) {
        if Instant::now() > deadline {
            app.switch_to(h).await;
            let shot = app.screenshot("compose-stayed-open.png").await;
            let text = app.texts("body").await.join(" ");
            app.fail(&format!(
                "the compose window stayed open after {what} ({}): {text}",
                shot.display()
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.switch_to_main().await;
}

async fn type_into(app: &App, css: &str, text: &str) {
    let el = app.wait_for(css, Duration::from_secs(20)).await;
    bounded("click", el.click()).await.expect("click field");
    bounded("type", el.send_keys(text)).await.expect("type");
}

/// Waits up to 10 s for the chips of a recipient field to be `want` (the field makes a chip of
/// typed text a moment after the key); fails with what it shows otherwise.
async fn expect_chips(app: &App, field: &str, want: &[&str], what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = chips(app, field).await;
        if got == want {
            return;
        }
        if Instant::now() > deadline {
            app.fail(&format!("{what}: {got:?}")).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn chips(app: &App, field: &str) -> Vec<String> {
    let v = app
        .script(
            "return [...document.querySelectorAll(`[data-testid=${arguments[0]}] [data-testid=recipient-chip]`)] \
               .map(c => c.getAttribute('data-address'));",
            vec![serde_json::json!(field)],
        )
        .await;
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn value_of(app: &App, css: &str) -> String {
    app.wait_for(css, Duration::from_secs(20)).await;
    app.script(
        "return document.querySelector(arguments[0]).value;",
        vec![serde_json::json!(css)],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// The text of the quote frame's document (the sandboxed iframe below the editor).
async fn quote_text(app: &App) -> String {
    let frame = app
        .wait_for("[data-testid=compose-quote]", Duration::from_secs(20))
        .await;
    let src = frame
        .attr("srcdoc")
        .await
        .expect("srcdoc")
        .unwrap_or_default();
    src.replace("&nbsp;", " ")
}

/// Keys that close the window they are typed into (Send, Esc): WebDriver may answer "no such
/// window" because the window is gone before the command ends; that it is gone is checked by
/// the caller.
async fn press_closing(app: &App, el: &fantoccini::elements::Element, keys: &str, what: &str) {
    let done = bounded(what, el.send_keys(keys)).await;
    if let Err(e) = &done
        && !format!("{e:?}").contains("NoSuchWindow")
    {
        app.fail(&format!("{what}: {e:?}")).await;
    }
}

/// Runs tests/servers/ARGS (stop sogo, start): the servers the suite shares.
fn servers(args: &[&str]) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../servers")
        .join(args[0]);
    let status = std::process::Command::new(&script)
        .args(&args[1..])
        .status()
        .expect("run the servers script");
    assert!(
        status.success(),
        "{} {:?} failed",
        script.display(),
        &args[1..]
    );
    progress(&format!("servers: {args:?}"));
}

/// Clicks a button that closes its window (Send, Discard): as [`press_closing`].
async fn click_closing(app: &App, css: &str) {
    let el = app.wait_for(css, Duration::from_secs(30)).await;
    let done = bounded(&format!("click {css}"), el.click()).await;
    if let Err(e) = &done
        && !format!("{e:?}").contains("NoSuchWindow")
    {
        app.fail(&format!("click {css}: {e:?}")).await;
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_writes_replies_and_forwards() {
    require_sogo();
    let tag = format!(
        "c{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis()
    );
    let original = format!("Angebot Besprechung {tag}");
    let original_id = format!("{tag}.original@kontor.test");
    progress(&format!("deliver {original}"));
    smtp_deliver(BOB, ALICE, &mail(&original, &original_id));

    let app = App::launch("compose").await;
    sign_in(&app, ALICE).await;
    row_id(&app, &original, 120).await;
    let main = handles(&app).await;

    // ---- new mail: Bob from the suggestions, bold text, Send ----
    progress("new mail");
    click(&app, "[data-testid=action-new]").await;
    let win = compose_window(&app, &main).await;
    type_into(&app, "[data-testid=compose-to-input]", "bob").await;
    let suggestion = app
        .wait_for(
            "[data-testid=address-suggestion][data-address='bob@kontor.test'][data-directory=true]",
            Duration::from_secs(15),
        )
        .await;
    bounded("pick Bob", suggestion.click())
        .await
        .expect("click suggestion");
    let to = chips(&app, "compose-to").await;
    if to != ["bob@kontor.test"] {
        app.fail(&format!("To after picking Bob: {to:?}")).await;
    }
    let subject = format!("Neues Angebot {tag}");
    type_into(&app, "[data-testid=compose-subject]", &subject).await;
    // Typed as a person does: Ctrl+B switches bold on and off again.
    type_into(&app, "[data-testid=compose-body]", "Hallo Bob, ").await;
    let body = app
        .wait_for("[data-testid=compose-body]", Duration::from_secs(5))
        .await;
    for keys in [
        Key::Control + "b",
        "wichtig".to_owned(),
        Key::Control + "b",
        " und normal.".to_owned(),
    ] {
        bounded("type", body.send_keys(&keys)).await.expect("type");
    }
    let written = app
        .script(
            "return document.querySelector('[data-testid=compose-body]').innerHTML;",
            vec![],
        )
        .await;
    progress(&format!("the editor holds {written}"));
    if !written
        .as_str()
        .is_some_and(|h| h.contains("<strong>wichtig</strong> und normal."))
    {
        app.screenshot("compose-new-failure.png").await;
        app.fail(&format!("the editor after Ctrl+B on and off: {written}"))
            .await;
    }
    // A picture in the text: Picture… in the toolbar, the file chosen in the file dialog.
    progress("a picture in the text");
    let (picture_path, picture) = icon_file("32x32.png");
    click(&app, "[data-testid=format-picture]").await;
    pick_file_in_dialog(&app, "Choose a picture for the message", &picture_path).await;
    app.wait_for(
        "[data-testid=compose-body] img[src^=\"data:image/png;base64,\"]",
        Duration::from_secs(20),
    )
    .await;
    // Attach… opens the system's file picker (GTK's): the path is typed into it as a person
    // does (a path starting with / opens its location field), then Enter.
    let dir = tempfile::tempdir().expect("temp dir");
    let file_name = format!("Angebot-{tag}.pdf");
    let file_bytes: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let file_path = dir.path().join(&file_name);
    std::fs::write(&file_path, &file_bytes).expect("write the file to attach");
    click(&app, "[data-testid=compose-attach]").await;
    pick_file_in_dialog(&app, "Attach files", &file_path).await;
    let chip = app
        .wait_for("[data-testid=compose-attachment]", Duration::from_secs(20))
        .await;
    let chip_text = bounded("attachment chip", chip.text()).await.expect("text");
    if !chip_text.contains(&file_name) {
        app.fail(&format!("the attachment chip says {chip_text:?}"))
            .await;
    }
    // Its size, read from the file (40,000 bytes).
    wait_text(&app, "[data-testid=compose-attachment-size]", "(39 KB)", 10).await;
    let shot_new = app.screenshot("compose-new.png").await;
    // A colleague's address with a typo: SOGo's directory (ResolveRecipients) does not know
    // it, so Send asks first; "Check the address", Backspace takes the chip off again.
    progress("a typo in a colleague's address");
    type_into(&app, "[data-testid=compose-to-input]", "bbo@kontor.test;").await;
    expect_chips(
        &app,
        "compose-to",
        &["bob@kontor.test", "bbo@kontor.test"],
        "To after typing bbo@",
    )
    .await;
    click(&app, "[data-testid=compose-send]").await;
    wait_text(
        &app,
        "[data-testid=compose-unknown-list]",
        "The server does not know bbo@kontor.test.",
        20,
    )
    .await;
    let shot_unknown = app.screenshot("compose-unknown-en.png").await;
    click(&app, "[data-testid=compose-ask-cancel]").await;
    let input = app
        .wait_for("[data-testid=compose-to-input]", Duration::from_secs(5))
        .await;
    bounded("Backspace", input.send_keys(&Key::Backspace.to_string()))
        .await
        .expect("Backspace");
    expect_chips(
        &app,
        "compose-to",
        &["bob@kontor.test"],
        "To after Backspace",
    )
    .await;
    click_closing(&app, "[data-testid=compose-send]").await;
    wait_closed(&app, &win, "Send").await;

    let mut bob = Probe::connect(BOB).await;
    let inbox = "INBOX";
    let mimes = bob.mimes(inbox, &subject, 1, 120).await;
    let mime = &mimes[0];
    let parsed = mail_parser::MessageParser::default()
        .parse(mime.as_bytes())
        .expect("the sent message parses");
    let html = parsed.body_html(0).unwrap_or_default().into_owned();
    let text = parsed.body_text(0).unwrap_or_default().into_owned();
    assert!(
        html.contains("<strong>wichtig</strong>"),
        "the HTML part keeps the bold text: {html}"
    );
    assert!(
        one_line(&text).contains("Hallo Bob, wichtig und normal."),
        "the text part: {text:?}"
    );
    assert!(
        !text.contains('<'),
        "the text part holds no markup: {text:?}"
    );
    // The picture: an inline part the HTML names by cid:, byte for byte the file.
    let inline: Vec<_> = parsed
        .parts
        .iter()
        .filter(|p| {
            mail_parser::MimeHeaders::content_id(*p).is_some()
                && mail_parser::MimeHeaders::content_type(*p).is_some_and(|c| c.ctype() == "image")
        })
        .collect();
    assert_eq!(inline.len(), 1, "one picture in the text");
    assert_eq!(
        inline[0].contents(),
        picture.as_slice(),
        "the picture byte for byte"
    );
    let cid = mail_parser::MimeHeaders::content_id(inline[0]).unwrap_or_default();
    assert!(
        html.contains(&format!(
            "src=\"cid:{}\"",
            cid.trim_matches(|c| c == '<' || c == '>')
        )),
        "the HTML names the picture by its Content-ID: {html}"
    );
    let attached: Vec<_> = parsed
        .attachments()
        .filter(|a| mail_parser::MimeHeaders::content_id(*a).is_none())
        .collect();
    assert_eq!(attached.len(), 1, "one attachment");
    assert_eq!(
        mail_parser::MimeHeaders::attachment_name(attached[0]),
        Some(file_name.as_str())
    );
    assert!(
        attached[0].contents() == file_bytes.as_slice(),
        "the attachment arrived byte-identical ({} bytes sent, {} received)",
        file_bytes.len(),
        attached[0].contents().len()
    );
    // Exactly once, a little later too.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(bob.mimes(inbox, &subject, 1, 30).await.len(), 1);

    // ---- reply (Ctrl+R) ----
    progress("reply");
    click_row(&app, &original).await;
    let list = app
        .wait_for(
            "[data-testid=message-row][tabindex=\"0\"]",
            Duration::from_secs(10),
        )
        .await;
    bounded("Ctrl+R", list.send_keys(&(Key::Control + "r")))
        .await
        .expect("Ctrl+R");
    let win = compose_window(&app, &main).await;
    let reply_subject = value_of(&app, "[data-testid=compose-subject]").await;
    if reply_subject != format!("RE: {original}") {
        app.fail(&format!("reply subject {reply_subject:?}")).await;
    }
    let to = chips(&app, "compose-to").await;
    if to != ["bob@kontor.test"] {
        app.fail(&format!("reply To: {to:?}")).await;
    }
    let quote = quote_text(&app).await;
    for want in [
        "-----Original Message-----",
        "From: Bob Baker &lt;bob@kontor.test&gt;",
        "To: Alice Adler &lt;alice@kontor.test&gt;",
        "Cc: Carol Clark &lt;carol@kontor.test&gt;",
        &format!("Subject: {original}"),
    ] {
        if !quote.contains(want) {
            app.fail(&format!("the quote lacks {want:?}: {quote}"))
                .await;
        }
    }
    type_into(&app, "[data-testid=compose-body]", "Passt, danke.").await;
    let shot_reply = app.screenshot("compose-reply.png").await;
    let body = app
        .wait_for("[data-testid=compose-body]", Duration::from_secs(5))
        .await;
    press_closing(
        &app,
        &body,
        &format!("{}{}{}", Key::Control, Key::Enter, Key::Null),
        "Ctrl+Enter",
    )
    .await;
    wait_closed(&app, &win, "Ctrl+Enter").await;
    let replies = bob.mimes(inbox, &format!("RE: {original}"), 1, 120).await;
    let reply = mail_parser::MessageParser::default()
        .parse(replies[0].as_bytes())
        .expect("the reply parses");
    assert_eq!(
        reply.in_reply_to().as_text(),
        Some(original_id.as_str()),
        "In-Reply-To of the reply; its header: {}",
        &replies[0][..replies[0].find("\r\n\r\n").unwrap_or(replies[0].len())]
    );
    let reply_html = reply.body_html(0).unwrap_or_default().into_owned();
    assert!(
        reply_html.contains("Passt, danke.") && reply_html.contains("-----Original Message-----"),
        "the reply's HTML: {reply_html}"
    );
    let reply_text = reply.body_text(0).unwrap_or_default().into_owned();
    assert!(
        reply_text.contains("bitte um Rückmeldung zum Angebot"),
        "the reply quotes the original once: {reply_text}"
    );
    assert_eq!(
        reply_text.matches("bitte um Rückmeldung").count(),
        1,
        "the server added no second copy of the original: {reply_text}"
    );

    // ---- reply all: alice left out, carol kept; Esc closes the untouched window ----
    progress("reply all");
    click(&app, "[data-testid=action-reply-all]").await;
    let win = compose_window(&app, &main).await;
    app.wait_for("[data-testid=compose-cc]", Duration::from_secs(20))
        .await;
    let to = chips(&app, "compose-to").await;
    let cc = chips(&app, "compose-cc").await;
    if to != ["bob@kontor.test"] || cc != ["carol@kontor.test"] {
        let id = row_id(&app, &original, 5).await;
        let start = app
            .invoke(
                "compose_start",
                serde_json::json!({"mode": "replyAll", "messageId": id.parse::<i64>().unwrap_or(0)}),
            )
            .await;
        app.fail(&format!(
            "reply all: To {to:?}, Cc {cc:?}; the compose start: {start:?}"
        ))
        .await;
    }
    let subject_field = app
        .wait_for("[data-testid=compose-subject]", Duration::from_secs(5))
        .await;
    press_closing(&app, &subject_field, &Key::Escape.to_string(), "Esc").await;
    wait_closed(&app, &win, "Esc").await;

    // ---- a recipient the mail server refuses: the send waits in the unsent list with the
    // reason; Edit, the address corrected, it goes out ----
    progress("refused recipient");
    click(&app, "[data-testid=action-new]").await;
    let win = compose_window(&app, &main).await;
    type_into(
        &app,
        "[data-testid=compose-to-input]",
        "refused@kontor.test;",
    )
    .await;
    let refused_subject = format!("Unterlagen {tag}");
    type_into(&app, "[data-testid=compose-subject]", &refused_subject).await;
    type_into(&app, "[data-testid=compose-body]", "Die Unterlagen, bitte.").await;
    click(&app, "[data-testid=compose-send]").await;
    // The directory does not know the address either: sent anyway.
    app.wait_for("[data-testid=compose-ask-unknown]", Duration::from_secs(20))
        .await;
    click_closing(&app, "[data-testid=compose-ask-send]").await;
    wait_closed(&app, &win, "Send anyway").await;
    click(&app, "[data-testid=status-unsent]").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let op = loop {
        let found = app
            .script(
                "const [s] = arguments; const r = [...document.querySelectorAll('[data-testid=pending-row]')] \
                   .find(r => r.querySelector('[data-testid=pending-item]').textContent.includes(s)); \
                 return r ? [r.dataset.state, r.dataset.opId] : null;",
                vec![serde_json::json!(refused_subject)],
            )
            .await;
        if found.get(0).and_then(|v| v.as_str()) == Some("parked") {
            break found[1].as_str().unwrap_or_default().to_owned();
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "the refused send is not parked in the list: {found:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let row = format!("[data-testid=pending-row][data-op-id=\"{op}\"]");
    wait_text(
        &app,
        &format!("{row} [data-testid=pending-error-kind]"),
        "The server did not send the message",
        10,
    )
    .await;
    let shot_refused = app.screenshot("compose-refused-en.png").await;
    let known = handles(&app).await;
    click(&app, &format!("{row} [data-testid=pending-edit]")).await;
    let win = compose_window(&app, &known).await;
    let input = app
        .wait_for("[data-testid=compose-to-input]", Duration::from_secs(10))
        .await;
    bounded("click To", input.click()).await.expect("click To");
    bounded("Backspace", input.send_keys(&Key::Backspace.to_string()))
        .await
        .expect("Backspace");
    type_into(&app, "[data-testid=compose-to-input]", "bob@kontor.test;").await;
    expect_chips(
        &app,
        "compose-to",
        &["bob@kontor.test"],
        "To of the edited mail",
    )
    .await;
    click_closing(&app, "[data-testid=compose-send]").await;
    wait_closed(&app, &win, "Send of the corrected mail").await;
    click(&app, "[data-testid=pending-close]").await;
    let mut bob = Probe::connect(BOB).await;
    let got = bob.mimes("INBOX", &refused_subject, 1, 120).await;
    assert_eq!(got.len(), 1, "bob got the corrected mail once");

    // ---- offline: SOGo stopped, a mail is sent, waits in the unsent list, arrives once ----
    progress("offline send");
    servers(&["stop", "sogo"]);
    click(&app, "[data-testid=action-new]").await;
    let win = compose_window(&app, &main).await;
    type_into(
        &app,
        "[data-testid=compose-to-input]",
        &format!("bob@kontor.test{}", Key::Enter),
    )
    .await;
    let offline_subject = format!("Offline geschrieben {tag}");
    type_into(&app, "[data-testid=compose-subject]", &offline_subject).await;
    type_into(
        &app,
        "[data-testid=compose-body]",
        "Geht raus, sobald der Server da ist.",
    )
    .await;
    click_closing(&app, "[data-testid=compose-send]").await;
    wait_closed(&app, &win, "Send while offline").await;
    click(&app, "[data-testid=status-unsent]").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let items = app.texts("[data-testid=pending-item]").await;
        if items.iter().any(|i| i.contains(&offline_subject)) {
            break;
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "the unsent list does not show the mail: {items:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let shot_outbox = app.screenshot("compose-outbox.png").await;

    // Edit in the list: the waiting mail comes back as a draft in a compose window; sent with
    // another subject, it replaces the first.
    progress("edit the unsent mail");
    let op = app
        .script(
            "const [s] = arguments; const r = [...document.querySelectorAll('[data-testid=pending-row]')] \
               .find(r => r.querySelector('[data-testid=pending-item]').textContent.includes(s)); \
             return r ? r.dataset.opId : null;",
            vec![serde_json::json!(offline_subject)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let known = handles(&app).await;
    click(
        &app,
        &format!("[data-testid=pending-row][data-op-id=\"{op}\"] [data-testid=pending-edit]"),
    )
    .await;
    let win = compose_window(&app, &known).await;
    let reopened = value_of(&app, "[data-testid=compose-subject]").await;
    if reopened != offline_subject {
        app.fail(&format!("the edited mail's subject: {reopened:?}"))
            .await;
    }
    let corrected_subject = format!("Offline korrigiert {tag}");
    let field = app
        .wait_for("[data-testid=compose-subject]", Duration::from_secs(10))
        .await;
    bounded("click", field.click())
        .await
        .expect("click subject");
    bounded("select all", field.send_keys(&(Key::Control + "a")))
        .await
        .expect("select the subject");
    bounded("type", field.send_keys(&corrected_subject))
        .await
        .expect("type the subject");
    click_closing(&app, "[data-testid=compose-send]").await;
    wait_closed(&app, &win, "Send of the edited mail").await;
    // The sends waiting: the corrected one, not the first (the draft's own save and delete
    // wait beside them, under the first subject).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let sends: Vec<String> = app
            .script(
                "return [...document.querySelectorAll('[data-testid=pending-row]')] \
                   .filter(r => r.querySelector('[data-testid=pending-edit]')) \
                   .map(r => r.querySelector('[data-testid=pending-item]').textContent);",
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
        let first_gone = !sends.iter().any(|i| i.contains(&offline_subject));
        if first_gone && sends.iter().any(|i| i.contains(&corrected_subject)) {
            break;
        }
        if Instant::now() > deadline {
            app.fail(&format!("the sends waiting after Edit: {sends:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    click(&app, "[data-testid=pending-close]").await;
    choose_language(&app, "de").await;
    click(&app, "[data-testid=status-unsent]").await;
    wait_text(&app, "[data-testid=pending-edit]", "Bearbeiten", 10).await;
    let shot_outbox_de = app.screenshot("compose-outbox-de.png").await;
    click(&app, "[data-testid=pending-close]").await;
    // The same mail in the Outbox of the folder tree, as Outlook users look for it.
    click_folder(&app, "Postausgang").await;
    wait_text(&app, "[data-testid=outbox-view]", &corrected_subject, 10).await;
    wait_text(&app, "[data-testid=outbox-view] h2", "Postausgang", 10).await;
    let shot_outbox_folder_de = app.screenshot("outbox-de.png").await;
    choose_language(&app, "en").await;
    servers(&["start"]);
    let mut bob = Probe::connect(BOB).await;
    // The engine retries with a growing pause (up to five minutes) while the server is away;
    // its next try after the start was seen 75 to 220 s later.
    bob.mimes(inbox, &corrected_subject, 1, 330).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let copies = bob.mimes(inbox, &corrected_subject, 1, 30).await.len();
    if copies != 1 {
        app.fail(&format!("the offline mail arrived {copies} times"))
            .await;
    }
    let first = bob.mimes(inbox, &offline_subject, 0, 1).await.len();
    if first != 0 {
        app.fail(&format!(
            "the mail taken back to edit arrived {first} times"
        ))
        .await;
    }
    // Sent, it has left the Outbox.
    wait_text(
        &app,
        "[data-testid=outbox-view] [data-testid=pending-empty]",
        "Nothing is waiting to be sent.",
        30,
    )
    .await;
    click_folder(&app, "Inbox").await;

    // ---- a draft survives a crash: typed, saved by the 30 s autosave, app killed ----
    progress("draft, autosave, kill -9");
    click(&app, "[data-testid=action-new]").await;
    let _win = compose_window(&app, &main).await;
    let draft_subject = format!("Entwurf {tag}");
    let draft_text = format!("Nicht verlieren {tag}");
    type_into(&app, "[data-testid=compose-subject]", &draft_subject).await;
    type_into(&app, "[data-testid=compose-body]", &draft_text).await;
    let started = Instant::now();
    loop {
        let status = app.texts("[data-testid=compose-status]").await.join(" ");
        if status.contains("Draft saved") {
            progress(&format!(
                "autosaved after {:?}: {status:?}",
                started.elapsed()
            ));
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            app.fail(&format!("no autosave within 60 s: status {status:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let profile = app.kill_keep_profile().await;
    let app = App::launch_with_profile("compose-restart", profile).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
    click_folder(&app, "Drafts").await;
    let id = row_id(&app, &draft_subject, 60).await;
    let row = app
        .wait_for(
            &format!("[data-testid=message-row][data-message-id=\"{id}\"]"),
            Duration::from_secs(10),
        )
        .await;
    bounded("select the draft", row.click())
        .await
        .expect("click draft");
    let list = app
        .wait_for(
            "[data-testid=message-row][tabindex=\"0\"]",
            Duration::from_secs(10),
        )
        .await;
    let main = handles(&app).await;
    bounded(
        "Enter on the draft",
        list.send_keys(&Key::Enter.to_string()),
    )
    .await
    .expect("Enter");
    let win = compose_window(&app, &main).await;
    let body = app
        .wait_for("[data-testid=compose-body]", Duration::from_secs(20))
        .await;
    let text = bounded("draft text", body.text()).await.expect("text");
    if !text.contains(&draft_text) {
        app.fail(&format!(
            "the reopened draft shows {text:?}, not {draft_text:?}"
        ))
        .await;
    }
    if value_of(&app, "[data-testid=compose-subject]").await != draft_subject {
        app.fail("the reopened draft lost its subject").await;
    }
    let shot_draft = app.screenshot("compose-draft-reopened.png").await;
    press_closing(&app, &body, &Key::Escape.to_string(), "Esc").await;
    wait_closed(&app, &win, "Esc on the untouched draft").await;

    // ---- `kontor mailto:…` while the window runs: a filled compose window opens in it ----
    progress("mailto");
    let known = handles(&app).await;
    let out = std::process::Command::new(app_binary())
        .arg("--profile-dir")
        .arg(app.profile_path())
        .arg(format!(
            "mailto:bob@kontor.test?subject=Hallo%20{tag}&body=Zeile%20eins"
        ))
        .output()
        .expect("run kontor mailto:");
    if !out.status.success() {
        app.fail(&format!(
            "kontor mailto: ended with {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
        .await;
    }
    let win = compose_window(&app, &known).await;
    let subject = value_of(&app, "[data-testid=compose-subject]").await;
    let to = chips(&app, "compose-to").await;
    let body = app
        .wait_for("[data-testid=compose-body]", Duration::from_secs(20))
        .await;
    let text = bounded("mailto body", body.text()).await.expect("text");
    if subject != format!("Hallo {tag}") || to != ["bob@kontor.test"] || text != "Zeile eins" {
        app.fail(&format!(
            "the mailto: window: subject {subject:?}, To {to:?}, text {text:?}"
        ))
        .await;
    }
    let shot_mailto = app.screenshot("compose-mailto.png").await;
    // Filled from the link, nothing typed: Esc closes it without asking.
    press_closing(&app, &body, &Key::Escape.to_string(), "Esc").await;
    wait_closed(&app, &win, "Esc on the untouched mailto: window").await;

    // ---- German: a reply to the original, back in the Inbox ----
    progress("German");
    click_folder(&app, "Inbox").await;
    click_row(&app, &original).await;
    app.client
        .find(Locator::Css("[data-testid=language] option[value=de]"))
        .await
        .expect("language option")
        .click()
        .await
        .expect("choose German");
    click(&app, "[data-testid=action-reply]").await;
    let win = compose_window(&app, &main).await;
    let de_subject = value_of(&app, "[data-testid=compose-subject]").await;
    if de_subject != format!("AW: {original}") {
        app.fail(&format!("German reply subject {de_subject:?}"))
            .await;
    }
    let quote = quote_text(&app).await;
    if !quote.contains("-----Ursprüngliche Nachricht-----") || !quote.contains("Betreff: ") {
        app.fail(&format!("German quote header: {quote}")).await;
    }
    let send_label = app.texts("[data-testid=compose-send]").await;
    if send_label != ["Senden"] {
        app.fail(&format!("German Send button: {send_label:?}"))
            .await;
    }
    let shot_reply_de = app.screenshot("compose-reply-de.png").await;
    // Typed text makes closing ask; Discard closes without saving.
    type_into(&app, "[data-testid=compose-body]", "Entwurf").await;
    let body = app
        .wait_for("[data-testid=compose-body]", Duration::from_secs(5))
        .await;
    bounded("Esc", body.send_keys(&Key::Escape.to_string()))
        .await
        .expect("Esc");
    app.wait_for("[data-testid=compose-ask-unsaved]", Duration::from_secs(10))
        .await;
    let shot_ask_de = app.screenshot("compose-unsaved-de.png").await;
    click_closing(&app, "[data-testid=compose-ask-discard]").await;
    wait_closed(&app, &win, "Discard").await;
    // The German window for new mail, with the directory's suggestions open.
    let known = handles(&app).await;
    click(&app, "[data-testid=action-new]").await;
    let win = compose_window(&app, &known).await;
    type_into(&app, "[data-testid=compose-to-input]", "bob").await;
    app.wait_for(
        "[data-testid=address-suggestion][data-directory=true]",
        Duration::from_secs(15),
    )
    .await;
    let labels = app.texts(".compose-label").await.join(" ");
    if !labels.contains("Von") || !labels.contains("Betreff") {
        app.fail(&format!("German field labels: {labels:?}")).await;
    }
    let shot_new_de = app.screenshot("compose-new-de.png").await;
    let subject_field = app
        .wait_for("[data-testid=compose-subject]", Duration::from_secs(5))
        .await;
    press_closing(&app, &subject_field, &Key::Escape.to_string(), "Esc").await;
    // Leaving To makes a chip of "bob" (a change) while Esc arrives: depending on which comes
    // first the window asks (answered Discard) or closes; closed it must be either way.
    if handles(&app).await.contains(&win) {
        app.wait_for("[data-testid=compose-ask-unsaved]", Duration::from_secs(10))
            .await;
        click_closing(&app, "[data-testid=compose-ask-discard]").await;
    }
    wait_closed(&app, &win, "Discard").await;

    println!(
        "screenshots: {:?}",
        [
            shot_new,
            shot_unknown,
            shot_refused,
            shot_reply,
            shot_draft,
            shot_mailto,
            shot_outbox,
            shot_outbox_de,
            shot_outbox_folder_de,
            shot_reply_de,
            shot_new_de,
            shot_ask_de
        ]
    );
    app.close().await;
}
