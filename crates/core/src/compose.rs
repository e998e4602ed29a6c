//! Writing mail: what the compose window needs that is not the protocol's business.
//!
//! * [`parse_recipients`]: what a person types or pastes into To/Cc/Bcc
//!   (`Name <a@b>; c@d, "Baker, Bob" <bob@x>`) as separate recipients, each marked valid or not;
//! * [`reply_subject`] / [`forward_subject`]: one "AW:"/"WG:" (German) or "RE:"/"FW:" (English)
//!   prefix, never piled up, whatever prefixes the original already carried;
//! * [`quote_header`]: Outlook's header block above the quoted original, in the UI's language;
//!   [`quote_lines`] the same or Thunderbird's ("Am … schrieb …:") as the user chose
//!   ([`QuoteStyle`]);
//! * [`Signatures`]: the user's HTML signatures and which one new mail and replies start with,
//!   sanitised like every HTML the app shows ([`Signatures::cleaned`]);
//! * [`html_to_text`]: the text part of a message written as HTML;
//! * [`build_message`]: the MIME of a message (multipart/alternative HTML + text, attachments,
//!   Bcc, importance, In-Reply-To/References), built by mail-builder; pictures in the text (a
//!   signature's logo) go as inline parts the HTML names by `cid:` ([`picture_data_uri`] reads
//!   one a user chose, [`inline_pictures`] takes them out of the HTML, [`pictures_back`] puts
//!   them back in a saved draft).

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as MbAddress;
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};

use crate::i18n::Lang;

/// The entries of an address book (`(name, address, uses)`, most used first) whose address,
/// name or a later word of the name starts with `query` (any case; all of them for an empty
/// query), in the book's order, at most `limit`.
pub fn match_addresses<'a>(
    book: &'a [(String, String, i64)],
    query: &str,
    limit: usize,
) -> impl Iterator<Item = &'a (String, String, i64)> {
    let q = query.trim().to_lowercase();
    book.iter()
        .filter(move |(name, addr, _)| {
            if q.is_empty() || addr.to_lowercase().starts_with(&q) {
                return true;
            }
            let name = name.to_lowercase();
            name.starts_with(&q) || name.split_whitespace().any(|w| w.starts_with(&q))
        })
        .take(limit)
}

/// One recipient as typed: `text` is what the person wrote for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ParsedRecipient {
    pub text: String,
    pub name: String,
    pub address: String,
    /// The address has the shape `local@domain.tld` (one `@`, no spaces, a dot in the domain).
    pub valid: bool,
}

impl ParsedRecipient {
    /// `Name <addr>` (the name quoted when it holds a comma or semicolon), or `addr` alone.
    pub fn display(&self) -> String {
        if self.name.is_empty() {
            self.address.clone()
        } else if self.name.contains([',', ';', '"']) {
            format!("\"{}\" <{}>", self.name.replace('"', "'"), self.address)
        } else {
            format!("{} <{}>", self.name, self.address)
        }
    }
}

/// Splits `text` at `,`, `;` and line breaks outside quotes and angle brackets, and reads each
/// part as `Name <addr>`, `"Name" <addr>`, `<addr>` or `addr`. Empty parts are skipped.
pub fn parse_recipients(text: &str) -> Vec<ParsedRecipient> {
    let mut parts = Vec::new();
    let (mut cur, mut quoted, mut angle) = (String::new(), false, false);
    for c in text.chars() {
        match c {
            '"' if !angle => {
                quoted = !quoted;
                cur.push(c);
            }
            '<' if !quoted => {
                angle = true;
                cur.push(c);
            }
            '>' if !quoted => {
                angle = false;
                cur.push(c);
            }
            ',' | ';' | '\n' | '\r' if !quoted && !angle => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(parse_one)
        .collect()
}

fn parse_one(part: &str) -> ParsedRecipient {
    let (name, address) = match (part.rfind('<'), part.rfind('>')) {
        (Some(open), Some(close)) if open < close => (
            part[..open].trim().trim_matches('"').trim().to_owned(),
            part[open + 1..close].trim().to_owned(),
        ),
        _ => (
            String::new(),
            part.trim_matches(['<', '>', '"']).trim().to_owned(),
        ),
    };
    let address = address
        .strip_prefix("mailto:")
        .unwrap_or(&address)
        .to_owned();
    ParsedRecipient {
        text: part.to_owned(),
        valid: valid_address(&address),
        name,
        address,
    }
}

/// `local@domain.tld`: one `@`, something before it, a domain with a dot that neither starts
/// nor ends the domain, no whitespace or brackets anywhere.
pub fn valid_address(addr: &str) -> bool {
    let Some((local, domain)) = addr.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !addr
            .chars()
            .any(|c| c.is_whitespace() || "<>()[],;:\"\\".contains(c))
}

/// The reply and forward prefixes mail programs write, in any case: English, German (Outlook's
/// AW/WG, Thunderbird's Aw), and the usual others. `Fwd` before `Fw`.
const PREFIXES: &[&str] = &[
    "re", "aw", "antw", "antwort", "fwd", "fw", "wg", "wtr", "sv", "vs", "tr", "rif", "r",
];

/// The subject without any leading reply/forward prefixes (`RE: AW: Fwd: [2] x` → `x`),
/// including counted forms like `Re[2]:` and `AW(3):`.
pub fn strip_prefixes(subject: &str) -> &str {
    let mut s = subject.trim_start();
    'outer: loop {
        for p in PREFIXES {
            let Some(head) = s.get(..p.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(p) {
                continue;
            }
            let mut rest = &s[p.len()..];
            // A counter: Re[2]: or AW(3):
            if let Some(r) = rest
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .or_else(|| rest.strip_prefix('(').and_then(|r| r.split_once(')')))
                && r.0.chars().all(|c| c.is_ascii_digit())
            {
                rest = r.1;
            }
            let rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')) {
                s = after.trim_start();
                continue 'outer;
            }
        }
        return s;
    }
}

/// "AW: x" (German) or "RE: x" (English), with the original's prefixes removed.
pub fn reply_subject(subject: &str, lang: Lang) -> String {
    format!("{} {}", lang.pick("RE:", "AW:"), strip_prefixes(subject))
        .trim_end()
        .to_owned()
}

/// "WG: x" (German) or "FW: x" (English), with the original's prefixes removed.
pub fn forward_subject(subject: &str, lang: Lang) -> String {
    format!("{} {}", lang.pick("FW:", "WG:"), strip_prefixes(subject))
        .trim_end()
        .to_owned()
}

/// The original message as the quote header names it.
#[derive(Debug, Clone)]
pub struct QuotedOriginal<'a> {
    pub from: String,
    pub sent: DateTime<FixedOffset>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: &'a str,
}

const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const DAYS_DE: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// The date as Outlook writes it in the header block: "Freitag, 4. Dezember 2026 14:05" /
/// "Friday, December 4, 2026 2:05 PM".
pub fn quote_date(d: &DateTime<FixedOffset>, lang: Lang) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    let m = d.month0() as usize;
    match lang {
        Lang::De => format!(
            "{}, {}. {} {} {:02}:{:02}",
            DAYS_DE[wd],
            d.day(),
            MONTHS_DE[m],
            d.year(),
            d.hour(),
            d.minute()
        ),
        Lang::En => {
            let (pm, h12) = d.hour12();
            format!(
                "{}, {} {}, {} {}:{:02} {}",
                DAYS_EN[wd],
                MONTHS_EN[m],
                d.day(),
                d.year(),
                h12,
                d.minute(),
                if pm { "PM" } else { "AM" }
            )
        }
    }
}

/// Outlook's header block above a quoted original, as lines of text (Cc only when there was
/// one).
pub fn quote_header(original: &QuotedOriginal<'_>, lang: Lang) -> Vec<String> {
    let mut lines = vec![
        lang.pick(
            "-----Original Message-----",
            "-----Ursprüngliche Nachricht-----",
        )
        .to_owned(),
        format!("{} {}", lang.pick("From:", "Von:"), original.from),
        format!(
            "{} {}",
            lang.pick("Sent:", "Gesendet:"),
            quote_date(&original.sent, lang)
        ),
        format!("{} {}", lang.pick("To:", "An:"), original.to.join("; ")),
    ];
    if !original.cc.is_empty() {
        lines.push(format!("Cc: {}", original.cc.join("; ")));
    }
    lines.push(format!(
        "{} {}",
        lang.pick("Subject:", "Betreff:"),
        original.subject
    ));
    lines
}

/// How a reply or forward introduces the quoted original (Settings → Mail).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub enum QuoteStyle {
    /// Outlook's header block: "-----Original Message----- / From / Sent / To / Cc / Subject".
    #[default]
    Outlook,
    /// Thunderbird's: "On 12/4/2026 2:05 PM, Bob Baker wrote:" above a reply, the "--------
    /// Forwarded Message --------" block above a forward.
    Thunderbird,
}

/// The lines above a quoted original in `style`: a reply's or a forward's.
pub fn quote_lines(
    original: &QuotedOriginal<'_>,
    lang: Lang,
    style: QuoteStyle,
    forward: bool,
) -> Vec<String> {
    match (style, forward) {
        (QuoteStyle::Outlook, _) => quote_header(original, lang),
        (QuoteStyle::Thunderbird, false) => vec![attribution(original, lang)],
        (QuoteStyle::Thunderbird, true) => {
            let mut lines = vec![
                lang.pick(
                    "-------- Forwarded Message --------",
                    "-------- Weitergeleitete Nachricht --------",
                )
                .to_owned(),
                format!("{} {}", lang.pick("Subject:", "Betreff:"), original.subject),
                format!(
                    "{} {}",
                    lang.pick("Date:", "Datum:"),
                    quote_date(&original.sent, lang)
                ),
                format!("{} {}", lang.pick("From:", "Von:"), original.from),
                format!("{} {}", lang.pick("To:", "An:"), original.to.join(", ")),
            ];
            if !original.cc.is_empty() {
                lines.push(format!("{} {}", "CC:", original.cc.join(", ")));
            }
            lines
        }
    }
}

/// Thunderbird's line above a quoted reply: "Am 04.12.2026 um 14:05 schrieb Bob Baker:" /
/// "On 12/4/2026 2:05 PM, Bob Baker wrote:" (the sender's name, else the address).
pub fn attribution(original: &QuotedOriginal<'_>, lang: Lang) -> String {
    let who = parse_recipients(&original.from)
        .into_iter()
        .next()
        .map(|r| if r.name.is_empty() { r.address } else { r.name })
        .unwrap_or_else(|| original.from.clone());
    let d = &original.sent;
    match lang {
        Lang::De => format!(
            "Am {:02}.{:02}.{} um {:02}:{:02} schrieb {}:",
            d.day(),
            d.month(),
            d.year(),
            d.hour(),
            d.minute(),
            who
        ),
        Lang::En => {
            let (pm, h12) = d.hour12();
            format!(
                "On {}/{}/{} {}:{:02} {}, {} wrote:",
                d.month(),
                d.day(),
                d.year(),
                h12,
                d.minute(),
                if pm { "PM" } else { "AM" },
                who
            )
        }
    }
}

/// One of the user's signatures: a name to pick it by and its HTML.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Signature {
    /// Stable within the list (the defaults name it).
    pub id: String,
    pub name: String,
    /// Sanitised HTML ([`Signatures::cleaned`]).
    pub html: String,
}

/// The user's signatures (Settings → Mail) and which one a new message and a reply or forward
/// start with (`None`: none).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub struct Signatures {
    pub list: Vec<Signature>,
    #[serde(default)]
    pub new_mail: Option<String>,
    #[serde(default)]
    pub reply: Option<String>,
}

/// At most this many signatures, each's HTML at most this long (a logo as a data: image
/// included: a picture of 512 KB, the most the settings window takes, is about 700 KB as
/// `data:` text).
pub const MAX_SIGNATURES: usize = 50;
pub const MAX_SIGNATURE_HTML: usize = 1024 * 1024;

/// The largest picture put into a message's text, in bytes (a screenshot; larger files go as
/// attachments). A signature's picture is held to 512 KB by the settings window.
pub const MAX_PICTURE: usize = 5 * 1024 * 1024;

/// The picture types a message's text carries inline, as every mail program shows them.
fn picture_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

/// A picture file the user chose for a signature or a message's text, as a `data:` URI the
/// editor shows. The type is read from the bytes, not the file name; a file that is not a
/// PNG, JPEG or GIF picture, or larger than [`MAX_PICTURE`], is refused with the reason.
pub fn picture_data_uri(bytes: &[u8]) -> Result<String, String> {
    use base64::Engine as _;
    if bytes.len() > MAX_PICTURE {
        return Err(format!(
            "the picture is {} KB; a picture in the text may have at most {} KB (send larger \
             pictures as attachments)",
            bytes.len().div_ceil(1024),
            MAX_PICTURE / 1024
        ));
    }
    let kind = picture_type(bytes)
        .ok_or_else(|| "the file is not a PNG, JPEG or GIF picture".to_owned())?;
    Ok(format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// A picture of a message's text sent as a part of its own (RFC 2392 `cid:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePicture {
    /// The Content-ID, without angle brackets.
    pub cid: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// Takes the pictures out of an HTML text: every `src="data:image/…;base64,…"` of a PNG, JPEG
/// or GIF becomes `src="cid:…"`, the picture an [`InlinePicture`]; the same picture twice is
/// one part. Many mail programs show no `data:` picture in received mail (Outlook, webmail),
/// while inline parts named by `cid:` are what they send themselves. `domain` ends the
/// Content-IDs (the sender's). Anything else (a `data:` URI that is no such picture or does not
/// decode) stays as it is.
pub fn inline_pictures(html: &str, domain: &str) -> (String, Vec<InlinePicture>) {
    use base64::Engine as _;
    const MARK: &str = "src=\"data:image/";
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len().min(64 * 1024));
    let mut pictures: Vec<(String, InlinePicture)> = Vec::new();
    let mut pos = 0;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    while let Some(found) = lower[pos..].find(MARK) {
        let value_start = pos + found + "src=\"".len();
        let Some(len) = html[value_start..].find('"') else {
            break;
        };
        let value = &html[value_start..value_start + len];
        let picture = value
            .split_once(',')
            .filter(|(head, _)| head.to_ascii_lowercase().ends_with(";base64"))
            .and_then(|(_, payload)| {
                let clean: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD.decode(clean).ok()
            })
            .and_then(|data| picture_type(&data).map(|t| (t, data)));
        out.push_str(&html[pos..value_start]);
        match picture {
            Some((content_type, data)) => {
                let cid = match pictures.iter().find(|(v, _)| v == value) {
                    Some((_, p)) => p.cid.clone(),
                    None => {
                        let cid = format!("picture{}.{tag}@{domain}", pictures.len() + 1);
                        pictures.push((
                            value.to_owned(),
                            InlinePicture {
                                cid: cid.clone(),
                                content_type,
                                data,
                            },
                        ));
                        cid
                    }
                };
                out.push_str("cid:");
                out.push_str(&cid);
            }
            None => out.push_str(value),
        }
        pos = value_start + len;
    }
    out.push_str(&html[pos..]);
    (out, pictures.into_iter().map(|(_, p)| p).collect())
}

/// The other way, for a saved draft going on: every `src="cid:…"` naming one of `inline`
/// (Content-ID → `data:` URI, as [`crate::mail_view::mime_parts`] reads them) gets the picture
/// back as a `data:` URI, so the editor shows it and sending builds the part again.
pub fn pictures_back(html: &str, inline: &std::collections::HashMap<String, String>) -> String {
    if inline.is_empty() {
        return html.to_owned();
    }
    const MARK: &str = "src=\"cid:";
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(MARK) {
        let value_start = pos + found + "src=\"".len();
        let Some(len) = html[value_start..].find('"') else {
            break;
        };
        let cid = &html[value_start + "cid:".len()..value_start + len];
        out.push_str(&html[pos..value_start]);
        match inline.get(cid) {
            Some(uri) => out.push_str(uri),
            None => out.push_str(&html[value_start..value_start + len]),
        }
        pos = value_start + len;
    }
    out.push_str(&html[pos..]);
    out
}

impl Signatures {
    /// The list as it may be stored and sent: each HTML through the same sanitiser as a shown
    /// message (no script, no event handler, no remote image; links only http/https/mailto),
    /// names trimmed, ids unique and non-empty, defaults that name no signature dropped.
    /// Fails on too many or too large signatures.
    pub fn cleaned(&self) -> Result<Signatures, String> {
        if self.list.len() > MAX_SIGNATURES {
            return Err(format!(
                "at most {MAX_SIGNATURES} signatures, not {}",
                self.list.len()
            ));
        }
        let mut list: Vec<Signature> = Vec::with_capacity(self.list.len());
        for (i, s) in self.list.iter().enumerate() {
            if s.html.len() > MAX_SIGNATURE_HTML {
                return Err(format!(
                    "the signature {:?} is larger than {} KB",
                    s.name,
                    MAX_SIGNATURE_HTML / 1024
                ));
            }
            let mut id = s.id.trim().to_owned();
            if id.is_empty() || list.iter().any(|o| o.id == id) {
                id = format!("s{}", i + 1);
                while list.iter().any(|o| o.id == id) {
                    id.push('x');
                }
            }
            let html =
                crate::mail_view::sanitize_html(&s.html, &std::collections::HashMap::new(), false)
                    .html;
            list.push(Signature {
                id,
                name: s.name.trim().to_owned(),
                html,
            });
        }
        let known = |d: &Option<String>| d.clone().filter(|d| list.iter().any(|s| &s.id == d));
        Ok(Signatures {
            new_mail: known(&self.new_mail),
            reply: known(&self.reply),
            list,
        })
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The quote as HTML: the header block, then the original's (already sanitised) HTML in a
/// blockquote, or its plain text, escaped, when it has no HTML.
pub fn quote_html(header: &[String], original_html: &str, original_text: &str) -> String {
    let head: Vec<String> = header.iter().map(|l| escape_html(l)).collect();
    let body = if original_html.trim().is_empty() {
        format!(
            "<div style=\"white-space:pre-wrap\">{}</div>",
            escape_html(original_text)
        )
    } else {
        original_html.to_owned()
    };
    format!(
        "<div class=\"kontor-quote\"><p>{}</p><blockquote type=\"cite\">{}</blockquote></div>",
        head.join("<br>"),
        body
    )
}

/// The text part of an HTML body (mail-parser's conversion: paragraphs and line breaks kept,
/// tags dropped, entities decoded), with runs of blank lines cut to one.
pub fn html_to_text(html: &str) -> String {
    let text = mail_parser::decoders::html::html_to_text(html);
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

/// An attachment to send: its file name, MIME type and bytes.
#[derive(Debug, Clone)]
pub struct OutgoingAttachment {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Everything [`build_message`] writes.
#[derive(Debug, Clone, Default)]
pub struct MessageParts<'a> {
    pub from: &'a str,
    pub to: &'a [String],
    pub cc: &'a [String],
    pub bcc: &'a [String],
    pub subject: &'a str,
    /// The HTML body; `None` for a plain-text message.
    pub html: Option<&'a str>,
    /// The text body (derived from `html` by the caller when written as HTML).
    pub text: &'a str,
    /// 0 low, 1 normal, 2 high (MS-ASEMAIL Importance).
    pub importance: i64,
    pub in_reply_to: Option<&'a str>,
    pub references: Option<&'a str>,
    pub attachments: &'a [OutgoingAttachment],
}

/// The MIME text of a message and its Message-ID (without brackets).
pub fn build_message(p: &MessageParts<'_>) -> (String, String) {
    let domain = p
        .from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>'))
        .unwrap_or("kontor.invalid");
    let message_id = format!("{}@{}", uuid::Uuid::new_v4().simple(), domain);
    let text = p.text.replace("\r\n", "\n").replace('\n', "\r\n");
    let (html, pictures) = match p.html {
        Some(h) => {
            let (h, pictures) = inline_pictures(h, domain);
            (Some(h), pictures)
        }
        None => (None, Vec::new()),
    };
    let mut m = MessageBuilder::new()
        .from(address(p.from))
        .to(addresses(p.to))
        .subject(p.subject)
        .message_id(message_id.as_str());
    match html {
        Some(html) if !pictures.is_empty() => {
            // multipart/related around the alternative and its pictures (RFC 2387, the form
            // Outlook and Thunderbird send), inside multipart/mixed when files are attached.
            let alternative = MimePart::new(
                "multipart/alternative",
                vec![
                    MimePart::new("text/plain", BodyPart::Text(text.into())),
                    MimePart::new("text/html", BodyPart::Text(html.into())),
                ],
            );
            let mut related = vec![alternative];
            related.extend(pictures.into_iter().map(|pic| {
                MimePart::new(pic.content_type, pic.data)
                    .inline()
                    .cid(pic.cid)
            }));
            let related = MimePart::new(
                ContentType::new("multipart/related").attribute("type", "multipart/alternative"),
                related,
            );
            let body = if p.attachments.is_empty() {
                related
            } else {
                let mut mixed = vec![related];
                mixed.extend(p.attachments.iter().map(|a| {
                    MimePart::new(a.content_type.clone(), a.data.clone()).attachment(a.name.clone())
                }));
                MimePart::new("multipart/mixed", mixed)
            };
            m = m.body(body);
        }
        Some(html) => {
            m = m.text_body(text).html_body(html);
        }
        None => {
            m = m.text_body(text);
        }
    }
    let attach_separately = m.body.is_none();
    if p.cc.iter().any(|a| !a.trim().is_empty()) {
        m = m.cc(addresses(p.cc));
    }
    if p.bcc.iter().any(|a| !a.trim().is_empty()) {
        m = m.bcc(addresses(p.bcc));
    }
    match p.importance {
        2 => {
            m = m
                .header("Importance", mail_builder::headers::raw::Raw::new("high"))
                .header("X-Priority", mail_builder::headers::raw::Raw::new("1"));
        }
        0 => {
            m = m
                .header("Importance", mail_builder::headers::raw::Raw::new("low"))
                .header("X-Priority", mail_builder::headers::raw::Raw::new("5"));
        }
        _ => {}
    }
    if let Some(r) = p.in_reply_to.filter(|r| !r.trim().is_empty()) {
        let r = r.trim().trim_start_matches('<').trim_end_matches('>');
        m = m.in_reply_to(r);
        let mut refs: Vec<&str> = p
            .references
            .unwrap_or_default()
            .split_whitespace()
            .map(|x| x.trim_start_matches('<').trim_end_matches('>'))
            .filter(|x| !x.is_empty() && *x != r)
            .collect();
        refs.push(r);
        m = m.references(refs);
    }
    if attach_separately {
        for a in p.attachments {
            m = m.attachment(a.content_type.clone(), a.name.clone(), a.data.clone());
        }
    }
    (m.write_to_string().unwrap_or_default(), message_id)
}

fn address(text: &str) -> MbAddress<'static> {
    match parse_recipients(text).into_iter().next() {
        Some(r) if !r.name.is_empty() => MbAddress::new_address(Some(r.name), r.address),
        Some(r) => MbAddress::new_address(None::<String>, r.address),
        None => MbAddress::new_address(None::<String>, text.trim().to_owned()),
    }
}

fn addresses(list: &[String]) -> MbAddress<'static> {
    MbAddress::new_list(
        list.iter()
            .flat_map(|a| parse_recipients(a))
            .map(|r| {
                if r.name.is_empty() {
                    MbAddress::new_address(None::<String>, r.address)
                } else {
                    MbAddress::new_address(Some(r.name), r.address)
                }
            })
            .collect(),
    )
}

/// A MIME type for a file name's extension (what mail programs send for the common office
/// files); `application/octet-stream` otherwise.
pub fn content_type_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" | "log" | "csv" => "text/plain",
        "htm" | "html" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "ics" => "text/calendar",
        "eml" => "message/rfc822",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn pasted_recipient_lists_become_separate_recipients() {
        let r = parse_recipients(
            "Bob Baker <bob@kontor.test>; carol@kontor.test, \"Baker, Bob\" <bob2@kontor.test>\n<dave@x.de>;; nonsense",
        );
        let got: Vec<(&str, &str, bool)> = r
            .iter()
            .map(|r| (r.name.as_str(), r.address.as_str(), r.valid))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Bob Baker", "bob@kontor.test", true),
                ("", "carol@kontor.test", true),
                ("Baker, Bob", "bob2@kontor.test", true),
                ("", "dave@x.de", true),
                ("", "nonsense", false),
            ]
        );
        assert_eq!(r[2].display(), "\"Baker, Bob\" <bob2@kontor.test>");
        assert_eq!(r[0].display(), "Bob Baker <bob@kontor.test>");
        assert!(parse_recipients("  ;, ").is_empty());
        for bad in [
            "a@b", "@b.de", "a b@c.de", "a@.de", "a@b..de", "a@b.de.", "a@@b.de",
        ] {
            assert!(!valid_address(bad), "{bad} should be invalid");
        }
        assert!(valid_address("mailto:x@y.de".trim_start_matches("mailto:")));
        assert_eq!(parse_recipients("mailto:x@y.de")[0].address, "x@y.de");
    }

    #[test]
    fn address_book_matches_address_name_and_later_words() {
        let book = vec![
            ("Bob Baker".to_owned(), "bob@kontor.test".to_owned(), 9),
            (
                "Müller GmbH".to_owned(),
                "info@mueller.example".to_owned(),
                5,
            ),
            (String::new(), "baker.street@example.de".to_owned(), 1),
        ];
        let addrs = |q: &str, n: usize| -> Vec<&str> {
            match_addresses(&book, q, n)
                .map(|(_, a, _)| a.as_str())
                .collect()
        };
        assert_eq!(
            addrs("bak", 10),
            ["bob@kontor.test", "baker.street@example.de"]
        );
        assert_eq!(addrs("MÜL", 10), ["info@mueller.example"]);
        assert_eq!(addrs("gmbh", 10), ["info@mueller.example"]);
        assert_eq!(addrs("info@", 10), ["info@mueller.example"]);
        assert!(addrs("aker", 10).is_empty(), "not the middle of a word");
        assert_eq!(addrs("", 2).len(), 2);
    }

    #[test]
    fn prefixes_are_not_piled_up() {
        assert_eq!(reply_subject("Angebot", Lang::De), "AW: Angebot");
        assert_eq!(reply_subject("AW: Angebot", Lang::De), "AW: Angebot");
        assert_eq!(
            reply_subject("RE: AW: Re[2]: Angebot", Lang::De),
            "AW: Angebot"
        );
        assert_eq!(reply_subject("WG: Angebot", Lang::En), "RE: Angebot");
        assert_eq!(forward_subject("Fwd: FW: Angebot", Lang::De), "WG: Angebot");
        assert_eq!(forward_subject("aw:Angebot", Lang::En), "FW: Angebot");
        assert_eq!(forward_subject("AW(3): Angebot", Lang::En), "FW: Angebot");
        // Words that merely start like a prefix stay.
        assert_eq!(reply_subject("Rechnung 42", Lang::De), "AW: Rechnung 42");
        assert_eq!(reply_subject("Away: Urlaub", Lang::En), "RE: Away: Urlaub");
        assert_eq!(reply_subject("", Lang::En), "RE:");
    }

    fn original() -> QuotedOriginal<'static> {
        QuotedOriginal {
            from: "Bob Baker <bob@kontor.test>".into(),
            sent: FixedOffset::east_opt(3600)
                .unwrap()
                .with_ymd_and_hms(2026, 12, 4, 14, 5, 0)
                .unwrap(),
            to: vec!["Alice Adams <alice@kontor.test>".into()],
            cc: vec![],
            subject: "Angebot",
        }
    }

    #[test]
    fn quote_header_in_both_languages() {
        assert_eq!(
            quote_header(&original(), Lang::De),
            vec![
                "-----Ursprüngliche Nachricht-----",
                "Von: Bob Baker <bob@kontor.test>",
                "Gesendet: Freitag, 4. Dezember 2026 14:05",
                "An: Alice Adams <alice@kontor.test>",
                "Betreff: Angebot",
            ]
        );
        let mut o = original();
        o.cc = vec!["carol@kontor.test".into(), "dave@kontor.test".into()];
        assert_eq!(
            quote_header(&o, Lang::En),
            vec![
                "-----Original Message-----",
                "From: Bob Baker <bob@kontor.test>",
                "Sent: Friday, December 4, 2026 2:05 PM",
                "To: Alice Adams <alice@kontor.test>",
                "Cc: carol@kontor.test; dave@kontor.test",
                "Subject: Angebot",
            ]
        );
        let html = quote_html(&quote_header(&o, Lang::En), "", "a < b");
        assert!(html.contains("From: Bob Baker &lt;bob@kontor.test&gt;<br>"));
        assert!(html.contains("a &lt; b"));
    }

    #[test]
    fn thunderbird_quote_style_in_both_languages() {
        let mut o = original();
        assert_eq!(
            quote_lines(&o, Lang::De, QuoteStyle::Thunderbird, false),
            vec!["Am 04.12.2026 um 14:05 schrieb Bob Baker:"]
        );
        assert_eq!(
            quote_lines(&o, Lang::En, QuoteStyle::Thunderbird, false),
            vec!["On 12/4/2026 2:05 PM, Bob Baker wrote:"]
        );
        o.from = "bob@kontor.test".into();
        assert_eq!(
            attribution(&o, Lang::En),
            "On 12/4/2026 2:05 PM, bob@kontor.test wrote:"
        );
        o.cc = vec!["carol@kontor.test".into()];
        assert_eq!(
            quote_lines(&o, Lang::De, QuoteStyle::Thunderbird, true),
            vec![
                "-------- Weitergeleitete Nachricht --------",
                "Betreff: Angebot",
                "Datum: Freitag, 4. Dezember 2026 14:05",
                "Von: bob@kontor.test",
                "An: Alice Adams <alice@kontor.test>",
                "CC: carol@kontor.test",
            ]
        );
        assert_eq!(
            quote_lines(&o, Lang::En, QuoteStyle::Thunderbird, true)[0],
            "-------- Forwarded Message --------"
        );
        // Outlook's block for replies and forwards alike.
        assert_eq!(
            quote_lines(&o, Lang::De, QuoteStyle::Outlook, true),
            quote_header(&o, Lang::De)
        );
        let html = quote_html(
            &quote_lines(&o, Lang::En, QuoteStyle::Thunderbird, false),
            "<p>x</p>",
            "",
        );
        assert!(
            html.contains("<p>On 12/4/2026 2:05 PM, bob@kontor.test wrote:</p><blockquote"),
            "{html}"
        );
    }

    #[test]
    fn signatures_are_sanitised_and_defaults_checked() {
        let s = Signatures {
            list: vec![
                Signature {
                    id: "a".into(),
                    name: " Büro ".into(),
                    html: "<p onclick=\"x()\"><b>Alice</b><script>alert(1)</script>\
                           <img src=\"https://tracker.example/x.png\"> \
                           <a href=\"javascript:alert(1)\">x</a> <a href=\"https://kontor.test\">web</a></p>"
                        .into(),
                },
                Signature {
                    id: "a".into(),
                    name: "Kurz".into(),
                    html: "<p>Gruß, Alice</p>".into(),
                },
            ],
            new_mail: Some("a".into()),
            reply: Some("gone".into()),
        }
        .cleaned()
        .unwrap();
        let html = &s.list[0].html;
        assert!(html.contains("<b>Alice</b>"), "{html}");
        for bad in ["onclick", "script", "alert", "tracker", "javascript"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("href=\"https://kontor.test\""), "{html}");
        // The compose window's own blocks keep their class (a draft knows its signature again);
        // other classes go.
        let kept = crate::mail_view::sanitize_html(
            "<div class=\"kontor-signature\"><p class=\"MsoNormal\">A</p></div><div class=\"x\">B</div>",
            &std::collections::HashMap::new(),
            false,
        )
        .html;
        assert_eq!(
            kept,
            "<div class=\"kontor-signature\"><p>A</p></div><div class=\"\">B</div>"
        );
        assert_eq!(s.list[0].name, "Büro");
        assert_ne!(s.list[1].id, "a", "ids are made unique");
        assert_eq!(s.new_mail.as_deref(), Some("a"));
        assert_eq!(s.reply, None, "a default naming no signature is none");
        let huge = Signatures {
            list: vec![Signature {
                id: "x".into(),
                name: "x".into(),
                html: "x".repeat(MAX_SIGNATURE_HTML + 1),
            }],
            ..Default::default()
        };
        assert!(huge.cleaned().is_err());
    }

    #[test]
    fn a_plain_text_message_has_no_html_part() {
        let to = vec!["bob@kontor.test".to_owned()];
        let (mime, _) = build_message(&MessageParts {
            from: "alice@kontor.test",
            to: &to,
            subject: "Nur Text",
            html: None,
            text: "Hallo Bob,\n\n> zitiert\n-- \nAlice",
            ..Default::default()
        });
        let head = &mime[..mime.find("\r\n\r\n").unwrap()];
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/plain"),
            "{head}"
        );
        assert!(!mime.to_ascii_lowercase().contains("text/html"), "{mime}");
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        assert_eq!(
            parsed.body_text(0).as_deref(),
            Some("Hallo Bob,\r\n\r\n> zitiert\r\n-- \r\nAlice")
        );
    }

    #[test]
    fn html_body_gives_a_readable_text_part() {
        let text = html_to_text(
            "<p>Hallo <b>Bob</b>,</p><p>anbei &amp; wie besprochen:</p><ul><li>eins</li><li>zwei</li></ul><p></p><p></p><p>Gr&uuml;&szlig;e<br>Alice</p>",
        );
        assert!(text.starts_with("Hallo Bob,"), "{text}");
        assert!(text.contains("anbei & wie besprochen:"), "{text}");
        assert!(text.contains("eins") && text.contains("zwei"), "{text}");
        assert!(text.contains("Grüße\nAlice"), "{text}");
        assert!(!text.contains('<'), "{text}");
        assert!(!text.contains("\n\n\n"), "{text}");
    }

    #[test]
    fn message_is_multipart_alternative_with_attachment_bcc_and_threading() {
        let att = [OutgoingAttachment {
            name: "Angebot.pdf".into(),
            content_type: content_type_for("Angebot.pdf").into(),
            data: b"%PDF-1.4 test".to_vec(),
        }];
        let to = vec!["Bob Baker <bob@kontor.test>".to_owned()];
        let bcc = vec!["carol@kontor.test".to_owned()];
        let (mime, id) = build_message(&MessageParts {
            from: "alice@kontor.test",
            to: &to,
            bcc: &bcc,
            subject: "AW: Angebot",
            html: Some("<p><b>fett</b></p>"),
            text: "fett",
            importance: 2,
            in_reply_to: Some("<orig@kontor.test>"),
            references: Some("<first@kontor.test> <orig@kontor.test>"),
            attachments: &att,
            ..Default::default()
        });
        assert!(id.ends_with("@kontor.test"));
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        assert_eq!(parsed.body_html(0).as_deref(), Some("<p><b>fett</b></p>"));
        assert_eq!(parsed.body_text(0).as_deref(), Some("fett"));
        assert_eq!(parsed.attachment_count(), 1);
        assert_eq!(parsed.attachment(0).unwrap().contents(), b"%PDF-1.4 test");
        assert!(
            mime.contains("Bcc: <carol@kontor.test>") || mime.contains("Bcc: carol@kontor.test")
        );
        assert!(mime.contains("Importance: high"));
        assert_eq!(parsed.in_reply_to().as_text(), Some("orig@kontor.test"));
        let refs: Vec<String> = parsed
            .references()
            .as_text_list()
            .unwrap_or_default()
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(refs, vec!["first@kontor.test", "orig@kontor.test"]);
    }

    /// The first bytes of a PNG file and some more: what the type sniffing reads.
    fn png() -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend((0u8..=255).cycle().take(3000));
        b
    }

    #[test]
    fn a_picture_file_is_read_by_its_bytes_and_refused_when_too_large_or_no_picture() {
        let uri = picture_data_uri(&png()).unwrap();
        assert!(
            uri.starts_with("data:image/png;base64,iVBORw0KGgo"),
            "{uri}"
        );
        let jpeg = picture_data_uri(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]).unwrap();
        assert!(jpeg.starts_with("data:image/jpeg;base64,"), "{jpeg}");
        let not = picture_data_uri(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err();
        assert!(not.contains("not a PNG, JPEG or GIF"), "{not}");
        let mut big = png();
        big.resize(MAX_PICTURE + 1, 0);
        let big = picture_data_uri(&big).unwrap_err();
        assert!(
            big.contains("5121 KB") && big.contains("at most 5120 KB"),
            "{big}"
        );
    }

    #[test]
    fn pictures_in_the_text_go_as_inline_parts_named_by_cid() {
        use base64::Engine as _;
        let uri = picture_data_uri(&png()).unwrap();
        let html = format!(
            "<p>Hallo</p><div class=\"kontor-signature\"><p><img src=\"{uri}\" alt=\"Logo\">\
             Alice</p><p><img src=\"{uri}\"></p><p><img src=\"data:image/png;base64,@@\"></p></div>"
        );
        let att = [OutgoingAttachment {
            name: "Angebot.pdf".into(),
            content_type: "application/pdf".into(),
            data: b"%PDF-1.4 test".to_vec(),
        }];
        let to = vec!["bob@kontor.test".to_owned()];
        let (mime, _) = build_message(&MessageParts {
            from: "alice@kontor.test",
            to: &to,
            subject: "Logo",
            html: Some(&html),
            text: "Hallo\n\nAlice",
            attachments: &att,
            ..Default::default()
        });
        let lower = mime.to_ascii_lowercase();
        assert!(lower.contains("content-type: multipart/mixed"), "{mime}");
        assert!(
            lower.contains("content-type: multipart/related")
                && lower.contains("multipart/alternative"),
            "{mime}"
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        let sent_html = parsed.body_html(0).unwrap().into_owned();
        assert!(
            !sent_html.contains(&uri),
            "the picture is not in the HTML: {sent_html}"
        );
        assert!(
            sent_html.contains("data:image/png;base64,@@"),
            "what does not decode stays: {sent_html}"
        );
        assert_eq!(parsed.body_text(0).as_deref(), Some("Hallo\r\n\r\nAlice"));
        let parts = crate::mail_view::mime_parts(mime.as_bytes()).unwrap();
        assert_eq!(parts.inline.len(), 1, "the same picture twice is one part");
        let (cid, back) = parts.inline.iter().next().unwrap();
        assert!(cid.ends_with("@kontor.test"), "{cid}");
        assert_eq!(
            sent_html.matches(&format!("src=\"cid:{cid}\"")).count(),
            2,
            "{sent_html}"
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(back.trim_start_matches("data:image/png;base64,"))
            .unwrap();
        assert_eq!(bytes, png(), "the part holds the picture byte for byte");
        let pdf = parsed
            .attachments()
            .find(|a| mail_parser::MimeHeaders::attachment_name(*a) == Some("Angebot.pdf"))
            .expect("the file is still attached");
        assert_eq!(pdf.contents(), b"%PDF-1.4 test");
        // A draft going on gets its pictures back as the editor had them.
        assert_eq!(pictures_back(&sent_html, &parts.inline), html);
        let draft = crate::store::messages::draft_content(&mime).unwrap();
        assert_eq!(draft.html.as_deref(), Some(html.as_str()));
    }

    #[test]
    fn without_attachments_the_pictures_message_is_multipart_related() {
        let uri = picture_data_uri(&png()).unwrap();
        let html = format!("<p><img src=\"{uri}\"></p>");
        let to = vec!["bob@kontor.test".to_owned()];
        let (mime, _) = build_message(&MessageParts {
            from: "alice@kontor.test",
            to: &to,
            subject: "Logo",
            html: Some(&html),
            text: "",
            ..Default::default()
        });
        let head = mime[..mime.find("\r\n\r\n").unwrap()].to_ascii_lowercase();
        assert!(head.contains("content-type: multipart/related"), "{head}");
        let parsed = mail_parser::MessageParser::default()
            .parse(mime.as_bytes())
            .unwrap();
        assert!(parsed.body_html(0).unwrap().contains("src=\"cid:picture1."));
    }
}
