//! # kontor-core — the application behind every window and command-line flag
//!
//! The store (SQLite through sqlx, schema in `migrations/`), the sync engine, the outbox, the
//! reminder scheduler, the profile (paths, DeviceId, settings, policy) and the app API that the
//! Tauri shell and the CLI both call.
//!
//! It must not depend on Tauri. Credentials live in the OS keychain, never in SQLite or logs.
