//! Records real ActiveSync answers from the local SOGo test server into
//! `crates/eas/tests/fixtures/sogo/*.wbxml`, for the fixture tests.
//!
//! Run with the servers up (`tests/servers/start`):
//! `cargo run -p kontor-eas --example record_fixtures [GROUP…]`
//! where GROUP is `base` (provision, folders, inbox, calendar, settings, GAL, ping) or
//! `contacts-tasks` (alice's address book and task list; first writes the two fixture items
//! below over CardDAV/CalDAV so the answer holds a full contact and a task SOGo mangles).
//! Without a GROUP everything is recorded.
//! then `KONTOR_BLESS=1 cargo test -p kontor-eas --test fixtures` to write the expected
//! renderings, and review the diff. The accounts are the synthetic test users, so there is
//! nothing to redact except the policy key and the volatile sync keys, which are replaced.
#![allow(
    clippy::print_stdout,
    reason = "a command-line tool that reports what it wrote"
)]

use std::path::{Path, PathBuf};

use kontor_eas::sync::{BodyPreference, BodyType, CollectionRequest, SyncOptions};
use kontor_eas::{EasClient, EasConfig, FolderType, folder_sync, ping, search, settings, sync};
use kontor_wbxml::{Element, Node};

/// Replaces volatile values (sync keys, policy keys, dates) with stable placeholders and
/// re-encodes, so a fixture does not change every time it is recorded.
fn redact(e: &mut Element) {
    let name = e.tag.name().unwrap_or("");
    if matches!(name, "SyncKey" | "PolicyKey") {
        e.children = vec![Node::Text("REDACTED".into())];
    }
    for c in &mut e.children {
        if let Node::Element(x) = c {
            redact(x);
        }
    }
}

fn save(dir: &Path, name: &str, doc: &Option<kontor_wbxml::Document>) {
    let Some(doc) = doc else {
        println!("{name}: empty answer, not saved");
        return;
    };
    let mut tree = doc.to_element();
    redact(&mut tree);
    let bytes = kontor_wbxml::encode(&tree).expect("re-encode");
    std::fs::write(dir.join(format!("{name}.wbxml")), &bytes).expect("write fixture");
    println!("{name}: {} bytes\n{}", bytes.len(), tree.render());
}

/// A contact with most vCard properties SOGo maps to ActiveSync.
const FIXTURE_VCARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:kontor-fixture-contact\r\n\
FN:Dr. Erika Mustermann\r\nN:Mustermann;Erika;Maria;Dr.;\r\nORG:Kontor GmbH;Vertrieb\r\n\
TITLE:Leiterin Vertrieb\r\nEMAIL;TYPE=work:erika.mustermann@kontor.test\r\n\
EMAIL;TYPE=home:erika@example.org\r\nTEL;TYPE=work:+49 30 1234567\r\n\
TEL;TYPE=cell:+49 170 7654321\r\nTEL;TYPE=home:+49 30 7654321\r\nTEL;TYPE=fax:+49 30 1234568\r\n\
ADR;TYPE=work:;;Straße des 17. Juni 135;Berlin;;10623;Deutschland\r\n\
ADR;TYPE=home:;;Am Markt 1;Potsdam;Brandenburg;14467;Deutschland\r\nBDAY:1980-04-12\r\n\
URL:https://kontor.test/erika\r\nNOTE:Grüße aus Berlin\r\nNICKNAME:Eri\r\n\
CATEGORIES:Kunden\r\nEND:VCARD\r\n";

/// A task with a relative alarm and no DTSTART: SOGo sends its `ReminderTime` as `(null)`.
const FIXTURE_VTODO: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor//fixture//EN\r\n\
BEGIN:VTODO\r\nUID:kontor-fixture-task-nostart\r\nDTSTAMP:20261127T120000Z\r\n\
SUMMARY:Angebot nachfassen\r\nDESCRIPTION:Alarm relativ zum fehlenden Start\r\n\
DUE:20261204T160000Z\r\nPRIORITY:1\r\nSTATUS:NEEDS-ACTION\r\nCATEGORIES:Vertrieb\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nDESCRIPTION:Angebot nachfassen\r\n\
END:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

/// Writes one fixture resource over WebDAV (PUT replaces our own resource if it exists).
async fn put(url: &str, content_type: &str, body: &str) -> Result<(), Box<dyn std::error::Error>> {
    let r = reqwest::Client::new()
        .put(url)
        .basic_auth("alice", Some("alice123"))
        .header("Content-Type", content_type)
        .body(body.to_string())
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(format!("PUT {url}: HTTP {}", r.status()).into());
    }
    println!("PUT {url}: {}", r.status());
    Ok(())
}

/// Key 0, then one window of items with plain-text bodies, saved as `sync-NAME-key0` and
/// `sync-NAME-items`.
async fn record_folder(
    c: &mut EasClient,
    dir: &Path,
    name: &str,
    folder: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut req = CollectionRequest::new(folder, "0");
    let r = c.post("Sync", &sync::request(&[req.clone()]), &[]).await?;
    save(dir, &format!("sync-{name}-key0"), &r);
    let key = sync::parse(r)?
        .collection(folder)
        .map(|c| c.sync_key.clone())
        .ok_or("no key")?;
    req.sync_key = key;
    req.window_size = Some(25);
    req.options = Some(SyncOptions {
        body_preferences: vec![BodyPreference {
            truncation_size: Some(4096),
            ..BodyPreference::new(BodyType::PlainText)
        }],
        ..SyncOptions::default()
    });
    let r = c.post("Sync", &sync::request(&[req]), &[]).await?;
    save(dir, &format!("sync-{name}-items"), &r);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sogo");
    std::fs::create_dir_all(&dir)?;
    let groups: Vec<String> = std::env::args().skip(1).collect();
    let wants = |g: &str| groups.is_empty() || groups.iter().any(|x| x == g);
    let url = std::env::var("KONTOR_EAS_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync".into());
    let dav = std::env::var("KONTOR_DAV_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:20000/SOGo/dav/alice/".into());
    let cfg =
        EasConfig::new(&url, "alice", "alice123", "KontorRecorder1")?.device_type("KontorTest");
    let mut c = EasClient::new(cfg)?;
    c.negotiate().await?;

    if wants("contacts-tasks") {
        put(
            &format!("{dav}Contacts/personal/kontor-fixture-contact.vcf"),
            "text/vcard; charset=utf-8",
            FIXTURE_VCARD,
        )
        .await?;
        put(
            &format!("{dav}Calendar/personal/kontor-fixture-task-nostart.ics"),
            "text/calendar; charset=utf-8",
            FIXTURE_VTODO,
        )
        .await?;
        c.provision().await?;
        let h = folder_sync::parse(
            c.post("FolderSync", &folder_sync::request("0"), &[])
                .await?,
        )?;
        for (name, t) in [
            ("contacts", FolderType::Contacts),
            ("tasks", FolderType::Tasks),
        ] {
            let id = h
                .changes
                .iter()
                .find_map(|ch| match ch {
                    folder_sync::Change::Add(f) if f.folder_type == t => Some(f.server_id.clone()),
                    _ => None,
                })
                .ok_or("no such folder")?;
            record_folder(&mut c, &dir, name, &id).await?;
        }
    }
    if !wants("base") {
        return Ok(());
    }

    let prov = kontor_eas::provision::request(c.version(), "KontorTest", "Kontor/record");
    let r = c.post("Provision", &prov, &[]).await?;
    save(&dir, "provision", &r);
    c.provision().await?;

    let r = c
        .post("FolderSync", &folder_sync::request("0"), &[])
        .await?;
    save(&dir, "foldersync-initial", &r);
    let h = folder_sync::parse(r)?;
    let find = |t: FolderType| {
        h.changes.iter().find_map(|ch| match ch {
            folder_sync::Change::Add(f) if f.folder_type == t => Some(f.server_id.clone()),
            _ => None,
        })
    };
    let inbox = find(FolderType::Inbox).ok_or("no inbox")?;
    let calendar = find(FolderType::Calendar).ok_or("no calendar")?;

    for (name, folder) in [("inbox", &inbox), ("calendar", &calendar)] {
        record_folder(&mut c, &dir, name, folder).await?;
    }

    let r = c
        .post("Settings", &settings::oof_get_request(), &[])
        .await?;
    save(&dir, "settings-oof-get", &r);
    let r = c
        .post("Settings", &settings::user_information_request(), &[])
        .await?;
    save(&dir, "settings-userinformation", &r);
    let r = c
        .post("Search", &search::gal_request("bob", 0, 9), &[])
        .await?;
    save(&dir, "search-gal-bob", &r);
    let r = c
        .post(
            "Ping",
            &ping::request(
                60,
                &[ping::PingFolder {
                    id: inbox.clone(),
                    class: kontor_eas::ItemClass::Email,
                }],
            ),
            &[],
        )
        .await;
    match r {
        Ok(r) => save(&dir, "ping", &r),
        Err(e) => println!("ping: {e}"),
    }
    Ok(())
}
