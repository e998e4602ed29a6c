//! ActiveSync sessions for the core: connect (OPTIONS → version, Provision) and FolderSync,
//! with the eas crate's errors turned into the core's plain categories.
//!
//! The sync engine (per-folder Sync, Ping, outbox replay) grows here; the rule stays that a
//! sync key and the items it covers are written in one transaction (see `store`).

use kontor_eas::{EasClient, EasConfig, EasError};

use crate::error::CoreError;
use crate::store::FolderChange;

/// The DeviceType Kontor reports (MS-ASHTTP 2.2.1.1.1.1.3).
pub const DEVICE_TYPE: &str = "Kontor";

/// The folder hierarchy as one FolderSync answered it.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub sync_key: String,
    pub changes: Vec<FolderChange>,
}

/// A connected, provisioned ActiveSync session.
#[derive(Debug)]
pub struct Session {
    client: EasClient,
}

impl Session {
    /// OPTIONS (version negotiation) and Provision.
    pub async fn connect(
        server_url: &str,
        user: &str,
        password: &str,
        device_id: &str,
    ) -> Result<Session, CoreError> {
        let config = EasConfig::new(server_url, user, password, device_id)
            .map_err(|e| map_eas(e, server_url))?
            .device_type(DEVICE_TYPE)
            .user_agent(&format!("Kontor/{}", env!("CARGO_PKG_VERSION")));
        let mut client = EasClient::new(config).map_err(|e| map_eas(e, server_url))?;
        client
            .negotiate()
            .await
            .map_err(|e| map_eas(e, server_url))?;
        client
            .provision()
            .await
            .map_err(|e| map_eas(e, server_url))?;
        Ok(Session { client })
    }

    pub fn protocol_version(&self) -> &str {
        self.client.protocol_version()
    }

    /// The user's addresses (primary first, no repeats) and display name from Settings
    /// UserInformation; `None` when the server cannot tell (logged, not an error: the caller
    /// keeps what it knows).
    pub async fn user_identity(&mut self) -> Option<(Vec<String>, String)> {
        match self.client.user_information().await {
            Ok(info) => {
                let mut addresses: Vec<String> = Vec::new();
                for a in info
                    .primary_smtp_address
                    .iter()
                    .chain(info.email_addresses.iter())
                {
                    let a = a.trim();
                    if !a.is_empty() && !addresses.iter().any(|x| x.eq_ignore_ascii_case(a)) {
                        addresses.push(a.to_owned());
                    }
                }
                Some((addresses, info.display_name.unwrap_or_default()))
            }
            Err(e) => {
                tracing::info!(error = %e, "the server did not tell the user's addresses");
                None
            }
        }
    }

    pub fn policy_key(&self) -> &str {
        self.client.policy_key()
    }

    /// The connected client, for the sync engine.
    pub fn client_mut(&mut self) -> &mut EasClient {
        &mut self.client
    }

    /// FolderSync from `sync_key` ("0" for the whole hierarchy).
    pub async fn folder_sync(&mut self, sync_key: &str) -> Result<Hierarchy, CoreError> {
        let url = self.client.url().to_string();
        let resp = self
            .client
            .folder_sync(sync_key)
            .await
            .map_err(|e| map_eas(e, &url))?;
        Ok(hierarchy(resp))
    }
}

/// The store's view of one FolderSync answer.
pub(crate) fn hierarchy(resp: kontor_eas::folder_sync::Response) -> Hierarchy {
    let mut changes = Vec::with_capacity(resp.changes.len());
    for c in resp.changes {
        changes.push(match c {
            kontor_eas::folder_sync::Change::Add(f)
            | kontor_eas::folder_sync::Change::Update(f) => FolderChange::Upsert {
                server_id: f.server_id,
                parent_id: f.parent_id,
                display_name: f.display_name,
                folder_type: i64::from(f.folder_type.code()),
            },
            kontor_eas::folder_sync::Change::Delete { server_id } => {
                FolderChange::Delete { server_id }
            }
        });
    }
    Hierarchy {
        sync_key: resp.sync_key,
        changes,
    }
}

/// Sorts an eas error into what the user can act on.
pub(crate) fn map_eas(e: EasError, url: &str) -> CoreError {
    let detail = format!("{e} ({url})");
    match e {
        EasError::Unauthorized { .. } | EasError::Forbidden { .. } => {
            CoreError::AuthFailed { detail }
        }
        EasError::NotActiveSync { .. } => CoreError::NotActiveSync { detail },
        EasError::Net(ref n) if n.is_tls() => CoreError::Tls { detail },
        EasError::Net(_) => CoreError::Unreachable { detail },
        EasError::InvalidUrl { .. } => CoreError::InvalidInput(detail),
        EasError::Protocol { .. } => CoreError::Protocol { detail },
        _ => CoreError::Server { detail },
    }
}

/// Checks and tidies the server address the user typed: adds `https://` when no scheme is
/// given, and refuses anything but http(s).
pub fn normalise_server_url(input: &str) -> Result<String, CoreError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(CoreError::InvalidInput(
            "the server address is empty".into(),
        ));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| {
        CoreError::InvalidInput(format!("\"{trimmed}\" is not a valid server address: {e}"))
    })?;
    match url.scheme() {
        "https" | "http" => {}
        other => {
            return Err(CoreError::InvalidInput(format!(
                "\"{other}\" addresses are not supported; use https://"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CoreError::InvalidInput(format!(
            "\"{trimmed}\" names no server"
        )));
    }
    Ok(url.to_string())
}

/// Whether a calendar folder belongs to someone else. SOGo names a subscribed calendar
/// `Folder (Owner Name <owner@example.com>)`; a suffix naming another address marks it as
/// shared (docs/server-quirks.md#sogo-58, "Shared calendar names").
pub fn looks_shared(display_name: &str, user: &str) -> bool {
    let Some(open) = display_name.rfind('<') else {
        return false;
    };
    let Some(rest) = display_name[open + 1..].strip_suffix(">)") else {
        return false;
    };
    let local = rest.split('@').next().unwrap_or_default();
    rest.contains('@') && !local.eq_ignore_ascii_case(user) && !rest.eq_ignore_ascii_case(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalise_server_url(" mail.example.com ").unwrap(),
            "https://mail.example.com/"
        );
        assert_eq!(
            normalise_server_url("http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync")
                .unwrap(),
            "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync"
        );
        assert!(normalise_server_url("").is_err());
        assert!(normalise_server_url("ftp://x").is_err());
        assert!(normalise_server_url("https://").is_err());
    }

    #[test]
    fn shared_calendar_names() {
        assert!(looks_shared(
            "Personal Calendar (Bob Baker <bob@kontor.test>)",
            "alice"
        ));
        assert!(!looks_shared(
            "Personal Calendar (Alice <alice@kontor.test>)",
            "alice"
        ));
        assert!(!looks_shared("Personal Calendar", "alice"));
        assert!(!looks_shared("Team <not an address>", "alice"));
    }
}
