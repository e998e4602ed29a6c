//! Host names: normalisation, registrable domains and the two display forms of an IDN.
//!
//! Every comparison in this crate is made on the ASCII (punycode) form of a host, lower-cased
//! and without a trailing dot. The registrable domain ("eTLD+1") comes from the Public Suffix
//! List compiled into the `psl` crate, so `mail.kontor.de` and `kontor.de` share
//! `kontor.de`, and `kontor.co.uk` is the registrable domain under `co.uk`.

use serde::Serialize;

/// The longest host name accepted (RFC 1035 limits a name to 253 characters; a little slack
/// for a trailing dot and Unicode forms).
const MAX_HOST_LEN: usize = 1024;

/// Normalises a host name to its ASCII form: trimmed, trailing dots removed, lower-cased and
/// IDNA-encoded (`Bücher.de` → `xn--bcher-kva.de`). `None` for an empty or invalid name.
///
/// An IP literal (`192.168.0.1`, `[::1]`) is returned as it is (lower-cased, without brackets).
pub fn normalize_host(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    if host.is_empty() || host.len() > MAX_HOST_LEN {
        return None;
    }
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if unbracketed.parse::<std::net::IpAddr>().is_ok() {
        return Some(unbracketed.to_ascii_lowercase());
    }
    let ascii = idna::domain_to_ascii(host).ok()?;
    let ascii = ascii.trim_end_matches('.').to_owned();
    if ascii.is_empty() || ascii.split('.').any(str::is_empty) {
        return None;
    }
    Some(ascii)
}

/// The registrable domain of a host (the public suffix plus one label), in ASCII form:
/// `Mail.Kontor.DE.` → `kontor.de`, `a.b.example.co.uk` → `example.co.uk`,
/// `пример.рф` → `xn--e1afmkfd.xn--p1ai`.
///
/// `None` for an IP address, a bare public suffix (`de`, `co.uk`) or an invalid name.
pub fn registrable_domain(host: &str) -> Option<String> {
    let ascii = normalize_host(host)?;
    if ascii.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    psl::domain_str(&ascii).map(str::to_owned)
}

/// Splits a registrable domain (ASCII) into its first label and its public suffix:
/// `kontor.co.uk` → (`kontor`, `co.uk`).
pub(crate) fn split_registrable(registrable: &str) -> Option<(&str, &str)> {
    let suffix = psl::suffix_str(registrable)?;
    let label_len = registrable.len().checked_sub(suffix.len() + 1)?;
    if label_len == 0 {
        return None;
    }
    Some((&registrable[..label_len], suffix))
}

/// Whether `host` equals `domain` or is a subdomain of it (both normalised first).
pub(crate) fn is_same_or_subdomain(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// The ASCII (punycode) and Unicode forms of an internationalised host name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HostForms {
    /// The ASCII form, as it travels on the wire (`xn--pypal-4ve.com`).
    pub ascii: String,
    /// The Unicode form, as a reader would see it rendered (`pаypal.com`, with Cyrillic `а`).
    pub unicode: String,
    /// Whether the host is internationalised (any label is punycode or not ASCII). Only then
    /// do the two forms differ and is the ASCII form worth showing.
    pub is_idn: bool,
}

/// Both forms of a host, so a user interface can show the punycode form next to (or instead
/// of) a Unicode name that may imitate another one. `None` for an empty or invalid host.
///
/// ```
/// let forms = kontor_safety::host_forms("p\u{0430}ypal.com").unwrap();
/// assert!(forms.is_idn);
/// assert_eq!(forms.ascii, "xn--pypal-4ve.com");
/// ```
pub fn host_forms(host: &str) -> Option<HostForms> {
    let ascii = normalize_host(host)?;
    let (unicode, result) = idna::domain_to_unicode(&ascii);
    let unicode = if result.is_ok() {
        unicode
    } else {
        ascii.clone()
    };
    let is_idn = ascii.split('.').any(|label| {
        label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    });
    Some(HostForms {
        ascii,
        unicode,
        is_idn,
    })
}

/// The domain part of a mail address (`"Max" <max@Kontor.de>` → `kontor.de`, normalised).
pub(crate) fn address_domain(address: &str) -> Option<String> {
    let address = address.trim();
    let address = match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => &address[start + 1..end],
        _ => address,
    };
    let (_, domain) = address.rsplit_once('@')?;
    normalize_host(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain("Mail.Kontor.DE.").as_deref(),
            Some("kontor.de")
        );
        assert_eq!(
            registrable_domain("a.b.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(
            registrable_domain("kontor.de.com").as_deref(),
            Some("kontor.de.com")
        );
        assert_eq!(registrable_domain("de"), None);
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(registrable_domain("192.168.1.1"), None);
        assert_eq!(registrable_domain("[::1]"), None);
        assert_eq!(registrable_domain(""), None);
        assert_eq!(registrable_domain("a..b.de"), None);
        assert_eq!(
            registrable_domain("www.bücher.de").as_deref(),
            Some("xn--bcher-kva.de")
        );
    }

    #[test]
    fn split() {
        assert_eq!(split_registrable("kontor.co.uk"), Some(("kontor", "co.uk")));
        assert_eq!(split_registrable("kontor.de"), Some(("kontor", "de")));
    }

    #[test]
    fn subdomains() {
        assert!(is_same_or_subdomain("mail.kontor.de", "kontor.de"));
        assert!(is_same_or_subdomain("kontor.de", "kontor.de"));
        assert!(!is_same_or_subdomain("evilkontor.de", "kontor.de"));
        assert!(!is_same_or_subdomain("kontor.de", "mail.kontor.de"));
    }

    #[test]
    fn forms() {
        let f = host_forms("xn--pypal-4ve.com").unwrap();
        assert_eq!(f.unicode, "p\u{0430}ypal.com");
        assert!(f.is_idn);
        let f = host_forms("Kontor.de").unwrap();
        assert_eq!(f.ascii, "kontor.de");
        assert_eq!(f.unicode, "kontor.de");
        assert!(!f.is_idn);
    }

    #[test]
    fn address_domains() {
        assert_eq!(
            address_domain("Max <max@Kontor.DE>").as_deref(),
            Some("kontor.de")
        );
        assert_eq!(
            address_domain("max@kontor.de").as_deref(),
            Some("kontor.de")
        );
        assert_eq!(address_domain("no-at-sign"), None);
    }
}
