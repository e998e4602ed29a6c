//! The calendar model: events and to-dos with their recurrence, overrides, alarms and people,
//! read from and written to iCalendar (RFC 5545).

use chrono::{DateTime, TimeDelta, Utc};

use crate::Error;
use crate::ical::{
    Component, ContentLine, parse_components, parse_components_bytes, write_component, write_line,
};
use crate::recur::Recurrence;
use crate::value::{
    DateOrTime, Duration, RDate, escape_text, format_duration, parse_duration, unescape_text,
};

/// VEVENT or VTODO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Event,
    Todo,
}

/// STATUS (RFC 5545 §3.8.1.11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    Tentative,
    Confirmed,
    Cancelled,
    NeedsAction,
    Completed,
    InProcess,
    Other(String),
}

impl Status {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "TENTATIVE" => Self::Tentative,
            "CONFIRMED" => Self::Confirmed,
            "CANCELLED" => Self::Cancelled,
            "NEEDS-ACTION" => Self::NeedsAction,
            "COMPLETED" => Self::Completed,
            "IN-PROCESS" => Self::InProcess,
            o => Self::Other(o.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Tentative => "TENTATIVE",
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
            Self::NeedsAction => "NEEDS-ACTION",
            Self::Completed => "COMPLETED",
            Self::InProcess => "IN-PROCESS",
            Self::Other(s) => s,
        }
    }
}

/// PARTSTAT (RFC 5545 §3.2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PartStat {
    #[default]
    NeedsAction,
    Accepted,
    Declined,
    Tentative,
    Delegated,
}

impl PartStat {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "ACCEPTED" => Self::Accepted,
            "DECLINED" => Self::Declined,
            "TENTATIVE" => Self::Tentative,
            "DELEGATED" => Self::Delegated,
            _ => Self::NeedsAction,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedsAction => "NEEDS-ACTION",
            Self::Accepted => "ACCEPTED",
            Self::Declined => "DECLINED",
            Self::Tentative => "TENTATIVE",
            Self::Delegated => "DELEGATED",
        }
    }
}

/// ROLE (RFC 5545 §3.2.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Role {
    Chair,
    #[default]
    Required,
    Optional,
    NonParticipant,
}

impl Role {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "CHAIR" => Self::Chair,
            "OPT-PARTICIPANT" => Self::Optional,
            "NON-PARTICIPANT" => Self::NonParticipant,
            _ => Self::Required,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chair => "CHAIR",
            Self::Required => "REQ-PARTICIPANT",
            Self::Optional => "OPT-PARTICIPANT",
            Self::NonParticipant => "NON-PARTICIPANT",
        }
    }
}

/// An ATTENDEE or the ORGANIZER.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Person {
    /// Address without the `mailto:` prefix.
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
    pub partstat: PartStat,
    pub rsvp: bool,
    /// CUTYPE=RESOURCE/ROOM and other parameters we do not model, kept for writing back.
    pub other_params: Vec<(String, String)>,
}

impl Person {
    pub fn new(email: &str) -> Self {
        Self {
            email: email.to_string(),
            ..Default::default()
        }
    }

    fn from_line(l: &ContentLine) -> Self {
        let v = l.value.trim();
        let email = v
            .strip_prefix("mailto:")
            .or_else(|| v.strip_prefix("MAILTO:"))
            .or_else(|| v.strip_prefix("Mailto:"))
            .unwrap_or(v)
            .to_string();
        let mut p = Person {
            email,
            ..Default::default()
        };
        for (n, val) in &l.params {
            match n.as_str() {
                "CN" => p.name = Some(val.clone()),
                "ROLE" => p.role = Role::parse(val),
                "PARTSTAT" => p.partstat = PartStat::parse(val),
                "RSVP" => p.rsvp = val.eq_ignore_ascii_case("TRUE"),
                _ => p.other_params.push((n.clone(), val.clone())),
            }
        }
        p
    }

    fn to_line(&self, name: &str, attendee: bool) -> ContentLine {
        let mut l = ContentLine::new(name, format!("mailto:{}", self.email));
        if let Some(n) = &self.name {
            l = l.with_param("CN", n.clone());
        }
        if attendee {
            l = l
                .with_param("ROLE", self.role.as_str())
                .with_param("PARTSTAT", self.partstat.as_str());
            if self.rsvp {
                l = l.with_param("RSVP", "TRUE");
            }
        }
        for (n, v) in &self.other_params {
            l = l.with_param(n, v.clone());
        }
        l
    }
}

/// What a relative trigger is measured from (RFC 5545 §3.2.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Related {
    Start,
    End,
}

/// TRIGGER (RFC 5545 §3.8.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    Relative { offset: TimeDelta, related: Related },
    Absolute(DateTime<Utc>),
}

/// A VALARM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    /// DISPLAY, AUDIO, EMAIL, …
    pub action: String,
    pub trigger: Trigger,
    /// REPEAT count (0 = fires once).
    pub repeat: u32,
    /// DURATION between repeats.
    pub repeat_interval: Option<TimeDelta>,
    pub description: Option<String>,
    /// Other properties (X-WR-ALARMUID, ACKNOWLEDGED, …) kept for writing back.
    pub extra: Vec<ContentLine>,
}

impl Alarm {
    /// A DISPLAY alarm `minutes` before the start (what EAS `Reminder` means).
    pub fn minutes_before_start(minutes: i64) -> Self {
        Alarm {
            action: "DISPLAY".into(),
            trigger: Trigger::Relative {
                offset: TimeDelta::minutes(-minutes),
                related: Related::Start,
            },
            repeat: 0,
            repeat_interval: None,
            description: Some("Reminder".into()),
            extra: Vec::new(),
        }
    }

    /// Whether the alarm ever alerts. RFC 9074 §7: `ACTION:NONE` is a placeholder (a default
    /// alarm the user switched off) that is kept in the data but never triggers.
    pub fn fires(&self) -> bool {
        !self.action.eq_ignore_ascii_case("NONE")
    }

    fn from_component(c: &Component) -> Result<Self, Error> {
        let t = c
            .prop("TRIGGER")
            .ok_or_else(|| Error::Parse("VALARM without TRIGGER".into()))?;
        let trigger = if t
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE-TIME"))
            || t.value.trim().ends_with(['Z', 'z'])
        {
            match DateOrTime::parse(&t.value, None, None)? {
                DateOrTime::Utc(u) => Trigger::Absolute(u),
                // §3.8.6.3: an absolute trigger MUST be UTC; read a floating one as UTC.
                other => Trigger::Absolute(other.naive().and_utc()),
            }
        } else {
            let related = if t
                .param("RELATED")
                .is_some_and(|r| r.eq_ignore_ascii_case("END"))
            {
                Related::End
            } else {
                Related::Start
            };
            Trigger::Relative {
                offset: parse_duration(&t.value)?,
                related,
            }
        };
        let mut a = Alarm {
            action: c
                .prop("ACTION")
                .map(|p| p.value.trim().to_ascii_uppercase())
                .unwrap_or_else(|| "DISPLAY".into()),
            trigger,
            repeat: 0,
            repeat_interval: None,
            description: None,
            extra: Vec::new(),
        };
        for p in &c.props {
            match p.name.as_str() {
                "ACTION" | "TRIGGER" => {}
                "REPEAT" => a.repeat = p.value.trim().parse::<u32>().unwrap_or(0).min(1000),
                "DURATION" => a.repeat_interval = parse_duration(&p.value).ok(),
                "DESCRIPTION" => a.description = Some(unescape_text(&p.value)),
                _ => a.extra.push(p.clone()),
            }
        }
        // §3.6.6: REPEAT and DURATION must both be present; one without the other is ignored.
        if a.repeat_interval.is_none_or(|d| d <= TimeDelta::zero()) {
            a.repeat = 0;
        }
        Ok(a)
    }

    fn to_component(&self) -> Component {
        let mut c = Component::new("VALARM");
        c.push(ContentLine::new("ACTION", self.action.clone()));
        c.push(match self.trigger {
            Trigger::Relative { offset, related } => {
                let l = ContentLine::new("TRIGGER", format_duration(offset));
                if related == Related::End {
                    l.with_param("RELATED", "END")
                } else {
                    l
                }
            }
            Trigger::Absolute(u) => {
                ContentLine::new("TRIGGER", u.format("%Y%m%dT%H%M%SZ").to_string())
                    .with_param("VALUE", "DATE-TIME")
            }
        });
        if self.repeat > 0
            && let Some(d) = self.repeat_interval
        {
            c.push(ContentLine::new("REPEAT", self.repeat.to_string()));
            c.push(ContentLine::new("DURATION", format_duration(d)));
        }
        // §3.6.6: DISPLAY and EMAIL alarms require a DESCRIPTION.
        let desc = self
            .description
            .clone()
            .or_else(|| (self.action != "AUDIO").then(|| "Reminder".to_string()));
        if let Some(d) = desc {
            c.push(ContentLine::new("DESCRIPTION", escape_text(&d)));
        }
        c.props.extend(self.extra.iter().cloned());
        c
    }
}

/// One VEVENT or VTODO: a single item, a series master, or an override of one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub uid: String,
    pub summary: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub start: Option<DateOrTime>,
    pub end: Option<DateOrTime>,
    /// DURATION (§3.8.2.5): days and weeks nominal, the rest exact.
    pub duration: Option<Duration>,
    /// VTODO due time.
    pub due: Option<DateOrTime>,
    pub rrule: Option<Recurrence>,
    /// RDATE values; a `VALUE=PERIOD` one keeps its own end (§3.8.5.2).
    pub rdates: Vec<RDate>,
    pub exdates: Vec<DateOrTime>,
    /// Set on an override: which instance of the series it replaces.
    pub recurrence_id: Option<DateOrTime>,
    /// RECURRENCE-ID;RANGE=THISANDFUTURE.
    pub this_and_future: bool,
    pub status: Option<Status>,
    pub sequence: i64,
    pub dtstamp: Option<DateTime<Utc>>,
    pub organizer: Option<Person>,
    pub attendees: Vec<Person>,
    pub alarms: Vec<Alarm>,
    /// Properties the model does not interpret, kept verbatim (X-MICROSOFT-CDO-*, CLASS, …).
    pub extra: Vec<ContentLine>,
    /// Sub-components other than VALARM, kept verbatim.
    pub extra_components: Vec<Component>,
}

impl Item {
    pub fn new(kind: ItemKind, uid: &str) -> Self {
        Item {
            kind,
            uid: uid.to_string(),
            summary: None,
            location: None,
            description: None,
            start: None,
            end: None,
            duration: None,
            due: None,
            rrule: None,
            rdates: Vec::new(),
            exdates: Vec::new(),
            recurrence_id: None,
            this_and_future: false,
            status: None,
            sequence: 0,
            dtstamp: None,
            organizer: None,
            attendees: Vec::new(),
            alarms: Vec::new(),
            extra: Vec::new(),
            extra_components: Vec::new(),
        }
    }

    pub fn is_all_day(&self) -> bool {
        self.start.as_ref().is_some_and(DateOrTime::is_date)
    }

    /// An `X-` or other uninterpreted property value.
    pub fn extra_value(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
            .map(|l| l.value.as_str())
    }

    fn from_component(c: &Component) -> Result<Self, Error> {
        let kind = match c.name.as_str() {
            "VEVENT" => ItemKind::Event,
            "VTODO" => ItemKind::Todo,
            other => return Err(Error::Parse(format!("not an event or to-do: {other}"))),
        };
        let mut it = Item::new(kind, "");
        for p in &c.props {
            let date = || DateOrTime::from_line(p);
            match p.name.as_str() {
                "UID" => it.uid = p.value.trim().to_string(),
                "SUMMARY" => it.summary = Some(unescape_text(&p.value)),
                "LOCATION" => it.location = Some(unescape_text(&p.value)),
                "DESCRIPTION" => it.description = Some(unescape_text(&p.value)),
                "DTSTART" => it.start = Some(date()?),
                "DTEND" => it.end = Some(date()?),
                "DUE" => it.due = Some(date()?),
                "DURATION" => it.duration = Some(Duration::parse(&p.value)?),
                "RRULE" => {
                    if it.rrule.is_some() {
                        tracing::debug!(uid = %it.uid, "more than one RRULE; keeping the first");
                        it.extra.push(p.clone());
                    } else {
                        it.rrule = Some(Recurrence::parse(&p.value)?);
                    }
                }
                "RDATE" => it.rdates.extend(RDate::list_from_line(p)),
                "EXDATE" => it.exdates.extend(DateOrTime::list_from_line(p)),
                "RECURRENCE-ID" => {
                    it.recurrence_id = Some(date()?);
                    it.this_and_future = p
                        .param("RANGE")
                        .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE"));
                }
                "STATUS" => it.status = Some(Status::parse(&p.value)),
                "SEQUENCE" => it.sequence = p.value.trim().parse().unwrap_or(0),
                "DTSTAMP" => {
                    it.dtstamp = match DateOrTime::from_line(p) {
                        Ok(DateOrTime::Utc(u)) => Some(u),
                        Ok(o) => Some(o.naive().and_utc()),
                        Err(_) => None,
                    }
                }
                "ORGANIZER" => it.organizer = Some(Person::from_line(p)),
                "ATTENDEE" => it.attendees.push(Person::from_line(p)),
                _ => it.extra.push(p.clone()),
            }
        }
        if it.uid.is_empty() {
            return Err(Error::Parse(format!("{} without UID", c.name)));
        }
        for child in &c.children {
            if child.name == "VALARM" {
                match Alarm::from_component(child) {
                    Ok(a) => it.alarms.push(a),
                    Err(e) => tracing::debug!(uid = %it.uid, %e, "skipping unreadable VALARM"),
                }
            } else {
                it.extra_components.push(child.clone());
            }
        }
        Ok(it)
    }

    fn to_component(&self) -> Component {
        let mut c = Component::new(match self.kind {
            ItemKind::Event => "VEVENT",
            ItemKind::Todo => "VTODO",
        });
        c.push(ContentLine::new("UID", self.uid.clone()));
        let stamp = self.dtstamp.unwrap_or_else(Utc::now);
        c.push(ContentLine::new(
            "DTSTAMP",
            stamp.format("%Y%m%dT%H%M%SZ").to_string(),
        ));
        if let Some(r) = &self.recurrence_id {
            let l = r.to_line("RECURRENCE-ID");
            c.push(if self.this_and_future {
                l.with_param("RANGE", "THISANDFUTURE")
            } else {
                l
            });
        }
        if let Some(s) = &self.start {
            c.push(s.to_line("DTSTART"));
        }
        if let Some(e) = &self.end {
            c.push(e.to_line("DTEND"));
        } else if let Some(d) = self.duration {
            c.push(ContentLine::new("DURATION", d.to_value()));
        }
        if let Some(d) = &self.due {
            c.push(d.to_line("DUE"));
        }
        for (name, v) in [
            ("SUMMARY", &self.summary),
            ("LOCATION", &self.location),
            ("DESCRIPTION", &self.description),
        ] {
            if let Some(v) = v {
                c.push(ContentLine::new(name, escape_text(v)));
            }
        }
        if let Some(r) = &self.rrule {
            c.push(ContentLine::new("RRULE", r.to_value()));
        }
        for d in &self.rdates {
            c.push(d.to_line("RDATE"));
        }
        for d in &self.exdates {
            c.push(d.to_line("EXDATE"));
        }
        if let Some(s) = &self.status {
            c.push(ContentLine::new("STATUS", s.as_str()));
        }
        if self.sequence != 0 {
            c.push(ContentLine::new("SEQUENCE", self.sequence.to_string()));
        }
        if let Some(o) = &self.organizer {
            c.push(o.to_line("ORGANIZER", false));
        }
        for a in &self.attendees {
            c.push(a.to_line("ATTENDEE", true));
        }
        c.props.extend(self.extra.iter().cloned());
        for a in &self.alarms {
            c.children.push(a.to_component());
        }
        c.children.extend(self.extra_components.iter().cloned());
        c
    }
}

/// A parsed VCALENDAR object: what one CalDAV resource or one iTIP message holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calendar {
    pub prodid: Option<String>,
    /// iTIP METHOD (RFC 5546), absent for stored resources.
    pub method: Option<String>,
    pub items: Vec<Item>,
    /// VTIMEZONE components as read (or generated for writing).
    pub timezones: Vec<Component>,
    /// Other calendar properties (X-WR-CALNAME, CALSCALE, …).
    pub extra: Vec<ContentLine>,
    /// Other components (VJOURNAL, VFREEBUSY, …) kept verbatim.
    pub extra_components: Vec<Component>,
}

/// PRODID written by Kontor.
pub const PRODID: &str = "-//Kontor//Kontor Calendar//EN";

impl Calendar {
    /// Parses an iCalendar stream. Items that cannot be read are skipped with a debug trace and
    /// counted in the error only when nothing readable is left.
    pub fn parse(input: &str) -> Result<Self, Error> {
        Self::from_roots(parse_components(input)?)
    }

    /// [`Calendar::parse`] on the octets as received (HTTP body, file): unfolds before decoding
    /// UTF-8 (RFC 5545 §3.1), so a character split by a fold is kept whole.
    pub fn parse_bytes(input: &[u8]) -> Result<Self, Error> {
        Self::from_roots(parse_components_bytes(input)?)
    }

    fn from_roots(roots: Vec<Component>) -> Result<Self, Error> {
        let mut cal = Calendar::default();
        let mut failures = Vec::new();
        let mut saw_vcalendar = false;
        for root in roots {
            if root.name != "VCALENDAR" {
                tracing::trace!(name = %root.name, "skipping top-level component");
                continue;
            }
            saw_vcalendar = true;
            for p in root.props {
                match p.name.as_str() {
                    "PRODID" => cal.prodid = Some(p.value),
                    "METHOD" => cal.method = Some(p.value.trim().to_ascii_uppercase()),
                    "VERSION" => {}
                    _ => cal.extra.push(p),
                }
            }
            for child in root.children {
                match child.name.as_str() {
                    "VEVENT" | "VTODO" => match Item::from_component(&child) {
                        Ok(i) => cal.items.push(i),
                        Err(e) => {
                            tracing::debug!(%e, "skipping unreadable calendar item");
                            failures.push(e.to_string());
                        }
                    },
                    "VTIMEZONE" => cal.timezones.push(child),
                    _ => cal.extra_components.push(child),
                }
            }
        }
        if !saw_vcalendar {
            return Err(Error::Parse("no VCALENDAR component".into()));
        }
        if cal.items.is_empty() && !failures.is_empty() {
            return Err(Error::Parse(failures.join("; ")));
        }
        Ok(cal)
    }

    /// Serialises as iCalendar (RFC 5545), adding a VTIMEZONE for every TZID that has none.
    pub fn to_ics(&self) -> String {
        let mut root = Component::new("VCALENDAR");
        root.push(ContentLine::new("VERSION", "2.0"));
        root.push(ContentLine::new(
            "PRODID",
            self.prodid.clone().unwrap_or_else(|| PRODID.into()),
        ));
        if let Some(m) = &self.method {
            root.push(ContentLine::new("METHOD", m.clone()));
        }
        root.props
            .extend(self.extra.iter().filter(|p| p.name != "VERSION").cloned());
        let mut tzs = self.timezones.clone();
        for tzid in self.tzids() {
            if !tzs
                .iter()
                .any(|t| t.prop("TZID").is_some_and(|p| p.value.trim() == tzid))
                && let Some(vtz) = crate::vtimezone::generate(&tzid)
            {
                tzs.push(vtz);
            }
        }
        root.children.extend(tzs);
        root.children
            .extend(self.items.iter().map(Item::to_component));
        root.children.extend(self.extra_components.iter().cloned());
        let mut out = String::new();
        write_component(&mut out, &root);
        out
    }

    /// Every TZID used by the items.
    pub fn tzids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for it in &self.items {
            let dates = [&it.start, &it.end, &it.due, &it.recurrence_id]
                .into_iter()
                .flatten()
                .chain(it.rdates.iter().map(|r| &r.start))
                .chain(it.exdates.iter());
            for d in dates {
                if let Some(t) = d.tzid()
                    && !out.iter().any(|o| o == t)
                {
                    out.push(t.to_string());
                }
            }
        }
        out
    }

    /// The series master (or the single item) for a UID.
    pub fn master(&self, uid: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.uid == uid && i.recurrence_id.is_none())
    }

    /// Overrides of a series.
    pub fn overrides<'a>(&'a self, uid: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items
            .iter()
            .filter(move |i| i.uid == uid && i.recurrence_id.is_some())
    }
}

/// Writes a single content line (used by the iTIP builders and tests).
pub fn line_text(l: &ContentLine) -> String {
    let mut s = String::new();
    write_line(&mut s, l);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:a1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\nDTEND;TZID=Europe/Berlin:20260105T100000\r\nSUMMARY:Team\\, weekly\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\nEXDATE;TZID=Europe/Berlin:20260112T090000\r\nORGANIZER;CN=Bob:mailto:bob@kontor.test\r\nATTENDEE;CN=Alice;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:alice@kontor.test\r\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn parse_write_parse_is_stable() {
        let cal = Calendar::parse(SRC).unwrap();
        let it = &cal.items[0];
        assert_eq!(it.summary.as_deref(), Some("Team, weekly"));
        assert_eq!(it.attendees[0].partstat, PartStat::Accepted);
        assert_eq!(it.extra_value("X-MICROSOFT-CDO-BUSYSTATUS"), Some("BUSY"));
        assert_eq!(it.alarms.len(), 1);
        let text = cal.to_ics();
        assert!(
            text.contains("BEGIN:VTIMEZONE"),
            "a VTIMEZONE is generated for Europe/Berlin"
        );
        let again = Calendar::parse(&text).unwrap();
        assert_eq!(again.items, cal.items);
    }

    #[test]
    fn parse_bytes_keeps_a_character_split_by_a_fold() {
        // RFC 5545 §3.1: unfold on octets, then decode; "Kündigung" folded inside "ü".
        let src = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\nSUMMARY:K\xC3\r\n \xBCndigung\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let cal = Calendar::parse_bytes(src).unwrap();
        assert_eq!(cal.items[0].summary.as_deref(), Some("Kündigung"));
        assert_eq!(
            Calendar::parse(SRC).unwrap(),
            Calendar::parse_bytes(SRC.as_bytes()).unwrap()
        );
    }

    #[test]
    fn item_without_uid_is_an_error_not_a_panic() {
        assert!(
            Calendar::parse(
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n"
            )
            .is_err()
        );
    }
}
