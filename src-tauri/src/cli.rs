//! The command line. Flags rather than subcommands, because IT scripts call
//! `kontor --reset-profile` and friends (docs/deployment.md#profile-reset). Actions are mutually
//! exclusive (one `ArgGroup`); a new one adds a flag to the group, a variant to [`Action`] and a
//! function here that calls the core and maps its error to an exit code with [`exit_code`].

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use kontor_core::diagnose::{Overrides, Target};
use kontor_core::policy::Policy;
use kontor_core::profile::InstanceLock;
use kontor_core::reset::{ResetOptions, ResetReport};
use kontor_core::{CoreError, ErrorCode, Kontor, Lang, ProfilePaths, SignIn};

/// Kontor: mail and calendars for Kopano/Z-Push and other ActiveSync servers.
#[derive(Debug, Parser)]
#[command(name = "kontor", disable_version_flag = true)]
#[command(group(ArgGroup::new("action").args(["add_account", "reset_profile", "diagnose", "export_logs", "version"]).multiple(false)))]
#[command(group(ArgGroup::new("json_for").args(["diagnose", "version"]).multiple(false)))]
#[command(group(ArgGroup::new("with_credentials").args(["add_account", "diagnose"]).multiple(false)))]
pub struct Cli {
    /// Profile folder (database, settings, logs). Default: the per-user local data folder.
    #[arg(long, value_name = "DIR", env = kontor_core::profile::PROFILE_DIR_ENV, global = true)]
    pub profile_dir: Option<PathBuf>,

    /// Sign in without a window (OPTIONS, Provision, FolderSync), store the password in the
    /// system keychain, print the account and exit. Needs --server, --user and --password-stdin.
    #[arg(long, requires_all = ["server", "user", "password_stdin"])]
    pub add_account: bool,

    /// ActiveSync URL for --add-account or --diagnose, e.g.
    /// https://mail.example.com/Microsoft-Server-ActiveSync
    #[arg(long, value_name = "URL", requires = "with_credentials")]
    pub server: Option<String>,

    /// User name for --add-account or --diagnose.
    #[arg(long, value_name = "NAME", requires = "with_credentials")]
    pub user: Option<String>,

    /// Read the password for --add-account or --diagnose from the first line of standard input.
    #[arg(long, requires = "with_credentials")]
    pub password_stdin: bool,

    /// Check the connection step by step (DNS, TCP, TLS, sign-in, ActiveSync OPTIONS, Provision,
    /// FolderSync, CalDAV) and print a report; the exit code names the first failure. Uses the
    /// profile's account and saved password unless --server/--user/--password-stdin are given.
    #[arg(long)]
    pub diagnose: bool,

    /// Print the version and exit. With --json: version, git commit, build date, target and the
    /// SHA-256 of the bills of materials (SBOM) the build was made with, for inventory tools.
    #[arg(short = 'V', long)]
    pub version: bool,

    /// With --diagnose or --version: print the result as JSON.
    #[arg(long, requires = "json_for")]
    pub json: bool,

    /// With --diagnose: also check this CalDAV address (default: policy CalDavUrl, then the
    /// user's setting).
    #[arg(long, value_name = "URL", requires = "diagnose")]
    pub caldav_url: Option<String>,

    /// Write a zip of the log files, the settings (without secrets), profile.json and version
    /// information to PATH (a file name, or a folder to put kontor-logs-<time>.zip in).
    #[arg(long, value_name = "PATH")]
    pub export_logs: Option<PathBuf>,

    /// Repair a profile without a window: move the local cache aside to
    /// <profile>/reset-<UTC time>/ (restorable) and start from an empty one. Keeps the DeviceId,
    /// the account, the settings, the saved password and pending changes unless told otherwise.
    /// Refuses while Kontor runs on the profile.
    #[arg(long)]
    pub reset_profile: bool,

    /// With --reset-profile: also remove the saved passwords from the system keychain.
    #[arg(long, requires = "reset_profile")]
    pub forget_credentials: bool,

    /// With --reset-profile: also drop changes not yet sent to the server (they stay in the
    /// moved-aside copy).
    #[arg(long, requires = "reset_profile")]
    pub discard_outbox: bool,

    /// A mailto: link (RFC 6068) to write to, a saved message (an .eml file) to read, or a
    /// calendar file (an .ics file) to import: opens a filled compose window, a reader window or
    /// the import dialog, in the window of this profile that is already running if there is
    /// one. What the system's mailto:, .eml and .ics handler registrations call.
    #[arg(value_name = "MAILTO|FILE.eml|FILE.ics", value_parser = open_target, conflicts_with = "action")]
    pub open: Option<OpenTarget>,

    /// Start without showing the main window: mail sync, reminders and the notification-area
    /// icon run; opening Kontor again shows the window. What the session start entry
    /// (the Autostart setting) calls. A second start with it while Kontor runs does nothing.
    #[arg(long, conflicts_with_all = ["action", "open"])]
    pub background: bool,

    /// Also print the log lines on standard error. Without it a command-line flag prints only
    /// its result (and plain error messages); the log lines go to <profile>/logs/ either way.
    #[arg(long, global = true)]
    pub verbose: bool,
}

/// What this run does.
#[derive(Debug)]
pub enum Action {
    /// Open the main window (the default).
    Window,
    AddAccount(AddAccount),
    ResetProfile(ResetOptions),
    Diagnose(Diagnose),
    ExportLogs(PathBuf),
    /// `--version`, as JSON with `--json`.
    Version {
        json: bool,
    },
}

#[derive(Debug)]
pub struct Diagnose {
    pub server: Option<String>,
    pub user: Option<String>,
    pub password_stdin: bool,
    pub caldav_url: Option<String>,
    pub json: bool,
}

#[derive(Debug)]
pub struct AddAccount {
    pub server: String,
    pub user: String,
}

/// What the positional argument asks the window to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenTarget {
    /// A `mailto:` link: a compose window.
    Mailto(String),
    /// A saved message (absolute path): a reader window.
    Message(std::path::PathBuf),
    /// A calendar file (absolute path): the main window's import dialog.
    Calendar(std::path::PathBuf),
}

impl OpenTarget {
    /// The positional argument of a start (this one's, or a second start's handed to the
    /// running window with its working directory): a `mailto:` link, or a path (or `file:`
    /// URL, as file managers pass it) of an `.eml` or `.ics` file, made absolute against `cwd`.
    pub fn parse(arg: &str, cwd: &std::path::Path) -> Result<OpenTarget, String> {
        if arg
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        {
            return if arg.len() > 7 {
                Ok(OpenTarget::Mailto(arg.to_owned()))
            } else {
                Err(format!("{arg:?} is a mailto: link without an address"))
            };
        }
        let path = if arg
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("file://"))
        {
            url::Url::parse(arg)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .ok_or_else(|| format!("{arg:?} is not a file URL this system can open"))?
        } else {
            std::path::PathBuf::from(arg)
        };
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("eml") => Ok(OpenTarget::Message(cwd.join(path))),
            Some("ics" | "ical" | "ifb" | "vcs") => Ok(OpenTarget::Calendar(cwd.join(path))),
            _ => Err(format!(
                "{arg:?} is neither a mailto: link nor a saved message (an .eml file) nor a \
                 calendar file (an .ics file)"
            )),
        }
    }
}

/// The positional argument: a `mailto:` link, an `.eml` or an `.ics` file
/// ([`OpenTarget::parse`]).
fn open_target(arg: &str) -> Result<OpenTarget, String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    OpenTarget::parse(arg, &cwd)
}

impl Cli {
    pub fn action(&self) -> Action {
        if self.version {
            return Action::Version { json: self.json };
        }
        if self.diagnose {
            return Action::Diagnose(Diagnose {
                server: self.server.clone(),
                user: self.user.clone(),
                password_stdin: self.password_stdin,
                caldav_url: self.caldav_url.clone(),
                json: self.json,
            });
        }
        if let Some(path) = &self.export_logs {
            return Action::ExportLogs(path.clone());
        }
        if self.reset_profile {
            return Action::ResetProfile(ResetOptions {
                forget_credentials: self.forget_credentials,
                discard_outbox: self.discard_outbox,
            });
        }
        match (&self.add_account, &self.server, &self.user) {
            (true, Some(server), Some(user)) => Action::AddAccount(AddAccount {
                server: server.clone(),
                user: user.clone(),
            }),
            // clap's `requires_all` makes --add-account without --server/--user a usage error.
            _ => Action::Window,
        }
    }
}

/// `--reset-profile` finished, but some user data stayed only in the moved-aside copy (the
/// report says which). Not an [`ErrorCode`]: the reset itself happened.
pub const EXIT_RESET_WITH_WARNINGS: u8 = 3;

/// Exit codes of window-less actions, one per [`ErrorCode`] so scripts can branch on them.
/// 0 is success and 2 is a usage error (clap's own).
pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::Internal => 1,
        ErrorCode::AuthFailed => 10,
        ErrorCode::Unreachable => 11,
        ErrorCode::NotActiveSync => 12,
        ErrorCode::ServerError => 13,
        ErrorCode::Tls => 14,
        ErrorCode::Keychain => 15,
        ErrorCode::Storage => 16,
        ErrorCode::InvalidInput => 17,
        ErrorCode::NotSignedIn => 18,
        ErrorCode::InstanceRunning => 19,
        ErrorCode::ServerNotFound => 20,
        // No window-less action gives work up for newer work; listed so the codes stay distinct.
        ErrorCode::Cancelled => 21,
    }
}

/// The language for terminal output, from the usual locale variables.
pub fn terminal_lang() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .map(|v| Lang::from_tag(&v))
        .next()
        .unwrap_or_default()
}

/// Reads one line from `input`, without its line ending; an empty password is refused.
pub fn read_password(input: &mut impl BufRead) -> Result<String, CoreError> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(|source| CoreError::Io {
        context: "reading the password from standard input".into(),
        source,
    })?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(CoreError::InvalidInput(
            "--password-stdin read an empty password".into(),
        ));
    }
    Ok(password.to_owned())
}

/// Prints a core error for a person (localized message, then the technical detail) and returns
/// its exit code.
#[allow(
    clippy::print_stderr,
    reason = "a command-line action reports to the terminal"
)]
pub fn report_error(err: &CoreError, lang: Lang) -> ExitCode {
    let ipc = err.to_ipc(lang);
    eprintln!("kontor: {}", ipc.message);
    eprintln!("  ({:?}) {}", ipc.code, ipc.detail);
    ExitCode::from(exit_code(ipc.code))
}

/// `--add-account`: the same core call as the account screen's "Sign in" button.
#[allow(
    clippy::print_stdout,
    reason = "a command-line action reports to the terminal"
)]
pub fn add_account(profile_dir: Option<PathBuf>, args: AddAccount) -> ExitCode {
    let lang = terminal_lang();
    let result = read_password(&mut std::io::stdin().lock()).and_then(|password| {
        tauri::async_runtime::block_on(async move {
            let paths = ProfilePaths::resolve(profile_dir)?;
            // Like the window: never two writers on one profile.
            let _instance = InstanceLock::acquire(&paths)?;
            kontor_core::secrets::use_platform_store()?;
            let app = Kontor::open(paths).await?;
            app.sign_in(SignIn::to_server(&args.server, &args.user, &password))
                .await
        })
    });
    match result {
        Ok(account) => {
            let text = match lang {
                Lang::En => "Signed in",
                Lang::De => "Angemeldet",
            };
            println!(
                "{text}: {} @ {} (ActiveSync {})",
                account.user, account.server_url, account.protocol_version
            );
            let _ = std::io::stdout().flush();
            ExitCode::SUCCESS
        }
        Err(e) => report_error(&e, lang),
    }
}

/// `--reset-profile`: the same core call a "reset" button would make. Prints what it did.
#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line action reports to the terminal"
)]
pub fn reset_profile(profile_dir: Option<PathBuf>, opts: ResetOptions) -> ExitCode {
    let lang = terminal_lang();
    let result: Result<ResetReport, CoreError> = tauri::async_runtime::block_on(async move {
        let paths = ProfilePaths::resolve(profile_dir)?;
        if opts.forget_credentials {
            kontor_core::secrets::use_platform_store()?;
        }
        kontor_core::reset::reset_profile(&paths, opts).await
    });
    match result {
        Ok(report) => {
            for line in report.lines(lang) {
                println!("{line}");
            }
            let _ = std::io::stdout().flush();
            if report.has_warnings() {
                eprintln!(
                    "kontor: {}",
                    lang.pick(
                        "the profile was reset, but some user data stayed in the moved-aside copy (see above).",
                        "das Profil wurde zurückgesetzt, aber einige Benutzerdaten liegen nur in der beiseitegelegten Kopie (siehe oben).",
                    )
                );
                ExitCode::from(EXIT_RESET_WITH_WARNINGS)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => report_error(&e, lang),
    }
}

/// `--diagnose`: checks the connection step by step and prints the report (text or JSON). The
/// exit code is the first failure's (see [`exit_code`]), 0 when every check passed.
#[allow(
    clippy::print_stdout,
    reason = "a command-line action reports to the terminal"
)]
pub fn diagnose(profile_dir: Option<PathBuf>, args: Diagnose) -> ExitCode {
    let lang = terminal_lang();
    let json = args.json;
    let result = (|| {
        let password = if args.password_stdin {
            Some(read_password(&mut std::io::stdin().lock())?)
        } else {
            None
        };
        tauri::async_runtime::block_on(async move {
            let paths = ProfilePaths::resolve(profile_dir)?;
            let policy = Policy::load();
            // The saved password of the profile's account comes from the keychain; without an
            // account (and no --server/--user) there is nothing to read, and the report says
            // "not signed in" rather than a keychain error.
            let has_account = std::fs::read(paths.profile_file())
                .ok()
                .and_then(|b| serde_json::from_slice::<kontor_core::profile::ProfileFile>(&b).ok())
                .is_some_and(|p| !p.accounts.is_empty());
            if password.is_none() && (has_account || args.user.is_some()) {
                kontor_core::secrets::use_platform_store()?;
            }
            let target = Target::for_profile(
                &paths,
                &policy,
                Overrides {
                    server_url: args.server,
                    user: args.user,
                    password,
                    caldav_url: args.caldav_url,
                },
            )
            .await?;
            tracing::info!(?target, "diagnose");
            Ok::<_, CoreError>(kontor_core::diagnose::run(&target, &policy).await)
        })
    })();
    match result {
        Ok(report) => {
            tracing::info!(outcome = ?report.outcome, "diagnose finished");
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                for line in report.lines(lang) {
                    println!("{line}");
                }
            }
            let _ = std::io::stdout().flush();
            match report.outcome {
                None => ExitCode::SUCCESS,
                Some(code) => ExitCode::from(exit_code(code)),
            }
        }
        Err(e) if json => {
            let ipc = e.to_ipc(lang);
            println!("{}", serde_json::json!({ "error": ipc }));
            let _ = std::io::stdout().flush();
            ExitCode::from(exit_code(ipc.code))
        }
        Err(e) => report_error(&e, lang),
    }
}

/// What `--version --json` reports: which build this is, for inventory tools
/// (docs/supply-chain.md#which-build-runs-where). Filled by the build script (build.rs).
#[derive(Debug, serde::Serialize)]
pub struct BuildInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// The git commit the build was made from, 40 hex digits ("unknown" outside a checkout).
    pub commit: &'static str,
    /// The commit's date in UTC (or SOURCE_DATE_EPOCH): the same for every build of a commit.
    pub build_date: &'static str,
    pub target: &'static str,
    pub profile: &'static str,
    /// SHA-256 of the CycloneDX files the release build made and ships beside the binary.
    pub sbom: SbomHashes,
}

#[derive(Debug, serde::Serialize)]
pub struct SbomHashes {
    /// `kontor-rust.cdx.json`: the Rust crates in this binary.
    pub rust_sha256: Option<&'static str>,
    /// `kontor-ui.cdx.json`: the npm packages in the embedded UI.
    pub ui_sha256: Option<&'static str>,
}

impl BuildInfo {
    pub fn current() -> Self {
        BuildInfo {
            name: "kontor",
            version: env!("CARGO_PKG_VERSION"),
            commit: env!("KONTOR_BUILD_COMMIT"),
            build_date: env!("KONTOR_BUILD_DATE"),
            target: env!("KONTOR_BUILD_TARGET"),
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            sbom: SbomHashes {
                rust_sha256: option_env!("KONTOR_SBOM_RUST_SHA256").filter(|s| !s.is_empty()),
                ui_sha256: option_env!("KONTOR_SBOM_UI_SHA256").filter(|s| !s.is_empty()),
            },
        }
    }
}

pub fn version_text(info: &BuildInfo) -> String {
    format!("{} {}", info.name, info.version)
}

pub fn version_json(info: &BuildInfo) -> String {
    serde_json::to_string_pretty(info).unwrap_or_default()
}

/// `--version [--json]`.
#[allow(
    clippy::print_stdout,
    reason = "the version is the flag's output, on stdout for scripts"
)]
pub fn version(json: bool) -> ExitCode {
    let info = BuildInfo::current();
    if json {
        println!("{}", version_json(&info));
    } else {
        println!("{}", version_text(&info));
    }
    ExitCode::SUCCESS
}

/// `--export-logs PATH`: the support zip. The account's saved password (if the keychain gives
/// it) is redacted wherever it might appear.
#[allow(
    clippy::print_stdout,
    reason = "a command-line action reports to the terminal"
)]
pub fn export_logs(profile_dir: Option<PathBuf>, dest: PathBuf) -> ExitCode {
    let lang = terminal_lang();
    let result = tauri::async_runtime::block_on(async move {
        let paths = ProfilePaths::resolve(profile_dir)?;
        let policy = Policy::load();
        let mut secrets = Vec::new();
        if let Ok(Some(profile)) = std::fs::read(paths.profile_file())
            .map(|b| serde_json::from_slice::<kontor_core::profile::ProfileFile>(&b).ok())
        {
            // Best effort: without a keychain there is no password to redact either.
            if kontor_core::secrets::use_platform_store().is_ok() {
                for a in &profile.accounts {
                    if let Ok(Some(p)) = kontor_core::secrets::password(&a.server_url, &a.user) {
                        secrets.push(p);
                    }
                }
            }
        }
        kontor_core::logs::export_logs(&paths, &policy, &dest, &secrets).await
    });
    match result {
        Ok(report) => {
            println!(
                "{}: {} ({} {})",
                lang.pick("Logs exported to", "Protokolle exportiert nach"),
                report.path.display(),
                report.entries.len(),
                lang.pick("files", "Dateien"),
            );
            for e in &report.entries {
                println!("  {e}");
            }
            let _ = std::io::stdout().flush();
            ExitCode::SUCCESS
        }
        Err(e) => report_error(&e, lang),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("kontor").chain(args.iter().copied()))
    }

    #[test]
    fn no_flags_opens_the_window() {
        let cli = parse(&[]).unwrap();
        assert!(matches!(cli.action(), Action::Window));
    }

    #[test]
    fn a_mailto_link_or_an_eml_file_opens_the_window_with_it_and_nothing_else_is_taken() {
        let cli = parse(&["mailto:bob@kontor.test?subject=Hallo"]).unwrap();
        assert!(matches!(cli.action(), Action::Window));
        assert_eq!(
            cli.open,
            Some(OpenTarget::Mailto(
                "mailto:bob@kontor.test?subject=Hallo".into()
            ))
        );
        assert_eq!(
            parse(&["MAILTO:bob@kontor.test"]).unwrap().open,
            Some(OpenTarget::Mailto("MAILTO:bob@kontor.test".into()))
        );
        assert!(
            parse(&["bob@kontor.test"]).is_err(),
            "neither a link nor a file"
        );
        assert!(parse(&["mailto:"]).is_err(), "an empty link");
        assert!(
            parse(&["--reset-profile", "mailto:bob@kontor.test"]).is_err(),
            "a link with a command-line action"
        );
        assert!(parse(&["--reset-profile", "a.eml"]).is_err());
        assert!(parse(&["notes.txt"]).is_err(), "not a saved message");
        assert!(parse(&["--reset-profile", "termine.ics"]).is_err());

        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            parse(&["Angebot.EML"]).unwrap().open,
            Some(OpenTarget::Message(cwd.join("Angebot.EML")))
        );
        // Relative to the start's working directory, also when handed to a running window.
        let dir = std::env::temp_dir();
        assert_eq!(
            OpenTarget::parse("mails/a.eml", &dir),
            Ok(OpenTarget::Message(dir.join("mails/a.eml")))
        );
        let absolute = dir.join("b.eml");
        assert_eq!(
            OpenTarget::parse(absolute.to_str().unwrap(), Path::new("/elsewhere")),
            Ok(OpenTarget::Message(absolute.clone()))
        );
        let url = url::Url::from_file_path(&absolute).unwrap();
        assert_eq!(
            OpenTarget::parse(url.as_str(), Path::new("/elsewhere")),
            Ok(OpenTarget::Message(absolute))
        );
        // Calendar files: the import dialog.
        assert_eq!(
            parse(&["Termine.ICS"]).unwrap().open,
            Some(OpenTarget::Calendar(cwd.join("Termine.ICS")))
        );
        let ics = dir.join("c.ics");
        let url = url::Url::from_file_path(&ics).unwrap();
        assert_eq!(
            OpenTarget::parse(url.as_str(), Path::new("/elsewhere")),
            Ok(OpenTarget::Calendar(ics))
        );
    }

    #[test]
    fn add_account_needs_server_user_and_password_stdin() {
        assert!(parse(&["--add-account"]).is_err());
        assert!(parse(&["--add-account", "--server", "http://s", "--user", "u"]).is_err());
        assert!(
            parse(&["--server", "http://s"]).is_err(),
            "--server alone is a usage error"
        );
        let cli = parse(&[
            "--add-account",
            "--server",
            "http://s/Microsoft-Server-ActiveSync",
            "--user",
            "alice",
            "--password-stdin",
            "--profile-dir",
            "/tmp/p",
        ])
        .unwrap();
        assert_eq!(cli.profile_dir, Some(PathBuf::from("/tmp/p")));
        match cli.action() {
            Action::AddAccount(a) => {
                assert_eq!(a.server, "http://s/Microsoft-Server-ActiveSync");
                assert_eq!(a.user, "alice");
            }
            other => panic!("expected AddAccount, got {other:?}"),
        }
    }

    #[test]
    fn reset_profile_flags() {
        match parse(&["--reset-profile"]).unwrap().action() {
            Action::ResetProfile(o) => assert_eq!(o, ResetOptions::default()),
            other => panic!("expected ResetProfile, got {other:?}"),
        }
        let cli = parse(&[
            "--reset-profile",
            "--forget-credentials",
            "--discard-outbox",
            "--profile-dir",
            "/tmp/p",
        ])
        .unwrap();
        match cli.action() {
            Action::ResetProfile(o) => assert!(o.forget_credentials && o.discard_outbox),
            other => panic!("expected ResetProfile, got {other:?}"),
        }
        assert!(parse(&["--forget-credentials"]).is_err());
        assert!(parse(&["--discard-outbox"]).is_err());
        assert!(
            parse(&[
                "--reset-profile",
                "--add-account",
                "--server",
                "http://s",
                "--user",
                "u",
                "--password-stdin"
            ])
            .is_err(),
            "one action per run"
        );
    }

    #[test]
    fn diagnose_and_export_flags() {
        match parse(&["--diagnose"]).unwrap().action() {
            Action::Diagnose(d) => {
                assert!(!d.json && d.server.is_none() && !d.password_stdin);
            }
            other => panic!("expected Diagnose, got {other:?}"),
        }
        let cli = parse(&[
            "--diagnose",
            "--json",
            "--server",
            "http://s",
            "--user",
            "it",
            "--password-stdin",
            "--caldav-url",
            "http://s/dav/",
        ])
        .unwrap();
        match cli.action() {
            Action::Diagnose(d) => {
                assert!(d.json && d.password_stdin);
                assert_eq!(d.server.as_deref(), Some("http://s"));
                assert_eq!(d.user.as_deref(), Some("it"));
                assert_eq!(d.caldav_url.as_deref(), Some("http://s/dav/"));
            }
            other => panic!("expected Diagnose, got {other:?}"),
        }
        assert!(parse(&["--json"]).is_err(), "--json needs --diagnose");
        assert!(parse(&["--caldav-url", "http://x"]).is_err());
        assert!(parse(&["--diagnose", "--reset-profile"]).is_err());
        assert!(
            parse(&[
                "--diagnose",
                "--add-account",
                "--server",
                "s",
                "--user",
                "u",
                "--password-stdin"
            ])
            .is_err()
        );
        match parse(&["--export-logs", "/tmp/x.zip"]).unwrap().action() {
            Action::ExportLogs(p) => assert_eq!(p, PathBuf::from("/tmp/x.zip")),
            other => panic!("expected ExportLogs, got {other:?}"),
        }
        assert!(parse(&["--export-logs"]).is_err());
        assert!(parse(&["--export-logs", "x", "--diagnose"]).is_err());
    }

    #[test]
    fn version_flags() {
        assert!(matches!(
            parse(&["--version"]).unwrap().action(),
            Action::Version { json: false }
        ));
        assert!(matches!(
            parse(&["-V", "--json"]).unwrap().action(),
            Action::Version { json: true }
        ));
        assert!(matches!(
            parse(&["--diagnose", "--json"]).unwrap().action(),
            Action::Diagnose(Diagnose { json: true, .. })
        ));
        // --json alone says nothing; --version does not combine with another action.
        assert!(parse(&["--json"]).is_err());
        assert!(parse(&["--version", "--diagnose"]).is_err());
        assert!(parse(&["--version", "--reset-profile"]).is_err());
    }

    #[test]
    fn version_text_and_json() {
        let info = BuildInfo::current();
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(
            version_text(&info),
            format!("kontor {}", env!("CARGO_PKG_VERSION"))
        );
        let v: serde_json::Value = serde_json::from_str(&version_json(&info)).unwrap();
        assert_eq!(v["name"], "kontor");
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        // The build script fills these from git and the compiler's target.
        let commit = v["commit"].as_str().unwrap();
        assert!(
            commit == "unknown"
                || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
            "{commit}"
        );
        let date = v["build_date"].as_str().unwrap();
        assert!(date.len() == 20 && date.ends_with('Z'), "{date}");
        assert!(v["target"].as_str().unwrap().contains('-'));
        assert!(v["profile"] == "release" || v["profile"] == "debug");
        assert!(v["sbom"].is_object());
    }

    #[test]
    fn password_line_endings_are_stripped_and_empty_is_refused() {
        assert_eq!(read_password(&mut "s3cret\n".as_bytes()).unwrap(), "s3cret");
        assert_eq!(
            read_password(&mut "s3cret\r\nrest".as_bytes()).unwrap(),
            "s3cret"
        );
        assert_eq!(
            read_password(&mut " spaced ".as_bytes()).unwrap(),
            " spaced "
        );
        assert!(matches!(
            read_password(&mut "\n".as_bytes()),
            Err(CoreError::InvalidInput(_))
        ));
        assert!(matches!(
            read_password(&mut "".as_bytes()),
            Err(CoreError::InvalidInput(_))
        ));
    }

    #[test]
    fn exit_codes_are_distinct() {
        let codes = [
            ErrorCode::Internal,
            ErrorCode::AuthFailed,
            ErrorCode::Unreachable,
            ErrorCode::NotActiveSync,
            ErrorCode::ServerError,
            ErrorCode::Tls,
            ErrorCode::Keychain,
            ErrorCode::Storage,
            ErrorCode::InvalidInput,
            ErrorCode::NotSignedIn,
            ErrorCode::InstanceRunning,
            ErrorCode::ServerNotFound,
            ErrorCode::Cancelled,
        ];
        let mut seen: Vec<u8> = codes.iter().map(|c| exit_code(*c)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), codes.len());
        assert!(!seen.contains(&0) && !seen.contains(&2));
        assert!(!seen.contains(&EXIT_RESET_WITH_WARNINGS));
    }
}
