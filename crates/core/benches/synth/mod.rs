//! Synthetic mail shared by the store bench (benches/store.rs) and the window bench's profile
//! filler (examples/fill_profile.rs): subjects, previews and names from German and English word
//! lists (umlauts and ß included), addresses on a handful of domains, dates spread over five
//! years, all from a seeded generator so every run makes the same data.
//!
//! A module folder, not `benches/synth.rs`: Cargo would take a file there for a bench target.

#![allow(dead_code, reason = "each includer uses a part")]

use chrono::{TimeZone, Utc};
use kontor_core::store::{Address, MessageData};

pub const WORDS_DE: &[&str] = &[
    "Rechnung",
    "Angebot",
    "Besprechung",
    "Termin",
    "Projekt",
    "Bericht",
    "Grüße",
    "Straße",
    "Änderung",
    "Übersicht",
    "Bestellung",
    "Lieferung",
    "Vertrag",
    "Urlaub",
    "Mitarbeiter",
    "Abteilung",
    "Kunde",
    "Zahlung",
    "Mahnung",
    "Einladung",
    "Protokoll",
    "Entwurf",
    "Prüfung",
    "Freigabe",
    "Schulung",
    "Büro",
    "Öffnungszeiten",
    "Gebäude",
    "Rückfrage",
    "Erinnerung",
    "heute",
    "morgen",
    "bitte",
    "danke",
    "wichtig",
    "dringend",
    "neue",
    "für",
    "über",
    "mit",
];
pub const WORDS_EN: &[&str] = &[
    "meeting", "invoice", "report", "project", "schedule", "update", "review", "budget",
    "contract", "delivery", "request", "approval", "agenda", "minutes", "deadline", "quarter",
    "release", "feedback", "proposal", "summary", "team", "customer", "support", "ticket",
    "please", "thanks", "today", "tomorrow", "urgent", "new", "for", "about", "with", "the",
];
/// Words that occur in about 0.1 % of messages.
const RARE: &[&str] = &[
    "Quittungsbeleg",
    "zeppelin",
    "Wirtschaftsprüfer",
    "xylophone",
];
const FIRST: &[&str] = &[
    "Jürgen", "Anna", "Björn", "Sophie", "Max", "Lena", "Thomas", "Claire", "Günther", "Emma",
    "Oliver", "Jörg", "Sarah", "Michael", "Käthe", "James",
];
const LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Weiß",
    "Schröder",
    "Smith",
    "Jones",
    "Groß",
    "Becker",
    "Köhler",
    "Wagner",
    "Brown",
    "Hoffmann",
    "Krämer",
    "Taylor",
];
const DOMAINS: &[&str] = &[
    "kontor-beispiel.de",
    "example.com",
    "firma.de",
    "mail.example.org",
    "stadtwerke-nord.de",
];

/// xorshift64*: deterministic and dependency-free.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
    pub fn word(&mut self) -> &'static str {
        if self.below(1000) == 0 {
            return self.pick(RARE);
        }
        if self.below(2) == 0 {
            self.pick(WORDS_DE)
        } else {
            self.pick(WORDS_EN)
        }
    }
    pub fn sentence(&mut self, min: usize, max: usize) -> String {
        let n = min + self.below(max - min + 1);
        (0..n).map(|_| self.word()).collect::<Vec<_>>().join(" ")
    }
    pub fn person(&mut self) -> Address {
        let first = self.pick(FIRST);
        let last = self.pick(LAST);
        let domain = self.pick(DOMAINS);
        let local = format!("{first}.{last}")
            .to_lowercase()
            .replace('ü', "ue")
            .replace('ö', "oe")
            .replace('ä', "ae")
            .replace('ß', "ss");
        Address::new(&format!("{first} {last}"), &format!("{local}@{domain}"))
    }
}

pub fn message(rng: &mut Rng, i: usize) -> MessageData {
    // Five years, 2021-01-01 .. 2026-01-01.
    let start = Utc
        .with_ymd_and_hms(2021, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    let date = start + (rng.next() % (5 * 365 * 86_400)) as i64;
    let to = (0..1 + rng.below(3)).map(|_| rng.person()).collect();
    let cc = (0..rng.below(2)).map(|_| rng.person()).collect();
    MessageData {
        server_id: format!("1:{i}"),
        message_id: format!("<{i}.{}@bench.example>", rng.next()),
        subject: rng.sentence(3, 8),
        from: rng.person(),
        to,
        cc,
        date: Utc.timestamp_opt(date, 0).unwrap(),
        preview: rng.sentence(20, 40),
        read: rng.below(3) != 0,
        flag_status: if rng.below(20) == 0 { 2 } else { 0 },
        importance: 1,
        has_attachments: rng.below(5) == 0,
        size: 2_000 + rng.below(200_000) as i64,
        ..MessageData::default()
    }
}
