//! # kontor-calendar — the one calendar model
//!
//! iCalendar parsing and writing, recurrence expansion, time zones (IANA and Windows names),
//! alarms, iTIP messages, and the mapping between ActiveSync calendar items and the model.
//!
//! It performs no I/O.
