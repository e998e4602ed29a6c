//! Errors of the ActiveSync layer.
//!
//! Values that change what a caller must do are variants of their own (docs/CONVENTIONS.md#errors):
//! `InvalidSyncKey` → resync that folder from key 0, `FolderHierarchyChanged` → FolderSync,
//! `ProvisionRequired` → provision and retry (the client does this once by itself),
//! `ServerBusy` → back off.

use std::time::Duration;

use kontor_net::NetError;
use kontor_wbxml::DecodeError;

/// Everything an ActiveSync request can fail with. Each message is a complete English sentence.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EasError {
    /// HTTP 401: the server did not accept the user name or password.
    #[error("The server did not accept the user name or password for {user}.")]
    Unauthorized { user: String },

    /// HTTP 403, or a status that means the account or device is barred from ActiveSync.
    #[error("The server refused access: {detail}.")]
    Forbidden { detail: String },

    /// The URL answers, but not as ActiveSync (404, an HTML page, OPTIONS without
    /// MS-ASProtocolVersions…).
    #[error("The address {url} is not an Exchange ActiveSync service: {detail}.")]
    NotActiveSync { url: String, detail: String },

    /// The server address could not be used.
    #[error("The server address \"{url}\" is not valid: {detail}.")]
    InvalidUrl { url: String, detail: String },

    /// The server offers no protocol version this client speaks.
    #[error("The server offers ActiveSync versions {offered}, but Kontor needs 12.1 or newer.")]
    UnsupportedVersion { offered: String },

    /// Any other HTTP status.
    #[error("The server answered with HTTP status {status}{}.", if detail.is_empty() { String::new() } else { format!(" ({detail})") })]
    Http { status: u16, detail: String },

    /// DNS, connection, TLS or timeout failure.
    #[error(transparent)]
    Net(#[from] NetError),

    /// The response could not be decoded or lacks required elements.
    #[error("The server's answer to {command} could not be understood: {detail}.")]
    Protocol {
        command: &'static str,
        detail: String,
    },

    /// HTTP 449 or Status 142–144: the device must (re-)provision before anything else works.
    #[error("The server requires this device to accept its security policy again (provisioning).")]
    ProvisionRequired,

    /// Provision answered with a remote wipe request. The caller decides what to wipe and then
    /// calls `EasClient::acknowledge_remote_wipe`.
    #[error("The server administrator requested that this device's data be wiped.")]
    RemoteWipeRequested,

    /// The sync key was rejected: the folder (or hierarchy) must be synchronised from key 0.
    #[error(
        "The server no longer knows this synchronisation state; the folder must be synchronised again from the start."
    )]
    InvalidSyncKey,

    /// The folder hierarchy changed; run FolderSync before continuing.
    #[error("The folder list changed on the server; the folder list must be synchronised first.")]
    FolderHierarchyChanged,

    /// The server is busy or temporarily failing; retry later.
    #[error("The server is busy{}; try again later.", match retry_after { Some(d) => format!(" (it asked to wait {} seconds)", d.as_secs()), None => String::new() })]
    ServerBusy { retry_after: Option<Duration> },

    /// The item or folder addressed does not exist (any more).
    #[error("The item or folder no longer exists on the server.")]
    ItemNotFound,

    /// The server keeps answering with the same state for the same request: continuing would
    /// loop. `item` names the item Z-Push's loop detection isolated, when known.
    #[error("The server keeps returning the same synchronisation state for folder {collection}{}; the folder was not synchronised further to avoid an endless loop.", match item { Some(i) => format!(" (problem item {i})"), None => String::new() })]
    SyncLoop {
        collection: String,
        sync_key: String,
        item: Option<String>,
    },

    /// The server accepted the command but does not implement the feature (e.g. SOGo answers
    /// Settings/Oof with a bare success and no out-of-office data).
    #[error("The server does not support {feature}.")]
    NotSupported { feature: &'static str },

    /// An item the caller asked to send breaks a rule of its class (MS-ASTASK, MS-ASCNTC…);
    /// nothing was sent.
    #[error("The {class} item cannot be sent: {detail}.")]
    InvalidItem { class: &'static str, detail: String },

    /// A status the caller has to treat as a plain failure.
    #[error("The server reported an error for {command}: status {status} ({meaning}).")]
    Status {
        command: &'static str,
        status: u16,
        meaning: &'static str,
    },
}

impl EasError {
    pub(crate) fn protocol(command: &'static str, detail: impl Into<String>) -> Self {
        EasError::Protocol {
            command,
            detail: detail.into(),
        }
    }

    pub(crate) fn decode(command: &'static str, e: DecodeError) -> Self {
        EasError::Protocol {
            command,
            detail: e.to_string(),
        }
    }

    /// True when retrying later without user action may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            EasError::ServerBusy { .. } => true,
            EasError::Net(n) => n.is_transient(),
            EasError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// Meaning of the common status values shared by all commands (MS-ASCMD 2.2.2 "Common Status
/// Codes", 101–177).
pub fn common_status_meaning(status: u16) -> Option<&'static str> {
    Some(match status {
        101 => "invalid content",
        102 => "invalid WBXML",
        103 => "invalid XML",
        104 => "invalid date/time",
        105 => "invalid combination of IDs",
        106 => "invalid IDs",
        107 => "invalid MIME",
        108 => "device ID missing or invalid",
        109 => "device type missing or invalid",
        110 => "server error",
        111 => "server error, retry later",
        112 => "directory access denied",
        113 => "mailbox quota exceeded",
        114 => "mailbox server offline",
        115 => "send quota exceeded",
        116 => "message recipient unresolved",
        117 => "message reply not allowed",
        118 => "message previously sent",
        119 => "message has no recipient",
        120 => "mail submission failed",
        121 => "message reply failed",
        122 => "attachment is too large",
        123 => "user has no mailbox",
        124 => "user cannot be anonymous",
        125 => "user principal could not be found",
        126 => "user disabled for sync",
        127 => "user on new mailbox cannot sync",
        128 => "user on legacy mailbox cannot sync",
        129 => "device is blocked for this user",
        130 => "access denied",
        131 => "account disabled",
        132 => "sync state not found",
        133 => "sync state locked",
        134 => "sync state corrupt",
        135 => "sync state already exists",
        136 => "sync state version invalid",
        137 => "command not supported",
        138 => "version not supported",
        139 => "device not fully provisionable",
        140 => "remote wipe requested",
        141 => "legacy device on strict policy",
        142 => "device not provisioned",
        143 => "policy refresh",
        144 => "invalid policy key",
        145 => "externally managed devices not allowed",
        146 => "no recurrence in calendar",
        147 => "unexpected item class",
        148 => "remote server has no SSL",
        149 => "invalid stored request",
        150 => "item not found",
        151 => "too many folders",
        152 => "no folders found",
        153 => "items lost after move",
        154 => "failure in move operation",
        155 => "move command disallowed for non-persistent move action",
        156 => "move command invalid destination folder",
        160 => "available sensors not supported",
        161 => "invalid recipients",
        162 => "server error (recipient lookup)",
        163 => "availability too many recipients",
        164 => "availability transient failure",
        165 => "availability failure",
        166 => "body part preference type not supported",
        167 => "device information required",
        168 => "invalid account ID",
        169 => "account send disabled",
        170 => "IRM feature disabled",
        171 => "IRM transient error",
        172 => "IRM permanent error",
        173 => "IRM invalid template ID",
        174 => "IRM operation not permitted",
        175 => "no picture",
        176 => "picture too large",
        177 => "picture limit reached",
        _ => return None,
    })
}

/// Maps a common status (≥ 101) to the error the caller must act on.
pub(crate) fn common_status_error(command: &'static str, status: u16) -> EasError {
    match status {
        140 => EasError::RemoteWipeRequested,
        142..=144 => EasError::ProvisionRequired,
        110 | 111 | 114 | 133 => EasError::ServerBusy { retry_after: None },
        126 | 129 | 130 | 131 | 112 | 145 => EasError::Forbidden {
            detail: common_status_meaning(status)
                .unwrap_or("access denied")
                .into(),
        },
        132 | 134 | 136 => EasError::InvalidSyncKey,
        150 => EasError::ItemNotFound,
        _ => EasError::Status {
            command,
            status,
            meaning: common_status_meaning(status).unwrap_or("unknown status"),
        },
    }
}
