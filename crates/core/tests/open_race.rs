//! Opening a brand-new database: the pools' first connections race to switch it to WAL.

use kontor_core::store::Store;

/// A new database opened many times in a row (each with its pools' connections starting
/// together) never reports "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_database_opens_without_a_lock_error() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..200 {
        let path = dir.path().join(format!("k{i}.db"));
        let store = Store::open(&path)
            .await
            .unwrap_or_else(|e| panic!("open #{i}: {e}"));
        store.close().await;
    }
}
