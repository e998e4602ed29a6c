//! Profile reset: what `kontor --reset-profile` does, for IT repairing a PC remotely
//! (docs/deployment.md#profile-reset).
//!
//! A reset throws away the server mirror and nothing else:
//!
//! 1. It refuses while Kontor runs on the profile: it takes the [`InstanceLock`] itself, so the
//!    app cannot start half-way through either.
//! 2. With `forget_credentials`, the accounts' passwords are removed from the OS keychain first
//!    (if the keychain fails, nothing else has been touched).
//! 3. A fresh database is built next to the old one (`kontor.db.reset-new`, current schema) and
//!    the user-data tables ([`USER_DATA_TABLES`]: settings, the outbox, later reminder
//!    snooze/dismiss state) are copied into it, column by column where both schemas agree.
//!    `discard_outbox` leaves the outbox behind.
//! 4. `kontor.db` with its `-wal`/`-shm` files moves to `<profile>/reset-<UTC timestamp>/`, where
//!    it stays restorable (quit Kontor, move the files back), and the fresh database takes its
//!    place.
//! 5. `profile.json` is never touched: the DeviceId stays (Z-Push keeps shared folders and the
//!    partnership per DeviceId, docs/server-quirks.md#kopano-and-z-push-production-target) and so
//!    does the account identity.
//!
//! Whatever could not be carried over (an unreadable old database, a table the new schema lacks)
//! is said in the report; it is still in the moved-aside copy, never dropped silently.
//!
//! User-data tables must not reference cache tables with foreign keys (the cache is emptied):
//! they name an account by server URL and user, an item by its server id.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};

use crate::error::CoreError;
use crate::i18n::Lang;
use crate::profile::{InstanceLock, ProfileFile, ProfilePaths};
use crate::secrets;
use crate::store::MIGRATOR;
use crate::store::user_data::{Carried, carry_user_data};

// Which tables are user data (the reset class of every table) is kept next to the queries that
// carry them, in store/user_data.rs, together with the test that every table is classified.
pub use crate::store::user_data::{USER_DATA_TABLES, UserData, UserDataTable};

/// What a reset should also do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResetOptions {
    /// Remove the accounts' passwords from the OS keychain.
    pub forget_credentials: bool,
    /// Do not carry pending local changes (the outbox) into the fresh database.
    pub discard_outbox: bool,
}

/// One thing a reset did or found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetStep {
    /// The profile folder does not exist.
    NoProfile,
    /// The profile has no database yet.
    NoCache,
    /// The old database files moved to `dir`.
    MovedAside { dir: PathBuf, files: Vec<String> },
    /// A fresh, empty cache replaced the old one.
    FreshCache,
    /// User data copied into the fresh database.
    Carried { table: &'static str, rows: u64 },
    /// The outbox was left behind on request; its rows are only in the moved-aside copy.
    OutboxDiscarded { table: &'static str, rows: u64 },
    /// User data that could not be carried; it is only in the moved-aside copy.
    NotCarried { table: &'static str, reason: String },
    /// Columns of the old table the current schema no longer has.
    ColumnsDropped {
        table: &'static str,
        columns: Vec<String>,
    },
    /// profile.json and its DeviceId were left as they are.
    KeptDeviceId(String),
    /// profile.json could not be read; it was left as it is.
    ProfileUnreadable(String),
    /// Passwords left in the keychain for these accounts (`user@server`).
    KeptCredentials(Vec<String>),
    /// Passwords removed from the keychain for these accounts.
    ForgotCredentials(Vec<String>),
}

impl ResetStep {
    /// Whether this step means something was not as expected (user data not carried).
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            ResetStep::NotCarried { .. }
                | ResetStep::ColumnsDropped { .. }
                | ResetStep::ProfileUnreadable(_)
        )
    }
}

/// What a reset did, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetReport {
    pub profile: PathBuf,
    pub steps: Vec<ResetStep>,
}

impl ResetReport {
    /// The folder the old cache was moved to, if one was.
    pub fn moved_to(&self) -> Option<&Path> {
        self.steps.iter().find_map(|s| match s {
            ResetStep::MovedAside { dir, .. } => Some(dir.as_path()),
            _ => None,
        })
    }

    pub fn has_warnings(&self) -> bool {
        self.steps.iter().any(ResetStep::is_warning)
    }

    /// One line per step, for a person reading a terminal or a log.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let aside = self
            .moved_to()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let mut out = vec![match lang {
            Lang::En => format!("Profile: {}", self.profile.display()),
            Lang::De => format!("Profil: {}", self.profile.display()),
        }];
        for step in &self.steps {
            let line = match (step, lang) {
                (ResetStep::NoProfile, Lang::En) => "No profile folder: nothing to reset.".into(),
                (ResetStep::NoProfile, Lang::De) => {
                    "Kein Profilordner vorhanden: nichts zurückzusetzen.".into()
                }
                (ResetStep::NoCache, Lang::En) => "No local cache yet: nothing to move.".into(),
                (ResetStep::NoCache, Lang::De) => {
                    "Noch kein lokaler Zwischenspeicher: nichts zu verschieben.".into()
                }
                (ResetStep::MovedAside { dir, files }, Lang::En) => format!(
                    "Moved the local cache ({}) to {} (restorable).",
                    files.join(", "),
                    dir.display()
                ),
                (ResetStep::MovedAside { dir, files }, Lang::De) => format!(
                    "Lokalen Zwischenspeicher ({}) nach {} verschoben (wiederherstellbar).",
                    files.join(", "),
                    dir.display()
                ),
                (ResetStep::FreshCache, Lang::En) => {
                    "Created an empty cache; it fills from the server at the next start.".into()
                }
                (ResetStep::FreshCache, Lang::De) => {
                    "Leeren Zwischenspeicher angelegt; er wird beim nächsten Start vom Server gefüllt.".into()
                }
                (ResetStep::Carried { table, rows }, Lang::En) => {
                    format!("Kept {table}: {rows} row(s).")
                }
                (ResetStep::Carried { table, rows }, Lang::De) => {
                    format!("{table} behalten: {rows} Zeile(n).")
                }
                (ResetStep::OutboxDiscarded { table, rows }, Lang::En) => format!(
                    "Discarded {table}: {rows} pending change(s), still in {aside}."
                ),
                (ResetStep::OutboxDiscarded { table, rows }, Lang::De) => format!(
                    "{table} verworfen: {rows} ausstehende Änderung(en), weiterhin in {aside}."
                ),
                (ResetStep::NotCarried { table, reason }, Lang::En) => format!(
                    "WARNING: could not keep {table} ({reason}); it is still in {aside}."
                ),
                (ResetStep::NotCarried { table, reason }, Lang::De) => format!(
                    "WARNUNG: {table} konnte nicht übernommen werden ({reason}); es liegt weiterhin in {aside}."
                ),
                (ResetStep::ColumnsDropped { table, columns }, Lang::En) => format!(
                    "WARNING: {table} columns not in the current schema: {}; still in {aside}.",
                    columns.join(", ")
                ),
                (ResetStep::ColumnsDropped { table, columns }, Lang::De) => format!(
                    "WARNUNG: Spalten von {table}, die das aktuelle Schema nicht kennt: {}; weiterhin in {aside}.",
                    columns.join(", ")
                ),
                (ResetStep::KeptDeviceId(id), Lang::En) => {
                    format!("Kept profile.json (DeviceId {id}).")
                }
                (ResetStep::KeptDeviceId(id), Lang::De) => {
                    format!("profile.json behalten (DeviceId {id}).")
                }
                (ResetStep::ProfileUnreadable(why), Lang::En) => {
                    format!("WARNING: profile.json is unreadable and was left as it is: {why}")
                }
                (ResetStep::ProfileUnreadable(why), Lang::De) => format!(
                    "WARNUNG: profile.json ist nicht lesbar und blieb unverändert: {why}"
                ),
                (ResetStep::KeptCredentials(a), Lang::En) => {
                    format!("Kept the saved password(s): {}.", list(a))
                }
                (ResetStep::KeptCredentials(a), Lang::De) => {
                    format!("Gespeicherte Passwörter behalten: {}.", list(a))
                }
                (ResetStep::ForgotCredentials(a), Lang::En) => {
                    format!("Removed the saved password(s): {}.", list(a))
                }
                (ResetStep::ForgotCredentials(a), Lang::De) => {
                    format!("Gespeicherte Passwörter entfernt: {}.", list(a))
                }
            };
            out.push(line);
        }
        out
    }
}

fn list(accounts: &[String]) -> String {
    if accounts.is_empty() {
        "-".into()
    } else {
        accounts.join(", ")
    }
}

/// Resets the profile's cache as described in the module documentation.
pub async fn reset_profile(
    paths: &ProfilePaths,
    opts: ResetOptions,
) -> Result<ResetReport, CoreError> {
    let mut report = ResetReport {
        profile: paths.root().to_path_buf(),
        steps: Vec::new(),
    };
    if !paths.root().is_dir() {
        report.steps.push(ResetStep::NoProfile);
        return Ok(report);
    }
    let _lock = InstanceLock::acquire(paths)?;

    // profile.json is only read, never written.
    let profile = read_profile(paths);
    let accounts: Vec<(String, String)> = match &profile {
        Ok(Some(p)) => p
            .accounts
            .iter()
            .map(|a| (a.server_url.clone(), a.user.clone()))
            .collect(),
        _ => Vec::new(),
    };
    if opts.forget_credentials {
        if let Err(why) = &profile {
            return Err(CoreError::Profile(format!(
                "cannot tell which passwords to forget: {why}"
            )));
        }
        for (server, user) in &accounts {
            secrets::forget(server, user)?;
        }
    }

    let db = paths.database();
    if db.exists() {
        reset_database(paths, opts, &mut report).await?;
    } else {
        report.steps.push(ResetStep::NoCache);
    }

    match profile {
        Ok(Some(p)) => report.steps.push(ResetStep::KeptDeviceId(p.device_id)),
        Ok(None) => {}
        Err(why) => report.steps.push(ResetStep::ProfileUnreadable(why)),
    }
    let names: Vec<String> = accounts.iter().map(|(s, u)| format!("{u}@{s}")).collect();
    if opts.forget_credentials {
        report.steps.push(ResetStep::ForgotCredentials(names));
    } else if !names.is_empty() {
        report.steps.push(ResetStep::KeptCredentials(names));
    }
    tracing::info!(profile = %paths.root().display(), steps = ?report.steps, "profile reset");
    Ok(report)
}

fn read_profile(paths: &ProfilePaths) -> Result<Option<ProfileFile>, String> {
    let file = paths.profile_file();
    match std::fs::read(&file) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{}: {e}", file.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", file.display())),
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> CoreError {
    move |source| CoreError::Io { context, source }
}

/// The SQLite files that make up a database, in the order they are moved.
const DB_SUFFIXES: [&str; 4] = ["", "-wal", "-shm", "-journal"];

async fn reset_database(
    paths: &ProfilePaths,
    opts: ResetOptions,
    report: &mut ResetReport,
) -> Result<(), CoreError> {
    let db = paths.database();
    let fresh = paths.root().join("kontor.db.reset-new");
    for suffix in DB_SUFFIXES {
        let f = sidecar(&fresh, suffix);
        if f.exists() {
            std::fs::remove_file(&f).map_err(io(format!("removing {}", f.display())))?;
        }
    }

    // The fresh database, in rollback-journal mode so that it is one self-contained file when
    // it is renamed into place (Store::open switches it to WAL at the next start).
    let options = SqliteConnectOptions::new()
        .filename(&fresh)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete)
        .foreign_keys(true);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    MIGRATOR.run(&mut conn).await?;
    let carried = carry_user_data(&mut conn, &db, opts.discard_outbox).await;
    conn.close().await?;

    let steps = match carried {
        Ok(carried) => carried_steps(carried),
        Err(e) => USER_DATA_TABLES
            .iter()
            .filter(|t| !(opts.discard_outbox && t.kind == UserData::Outbox))
            .map(|t| ResetStep::NotCarried {
                table: t.name,
                reason: format!("the old database could not be read: {e}"),
            })
            .collect(),
    };

    let dir = aside_dir(paths.root())?;
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    for suffix in DB_SUFFIXES {
        let from = sidecar(&db, suffix);
        if !from.exists() {
            continue;
        }
        let to = dir.join(from.file_name().expect("database file has a name"));
        if let Err(source) = std::fs::rename(&from, &to) {
            // Put back what already moved: the profile stays as it was.
            for (f, t) in moved.iter().rev() {
                let _ = std::fs::rename(t, f);
            }
            let _ = std::fs::remove_dir(&dir);
            let _ = std::fs::remove_file(&fresh);
            return Err(CoreError::Io {
                context: format!("moving {} to {}", from.display(), to.display()),
                source,
            });
        }
        moved.push((from, to));
    }
    std::fs::rename(&fresh, &db).map_err(io(format!(
        "putting the fresh database {} in place",
        fresh.display()
    )))?;
    report.steps.push(ResetStep::MovedAside {
        dir,
        files: moved
            .iter()
            .map(|(f, _)| f.file_name().unwrap_or_default().to_string_lossy().into())
            .collect(),
    });
    report.steps.push(ResetStep::FreshCache);
    report.steps.extend(steps);
    Ok(())
}

/// The report's steps for what carrying the user-data tables did, table by table.
fn carried_steps(carried: Vec<(&'static str, Carried)>) -> Vec<ResetStep> {
    let mut steps = Vec::new();
    for (table, what) in carried {
        match what {
            Carried::Discarded { rows } => steps.push(ResetStep::OutboxDiscarded { table, rows }),
            Carried::NoSuchTable => steps.push(ResetStep::NotCarried {
                table,
                reason: "the current schema has no such table".into(),
            }),
            Carried::Copied { rows, dropped } => {
                steps.push(ResetStep::Carried { table, rows });
                if !dropped.is_empty() {
                    steps.push(ResetStep::ColumnsDropped {
                        table,
                        columns: dropped,
                    });
                }
            }
        }
    }
    steps
}

/// `<profile>/reset-<UTC timestamp>` (colon-free for Windows), made unique with a counter.
fn aside_dir(root: &Path) -> Result<PathBuf, CoreError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    for n in 0..100 {
        let name = if n == 0 {
            format!("reset-{stamp}")
        } else {
            format!("reset-{stamp}-{n}")
        };
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(format!("creating {}", dir.display()))(e)),
        }
    }
    Err(CoreError::Profile(format!(
        "too many reset folders named reset-{stamp}* in {}",
        root.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::AccountConfig;
    use crate::store::reminder_state::ReminderAckRow;
    use crate::store::{FolderChange, OutboxOp, Store};

    async fn seeded(dir: &Path) -> (ProfilePaths, String) {
        let paths = ProfilePaths::new(dir.join("profile"));
        let mut profile = ProfileFile::load_or_create(&paths).unwrap();
        profile.accounts = vec![AccountConfig {
            server_url: "https://mail.example.test/Microsoft-Server-ActiveSync".into(),
            user: "alice".into(),
        }];
        profile.save(&paths).unwrap();
        let store = Store::open(&paths.database()).await.unwrap();
        let acc = store
            .upsert_account(
                "https://mail.example.test/Microsoft-Server-ActiveSync",
                "alice",
                "14.1",
                "1",
            )
            .await
            .unwrap();
        store
            .apply_folder_sync(
                acc,
                "1",
                true,
                &[FolderChange::Upsert {
                    server_id: "1".into(),
                    parent_id: "0".into(),
                    display_name: "Inbox".into(),
                    folder_type: 2,
                }],
            )
            .await
            .unwrap();
        store
            .set_setting_value("reminders.autohide", "false")
            .await
            .unwrap();
        // Leave the WAL in place, as a running app that was killed would.
        std::mem::forget(store);
        (paths, profile.device_id)
    }

    async fn count(store: &Store, table: &str) -> i64 {
        store.row_count(table).await.unwrap()
    }

    #[tokio::test]
    async fn reset_moves_the_cache_aside_and_keeps_user_data() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, device_id) = seeded(dir.path()).await;

        let report = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert!(!report.has_warnings(), "{report:#?}");
        let aside = report.moved_to().expect("moved aside").to_path_buf();
        assert!(aside.starts_with(paths.root()));
        let name = aside.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("reset-") && name.ends_with('Z'), "{name}");
        assert!(aside.join("kontor.db").is_file());
        assert!(
            report
                .steps
                .contains(&ResetStep::KeptDeviceId(device_id.clone()))
        );
        assert!(report.steps.contains(&ResetStep::Carried {
            table: "setting",
            rows: 1
        }));

        // DeviceId and account identity unchanged.
        let profile = ProfileFile::load_or_create(&paths).unwrap();
        assert_eq!(profile.device_id, device_id);
        assert_eq!(profile.accounts.len(), 1);

        // The fresh database: settings kept, server mirror gone.
        let store = Store::open(&paths.database()).await.unwrap();
        assert_eq!(count(&store, "folder").await, 0);
        assert_eq!(count(&store, "account").await, 0);
        let mut conn = store.pool().acquire().await.unwrap();
        let v: String = crate::store::settings::setting_value_in(&mut conn, "reminders.autohide")
            .await
            .unwrap()
            .unwrap();
        drop(conn);
        assert_eq!(v, "false");
        store.close().await;

        // The old cache is restorable: the folders are in the copy.
        let old = Store::open(&aside.join("kontor.db")).await.unwrap();
        assert_eq!(count(&old, "folder").await, 1);
        old.close().await;

        let text = report.lines(Lang::En).join("\n");
        assert!(text.contains("Moved the local cache"), "{text}");
        assert!(text.contains(&device_id), "{text}");
        assert!(
            text.contains("Kept the saved password(s): alice@"),
            "{text}"
        );
        let de = report.lines(Lang::De).join("\n");
        assert!(de.contains("verschoben"), "{de}");
    }

    #[tokio::test]
    async fn reminder_state_survives_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, _) = seeded(dir.path()).await;
        let store = Store::open(&paths.database()).await.unwrap();
        let ack = ReminderAckRow {
            uid: "m1".into(),
            instance: "2026-11-27T09:00:00Z".into(),
            start: "2026-11-27T09:00:00Z".into(),
            through: "2026-11-27T08:46:00Z".into(),
            alarm_at: "2026-11-27T08:45:00Z".into(),
            snooze_until: String::new(),
        };
        store
            .save_reminder_state(&[], &[ack], &[("since", "2026-11-01T00:00:00Z".into())])
            .await
            .unwrap();
        store.set_reminder_calendar("bob", true, "").await.unwrap();
        store.close().await;

        let report = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert!(!report.has_warnings(), "{report:#?}");
        for table in ["reminder_ack", "reminder_calendar", "reminder_meta"] {
            assert!(
                report
                    .steps
                    .contains(&ResetStep::Carried { table, rows: 1 }),
                "{table}: {report:#?}"
            );
        }
        let store = Store::open(&paths.database()).await.unwrap();
        let dismissed: (String, String, String) = store
            .reminder_acks()
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.uid, a.instance, a.snooze_until))
            .next()
            .unwrap();
        assert_eq!(
            dismissed,
            ("m1".into(), "2026-11-27T09:00:00Z".into(), String::new())
        );
        assert_eq!(count(&store, "reminder_calendar").await, 1);
        assert_eq!(count(&store, "folder").await, 0);
    }

    #[tokio::test]
    async fn reset_refuses_while_an_instance_runs_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, _) = seeded(dir.path()).await;
        let running = InstanceLock::acquire(&paths).unwrap();
        let before: Vec<_> = std::fs::read_dir(paths.root())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let err = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, CoreError::InstanceRunning { .. }), "{err:?}");
        assert!(
            err.message(Lang::En).contains("already running"),
            "{}",
            err.message(Lang::En)
        );
        let after: Vec<_> = std::fs::read_dir(paths.root())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(before.len(), after.len(), "{before:?} vs {after:?}");
        assert!(paths.database().is_file());
        drop(running);
        reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn forget_credentials_removes_the_password_and_keeps_the_account() {
        keyring_core::set_default_store(keyring_core::sample::Store::new().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let (paths, _) = seeded(dir.path()).await;
        let server = "https://mail.example.test/Microsoft-Server-ActiveSync";
        secrets::set_password(server, "alice", "pw").unwrap();

        let kept = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert!(matches!(
            kept.steps.last(),
            Some(ResetStep::KeptCredentials(_))
        ));
        assert_eq!(
            secrets::password(server, "alice").unwrap().as_deref(),
            Some("pw")
        );

        let opts = ResetOptions {
            forget_credentials: true,
            discard_outbox: false,
        };
        let report = reset_profile(&paths, opts).await.unwrap();
        assert_eq!(
            report.steps.last(),
            Some(&ResetStep::ForgotCredentials(vec![format!(
                "alice@{server}"
            )]))
        );
        assert_eq!(secrets::password(server, "alice").unwrap(), None);
        assert_eq!(
            ProfileFile::load_or_create(&paths).unwrap().accounts.len(),
            1
        );
    }

    #[tokio::test]
    async fn outbox_is_carried_or_discarded_and_never_dropped_silently() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, _) = seeded(dir.path()).await;
        // Pending changes queued through the real outbox.
        let store = Store::open(&paths.database()).await.unwrap();
        let acc = store
            .account_id(
                "https://mail.example.test/Microsoft-Server-ActiveSync",
                "alice",
            )
            .await
            .unwrap()
            .unwrap();
        for client_id in ["c1", "c2"] {
            store
                .enqueue(
                    acc,
                    &OutboxOp::Send {
                        client_id: client_id.into(),
                        mime: "Subject: hi\r\n\r\nhello".into(),
                        save_in_sent: true,
                    },
                )
                .await
                .unwrap();
        }
        store.close().await;

        let report = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert!(!report.has_warnings(), "{report:#?}");
        assert!(report.steps.contains(&ResetStep::Carried {
            table: "outbox",
            rows: 2
        }));
        let aside = report.moved_to().unwrap().to_path_buf();

        // The fresh database holds the queued changes, still naming their account.
        let store = Store::open(&paths.database()).await.unwrap();
        let queued = store.outbox_unfinished().await.unwrap();
        assert_eq!(queued.len(), 2);
        assert_eq!(queued[0].idempotency_key, "c1");
        assert_eq!(queued[0].account_user, "alice");
        assert_eq!(
            queued[0].account_id, None,
            "the account is not synced again yet"
        );
        let acc = store
            .upsert_account(
                "https://mail.example.test/Microsoft-Server-ActiveSync",
                "alice",
                "14.1",
                "",
            )
            .await
            .unwrap();
        let ready = store.next_ready(chrono::Utc::now()).await.unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].account_id, Some(acc));
        // New rows continue after the carried ones.
        let next = store
            .enqueue(
                acc,
                &OutboxOp::Send {
                    client_id: "c3".into(),
                    mime: String::new(),
                    save_in_sent: false,
                },
            )
            .await
            .unwrap();
        assert!(next > queued[1].id);
        store.close().await;

        // Put the old database back (the restore path), then discard the outbox.
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(sidecar(&paths.database(), suffix));
        }
        for entry in std::fs::read_dir(&aside).unwrap() {
            let entry = entry.unwrap();
            std::fs::rename(entry.path(), paths.root().join(entry.file_name())).unwrap();
        }
        let opts = ResetOptions {
            forget_credentials: false,
            discard_outbox: true,
        };
        let report = reset_profile(&paths, opts).await.unwrap();
        assert!(!report.has_warnings(), "{report:#?}");
        assert!(report.steps.contains(&ResetStep::OutboxDiscarded {
            table: "outbox",
            rows: 2
        }));
        let store = Store::open(&paths.database()).await.unwrap();
        assert!(store.outbox_unfinished().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_old_outbox_with_other_columns_is_reported_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, _) = seeded(dir.path()).await;
        // An old database whose outbox has a column the current schema lacks.
        let store = Store::open(&paths.database()).await.unwrap();
        sqlx::query("ALTER TABLE outbox ADD COLUMN legacy TEXT NOT NULL DEFAULT ''")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO outbox (account_url, account_user, kind, legacy)
             VALUES ('https://h/', 'alice', 'flag', 'x')",
        )
        .execute(store.pool())
        .await
        .unwrap();
        store.close().await;
        let report = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert!(report.has_warnings());
        assert!(report.steps.contains(&ResetStep::Carried {
            table: "outbox",
            rows: 1
        }));
        assert!(report.steps.contains(&ResetStep::ColumnsDropped {
            table: "outbox",
            columns: vec!["legacy".into()]
        }));
        let aside = report.moved_to().unwrap().to_path_buf();
        let text = report.lines(Lang::En).join("\n");
        assert!(text.contains("legacy"), "{text}");
        assert!(aside.join("kontor.db").is_file());
    }

    #[tokio::test]
    async fn an_unreadable_cache_is_moved_aside_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, device_id) = seeded(dir.path()).await;
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(sidecar(&paths.database(), suffix));
        }
        std::fs::write(paths.database(), b"this is not a database, it is garbage..").unwrap();
        let report = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert!(report.steps.iter().any(|s| matches!(
            s,
            ResetStep::NotCarried {
                table: "setting",
                ..
            }
        )));
        assert_eq!(
            std::fs::read(report.moved_to().unwrap().join("kontor.db")).unwrap(),
            b"this is not a database, it is garbage.."
        );
        assert!(report.steps.contains(&ResetStep::KeptDeviceId(device_id)));
        let store = Store::open(&paths.database()).await.unwrap();
        assert_eq!(count(&store, "setting").await, 0);
    }

    #[tokio::test]
    async fn no_profile_or_no_cache_is_nothing_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path().join("absent"));
        let report = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert_eq!(report.steps, [ResetStep::NoProfile]);
        assert!(!paths.root().exists(), "a reset creates no profile");

        let paths = ProfilePaths::new(dir.path());
        let report = reset_profile(&paths, ResetOptions::default())
            .await
            .unwrap();
        assert_eq!(report.steps, [ResetStep::NoCache]);
        assert!(!paths.database().exists());
    }
}
