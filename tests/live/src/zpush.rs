//! Shared setup of the Z-Push tests (`tests/core_zpush_*.rs`): a profile signed in to Z-Push,
//! fast engine options, mail delivered over SMTP and read back over IMAP from the Dovecot that
//! Z-Push serves the mail from (an independent view, not Z-Push's own answer), and waits for
//! the cache and for outbox outcomes.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kontor_core::engine::{EngineEvent, EngineOptions};
use kontor_core::{Account, FolderKind, Kontor, ProfilePaths, SignIn};
use tokio::sync::broadcast::Receiver;

pub use crate::wait_event;
use crate::{
    User, ZPUSH_EAS_URL, imap_count, imap_flags, imap_remove, require_zpush, smtp_deliver,
};

/// A marker unique to this run: `tag-<nanoseconds>`.
pub fn unique(tag: &str) -> String {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{n}")
}

/// A fresh profile signed in to Z-Push as `user` (keychain: keyring-core's in-memory store).
pub async fn signed_in(user: User) -> (tempfile::TempDir, Kontor, Account) {
    require_zpush();
    signed_in_at(ZPUSH_EAS_URL, user).await
}

/// A fresh profile signed in to the ActiveSync server at `url` as `user`.
pub async fn signed_in_at(url: &str, user: User) -> (tempfile::TempDir, Kontor, Account) {
    static KEYCHAIN: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    KEYCHAIN.get_or_init(|| {
        keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
    });
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    let account = app
        .sign_in(SignIn::to_server(url, user.name, user.password))
        .await
        .unwrap_or_else(|e| panic!("sign-in to {url} as {}: {e:?}", user.name));
    (dir, app, account)
}

/// Fast-reacting engine options. The heartbeat is short because a Ping the engine gave up
/// (`stop_sync`, or a local change waking the engine) keeps one of the test Z-Push's 4 PHP
/// workers busy until its heartbeat ends: PHP's built-in server does not see the client hang
/// up. With 30 s, the leftover Pings of the previous tests made a later test's requests wait
/// about a minute.
pub fn options() -> EngineOptions {
    EngineOptions {
        heartbeat: 10,
        backoff_base: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(2),
        seed: Some(7),
        ..EngineOptions::default()
    }
}

/// The id of the first folder of `kind`.
pub async fn folder_id(app: &Kontor, kind: FolderKind) -> String {
    app.folders()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} folder"))
        .id
}

/// Delivers a plain mail `from` → `to` with `subject` over SMTP and waits until Dovecot has it
/// in `to`'s INBOX.
pub async fn deliver(from: User, to: User, subject: &str) {
    let mime = format!(
        "From: {} <{}>\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@kontor.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nZ-Push test mail.\r\n",
        from.name,
        from.email(),
        to.email()
    );
    tokio::task::spawn_blocking(move || smtp_deliver(from, to, &mime))
        .await
        .unwrap();
    wait_imap(to, "INBOX", subject, 30).await;
}

/// How many of `user`'s messages in `mailbox` have `subject` (IMAP substring match).
pub async fn count(user: User, mailbox: &'static str, subject: &str) -> usize {
    let s = subject.to_owned();
    tokio::task::spawn_blocking(move || imap_count(user, mailbox, &s))
        .await
        .unwrap()
}

/// Waits until `user`'s `mailbox` holds a message with `subject`; returns how many it holds.
pub async fn wait_imap(user: User, mailbox: &'static str, subject: &str, secs: u64) -> usize {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let n = count(user, mailbox, subject).await;
        if n > 0 {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "{subject} did not reach {}'s {mailbox} within {secs} s",
            user.name
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The IMAP flags of `user`'s message with `subject` in `mailbox` (`None`: not there).
pub async fn flags(user: User, mailbox: &'static str, subject: &str) -> Option<Vec<String>> {
    let s = subject.to_owned();
    tokio::task::spawn_blocking(move || imap_flags(user, mailbox, &s))
        .await
        .unwrap()
}

/// Removes `user`'s messages with `subject` from `mailbox` over IMAP.
pub async fn remove(user: User, mailbox: &'static str, subject: &str) {
    let s = subject.to_owned();
    tokio::task::spawn_blocking(move || imap_remove(user, mailbox, &s))
        .await
        .unwrap();
}

/// Polls the cache for a message with `subject` in `folder`; returns its row id.
pub async fn wait_cached(app: &Kontor, folder: &str, subject: &str, secs: u64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let row: Option<i64> =
            sqlx::query_scalar("SELECT id FROM message WHERE folder_id = ?1 AND subject = ?2")
                .bind(folder)
                .bind(subject)
                .fetch_optional(app.store().pool())
                .await
                .unwrap();
        if let Some(id) = row {
            return id;
        }
        assert!(
            Instant::now() < deadline,
            "{subject} did not reach the cache of folder {folder} within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits for the outcome of operation `op`: applied, a conflict or parked.
pub async fn outcome_of(rx: &mut Receiver<EngineEvent>, op: i64, secs: u64) -> EngineEvent {
    wait_event(rx, secs, &format!("outcome of operation {op}"), |e| {
        matches!(e,
            EngineEvent::OutboxApplied { op_id, .. }
            | EngineEvent::OutboxConflict { op_id, .. }
            | EngineEvent::OutboxParked { op_id, .. } if *op_id == op)
    })
    .await
}
