//! # kontor-net — one HTTP client, plain network errors
//!
//! Both protocol clients (ActiveSync and CalDAV) reach servers through the `reqwest::Client`
//! built here: rustls with the ring provider and the operating system's certificate store
//! (rustls-platform-verifier), so a company CA rolled out to Windows is trusted and an expired,
//! self-signed or mismatched certificate fails loudly.
//!
//! It owns the mapping from low-level failures (DNS, TCP, TLS, timeouts) to [`NetError`]
//! values whose messages a person can act on. It must not know any protocol.
