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
//!
//! It prints `done` on standard output and exits 0 when the mode finished; any error exits 1
//! with the error on standard error. The keychain is keyring-core's in-memory store, filled
//! from the command line at every start.

use std::process::ExitCode;

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
            app.sign_in(SignIn {
                server_url: args.server.clone(),
                user: args.user.clone(),
                password: args.password.clone(),
            })
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
        other => return Err(format!("unknown mode {other:?}")),
    }
    app.store().close().await;
    Ok(())
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
