//! The Email class (MS-ASEMAIL): reading `ApplicationData` of mail items and building the
//! changes a client sends (read flag, follow-up flag), and — from EAS 16.0 — drafts that are
//! saved or sent through Sync ([`Draft`], `email2:Send`).

use kontor_wbxml::pages::{airsync as a, airsyncbase as asb, email as em, email2 as em2};
use kontor_wbxml::{Bytes, Element};

use crate::error::EasError;
use crate::sync::{BodyType, ClientCommand};

/// A message body as sent (MS-ASAIRS 2.2.2.9 Body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub body_type: BodyType,
    /// Full size on the server.
    pub estimated_size: Option<u64>,
    pub truncated: bool,
    /// The (possibly truncated) body; for MIME the raw message.
    pub data: Option<Bytes>,
    pub preview: Option<String>,
}

/// An attachment reference (MS-ASAIRS 2.2.2.7 Attachment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub display_name: String,
    /// Handle for ItemOperations Fetch.
    pub file_reference: String,
    /// 1 normal, 5 embedded message, 6 OLE.
    pub method: u8,
    pub estimated_size: Option<u64>,
    pub content_id: Option<String>,
    pub is_inline: bool,
}

/// Follow-up flag state (MS-ASEMAIL 2.2.2.33 FlagStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagStatus {
    Cleared,
    Complete,
    Active,
}

/// The properties of a mail item the client keeps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Email {
    pub subject: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cc: Option<String>,
    pub reply_to: Option<String>,
    /// `DateReceived`, as sent (ISO 8601 UTC, e.g. `2026-11-27T13:00:00.000Z`).
    pub date_received: Option<String>,
    pub display_to: Option<String>,
    pub importance: Option<u8>,
    pub read: Option<bool>,
    pub flag: Option<FlagStatus>,
    pub message_class: Option<String>,
    pub thread_topic: Option<String>,
    pub body: Option<Body>,
    pub native_body_type: Option<BodyType>,
    pub attachments: Vec<Attachment>,
    pub categories: Vec<String>,
    pub conversation_id: Option<Bytes>,
    /// A meeting request is attached (`MeetingRequest` present).
    pub is_meeting_request: bool,
}

fn num<T: std::str::FromStr>(e: &Element, tag: kontor_wbxml::Tag) -> Option<T> {
    e.child_text(tag).and_then(|s| s.trim().parse().ok())
}

impl Email {
    /// Reads an `ApplicationData` element (unknown children are ignored).
    pub fn from_application_data(d: &Element) -> Self {
        let body = d.child(asb::Body).map(|b| Body {
            body_type: BodyType::from_code(num(b, asb::Type).unwrap_or(1)),
            estimated_size: num(b, asb::EstimatedDataSize),
            truncated: num::<u8>(b, asb::Truncated).is_some_and(|t| t != 0),
            data: b.child(asb::Data).and_then(Element::bytes_content),
            preview: b.child_text(asb::Preview),
        });
        let attachments = d
            .child(asb::Attachments)
            .map(|atts| {
                atts.children_with(asb::Attachment)
                    .map(|x| Attachment {
                        display_name: x.child_text(asb::DisplayName).unwrap_or_default(),
                        file_reference: x.child_text(asb::FileReference).unwrap_or_default(),
                        method: num(x, asb::Method).unwrap_or(1),
                        estimated_size: num(x, asb::EstimatedDataSize),
                        content_id: x.child_text(asb::ContentId),
                        is_inline: num::<u8>(x, asb::IsInline).is_some_and(|v| v != 0),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Email {
            subject: d.child_text(em::Subject),
            from: d.child_text(em::From),
            to: d.child_text(em::To),
            cc: d.child_text(em::Cc),
            reply_to: d.child_text(em::ReplyTo),
            date_received: d.child_text(em::DateReceived),
            display_to: d.child_text(em::DisplayTo),
            importance: num(d, em::Importance),
            read: num::<u8>(d, em::Read).map(|r| r != 0),
            flag: d
                .child(em::Flag)
                .map(|f| match num::<u8>(f, em::FlagStatus) {
                    Some(1) => FlagStatus::Complete,
                    Some(2) => FlagStatus::Active,
                    _ => FlagStatus::Cleared,
                }),
            message_class: d.child_text(em::MessageClass),
            thread_topic: d.child_text(em::ThreadTopic),
            body,
            native_body_type: num(d, asb::NativeBodyType).map(BodyType::from_code),
            attachments,
            categories: d
                .child(em::Categories)
                .map(|c| {
                    c.children_with(em::Category)
                        .filter_map(Element::text_content)
                        .collect()
                })
                .unwrap_or_default(),
            conversation_id: d
                .child(em2::ConversationId)
                .and_then(Element::bytes_content),
            is_meeting_request: d.child(em::MeetingRequest).is_some(),
        }
    }
}

/// `ApplicationData` marking a message read or unread.
pub fn set_read(read: bool) -> Element {
    Element::new(a::ApplicationData).with(Element::text(em::Read, if read { "1" } else { "0" }))
}

/// `ApplicationData` setting the follow-up flag. An empty `Flag` clears it (MS-ASEMAIL 3.1.4.3).
pub fn set_flag(status: FlagStatus) -> Element {
    let flag = match status {
        FlagStatus::Cleared => Element::new(em::Flag),
        FlagStatus::Active => Element::new(em::Flag)
            .with(Element::text(em::FlagStatus, "2"))
            .with(Element::text(em::FlagType, "Follow up")),
        FlagStatus::Complete => Element::new(em::Flag).with(Element::text(em::FlagStatus, "1")),
    };
    Element::new(a::ApplicationData).with(flag)
}

/// A message composed on the client, for the EAS 16.x way of sending: a Sync Add to the Drafts
/// folder, with `email2:Send` to send it (MS-ASEMAIL 3.1.5.3, 2.2.2.69) or without to keep it
/// as a draft. Servers below 16.0 (Z-Push, SOGo) use SendMail with MIME instead
/// ([`crate::compose`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    /// Recipients as RFC 5322 address lists (`"Bob" <bob@example.com>, carol@example.com`).
    pub to: Option<String>,
    pub cc: Option<String>,
    /// `email2:Bcc` (16.0+).
    pub bcc: Option<String>,
    pub subject: Option<String>,
    /// 0 low, 1 normal, 2 high.
    pub importance: Option<u8>,
    /// The body and its format (plain text or HTML).
    pub body: Option<(BodyType, String)>,
}

impl Draft {
    /// `ApplicationData` for a Sync Add or Change in the Drafts folder.
    pub fn to_application_data(&self) -> Result<Element, EasError> {
        let t = |tag: kontor_wbxml::Tag, v: &Option<String>| {
            v.as_ref().map(|s| Element::text(tag, s.clone()))
        };
        let mut d = Element::new(a::ApplicationData)
            .with_opt(t(em::To, &self.to))
            .with_opt(t(em::Cc, &self.cc))
            .with_opt(t(em::Subject, &self.subject))
            .with_opt(
                self.importance
                    .map(|i| Element::text(em::Importance, i.to_string())),
            );
        if let Some((kind, text)) = &self.body {
            if !matches!(kind, BodyType::PlainText | BodyType::Html) {
                return Err(EasError::InvalidItem {
                    class: "Email",
                    detail: format!(
                        "a draft body is plain text or HTML, not body type {}",
                        kind.code()
                    ),
                });
            }
            d.push(
                Element::new(asb::Body)
                    .with(Element::text(asb::Type, kind.code().to_string()))
                    .with(Element::text(asb::Data, text.clone())),
            );
        }
        Ok(d.with_opt(t(em2::Bcc, &self.bcc)))
    }

    /// The Sync command that adds this message to the Drafts folder and sends it. Refused
    /// (nothing to send) when it has no recipient.
    pub fn send_new(&self, client_id: &str) -> Result<ClientCommand, EasError> {
        let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !(has(&self.to) || has(&self.cc) || has(&self.bcc)) {
            return Err(EasError::InvalidItem {
                class: "Email",
                detail: "a message to send needs at least one recipient".into(),
            });
        }
        Ok(ClientCommand::AddAndSend {
            client_id: client_id.into(),
            data: self.to_application_data()?,
        })
    }

    /// The Sync command that saves this message as a draft (no `Send`).
    pub fn save(&self, client_id: &str) -> Result<ClientCommand, EasError> {
        Ok(ClientCommand::Add {
            client_id: client_id.into(),
            data: self.to_application_data()?,
        })
    }
}
