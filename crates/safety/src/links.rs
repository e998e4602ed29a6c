//! Link checks: where a link really goes, against what its text shows.
//!
//! Only `http`, `https` and `mailto` links may be opened. Every other scheme is blocked —
//! `javascript:`, `vbscript:`, `data:`, `file:` and anything unknown — after the href has been
//! cleaned the way a browser would read it (entities decoded, whitespace and control characters
//! removed, case folded), so `" JaVaScRiPt:"`, `"java\tscript:"` and `"&#106;avascript:"` are
//! all caught. An openable link is still worth a question when its text shows another domain,
//! when it points at a bare IP address (dotted, decimal or hexadecimal) or when its host is
//! internationalised.

use serde::Serialize;
use url::{Host, Position, Url};

use crate::domain::{host_forms, normalize_host, registrable_domain};

/// A byte range in [`LinkCheck::target`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ByteRange {
    /// First byte.
    #[specta(type = specta_typescript::Number)]
    pub start: usize,
    /// One past the last byte.
    #[specta(type = specta_typescript::Number)]
    pub end: usize,
}

/// Why a link is never opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum BlockedReason {
    /// `javascript:` runs script.
    JavaScript,
    /// `vbscript:` runs script.
    VbScript,
    /// `data:` carries its own document (a phishing page needs no server).
    Data,
    /// `file:` opens local or network (SMB) files.
    File,
    /// Any other scheme (`ms-msdt:`, `search-ms:`, `smb:`…), lower-cased.
    OtherScheme(String),
    /// No scheme (a relative link, which has no meaning in a mail) or not a valid URL.
    Invalid,
}

/// A reason to ask before opening a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum LinkWarning {
    /// The text looks like a URL, domain or address whose registrable domain differs from the
    /// target's.
    #[serde(rename_all = "camelCase")]
    TextShowsOtherDomain {
        /// The domain the text shows.
        shown: String,
        /// The domain the link goes to (registrable, or the host when there is none).
        target: String,
    },
    /// The host is an IP address (IPv4 in any notation, or IPv6).
    IpAddress,
    /// The host is internationalised; both forms for display.
    #[serde(rename_all = "camelCase")]
    Punycode {
        /// The Unicode form.
        unicode: String,
        /// The ASCII (punycode) form.
        ascii: String,
    },
}

/// What to do with a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum LinkVerdict {
    /// Open it (`http`, `https`, `mailto`, nothing odd).
    Open,
    /// Ask first, showing the warnings.
    Ask(Vec<LinkWarning>),
    /// Never open it.
    Blocked(BlockedReason),
}

/// The judgement of one link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkCheck {
    /// The target to display: the normalised URL (hosts in ASCII form), or the cleaned href
    /// when it is blocked.
    pub target: String,
    /// The target's host (ASCII), or a `mailto:` address's domain.
    pub host: Option<String>,
    /// The registrable domain of [`LinkCheck::host`].
    pub registrable_domain: Option<String>,
    /// Where [`LinkCheck::registrable_domain`] stands in [`LinkCheck::target`], to emphasise
    /// it.
    pub domain_range: Option<ByteRange>,
    /// What to do.
    pub verdict: LinkVerdict,
}

/// The longest href looked at; longer ones are blocked as invalid.
const MAX_HREF: usize = 64 * 1024;

/// Judges a link: `href` is the attribute value, `text` the link's visible text.
///
/// ```
/// use kontor_safety::{check_link, LinkVerdict, BlockedReason};
/// let check = check_link(" JaVa\tScRiPt:alert(1)", "click");
/// assert_eq!(check.verdict, LinkVerdict::Blocked(BlockedReason::JavaScript));
/// let check = check_link("https://login.kontor.de/", "Login");
/// assert_eq!(check.verdict, LinkVerdict::Open);
/// assert_eq!(&check.target[check.domain_range.unwrap().start..check.domain_range.unwrap().end], "kontor.de");
/// ```
pub fn check_link(href: &str, text: &str) -> LinkCheck {
    let cleaned = clean_href(href);
    let blocked = |reason| LinkCheck {
        target: cleaned.clone(),
        host: None,
        registrable_domain: None,
        domain_range: None,
        verdict: LinkVerdict::Blocked(reason),
    };
    if href.len() > MAX_HREF {
        return blocked(BlockedReason::Invalid);
    }
    let Some(scheme) = scheme_of(&cleaned) else {
        return blocked(BlockedReason::Invalid);
    };
    match scheme.as_str() {
        "http" | "https" | "mailto" => {}
        "javascript" => return blocked(BlockedReason::JavaScript),
        "vbscript" => return blocked(BlockedReason::VbScript),
        "data" => return blocked(BlockedReason::Data),
        "file" => return blocked(BlockedReason::File),
        _ => return blocked(BlockedReason::OtherScheme(scheme)),
    }
    // The target itself is parsed from the href as given: the URL parser strips and removes
    // whitespace as browsers do, and percent-encodes the rest, so the target is what would open.
    let Ok(url) = Url::parse(href) else {
        return blocked(BlockedReason::Invalid);
    };
    if url.scheme() != scheme {
        return blocked(BlockedReason::Invalid);
    }
    let target = url.as_str().to_owned();
    let mut warnings = Vec::new();

    let (host, host_range) = if scheme == "mailto" {
        mailto_host(&target)
    } else {
        match url.host() {
            Some(Host::Domain(_)) => {
                let start = url[..Position::BeforeHost].len();
                let end = url[..Position::AfterHost].len();
                (url.host_str().map(str::to_owned), Some((start, end)))
            }
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
                warnings.push(LinkWarning::IpAddress);
                (url.host_str().map(str::to_owned), None)
            }
            None => return blocked(BlockedReason::Invalid),
        }
    };
    if scheme != "mailto" && host.as_deref().is_none_or(str::is_empty) {
        return blocked(BlockedReason::Invalid);
    }

    let registrable = host.as_deref().and_then(registrable_domain);
    let domain_range = match (&registrable, host_range) {
        (Some(reg), Some((_, end))) if end >= reg.len() => Some(ByteRange {
            start: end - reg.len(),
            end,
        }),
        _ => None,
    };

    if let Some(forms) = host.as_deref().and_then(host_forms).filter(|f| f.is_idn) {
        warnings.push(LinkWarning::Punycode {
            unicode: forms.unicode,
            ascii: forms.ascii,
        });
    }

    if let Some(shown) = domain_shown_in(text) {
        let target_domain = registrable.clone().or_else(|| host.clone());
        let shown_domain = registrable_domain(&shown).unwrap_or(shown);
        if let Some(target_domain) = target_domain
            && shown_domain != target_domain
        {
            warnings.insert(
                0,
                LinkWarning::TextShowsOtherDomain {
                    shown: shown_domain,
                    target: target_domain,
                },
            );
        }
    }

    LinkCheck {
        target,
        host,
        registrable_domain: registrable,
        domain_range,
        verdict: if warnings.is_empty() {
            LinkVerdict::Open
        } else {
            LinkVerdict::Ask(warnings)
        },
    }
}

/// The href as a browser reads it: character references decoded, ASCII whitespace and control
/// characters removed (browsers strip tab and newline anywhere and controls at the ends; here
/// they go everywhere, which only makes the scheme check stricter).
fn clean_href(href: &str) -> String {
    let decoded = decode_entities(href);
    decoded
        .chars()
        .filter(|c| !(c.is_ascii_whitespace() || c.is_control() || *c == '\u{0}'))
        .collect()
}

/// Decodes numeric character references (`&#106;`, `&#x6A;`) and the named ones used to hide
/// a scheme (`&colon;`, `&Tab;`, `&NewLine;`, `&amp;`…), leaving anything else as written.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let end = rest
            .char_indices()
            .skip(1)
            .take(12)
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'))
            .map_or(rest.len().min(13), |(i, _)| i);
        let body = &rest[1..end];
        let decoded = if let Some(num) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X"))
        {
            u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
        } else if let Some(num) = body.strip_prefix('#') {
            num.parse::<u32>().ok().and_then(char::from_u32)
        } else {
            match body.to_ascii_lowercase().as_str() {
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                "amp" => Some('&'),
                "sol" => Some('/'),
                "period" => Some('.'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => None,
            }
        };
        match decoded {
            Some(c) if !body.is_empty() => {
                out.push(c);
                rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The lower-cased scheme of a cleaned href, if it starts with a syntactically valid one.
fn scheme_of(href: &str) -> Option<String> {
    let colon = href.find(':')?;
    let scheme = &href[..colon];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// The domain of a `mailto:` target and its byte range in the target.
fn mailto_host(target: &str) -> (Option<String>, Option<(usize, usize)>) {
    let body_end = target.find('?').unwrap_or(target.len());
    let first_end = target[..body_end].find(',').unwrap_or(body_end);
    let Some(at) = target[..first_end].rfind('@') else {
        return (None, None);
    };
    let raw = &target[at + 1..first_end];
    let host = normalize_host(&percent_decode(raw));
    let range = (host.as_deref() == Some(raw)).then_some((at + 1, first_end));
    (host, range)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The host a link text shows, if the text looks like a URL, a domain or a mail address:
/// `https://www.paypal.com/login`, `www.paypal.com`, `paypal.com/login`, `service@paypal.com`.
/// Plain words and dotted things without a known public suffix (`Version 2.0`) are not domains.
fn domain_shown_in(text: &str) -> Option<String> {
    let text = text.trim().trim_matches(|c: char| "<>()[]\"'".contains(c));
    if text.is_empty() || text.len() > 2048 || text.contains(char::is_whitespace) {
        return None;
    }
    let lower = text.to_lowercase();
    let rest = lower
        .strip_prefix("mailto:")
        .or_else(|| lower.split_once("://").map(|(_, r)| r))
        .unwrap_or(&lower);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, domain)| domain);
    let host_end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
    let host = rest[..host_end].trim_end_matches('.');
    if !host.contains('.') {
        return None;
    }
    let ascii = normalize_host(host)?;
    if ascii.parse::<std::net::IpAddr>().is_ok() {
        return Some(ascii);
    }
    let suffix_known = psl::suffix(ascii.as_bytes()).is_some_and(|s| s.is_known());
    suffix_known.then_some(ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(href: &str) -> Option<BlockedReason> {
        match check_link(href, "").verdict {
            LinkVerdict::Blocked(r) => Some(r),
            _ => None,
        }
    }

    fn warnings(href: &str, text: &str) -> Vec<LinkWarning> {
        match check_link(href, text).verdict {
            LinkVerdict::Ask(w) => w,
            LinkVerdict::Open => Vec::new(),
            LinkVerdict::Blocked(r) => panic!("blocked: {r:?}"),
        }
    }

    #[test]
    fn plain_links_open() {
        let c = check_link("https://www.kontor.de/intranet?a=1", "Intranet");
        assert_eq!(c.verdict, LinkVerdict::Open);
        assert_eq!(c.host.as_deref(), Some("www.kontor.de"));
        assert_eq!(c.registrable_domain.as_deref(), Some("kontor.de"));
        let r = c.domain_range.unwrap();
        assert_eq!(&c.target[r.start..r.end], "kontor.de");
        assert_eq!(
            check_link("HTTP://Example.COM", "").target,
            "http://example.com/"
        );
        // The target is what a browser opens: spaces encoded, `&amp;` left alone.
        assert_eq!(
            check_link(" https://example.com/a b?x=1&amp;y\n", "").target,
            "https://example.com/a%20b?x=1&amp;y"
        );
        // The text showing the same registrable domain is fine.
        assert_eq!(
            check_link("https://login.paypal.com/x", "www.paypal.com").verdict,
            LinkVerdict::Open
        );
        assert_eq!(
            check_link("https://kontor.de", "https://kontor.de/").verdict,
            LinkVerdict::Open
        );
    }

    #[test]
    fn mailto() {
        let c = check_link("mailto:max@kontor.de?subject=Hallo", "Max");
        assert_eq!(c.verdict, LinkVerdict::Open);
        assert_eq!(c.host.as_deref(), Some("kontor.de"));
        let r = c.domain_range.unwrap();
        assert_eq!(&c.target[r.start..r.end], "kontor.de");
        assert_eq!(
            warnings("mailto:collect@evil.example", "support@paypal.com"),
            vec![LinkWarning::TextShowsOtherDomain {
                shown: "paypal.com".into(),
                target: "evil.example".into()
            }]
        );
    }

    #[test]
    fn text_shows_other_domain() {
        let w = warnings(
            "https://paypal.account-verify.ru/login",
            "https://www.paypal.com/login",
        );
        assert_eq!(
            w,
            vec![LinkWarning::TextShowsOtherDomain {
                shown: "paypal.com".into(),
                target: "account-verify.ru".into()
            }]
        );
        assert_eq!(
            warnings("http://evil.example/", "www.sparkasse.de").len(),
            1
        );
        assert_eq!(
            warnings("http://evil.example/", "sparkasse.de/login").len(),
            1
        );
        // Ordinary link texts are not domains.
        assert!(warnings("https://evil.example/", "Hier klicken").is_empty());
        assert!(warnings("https://evil.example/", "Version 2.0").is_empty());
        assert!(warnings("https://evil.example/", "").is_empty());
    }

    #[test]
    fn ip_addresses() {
        for href in [
            "http://192.168.1.1/login",
            "http://3232235777/",
            "http://0xC0A80101/",
            "http://0300.0250.1.1/",
            "https://[2001:db8::1]/",
        ] {
            let c = check_link(href, "");
            assert_eq!(
                c.verdict,
                LinkVerdict::Ask(vec![LinkWarning::IpAddress]),
                "{href}"
            );
            assert_eq!(c.registrable_domain, None);
            assert_eq!(c.domain_range, None);
        }
        assert_eq!(
            check_link("http://3232235777/", "").host.as_deref(),
            Some("192.168.1.1")
        );
    }

    #[test]
    fn punycode_host() {
        let c = check_link("https://p\u{0430}ypal.com/", "PayPal");
        assert_eq!(c.target, "https://xn--pypal-4ve.com/");
        assert_eq!(
            c.verdict,
            LinkVerdict::Ask(vec![LinkWarning::Punycode {
                unicode: "p\u{0430}ypal.com".into(),
                ascii: "xn--pypal-4ve.com".into()
            }])
        );
        let r = c.domain_range.unwrap();
        assert_eq!(&c.target[r.start..r.end], "xn--pypal-4ve.com");
        // Text shows the real domain, target is the IDN look-alike: both warnings.
        let w = warnings("https://xn--pypal-4ve.com/", "paypal.com");
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn blocked_schemes() {
        assert_eq!(
            blocked("javascript:alert(1)"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(
            blocked(" JaVaScRiPt:alert(1)"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(
            blocked("java\tscript:alert(1)"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(
            blocked("java\nscr\u{0}ipt:alert(1)"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(
            blocked("\u{1}javascript:x"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(
            blocked("&#106;avascript&colon;alert(1)"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(
            blocked("&#x6A;ava&#x73;cript:x"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(
            blocked("jav&Tab;ascript:x"),
            Some(BlockedReason::JavaScript)
        );
        assert_eq!(blocked("VBScript:msgbox"), Some(BlockedReason::VbScript));
        assert_eq!(
            blocked("data:text/html;base64,PHNjcmlwdD4="),
            Some(BlockedReason::Data)
        );
        assert_eq!(
            blocked("file:///C:/Windows/System32/calc.exe"),
            Some(BlockedReason::File)
        );
        assert_eq!(
            blocked("FILE://server/share/x.lnk"),
            Some(BlockedReason::File)
        );
        assert_eq!(
            blocked("ms-msdt:/id PCWDiagnostic"),
            Some(BlockedReason::OtherScheme("ms-msdt".into()))
        );
        assert_eq!(
            blocked("search-ms:query=x"),
            Some(BlockedReason::OtherScheme("search-ms".into()))
        );
        assert_eq!(
            blocked("smb://host/share"),
            Some(BlockedReason::OtherScheme("smb".into()))
        );
        assert_eq!(blocked("/relative/path"), Some(BlockedReason::Invalid));
        assert_eq!(blocked("www.example.com"), Some(BlockedReason::Invalid));
        assert_eq!(blocked(""), Some(BlockedReason::Invalid));
        assert_eq!(blocked("http://"), Some(BlockedReason::Invalid));
        assert_eq!(
            blocked("https://exa mple.com"),
            Some(BlockedReason::Invalid)
        );
        assert_eq!(blocked("ht tp://example.com"), Some(BlockedReason::Invalid));
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("a&amp;b"), "a&b");
        assert_eq!(decode_entities("&#106;&#X61;"), "ja");
        assert_eq!(decode_entities("&unknown; & &#xZZ;"), "&unknown; & &#xZZ;");
        assert_eq!(decode_entities("&"), "&");
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for href in [
            "&#",
            "&#x",
            "&#99999999999;",
            "\u{202E}http://x",
            ":",
            "a:",
            "http://[",
            "mailto:",
            "mailto:@",
            "https://é.com/ü",
        ] {
            let _ = check_link(href, href);
        }
        let long = "a".repeat(MAX_HREF + 1);
        assert_eq!(
            check_link(&long, "").verdict,
            LinkVerdict::Blocked(BlockedReason::Invalid)
        );
    }

    #[test]
    fn serializes_camel_case() {
        let c = check_link("http://3232235777/", "");
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["registrableDomain"], serde_json::Value::Null);
        assert_eq!(json["verdict"], serde_json::json!({"ask": ["ipAddress"]}));
    }
}
