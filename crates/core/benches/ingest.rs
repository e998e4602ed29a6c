//! Ingest benchmark: a full initial mail Sync of one folder from the real SOGo into a fresh
//! store, through the engine's own Sync pass (`engine::mail::sync_pass`: Sync windows,
//! mapping, `Store::apply_mail_batch`), with the search indexer running next to it as in the
//! app (`engine::scheduler::spawn_indexer`). Reports the wall time until the folder is synced
//! and until it is also fully indexed, this process's CPU time (user + system, from
//! /proc/self/stat: every thread, the tokio workers and SQLite included) and their ratio.
//! Budget (docs/performance.md#budgets): client CPU ≤ 20 % of wall time.
//!
//! The folder is seeded once with `crates/core/benches/ingest_seed.py N` (carol's
//! `Bench<N>`, IMAP APPEND + the CONDSTORE SELECT SOGo needs). Then:
//!
//! ```sh
//! KONTOR_BENCH_N=10000 cargo bench -p kontor-core --bench ingest
//! ```
//!
//! Linux only (reads /proc). A bench, not a test: it asserts nothing about speed.

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use kontor_core::engine::mail::sync_pass;
use kontor_core::engine::scheduler::{Shutdown, spawn_indexer};
use kontor_core::engine::{AccountContext, EventBus};
use kontor_core::store::Store;
use kontor_eas::{EasClient, EasConfig};

const EAS_URL: &str = "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync";

/// CPU time of the whole process so far (utime + stime; USER_HZ is 100 on Linux).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat (Linux only)");
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

fn main() {
    let n: u64 = std::env::var("KONTOR_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let window: u32 = std::env::var("KONTOR_BENCH_WINDOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let folder_name = format!("Bench{n}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kontor.db")).await.unwrap();
        let device = format!(
            "KontorBench{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                % 1_000_000
        );
        let cfg = EasConfig::new(EAS_URL, "carol", "carol123", &device)
            .expect("config")
            .device_type("KontorBench");
        let mut client = EasClient::new(cfg).unwrap();
        client
            .negotiate()
            .await
            .expect("SOGo answers OPTIONS (tests/servers/start?)");
        client.provision().await.expect("Provision");
        let account_id = store
            .upsert_account(EAS_URL, "carol", client.protocol_version(), "")
            .await
            .unwrap();
        let folders = client.folder_sync("0").await.expect("FolderSync");
        let folder_id = folders
            .changes
            .iter()
            .find_map(|c| match c {
                kontor_eas::folder_sync::Change::Add(f) if f.display_name == folder_name => {
                    Some(f.server_id.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| {
                panic!(
                    "carol has no folder {folder_name}: seed it with \
                     `/usr/bin/python3 crates/core/benches/ingest_seed.py {n}`"
                )
            });
        let events = EventBus::default();
        let mut cx = AccountContext {
            account_id,
            client,
            store: store.clone(),
            events,
            window_size: window,
            max_attempts: 5,
            seed: Some(1),
        };
        let cpu0 = process_cpu();
        let t0 = Instant::now();
        let (stop, signal) = Shutdown::channel();
        let indexer = spawn_indexer(store.clone(), signal);
        sync_pass(&mut cx, &folder_id, Vec::new())
            .await
            .expect("the Sync pass");
        let synced = t0.elapsed();
        while store.unindexed_count().await.unwrap() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let wall = t0.elapsed();
        let cpu = process_cpu() - cpu0;
        stop.send(true).unwrap();
        indexer.await.unwrap();
        let cached: i64 =
            sqlx::query_scalar("SELECT count(*) FROM message WHERE folder_id = ?1")
                .bind(&folder_id)
                .fetch_one(store.pool())
                .await
                .unwrap();
        println!(
            "ingest {cached} messages from SOGo ({folder_name}, window {window}): synced after {:.1} s, indexed after {:.1} s (wall); client CPU {:.2} s = {:.1} % of wall, {:.0} msgs/s",
            synced.as_secs_f64(),
            wall.as_secs_f64(),
            cpu.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64(),
            cached as f64 / wall.as_secs_f64()
        );
        store.close().await;
    });
}
