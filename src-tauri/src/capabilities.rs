//! Checks of the windows' permissions (docs/ARCHITECTURE.md#windows-and-permissions): every
//! command of `commands::builder()` has a permission (`app-commands.rs`, turned into
//! `allow-<command>` by `build.rs`) and is granted to at least one window by a capability file
//! (`capabilities/*.json`), the reminder, compose and reader windows hold only their short lists
//! below, and no capability lets a remote page call the app.
//!
//! Adding a command: its name in `src-tauri/app-commands.rs`, and `"allow-<command>"` (with `-`
//! for `_`) in the capability of the window that calls it, normally
//! `src-tauri/capabilities/main.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

include!("../app-commands.rs");

/// The only app commands the reminder window may call (`capabilities/reminders.json`): it lists,
/// opens, snoozes and dismisses reminders, nothing else.
const REMINDERS_WINDOW: &[&str] = &[
    "reminder_dismiss",
    "reminder_dismiss_all",
    "reminder_interacted",
    "reminder_open",
    "reminder_snooze",
    "reminders",
];

/// The only app commands a compose window may call (`capabilities/compose.json`): it fills
/// itself, suggests and parses recipients, sends and saves the draft, nothing else.
const COMPOSE_WINDOW: &[&str] = &[
    "address_suggestions",
    "compose_start",
    "directory_suggestions",
    "file_sizes",
    "parse_recipients",
    "read_picture",
    "save_draft",
    "send_mail",
    "unknown_colleagues",
];

/// The only app commands a reader window may call (`capabilities/reader.json`): it shows one
/// saved message with the reading pane's commands and saves it as a file, nothing else.
const READER_WINDOW: &[&str] = &[
    "allow_remote_content",
    "allow_remote_content_domain",
    "check_link",
    "fetch_message_body",
    "message_safety",
    "message_view",
    "open_attachment",
    "open_link",
    "respond_to_invitation",
    "respond_to_meeting",
    "save_attachment",
    "save_message_file",
];

/// Where the windows' capabilities are.
fn capabilities_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities")
}

/// The permission that grants a command.
fn permission(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

/// The names of the commands `commands::builder()` registers (what the invoke handler serves),
/// as tauri-specta collected them.
fn registered_commands() -> BTreeSet<String> {
    #[derive(Default)]
    struct Names(std::cell::RefCell<BTreeSet<String>>);
    impl tauri_specta::LanguageExt for &Names {
        type Error = std::io::Error;
        fn export(
            self,
            cfg: &tauri_specta::BuilderConfiguration,
            _path: &Path,
        ) -> Result<(), Self::Error> {
            self.0
                .borrow_mut()
                .extend(cfg.commands.iter().map(|f| f.name().to_string()));
            Ok(())
        }
    }
    let names = Names::default();
    crate::commands::builder()
        .export(&names, Path::new("unused"))
        .expect("the command names");
    names.0.into_inner()
}

/// One capability file.
struct Capability {
    file: String,
    windows: Vec<String>,
    permissions: BTreeSet<String>,
    json: Value,
}

fn capabilities() -> Vec<Capability> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(capabilities_dir()).expect("src-tauri/capabilities/") {
        let path = entry.expect("a capability file").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let file = format!(
            "src-tauri/capabilities/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let text = std::fs::read_to_string(&path).expect("a capability file");
        let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let strings = |key: &str| -> Vec<String> {
            json[key]
                .as_array()
                .unwrap_or_else(|| panic!("{file} has no {key:?} list"))
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    // A permission with a scope: `{"identifier": …, "allow": …}`.
                    other => other["identifier"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        };
        out.push(Capability {
            windows: strings("windows"),
            permissions: strings("permissions").into_iter().collect(),
            file,
            json,
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// Whether a capability's window pattern (`compose-*`) covers a window label.
fn covers(pattern: &str, label: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => label.starts_with(prefix),
        None => pattern == label,
    }
}

/// The app commands the capabilities grant to a window.
fn granted(label: &str) -> BTreeSet<String> {
    let by_permission: std::collections::BTreeMap<String, &str> =
        APP_COMMANDS.iter().map(|c| (permission(c), *c)).collect();
    capabilities()
        .iter()
        .filter(|c| c.windows.iter().any(|w| covers(w, label)))
        .flat_map(|c| c.permissions.iter())
        .filter_map(|p| by_permission.get(p).map(|c| c.to_string()))
        .collect()
}

#[test]
fn app_commands_are_the_registered_commands() {
    let registered = registered_commands();
    let listed: BTreeSet<String> = APP_COMMANDS.iter().map(|c| c.to_string()).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "commands registered in src-tauri/src/commands/mod.rs without a permission: {missing:?}. \
         Add each name to src-tauri/app-commands.rs (sorted) and grant \"allow-<name with - for \
         _>\" to the window that calls it, normally in src-tauri/capabilities/main.json; \
         without it every window is refused the command."
    );
    assert!(
        extra.is_empty(),
        "src-tauri/app-commands.rs names commands that src-tauri/src/commands/mod.rs does not \
         register: {extra:?}. Remove them there and from src-tauri/capabilities/*.json."
    );
    let mut sorted = APP_COMMANDS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted, APP_COMMANDS,
        "src-tauri/app-commands.rs: keep the names sorted, each once"
    );
}

#[test]
fn every_command_is_granted_to_a_window() {
    let caps = capabilities();
    let ungranted: Vec<_> = APP_COMMANDS
        .iter()
        .filter(|c| {
            !caps
                .iter()
                .any(|cap| cap.permissions.contains(&permission(c)))
        })
        .map(|c| permission(c))
        .collect();
    assert!(
        ungranted.is_empty(),
        "no window may call {ungranted:?}: add each to the \"permissions\" of the window that \
         calls it, normally src-tauri/capabilities/main.json (the main window)"
    );
}

#[test]
fn every_app_permission_names_a_command() {
    let known: BTreeSet<String> = APP_COMMANDS.iter().map(|c| permission(c)).collect();
    for cap in capabilities() {
        for p in &cap.permissions {
            // Plugins' and Tauri's own permissions have a prefix (`core:`, `dialog:`).
            if !p.contains(':') {
                assert!(
                    known.contains(p),
                    "{}: {p:?} is no command of src-tauri/app-commands.rs (`allow-<command>`, \
                     with - for _)",
                    cap.file
                );
            }
        }
    }
}

#[test]
fn the_reminder_window_holds_only_its_commands() {
    let expected: BTreeSet<String> = REMINDERS_WINDOW.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        granted("reminders"),
        expected,
        "the reminder window's commands changed: if it needs one more, grant it in \
         src-tauri/capabilities/reminders.json and add it to REMINDERS_WINDOW in \
         src-tauri/src/capabilities.rs with the reason in the capability's description"
    );
}

#[test]
fn the_compose_windows_hold_only_their_commands() {
    let expected: BTreeSet<String> = COMPOSE_WINDOW.iter().map(|c| c.to_string()).collect();
    for label in ["compose-1", "compose-42"] {
        assert_eq!(
            granted(label),
            expected,
            "the compose window's commands changed: if it needs one more, grant it in \
             src-tauri/capabilities/compose.json and add it to COMPOSE_WINDOW in \
             src-tauri/src/capabilities.rs with the reason in the capability's description"
        );
    }
}

#[test]
fn the_reader_windows_hold_only_their_commands() {
    let expected: BTreeSet<String> = READER_WINDOW.iter().map(|c| c.to_string()).collect();
    for label in ["reader-1", "reader-42"] {
        assert_eq!(
            granted(label),
            expected,
            "the reader window's commands changed: if it needs one more, grant it in \
             src-tauri/capabilities/reader.json and add it to READER_WINDOW in \
             src-tauri/src/capabilities.rs with the reason in the capability's description"
        );
    }
}

#[test]
fn the_main_window_holds_neither_compose_nor_reminder_window_only_commands() {
    let main = granted("main");
    // The main window dismisses all reminders only for the end-to-end tests (see main.json).
    for only in [
        "reminder_interacted",
        "compose_start",
        "send_mail",
        "save_draft",
    ] {
        assert!(
            !main.contains(only),
            "src-tauri/capabilities/main.json grants {only}, which only another window calls"
        );
    }
    assert!(main.contains("list_messages") && main.contains("open_compose"));
}

#[test]
fn capabilities_are_for_the_apps_windows_and_local_pages_only() {
    for cap in capabilities() {
        assert!(
            cap.json["remote"].is_null(),
            "{}: no capability may grant anything to remote pages (\"remote\")",
            cap.file
        );
        assert!(
            cap.json["description"]
                .as_str()
                .is_some_and(|d| d.len() > 40),
            "{}: the description says which window it is for and why it needs what it grants",
            cap.file
        );
        assert!(
            !cap.windows.is_empty()
                && cap
                    .windows
                    .iter()
                    .all(|w| ["main", "reminders", "compose-*", "reader-*"].contains(&w.as_str())),
            "{}: windows {:?}: a capability is for one of the app's windows (main, reminders, \
             compose-*, reader-*), not for every window (\"*\")",
            cap.file,
            cap.windows
        );
        assert!(
            cap.json["webviews"].is_null(),
            "{}: capabilities are given by window",
            cap.file
        );
    }
}
