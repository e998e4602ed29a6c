//! Kontor's core syncing its own account (dave) through the fault proxy (seeded cuts, stalls, 500/503), while
//! the server changes behind its back; afterwards the cache must equal the server as a fresh
//! direct session sees it — nothing lost, nothing duplicated.
//!
//! Every test works on folders and messages it created itself (unique names), so tests that
//! run at the same time against the same account do not disturb the comparison. A failure
//! prints the seed, the round and the proxy's per-connection log, which replays the faults.

use std::collections::{BTreeMap, BTreeSet};

use kontor_core::{Kontor, ProfilePaths, SignIn};
use kontor_faultproxy::{FaultCounts, FaultProxy, Mix, Plan};
use kontor_live_tests::SOGO_EAS_URL;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

mod common;

/// This binary's own account (tests/servers/seed.py): nothing else changes its folders.
const USER: kontor_live_tests::User = kontor_live_tests::DAVE;
use common::{direct, folders, unique, use_test_keychain};

/// The seeds of the folder-hierarchy rounds. A failing seed is printed; to replay it, put it
/// first here.
const HIERARCHY_SEEDS: [u64; 5] = [11, 23, 37, 41, 59];
const HIERARCHY_ROUNDS_PER_SEED: usize = 8;

fn hierarchy_plan(seed: u64) -> Plan {
    Plan {
        // The sign-in path has no request timeout to tune, so no stalls beyond a second here.
        mix: Mix {
            long_stall: 0,
            ..Mix::default()
        },
        up_offset_max: 600,
        down_offset_max: 3000,
        ..Plan::seeded(seed)
    }
}

async fn signed_in(proxy: &FaultProxy) -> (tempfile::TempDir, Kontor) {
    use_test_keychain();
    let dir = tempfile::tempdir().unwrap();
    let app = Kontor::open(ProfilePaths::new(dir.path())).await.unwrap();
    proxy.set_faults(false);
    app.sign_in(SignIn::to_server(
        &proxy.url(SOGO_EAS_URL),
        USER.name,
        USER.password,
    ))
    .await
    .expect("sign-in through the proxy with faults off");
    proxy.set_faults(true);
    (dir, app)
}

/// FolderSync through faults: folders created, renamed and deleted on the server between
/// rounds; every round refreshes the hierarchy through the proxy and may fail. Afterwards the
/// cached tree of this test's folders equals the server's.
#[tokio::test]
async fn folder_hierarchy_converges_through_faults() {
    let proxy = FaultProxy::start(common::SOGO.parse().unwrap(), Plan::clean())
        .await
        .unwrap();
    let (_dir, app) = signed_in(&proxy).await;
    let mut truth = direct(USER).await;
    let prefix = unique("KFhier");
    // What this test believes the server holds: ServerId → display name.
    let mut model: BTreeMap<String, String> = BTreeMap::new();
    let mut counts = FaultCounts::default();
    let mut outcomes: BTreeMap<String, u32> = BTreeMap::new();
    let mut rounds = 0;
    // The hierarchy key of the direct session, carried from answer to answer.
    let (mut key, _) = folders(&mut truth).await;

    let seeds = common::seeds(&HIERARCHY_SEEDS);
    for &seed in &seeds {
        proxy.set_plan(hierarchy_plan(seed));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let first = proxy.log().len();
        for round in 0..HIERARCHY_ROUNDS_PER_SEED {
            rounds += 1;
            // The server changes behind the client's back.
            match rng.random_range(0..4) {
                0 | 1 => {
                    let name = format!("{prefix}-{seed}-{round}");
                    let created = truth
                        .folder_create(&key, "0", &name, kontor_eas::FolderType::UserCreatedMail)
                        .await
                        .expect("FolderCreate");
                    key = created.sync_key;
                    model.insert(created.server_id, name);
                }
                2 if !model.is_empty() => {
                    let victim = model.keys().nth(rng.random_range(0..model.len())).cloned();
                    let victim = victim.unwrap();
                    key = truth
                        .folder_delete(&key, &victim)
                        .await
                        .expect("FolderDelete");
                    model.remove(&victim);
                }
                _ if !model.is_empty() => {
                    let victim = model.keys().nth(rng.random_range(0..model.len())).cloned();
                    let victim = victim.unwrap();
                    let name = format!("{prefix}-{seed}-{round}-renamed");
                    truth
                        .folder_update(&key, &victim, "0", &name)
                        .await
                        .expect("FolderUpdate");
                    // SOGo's ServerIds are derived from the IMAP name: a rename may change it.
                    model.remove(&victim);
                    let (k, now) = folders(&mut truth).await;
                    key = k;
                    let f = now
                        .iter()
                        .find(|f| f.display_name == name)
                        .expect("renamed folder listed");
                    model.insert(f.server_id.clone(), name);
                }
                _ => {}
            }
            let outcome = match app.refresh_folders().await {
                Ok(_) => "ok".to_owned(),
                Err(e) => format!("{:?}", e.code()),
            };
            *outcomes.entry(outcome).or_default() += 1;
        }
        let _ = first;
    }
    counts.merge(&proxy.counts());

    // Faults off: one clean refresh must bring the cache to the server's state.
    proxy.set_faults(false);
    let cached = app
        .refresh_folders()
        .await
        .unwrap_or_else(|e| panic!("clean refresh failed: {e:?}\n{}", proxy.report()));
    let cached: BTreeSet<(String, String)> = cached
        .into_iter()
        .filter(|f| f.name.starts_with(&prefix))
        .map(|f| (f.id, f.name))
        .collect();
    let (_, server) = folders(&mut truth).await;
    let server: BTreeSet<(String, String)> = server
        .into_iter()
        .filter(|f| f.display_name.starts_with(&prefix))
        .map(|f| (f.server_id, f.display_name))
        .collect();
    let expected: BTreeSet<(String, String)> = model.clone().into_iter().collect();
    assert_eq!(
        server, expected,
        "the server does not hold what this test did to it"
    );
    assert_eq!(
        cached,
        server,
        "cache and server differ after {rounds} rounds (seeds {seeds:?}); \
         outcomes {outcomes:?}; faults {counts}\n{}",
        proxy.report()
    );
    assert!(
        counts.applied_faults() > 0,
        "no fault took effect: {counts}"
    );
    tracing::info!(%counts, ?outcomes, rounds, "folder hierarchy rounds done");
    common::report(&format!(
        "folder hierarchy: {rounds} rounds, seeds {seeds:?}, outcomes {outcomes:?}, faults {counts}"
    ));

    for id in model.keys() {
        common::delete_folder(&mut truth, id).await;
    }
}
