//! MoveItems (MS-ASCMD 2.2.1.12): move messages between folders.

use kontor_wbxml::pages::moveitems as mv;
use kontor_wbxml::{Document, Element};

use crate::error::{EasError, common_status_error};

/// One move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub src_msg_id: String,
    pub src_fld_id: String,
    pub dst_fld_id: String,
}

/// MoveItems status per item (MS-ASCMD 2.2.3.177.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 1: the source folder or item does not exist.
    InvalidSource,
    /// 2: the destination folder does not exist.
    InvalidDestination,
    /// 3: moved.
    Success,
    /// 4: source and destination are the same.
    SameFolder,
    /// 5: the move failed (e.g. several items moved at once, or a server failure).
    Failure,
    /// 7: source or destination item locked.
    Locked,
    Other(u16),
}

impl Status {
    pub fn from_code(c: u16) -> Self {
        match c {
            1 => Status::InvalidSource,
            2 => Status::InvalidDestination,
            3 => Status::Success,
            4 => Status::SameFolder,
            5 => Status::Failure,
            7 => Status::Locked,
            c => Status::Other(c),
        }
    }

    /// `Ok` for success, else the error to act on.
    pub fn into_result(self) -> Result<(), EasError> {
        match self {
            Status::Success => Ok(()),
            Status::InvalidSource => Err(EasError::ItemNotFound),
            Status::InvalidDestination => Err(EasError::Status {
                command: "MoveItems",
                status: 2,
                meaning: "the destination folder does not exist",
            }),
            Status::SameFolder => Err(EasError::Status {
                command: "MoveItems",
                status: 4,
                meaning: "source and destination are the same folder",
            }),
            Status::Failure => Err(EasError::ServerBusy { retry_after: None }),
            Status::Locked => Err(EasError::ServerBusy { retry_after: None }),
            Status::Other(c) => Err(common_status_error("MoveItems", c)),
        }
    }
}

/// Result for one moved item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveResult {
    pub src_msg_id: String,
    pub status: Status,
    /// The item's ServerId in the destination folder.
    pub dst_msg_id: Option<String>,
}

pub fn request(moves: &[Move]) -> Element {
    let mut root = Element::new(mv::MoveItems);
    for m in moves {
        root.push(
            Element::new(mv::Move)
                .with(Element::text(mv::SrcMsgId, m.src_msg_id.clone()))
                .with(Element::text(mv::SrcFldId, m.src_fld_id.clone()))
                .with(Element::text(mv::DstFldId, m.dst_fld_id.clone())),
        );
    }
    root
}

pub fn parse(doc: Option<Document>) -> Result<Vec<MoveResult>, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("MoveItems", "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != mv::MoveItems {
        return Err(EasError::protocol(
            "MoveItems",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    Ok(root
        .children_with(mv::Response)
        .map(|r| MoveResult {
            src_msg_id: r.child_text(mv::SrcMsgId).unwrap_or_default().into_owned(),
            status: Status::from_code(
                r.child_text(mv::Status)
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(0),
            ),
            dst_msg_id: r.child_text(mv::DstMsgId).map(|s| s.into_owned()),
        })
        .collect())
}
