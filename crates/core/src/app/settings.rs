//! The user's settings under the machine and user policy, and saving state on shutdown.

use super::Kontor;
use crate::error::CoreError;
use crate::policy::{EffectiveSettings, Policy, SettingChange, UserSettings, setting_keys};

impl Kontor {
    /// Makes everything written so far durable in the database file itself (SQLite WAL
    /// checkpoint), for when the process is about to be ended from outside (Windows Restart
    /// Manager, session end). The app keeps working afterwards.
    pub async fn save_state(&self) -> Result<(), CoreError> {
        self.store.checkpoint_wal().await?;
        tracing::info!("state saved (WAL checkpoint)");
        Ok(())
    }

    /// The machine and user policy read when the profile was opened.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The user's own settings (the `setting` table and the configured account), before policy.
    pub async fn user_settings(&self) -> Result<UserSettings, CoreError> {
        let rows = self
            .store
            .setting_values([
                setting_keys::AUTOHIDE_REMINDERS,
                setting_keys::AUTOHIDE_SECONDS,
                setting_keys::CALDAV_URL,
            ])
            .await?;
        let mut out = UserSettings {
            server_url: self.account_config().await.map(|a| a.server_url),
            ..UserSettings::default()
        };
        for (key, value) in rows {
            // A value of the wrong shape is ignored (the default applies) rather than fatal.
            let v: serde_json::Value = serde_json::from_str(&value).unwrap_or_default();
            match key.as_str() {
                setting_keys::AUTOHIDE_REMINDERS => out.autohide_reminders = v.as_bool(),
                setting_keys::AUTOHIDE_SECONDS => {
                    out.autohide_seconds = v.as_u64().and_then(|n| u32::try_from(n).ok())
                }
                setting_keys::CALDAV_URL => {
                    out.caldav_url = v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
                }
                _ => {}
            }
        }
        let pool = self.store.pool();
        let read = async |key| crate::store::settings::read_setting(pool, key).await;
        out.signatures = read(setting_keys::SIGNATURES)
            .await?
            .and_then(|v| serde_json::from_str(&v).ok());
        out.quote_style = read(setting_keys::QUOTE_STYLE)
            .await?
            .and_then(|v| serde_json::from_str(&v).ok());
        out.max_message_mb = read(setting_keys::MAX_MESSAGE_MB)
            .await?
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| (1..=crate::policy::MAX_MESSAGE_MB).contains(n));
        out.mail_sync_window = read(setting_keys::MAIL_SYNC_WINDOW)
            .await?
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| crate::policy::MAIL_SYNC_WINDOWS.contains(n));
        let flag = |v: Option<String>| v.and_then(|v| serde_json::from_str::<bool>(&v).ok());
        out.close_to_tray = flag(read(setting_keys::CLOSE_TO_TRAY).await?);
        out.autostart = flag(read(setting_keys::AUTOSTART).await?);
        Ok(out)
    }

    /// The settings in force: policy over the user's own setting over the default, each with its
    /// source and whether it is locked. The reminder window and the settings screen read this;
    /// see [`EffectiveSettings`] for the JSON the `effective_settings` IPC command returns.
    pub async fn effective_settings(&self) -> Result<EffectiveSettings, CoreError> {
        Ok(self.policy.effective(&self.user_settings().await?))
    }

    /// Changes one of the user's own settings and returns the settings now in force. Refused
    /// ([`CoreError::InvalidInput`]) when the setting is locked by policy or out of range.
    pub async fn set_setting(&self, change: SettingChange) -> Result<EffectiveSettings, CoreError> {
        let now = self.effective_settings().await?;
        let (key, locked, value) = match &change {
            SettingChange::AutohideReminders(b) => (
                setting_keys::AUTOHIDE_REMINDERS,
                now.autohide_reminders.locked,
                serde_json::json!(b),
            ),
            SettingChange::AutohideSeconds(n) => {
                if !(1..=crate::policy::MAX_AUTOHIDE_SECONDS).contains(n) {
                    return Err(CoreError::InvalidInput(format!(
                        "autohide seconds must be 1 to {}, not {n}",
                        crate::policy::MAX_AUTOHIDE_SECONDS
                    )));
                }
                (
                    setting_keys::AUTOHIDE_SECONDS,
                    now.autohide_seconds.locked,
                    serde_json::json!(n),
                )
            }
            SettingChange::CaldavUrl(url) => (
                setting_keys::CALDAV_URL,
                now.caldav_url.locked,
                serde_json::json!(url.as_deref().map(str::trim).filter(|u| !u.is_empty())),
            ),
            SettingChange::Signatures(list) => (
                setting_keys::SIGNATURES,
                now.signatures.locked,
                serde_json::json!(list.cleaned().map_err(CoreError::InvalidInput)?),
            ),
            SettingChange::MaxMessageMb(n) => {
                if !(1..=crate::policy::MAX_MESSAGE_MB).contains(n) {
                    return Err(CoreError::InvalidInput(format!(
                        "the largest message must be 1 to {} MB, not {n}",
                        crate::policy::MAX_MESSAGE_MB
                    )));
                }
                (
                    setting_keys::MAX_MESSAGE_MB,
                    now.max_message_mb.locked,
                    serde_json::json!(n),
                )
            }
            SettingChange::MailSyncWindow(months) => {
                if !crate::policy::MAIL_SYNC_WINDOWS.contains(months) {
                    return Err(CoreError::InvalidInput(format!(
                        "the mail kept offline must be 0, 1, 3, 6 or 12 months, not {months}"
                    )));
                }
                (
                    setting_keys::MAIL_SYNC_WINDOW,
                    now.mail_sync_window.locked,
                    serde_json::json!(months),
                )
            }
            SettingChange::CloseToTray(on) => (
                setting_keys::CLOSE_TO_TRAY,
                now.close_to_tray.locked,
                serde_json::json!(on),
            ),
            SettingChange::Autostart(on) => (
                setting_keys::AUTOSTART,
                now.autostart.locked,
                serde_json::json!(on),
            ),
            SettingChange::QuoteStyle(style) => (
                setting_keys::QUOTE_STYLE,
                now.quote_style.locked,
                serde_json::json!(style),
            ),
        };
        if locked {
            return Err(CoreError::InvalidInput(format!(
                "the setting {key} is locked by policy"
            )));
        }
        self.store
            .set_setting_value(key, &value.to_string())
            .await?;
        if key == setting_keys::SIGNATURES {
            // The user's text stays out of the log.
            tracing::info!(%key, "setting changed");
        } else {
            tracing::info!(%key, %value, "setting changed");
        }
        if key == setting_keys::MAIL_SYNC_WINDOW && self.apply_mail_window().await? {
            // The folders sync again from the start with the new window, now if online.
            if self.is_syncing().await {
                self.sync_now().await?;
            }
        }
        self.effective_settings().await
    }

    /// Hands the mail kept offline in force (policy over the user's choice) to the sync
    /// engine. When it differs from what the engine used so far, every mail folder syncs
    /// again from SyncKey 0 with the new window (engine/mail.rs `MailWindow`): a smaller
    /// window removes older cached mail (never local changes or the outbox), a larger one
    /// fetches what is now inside. Returns whether it changed.
    pub(crate) async fn apply_mail_window(&self) -> Result<bool, CoreError> {
        let months = self.effective_settings().await?.mail_sync_window.value;
        let pool = self.store.pool();
        let before = crate::store::settings::read_setting(pool, setting_keys::ENGINE_MAIL_WINDOW)
            .await?
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(0);
        if before == months {
            return Ok(false);
        }
        self.store
            .set_setting_value(setting_keys::ENGINE_MAIL_WINDOW, &months.to_string())
            .await?;
        if let Ok(account_id) = self.current_account_id().await {
            let mail = crate::engine::mail::MailSyncer;
            for f in self.store.folders(account_id).await? {
                let t = kontor_eas::FolderType::from_code(f.folder_type as u8);
                if crate::engine::CollectionSyncer::handles(&mail, t) {
                    self.store
                        .begin_mail_resync(account_id, &f.server_id)
                        .await?;
                }
            }
        }
        tracing::info!(
            before,
            months,
            "mail kept offline changed; mail folders sync again"
        );
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyValues, Source};
    use crate::profile::ProfilePaths;

    #[tokio::test]
    async fn settings_follow_policy_and_policy_is_never_stored() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy {
            machine: PolicyValues {
                autohide_reminders: Some(true),
                ..PolicyValues::default()
            },
            ..Policy::default()
        };
        let app = Kontor::open_with_policy(ProfilePaths::new(dir.path()), policy)
            .await
            .unwrap();
        let e = app.effective_settings().await.unwrap();
        assert_eq!(
            (e.autohide_reminders.value, e.autohide_reminders.source),
            (true, Source::MachinePolicy)
        );
        assert!(e.autohide_reminders.locked);
        assert!(!e.autohide_seconds.locked);

        // Locked by policy: refused, nothing written.
        let err = app
            .set_setting(SettingChange::AutohideReminders(false))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("locked by policy"), "{err}");
        let e = app
            .set_setting(SettingChange::AutohideSeconds(42))
            .await
            .unwrap();
        assert_eq!(
            (e.autohide_seconds.value, e.autohide_seconds.source),
            (42, Source::UserSetting)
        );
        assert!(
            app.set_setting(SettingChange::AutohideSeconds(0))
                .await
                .is_err()
        );
        let mut conn = app.store().pool().acquire().await.unwrap();
        let stored: Vec<String> = crate::store::settings::setting_rows_in(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        drop(conn);
        assert_eq!(stored, vec![setting_keys::AUTOHIDE_SECONDS.to_owned()]);
        app.store().close().await;

        // Without the policy the user's own (never written) choice is the default again.
        let app = Kontor::open_with_policy(ProfilePaths::new(dir.path()), Policy::default())
            .await
            .unwrap();
        let e = app.effective_settings().await.unwrap();
        assert_eq!(
            (e.autohide_reminders.value, e.autohide_reminders.source),
            (false, Source::Default)
        );
        assert_eq!(e.autohide_seconds.value, 42);
    }

    #[tokio::test]
    async fn signatures_and_quote_style_are_stored_sanitised() {
        use crate::compose::{QuoteStyle, Signature, Signatures};
        let dir = tempfile::tempdir().unwrap();
        let app = Kontor::open_with_policy(ProfilePaths::new(dir.path()), Policy::default())
            .await
            .unwrap();
        let e = app.effective_settings().await.unwrap();
        assert_eq!(e.quote_style.value, QuoteStyle::Outlook);
        assert!(e.signatures.value.list.is_empty());
        let e = app
            .set_setting(SettingChange::Signatures(Signatures {
                list: vec![Signature {
                    id: "a".into(),
                    name: "Büro".into(),
                    html: "<p><b>Alice</b><script>x()</script></p>".into(),
                }],
                new_mail: Some("a".into()),
                reply: None,
            }))
            .await
            .unwrap();
        assert_eq!(e.signatures.value.list[0].html, "<p><b>Alice</b></p>");
        assert_eq!(e.signatures.value.new_mail.as_deref(), Some("a"));
        app.set_setting(SettingChange::QuoteStyle(QuoteStyle::Thunderbird))
            .await
            .unwrap();
        let e = app.effective_settings().await.unwrap();
        assert_eq!(e.quote_style.value, QuoteStyle::Thunderbird);
        assert_eq!(e.signatures.value.list[0].name, "Büro");
        assert_eq!(e.max_message_mb.value, 20);
        let e = app
            .set_setting(SettingChange::MaxMessageMb(35))
            .await
            .unwrap();
        assert_eq!(e.max_message_mb.value, 35);
        assert!(
            app.set_setting(SettingChange::MaxMessageMb(0))
                .await
                .is_err()
        );
    }
}
