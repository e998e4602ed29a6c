//! Calendar: events (create, change, delete), occurrences and answers to meeting invitations.

use serde::{Deserialize, Serialize};

use super::Kontor;
use crate::engine::calendar::{self as cal_engine, CalendarBus};
use crate::engine::calendar_outbox::{self, PendingChange};
use crate::error::CoreError;
use crate::store::{CalendarRow, CalendarSource, OccurrenceRow, OutboxOp};

mod edit;

/// A new or edited event as the UI submits it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EventDraft {
    #[specta(type = specta_typescript::Number)]
    pub calendar_id: i64,
    pub summary: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub all_day: bool,
    /// IANA zone the event's wall-clock times belong to; the user's zone when absent.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Minutes before the start; `None` for no reminder.
    #[serde(default)]
    pub reminder_minutes: Option<u32>,
    /// An RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=MO`), or none.
    #[serde(default)]
    pub rrule: Option<String>,
    /// A UID to use for a new event (generated when absent).
    #[serde(default)]
    pub uid: Option<String>,
}

/// What the event dialog shows to edit an event or one occurrence of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EventForm {
    /// The fields as the dialog fills them in (for an occurrence: its own time, no rule).
    pub draft: EventDraft,
    /// The event is a series: changing or deleting one occurrence asks "only this one / the
    /// whole series".
    pub recurring: bool,
    /// In a calendar the user may not write to: the dialog opens read-only.
    pub read_only: bool,
}

/// An event as stored, for the UI to open and edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRef {
    pub id: i64,
    pub calendar_id: i64,
    pub uid: String,
    /// iCalendar text.
    pub ical: String,
    /// True while a local change waits in the outbox.
    pub pending: bool,
}

/// An answer to a meeting invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MeetingAnswer {
    Accepted,
    Tentative,
    Declined,
}

impl MeetingAnswer {
    /// The attendee's PARTSTAT for this answer (RFC 5545 3.2.12).
    fn partstat(self) -> kontor_calendar::PartStat {
        match self {
            MeetingAnswer::Accepted => kontor_calendar::PartStat::Accepted,
            MeetingAnswer::Tentative => kontor_calendar::PartStat::Tentative,
            MeetingAnswer::Declined => kontor_calendar::PartStat::Declined,
        }
    }

    /// The MeetingResponse UserResponse for this answer (MS-ASCMD 2.2.3.191).
    fn response(self) -> crate::store::Response {
        match self {
            MeetingAnswer::Accepted => crate::store::Response::Accept,
            MeetingAnswer::Tentative => crate::store::Response::Tentative,
            MeetingAnswer::Declined => crate::store::Response::Decline,
        }
    }
}

/// Writes a draft into an item (new or existing master).
fn apply_draft(
    item: &mut kontor_calendar::Item,
    d: &EventDraft,
    zone: &kontor_calendar::Zone,
) -> Result<(), CoreError> {
    use kontor_calendar::{Alarm, DateOrTime, Recurrence};
    if d.end < d.start {
        return Err(CoreError::InvalidInput(
            "the event ends before it starts".into(),
        ));
    }
    let (z, tzid) = match d.time_zone.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => (
            kontor_calendar::tz::zone_by_name(t)
                .ok_or_else(|| CoreError::InvalidInput(format!("unknown time zone \"{t}\"")))?,
            Some(t.to_string()),
        ),
        None => (
            zone.clone(),
            match zone {
                kontor_calendar::Zone::Iana(tz) => Some(tz.name().to_string()),
                _ => None,
            },
        ),
    };
    let when = |t: chrono::DateTime<chrono::Utc>| -> DateOrTime {
        if d.all_day {
            DateOrTime::Date(z.utc_to_local(t).date())
        } else if let Some(tzid) = &tzid {
            DateOrTime::Zoned {
                local: z.utc_to_local(t),
                tzid: tzid.clone(),
            }
        } else {
            DateOrTime::Utc(t)
        }
    };
    item.summary = Some(d.summary.clone()).filter(|s| !s.is_empty());
    item.location = d.location.clone().filter(|s| !s.is_empty());
    item.description = d.description.clone().filter(|s| !s.is_empty());
    item.start = Some(when(d.start));
    let mut end = when(d.end);
    if d.all_day && end == *item.start.as_ref().expect("set") {
        // RFC 5545 §3.6.1: an all-day DTEND is exclusive.
        if let DateOrTime::Date(e) = end {
            end = DateOrTime::Date(e + chrono::TimeDelta::days(1));
        }
    }
    item.end = Some(end);
    item.duration = None;
    item.alarms = d
        .reminder_minutes
        .map(|m| vec![Alarm::minutes_before_start(i64::from(m))])
        .unwrap_or_default();
    item.rrule = match d.rrule.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(r) => Some(
            Recurrence::parse(r)
                .map_err(|e| CoreError::InvalidInput(format!("recurrence rule: {e}")))?,
        ),
        None => None,
    };
    item.dtstamp = Some(chrono::Utc::now());
    Ok(())
}

impl Kontor {
    /// Calendar change notifications (sync results, conflicts, failures).
    pub fn calendar_events(&self) -> &CalendarBus {
        &self.calendar_bus
    }

    /// Every cached calendar (ActiveSync folders and CalDAV collections).
    pub async fn calendars(&self) -> Result<Vec<CalendarRow>, CoreError> {
        self.store.calendars(None).await
    }

    /// Occurrences overlapping `[from, to)` from the cache, by start (what the materialised
    /// window, now − 7 days … now + 90 days, covers).
    pub async fn occurrences(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<OccurrenceRow>, CoreError> {
        self.store.occurrences_between(from, to).await
    }

    pub(super) async fn event_row(
        &self,
        event_id: i64,
    ) -> Result<crate::store::EventRow, CoreError> {
        let (cal, remote) = self
            .store
            .event_key(event_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no event {event_id}")))?;
        self.store
            .event_by_remote_id(cal, &remote)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no event {event_id}")))
    }

    /// One stored event.
    pub async fn event(&self, event_id: i64) -> Result<EventRef, CoreError> {
        let e = self.event_row(event_id).await?;
        Ok(EventRef {
            id: e.id,
            calendar_id: e.calendar_id,
            uid: e.uid,
            ical: e.ical,
            pending: e.local_state != 0,
        })
    }

    pub(super) async fn writable_calendar(&self, id: i64) -> Result<CalendarRow, CoreError> {
        let cal = self
            .store
            .calendar(id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no calendar {id}")))?;
        if cal.read_only {
            return Err(CoreError::InvalidInput(format!(
                "the calendar \"{}\" is read-only",
                cal.display_name
            )));
        }
        Ok(cal)
    }

    /// Creates an event: in the cache at once, on the server with the next sync.
    pub async fn create_event(&self, draft: EventDraft) -> Result<EventRef, CoreError> {
        let cal = self.writable_calendar(draft.calendar_id).await?;
        let zone = self.calendar_zone();
        let uid = draft
            .uid
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| format!("{}@kontor", uuid::Uuid::new_v4()));
        let mut item = kontor_calendar::Item::new(kontor_calendar::ItemKind::Event, &uid);
        apply_draft(&mut item, &draft, &zone)?;
        let ical = kontor_calendar::Calendar {
            items: vec![item],
            ..Default::default()
        }
        .to_ics();
        self.add_event(&cal, &uid, ical).await
    }

    /// Queues a new event in `cal` (shown in the cache at once, created on the server by the
    /// outbox) and returns it as stored.
    pub(super) async fn add_event(
        &self,
        cal: &CalendarRow,
        uid: &str,
        ical: String,
    ) -> Result<EventRef, CoreError> {
        crate::engine::calendar_cache::ensure_window(&self.store, cal).await?;
        let remote_id = calendar_outbox::local_remote_id(cal, uid);
        self.store
            .enqueue(
                cal.account_id,
                &OutboxOp::EventCreate {
                    calendar: cal.remote_id.clone(),
                    remote_id: remote_id.clone(),
                    ical,
                },
            )
            .await?;
        self.calendar_bus.emit(cal_engine::CalendarNotice::Changed {
            calendar_ids: vec![cal.id],
        });
        let e = self
            .store
            .event_by_remote_id(cal.id, &remote_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the new event was not stored".into()))?;
        self.event(e.id).await
    }

    /// The dialog's fields for an event: the series (or the single event) when `instance` is
    /// `None`, else the occurrence that instance (its original start) stands for.
    pub async fn event_form(
        &self,
        event_id: i64,
        instance: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<EventForm, CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self
            .store
            .calendar(row.calendar_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the event's calendar is gone".into()))?;
        let (draft, recurring) =
            edit::form(&row.ical, &row.uid, cal.id, instance, &self.calendar_zone())?;
        Ok(EventForm {
            draft,
            recurring,
            read_only: cal.read_only,
        })
    }

    /// Queues the changed text of an event (shown in the cache at once, on the server with the
    /// next sync).
    pub(super) async fn queue_update(
        &self,
        cal: &CalendarRow,
        row: &crate::store::EventRow,
        ical: String,
    ) -> Result<EventRef, CoreError> {
        self.store
            .enqueue(
                cal.account_id,
                &OutboxOp::EventUpdate {
                    calendar: cal.remote_id.clone(),
                    remote_id: row.remote_id.clone(),
                    ical,
                },
            )
            .await?;
        self.calendar_bus.emit(cal_engine::CalendarNotice::Changed {
            calendar_ids: vec![cal.id],
        });
        self.event(row.id).await
    }

    /// Changes an event, or a whole series through its master. Overrides and deleted
    /// occurrences of a series are kept, and move with its start (a series dragged to another
    /// time keeps its exceptions on the instances they meant).
    pub async fn update_event(
        &self,
        event_id: i64,
        draft: EventDraft,
    ) -> Result<EventRef, CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        let ical = edit::update_series(
            &row.ical,
            &row.uid,
            &EventDraft {
                calendar_id: cal.id,
                ..draft
            },
            &self.calendar_zone(),
        )?;
        self.queue_update(&cal, &row, ical).await
    }

    /// Changes one occurrence of a series: `instance` is its original start (the occurrence's
    /// RECURRENCE-ID); the change is an override VEVENT, replacing one the instance had.
    pub async fn update_occurrence(
        &self,
        event_id: i64,
        instance: chrono::DateTime<chrono::Utc>,
        draft: EventDraft,
    ) -> Result<EventRef, CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        let ical = edit::update_occurrence(
            &row.ical,
            &row.uid,
            instance,
            &EventDraft {
                calendar_id: cal.id,
                ..draft
            },
            &self.calendar_zone(),
        )?;
        self.queue_update(&cal, &row, ical).await
    }

    /// Deletes one occurrence of a series: an EXDATE for `instance` (its original start), and
    /// the instance's override, if it had one, goes.
    pub async fn delete_occurrence(
        &self,
        event_id: i64,
        instance: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        let ical = edit::delete_occurrence(&row.ical, &row.uid, instance, &self.calendar_zone())?;
        self.queue_update(&cal, &row, ical).await.map(|_| ())
    }

    /// Deletes an event (hidden at once, deleted on the server with the next sync).
    pub async fn delete_event(&self, event_id: i64) -> Result<(), CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        self.store
            .enqueue(
                cal.account_id,
                &OutboxOp::EventDelete {
                    calendar: cal.remote_id.clone(),
                    remote_id: row.remote_id.clone(),
                },
            )
            .await?;
        self.calendar_bus.emit(cal_engine::CalendarNotice::Changed {
            calendar_ids: vec![cal.id],
        });
        Ok(())
    }

    /// Answers a meeting invitation. On ActiveSync: MeetingResponse (MS-ASCMD 2.2.1.11) on the
    /// calendar item, then an iTIP REPLY mail to the organizer (subject and text in `lang`);
    /// the server's updated event comes with the next sync. On CalDAV: the
    /// event with the user's PARTSTAT, written like any update (the server's scheduling, RFC
    /// 6638, informs the organizer); the cache shows the answer at once.
    pub async fn respond_to_meeting(
        &self,
        event_id: i64,
        answer: MeetingAnswer,
        lang: crate::i18n::Lang,
    ) -> Result<(), CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self
            .store
            .calendar(row.calendar_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput("the event's calendar is gone".into()))?;
        let partstat = answer.partstat();
        let me = self.my_addresses(cal.account_id).await?;
        let mut reply_mail = None;
        let op = match cal.source {
            CalendarSource::Eas => {
                // MeetingResponse records the answer in the user's mailbox; the organizer is
                // told by mail (up to EAS 14.1 the server sends nothing, and Kontor never asks
                // a 16.x server to: MS-ASCMD 2.2.3.163 SendResponse), like Outlook does.
                reply_mail = self.itip_reply_mail(&row.ical, &row.uid, &me, partstat, lang)?;
                OutboxOp::MeetingResponse {
                    folder_id: cal.remote_id.clone(),
                    server_id: row.remote_id.clone(),
                    response: answer.response(),
                    uid: row.uid.clone(),
                }
            }
            CalendarSource::Caldav => {
                let cal = self.writable_calendar(cal.id).await?;
                OutboxOp::EventUpdate {
                    calendar: cal.remote_id.clone(),
                    remote_id: row.remote_id.clone(),
                    ical: calendar_outbox::with_partstat(&row.ical, &me, partstat)?,
                }
            }
        };
        self.store.enqueue(cal.account_id, &op).await?;
        if let Some(mail) = reply_mail {
            // Queued after the answer itself, so it goes out only once that is recorded.
            self.store.enqueue(cal.account_id, &mail).await?;
            if let Some(h) = self.engine.lock().await.handle.as_ref() {
                h.wake();
            }
        }
        Ok(())
    }

    /// Answers an invitation whose event no calendar of the account holds yet, from its mail,
    /// as Thunderbird does: an acceptance (or a tentative one) files the event in the user's
    /// own calendar with the user's answer (an ordinary event create through the outbox), an
    /// iTIP REPLY mail tells the organizer, and the invitation moves to Deleted Items, as
    /// Outlook does with an answered request. Asking the server instead (MeetingResponse on the
    /// mail) is not relied on: Z-Push's IMAP backend answers it with success, drops the
    /// invitation and files nothing (docs/server-quirks.md). Returns the filed event, if any.
    pub async fn respond_to_invitation_mail(
        &self,
        message_id: i64,
        answer: MeetingAnswer,
        lang: crate::i18n::Lang,
    ) -> Result<Option<EventRef>, CoreError> {
        let row = self.store.message(message_id).await?.ok_or_else(|| {
            CoreError::InvalidInput(format!("message {message_id} is not in the cache"))
        })?;
        let mime = self
            .store
            .body(message_id, crate::store::BodyKind::Mime)
            .await?
            .filter(|m| !m.truncated)
            .ok_or_else(|| {
                CoreError::InvalidInput("the invitation's text is not on this computer yet".into())
            })?;
        let ics = crate::mail_view::mime_parts(&mime.data)
            .and_then(|p| p.calendar)
            .ok_or_else(|| CoreError::InvalidInput("the message holds no invitation".into()))?;
        let mut parsed = kontor_calendar::Calendar::parse(&ics)
            .map_err(|e| CoreError::InvalidInput(format!("the invitation cannot be read: {e}")))?;
        let uid = parsed
            .items
            .first()
            .map(|i| i.uid.clone())
            .ok_or_else(|| CoreError::InvalidInput("the invitation names no event".into()))?;
        if self.store.event_id_by_uid(&uid).await?.is_some() {
            return Err(CoreError::InvalidInput(
                "the invitation's event is in a calendar: answer it there".into(),
            ));
        }
        let partstat = answer.partstat();
        let me = self.my_addresses(row.account_id).await?;
        let reply_mail = self.itip_reply_mail(&ics, &uid, &me, partstat, lang)?;
        let mut filed = None;
        if answer != MeetingAnswer::Declined {
            let cal = self
                .store
                .calendars(Some(row.account_id))
                .await?
                .into_iter()
                .filter(|c| !c.shared && !c.read_only)
                .min_by_key(|c| (c.source != CalendarSource::Eas, c.id))
                .ok_or_else(|| {
                    CoreError::InvalidInput(
                        "the account has no calendar to file the event in".into(),
                    )
                })?;
            // The event as the calendar keeps it: no iTIP method, the user's answer set.
            parsed.method = None;
            let ical = calendar_outbox::with_partstat(&parsed.to_ics(), &me, partstat)?;
            filed = Some(self.add_event(&cal, &uid, ical).await?);
        }
        if let Some(mail) = reply_mail {
            self.store.enqueue(row.account_id, &mail).await?;
        }
        self.delete_many(&[message_id], false).await?;
        if let Some(h) = self.engine.lock().await.handle.as_ref() {
            h.wake();
        }
        Ok(filed)
    }

    /// The addresses that may name the user as an attendee: those the server reported
    /// (Settings UserInformation), the account's user name, that name at the server's host
    /// (with and without `mail.`), and the signed-in account's user.
    async fn my_addresses(&self, account_id: i64) -> Result<Vec<String>, CoreError> {
        let mut me = calendar_outbox::attendee_addresses(&self.store, account_id).await?;
        if let Some(cfg) = self.account_config().await {
            me.push(cfg.user.clone());
        }
        Ok(me)
    }

    /// The iTIP REPLY mail (RFC 6047) telling the organizer of `ical` the user's answer, as a
    /// queued send; `None` when the event has no organizer other than the user or does not
    /// list the user as an attendee.
    fn itip_reply_mail(
        &self,
        ical: &str,
        uid: &str,
        me: &[String],
        partstat: kontor_calendar::PartStat,
        lang: crate::i18n::Lang,
    ) -> Result<Option<OutboxOp>, CoreError> {
        let cal = kontor_calendar::Calendar::parse(ical)
            .map_err(|e| CoreError::InvalidInput(format!("the invitation cannot be read: {e}")))?;
        let Some(master) = cal
            .items
            .iter()
            .find(|i| i.uid == uid && i.recurrence_id.is_none())
            .or_else(|| cal.items.iter().find(|i| i.uid == uid))
        else {
            return Ok(None);
        };
        let is_me = |addr: &str| me.iter().any(|m| m.eq_ignore_ascii_case(addr));
        let Some(organizer) = master.organizer.as_ref().filter(|o| !is_me(&o.email)) else {
            return Ok(None);
        };
        let Some(attendee) = master.attendees.iter().find(|a| is_me(&a.email)) else {
            return Ok(None);
        };
        let reply = kontor_calendar::itip::reply(
            &cal,
            uid,
            &attendee.email,
            partstat,
            None,
            chrono::Utc::now(),
        )
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let summary = master.summary.clone().unwrap_or_default();
        let who = attendee
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| attendee.email.clone());
        let (prefix, text) = match partstat {
            kontor_calendar::PartStat::Accepted => (
                lang.pick("Accepted", "Zugesagt"),
                lang.pick("has accepted", "hat zugesagt"),
            ),
            kontor_calendar::PartStat::Tentative => (
                lang.pick("Tentative", "Mit Vorbehalt"),
                lang.pick("has accepted tentatively", "hat mit Vorbehalt zugesagt"),
            ),
            _ => (
                lang.pick("Declined", "Abgesagt"),
                lang.pick("has declined", "hat abgesagt"),
            ),
        };
        let mime = crate::engine::outbox::build_itip_message(
            &attendee.email,
            std::slice::from_ref(&organizer.email),
            &format!("{prefix}: {summary}"),
            &format!("{who} {text}: {summary}"),
            &reply,
        );
        Ok(Some(OutboxOp::Send {
            client_id: uuid::Uuid::new_v4().simple().to_string(),
            mime,
            save_in_sent: true,
        }))
    }

    /// Calendar changes not on the server yet, and parked ones (conflicts, failures).
    pub async fn pending_calendar_changes(&self) -> Result<Vec<PendingChange>, CoreError> {
        calendar_outbox::pending_changes(&self.store).await
    }
}

/// Setting key: the calendar list's choices per calendar (shown, colour), keyed by the
/// calendar's stable id (`remote_id`: an ActiveSync folder ServerId or a CalDAV collection
/// URL), so they survive a rebuild of the cache.
pub const CALENDAR_VIEW_SETTING: &str = "calendar.view";

/// What the user chose for one calendar in the calendar list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalendarViewPref {
    #[serde(default)]
    hidden: bool,
    /// '#rrggbb', or empty for the server's colour.
    #[serde(default)]
    color: String,
}

/// Colours for calendars the server gave none (Outlook's first calendar colours).
const PALETTE: &[&str] = &[
    "#3a7bd5", "#d9822b", "#2e9e6a", "#b5436b", "#7b5fc4", "#c0a020", "#2a9bb0", "#8a6d3b",
];

/// One calendar as the calendar list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEntry {
    #[specta(type = specta_typescript::Number)]
    pub id: i64,
    /// Stable across cache rebuilds (what the choices are kept under).
    pub key: String,
    pub name: String,
    /// The colour in use: the user's, else the server's, else one of a fixed palette.
    pub color: String,
    /// The server's colour ('' when it gave none).
    pub server_color: String,
    pub owner: String,
    /// A colleague's calendar.
    pub shared: bool,
    pub read_only: bool,
    /// "eas" or "caldav".
    pub source: String,
    /// Its events are shown in the views.
    pub shown: bool,
    /// A colleague's calendar the user opened by name or address: it can be removed again.
    pub removable: bool,
}

/// One occurrence as the calendar views place it. Times are Unix seconds (UTC); recurrence
/// and time zones were resolved in Rust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CalendarOccurrence {
    #[specta(type = specta_typescript::Number)]
    pub event_id: i64,
    #[specta(type = specta_typescript::Number)]
    pub calendar_id: i64,
    pub uid: String,
    /// The instance this occurrence stands for (its RECURRENCE-ID).
    #[specta(type = specta_typescript::Number)]
    pub instance: i64,
    #[specta(type = specta_typescript::Number)]
    pub start: i64,
    #[specta(type = specta_typescript::Number)]
    pub end: i64,
    pub all_day: bool,
    /// A moved or changed occurrence of a series.
    pub is_override: bool,
    pub summary: String,
    pub location: String,
    pub has_reminder: bool,
}

impl From<OccurrenceRow> for CalendarOccurrence {
    fn from(o: OccurrenceRow) -> Self {
        CalendarOccurrence {
            event_id: o.event_id,
            calendar_id: o.calendar_id,
            uid: o.uid,
            instance: o.instance,
            start: o.start_utc,
            end: o.end_utc,
            all_day: o.all_day,
            is_override: o.is_override,
            summary: o.summary,
            location: o.location,
            has_reminder: !o.alarms.is_empty(),
        }
    }
}

impl Kontor {
    async fn calendar_view_prefs(
        &self,
    ) -> Result<std::collections::BTreeMap<String, CalendarViewPref>, CoreError> {
        Ok(
            cal_engine::setting(self.store.pool(), CALENDAR_VIEW_SETTING)
                .await?
                .unwrap_or_default(),
        )
    }

    /// The calendar list: own calendars first, then colleagues', each by name.
    pub async fn calendar_list(&self) -> Result<Vec<CalendarEntry>, CoreError> {
        let prefs = self.calendar_view_prefs().await?;
        let opened = self.opened_calendars().await?;
        let mut cals = self.store.calendars(None).await?;
        cals.sort_by_key(|c| c.shared);
        Ok(cals
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let pref = prefs.get(&c.remote_id).cloned().unwrap_or_default();
                let removable = opened.iter().any(|o| o.url == c.remote_id);
                let color = [pref.color.as_str(), c.color.as_str()]
                    .into_iter()
                    .find(|s| is_colour(s))
                    .map(|s| s[..7].to_ascii_lowercase())
                    .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_owned());
                CalendarEntry {
                    id: c.id,
                    key: c.remote_id,
                    name: if c.display_name.is_empty() {
                        c.owner.clone()
                    } else {
                        c.display_name
                    },
                    color,
                    server_color: c.color,
                    owner: c.owner,
                    shared: c.shared,
                    read_only: c.read_only,
                    source: c.source.as_str().to_owned(),
                    shown: !pref.hidden,
                    removable,
                }
            })
            .collect())
    }

    /// Shows or hides a calendar in the views, or sets its colour ('' for the server's).
    pub async fn set_calendar_view(
        &self,
        calendar_id: i64,
        shown: Option<bool>,
        color: Option<String>,
    ) -> Result<(), CoreError> {
        let cal = self
            .store
            .calendar(calendar_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no calendar {calendar_id}")))?;
        if let Some(c) = color.as_deref()
            && !c.is_empty()
            && !is_colour(c)
        {
            return Err(CoreError::InvalidInput(format!(
                "\"{c}\" is not a colour (#rrggbb)"
            )));
        }
        let mut prefs = self.calendar_view_prefs().await?;
        let pref = prefs.entry(cal.remote_id).or_default();
        if let Some(shown) = shown {
            pref.hidden = !shown;
        }
        if let Some(color) = color {
            pref.color = color.to_ascii_lowercase();
        }
        prefs.retain(|_, p| *p != CalendarViewPref::default());
        cal_engine::set_setting(self.store.pool(), CALENDAR_VIEW_SETTING, &prefs).await
    }

    /// Occurrences overlapping `[from, to)` of every calendar, for the calendar views: from
    /// the materialised window where it covers the range, else expanded now from the stored
    /// events (paging back to a past month).
    pub async fn calendar_view(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<CalendarOccurrence>, CoreError> {
        if to <= from {
            return Err(CoreError::InvalidInput(format!(
                "the range ends before it starts ({from} .. {to})"
            )));
        }
        // Floating and all-day times in the user's zone, as in the materialised window.
        self.calendar_zone();
        let cals = self.store.calendars(None).await?;
        let (covered, outside): (Vec<_>, Vec<_>) = cals
            .iter()
            .partition(|c| c.window_start <= from.timestamp() && c.window_end >= to.timestamp());
        let mut out: Vec<OccurrenceRow> = Vec::new();
        if !covered.is_empty() {
            let ids: std::collections::HashSet<i64> = covered.iter().map(|c| c.id).collect();
            out.extend(
                self.store
                    .occurrences_between(from, to)
                    .await?
                    .into_iter()
                    .filter(|o| ids.contains(&o.calendar_id)),
            );
        }
        if !outside.is_empty() {
            let ids: Vec<i64> = outside.iter().map(|c| c.id).collect();
            out.extend(self.store.expand_between(&ids, from, to).await?);
            out.sort_by(|a, b| {
                (a.start_utc, a.end_utc, &a.uid).cmp(&(b.start_utc, b.end_utc, &b.uid))
            });
        }
        Ok(out.into_iter().map(CalendarOccurrence::from).collect())
    }
}

/// '#rrggbb' (or '#rrggbbaa', as some servers send it).
fn is_colour(s: &str) -> bool {
    let hex = s.strip_prefix('#').unwrap_or("");
    (hex.len() == 6 || hex.len() == 8) && hex.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod view_tests {
    use super::is_colour;

    #[test]
    fn colours_are_hex() {
        assert!(is_colour("#3a7bd5"));
        assert!(is_colour("#3A7BD5FF"));
        assert!(!is_colour("3a7bd5"));
        assert!(!is_colour("#3a7bd"));
        assert!(!is_colour("red"));
    }
}
