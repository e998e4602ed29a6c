//! Searching mail in a real window, as alice against the project's SOGo, typed like a person:
//!
//! * part of a subject typed into the search box (clicked, like a person) finds that message,
//!   the words marked; Esc returns to the folder with its selection as it was;
//! * "gruesse" finds "Grüße"; `from:bob has:attachment` narrows to the mail with the
//!   attachment; `from:alice` finds nothing and says so;
//! * a click on a hit opens exactly that message;
//! * the quick filter "Unread" (Ctrl+Shift+L) hides a hit once it has been read; the read state
//!   is checked on the server through a second, independent ActiveSync session;
//! * with the mail kept offline set to one month (in Settings, like a person), a message that
//!   arrived 100 days ago (put into the mailbox over IMAP) leaves the list; "Search on the
//!   server" finds it, marked as not kept offline, and a click shows it with its text and its
//!   attachment;
//! * the German search saved as a search folder ("Suche speichern…") runs again from the
//!   sidebar;
//! * screenshots in English and German (search, filters, the term builder, the server search)
//!   under `target/e2e/`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log names the screenshots it saved"
)]

use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::key::Key;
use kontor_e2e_tests::server::{BOB, Probe, imap_append, smtp_deliver};
use kontor_e2e_tests::{
    ALICE, App, Locator, bounded, click, click_row, progress, require_sogo, row_id, sign_in,
    wait_text,
};

fn mail(subject: &str, attachment: bool) -> String {
    let head = format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n"
    );
    if !attachment {
        return format!(
            "{head}Content-Type: text/plain; charset=utf-8\r\n\r\n\
             Hallo Alice,\r\n\r\nwie besprochen.\r\n\r\nBob\r\n"
        );
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"Tisch;2;499,00\r\n");
    format!(
        "{head}Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDas Angebot im Anhang.\r\n\
         --b1\r\nContent-Type: text/csv; name=\"angebot.csv\"\r\n\
         Content-Disposition: attachment; filename=\"angebot.csv\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b1--\r\n"
    )
}

/// A message from bob with a text and a CSV attachment, dated `date`.
fn old_mail(subject: &str, date: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nDate: {}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDie alte Rechnung für das Lagerregal.\r\n\
         --b1\r\nContent-Type: text/csv; name=\"lagerregal.csv\"\r\n\
         Content-Disposition: attachment; filename=\"lagerregal.csv\"\r\n\r\nRegal;1;89,00\r\n--b1--\r\n",
        date.to_rfc2822()
    )
}

/// Replaces the search box's text by typing (Ctrl+A, then the keys).
async fn type_search(app: &App, text: &str) {
    let input = app
        .wait_for("[data-testid=search-input]", Duration::from_secs(10))
        .await;
    bounded("click the search box", input.click())
        .await
        .expect("click search box");
    bounded("select the text", input.send_keys(&(Key::Control + "a")))
        .await
        .expect("select");
    bounded("clear", input.send_keys(&Key::Backspace.to_string()))
        .await
        .expect("clear");
    bounded("type", input.send_keys(text)).await.expect("type");
}

/// Waits until the rows of this run (subjects with `tag`) are exactly `want` (in any order:
/// the three mails arrive within a second and may carry the same date), found for the text in
/// the search box: until a keystroke's hits are in, the list shows the previous text's, and a
/// prefix's hits may lack a row the whole text finds (a wait for no rows ended there once).
async fn wait_hits(app: &App, tag: &str, want: &[&str], secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let current = app
            .script(
                "const s = document.querySelector('[data-testid=search-status]'); \
                 const i = document.querySelector('[data-testid=search-input]'); \
                 return !!s && !!i && s.dataset.query === i.value.trim();",
                vec![],
            )
            .await
            .as_bool()
            .unwrap_or(false);
        let mut shown: Vec<String> = app
            .texts("[data-testid=row-subject]")
            .await
            .into_iter()
            .filter(|s| s.contains(tag))
            .collect();
        shown.sort();
        let mut want = want.to_vec();
        want.sort();
        let searching = app
            .texts("[data-testid=search-count]")
            .await
            .first()
            .cloned();
        if current
            && searching.is_some()
            && shown.iter().map(String::as_str).eq(want.iter().copied())
        {
            return;
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "search hits {shown:?} (count {searching:?}, for the text in the box: \
                 {current}), expected {want:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How far the message list is scrolled, in px.
async fn list_scroll(app: &App) -> f64 {
    app.script(
        "return document.querySelector('[data-testid=message-list-scroll]').scrollTop;",
        vec![],
    )
    .await
    .as_f64()
    .unwrap_or(f64::NAN)
}

async fn selected_ids(app: &App) -> Vec<String> {
    let v = app
        .script(
            "return [...document.querySelectorAll('[data-testid=message-row][aria-selected=true]')] \
               .map(r => r.getAttribute('data-message-id'));",
            vec![],
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

async fn press(app: &App, css: &str, keys: &str) {
    let el = app.wait_for(css, Duration::from_secs(10)).await;
    bounded("keys", el.send_keys(keys))
        .await
        .expect("send keys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_searches_filters_and_opens_a_hit() {
    require_sogo();
    let tag = format!(
        "s{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis()
    );
    let greeting = format!("Grüße vom Kundentermin {tag}");
    let offer = format!("Angebot Büromöbel {tag}");
    let printer = format!("Angebot Drucker {tag}");
    for (subject, attachment) in [(&greeting, false), (&printer, false), (&offer, true)] {
        progress(&format!("deliver {subject}"));
        smtp_deliver(BOB, ALICE, &mail(subject, attachment));
    }
    // Older than the mail kept offline will be: only the server search finds it then. Its
    // subject does not carry `tag`, so the searches above do not see it.
    let old_tag = tag.replacen('s', "r", 1);
    let old = format!("Lagerregal Rechnung {old_tag}");
    let arrived = chrono::Utc::now() - chrono::TimeDelta::days(100);
    imap_append(
        ALICE,
        "INBOX",
        &arrived.format("%d-%b-%Y %H:%M:%S +0000").to_string(),
        &old_mail(&old, arrived),
    );
    // Enough mail for the Inbox's list to scroll (the Esc check below), also on a server that
    // holds nothing else yet: two days old, so below the test's own mails and kept offline.
    let filled = chrono::Utc::now() - chrono::TimeDelta::days(2);
    for i in 1..=20 {
        imap_append(
            ALICE,
            "INBOX",
            &filled.format("%d-%b-%Y %H:%M:%S +0000").to_string(),
            &format!(
                "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
                 Subject: Wochenbericht {i}\r\nDate: {}\r\nMIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\nNichts Neues.\r\n",
                filled.to_rfc2822()
            ),
        );
    }
    let mut probe = Probe::connect(ALICE).await;

    let app = App::launch("search").await;
    sign_in(&app, ALICE).await;
    app.wait_for("[data-testid=message-list]", Duration::from_secs(90))
        .await;
    for s in [&greeting, &offer, &printer] {
        row_id(&app, s, 120).await;
    }
    // A message selected in the folder before searching.
    click_row(&app, &greeting).await;
    let before = selected_ids(&app).await;
    assert_eq!(before.len(), 1, "one row selected: {before:?}");

    // Part of a subject finds it, the words marked.
    type_search(&app, &format!("Kundent {tag}")).await;
    wait_hits(&app, &tag, &[&greeting], 30).await;
    let marks = app
        .texts("[data-testid=message-row] [data-testid=search-mark]")
        .await;
    assert!(
        marks.iter().any(|m| m == "Kundent") && marks.iter().any(|m| m == &tag),
        "marked: {marks:?}"
    );
    let shot_typed = app.screenshot("search-typed.png").await;

    // Esc: the folder as it was, its selection kept.
    press(&app, "[data-testid=search-input]", &Key::Escape.to_string()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.texts("[data-testid=search-count]").await.is_empty() {
        assert!(Instant::now() < deadline, "Esc did not end the search");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for s in [&greeting, &offer, &printer] {
        row_id(&app, s, 10).await;
    }
    assert_eq!(selected_ids(&app).await, before, "selection after Esc");

    // Esc keeps the folder's scroll position too; a search starts at the top.
    let top = app
        .script(
            "const e = document.querySelector('[data-testid=message-list-scroll]'); \
             e.scrollTop = Math.min(120, e.scrollHeight - e.clientHeight); return e.scrollTop;",
            vec![],
        )
        .await
        .as_f64()
        .unwrap_or(0.0);
    assert!(top >= 60.0, "the Inbox's list does not scroll: {top}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    type_search(&app, &format!("Kundent {tag}")).await;
    wait_hits(&app, &tag, &[&greeting], 30).await;
    assert_eq!(
        list_scroll(&app).await,
        0.0,
        "a search's hits start at the top"
    );
    press(&app, "[data-testid=search-input]", &Key::Escape.to_string()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = list_scroll(&app).await;
        let searching = !app.texts("[data-testid=search-count]").await.is_empty();
        if !searching && (now - top).abs() < 1.0 {
            break;
        }
        if Instant::now() > deadline {
            app.fail(&format!(
                "after Esc the list is scrolled to {now} px, not {top} (search shown: {searching})"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // German spellings find each other.
    type_search(&app, &format!("gruesse {tag}")).await;
    wait_hits(&app, &tag, &[&greeting], 30).await;

    // Terms narrow: bob's mail with the attachment only.
    type_search(&app, &format!("from:bob has:attachment {tag}")).await;
    wait_hits(&app, &tag, &[&offer], 30).await;
    let shot_terms = app.screenshot("search-terms.png").await;
    type_search(&app, &format!("from:alice {tag}")).await;
    app.wait_for("[data-testid=message-list-empty]", Duration::from_secs(30))
        .await;
    let empty = app
        .texts("[data-testid=message-list-empty]")
        .await
        .join(" ");
    assert!(empty.contains("Nothing matches"), "{empty:?}");

    // A hit opens exactly that message.
    type_search(&app, &format!("angebot {tag}")).await;
    wait_hits(&app, &tag, &[&offer, &printer], 30).await;
    let offer_id = row_id(&app, &offer, 10).await;
    click_row(&app, &offer).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let subject = app.texts("[data-testid=reader-subject]").await.join("");
        if subject == offer {
            break;
        }
        if Instant::now() > deadline {
            app.fail(&format!("the reader shows {subject:?}, not {offer:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(selected_ids(&app).await, [offer_id]);

    // Quick filter "Unread" (Ctrl+Shift+L from the search box): a hit read is hidden.
    type_search(&app, &tag).await;
    press(
        &app,
        "[data-testid=search-input]",
        &(Key::Control + &(Key::Shift + "l")),
    )
    .await;
    click(&app, "[data-testid=filter-unread]").await;
    // None was shown long enough to count as read (5 s by default): all three are unread.
    wait_hits(&app, &tag, &[&greeting, &offer, &printer], 30).await;
    let shot_filter = app.screenshot("search-filter-unread.png").await;
    // Read one: it leaves the filtered list once it is marked read.
    click_row(&app, &printer).await;
    wait_hits(&app, &tag, &[&greeting, &offer], 60).await;
    probe
        .wait("INBOX", &printer, 60, "read", |seen| {
            seen.iter().any(|m| m.read)
        })
        .await;

    // The term builder writes the syntax.
    click(&app, "[data-testid=filter-unread]").await;
    click(&app, "[data-testid=search-builder]").await;
    let from = app
        .wait_for("[data-testid=builder-from]", Duration::from_secs(10))
        .await;
    bounded("type from", from.send_keys("bob"))
        .await
        .expect("type");
    let words = app
        .wait_for("[data-testid=builder-words]", Duration::from_secs(10))
        .await;
    bounded("type words", words.send_keys(&format!("drucker {tag}")))
        .await
        .expect("type");
    let shot_builder = app.screenshot("search-builder.png").await;
    click(&app, "[data-testid=builder-run]").await;
    wait_hits(&app, &tag, &[&printer], 30).await;
    let text = app
        .script(
            "return document.querySelector('[data-testid=search-input]').value;",
            vec![],
        )
        .await;
    assert_eq!(
        text.as_str(),
        Some(format!("drucker {tag} from:bob").as_str())
    );

    // German.
    app.client
        .find(Locator::Css("[data-testid=language] option[value=de]"))
        .await
        .expect("language option")
        .click()
        .await
        .expect("choose German");
    type_search(&app, &format!("von:bob hat:anhang vor:irgendwann {tag}")).await;
    wait_hits(&app, &tag, &[&offer], 30).await;
    let status = app.texts("[data-testid=search-status]").await.join(" ");
    assert!(
        status.contains("1 Treffer") && status.contains("„irgendwann“ ist kein Datum"),
        "{status:?}"
    );
    let placeholder = app
        .script(
            "return document.querySelector('[data-testid=search-input]').placeholder;",
            vec![],
        )
        .await;
    assert_eq!(placeholder.as_str(), Some("E-Mails durchsuchen (Strg+E)"));
    let shot_de = app.screenshot("search-de.png").await;

    // Saved as a search folder ("Suche speichern…"), to run again later from the sidebar.
    click(&app, "[data-testid=search-save]").await;
    let name = app
        .wait_for("[data-testid=save-search-name]", Duration::from_secs(10))
        .await;
    bounded("select the name", name.send_keys(&(Key::Control + "a")))
        .await
        .expect("select");
    bounded("type the name", name.send_keys("Angebote mit Anhang"))
        .await
        .expect("type");
    let shot_save_de = app.screenshot("search-save-de.png").await;
    click(&app, "[data-testid=save-search-ok]").await;
    wait_text(
        &app,
        "[data-testid=saved-searches]",
        "Angebote mit Anhang",
        10,
    )
    .await;
    click(&app, "[data-testid=search-builder]").await;
    app.wait_for("[data-testid=builder-from]", Duration::from_secs(10))
        .await;
    let shot_builder_de = app.screenshot("search-builder-de.png").await;
    press(&app, "[data-testid=search-input]", &Key::Escape.to_string()).await;

    // Mail kept offline: one month. The old message leaves the cache and the list.
    click(&app, "[data-testid=menu]").await;
    click(&app, "[data-testid=menu-settings]").await;
    app.wait_for("[data-testid=offline-months]", Duration::from_secs(20))
        .await;
    app.script(
        "document.querySelector('[data-testid=offline-months]').scrollIntoView({ block: 'center' }); return true;",
        vec![],
    )
    .await;
    click(&app, "[data-testid=offline-months] option[value='1']").await;
    app.script(
        "document.querySelector('[data-testid=settings-close]').scrollIntoView({ block: 'start' }); return true;",
        vec![],
    )
    .await;
    click(&app, "[data-testid=settings-close]").await;
    type_search(&app, &old_tag).await;
    wait_hits(&app, &old_tag, &[], 180).await;

    // Search on the server: the old message, marked as not kept offline; a click shows it.
    click(&app, "[data-testid=server-search-run]").await;
    let hit = wait_text(&app, "[data-testid=server-hit]", &old, 60).await;
    assert!(hit.contains("Auf dem Server"), "{hit:?}");
    let note = app.texts("[data-testid=server-search-note]").await.join("");
    assert_eq!(note, "1 weitere Nachricht auf dem Server", "{note:?}");
    let shot_server_de = app.screenshot("search-server-de.png").await;
    click(&app, "[data-testid=server-hit]").await;
    wait_text(&app, "[data-testid=reader-subject]", &old, 60).await;
    wait_text(
        &app,
        "[data-testid=reader-text]",
        "Die alte Rechnung für das Lagerregal.",
        10,
    )
    .await;
    wait_text(&app, "[data-testid=attachments]", "lagerregal.csv", 10).await;
    let shot_server_open_de = app.screenshot("search-server-open-de.png").await;
    // Still not in the cache: the local search does not find it.
    assert!(
        app.texts("[data-testid=row-subject]")
            .await
            .iter()
            .all(|s| !s.contains(&old_tag)),
        "the opened server hit was listed as cached"
    );

    // English: the same row in the user's other language.
    app.client
        .find(Locator::Css("[data-testid=language] option[value=en]"))
        .await
        .expect("language option")
        .click()
        .await
        .expect("choose English");
    wait_text(&app, "[data-testid=server-hit]", "On the server", 10).await;
    wait_text(
        &app,
        "[data-testid=server-search-note]",
        "1 more message on the server",
        10,
    )
    .await;
    let shot_server_en = app.screenshot("search-server-en.png").await;

    // The search folder runs its search again: bob's offer with the attachment, nothing else.
    click(&app, "[data-testid=saved-search]").await;
    wait_hits(&app, &tag, &[&offer], 30).await;
    let text = app
        .script(
            "return document.querySelector('[data-testid=search-input]').value;",
            vec![],
        )
        .await;
    assert_eq!(
        text.as_str(),
        Some(format!("von:bob hat:anhang vor:irgendwann {tag}").as_str())
    );
    let shot_saved_en = app.screenshot("search-saved-en.png").await;

    println!(
        "screenshots: {:?}",
        [
            shot_typed,
            shot_terms,
            shot_filter,
            shot_builder,
            shot_de,
            shot_builder_de,
            shot_server_de,
            shot_server_open_de,
            shot_server_en,
            shot_save_de,
            shot_saved_en
        ]
    );
    app.close().await;
}
