//! The server side of the end-to-end tests: mail delivered over SMTP as another user, and a
//! second, independent ActiveSync session (its own DeviceId) that checks what the window did
//! reached the server.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kontor_eas::email::{Email, FlagStatus};
use kontor_eas::folder_sync::Change;
use kontor_eas::sync::{CollectionRequest, LoopGuard, ServerChange, Status};
use kontor_eas::{EasClient, EasConfig, FolderType};

use crate::{SOGO_EAS_URL, User};

/// Postfix on loopback, which hands `@kontor.test` to Dovecot.
pub const SMTP_URL: &str = "smtp://127.0.0.1:55025";

pub const BOB: User = User {
    name: "bob",
    password: "bob123",
};

pub fn address(user: User) -> String {
    format!("{}@kontor.test", user.name)
}

/// A subject no other run uses.
pub fn unique(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    format!("{tag} {n}")
}

/// Delivers `mime` (CRLF lines) from `from` to `to` over SMTP (curl speaks SMTP).
pub fn smtp_deliver(from: User, to: User, mime: &str) {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), mime).expect("write the mail");
    let out = Command::new("curl")
        .args(["-sS", SMTP_URL, "--mail-from", &address(from)])
        .args(["--mail-rcpt", &address(to)])
        .arg("--upload-file")
        .arg(file.path())
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "SMTP delivery failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One message as a second ActiveSync session sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub subject: String,
    pub read: bool,
    pub flagged: bool,
}

/// A provisioned ActiveSync session of `user` with its own DeviceId.
pub struct Probe {
    client: EasClient,
    folders: Vec<(FolderType, String, String)>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("folders", &self.folders)
            .finish_non_exhaustive()
    }
}

impl Probe {
    pub async fn connect(user: User) -> Probe {
        // A connection SOGo resets (its watchdog ends a worker that held a Ping for two
        // minutes, and with it what that worker had just accepted) is tried again with a new
        // session; any other error, or a third reset, fails the test.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::try_connect(user).await {
                Ok(probe) => return probe,
                Err(e) if attempt < 3 && e.contains("reset by peer") => {
                    crate::progress(&format!("probe: {e}; trying again"));
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    async fn try_connect(user: User) -> Result<Probe, String> {
        let device = format!("E2eProbe{}", &unique("")[1..]);
        let cfg = EasConfig::new(SOGO_EAS_URL, user.name, user.password, &device)
            .expect("EAS config")
            .device_type("KontorTest");
        let mut client = EasClient::new(cfg).expect("EAS client");
        client
            .negotiate()
            .await
            .map_err(|e| format!("OPTIONS: {e:?}"))?;
        client
            .provision()
            .await
            .map_err(|e| format!("Provision: {e:?}"))?;
        let folders = client
            .folder_sync("0")
            .await
            .map_err(|e| format!("FolderSync: {e:?}"))?
            .changes
            .into_iter()
            .filter_map(|c| match c {
                Change::Add(f) => Some((f.folder_type, f.display_name, f.server_id)),
                _ => None,
            })
            .collect();
        Ok(Probe { client, folders })
    }

    /// The user's automatic replies as the server keeps them (Settings Oof Get).
    pub async fn auto_replies(&mut self) -> kontor_eas::settings::Oof {
        self.client.oof_get().await.expect("Settings Oof Get")
    }

    /// The ServerId of the folder named `name` (as the server names it: "INBOX", "Archive").
    pub fn folder(&self, name: &str) -> String {
        self.folders
            .iter()
            .find(|(_, n, _)| n == name)
            .unwrap_or_else(|| panic!("no folder {name} in {:?}", self.folders))
            .2
            .clone()
    }

    /// Every message of a folder, read from Sync key 0.
    pub async fn messages(&mut self, folder: &str) -> Vec<Seen> {
        self.items(folder)
            .await
            .into_iter()
            .map(|(_, m)| Seen {
                subject: m.subject.unwrap_or_default(),
                read: m.read.unwrap_or(false),
                flagged: m.flag == Some(FlagStatus::Active),
            })
            .collect()
    }

    /// Every item of a folder with its ServerId, read from Sync key 0.
    async fn items(&mut self, folder: &str) -> Vec<(String, Email)> {
        let mut key = "0".to_string();
        let mut out = Vec::new();
        let mut guard = LoopGuard::new(folder);
        loop {
            let resp = self
                .client
                .sync(&[CollectionRequest::new(folder, &key)])
                .await
                .expect("Sync");
            let Some(col) = resp.collection(folder) else {
                return out;
            };
            assert_eq!(col.status, Status::Success, "{col:?}");
            guard.observe(&key, col).expect("no sync loop");
            for ch in &col.changes {
                if let ServerChange::Add { server_id, data } = ch {
                    out.push((server_id.clone(), Email::from_application_data(data)));
                }
            }
            let first = key == "0";
            key = col.sync_key.clone();
            if !col.more_available && !first {
                return out;
            }
        }
    }

    /// Waits (up to `secs`) until `check` holds for the messages of `folder` with `subject`.
    pub async fn wait(
        &mut self,
        folder_name: &str,
        subject: &str,
        secs: u64,
        what: &str,
        check: impl Fn(&[Seen]) -> bool,
    ) {
        let folder = self.folder(folder_name);
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let seen: Vec<Seen> = self
                .messages(&folder)
                .await
                .into_iter()
                .filter(|m| m.subject == subject)
                .collect();
            if check(&seen) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "on the server, {subject:?} in {folder_name}: expected {what}, saw {seen:?}"
            );
            tokio::time::sleep(Duration::from_millis(700)).await;
        }
    }

    /// The whole message (MIME, fetched with ItemOperations) of the messages of `folder_name`
    /// whose subject is `subject`, once there are `count` of them, waiting up to `secs`.
    pub async fn mimes(
        &mut self,
        folder_name: &str,
        subject: &str,
        count: usize,
        secs: u64,
    ) -> Vec<String> {
        let folder = self.folder(folder_name);
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let ids = self.server_ids(&folder, subject).await;
            if ids.len() >= count {
                let mut out = Vec::new();
                for id in ids {
                    let item = self
                        .client
                        .fetch_item(
                            &folder,
                            &id,
                            Some(kontor_eas::sync::BodyPreference::new(
                                kontor_eas::sync::BodyType::Mime,
                            )),
                        )
                        .await
                        .expect("ItemOperations Fetch");
                    let body = Email::from_application_data(&item).body;
                    let data = body
                        .and_then(|b| b.data)
                        .map(|d| d.to_vec())
                        .unwrap_or_default();
                    out.push(String::from_utf8_lossy(&data).into_owned());
                }
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "on the server, {subject:?} in {folder_name}: expected {count} message(s), saw {}",
                ids.len()
            );
            tokio::time::sleep(Duration::from_millis(700)).await;
        }
    }

    async fn server_ids(&mut self, folder: &str, subject: &str) -> Vec<String> {
        self.items(folder)
            .await
            .into_iter()
            .filter(|(_, m)| m.subject.as_deref() == Some(subject))
            .map(|(id, _)| id)
            .collect()
    }
}

/// Dovecot's IMAP on loopback.
pub const IMAP_ADDR: &str = "127.0.0.1:55143";

/// Puts `mime` (CRLF lines) into `user`'s `mailbox` over IMAP with the arrival date `date`
/// (`"27-Aug-2026 10:00:00 +0000"`): the servers' time filters (the mail kept offline) judge a
/// message by it, so this is how mail older than the synced window is made.
pub fn imap_append(user: User, mailbox: &str, date: &str, mime: &str) {
    use std::io::{BufRead, BufReader, Write};
    let stream = std::net::TcpStream::connect(IMAP_ADDR).expect("IMAP connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("IMAP timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("IMAP socket"));
    let mut writer = stream;
    let mut line = String::new();
    reader.read_line(&mut line).expect("IMAP greeting");
    assert!(line.starts_with("* OK"), "IMAP greeting: {line}");
    let mut until_done = |tag: &str, what: &str| loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("IMAP answer");
        assert!(n > 0, "IMAP connection closed during {what}");
        if let Some(rest) = line.strip_prefix(tag) {
            assert!(rest.starts_with("OK"), "IMAP {what}: {line}");
            return;
        }
    };
    writer
        .write_all(format!("a LOGIN {} {}\r\n", user.name, user.password).as_bytes())
        .expect("IMAP LOGIN");
    until_done("a ", "LOGIN");
    writer
        .write_all(
            format!(
                "b APPEND \"{mailbox}\" () \"{date}\" {{{}+}}\r\n{mime}\r\n",
                mime.len()
            )
            .as_bytes(),
        )
        .expect("IMAP APPEND");
    until_done("b ", "APPEND");
    let _ = writer.write_all(b"c LOGOUT\r\n");
}
