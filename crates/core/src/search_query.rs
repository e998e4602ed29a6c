//! The search box's language: free words, quoted phrases and the terms users know from Outlook
//! and Gmail, in English and German (docs/search.md).
//!
//! ```text
//! rechnung "bis freitag" from:müller has:attachment after:"letzte woche"
//! von:bob betreff:angebot ist:ungelesen vor:1.6.2026
//! ```
//!
//! [`parse`] never fails: what it cannot read becomes words to search for and a
//! [`QueryHint`] the window shows under the box. Dates are calendar days; the app turns them
//! into instants in the user's time zone.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A parsed query. Text values are as typed (the store folds them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Free words: each must occur (as a word prefix, or a substring of subject/addresses).
    pub words: Vec<String>,
    /// Quoted phrases: each must occur as written (folded), words in this order.
    pub phrases: Vec<String>,
    /// `from:` / `von:` — in the sender's name or address.
    pub from: Vec<String>,
    /// `to:` / `an:` — in a recipient's name or address (To or Cc).
    pub to: Vec<String>,
    /// `subject:` / `betreff:` — in the subject.
    pub subject: Vec<String>,
    pub has_attachment: bool,
    /// `is:unread` → `Some(false)`, `is:read` → `Some(true)`.
    pub read: Option<bool>,
    pub flagged: Option<bool>,
    /// On or after this day.
    pub after: Option<NaiveDate>,
    /// Before this day (the day itself not included).
    pub before: Option<NaiveDate>,
    pub hints: Vec<QueryHint>,
}

impl ParsedQuery {
    /// Whether the query asks for anything at all.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
            && self.phrases.is_empty()
            && self.from.is_empty()
            && self.to.is_empty()
            && self.subject.is_empty()
            && !self.has_attachment
            && self.read.is_none()
            && self.flagged.is_none()
            && self.after.is_none()
            && self.before.is_none()
    }
}

/// Something in the query that was not understood; the window explains it in the UI's
/// language. The query still runs, with the text taken as words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum QueryHint {
    /// `word:value` with a `word` that is no search term.
    UnknownTerm { term: String },
    /// A term without a value (`from:` at the end).
    MissingValue { term: String },
    /// `has:` / `is:` with a value it does not know.
    UnknownValue { term: String, value: String },
    /// `before:` / `after:` / `date:` with something that is not a date.
    BadDate { term: String, value: String },
    /// A `"` without its closing one: the rest is taken as the phrase.
    UnclosedQuote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    From,
    To,
    Subject,
    Has,
    Is,
    Before,
    After,
    Date,
}

fn term(name: &str) -> Option<Term> {
    Some(match name {
        "from" | "von" => Term::From,
        "to" | "an" | "cc" => Term::To,
        "subject" | "betreff" => Term::Subject,
        "has" | "hat" => Term::Has,
        "is" | "ist" => Term::Is,
        "before" | "vor" | "bis" => Term::Before,
        "after" | "nach" | "seit" | "ab" => Term::After,
        "date" | "datum" | "am" | "on" => Term::Date,
        _ => return None,
    })
}

/// One piece of the query: a bare word, a quoted phrase, or `name:value`.
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Phrase(String),
    Pair {
        name: String,
        value: String,
        quoted: bool,
    },
}

fn tokenize(text: &str, hints: &mut Vec<QueryHint>) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let quoted = |i: &mut usize, hints: &mut Vec<QueryHint>| -> String {
        // chars[*i] is the opening quote.
        *i += 1;
        let start = *i;
        while *i < chars.len() && !is_quote(chars[*i]) {
            *i += 1;
        }
        let s: String = chars[start..*i].iter().collect();
        if *i < chars.len() {
            *i += 1;
        } else if !hints.contains(&QueryHint::UnclosedQuote) {
            hints.push(QueryHint::UnclosedQuote);
        }
        s
    };
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        if is_quote(chars[i]) {
            let s = quoted(&mut i, hints);
            if !s.trim().is_empty() {
                out.push(Token::Phrase(s.trim().to_owned()));
            }
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ':' && !is_quote(chars[i])
        {
            i += 1;
        }
        let head: String = chars[start..i].iter().collect();
        if i < chars.len() && chars[i] == ':' && !head.is_empty() {
            i += 1;
            if i < chars.len() && is_quote(chars[i]) {
                let value = quoted(&mut i, hints);
                out.push(Token::Pair {
                    name: head,
                    value,
                    quoted: true,
                });
            } else {
                let vstart = i;
                while i < chars.len() && !chars[i].is_whitespace() && !is_quote(chars[i]) {
                    i += 1;
                }
                out.push(Token::Pair {
                    name: head,
                    value: chars[vstart..i].iter().collect(),
                    quoted: false,
                });
            }
            continue;
        }
        // A word (a quote inside a word ends it; a lone ':' is part of the next word).
        while i < chars.len() && !chars[i].is_whitespace() && !is_quote(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        out.push(Token::Word(word));
    }
    out
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '„' | '“' | '”')
}

/// Parses the search box's text; `today` is the user's local date (for "last week", "March").
pub fn parse(text: &str, today: NaiveDate) -> ParsedQuery {
    let mut q = ParsedQuery::default();
    let tokens = tokenize(text, &mut q.hints);
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Word(w) => q.words.push(w.clone()),
            Token::Phrase(p) => q.phrases.push(p.clone()),
            Token::Pair {
                name,
                value,
                quoted,
            } => {
                let lname = name.to_lowercase();
                let Some(t) = term(&lname) else {
                    // Not a search term: a time ("10:30"), "AW:", a URL... searched as text.
                    if looks_like_term(name, value) {
                        q.hints.push(QueryHint::UnknownTerm { term: lname });
                    }
                    q.words.push(name.clone());
                    if !value.is_empty() {
                        q.words.push(value.clone());
                    }
                    i += 1;
                    continue;
                };
                let mut value = value.clone();
                // An unquoted date value may go on in the next words: "letzte Woche", "März 2026".
                if matches!(t, Term::Before | Term::After | Term::Date) && !quoted {
                    while let Some(Token::Word(next)) = tokens.get(i + 1) {
                        let joined = format!("{value} {next}");
                        if date_range(&value, today).is_some()
                            && date_range(&joined, today).is_none()
                        {
                            break;
                        }
                        if date_range(&joined, today).is_some() || is_date_lead(&value) {
                            value = joined;
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                if value.trim().is_empty() {
                    q.hints.push(QueryHint::MissingValue { term: lname });
                    i += 1;
                    continue;
                }
                apply(&mut q, t, &lname, value.trim(), today);
            }
        }
        i += 1;
    }
    q
}

fn looks_like_term(name: &str, value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with("//")
        && name.chars().count() >= 2
        && name.chars().all(char::is_alphabetic)
}

fn apply(q: &mut ParsedQuery, t: Term, name: &str, value: &str, today: NaiveDate) {
    let lower = value.to_lowercase();
    match t {
        Term::From => q.from.push(value.to_owned()),
        Term::To => q.to.push(value.to_owned()),
        Term::Subject => q.subject.push(value.to_owned()),
        Term::Has => match lower.as_str() {
            "attachment" | "attachments" | "anhang" | "anhänge" | "anhaenge" | "attach" => {
                q.has_attachment = true
            }
            _ => q.hints.push(QueryHint::UnknownValue {
                term: name.to_owned(),
                value: value.to_owned(),
            }),
        },
        Term::Is => match lower.as_str() {
            "unread" | "ungelesen" | "neu" | "new" => q.read = Some(false),
            "read" | "gelesen" => q.read = Some(true),
            "flagged" | "starred" | "markiert" | "gekennzeichnet" | "kennzeichnung" => {
                q.flagged = Some(true)
            }
            "unflagged" | "unmarkiert" => q.flagged = Some(false),
            _ => q.hints.push(QueryHint::UnknownValue {
                term: name.to_owned(),
                value: value.to_owned(),
            }),
        },
        Term::Before | Term::After | Term::Date => match date_range(&lower, today) {
            Some((start, end)) => match t {
                Term::Before => q.before = Some(start),
                Term::After => q.after = Some(start),
                _ => {
                    q.after = Some(start);
                    q.before = Some(end);
                }
            },
            None => q.hints.push(QueryHint::BadDate {
                term: name.to_owned(),
                value: value.to_owned(),
            }),
        },
    }
}

/// Words that start a date of two words ("last week", "letzte Woche", "diesen Monat").
fn is_date_lead(word: &str) -> bool {
    matches!(
        word.to_lowercase().as_str(),
        "this"
            | "last"
            | "previous"
            | "diese"
            | "dieser"
            | "diesen"
            | "dieses"
            | "letzte"
            | "letzten"
            | "letzter"
            | "letztes"
            | "vorige"
            | "vorigen"
            | "voriger"
            | "voriges"
            | "vergangene"
            | "vergangenen"
            | "vergangenes"
    ) || month(word).is_some()
}

const MONTHS: [(&[&str], u32); 12] = [
    (&["january", "jan", "januar", "jänner"], 1),
    (&["february", "feb", "februar"], 2),
    (&["march", "mar", "märz", "maerz", "mär", "mrz"], 3),
    (&["april", "apr"], 4),
    (&["may", "mai"], 5),
    (&["june", "jun", "juni"], 6),
    (&["july", "jul", "juli"], 7),
    (&["august", "aug"], 8),
    (&["september", "sep", "sept"], 9),
    (&["october", "oct", "oktober", "okt"], 10),
    (&["november", "nov"], 11),
    (&["december", "dec", "dezember", "dez"], 12),
];

fn month(word: &str) -> Option<u32> {
    let w = word.to_lowercase();
    let w = w.trim_end_matches('.');
    MONTHS
        .iter()
        .find(|(names, _)| names.contains(&w))
        .map(|(_, m)| *m)
}

fn month_range(year: i32, m: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, m, 1)?;
    Some((start, start.checked_add_months(Months::new(1))?))
}

fn year_range(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
    ))
}

fn day_range(d: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    Some((d, d.checked_add_days(Days::new(1))?))
}

/// The days a date value stands for: `[start, end)`. Days as `2026-03-14`, `14.3.2026`,
/// `14.3.26`, `14.3.` (this year), `14/3/2026` (day first, as in the UI's English); months as
/// `2026-03`, `3.2026`, `März`, `march 2025` (a month name alone: the last such month that has
/// begun); years as `2025`; and today / yesterday, this / last week (weeks start on Monday),
/// month and year, in English and German.
pub fn date_range(value: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let v = value.trim().to_lowercase();
    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
    let week_start = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?;
    match v.as_str() {
        "today" | "heute" => return day_range(today),
        "yesterday" | "gestern" => return day_range(today.checked_sub_days(Days::new(1))?),
        // `before:morgen`: up to and including today.
        "tomorrow" | "morgen" => return day_range(today.checked_add_days(Days::new(1))?),
        "this week" | "diese woche" => return Some((week_start, week_start + Days::new(7))),
        "last week" | "previous week" | "letzte woche" | "vorige woche" | "vergangene woche" => {
            return Some((week_start - Days::new(7), week_start));
        }
        "this month" | "diesen monat" | "dieser monat" => {
            return month_range(today.year(), today.month());
        }
        "last month" | "previous month" | "letzten monat" | "letzter monat" | "vorigen monat"
        | "voriger monat" | "vergangenen monat" => {
            let start = this_month.checked_sub_months(Months::new(1))?;
            return Some((start, this_month));
        }
        "this year" | "dieses jahr" => return year_range(today.year()),
        "last year" | "previous year" | "letztes jahr" | "voriges jahr" | "vergangenes jahr" => {
            return year_range(today.year() - 1);
        }
        _ => {}
    }
    let words: Vec<&str> = v.split(' ').collect();
    if let Some(m) = words.first().and_then(|w| month(w)) {
        return match words.as_slice() {
            [_] => {
                let year = if m <= today.month() {
                    today.year()
                } else {
                    today.year() - 1
                };
                month_range(year, m)
            }
            [_, y] => month_range(parse_year(y)?, m),
            _ => None,
        };
    }
    if words.len() != 1 {
        return None;
    }
    let v = words[0];
    let nums = |sep: char| -> Option<Vec<&str>> {
        let parts: Vec<&str> = v.split(sep).collect();
        parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_digit()))
            .then_some(parts)
    };
    // yyyy, yyyy-mm, yyyy-mm-dd
    if let Some(parts) = nums('-') {
        return match parts.as_slice() {
            [y] if y.len() == 4 => year_range(y.parse().ok()?),
            [y, m] if y.len() == 4 => month_range(y.parse().ok()?, m.parse().ok()?),
            [y, m, d] if y.len() == 4 => day_range(NaiveDate::from_ymd_opt(
                y.parse().ok()?,
                m.parse().ok()?,
                d.parse().ok()?,
            )?),
            _ => None,
        };
    }
    // d.m.yyyy, d.m.yy, d.m. (this year), m.yyyy; d/m/yyyy, m/yyyy
    for sep in ['.', '/'] {
        if let Some(parts) = nums(sep) {
            return match parts.as_slice() {
                [d, m, y] if !d.is_empty() && !m.is_empty() => {
                    let year = if y.is_empty() {
                        today.year()
                    } else {
                        parse_year(y)?
                    };
                    day_range(NaiveDate::from_ymd_opt(
                        year,
                        m.parse().ok()?,
                        d.parse().ok()?,
                    )?)
                }
                [m, y] if y.len() == 4 && !m.is_empty() => {
                    month_range(y.parse().ok()?, m.parse().ok()?)
                }
                _ => None,
            };
        }
    }
    None
}

fn parse_year(y: &str) -> Option<i32> {
    if !y.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match y.len() {
        4 => y.parse().ok(),
        2 => y.parse::<i32>().ok().map(|n| 2000 + n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A Saturday.
    fn today() -> NaiveDate {
        day(2026, 12, 5)
    }

    #[test]
    fn words_phrases_and_terms_in_both_languages() {
        let q = parse(
            r#"Rechnung "bis Freitag" from:müller has:attachment is:unread"#,
            today(),
        );
        assert_eq!(q.words, ["Rechnung"]);
        assert_eq!(q.phrases, ["bis Freitag"]);
        assert_eq!(q.from, ["müller"]);
        assert!(q.has_attachment);
        assert_eq!(q.read, Some(false));
        assert!(q.hints.is_empty(), "{:?}", q.hints);

        let de = parse(
            "Von:Bob an:alice Betreff:Angebot hat:Anhang ist:markiert ist:gelesen",
            today(),
        );
        assert_eq!(de.from, ["Bob"]);
        assert_eq!(de.to, ["alice"]);
        assert_eq!(de.subject, ["Angebot"]);
        assert!(de.has_attachment);
        assert_eq!(de.flagged, Some(true));
        assert_eq!(de.read, Some(true));
        assert!(de.words.is_empty() && de.hints.is_empty(), "{de:?}");

        let quoted = parse(r#"from:"Müller GmbH" subject:„Zahlen prüfen“"#, today());
        assert_eq!(quoted.from, ["Müller GmbH"]);
        assert_eq!(quoted.subject, ["Zahlen prüfen"]);
    }

    #[test]
    fn dates_in_both_languages_and_relative_ones() {
        let cases: &[(&str, Option<(NaiveDate, NaiveDate)>)] = &[
            ("2026-03-14", Some((day(2026, 3, 14), day(2026, 3, 15)))),
            ("14.3.2026", Some((day(2026, 3, 14), day(2026, 3, 15)))),
            ("14.03.26", Some((day(2026, 3, 14), day(2026, 3, 15)))),
            ("14.3.", Some((day(2026, 3, 14), day(2026, 3, 15)))),
            ("14/3/2026", Some((day(2026, 3, 14), day(2026, 3, 15)))),
            ("2025", Some((day(2025, 1, 1), day(2026, 1, 1)))),
            ("2026-02", Some((day(2026, 2, 1), day(2026, 3, 1)))),
            ("2.2026", Some((day(2026, 2, 1), day(2026, 3, 1)))),
            ("heute", Some((day(2026, 12, 5), day(2026, 12, 6)))),
            ("Yesterday", Some((day(2026, 12, 4), day(2026, 12, 5)))),
            ("morgen", Some((day(2026, 12, 6), day(2026, 12, 7)))),
            ("Tomorrow", Some((day(2026, 12, 6), day(2026, 12, 7)))),
            ("diese Woche", Some((day(2026, 11, 30), day(2026, 12, 7)))),
            ("letzte Woche", Some((day(2026, 11, 23), day(2026, 11, 30)))),
            ("last month", Some((day(2026, 11, 1), day(2026, 12, 1)))),
            ("letztes Jahr", Some((day(2025, 1, 1), day(2026, 1, 1)))),
            ("März", Some((day(2026, 3, 1), day(2026, 4, 1)))),
            ("maerz 2025", Some((day(2025, 3, 1), day(2025, 4, 1)))),
            ("dec", Some((day(2026, 12, 1), day(2027, 1, 1)))),
            ("31.2.2026", None),
            ("13/13/2026", None),
            ("morgen früh", None),
            ("12345", None),
            ("", None),
            ("1.2.3.4", None),
        ];
        for (text, want) in cases {
            assert_eq!(date_range(text, today()), *want, "{text}");
        }
        // A month name alone is the last such month that has begun: in February 2026,
        // "Dezember" is December 2025.
        assert_eq!(
            date_range("Dezember", day(2026, 2, 1)),
            Some((day(2025, 12, 1), day(2026, 1, 1)))
        );
    }

    #[test]
    fn date_terms_take_the_words_of_their_value() {
        let q = parse("nach:letzte Woche angebot", today());
        assert_eq!(q.after, Some(day(2026, 11, 23)));
        assert_eq!(q.before, None);
        assert_eq!(q.words, ["angebot"]);

        let q = parse("datum:März 2025 vor:1.6.2026", today());
        assert_eq!(q.after, Some(day(2025, 3, 1)));
        assert_eq!(q.before, Some(day(2026, 6, 1)));
        assert!(q.words.is_empty(), "{q:?}");

        let q = parse(r#"after:"last week" before:today"#, today());
        assert_eq!(q.after, Some(day(2026, 11, 23)));
        assert_eq!(q.before, Some(day(2026, 12, 5)));

        // A month then a word that is no year: the word is searched for.
        let q = parse("after:march invoice", today());
        assert_eq!(q.after, Some(day(2026, 3, 1)));
        assert_eq!(q.words, ["invoice"]);
    }

    #[test]
    fn bad_input_gives_hints_never_a_panic() {
        let q = parse("vor:irgendwann", today());
        assert_eq!(
            q.hints,
            [QueryHint::BadDate {
                term: "vor".into(),
                value: "irgendwann".into()
            }]
        );
        assert_eq!(q.before, None);

        let q = parse("has:pdf is:wichtig", today());
        assert_eq!(q.hints.len(), 2);
        assert!(!q.has_attachment);

        let q = parse("foo:bar", today());
        assert_eq!(q.hints, [QueryHint::UnknownTerm { term: "foo".into() }]);
        assert_eq!(q.words, ["foo", "bar"]);

        let q = parse("from:", today());
        assert_eq!(
            q.hints,
            [QueryHint::MissingValue {
                term: "from".into()
            }]
        );
        assert!(q.is_empty());

        let q = parse(r#"angebot "bis frei"#, today());
        assert_eq!(q.hints, [QueryHint::UnclosedQuote]);
        assert_eq!(q.phrases, ["bis frei"]);

        // Times, reply prefixes and addresses are text, not terms, and need no hint.
        let q = parse("10:30 AW: https://example.org/x", today());
        assert!(q.hints.is_empty(), "{:?}", q.hints);
        assert_eq!(q.words, ["10", "30", "AW", "https", "//example.org/x"]);

        for text in [
            "\"",
            ":",
            "::",
            "a:\"",
            "\"\"",
            "from:\"",
            "ä:ö:ü",
            "vor:31.12.99999",
            "date:0.0.0",
            "nach:letzte letzte letzte",
        ] {
            let _ = parse(text, today());
        }
    }
}
