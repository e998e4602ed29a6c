//! FolderSync (MS-ASCMD 2.2.1.5): the folder hierarchy and its changes.

use kontor_wbxml::pages::folderhierarchy as fh;
use kontor_wbxml::{Document, Element, ElementRef};

use crate::error::{EasError, common_status_error};

/// Folder type (MS-ASCMD 2.2.3.186.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FolderType {
    UserCreatedGeneric,
    Inbox,
    Drafts,
    DeletedItems,
    SentItems,
    Outbox,
    Tasks,
    Calendar,
    Contacts,
    Notes,
    Journal,
    UserCreatedMail,
    UserCreatedCalendar,
    UserCreatedContacts,
    UserCreatedTasks,
    UserCreatedJournal,
    UserCreatedNotes,
    Unknown,
    RecipientInformationCache,
    /// A value outside the documented range, kept as sent.
    Other(u8),
}

/// The item class a folder holds, as used in Sync's `Class` and Ping's `Class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemClass {
    Email,
    Calendar,
    Contacts,
    Tasks,
    Notes,
}

impl ItemClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemClass::Email => "Email",
            ItemClass::Calendar => "Calendar",
            ItemClass::Contacts => "Contacts",
            ItemClass::Tasks => "Tasks",
            ItemClass::Notes => "Notes",
        }
    }
}

impl FolderType {
    /// The numeric value on the wire.
    pub fn code(self) -> u8 {
        use FolderType::*;
        match self {
            UserCreatedGeneric => 1,
            Inbox => 2,
            Drafts => 3,
            DeletedItems => 4,
            SentItems => 5,
            Outbox => 6,
            Tasks => 7,
            Calendar => 8,
            Contacts => 9,
            Notes => 10,
            Journal => 11,
            UserCreatedMail => 12,
            UserCreatedCalendar => 13,
            UserCreatedContacts => 14,
            UserCreatedTasks => 15,
            UserCreatedJournal => 16,
            UserCreatedNotes => 17,
            Unknown => 18,
            RecipientInformationCache => 19,
            Other(c) => c,
        }
    }

    pub fn from_code(code: u8) -> Self {
        use FolderType::*;
        match code {
            1 => UserCreatedGeneric,
            2 => Inbox,
            3 => Drafts,
            4 => DeletedItems,
            5 => SentItems,
            6 => Outbox,
            7 => Tasks,
            8 => Calendar,
            9 => Contacts,
            10 => Notes,
            11 => Journal,
            12 => UserCreatedMail,
            13 => UserCreatedCalendar,
            14 => UserCreatedContacts,
            15 => UserCreatedTasks,
            16 => UserCreatedJournal,
            17 => UserCreatedNotes,
            18 => Unknown,
            19 => RecipientInformationCache,
            c => Other(c),
        }
    }

    /// The class of items in such a folder (`None` for journal, unknown and the recipient cache).
    pub fn item_class(self) -> Option<ItemClass> {
        use FolderType::*;
        Some(match self {
            UserCreatedGeneric | Inbox | Drafts | DeletedItems | SentItems | Outbox
            | UserCreatedMail => ItemClass::Email,
            Calendar | UserCreatedCalendar => ItemClass::Calendar,
            Contacts | UserCreatedContacts => ItemClass::Contacts,
            Tasks | UserCreatedTasks => ItemClass::Tasks,
            Notes | UserCreatedNotes => ItemClass::Notes,
            _ => return None,
        })
    }
}

/// A folder as FolderSync describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub server_id: String,
    /// `"0"` for top-level folders.
    pub parent_id: String,
    pub display_name: String,
    pub folder_type: FolderType,
}

/// One hierarchy change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add(Folder),
    Update(Folder),
    Delete { server_id: String },
}

/// A FolderSync answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The key to send next time.
    pub sync_key: String,
    pub changes: Vec<Change>,
}

/// FolderSync status (MS-ASCMD 2.2.3.177.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// 6: server error; retry.
    ServerError,
    /// 9: the sync key is invalid; start again from "0".
    InvalidSyncKey,
    /// 10: the request was malformed.
    BadRequest,
    /// 11: unknown error; retry.
    UnknownError,
    /// 12: code unknown.
    CodeUnknown,
    /// A common status (≥ 101) or an undocumented one.
    Other(u16),
}

impl Status {
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Status::Success,
            6 => Status::ServerError,
            9 => Status::InvalidSyncKey,
            10 => Status::BadRequest,
            11 => Status::UnknownError,
            12 => Status::CodeUnknown,
            c => Status::Other(c),
        }
    }

    /// Shared by FolderCreate/Update/Delete, whose statuses 6/9/10/11 mean the same.
    pub(crate) fn into_result_for(self, command: &'static str) -> Result<(), EasError> {
        match self {
            Status::Success => Ok(()),
            Status::ServerError | Status::UnknownError => {
                Err(EasError::ServerBusy { retry_after: None })
            }
            Status::InvalidSyncKey => Err(EasError::InvalidSyncKey),
            Status::BadRequest => Err(EasError::Status {
                command,
                status: 10,
                meaning: "malformed request",
            }),
            Status::CodeUnknown => Err(EasError::Status {
                command,
                status: 12,
                meaning: "code unknown",
            }),
            Status::Other(c) => Err(common_status_error(command, c)),
        }
    }

    /// `Ok` for success, else the error the caller acts on.
    pub fn into_result(self) -> Result<(), EasError> {
        self.into_result_for("FolderSync")
    }
}

/// The request: `<FolderSync><SyncKey>…</SyncKey></FolderSync>`.
pub fn request(sync_key: &str) -> Element {
    Element::new(fh::FolderSync).with(Element::text(fh::SyncKey, sync_key))
}

pub(crate) fn status_of(command: &'static str, root: ElementRef<'_>) -> Result<u16, EasError> {
    root.child_text(fh::Status)
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| EasError::protocol(command, "the answer has no Status"))
}

fn folder(e: ElementRef<'_>) -> Result<Folder, EasError> {
    let text = |t| e.child_text(t).map(|s| s.into_owned());
    Ok(Folder {
        server_id: text(fh::ServerId)
            .ok_or_else(|| EasError::protocol("FolderSync", "a folder has no ServerId"))?,
        parent_id: text(fh::ParentId).unwrap_or_else(|| "0".into()),
        display_name: text(fh::DisplayName).unwrap_or_default(),
        folder_type: FolderType::from_code(
            e.child_text(fh::Type)
                .and_then(|t| t.trim().parse().ok())
                .ok_or_else(|| EasError::protocol("FolderSync", "a folder has no valid Type"))?,
        ),
    })
}

/// Decodes a FolderSync answer.
pub fn parse(doc: Option<Document>) -> Result<Response, EasError> {
    let doc = doc.ok_or_else(|| EasError::protocol("FolderSync", "the answer is empty"))?;
    let root = doc.root();
    if root.tag() != fh::FolderSync {
        return Err(EasError::protocol(
            "FolderSync",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    Status::from_code(status_of("FolderSync", root)?).into_result()?;
    let sync_key = root
        .child_text(fh::SyncKey)
        .map(|s| s.into_owned())
        .ok_or_else(|| EasError::protocol("FolderSync", "the answer has no SyncKey"))?;
    let mut changes = Vec::new();
    if let Some(c) = root.child(fh::Changes) {
        for e in c.elements() {
            match e.tag() {
                t if t == fh::Add => changes.push(Change::Add(folder(e)?)),
                t if t == fh::Update => changes.push(Change::Update(folder(e)?)),
                t if t == fh::Delete => changes.push(Change::Delete {
                    server_id: e
                        .child_text(fh::ServerId)
                        .map(|s| s.into_owned())
                        .ok_or_else(|| {
                            EasError::protocol("FolderSync", "a deletion has no ServerId")
                        })?,
                }),
                t if t == fh::Count => {}
                other => {
                    tracing::trace!(tag = %other, "ignoring unexpected element in FolderSync Changes")
                }
            }
        }
    }
    Ok(Response { sync_key, changes })
}
