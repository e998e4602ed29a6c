//! Settings (MS-ASCMD 2.2.1.18): out-of-office, user information, device information.

use kontor_wbxml::pages::settings as s;
use kontor_wbxml::{Document, Element, ElementRef};

use crate::error::{EasError, common_status_error};

/// Out-of-office state (MS-ASCMD 2.2.3.120).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OofState {
    Disabled,
    Global,
    TimeBased,
}

/// One audience's automatic reply (MS-ASCMD 2.2.3.114 OofMessage): whether it is sent and its
/// text (plain text; `None` when the server sent none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OofReply {
    pub enabled: bool,
    pub message: Option<String>,
}

/// Out-of-office settings, one reply per audience: `internal` (AppliesToInternal: senders of
/// the user's organisation), `external_known` (AppliesToExternalKnown: outside senders in the
/// user's contacts) and `external_unknown` (AppliesToExternalUnknown: every other outside
/// sender). Kopano keeps one text only and answers it as the internal one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oof {
    pub state: OofState,
    /// ISO 8601 UTC start/end for `TimeBased`.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub internal: OofReply,
    pub external_known: OofReply,
    pub external_unknown: OofReply,
}

/// What the server knows about the user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInformation {
    pub email_addresses: Vec<String>,
    pub primary_smtp_address: Option<String>,
    pub display_name: Option<String>,
}

fn status_ok(e: ElementRef<'_>) -> Result<(), EasError> {
    match e
        .child_text(s::Status)
        .and_then(|t| t.trim().parse::<u16>().ok())
    {
        None | Some(1) => Ok(()),
        Some(2) => Err(EasError::Status {
            command: "Settings",
            status: 2,
            meaning: "protocol error",
        }),
        Some(3) => Err(EasError::Status {
            command: "Settings",
            status: 3,
            meaning: "access denied",
        }),
        Some(4) => Err(EasError::ServerBusy { retry_after: None }),
        Some(5) => Err(EasError::Status {
            command: "Settings",
            status: 5,
            meaning: "invalid arguments",
        }),
        Some(6) => Err(EasError::Status {
            command: "Settings",
            status: 6,
            meaning: "conflicting arguments",
        }),
        Some(7) => Err(EasError::Status {
            command: "Settings",
            status: 7,
            meaning: "denied by policy",
        }),
        Some(c) => Err(common_status_error("Settings", c)),
    }
}

fn root_of(doc: &Option<Document>) -> Result<ElementRef<'_>, EasError> {
    let doc = doc
        .as_ref()
        .ok_or_else(|| EasError::protocol("Settings", "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != s::Settings {
        return Err(EasError::protocol(
            "Settings",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    status_ok(root)?;
    Ok(root)
}

pub fn oof_get_request() -> Element {
    Element::new(s::Settings).with(
        Element::new(s::Oof).with(Element::new(s::Get).with(Element::text(s::BodyType, "Text"))),
    )
}

pub fn oof_set_request(oof: &Oof) -> Element {
    let state = match oof.state {
        OofState::Disabled => "0",
        OofState::Global => "1",
        OofState::TimeBased => "2",
    };
    let mut set = Element::new(s::Set).with(Element::text(s::OofState, state));
    if oof.state == OofState::TimeBased {
        set = set
            .with_opt(
                oof.start_time
                    .clone()
                    .map(|t| Element::text(s::StartTime, t)),
            )
            .with_opt(oof.end_time.clone().map(|t| Element::text(s::EndTime, t)));
    }
    for (audience, reply) in [
        (s::AppliesToInternal, &oof.internal),
        (s::AppliesToExternalKnown, &oof.external_known),
        (s::AppliesToExternalUnknown, &oof.external_unknown),
    ] {
        let mut m = Element::new(s::OofMessage)
            .with(Element::new(audience))
            .with(Element::text(
                s::Enabled,
                if reply.enabled { "1" } else { "0" },
            ));
        if let Some(text) = &reply.message {
            m = m
                .with(Element::text(s::ReplyMessage, text.clone()))
                .with(Element::text(s::BodyType, "Text"));
        }
        set.push(m);
    }
    Element::new(s::Settings).with(Element::new(s::Oof).with(set))
}

/// Reads a Settings Oof Get answer. A server that answers without any out-of-office data is
/// [`EasError::NotSupported`]: SOGo sends no `Oof` element at all when its vacation feature is
/// off (`SOGoVacationEnabled`, it needs a Sieve server), and Z-Push's backends without
/// out-of-office support (its IMAP, CalDAV and combined backends) answer `OofState` 0 with no
/// `OofMessage`, where a server that keeps replies (Exchange, Kopano) always sends at least one.
pub fn parse_oof_get(doc: Option<Document>) -> Result<Oof, EasError> {
    let unsupported = EasError::NotSupported {
        feature: "out-of-office settings",
    };
    let root = root_of(&doc)?;
    let oof = root.child(s::Oof).ok_or(unsupported.clone())?;
    status_ok(oof)?;
    let get = oof
        .child(s::Get)
        .ok_or_else(|| EasError::protocol("Settings", "the Oof answer has no Get"))?;
    let state = match get.child_text(s::OofState).as_deref().map(str::trim) {
        Some("1") => OofState::Global,
        Some("2") => OofState::TimeBased,
        _ => OofState::Disabled,
    };
    let mut internal = None;
    let mut external_known = None;
    let mut external_unknown = None;
    let mut any = false;
    for m in get.children_with(s::OofMessage) {
        any = true;
        let reply = OofReply {
            enabled: m.child_text(s::Enabled).as_deref().map(str::trim) == Some("1"),
            // SOGo writes a text it does not have as "(null)" (Objective-C's nil printed).
            message: m
                .child_text(s::ReplyMessage)
                .filter(|t| t.trim() != "(null)")
                .map(|t| {
                    t.replace("\r\n", "\n")
                        .replace('\r', "\n")
                        .trim()
                        .to_owned()
                }),
        };
        let slot = if m.child(s::AppliesToExternalKnown).is_some() {
            &mut external_known
        } else if m.child(s::AppliesToExternalUnknown).is_some() {
            &mut external_unknown
        } else {
            &mut internal
        };
        slot.get_or_insert(reply);
    }
    if !any {
        return Err(unsupported);
    }
    // SOGo sends 1970-01-01T00:00:00.000Z for a time it does not have: none.
    let time = |tag| {
        get.child_text(tag)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty() && !t.starts_with("1970-01-01T00:00:00"))
    };
    Ok(Oof {
        state,
        start_time: time(s::StartTime),
        end_time: time(s::EndTime),
        internal: internal.unwrap_or_default(),
        external_known: external_known.unwrap_or_default(),
        external_unknown: external_unknown.unwrap_or_default(),
    })
}

pub fn parse_oof_set(doc: Option<Document>) -> Result<(), EasError> {
    let root = root_of(&doc)?;
    if let Some(oof) = root.child(s::Oof) {
        status_ok(oof)?;
    }
    Ok(())
}

pub fn user_information_request() -> Element {
    Element::new(s::Settings).with(Element::new(s::UserInformation).with(Element::new(s::Get)))
}

pub fn parse_user_information(doc: Option<Document>) -> Result<UserInformation, EasError> {
    let root = root_of(&doc)?;
    let ui = root
        .child(s::UserInformation)
        .ok_or_else(|| EasError::protocol("Settings", "no UserInformation"))?;
    status_ok(ui)?;
    let mut out = UserInformation::default();
    let get = ui.child(s::Get);
    let scopes: Vec<ElementRef<'_>> = get
        .map(|g| {
            let mut v: Vec<_> = g
                .child(s::Accounts)
                .map(|a| a.children_with(s::Account).collect())
                .unwrap_or_default();
            v.push(g);
            v
        })
        .unwrap_or_default();
    for sc in scopes {
        if let Some(ea) = sc.child(s::EmailAddresses) {
            out.email_addresses.extend(
                ea.children_with(s::SMTPAddress)
                    .filter_map(|a| a.text().map(|t| t.into_owned())),
            );
            if out.primary_smtp_address.is_none() {
                out.primary_smtp_address =
                    ea.child_text(s::PrimarySmtpAddress).map(|t| t.into_owned());
            }
        }
        if out.display_name.is_none() {
            out.display_name = sc.child_text(s::UserDisplayName).map(|t| t.into_owned());
        }
    }
    Ok(out)
}

/// Device description sent with Settings (and Provision from 14.1 on).
pub fn device_information_request(model: &str, os: &str, user_agent: &str) -> Element {
    Element::new(s::Settings).with(
        Element::new(s::DeviceInformation).with(
            Element::new(s::Set)
                .with(Element::text(s::Model, model))
                .with(Element::text(s::FriendlyName, "Kontor"))
                .with(Element::text(s::OS, os))
                .with(Element::text(s::UserAgent, user_agent)),
        ),
    )
}

pub fn parse_device_information(doc: Option<Document>) -> Result<(), EasError> {
    let root = root_of(&doc)?;
    if let Some(d) = root.child(s::DeviceInformation) {
        status_ok(d)?;
    }
    Ok(())
}
