//! Crash safety: the `kontor-crashtest` process is killed with SIGKILL at seeded random points
//! while it syncs, then started again until it finishes. Afterwards `PRAGMA integrity_check`
//! must say `ok`, the cache must have converged to the server, and no outbox operation may be
//! lost or applied twice.
//!
//! Each run uses its own profile folder; the delays come from a seeded generator, so a failing
//! seed replays the same kill points (up to the server's own timing).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use kontor_live_tests::SOGO_EAS_URL;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};
use tokio::process::Command;

mod common;
use common::{USER, direct, folders};

const BIN: &str = env!("CARGO_BIN_EXE_kontor-crashtest");

fn command(profile: &Path, mode: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.arg(profile)
        .arg(SOGO_EAS_URL)
        .arg(USER.name)
        .arg(USER.password)
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
    let mut child = command(profile, mode)
        .spawn()
        .expect("spawn kontor-crashtest");
    tokio::select! {
        status = child.wait() => {
            let status = status.unwrap();
            if !status.success() {
                let out = child.wait_with_output().await.ok();
                // A start that failed on its own (server hiccup) is allowed; the final run
                // must succeed.
                common::report(&format!("a killed-run start exited with {status}: {out:?}"));
            }
            Kill::Finished
        }
        () = tokio::time::sleep(delay) => {
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
const HIERARCHY_SEEDS: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/// Killed during sign-in (OPTIONS, Provision, FolderSync, the first transaction) and folder
/// refreshes, one to three times per run; then it must start, finish, and hold the server's
/// hierarchy in an intact database.
#[tokio::test]
async fn killed_during_sign_in_and_folder_sync() {
    let mut truth = direct(USER).await;
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
