//! Shared by the fault and crash tests: direct (proxy-free) ActiveSync sessions that read the
//! server's truth, a small IMAP client that seeds and changes mail behind the client's back,
//! and unique names so parallel tests never see each other's data.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kontor_eas::email::{Email, FlagStatus};
use kontor_eas::folder_sync::{Change, Folder};
use kontor_eas::sync::{CollectionRequest, ServerChange, Status, SyncOptions};
use kontor_eas::{EasClient, EasConfig, FolderType};
use kontor_live_tests::{IMAP_ADDR, SOGO_EAS_URL, User, require_server, require_sogo};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// SOGo's address, the proxy's target.
pub const SOGO: &str = "127.0.0.1:20000";

/// `tag-<nanoseconds>`: unique across runs and parallel tests.
pub fn unique(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{n}")
}

/// A DeviceId (letters and digits only) unique to this call.
pub fn device_id(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let mut id = format!("{tag}{n:x}");
    id.retain(|c| c.is_ascii_alphanumeric());
    id.chars()
        .rev()
        .take(32)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// Uses keyring-core's in-memory store as the keychain of this process.
pub fn use_test_keychain() {
    keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
}

/// A provisioned session straight to SOGo (no proxy) with a DeviceId of its own.
pub async fn direct(user: User) -> EasClient {
    require_sogo();
    let cfg = EasConfig::new(
        SOGO_EAS_URL,
        user.name,
        user.password,
        &device_id("KFtruth"),
    )
    .unwrap()
    .device_type("KontorTest");
    let mut c = EasClient::new(cfg).unwrap();
    for attempt in 0.. {
        match c.negotiate().await {
            Ok(_) => break,
            Err(e) if attempt < 3 && e.is_transient() => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("OPTIONS: {e:?}"),
        }
    }
    c.provision().await.expect("Provision");
    c
}

/// A new profile (in the returned folder) signed in as `user` at `server_url` (SOGo directly or
/// a proxy in front of it); the account's id in the cache.
pub async fn signed_in(
    user: User,
    server_url: &str,
) -> (tempfile::TempDir, kontor_core::Kontor, i64) {
    use kontor_core::{Kontor, ProfilePaths, SignIn};
    use_test_keychain();
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    let account = app
        .sign_in(SignIn::to_server(server_url, user.name, user.password))
        .await
        .unwrap_or_else(|e| panic!("sign-in at {server_url}: {e}"));
    let account_id = app
        .store()
        .account_id(&account.server_url, &account.user)
        .await
        .unwrap()
        .expect("the account is cached");
    (dir, app, account_id)
}

/// The full folder list of `c`'s user.
pub async fn folders(c: &mut EasClient) -> (String, Vec<Folder>) {
    let h = c.folder_sync("0").await.expect("FolderSync");
    let folders = h
        .changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Add(f) => Some(f),
            _ => None,
        })
        .collect();
    (h.sync_key, folders)
}

/// Creates a top-level mail folder named `name`; returns its ServerId. The CONDSTORE fix is
/// applied to it (see tests/servers/README.md) so SOGo's mail Sync serves it.
pub async fn create_mail_folder(c: &mut EasClient, user: User, name: &str) -> String {
    let (key, _) = folders(c).await;
    let created = c
        .folder_create(&key, "0", name, FolderType::UserCreatedMail)
        .await
        .expect("FolderCreate");
    let mut imap = Imap::login(user).await;
    imap.select(name).await;
    imap.logout().await;
    created.server_id
}

/// Deletes a folder this test created.
pub async fn delete_folder(c: &mut EasClient, server_id: &str) {
    let (key, _) = folders(c).await;
    if let Err(e) = c.folder_delete(&key, server_id).await {
        tracing_warn(&format!("deleting test folder {server_id}: {e}"));
    }
}

fn tracing_warn(msg: &str) {
    // Test output only; nextest shows it for failing tests.
    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{msg}\n").as_bytes());
}

/// A mail item as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MailState {
    pub subject: String,
    pub read: bool,
    pub flagged: bool,
}

/// Every item of `folder_id` as a fresh Sync from key 0 sees it: ServerId → state.
pub async fn server_mail(c: &mut EasClient, folder_id: &str) -> BTreeMap<String, MailState> {
    let mut key = "0".to_owned();
    let mut items = BTreeMap::new();
    for _round in 0..1000 {
        let mut req = CollectionRequest::new(folder_id, &key);
        req.window_size = Some(100);
        req.options = Some(SyncOptions::default());
        let resp = c.sync(&[req]).await.expect("Sync (direct)");
        let Some(col) = resp.collection(folder_id) else {
            return items;
        };
        assert_eq!(col.status, Status::Success, "{col:?}");
        for ch in &col.changes {
            match ch {
                ServerChange::Add { server_id, data }
                | ServerChange::Change { server_id, data } => {
                    let m = Email::from_application_data(data);
                    items.insert(
                        server_id.clone(),
                        MailState {
                            subject: m.subject.unwrap_or_default(),
                            read: m.read == Some(true),
                            flagged: m.flag == Some(FlagStatus::Active),
                        },
                    );
                }
                other => {
                    items.remove(other.server_id());
                }
            }
        }
        let first = key == "0";
        key = col.sync_key.clone();
        if !col.more_available && !first {
            return items;
        }
    }
    panic!("Sync of {folder_id} did not finish in 1000 rounds");
}

/// An RFC 5322 message (CRLF) with a unique subject and Message-ID.
pub fn message(from: User, to: User, subject: &str) -> Vec<u8> {
    format!(
        "From: {} <{}>\r\nTo: <{}>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@kontor.test>\r\n\
         Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nBody of {subject}.\r\n",
        from.name,
        from.email(),
        to.email()
    )
    .into_bytes()
}

/// Just enough IMAP (RFC 9051) to seed and change mail behind the client's back.
pub struct Imap {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    tag: u32,
}

impl Imap {
    /// Logs in and enables CONDSTORE (needed for SOGo's Sync, see tests/servers/README.md).
    pub async fn login(user: User) -> Imap {
        require_server(IMAP_ADDR, "Dovecot IMAP");
        let stream = TcpStream::connect(IMAP_ADDR).await.unwrap();
        let (r, w) = stream.into_split();
        let mut imap = Imap {
            reader: BufReader::new(r),
            writer: w,
            tag: 0,
        };
        let mut greeting = String::new();
        imap.reader.read_line(&mut greeting).await.unwrap();
        assert!(greeting.starts_with("* OK"), "{greeting}");
        imap.cmd(&format!("LOGIN {} {}", user.name, user.password))
            .await;
        imap.cmd("ENABLE CONDSTORE").await;
        imap
    }

    /// Runs a command; panics unless it ends in OK. Returns the untagged lines.
    pub async fn cmd(&mut self, command: &str) -> Vec<String> {
        self.tag += 1;
        let tag = format!("k{}", self.tag);
        self.writer
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .await
            .unwrap();
        self.read_until(&tag, command).await
    }

    async fn read_until(&mut self, tag: &str, what: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).await.unwrap();
            assert!(n > 0, "IMAP connection closed during {what}");
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                assert!(rest.starts_with("OK"), "IMAP {what}: {line}");
                return lines;
            }
            lines.push(line.trim_end().to_owned());
        }
    }

    /// SELECTs `mailbox` (with CONDSTORE), which also applies the HIGHESTMODSEQ fix.
    pub async fn select(&mut self, mailbox: &str) {
        self.cmd(&format!("SELECT \"{mailbox}\" (CONDSTORE)")).await;
    }

    /// Appends `msg` to `mailbox` with `flags` (e.g. `\\Seen \\Flagged`).
    pub async fn append(&mut self, mailbox: &str, flags: &str, msg: &[u8]) {
        self.tag += 1;
        let tag = format!("k{}", self.tag);
        let mut out = format!(
            "{tag} APPEND \"{mailbox}\" ({flags}) {{{}+}}\r\n",
            msg.len()
        )
        .into_bytes();
        out.extend_from_slice(msg);
        out.extend_from_slice(b"\r\n");
        self.writer.write_all(&out).await.unwrap();
        self.read_until(&tag, "APPEND").await;
    }

    /// `UID SEARCH HEADER Subject <subject>` in the selected mailbox.
    pub async fn uids_with_subject(&mut self, subject: &str) -> Vec<u32> {
        let lines = self
            .cmd(&format!("UID SEARCH HEADER Subject \"{subject}\""))
            .await;
        lines
            .iter()
            .filter_map(|l| l.strip_prefix("* SEARCH"))
            .flat_map(|rest| rest.split_whitespace().filter_map(|n| n.parse().ok()))
            .collect()
    }

    pub async fn logout(mut self) {
        let _ = self.writer.write_all(b"z LOGOUT\r\n").await;
    }
}

/// Prints a figure line for the test log (`cargo nextest run --no-capture` shows it).
pub fn report(line: &str) {
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("[faults] {line}\n").as_bytes(),
    );
}

/// The seeds to run: `KONTOR_FAULT_SEEDS=7,12` replays chosen seeds (a failure prints its
/// seed), otherwise `default`.
pub fn seeds(default: &[u64]) -> Vec<u64> {
    match std::env::var("KONTOR_FAULT_SEEDS") {
        Ok(s) if !s.trim().is_empty() => s
            .split(',')
            .map(|x| {
                x.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("KONTOR_FAULT_SEEDS: {x:?} is not a number"))
            })
            .collect(),
        _ => default.to_vec(),
    }
}
