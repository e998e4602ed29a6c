//! Fills a new profile folder for the window bench (scripts/bench-app,
//! docs/performance.md#the-window-bench): one signed-in account whose cache holds an Inbox of
//! 100,000 messages, Sent Items with 5,000 and a folder of the user's own with 2,000, every
//! message with its body cached, and 10,000 appointments (1,000 of them weekly series) in five
//! calendars, so the window has everything it shows without a server.
//!
//! `cargo run -p kontor-core --example fill_profile -- <new profile folder>
//!  [--inbox N] [--sent N] [--custom N] [--events N] [--keychain-password P] [--rows-file F]`
//!
//! The account is written as a sign-in writes it (profile.json `accounts`, the account row, a
//! full FolderSync), but for a server nobody listens on (`http://127.0.0.1:9/…`): the app runs
//! from the cache, which is what the bench measures. Without a password in the keychain the
//! app does not start its sync engine at all; `--keychain-password` stores one (in whatever
//! Secret Service the session has: the bench's throw-away keyring), so the engine runs and
//! retries its connection next to the measurement as it would for an offline user.
//!
//! The messages come from the store bench's generator (benches/synth): German and English
//! subjects, senders and previews, with dates over the five years before today, 30 % unread.
//! 10 % have an HTML body, cached as the whole MIME message (multipart/alternative with a few KB
//! of HTML), the rest a complete plain-text body. The search index is brought up to date
//! before the filler exits, so the app starts with no indexing to do. `--rows-file` writes the
//! Inbox's first 400 rows in the list's order (newest first) as JSON, `{"html": [positions]}`,
//! so the bench can click messages of both kinds.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a tool that reports on the terminal"
)]

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use kontor_core::ProfilePaths;
use kontor_core::profile::{AccountConfig, ProfileFile};
use kontor_core::store::search::INDEX_BATCH;
use kontor_core::store::{
    BodyKind, BodyPart, CalendarInfo, CalendarSource, EventUpsert, FolderChange, MailBatch,
    MailChange, MessageData, MessageSort, Store,
};

#[path = "../benches/synth/mod.rs"]
mod synth;
use synth::Rng;

/// Where the account points: the discard port on this machine, where nothing listens.
const SERVER_URL: &str = "http://127.0.0.1:9/Microsoft-Server-ActiveSync";
const USER: &str = "bench";
const ADDRESS: &str = "bench@kontor-beispiel.de";

const INBOX: &str = "inbox";
const SENT: &str = "sent";
const CUSTOM: &str = "projekte";

fn folders() -> Vec<FolderChange> {
    // (server id, parent, name, MS-ASCMD folder type)
    let tree: &[(&str, &str, &str, i64)] = &[
        (INBOX, "0", "Inbox", 2),
        ("drafts", "0", "Drafts", 3),
        ("deleted", "0", "Deleted Items", 4),
        (SENT, "0", "Sent Items", 5),
        ("outbox", "0", "Outbox", 6),
        (CUSTOM, "0", "Projekte 2026", 12),
        ("calendar", "0", "Calendar", 8),
        ("contacts", "0", "Contacts", 9),
        ("tasks", "0", "Tasks", 7),
    ];
    tree.iter()
        .map(|&(id, parent, name, kind)| FolderChange::Upsert {
            server_id: id.into(),
            parent_id: parent.into(),
            display_name: name.into(),
            folder_type: kind,
        })
        .collect()
}

/// One message of `folder`, dated within the five years before `now`.
fn message(rng: &mut Rng, folder: &str, i: usize, now: DateTime<Utc>) -> MessageData {
    let mut m = synth::message(rng, i);
    m.server_id = format!("{folder}:{i}");
    let age = (rng.next() % (5 * 365 * 86_400)) as i64;
    m.date = now - chrono::Duration::seconds(age);
    m.read = folder == SENT || rng.below(10) >= 3;
    if folder == SENT {
        m.from = synth_address(ADDRESS);
    }
    m
}

fn synth_address(addr: &str) -> kontor_core::store::Address {
    kontor_core::store::Address::new("Bench Nutzer", addr)
}

/// A plain-text body of a few paragraphs, as a person writes it.
fn plain_body(rng: &mut Rng, m: &MessageData) -> String {
    let mut text = format!(
        "Hallo {},\n\n",
        m.to.first().map_or("", |a| a.name.as_str())
    );
    for _ in 0..1 + rng.below(4) {
        for _ in 0..2 + rng.below(4) {
            text.push_str(&rng.sentence(8, 20));
            text.push_str(". ");
        }
        text.push_str("\n\n");
    }
    text.push_str("Viele Grüße\n");
    text.push_str(&m.from.name);
    text.push('\n');
    text
}

/// A newsletter-like HTML body of a few KB: a table layout, inline styles, a remote logo.
fn html_body(rng: &mut Rng, m: &MessageData) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\
         body{font-family:Arial,sans-serif;color:#222}td{padding:6px 12px}\
         .box{border:1px solid #ccd;background:#f6f7fb}</style></head><body>\
         <table width=\"100%\" cellspacing=\"0\"><tr><td>\
         <img src=\"https://newsletter.example.com/logo.png\" alt=\"Logo\" width=\"120\"></td></tr>",
    );
    html.push_str(&format!(
        "<tr><td><h1 style=\"font-size:20px\">{}</h1></td></tr>",
        m.subject
    ));
    for _ in 0..3 + rng.below(5) {
        html.push_str(&format!(
            "<tr><td class=\"box\"><h2 style=\"font-size:16px\">{}</h2><p>{}. {}.</p>\
             <p><a href=\"https://www.example.com/artikel/{}\">Weiterlesen / read more</a></p>\
             </td></tr>",
            rng.sentence(2, 5),
            rng.sentence(20, 40),
            rng.sentence(15, 30),
            rng.next() % 100_000
        ));
    }
    html.push_str(&format!(
        "<tr><td style=\"font-size:11px;color:#777\">{} · {}<br>\
         <a href=\"https://newsletter.example.com/abmelden\">Abmelden</a></td></tr>\
         </table></body></html>",
        m.from.name, m.from.addr
    ));
    html
}

/// The whole message as the server would send it with MIME support: multipart/alternative.
fn mime_message(m: &MessageData, plain: &str, html: &str) -> Vec<u8> {
    let to: Vec<(String, String)> =
        m.to.iter()
            .map(|a| (a.name.clone(), a.addr.clone()))
            .collect();
    mail_builder::MessageBuilder::new()
        .from((m.from.name.clone(), m.from.addr.clone()))
        .to(to)
        .subject(m.subject.clone())
        .date(m.date.timestamp())
        .message_id(m.message_id.trim_matches(['<', '>']).to_owned())
        .text_body(plain.replace('\n', "\r\n"))
        .html_body(html.to_owned())
        .write_to_vec()
        .expect("writing MIME to memory")
}

async fn fill_folder(store: &Store, account: i64, folder: &str, n: usize, seed: u64) {
    let now = Utc::now();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let messages: Vec<MessageData> = (0..n).map(|i| message(&mut rng, folder, i, now)).collect();
    for (k, chunk) in messages.chunks(500).enumerate() {
        let batch = MailBatch {
            sync_key: format!("{}", k + 1),
            changes: chunk.iter().cloned().map(MailChange::Upsert).collect(),
            complete: true,
        };
        store
            .apply_mail_batch(account, folder, &batch)
            .await
            .expect("storing messages");
    }
    let (mut html_count, mut bytes) = (0usize, 0usize);
    for m in &messages {
        let row = store
            .message_by_server_id(account, folder, &m.server_id)
            .await
            .expect("reading a message back")
            .expect("a stored message");
        let plain = plain_body(&mut rng, m);
        let part = if rng.below(10) == 0 {
            html_count += 1;
            let data = mime_message(m, &plain, &html_body(&mut rng, m));
            BodyPart {
                kind: BodyKind::Mime,
                text: String::new(),
                total_size: data.len() as i64,
                data,
                truncated: false,
            }
        } else {
            BodyPart {
                kind: BodyKind::Plain,
                total_size: plain.len() as i64,
                text: plain,
                data: Vec::new(),
                truncated: false,
            }
        };
        bytes += part.data.len() + part.text.len();
        store
            .store_body(row.id, &part)
            .await
            .expect("storing a body");
    }
    println!(
        "fill_profile: {folder}: {n} messages ({html_count} HTML as MIME, {:.1} MB of bodies) in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
}

/// The five calendars of the calendar bench: the user's own (the EAS Calendar folder) and four
/// colleagues' (CalDAV, read-only), as (source, remote id, name, colour, shared).
const CALENDARS: [(CalendarSource, &str, &str, &str, bool); 5] = [
    (CalendarSource::Eas, "calendar", "Kalender", "", false),
    (
        CalendarSource::Caldav,
        "http://127.0.0.1:9/dav/anna/calendar/",
        "Anna Becker",
        "#d9822b",
        true,
    ),
    (
        CalendarSource::Caldav,
        "http://127.0.0.1:9/dav/jonas/calendar/",
        "Jonas Weber",
        "#2e9e6a",
        true,
    ),
    (
        CalendarSource::Caldav,
        "http://127.0.0.1:9/dav/lena/calendar/",
        "Lena Fischer",
        "#b5436b",
        true,
    ),
    (
        CalendarSource::Caldav,
        "http://127.0.0.1:9/dav/team/calendar/",
        "Team",
        "#7b5fc4",
        true,
    ),
];

/// `n` events over the year before and after today across the five calendars; every tenth a
/// weekly series (every 1–4 weeks, 5–30 times, in Europe/Berlin time), 3 % all-day, the rest
/// 30–120 minutes between 07:00 and 18:00 UTC. The occurrence window (now − 7 days … now + 90
/// days) is materialised as the engine does after a sync.
async fn fill_calendars(store: &Store, account: i64, n: usize, seed: u64) {
    let now = Utc::now();
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut ids = Vec::new();
    for (source, remote_id, name, color, shared) in CALENDARS {
        let id = store
            .upsert_calendar(
                account,
                &CalendarInfo {
                    source,
                    remote_id: remote_id.into(),
                    display_name: name.into(),
                    color: color.into(),
                    owner: if shared { name.into() } else { String::new() },
                    shared,
                    read_only: shared,
                    ctag: String::new(),
                },
            )
            .await
            .expect("a calendar row");
        ids.push(id);
    }
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut recurring = 0;
    for (c, &cal) in ids.iter().enumerate() {
        let mut batch = Vec::new();
        for i in (c..n).step_by(ids.len()) {
            let day = now.date_naive() - chrono::TimeDelta::days(365)
                + chrono::TimeDelta::days(rng.below(730) as i64);
            let hour = 7 + rng.below(11) as u32;
            let minute = [0, 15, 30, 45][rng.below(4)];
            let start = day.and_hms_opt(hour, minute, 0).expect("a time");
            let end = start + chrono::TimeDelta::minutes(30 * (1 + rng.below(4) as i64));
            let summary = rng.sentence(2, 5);
            let uid = format!("bench-{c}-{i}@kontor-beispiel.de");
            let body = if i % 10 == 0 {
                recurring += 1;
                format!(
                    "DTSTART;TZID=Europe/Berlin:{}\r\nDTEND;TZID=Europe/Berlin:{}\r\n\
                     RRULE:FREQ=WEEKLY;INTERVAL={};COUNT={}\r\n",
                    start.format("%Y%m%dT%H%M%S"),
                    end.format("%Y%m%dT%H%M%S"),
                    1 + rng.below(4),
                    5 + rng.below(26)
                )
            } else if rng.below(100) < 3 {
                format!(
                    "DTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\n",
                    day.format("%Y%m%d"),
                    (day + chrono::TimeDelta::days(1)).format("%Y%m%d")
                )
            } else {
                format!(
                    "DTSTART:{}\r\nDTEND:{}\r\n",
                    start.format("%Y%m%dT%H%M%SZ"),
                    end.format("%Y%m%dT%H%M%SZ")
                )
            };
            let ical = format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor//bench//DE\r\n\
                 BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nSUMMARY:{summary}\r\n\
                 LOCATION:Raum {}\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n",
                1 + rng.below(20)
            );
            batch.push(EventUpsert {
                remote_id: format!("{uid}.ics"),
                etag: String::new(),
                ical,
            });
        }
        for (k, chunk) in batch.chunks(500).enumerate() {
            store
                .apply_event_batch(cal, &format!("{}", k + 1), chunk, &[])
                .await
                .expect("storing events");
        }
    }
    let occurrences = store
        .materialise_occurrences(
            None,
            now - chrono::TimeDelta::days(7),
            now + chrono::TimeDelta::days(90),
        )
        .await
        .expect("the occurrence window");
    println!(
        "fill_profile: calendars: {n} events ({recurring} weekly series) in {} calendars, \
         {occurrences} occurrences in the window, in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
}

fn usage() -> ! {
    eprintln!(
        "usage: fill_profile <new profile folder> [--inbox N] [--sent N] [--custom N] \
         [--events N] [--keychain-password P] [--rows-file F]"
    );
    std::process::exit(2);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let (mut inbox, mut sent, mut custom) = (100_000usize, 5_000usize, 2_000usize);
    let mut events = 10_000usize;
    let mut password: Option<String> = None;
    let mut rows_file: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--inbox" => inbox = value().parse().unwrap_or_else(|_| usage()),
            "--sent" => sent = value().parse().unwrap_or_else(|_| usage()),
            "--custom" => custom = value().parse().unwrap_or_else(|_| usage()),
            "--events" => events = value().parse().unwrap_or_else(|_| usage()),
            "--keychain-password" => password = Some(value()),
            "--rows-file" => rows_file = Some(value().into()),
            _ if dir.is_none() && !a.starts_with('-') => dir = Some(a.into()),
            _ => usage(),
        }
    }
    let Some(dir) = dir else { usage() };
    let paths = ProfilePaths::new(&dir);
    if paths.database().exists() {
        eprintln!(
            "fill_profile: {} already has a database; give a new folder",
            dir.display()
        );
        std::process::exit(1);
    }
    let started = Instant::now();

    // What a sign-in writes: the account in profile.json ...
    let mut profile = ProfileFile::load_or_create(&paths).expect("profile.json");
    profile.accounts = vec![AccountConfig {
        server_url: SERVER_URL.into(),
        user: USER.into(),
    }];
    profile.save(&paths).expect("writing profile.json");
    if let Some(password) = password {
        kontor_core::secrets::use_platform_store().expect("the Secret Service");
        kontor_core::secrets::set_password(SERVER_URL, USER, &password)
            .expect("storing the password in the keychain");
    }

    // ... and the account row, who the user is, and the folder tree of a full FolderSync.
    let store = Store::open(&paths.database())
        .await
        .expect("opening the database");
    let account = store
        .upsert_account(SERVER_URL, USER, "14.1", "")
        .await
        .expect("account row");
    store
        .set_account_identity(account, &[ADDRESS.to_owned()], "Bench Nutzer")
        .await
        .expect("account identity");
    store
        .apply_folder_sync(account, "1", true, &folders())
        .await
        .expect("folder tree");

    fill_folder(&store, account, INBOX, inbox, 0x5eed_1234_abcd_0001).await;
    fill_folder(&store, account, SENT, sent, 0x5eed_1234_abcd_0002).await;
    fill_folder(&store, account, CUSTOM, custom, 0x5eed_1234_abcd_0003).await;
    fill_calendars(&store, account, events, 0x5eed_1234_abcd_0004).await;

    let t = Instant::now();
    let mut indexed = 0u64;
    loop {
        let k = store.index_pending(INDEX_BATCH).await.expect("indexing");
        if k == 0 {
            break;
        }
        indexed += u64::from(k);
    }
    println!(
        "fill_profile: search index: {indexed} messages in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if let Some(file) = rows_file {
        let window = store
            .message_window(account, INBOX, MessageSort::Date, true, 0, 400, None)
            .await
            .expect("the Inbox's first rows");
        let mut html = Vec::new();
        for (pos, row) in window.rows.iter().enumerate() {
            let mime = store.body(row.id, BodyKind::Mime).await.expect("a body");
            if mime.is_some() {
                html.push(pos);
            }
        }
        let json = format!(
            "{{\"html\": [{}]}}\n",
            html.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        std::fs::write(&file, json).expect("writing the rows file");
    }
    store.close().await;
    let size = std::fs::metadata(paths.database()).map_or(0, |m| m.len());
    println!(
        "fill_profile: {} ready in {:.1} s; kontor.db {:.0} MB",
        dir.display(),
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
}
