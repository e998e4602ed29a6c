//! Messages as `.eml` files (docs/mail-window.md#messages-as-files): a message is saved as the
//! server keeps it (its MIME, byte for byte), and a saved one is opened again without being
//! cached, as a *detached* message (app/server_search.rs): the reading pane's commands (view,
//! attachments, links) take its negative id like a cached message's.

use std::path::{Path, PathBuf};

use super::Kontor;
use super::files;
use crate::error::CoreError;
use crate::store::BodyKind;

/// The largest file opened as a message. Mail servers refuse far smaller messages; a larger
/// file is not a mail someone saved.
pub const MAX_EML_BYTES: u64 = 100 * 1024 * 1024;

impl Kontor {
    /// Opens a saved message (`.eml`, RFC 5322) for the reading pane without caching it.
    /// Returns its id for [`Kontor::message_view`]. A file that is missing, unreadable, too
    /// large or not a message gets a plain error.
    pub async fn open_eml(&self, path: &Path) -> Result<i64, CoreError> {
        let mime = files::read_at_most(path, MAX_EML_BYTES, "to be a saved e-mail message").await?;
        if !looks_like_message(&mime) {
            return Err(CoreError::InvalidInput(format!(
                "{} is not a saved e-mail message: it has no message headers",
                path.display()
            )));
        }
        self.show_detached(mime, String::new())
    }

    /// The message as the server keeps it (MIME): the cached copy when the whole message is
    /// cached, else fetched from the server (and cached). A message shown without being cached
    /// (a server search hit, an opened file) gives the MIME it was shown from.
    pub async fn message_mime(&self, message_id: i64) -> Result<Vec<u8>, CoreError> {
        if message_id < 0 {
            return self.detached_message_mime(message_id);
        }
        if let Some(mime) = self.cached_mime(message_id).await? {
            return Ok(mime);
        }
        let row = self.row(message_id).await?;
        if row.server_id.starts_with("local:") {
            return Err(CoreError::InvalidInput(
                "this message is not on the server yet and its whole content is not cached: \
                 save it once the change has reached the server"
                    .into(),
            ));
        }
        self.fetch_message_body(message_id, false).await?;
        self.cached_mime(message_id)
            .await?
            .ok_or_else(|| CoreError::Protocol {
                detail: "the server did not send the message as a whole (MIME)".into(),
            })
    }

    /// Saves a message as an `.eml` file named after its subject in `directory` (the user's
    /// Downloads folder when `None`), under a free name. Returns the file's path.
    pub async fn save_message_eml(
        &self,
        message_id: i64,
        directory: Option<PathBuf>,
    ) -> Result<PathBuf, CoreError> {
        let mime = self.message_mime(message_id).await?;
        let subject = mail_parser::MessageParser::default()
            .parse_headers(&mime)
            .and_then(|m| m.subject().map(str::to_owned))
            .unwrap_or_default();
        files::write_new(
            directory,
            &files::name_from_title(&subject, "message", "eml"),
            &mime,
        )
        .await
    }

    async fn cached_mime(&self, message_id: i64) -> Result<Option<Vec<u8>>, CoreError> {
        Ok(self
            .store
            .body(message_id, BodyKind::Mime)
            .await?
            .filter(|b| !b.truncated && !b.data.is_empty())
            .map(|b| b.data))
    }
}

/// Whether the bytes begin with a header block (`Name: value` lines), as every saved message
/// does; a picture or a document renamed to `.eml` does not.
fn looks_like_message(bytes: &[u8]) -> bool {
    let Some(message) = mail_parser::MessageParser::default().parse_headers(bytes) else {
        return false;
    };
    let head_end = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .or_else(|| bytes.windows(4).position(|w| w == b"\r\n\r\n"))
        .unwrap_or(bytes.len());
    let head = &bytes[..head_end];
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let name_colon = first
        .iter()
        .position(|&b| b == b':')
        .is_some_and(|i| i > 0 && first[..i].iter().all(|b| b.is_ascii_graphic()));
    name_colon && !message.headers().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use crate::profile::ProfilePaths;

    const MAIL: &str = "From: Bob Baker <bob@kontor.test>\r\nTo: alice@kontor.test\r\n\
        Subject: Angebot 12/2026: Drucker\r\nDate: Fri, 04 Dec 2026 10:00:00 +0100\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus Köln\r\n\
        --b\r\nContent-Type: text/csv; name=\"liste.csv\"\r\n\
        Content-Disposition: attachment; filename=\"liste.csv\"\r\n\r\nA;B\r\n1;2\r\n--b--\r\n";

    async fn app(dir: &Path) -> Kontor {
        Kontor::open_with_policy(ProfilePaths::new(dir), Policy::default())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_saved_message_opens_and_saves_again_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir.path().join("profile")).await;
        let file = dir.path().join("in.eml");
        std::fs::write(&file, MAIL).unwrap();
        let id = app.open_eml(&file).await.unwrap();
        assert!(id < 0);
        let view = app.message_view(id, false).await.unwrap();
        assert_eq!(view.message.subject, "Angebot 12/2026: Drucker");
        assert_eq!(view.message.from.addr, "bob@kontor.test");
        assert!(view.body.text.contains("Grüße aus Köln"), "{:?}", view.body);
        assert_eq!(view.attachments.len(), 1);
        assert_eq!(view.attachments[0].name, "liste.csv");

        let out = dir.path().join("out");
        let saved = app.save_message_eml(id, Some(out.clone())).await.unwrap();
        assert_eq!(saved, out.join("Angebot 12_2026_ Drucker.eml"));
        assert_eq!(std::fs::read(&saved).unwrap(), MAIL.as_bytes());
        // Saved again: a free name, the first file kept.
        let again = app.save_message_eml(id, Some(out.clone())).await.unwrap();
        assert_eq!(again, out.join("Angebot 12_2026_ Drucker (2).eml"));
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2, "no .part left");
        app.store().close().await;
    }

    #[tokio::test]
    async fn a_file_that_is_no_message_gets_a_plain_error() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir.path().join("profile")).await;
        let missing = app.open_eml(&dir.path().join("missing.eml")).await;
        assert!(matches!(missing, Err(CoreError::Io { .. })), "{missing:?}");
        for (name, bytes) in [
            ("picture.eml", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
            ("empty.eml", Vec::new()),
            ("text.eml", b"Liebe Alice,\n\nbis morgen.\n".to_vec()),
        ] {
            let file = dir.path().join(name);
            std::fs::write(&file, bytes).unwrap();
            let e = app.open_eml(&file).await.unwrap_err();
            assert!(
                e.to_string().contains("not a saved e-mail message"),
                "{name}: {e}"
            );
        }
        let e = app.open_eml(dir.path()).await.unwrap_err();
        assert!(e.to_string().contains("is not a file"), "{e}");
        app.store().close().await;
    }
}
