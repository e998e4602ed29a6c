//! The background sync engine of the signed-in account and its events.

use std::sync::Arc;

use super::Kontor;
use crate::engine::calendar as cal_engine;
use crate::engine::mail::MailSyncer;
use crate::engine::scheduler::spawn_account;
use crate::engine::{
    AccountSpec, CollectionSyncer, EngineEvent, EngineHandle, EngineOptions, EventBus,
};
use crate::error::CoreError;
use crate::secrets;

impl Kontor {
    /// Starts the background sync of the signed-in account (does nothing if it runs).
    pub async fn start_sync(&self) -> Result<(), CoreError> {
        self.start_sync_with(None, EngineOptions::default()).await
    }

    /// [`start_sync`](Self::start_sync) through another address for the same account (a
    /// proxy, a test's closed port) and with explicit engine options.
    pub async fn start_sync_with(
        &self,
        endpoint: Option<&str>,
        options: EngineOptions,
    ) -> Result<(), CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        // A policy may have changed the mail kept offline since the last run.
        self.apply_mail_window().await?;
        let mut slot = self.engine.lock().await;
        if slot.handle.as_ref().is_some_and(EngineHandle::is_running) {
            return Ok(());
        }
        // The keychain (D-Bus Secret Service, Credential Manager) blocks: off the runtime.
        let password = {
            let (url, user) = (cfg.server_url.clone(), cfg.user.clone());
            tokio::task::spawn_blocking(move || secrets::password(&url, &user))
                .await
                .map_err(|e| CoreError::Profile(format!("keychain reader failed: {e}")))??
        }
        .ok_or_else(|| CoreError::AuthFailed {
            detail: "no password for this account in the keychain".into(),
        })?;
        let account_id = match self.store.account_id(&cfg.server_url, &cfg.user).await? {
            Some(id) => id,
            None => {
                self.store
                    .upsert_account(&cfg.server_url, &cfg.user, "", "")
                    .await?
            }
        };
        let mut syncers: Vec<Arc<dyn CollectionSyncer>> = vec![
            Arc::new(MailSyncer),
            Arc::new(cal_engine::CalendarSyncer {
                zone: self.calendar_zone(),
                notices: self.calendar_bus.clone(),
            }),
        ];
        syncers.extend(slot.extra.iter().cloned());
        let spec = AccountSpec {
            account_id,
            endpoint: endpoint.unwrap_or(&cfg.server_url).to_owned(),
            user: cfg.user.clone(),
            password,
            device_id: self.device_id().await,
        };
        self.follow_sync_status();
        let handle = spawn_account(
            spec,
            self.store.clone(),
            self.events.clone(),
            syncers,
            options.clone(),
        );
        // The search indexer runs next to the account task and stops with it.
        crate::engine::scheduler::spawn_indexer(self.store.clone(), handle.shutdown_signal());
        // CalDAV collections are polled next to the account task and stop with it.
        let interval = self.calendar_poll_interval().await?;
        let me = self.clone();
        crate::engine::scheduler::spawn_periodic(
            "caldav",
            interval,
            handle.shutdown_signal(),
            crate::engine::Backoff::new(options.backoff_base, options.backoff_cap),
            move || {
                let me = me.clone();
                async move {
                    let report = me
                        .poll_caldav_once()
                        .await
                        .map_err(crate::engine::EngineError::Core)?;
                    // A calendar that failed is tried again after the backoff, not only at
                    // the next interval.
                    match report.failures.first() {
                        None => Ok(()),
                        Some((_, why)) => {
                            Err(crate::engine::EngineError::Core(CoreError::Server {
                                detail: format!(
                                    "{} calendar(s) not synced: {why}",
                                    report.failures.len()
                                ),
                            }))
                        }
                    }
                }
            },
        );
        slot.handle = Some(handle);
        Ok(())
    }

    /// Stops the background sync and waits until it has stopped.
    pub async fn stop_sync(&self) {
        let handle = self.engine.lock().await.handle.take();
        if let Some(h) = handle {
            h.stop().await;
        }
    }

    /// True while the background sync of the account runs.
    pub async fn is_syncing(&self) -> bool {
        self.engine
            .lock()
            .await
            .handle
            .as_ref()
            .is_some_and(EngineHandle::is_running)
    }

    /// Syncs now (F9, "Retry now"): restarts the account task, which connects, runs FolderSync
    /// and a Sync pass of every folder and replays the outbox at once instead of waiting for
    /// a backoff or the next push.
    pub async fn sync_now(&self) -> Result<(), CoreError> {
        self.stop_sync().await;
        self.start_sync().await
    }

    /// Registers another kind of folder sync (e.g. EAS calendars); used from the next
    /// [`start_sync`](Self::start_sync) on.
    pub async fn add_syncer(&self, syncer: Arc<dyn CollectionSyncer>) {
        self.engine.lock().await.extra.push(syncer);
    }

    /// Engine events (progress, changes, outbox results, errors) from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// The event bus, for parts that emit their own engine events (calendar polling).
    pub fn event_bus(&self) -> &EventBus {
        &self.events
    }
}
