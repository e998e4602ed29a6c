//! Sync (MS-ASCMD 2.2.1.21): item changes in both directions for Email, Calendar, Contacts and
//! Tasks collections, plus the loop guard that keeps a misbehaving server from wedging a client.
//!
//! Item contents (`ApplicationData`) travel as owned [`Element`] trees; [`crate::email`] reads
//! and writes the Email class, other classes are mapped by their own crates.

use kontor_wbxml::pages::{airsync as a, airsyncbase as asb};
use kontor_wbxml::{Document, Element, ElementRef};

use crate::error::{EasError, common_status_error};
use crate::folder_sync::ItemClass;

/// Body format asked for or received (MS-ASAIRS 2.2.2.22.x `Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    PlainText,
    Html,
    Rtf,
    Mime,
    Other(u8),
}

impl BodyType {
    pub fn code(self) -> u8 {
        match self {
            BodyType::PlainText => 1,
            BodyType::Html => 2,
            BodyType::Rtf => 3,
            BodyType::Mime => 4,
            BodyType::Other(c) => c,
        }
    }

    pub fn from_code(c: u8) -> Self {
        match c {
            1 => BodyType::PlainText,
            2 => BodyType::Html,
            3 => BodyType::Rtf,
            4 => BodyType::Mime,
            c => BodyType::Other(c),
        }
    }
}

/// `airsyncbase:BodyPreference` (MS-ASAIRS 2.2.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPreference {
    pub body_type: BodyType,
    /// Bytes of body to send; `None` for the whole body.
    pub truncation_size: Option<u32>,
    /// Send nothing rather than a truncated body.
    pub all_or_none: bool,
    /// Characters of plain-text preview (14.0+).
    pub preview: Option<u32>,
}

impl BodyPreference {
    pub fn new(body_type: BodyType) -> Self {
        BodyPreference {
            body_type,
            truncation_size: None,
            all_or_none: false,
            preview: None,
        }
    }

    pub(crate) fn to_element(self) -> Element {
        let mut e = Element::new(asb::BodyPreference)
            .with(Element::text(asb::Type, self.body_type.code().to_string()));
        if let Some(t) = self.truncation_size {
            e.push(Element::text(asb::TruncationSize, t.to_string()));
        }
        if self.all_or_none {
            e.push(Element::text(asb::AllOrNone, "1"));
        }
        if let Some(p) = self.preview {
            e.push(Element::text(asb::Preview, p.to_string()));
        }
        e
    }
}

/// `FilterType` (MS-ASCMD 2.2.3.68.1): how far back to synchronise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterType {
    All = 0,
    OneDay = 1,
    ThreeDays = 2,
    OneWeek = 3,
    TwoWeeks = 4,
    OneMonth = 5,
    ThreeMonths = 6,
    SixMonths = 7,
    IncompleteTasks = 8,
}

/// `Options` of a collection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOptions {
    pub filter_type: Option<FilterType>,
    pub body_preferences: Vec<BodyPreference>,
    /// `MIMESupport`: 0 never, 1 S/MIME only, 2 always send MIME.
    pub mime_support: Option<u8>,
    /// `Class` inside Options (needed only to tell two option sets of one collection apart).
    pub class: Option<ItemClass>,
}

impl SyncOptions {
    fn to_element(&self) -> Element {
        let mut o = Element::new(a::Options);
        if let Some(c) = self.class {
            o.push(Element::text(a::Class, c.as_str()));
        }
        if let Some(f) = self.filter_type {
            o.push(Element::text(a::FilterType, (f as u8).to_string()));
        }
        for p in &self.body_preferences {
            o.push(p.to_element());
        }
        if let Some(m) = self.mime_support {
            o.push(Element::text(a::MIMESupport, m.to_string()));
        }
        o
    }
}

/// A change the client sends (MS-ASCMD 2.2.3.29 Commands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCommand {
    /// A new item; `client_id` lets the answer be matched to it.
    Add { client_id: String, data: Element },
    /// Changed properties of an existing item (`data` holds only what changes).
    Change { server_id: String, data: Element },
    /// Delete (a move to Deleted Items unless `DeletesAsMoves` is 0).
    Delete { server_id: String },
    /// Ask for an item in full.
    Fetch { server_id: String },
    /// EAS 16.0+: a new message added to the Drafts folder and sent at once (`email2:Send`
    /// after the data, MS-ASEMAIL 2.2.2.69). Build it with
    /// [`crate::email::Draft::send_new`].
    AddAndSend { client_id: String, data: Element },
    /// EAS 16.0+: send an existing draft, with the properties that change.
    ChangeAndSend { server_id: String, data: Element },
}

impl ClientCommand {
    fn to_element(&self) -> Element {
        match self {
            ClientCommand::Add { client_id, data } => Element::new(a::Add)
                .with(Element::text(a::ClientId, client_id.clone()))
                .with(application_data(data)),
            ClientCommand::Change { server_id, data } => Element::new(a::Change)
                .with(Element::text(a::ServerId, server_id.clone()))
                .with(application_data(data)),
            ClientCommand::Delete { server_id } => {
                Element::new(a::Delete).with(Element::text(a::ServerId, server_id.clone()))
            }
            ClientCommand::Fetch { server_id } => {
                Element::new(a::Fetch).with(Element::text(a::ServerId, server_id.clone()))
            }
            ClientCommand::AddAndSend { client_id, data } => Element::new(a::Add)
                .with(Element::text(a::ClientId, client_id.clone()))
                .with(application_data(data))
                .with(Element::new(kontor_wbxml::pages::email2::Send)),
            ClientCommand::ChangeAndSend { server_id, data } => Element::new(a::Change)
                .with(Element::text(a::ServerId, server_id.clone()))
                .with(application_data(data))
                .with(Element::new(kontor_wbxml::pages::email2::Send)),
        }
    }

    /// True for the 16.0+ commands that send a draft.
    pub fn sends(&self) -> bool {
        matches!(
            self,
            ClientCommand::AddAndSend { .. } | ClientCommand::ChangeAndSend { .. }
        )
    }
}

/// Wraps item properties in `ApplicationData` unless they already are.
fn application_data(data: &Element) -> Element {
    if data.tag == a::ApplicationData {
        data.clone()
    } else {
        Element {
            tag: a::ApplicationData,
            children: data.children.clone(),
        }
    }
}

/// One collection in a Sync request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRequest {
    pub collection_id: String,
    /// `"0"` for the first sync of a collection.
    pub sync_key: String,
    /// Ask for server changes (ignored with key 0, where it must not be sent).
    pub get_changes: bool,
    /// Items per answer (1–512); the server may send fewer and set MoreAvailable.
    pub window_size: Option<u32>,
    /// `Some(false)` deletes for good instead of moving to Deleted Items.
    pub deletes_as_moves: Option<bool>,
    pub options: Option<SyncOptions>,
    pub commands: Vec<ClientCommand>,
}

impl CollectionRequest {
    /// A plain "give me changes" request.
    pub fn new(collection_id: &str, sync_key: &str) -> Self {
        CollectionRequest {
            collection_id: collection_id.into(),
            sync_key: sync_key.into(),
            get_changes: true,
            window_size: Some(100),
            deletes_as_moves: None,
            options: None,
            commands: Vec::new(),
        }
    }

    fn to_element(&self) -> Element {
        // Child order as in MS-ASCMD 2.2.3.29.2 (Exchange validates it).
        let mut c = Element::new(a::Collection)
            .with(Element::text(a::SyncKey, self.sync_key.clone()))
            .with(Element::text(a::CollectionId, self.collection_id.clone()));
        if let Some(d) = self.deletes_as_moves {
            c.push(Element::text(a::DeletesAsMoves, if d { "1" } else { "0" }));
        }
        if self.sync_key != "0" && self.get_changes {
            c.push(Element::text(a::GetChanges, "1"));
        }
        if let Some(w) = self.window_size {
            c.push(Element::text(a::WindowSize, w.clamp(1, 512).to_string()));
        }
        if let Some(o) = &self.options {
            c.push(o.to_element());
        }
        if !self.commands.is_empty() && self.sync_key != "0" {
            let mut cmds = Element::new(a::Commands);
            for cmd in &self.commands {
                cmds.push(cmd.to_element());
            }
            c.push(cmds);
        }
        c
    }
}

/// Builds the request body for one or more collections.
pub fn request(collections: &[CollectionRequest]) -> Element {
    let mut cs = Element::new(a::Collections);
    for c in collections {
        cs.push(c.to_element());
    }
    Element::new(a::Sync).with(cs)
}

/// Sync status (MS-ASCMD 2.2.3.177.17), for a collection or a single item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// 3: invalid or mismatched sync key → resync the collection from "0".
    InvalidSyncKey,
    /// 4: protocol error.
    ProtocolError,
    /// 5: server error → retry later.
    ServerError,
    /// 6: the client's item could not be converted (per item).
    ConversionError,
    /// 7: conflict; the server's version won (per item).
    Conflict,
    /// 8: the item does not exist (per item).
    ObjectNotFound,
    /// 9: the command could not be completed (e.g. mailbox full).
    CannotComplete,
    /// 12: the folder hierarchy changed → FolderSync first.
    FolderHierarchyChanged,
    /// 13: an empty or partial request could not be completed; send the full request.
    IncompleteRequest,
    /// 14: invalid Wait or HeartbeatInterval.
    InvalidInterval,
    /// 15: too many collections.
    TooManyCollections,
    /// 16: retry.
    Retry,
    /// A common status (≥ 101) or an undocumented one.
    Other(u16),
}

impl Status {
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => Status::Success,
            3 => Status::InvalidSyncKey,
            4 => Status::ProtocolError,
            5 => Status::ServerError,
            6 => Status::ConversionError,
            7 => Status::Conflict,
            8 => Status::ObjectNotFound,
            9 => Status::CannotComplete,
            12 => Status::FolderHierarchyChanged,
            13 => Status::IncompleteRequest,
            14 => Status::InvalidInterval,
            15 => Status::TooManyCollections,
            16 => Status::Retry,
            c => Status::Other(c),
        }
    }

    pub fn code(self) -> u16 {
        match self {
            Status::Success => 1,
            Status::InvalidSyncKey => 3,
            Status::ProtocolError => 4,
            Status::ServerError => 5,
            Status::ConversionError => 6,
            Status::Conflict => 7,
            Status::ObjectNotFound => 8,
            Status::CannotComplete => 9,
            Status::FolderHierarchyChanged => 12,
            Status::IncompleteRequest => 13,
            Status::InvalidInterval => 14,
            Status::TooManyCollections => 15,
            Status::Retry => 16,
            Status::Other(c) => c,
        }
    }

    /// `Ok` for success, else the error that tells the caller what to do.
    pub fn into_result(self) -> Result<(), EasError> {
        let st = |meaning| {
            Err(EasError::Status {
                command: "Sync",
                status: self.code(),
                meaning,
            })
        };
        match self {
            Status::Success => Ok(()),
            Status::InvalidSyncKey => Err(EasError::InvalidSyncKey),
            Status::FolderHierarchyChanged => Err(EasError::FolderHierarchyChanged),
            Status::ServerError | Status::Retry => Err(EasError::ServerBusy { retry_after: None }),
            Status::ObjectNotFound => Err(EasError::ItemNotFound),
            Status::ProtocolError => st("protocol error"),
            Status::ConversionError => st("the item could not be converted"),
            Status::Conflict => st("conflict: the server's version was kept"),
            Status::CannotComplete => st("the command could not be completed"),
            Status::IncompleteRequest => st("the request was incomplete"),
            Status::InvalidInterval => st("invalid wait or heartbeat interval"),
            Status::TooManyCollections => st("too many collections"),
            Status::Other(c) => Err(common_status_error("Sync", c)),
        }
    }
}

/// A change the server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerChange {
    Add {
        server_id: String,
        data: Element,
    },
    Change {
        server_id: String,
        data: Element,
    },
    Delete {
        server_id: String,
    },
    /// The item left the filter window (e.g. older than FilterType); remove it locally only.
    SoftDelete {
        server_id: String,
    },
}

/// The changes of an answer as `A:1 C:2 D:3 S:4` (kind and ServerId), for logs.
pub fn change_summary(changes: &[ServerChange]) -> String {
    let mut out = String::new();
    for c in changes {
        let kind = match c {
            ServerChange::Add { .. } => "A",
            ServerChange::Change { .. } => "C",
            ServerChange::Delete { .. } => "D",
            ServerChange::SoftDelete { .. } => "S",
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(kind);
        out.push(':');
        out.push_str(c.server_id());
    }
    out
}

impl ServerChange {
    pub fn server_id(&self) -> &str {
        match self {
            ServerChange::Add { server_id, .. }
            | ServerChange::Change { server_id, .. }
            | ServerChange::Delete { server_id }
            | ServerChange::SoftDelete { server_id } => server_id,
        }
    }
}

/// The server's answer to one of the client's commands (`Responses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemResponse {
    Add {
        client_id: String,
        server_id: Option<String>,
        status: Status,
    },
    Change {
        server_id: String,
        status: Status,
    },
    Delete {
        server_id: String,
        status: Status,
    },
    Fetch {
        server_id: String,
        status: Status,
        data: Option<Element>,
    },
}

/// One collection in a Sync answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionResponse {
    pub collection_id: String,
    pub sync_key: String,
    pub status: Status,
    pub more_available: bool,
    pub changes: Vec<ServerChange>,
    pub responses: Vec<ItemResponse>,
}

/// A Sync answer. An empty HTTP body (nothing changed) gives no collections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    pub collections: Vec<CollectionResponse>,
}

impl Response {
    /// The answer for `collection_id`.
    pub fn collection(&self, collection_id: &str) -> Option<&CollectionResponse> {
        self.collections
            .iter()
            .find(|c| c.collection_id == collection_id)
    }
}

fn text(e: ElementRef<'_>, tag: kontor_wbxml::Tag) -> Option<String> {
    e.child_text(tag).map(|s| s.into_owned())
}

fn status_of(e: ElementRef<'_>) -> Status {
    Status::from_code(
        e.child_text(a::Status)
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1),
    )
}

fn server_id(e: ElementRef<'_>) -> Result<String, EasError> {
    text(e, a::ServerId)
        .ok_or_else(|| EasError::protocol("Sync", format!("{} without ServerId", e.tag())))
}

/// Decodes a Sync answer. Top-level failures (Status directly under `Sync`, e.g. 12, 13 or
/// 142–144) are errors; per-collection statuses are left to the caller
/// ([`CollectionResponse::status`]).
pub fn parse(doc: Option<Document>) -> Result<Response, EasError> {
    let Some(doc) = doc else {
        return Ok(Response::default());
    };
    let root = doc.root();
    if root.tag() != a::Sync {
        return Err(EasError::protocol(
            "Sync",
            format!("unexpected root element {}", root.tag()),
        ));
    }
    if let Some(s) = root.child_text(a::Status) {
        let code: u16 = s
            .trim()
            .parse()
            .map_err(|_| EasError::protocol("Sync", format!("bad Status {s:?}")))?;
        Status::from_code(code).into_result()?;
    }
    let mut out = Response::default();
    let Some(cols) = root.child(a::Collections) else {
        return Ok(out);
    };
    for c in cols.children_with(a::Collection) {
        let mut col = CollectionResponse {
            collection_id: text(c, a::CollectionId).unwrap_or_default(),
            sync_key: text(c, a::SyncKey).unwrap_or_default(),
            status: status_of(c),
            more_available: c.child(a::MoreAvailable).is_some(),
            changes: Vec::new(),
            responses: Vec::new(),
        };
        if let Some(cmds) = c.child(a::Commands) {
            for e in cmds.elements() {
                let t = e.tag();
                let data = || {
                    e.child(a::ApplicationData)
                        .map(|d| d.to_element())
                        .unwrap_or_else(|| Element::new(a::ApplicationData))
                };
                col.changes.push(if t == a::Add {
                    ServerChange::Add {
                        server_id: server_id(e)?,
                        data: data(),
                    }
                } else if t == a::Change {
                    ServerChange::Change {
                        server_id: server_id(e)?,
                        data: data(),
                    }
                } else if t == a::Delete {
                    ServerChange::Delete {
                        server_id: server_id(e)?,
                    }
                } else if t == a::SoftDelete {
                    ServerChange::SoftDelete {
                        server_id: server_id(e)?,
                    }
                } else {
                    tracing::trace!(tag = %t, "ignoring unexpected element in Sync Commands");
                    continue;
                });
            }
        }
        if let Some(rs) = c.child(a::Responses) {
            for e in rs.elements() {
                let t = e.tag();
                col.responses.push(if t == a::Add {
                    ItemResponse::Add {
                        client_id: text(e, a::ClientId).unwrap_or_default(),
                        server_id: text(e, a::ServerId),
                        status: status_of(e),
                    }
                } else if t == a::Change {
                    ItemResponse::Change {
                        server_id: text(e, a::ServerId).unwrap_or_default(),
                        status: status_of(e),
                    }
                } else if t == a::Delete {
                    ItemResponse::Delete {
                        server_id: text(e, a::ServerId).unwrap_or_default(),
                        status: status_of(e),
                    }
                } else if t == a::Fetch {
                    ItemResponse::Fetch {
                        server_id: text(e, a::ServerId).unwrap_or_default(),
                        status: status_of(e),
                        data: e.child(a::ApplicationData).map(|d| d.to_element()),
                    }
                } else {
                    continue;
                });
            }
        }
        out.collections.push(col);
    }
    Ok(out)
}

/// Keeps one collection's Sync loop from running forever.
///
/// Feed it every round's request key and answer. It reports [`EasError::SyncLoop`] when
/// * the server answers MoreAvailable but hands back the key it was given and no changes,
///   `repeat_limit` times in a row (a server stuck on one state), or
/// * the server keeps sending the same single item in consecutive rounds — what Z-Push's loop
///   detection does after shrinking the window to one — `repeat_limit` times in a row; the
///   item's ServerId is named so the caller can quarantine it, or
/// * more than `max_rounds` rounds ran in one pass.
#[derive(Debug, Clone)]
pub struct LoopGuard {
    collection_id: String,
    repeat_limit: u32,
    max_rounds: u32,
    rounds: u32,
    same_key: u32,
    single_item: Option<(String, u32)>,
}

impl LoopGuard {
    pub fn new(collection_id: &str) -> Self {
        LoopGuard {
            collection_id: collection_id.into(),
            repeat_limit: 3,
            max_rounds: 10_000,
            rounds: 0,
            same_key: 0,
            single_item: None,
        }
    }

    /// Changes the limits (defaults: 3 repeats, 10 000 rounds).
    pub fn with_limits(mut self, repeat_limit: u32, max_rounds: u32) -> Self {
        self.repeat_limit = repeat_limit.max(1);
        self.max_rounds = max_rounds.max(1);
        self
    }

    /// Checks one round; `Err(SyncLoop)` means stop.
    pub fn observe(
        &mut self,
        request_key: &str,
        answer: &CollectionResponse,
    ) -> Result<(), EasError> {
        self.rounds += 1;
        let stop = |item: Option<String>| EasError::SyncLoop {
            collection: answer.collection_id.clone(),
            sync_key: answer.sync_key.clone(),
            item,
        };
        if self.rounds > self.max_rounds {
            return Err(stop(None));
        }
        if answer.sync_key == request_key && answer.changes.is_empty() && answer.more_available {
            self.same_key += 1;
            if self.same_key >= self.repeat_limit {
                return Err(stop(None));
            }
        } else {
            self.same_key = 0;
        }
        match answer.changes.as_slice() {
            [only] => {
                let id = only.server_id().to_string();
                let count = match &self.single_item {
                    Some((prev, n)) if *prev == id => n + 1,
                    _ => 1,
                };
                self.single_item = Some((id.clone(), count));
                if count >= self.repeat_limit
                    && (answer.more_available || answer.sync_key == request_key)
                {
                    tracing::warn!(collection = %self.collection_id, item = %id, "server keeps sending the same item");
                    return Err(stop(Some(id)));
                }
            }
            _ => self.single_item = None,
        }
        Ok(())
    }
}
