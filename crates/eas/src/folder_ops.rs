//! FolderCreate, FolderUpdate, FolderDelete (MS-ASCMD 2.2.1.2, 2.2.1.4, 2.2.1.3).

use kontor_wbxml::pages::folderhierarchy as fh;
use kontor_wbxml::{Document, Element};

use crate::error::EasError;
use crate::folder_sync::{FolderType, Status as SyncStatus, status_of};

/// Statuses of the folder commands (MS-ASCMD 2.2.3.177.2–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// 2: a folder with that name exists already.
    AlreadyExists,
    /// 3: the folder is a special (default) folder.
    SpecialFolder,
    /// 4: the folder does not exist.
    NotFound,
    /// 5: the parent folder does not exist.
    ParentNotFound,
    /// 6, 9, 10, 11 as in FolderSync.
    Sync(SyncStatus),
}

impl Status {
    pub fn from_code(c: u16) -> Self {
        match c {
            1 => Status::Success,
            2 => Status::AlreadyExists,
            3 => Status::SpecialFolder,
            4 => Status::NotFound,
            5 => Status::ParentNotFound,
            c => Status::Sync(SyncStatus::from_code(c)),
        }
    }

    fn into_result(self, command: &'static str) -> Result<(), EasError> {
        let st = |status, meaning| {
            Err(EasError::Status {
                command,
                status,
                meaning,
            })
        };
        match self {
            Status::Success => Ok(()),
            Status::AlreadyExists => st(2, "a folder with this name already exists"),
            Status::SpecialFolder => st(3, "special folders cannot be changed"),
            Status::NotFound => Err(EasError::ItemNotFound),
            Status::ParentNotFound => st(5, "the parent folder does not exist"),
            Status::Sync(s) => s.into_result_for(command),
        }
    }
}

/// FolderCreate answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub sync_key: String,
    pub server_id: String,
}

pub fn create_request(
    sync_key: &str,
    parent_id: &str,
    display_name: &str,
    folder_type: FolderType,
) -> Element {
    Element::new(fh::FolderCreate)
        .with(Element::text(fh::SyncKey, sync_key))
        .with(Element::text(fh::ParentId, parent_id))
        .with(Element::text(fh::DisplayName, display_name))
        .with(Element::text(fh::Type, folder_type.code().to_string()))
}

pub fn update_request(
    sync_key: &str,
    server_id: &str,
    parent_id: &str,
    display_name: &str,
) -> Element {
    Element::new(fh::FolderUpdate)
        .with(Element::text(fh::SyncKey, sync_key))
        .with(Element::text(fh::ServerId, server_id))
        .with(Element::text(fh::ParentId, parent_id))
        .with(Element::text(fh::DisplayName, display_name))
}

pub fn delete_request(sync_key: &str, server_id: &str) -> Element {
    Element::new(fh::FolderDelete)
        .with(Element::text(fh::SyncKey, sync_key))
        .with(Element::text(fh::ServerId, server_id))
}

fn common(
    command: &'static str,
    root_tag: kontor_wbxml::Tag,
    doc: &Option<Document>,
) -> Result<String, EasError> {
    let doc = doc
        .as_ref()
        .ok_or_else(|| EasError::protocol(command, "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != root_tag {
        return Err(EasError::protocol(
            command,
            format!("unexpected root element {}", root.tag()),
        ));
    }
    Status::from_code(status_of(command, root)?).into_result(command)?;
    root.child_text(fh::SyncKey)
        .map(|s| s.into_owned())
        .ok_or_else(|| EasError::protocol(command, "the answer has no SyncKey"))
}

pub fn parse_create(doc: Option<Document>) -> Result<Created, EasError> {
    let sync_key = common("FolderCreate", fh::FolderCreate, &doc)?;
    let server_id = doc
        .as_ref()
        .and_then(|d| d.root().child_text(fh::ServerId).map(|s| s.into_owned()))
        .ok_or_else(|| EasError::protocol("FolderCreate", "the answer has no ServerId"))?;
    Ok(Created {
        sync_key,
        server_id,
    })
}

/// Returns the new hierarchy sync key.
pub fn parse_update(doc: Option<Document>) -> Result<String, EasError> {
    common("FolderUpdate", fh::FolderUpdate, &doc)
}

/// Returns the new hierarchy sync key.
pub fn parse_delete(doc: Option<Document>) -> Result<String, EasError> {
    common("FolderDelete", fh::FolderDelete, &doc)
}
