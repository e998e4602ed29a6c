//! CalDAV accounts and the calendar sync of every account (once, or polled).

use super::Kontor;
use crate::engine::calendar::{self as cal_engine, CaldavAccount, CalendarSyncReport};
use crate::engine::calendar_outbox::AccountKey;
use crate::error::CoreError;
use crate::store::CalendarRow;
use crate::sync::Session;

impl Kontor {
    /// The configured CalDAV accounts.
    pub async fn caldav_accounts(&self) -> Result<Vec<CaldavAccount>, CoreError> {
        Ok(
            cal_engine::setting(self.store.pool(), cal_engine::CALDAV_ACCOUNTS_SETTING)
                .await?
                .unwrap_or_default(),
        )
    }

    /// Adds a CalDAV account (SOGo `/SOGo/dav/<user>/`, Radicale `/<user>/`, Kopano
    /// `/caldav/<user>/`): checks it by discovery, then keeps the password in the keychain and
    /// the account in the settings. Returns the calendars found.
    pub async fn add_caldav_account(
        &self,
        url: &str,
        user: &str,
        password: &str,
    ) -> Result<Vec<CalendarRow>, CoreError> {
        let url = crate::sync::normalise_server_url(url)?;
        let dav = cal_engine::dav_client(user, password)?;
        let acct = CaldavAccount {
            url: url.clone(),
            user: user.to_string(),
            extra_calendars: Vec::new(),
        };
        let account_id = self.store.upsert_account(&url, user, "", "").await?;
        let cals = cal_engine::caldav_calendars(&dav, &self.store, account_id, &acct).await?;
        crate::secrets::set_password(&url, user, password)?;
        let mut all = self.caldav_accounts().await?;
        all.retain(|a| !(a.url == url && a.user == user));
        all.push(acct);
        cal_engine::set_setting(self.store.pool(), cal_engine::CALDAV_ACCOUNTS_SETTING, &all)
            .await?;
        Ok(cals)
    }

    /// Opens a colleague's calendar by URL in a CalDAV account (not discoverable on Kopano
    /// and Radicale). Refused when the URL is not a calendar.
    pub async fn add_calendar_by_url(
        &self,
        account_url: &str,
        user: &str,
        calendar_url: &str,
    ) -> Result<Vec<CalendarRow>, CoreError> {
        let mut all = self.caldav_accounts().await?;
        let Some(acct) = all
            .iter_mut()
            .find(|a| a.url == account_url && a.user == user)
        else {
            return Err(CoreError::InvalidInput(format!(
                "no CalDAV account {user} at {account_url}"
            )));
        };
        let password =
            crate::secrets::password(account_url, user)?.ok_or_else(|| CoreError::AuthFailed {
                detail: "no password for this CalDAV account in the keychain".into(),
            })?;
        let dav = cal_engine::dav_client(user, &password)?;
        let u = url::Url::parse(calendar_url)
            .map_err(|e| CoreError::InvalidInput(format!("{calendar_url}: {e}")))?;
        dav.add_calendar(&u)
            .await
            .map_err(crate::engine::calendar_dav::map_dav)?;
        if !acct.extra_calendars.iter().any(|c| c == u.as_str()) {
            acct.extra_calendars.push(u.to_string());
        }
        let acct = acct.clone();
        cal_engine::set_setting(self.store.pool(), cal_engine::CALDAV_ACCOUNTS_SETTING, &all)
            .await?;
        let account_id = self.store.upsert_account(account_url, user, "", "").await?;
        cal_engine::caldav_calendars(&dav, &self.store, account_id, &acct).await
    }

    /// Seconds between CalDAV polls (setting `calendar.poll_seconds`, default 300).
    pub async fn calendar_poll_interval(&self) -> Result<std::time::Duration, CoreError> {
        let s: Option<u64> =
            cal_engine::setting(self.store.pool(), cal_engine::POLL_SECONDS_SETTING).await?;
        Ok(std::time::Duration::from_secs(
            s.filter(|s| *s >= 5)
                .unwrap_or(cal_engine::DEFAULT_POLL_SECONDS),
        ))
    }

    /// One calendar sync of every account: ActiveSync calendar folders (Sync), CalDAV
    /// collections (poll), queued local changes replayed, occurrences re-materialised when the
    /// window moved. An unreachable server is an error of the run only when no account could be
    /// synced; otherwise it is listed in the report's failures.
    pub async fn sync_calendars_once(&self) -> Result<CalendarSyncReport, CoreError> {
        self.calendars_once(true).await
    }

    /// Only the CalDAV accounts (what the poller runs while the account task syncs the
    /// ActiveSync calendar folders itself).
    pub async fn poll_caldav_once(&self) -> Result<CalendarSyncReport, CoreError> {
        self.calendars_once(false).await
    }

    async fn calendars_once(&self, with_eas: bool) -> Result<CalendarSyncReport, CoreError> {
        let _one = self.calendar_sync.lock().await;
        let zone = self.calendar_zone();
        let mut report = CalendarSyncReport::default();
        let mut errors: Vec<CoreError> = Vec::new();
        let mut attempted = 0usize;
        if with_eas && let Some(cfg) = self.account_config().await {
            attempted += 1;
            let res =
                async {
                    self.refresh_folders().await?;
                    let password = crate::secrets::password(&cfg.server_url, &cfg.user)?
                        .ok_or_else(|| CoreError::AuthFailed {
                            detail: "no password for this account in the keychain".into(),
                        })?;
                    let device_id = self.device_id().await;
                    let mut session =
                        Session::connect(&cfg.server_url, &cfg.user, &password, &device_id).await?;
                    let account_id = self
                        .store
                        .account_id(&cfg.server_url, &cfg.user)
                        .await?
                        .ok_or(CoreError::NotSignedIn)?;
                    let key = AccountKey {
                        server_url: cfg.server_url.clone(),
                        user: cfg.user.clone(),
                    };
                    cal_engine::sync_eas(
                        session.client_mut(),
                        &self.store,
                        &key,
                        account_id,
                        &zone,
                        &self.calendar_bus,
                        &mut report,
                    )
                    .await
                }
                .await;
            if let Err(e) = res {
                tracing::warn!(error = %e, "ActiveSync calendars not synced");
                report.failures.push((0, e.to_string()));
                errors.push(e);
            }
        }
        for acct in self.caldav_accounts().await? {
            attempted += 1;
            let res = async {
                let password =
                    crate::secrets::password(&acct.url, &acct.user)?.ok_or_else(|| {
                        CoreError::AuthFailed {
                            detail: "no password for this CalDAV account in the keychain".into(),
                        }
                    })?;
                let dav = cal_engine::dav_client(&acct.user, &password)?;
                let account_id = self
                    .store
                    .upsert_account(&acct.url, &acct.user, "", "")
                    .await?;
                let key = AccountKey {
                    server_url: acct.url.clone(),
                    user: acct.user.clone(),
                };
                cal_engine::sync_caldav(
                    &dav,
                    &self.store,
                    &key,
                    account_id,
                    &acct,
                    &self.calendar_bus,
                    &mut report,
                )
                .await
            }
            .await;
            if let Err(e) = res {
                tracing::warn!(url = %acct.url, error = %e, "CalDAV calendars not synced");
                report.failures.push((0, e.to_string()));
                errors.push(e);
            }
        }
        let opened = self.opened_calendars().await?.len();
        if opened > 0 {
            attempted += opened;
            errors.extend(self.sync_opened_calendars(&mut report).await);
        }
        cal_engine::move_window(&self.store, &self.calendar_bus).await?;
        if attempted > 0 && errors.len() == attempted {
            return Err(errors.remove(0));
        }
        Ok(report)
    }

    /// Starts polling calendars every [`Self::calendar_poll_interval`]; stops when the handle
    /// is aborted or dropped with the runtime.
    pub async fn start_calendar_polling(&self) -> Result<tokio::task::JoinHandle<()>, CoreError> {
        let interval = self.calendar_poll_interval().await?;
        let me = self.clone();
        Ok(cal_engine::spawn_poller(interval, move || {
            let me = me.clone();
            async move { me.sync_calendars_once().await.map(|_| ()) }
        }))
    }
}
