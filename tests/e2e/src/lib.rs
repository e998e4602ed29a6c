//! # kontor-e2e-tests — the real app in a real window
//!
//! Each test starts its own `tauri-driver` (which starts WebKitWebDriver, which starts the
//! `kontor` binary with a fresh `--profile-dir`) and drives the window over W3C WebDriver with
//! `fantoccini`. The surrounding environment comes from `scripts/e2e`: an Xvfb display, a
//! private D-Bus session bus and an unlocked gnome-keyring, so the app's keychain calls hit a
//! real Secret Service. The servers come from `tests/servers/start`.
//!
//! Nothing here skips: a missing display, driver, app binary or server is a failure that says
//! what to run. The UI's `data-testid` attributes are the contract with these tests.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::{Client, Locator};

// The servers' facts, as in tests/live (kept here so this crate builds without the core: the app
// under test is the binary `scripts/build-app` made, not a library linked into the test).
/// SOGo's ActiveSync endpoint.
pub const SOGO_EAS_URL: &str = "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync";

/// A seeded test user.
#[derive(Debug, Clone, Copy)]
pub struct User {
    pub name: &'static str,
    pub password: &'static str,
}

pub const ALICE: User = User {
    name: "alice",
    password: "alice123",
};

/// Fails with a plain instruction when SOGo does not answer.
pub fn require_sogo() {
    let addr = "127.0.0.1:20000".parse().expect("socket address");
    if TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_err() {
        panic!(
            "SOGo is not listening on 127.0.0.1:20000: start the servers with `tests/servers/start`"
        );
    }
}
use tempfile::TempDir;

/// Appends a timestamped line to `target/e2e/progress.log`, so a stalled run shows its last step.
pub fn progress(what: &str) {
    use std::io::Write;
    let line = format!("{:?} {what}\n", std::time::SystemTime::now());
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(artifacts_dir().join("progress.log"))
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// Bounds one WebDriver call: a driver that stops answering fails the test instead of hanging it.
pub async fn bounded<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    progress(what);
    match tokio::time::timeout(Duration::from_secs(30), fut).await {
        Ok(v) => v,
        Err(_) => {
            progress(&format!("TIMEOUT {what}"));
            panic!("WebDriver call `{what}` did not answer within 30 s")
        }
    }
}

/// The workspace's target folder (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// Where screenshots and driver logs go: `target/e2e/`.
pub fn artifacts_dir() -> PathBuf {
    let dir = target_dir().join("e2e");
    std::fs::create_dir_all(&dir).expect("create target/e2e");
    dir
}

/// The app under test: `KONTOR_APP_BIN`, else `target/app/kontor` as `scripts/build-app` leaves it.
pub fn app_binary() -> PathBuf {
    let bin = std::env::var_os("KONTOR_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("app/kontor"));
    assert!(
        bin.is_file(),
        "the app binary {} does not exist: build it with `scripts/build-app` (embedded UI)",
        bin.display()
    );
    bin
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("KONTOR_TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("HOME or CARGO_HOME is set");
    let p = cargo_home.join("bin/tauri-driver");
    assert!(
        p.is_file(),
        "tauri-driver is not installed at {}: run `scripts/deps-app`",
        p.display()
    );
    p
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("addr")
        .port()
}

/// One running app: its WebDriver client, the driver process and the profile folder.
#[derive(Debug)]
pub struct App {
    pub client: Client,
    driver: Child,
    pub profile: TempDir,
    name: String,
}

impl App {
    /// Starts `kontor --profile-dir <fresh temp dir>` in a window and connects to it.
    pub async fn launch(name: &str) -> App {
        for var in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
            assert!(
                std::env::var_os(var).is_some_and(|v| !v.is_empty()),
                "{var} is not set: run the end-to-end tests through `scripts/e2e` \
                 (Xvfb, D-Bus session and gnome-keyring)"
            );
        }
        let bin = app_binary();
        let profile = tempfile::Builder::new()
            .prefix("kontor-e2e-")
            .tempdir()
            .expect("temp profile");
        let (port, native_port) = (free_port(), free_port());
        let log_path = artifacts_dir().join(format!("{name}.driver.log"));
        let log = File::create(&log_path).expect("create driver log");
        let driver = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .spawn()
            .expect("start tauri-driver");
        let mut app = App {
            client: connect(port, &bin, profile.path()).await,
            driver,
            profile,
            name: name.into(),
        };
        // A generous implicit budget for slow first paints on a loaded 2-core machine.
        bounded("set window size", app.client.set_window_size(1100, 720))
            .await
            .ok();
        app.name = name.into();
        app
    }

    /// Waits until `css` matches an element, or fails with what the page showed.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> fantoccini::elements::Element {
        let start = Instant::now();
        // Poll with one small script call: WebKitWebDriver's element lookup has been seen to
        // stall while the page re-renders under load, script calls have not. The element
        // itself is looked up once it is known to be there.
        let probe = "return document.querySelector(arguments[0]) !== null;";
        loop {
            let present = bounded(
                &format!("probe {css}"),
                self.client.execute(probe, vec![serde_json::json!(css)]),
            )
            .await;
            if matches!(present, Ok(serde_json::Value::Bool(true)))
                && let Ok(e) =
                    bounded(&format!("find {css}"), self.client.find(Locator::Css(css))).await
            {
                return e;
            }
            if start.elapsed() > timeout {
                self.fail(&format!("no element matched `{css}` within {timeout:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The text content of every element matching `css` (one script call).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let script =
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);";
        let value = bounded(
            &format!("texts {css}"),
            self.client.execute(script, vec![serde_json::json!(css)]),
        )
        .await;
        match value {
            Ok(serde_json::Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Saves a PNG screenshot of the window under `target/e2e/` and returns its path.
    /// WebDriver's screenshot comes first; if the driver does not answer in time, the whole
    /// Xvfb display is captured instead (`xwd` + ImageMagick), so there is always a picture.
    pub async fn screenshot(&self, file: &str) -> PathBuf {
        let path = artifacts_dir().join(file);
        progress(&format!("screenshot {file}"));
        match tokio::time::timeout(Duration::from_secs(15), self.client.screenshot()).await {
            Ok(Ok(png)) if png.starts_with(b"\x89PNG") => {
                std::fs::write(&path, png).expect("write screenshot");
            }
            other => {
                progress(&format!(
                    "driver screenshot failed (answered: {}), capturing the display",
                    other.is_ok()
                ));
                let status = Command::new("sh")
                    .arg("-c")
                    .arg(r#"xwd -root -silent | convert xwd:- "png:$0""#)
                    .arg(&path)
                    .status()
                    .expect("run xwd and convert");
                assert!(status.success(), "capturing the display failed");
            }
        }
        path
    }

    /// Fails the test after saving a screenshot and the page's text, so the cause is visible.
    pub async fn fail(&self, why: &str) -> ! {
        let shot = self.screenshot(&format!("{}-failure.png", self.name)).await;
        let body = self.texts("body").await.join(
            "
",
        );
        panic!(
            "{why}\n--- page text ---\n{body}\n--- screenshot: {} ---",
            shot.display()
        );
    }

    /// Ends the WebDriver session (closing the app) and stops the driver.
    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        self.stop_driver();
    }

    fn stop_driver(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would orphan it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.driver.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Ok(None) = self.driver.try_wait() {
            self.stop_driver();
        }
    }
}

async fn connect(port: u16, bin: &Path, profile: &Path) -> Client {
    let addr = format!("127.0.0.1:{port}");
    let start = Instant::now();
    while TcpStream::connect(&addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "tauri-driver did not listen on {addr} within 20 s (see target/e2e/*.driver.log)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({
            "application": bin,
            "args": ["--profile-dir", profile],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last_err = None;
    // WebKitWebDriver may need a moment after tauri-driver listens.
    for _ in 0..20 {
        match fantoccini::ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://{addr}"))
            .await
        {
            Ok(c) => return c,
            Err(e) => {
                last_err = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    panic!(
        "no WebDriver session with the app: {}",
        last_err.unwrap_or_default()
    );
}
