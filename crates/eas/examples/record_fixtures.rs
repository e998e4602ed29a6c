//! Records real ActiveSync answers from the local SOGo test server into
//! `crates/eas/tests/fixtures/sogo/*.wbxml`, for the fixture tests.
//!
//! Run with the servers up (`tests/servers/start`):
//! `cargo run -p kontor-eas --example record_fixtures`
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sogo");
    std::fs::create_dir_all(&dir)?;
    let url = std::env::var("KONTOR_EAS_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync".into());
    let cfg =
        EasConfig::new(&url, "alice", "alice123", "KontorRecorder1")?.device_type("KontorTest");
    let mut c = EasClient::new(cfg)?;
    c.negotiate().await?;

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
        let mut req = CollectionRequest::new(folder, "0");
        let r = c.post("Sync", &sync::request(&[req.clone()]), &[]).await?;
        save(&dir, &format!("sync-{name}-key0"), &r);
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
        save(&dir, &format!("sync-{name}-items"), &r);
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
