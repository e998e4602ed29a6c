//! RFC 5545 §3.1 content lines and the component tree.
//!
//! The reader is lenient: it accepts LF as well as CRLF, unfolds continuation lines that start
//! with a space or a tab, tolerates lower-case names, skips lines without a colon (with a
//! trace), and closes components that were left open at the end of the input. Property values
//! are kept as the raw text; typed access lives in [`crate::value`]. Nothing is dropped, so an
//! item read from a server and written back keeps every property it had, including `X-` ones.
//!
//! The writer is strict: CRLF line ends, lines folded at 75 octets without splitting a UTF-8
//! sequence (§3.1), parameter values quoted when they contain `:`, `;` or `,` (§3.2).

use crate::Error;

/// One `NAME;PARAM=VALUE:value` line after unfolding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentLine {
    /// Upper-cased property name.
    pub name: String,
    /// Parameters in input order; names upper-cased, values unquoted.
    pub params: Vec<(String, String)>,
    /// The raw value text (still TEXT-escaped where the property is TEXT).
    pub value: String,
}

impl ContentLine {
    pub fn new(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_ascii_uppercase(),
            params: Vec::new(),
            value: value.into(),
        }
    }

    pub fn with_param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.push((name.to_ascii_uppercase(), value.into()));
        self
    }

    /// First value of a parameter, by case-insensitive name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A `BEGIN:X … END:X` block with its properties and sub-components.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Component {
    /// Upper-cased component name (`VCALENDAR`, `VEVENT`, `VALARM`, …).
    pub name: String,
    pub props: Vec<ContentLine>,
    pub children: Vec<Component>,
}

impl Component {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_ascii_uppercase(),
            ..Default::default()
        }
    }

    pub fn prop(&self, name: &str) -> Option<&ContentLine> {
        self.props.iter().find(|p| p.name == name)
    }

    pub fn props_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ContentLine> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }

    pub fn push(&mut self, line: ContentLine) {
        self.props.push(line);
    }
}

/// Maximum nesting depth accepted (VCALENDAR > VEVENT > VALARM is 3; real data never needs 16).
const MAX_DEPTH: usize = 16;

/// Unfolds the input into logical lines (RFC 5545 §3.1), on the raw octets: a fold may fall
/// inside a multi-octet UTF-8 character (§3.1 says SHOULD NOT, some servers do), so lines
/// are joined first and decoded afterwards. Invalid UTF-8 left after joining becomes U+FFFD.
fn unfold(input: &[u8]) -> Vec<String> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for raw in input.split(|&b| b == b'\n') {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if let [b' ' | b'\t', rest @ ..] = raw
            && let Some(last) = lines.last_mut()
        {
            last.extend_from_slice(rest);
            continue;
        }
        lines.push(raw.to_vec());
    }
    lines
        .into_iter()
        .map(|l| match String::from_utf8(l) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
        .collect()
}

/// Splits one logical line into name, parameters and value. Returns `None` when there is no
/// colon outside quotes.
pub fn parse_line(line: &str) -> Option<ContentLine> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = split_unquoted(head, ';').into_iter();
    let name = parts.next()?.trim().to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    for part in parts {
        let (pname, pvalue) = match part.split_once('=') {
            Some((n, v)) => (n, v),
            None => (part, ""),
        };
        let pvalue = pvalue.trim();
        let pvalue = pvalue
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(pvalue)
            .replace("^n", "\n")
            .replace("^'", "\"")
            .replace("^^", "^"); // RFC 6868
        params.push((pname.trim().to_ascii_uppercase(), pvalue));
    }
    Some(ContentLine {
        name,
        params,
        value: value.to_string(),
    })
}

fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    out.push(&s[start..]);
    out
}

/// Parses an iCalendar stream into its top-level components (normally one `VCALENDAR`).
pub fn parse_components(input: &str) -> Result<Vec<Component>, Error> {
    parse_components_bytes(input.as_bytes())
}

/// [`parse_components`] on the octets as received: folds are removed before UTF-8 decoding
/// (RFC 5545 §3.1), so a character split by a fold survives. Prefer this where the text
/// arrives as bytes; decoding first turns such a character into two U+FFFD.
pub fn parse_components_bytes(input: &[u8]) -> Result<Vec<Component>, Error> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut stack: Vec<Component> = Vec::new();
    let mut roots = Vec::new();
    for (no, line) in unfold(input).into_iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some(cl) = parse_line(&line) else {
            tracing::trace!(line = no + 1, "skipping iCalendar line without a colon");
            continue;
        };
        match cl.name.as_str() {
            "BEGIN" => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::Parse(format!(
                        "line {}: components nested too deep",
                        no + 1
                    )));
                }
                stack.push(Component::new(cl.value.trim()));
            }
            "END" => {
                let name = cl.value.trim().to_ascii_uppercase();
                // Close up to and including the matching component; a stray END is ignored.
                if stack.iter().any(|c| c.name == name) {
                    loop {
                        let done = stack.pop().expect("non-empty: a match exists");
                        let matched = done.name == name;
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(done),
                            None => roots.push(done),
                        }
                        if matched {
                            break;
                        }
                    }
                } else {
                    tracing::trace!(line = no + 1, %name, "ignoring END without BEGIN");
                }
            }
            _ => match stack.last_mut() {
                Some(c) => c.props.push(cl),
                None => tracing::trace!(line = no + 1, "ignoring property outside any component"),
            },
        }
    }
    // Unterminated components are closed, not dropped.
    while let Some(done) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => roots.push(done),
        }
    }
    if roots.is_empty() {
        return Err(Error::Parse("no BEGIN:VCALENDAR found".into()));
    }
    Ok(roots)
}

fn needs_quotes(v: &str) -> bool {
    v.contains([':', ';', ','])
}

/// Writes one content line, folded at 75 octets (RFC 5545 §3.1).
pub fn write_line(out: &mut String, line: &ContentLine) {
    let mut s = String::with_capacity(line.name.len() + line.value.len() + 16);
    s.push_str(&line.name);
    for (n, v) in &line.params {
        s.push(';');
        s.push_str(n);
        s.push('=');
        let v = v.replace('"', "'").replace(['\r', '\n'], " ");
        if needs_quotes(&v) {
            s.push('"');
            s.push_str(&v);
            s.push('"');
        } else {
            s.push_str(&v);
        }
    }
    s.push(':');
    // A raw value never contains a line break once written: TEXT escapes them.
    s.push_str(&line.value.replace("\r\n", "\\n").replace('\n', "\\n"));
    let mut width = 0;
    for ch in s.chars() {
        let w = ch.len_utf8();
        if width + w > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += w;
    }
    out.push_str("\r\n");
}

/// Writes a component and its children.
pub fn write_component(out: &mut String, c: &Component) {
    write_line(out, &ContentLine::new("BEGIN", c.name.clone()));
    for p in &c.props {
        write_line(out, p);
    }
    for child in &c.children {
        write_component(out, child);
    }
    write_line(out, &ContentLine::new("END", c.name.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_and_splits_params() {
        let src = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"Doe, Jane\";PARTSTAT=ACCEPTED:mailto:ja\r\n ne@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let roots = parse_components(src).unwrap();
        let ev = &roots[0].children[0];
        let att = ev.prop("ATTENDEE").unwrap();
        assert_eq!(att.param("cn"), Some("Doe, Jane"));
        assert_eq!(att.value, "mailto:jane@example.com");
    }

    #[test]
    fn folds_at_75_octets_without_splitting_utf8() {
        let line = ContentLine::new("SUMMARY", "ä".repeat(60));
        let mut out = String::new();
        write_line(&mut out, &line);
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        let back = parse_components(&format!("BEGIN:VCALENDAR\r\n{out}END:VCALENDAR\r\n")).unwrap();
        assert_eq!(back[0].props[0].value, "ä".repeat(60));
    }

    #[test]
    fn a_fold_inside_a_utf8_character_is_joined_before_decoding() {
        // "Grüße" folded between the two octets of "ü" (C3 BC).
        let src = b"BEGIN:VCALENDAR\r\nSUMMARY:Gr\xC3\r\n \xBC\xC3\x9Fe\r\nEND:VCALENDAR\r\n";
        let roots = parse_components_bytes(src).unwrap();
        assert_eq!(roots[0].props[0].value, "Grüße");
        // Decoding first (what a String-based reader gets) cannot recover it.
        let lossy = String::from_utf8_lossy(src);
        assert_ne!(parse_components(&lossy).unwrap()[0].props[0].value, "Grüße");
    }

    #[test]
    fn unterminated_components_are_kept() {
        let roots = parse_components("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n").unwrap();
        assert_eq!(roots[0].children[0].prop("UID").unwrap().value, "x");
    }

    #[test]
    fn empty_input_is_an_error() {
        assert!(parse_components("").is_err());
    }
}
