//! `kontor-crashtest`: the process the crash-safety tests kill with SIGKILL at random points.
//!
//! ```text
//! kontor-crashtest <profile-dir> <server-url> <user> <password> <mode> [args…]
//! ```
//!
//! It takes the profile's instance lock (as the app does; a killed holder must never block a
//! restart), opens the profile (migrating the database), signs in when the profile has no
//! account yet, and runs `mode`:
//!
//! | mode | does |
//! |---|---|
//! | `folders <n>` | `n` FolderSync refreshes |
//! | `engine [secs]` | the sync engine (`Kontor::start_sync`) until it listens for push with nothing left in the outbox (at most `secs`, default 120) |
//!
//! In `engine` mode every engine event is printed on standard output as it happens, so a
//! test that kills the process can tell how far it got.
//! It prints `done` on standard output and exits 0 when the mode finished; any error exits 1
//! with the error on standard error. The keychain is keyring-core's in-memory store, filled
//! from the command line at every start.

use std::process::ExitCode;
use std::time::Duration;

use kontor_core::engine::{EngineEvent, EngineOptions};
use kontor_core::profile::InstanceLock;
use kontor_core::{CoreError, Kontor, ProfilePaths, SignIn, secrets};

struct Args {
    profile: String,
    server: String,
    user: String,
    password: String,
    mode: String,
    rest: Vec<String>,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut next = |what: &str| it.next().ok_or(format!("missing {what}"));
    let profile = next("profile directory")?;
    let server = next("server URL")?;
    let user = next("user")?;
    let password = next("password")?;
    let mode = next("mode")?;
    let rest = it.collect();
    Ok(Args {
        profile,
        server,
        user,
        password,
        mode,
        rest,
    })
}

fn number(rest: &[String], i: usize, default: u32) -> Result<u32, String> {
    match rest.get(i) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| format!("{s:?} is not a number")),
    }
}

async fn run(args: Args) -> Result<(), String> {
    let paths = ProfilePaths::new(&args.profile);
    let _lock = InstanceLock::acquire(&paths).map_err(|e| e.to_string())?;
    keyring_core::set_default_store(keyring_core::sample::Store::new().map_err(|e| e.to_string())?);
    let app = Kontor::open(paths).await.map_err(|e| e.to_string())?;
    match app.account().await.map_err(|e| e.to_string())? {
        Some(acc) => secrets::set_password(&acc.server_url, &acc.user, &args.password)
            .map_err(|e| e.to_string())?,
        None => {
            app.sign_in(SignIn::to_server(&args.server, &args.user, &args.password))
                .await
                .map_err(|e| format!("sign-in: {e}"))?;
        }
    }
    match args.mode.as_str() {
        "folders" => {
            let n = number(&args.rest, 0, 1)?;
            for _ in 0..n {
                app.refresh_folders()
                    .await
                    .map_err(|e: CoreError| format!("folder refresh: {e}"))?;
            }
        }
        "engine" => {
            // The sync engine until it listens for push with nothing left in the outbox.
            let secs = number(&args.rest, 0, 120)?;
            let mut events = app.subscribe();
            let options = EngineOptions {
                heartbeat: 60,
                backoff_base: Duration::from_millis(200),
                backoff_cap: Duration::from_secs(2),
                window_size: 10,
                request_timeout: Duration::from_secs(20),
                ..EngineOptions::default()
            };
            app.start_sync_with(None, options)
                .await
                .map_err(|e| format!("start sync: {e}"))?;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(secs));
            let mut listening = false;
            loop {
                let ev = tokio::time::timeout_at(deadline, events.recv())
                    .await
                    .map_err(|_| format!("not done within {secs} s"))?;
                let ev = match ev {
                    Ok(ev) => ev,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(e) => return Err(format!("engine events: {e}")),
                };
                progress(&ev);
                match ev {
                    EngineEvent::Listening { .. } => listening = true,
                    EngineEvent::OutboxApplied { .. }
                    | EngineEvent::OutboxConflict { .. }
                    | EngineEvent::OutboxParked { .. } => {}
                    _ => continue,
                }
                if listening && unfinished(&app).await? == 0 {
                    break;
                }
            }
            app.stop_sync().await;
        }
        other => return Err(format!("unknown mode {other:?}")),
    }
    app.store().close().await;
    Ok(())
}

/// Pending and in-flight outbox rows.
async fn unfinished(app: &Kontor) -> Result<i64, String> {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state IN ('pending', 'in_flight')")
        .fetch_one(app.store().pool())
        .await
        .map_err(|e| e.to_string())
}

fn progress(ev: &EngineEvent) {
    #[allow(
        clippy::print_stdout,
        reason = "the test reads how far the process got"
    )]
    {
        println!("event {ev:?}");
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse() {
        Ok(args) => run(args).await,
        Err(e) => Err(format!(
            "usage: kontor-crashtest <profile-dir> <server-url> <user> <password> <mode> [args…]: {e}"
        )),
    };
    match result {
        Ok(()) => {
            #[allow(clippy::print_stdout, reason = "the test reads the result line")]
            {
                println!("done");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            #[allow(clippy::print_stderr, reason = "the test shows the error")]
            {
                eprintln!("kontor-crashtest: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
