//! Mail sync and outbox replay through the fault proxy: ≥ 200 seeded rounds in which the core
//! syncs two mail folders of its own account (erin) (created by this test, filled by IMAP APPEND) through
//! cuts, stalls and 500/503 answers, while the user marks, flags and moves messages (the
//! outbox) and the server changes other messages behind the client's back (IMAP). Afterwards:
//!
//! * the server holds exactly what the model of both sides' changes says (no outbox
//!   operation lost, no move applied twice, no message duplicated or lost);
//! * the cache equals the server as a fresh direct session sees it (item sets, read state,
//!   flags), with nothing left in the outbox.
//!
//! A round is what the sync engine's account task does, on this test's folders only: connect
//! (OPTIONS, Provision) when needed, replay the outbox, a Sync pass of each folder (every
//! MoreAvailable window with its key, small windows so there are many), replay again. Any
//! failure ends the round, as in the engine. The engine's own scheduler runs the same steps
//! through the proxy in `engine_converges_through_faults`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kontor_core::Kontor;
use kontor_core::engine::{AccountContext, EngineError, EventBus, mail, outbox};
use kontor_eas::{EasClient, EasConfig};
use kontor_faultproxy::{FaultCounts, FaultProxy, Mix, Plan};
use kontor_live_tests::SOGO_EAS_URL;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use sqlx::Row;

mod common;

/// This binary's own account (tests/servers/seed.py): nothing else changes its folders.
const USER: kontor_live_tests::User = kontor_live_tests::ERIN;
use common::{Imap, MailState, create_mail_folder, direct, message, server_mail, unique};

/// Seeds of the mail rounds (`KONTOR_FAULT_SEEDS` replays chosen ones).
const SEEDS: [u64; 5] = [101, 202, 303, 404, 505];
const ROUNDS_PER_SEED: usize = 42;
/// Messages seeded into folder A at the start.
const SEEDED: usize = 24;
/// Per-request timeout of the client: long stalls (4 s) outlast it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

fn plan(seed: u64) -> Plan {
    Plan {
        mix: Mix {
            pass: 14,
            ..Mix::default()
        },
        up_offset_max: 800,
        down_offset_max: 6000,
        long_stall: Duration::from_secs(4),
        ..Plan::seeded(seed)
    }
}

/// Who owns a message's changes: the client (outbox) or the server (IMAP behind its back).
/// Never both, so the expected end state does not depend on timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Client,
    Server,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Expect {
    owner: Owner,
    /// 0 = folder A, 1 = folder B.
    folder: usize,
    read: bool,
    flagged: bool,
}

struct Harness {
    app: Kontor,
    proxy: FaultProxy,
    account_id: i64,
    device_id: String,
    folders: [String; 2],
    names: [String; 2],
    client: Option<EasClient>,
    events: EventBus,
    seed: u64,
}

impl Harness {
    async fn connect(&self) -> Result<EasClient, EngineError> {
        let cfg = EasConfig::new(
            &self.proxy.url(SOGO_EAS_URL),
            USER.name,
            USER.password,
            &self.device_id,
        )?
        .device_type(kontor_core::sync::DEVICE_TYPE)
        .timeout(REQUEST_TIMEOUT);
        let mut c = EasClient::new(cfg)?;
        c.negotiate().await?;
        c.provision().await?;
        Ok(c)
    }

    /// One round; any failure ends it (the client is dropped and reconnects next round).
    async fn round(&mut self) -> Result<(), EngineError> {
        let client = match self.client.take() {
            Some(c) => c,
            None => self.connect().await?,
        };
        let mut cx = AccountContext {
            account_id: self.account_id,
            client,
            store: self.app.store().clone(),
            events: self.events.clone(),
            window_size: 5,
            max_attempts: 8,
            seed: Some(self.seed),
        };
        let result = async {
            outbox::replay(&mut cx).await?;
            for f in &self.folders {
                mail::sync_pass(&mut cx, f, Vec::new()).await?;
            }
            outbox::replay(&mut cx).await?;
            Ok::<_, EngineError>(())
        }
        .await;
        if result.is_ok() {
            self.client = Some(cx.client);
        }
        result
    }
}

/// Cached messages of this test's folders: (folder index, ServerId) → state, plus the rows
/// that still carry unsent local changes.
async fn cached(h: &Harness) -> (BTreeMap<(usize, String), MailState>, Vec<String>) {
    let rows = sqlx::query(
        "SELECT folder_id, server_id, subject, read, flag_status, local_state FROM message
         WHERE account_id = ?1 AND folder_id IN (?2, ?3)",
    )
    .bind(h.account_id)
    .bind(&h.folders[0])
    .bind(&h.folders[1])
    .fetch_all(h.app.store().pool())
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    let mut local = Vec::new();
    for r in rows {
        let folder: String = r.get(0);
        let idx = usize::from(folder == h.folders[1]);
        let server_id: String = r.get(1);
        let subject: String = r.get(2);
        let state: i64 = r.get(5);
        if state != 0 {
            local.push(format!("{subject} ({server_id}) local_state {state}"));
        }
        let flag: i64 = r.get(4);
        let read: i64 = r.get(3);
        out.insert(
            (idx, server_id),
            MailState {
                subject,
                read: read != 0,
                flagged: flag == 2,
            },
        );
    }
    (out, local)
}

/// The cached message the user acts on for `subject` (a message just moved included: the user flags
/// or moves it again before the move reached the server). While a move whose answer was lost is
/// undecided and the user has moved the message on, the server's copy in the first destination can
/// show as well until the move is settled (docs/ARCHITECTURE.md#outbox-replay-and-conflicts,
/// "Moves"): the user's own row (a placeholder ServerId) is the one acted on.
async fn cache_id(h: &Harness, subject: &str) -> Option<(i64, usize)> {
    let row = sqlx::query(
        "SELECT id, folder_id FROM message
         WHERE account_id = ?1 AND subject = ?2 AND folder_id IN (?3, ?4)
           AND local_state & 8 = 0
         ORDER BY server_id LIKE 'local:%' DESC, id
         LIMIT 1",
    )
    .bind(h.account_id)
    .bind(subject)
    .bind(&h.folders[0])
    .bind(&h.folders[1])
    .fetch_optional(h.app.store().pool())
    .await
    .unwrap()?;
    let folder: String = row.get(1);
    Some((row.get(0), usize::from(folder == h.folders[1])))
}

async fn outbox_states(h: &Harness) -> BTreeMap<String, i64> {
    sqlx::query("SELECT state, count(*) FROM outbox GROUP BY state")
        .fetch_all(h.app.store().pool())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn mail_sync_and_outbox_converge_through_faults() {
    // Every Sync request and answer (keys, ServerIds) and every outbox operation sent goes to
    // a log (kept in the target's tmp folder); a failure quotes the lines that name the items
    // involved.
    let log_path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("core_faults_mail-eas.log");
    let log_file = std::fs::File::create(&log_path).unwrap();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "kontor_eas=debug,kontor_core=debug",
        ))
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(log_file))
        .init();
    let mut truth = direct(USER).await;
    let prefix = unique("KFmail");
    let names = [format!("{prefix}-A"), format!("{prefix}-B")];
    let folder_a = create_mail_folder(&mut truth, USER, &names[0]).await;
    let folder_b = create_mail_folder(&mut truth, USER, &names[1]).await;

    // Seed folder A; every third message belongs to the server side, the rest to the client.
    let mut model: BTreeMap<String, Expect> = BTreeMap::new();
    let mut imap = Imap::login(USER).await;
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
    for i in 0..SEEDED {
        let subject = format!("{prefix}-m{i:03}");
        let read = rng.random_bool(0.5);
        let flagged = rng.random_bool(0.3);
        let flags = [(read, "\\Seen"), (flagged, "\\Flagged")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| *f)
            .collect::<Vec<_>>()
            .join(" ");
        imap.append(&names[0], &flags, &message(USER, USER, &subject))
            .await;
        let owner = if i % 3 == 0 {
            Owner::Server
        } else {
            Owner::Client
        };
        model.insert(
            subject,
            Expect {
                owner,
                folder: 0,
                read,
                flagged,
            },
        );
    }

    // Sign in through the proxy (faults off), then run the rounds.
    common::use_test_keychain();
    let proxy = FaultProxy::start(common::SOGO.parse().unwrap(), Plan::clean())
        .await
        .unwrap();
    proxy.set_faults(false);
    let (_dir, app, account_id) = common::signed_in(USER, &proxy.url(SOGO_EAS_URL)).await;
    let mut h = Harness {
        device_id: app.device_id().await,
        app,
        proxy,
        account_id,
        folders: [folder_a.clone(), folder_b.clone()],
        names: names.clone(),
        client: None,
        events: EventBus::new(4096),
        seed: 0,
    };
    let mut events = h.events.subscribe();

    let seeds = common::seeds(&SEEDS);
    let mut outcomes: BTreeMap<String, u32> = BTreeMap::new();
    // Errors that are not the network's or the server's: listed in the summary.
    let mut odd_errors: BTreeMap<String, u32> = BTreeMap::new();
    let mut ops: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut server_changes: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut rounds = 0usize;
    // Every change either side made, for the failure message: (round, what, subject).
    let mut history: Vec<(usize, String, String)> = Vec::new();
    let mut next_new = 0usize;
    let started = std::time::Instant::now();
    for &seed in &seeds {
        h.seed = seed;
        h.proxy.set_plan(plan(seed));
        h.proxy.set_faults(true);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for round in 0..ROUNDS_PER_SEED {
            // The user acts on what the cache shows (client-owned messages only).
            for _ in 0..rng.random_range(0..=2) {
                let candidates: Vec<String> = model
                    .iter()
                    .filter(|(_, e)| e.owner == Owner::Client)
                    .map(|(s, _)| s.clone())
                    .collect();
                let subject = &candidates[rng.random_range(0..candidates.len())];
                let Some((id, folder)) = cache_id(&h, subject).await else {
                    continue;
                };
                let e = model.get_mut(subject).unwrap();
                if folder != e.folder {
                    let rows: Vec<(String, String, i64)> = sqlx::query_as(
                        "SELECT folder_id, server_id, local_state FROM message
                         WHERE account_id = ?1 AND subject = ?2",
                    )
                    .bind(h.account_id)
                    .bind(subject)
                    .fetch_all(h.app.store().pool())
                    .await
                    .unwrap();
                    let ops: Vec<(i64, String, String, String)> = sqlx::query_as(
                        "SELECT id, state, payload, last_error FROM outbox ORDER BY id",
                    )
                    .fetch_all(h.app.store().pool())
                    .await
                    .unwrap();
                    let mine: Vec<String> = history
                        .iter()
                        .filter(|(_, _, s)| s == subject)
                        .map(|(r, what, _)| format!("round {r}: {what}"))
                        .collect();
                    panic!(
                        "{subject}: the cache shows it in folder {folder}, expected {}\n\
                         cache rows (folder, ServerId, local_state): {rows:?}\n\
                         history: {mine:#?}\noutbox: {ops:#?}\n{}",
                        e.folder,
                        h.proxy.report()
                    );
                }
                // Which row the user acted on, and every row of the message at that moment
                // (a failure's history shows them).
                let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
                    "SELECT folder_id, server_id, id, local_state FROM message
                     WHERE account_id = ?1 AND subject = ?2 ORDER BY id",
                )
                .bind(h.account_id)
                .bind(subject)
                .fetch_all(h.app.store().pool())
                .await
                .unwrap();
                let on = rows
                    .iter()
                    .find(|r| r.2 == id)
                    .map(|r| r.1.clone())
                    .unwrap_or_default();
                let others: Vec<String> = rows
                    .iter()
                    .filter(|r| r.2 != id)
                    .map(|r| {
                        let f = usize::from(r.0 == h.folders[1]);
                        format!("{f}/{}", r.1)
                    })
                    .collect();
                let acted = if others.is_empty() {
                    format!("on {on}")
                } else {
                    format!("on {on}, other rows {others:?}")
                };
                // While the message shows twice (the server's copy of an unsettled move beside
                // the user's row), a read or flag change is made on the copy, as a user might
                // click it: the store queues it on the user's row (outbox.rs
                // `users_row_for_server_copy`), and nothing may be lost.
                let copy = rows
                    .iter()
                    .find(|r| {
                        r.2 != id
                            && r.3 & 8 == 0
                            && !r.1.starts_with("local:")
                            && h.folders.contains(&r.0)
                    })
                    .map(|r| r.2);
                let (read_flag_id, acted) = match copy {
                    Some(c) => (c, format!("{acted}; read/flag made on the copy")),
                    None => (id, acted),
                };
                match rng.random_range(0..3) {
                    0 => {
                        e.read = !e.read;
                        let op = h.app.mark_read(read_flag_id, e.read).await.unwrap();
                        history.push((
                            rounds,
                            format!("user read={} op={op} {acted}", e.read),
                            subject.clone(),
                        ));
                        *ops.entry("read").or_default() += 1;
                        if copy.is_some() {
                            *ops.entry("read/flag on a copy").or_default() += 1;
                        }
                    }
                    1 => {
                        e.flagged = !e.flagged;
                        let op = h
                            .app
                            .set_flag(read_flag_id, if e.flagged { 2 } else { 0 })
                            .await
                            .unwrap();
                        history.push((
                            rounds,
                            format!("user flag={} op={op} {acted}", e.flagged),
                            subject.clone(),
                        ));
                        *ops.entry("flag").or_default() += 1;
                        if copy.is_some() {
                            *ops.entry("read/flag on a copy").or_default() += 1;
                        }
                    }
                    _ => {
                        e.folder = 1 - e.folder;
                        let op = h.app.move_message(id, &h.folders[e.folder]).await.unwrap();
                        history.push((
                            rounds,
                            format!("user move to {} op={op} {acted}", e.folder),
                            subject.clone(),
                        ));
                        *ops.entry("move").or_default() += 1;
                    }
                }
            }
            // The server changes behind the client's back (server-owned messages only).
            // Appends, seen and flag changes, and expunges. (Expunges exposed SOGo skipping a
            // lost answer's changes when the next Sync carried commands; engine/mail.rs
            // `sync_pass` now syncs plainly first.)
            let server_kinds = 4;
            if rng.random_bool(0.35) {
                match rng.random_range(0..server_kinds) {
                    0 => {
                        let subject = format!("{prefix}-new{next_new:03}");
                        next_new += 1;
                        imap.append(&names[0], "", &message(USER, USER, &subject))
                            .await;
                        model.insert(
                            subject.clone(),
                            Expect {
                                owner: Owner::Server,
                                folder: 0,
                                read: false,
                                flagged: false,
                            },
                        );
                        *server_changes.entry("append").or_default() += 1;
                        history.push((rounds, "server append".into(), subject.clone()));
                    }
                    kind => {
                        let candidates: Vec<String> = model
                            .iter()
                            .filter(|(_, e)| e.owner == Owner::Server)
                            .map(|(s, _)| s.clone())
                            .collect();
                        if let Some(subject) = (!candidates.is_empty())
                            .then(|| candidates[rng.random_range(0..candidates.len())].clone())
                        {
                            imap.select(&names[0]).await;
                            let uids = imap.uids_with_subject(&subject).await;
                            assert_eq!(uids.len(), 1, "{subject}: {uids:?}");
                            let e = model.get_mut(&subject).unwrap();
                            match kind {
                                1 => {
                                    e.read = !e.read;
                                    let sign = if e.read { '+' } else { '-' };
                                    imap.cmd(&format!(
                                        "UID STORE {} {sign}FLAGS (\\Seen)",
                                        uids[0]
                                    ))
                                    .await;
                                    *server_changes.entry("seen").or_default() += 1;
                                    history.push((
                                        rounds,
                                        format!("server seen={}", e.read),
                                        subject.clone(),
                                    ));
                                }
                                2 => {
                                    e.flagged = !e.flagged;
                                    let sign = if e.flagged { '+' } else { '-' };
                                    imap.cmd(&format!(
                                        "UID STORE {} {sign}FLAGS (\\Flagged)",
                                        uids[0]
                                    ))
                                    .await;
                                    *server_changes.entry("flag").or_default() += 1;
                                    history.push((
                                        rounds,
                                        format!("server flagged={}", e.flagged),
                                        subject.clone(),
                                    ));
                                }
                                _ => {
                                    imap.cmd(&format!("UID STORE {} +FLAGS (\\Deleted)", uids[0]))
                                        .await;
                                    imap.cmd(&format!("UID EXPUNGE {}", uids[0])).await;
                                    model.remove(&subject);
                                    history.push((
                                        rounds,
                                        format!("server expunge uid {}", uids[0]),
                                        subject.clone(),
                                    ));
                                    *server_changes.entry("expunge").or_default() += 1;
                                }
                            }
                        }
                    }
                }
            }
            rounds += 1;
            let outcome = match h.round().await {
                Ok(()) => "ok".to_owned(),
                Err(e) => {
                    let code = format!("{:?}", e.code());
                    if !matches!(code.as_str(), "Unreachable" | "ServerError") {
                        let text: String = e.to_string().chars().take(300).collect();
                        *odd_errors.entry(text).or_default() += 1;
                    }
                    code
                }
            };
            *outcomes.entry(outcome).or_default() += 1;
            let _ = round;
            // Short pauses let stalled requests reach the server late, as on a real network.
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..150))).await;
        }
    }
    let fault_rounds = started.elapsed();

    // Faults off. What a user's "retry now" does: queued operations waiting for their
    // backoff and parked ones are due at once.
    h.proxy.set_faults(false);
    let mut counts = FaultCounts::default();
    counts.merge(&h.proxy.counts());
    let mut retried_parked = 0;
    for e in h.app.store().parked().await.unwrap() {
        h.app.store().retry_parked(e.id).await.unwrap();
        retried_parked += 1;
    }
    sqlx::query("UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending'")
        .execute(h.app.store().pool())
        .await
        .unwrap();
    let mut clean_rounds = 0;
    loop {
        clean_rounds += 1;
        let r = h.round().await;
        let states = outbox_states(&h).await;
        let unfinished = states
            .iter()
            .filter(|(s, _)| s.as_str() != "done")
            .map(|(_, n)| n)
            .sum::<i64>();
        if r.is_ok() && unfinished == 0 {
            break;
        }
        assert!(
            clean_rounds < 10,
            "no convergence without faults: {r:?}, outbox {states:?}\n{}",
            h.proxy.report()
        );
    }

    // 1. The server holds what both sides did: nothing lost, nothing twice.
    let mut server: BTreeMap<(usize, String), MailState> = BTreeMap::new();
    for (i, f) in h.folders.iter().enumerate() {
        for (id, m) in server_mail(&mut truth, f).await {
            server.insert((i, id), m);
        }
    }
    let mut by_subject: BTreeMap<&str, Vec<(usize, &MailState)>> = BTreeMap::new();
    for ((i, _), m) in &server {
        by_subject
            .entry(m.subject.as_str())
            .or_default()
            .push((*i, m));
    }
    let mut problems = Vec::new();
    for (subject, e) in &model {
        match by_subject.get(subject.as_str()).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!("{subject}: lost on the server")),
            Some([(folder, m)]) => {
                if *folder != e.folder || m.read != e.read || m.flagged != e.flagged {
                    problems.push(format!(
                        "{subject}: server has folder {folder} read {} flagged {}, expected {e:?}",
                        m.read, m.flagged
                    ));
                }
            }
            Some(more) => problems.push(format!("{subject}: {} copies on the server", more.len())),
        }
    }
    for subject in by_subject.keys() {
        if !model.contains_key(*subject) {
            problems.push(format!("{subject}: on the server but not expected"));
        }
    }

    // 2. The cache equals the server.
    let (cache, local) = cached(&h).await;
    if cache != server {
        let c: BTreeSet<_> = cache.iter().collect();
        let s: BTreeSet<_> = server.iter().collect();
        for x in c.difference(&s) {
            problems.push(format!("cache only: {x:?}"));
        }
        for x in s.difference(&c) {
            problems.push(format!("server only: {x:?}"));
        }
    }
    if !local.is_empty() {
        problems.push(format!("local changes left in the cache: {local:?}"));
    }
    let mut event_counts: BTreeMap<String, u32> = BTreeMap::new();
    while let Ok(e) = events.try_recv() {
        let name = format!("{e:?}");
        let name = name.split([' ', '{']).next().unwrap_or("").to_owned();
        *event_counts.entry(name).or_default() += 1;
    }
    let summary = format!(
        "mail: {rounds} rounds (seeds {seeds:?}) in {:.0?} + {clean_rounds} clean; outcomes {outcomes:?}; \
         other errors {odd_errors:?}; user ops {ops:?}; server changes {server_changes:?}; parked and retried {retried_parked}; \
         events {event_counts:?}; faults {counts}",
        fault_rounds
    );
    common::report(&summary);
    let involved: Vec<String> = history
        .iter()
        .filter(|(_, _, subject)| problems.iter().any(|p| p.contains(subject.as_str())))
        .map(|(round, what, subject)| format!("round {round}: {what} {subject}"))
        .collect();
    let log = if problems.is_empty() {
        String::new()
    } else {
        // The outbox rows of the messages involved and every ServerId they named.
        let mut ops = BTreeSet::new();
        let mut ids: BTreeSet<String> = BTreeSet::new();
        for p in &problems {
            if let Some(start) = p.find(", \"") {
                let rest = &p[start + 3..];
                if let Some(end) = rest.find('"') {
                    ids.insert(rest[..end].to_owned());
                }
            }
        }
        for subject in history
            .iter()
            .map(|(_, _, s)| s)
            .filter(|s| problems.iter().any(|p| p.contains(s.as_str())))
        {
            let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
                "SELECT o.id, json_extract(o.payload, '$.server_id') FROM outbox o
                 JOIN message m ON m.id = o.local_ref WHERE m.subject = ?1",
            )
            .bind(subject)
            .fetch_all(h.app.store().pool())
            .await
            .unwrap();
            for (op, id) in rows {
                ops.insert(op);
                ids.extend(id);
            }
        }
        log_lines_about(&log_path, &ids, &ops)
    };
    assert!(
        problems.is_empty(),
        "{} problems after {summary}:\n{}\nhistory of the items involved:\n{}\n{}\nSync log lines naming their ServerIds:\n{log}",
        problems.len(),
        problems.join("\n"),
        involved.join("\n"),
        h.proxy.report()
    );
    if seeds == SEEDS {
        assert!(rounds >= 200, "only {rounds} rounds");
    }
    assert!(
        counts.applied_faults() > 0,
        "no fault took effect: {counts}"
    );

    imap.logout().await;
    for f in &h.folders {
        common::delete_folder(&mut truth, f).await;
    }
    let _ = h.names;
}

/// The lines of the EAS debug log that name one of `ids` (ServerIds) or `ops` (outbox rows), or
/// that carry a Sync request or failure (so the sequence of keys can be followed), the last 600
/// of them.
fn log_lines_about(path: &std::path::Path, ids: &BTreeSet<String>, ops: &BTreeSet<i64>) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains("Sync request")
                || l.contains("Sync failed")
                || ops.iter().any(|op| l.contains(&format!("op={op} ")))
                || ids.iter().any(|id| {
                    [format!(":{id} "), format!("={id} "), format!("\"{id}\"")]
                        .iter()
                        .any(|pat| l.contains(pat.as_str()))
                        || l.ends_with(&format!(":{id}"))
                })
        })
        .collect();
    let from = lines.len().saturating_sub(600);
    format!(
        "(ServerIds {ids:?}, outbox rows {ops:?}, full log {})\n{}",
        path.display(),
        lines[from..].join("\n")
    )
}
