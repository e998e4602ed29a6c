//! # kontor-wbxml — WBXML 1.3 for Exchange ActiveSync
//!
//! This crate owns the binary XML encoding that every ActiveSync request and response uses
//! (WAP-192 WBXML 1.3 as profiled by MS-ASWBXML). It turns bytes into a small element tree and
//! back, using the ActiveSync code pages (0–24) held as plain data tables.
//!
//! It must not know about HTTP, commands or folders: it is a codec. It is lenient on input
//! (an unknown tag on a known page, or an unknown page, is traced and kept as a numeric tag so
//! nothing is lost) and strict on output (only known tags are encoded).
