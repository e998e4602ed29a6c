//! Store benchmarks on 100,000 synthetic messages (docs/performance.md#budgets):
//!
//! * insert throughput through `apply_mail_batch`, batches of 500 as a Sync window would
//!   deliver them — target ≥ 20,000 msgs/s; then the search indexer (`index_pending`, which
//!   the app runs next to the sync) until every message is indexed, and both together;
//! * `search` latency per query shape, p50/p95/max over repeated runs — target p95 ≤ 20 ms;
//! * the first page (50 rows) of a 100,000-message folder and a page deep in it — target
//!   ≤ 30 ms.
//!
//! `cargo bench -p kontor-core --bench store` (a file database in a temp folder, WAL, the same
//! options as the app). `KONTOR_BENCH_MESSAGES=n` changes the size; `KONTOR_BENCH_ONLY=insert`
//! stops after the insert and index figures, `insert-only` after the insert (for profiling), `search-box` after the search box's shapes;
//! `KONTOR_BENCH_ORDER=date` delivers the messages oldest first instead of in random order;
//! `KONTOR_BENCH_KEEP=1` keeps the database file (its folder is printed).
//!
//! Data: subjects, previews and names from German and English word lists (umlauts and ß
//! included), addresses on a handful of domains, dates spread over five years, generated with a
//! fixed seed so every run measures the same database.

#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]

use std::time::{Duration, Instant};

use kontor_core::search_query;
use kontor_core::store::search::INDEX_BATCH;
use kontor_core::store::{MailBatch, MailChange, MessageData, SearchFilter, Store};

mod synth;
use synth::{Rng, message};

/// CPU time of the whole process so far (utime + stime of every thread, the SQLite worker
/// included; USER_HZ is 100 on Linux). `None` where /proc is not there.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Prints the wall and CPU throughput of one phase.
fn report(
    what: &str,
    n: usize,
    secs: f64,
    cpu_before: Option<Duration>,
    cpu_after: Option<Duration>,
    target: &str,
) {
    print!(
        "{what}: {n} messages in {secs:.2} s = {:.0} msgs/s {target}",
        n as f64 / secs
    );
    // On a shared machine the wall time depends on the load; the CPU time does much less.
    if let (Some(a), Some(b)) = (cpu_before, cpu_after) {
        let cpu = (b - a).as_secs_f64();
        print!(
            "; process CPU {cpu:.2} s = {:.0} msgs per CPU second",
            n as f64 / cpu
        );
    }
    println!();
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (ms(p(0.5)), ms(p(0.95)), ms(*samples.last().unwrap()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::var("KONTOR_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // `KONTOR_BENCH_KEEP=1` keeps the database for looking at afterwards.
    let mut dir = tempfile::tempdir().unwrap();
    if std::env::var_os("KONTOR_BENCH_KEEP").is_some() {
        dir.disable_cleanup(true);
        println!("database kept in {}", dir.path().display());
    }
    let store = Store::open(&dir.path().join("kontor.db")).await.unwrap();
    let acc = store
        .upsert_account(
            "https://bench.example/Microsoft-Server-ActiveSync",
            "bench",
            "14.1",
            "",
        )
        .await
        .unwrap();

    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut messages: Vec<MessageData> = (0..n).map(|i| message(&mut rng, i)).collect();
    // Random dates in random order (every batch lands all over the date-ordered id range)
    // unless asked for date order.
    let order = std::env::var("KONTOR_BENCH_ORDER").unwrap_or_else(|_| "random".into());
    if order == "date" {
        messages.sort_by_key(|m| m.date);
    }
    println!("messages: {n}, delivered in {order} order");
    let batch_size = 500;
    let cpu0 = process_cpu();
    let t = Instant::now();
    for (k, chunk) in messages.chunks(batch_size).enumerate() {
        let batch = MailBatch {
            sync_key: format!("{k}"),
            changes: chunk.iter().cloned().map(MailChange::Upsert).collect(),
            complete: true,
        };
        store.apply_mail_batch(acc, "1", &batch).await.unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu1 = process_cpu();
    report("insert", n, secs, cpu0, cpu1, "(target >= 20000)");
    if std::env::var("KONTOR_BENCH_ONLY").as_deref() == Ok("insert-only") {
        store.close().await;
        return;
    }

    // The search indexer, as the app runs it after the sync (each call one transaction).
    let t = Instant::now();
    let mut indexed = 0u64;
    loop {
        let k = store.index_pending(INDEX_BATCH).await.unwrap();
        if k == 0 {
            break;
        }
        indexed += u64::from(k);
    }
    let index_secs = t.elapsed().as_secs_f64();
    assert_eq!(indexed, n as u64);
    let cpu2 = process_cpu();
    report("index", n, index_secs, cpu1, cpu2, "");
    report("insert + index", n, secs + index_secs, cpu0, cpu2, "");
    if let Ok(meta) = std::fs::metadata(dir.path().join("kontor.db")) {
        println!("database file: {:.1} MB", meta.len() as f64 / 1e6);
    }
    drop(messages);
    if std::env::var("KONTOR_BENCH_ONLY").as_deref() == Ok("insert") {
        store.close().await;
        return;
    }

    let box_only = std::env::var("KONTOR_BENCH_ONLY").as_deref() == Ok("search-box");
    let runs = if box_only { 0 } else { 200 };
    let shapes: &[(&str, &str)] = &[
        ("common word", "meeting"),
        ("common German word", "rechnung"),
        ("rare word", "zeppelin"),
        ("rare German word, folded", "wirtschaftspruefer"),
        ("prefix", "proj"),
        ("two words", "invoice projekt"),
        ("two words, one rare", "quittungsbeleg team"),
        ("substring (trigram)", "adtwerke"),
        ("German folding ue/ß", "gruesse strasse"),
        ("name, folded", "juergen mueller"),
        ("no match", "qqqzzz"),
    ];
    for (name, q) in shapes.iter().filter(|_| !box_only) {
        let hits = store.search(q, 50).await.unwrap().len();
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let rows = store.search(q, 50).await.unwrap();
            samples.push(t.elapsed());
            std::hint::black_box(rows);
        }
        let (p50, p95, max) = stats(samples);
        println!(
            "search {name:<28} {q:<22} hits {hits:>3}  p50 {p50:6.2} ms  p95 {p95:6.2} ms  max {max:6.2} ms (target p95 <= 20)"
        );
    }

    // The search box (crates/core/src/app/search.rs): the query parsed, the sort keys of the
    // first screenful's 60 hits plus one (are there more?) and their rows, about what a keystroke
    // asks for (ui/src/mail/windowing.ts, firstSearchRows: 40 to 60 on common screens); then the whole first window's 200 plus
    // one, as scrolling down asks.
    let today = chrono::Local::now().date_naive();
    let box_shapes: &[(&str, &str, bool)] = &[
        ("common word", "meeting", false),
        ("one letter", "m", false),
        ("prefix", "proj", false),
        ("second word begun", "invoice p", false),
        ("two words, one rare", "quittungsbeleg team", false),
        ("German folding ue/ß", "gruesse strasse", false),
        ("from:", "from:mueller", false),
        (
            "from: + has:attachment + word",
            "from:mueller has:attachment projekt",
            false,
        ),
        ("is:unread (no words)", "is:unread", false),
        ("has:attachment in one folder", "has:attachment", true),
        ("phrase", "\"rechnung projekt\"", false),
        ("phrase being typed", "\"rechnung p", false),
        ("phrase being typed", "\"rechnung pro", false),
        ("sender begun", "from:m", false),
        ("phrase begun, one word", "\"rechnun", false),
        (
            "date range + word",
            "after:2024-01-01 before:2025-01-01 meeting",
            false,
        ),
        ("subject:", "subject:rechnung", false),
        ("no match", "qqqzzz", false),
    ];
    // The same with the list's Unread quick filter on (app/search.rs: `read = false`).
    for (name, text, in_folder, want, unread) in box_shapes
        .iter()
        .map(|&(n, t, f)| (n, t, f, 61usize, false))
        .chain(
            box_shapes
                .iter()
                .map(|&(n, t, f)| (n, t, f, 201usize, false)),
        )
        .chain(box_shapes.iter().map(|&(n, t, f)| (n, t, f, 61usize, true)))
    {
        let q = search_query::parse(text, today);
        let name = if unread {
            format!("{name} (Unread)")
        } else {
            name.to_owned()
        };
        let day = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
        let filter = SearchFilter {
            words: q.words,
            phrases: q.phrases,
            from: q.from,
            to: q.to,
            subject: q.subject,
            folder_id: in_folder.then(|| "1".to_owned()),
            read: if unread { Some(false) } else { q.read },
            flagged: q.flagged,
            has_attachment: q.has_attachment,
            since: q.after.and_then(day),
            until: q.before.and_then(day),
            senders: None,
        };
        let mut hits = 0;
        let runs = 50;
        let mut samples = Vec::with_capacity(runs);
        let cpu_before = process_cpu();
        for _ in 0..runs {
            let t = Instant::now();
            let keys = store.search_keys(acc, &filter, want as u32).await.unwrap();
            let rows = store
                .messages_by_sort_keys(&keys[..keys.len().min(want - 1)])
                .await
                .unwrap();
            samples.push(t.elapsed());
            hits = keys.len();
            std::hint::black_box(rows);
        }
        // On a shared machine the wall time moves with the load; the CPU time much less.
        let cpu = match (cpu_before, process_cpu()) {
            (Some(a), Some(b)) => format!(
                "  CPU {:6.2} ms a run",
                (b - a).as_secs_f64() * 1000.0 / runs as f64
            ),
            _ => String::new(),
        };
        let (p50, p95, max) = stats(samples);
        println!(
            "search box {name:<38} {text:<38} hits {hits:>4}/{want:<3}  p50 {p50:6.2} ms  p95 {p95:6.2} ms  max {max:6.2} ms{cpu}"
        );
    }

    if box_only {
        store.close().await;
        return;
    }

    // The recipient field's suggestions (crates/core/src/app/compose.rs): the address book of
    // the newest 20,000 messages read once (when a compose window opens, again after five
    // minutes), then each keystroke matched against it in memory.
    let mut samples = Vec::with_capacity(5);
    let mut book = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        book = store.address_book(acc, "", 20_000).await.unwrap();
        samples.push(t.elapsed());
    }
    let (p50, p95, max) = stats(samples);
    println!(
        "address book read ({} addresses)     p50 {p50:6.2} ms  p95 {p95:6.2} ms  max {max:6.2} ms",
        book.len()
    );
    for q in ["m", "mue", "info@", "qqq"] {
        let runs = 200;
        let mut samples = Vec::with_capacity(runs);
        let mut found = 0;
        for _ in 0..runs {
            let t = Instant::now();
            found = kontor_core::compose::match_addresses(&book, q, 10).count();
            samples.push(t.elapsed());
        }
        let (p50, p95, max) = stats(samples);
        println!(
            "address suggestions {q:<10} found {found:>2}  p50 {p50:6.3} ms  p95 {p95:6.3} ms  max {max:6.3} ms"
        );
    }

    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let page = store.messages_page(acc, "1", None, 50).await.unwrap();
        samples.push(t.elapsed());
        assert_eq!(page.len(), 50);
    }
    let (p50, p95, max) = stats(samples);
    println!(
        "first page (50 of {n}):  p50 {p50:6.2} ms  p95 {p95:6.2} ms  max {max:6.2} ms (target <= 30)"
    );
    // A page half-way down the folder, from a cursor.
    let mut cursor = None;
    for _ in 0..(n / 2 / 1000) {
        let page = store.messages_page(acc, "1", cursor, 1000).await.unwrap();
        cursor = page.last().map(|m| m.cursor());
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let page = store.messages_page(acc, "1", cursor, 50).await.unwrap();
        samples.push(t.elapsed());
        assert_eq!(page.len(), 50);
    }
    let (p50, p95, max) = stats(samples);
    println!("page at the middle:      p50 {p50:6.2} ms  p95 {p95:6.2} ms  max {max:6.2} ms");
    store.close().await;
}
