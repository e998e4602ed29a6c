//! ResolveRecipients (MS-ASCMD 2.2.1.15): look names up and ask for free/busy.

use kontor_wbxml::pages::resolverecipients as rr;
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};

/// A resolved recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// 1 = GAL, 2 = contact.
    pub kind: u8,
    pub display_name: Option<String>,
    pub email_address: Option<String>,
    /// MergedFreeBusy: one digit per interval (0 free, 1 tentative, 2 busy, 3 OOF, 4 elsewhere,
    /// 5 no data).
    pub merged_free_busy: Option<String>,
}

/// Results for one queried name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub to: String,
    /// 1 success, 2 ambiguous, 3 ambiguous (partial list), 4 not resolved.
    pub status: u16,
    pub recipients: Vec<Recipient>,
}

/// Request; `availability` = (start, end) in ISO 8601 UTC asks for free/busy.
pub fn request(names: &[&str], availability: Option<(&str, &str)>) -> Element {
    let mut root = Element::new(rr::ResolveRecipients);
    for n in names {
        root.push(Element::text(rr::To, *n));
    }
    if let Some((start, end)) = availability {
        root.push(
            Element::new(rr::Options).with(
                Element::new(rr::Availability)
                    .with(Element::text(rr::StartTime, start))
                    .with(Element::text(rr::EndTime, end)),
            ),
        );
    }
    root
}

/// An empty answer gives no resolutions: SOGo answers with an empty body unless availability
/// was asked for (SOGo 5).
pub fn parse(doc: Option<Document>) -> Result<Vec<Resolution>, EasError> {
    let Some(doc) = doc else {
        return Ok(Vec::new());
    };
    let root = doc.root();
    match root
        .child_text(rr::Status)
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(1)
    {
        1 => {}
        5 => {
            return Err(EasError::Status {
                command: "ResolveRecipients",
                status: 5,
                meaning: "protocol error",
            });
        }
        6 => return Err(EasError::ServerBusy { retry_after: None }),
        c => return Err(common_status_error("ResolveRecipients", c)),
    }
    Ok(root
        .children_with(rr::Response)
        .map(|r| Resolution {
            to: r.child_text(rr::To).unwrap_or_default().into_owned(),
            status: r
                .child_text(rr::Status)
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(1),
            recipients: r
                .children_with(rr::Recipient)
                .map(|x| Recipient {
                    kind: x
                        .child_text(rr::Type)
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(1),
                    display_name: x.child_text(rr::DisplayName).map(|s| s.into_owned()),
                    email_address: x.child_text(rr::EmailAddress).map(|s| s.into_owned()),
                    merged_free_busy: x
                        .child(rr::Availability)
                        .and_then(|a| a.child_text(rr::MergedFreeBusy))
                        .map(|s| s.into_owned()),
                })
                .collect(),
        })
        .collect())
}
