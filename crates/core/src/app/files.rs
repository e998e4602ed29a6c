//! Files the user opens or saves (messages as `.eml`, calendars as `.ics`): reading one with a
//! size limit, naming a new one after a title, and writing it so that a cut-off file never
//! carries the final name.

use std::path::{Path, PathBuf};

use super::messages::{downloads_dir, free_name, safe_file_name};
use crate::error::CoreError;

/// Longest file name made from a title, in characters (before the extension).
const NAME_CHARS: usize = 80;

/// Reads a file the user chose, refusing a folder and a file larger than `max` bytes;
/// `too_large` ends the refusal ("to be a saved e-mail message").
pub(super) async fn read_at_most(
    path: &Path,
    max: u64,
    too_large: &str,
) -> Result<Vec<u8>, CoreError> {
    let io = |e: std::io::Error| CoreError::Io {
        context: format!("could not read {}", path.display()),
        source: e,
    };
    let meta = tokio::fs::metadata(path).await.map_err(io)?;
    if !meta.is_file() {
        return Err(CoreError::InvalidInput(format!(
            "{} is not a file",
            path.display()
        )));
    }
    if meta.len() > max {
        return Err(CoreError::InvalidInput(format!(
            "{} is {} MB, too large {too_large} (at most {} MB)",
            path.display(),
            meta.len() / (1024 * 1024),
            max / (1024 * 1024)
        )));
    }
    tokio::fs::read(path).await.map_err(io)
}

/// A picture file the user chose for a signature (or a message's text) as a `data:` URI for
/// the editor (compose.rs `picture_data_uri`): refused, with the reason, when it is not a PNG,
/// JPEG or GIF picture or larger than `MAX_PICTURE`.
pub async fn read_picture(path: &Path) -> Result<String, CoreError> {
    // Read up to a size that says "MB" sensibly; the picture's own limit is checked below.
    let bytes = read_at_most(path, 8 * 1024 * 1024, "for a picture in the text").await?;
    crate::compose::picture_data_uri(&bytes).map_err(|why| {
        CoreError::InvalidInput(format!(
            "{}: {why}",
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ))
    })
}

/// A file's name for `title` with the extension `ext`: the title (shortened, without
/// characters file systems refuse), or `fallback` when it has nothing usable.
pub(super) fn name_from_title(title: &str, fallback: &str, ext: &str) -> String {
    let flat: String = title
        .chars()
        .map(|c| if matches!(c, '/' | '\\') { '_' } else { c })
        .take(NAME_CHARS)
        .collect();
    let name = if flat.trim().trim_matches('.').trim().is_empty() {
        fallback.to_owned()
    } else {
        safe_file_name(&flat)
    };
    format!("{name}.{ext}")
}

/// Writes `bytes` into `directory` (the user's Downloads folder when `None`) under `name`, or
/// a free form of it (`name (2)`). Written beside it first and renamed when complete. Returns
/// the file's path.
pub(super) async fn write_new(
    directory: Option<PathBuf>,
    name: &str,
    bytes: &[u8],
) -> Result<PathBuf, CoreError> {
    let dir = match directory {
        Some(d) => d,
        None => downloads_dir()?,
    };
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| CoreError::Io {
            context: format!("could not create {}", dir.display()),
            source: e,
        })?;
    let dest = free_name(&dir, name);
    let mut part = dest.clone().into_os_string();
    part.push(".part");
    let io = |e: std::io::Error| CoreError::Io {
        context: format!("could not write {}", dest.display()),
        source: e,
    };
    tokio::fs::write(&part, bytes).await.map_err(io)?;
    tokio::fs::rename(&part, &dest).await.map_err(io)?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_title() {
        assert_eq!(
            name_from_title("AW: Rechnung", "message", "eml"),
            "AW_ Rechnung.eml"
        );
        assert_eq!(
            name_from_title("Teamrunde 12/26", "event", "ics"),
            "Teamrunde 12_26.ics"
        );
        assert_eq!(name_from_title("a/b\\c", "message", "eml"), "a_b_c.eml");
        for empty in ["", "  ...  ", " .. "] {
            assert_eq!(name_from_title(empty, "calendar", "ics"), "calendar.ics");
        }
        assert_eq!(
            name_from_title(&"x".repeat(300), "message", "eml")
                .chars()
                .count(),
            84
        );
    }
}
