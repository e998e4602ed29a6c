//! The built `kontor` binary's window-less flags against the real SOGo (started by
//! `tests/servers/start`): `--diagnose` exit codes by outcome, `--json`, `--export-logs` with
//! no password inside, the log file, and `--add-account` refusing a profile in use.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const SOGO_EAS_URL: &str = "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync";
const SOGO_DAV_URL: &str = "http://127.0.0.1:20000/SOGo/dav/";
const PASSWORD: &str = "alice123";

fn require_sogo() {
    let addr = "127.0.0.1:20000".parse().unwrap();
    if TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_err() {
        panic!(
            "SOGo is not listening on 127.0.0.1:20000. Start the test servers with `tests/servers/start`."
        );
    }
}

/// Runs kontor with `args` on `profile`, `stdin` as standard input, English output.
fn kontor(profile: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(args)
        .arg("--profile-dir")
        .arg(profile)
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("KONTOR_POLICY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kontor binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn diagnose(profile: &Path, server: &str, password: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--diagnose",
        "--server",
        server,
        "--user",
        "alice",
        "--password-stdin",
    ];
    args.extend_from_slice(extra);
    kontor(profile, &args, &format!("{password}\n"))
}

#[test]
fn diagnose_against_sogo_passes_with_exit_0_and_writes_the_log() {
    require_sogo();
    let dir = tempfile::tempdir().unwrap();
    let out = diagnose(
        dir.path(),
        SOGO_EAS_URL,
        PASSWORD,
        &["--caldav-url", SOGO_DAV_URL],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("All checks passed."), "{t}");
    assert!(stdout.contains("[OK     ] Folder list"), "{t}");
    assert!(stdout.contains("[OK     ] Calendars (CalDAV)"), "{t}");
    assert!(!t.contains(PASSWORD), "{t}");

    // Every run logs to <profile>/logs/.
    let logs: String = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(logs.contains("kontor starts"), "{logs}");
    assert!(logs.contains("diagnose finished"), "{logs}");
    assert!(!logs.contains(PASSWORD), "{logs}");
}

#[test]
fn diagnose_json_is_machine_readable_and_german_text_is_german() {
    require_sogo();
    let dir = tempfile::tempdir().unwrap();
    let out = diagnose(dir.path(), SOGO_EAS_URL, PASSWORD, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["outcome"], serde_json::Value::Null);
    assert_eq!(v["user"], "alice");
    let names: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "dns",
            "tcp",
            "tls",
            "auth",
            "options",
            "provision",
            "folder_sync",
            "caldav"
        ]
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_kontor"))
        .args(["--diagnose", "--server", SOGO_EAS_URL, "--user", "alice"])
        .args(["--password-stdin", "--profile-dir"])
        .arg(dir.path())
        .env("LANG", "de_DE.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"wrong\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out));
    assert!(stdout.contains("[FEHLER ] Anmeldung"), "{stdout}");
    assert!(stdout.contains("Ergebnis:"), "{stdout}");
}

#[test]
fn diagnose_closed_port_exits_with_the_network_code() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/SOGo/Microsoft-Server-ActiveSync");
    let out = diagnose(dir.path(), &url, PASSWORD, &[]);
    assert_eq!(out.status.code(), Some(11), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("[FAILED ] Connection (TCP)"),
        "{}",
        text(&out)
    );
}

/// A flag prints its result alone: the log lines go to the log file, and to standard error only
/// with --verbose (never with colour codes when it is not a terminal).
#[test]
fn diagnose_prints_only_its_report_unless_verbose() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/SOGo/Microsoft-Server-ActiveSync");

    let dir = tempfile::tempdir().unwrap();
    let out = diagnose(dir.path(), &url, PASSWORD, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("[FAILED ] Connection (TCP)"),
        "{}",
        text(&out)
    );
    assert!(!stdout.contains("kontor starts"), "{}", text(&out));
    assert!(!stderr.contains("kontor starts"), "{}", text(&out));
    assert!(!text(&out).contains('\u{1b}'), "{}", text(&out));
    let logs: String = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(logs.contains("kontor starts"), "{logs}");

    let dir = tempfile::tempdir().unwrap();
    let out = diagnose(dir.path(), &url, PASSWORD, &["--verbose"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kontor starts"), "{}", text(&out));
    assert!(!stderr.contains('\u{1b}'), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("[FAILED ] Connection (TCP)"),
        "{}",
        text(&out)
    );
}

#[test]
fn diagnose_wrong_password_exits_with_the_auth_code() {
    require_sogo();
    let dir = tempfile::tempdir().unwrap();
    let out = diagnose(dir.path(), SOGO_EAS_URL, "not-alices-password", &["--json"]);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "auth_failed");
    assert!(!text(&out).contains("not-alices-password"));
}

#[test]
fn diagnose_without_an_account_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = kontor(dir.path(), &["--diagnose", "--json"], "");
    assert_eq!(out.status.code(), Some(18), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "not_signed_in");
}

#[test]
fn export_logs_writes_a_zip_without_the_password() {
    require_sogo();
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    // The profile exists (profile.json with its DeviceId), as on any machine that ran Kontor.
    kontor_core::profile::ProfileFile::load_or_create(&kontor_core::ProfilePaths::new(&profile))
        .unwrap();
    // A run that handles the password and logs, first.
    let out = diagnose(&profile, SOGO_EAS_URL, PASSWORD, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let zip_path = dir.path().join("support.zip");
    let out = kontor(&profile, &["--export-logs", zip_path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Logs exported to"),
        "{}",
        text(&out)
    );
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut names = Vec::new();
    let mut all = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        names.push(f.name().unwrap().to_string());
        f.read_to_string(&mut all).unwrap();
    }
    assert!(
        names.iter().any(|n| n.starts_with("logs/kontor.")),
        "{names:?}"
    );
    for n in ["profile.json", "settings.json", "system.json"] {
        assert!(names.iter().any(|x| x == n), "{n} missing: {names:?}");
    }
    assert!(
        all.contains("deviceId"),
        "profile.json carries the DeviceId"
    );
    assert!(all.contains("diagnose finished"), "the log is inside");
    assert!(!all.contains(PASSWORD), "no password in the export");
}

#[test]
fn add_account_refuses_a_profile_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let paths = kontor_core::ProfilePaths::new(dir.path());
    let _running = kontor_core::profile::InstanceLock::acquire(&paths).unwrap();
    let out = kontor(
        dir.path(),
        &[
            "--add-account",
            "--server",
            SOGO_EAS_URL,
            "--user",
            "alice",
            "--password-stdin",
        ],
        "alice123\n",
    );
    assert_eq!(out.status.code(), Some(19), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already running"),
        "{}",
        text(&out)
    );
}
