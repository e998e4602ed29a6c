//! Ping (MS-ASCMD 2.2.1.13): wait for changes in a set of folders (push).

use std::time::Duration;

use kontor_wbxml::pages::ping as p;
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};
use crate::folder_sync::ItemClass;

/// The heartbeat range servers accept (MS-ASCMD 2.2.3.86.1: 60–3540 s).
pub const MIN_HEARTBEAT: u32 = 60;
pub const MAX_HEARTBEAT: u32 = 3540;

/// A folder to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingFolder {
    pub id: String,
    pub class: ItemClass,
}

/// What a Ping ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Status 1: the heartbeat expired without changes; ping again.
    NoChanges,
    /// Status 2: these folders have changes; Sync them.
    Changed(Vec<String>),
    /// Status 3: the server lost the parameters; resend the full request.
    ParametersRequired,
    /// Status 5: the heartbeat was out of range; use the value given.
    HeartbeatOutOfRange { allowed: u32 },
    /// Status 6: too many folders; watch at most `max`.
    TooManyFolders { max: u32 },
}

/// The request. An empty `folders` with `heartbeat = None` re-uses the server's remembered
/// parameters (an empty Ping body is also allowed, but not every server keeps them).
pub fn request(heartbeat: u32, folders: &[PingFolder]) -> Element {
    let mut fs = Element::new(p::Folders);
    for f in folders {
        fs.push(
            Element::new(p::Folder)
                .with(Element::text(p::Id, f.id.clone()))
                .with(Element::text(p::Class, f.class.as_str())),
        );
    }
    Element::new(p::Ping)
        .with(Element::text(
            p::HeartbeatInterval,
            heartbeat.clamp(MIN_HEARTBEAT, MAX_HEARTBEAT).to_string(),
        ))
        .with(fs)
}

/// HTTP timeout for a Ping with this heartbeat: the heartbeat plus a margin.
pub fn http_timeout(heartbeat: u32) -> Duration {
    Duration::from_secs(u64::from(heartbeat) + 60)
}

/// Decodes a Ping answer (status values MS-ASCMD 2.2.3.177.13).
pub fn parse(doc: Option<Document>) -> Result<Outcome, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("Ping", "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != p::Ping {
        return Err(EasError::protocol(
            "Ping",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    let num = |t| {
        root.child_text(t)
            .and_then(|s| s.trim().parse::<u32>().ok())
    };
    let status =
        num(p::Status).ok_or_else(|| EasError::protocol("Ping", "the answer has no Status"))?;
    match status {
        1 => Ok(Outcome::NoChanges),
        2 => Ok(Outcome::Changed(
            root.child(p::Folders)
                .map(|fs| {
                    fs.children_with(p::Folder)
                        .filter_map(|f| f.text().map(|t| t.into_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        )),
        3 => Ok(Outcome::ParametersRequired),
        4 => Err(EasError::Status {
            command: "Ping",
            status: 4,
            meaning: "syntax error in the request",
        }),
        5 => Ok(Outcome::HeartbeatOutOfRange {
            allowed: num(p::HeartbeatInterval).unwrap_or(MIN_HEARTBEAT),
        }),
        6 => Ok(Outcome::TooManyFolders {
            max: num(p::MaxFolders).unwrap_or(1),
        }),
        7 => Err(EasError::FolderHierarchyChanged),
        8 => Err(EasError::ServerBusy { retry_after: None }),
        c => Err(common_status_error("Ping", c as u16)),
    }
}
