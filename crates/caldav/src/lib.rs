//! # kontor-caldav — WebDAV and CalDAV
//!
//! Discovery (RFC 6764, RFC 4791 §6), calendar listing with privileges, sync-collection
//! (RFC 6578), calendar-multiget, and conditional writes. Multistatus bodies are parsed with
//! quick-xml, leniently.
//!
//! It must not interpret calendar data (that is `kontor-calendar`) nor store anything.
