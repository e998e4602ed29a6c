//! `kontor --export-logs PATH`: one zip file a user can send to support.
//!
//! Contents (all text):
//!
//! ```text
//! logs/<file>      every file in <profile>/logs/ (the rolling log, see the shell's logging)
//! profile.json     DeviceId and account identity, re-serialised from the typed form
//! settings.json    the user's own settings, the effective settings and the policy
//! system.json      Kontor version, operating system, profile folder, time of export
//! ```
//!
//! Nothing secret goes in: passwords live only in the keychain and are never logged, the
//! profile is written from its typed form (unknown fields are dropped), settings whose key
//! names a secret (`password`, `secret`, `token`) are left out, and every known secret the
//! caller passes (the account's password from the keychain) is replaced by `[redacted]` in
//! every file as a last line of defence. The archive is written to a temporary file and renamed,
//! so a failed export leaves no half-written zip.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnose::os_description;
use crate::error::CoreError;
use crate::policy::Policy;
use crate::profile::{ProfileFile, ProfilePaths};

/// A log file larger than this is exported from its end (the newest lines).
pub const MAX_LOG_BYTES: usize = 32 * 1024 * 1024;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportReport {
    pub path: PathBuf,
    /// Names inside the archive.
    pub entries: Vec<String>,
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> CoreError {
    move |source| CoreError::Io { context, source }
}

fn zip_err(e: zip::result::ZipError) -> CoreError {
    CoreError::Io {
        context: "writing the zip archive".into(),
        source: std::io::Error::other(e),
    }
}

/// Writes the archive to `dest` (a file name; an existing folder gets
/// `kontor-logs-<UTC time>.zip` inside it). `secrets` are redacted wherever they appear.
pub async fn export_logs(
    paths: &ProfilePaths,
    policy: &Policy,
    dest: &Path,
    secrets: &[String],
) -> Result<ExportReport, CoreError> {
    let dest = if dest.is_dir() {
        dest.join(format!(
            "kontor-logs-{}.zip",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ))
    } else {
        dest.to_path_buf()
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();

    // Logs, oldest name first.
    let mut logs: Vec<PathBuf> = match std::fs::read_dir(paths.logs()) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(format!("reading {}", paths.logs().display()))(e)),
    };
    logs.sort();
    for log in logs {
        let mut bytes = std::fs::read(&log).map_err(io(format!("reading {}", log.display())))?;
        if bytes.len() > MAX_LOG_BYTES {
            bytes.drain(..bytes.len() - MAX_LOG_BYTES);
        }
        let name = log
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((format!("logs/{name}"), bytes));
    }

    // The profile, through its typed form.
    let profile = match std::fs::read(paths.profile_file()) {
        Ok(bytes) => match serde_json::from_slice::<ProfileFile>(&bytes) {
            Ok(p) => serde_json::to_value(&p).unwrap_or_default(),
            Err(e) => serde_json::json!({"error": format!("profile.json is not valid: {e}")}),
        },
        Err(e) => serde_json::json!({"error": format!("profile.json: {e}")}),
    };
    files.push((
        "profile.json".into(),
        serde_json::to_vec_pretty(&profile).unwrap_or_default(),
    ));

    // Settings: the user's own rows, then what is in force.
    let own = user_setting_rows(paths).await;
    let user = crate::policy::UserSettings {
        server_url: serde_json::from_value::<ProfileFile>(profile.clone())
            .ok()
            .and_then(|p| p.accounts.first().map(|a| a.server_url.clone())),
        autohide_reminders: own
            .get(crate::policy::setting_keys::AUTOHIDE_REMINDERS)
            .and_then(|v| v.as_bool()),
        autohide_seconds: own
            .get(crate::policy::setting_keys::AUTOHIDE_SECONDS)
            .and_then(|v| v.as_u64())
            .and_then(|n| u32::try_from(n).ok()),
        caldav_url: own
            .get(crate::policy::setting_keys::CALDAV_URL)
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        // Signatures and the quote style stay out of the effective part; the user's rows
        // above hold what was stored.
        ..Default::default()
    };
    let settings = serde_json::json!({
        "userSettings": own,
        "effective": policy.effective(&user),
        "policy": policy,
    });
    files.push((
        "settings.json".into(),
        serde_json::to_vec_pretty(&settings).unwrap_or_default(),
    ));

    let system = serde_json::json!({
        "kontorVersion": env!("CARGO_PKG_VERSION"),
        "os": os_description(),
        "osVersion": os_version(),
        "profileFolder": paths.root().display().to_string(),
        "databaseBytes": std::fs::metadata(paths.database()).map(|m| m.len()).ok(),
        "exportedAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    files.push((
        "system.json".into(),
        serde_json::to_vec_pretty(&system).unwrap_or_default(),
    ));

    for (_, bytes) in &mut files {
        redact(bytes, secrets);
    }

    let entries: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let dest_for_write = dest.clone();
    tokio::task::spawn_blocking(move || write_zip(&dest_for_write, files))
        .await
        .map_err(|e| CoreError::Profile(format!("zip writer failed: {e}")))??;
    tracing::info!(path = %dest.display(), entries = entries.len(), "logs exported");
    Ok(ExportReport {
        path: dest,
        entries,
    })
}

fn write_zip(dest: &Path, files: Vec<(String, Vec<u8>)>) -> Result<(), CoreError> {
    let tmp = dest.with_extension("zip.part");
    let file = std::fs::File::create(&tmp).map_err(io(format!("creating {}", tmp.display())))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let written = (|| {
        for (name, bytes) in &files {
            zip.start_file(name.as_str(), options).map_err(zip_err)?;
            zip.write_all(bytes)
                .map_err(io(format!("writing {name} into {}", tmp.display())))?;
        }
        let file = zip.finish().map_err(zip_err)?;
        file.sync_all()
            .map_err(io(format!("syncing {}", tmp.display())))
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, dest).map_err(io(format!("creating {}", dest.display())))
}

/// Replaces every occurrence of each non-empty secret by `[redacted]`.
pub fn redact(bytes: &mut Vec<u8>, secrets: &[String]) {
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        let needle = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(needle) {
                out.extend_from_slice(b"[redacted]");
                i += needle.len();
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        *bytes = out;
    }
}

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "token"]
        .iter()
        .any(|s| k.contains(s))
}

/// The `setting` table, read only; keys naming a secret are left out, signatures only counted.
async fn user_setting_rows(paths: &ProfilePaths) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let db = paths.database();
    if !db.exists() {
        return out;
    }
    let Ok(mut conn) = crate::store::maintenance::open_read_only(&db).await else {
        return out;
    };
    let rows = crate::store::settings::setting_rows_in(&mut conn)
        .await
        .unwrap_or_default();
    for (key, value) in rows {
        if is_secret_key(&key) {
            continue;
        }
        if key == crate::policy::setting_keys::SIGNATURES {
            // The user's own text (names, phone numbers) stays out of a support bundle; how
            // many there are is enough.
            let n = serde_json::from_str::<crate::compose::Signatures>(&value)
                .map(|s| s.list.len())
                .unwrap_or(0);
            out.insert(key, serde_json::json!({ "signatures": n }));
            continue;
        }
        if key == crate::app::auto_replies::AUTO_REPLIES_SETTING {
            // The reply texts are the user's own words: only the state goes into the bundle.
            let v: serde_json::Value = serde_json::from_str(&value).unwrap_or_default();
            out.insert(
                key,
                serde_json::json!({ "supported": v["supported"], "mode": v["mode"] }),
            );
            continue;
        }
        out.insert(
            key,
            serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value)),
        );
    }
    out
}

/// The operating system's own name for itself, where it is cheap to learn.
fn os_version() -> Option<String> {
    #[cfg(windows)]
    {
        use winreg::RegKey;
        use winreg::enums::{HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY};
        let key = RegKey::predef(HKEY_LOCAL_MACHINE)
            .open_subkey_with_flags(
                r"SOFTWARE\Microsoft\Windows NT\CurrentVersion",
                KEY_READ | KEY_WOW64_64KEY,
            )
            .ok()?;
        let name: String = key.get_value("ProductName").ok()?;
        let build: String = key.get_value("CurrentBuild").unwrap_or_default();
        Some(format!("{name} (build {build})"))
    }
    #[cfg(not(windows))]
    {
        let text = std::fs::read_to_string("/etc/os-release").ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_zip(path: &Path) -> Vec<(String, String)> {
        let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut s = String::new();
                f.read_to_string(&mut s).unwrap();
                (f.name().unwrap().to_string(), s)
            })
            .collect()
    }

    #[test]
    fn redaction_replaces_every_occurrence() {
        let mut b = b"a s3cret b s3cret".to_vec();
        redact(&mut b, &["s3cret".into(), String::new()]);
        assert_eq!(b, b"a [redacted] b [redacted]");
    }

    #[tokio::test]
    async fn export_has_logs_profile_settings_and_system_and_no_password() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path().join("p"));
        let app = crate::Kontor::open_with_policy(paths.clone(), Policy::default())
            .await
            .unwrap();
        app.set_setting(crate::policy::SettingChange::AutohideSeconds(20))
            .await
            .unwrap();
        app.set_setting(crate::policy::SettingChange::Signatures(
            crate::compose::Signatures {
                list: vec![crate::compose::Signature {
                    id: "a".into(),
                    name: "Büro".into(),
                    html: "<p>Alice, 0171 5550123</p>".into(),
                }],
                ..Default::default()
            },
        ))
        .await
        .unwrap();
        app.store()
            .set_setting_value("sync.token", "\"tok-abc\"")
            .await
            .unwrap();
        app.store().close().await;
        std::fs::create_dir_all(paths.logs()).unwrap();
        std::fs::write(
            paths.logs().join("kontor.2026-11-27.log"),
            "INFO signed in\nWARN a line that leaked hunter2 by mistake\n",
        )
        .unwrap();

        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let policy =
            Policy::from_json(r#"{"machine": {"ServerUrl": "https://m/", "LockSettings": 1}}"#)
                .unwrap();
        let report = export_logs(&paths, &policy, &out, &["hunter2".into()])
            .await
            .unwrap();
        assert!(report.path.starts_with(&out));
        assert!(report.path.extension().is_some_and(|e| e == "zip"));
        let files = read_zip(&report.path);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "logs/kontor.2026-11-27.log",
                "profile.json",
                "settings.json",
                "system.json"
            ]
        );
        let all: String = files.iter().map(|(_, s)| s.as_str()).collect();
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("[redacted]"));
        assert!(
            !all.contains("tok-abc"),
            "secret-named settings are left out"
        );
        let profile = ProfileFile::load_or_create(&paths).unwrap();
        assert!(files[1].1.contains(&profile.device_id));
        let settings: serde_json::Value = serde_json::from_str(&files[2].1).unwrap();
        assert_eq!(settings["userSettings"]["reminders.autohide_seconds"], 20);
        assert_eq!(
            settings["userSettings"]["compose.signatures"]["signatures"],
            1
        );
        assert!(!all.contains("0171 5550123"), "signature text is left out");
        assert_eq!(settings["effective"]["autohideSeconds"]["locked"], true);
        assert_eq!(
            settings["policy"]["machine"]["serverUrl"],
            serde_json::json!("https://m/")
        );
        let system: serde_json::Value = serde_json::from_str(&files[3].1).unwrap();
        assert_eq!(system["kontorVersion"], env!("CARGO_PKG_VERSION"));
        assert!(
            std::fs::read_dir(&out).unwrap().all(|e| !e
                .unwrap()
                .path()
                .to_string_lossy()
                .ends_with(".part"))
        );
    }

    #[tokio::test]
    async fn an_unwritable_destination_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProfilePaths::new(dir.path().join("p"));
        let err = export_logs(
            &paths,
            &Policy::default(),
            &dir.path().join("missing-folder").join("x.zip"),
            &[],
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("x.zip"), "{err}");
    }
}
