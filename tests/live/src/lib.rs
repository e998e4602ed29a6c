//! # kontor-live-tests — tests against the real servers
//!
//! These tests talk to the SOGo, Dovecot and Radicale instances that `tests/servers/start`
//! runs on 127.0.0.1. They fail (never skip) when the servers are not there, with a message
//! that says how to start them.

use std::net::TcpStream;
use std::time::Duration;

/// SOGo's ActiveSync endpoint (the `/SOGo/` prefix is required).
pub const SOGO_EAS_URL: &str = "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync";
/// SOGo's DAV root; principals are `/SOGo/dav/<user>/`.
pub const SOGO_DAV_URL: &str = "http://127.0.0.1:20000/SOGo/dav/";
/// Radicale's root; principals and homes are `/<user>/`.
pub const RADICALE_URL: &str = "http://127.0.0.1:55232/";
/// Dovecot IMAP (plain, loopback only).
pub const IMAP_ADDR: &str = "127.0.0.1:55143";
/// SMTP that delivers to Dovecot.
pub const SMTP_ADDR: &str = "127.0.0.1:55025";

/// A seeded test user: the same on every server.
#[derive(Debug, Clone, Copy)]
pub struct User {
    pub name: &'static str,
    pub password: &'static str,
}

pub const ALICE: User = User {
    name: "alice",
    password: "alice123",
};
pub const BOB: User = User {
    name: "bob",
    password: "bob123",
};
pub const CAROL: User = User {
    name: "carol",
    password: "carol123",
};
/// dave, erin, frank, grace and heidi belong to the fault and crash tests (tests/faultproxy), one
/// mailbox per test binary: those tests create and delete folders in bulk, and an EAS Sync of
/// any other test on the same account would answer status 12 (hierarchy changed) meanwhile.
pub const DAVE: User = User {
    name: "dave",
    password: "dave123",
};
pub const ERIN: User = User {
    name: "erin",
    password: "erin123",
};
pub const FRANK: User = User {
    name: "frank",
    password: "frank123",
};
pub const GRACE: User = User {
    name: "grace",
    password: "grace123",
};
pub const HEIDI: User = User {
    name: "heidi",
    password: "heidi123",
};

impl User {
    pub fn email(&self) -> String {
        format!("{}@kontor.test", self.name)
    }
}

/// Panics with a plain instruction when a server port does not answer, so a missing server
/// reads as a setup error rather than as a protocol failure.
pub fn require_server(addr: &str, what: &str) {
    let sock = addr.parse().expect("valid socket address");
    if TcpStream::connect_timeout(&sock, Duration::from_secs(3)).is_err() {
        panic!(
            "{what} is not listening on {addr}. Start the test servers with \
             `tests/servers/start` (or run the whole suite with `scripts/test`)."
        );
    }
}

/// Requires SOGo (ActiveSync + CalDAV).
pub fn require_sogo() {
    require_server("127.0.0.1:20000", "SOGo");
}

/// Requires Radicale.
pub fn require_radicale() {
    require_server("127.0.0.1:55232", "Radicale");
}
