//! Crash safety: the `kontor-crashtest` process is killed with SIGKILL at seeded random points
//! while it syncs, then started again until it finishes. Afterwards `PRAGMA integrity_check`
//! must say `ok`, the cache must have converged to the server, and no outbox operation may be
//! lost or applied twice.
//!
//! Each run uses its own profile folder; the delays come from a seeded generator, so a failing
//! seed replays the same kill points (up to the server's own timing).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use kontor_core::{Kontor, OutgoingMail, ProfilePaths};
use kontor_live_tests::SOGO_EAS_URL;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};
use tokio::process::Command;

mod common;
use common::{
    Imap, MailState, create_mail_folder, direct, folders, message, server_mail, unique,
    use_test_keychain,
};

const BIN: &str = env!("CARGO_BIN_EXE_kontor-crashtest");

/// The account of the mail runs (tests/servers/seed.py); they create and delete folders.
const USER: kontor_live_tests::User = kontor_live_tests::GRACE;
/// The account of the sign-in/FolderSync runs: its hierarchy changes only when this test
/// changes it, so "the server's folders" is one fixed list.
const HIERARCHY_USER: kontor_live_tests::User = kontor_live_tests::FRANK;

fn command(profile: &Path, mode: &[&str]) -> Command {
    let user = if mode.first() == Some(&"folders") {
        HIERARCHY_USER
    } else {
        USER
    };
    let mut c = Command::new(BIN);
    c.arg(profile)
        .arg(SOGO_EAS_URL)
        .arg(user.name)
        .arg(user.password)
        .args(mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

/// What one killed start did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kill {
    /// SIGKILL arrived while it ran.
    Killed,
    /// It finished before the delay was up.
    Finished,
}

/// Starts the binary and SIGKILLs it after `delay` unless it finished first.
async fn start_and_kill(profile: &Path, mode: &[&str], delay: Duration) -> Kill {
    start_and_kill_at(profile, mode, |_| false, 0, delay).await
}

/// Starts the binary, waits until `count` lines of its output matched `trigger` (0: at
/// once), then `delay` more, and SIGKILLs it unless it finished first. The binary prints
/// every engine event as a line, so this kills at a chosen point of its progress.
async fn start_and_kill_at(
    profile: &Path,
    mode: &[&str],
    trigger: impl Fn(&str) -> bool,
    count: usize,
    delay: Duration,
) -> Kill {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = command(profile, mode)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kontor-crashtest");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    let reached = async {
        while seen < count {
            match lines.next_line().await {
                Ok(Some(line)) if trigger(&line) => seen += 1,
                Ok(Some(_)) => {}
                _ => return false,
            }
        }
        true
    };
    let kill_at = async {
        if !reached.await {
            // Output ended first: the process is finishing; let `wait` see it.
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(delay).await;
    };
    tokio::select! {
        status = child.wait() => {
            let status = status.unwrap();
            if !status.success() {
                // A start that failed on its own (server hiccup) is allowed; the final run
                // must succeed.
                common::report(&format!("a killed-run start exited with {status}"));
            }
            Kill::Finished
        }
        () = kill_at => {
            // tokio's kill() sends SIGKILL on Unix.
            child.kill().await.expect("SIGKILL");
            Kill::Killed
        }
    }
}

/// Runs the binary to the end and requires success.
async fn run_to_end(profile: &Path, mode: &[&str]) {
    let out = command(profile, mode).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("done"),
        "kontor-crashtest {mode:?} failed after restart: {}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `PRAGMA integrity_check` and `PRAGMA foreign_key_check` on the profile's database, opened
/// raw (no migrations, nothing repaired first).
async fn check_integrity(profile: &Path) {
    let mut conn = SqliteConnectOptions::new()
        .filename(profile.join("kontor.db"))
        .connect()
        .await
        .expect("open the database after the crash");
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let result: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(result, ["ok"], "integrity_check of {}", profile.display());
    let fk = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(fk.is_empty(), "foreign key violations: {} rows", fk.len());
}

/// The cached folder hierarchy: (ServerId, name) pairs.
async fn cached_folders(profile: &Path) -> BTreeSet<(String, String)> {
    let mut conn = SqliteConnectOptions::new()
        .filename(profile.join("kontor.db"))
        .connect()
        .await
        .unwrap();
    sqlx::query("SELECT server_id, display_name FROM folder")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

async fn server_folders(c: &mut kontor_eas::EasClient) -> BTreeSet<(String, String)> {
    folders(c)
        .await
        .1
        .into_iter()
        .map(|f| (f.server_id, f.display_name))
        .collect()
}

/// Seeds of the runs killed during sign-in and FolderSync.
const HIERARCHY_SEEDS: [u64; 30] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30,
];

/// Killed during sign-in (OPTIONS, Provision, FolderSync, the first transaction) and folder
/// refreshes, one to three times per run; then it must start, finish, and hold the server's
/// hierarchy in an intact database.
#[tokio::test]
async fn killed_during_sign_in_and_folder_sync() {
    let mut truth = direct(HIERARCHY_USER).await;
    let mut killed = 0;
    let mut finished = 0;
    let seeds = common::seeds(&HIERARCHY_SEEDS);
    for &seed in &seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path();
        for _ in 0..rng.random_range(1..=3) {
            let delay = Duration::from_millis(rng.random_range(0..=1500));
            match start_and_kill(profile, &["folders", "3"], delay).await {
                Kill::Killed => killed += 1,
                Kill::Finished => finished += 1,
            }
        }
        let before = server_folders(&mut truth).await;
        run_to_end(profile, &["folders", "1"]).await;
        let after = server_folders(&mut truth).await;
        check_integrity(profile).await;
        let cached = cached_folders(profile).await;
        // Other tests create and delete folders of the same account meanwhile: everything the
        // server held throughout must be cached, and nothing the server never held.
        let stable: BTreeSet<_> = before.intersection(&after).cloned().collect();
        let missing: Vec<_> = stable.difference(&cached).collect();
        assert!(missing.is_empty(), "seed {seed}: not cached: {missing:?}");
        let any: BTreeSet<_> = before.union(&after).cloned().collect();
        let extra: Vec<_> = cached.difference(&any).collect();
        assert!(
            extra.is_empty(),
            "seed {seed}: cached but not on the server: {extra:?}"
        );
    }
    common::report(&format!(
        "crash/hierarchy: {} runs (seeds {seeds:?}), {killed} starts killed, {finished} finished before the kill",
        seeds.len()
    ));
    assert!(killed > 0, "no start was killed");
}

/// Cached messages of one folder: ServerId → state (rows with unsent local changes included).
async fn cached_mail(profile: &Path, folder: &str) -> BTreeMap<String, MailState> {
    let mut conn = SqliteConnectOptions::new()
        .filename(profile.join("kontor.db"))
        .connect()
        .await
        .unwrap();
    sqlx::query("SELECT server_id, subject, read, flag_status FROM message WHERE folder_id = ?1")
        .bind(folder)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let read: i64 = r.get(2);
            let flag: i64 = r.get(3);
            (
                r.get(0),
                MailState {
                    subject: r.get(1),
                    read: read != 0,
                    flagged: flag == 2,
                },
            )
        })
        .collect()
}

/// Seeds of the runs killed during the initial mail sync.
const INITIAL_SYNC_SEEDS: [u64; 8] = [21, 22, 23, 24, 25, 26, 27, 28];
/// Messages in the folder the initial-sync runs fill.
const INITIAL_SYNC_MESSAGES: usize = 120;

/// Killed during the first sync of a profile (sign-in, FolderSync, every mail folder with its
/// windows, each committed with its SyncKey), one or two times per run; the next
/// start must finish, and this test's folder must then hold exactly the server's items.
#[tokio::test]
async fn killed_during_initial_sync() {
    let mut truth = direct(USER).await;
    let name = unique("KFcrashsync");
    let folder = create_mail_folder(&mut truth, USER, &name).await;
    let mut imap = Imap::login(USER).await;
    for i in 0..INITIAL_SYNC_MESSAGES {
        let flags = match i % 4 {
            0 => "\\Seen",
            1 => "\\Flagged",
            _ => "",
        };
        imap.append(
            &name,
            flags,
            &message(USER, USER, &format!("{name}-m{i:03}")),
        )
        .await;
    }
    imap.logout().await;
    let server = server_mail(&mut truth, &folder).await;
    assert_eq!(server.len(), INITIAL_SYNC_MESSAGES);

    let seeds = common::seeds(&INITIAL_SYNC_SEEDS);
    let (mut killed, mut finished) = (0, 0);
    let mut killed_after_windows = Vec::new();
    for &seed in &seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path();
        for _ in 0..rng.random_range(1..=2) {
            // Killed a seeded delay after this folder's first Progress event (sent just
            // before its first Sync request): inside the folder's initial sync. The engine
            // asks for windows of 10, but SOGo answered in windows of 100 in our runs (its
            // SOGoMaximumSyncWindowSize is 100 in tests/servers), so a kill lands before,
            // between or after the two commits (100 + 20 items, each with its SyncKey).
            let delay = Duration::from_millis(rng.random_range(0..=1200));
            let folder_id = folder.clone();
            let trigger = move |l: &str| l.contains("Progress") && l.contains(&folder_id);
            match start_and_kill_at(profile, &["engine", "300"], trigger, 1, delay).await {
                Kill::Killed => killed += 1,
                Kill::Finished => finished += 1,
            }
            // How far the killed start got: committed windows of this test's folder.
            if profile.join("kontor.db").exists() {
                killed_after_windows.push(cached_mail(profile, &folder).await.len());
            }
        }
        run_to_end(profile, &["engine", "300"]).await;
        check_integrity(profile).await;
        let cached = cached_mail(profile, &folder).await;
        assert_eq!(
            cached, server,
            "seed {seed}: the cache of {name} differs from the server after the restart"
        );
    }
    common::report(&format!(
        "crash/initial sync: {} runs (seeds {seeds:?}), {killed} starts killed, {finished} finished before the kill; \
         cached items of the {INITIAL_SYNC_MESSAGES}-item folder at the kills: {killed_after_windows:?}",
        seeds.len()
    ));
    assert!(killed > 0, "no start was killed");
    common::delete_folder(&mut truth, &folder).await;
}

/// Seeds of the runs killed during outbox replay.
const REPLAY_SEEDS: [u64; 12] = [41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52];

/// One profile, synced once. Each run queues changes while the engine is not running (a flag
/// toggled a seeded number of times, a message marked read, one moved to another folder, one
/// mail sent to the test user themself), then the engine is started and SIGKILLed at a seeded point,
/// once or twice, and finally runs to the end. Then the server must show every change exactly
/// once: the flag as the last toggle left it, the move done once (one copy, in the
/// destination), the sent mail delivered once.
#[tokio::test]
async fn killed_during_outbox_replay() {
    let mut truth = direct(USER).await;
    let prefix = unique("KFcrashq");
    let (src_name, dst_name) = (format!("{prefix}-src"), format!("{prefix}-dst"));
    let src = create_mail_folder(&mut truth, USER, &src_name).await;
    let dst = create_mail_folder(&mut truth, USER, &dst_name).await;
    let seeds = common::seeds(&REPLAY_SEEDS);
    let mut imap = Imap::login(USER).await;
    for &seed in &seeds {
        for x in ["a", "b", "c"] {
            let subject = format!("{prefix}-r{seed}-{x}");
            imap.append(&src_name, "", &message(USER, USER, &subject))
                .await;
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path();
    run_to_end(profile, &["engine", "300"]).await;
    let (mut killed, mut finished) = (0, 0);
    let mut ops = 0;
    for &seed in &seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let subject = |x: &str| format!("{prefix}-r{seed}-{x}");
        let toggles = rng.random_range(1..=4);
        {
            use_test_keychain();
            let app = Kontor::open(ProfilePaths::new(profile)).await.unwrap();
            let id_of = async |s: String| -> i64 {
                sqlx::query_scalar("SELECT id FROM message WHERE folder_id = ?1 AND subject = ?2")
                    .bind(&src)
                    .bind(&s)
                    .fetch_one(app.store().pool())
                    .await
                    .unwrap_or_else(|e| panic!("{s} not cached: {e}"))
            };
            let a = id_of(subject("a")).await;
            for t in 0..toggles {
                app.set_flag(a, if t % 2 == 0 { 2 } else { 0 })
                    .await
                    .unwrap();
                ops += 1;
            }
            app.mark_read(id_of(subject("b")).await, true)
                .await
                .unwrap();
            app.move_message(id_of(subject("c")).await, &dst)
                .await
                .unwrap();
            app.send_mail(OutgoingMail {
                from: USER.email(),
                to: vec![USER.email()],
                subject: subject("sent"),
                body: format!("sent in crash run {seed}"),
                ..OutgoingMail::default()
            })
            .await
            .unwrap();
            ops += 3;
            app.store().close().await;
        }
        for _ in 0..rng.random_range(1..=2) {
            // Killed after a seeded number of the queue's operations were confirmed (0: while
            // the first one may be in flight), plus a seeded delay.
            let applied = rng.random_range(0..=3);
            let delay = Duration::from_millis(rng.random_range(0..=300));
            let trigger = |l: &str| l.contains("OutboxApplied") || l.contains("OutboxConflict");
            match start_and_kill_at(profile, &["engine", "300"], trigger, applied, delay).await {
                Kill::Killed => killed += 1,
                Kill::Finished => finished += 1,
            }
        }
        run_to_end(profile, &["engine", "300"]).await;
        check_integrity(profile).await;

        // The server shows each change once.
        let on_src = server_mail(&mut truth, &src).await;
        let on_dst = server_mail(&mut truth, &dst).await;
        let find = |items: &BTreeMap<String, MailState>, s: &str| -> Vec<MailState> {
            items.values().filter(|m| m.subject == s).cloned().collect()
        };
        let a = find(&on_src, &subject("a"));
        assert_eq!(a.len(), 1, "seed {seed}: {a:?}");
        assert_eq!(
            a[0].flagged,
            toggles % 2 == 1,
            "seed {seed}: flag after {toggles} toggles"
        );
        let b = find(&on_src, &subject("b"));
        assert!(b.len() == 1 && b[0].read, "seed {seed}: {b:?}");
        let c_src = find(&on_src, &subject("c"));
        let c_dst = find(&on_dst, &subject("c"));
        assert!(
            c_src.is_empty() && c_dst.len() == 1,
            "seed {seed}: moved message in source {c_src:?}, destination {c_dst:?}"
        );
        let delivered = delivered_count(&mut imap, &subject("sent")).await;
        assert_eq!(
            delivered, 1,
            "seed {seed}: the sent mail arrived {delivered} times"
        );
        // And the cache equals the server for both folders.
        assert_eq!(
            cached_mail(profile, &src).await,
            on_src,
            "seed {seed}: source cache"
        );
        assert_eq!(
            cached_mail(profile, &dst).await,
            on_dst,
            "seed {seed}: destination cache"
        );
    }
    common::report(&format!(
        "crash/outbox replay: {} runs (seeds {seeds:?}), {ops} queued operations, {killed} starts killed, {finished} finished before the kill",
        seeds.len()
    ));
    assert!(killed > 0, "no start was killed");
    imap.logout().await;
    common::delete_folder(&mut truth, &src).await;
    common::delete_folder(&mut truth, &dst).await;
}

/// How many messages with `subject` reached the test user's INBOX: waits up to 60 s for the first,
/// then a little longer so a duplicate in flight is counted too.
async fn delivered_count(imap: &mut Imap, subject: &str) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        imap.select("INBOX").await;
        let n = imap.uids_with_subject(subject).await.len();
        if n > 0 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            imap.select("INBOX").await;
            return imap.uids_with_subject(subject).await.len();
        }
        if tokio::time::Instant::now() > deadline {
            return 0;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
