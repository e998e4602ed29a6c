//! Automatic replies (out of office, Outlook's "Automatische Antworten"): on, off or on within a
//! time range, one text for senders inside the organisation and one for those outside, kept on
//! the server through ActiveSync Settings Oof (MS-ASCMD 2.2.1.18). docs/compose.md
//! "Automatic replies" describes the dialog and the banner; docs/server-quirks.md what each
//! server answers.
//!
//! The last state the server told (or confirmed after a change) is kept in the `setting` table
//! under [`AUTO_REPLIES_SETTING`], so the main window's banner shows offline too
//! ([`Kontor::known_auto_replies`]). Reading and changing them needs the server.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use kontor_eas::EasError;
use kontor_eas::settings::{Oof, OofReply, OofState};
use serde::{Deserialize, Serialize};

use super::Kontor;
use crate::error::CoreError;
use crate::i18n::Lang;
use crate::store::settings::{read_setting, write_setting};

/// The `setting` row holding the last known state ([`Known`] as JSON).
pub const AUTO_REPLIES_SETTING: &str = "mail.auto_replies";

/// Whether automatic replies are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AutoReplyMode {
    Off,
    /// On until turned off (OofState 1).
    On,
    /// On from `start` to `end` only (OofState 2).
    Scheduled,
}

/// The automatic replies as the dialog and the banner show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AutoReplies {
    /// Whether the server keeps automatic replies. When false the dialog is read-only and says
    /// `reason`.
    pub supported: bool,
    /// Why the replies cannot be changed, in the UI's language (`None` when supported).
    pub reason: Option<String>,
    pub mode: AutoReplyMode,
    /// Start and end of the range (Unix seconds UTC); set for `scheduled`.
    #[specta(type = Option<specta_typescript::Number>)]
    pub start: Option<i64>,
    #[specta(type = Option<specta_typescript::Number>)]
    pub end: Option<i64>,
    /// The text for senders inside the organisation.
    pub internal: String,
    /// The text for senders outside it; empty when outside senders get no reply.
    pub external: String,
    /// Whether replies are being sent now: on, or scheduled and now within the range.
    pub active: bool,
    /// When the server last told this state (Unix seconds); `None` when it never did.
    #[specta(type = Option<specta_typescript::Number>)]
    pub checked_at: Option<i64>,
}

/// A change the dialog asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AutoRepliesChange {
    pub mode: AutoReplyMode,
    /// Required for `scheduled` (Unix seconds UTC), `end` after `start`; ignored otherwise.
    #[specta(type = Option<specta_typescript::Number>)]
    pub start: Option<i64>,
    #[specta(type = Option<specta_typescript::Number>)]
    pub end: Option<i64>,
    pub internal: String,
    /// Empty: senders outside the organisation get no reply.
    pub external: String,
}

/// The longest reply text accepted (Exchange's own limit is 128 KB of HTML).
pub const MAX_REPLY_CHARS: usize = 32_000;

/// What the `setting` row keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Known {
    supported: bool,
    mode: AutoReplyMode,
    start: Option<i64>,
    end: Option<i64>,
    internal: String,
    external: String,
    checked_at: i64,
}

/// The sentence for a server that keeps no automatic replies.
pub fn not_offered(lang: Lang) -> &'static str {
    lang.pick(
        "This server does not offer automatic replies (out of office) over ActiveSync. Set them up in the server's web mail, or ask your IT department.",
        "Dieser Server bietet keine automatischen Antworten (Abwesenheitsnotiz) über ActiveSync an. Bitte im Webmail des Servers einrichten oder die IT-Abteilung fragen.",
    )
}

fn iso(secs: i64) -> Option<String> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn secs(iso: Option<&str>) -> Option<i64> {
    DateTime::parse_from_rfc3339(iso?.trim())
        .ok()
        .map(|t| t.timestamp())
}

impl Known {
    fn from_oof(oof: &Oof, now: i64) -> Known {
        let text = |r: &OofReply| r.message.clone().unwrap_or_default();
        // One text for both outside audiences; the unknown senders' (the wider one) first.
        let external = [&oof.external_unknown, &oof.external_known]
            .into_iter()
            .find(|r| r.enabled && r.message.as_deref().is_some_and(|m| !m.is_empty()))
            .map(text)
            .unwrap_or_default();
        let mode = match oof.state {
            OofState::Disabled => AutoReplyMode::Off,
            OofState::Global => AutoReplyMode::On,
            OofState::TimeBased => AutoReplyMode::Scheduled,
        };
        Known {
            supported: true,
            mode,
            start: secs(oof.start_time.as_deref()),
            end: secs(oof.end_time.as_deref()),
            internal: text(&oof.internal),
            external,
            checked_at: now,
        }
    }

    fn not_supported(now: i64) -> Known {
        Known {
            supported: false,
            mode: AutoReplyMode::Off,
            start: None,
            end: None,
            internal: String::new(),
            external: String::new(),
            checked_at: now,
        }
    }

    fn view(&self, lang: Lang, now: i64, checked: bool) -> AutoReplies {
        let active = match self.mode {
            AutoReplyMode::Off => false,
            AutoReplyMode::On => true,
            AutoReplyMode::Scheduled => match (self.start, self.end) {
                (Some(s), Some(e)) => s <= now && now < e,
                _ => false,
            },
        };
        AutoReplies {
            supported: self.supported,
            reason: (!self.supported).then(|| not_offered(lang).to_owned()),
            mode: self.mode,
            start: self.start,
            end: self.end,
            internal: self.internal.clone(),
            external: self.external.clone(),
            active,
            checked_at: checked.then_some(self.checked_at),
        }
    }
}

impl AutoRepliesChange {
    /// Checks the change and turns it into what Settings Oof Set sends.
    fn to_oof(&self) -> Result<Oof, CoreError> {
        let invalid = |s: &str| Err(CoreError::InvalidInput(s.to_owned()));
        if self.internal.chars().count() > MAX_REPLY_CHARS
            || self.external.chars().count() > MAX_REPLY_CHARS
        {
            return invalid("a reply text is longer than 32,000 characters");
        }
        let (start_time, end_time) = if self.mode == AutoReplyMode::Scheduled {
            let (Some(start), Some(end)) = (self.start, self.end) else {
                return invalid("a time range needs a start and an end");
            };
            if end <= start {
                return invalid("the end of the time range is not after its start");
            }
            match (iso(start), iso(end)) {
                (Some(s), Some(e)) => (Some(s), Some(e)),
                _ => return invalid("the time range is out of bounds"),
            }
        } else {
            (None, None)
        };
        let on = self.mode != AutoReplyMode::Off;
        let internal = self.internal.trim().to_owned();
        let external = self.external.trim().to_owned();
        let outside = OofReply {
            enabled: on && !external.is_empty(),
            message: Some(external),
        };
        Ok(Oof {
            state: match self.mode {
                AutoReplyMode::Off => OofState::Disabled,
                AutoReplyMode::On => OofState::Global,
                AutoReplyMode::Scheduled => OofState::TimeBased,
            },
            start_time,
            end_time,
            internal: OofReply {
                enabled: on,
                message: Some(internal),
            },
            external_known: outside.clone(),
            external_unknown: outside,
        })
    }
}

/// Whether an eas error says the server keeps no automatic replies: no Oof data in a Get
/// answer, or a Set refused as a protocol error (Z-Push's backends without out-of-office).
fn is_not_offered(e: &EasError) -> bool {
    matches!(
        e,
        EasError::NotSupported { .. } | EasError::Status { status: 2, .. }
    )
}

impl Kontor {
    /// The automatic replies as the server has them now (Settings Oof Get); remembered for the
    /// banner. A server without them gives `supported: false` with the reason. Offline this
    /// fails ([`CoreError::Unreachable`]); [`Kontor::known_auto_replies`] has the last state.
    pub async fn auto_replies(&self, lang: Lang) -> Result<AutoReplies, CoreError> {
        let url = self.server_url().await;
        let got = self
            .with_fetch_session(async |s| match s.client_mut().oof_get().await {
                Ok(oof) => Ok(Some(oof)),
                Err(e) if is_not_offered(&e) => {
                    tracing::info!(error = %e, "the server keeps no automatic replies");
                    Ok(None)
                }
                Err(e) => Err(crate::sync::map_eas(e, &url)),
            })
            .await?;
        let now = Utc::now().timestamp();
        let known = match got {
            Some(oof) => Known::from_oof(&oof, now),
            None => Known::not_supported(now),
        };
        self.remember_auto_replies(&known).await?;
        Ok(known.view(lang, now, true))
    }

    /// The last state the server told, from the profile (no network): what the banner shows at
    /// start and offline. Before the server was first asked: off and supported, `checkedAt`
    /// empty.
    pub async fn known_auto_replies(&self, lang: Lang) -> Result<AutoReplies, CoreError> {
        let now = Utc::now().timestamp();
        let stored = read_setting(self.store.pool(), AUTO_REPLIES_SETTING)
            .await?
            .and_then(|v| serde_json::from_str::<Known>(&v).ok());
        Ok(match stored {
            Some(k) => k.view(lang, now, true),
            None => Known {
                supported: true,
                ..Known::not_supported(0)
            }
            .view(lang, now, false),
        })
    }

    /// Changes the automatic replies on the server (Settings Oof Set) and returns them as the
    /// server then reports them (a second Get: done means the server has it). Refused before
    /// anything is sent when the change is not valid (a time range needs a start and a later
    /// end: [`CoreError::InvalidInput`]); a server without automatic replies is
    /// [`CoreError::AutoRepliesNotOffered`]; offline [`CoreError::Unreachable`].
    pub async fn set_auto_replies(
        &self,
        change: AutoRepliesChange,
        lang: Lang,
    ) -> Result<AutoReplies, CoreError> {
        let oof = change.to_oof()?;
        let url = self.server_url().await;
        let result = self
            .with_fetch_session(async |s| {
                let c = s.client_mut();
                let r: Result<Oof, EasError> = async {
                    // A server that keeps none says so in the Get already (SOGo answers a Set
                    // with a bare success and changes nothing).
                    c.oof_get().await?;
                    c.oof_set(&oof).await?;
                    c.oof_get().await
                }
                .await;
                Ok(r)
            })
            .await?;
        let now = Utc::now().timestamp();
        match result {
            Ok(oof) => {
                let known = Known::from_oof(&oof, now);
                self.remember_auto_replies(&known).await?;
                Ok(known.view(lang, now, true))
            }
            Err(e) if is_not_offered(&e) => {
                self.remember_auto_replies(&Known::not_supported(now))
                    .await?;
                Err(CoreError::AutoRepliesNotOffered {
                    detail: format!("{e} ({url})"),
                })
            }
            Err(e) => Err(crate::sync::map_eas(e, &url)),
        }
    }

    /// Forgets the last known state (at sign-out: it belongs to the account's server, and a
    /// next account must not show its banner).
    pub(super) async fn forget_auto_replies(&self) -> Result<(), CoreError> {
        sqlx::query("DELETE FROM setting WHERE key = ?1")
            .bind(AUTO_REPLIES_SETTING)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    async fn remember_auto_replies(&self, known: &Known) -> Result<(), CoreError> {
        let json = serde_json::to_string(known).map_err(|e| CoreError::Profile(e.to_string()))?;
        write_setting(self.store.pool(), AUTO_REPLIES_SETTING, &json).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(mode: AutoReplyMode, start: Option<i64>, end: Option<i64>) -> AutoRepliesChange {
        AutoRepliesChange {
            mode,
            start,
            end,
            internal: " Bin im Urlaub. ".into(),
            external: String::new(),
        }
    }

    #[test]
    fn a_time_range_needs_both_ends_and_the_end_after_the_start() {
        for (s, e) in [
            (None, None),
            (Some(10), None),
            (None, Some(10)),
            (Some(10), Some(10)),
        ] {
            let err = change(AutoReplyMode::Scheduled, s, e).to_oof().unwrap_err();
            assert!(matches!(err, CoreError::InvalidInput(_)), "{s:?} {e:?}");
        }
        let oof = change(
            AutoReplyMode::Scheduled,
            Some(1_767_222_000),
            Some(1_767_826_800),
        )
        .to_oof()
        .unwrap();
        assert_eq!(oof.state, OofState::TimeBased);
        assert_eq!(oof.start_time.as_deref(), Some("2025-12-31T23:00:00.000Z"));
        assert_eq!(oof.end_time.as_deref(), Some("2026-01-07T23:00:00.000Z"));
        // Times are not sent unless the range is asked for.
        let on = change(AutoReplyMode::On, Some(1), Some(0))
            .to_oof()
            .unwrap();
        assert_eq!((on.start_time, on.end_time), (None, None));
    }

    #[test]
    fn outside_senders_get_a_reply_only_with_a_text_of_their_own() {
        let mut c = change(AutoReplyMode::On, None, None);
        let oof = c.to_oof().unwrap();
        assert!(oof.internal.enabled);
        assert_eq!(oof.internal.message.as_deref(), Some("Bin im Urlaub."));
        assert!(!oof.external_known.enabled && !oof.external_unknown.enabled);
        c.external = "Out of office until Monday.".into();
        let oof = c.to_oof().unwrap();
        assert!(oof.external_known.enabled && oof.external_unknown.enabled);
        assert_eq!(
            oof.external_unknown.message.as_deref(),
            Some("Out of office until Monday.")
        );
        // Turned off, the texts stay on the server for next time.
        c.mode = AutoReplyMode::Off;
        let oof = c.to_oof().unwrap();
        assert_eq!(oof.state, OofState::Disabled);
        assert!(!oof.internal.enabled && !oof.external_unknown.enabled);
        assert_eq!(oof.internal.message.as_deref(), Some("Bin im Urlaub."));
    }

    #[test]
    fn the_servers_replies_become_one_inside_and_one_outside_text() {
        let reply = |enabled, t: &str| OofReply {
            enabled,
            message: Some(t.into()),
        };
        let oof = Oof {
            state: OofState::TimeBased,
            start_time: Some("2026-12-21T08:00:00.000Z".into()),
            end_time: Some("2027-01-04T08:00:00.000Z".into()),
            internal: reply(true, "Bis 4. Januar im Urlaub."),
            external_known: reply(false, "old"),
            external_unknown: reply(true, "Out of office until 4 January."),
        };
        let k = Known::from_oof(&oof, 7);
        assert_eq!(k.mode, AutoReplyMode::Scheduled);
        assert_eq!((k.start, k.end), (Some(1_797_840_000), Some(1_799_049_600)));
        assert_eq!(k.internal, "Bis 4. Januar im Urlaub.");
        assert_eq!(k.external, "Out of office until 4 January.");
        // No outside audience enabled: no outside text, whatever the server keeps.
        let off = Oof {
            external_unknown: reply(false, "x"),
            ..oof
        };
        assert_eq!(Known::from_oof(&off, 7).external, "");
    }

    #[tokio::test]
    async fn the_last_state_is_kept_for_the_banner_until_sign_out() {
        let dir = tempfile::tempdir().unwrap();
        let app = Kontor::open_with_policy(
            crate::profile::ProfilePaths::new(dir.path()),
            crate::policy::Policy::default(),
        )
        .await
        .unwrap();
        // Never asked: off, supported, not checked.
        let first = app.known_auto_replies(Lang::En).await.unwrap();
        assert!(first.supported && first.mode == AutoReplyMode::Off);
        assert_eq!(first.checked_at, None);
        let on = Known {
            supported: true,
            mode: AutoReplyMode::On,
            start: None,
            end: None,
            internal: "Bin im Urlaub.".into(),
            external: "On holiday.".into(),
            checked_at: 1_800_000_000,
        };
        app.remember_auto_replies(&on).await.unwrap();
        let known = app.known_auto_replies(Lang::De).await.unwrap();
        assert_eq!(known.mode, AutoReplyMode::On);
        assert!(known.active);
        assert_eq!(known.internal, "Bin im Urlaub.");
        assert_eq!(known.external, "On holiday.");
        assert_eq!(known.checked_at, Some(1_800_000_000));
        app.sign_out().await.unwrap();
        let after = app.known_auto_replies(Lang::En).await.unwrap();
        assert_eq!((after.mode, after.checked_at), (AutoReplyMode::Off, None));
    }

    #[test]
    fn a_scheduled_range_is_active_only_inside_it() {
        let k = Known {
            supported: true,
            mode: AutoReplyMode::Scheduled,
            start: Some(100),
            end: Some(200),
            internal: "x".into(),
            external: String::new(),
            checked_at: 50,
        };
        assert!(!k.view(Lang::En, 99, true).active);
        assert!(k.view(Lang::En, 100, true).active);
        assert!(!k.view(Lang::En, 200, true).active);
        let v = Known::not_supported(1).view(Lang::De, 1, true);
        assert!(!v.supported && !v.active);
        assert!(v.reason.unwrap().contains("keine automatischen Antworten"));
    }
}
