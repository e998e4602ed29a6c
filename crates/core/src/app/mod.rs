//! The app API: what the Tauri shell's IPC commands and the command-line flags call. A button
//! and a flag that do the same thing call the same function here.
//!
//! One file per domain, each with its `impl Kontor` block and its public types: `account`
//! (sign-in, folders), `safety` (phishing cues, link checks, attachment risks), `settings` (settings, policy, save state), `sync` (engine and events),
//! `mail` (outbox operations on messages, sending), `compose` (the compose window's start:
//! reply, reply all, forward; address suggestions), `drafts`, `people` (the address book's
//! directory entries), `calendar` (events, meeting
//! answers) and `caldav` (CalDAV accounts, calendar sync and polling).

mod account;
pub mod auto_replies;
mod caldav;
mod calendar;
mod colleague;
mod compose;
mod drafts;
mod eml;
mod files;
mod ics;
mod mail;
mod messages;
mod people;
mod safety;
mod search;
mod server_search;
mod settings;
mod sync;
mod sync_status;

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::engine::calendar::CalendarBus;
use crate::engine::{CollectionSyncer, EngineHandle, EventBus};
use crate::error::CoreError;
use crate::policy::Policy;
use crate::profile::{AccountConfig, ProfileFile, ProfilePaths};
use crate::store::Store;

pub use account::{Account, Folder, FolderKind, SignIn, SignInStep};
pub use calendar::{
    CALENDAR_VIEW_SETTING, CalendarEntry, CalendarOccurrence, EventDraft, EventForm, EventRef,
    MeetingAnswer, Participant, ParticipantAnswer, ShowAs,
};
pub use colleague::{
    ColleagueInput, Layout, OPENED_CALENDARS_SETTING, OpenedCalendar, colleague_roots,
    colleague_urls,
};
pub use compose::{AddressSuggestion, ComposeMode, ComposeStart};
pub use drafts::SavedDraft;
pub use eml::MAX_EML_BYTES;
pub use files::read_picture;
pub use ics::{IcsEventPreview, IcsImport, IcsPreview, MAX_ICS_BYTES};
pub use mail::{AttachmentSource, OutgoingMail};
pub use messages::{
    AttachmentInfo, BodyFormat, DeleteOutcome, FlagState, Id, Importance, Invitation, MailChanged,
    MessageBody, MessageSummary, MessageView, MessageWindow, MessageWindowRequest, NewMail,
    PendingKind, PendingOperation, PendingState, RemoteContentLists, ids,
};
pub use people::{DirectoryPerson, mailto_for};
pub use safety::{AttachmentCheck, AttachmentOpening, LinkView, MessageSafety, Opening};
pub use search::{MessageSearch, QuickFilters, SEARCH_LIMIT, SearchOutcome};
pub use server_search::{SERVER_SEARCH_LIMIT, ServerHit, ServerSearchResult};
pub use sync_status::{SyncFolder, SyncState, SyncStatus, SyncTracker};

struct State {
    profile: ProfileFile,
}

/// The running sync engine and what it is started with.
#[derive(Default)]
struct EngineSlot {
    handle: Option<EngineHandle>,
    /// Syncers besides mail (EAS calendar folders), added with [`Kontor::add_syncer`].
    extra: Vec<Arc<dyn CollectionSyncer>>,
}

/// The application core for one profile. Cheap to clone; safe to share between threads.
#[derive(Clone)]
pub struct Kontor {
    paths: ProfilePaths,
    store: Store,
    state: Arc<Mutex<State>>,
    /// Read once when the profile is opened (every start); never copied into settings.
    policy: Arc<Policy>,
    engine: Arc<Mutex<EngineSlot>>,
    events: EventBus,
    calendar_bus: CalendarBus,
    /// One calendar sync at a time (the poller and a manual "sync now" share it).
    calendar_sync: Arc<Mutex<()>>,
    /// The engine events so far, for the status bar (app/sync_status.rs).
    status: tokio::sync::watch::Sender<SyncTracker>,
    /// Whether a task follows the events into `status` already.
    status_followed: Arc<std::sync::atomic::AtomicBool>,
    /// Notices of changed mail folders for the window (app/messages.rs).
    mail_bus: tokio::sync::broadcast::Sender<MailChanged>,
    /// Whether a task turns engine events into `mail_bus` notices already.
    mail_followed: Arc<std::sync::atomic::AtomicBool>,
    /// The session the window's fetches (bodies, attachments) share.
    fetch_session: messages::FetchSession,
    /// The newest body fetch; a newer one gives it up (app/messages.rs).
    body_fetches: messages::BodyFetches,
    /// The address book of the cached mail, read once and kept a while (app/compose.rs).
    address_book: compose::AddressBookCache,
    /// Directory (GAL) answers about senders' display names (app/safety.rs).
    colleagues: safety::ColleagueCache,
    /// Attachments already looked into, by id (app/safety.rs).
    attachment_checks: safety::AttachmentCheckCache,
    /// Messages shown without being cached: server search hits (app/server_search.rs) and
    /// opened `.eml` files (app/eml.rs).
    detached: server_search::DetachedMessages,
}

impl std::fmt::Debug for Kontor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kontor")
            .field("profile", &self.paths.root())
            .finish_non_exhaustive()
    }
}

impl Kontor {
    /// Opens the profile: reads `profile.json` (creating it with a new DeviceId) and opens and
    /// migrates the database.
    pub async fn open(paths: ProfilePaths) -> Result<Kontor, CoreError> {
        let policy = tokio::task::spawn_blocking(Policy::load)
            .await
            .map_err(|e| CoreError::Profile(format!("policy reader failed: {e}")))?;
        // Pinned certificates (TrustedCertificateFingerprints) for every HTTP client from now on.
        policy.apply_to_network();
        Self::open_with_policy(paths, policy).await
    }

    /// [`Kontor::open`] with a given policy instead of the system's (tests, diagnostics).
    pub async fn open_with_policy(
        paths: ProfilePaths,
        policy: Policy,
    ) -> Result<Kontor, CoreError> {
        let profile = {
            let paths = paths.clone();
            tokio::task::spawn_blocking(move || ProfileFile::load_or_create(&paths))
                .await
                .map_err(|e| CoreError::Profile(format!("profile loader failed: {e}")))??
        };
        let store = Store::open(&paths.database()).await?;
        // The user's zone from the start: an event the user makes before any calendar was
        // read is placed in it too (floating and all-day times), not in UTC.
        store.set_local_zone(crate::convert::local_zone());
        Ok(Kontor {
            paths,
            store,
            state: Arc::new(Mutex::new(State { profile })),
            policy: Arc::new(policy),
            engine: Arc::new(Mutex::new(EngineSlot::default())),
            events: EventBus::default(),
            calendar_bus: CalendarBus::new(),
            calendar_sync: Arc::new(Mutex::new(())),
            status: tokio::sync::watch::Sender::new(SyncTracker::default()),
            status_followed: Arc::default(),
            mail_bus: tokio::sync::broadcast::channel(256).0,
            mail_followed: Arc::default(),
            fetch_session: Arc::default(),
            body_fetches: Arc::new(tokio::sync::watch::channel(0).0),
            detached: Arc::default(),
            address_book: Arc::default(),
            colleagues: Arc::default(),
            attachment_checks: Arc::default(),
        })
    }

    pub fn paths(&self) -> &ProfilePaths {
        &self.paths
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The ActiveSync DeviceId of this profile.
    pub async fn device_id(&self) -> String {
        self.state.lock().await.profile.device_id.clone()
    }

    async fn account_config(&self) -> Option<AccountConfig> {
        self.state.lock().await.profile.accounts.first().cloned()
    }

    /// The account's ActiveSync address, for naming the server in errors; empty when no
    /// account is set up.
    async fn server_url(&self) -> String {
        self.account_config()
            .await
            .map(|c| c.server_url)
            .unwrap_or_default()
    }

    async fn current_account_id(&self) -> Result<i64, CoreError> {
        let Some(cfg) = self.account_config().await else {
            return Err(CoreError::NotSignedIn);
        };
        self.store
            .account_id(&cfg.server_url, &cfg.user)
            .await?
            .ok_or(CoreError::NotSignedIn)
    }

    /// The user's zone: floating and all-day times are placed in it, and ActiveSync items with
    /// an all-zero TimeZone blob (Kopano/Z-Push) are read in it.
    fn calendar_zone(&self) -> kontor_calendar::Zone {
        let zone = crate::convert::local_zone();
        self.store.set_local_zone(zone.clone());
        zone
    }
}

/// The mail domain guessed for a user name without one: the server's host without a leading
/// `mail.`/`webmail.`.
pub(crate) fn mail_domain(host: &str) -> String {
    host.trim_start_matches("mail.")
        .trim_start_matches("webmail.")
        .to_owned()
}
