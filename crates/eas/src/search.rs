//! Search (MS-ASCMD 2.2.1.16): the global address list (GAL) and the mailbox.

use kontor_wbxml::pages::{airsync as a, gal, search as se};
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};
use crate::sync::BodyPreference;

/// A GAL entry (MS-ASCMD 2.2.3.142 Properties of a GAL result). Servers send what they have:
/// SOGo only the address, Z-Push's CardDAV directory also name, phone, title, company and the
/// department (as `office`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GalEntry {
    pub display_name: Option<String>,
    pub email_address: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub office: Option<String>,
    pub phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub home_phone: Option<String>,
    pub alias: Option<String>,
}

/// A mailbox search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxHit {
    pub long_id: Option<String>,
    pub collection_id: Option<String>,
    /// The item's properties (Email class elements), as in Sync's ApplicationData.
    pub properties: Element,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results<T> {
    pub items: Vec<T>,
    /// Total matches the server knows of (Z-Push caps GAL results at 10).
    pub total: Option<u32>,
    /// Range actually returned, e.g. `0-9`.
    pub range: Option<String>,
}

/// GAL query for `query` returning results `first..=last`.
pub fn gal_request(query: &str, first: u32, last: u32) -> Element {
    Element::new(se::Search).with(
        Element::new(se::Store)
            .with(Element::text(se::Name, "GAL"))
            .with(Element::text(se::Query, query))
            .with(
                Element::new(se::Options).with(Element::text(se::Range, format!("{first}-{last}"))),
            ),
    )
}

/// Mailbox free-text query, optionally limited to one folder.
pub fn mailbox_request(
    text: &str,
    collection_id: Option<&str>,
    first: u32,
    last: u32,
    body: Option<BodyPreference>,
) -> Element {
    let and = Element::new(se::And)
        .with(Element::text(a::Class, "Email"))
        .with_opt(collection_id.map(|c| Element::text(a::CollectionId, c)))
        .with(Element::text(se::FreeText, text));
    let mut opts = Element::new(se::Options)
        .with(Element::new(se::RebuildResults))
        .with(Element::text(se::Range, format!("{first}-{last}")));
    if collection_id.is_none() {
        opts = opts.with(Element::new(se::DeepTraversal));
    }
    if let Some(b) = body {
        opts.push(b.to_element());
    }
    Element::new(se::Search).with(
        Element::new(se::Store)
            .with(Element::text(se::Name, "Mailbox"))
            .with(Element::new(se::Query).with(and))
            .with(opts),
    )
}

fn check(code: Option<u16>, command_level: bool) -> Result<(), EasError> {
    let st = |status, meaning| {
        Err(EasError::Status {
            command: "Search",
            status,
            meaning,
        })
    };
    match code {
        None | Some(1) => Ok(()),
        Some(2) => st(2, "invalid request"),
        Some(3) => Err(EasError::ServerBusy { retry_after: None }),
        Some(4) => st(4, "bad link"),
        Some(5) => st(5, "access denied"),
        Some(6) => Err(EasError::ItemNotFound),
        Some(7) => st(7, "connection failed"),
        Some(8) => st(8, "query too complex"),
        Some(10) => Err(EasError::ServerBusy { retry_after: None }),
        Some(11) => st(11, "bad collection ID"),
        Some(12) => st(12, "server error"),
        Some(c) if command_level || c >= 100 => Err(common_status_error("Search", c)),
        Some(c) => st(c, "unknown status"),
    }
}

fn results<T>(
    doc: Option<Document>,
    item: impl Fn(kontor_wbxml::ElementRef<'_>) -> Option<T>,
) -> Result<Results<T>, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("Search", "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != se::Search {
        return Err(EasError::protocol(
            "Search",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    let code = |e: kontor_wbxml::ElementRef<'_>| {
        e.child_text(se::Status).and_then(|s| s.trim().parse().ok())
    };
    check(code(root), true)?;
    let store = root
        .path(&[se::Response, se::Store])
        .ok_or_else(|| EasError::protocol("Search", "the answer has no Store"))?;
    check(code(store), false)?;
    Ok(Results {
        items: store.children_with(se::Result).filter_map(item).collect(),
        total: store
            .child_text(se::Total)
            .and_then(|t| t.trim().parse().ok()),
        range: store.child_text(se::Range).map(|t| t.into_owned()),
    })
}

pub fn parse_gal(doc: Option<Document>) -> Result<Results<GalEntry>, EasError> {
    results(doc, |r| {
        let p = r.child(se::Properties)?;
        let t = |tag| p.child_text(tag).map(|s| s.into_owned());
        Some(GalEntry {
            display_name: t(gal::DisplayName),
            email_address: t(gal::EmailAddress),
            first_name: t(gal::FirstName),
            last_name: t(gal::LastName),
            company: t(gal::Company),
            title: t(gal::Title),
            office: t(gal::Office),
            phone: t(gal::Phone),
            mobile_phone: t(gal::MobilePhone),
            home_phone: t(gal::HomePhone),
            alias: t(gal::Alias),
        })
    })
}

pub fn parse_mailbox(doc: Option<Document>) -> Result<Results<MailboxHit>, EasError> {
    results(doc, |r| {
        let p = r.child(se::Properties)?;
        let mut properties = p.to_element();
        properties.tag = a::ApplicationData;
        Some(MailboxHit {
            long_id: r.child_text(se::LongId).map(|s| s.into_owned()),
            collection_id: r.child_text(a::CollectionId).map(|s| s.into_owned()),
            properties,
        })
    })
}
