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
    /// The people invited, each `Name <address>` or an address; the user becomes the
    /// organizer when there are any. `None` leaves the event's attendees as they are (and an
    /// event someone else organizes always keeps them).
    #[serde(default)]
    pub attendees: Option<Vec<String>>,
    /// How the time shows to others (free/busy); `None` leaves it as it is.
    #[serde(default)]
    pub show_as: Option<ShowAs>,
    /// Private (CLASS:PRIVATE, ActiveSync Sensitivity 2): colleagues who may see the calendar
    /// see the time, not the details. `None` leaves it as it is.
    #[serde(default)]
    pub private: Option<bool>,
}

/// How an appointment's time shows to others (Outlook's "Show as").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ShowAs {
    Busy,
    Tentative,
    Free,
    Away,
}

impl ShowAs {
    /// The X-MICROSOFT-CDO-BUSYSTATUS value (what the ActiveSync mapping reads as BusyStatus).
    fn cdo(self) -> &'static str {
        match self {
            ShowAs::Busy => "BUSY",
            ShowAs::Tentative => "TENTATIVE",
            ShowAs::Free => "FREE",
            ShowAs::Away => "OOF",
        }
    }

    /// How `item` shows: its X-MICROSOFT-CDO-BUSYSTATUS, else TRANSP (RFC 5545 §3.8.2.7:
    /// TRANSPARENT is free), else busy.
    pub(crate) fn of(item: &kontor_calendar::Item) -> ShowAs {
        match item
            .extra_value("X-MICROSOFT-CDO-BUSYSTATUS")
            .map(|v| v.trim().to_ascii_uppercase())
            .as_deref()
        {
            Some("FREE") => ShowAs::Free,
            Some("TENTATIVE") => ShowAs::Tentative,
            Some("OOF") => ShowAs::Away,
            Some(_) => ShowAs::Busy,
            None if item
                .extra_value("TRANSP")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("TRANSPARENT")) =>
            {
                ShowAs::Free
            }
            None => ShowAs::Busy,
        }
    }
}

/// Sets (replaces) the property `name` of `item` to `value`.
fn set_extra(item: &mut kontor_calendar::Item, name: &str, value: &str) {
    item.extra.retain(|l| !l.name.eq_ignore_ascii_case(name));
    item.extra
        .push(kontor_calendar::ical::ContentLine::new(name, value));
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
    /// The meeting's organizer, when it has one.
    pub organizer: Option<Participant>,
    /// The invited people (the organizer too, when the event lists them), with their answers.
    pub attendees: Vec<Participant>,
    /// The user's own answer when the user is invited by someone else (the dialog then offers
    /// Accept / Tentative / Decline); `None` for the user's own events.
    pub my_answer: Option<ParticipantAnswer>,
}

/// Someone named in a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub email: String,
    /// The display name the event gives ('' when none).
    pub name: String,
    pub answer: ParticipantAnswer,
}

/// An attendee's answer as the event records it (PARTSTAT, RFC 5545 3.2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantAnswer {
    NeedsAction,
    Accepted,
    Tentative,
    Declined,
    Delegated,
}

impl From<kontor_calendar::PartStat> for ParticipantAnswer {
    fn from(p: kontor_calendar::PartStat) -> Self {
        use kontor_calendar::PartStat as P;
        match p {
            P::NeedsAction => Self::NeedsAction,
            P::Accepted => Self::Accepted,
            P::Tentative => Self::Tentative,
            P::Declined => Self::Declined,
            P::Delegated => Self::Delegated,
        }
    }
}

impl From<&kontor_calendar::Person> for Participant {
    fn from(p: &kontor_calendar::Person) -> Self {
        Participant {
            email: p.email.clone(),
            name: p.name.clone().unwrap_or_default(),
            answer: p.partstat.into(),
        }
    }
}

/// How an iTIP mail names a person: the name the event gives, else the address.
fn shown_name(p: &kontor_calendar::Person) -> String {
    p.name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| p.email.clone())
}

/// The master of the series `uid` (the first of its items when it has none).
fn series_master<'a>(
    cal: &'a kontor_calendar::Calendar,
    uid: &str,
) -> Option<&'a kontor_calendar::Item> {
    cal.items
        .iter()
        .find(|i| i.uid == uid && i.recurrence_id.is_none())
        .or_else(|| cal.items.iter().find(|i| i.uid == uid))
}

/// What a meeting's attendees see of the series `uid` in `ical`: per VEVENT (the master and
/// each changed occurrence) its title, place, text, times, recurrence and exceptions, status
/// and who is invited (not their answers), in a fixed order; `None` when it cannot be read.
/// A change of only the user's own things (reminder, show as, private) leaves it the same: the
/// attendees need no updated invitation for it.
fn attendee_view(ical: &str, uid: &str) -> Option<Vec<String>> {
    let cal = kontor_calendar::Calendar::parse(ical).ok()?;
    let mut view: Vec<String> = cal
        .items
        .iter()
        .filter(|i| i.uid == uid)
        .map(|i| {
            let mut who: Vec<String> = i.attendees.iter().map(|a| a.email.to_lowercase()).collect();
            who.sort();
            format!(
                "{:?}",
                (
                    &i.recurrence_id,
                    &i.summary,
                    &i.location,
                    &i.description,
                    &i.start,
                    &i.end,
                    &i.duration,
                    &i.rrule,
                    &i.rdates,
                    &i.exdates,
                    &i.status,
                    who,
                )
            )
        })
        .collect();
    view.sort();
    Some(view)
}

/// The organizer, attendees and the user's own answer of the series `uid` in `ical` (the
/// master's, or the first item's when there is no master). `me` are the user's addresses.
fn meeting_of(
    ical: &str,
    uid: &str,
    me: &[String],
) -> (
    Option<Participant>,
    Vec<Participant>,
    Option<ParticipantAnswer>,
) {
    let Ok(cal) = kontor_calendar::Calendar::parse(ical) else {
        return (None, Vec::new(), None);
    };
    let Some(master) = cal
        .items
        .iter()
        .find(|i| i.uid == uid && i.recurrence_id.is_none())
        .or_else(|| cal.items.iter().find(|i| i.uid == uid))
    else {
        return (None, Vec::new(), None);
    };
    let is_me = |addr: &str| me.iter().any(|m| m.eq_ignore_ascii_case(addr));
    let organizer = master.organizer.as_ref().map(Participant::from);
    let attendees: Vec<Participant> = master.attendees.iter().map(Participant::from).collect();
    let invited_by_other = organizer.as_ref().is_some_and(|o| !is_me(&o.email));
    let my_answer = if invited_by_other {
        master
            .attendees
            .iter()
            .find(|a| is_me(&a.email))
            .map(|a| a.partstat.into())
    } else {
        None
    };
    (organizer, attendees, my_answer)
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

/// Sets the attendees of the series `uid` in `ical` (master and overrides) to `wanted`
/// (`Name <address>` texts): those who stay keep their answers, new ones are asked
/// (NEEDS-ACTION, RSVP), and `organizer` (the user) organizes; no attendees, no organizer. An
/// event organized by someone other than the user (`me`) is returned unchanged.
fn set_attendees(
    ical: &str,
    uid: &str,
    wanted: &[String],
    organizer: &kontor_calendar::Person,
    me: &[String],
) -> Result<String, CoreError> {
    let is_me = |addr: &str| me.iter().any(|m| m.eq_ignore_ascii_case(addr));
    let mut people = Vec::new();
    for text in wanted {
        for r in crate::compose::parse_recipients(text) {
            if !r.valid {
                return Err(CoreError::InvalidInput(format!(
                    "\"{}\" is not an e-mail address",
                    r.text
                )));
            }
            if is_me(&r.address)
                || people.iter().any(|p: &crate::compose::ParsedRecipient| {
                    p.address.eq_ignore_ascii_case(&r.address)
                })
            {
                continue;
            }
            people.push(r);
        }
    }
    let mut cal = kontor_calendar::Calendar::parse(ical)
        .map_err(|e| CoreError::InvalidInput(format!("the event cannot be read: {e}")))?;
    for it in cal.items.iter_mut().filter(|i| i.uid == uid) {
        if it.organizer.as_ref().is_some_and(|o| !is_me(&o.email)) {
            return Ok(ical.to_string());
        }
        if people.is_empty() {
            it.attendees.clear();
            it.organizer = None;
            continue;
        }
        let old = std::mem::take(&mut it.attendees);
        it.attendees = people
            .iter()
            .map(|r| {
                old.iter()
                    .find(|a| a.email.eq_ignore_ascii_case(&r.address))
                    .cloned()
                    .unwrap_or_else(|| {
                        let mut a = kontor_calendar::Person::new(&r.address);
                        a.name = Some(r.name.clone()).filter(|n| !n.is_empty());
                        a.rsvp = true;
                        a
                    })
            })
            .collect();
        it.organizer = Some(organizer.clone());
    }
    Ok(cal.to_ics())
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
    if let Some(show) = d.show_as {
        set_extra(item, "X-MICROSOFT-CDO-BUSYSTATUS", show.cdo());
        set_extra(
            item,
            "TRANSP",
            if show == ShowAs::Free {
                "TRANSPARENT"
            } else {
                "OPAQUE"
            },
        );
    }
    if let Some(private) = d.private {
        // Written either way: an ActiveSync change without Sensitivity keeps the old one.
        set_extra(item, "CLASS", if private { "PRIVATE" } else { "PUBLIC" });
    }
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
        let ical = self
            .with_attendees(&cal, ical, &uid, draft.attendees.as_deref())
            .await?;
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
        let (mut draft, recurring) =
            edit::form(&row.ical, &row.uid, cal.id, instance, &self.calendar_zone())?;
        let me = self.my_addresses(cal.account_id).await?;
        let (organizer, attendees, my_answer) = meeting_of(&row.ical, &row.uid, &me);
        if organizer
            .as_ref()
            .is_some_and(|o| !me.iter().any(|m| m.eq_ignore_ascii_case(&o.email)))
        {
            // Someone else's meeting: its attendees are theirs to change.
            draft.attendees = None;
        }
        Ok(EventForm {
            draft,
            recurring,
            read_only: cal.read_only,
            organizer,
            attendees,
            // A colleague's calendar shows the colleague's invitations: not the user's to answer.
            my_answer: my_answer.filter(|_| !cal.shared),
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
        let attendees = draft.attendees.clone();
        let ical = edit::update_series(
            &row.ical,
            &row.uid,
            &EventDraft {
                calendar_id: cal.id,
                ..draft
            },
            &self.calendar_zone(),
        )?;
        let ical = self
            .with_attendees(&cal, ical, &row.uid, attendees.as_deref())
            .await?;
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

    /// `ical` with the series `uid`'s attendees set to `wanted` and the user as organizer
    /// ([`set_attendees`]); unchanged when `wanted` is `None`.
    async fn with_attendees(
        &self,
        cal: &CalendarRow,
        ical: String,
        uid: &str,
        wanted: Option<&[String]>,
    ) -> Result<String, CoreError> {
        let Some(wanted) = wanted else {
            return Ok(ical);
        };
        let me = self.my_addresses(cal.account_id).await?;
        let organizer = if wanted.iter().any(|w| !w.trim().is_empty()) {
            self.me_as_organizer(cal.account_id).await?
        } else {
            kontor_calendar::Person::default()
        };
        set_attendees(&ical, uid, wanted, &organizer, &me)
    }

    /// The user as a meeting's organizer: the sender address and the server's display name.
    async fn me_as_organizer(&self, account_id: i64) -> Result<kontor_calendar::Person, CoreError> {
        let mut p = kontor_calendar::Person::new(&self.sender("").await?);
        p.name =
            Some(self.store.account_identity(account_id).await?.1).filter(|n| !n.trim().is_empty());
        Ok(p)
    }

    /// Invites the attendees of an event the user organizes, or tells them of a change: an
    /// iTIP REQUEST mail (RFC 6047) with the whole series, queued after the event's own change
    /// so it goes out once that is on its way. Up to EAS 14.1 the server sends none, so Kontor
    /// mails them; on a CalDAV calendar whose server schedules itself (RFC 6638
    /// `calendar-auto-schedule`, SOGo) the server delivers them and Kontor mails none, so no
    /// one is told twice. Returns whether a mail was queued (`false` when the event is no meeting of the
    /// user's). `before`, the event's text before a change, words it as a changed invitation,
    /// and none goes out when the change touched nothing the attendees see (a reminder, show
    /// as, private: [`attendee_view`]); texts are in `lang`.
    pub async fn invite_attendees(
        &self,
        event_id: i64,
        before: Option<&str>,
        lang: crate::i18n::Lang,
    ) -> Result<bool, CoreError> {
        let row = self.event_row(event_id).await?;
        let update = before.is_some();
        if let Some(before) = before {
            let then = attendee_view(before, &row.uid);
            if then.is_some() && then == attendee_view(&row.ical, &row.uid) {
                tracing::debug!(event_id, "changed only for the user: no updated invitation");
                return Ok(false);
            }
        }
        let cal = self.writable_calendar(row.calendar_id).await?;
        if self.server_schedules(&cal).await? {
            tracing::debug!(event_id, "the CalDAV server schedules: no invitation mail");
            return Ok(false);
        }
        let me = self.my_addresses(cal.account_id).await?;
        let parsed = kontor_calendar::Calendar::parse(&row.ical)
            .map_err(|e| CoreError::InvalidInput(format!("the event cannot be read: {e}")))?;
        let Some(master) = series_master(&parsed, &row.uid) else {
            return Ok(false);
        };
        let is_me = |addr: &str| me.iter().any(|m| m.eq_ignore_ascii_case(addr));
        let Some(organizer) = master.organizer.clone().filter(|o| is_me(&o.email)) else {
            return Ok(false);
        };
        if !master.attendees.iter().any(|a| !is_me(&a.email)) {
            return Ok(false);
        }
        let request =
            kontor_calendar::itip::request(&parsed, &row.uid, &organizer, chrono::Utc::now())
                .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        let summary = master.summary.clone().unwrap_or_default();
        let when = self.meeting_when(&parsed, master, lang);
        let who = shown_name(&organizer);
        let (subject, text) = if update {
            (
                format!(
                    "{}: {summary}",
                    lang.pick("Updated invitation", "Geänderte Einladung")
                ),
                lang.pick(
                    &format!("{who} has changed \"{summary}\" ({when})."),
                    &format!("{who} hat „{summary}“ geändert ({when})."),
                )
                .to_string(),
            )
        } else {
            (
                format!("{}: {summary}", lang.pick("Invitation", "Einladung")),
                lang.pick(
                    &format!("{who} invites you to \"{summary}\" ({when})."),
                    &format!("{who} lädt Sie zu „{summary}“ ein ({when})."),
                )
                .to_string(),
            )
        };
        let mime = crate::engine::outbox::build_itip_message(
            &organizer.email,
            &request.recipients,
            &subject,
            &text,
            &request,
        );
        self.queue_meeting_mail(mime).await?;
        Ok(true)
    }

    /// Tells the people a change took off a meeting the user organizes that they are no longer
    /// invited (iTIP CANCEL to them only, RFC 5546 §3.2.5): those `before` (the event's text
    /// before the change) listed and the event no longer does. Returns how many were told.
    pub async fn cancel_for_removed(
        &self,
        event_id: i64,
        before: &str,
        lang: crate::i18n::Lang,
    ) -> Result<usize, CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        if self.server_schedules(&cal).await? {
            return Ok(0);
        }
        let me = self.my_addresses(cal.account_id).await?;
        let is_me = |addr: &str| me.iter().any(|m| m.eq_ignore_ascii_case(addr));
        let (Ok(old), Ok(now)) = (
            kontor_calendar::Calendar::parse(before),
            kontor_calendar::Calendar::parse(&row.ical),
        ) else {
            return Ok(0);
        };
        let Some(old_master) = series_master(&old, &row.uid) else {
            return Ok(0);
        };
        let Some(organizer) = old_master.organizer.as_ref().filter(|o| is_me(&o.email)) else {
            return Ok(0);
        };
        let staying: Vec<&str> = series_master(&now, &row.uid)
            .map(|m| m.attendees.iter().map(|a| a.email.as_str()).collect())
            .unwrap_or_default();
        let removed: Vec<String> = old_master
            .attendees
            .iter()
            .map(|a| a.email.clone())
            .filter(|e| !is_me(e) && !staying.iter().any(|s| s.eq_ignore_ascii_case(e)))
            .collect();
        if removed.is_empty() {
            return Ok(0);
        }
        let mut msg = kontor_calendar::itip::cancel(&old, &row.uid, None, chrono::Utc::now())
            .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        msg.recipients = removed.clone();
        let summary = old_master.summary.clone().unwrap_or_default();
        let when = self.meeting_when(&old, old_master, lang);
        let who = shown_name(organizer);
        let mime = crate::engine::outbox::build_itip_message(
            &organizer.email,
            &msg.recipients,
            &format!("{}: {summary}", lang.pick("Cancelled", "Abgesagt")),
            lang.pick(
                &format!("{who} no longer invites you to \"{summary}\" ({when})."),
                &format!("{who} hat Sie von „{summary}“ ausgeladen ({when})."),
            ),
            &msg,
        );
        self.queue_meeting_mail(mime).await?;
        Ok(removed.len())
    }

    /// Deletes an event and, when it is a meeting the user organizes, tells its attendees
    /// (iTIP CANCEL, queued after the delete; texts in `lang`).
    pub async fn delete_meeting(
        &self,
        event_id: i64,
        lang: crate::i18n::Lang,
    ) -> Result<(), CoreError> {
        let row = self.event_row(event_id).await?;
        let cal = self.writable_calendar(row.calendar_id).await?;
        let me = self.my_addresses(cal.account_id).await?;
        let parsed = if self.server_schedules(&cal).await? {
            None
        } else {
            kontor_calendar::Calendar::parse(&row.ical).ok()
        };
        let cancel = parsed.as_ref().and_then(|p| {
            let master = series_master(p, &row.uid)?;
            let organizer = master
                .organizer
                .as_ref()
                .filter(|o| me.iter().any(|m| m.eq_ignore_ascii_case(&o.email)))?;
            let msg = kontor_calendar::itip::cancel(p, &row.uid, None, chrono::Utc::now()).ok()?;
            if msg.recipients.is_empty() {
                return None;
            }
            let summary = master.summary.clone().unwrap_or_default();
            let when = self.meeting_when(p, master, lang);
            let who = shown_name(organizer);
            Some(crate::engine::outbox::build_itip_message(
                &organizer.email,
                &msg.recipients,
                &format!("{}: {summary}", lang.pick("Cancelled", "Abgesagt")),
                lang.pick(
                    &format!("{who} has cancelled \"{summary}\" ({when})."),
                    &format!("{who} hat „{summary}“ abgesagt ({when})."),
                ),
                &msg,
            ))
        });
        self.delete_event(event_id).await?;
        if let Some(mime) = cancel {
            self.queue_meeting_mail(mime).await?;
        }
        Ok(())
    }

    /// Whether the server of `cal` delivers invitations, changes, cancellations and answers
    /// itself (a CalDAV calendar whose server says `calendar-auto-schedule`, RFC 6638: SOGo):
    /// Kontor then sends no iTIP mail of its own, so no one is told twice.
    async fn server_schedules(&self, cal: &CalendarRow) -> Result<bool, CoreError> {
        Ok(cal.source == CalendarSource::Caldav
            && self.store.caldav_schedules(cal.account_id).await?)
    }

    /// Queues an iTIP mail on the mail (ActiveSync) account, whatever calendar the meeting is
    /// in, and wakes the engine to send it.
    async fn queue_meeting_mail(&self, mime: String) -> Result<(), CoreError> {
        let account_id = self.current_account_id().await?;
        self.store
            .enqueue(
                account_id,
                &OutboxOp::Send {
                    client_id: uuid::Uuid::new_v4().simple().to_string(),
                    mime,
                    save_in_sent: true,
                },
            )
            .await?;
        if let Some(h) = self.engine.lock().await.handle.as_ref() {
            h.wake();
        }
        Ok(())
    }

    /// The start of a meeting as an invitation's text gives it: date and time in the user's
    /// zone (`2026-12-08 10:00` / `08.12.2026 10:00`), the date alone for an all-day one.
    fn meeting_when(
        &self,
        cal: &kontor_calendar::Calendar,
        master: &kontor_calendar::Item,
        lang: crate::i18n::Lang,
    ) -> String {
        let zone = self.calendar_zone();
        let Some(start) = master.start.as_ref() else {
            return String::new();
        };
        match start {
            kontor_calendar::DateOrTime::Date(d) => {
                d.format(lang.pick("%Y-%m-%d", "%d.%m.%Y")).to_string()
            }
            other => {
                let utc = edit::instant_in(cal, other, &zone);
                zone.utc_to_local(utc)
                    .format(lang.pick("%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"))
                    .to_string()
            }
        }
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
    /// event with the user's PARTSTAT, written like any update; a server that schedules (RFC
    /// 6638) informs the organizer, for another one an iTIP REPLY mail does; the cache shows
    /// the answer at once.
    pub async fn respond_to_meeting(
        &self,
        event_id: i64,
        answer: MeetingAnswer,
        lang: crate::i18n::Lang,
    ) -> Result<(), CoreError> {
        self.respond_to_meeting_with(event_id, answer, lang, None, true)
            .await
    }

    /// [`Self::respond_to_meeting`] with a comment for the organizer (in the reply mail's text
    /// and as the REPLY's COMMENT), or (`send_reply` false) without telling the organizer: the
    /// answer is recorded in the user's calendar only (on ActiveSync the MeetingResponse, no
    /// mail; on CalDAV the server's scheduling may still tell the organizer, as it decides).
    pub async fn respond_to_meeting_with(
        &self,
        event_id: i64,
        answer: MeetingAnswer,
        lang: crate::i18n::Lang,
        comment: Option<&str>,
        send_reply: bool,
    ) -> Result<(), CoreError> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
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
                if send_reply {
                    reply_mail =
                        Self::itip_reply_mail(&row.ical, &row.uid, &me, partstat, lang, comment)?;
                }
                OutboxOp::MeetingResponse {
                    folder_id: cal.remote_id.clone(),
                    server_id: row.remote_id.clone(),
                    response: answer.response(),
                    uid: row.uid.clone(),
                }
            }
            CalendarSource::Caldav => {
                let cal = self.writable_calendar(cal.id).await?;
                // A server that schedules (RFC 6638) tells the organizer of the answer written
                // into the calendar; another one does not, so Kontor mails it as on ActiveSync.
                if send_reply && !self.server_schedules(&cal).await? {
                    reply_mail =
                        Self::itip_reply_mail(&row.ical, &row.uid, &me, partstat, lang, comment)?;
                }
                OutboxOp::EventUpdate {
                    calendar: cal.remote_id.clone(),
                    remote_id: row.remote_id.clone(),
                    ical: calendar_outbox::with_partstat(&row.ical, &me, partstat)?,
                }
            }
        };
        self.store.enqueue(cal.account_id, &op).await?;
        if let Some(mail) = reply_mail {
            // Queued after the answer itself, so it goes out only once that is recorded; on
            // the mail account (a CalDAV calendar's account sends no mail).
            let mail_account = self.current_account_id().await?;
            self.store.enqueue(mail_account, &mail).await?;
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
        let reply_mail = Self::itip_reply_mail(&ics, &uid, &me, partstat, lang, None)?;
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
    /// (with and without `mail.`), the signed-in account's user and the mail account's own
    /// addresses ([`Self::own_addresses`]).
    async fn my_addresses(&self, account_id: i64) -> Result<Vec<String>, CoreError> {
        let mut me = calendar_outbox::attendee_addresses(&self.store, account_id).await?;
        if let Some(cfg) = self.account_config().await {
            me.push(cfg.user.clone());
        }
        // The mail account's addresses too: a meeting in a CalDAV calendar whose server knows
        // no address of the user (Radicale) is organized under the sender address.
        // (None without a mail account: a profile with CalDAV alone.)
        if let Ok(own) = self.own_addresses().await {
            me.extend(own);
        }
        Ok(me)
    }

    /// The iTIP REPLY mail (RFC 6047) telling the organizer of `ical` the user's answer, as a
    /// queued send; `None` when the event has no organizer other than the user or does not
    /// list the user as an attendee.
    fn itip_reply_mail(
        ical: &str,
        uid: &str,
        me: &[String],
        partstat: kontor_calendar::PartStat,
        lang: crate::i18n::Lang,
        comment: Option<&str>,
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
        let mut reply = kontor_calendar::itip::reply(
            &cal,
            uid,
            &attendee.email,
            partstat,
            None,
            chrono::Utc::now(),
        )
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
        if let Some(c) = comment {
            // RFC 5546 §3.2.3: a REPLY may carry the attendee's COMMENT.
            for it in &mut reply.calendar.items {
                it.extra.push(kontor_calendar::ical::ContentLine::new(
                    "COMMENT",
                    kontor_calendar::value::escape_text(c),
                ));
            }
        }
        let summary = master.summary.clone().unwrap_or_default();
        let who = shown_name(attendee);
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
            &match comment {
                Some(c) => format!("{who} {text}: {summary}\n\n{c}"),
                None => format!("{who} {text}: {summary}"),
            },
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
    /// The user's answer when this is an invitation of someone else's in an own calendar (the
    /// views mark one not answered yet or tentative); `None` otherwise.
    pub my_answer: Option<ParticipantAnswer>,
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
            my_answer: None,
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
        let began = std::time::Instant::now();
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
        let read = began.elapsed();
        let answers = self.my_answers(&out, &cals).await?;
        tracing::debug!(
            days = (to - from).num_days(),
            covered = covered.len(),
            expanded = outside.len(),
            occurrences = out.len(),
            read_ms = read.as_secs_f64() * 1000.0,
            total_ms = began.elapsed().as_secs_f64() * 1000.0,
            "calendar range"
        );
        Ok(out
            .into_iter()
            .map(|o| {
                let answer = answers.get(&o.event_id).copied();
                CalendarOccurrence {
                    my_answer: answer,
                    ..CalendarOccurrence::from(o)
                }
            })
            .collect())
    }

    /// The user's answers to the invitations among `occ`: events of an own calendar that
    /// someone else organizes (one query for the events naming an organizer; only those are
    /// read).
    async fn my_answers(
        &self,
        occ: &[OccurrenceRow],
        cals: &[CalendarRow],
    ) -> Result<std::collections::HashMap<i64, ParticipantAnswer>, CoreError> {
        let own: std::collections::HashMap<i64, i64> = cals
            .iter()
            .filter(|c| !c.shared)
            .map(|c| (c.id, c.account_id))
            .collect();
        let mut ids: Vec<i64> = occ
            .iter()
            .filter(|o| own.contains_key(&o.calendar_id))
            .map(|o| o.event_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let meetings = self.store.meetings_among(&ids).await?;
        let mut out = std::collections::HashMap::new();
        if meetings.is_empty() {
            return Ok(out);
        }
        let mut me_of: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        let account_of: std::collections::HashMap<i64, i64> = occ
            .iter()
            .filter_map(|o| own.get(&o.calendar_id).map(|a| (o.event_id, *a)))
            .collect();
        for (id, uid, ical) in meetings {
            let Some(account) = account_of.get(&id).copied() else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(v) = me_of.entry(account) {
                v.insert(self.my_addresses(account).await?);
            }
            let me = &me_of[&account];
            if let (_, _, Some(answer)) = meeting_of(&ical, &uid, me) {
                out.insert(id, answer);
            }
        }
        Ok(out)
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

#[cfg(test)]
mod meeting_tests {
    use super::{ParticipantAnswer, attendee_view, meeting_of, set_attendees};

    const ME: &str = "alice@kontor.test";

    fn event(extra: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:m1\r\n\
             DTSTART:20261208T090000Z\r\nDTEND:20261208T100000Z\r\nSUMMARY:Budget\r\n{extra}\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    fn organizer() -> kontor_calendar::Person {
        let mut p = kontor_calendar::Person::new(ME);
        p.name = Some("Alice Adler".into());
        p
    }

    fn me() -> Vec<String> {
        vec![ME.into(), "alice".into()]
    }

    #[test]
    fn only_a_change_the_attendees_see_asks_for_an_updated_invitation() {
        let people = "ORGANIZER:mailto:alice@kontor.test\r\n\
                      ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@kontor.test\r\n";
        let base = event(people);
        let view = |ics: &str| attendee_view(ics, "m1").expect("readable");
        // The user's own reminder, show as, private, and bob's answer recorded: the same.
        let own = event(&format!(
            "{}TRANSP:TRANSPARENT\r\nCLASS:PRIVATE\r\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\r\n\
             BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n",
            people.replace("NEEDS-ACTION", "ACCEPTED")
        ));
        assert_eq!(view(&base), view(&own));
        // The time, the place, the title, who is invited: changed.
        for changed in [
            base.replace("T090000Z", "T093000Z"),
            base.replace("SUMMARY:Budget", "SUMMARY:Budget 2027"),
            event(&format!("{people}LOCATION:Raum 2\r\n")),
            event(&format!("{people}ATTENDEE:mailto:carol@kontor.test\r\n")),
            event(&format!("{people}RRULE:FREQ=WEEKLY\r\n")),
        ] {
            assert_ne!(view(&base), view(&changed), "{changed}");
        }
        assert!(attendee_view("not a calendar", "m1").is_none());
    }

    #[test]
    fn inviting_makes_the_user_organizer_and_asks_the_new_attendees() {
        let out = set_attendees(
            &event(""),
            "m1",
            &[
                "Bob Baker <bob@kontor.test>; carol@kontor.test".into(),
                ME.into(),
            ],
            &organizer(),
            &me(),
        )
        .unwrap();
        let (org, people, mine) = meeting_of(&out, "m1", &me());
        assert_eq!(org.unwrap().email, ME);
        let emails: Vec<_> = people.iter().map(|p| p.email.as_str()).collect();
        assert_eq!(
            emails,
            ["bob@kontor.test", "carol@kontor.test"],
            "the user is not listed"
        );
        assert_eq!(people[0].name, "Bob Baker");
        assert!(
            people
                .iter()
                .all(|p| p.answer == ParticipantAnswer::NeedsAction)
        );
        assert_eq!(mine, None, "the organizer has no answer to give");
        assert!(out.contains("RSVP=TRUE"), "{out}");
    }

    #[test]
    fn attendees_who_stay_keep_their_answers_and_none_left_means_no_meeting() {
        let ics = event(
            "ORGANIZER:mailto:alice@kontor.test\r\n\
             ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@kontor.test\r\n\
             ATTENDEE;PARTSTAT=DECLINED:mailto:carol@kontor.test\r\n",
        );
        let out =
            set_attendees(&ics, "m1", &["bob@kontor.test".into()], &organizer(), &me()).unwrap();
        let (_, people, _) = meeting_of(&out, "m1", &me());
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].answer, ParticipantAnswer::Accepted);

        let none = set_attendees(&ics, "m1", &[], &organizer(), &me()).unwrap();
        let (org, people, _) = meeting_of(&none, "m1", &me());
        assert!(org.is_none() && people.is_empty(), "{none}");
    }

    #[test]
    fn someone_elses_meeting_is_left_alone_and_offers_the_users_answer() {
        let ics = event(
            "ORGANIZER;CN=Bob Baker:mailto:bob@kontor.test\r\n\
             ATTENDEE;PARTSTAT=TENTATIVE:mailto:alice@kontor.test\r\n",
        );
        let out =
            set_attendees(&ics, "m1", &["x@kontor.test".into()], &organizer(), &me()).unwrap();
        assert_eq!(out, ics);
        let (org, people, mine) = meeting_of(&ics, "m1", &me());
        assert_eq!(org.unwrap().name, "Bob Baker");
        assert_eq!(people.len(), 1);
        assert_eq!(mine, Some(ParticipantAnswer::Tentative));
    }

    #[test]
    fn a_reply_carries_the_comment_for_the_organizer() {
        let ics = event(
            "ORGANIZER;CN=Bob Baker:mailto:bob@kontor.test\r\n\
             ATTENDEE;CN=Alice Adler;PARTSTAT=NEEDS-ACTION:mailto:alice@kontor.test\r\n",
        );
        let op = crate::Kontor::itip_reply_mail(
            &ics,
            "m1",
            &me(),
            kontor_calendar::PartStat::Tentative,
            crate::i18n::Lang::De,
            Some("Ich komme; eventuell später"),
        )
        .unwrap()
        .expect("a reply mail");
        let crate::store::OutboxOp::Send { mime, .. } = op else {
            panic!("not a send: {op:?}");
        };
        let msg = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .expect("MIME");
        assert_eq!(msg.subject(), Some("Mit Vorbehalt: Budget"));
        let text = msg.body_text(0).expect("text part");
        assert!(text.contains("Ich komme; eventuell später"), "{text}");
        let ics = msg
            .parts
            .iter()
            .find(|p| {
                mail_parser::MimeHeaders::content_type(*p)
                    .is_some_and(|c| c.subtype() == Some("calendar"))
            })
            .and_then(|p| p.text_contents())
            .expect("the iTIP part")
            .replace("\r\n ", "");
        assert!(
            ics.contains("COMMENT:Ich komme\\; eventuell später"),
            "{ics}"
        );
        assert!(ics.contains("PARTSTAT=TENTATIVE"), "{ics}");

        let plain = crate::Kontor::itip_reply_mail(
            &ics,
            "m1",
            &me(),
            kontor_calendar::PartStat::Accepted,
            crate::i18n::Lang::En,
            None,
        )
        .unwrap()
        .expect("a reply mail");
        assert!(!format!("{plain:?}").contains("COMMENT"));
    }

    #[test]
    fn a_wrong_address_is_a_clear_error() {
        let err = set_attendees(
            &event(""),
            "m1",
            &["bob at home".into()],
            &organizer(),
            &me(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("bob at home"), "{err}");
    }
}
