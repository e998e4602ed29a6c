//! # kontor-calendar — the one calendar model
//!
//! iCalendar parsing and writing, recurrence expansion, time zones (IANA and Windows names),
//! alarms, iTIP messages, and the mapping between ActiveSync calendar items and the model.
//!
//! It performs no I/O.
//!
//! ## What lives where
//! * [`ical`] — RFC 5545 §3.1 content lines and the component tree. Lenient reader (LF or
//!   CRLF, lower-case names, unterminated components, unknown properties kept verbatim), strict
//!   writer (CRLF, 75-octet folding).
//! * [`value`] — typed values: DATE / DATE-TIME in floating, UTC and TZID forms, DURATION,
//!   UTC-OFFSET, TEXT escaping.
//! * [`recur`] — RRULE as a plain struct (the EAS mapping needs its fields).
//! * [`tz`] — zones by IANA name, by Windows name (CLDR table in `data/`), by VTIMEZONE rules;
//!   RFC 5545 gap/fold rules for local times.
//! * [`vtimezone`] — VTIMEZONE generation for the zones we write, and yearly DST rules.
//! * [`model`] — [`Calendar`], [`Item`] (VEVENT/VTODO), [`Alarm`], [`Person`].
//! * [`expand`] — occurrences in a window with their alarm instants.
//! * [`itip`] — RFC 5546 REQUEST / REPLY / CANCEL builders (on EAS ≤ 14.1 the client mails
//!   invitations itself).
//! * [`eas`] and [`eas_tz`] — the ActiveSync calendar item (MS-ASCAL) as a plain struct, its
//!   mapping to and from the model, and the TimeZone blob (MS-ASDTYPE 2.7.6). No WBXML here:
//!   `kontor-eas` converts its wire types into [`eas::EasCalendarItem`].
//!
//! The choice of libraries (the `rrule` crate for recurrence, `calcard` for odd zone names,
//! our own content-line layer) and the evidence for it is in
//! `docs/decisions/0002-icalendar-library.md`.

pub mod eas;
pub mod eas_tz;
pub mod expand;
pub mod ical;
pub mod itip;
pub mod model;
pub mod recur;
pub mod tz;
pub mod value;
pub mod vtimezone;

pub use expand::Occurrence;
pub use model::{
    Alarm, Calendar, Item, ItemKind, PartStat, Person, Related, Role, Status, Trigger,
};
pub use recur::{ByDay, Frequency, Recurrence};
pub use tz::Zone;
pub use value::DateOrTime;

/// What can go wrong in this crate: only malformed input.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// The iCalendar text (or a value in it) could not be read.
    #[error("invalid iCalendar data: {0}")]
    Parse(String),
    /// An EAS calendar item or TimeZone blob could not be read.
    #[error("invalid ActiveSync calendar data: {0}")]
    Eas(String),
    /// A value cannot be expressed in the target format.
    #[error("cannot express in the target format: {0}")]
    Unsupported(String),
}
