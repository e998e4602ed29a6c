//! MeetingResponse (MS-ASCMD 2.2.1.11): accept, tentatively accept or decline an invitation.
//!
//! On EAS ≤ 14.1 the server does not mail the organizer; the caller sends the iTIP REPLY.

use kontor_wbxml::pages::meetingresponse as mr;
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserResponse {
    Accepted = 1,
    Tentative = 2,
    Declined = 3,
}

/// Responds to the invitation `request_id` (ServerId of the mail or event) in `collection_id`.
pub fn request(
    response: UserResponse,
    collection_id: &str,
    request_id: &str,
    instance_id: Option<&str>,
) -> Element {
    Element::new(mr::MeetingResponse).with(
        Element::new(mr::Request)
            .with(Element::text(
                mr::UserResponse,
                (response as u8).to_string(),
            ))
            .with(Element::text(mr::CollectionId, collection_id))
            .with(Element::text(mr::RequestId, request_id))
            .with_opt(instance_id.map(|i| Element::text(mr::InstanceId, i))),
    )
}

/// Returns the calendar item's ServerId when the server created or updated one.
pub fn parse(doc: Option<Document>) -> Result<Option<String>, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("MeetingResponse", "the answer is empty"))?;
    let root = doc.root();
    let result = root
        .child(mr::Result)
        .ok_or_else(|| EasError::protocol("MeetingResponse", "the answer has no Result"))?;
    match result
        .child_text(mr::Status)
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(1)
    {
        1 => Ok(result.child_text(mr::CalendarId).map(|s| s.into_owned())),
        2 => Err(EasError::Status {
            command: "MeetingResponse",
            status: 2,
            meaning: "invalid meeting request",
        }),
        3 => Err(EasError::Status {
            command: "MeetingResponse",
            status: 3,
            meaning: "mailbox error",
        }),
        4 => Err(EasError::ServerBusy { retry_after: None }),
        c => Err(common_status_error("MeetingResponse", c)),
    }
}
