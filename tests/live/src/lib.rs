//! # kontor-live-tests — tests against the real servers
//!
//! These tests talk to the SOGo, Dovecot and Radicale instances that `tests/servers/start`
//! runs on 127.0.0.1. They fail (never skip) when the servers are not there, with a message
//! that says how to start them.

use std::net::TcpStream;
use std::time::Duration;

pub mod series;
pub mod zpush;

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

/// Z-Push's ActiveSync endpoint (tests/servers/README.md "Z-Push"): mail from the Dovecot above
/// over IMAP, calendars from SOGo.
pub const ZPUSH_EAS_URL: &str = "http://127.0.0.1:55080/Microsoft-Server-ActiveSync";

/// Requires Z-Push (and the Dovecot it reads mail from).
pub fn require_zpush() {
    require_server("127.0.0.1:55080", "Z-Push");
    require_server(IMAP_ADDR, "Dovecot IMAP");
}

/// Delivers `mime` (CRLF lines) from `from` to `to` over SMTP (Postfix hands `@kontor.test` to
/// Dovecot over LMTP). Blocking; a handful of lines of RFC 5321.
pub fn smtp_deliver(from: User, to: User, mime: &str) {
    use std::io::{BufRead, BufReader, Write};
    require_server(SMTP_ADDR, "Postfix SMTP");
    let stream = TcpStream::connect(SMTP_ADDR).expect("SMTP connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut reply = |expect: &str| {
        // Multi-line replies continue with "NNN-".
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("SMTP reply");
            assert!(
                line.starts_with(expect),
                "SMTP: expected {expect}, got {line:?}"
            );
            if line.as_bytes().get(3) != Some(&b'-') {
                return;
            }
        }
    };
    reply("220");
    for (cmd, expect) in [
        ("EHLO kontor.test".to_owned(), "250"),
        (format!("MAIL FROM:<{}>", from.email()), "250"),
        (format!("RCPT TO:<{}>", to.email()), "250"),
        ("DATA".to_owned(), "354"),
    ] {
        writer.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        reply(expect);
    }
    // Dot-stuffing (RFC 5321 4.5.2).
    let body = mime.replace("\r\n.", "\r\n..");
    writer.write_all(body.as_bytes()).unwrap();
    if !body.ends_with("\r\n") {
        writer.write_all(b"\r\n").unwrap();
    }
    writer.write_all(b".\r\n").unwrap();
    reply("250");
    writer.write_all(b"QUIT\r\n").unwrap();
}

/// How many messages in `user`'s `mailbox` (IMAP name: `INBOX`, `Trash`, …) have `subject`,
/// read straight from Dovecot over IMAP (EXAMINE: nothing is changed). Blocking.
pub fn imap_count(user: User, mailbox: &str, subject: &str) -> usize {
    let mut imap = ImapSession::login(user);
    imap.cmd(&format!("EXAMINE \"{mailbox}\""));
    let n = imap.uids_with_subject(subject).len();
    imap.logout();
    n
}

/// Removes `user`'s messages with `subject` from `mailbox` over IMAP (to leave the mailbox as
/// a test found it). Blocking.
pub fn imap_remove(user: User, mailbox: &str, subject: &str) {
    let mut imap = ImapSession::login(user);
    imap.cmd(&format!("SELECT \"{mailbox}\""));
    let uids = imap.uids_with_subject(subject);
    if !uids.is_empty() {
        let set: Vec<String> = uids.iter().map(ToString::to_string).collect();
        imap.cmd(&format!("UID STORE {} +FLAGS (\\Deleted)", set.join(",")));
        imap.cmd("EXPUNGE");
    }
    imap.logout();
}

/// The flags (`\\Seen`, `\\Flagged`, …) of `user`'s first message with `subject` in
/// `mailbox`, read over IMAP (EXAMINE: nothing is changed); `None` when there is none. Blocking.
pub fn imap_flags(user: User, mailbox: &str, subject: &str) -> Option<Vec<String>> {
    let mut imap = ImapSession::login(user);
    imap.cmd(&format!("EXAMINE \"{mailbox}\""));
    let uid = imap.uids_with_subject(subject).first().copied();
    let flags = uid.map(|uid| {
        let lines = imap.cmd(&format!("UID FETCH {uid} (FLAGS)"));
        let line = lines
            .iter()
            .find(|l| l.contains("FLAGS ("))
            .unwrap_or_else(|| panic!("no FLAGS in {lines:?}"));
        let rest = &line[line.find("FLAGS (").unwrap() + 7..];
        rest[..rest.find(')').unwrap()]
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    });
    imap.logout();
    flags
}

/// The header section of `user`'s first message with `subject` in `mailbox`, read over IMAP
/// (EXAMINE, BODY.PEEK: nothing is changed), one header line per element (folded lines kept
/// as they are); `None` when there is none. Blocking.
pub fn imap_header_lines(user: User, mailbox: &str, subject: &str) -> Option<Vec<String>> {
    let mut imap = ImapSession::login(user);
    imap.cmd(&format!("EXAMINE \"{mailbox}\""));
    let uid = imap.uids_with_subject(subject).first().copied();
    let lines = uid.map(|uid| {
        imap.cmd(&format!("UID FETCH {uid} (BODY.PEEK[HEADER])"))
            .into_iter()
            .skip(1)
            .collect()
    });
    imap.logout();
    lines
}

/// Appends `mime` (CRLF lines) to `user`'s `mailbox` with the internal date `date` (IMAP
/// date-time, e.g. `"05-Aug-2026 10:00:00 +0000"`): mail that arrived back then, which a
/// server's time filters judge by. Blocking.
pub fn imap_append(user: User, mailbox: &str, date: &str, mime: &str) {
    use std::io::Write;
    let mut imap = ImapSession::login(user);
    imap.tag += 1;
    let tag = format!("k{} ", imap.tag);
    imap.writer
        .write_all(
            format!(
                "{tag}APPEND \"{mailbox}\" () \"{date}\" {{{}+}}\r\n",
                mime.len()
            )
            .as_bytes(),
        )
        .unwrap();
    imap.writer.write_all(mime.as_bytes()).unwrap();
    imap.writer.write_all(b"\r\n").unwrap();
    loop {
        let mut line = String::new();
        let n = std::io::BufRead::read_line(&mut imap.reader, &mut line).unwrap();
        assert!(n > 0, "IMAP connection closed during APPEND");
        if let Some(rest) = line.strip_prefix(&tag) {
            assert!(rest.starts_with("OK"), "IMAP APPEND: {line}");
            break;
        }
    }
    imap.logout();
}

/// Just enough IMAP (RFC 9051) over a blocking socket for the checks above.
struct ImapSession {
    reader: std::io::BufReader<TcpStream>,
    writer: TcpStream,
    tag: u32,
}

impl ImapSession {
    fn login(user: User) -> ImapSession {
        use std::io::BufRead;
        require_server(IMAP_ADDR, "Dovecot IMAP");
        let stream = TcpStream::connect(IMAP_ADDR).expect("IMAP connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut imap = ImapSession {
            reader: std::io::BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            tag: 0,
        };
        let mut greeting = String::new();
        imap.reader.read_line(&mut greeting).unwrap();
        assert!(greeting.starts_with("* OK"), "{greeting}");
        imap.cmd(&format!("LOGIN {} {}", user.name, user.password));
        imap
    }

    /// Runs a command; panics unless it ends in OK. Returns the untagged lines.
    fn cmd(&mut self, command: &str) -> Vec<String> {
        use std::io::{BufRead, Write};
        self.tag += 1;
        let tag = format!("k{} ", self.tag);
        self.writer
            .write_all(format!("{tag}{command}\r\n").as_bytes())
            .unwrap();
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).unwrap();
            assert!(n > 0, "IMAP connection closed during {command}");
            if let Some(rest) = line.strip_prefix(&tag) {
                assert!(rest.starts_with("OK"), "IMAP {command}: {line}");
                return lines;
            }
            lines.push(line.trim_end().to_owned());
        }
    }

    fn uids_with_subject(&mut self, subject: &str) -> Vec<u32> {
        self.cmd(&format!("UID SEARCH HEADER Subject \"{subject}\""))
            .iter()
            .filter_map(|l| l.strip_prefix("* SEARCH"))
            .flat_map(|rest| rest.split_whitespace().filter_map(|n| n.parse().ok()))
            .collect()
    }

    fn logout(mut self) {
        let _ = std::io::Write::write_all(&mut self.writer, b"z LOGOUT\r\n");
    }
}

/// Waits for an event matching `pred`, failing after `secs` seconds with what was seen.
pub async fn wait_event(
    rx: &mut tokio::sync::broadcast::Receiver<kontor_core::engine::EngineEvent>,
    secs: u64,
    what: &str,
    mut pred: impl FnMut(&kontor_core::engine::EngineEvent) -> bool,
) -> kontor_core::engine::EngineEvent {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Ok(e)) => {
                if pred(&e) {
                    return e;
                }
                seen.push(e);
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event channel closed waiting for {what}: {e}"),
            Err(_) => panic!("no {what} within {secs} s; saw {seen:#?}"),
        }
    }
}
