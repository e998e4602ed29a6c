//! Nothing from the internet (docs/supply-chain.md#what-kontor-connects-to): the app, signed in
//! as alice against the project's SOGo and syncing mail and calendars, opens network
//! connections only to that server.
//!
//! The app runs under `strace -f`, which records every `connect()` of the app and of every
//! process it starts (WebKit's web and network processes). The account's server is an IP
//! address, so the app needs no name lookup at all: a connection to a DNS server would mean it
//! looked up a name nobody configured. While it runs, alice opens an HTML mail whose remote
//! image and links point at an internet address (192.0.2.1, a documentation address): with
//! remote content blocked, nothing may connect there. Afterwards every IPv4/IPv6 connection
//! in the record must go to 127.0.0.1:20000 (SOGo's ActiveSync and CalDAV), and at least one
//! must (so the observer demonstrably saw the sync). The one exception is the test's own
//! control channel: WebKit's connection to WebKitWebDriver at `WEBKIT_INSPECTOR_SERVER`.
#![allow(
    clippy::print_stdout,
    reason = "the run's log lists the connections it saw"
)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use kontor_e2e_tests::server::{BOB, smtp_deliver, unique};
use kontor_e2e_tests::{
    ALICE, App, app_binary, click_row, progress, require_sogo, row_id, sign_in,
};

/// The only address the app may connect to: SOGo's ActiveSync and CalDAV.
const SERVER: &str = "127.0.0.1:20000";

fn html_mail(subject: &str) -> String {
    format!(
        "From: Bob Baker <bob@kontor.test>\r\nTo: Alice Adler <alice@kontor.test>\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><link rel=\"stylesheet\" href=\"https://192.0.2.1/style.css\"></head><body>\
         <p>Neuer Katalog</p><img src=\"https://192.0.2.1/logo.png\" alt=\"Logo\" width=\"120\" height=\"40\">\
         <img src=\"http://192.0.2.1:8080/pixel.gif\" width=\"1\" height=\"1\">\
         <p><a href=\"https://192.0.2.1/katalog\">Katalog</a></p></body></html>\r\n"
    )
}

/// One `connect()` to an internet-family address seen in the strace record: "addr:port".
fn inet_connects(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in log.lines() {
        if !line.contains("connect(") {
            continue;
        }
        let port = line
            .split("sin_port=htons(")
            .nth(1)
            .or_else(|| line.split("sin6_port=htons(").nth(1))
            .and_then(|r| r.split(')').next());
        let addr = if let Some(r) = line.split("sin_addr=inet_addr(\"").nth(1) {
            r.split('"').next()
        } else if let Some(r) = line.split("inet_pton(AF_INET6, \"").nth(1) {
            r.split('"').next()
        } else {
            None
        };
        if line.contains("AF_INET") {
            match (addr, port) {
                (Some(a), Some(p)) => out.push(format!("{a}:{p}")),
                _ => out.push(format!("unparsed: {line}")),
            }
        }
    }
    out
}

#[test]
fn the_parser_reads_strace_lines() {
    let log = "123 connect(5, {sa_family=AF_UNIX, sun_path=\"/run/x\"}, 110) = 0\n\
               124 connect(7, {sa_family=AF_INET, sin_port=htons(20000), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 EINPROGRESS\n\
               125 connect(8, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"2001:db8::1\", &sin6_addr), sin6_scope_id=0}, 28) = 0\n";
    assert_eq!(
        inet_connects(log),
        vec!["127.0.0.1:20000".to_string(), "2001:db8::1:443".to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signed_in_app_connects_only_to_its_server() {
    require_sogo();
    let work = tempfile::tempdir().expect("temp dir");
    let record = work.path().join("connect.log");
    // The observer: strace follows the app and every process it starts, recording connect().
    let wrapper = work.path().join("kontor-observed");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nenv > '{}'\nexec strace -f -qq --seccomp-bpf -e trace=connect -o '{}' '{}' \"$@\"\n",
            work.path().join("env").display(),
            record.display(),
            app_binary().display()
        ),
    )
    .expect("write the wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let subject = unique("Neuer Katalog");
    smtp_deliver(BOB, ALICE, &html_mail(&subject));

    let profile = tempfile::Builder::new()
        .prefix("kontor-e2e-")
        .tempdir()
        .expect("temp profile");
    let app = App::launch_binary("network", profile, &wrapper).await;
    sign_in(&app, ALICE).await;

    // Mail synced: bob's mail is listed; open it (remote content stays blocked).
    row_id(&app, &subject, 120).await;
    click_row(&app, &subject).await;
    app.wait_for("[data-testid=remote-bar]", Duration::from_secs(60))
        .await;
    // Let the engine go on: push (Ping), the other folders and the calendars sync meanwhile.
    progress("syncing for 20 s under observation");
    tokio::time::sleep(Duration::from_secs(20)).await;
    app.screenshot("network-observed.png").await;
    app.close().await;

    let log = std::fs::read_to_string(&record).expect("read the strace record");
    std::fs::copy(
        work.path().join("env"),
        kontor_e2e_tests::artifacts_dir().join("network-env.txt"),
    )
    .ok();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for c in inet_connects(&log) {
        *seen.entry(c).or_default() += 1;
    }
    println!("network: connections the app made: {seen:?}");
    std::fs::write(
        kontor_e2e_tests::artifacts_dir().join("network-connect.log"),
        &log,
    )
    .ok();
    assert!(
        seen.contains_key(SERVER),
        "no connection to {SERVER} was recorded: the observer did not see the sync"
    );
    // The test's own control channel: under WebDriver, WebKit connects to WebKitWebDriver at
    // the address it was given in WEBKIT_INSPECTOR_SERVER. It exists only in tests.
    let env = std::fs::read_to_string(work.path().join("env")).unwrap_or_default();
    let driver = env
        .lines()
        .find_map(|l| l.strip_prefix("WEBKIT_INSPECTOR_SERVER="))
        .map(str::to_owned);
    println!("network: the WebDriver channel (allowed): {driver:?}");
    let others: Vec<_> = seen
        .keys()
        .filter(|k| k.as_str() != SERVER && Some(k.as_str()) != driver.as_deref())
        .collect();
    assert!(
        others.is_empty(),
        "the app connected to addresses other than its server {SERVER}: {others:?} \
         (the whole record: target/e2e/network-connect.log)"
    );
}
