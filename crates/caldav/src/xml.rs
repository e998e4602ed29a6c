//! WebDAV XML: a small namespace-resolved element tree read with quick-xml, the multistatus
//! model (RFC 4918 §14.16) with the properties CalDAV clients use, and request bodies.
//!
//! Reading is lenient: unknown elements are skipped, a missing `status` counts as 200, text
//! is taken from any mix of text, CDATA and entity references, and a document that stops early
//! yields what was read so far when the `multistatus` element was seen. Nesting deeper than
//! [`MAX_DEPTH`] is an error rather than a stack overflow.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use crate::DavError;

pub const NS_DAV: &str = "DAV:";
pub const NS_CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const NS_CS: &str = "http://calendarserver.org/ns/";
pub const NS_ICAL: &str = "http://apple.com/ns/ical/";

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;

/// One element: namespace URI, local name, attributes (local name → value), text, children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Text of this element, trimmed.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }
}

/// Parses an XML document into its root element.
pub fn parse_tree(body: &str) -> Result<Element, DavError> {
    let mut reader = NsReader::from_str(body);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let ev = reader.read_resolved_event();
        let (res, ev) = match ev {
            Ok(x) => x,
            Err(e) => {
                // Lenient: keep what we have if the document root was already open.
                if let Some(first) = stack.drain(..).reduce(|mut parent, child| {
                    parent.children.push(child);
                    parent
                }) {
                    tracing::debug!(%e, "XML ended badly; using what was read");
                    return Ok(first);
                }
                return Err(DavError::Xml(e.to_string()));
            }
        };
        let ns_of = |r: &ResolveResult<'_>| match r {
            ResolveResult::Bound(ns) => ns.as_ref().to_string(),
            _ => String::new(),
        };
        match ev {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                let _ = e;
                // A second root element: ignore the rest.
                break;
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                if stack.len() >= MAX_DEPTH {
                    return Err(DavError::Xml(format!(
                        "elements nested deeper than {MAX_DEPTH}"
                    )));
                }
                let name = e.local_name().as_ref().to_string();
                let mut attrs = Vec::new();
                for a in e.attributes().flatten() {
                    let key = a.key.local_name().as_ref().to_string();
                    let val = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_else(|_| a.value.to_string());
                    attrs.push((key, val));
                }
                let el = Element {
                    ns: ns_of(&res),
                    name,
                    attrs,
                    text: String::new(),
                    children: Vec::new(),
                };
                if is_empty {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                if let Some(done) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => root = Some(done),
                    }
                }
            }
            Event::Text(t) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(cur) = stack.last_mut() {
                    cur.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(cur) = stack.last_mut() {
                    if r.is_char_ref() {
                        if let Ok(Some(c)) = r.resolve_char_ref() {
                            cur.text.push(c);
                        }
                    } else {
                        let name: &str = &r;
                        match quick_xml::escape::resolve_predefined_entity(name) {
                            Some(s) => cur.text.push_str(s),
                            None => tracing::trace!(entity = name, "unknown XML entity skipped"),
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(r) = root {
        return Ok(r);
    }
    // Unclosed elements at EOF: fold them up.
    stack
        .into_iter()
        .reduce(|mut parent, child| {
            parent.children.push(child);
            parent
        })
        .ok_or_else(|| DavError::Xml("empty XML document".into()))
}

/// The properties Kontor reads. Absent or 404 properties are `None`/empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Props {
    pub displayname: Option<String>,
    /// `resourcetype` children as `{ns}name`.
    pub resource_types: Vec<String>,
    pub calendar_color: Option<String>,
    pub ctag: Option<String>,
    pub sync_token: Option<String>,
    pub etag: Option<String>,
    pub calendar_data: Option<String>,
    /// `supported-calendar-component-set` (`VEVENT`, `VTODO`, …); `None` when not reported.
    pub supported_components: Option<Vec<String>>,
    /// `current-user-privilege-set` as `{ns}name`; `None` when not reported.
    pub privileges: Option<Vec<String>>,
    pub owner: Option<String>,
    pub current_user_principal: Option<String>,
    pub calendar_home_set: Vec<String>,
    pub calendar_user_address_set: Vec<String>,
}

impl Props {
    pub fn is_collection(&self) -> bool {
        self.resource_types.iter().any(|t| t == "{DAV:}collection")
    }

    pub fn is_calendar(&self) -> bool {
        self.resource_types
            .iter()
            .any(|t| t == "{urn:ietf:params:xml:ns:caldav}calendar")
    }
}

/// One `response` of a multistatus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// The href as sent (percent-encoded path or absolute URL).
    pub href: String,
    /// `response/status` (no propstat: e.g. 404 for a removed member in sync-collection).
    pub status: Option<u16>,
    /// Properties from the propstat blocks with a 2xx status.
    pub props: Props,
}

/// A parsed multistatus (RFC 4918 §13) with the RFC 6578 `sync-token`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multistatus {
    pub responses: Vec<Response>,
    pub sync_token: Option<String>,
}

fn key(e: &Element) -> String {
    format!("{{{}}}{}", e.ns, e.name)
}

/// Parses `HTTP/1.1 404 Not Found` → 404.
pub fn parse_status_line(s: &str) -> Option<u16> {
    s.split_whitespace().nth(1).and_then(|c| c.parse().ok())
}

fn hrefs(e: &Element) -> Vec<String> {
    e.children_named(NS_DAV, "href")
        .map(|h| h.trimmed().to_string())
        .filter(|h| !h.is_empty())
        .collect()
}

fn read_props(prop: &Element, out: &mut Props) {
    for p in &prop.children {
        let text = || Some(p.trimmed().to_string()).filter(|s| !s.is_empty());
        match (p.ns.as_str(), p.name.as_str()) {
            (NS_DAV, "displayname") => out.displayname = Some(p.trimmed().to_string()),
            (NS_DAV, "resourcetype") => out.resource_types = p.children.iter().map(key).collect(),
            (NS_ICAL, "calendar-color") => out.calendar_color = text(),
            (NS_CS, "getctag") => out.ctag = text(),
            (NS_DAV, "sync-token") => out.sync_token = text(),
            (NS_DAV, "getetag") => out.etag = text(),
            (NS_CALDAV, "calendar-data") => out.calendar_data = Some(p.text.clone()),
            (NS_CALDAV, "supported-calendar-component-set") => {
                out.supported_components = Some(
                    p.children_named(NS_CALDAV, "comp")
                        .filter_map(|c| c.attr("name").map(|n| n.to_ascii_uppercase()))
                        .collect(),
                )
            }
            (NS_DAV, "current-user-privilege-set") => {
                out.privileges = Some(
                    p.children_named(NS_DAV, "privilege")
                        .flat_map(|pr| pr.children.iter().map(key))
                        .collect(),
                )
            }
            (NS_DAV, "owner") => out.owner = hrefs(p).into_iter().next(),
            (NS_DAV, "current-user-principal") => {
                out.current_user_principal = hrefs(p).into_iter().next()
            }
            (NS_CALDAV, "calendar-home-set") => out.calendar_home_set = hrefs(p),
            (NS_CALDAV, "calendar-user-address-set") => out.calendar_user_address_set = hrefs(p),
            _ => tracing::trace!(ns = %p.ns, name = %p.name, "ignoring property"),
        }
    }
}

/// Parses a multistatus body.
pub fn parse_multistatus(body: &str) -> Result<Multistatus, DavError> {
    let root = parse_tree(body)?;
    if !root.is(NS_DAV, "multistatus") {
        return Err(DavError::Xml(format!(
            "expected DAV:multistatus, got {{{}}}{}",
            root.ns, root.name
        )));
    }
    let mut ms = Multistatus {
        sync_token: root
            .child(NS_DAV, "sync-token")
            .map(|t| t.trimmed().to_string()),
        ..Default::default()
    };
    for r in root.children_named(NS_DAV, "response") {
        let Some(href) = r.child(NS_DAV, "href").map(|h| h.trimmed().to_string()) else {
            tracing::trace!("response without href skipped");
            continue;
        };
        let mut resp = Response {
            href,
            status: r
                .child(NS_DAV, "status")
                .and_then(|s| parse_status_line(s.trimmed())),
            props: Props::default(),
        };
        for ps in r.children_named(NS_DAV, "propstat") {
            let code = ps
                .child(NS_DAV, "status")
                .and_then(|s| parse_status_line(s.trimmed()))
                .unwrap_or(200);
            if (200..300).contains(&code)
                && let Some(prop) = ps.child(NS_DAV, "prop")
            {
                read_props(prop, &mut resp.props);
            }
        }
        ms.responses.push(resp);
    }
    Ok(ms)
}

/// The precondition element names of a DAV:error body (RFC 4918 §16), e.g. `valid-sync-token`.
pub fn error_conditions(body: &str) -> Vec<String> {
    match parse_tree(body) {
        Ok(root) if root.is(NS_DAV, "error") => {
            root.children.iter().map(|c| c.name.clone()).collect()
        }
        _ => Vec::new(),
    }
}

/// Escapes text for an XML body.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// PROPFIND body asking for `props` (each `(prefix, local)` with prefixes d/c/cs/ic).
pub fn propfind_body(props: &[&str]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:ic="http://apple.com/ns/ical/"><d:prop>"#,
    );
    for p in props {
        s.push('<');
        s.push_str(p);
        s.push_str("/>");
    }
    s.push_str("</d:prop></d:propfind>");
    s
}

/// sync-collection REPORT body (RFC 6578 §3.2), optionally with a result limit (§3.7).
pub fn sync_collection_body(token: Option<&str>, limit: Option<u32>) -> String {
    let mut s =
        String::from(r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">"#);
    match token {
        Some(t) => s.push_str(&format!("<d:sync-token>{}</d:sync-token>", escape(t))),
        None => s.push_str("<d:sync-token/>"),
    }
    s.push_str("<d:sync-level>1</d:sync-level>");
    if let Some(n) = limit {
        s.push_str(&format!("<d:limit><d:nresults>{n}</d:nresults></d:limit>"));
    }
    s.push_str("<d:prop><d:getetag/></d:prop></d:sync-collection>");
    s
}

/// calendar-multiget REPORT body (RFC 4791 §7.9).
pub fn multiget_body(hrefs: &[String]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>"#,
    );
    for h in hrefs {
        s.push_str(&format!("<d:href>{}</d:href>", escape(h)));
    }
    s.push_str("</c:calendar-multiget>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line("HTTP/1.1 404 Not Found"), Some(404));
        assert_eq!(parse_status_line("garbage"), None);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let body = "<a>".repeat(10_000);
        assert!(parse_tree(&body).is_err());
    }

    #[test]
    fn entities_cdata_and_prefixes() {
        let body = r#"<x:multistatus xmlns:x="DAV:"><x:response><x:href>/a%20b.ics</x:href><x:propstat><x:prop><x:getetag>&quot;1&quot;</x:getetag><y:calendar-data xmlns:y="urn:ietf:params:xml:ns:caldav"><![CDATA[BEGIN:VCALENDAR]]>&#13;
</y:calendar-data></x:prop></x:propstat></x:response></x:multistatus>"#;
        let ms = parse_multistatus(body).unwrap();
        let r = &ms.responses[0];
        assert_eq!(r.props.etag.as_deref(), Some("\"1\""));
        assert!(
            r.props
                .calendar_data
                .as_deref()
                .unwrap()
                .starts_with("BEGIN:VCALENDAR\r")
        );
    }

    #[test]
    fn not_a_multistatus() {
        assert!(parse_multistatus("<html><body>hi</body></html>").is_err());
        assert!(parse_multistatus("").is_err());
    }
}
