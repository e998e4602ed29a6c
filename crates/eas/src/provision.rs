//! Provision (MS-ASPROV, MS-ASCMD 2.2.1.14): policy download, acknowledgement, remote wipe.

use kontor_wbxml::pages::{provision as pv, settings};
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};
use crate::version::ProtocolVersion;

/// The policy type of EAS 12.0 and later (MS-ASPROV 2.2.2.41).
pub const POLICY_TYPE: &str = "MS-EAS-Provisioning-WBXML";

/// Top-level Provision status (MS-ASPROV 2.2.2.54.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    ProtocolError,
    ServerError,
    /// A common status (≥ 101).
    Other(u16),
}

impl Status {
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Status::Success,
            2 => Status::ProtocolError,
            3 => Status::ServerError,
            c => Status::Other(c),
        }
    }

    /// `Ok` for success, else the error the caller acts on.
    pub fn into_result(self) -> Result<(), EasError> {
        match self {
            Status::Success => Ok(()),
            Status::ProtocolError => Err(EasError::Status {
                command: "Provision",
                status: 2,
                meaning: "protocol error",
            }),
            Status::ServerError => Err(EasError::ServerBusy { retry_after: None }),
            Status::Other(c) => Err(common_status_error("Provision", c)),
        }
    }
}

/// Status of the policy inside a Provision answer (MS-ASPROV 2.2.2.54.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyStatus {
    Success,
    /// "There is no policy for this client" — SOGo always answers this.
    NoPolicy,
    UnknownPolicyType,
    PolicyDataCorrupt,
    PolicyKeyMismatch,
    Other(u16),
}

impl PolicyStatus {
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => PolicyStatus::Success,
            2 => PolicyStatus::NoPolicy,
            3 => PolicyStatus::UnknownPolicyType,
            4 => PolicyStatus::PolicyDataCorrupt,
            5 => PolicyStatus::PolicyKeyMismatch,
            c => PolicyStatus::Other(c),
        }
    }

    pub(crate) fn into_error(self) -> EasError {
        let (status, meaning) = match self {
            PolicyStatus::Success => (1, "success"),
            PolicyStatus::NoPolicy => (2, "no policy for this client"),
            PolicyStatus::UnknownPolicyType => (3, "unknown policy type"),
            PolicyStatus::PolicyDataCorrupt => (4, "policy data corrupt"),
            PolicyStatus::PolicyKeyMismatch => return EasError::ProvisionRequired,
            PolicyStatus::Other(c) => return common_status_error("Provision", c),
        };
        EasError::Status {
            command: "Provision",
            status,
            meaning,
        }
    }
}

/// The policy part of a Provision answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub policy_type: String,
    pub status: PolicyStatus,
    pub policy_key: Option<String>,
    /// `EASProvisionDoc` children as (name, text) pairs, in order.
    pub settings: Vec<(String, String)>,
}

/// The largest attachment the policy allows, in bytes (MS-ASPROV 2.2.2.38 MaxAttachmentSize);
/// `None` when the policy sets no limit (the element missing or empty, as Z-Push sends it
/// without one).
pub fn max_attachment_size(settings: &[(String, String)]) -> Option<u64> {
    settings
        .iter()
        .find(|(name, _)| name == "MaxAttachmentSize")
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        .filter(|&n| n > 0)
}

/// A decoded Provision answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: Status,
    pub policy: Option<Policy>,
    /// The server asks for a remote wipe.
    pub remote_wipe: bool,
}

/// Phase one: ask for the policy. From 14.1 on the device describes itself
/// (Settings:DeviceInformation, MS-ASPROV 2.2.2.52).
pub fn request(version: ProtocolVersion, device_type: &str, user_agent: &str) -> Element {
    let mut root = Element::new(pv::Provision);
    if version >= ProtocolVersion::V14_1 {
        root.push(
            Element::new(settings::DeviceInformation).with(
                Element::new(settings::Set)
                    .with(Element::text(settings::Model, device_type))
                    .with(Element::text(settings::FriendlyName, "Kontor"))
                    .with(Element::text(settings::OS, std::env::consts::OS))
                    .with(Element::text(settings::UserAgent, user_agent)),
            ),
        );
    }
    root.with(policies(None))
}

fn policies(ack_key: Option<&str>) -> Element {
    let mut policy = Element::new(pv::Policy).with(Element::text(pv::PolicyType, POLICY_TYPE));
    if let Some(k) = ack_key {
        policy.push(Element::text(pv::PolicyKey, k));
        policy.push(Element::text(pv::Status, "1"));
    }
    Element::new(pv::Policies).with(policy)
}

/// Phase two: acknowledge the policy with the temporary key (Status 1 = applied).
pub fn acknowledge(temporary_key: &str) -> Element {
    Element::new(pv::Provision).with(policies(Some(temporary_key)))
}

/// Acknowledges a remote wipe (Status 1 = wipe carried out).
pub fn acknowledge_remote_wipe() -> Element {
    Element::new(pv::Provision)
        .with(Element::new(pv::RemoteWipe).with(Element::text(pv::Status, "1")))
}

fn code(s: Option<std::borrow::Cow<'_, str>>) -> Option<u16> {
    s.and_then(|s| s.trim().parse().ok())
}

/// Decodes a Provision answer.
pub fn parse(doc: Option<Document>) -> Result<Response, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("Provision", "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != pv::Provision {
        return Err(EasError::protocol(
            "Provision",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    let status = Status::from_code(
        code(root.child_text(pv::Status))
            .ok_or_else(|| EasError::protocol("Provision", "the answer has no Status"))?,
    );
    status.into_result()?;
    let policy = root.path(&[pv::Policies, pv::Policy]).map(|p| Policy {
        policy_type: p
            .child_text(pv::PolicyType)
            .unwrap_or_default()
            .into_owned(),
        status: PolicyStatus::from_code(code(p.child_text(pv::Status)).unwrap_or(1)),
        policy_key: p.child_text(pv::PolicyKey).map(|k| k.trim().to_string()),
        settings: p
            .path(&[pv::Data, pv::EASProvisionDoc])
            .map(|d| {
                d.elements()
                    .map(|e| {
                        (
                            e.tag().name().unwrap_or("unknown").to_string(),
                            e.text().unwrap_or_default().into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    });
    Ok(Response {
        status,
        policy,
        remote_wipe: root.child(pv::RemoteWipe).is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::max_attachment_size;

    fn doc(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_attachment_limit_is_read_only_when_the_policy_sets_one() {
        assert_eq!(
            max_attachment_size(&doc(&[
                ("DevicePasswordEnabled", "0"),
                ("MaxAttachmentSize", "10485760")
            ])),
            Some(10_485_760)
        );
        // Z-Push sends the element empty when its policies.ini sets no limit.
        assert_eq!(
            max_attachment_size(&doc(&[("MaxAttachmentSize", "")])),
            None
        );
        assert_eq!(
            max_attachment_size(&doc(&[("MaxAttachmentSize", "-1")])),
            None
        );
        assert_eq!(
            max_attachment_size(&doc(&[("MaxAttachmentSize", "0")])),
            None
        );
        assert_eq!(max_attachment_size(&[]), None);
    }
}
