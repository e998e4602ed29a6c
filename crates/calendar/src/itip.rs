//! iTIP messages (RFC 5546) ready to be mailed (iMIP, RFC 6047). On EAS ≤ 14.1 the server does
//! not send invitations or replies, so the client builds and mails them itself.
//!
//! * REQUEST (§3.2.2): the organizer's series (master and overrides) with ORGANIZER and every
//!   ATTENDEE; attendees other than the organizer get `PARTSTAT=NEEDS-ACTION;RSVP=TRUE`. Alarms
//!   are the organizer's own and are not sent.
//! * REPLY (§3.2.3): only the replying attendee with the new PARTSTAT, the UID, SEQUENCE,
//!   ORGANIZER, and the RECURRENCE-ID when answering one instance.
//! * CANCEL (§3.2.5): the whole series, or one instance with RECURRENCE-ID; SEQUENCE goes up and
//!   STATUS is CANCELLED.

use chrono::{DateTime, Utc};

use crate::Error;
use crate::model::{Calendar, Item, PartStat, Person, Status};
use crate::value::DateOrTime;

/// A built iTIP message.
#[derive(Debug, Clone, PartialEq)]
pub struct ItipMessage {
    pub method: &'static str,
    pub calendar: Calendar,
    /// Addresses the message goes to.
    pub recipients: Vec<String>,
}

impl ItipMessage {
    /// The MIME Content-Type of the `text/calendar` part (RFC 6047 §2.4).
    pub fn content_type(&self) -> String {
        format!("text/calendar; charset=utf-8; method={}", self.method)
    }

    /// The `text/calendar` body.
    pub fn body(&self) -> String {
        self.calendar.to_ics()
    }
}

fn series(cal: &Calendar, uid: &str) -> Result<Vec<Item>, Error> {
    let items: Vec<Item> = cal.items.iter().filter(|i| i.uid == uid).cloned().collect();
    if items.is_empty() {
        return Err(Error::Unsupported(format!("no item with UID {uid}")));
    }
    Ok(items)
}

fn envelope(method: &'static str, cal: &Calendar, items: Vec<Item>) -> Calendar {
    Calendar {
        prodid: None,
        method: Some(method.into()),
        items,
        timezones: cal.timezones.clone(),
        extra: Vec::new(),
        extra_components: Vec::new(),
    }
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// REQUEST for the series `uid`, sent by `organizer`.
pub fn request(
    cal: &Calendar,
    uid: &str,
    organizer: &Person,
    now: DateTime<Utc>,
) -> Result<ItipMessage, Error> {
    let mut items = series(cal, uid)?;
    let mut recipients = Vec::new();
    for it in &mut items {
        it.organizer = Some(organizer.clone());
        it.dtstamp = Some(now);
        it.alarms.clear();
        for a in &mut it.attendees {
            if !same(&a.email, &organizer.email) {
                a.partstat = PartStat::NeedsAction;
                a.rsvp = true;
                if !recipients.iter().any(|r: &String| same(r, &a.email)) {
                    recipients.push(a.email.clone());
                }
            }
        }
    }
    if recipients.is_empty() {
        return Err(Error::Unsupported(
            "a REQUEST needs at least one attendee besides the organizer".into(),
        ));
    }
    Ok(ItipMessage {
        method: "REQUEST",
        calendar: envelope("REQUEST", cal, items),
        recipients,
    })
}

/// REPLY from `attendee` with `partstat`, to the whole series or (with `instance`) one
/// occurrence.
pub fn reply(
    cal: &Calendar,
    uid: &str,
    attendee_email: &str,
    partstat: PartStat,
    instance: Option<DateOrTime>,
    now: DateTime<Utc>,
) -> Result<ItipMessage, Error> {
    let items = series(cal, uid)?;
    let master = items
        .iter()
        .find(|i| i.recurrence_id.is_none())
        .or(items.first())
        .expect("non-empty");
    let organizer = master
        .organizer
        .clone()
        .ok_or_else(|| Error::Unsupported("cannot reply to an event without ORGANIZER".into()))?;
    let me = master
        .attendees
        .iter()
        .find(|a| same(&a.email, attendee_email))
        .cloned()
        .unwrap_or_else(|| Person::new(attendee_email));
    let mut it = Item::new(master.kind, uid);
    it.dtstamp = Some(now);
    it.sequence = master.sequence;
    it.summary = master.summary.clone();
    it.organizer = Some(organizer.clone());
    it.attendees = vec![Person {
        partstat,
        rsvp: false,
        ..me
    }];
    match instance {
        Some(rid) => {
            let over = items
                .iter()
                .find(|i| i.recurrence_id.as_ref() == Some(&rid));
            it.start = over
                .and_then(|o| o.start.clone())
                .or_else(|| Some(rid.clone()));
            it.end = over.and_then(|o| o.end.clone());
            it.recurrence_id = Some(rid);
        }
        None => {
            it.start = master.start.clone();
            it.end = master.end.clone();
            it.rrule = master.rrule.clone();
        }
    }
    Ok(ItipMessage {
        method: "REPLY",
        calendar: envelope("REPLY", cal, vec![it]),
        recipients: vec![organizer.email],
    })
}

/// CANCEL of the series `uid`, or of one occurrence when `instance` is given.
pub fn cancel(
    cal: &Calendar,
    uid: &str,
    instance: Option<DateOrTime>,
    now: DateTime<Utc>,
) -> Result<ItipMessage, Error> {
    let items = series(cal, uid)?;
    let master = items
        .iter()
        .find(|i| i.recurrence_id.is_none())
        .or(items.first())
        .expect("non-empty");
    let organizer = master
        .organizer
        .clone()
        .ok_or_else(|| Error::Unsupported("cannot cancel an event without ORGANIZER".into()))?;
    let mut it = master.clone();
    it.alarms.clear();
    it.dtstamp = Some(now);
    it.sequence = items.iter().map(|i| i.sequence).max().unwrap_or(0) + 1;
    it.status = Some(Status::Cancelled);
    if let Some(rid) = instance {
        it.rrule = None;
        it.rdates.clear();
        it.exdates.clear();
        it.start = Some(rid.clone());
        it.end = None;
        it.duration = None;
        it.recurrence_id = Some(rid);
    }
    let recipients: Vec<String> = it
        .attendees
        .iter()
        .filter(|a| !same(&a.email, &organizer.email))
        .map(|a| a.email.clone())
        .collect();
    Ok(ItipMessage {
        method: "CANCEL",
        calendar: envelope("CANCEL", cal, vec![it]),
        recipients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn meeting() -> Calendar {
        Calendar::parse(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:m1\r\nDTSTAMP:20260101T000000Z\r\nSEQUENCE:2\r\nDTSTART;TZID=Europe/Berlin:20260105T090000\r\nDTEND;TZID=Europe/Berlin:20260105T100000\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Planning\r\nORGANIZER;CN=Alice:mailto:alice@kontor.test\r\nATTENDEE;CN=Alice;PARTSTAT=ACCEPTED:mailto:alice@kontor.test\r\nATTENDEE;CN=Bob;PARTSTAT=ACCEPTED:mailto:bob@kontor.test\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 10, 0, 0).unwrap()
    }

    #[test]
    fn request_resets_partstat_and_drops_alarms() {
        let org = Person {
            name: Some("Alice".into()),
            ..Person::new("alice@kontor.test")
        };
        let msg = request(&meeting(), "m1", &org, now()).unwrap();
        assert_eq!(msg.recipients, ["bob@kontor.test"]);
        let body = msg.body();
        assert!(body.contains("METHOD:REQUEST"));
        assert!(!body.contains("VALARM"));
        let back = Calendar::parse(&body).unwrap();
        let bob = back.items[0]
            .attendees
            .iter()
            .find(|a| a.email == "bob@kontor.test")
            .unwrap();
        assert_eq!(bob.partstat, PartStat::NeedsAction);
        assert!(bob.rsvp);
        assert!(
            body.contains("BEGIN:VTIMEZONE"),
            "TZID must be defined in the message"
        );
        assert_eq!(
            msg.content_type(),
            "text/calendar; charset=utf-8; method=REQUEST"
        );
    }

    #[test]
    fn reply_carries_only_the_replying_attendee() {
        let rid = DateOrTime::Zoned {
            local: chrono::NaiveDate::from_ymd_opt(2026, 1, 12)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            tzid: "Europe/Berlin".into(),
        };
        let msg = reply(
            &meeting(),
            "m1",
            "BOB@kontor.test",
            PartStat::Declined,
            Some(rid.clone()),
            now(),
        )
        .unwrap();
        assert_eq!(msg.recipients, ["alice@kontor.test"]);
        let it = &msg.calendar.items[0];
        assert_eq!(it.attendees.len(), 1);
        assert_eq!(it.attendees[0].partstat, PartStat::Declined);
        assert_eq!(it.recurrence_id, Some(rid));
        assert_eq!(it.sequence, 2);
    }

    #[test]
    fn cancel_bumps_sequence() {
        let msg = cancel(&meeting(), "m1", None, now()).unwrap();
        let it = &msg.calendar.items[0];
        assert_eq!(it.sequence, 3);
        assert_eq!(it.status, Some(Status::Cancelled));
        assert!(msg.body().contains("METHOD:CANCEL"));
        assert_eq!(msg.recipients, ["bob@kontor.test"]);
    }
}
