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

pub mod server;

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini::wd::WindowHandle;
pub use fantoccini::{Client, Locator};

// The servers' facts, as in tests/live (kept here so this crate builds without the core: the app
// under test is the binary `scripts/build-app` made, not a library linked into the test).
/// SOGo's ActiveSync endpoint.
pub const SOGO_EAS_URL: &str = "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync";
/// Z-Push (mail from Dovecot, the directory from Radicale: tests/servers/README.md).
pub const ZPUSH_EAS_URL: &str = "http://127.0.0.1:55080/Microsoft-Server-ActiveSync";

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

static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// SOGo's CalDAV root.
pub const SOGO_DAV_URL: &str = "http://127.0.0.1:20000/SOGo/dav/";

/// Writes (PUT) a calendar object into `user`'s personal SOGo calendar; returns its URL.
pub fn caldav_put(user: User, name: &str, ics: &str) -> String {
    let url = format!("{SOGO_DAV_URL}{}/Calendar/personal/{name}.ics", user.name);
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"])
        .args(["-u", &format!("{}:{}", user.name, user.password)])
        .args(["-H", "Content-Type: text/calendar; charset=utf-8"])
        .args(["--data-binary", ics, &url])
        .output()
        .expect("run curl");
    let code = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        code == "201" || code == "204",
        "PUT {url} answered {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    url
}

/// The calendar object `name` (SOGo names an object a client adds after its UID: `<uid>.ics`)
/// of `user`'s personal SOGo calendar, with folded lines joined; `None` when it is not there.
pub fn caldav_get(user: User, name: &str) -> Option<String> {
    let url = format!("{SOGO_DAV_URL}{}/Calendar/personal/{name}", user.name);
    let out = Command::new("curl")
        .args([
            "-sS",
            "-f",
            "-u",
            &format!("{}:{}", user.name, user.password),
            &url,
        ])
        .output()
        .expect("run curl");
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .replace("\r\n ", "")
            .replace("\n ", "")
    })
}

/// The object of `user`'s personal SOGo calendar whose iCalendar text contains `needle` (a UID,
/// a title; found with a
/// CalDAV REPORT of every object, as any CalDAV client could), as (URL, text with folded lines
/// joined); `None` when no object has it. For objects a client created over ActiveSync, whose
/// resource name the server chose.
pub fn caldav_find(user: User, needle: &str) -> Option<(String, String)> {
    let url = format!("{SOGO_DAV_URL}{}/Calendar/personal/", user.name);
    let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
        <C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
        <D:prop><D:getetag/><C:calendar-data/></D:prop>\
        <C:filter><C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\"/>\
        </C:comp-filter></C:filter></C:calendar-query>";
    let out = Command::new("curl")
        .args(["-sS", "-f", "-X", "REPORT", "-H", "Depth: 1"])
        .args(["-H", "Content-Type: application/xml; charset=utf-8"])
        .args(["-u", &format!("{}:{}", user.name, user.password)])
        .args(["--data-binary", body, &url])
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&out.stdout)
        .replace("&#13;", "")
        .replace("\r\n ", "")
        .replace("\n ", "");
    // One <response> per object, whatever prefix the server gives the DAV namespace.
    let part = text.split("response>").find(|p| p.contains(needle))?;
    let start = part.find("href>")? + "href>".len();
    let end = start + part[start..].find('<')?;
    let href = &part[start..end];
    let base = SOGO_DAV_URL.trim_end_matches("/SOGo/dav/");
    Some((format!("{base}{href}"), part.to_owned()))
}

/// Deletes a calendar object this test created.
pub fn caldav_delete(user: User, url: &str) {
    let _ = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-X", "DELETE"])
        .args(["-u", &format!("{}:{}", user.name, user.password), url])
        .status();
}

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

/// The dates the seed used (`seed-info.json` of the test servers' folder: `KONTOR_SERVERS_DIR`,
/// else `.servers` in the repository), e.g. `times.DST_CHANGE`.
pub fn seed_info() -> serde_json::Value {
    let dir = std::env::var_os("KONTOR_SERVERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.servers"));
    let path = dir.join("seed-info.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (are the servers seeded?)", path.display()));
    serde_json::from_str(&text).expect("seed-info.json is JSON")
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
    /// The main window's WebDriver handle (the session starts in it).
    main: Option<WindowHandle>,
    driver: Child,
    pub profile: TempDir,
    name: String,
}

impl App {
    /// Starts `kontor --profile-dir <fresh temp dir>` in a window and connects to it.
    pub async fn launch(name: &str) -> App {
        let profile = tempfile::Builder::new()
            .prefix("kontor-e2e-")
            .tempdir()
            .expect("temp profile");
        Self::launch_with_profile(name, profile).await
    }

    /// Starts the app on an existing profile folder (a restart keeps the profile).
    pub async fn launch_with_profile(name: &str, profile: TempDir) -> App {
        Self::launch_binary(name, profile, &app_binary()).await
    }

    /// Starts `bin` as the app (e.g. a wrapper that observes the real one) on `profile`.
    pub async fn launch_binary(name: &str, profile: TempDir, bin: &Path) -> App {
        for var in ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS"] {
            assert!(
                std::env::var_os(var).is_some_and(|v| !v.is_empty()),
                "{var} is not set: run the end-to-end tests through `scripts/e2e` \
                 (Xvfb, D-Bus session and gnome-keyring)"
            );
        }
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
        let client = connect(port, bin, profile.path()).await;
        let main = bounded("main window handle", client.window()).await.ok();
        let mut app = App {
            client,
            main,
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

    /// The app's profile folder (what it was started with as `--profile-dir`).
    pub fn profile_path(&self) -> &Path {
        self.profile.path()
    }

    /// Runs `kontor --profile-dir <this app's profile> <arg>` as a second start does (a file
    /// or link opened from the desktop): it hands `arg` to this running app and ends at once.
    pub fn open_with_kontor(&self, arg: &std::ffi::OsStr) {
        let out = std::process::Command::new(app_binary())
            .arg("--profile-dir")
            .arg(self.profile_path())
            .arg(arg)
            .output()
            .expect("run kontor <file>");
        assert!(
            out.status.success(),
            "kontor {} ended with {:?}: {}",
            arg.to_string_lossy(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The process id of this app's `tauri-driver`; the app runs below it (tauri-driver →
    /// WebKitWebDriver → kontor), so the bench finds the app's processes from here.
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
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

    /// Saves a PNG screenshot of the session's current window (WebDriver Take Screenshot) under
    /// `target/e2e/` and returns its path. If the driver does not answer in time, the whole
    /// Xvfb display is captured instead ([`App::capture_display`]), so there is always a picture.
    ///
    /// WebKitWebDriver takes the picture after the page's next presentation update, and a page
    /// with nothing to paint has none: Take Screenshot then never answers (seen with the idle
    /// reminder window every time, with the main window at times), and every later command of
    /// the session waits behind it. So the page is made to paint first: a 1×1 px element in its
    /// bottom-right corner, 1–2 % opaque, changes its colour on each animation frame for about
    /// two seconds and is then removed.
    pub async fn screenshot(&self, file: &str) -> PathBuf {
        let path = artifacts_dir().join(file);
        progress(&format!("screenshot {file}"));
        self.script(
            "const d = document.createElement('div'); d.dataset.e2eRepaint = ''; \
             d.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;\
               pointer-events:none;z-index:2147483647'; \
             document.body.appendChild(d); let n = 0; \
             const tick = () => { n += 1; if (n > 120) { d.remove(); return; } \
               d.style.background = n % 2 ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)'; \
               requestAnimationFrame(tick); }; \
             requestAnimationFrame(tick); return true;",
            vec![],
        )
        .await;
        match tokio::time::timeout(Duration::from_secs(15), self.client.screenshot()).await {
            Ok(Ok(png)) if png.starts_with(b"\x89PNG") => {
                std::fs::write(&path, png).expect("write screenshot");
            }
            other => {
                progress(&format!(
                    "driver screenshot failed (answered: {}), capturing the display",
                    other.is_ok()
                ));
                return self.capture_display(file);
            }
        }
        path
    }

    /// Captures the whole Xvfb display (every window, the always-on-top reminder window
    /// included) as a PNG under `target/e2e/`.
    ///
    /// ImageMagick's `import -window root` is used, not `xwd -root`: the app's windows have a
    /// visual other than the root window's (GTK picks a GLX visual), and `xwd -root`'s image of
    /// the display showed the reminder window's area black although the screen held the
    /// rendered page there (a read of such a pixel of the root window returned the page's
    /// colour). See docs/reminders.md.
    pub fn capture_display(&self, file: &str) -> PathBuf {
        let path = artifacts_dir().join(file);
        progress(&format!("display capture {file}"));
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(format!("png:{}", path.display()))
            .status()
            .expect("run ImageMagick's import");
        assert!(status.success(), "capturing the display failed");
        path
    }

    /// The WebDriver handle of the app window whose page URL has the fragment `fragment`
    /// (the reminder window: `reminders`, page `index.html#reminders`). WebKitWebDriver lists
    /// every webview of the app as a window of the session (Get Window Handles).
    pub async fn window_with_fragment(&self, fragment: &str) -> WindowHandle {
        let back = bounded("current window", self.client.window())
            .await
            .expect("current window handle");
        let handles = bounded("window handles", self.client.windows())
            .await
            .expect("window handles");
        let mut found = None;
        for h in handles {
            self.switch_to(&h).await;
            let url = bounded("current url", self.client.current_url())
                .await
                .expect("current url");
            if url.fragment() == Some(fragment) {
                found = Some(h);
                break;
            }
        }
        self.switch_to(&back).await;
        match found {
            Some(h) => h,
            None => {
                self.fail(&format!("no window of the session shows #{fragment}"))
                    .await
            }
        }
    }

    /// Makes `handle` the session's current window: element lookups, clicks and scripts go to
    /// its page from now on.
    pub async fn switch_to(&self, handle: &WindowHandle) {
        bounded(
            &format!("switch to window {handle:?}"),
            self.client.switch_to_window(handle.clone()),
        )
        .await
        .expect("switch to window");
    }

    /// Makes the main window the session's current window again.
    pub async fn switch_to_main(&self) {
        let main = self
            .main
            .clone()
            .expect("the main window's handle is known");
        self.switch_to(&main).await;
    }

    /// Calls one of the app's IPC commands from the main window's page (as the UI does) and
    /// returns its answer; `Err` carries the command's error value. The call is started by one
    /// script and its result collected by polling with another, because WebKitWebDriver has
    /// been seen to stall on long-running script calls.
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let slot = format!(
            "__e2e_{}",
            CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let start = "const [cmd, args, slot] = arguments; window[slot] = null; \
                     window.__TAURI_INTERNALS__.invoke(cmd, args).then( \
                       v => { window[slot] = { ok: v === undefined ? null : v }; }, \
                       e => { window[slot] = { err: e === undefined ? null : e }; }); \
                     return true;";
        bounded(
            &format!("invoke {command}"),
            self.client.execute(
                start,
                vec![
                    serde_json::json!(command),
                    args,
                    serde_json::json!(slot.clone()),
                ],
            ),
        )
        .await
        .expect("start an IPC call");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = bounded(
                &format!("result of {command}"),
                self.client.execute(
                    "return window[arguments[0]];",
                    vec![serde_json::json!(slot)],
                ),
            )
            .await
            .expect("read an IPC result");
            if let Some(ok) = v.get("ok") {
                return Ok(ok.clone());
            }
            if let Some(err) = v.get("err") {
                return Err(err.clone());
            }
            assert!(
                Instant::now() < deadline,
                "the command {command} did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs a script in the main window's page and returns its value.
    pub async fn script(&self, js: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        bounded("script", self.client.execute(js, args))
            .await
            .unwrap_or(serde_json::Value::Null)
    }

    /// Ends the WebDriver session and hands back the profile folder (for a restart).
    pub async fn close_keep_profile(mut self) -> TempDir {
        let client = self.client.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        self.stop_driver();
        // The app holds the profile's instance lock until it has exited.
        let lock = self.profile.path().join("kontor.lock");
        let deadline = Instant::now() + Duration::from_secs(30);
        while lock.exists() && Instant::now() < deadline {
            let free = std::fs::File::open(&lock).is_ok_and(|f| f.try_lock().is_ok());
            if free {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.end_leftovers();
        let placeholder = tempfile::Builder::new()
            .prefix("kontor-e2e-closed-")
            .tempdir()
            .expect("temp dir");
        std::mem::replace(&mut self.profile, placeholder)
    }

    /// Kills the app with SIGKILL (as a crash or a power cut would end it: nothing is saved on
    /// the way out), ends the driver, and hands back the profile folder for a restart.
    pub async fn kill_keep_profile(mut self) -> TempDir {
        let profile = self.profile.path().to_string_lossy().into_owned();
        let killed = self.pids();
        for pid in &killed {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        assert!(
            !killed.is_empty(),
            "no app process of profile {profile} to kill"
        );
        progress(&format!("killed the app (SIGKILL): pid {killed:?}"));
        let client = self.client.clone();
        let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        self.stop_driver();
        let placeholder = tempfile::Builder::new()
            .prefix("kontor-e2e-killed-")
            .tempdir()
            .expect("temp dir");
        std::mem::replace(&mut self.profile, placeholder)
    }

    /// Fails the test after saving a screenshot and the page's text, so the cause is visible.
    /// The main window is made current first (its page is the one described).
    pub async fn fail(&self, why: &str) -> ! {
        if let Some(main) = &self.main {
            let _ = tokio::time::timeout(
                Duration::from_secs(10),
                self.client.switch_to_window(main.clone()),
            )
            .await;
        }
        let shot = self.screenshot(&format!("{}-failure.png", self.name)).await;
        // The app's own log, which goes with the temporary profile otherwise.
        let logs = artifacts_dir().join(format!("{}-app-logs", self.name));
        // The log's last lines go into the failure text too: a CI run's printed output is
        // often all there is to read of it.
        let mut tail = Vec::new();
        if let Ok(entries) = std::fs::read_dir(self.profile.path().join("logs")) {
            let _ = std::fs::create_dir_all(&logs);
            let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            files.sort();
            for f in &files {
                if let Some(name) = f.file_name() {
                    let _ = std::fs::copy(f, logs.join(name));
                }
            }
            if let Some(text) = files.last().and_then(|f| std::fs::read_to_string(f).ok()) {
                let lines: Vec<&str> = text.lines().collect();
                tail = lines[lines.len().saturating_sub(40)..]
                    .iter()
                    .map(|l| l.chars().take(400).collect::<String>())
                    .collect();
            }
        }
        let body = self.texts("body").await.join(
            "
",
        );
        panic!(
            "{why}\n--- page text ---\n{body}\n--- screenshot: {} --- app log: {} ---\n{}",
            shot.display(),
            logs.display(),
            tail.join("\n")
        );
    }

    /// Ends the WebDriver session (closing the app) and stops the driver.
    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        self.stop_driver();
        self.end_leftovers();
    }

    /// The processes of the app under test: those started with `--profile-dir <this profile>`.
    pub fn pids(&self) -> Vec<u32> {
        app_pids(self.profile.path())
    }

    /// Ends app processes of this profile that outlived the WebDriver session, so no later test
    /// shares the display, the account or the keyring with them. The driver ends the process it
    /// started; an app started through a wrapper (the network test's strace) is not that
    /// process and would go on syncing, and showing its reminder window, in the next test.
    fn end_leftovers(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut left = self.pids();
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            left = self.pids();
        }
        if left.is_empty() {
            return;
        }
        progress(&format!(
            "{}: app processes {left:?} outlived the session; ending them",
            self.name
        ));
        for signal in ["-TERM", "-KILL"] {
            for pid in &left {
                let _ = Command::new("kill")
                    .args([signal, &pid.to_string()])
                    .status();
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while !left.is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
                left = self.pids();
            }
            if left.is_empty() {
                return;
            }
        }
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
        self.end_leftovers();
    }
}

/// The running app processes started with `--profile-dir <profile>` (zombies excluded).
pub fn app_pids(profile: &Path) -> Vec<u32> {
    let profile = profile.to_string_lossy();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_app = args
            .windows(2)
            .any(|w| w[0] == "--profile-dir" && w[1] == profile);
        // A zombie keeps its command line until reaped; it has no windows any more.
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|st| {
                st.rsplit_once(')')
                    .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            })
            .unwrap_or(false);
        if is_app && !zombie {
            pids.push(pid);
        }
    }
    pids
}

/// The X11 ids of the top-level windows whose title starts with `title` (`xwininfo -root
/// -tree`), of any process on the display.
pub fn x11_window_ids(title: &str) -> Vec<String> {
    let Ok(tree) = Command::new("xwininfo").args(["-root", "-tree"]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&tree.stdout)
        .lines()
        .filter(|l| l.contains(&format!("\"{title}")))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// The process that owns an X11 window, as the toolkit announced it (`_NET_WM_PID`).
pub fn x11_window_pid(id: &str) -> Option<u32> {
    let out = Command::new("xprop")
        .args(["-id", id, "_NET_WM_PID"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .rsplit('=')
        .next()?
        .trim()
        .parse()
        .ok()
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

/// Fills the account form as a SOGo user does: e-mail address and password, then under
/// "Advanced" the ActiveSync URL and the plain user name (SOGo does not take the address as
/// the user name). Does not submit.
pub async fn fill_account_form(app: &App, user: User, password: &str) {
    let email = format!("{}@kontor.test", user.name);
    type_into(app, "[data-testid=email]", &email).await;
    type_into(app, "[data-testid=password]", password).await;
    app.script(
        "document.querySelector('[data-testid=advanced-toggle]').click(); return true;",
        vec![],
    )
    .await;
    type_into(app, "[data-testid=server-url]", SOGO_EAS_URL).await;
    type_into(app, "[data-testid=user]", user.name).await;
}

async fn type_into(app: &App, css: &str, text: &str) {
    let field = app.wait_for(css, Duration::from_secs(60)).await;
    bounded("clear field", field.clear()).await.ok();
    bounded(&format!("type into {css}"), field.send_keys(text))
        .await
        .expect("type into the form");
}

/// Signs in as `user` on SOGo through the account form (English UI) and waits for the folders.
pub async fn sign_in(app: &App, user: User) {
    app.wait_for("[data-testid=language]", Duration::from_secs(60))
        .await;
    app.script(
        "const s = document.querySelector('[data-testid=language]'); \
         const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set; \
         set.call(s, 'en'); s.dispatchEvent(new Event('change', { bubbles: true })); return true;",
        vec![],
    )
    .await;
    fill_account_form(app, user, user.password).await;
    submit_account_form(app).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(90))
        .await;
}

/// Submits the account form the way Enter does (implicit submission: `requestSubmit`).
/// WebKitWebDriver's key actions wait for a navigation that an IPC-driven form never starts, so
/// Enter itself is covered by the UI's unit tests (`ErrorView.test.tsx`).
pub async fn submit_account_form(app: &App) {
    bounded(
        "submit the form",
        app.client.execute(
            "document.querySelector('[data-testid=account-form]').requestSubmit(); return true;",
            vec![],
        ),
    )
    .await
    .expect("submit the account form");
}

/// Signs in as `user` at the ActiveSync server `server_url` (Z-Push) through the account form,
/// the English UI chosen like a person does, and waits for the folders.
pub async fn sign_in_at(app: &App, user: User, server_url: &str) {
    choose_language(app, "en").await;
    fill_account_form_at(app, user, user.password, server_url).await;
    submit_account_form(app).await;
    app.wait_for("[data-testid=folder-tree]", Duration::from_secs(120))
        .await;
}

/// Waits until a row with `subject` is listed; returns its message id.
pub async fn row_id(app: &App, subject: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let id = app
            .script(
                "const rows = [...document.querySelectorAll('[data-testid=message-row]')]; \
                 const r = rows.find(r => (r.querySelector('[data-testid=row-subject]')?.textContent || '') \
                   .includes(arguments[0])); \
                 return r ? r.getAttribute('data-message-id') : null;",
                vec![serde_json::json!(subject)],
            )
            .await;
        if let Some(id) = id.as_str() {
            return id.to_owned();
        }
        if Instant::now() > deadline {
            let shown = app.texts("[data-testid=row-subject]").await;
            app.fail(&format!(
                "{subject:?} not listed within {secs} s: {shown:?}"
            ))
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Clicks the row of `subject` (as a person does).
pub async fn click_row(app: &App, subject: &str) {
    let id = row_id(app, subject, 60).await;
    let row = app
        .wait_for(
            &format!("[data-testid=message-row][data-message-id=\"{id}\"]"),
            Duration::from_secs(10),
        )
        .await;
    bounded("click row", row.click()).await.expect("click row");
}

/// Clicks the element `css` finds, finding it again when the click misses it: the calendar's
/// views draw their appointments anew whenever data arrives (a sync may end at any moment), so
/// an element found a moment ago can be gone or not yet clickable.
pub async fn click_redrawn(app: &App, css: &str) {
    for attempt in 1..=5 {
        let el = app.wait_for(css, Duration::from_secs(20)).await;
        match bounded(&format!("click {css}"), el.click()).await {
            Ok(_) => return,
            Err(e) if attempt < 5 => {
                progress(&format!("click {css}: {e}; finding it again"));
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => app.fail(&format!("click {css}: {e}")).await,
        }
    }
}

/// Clicks the element `css` (waiting up to 30 s for it), as a person does.
pub async fn click(app: &App, css: &str) {
    let e = app.wait_for(css, Duration::from_secs(30)).await;
    bounded(&format!("click {css}"), e.click())
        .await
        .expect("click");
}

/// Clicks the folder whose name (its text without the unread count after it) starts with
/// `name`, as a person does.
pub async fn click_folder(app: &App, name: &str) {
    let ok = app
        .script(
            "const f = [...document.querySelectorAll('[data-testid=folder]')] \
               .find(e => e.textContent.trim().startsWith(arguments[0])); \
             if (!f) return false; f.click(); return true;",
            vec![serde_json::json!(name)],
        )
        .await;
    if ok != serde_json::json!(true) {
        let names = app.texts("[data-testid=folder]").await;
        app.fail(&format!("no folder {name:?} in {names:?}")).await;
    }
}

/// Fills the account form as [`fill_account_form`] does, with `server_url` as the server address
/// (e.g. a TLS server of the test), and opens "Advanced" only when it is closed, so the form can
/// be filled again after a failed sign-in. Does not submit.
pub async fn fill_account_form_at(app: &App, user: User, password: &str, server_url: &str) {
    let email = format!("{}@kontor.test", user.name);
    type_into(app, "[data-testid=email]", &email).await;
    type_into(app, "[data-testid=password]", password).await;
    app.script(
        "if (!document.querySelector('[data-testid=server-url]')) \
           document.querySelector('[data-testid=advanced-toggle]').click(); \
         return true;",
        vec![],
    )
    .await;
    type_into(app, "[data-testid=server-url]", server_url).await;
    type_into(app, "[data-testid=user]", user.name).await;
}

/// Chooses the UI language with the sign-in screen's (or the main window's) language select,
/// as a person does.
pub async fn choose_language(app: &App, lang: &str) {
    app.wait_for("[data-testid=language]", Duration::from_secs(60))
        .await;
    let option = bounded(
        "find language option",
        app.client.find(Locator::Css(&format!(
            "[data-testid=language] option[value={lang}]"
        ))),
    )
    .await
    .expect("language option");
    bounded("choose language", option.click())
        .await
        .expect("choose language");
    progress(&format!("language {lang} chosen"));
}

/// Waits up to `secs` until the texts of the elements `css` (joined by spaces) contain `want`;
/// returns them. Fails with a screenshot and the page's text otherwise.
pub async fn wait_text(app: &App, css: &str, want: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let t = app.texts(css).await.join(" ");
        if t.contains(want) {
            return t;
        }
        if Instant::now() > deadline {
            app.fail(&format!("{css} does not say {want:?}: {t:?}"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// One of Kontor's icons (`src-tauri/icons/<name>`): a real PNG the tests put into messages
/// (a logo, a picture, a screenshot). Its path and bytes.
pub fn icon_file(name: &str) -> (std::path::PathBuf, Vec<u8>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../src-tauri/icons")
        .join(name)
        .canonicalize()
        .expect("the icon file");
    let bytes = std::fs::read(&path).expect("read the icon file");
    (path, bytes)
}

/// Today's date in Berlin, as the app started in Berlin time ([`berlin_app_binary`]) sees it
/// now (not the seed's `TODAY`: a run seeded before midnight in Berlin may start after it).
pub fn berlin_today() -> chrono::NaiveDate {
    let out = std::process::Command::new("date")
        .env("TZ", "Europe/Berlin")
        .arg("+%F")
        .output()
        .expect("run date");
    let s = String::from_utf8_lossy(&out.stdout);
    chrono::NaiveDate::parse_from_str(s.trim(), "%F").expect("a date")
}

/// The app started in Berlin time: a wrapper script that sets `TZ=Europe/Berlin` and becomes
/// the app (exec: the driver's process is the app's), for [`App::launch_binary`]. Keep the
/// returned directory (it holds the wrapper) until the test ends.
pub fn berlin_app_binary() -> (TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().expect("temp dir");
    let wrapper = work.path().join("kontor-berlin");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nTZ=Europe/Berlin exec '{}' \"$@\"\n",
            app_binary().display()
        ),
    )
    .expect("write the wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (work, wrapper)
}

/// The bell ("remind me") of the first own calendar in the calendar list.
pub const OWN_CALENDAR_BELL: &str =
    "[data-testid=cal-list-own] [data-testid=cal-list-item]:first-child [data-testid=cal-remind]";

/// Switches the first own calendar's bell off in the calendar list, as a person clicks it, and
/// waits until the list shows it off.
pub async fn switch_own_calendar_bell_off(app: &App) {
    click(app, &format!("{OWN_CALENDAR_BELL}[aria-pressed=true]")).await;
    app.wait_for(
        &format!("{OWN_CALENDAR_BELL}[aria-pressed=false]"),
        Duration::from_secs(10),
    )
    .await;
}

/// Chooses `path` in the file picker titled `title` (a GTK dialog, not a web page): waits for
/// its window, gives it the keyboard, types the path and Enter with xdotool (a screenshot of
/// the display before Enter: `compose-file-picker.png`).
pub async fn pick_file_in_dialog(app: &App, title: &str, path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let id = loop {
        let out = std::process::Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .expect("run xdotool");
        let ids = String::from_utf8_lossy(&out.stdout).to_string();
        if let Some(id) = ids.lines().next() {
            break id.to_owned();
        }
        if Instant::now() > deadline {
            app.fail(&format!("no file picker window {title:?} appeared"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    progress(&format!("file picker window {id}"));
    // GTK needs a moment after mapping before it takes keys.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let path = path.to_string_lossy().into_owned();
    // Ctrl+L opens the location field first: typed straight away, the key after the first /
    // is lost while GTK opens it.
    for args in [
        vec!["windowfocus", "--sync", id.as_str()],
        vec!["key", "ctrl+l"],
        vec!["sleep", "0.4"],
        vec!["type", "--delay", "15", path.as_str()],
    ] {
        let ok = std::process::Command::new("xdotool")
            .args(&args)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            app.fail(&format!("xdotool {args:?} failed")).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.capture_display("compose-file-picker.png");
    let ok = std::process::Command::new("xdotool")
        .args(["key", "Return"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        app.fail("xdotool key Return failed").await;
    }
}
