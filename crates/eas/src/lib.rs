//! # kontor-eas — Exchange ActiveSync commands
//!
//! Typed requests and responses for the MS-ASCMD commands Kontor uses, one module per command,
//! each with a `Status` enum whose strategy-changing values are variants. The protocol logic is
//! pure (build a request tree, read a response tree); the [`client`] module is the only place
//! that performs HTTP.
//!
//! It must not touch SQLite, the UI or any sync policy: callers decide what to do with an
//! `InvalidSyncKey` or a `ProvisionRequired`.
