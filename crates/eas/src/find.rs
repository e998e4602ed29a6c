//! Find (MS-ASCMD 2.2.1.2, EAS 16.1): a KQL search of the mailbox or the global address list
//! in one round trip, the 16.1 successor of Search for these two stores.
//!
//! Request (FindRequest.xsd, MS-ASCMD 6.7): `Find` › `SearchId` (a GUID) + `ExecuteSearch` ›
//! either `MailBoxSearchCriterion` › `Query` (`airsync:Class`, `airsync:CollectionId`,
//! `FreeText`) + `Options` (`Range`, `DeepTraversal`), or `GalSearchCriterion` › `Query` (a
//! string) + `Options` (`Range`, `Picture`). Response (FindResponse.xsd, 6.8): `Find` ›
//! `Status` + `Response` › `itemoperations:Store`, `Status`, `Result`* (`airsync:Class`,
//! `airsync:ServerId`, `airsync:CollectionId`, `Properties`), `Range`, `Total`.
//!
//! Servers below 16.1 (Z-Push, SOGo) do not have Find; [`crate::EasClient::find`] refuses to
//! send it to them and callers use [`crate::search`] instead. Find has no entry in the client's
//! base64 command-code table, so it goes in the plain query form (a base64-form session gets a
//! clear protocol error rather than a guessed code).

use kontor_wbxml::pages::{
    airsync as a, email as em, email2 as em2, find as f, gal, itemoperations as io,
};
use kontor_wbxml::{Bytes, Document, Element, ElementRef};

use crate::error::{EasError, common_status_error};

/// What to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criterion {
    /// Mail in one folder (and its subfolders with `deep_traversal`), by a KQL query such as
    /// `from:bob subject:Angebot` or plain words.
    Mailbox {
        collection_id: String,
        query: String,
        deep_traversal: bool,
    },
    /// The global address list; `picture` asks for contact photos (`MaxSize` bytes each,
    /// `MaxPictures` in all).
    Gal {
        query: String,
        picture: Option<PictureOptions>,
    },
}

/// `Picture` options of a GAL Find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PictureOptions {
    pub max_size: Option<u32>,
    pub max_pictures: Option<u32>,
}

/// A Find request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindRequest {
    /// A GUID naming this search; [`FindRequest::new`] makes a fresh one.
    pub search_id: String,
    pub criterion: Criterion,
    /// Results `first..=last`; MS-ASCMD requires the range to start at 0 (status 4 otherwise).
    pub range: (u32, u32),
}

impl FindRequest {
    /// A request for the first `max` results with a fresh random SearchId.
    pub fn new(criterion: Criterion, max: u32) -> Self {
        FindRequest {
            search_id: uuid::Uuid::new_v4().to_string().to_uppercase(),
            criterion,
            range: (0, max.max(1) - 1),
        }
    }

    /// The request body.
    pub fn to_element(&self) -> Element {
        let range = Element::text(f::Range, format!("{}-{}", self.range.0, self.range.1));
        let criterion = match &self.criterion {
            Criterion::Mailbox {
                collection_id,
                query,
                deep_traversal,
            } => Element::new(f::MailBoxSearchCriterion)
                .with(
                    Element::new(f::Query)
                        .with(Element::text(a::Class, "Email"))
                        .with(Element::text(a::CollectionId, collection_id.clone()))
                        .with(Element::text(f::FreeText, query.clone())),
                )
                .with(
                    Element::new(f::Options)
                        .with(range)
                        .with_opt(deep_traversal.then(|| Element::new(f::DeepTraversal))),
                ),
            Criterion::Gal { query, picture } => Element::new(f::GalSearchCriterion)
                .with(Element::text(f::Query, query.clone()))
                .with(
                    Element::new(f::Options)
                        .with(range)
                        .with_opt(picture.map(|p| {
                            Element::new(f::Picture)
                                .with_opt(
                                    p.max_size.map(|v| Element::text(f::MaxSize, v.to_string())),
                                )
                                .with_opt(
                                    p.max_pictures
                                        .map(|v| Element::text(f::MaxPictures, v.to_string())),
                                )
                        })),
                ),
        };
        Element::new(f::Find)
            .with(Element::text(f::SearchId, self.search_id.clone()))
            .with(Element::new(f::ExecuteSearch).with(criterion))
    }
}

/// Find status (MS-ASCMD 2.2.3.177.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// 2: one of the search parameters was invalid.
    InvalidRequest,
    /// 3: the folder hierarchy is out of date → FolderSync first.
    FolderSyncRequired,
    /// 4: the requested range does not begin with 0.
    InvalidRange,
    /// A common status (≥ 101) or an undocumented one.
    Other(u16),
}

impl Status {
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Status::Success,
            2 => Status::InvalidRequest,
            3 => Status::FolderSyncRequired,
            4 => Status::InvalidRange,
            c => Status::Other(c),
        }
    }

    /// `Ok` for success, else the error that tells the caller what to do.
    pub fn into_result(self) -> Result<(), EasError> {
        let st = |status, meaning| {
            Err(EasError::Status {
                command: "Find",
                status,
                meaning,
            })
        };
        match self {
            Status::Success => Ok(()),
            Status::InvalidRequest => st(2, "the search request was invalid"),
            Status::FolderSyncRequired => Err(EasError::FolderHierarchyChanged),
            Status::InvalidRange => st(4, "the requested range does not begin with 0"),
            Status::Other(c) => Err(common_status_error("Find", c)),
        }
    }
}

/// The properties of one match (MS-ASCMD 2.2.3.139.1): mail properties for a mailbox search,
/// GAL properties for a GAL search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Properties {
    pub subject: Option<String>,
    pub date_received: Option<String>,
    pub from: Option<String>,
    pub display_to: Option<String>,
    pub display_cc: Option<String>,
    pub display_bcc: Option<String>,
    pub importance: Option<u8>,
    pub read: Option<bool>,
    pub is_draft: Option<bool>,
    /// Up to 255 characters of the text body.
    pub preview: Option<String>,
    pub has_attachments: Option<bool>,
    pub display_name: Option<String>,
    pub email_address: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub office: Option<String>,
    pub phone: Option<String>,
    pub home_phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub alias: Option<String>,
    /// `gal:Picture`/`gal:Data`: the contact photo, when asked for and available.
    pub picture: Option<Bytes>,
}

/// One match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindResult {
    pub class: Option<String>,
    /// The item's ServerId (mailbox searches), usable with ItemOperations.
    pub server_id: Option<String>,
    pub collection_id: Option<String>,
    pub properties: Properties,
}

/// A Find answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// `itemoperations:Store`: `Mailbox` or `GAL`.
    pub store: Option<String>,
    pub results: Vec<FindResult>,
    /// Range actually returned, e.g. `0-1`.
    pub range: Option<String>,
    /// Matches the server knows of.
    pub total: Option<u32>,
}

fn text(e: ElementRef<'_>, tag: kontor_wbxml::Tag) -> Option<String> {
    e.child_text(tag)
        .map(|s| s.into_owned())
        .filter(|s| !s.is_empty())
}

fn num<T: std::str::FromStr>(e: ElementRef<'_>, tag: kontor_wbxml::Tag) -> Option<T> {
    text(e, tag).and_then(|s| s.trim().parse().ok())
}

fn flag(e: ElementRef<'_>, tag: kontor_wbxml::Tag) -> Option<bool> {
    num::<u8>(e, tag).map(|v| v != 0)
}

fn status(e: ElementRef<'_>) -> Result<Status, EasError> {
    match e.child_text(f::Status) {
        None => Ok(Status::Success),
        Some(s) => s
            .trim()
            .parse()
            .map(Status::from_code)
            .map_err(|_| EasError::protocol("Find", format!("bad Status {s:?}"))),
    }
}

/// Decodes a Find answer; a failing `Status` (under `Find` or under `Response`) is an error.
pub fn parse(doc: Option<Document>) -> Result<Response, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("Find", "empty answer"))?;
    let root = doc.root();
    if root.tag() != f::Find {
        return Err(EasError::protocol(
            "Find",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    status(root)?.into_result()?;
    let mut out = Response::default();
    let Some(resp) = root.child(f::Response) else {
        return Ok(out);
    };
    status(resp)?.into_result()?;
    out.store = text(resp, io::Store);
    out.range = text(resp, f::Range);
    out.total = num(resp, f::Total);
    for r in resp.children_with(f::Result) {
        let mut p = Properties::default();
        if let Some(x) = r.child(f::Properties) {
            p = Properties {
                subject: text(x, em::Subject),
                date_received: text(x, em::DateReceived),
                from: text(x, em::From),
                display_to: text(x, em::DisplayTo),
                display_cc: text(x, f::DisplayCc),
                display_bcc: text(x, f::DisplayBcc),
                importance: num(x, em::Importance),
                read: flag(x, em::Read),
                is_draft: flag(x, em2::IsDraft),
                preview: text(x, f::Preview),
                has_attachments: flag(x, f::HasAttachments),
                display_name: text(x, gal::DisplayName),
                email_address: text(x, gal::EmailAddress),
                first_name: text(x, gal::FirstName),
                last_name: text(x, gal::LastName),
                company: text(x, gal::Company),
                title: text(x, gal::Title),
                office: text(x, gal::Office),
                phone: text(x, gal::Phone),
                home_phone: text(x, gal::HomePhone),
                mobile_phone: text(x, gal::MobilePhone),
                alias: text(x, gal::Alias),
                picture: x
                    .child(gal::Picture)
                    .and_then(|pic| pic.child(gal::Data))
                    .and_then(|d| d.to_element().bytes_content()),
            };
        }
        out.results.push(FindResult {
            class: text(r, a::Class),
            server_id: text(r, a::ServerId),
            collection_id: text(r, a::CollectionId),
            properties: p,
        });
    }
    Ok(out)
}
