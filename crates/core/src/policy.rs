//! Administrative policy: settings IT fixes for a machine or a user
//! (docs/deployment.md#policy).
//!
//! On Windows the values live under `Software\Policies\Kontor`, in HKLM (machine policy: the
//! MSI's public properties and computer GPOs write them, always in the 64-bit view) and in HKCU
//! (user GPOs). The ADMX template in `packaging/windows/admx` describes the same values:
//!
//! | value | type | meaning |
//! |---|---|---|
//! | `ServerUrl` | REG_SZ | ActiveSync address |
//! | `CalDavUrl` | REG_SZ | CalDAV address |
//! | `AutohideReminders` | REG_DWORD 0/1 | autohide, docs/reminders.md#window-semantics |
//! | `AutohideSeconds` | REG_DWORD 1–3600 | seconds before it hides |
//! | `LockSettings` | REG_DWORD 0/1 | every setting is read-only, not only those set by policy |
//! | `TrustedCertificateFingerprints` | REG_SZ | SHA-256 fingerprints of server certificates accepted although the system does not trust them, separated by `;` (docs/deployment.md#policy) |
//! | `AllowRemoteContent` | REG_DWORD 0/1 | 0: remote content in mail never loads, and the user cannot allow it |
//! | `BlockDangerousAttachments` | REG_DWORD 0/1 | 1: attachments classed dangerous (docs/safety.md) cannot be opened or saved |
//! | `MailSyncWindow` | REG_DWORD 0/1/3/6/12 | the mail kept offline, in months; 0 = all (docs/search.md) |
//! | `CloseToTray` | REG_DWORD 0/1 | 1: closing the main window keeps Kontor running in the notification area (docs/deployment.md#running-in-the-background) |
//! | `Autostart` | REG_DWORD 0/1 | 1: Kontor starts in the background when the user signs in; 0: it never does |
//!
//! Numbers are also accepted as REG_SZ ("15"), because scripts write them that way.
//!
//! Precedence, per setting ([`Policy::resolve`]): machine policy, then user policy, then the
//! user's own setting, then the built-in default. A value set by policy is read-only in the UI;
//! `LockSettings` makes all the others read-only too. Policy is read at every start and never
//! copied into the user's settings, so removing a policy gives the user's own choice back.
//!
//! On other systems there is no policy store; `KONTOR_POLICY_FILE` may name a JSON file
//! `{"machine": {"ServerUrl": "…", "AutohideReminders": 0}, "user": {…}}` with the same names,
//! which is how the behaviour is tested on Linux. It is not read on Windows, where only the
//! registry (writable by administrators) counts.
//!
//! A value of the wrong type or out of range is ignored (the setting falls back to the next
//! source) and listed in [`Policy::problems`] for the diagnostics report.

use serde::Serialize;

/// Registry key (under HKLM and HKCU) that holds the policy values.
pub const POLICY_KEY: &str = r"Software\Policies\Kontor";

/// Environment variable naming a JSON policy file (not on Windows).
pub const POLICY_FILE_ENV: &str = "KONTOR_POLICY_FILE";

/// The value names, as in the registry and the ADMX template.
pub mod names {
    pub const SERVER_URL: &str = "ServerUrl";
    pub const CALDAV_URL: &str = "CalDavUrl";
    pub const AUTOHIDE_REMINDERS: &str = "AutohideReminders";
    pub const AUTOHIDE_SECONDS: &str = "AutohideSeconds";
    pub const LOCK_SETTINGS: &str = "LockSettings";
    pub const TRUSTED_CERTIFICATE_FINGERPRINTS: &str = "TrustedCertificateFingerprints";
    pub const ALLOW_REMOTE_CONTENT: &str = "AllowRemoteContent";
    pub const BLOCK_DANGEROUS_ATTACHMENTS: &str = "BlockDangerousAttachments";
    pub const MAIL_SYNC_WINDOW: &str = "MailSyncWindow";
    pub const CLOSE_TO_TRAY: &str = "CloseToTray";
    pub const AUTOSTART: &str = "Autostart";
}

/// The values `MailSyncWindow` and the setting may take: months of mail kept offline, 0 = all.
pub const MAIL_SYNC_WINDOWS: [u32; 5] = [0, 1, 3, 6, 12];

/// The largest `AutohideSeconds` accepted (one hour).
pub const MAX_AUTOHIDE_SECONDS: u32 = 3600;

/// The values one policy source (machine or user) sets; `None` means "not configured".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyValues {
    pub server_url: Option<String>,
    pub caldav_url: Option<String>,
    pub autohide_reminders: Option<bool>,
    pub autohide_seconds: Option<u32>,
    pub lock_settings: Option<bool>,
    /// SHA-256 fingerprints (`AB:CD:…`) of server certificates to accept although the
    /// platform verifier rejects them (the only way to accept a self-signed certificate).
    pub trusted_certificate_fingerprints: Option<Vec<String>>,
    pub allow_remote_content: Option<bool>,
    pub block_dangerous_attachments: Option<bool>,
    /// `MailSyncWindow`: months of mail kept offline, 0 = all ([`MAIL_SYNC_WINDOWS`]).
    pub mail_sync_window: Option<u32>,
    /// `CloseToTray`: closing the main window keeps the app running.
    pub close_to_tray: Option<bool>,
    /// `Autostart`: the app starts (in the background) with the user's session.
    pub autostart: Option<bool>,
}

/// A raw value as a policy store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawValue {
    Text(String),
    Number(u32),
}

impl PolicyValues {
    /// Reads the values through `get` (one call per value name); wrong types and out-of-range
    /// numbers are skipped and described in `problems`, prefixed with `source`.
    pub fn from_raw(
        source: &str,
        get: impl Fn(&str) -> Option<RawValue>,
        problems: &mut Vec<String>,
    ) -> PolicyValues {
        let mut bad = |name: &str, why: String| problems.push(format!("{source}\\{name}: {why}"));
        let text = |name: &str, bad: &mut dyn FnMut(&str, String)| match get(name) {
            None => None,
            Some(RawValue::Text(s)) if s.trim().is_empty() => None,
            Some(RawValue::Text(s)) => Some(s.trim().to_owned()),
            Some(RawValue::Number(n)) => {
                bad(name, format!("expected text, found the number {n}"));
                None
            }
        };
        let number = |name: &str, bad: &mut dyn FnMut(&str, String)| match get(name) {
            None => None,
            Some(RawValue::Number(n)) => Some(n),
            Some(RawValue::Text(s)) => match s.trim().parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) if s.trim().is_empty() => None,
                Err(_) => {
                    bad(name, format!("expected a number, found {s:?}"));
                    None
                }
            },
        };
        let flag = |name: &str, bad: &mut dyn FnMut(&str, String)| match number(name, bad) {
            None => None,
            Some(0) => Some(false),
            Some(1) => Some(true),
            Some(n) => {
                bad(name, format!("expected 0 or 1, found {n}"));
                None
            }
        };
        let server_url = text(names::SERVER_URL, &mut bad);
        let caldav_url = text(names::CALDAV_URL, &mut bad);
        let autohide_reminders = flag(names::AUTOHIDE_REMINDERS, &mut bad);
        let autohide_seconds = match number(names::AUTOHIDE_SECONDS, &mut bad) {
            Some(n @ 1..=MAX_AUTOHIDE_SECONDS) => Some(n),
            Some(n) => {
                bad(
                    names::AUTOHIDE_SECONDS,
                    format!("{n} is outside 1 to {MAX_AUTOHIDE_SECONDS}"),
                );
                None
            }
            None => None,
        };
        let lock_settings = flag(names::LOCK_SETTINGS, &mut bad);
        let trusted_certificate_fingerprints =
            text(names::TRUSTED_CERTIFICATE_FINGERPRINTS, &mut bad).and_then(|list| {
                let mut fingerprints = Vec::new();
                for entry in fingerprint_entries(&list) {
                    match kontor_net::parse_fingerprint(entry) {
                        Some(fp) => fingerprints.push(kontor_net::fingerprint_text(&fp)),
                        None => bad(
                            names::TRUSTED_CERTIFICATE_FINGERPRINTS,
                            format!("{entry:?} is not a SHA-256 fingerprint (64 hex digits)"),
                        ),
                    }
                }
                (!fingerprints.is_empty()).then_some(fingerprints)
            });
        let allow_remote_content = flag(names::ALLOW_REMOTE_CONTENT, &mut bad);
        let block_dangerous_attachments = flag(names::BLOCK_DANGEROUS_ATTACHMENTS, &mut bad);
        let mail_sync_window = match number(names::MAIL_SYNC_WINDOW, &mut bad) {
            Some(n) if MAIL_SYNC_WINDOWS.contains(&n) => Some(n),
            Some(n) => {
                bad(
                    names::MAIL_SYNC_WINDOW,
                    format!("{n} is not one of 0, 1, 3, 6, 12 (months)"),
                );
                None
            }
            None => None,
        };
        let close_to_tray = flag(names::CLOSE_TO_TRAY, &mut bad);
        let autostart = flag(names::AUTOSTART, &mut bad);
        PolicyValues {
            server_url,
            caldav_url,
            autohide_reminders,
            autohide_seconds,
            lock_settings,
            trusted_certificate_fingerprints,
            allow_remote_content,
            block_dangerous_attachments,
            mail_sync_window,
            close_to_tray,
            autostart,
        }
    }
}

/// The entries of a `TrustedCertificateFingerprints` value, separated by `;`, `,`, spaces or line
/// breaks (a JSON list's brackets and quotes count as separators too).
fn fingerprint_entries(list: &str) -> impl Iterator<Item = &str> {
    list.split(|c: char| matches!(c, ';' | ',' | '[' | ']' | '"') || c.is_whitespace())
        .filter(|e| !e.is_empty())
}

/// Where a setting's effective value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    MachinePolicy,
    UserPolicy,
    UserSetting,
    Default,
}

/// A setting's effective value and whether the UI may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolved<T> {
    /// `None` when nothing sets it: the built-in default applies.
    pub value: Option<T>,
    pub source: Source,
    pub read_only: bool,
}

impl<T> Resolved<T> {
    /// The same, with `default` filled in when nothing sets the value.
    fn into_setting<D>(self, default: D) -> Setting<D>
    where
        T: Into<D>,
    {
        Setting {
            value: self.value.map(Into::into).unwrap_or(default),
            source: self.source,
            locked: self.read_only,
        }
    }
}

/// Keys of the user's own settings in the profile database's `setting` table (values are
/// JSON). Policy values are never stored under these keys.
pub mod setting_keys {
    /// bool: the reminder window hides by itself (docs/reminders.md#window-semantics).
    pub const AUTOHIDE_REMINDERS: &str = "reminders.autohide";
    /// number 1–3600: seconds before it hides.
    pub const AUTOHIDE_SECONDS: &str = "reminders.autohide_seconds";
    /// text: the CalDAV address (used by `--diagnose`; later by calendar sync).
    pub const CALDAV_URL: &str = "caldav.url";
    /// object: the user's signatures and the defaults (`compose::Signatures`).
    pub const SIGNATURES: &str = "compose.signatures";
    /// text "outlook" or "thunderbird": how replies and forwards quote (`compose::QuoteStyle`).
    pub const QUOTE_STYLE: &str = "compose.quote_style";
    /// number 1–1000: the largest message (MB) the server accepts; larger ones are not sent.
    pub const MAX_MESSAGE_MB: &str = "compose.max_message_mb";
    /// number 0, 1, 3, 6 or 12: the mail kept offline in months, 0 = all (the user's choice).
    pub const MAIL_SYNC_WINDOW: &str = "mail.sync_window_months";
    /// The same as in force (policy over the user's choice), written by the app for the sync
    /// engine (engine/mail.rs `MailWindow`); not a user setting.
    pub const ENGINE_MAIL_WINDOW: &str = "engine.mail_window_months";
    /// number: the largest attachment (bytes) the server's ActiveSync policy allows
    /// (Provision MaxAttachmentSize), written by the sync engine at each Provision; absent
    /// when the policy sets none. Not a user setting.
    pub const SERVER_MAX_ATTACHMENT: &str = "server.max_attachment_bytes";
    /// Prefix of `caldav.schedules.<account id>`, bool: the CalDAV account's server schedules
    /// itself (RFC 6638 `calendar-auto-schedule`), written by the sync engine at each
    /// discovery; Kontor then mails no invitations or answers for its calendars. Not a user
    /// setting.
    pub const CALDAV_SCHEDULES_PREFIX: &str = "caldav.schedules.";
    /// bool: closing the main window keeps the app running in the notification area.
    pub const CLOSE_TO_TRAY: &str = "app.close_to_tray";
    /// bool: the app starts in the background when the user signs in to the computer.
    pub const AUTOSTART: &str = "app.autostart";
}

/// Built-in default of `reminders.autohide`: off, so the window stays until answered.
pub const DEFAULT_AUTOHIDE_REMINDERS: bool = false;
/// Built-in default of `reminders.autohide_seconds` (docs/reminders.md#window-semantics).
pub const DEFAULT_AUTOHIDE_SECONDS: u32 = 15;
/// Built-in default of `compose.max_message_mb`: what Exchange and most hosters accept.
pub const DEFAULT_MAX_MESSAGE_MB: u32 = 20;
/// Built-in default of `app.close_to_tray`: on, so reminders keep coming with the window closed.
pub const DEFAULT_CLOSE_TO_TRAY: bool = true;
/// Built-in default of `app.autostart`: off (IT turns it on by policy or the MSI).
pub const DEFAULT_AUTOSTART: bool = false;
/// The largest value of `compose.max_message_mb`.
pub const MAX_MESSAGE_MB: u32 = 1000;

/// What the user chose, before policy is applied. `None`: the user never set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSettings {
    /// The configured account's server address.
    pub server_url: Option<String>,
    pub caldav_url: Option<String>,
    pub autohide_reminders: Option<bool>,
    pub autohide_seconds: Option<u32>,
    pub signatures: Option<crate::compose::Signatures>,
    pub quote_style: Option<crate::compose::QuoteStyle>,
    pub max_message_mb: Option<u32>,
    pub mail_sync_window: Option<u32>,
    pub close_to_tray: Option<bool>,
    pub autostart: Option<bool>,
}

/// One setting as the UI shows it: the value in force, where it comes from, and whether the UI
/// must show it read-only (`locked`: set by policy, or `LockSettings` is on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
    pub locked: bool,
}

/// Every setting policy can fix, resolved ([`Policy::effective`]; over IPC the
/// `effective_settings` command). JSON (camelCase):
///
/// ```json
/// {"serverUrl": {"value": "https://…", "source": "machine_policy", "locked": true},
///  "caldavUrl": {"value": null, "source": "default", "locked": false},
///  "autohideReminders": {"value": false, "source": "user_setting", "locked": false},
///  "autohideSeconds": {"value": 15, "source": "default", "locked": false},
///  "lockSettings": {"value": false, "source": "default", "locked": true}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveSettings {
    /// `None`: no policy and no account yet; the user types the address.
    pub server_url: Setting<Option<String>>,
    pub caldav_url: Setting<Option<String>>,
    pub autohide_reminders: Setting<bool>,
    pub autohide_seconds: Setting<u32>,
    /// The user's signatures and the defaults for new mail and replies (no policy sets them).
    pub signatures: Setting<crate::compose::Signatures>,
    /// How replies and forwards quote the original (no policy sets it).
    pub quote_style: Setting<crate::compose::QuoteStyle>,
    /// The largest message (MB) the server accepts: a larger one is refused before it is
    /// queued (no policy sets it).
    pub max_message_mb: Setting<u32>,
    /// The mail kept offline in months, 0 = all (`MailSyncWindow`).
    pub mail_sync_window: Setting<u32>,
    /// Closing the main window keeps the app running in the notification area (`CloseToTray`).
    pub close_to_tray: Setting<bool>,
    /// The app starts in the background with the user's session (`Autostart`).
    pub autostart: Setting<bool>,
    /// Whether `LockSettings` is on (machine, else user policy); always `locked`.
    pub lock_settings: Setting<bool>,
}

/// A change the user makes to one of their own settings ([`crate::Kontor::set_setting`]).
/// JSON: `{"key": "autohideSeconds", "value": 30}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(tag = "key", content = "value", rename_all = "camelCase")]
pub enum SettingChange {
    AutohideReminders(bool),
    AutohideSeconds(u32),
    /// `None` or an empty text removes the user's CalDAV address.
    CaldavUrl(Option<String>),
    /// The whole list of signatures and the defaults; sanitised before it is stored.
    Signatures(crate::compose::Signatures),
    QuoteStyle(crate::compose::QuoteStyle),
    /// 1 to 1000.
    MaxMessageMb(u32),
    /// Months of mail kept offline: 0 (all), 1, 3, 6 or 12.
    MailSyncWindow(u32),
    CloseToTray(bool),
    Autostart(bool),
}

/// The policy in force for this run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub machine: PolicyValues,
    pub user: PolicyValues,
    /// Values that were present but unusable (ignored), for the diagnostics report.
    pub problems: Vec<String>,
}

impl Policy {
    /// Reads the machine and user policy of this system. Never fails: an unreadable store is
    /// logged and treated as "no policy" (and listed in `problems`).
    pub fn load() -> Policy {
        let policy = platform::load();
        for p in &policy.problems {
            tracing::warn!(problem = %p, "policy value ignored");
        }
        policy
    }

    /// `AllowRemoteContent` from machine policy, else from user policy; allowed when unset
    /// (the user decides per message, sender or domain).
    pub fn allows_remote_content(&self) -> bool {
        self.machine
            .allow_remote_content
            .or(self.user.allow_remote_content)
            .unwrap_or(true)
    }

    /// `BlockDangerousAttachments` from machine policy, else from user policy; off when unset
    /// (dangerous attachments get a warning and a question before they open).
    pub fn blocks_dangerous_attachments(&self) -> bool {
        self.machine
            .block_dangerous_attachments
            .or(self.user.block_dangerous_attachments)
            .unwrap_or(false)
    }

    /// `TrustedCertificateFingerprints` from machine policy, else from user policy: the server
    /// certificates to accept although the system does not trust them.
    pub fn trusted_certificate_fingerprints(&self) -> Vec<[u8; 32]> {
        self.machine
            .trusted_certificate_fingerprints
            .as_ref()
            .or(self.user.trusted_certificate_fingerprints.as_ref())
            .map(|list| {
                list.iter()
                    .filter_map(|t| kontor_net::parse_fingerprint(t))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Makes the policy's network settings (`TrustedCertificateFingerprints`) the default of
    /// every HTTP client built from now on in this process.
    pub fn apply_to_network(&self) {
        kontor_net::set_default_trusted_fingerprints(self.trusted_certificate_fingerprints());
    }

    /// `LockSettings` from machine policy, else from user policy.
    pub fn locks_all_settings(&self) -> bool {
        self.machine
            .lock_settings
            .or(self.user.lock_settings)
            .unwrap_or(false)
    }

    /// The effective value of one setting: machine policy, then user policy, then the user's
    /// own setting, then the default (`value: None`).
    pub fn resolve<T: Clone>(
        &self,
        field: impl Fn(&PolicyValues) -> Option<T>,
        user_setting: Option<T>,
    ) -> Resolved<T> {
        let lock = self.locks_all_settings();
        if let Some(v) = field(&self.machine) {
            return Resolved {
                value: Some(v),
                source: Source::MachinePolicy,
                read_only: true,
            };
        }
        if let Some(v) = field(&self.user) {
            return Resolved {
                value: Some(v),
                source: Source::UserPolicy,
                read_only: true,
            };
        }
        match user_setting {
            Some(v) => Resolved {
                value: Some(v),
                source: Source::UserSetting,
                read_only: lock,
            },
            None => Resolved {
                value: None,
                source: Source::Default,
                read_only: lock,
            },
        }
    }

    /// The settings in force for this run: each one's value, where it comes from and whether
    /// the UI must show it read-only. `user` is what the user chose (the `setting` table and the
    /// configured account); policy always wins and is never written back into `user`.
    pub fn effective(&self, user: &UserSettings) -> EffectiveSettings {
        let lock_source = if self.machine.lock_settings.is_some() {
            Source::MachinePolicy
        } else if self.user.lock_settings.is_some() {
            Source::UserPolicy
        } else {
            Source::Default
        };
        EffectiveSettings {
            server_url: self
                .resolve(|v| v.server_url.clone(), user.server_url.clone())
                .into_setting(None),
            caldav_url: self
                .resolve(|v| v.caldav_url.clone(), user.caldav_url.clone())
                .into_setting(None),
            autohide_reminders: self
                .resolve(|v| v.autohide_reminders, user.autohide_reminders)
                .into_setting(DEFAULT_AUTOHIDE_REMINDERS),
            autohide_seconds: self
                .resolve(|v| v.autohide_seconds, user.autohide_seconds)
                .into_setting(DEFAULT_AUTOHIDE_SECONDS),
            signatures: self
                .resolve(|_| None, user.signatures.clone())
                .into_setting(Default::default()),
            quote_style: self
                .resolve(|_| None, user.quote_style)
                .into_setting(Default::default()),
            max_message_mb: self
                .resolve(|_| None, user.max_message_mb)
                .into_setting(DEFAULT_MAX_MESSAGE_MB),
            mail_sync_window: self
                .resolve(|v| v.mail_sync_window, user.mail_sync_window)
                .into_setting(0),
            close_to_tray: self
                .resolve(|v| v.close_to_tray, user.close_to_tray)
                .into_setting(DEFAULT_CLOSE_TO_TRAY),
            autostart: self
                .resolve(|v| v.autostart, user.autostart)
                .into_setting(DEFAULT_AUTOSTART),
            lock_settings: Setting {
                value: self.locks_all_settings(),
                source: lock_source,
                // Only policy sets it; a user can never change it.
                locked: true,
            },
        }
    }

    /// Parses the JSON form (`{"machine": {...}, "user": {...}}`, registry value names).
    pub fn from_json(json: &str) -> Result<Policy, String> {
        let doc: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("not valid JSON: {e}"))?;
        let mut problems = Vec::new();
        let mut side = |name: &str| {
            let obj = doc.get(name).and_then(|v| v.as_object()).cloned();
            PolicyValues::from_raw(
                name,
                |value| {
                    let v = obj.as_ref()?.get(value)?;
                    match v {
                        serde_json::Value::String(s) => Some(RawValue::Text(s.clone())),
                        serde_json::Value::Bool(b) => Some(RawValue::Number(u32::from(*b))),
                        serde_json::Value::Number(n) => Some(
                            n.as_u64()
                                .and_then(|n| u32::try_from(n).ok())
                                .map(RawValue::Number)
                                .unwrap_or_else(|| RawValue::Text(n.to_string())),
                        ),
                        other => Some(RawValue::Text(other.to_string())),
                    }
                },
                &mut problems,
            )
        };
        let machine = side("machine");
        let user = side("user");
        Ok(Policy {
            machine,
            user,
            problems,
        })
    }
}

#[cfg(windows)]
mod platform {
    use winreg::RegKey;
    use winreg::enums::{
        HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, RegType,
    };
    use winreg::types::FromRegValue;

    use super::{POLICY_KEY, Policy, PolicyValues, RawValue};

    fn read(hive: RegKey, source: &str, problems: &mut Vec<String>) -> PolicyValues {
        // The 64-bit view, where the MSI's Win64 components write (no WOW64 redirection).
        let key = match hive.open_subkey_with_flags(POLICY_KEY, KEY_READ | KEY_WOW64_64KEY) {
            Ok(key) => key,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return PolicyValues::default(),
            Err(e) => {
                problems.push(format!("{source}\\{POLICY_KEY}: cannot be read: {e}"));
                return PolicyValues::default();
            }
        };
        PolicyValues::from_raw(
            source,
            |name| {
                let raw = key.get_raw_value(name).ok()?;
                match raw.vtype {
                    RegType::REG_SZ | RegType::REG_EXPAND_SZ => {
                        String::from_reg_value(&raw).ok().map(RawValue::Text)
                    }
                    RegType::REG_DWORD => u32::from_reg_value(&raw).ok().map(RawValue::Number),
                    other => Some(RawValue::Text(format!("<unsupported type {other:?}>"))),
                }
            },
            problems,
        )
    }

    pub(super) fn load() -> Policy {
        let mut problems = Vec::new();
        let machine = read(RegKey::predef(HKEY_LOCAL_MACHINE), "HKLM", &mut problems);
        let user = read(RegKey::predef(HKEY_CURRENT_USER), "HKCU", &mut problems);
        Policy {
            machine,
            user,
            problems,
        }
    }
}

#[cfg(not(windows))]
mod platform {
    use super::{POLICY_FILE_ENV, Policy};

    pub(super) fn load() -> Policy {
        let Some(path) = std::env::var_os(POLICY_FILE_ENV).filter(|p| !p.is_empty()) else {
            return Policy::default();
        };
        load_file(std::path::Path::new(&path))
    }

    pub(super) fn load_file(path: &std::path::Path) -> Policy {
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|json| Policy::from_json(&json));
        parsed.unwrap_or_else(|why| Policy {
            problems: vec![format!("{}: {why}", path.display())],
            ..Policy::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(server: Option<&str>, autohide: Option<bool>, lock: Option<bool>) -> PolicyValues {
        PolicyValues {
            server_url: server.map(str::to_owned),
            autohide_reminders: autohide,
            lock_settings: lock,
            ..PolicyValues::default()
        }
    }

    #[test]
    fn machine_policy_beats_user_policy_beats_user_setting_beats_default() {
        let user_setting = Some("https://mine/".to_owned());
        let both = Policy {
            machine: values(Some("https://machine/"), None, None),
            user: values(Some("https://user-policy/"), None, None),
            problems: vec![],
        };
        let r = both.resolve(|v| v.server_url.clone(), user_setting.clone());
        assert_eq!(r.value.as_deref(), Some("https://machine/"));
        assert_eq!(r.source, Source::MachinePolicy);
        assert!(r.read_only);

        let user_only = Policy {
            machine: PolicyValues::default(),
            ..both.clone()
        };
        let r = user_only.resolve(|v| v.server_url.clone(), user_setting.clone());
        assert_eq!(
            (r.value.as_deref(), r.source, r.read_only),
            (Some("https://user-policy/"), Source::UserPolicy, true)
        );

        let none = Policy::default();
        let r = none.resolve(|v| v.server_url.clone(), user_setting);
        assert_eq!(
            (r.value.as_deref(), r.source, r.read_only),
            (Some("https://mine/"), Source::UserSetting, false)
        );
        let r = none.resolve(|v| v.server_url.clone(), None);
        assert_eq!(
            (r.value, r.source, r.read_only),
            (None, Source::Default, false)
        );
    }

    #[test]
    fn a_false_policy_is_a_value_not_an_absence() {
        // AUTOHIDEREMINDERS=0 must beat a user who turned autohide on.
        let p = Policy {
            machine: values(None, Some(false), None),
            ..Policy::default()
        };
        let r = p.resolve(|v| v.autohide_reminders, Some(true));
        assert_eq!(r.value, Some(false));
        assert_eq!(r.source, Source::MachinePolicy);
    }

    #[test]
    fn lock_settings_makes_the_rest_read_only_and_machine_lock_wins() {
        let locked = Policy {
            machine: values(None, None, Some(true)),
            ..Policy::default()
        };
        let r = locked.resolve(|v| v.autohide_seconds, Some(30));
        assert_eq!(
            (r.value, r.source, r.read_only),
            (Some(30), Source::UserSetting, true)
        );
        assert!(locked.resolve(|v| v.autohide_seconds, None).read_only);

        let machine_unlocks = Policy {
            machine: values(None, None, Some(false)),
            user: values(None, None, Some(true)),
            problems: vec![],
        };
        assert!(!machine_unlocks.locks_all_settings());
        let user_locks = Policy {
            user: values(None, None, Some(true)),
            ..Policy::default()
        };
        assert!(user_locks.locks_all_settings());
    }

    #[test]
    fn effective_settings_say_value_source_and_lock() {
        let user = UserSettings {
            server_url: Some("https://mine/".into()),
            caldav_url: None,
            autohide_reminders: Some(true),
            autohide_seconds: None,
            ..UserSettings::default()
        };
        let none = Policy::default().effective(&user);
        assert_eq!(
            none.server_url,
            Setting {
                value: Some("https://mine/".into()),
                source: Source::UserSetting,
                locked: false
            }
        );
        assert_eq!(
            none.caldav_url,
            Setting {
                value: None,
                source: Source::Default,
                locked: false
            }
        );
        assert_eq!(
            (
                none.autohide_reminders.value,
                none.autohide_reminders.source
            ),
            (true, Source::UserSetting)
        );
        assert_eq!(
            none.autohide_seconds,
            Setting {
                value: DEFAULT_AUTOHIDE_SECONDS,
                source: Source::Default,
                locked: false
            }
        );
        assert_eq!(
            none.lock_settings,
            Setting {
                value: false,
                source: Source::Default,
                locked: true
            }
        );

        let p = Policy {
            machine: PolicyValues {
                autohide_reminders: Some(false),
                ..PolicyValues::default()
            },
            user: PolicyValues {
                autohide_seconds: Some(40),
                lock_settings: Some(true),
                ..PolicyValues::default()
            },
            problems: vec![],
        };
        let e = p.effective(&user);
        assert_eq!(
            e.autohide_reminders,
            Setting {
                value: false,
                source: Source::MachinePolicy,
                locked: true
            }
        );
        assert_eq!(
            e.autohide_seconds,
            Setting {
                value: 40,
                source: Source::UserPolicy,
                locked: true
            }
        );
        // LockSettings makes the user's own choices read-only too.
        assert_eq!(
            e.server_url,
            Setting {
                value: Some("https://mine/".into()),
                source: Source::UserSetting,
                locked: true
            }
        );
        assert_eq!(
            (e.lock_settings.value, e.lock_settings.source),
            (true, Source::UserPolicy)
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["autohideSeconds"]["source"], "user_policy");
        assert_eq!(json["autohideReminders"]["locked"], true);
        assert_eq!(json["caldavUrl"]["value"], serde_json::Value::Null);
    }

    #[test]
    fn setting_change_json() {
        let c: SettingChange =
            serde_json::from_str(r#"{"key": "autohideSeconds", "value": 30}"#).unwrap();
        assert_eq!(c, SettingChange::AutohideSeconds(30));
        let c: SettingChange =
            serde_json::from_str(r#"{"key": "caldavUrl", "value": null}"#).unwrap();
        assert_eq!(c, SettingChange::CaldavUrl(None));
        assert!(serde_json::from_str::<SettingChange>(r#"{"key": "nope", "value": 1}"#).is_err());
    }

    #[test]
    fn raw_values_are_typed_and_bad_ones_ignored_with_a_reason() {
        let raw = |name: &str| match name {
            "ServerUrl" => Some(RawValue::Text(
                "  https://mail.example.com/Microsoft-Server-ActiveSync ".into(),
            )),
            "CalDavUrl" => Some(RawValue::Number(7)),
            "AutohideReminders" => Some(RawValue::Text("1".into())),
            "AutohideSeconds" => Some(RawValue::Number(0)),
            "LockSettings" => Some(RawValue::Number(2)),
            _ => None,
        };
        let mut problems = Vec::new();
        let v = PolicyValues::from_raw("HKLM", raw, &mut problems);
        assert_eq!(
            v.server_url.as_deref(),
            Some("https://mail.example.com/Microsoft-Server-ActiveSync")
        );
        assert_eq!(v.caldav_url, None);
        assert_eq!(v.autohide_reminders, Some(true));
        assert_eq!(v.autohide_seconds, None);
        assert_eq!(v.lock_settings, None);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("HKLM\\CalDavUrl")));
        assert!(problems.iter().any(|p| p.contains("outside 1 to 3600")));
        assert!(problems.iter().any(|p| p.contains("expected 0 or 1")));

        let mut problems = Vec::new();
        let v = PolicyValues::from_raw(
            "HKCU",
            |name| (name == "AutohideSeconds").then(|| RawValue::Text("15".into())),
            &mut problems,
        );
        assert_eq!(v.autohide_seconds, Some(15));
        assert!(problems.is_empty());
    }

    #[test]
    fn json_form_for_systems_without_a_registry() {
        let p = Policy::from_json(
            r#"{"machine": {"ServerUrl": "https://m/", "AutohideReminders": 0, "AutohideSeconds": 20},
                "user": {"LockSettings": true, "AutohideSeconds": "x"}}"#,
        )
        .unwrap();
        assert_eq!(p.machine.server_url.as_deref(), Some("https://m/"));
        assert_eq!(p.machine.autohide_reminders, Some(false));
        assert_eq!(p.machine.autohide_seconds, Some(20));
        assert_eq!(p.user.lock_settings, Some(true));
        assert_eq!(p.user.autohide_seconds, None);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert!(Policy::from_json("{").is_err());
        assert_eq!(Policy::from_json("{}").unwrap(), Policy::default());
    }

    #[cfg(not(windows))]
    #[test]
    fn policy_file_is_read_and_a_broken_one_is_no_policy_with_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.json");
        std::fs::write(&file, r#"{"machine": {"CalDavUrl": "https://c/"}}"#).unwrap();
        let p = platform::load_file(&file);
        assert_eq!(p.machine.caldav_url.as_deref(), Some("https://c/"));
        std::fs::write(&file, b"not json").unwrap();
        let p = platform::load_file(&file);
        assert_eq!(p.machine, PolicyValues::default());
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        let p = platform::load_file(&dir.path().join("absent.json"));
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    }

    #[test]
    fn safety_policies_default_to_allowing_remote_content_and_not_blocking_attachments() {
        let none = Policy::default();
        assert!(none.allows_remote_content());
        assert!(!none.blocks_dangerous_attachments());
        let p = Policy::from_json(
            r#"{"machine": {"AllowRemoteContent": 0}, "user": {"AllowRemoteContent": 1,
                "BlockDangerousAttachments": 1}}"#,
        )
        .unwrap();
        assert!(!p.allows_remote_content(), "machine policy wins");
        assert!(
            p.blocks_dangerous_attachments(),
            "user policy applies when machine is unset"
        );
        let bad = Policy::from_json(r#"{"machine": {"BlockDangerousAttachments": 7}}"#).unwrap();
        assert!(!bad.blocks_dangerous_attachments());
        assert_eq!(bad.problems.len(), 1, "{:?}", bad.problems);
    }

    #[test]
    fn trusted_certificate_fingerprints_in_any_spelling_and_bad_entries_named() {
        let fp = "AB:".repeat(31) + "AB";
        let plain = "cd".repeat(32);
        let p = Policy::from_json(&format!(
            r#"{{"machine": {{"TrustedCertificateFingerprints": "{fp}; {plain},nonsense"}},
                "user": {{"TrustedCertificateFingerprints": "{}"}}}}"#,
            "EF".repeat(32)
        ))
        .unwrap();
        assert_eq!(
            p.machine.trusted_certificate_fingerprints,
            Some(vec![fp.clone(), "CD:".repeat(31) + "CD"])
        );
        assert_eq!(
            p.trusted_certificate_fingerprints(),
            vec![[0xAB; 32], [0xCD; 32]]
        );
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert!(p.problems[0].contains("TrustedCertificateFingerprints"));
        // The user's list counts when the machine sets none; a JSON list works too.
        let p = Policy::from_json(&format!(
            r#"{{"user": {{"TrustedCertificateFingerprints": ["{fp}", "{plain}"]}}}}"#
        ))
        .unwrap();
        assert_eq!(
            p.trusted_certificate_fingerprints(),
            vec![[0xAB; 32], [0xCD; 32]]
        );
        assert!(
            Policy::default()
                .trusted_certificate_fingerprints()
                .is_empty()
        );
    }

    #[test]
    fn close_to_tray_and_autostart_default_to_on_and_off_and_policy_fixes_them() {
        let none = Policy::default().effective(&UserSettings::default());
        assert_eq!(
            (none.close_to_tray.value, none.close_to_tray.source),
            (true, Source::Default)
        );
        assert_eq!(
            (none.autostart.value, none.autostart.source),
            (false, Source::Default)
        );
        let p = Policy::from_json(
            r#"{"machine": {"Autostart": 1}, "user": {"CloseToTray": 0, "Autostart": 2}}"#,
        )
        .unwrap();
        assert_eq!(p.machine.autostart, Some(true));
        assert_eq!(p.user.autostart, None, "2 is not a flag");
        assert!(p.problems.iter().any(|m| m.contains("Autostart")));
        let e = p.effective(&UserSettings {
            close_to_tray: Some(true),
            autostart: Some(false),
            ..UserSettings::default()
        });
        assert_eq!(
            (
                e.close_to_tray.value,
                e.close_to_tray.source,
                e.close_to_tray.locked
            ),
            (false, Source::UserPolicy, true)
        );
        assert_eq!(
            (e.autostart.value, e.autostart.source, e.autostart.locked),
            (true, Source::MachinePolicy, true)
        );
        let mine = Policy::default().effective(&UserSettings {
            close_to_tray: Some(false),
            autostart: Some(true),
            ..UserSettings::default()
        });
        assert_eq!(
            (
                mine.close_to_tray.value,
                mine.autostart.value,
                mine.autostart.locked
            ),
            (false, true, false)
        );
    }

    #[test]
    fn mail_sync_window_takes_the_listed_months_only() {
        let p = Policy::from_json(
            r#"{"machine": {"MailSyncWindow": 3}, "user": {"MailSyncWindow": 5}}"#,
        )
        .unwrap();
        assert_eq!(p.machine.mail_sync_window, Some(3));
        assert_eq!(p.user.mail_sync_window, None);
        assert!(
            p.problems.iter().any(|m| m.contains("MailSyncWindow")),
            "{:?}",
            p.problems
        );
        let e = p.effective(&UserSettings {
            mail_sync_window: Some(12),
            ..UserSettings::default()
        });
        assert_eq!(
            (e.mail_sync_window.value, e.mail_sync_window.locked),
            (3, true)
        );
        let e = Policy::default().effective(&UserSettings {
            mail_sync_window: Some(12),
            ..UserSettings::default()
        });
        assert_eq!(
            (e.mail_sync_window.value, e.mail_sync_window.source),
            (12, Source::UserSetting)
        );
        assert_eq!(
            Policy::default()
                .effective(&UserSettings::default())
                .mail_sync_window
                .value,
            0
        );
    }

    #[test]
    fn every_policy_value_is_in_the_admx_template_with_english_and_german_texts() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/windows/admx");
        let admx = std::fs::read_to_string(dir.join("kontor.admx")).unwrap();
        let en = std::fs::read_to_string(dir.join("en-US/kontor.adml")).unwrap();
        let de = std::fs::read_to_string(dir.join("de-DE/kontor.adml")).unwrap();
        for name in [
            names::SERVER_URL,
            names::CALDAV_URL,
            names::AUTOHIDE_REMINDERS,
            names::AUTOHIDE_SECONDS,
            names::LOCK_SETTINGS,
            names::ALLOW_REMOTE_CONTENT,
            names::BLOCK_DANGEROUS_ATTACHMENTS,
            names::TRUSTED_CERTIFICATE_FINGERPRINTS,
            names::MAIL_SYNC_WINDOW,
            names::CLOSE_TO_TRAY,
            names::AUTOSTART,
        ] {
            assert!(
                admx.contains(&format!("valueName=\"{name}\"")),
                "{name} not in kontor.admx"
            );
            for (lang, adml) in [("en-US", &en), ("de-DE", &de)] {
                assert!(
                    adml.contains(&format!("<string id=\"{name}\">"))
                        && adml.contains(&format!("<string id=\"{name}_Help\">")),
                    "{name} has no texts in {lang}/kontor.adml"
                );
            }
        }
    }
}
