//! The address book (docs/search.md#the-address-book): the company directory's people with what
//! the server says of each (phone, title, company, office), for the person card, and the
//! `mailto:` link that opens a compose window addressed to one of them. The recent
//! correspondents it lists are the recipient suggestions of the cached mail
//! ([`Kontor::address_suggestions`], compose.rs), so both rank people the same way; the compose
//! field's own directory lookup ([`Kontor::directory_suggestions`]) stays as it is.

use kontor_eas::search::GalEntry;
use serde::Serialize;

use super::Kontor;
use crate::error::CoreError;

/// A person of the company directory (an ActiveSync GAL entry, MS-ASCMD 2.2.3.142). Servers
/// send what they have: Z-Push's CardDAV directory the name, phone, title, company and the
/// department (as `office`); SOGo only the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPerson {
    /// The display name; first and last name when the server sends none; the address when it
    /// sends no name at all.
    pub name: String,
    pub address: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The work phone.
    pub phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub home_phone: Option<String>,
    /// The office (Exchange: its location; Z-Push's CardDAV backend sends the department here).
    pub office: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub alias: Option<String>,
}

/// A value with its blanks trimmed; an empty one is none (Z-Push sends `""` for a missing
/// first or last name).
fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl DirectoryPerson {
    /// The entry as the card shows it; `None` without a usable address.
    pub fn from_gal(e: GalEntry) -> Option<Self> {
        let address = clean(e.email_address).filter(|a| a.contains('@'))?;
        let first_name = clean(e.first_name);
        let last_name = clean(e.last_name);
        let name = clean(e.display_name)
            .or_else(|| {
                let full = [first_name.as_deref(), last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (!full.is_empty()).then_some(full)
            })
            .unwrap_or_else(|| address.clone());
        Some(Self {
            name,
            address,
            first_name,
            last_name,
            phone: clean(e.phone),
            mobile_phone: clean(e.mobile_phone),
            home_phone: clean(e.home_phone),
            office: clean(e.office),
            title: clean(e.title),
            company: clean(e.company),
            alias: clean(e.alias),
        })
    }
}

/// The `mailto:` link of a compose window addressed to `address`, with the name when it can
/// travel in the link's address part (no comma, semicolon, quote or angle bracket, which the
/// compose window's reader of the link would take as separators).
pub fn mailto_for(name: &str, address: &str) -> String {
    let name = name.trim();
    let plain = !name.is_empty()
        && !name.eq_ignore_ascii_case(address)
        && !name.contains([',', ';', '"', '<', '>', '(', ')', '\\']);
    let to = if plain {
        format!("{name} <{address}>")
    } else {
        address.to_owned()
    };
    let mut out = String::from("mailto:");
    for b in to.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Kontor {
    /// The company directory's people for `query` with what the server says of each (an
    /// ActiveSync Search of the GAL; at least three characters, else nothing is asked), one
    /// entry per address. Fails plainly when the server cannot be reached or refuses: the
    /// address book then says the directory is unavailable and shows the local people.
    pub async fn directory_people(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<DirectoryPerson>, CoreError> {
        let query = query.trim().to_owned();
        if query.chars().count() < 3 {
            return Ok(Vec::new());
        }
        let url = self.server_url().await;
        let found = self
            .with_fetch_session(async |s| {
                s.client_mut()
                    .search_gal(&query, limit.clamp(1, 100))
                    .await
                    .map_err(|e| crate::sync::map_eas(e, &url))
            })
            .await?;
        let mut seen = std::collections::HashSet::new();
        Ok(found
            .items
            .into_iter()
            .filter_map(DirectoryPerson::from_gal)
            .filter(|p| seen.insert(p.address.to_lowercase()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: Option<&str>, first: Option<&str>, last: Option<&str>, addr: &str) -> GalEntry {
        GalEntry {
            display_name: name.map(Into::into),
            first_name: first.map(Into::into),
            last_name: last.map(Into::into),
            email_address: Some(addr.into()),
            ..GalEntry::default()
        }
    }

    #[test]
    fn a_directory_entry_keeps_what_the_server_sent() {
        let p = DirectoryPerson::from_gal(GalEntry {
            phone: Some("+49 30 1234567-12".into()),
            office: Some("Buchhaltung".into()),
            title: Some("Buchhalter".into()),
            company: Some("Kontor Test GmbH".into()),
            mobile_phone: Some(" ".into()),
            ..entry(
                Some("Bob Baker"),
                Some("Bob"),
                Some("Baker"),
                "bob@kontor.test",
            )
        })
        .unwrap();
        assert_eq!(p.name, "Bob Baker");
        assert_eq!(p.address, "bob@kontor.test");
        assert_eq!(p.phone.as_deref(), Some("+49 30 1234567-12"));
        assert_eq!(p.office.as_deref(), Some("Buchhaltung"));
        assert_eq!(p.title.as_deref(), Some("Buchhalter"));
        assert_eq!(p.company.as_deref(), Some("Kontor Test GmbH"));
        assert_eq!(p.mobile_phone, None, "a blank value is none");
    }

    #[test]
    fn a_name_comes_from_first_and_last_name_or_the_address() {
        let names = |e| DirectoryPerson::from_gal(e).map(|p| p.name);
        assert_eq!(
            names(entry(None, Some("Bob"), Some("Baker"), "bob@kontor.test")).as_deref(),
            Some("Bob Baker")
        );
        assert_eq!(
            names(entry(Some(""), Some(""), Some("Baker"), "bob@kontor.test")).as_deref(),
            Some("Baker")
        );
        // SOGo sends the address alone.
        assert_eq!(
            names(entry(None, None, None, "bob@kontor.test")).as_deref(),
            Some("bob@kontor.test")
        );
        assert_eq!(names(entry(Some("Room 4"), None, None, "room4")), None);
        assert_eq!(
            DirectoryPerson::from_gal(GalEntry::default()),
            None,
            "no address"
        );
    }

    #[test]
    fn the_mailto_link_carries_a_plain_name_and_always_the_address() {
        assert_eq!(
            mailto_for("Bob Baker", "bob@kontor.test"),
            "mailto:Bob%20Baker%20%3Cbob@kontor.test%3E"
        );
        assert_eq!(
            mailto_for("Jürgen Müller", "j@x.de"),
            "mailto:J%C3%BCrgen%20M%C3%BCller%20%3Cj@x.de%3E"
        );
        assert_eq!(
            mailto_for("Baker, Bob", "bob@kontor.test"),
            "mailto:bob@kontor.test"
        );
        assert_eq!(
            mailto_for("bob@kontor.test", "bob@kontor.test"),
            "mailto:bob@kontor.test"
        );
        assert_eq!(mailto_for("", "a+b@x.de"), "mailto:a%2Bb@x.de");
    }
}
