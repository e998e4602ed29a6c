//! What the window shows to keep a fake visible before the click (docs/safety.md): the sender's
//! cues, a link's real target, an attachment's risk. The judgements are the pure functions of
//! `kontor_safety`; this file feeds them what only the core knows (the user's own domains from
//! the server, the company directory, Reply-To) and applies the
//! policies `BlockDangerousAttachments` and `AllowRemoteContent`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kontor_safety::{
    AttachmentRisk, ColleagueMatch, LinkCheck, RiskLevel, SenderReport, check_link, classify,
    registrable_domain, sender_cues,
};
use serde::Serialize;

use super::Kontor;
use crate::error::CoreError;
use crate::mail_view;
use crate::store::BodyKind;

/// Directory answers about a display name: the match (or none) and when it was asked.
pub(super) type ColleagueCache =
    Arc<std::sync::Mutex<HashMap<String, (Instant, Option<ColleagueMatch>)>>>;

/// Attachments judged by their content, by id: an attachment does not change, so it is
/// fetched and looked into once per run, not every time its message is shown.
pub(super) type AttachmentCheckCache = Arc<std::sync::Mutex<HashMap<i64, AttachmentRisk>>>;

/// How long a directory answer about a name is reused.
const COLLEAGUE_TTL: Duration = Duration::from_secs(10 * 60);
/// How long the directory may take before the cues are shown without it.
const DIRECTORY_WAIT: Duration = Duration::from_secs(4);
/// Attachments up to this size are looked into (archives listed, macros searched); larger
/// ones are judged by name and type.
const INSPECT_MAX: u64 = 64 * 1024 * 1024;

/// The sender cues of one message, for the reading pane and the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageSafety {
    #[specta(type = specta_typescript::Number)]
    pub message_id: i64,
    pub sender: SenderReport,
    /// The sender's registrable domain (`bueroweltshop.example` for
    /// `news@news.bueroweltshop.example`), for "always show remote content from …".
    pub sender_domain: Option<String>,
    /// The company directory was asked whether the display name is a colleague's (false when
    /// the sender is internal, has no name, or the server could not be reached).
    pub directory_checked: bool,
    /// Attachments whose name cannot tell (archives, Office documents) judged by their content:
    /// fetched, looked into and removed again. These replace the risk by name.
    pub attachments: Vec<AttachmentCheck>,
}

/// An attachment judged by its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentCheck {
    #[specta(type = specta_typescript::Number)]
    pub id: i64,
    pub risk: AttachmentRisk,
    /// Policy `BlockDangerousAttachments` makes it un-openable.
    pub blocked: bool,
}

/// Types whose name does not tell their risk: what is inside decides (listed archives, macro
/// projects in Office files).
const INSPECTED_TYPES: &[&str] = &[
    "zip", "7z", "rar", "doc", "dot", "xls", "xlt", "ppt", "pps", "docx", "xlsx", "pptx", "docm",
    "xlsm", "pptm",
];
/// Attachments up to this size are looked into when a message is shown.
const INSPECT_ON_SHOW_MAX: i64 = 16 * 1024 * 1024;

fn inspected(name: &str) -> bool {
    let ext = name
        .trim_end_matches(['.', ' '])
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    ext.is_some_and(|e| INSPECTED_TYPES.contains(&e.as_str()))
}

/// A link as the window shows it: the check and its target split around the registrable
/// domain, which the window emphasises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    pub check: LinkCheck,
    pub before: String,
    pub domain: String,
    pub after: String,
}

/// What "Open" on an attachment did: opened it, or found a risk the user has not accepted yet
/// (the window asks, then calls again with the risk's level).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentOpening {
    pub opened: bool,
    pub risk: AttachmentRisk,
}

/// What [`Kontor::attachment_for_opening`] hands the shell.
#[derive(Debug)]
pub enum Opening {
    /// Open this file (it carries the Mark of the Web on Windows); its risk, which the user
    /// accepted.
    Ready(PathBuf, AttachmentRisk),
    /// Ask first: the file was judged riskier than the level the user accepted.
    Confirm(AttachmentRisk),
}

/// The domains of the user's own addresses.
fn domains_of(addresses: &[String]) -> Vec<String> {
    let mut out: Vec<String> = addresses
        .iter()
        .filter_map(|a| a.rsplit_once('@').map(|(_, d)| d.trim().to_lowercase()))
        .filter(|d| !d.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A display name as the directory comparison sees it: case, spaces and quotes ignored.
fn name_key(name: &str) -> String {
    name.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Splits `target` around the byte range of its registrable domain.
fn split_target(check: &LinkCheck) -> (String, String, String) {
    let t = &check.target;
    match check.domain_range {
        Some(r)
            if r.start <= r.end
                && r.end <= t.len()
                && t.is_char_boundary(r.start)
                && t.is_char_boundary(r.end) =>
        {
            (
                t[..r.start].to_owned(),
                t[r.start..r.end].to_owned(),
                t[r.end..].to_owned(),
            )
        }
        _ => (t.clone(), String::new(), String::new()),
    }
}

/// Writes the Mark of the Web next to a file from a mail (Windows: the `Zone.Identifier`
/// stream with ZoneId 3, Internet), so Office opens it in Protected View with macros off and
/// SmartScreen checks programs. Other systems have no such mark.
pub fn mark_of_the_web(path: &Path) -> Result<(), CoreError> {
    #[cfg(windows)]
    {
        let mut stream = path.as_os_str().to_owned();
        stream.push(":Zone.Identifier");
        std::fs::write(&stream, zone_identifier()).map_err(|e| CoreError::Io {
            context: format!(
                "could not mark {} as coming from the internet",
                path.display()
            ),
            source: e,
        })?;
    }
    #[cfg(not(windows))]
    let _ = path;
    Ok(())
}

/// A new folder of its own under the system's temporary folder for one fetched attachment.
pub(super) fn temp_attachment_dir() -> PathBuf {
    std::env::temp_dir()
        .join("kontor-attachments")
        .join(uuid::Uuid::new_v4().simple().to_string())
}

/// The content of the `Zone.Identifier` stream.
#[cfg_attr(not(windows), allow(dead_code))]
pub fn zone_identifier() -> &'static str {
    "[ZoneTransfer]\r\nZoneId=3\r\n"
}

impl Kontor {
    /// The domains of the user's own addresses (from the server's UserInformation and the
    /// account), which decide whether a sender is external.
    pub async fn own_domains(&self) -> Result<Vec<String>, CoreError> {
        Ok(domains_of(&self.own_addresses().await?))
    }

    /// The sender cues of a message. Asks the company directory whether an external sender's
    /// display name is a colleague's (answers kept ten minutes; at most a few seconds' wait,
    /// after which the cues come without it).
    pub async fn message_safety(&self, message_id: i64) -> Result<MessageSafety, CoreError> {
        let row = self.row(message_id).await?;
        let own = self.own_domains().await?;
        // Reply-To as the sync brought it; from the cached MIME for messages synced before
        // the cache kept it.
        let mut reply_to: Vec<String> = row.reply_to.iter().map(|a| a.addr.clone()).collect();
        if reply_to.is_empty()
            && let Some(m) = self.store.body(message_id, BodyKind::Mime).await?
        {
            reply_to = mail_view::mime_parts(&m.data)
                .map(|p| p.reply_to)
                .unwrap_or_default();
        }
        let first = sender_cues(&row.from.name, &row.from.addr, &reply_to, &own, None);
        let name = name_key(&row.from.name);
        let mut directory_checked = false;
        let mut colleague = None;
        if first.external && name.chars().count() >= 3 && !name.contains('@') {
            colleague = self.known_colleague(&name, &own).await;
        }
        if colleague.is_none() && first.external && name.chars().count() >= 3 && !name.contains('@')
        {
            match self.colleague_named(&name).await {
                Some(found) => {
                    directory_checked = true;
                    colleague = found;
                }
                None => directory_checked = false,
            }
        }
        let sender = match &colleague {
            Some(c) => sender_cues(&row.from.name, &row.from.addr, &reply_to, &own, Some(c)),
            None => first,
        };
        let sender_domain = row
            .from
            .addr
            .rsplit_once('@')
            .and_then(|(_, h)| registrable_domain(h));
        let attachments = self.inspect_attachments(message_id).await;
        Ok(MessageSafety {
            message_id,
            sender,
            sender_domain,
            directory_checked,
            attachments,
        })
    }

    /// Fetches the message's archives and Office documents (up to 16 MiB each) into a
    /// temporary folder, judges their content and removes them again. One that cannot be
    /// fetched (offline) keeps its risk by name; opening it judges it then.
    async fn inspect_attachments(&self, message_id: i64) -> Vec<AttachmentCheck> {
        let Ok(list) = self.store.attachments(message_id).await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for a in list
            .into_iter()
            .filter(|a| !a.inline && a.size <= INSPECT_ON_SHOW_MAX && inspected(&a.name))
        {
            let known = self
                .attachment_checks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&a.id)
                .cloned();
            if let Some(risk) = known {
                out.push(AttachmentCheck {
                    id: a.id,
                    blocked: self.attachment_blocked(&risk),
                    risk,
                });
                continue;
            }
            let dir = temp_attachment_dir();
            match self
                .download_attachment(a.id, Some(dir.clone()), &|_, _| {})
                .await
            {
                Ok((path, name, content_type)) => {
                    let bytes = tokio::fs::read(&path).await.ok();
                    let _ = tokio::fs::remove_dir_all(&dir).await;
                    let Some(bytes) = bytes else { continue };
                    let risk = tokio::task::spawn_blocking(move || {
                        classify(&name, &content_type, Some(&bytes))
                    })
                    .await
                    .unwrap_or_else(|_| classify("", "", None));
                    self.attachment_checks
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(a.id, risk.clone());
                    out.push(AttachmentCheck {
                        id: a.id,
                        blocked: self.attachment_blocked(&risk),
                        risk,
                    });
                }
                Err(e) => {
                    let _ = tokio::fs::remove_dir_all(&dir).await;
                    tracing::info!(error = %e, "an attachment could not be looked into");
                }
            }
        }
        out
    }

    /// A colleague named `name` (already [`name_key`]ed) among the people of the cached mail
    /// whose address is in one of the user's own domains. Directories do not always give names
    /// (SOGo's answers carry the address only), the mail the user exchanged does.
    async fn known_colleague(&self, name: &str, own: &[String]) -> Option<ColleagueMatch> {
        let book = self.address_book().await.ok()?;
        book.iter()
            .find(|(n, addr, _)| {
                name_key(n) == name
                    && addr.rsplit_once('@').is_some_and(|(_, d)| {
                        let d = d.to_lowercase();
                        own.iter().any(|o| {
                            d == *o || d.strip_suffix(o.as_str()).is_some_and(|r| r.ends_with('.'))
                        })
                    })
            })
            .map(|(n, addr, _)| ColleagueMatch {
                name: n.clone(),
                address: addr.clone(),
            })
    }

    /// The directory entry whose display name is `name` (already [`name_key`]ed): `Some(None)`
    /// when the directory has none, `None` when it could not be asked.
    async fn colleague_named(&self, name: &str) -> Option<Option<ColleagueMatch>> {
        if let Some((at, found)) = self
            .colleagues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            && at.elapsed() < COLLEAGUE_TTL
        {
            return Some(found.clone());
        }
        // Directories match the start of a name or address (SOGo finds "bob", not "bob baker"):
        // ask for the first word and compare whole names here.
        let query = name
            .split_whitespace()
            .find(|w| w.chars().count() >= 3)
            .unwrap_or(name);
        let asked =
            tokio::time::timeout(DIRECTORY_WAIT, self.directory_suggestions(query, 50)).await;
        let entries = match asked {
            Ok(Ok(entries)) => entries,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "the directory could not be asked about a sender");
                return None;
            }
            Err(_) => {
                tracing::info!("the directory did not answer about a sender in time");
                return None;
            }
        };
        tracing::debug!(
            entries = entries.len(),
            "the directory answered about a sender's name"
        );
        let found = entries
            .into_iter()
            .find(|e| name_key(&e.name) == name)
            .map(|e| ColleagueMatch {
                name: e.name,
                address: e.address,
            });
        self.colleagues
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), (Instant::now(), found.clone()));
        Some(found)
    }

    /// Checks a link of a message before it is opened (or while the pointer is on it).
    pub fn check_link_view(href: &str, text: &str) -> LinkView {
        let check = check_link(href, text);
        let (before, domain, after) = split_target(&check);
        LinkView {
            check,
            before,
            domain,
            after,
        }
    }

    /// The risk of an attachment by its name and type, before it is fetched.
    pub fn attachment_risk(&self, name: &str, content_type: &str) -> AttachmentRisk {
        classify(name, content_type, None)
    }

    /// Whether policy `BlockDangerousAttachments` makes an attachment of this risk un-openable.
    pub fn attachment_blocked(&self, risk: &AttachmentRisk) -> bool {
        risk.level == RiskLevel::Dangerous && self.policy().blocks_dangerous_attachments()
    }

    /// Judges a fetched attachment by its content too (archives listed, macro projects found),
    /// removes it when policy blocks it, and marks it as coming from the internet.
    pub(super) async fn judge_fetched(
        &self,
        path: &Path,
        name: &str,
        content_type: &str,
    ) -> Result<AttachmentRisk, CoreError> {
        let size = tokio::fs::metadata(path)
            .await
            .map(|m| m.len())
            .unwrap_or(u64::MAX);
        let risk = if size <= INSPECT_MAX {
            let bytes = tokio::fs::read(path).await.map_err(|e| CoreError::Io {
                context: format!("could not read {}", path.display()),
                source: e,
            })?;
            let (name, ct) = (name.to_owned(), content_type.to_owned());
            tokio::task::spawn_blocking(move || classify(&name, &ct, Some(&bytes)))
                .await
                .unwrap_or_else(|_| classify("", "", None))
        } else {
            classify(name, content_type, None)
        };
        if self.attachment_blocked(&risk) {
            let _ = tokio::fs::remove_file(path).await;
            return Err(CoreError::InvalidInput(format!(
                "\"{name}\" can run programs or macros; your IT department does not allow \
                 opening or saving such attachments (policy BlockDangerousAttachments)"
            )));
        }
        mark_of_the_web(path)?;
        Ok(risk)
    }

    /// A copy of an attachment to open with the system's program for its type, in a folder of
    /// its own under the temporary folder: [`Opening::Ready`] when its risk is at most
    /// `accepted` (what the user already confirmed), else [`Opening::Confirm`] (the copy is
    /// removed; the window asks and calls again).
    pub async fn attachment_for_opening(
        &self,
        attachment_id: i64,
        accepted: RiskLevel,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<Opening, CoreError> {
        let (path, risk) = self
            .fetch_attachment_into(attachment_id, Some(temp_attachment_dir()), progress)
            .await?;
        if risk.level > accepted {
            let _ = tokio::fs::remove_file(&path).await;
            return Ok(Opening::Confirm(risk));
        }
        Ok(Opening::Ready(path, risk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_domains_come_from_the_addresses() {
        let own = domains_of(&[
            "alice@kontor.test".into(),
            "Alice.Archer@Kontor.Test".into(),
            "alice@filiale.kontor.test".into(),
            "no-address".into(),
        ]);
        assert_eq!(own, ["filiale.kontor.test", "kontor.test"]);
    }

    #[test]
    fn archives_and_office_files_are_looked_into() {
        for n in [
            "Unterlagen.zip",
            "a.7Z",
            "b.rar",
            "Rechnung.doc",
            "x.xlsx",
            "y.pptm ",
        ] {
            assert!(inspected(n), "{n}");
        }
        for n in ["Preisliste.pdf", "foto.jpg", "zip", "a.exe"] {
            assert!(!inspected(n), "{n}");
        }
    }

    #[test]
    fn names_compare_without_case_quotes_and_spaces() {
        assert_eq!(name_key("  \"Bob   Baker\" "), "bob baker");
        assert_eq!(name_key("BOB BAKER"), name_key("Bob Baker"));
    }

    #[test]
    fn a_link_target_is_split_around_its_registrable_domain() {
        let k = Kontor::check_link_view(
            "https://login.paypa1-konto.top/x?y=1",
            "https://www.paypal.de/",
        );
        assert_eq!(k.before, "https://login.");
        assert_eq!(k.domain, "paypa1-konto.top");
        assert_eq!(k.after, "/x?y=1");
        assert!(matches!(
            k.check.verdict,
            kontor_safety::LinkVerdict::Ask(_)
        ));
        let blocked = Kontor::check_link_view("javascript:alert(1)", "click");
        assert!(matches!(
            blocked.check.verdict,
            kontor_safety::LinkVerdict::Blocked(_)
        ));
        assert_eq!(blocked.domain, "");
    }

    #[tokio::test]
    async fn block_dangerous_attachments_blocks_only_dangerous_ones() {
        let dir = tempfile::tempdir().unwrap();
        let policy =
            crate::policy::Policy::from_json(r#"{"machine": {"BlockDangerousAttachments": 1}}"#)
                .unwrap();
        let app = Kontor::open_with_policy(crate::profile::ProfilePaths::new(dir.path()), policy)
            .await
            .unwrap();
        let exe = app.attachment_risk("Rechnung.pdf.exe", "application/octet-stream");
        assert_eq!(exe.level, RiskLevel::Dangerous);
        assert!(app.attachment_blocked(&exe));
        let legacy = app.attachment_risk("Bericht.doc", "application/msword");
        assert_eq!(legacy.level, RiskLevel::Warn, "{legacy:?}");
        assert!(!app.attachment_blocked(&legacy), "a warning is not blocked");
        assert!(!app.attachment_blocked(&app.attachment_risk("Preise.pdf", "application/pdf")));

        let free = tempfile::tempdir().unwrap();
        let app = Kontor::open_with_policy(
            crate::profile::ProfilePaths::new(free.path()),
            crate::policy::Policy::default(),
        )
        .await
        .unwrap();
        assert!(
            !app.attachment_blocked(&exe),
            "without the policy: warn and ask only"
        );
    }

    #[test]
    fn the_mark_of_the_web_says_internet_zone() {
        assert_eq!(zone_identifier(), "[ZoneTransfer]\r\nZoneId=3\r\n");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("Rechnung.pdf");
        std::fs::write(&f, b"%PDF").unwrap();
        mark_of_the_web(&f).unwrap();
        #[cfg(windows)]
        {
            let mut s = f.as_os_str().to_owned();
            s.push(":Zone.Identifier");
            assert_eq!(std::fs::read_to_string(s).unwrap(), zone_identifier());
        }
    }
}
