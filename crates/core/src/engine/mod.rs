//! The sync engine.
//!
//! * [`calendar`]: ActiveSync calendar folders and CalDAV collections into the cache, local
//!   event changes back ([`calendar_cache`], [`calendar_eas`], [`calendar_dav`],
//!   [`calendar_outbox`]).

pub mod calendar;
pub mod calendar_cache;
pub mod calendar_dav;
pub mod calendar_eas;
pub mod calendar_outbox;
