//! The Calendar class (MS-ASCAL 2.2.2): reading and writing events in Sync `ApplicationData`.
//!
//! Values stay as ActiveSync sends them — times in the compact UTC form `20261127T130000Z`
//! (MS-ASDTYPE 2.7.3), the TimeZone blob as raw bytes (MS-ASDTYPE 2.7.6, decoded by
//! `kontor-calendar`) — so this crate needs no date library; the mapping to the calendar model
//! lives in `kontor-calendar`/`kontor-core`.

use base64::Engine as _;
use kontor_wbxml::pages::{airsyncbase as asb, calendar as cal};
use kontor_wbxml::{Bytes, Element, Tag};

use crate::version::ProtocolVersion;

/// MS-ASCAL 2.2.2.37 Recurrence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recurrence {
    /// 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth weekday, 5 yearly, 6 yearly on the
    /// nth weekday.
    pub recurrence_type: u8,
    pub interval: Option<u16>,
    pub until: Option<String>,
    pub occurrences: Option<u32>,
    pub week_of_month: Option<u8>,
    pub day_of_month: Option<u8>,
    /// Sunday 1, Monday 2, Tuesday 4 … Saturday 64.
    pub day_of_week: Option<u8>,
    pub month_of_year: Option<u8>,
    pub first_day_of_week: Option<u8>,
}

/// MS-ASCAL 2.2.2.3 Attendee.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attendee {
    pub email: String,
    pub name: Option<String>,
    /// 0 unknown, 2 tentative, 3 accepted, 4 declined, 5 not responded.
    pub status: Option<u8>,
    /// 1 required, 2 optional, 3 resource.
    pub attendee_type: Option<u8>,
}

/// MS-ASCAL 2.2.2.20 Exception; `None` fields are inherited from the series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Exception {
    pub deleted: bool,
    pub exception_start_time: String,
    pub subject: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub location: Option<String>,
    pub body: Option<String>,
    pub reminder: Option<u32>,
    pub all_day_event: Option<bool>,
    pub busy_status: Option<u8>,
    pub meeting_status: Option<u8>,
    pub attendees: Option<Vec<Attendee>>,
}

/// An event as ActiveSync carries it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// TimeZone blob (172 bytes), already base64-decoded.
    pub timezone: Option<Bytes>,
    pub uid: Option<String>,
    pub dtstamp: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub all_day_event: bool,
    pub subject: Option<String>,
    pub location: Option<String>,
    pub body: Option<String>,
    /// Minutes before the start.
    pub reminder: Option<u32>,
    pub busy_status: Option<u8>,
    pub sensitivity: Option<u8>,
    pub meeting_status: Option<u8>,
    pub organizer_email: Option<String>,
    pub organizer_name: Option<String>,
    pub attendees: Vec<Attendee>,
    pub categories: Vec<String>,
    pub recurrence: Option<Recurrence>,
    pub exceptions: Vec<Exception>,
    pub response_requested: Option<bool>,
    pub response_type: Option<u8>,
}

fn num<T: std::str::FromStr>(e: &Element, tag: Tag) -> Option<T> {
    e.child_text(tag).and_then(|s| s.trim().parse().ok())
}

fn flag(e: &Element, tag: Tag) -> Option<bool> {
    num::<u8>(e, tag).map(|v| v != 0)
}

fn body_text(e: &Element) -> Option<String> {
    e.child(asb::Body)
        .and_then(|b| b.child_text(asb::Data))
        .or_else(|| e.child_text(cal::Body))
}

fn location(e: &Element) -> Option<String> {
    e.child_text(cal::Location).or_else(|| {
        e.child(asb::Location)
            .and_then(|l| l.child_text(asb::DisplayName))
    })
}

fn attendees(e: &Element) -> Option<Vec<Attendee>> {
    e.child(cal::Attendees).map(|a| {
        a.children_with(cal::Attendee)
            .map(|x| Attendee {
                email: x.child_text(cal::Email).unwrap_or_default(),
                name: x.child_text(cal::Name),
                status: num(x, cal::AttendeeStatus),
                attendee_type: num(x, cal::AttendeeType),
            })
            .collect()
    })
}

impl Event {
    /// Reads an `ApplicationData` element of a Calendar collection. Lenient: unknown elements
    /// are ignored, a TimeZone that is not base64 is dropped with a trace.
    pub fn from_application_data(d: &Element) -> Self {
        let timezone = d.child_text(cal::TimeZone).and_then(|t| {
            let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .map(Bytes::from)
                .map_err(|e| tracing::trace!(error = %e, "TimeZone is not base64"))
                .ok()
        });
        let recurrence = d.child(cal::Recurrence).map(|r| Recurrence {
            recurrence_type: num(r, cal::Type).unwrap_or(0),
            interval: num(r, cal::Interval),
            until: r.child_text(cal::Until),
            occurrences: num(r, cal::Occurrences),
            week_of_month: num(r, cal::WeekOfMonth),
            day_of_month: num(r, cal::DayOfMonth),
            day_of_week: num(r, cal::DayOfWeek),
            month_of_year: num(r, cal::MonthOfYear),
            first_day_of_week: num(r, cal::FirstDayOfWeek),
        });
        let exceptions = d
            .child(cal::Exceptions)
            .map(|x| {
                x.children_with(cal::Exception)
                    .map(|e| Exception {
                        deleted: flag(e, cal::Deleted).unwrap_or(false),
                        exception_start_time: e
                            .child_text(cal::ExceptionStartTime)
                            .unwrap_or_default(),
                        subject: e.child_text(cal::Subject),
                        start_time: e.child_text(cal::StartTime),
                        end_time: e.child_text(cal::EndTime),
                        location: location(e),
                        body: body_text(e),
                        reminder: num(e, cal::Reminder),
                        all_day_event: flag(e, cal::AllDayEvent),
                        busy_status: num(e, cal::BusyStatus),
                        meeting_status: num(e, cal::MeetingStatus),
                        attendees: attendees(e),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Event {
            timezone,
            uid: d
                .child_text(cal::UID)
                .or_else(|| d.child_text(cal::ClientUid)),
            dtstamp: d.child_text(cal::DtStamp),
            start_time: d.child_text(cal::StartTime),
            end_time: d.child_text(cal::EndTime),
            all_day_event: flag(d, cal::AllDayEvent).unwrap_or(false),
            subject: d.child_text(cal::Subject),
            location: location(d),
            body: body_text(d),
            reminder: num(d, cal::Reminder),
            busy_status: num(d, cal::BusyStatus),
            sensitivity: num(d, cal::Sensitivity),
            meeting_status: num(d, cal::MeetingStatus),
            organizer_email: d.child_text(cal::OrganizerEmail),
            organizer_name: d.child_text(cal::OrganizerName),
            attendees: attendees(d).unwrap_or_default(),
            categories: d
                .child(cal::Categories)
                .map(|c| {
                    c.children_with(cal::Category)
                        .filter_map(Element::text_content)
                        .collect()
                })
                .unwrap_or_default(),
            recurrence,
            exceptions,
            response_requested: flag(d, cal::ResponseRequested),
            response_type: num(d, cal::ResponseType),
        }
    }

    /// Writes the event as `ApplicationData` for a Sync Add or Change, in MS-ASCAL schema
    /// order. From 16.0 the UID goes as `ClientUid` and the location as
    /// `airsyncbase:Location` (MS-ASCAL 2.2.2.25, 2.2.2.13).
    pub fn to_application_data(&self, version: ProtocolVersion) -> Element {
        let v16 = version >= ProtocolVersion::V16_0;
        let t = |tag: Tag, v: &Option<String>| v.as_ref().map(|s| Element::text(tag, s.clone()));
        let n = |tag: Tag, v: Option<u32>| v.map(|x| Element::text(tag, x.to_string()));
        let mut d = Element::new(kontor_wbxml::pages::airsync::ApplicationData)
            .with_opt(self.timezone.as_ref().map(|b| {
                Element::text(
                    cal::TimeZone,
                    base64::engine::general_purpose::STANDARD.encode(b),
                )
            }))
            .with(Element::text(
                cal::AllDayEvent,
                if self.all_day_event { "1" } else { "0" },
            ));
        if let Some(b) = &self.body {
            d.push(
                Element::new(asb::Body)
                    .with(Element::text(asb::Type, "1"))
                    .with(Element::text(asb::Data, b.clone())),
            );
        }
        d = d
            .with_opt(n(cal::BusyStatus, self.busy_status.map(u32::from)))
            .with_opt(t(cal::OrganizerName, &self.organizer_name))
            .with_opt(t(cal::OrganizerEmail, &self.organizer_email))
            .with_opt(t(cal::DtStamp, &self.dtstamp))
            .with_opt(t(cal::EndTime, &self.end_time));
        if let Some(l) = &self.location {
            d.push(if v16 {
                Element::new(asb::Location).with(Element::text(asb::DisplayName, l.clone()))
            } else {
                Element::text(cal::Location, l.clone())
            });
        }
        d = d
            .with_opt(n(cal::Reminder, self.reminder))
            .with_opt(n(cal::Sensitivity, self.sensitivity.map(u32::from)))
            .with_opt(t(cal::Subject, &self.subject))
            .with_opt(t(cal::StartTime, &self.start_time))
            .with_opt(t(if v16 { cal::ClientUid } else { cal::UID }, &self.uid))
            .with_opt(n(cal::MeetingStatus, self.meeting_status.map(u32::from)));
        if !self.attendees.is_empty() {
            d.push(attendees_element(&self.attendees));
        }
        if !self.categories.is_empty() {
            let mut c = Element::new(cal::Categories);
            for x in &self.categories {
                c.push(Element::text(cal::Category, x.clone()));
            }
            d.push(c);
        }
        if let Some(r) = &self.recurrence {
            d.push(
                Element::new(cal::Recurrence)
                    .with(Element::text(cal::Type, r.recurrence_type.to_string()))
                    .with_opt(t(cal::Until, &r.until))
                    .with_opt(n(cal::Occurrences, r.occurrences))
                    .with_opt(n(cal::Interval, r.interval.map(u32::from)))
                    .with_opt(n(cal::DayOfWeek, r.day_of_week.map(u32::from)))
                    .with_opt(n(cal::DayOfMonth, r.day_of_month.map(u32::from)))
                    .with_opt(n(cal::WeekOfMonth, r.week_of_month.map(u32::from)))
                    .with_opt(n(cal::MonthOfYear, r.month_of_year.map(u32::from)))
                    .with_opt(n(cal::FirstDayOfWeek, r.first_day_of_week.map(u32::from))),
            );
        }
        if !self.exceptions.is_empty() {
            let mut xs = Element::new(cal::Exceptions);
            for e in &self.exceptions {
                let mut x = Element::new(cal::Exception);
                if e.deleted {
                    x.push(Element::text(cal::Deleted, "1"));
                }
                x = x.with(Element::text(
                    cal::ExceptionStartTime,
                    e.exception_start_time.clone(),
                ));
                x = x
                    .with_opt(t(cal::Subject, &e.subject))
                    .with_opt(t(cal::StartTime, &e.start_time))
                    .with_opt(t(cal::EndTime, &e.end_time))
                    .with_opt(if v16 {
                        None
                    } else {
                        t(cal::Location, &e.location)
                    })
                    .with_opt(n(cal::Reminder, e.reminder))
                    .with_opt(
                        e.all_day_event
                            .map(|a| Element::text(cal::AllDayEvent, if a { "1" } else { "0" })),
                    )
                    .with_opt(n(cal::BusyStatus, e.busy_status.map(u32::from)))
                    .with_opt(n(cal::MeetingStatus, e.meeting_status.map(u32::from)));
                if let Some(b) = &e.body {
                    x.push(
                        Element::new(asb::Body)
                            .with(Element::text(asb::Type, "1"))
                            .with(Element::text(asb::Data, b.clone())),
                    );
                }
                if let Some(a) = &e.attendees {
                    x.push(attendees_element(a));
                }
                xs.push(x);
            }
            d.push(xs);
        }
        d
    }
}

fn attendees_element(list: &[Attendee]) -> Element {
    let mut a = Element::new(cal::Attendees);
    for x in list {
        a.push(
            Element::new(cal::Attendee)
                .with(Element::text(cal::Email, x.email.clone()))
                .with(Element::text(
                    cal::Name,
                    x.name.clone().unwrap_or_else(|| x.email.clone()),
                ))
                .with_opt(
                    x.status
                        .map(|s| Element::text(cal::AttendeeStatus, s.to_string())),
                )
                .with_opt(
                    x.attendee_type
                        .map(|s| Element::text(cal::AttendeeType, s.to_string())),
                ),
        );
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_round_trips_through_application_data() {
        let e = Event {
            timezone: Some(Bytes::from(vec![0u8; 172])),
            uid: Some("uid-1@kontor".into()),
            dtstamp: Some("20261127T120000Z".into()),
            start_time: Some("20261127T130000Z".into()),
            end_time: Some("20261127T140000Z".into()),
            subject: Some("Planung".into()),
            location: Some("Raum 1".into()),
            body: Some("Agenda".into()),
            reminder: Some(15),
            busy_status: Some(2),
            sensitivity: Some(0),
            meeting_status: Some(1),
            organizer_email: Some("alice@kontor.test".into()),
            organizer_name: Some("Alice".into()),
            attendees: vec![Attendee {
                email: "bob@kontor.test".into(),
                name: Some("Bob".into()),
                status: Some(3),
                attendee_type: Some(1),
            }],
            categories: vec!["Arbeit".into()],
            recurrence: Some(Recurrence {
                recurrence_type: 1,
                interval: Some(1),
                occurrences: Some(13),
                day_of_week: Some(4),
                ..Default::default()
            }),
            exceptions: vec![
                Exception {
                    deleted: true,
                    exception_start_time: "20261027T120000Z".into(),
                    ..Default::default()
                },
                Exception {
                    exception_start_time: "20261103T130000Z".into(),
                    start_time: Some("20261103T150000Z".into()),
                    end_time: Some("20261103T160000Z".into()),
                    subject: Some("Verschoben".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        for v in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
            let data = e.to_application_data(v);
            let bytes = kontor_wbxml::encode(&data).expect("encodes");
            let back =
                Event::from_application_data(&kontor_wbxml::decode(bytes).unwrap().to_element());
            assert_eq!(back, e, "version {v}");
        }
    }
}
