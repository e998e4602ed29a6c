//! Sender cues: who a message claims to be from, against who sent it.
//!
//! Mail clients show the display name and hide the address; phishing relies on that. The
//! checks here find display names that carry another address, colleagues' names on outside
//! addresses, replies diverted to another domain, look-alike sender domains and
//! internationalised (punycode) sender domains. The result also says whether the sender is
//! external, in which case the real address should always be shown.

use serde::Serialize;

use crate::domain::{
    address_domain, host_forms, is_same_or_subdomain, normalize_host, registrable_domain,
};
use crate::lookalike::{LookAlike, lookalike};

/// A directory (GAL) entry whose display name matched the sender's display name. The caller
/// does the directory look-up; this crate only judges the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ColleagueMatch {
    /// The colleague's display name in the directory.
    pub name: String,
    /// The colleague's real address in the directory.
    pub address: String,
}

/// One reason to distrust a sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SenderCue {
    /// The display name contains an address other than the sender's
    /// (`"paypal@paypal.de" <x@example.net>`).
    #[serde(rename_all = "camelCase")]
    NameContainsOtherAddress {
        /// The address shown in the display name.
        shown: String,
        /// The address the message really comes from.
        actual: String,
    },
    /// The display name is a colleague's, but the address is outside the own domains and is not
    /// the colleague's address.
    #[serde(rename_all = "camelCase")]
    ColleagueNameExternalAddress {
        /// The colleague's name.
        name: String,
        /// The address the message really comes from.
        address: String,
    },
    /// Replies go to another registrable domain than the sender's.
    #[serde(rename_all = "camelCase")]
    ReplyToOtherDomain {
        /// The Reply-To domain (registrable, ASCII).
        reply_to_domain: String,
        /// The sender's domain (registrable, ASCII).
        from_domain: String,
    },
    /// The sender's domain imitates an own or a colleague's domain.
    LookAlikeDomain(LookAlike),
    /// The sender's domain is internationalised; both forms for display.
    #[serde(rename_all = "camelCase")]
    Punycode {
        /// The Unicode form.
        unicode: String,
        /// The ASCII (punycode) form.
        ascii: String,
    },
}

/// The sender verdict for one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SenderReport {
    /// The sender's domain is none of the own domains (nor a subdomain of one). A missing or
    /// malformed address counts as external.
    pub external: bool,
    /// Show the real address next to the display name (always for external senders).
    pub show_address: bool,
    /// Reasons to distrust the sender, in a stable order.
    pub cues: Vec<SenderCue>,
}

/// Judges a message's sender.
///
/// * `from_name`, `from_addr` — the From header's display name and address.
/// * `reply_to` — the Reply-To addresses.
/// * `own_domains` — the user's own domains (`kontor.de`); subdomains count as own.
/// * `colleague` — the directory entry whose name matches `from_name`, if any.
///
/// ```
/// use kontor_safety::{sender_cues, SenderCue};
/// let own = vec!["kontor.de".to_owned()];
/// let report = sender_cues("PayPal", "service@paypa1.de", &[], &own, None);
/// assert!(report.external && report.show_address);
/// ```
pub fn sender_cues(
    from_name: &str,
    from_addr: &str,
    reply_to: &[String],
    own_domains: &[String],
    colleague: Option<&ColleagueMatch>,
) -> SenderReport {
    let actual = bare_address(from_addr).to_lowercase();
    let from_host = address_domain(from_addr);
    let own: Vec<String> = own_domains
        .iter()
        .filter_map(|d| normalize_host(d))
        .collect();
    let external = match &from_host {
        Some(host) => !own.iter().any(|d| is_same_or_subdomain(host, d)),
        None => true,
    };
    let mut cues = Vec::new();

    for shown in addresses_in(from_name) {
        if shown.to_lowercase() != actual {
            cues.push(SenderCue::NameContainsOtherAddress {
                shown,
                actual: bare_address(from_addr).to_owned(),
            });
        }
    }

    if let Some(colleague) = colleague {
        let same_address = bare_address(&colleague.address).eq_ignore_ascii_case(&actual);
        if external && !same_address {
            cues.push(SenderCue::ColleagueNameExternalAddress {
                name: colleague.name.clone(),
                address: bare_address(from_addr).to_owned(),
            });
        }
    }

    let from_registrable = from_host.as_deref().and_then(registrable_domain);
    if let Some(from_domain) = &from_registrable {
        let mut seen = Vec::new();
        for reply in reply_to {
            let Some(reply_domain) = address_domain(reply).and_then(|h| registrable_domain(&h))
            else {
                continue;
            };
            if reply_domain != *from_domain && !seen.contains(&reply_domain) {
                seen.push(reply_domain.clone());
                cues.push(SenderCue::ReplyToOtherDomain {
                    reply_to_domain: reply_domain,
                    from_domain: from_domain.clone(),
                });
            }
        }
    }

    if let Some(host) = &from_host {
        if external {
            let mut known = own.clone();
            if let Some(domain) = colleague.and_then(|c| address_domain(&c.address)) {
                known.push(domain);
            }
            if let Some(hit) = lookalike(host, &known) {
                cues.push(SenderCue::LookAlikeDomain(hit));
            }
        }
        if let Some(forms) = host_forms(host).filter(|f| f.is_idn) {
            cues.push(SenderCue::Punycode {
                unicode: forms.unicode,
                ascii: forms.ascii,
            });
        }
    }

    SenderReport {
        external,
        show_address: external,
        cues,
    }
}

/// The address inside angle brackets, or the trimmed input.
fn bare_address(address: &str) -> &str {
    let address = address.trim();
    match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => address[start + 1..end].trim(),
        _ => address,
    }
}

/// Mail addresses written inside a display name (at most 8, each `local@domain.tld`).
fn addresses_in(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || "<>()[]\"',;:".contains(c))
        .filter_map(|token| {
            let token = token.trim_matches(|c: char| c == '.' || c == '\u{200B}');
            let (local, domain) = token.rsplit_once('@')?;
            let valid =
                !local.is_empty() && domain.contains('.') && normalize_host(domain).is_some();
            valid.then(|| token.to_owned())
        })
        .take(8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookalike::LookAlikeReason;

    fn own() -> Vec<String> {
        vec!["kontor.de".to_owned(), "Kontor-GmbH.de".to_owned()]
    }

    #[test]
    fn internal_sender_has_no_cues() {
        let r = sender_cues("Max Muster", "max@kontor.de", &[], &own(), None);
        assert!(!r.external);
        assert!(!r.show_address);
        assert!(r.cues.is_empty());
        let r = sender_cues("Max", "Max <max@MAIL.Kontor.DE>", &[], &own(), None);
        assert!(!r.external);
        assert!(r.cues.is_empty());
    }

    #[test]
    fn external_sender_shows_address() {
        let r = sender_cues("Heise", "news@heise.de", &[], &own(), None);
        assert!(r.external && r.show_address);
        assert!(r.cues.is_empty());
        // A domain that merely ends in an own domain's text is external.
        let r = sender_cues("X", "x@evilkontor.de", &[], &own(), None);
        assert!(r.external);
        // A missing address is external.
        assert!(sender_cues("X", "", &[], &own(), None).external);
    }

    #[test]
    fn name_contains_other_address() {
        let r = sender_cues("paypal@paypal.de", "x@example.net", &[], &own(), None);
        assert_eq!(
            r.cues,
            vec![SenderCue::NameContainsOtherAddress {
                shown: "paypal@paypal.de".into(),
                actual: "x@example.net".into()
            }]
        );
        let r = sender_cues("Max <max@kontor.de>", "max@kontor-de.ru", &[], &own(), None);
        assert!(matches!(
            &r.cues[0],
            SenderCue::NameContainsOtherAddress { shown, .. } if shown == "max@kontor.de"
        ));
        // The sender's own address in the name is fine.
        let r = sender_cues("max@kontor.de", "MAX@kontor.de", &[], &own(), None);
        assert!(r.cues.is_empty());
    }

    #[test]
    fn colleague_name_on_external_address() {
        let colleague = ColleagueMatch {
            name: "Erika Mustermann".into(),
            address: "erika@kontor.de".into(),
        };
        let r = sender_cues(
            "Erika Mustermann",
            "erika.mustermann@gmail.com",
            &[],
            &own(),
            Some(&colleague),
        );
        assert_eq!(
            r.cues,
            vec![SenderCue::ColleagueNameExternalAddress {
                name: "Erika Mustermann".into(),
                address: "erika.mustermann@gmail.com".into()
            }]
        );
        // The colleague writing from the own domain: nothing.
        let r = sender_cues(
            "Erika Mustermann",
            "erika@kontor.de",
            &[],
            &own(),
            Some(&colleague),
        );
        assert!(r.cues.is_empty());
        // A colleague at a partner domain writing from the directory address: nothing.
        let partner = ColleagueMatch {
            name: "Paul Partner".into(),
            address: "paul@partner.example".into(),
        };
        let r = sender_cues(
            "Paul Partner",
            "Paul@partner.example",
            &[],
            &own(),
            Some(&partner),
        );
        assert!(r.external);
        assert!(r.cues.is_empty());
    }

    #[test]
    fn reply_to_other_domain() {
        let reply = vec![
            "a@mail.kontor.de".to_owned(),
            "b@evil.example".to_owned(),
            "c@evil.example".to_owned(),
        ];
        let r = sender_cues("Max", "max@kontor.de", &reply, &own(), None);
        assert_eq!(
            r.cues,
            vec![SenderCue::ReplyToOtherDomain {
                reply_to_domain: "evil.example".into(),
                from_domain: "kontor.de".into()
            }]
        );
    }

    #[test]
    fn lookalike_sender_domain() {
        let r = sender_cues("Buchhaltung", "rechnung@kontor-gmhb.de", &[], &own(), None);
        match &r.cues[..] {
            [SenderCue::LookAlikeDomain(hit)] => {
                assert_eq!(hit.reason, LookAlikeReason::EditDistance);
                assert_eq!(hit.similar_to.as_deref(), Some("kontor-gmbh.de"));
            }
            other => panic!("unexpected cues {other:?}"),
        }
        // Against a colleague's domain.
        let colleague = ColleagueMatch {
            name: "Paul".into(),
            address: "paul@stadtwerke.de".into(),
        };
        let r = sender_cues("Paul", "paul@stadt-werke.de", &[], &own(), Some(&colleague));
        assert!(r.cues.iter().any(|c| matches!(c, SenderCue::LookAlikeDomain(h) if h.reason == LookAlikeReason::AddedHyphen)));
    }

    #[test]
    fn punycode_sender() {
        let r = sender_cues("PayPal", "service@xn--pypal-4ve.com", &[], &own(), None);
        assert!(r.cues.contains(&SenderCue::Punycode {
            unicode: "p\u{0430}ypal.com".into(),
            ascii: "xn--pypal-4ve.com".into()
        }));
        assert!(r.cues.iter().any(|c| matches!(c, SenderCue::LookAlikeDomain(h) if h.reason == LookAlikeReason::MixedScript)));
    }

    #[test]
    fn serializes_camel_case() {
        let cue = SenderCue::ReplyToOtherDomain {
            reply_to_domain: "a.de".into(),
            from_domain: "b.de".into(),
        };
        let json = serde_json::to_string(&cue).unwrap();
        assert_eq!(
            json,
            r#"{"replyToOtherDomain":{"replyToDomain":"a.de","fromDomain":"b.de"}}"#
        );
    }
}
