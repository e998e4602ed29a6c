//! # kontor-safety — phishing cues in mail
//!
//! Pure functions that judge what a message shows against what it is: the sender, the links
//! and the attachments. No I/O, no state, no async: the caller passes strings and bytes and
//! gets plain, serialisable verdicts back for the user interface (docs/safety.md).
//!
//! ## What it offers
//! * [`lookalike()`] — whether a domain imitates a known one (own and colleagues' domains):
//!   confusable characters, added hyphens, swapped top-level domains, typing edits, and labels
//!   mixing Latin with Cyrillic or Greek. [`host_forms`] gives the punycode and Unicode forms of
//!   a host for display; [`registrable_domain`] the domain a host belongs to.
//! * [`sender_cues`] — whether a sender is external (then its address is always shown) and
//!   what about it is suspicious ([`SenderCue`]).
//! * [`check_link`] — whether a link may be opened, needs a question first or is blocked
//!   ([`LinkVerdict`]), with the byte range of the registrable domain in the target to
//!   emphasise it.
//! * [`classify`] — how risky an attachment is ([`RiskLevel`]) and why
//!   ([`AttachmentReason`]): programs and scripts, disguised names, Office macros, and archives
//!   (ZIP, 7z, RAR) carrying any of these or hiding their content behind a password.
//!
//! ## What it must not do
//! * Panic on any input, or spend unbounded time or memory on hostile input: archives are
//!   listed up to [`MAX_ENTRIES`] entries, nested archives one level deep, members read up to
//!   [`MAX_MEMBER_BYTES`].
//! * Decide policy or wording: verdicts are data; the user interface phrases them.
//! * Look up the directory or the network: the caller says which domains are own and whether a
//!   display name matched a colleague ([`ColleagueMatch`]).
//!
//! All result types derive `serde::Serialize` with camel-case names for the IPC layer.

pub mod attachments;
pub mod domain;
pub mod links;
pub mod lookalike;
mod rar;
pub mod sender;

pub use attachments::{
    AttachmentReason, AttachmentRisk, MAX_ENTRIES, MAX_MEMBER_BYTES, MAX_TOTAL_BYTES, RiskLevel,
    classify,
};
pub use domain::{HostForms, host_forms, normalize_host, registrable_domain};
pub use links::{BlockedReason, ByteRange, LinkCheck, LinkVerdict, LinkWarning, check_link};
pub use lookalike::{LookAlike, LookAlikeReason, lookalike};
pub use sender::{ColleagueMatch, SenderCue, SenderReport, sender_cues};
