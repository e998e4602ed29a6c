//! Attachment risk: file types that run code, names that hide their type, Office files with
//! macros, and archives carrying any of these (or hiding their content behind a password).
//!
//! The extension decides first — it is what Windows uses to pick the program that opens a
//! file. It is taken case-insensitively and after the trailing dots and spaces Windows drops
//! (`invoice.exe.` opens as `invoice.exe`). When the bytes are given they are looked into:
//! archives (ZIP, 7z, RAR) are listed, one nested archive level deep; OOXML documents are
//! searched for a `vbaProject.bin`; legacy OLE documents for a VBA storage; and a Windows
//! executable under an innocent name is recognised by its `MZ` header.
//!
//! Work on hostile input is bounded: at most [`MAX_ENTRIES`] entries per archive, members read
//! only up to [`MAX_MEMBER_BYTES`] and [`MAX_TOTAL_BYTES`] in all, and parsers run under
//! `catch_unwind` so that a bug in one becomes "unreadable" rather than a crash.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;

use crate::rar;

/// At most this many entries of one archive are looked at.
pub const MAX_ENTRIES: usize = 10_000;
/// A nested archive or document inside an archive is read only up to this size.
pub const MAX_MEMBER_BYTES: u64 = 16 * 1024 * 1024;
/// All members read out of one attachment together stay below this.
pub const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// At most this many dangerous entry names are reported.
const MAX_REPORTED: usize = 50;
/// Memory allowed for decoding a 7z header (KiB).
const SEVEN_Z_MEMORY_KB: usize = 64 * 1024;

/// How risky an attachment is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub enum RiskLevel {
    /// Nothing found.
    None,
    /// Open with care (could not be looked into, may contain macros).
    Warn,
    /// Do not open: runs code or hides what it is.
    Dangerous,
}

/// One finding about an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AttachmentReason {
    /// A file type that runs code when opened (lower-case extension without the dot).
    #[serde(rename_all = "camelCase")]
    Executable {
        /// The extension.
        ext: String,
    },
    /// The content is a Windows program (`MZ` header) whatever the name says.
    ExecutableContent,
    /// The name shows one type but is another (`Rechnung.pdf.exe`).
    #[serde(rename_all = "camelCase")]
    DoubleExtension {
        /// The extension the reader is meant to see.
        shown: String,
        /// The extension that counts.
        real: String,
    },
    /// The name contains bidirectional control characters (U+202E RIGHT-TO-LEFT OVERRIDE and
    /// kin) that make it display differently from what it is.
    #[serde(rename_all = "camelCase")]
    DirectionOverride {
        /// The name as it would be displayed (the overridden part reversed).
        displayed: String,
    },
    /// An Office document with a macro project.
    #[serde(rename_all = "camelCase")]
    MacroOffice {
        /// The extension.
        ext: String,
    },
    /// A legacy Office document whose content was not available to look for macros.
    MayContainMacros,
    /// An archive holding dangerous files (paths inside; a nested archive's entries as
    /// `outer.zip/inner.exe`).
    #[serde(rename_all = "camelCase")]
    ArchiveContains {
        /// The dangerous entries.
        entries: Vec<String>,
    },
    /// An archive (or an archive inside it) is encrypted: no scanner can look inside.
    EncryptedArchive,
    /// An archive that could not be read, or only in part.
    ArchiveUnreadable,
}

/// The verdict on one attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentRisk {
    /// The highest level of any reason.
    pub level: RiskLevel,
    /// The findings, most important first.
    pub reasons: Vec<AttachmentReason>,
}

impl AttachmentReason {
    /// The level this finding alone gives.
    pub fn level(&self) -> RiskLevel {
        match self {
            Self::MayContainMacros | Self::ArchiveUnreadable => RiskLevel::Warn,
            _ => RiskLevel::Dangerous,
        }
    }
}

/// Extensions of files that run code when opened on Windows (or mount images that hold such
/// files, or open content that does).
const EXECUTABLE: &[&str] = &[
    "exe",
    "scr",
    "com",
    "bat",
    "cmd",
    "pif",
    "cpl",
    "msc",
    "ps1",
    "ps1xml",
    "ps2",
    "psc1",
    "psd1",
    "psm1",
    "vb",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsc",
    "wsh",
    "hta",
    "lnk",
    "url",
    "msi",
    "msp",
    "mst",
    "reg",
    "iso",
    "img",
    "vhd",
    "vhdx",
    "one",
    "onepkg",
    "chm",
    "hlp",
    "jar",
    "jnlp",
    "appx",
    "appxbundle",
    "msix",
    "msixbundle",
    "application",
    "appref-ms",
    "gadget",
    "scf",
    "inf",
    "dll",
    "ocx",
    "sys",
    "drv",
    "cab",
    "settingcontent-ms",
    "xll",
    "library-ms",
    "searchconnector-ms",
    "diagcab",
    "xbap",
    "mht",
    "mhtml",
    "svg",
    "html",
    "htm",
    "shtml",
    "xht",
    "xhtml",
    "ws",
    "sct",
    "xnk",
    "mde",
    "mda",
    "mdb",
    "accde",
    "ade",
    "adp",
    "ins",
    "isp",
    "its",
    "py",
    "pyw",
    "sh",
    "command",
    "app",
    "dmg",
    "pkg",
    "deb",
    "rpm",
    "apk",
    "run",
    "vsto",
    "website",
    "grp",
    "msh",
    "msh1",
    "msh2",
    "mshxml",
    "msh1xml",
    "msh2xml",
    "prf",
    "prg",
    "shb",
    "shs",
];

/// Office formats that declare a macro project by their extension.
const MACRO_OFFICE: &[&str] = &[
    "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "ppsm", "sldm", "xlsb",
];

/// Legacy (OLE) Office formats that may hold macros.
const LEGACY_OFFICE: &[&str] = &[
    "doc", "dot", "xls", "xlt", "xla", "ppt", "pps", "pot", "ppa",
];

/// OOXML formats without macros by their extension (a `vbaProject.bin` inside still counts).
const OOXML: &[&str] = &[
    "docx", "dotx", "xlsx", "xltx", "pptx", "potx", "ppsx", "sldx",
];

/// Archive formats that can be listed.
const ARCHIVES: &[&str] = &["zip", "7z", "rar"];

/// Archive and compressed formats that cannot be listed here.
const OTHER_ARCHIVES: &[&str] = &[
    "ace", "arj", "lzh", "lha", "gz", "tgz", "bz2", "tbz2", "xz", "txz", "z", "tar", "zst", "uue",
    "xxe", "zipx", "r00", "r01", "001", "wim",
];

/// Extensions a reader trusts, which a double extension pretends to be.
const DECOY: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "rtf", "txt", "csv", "jpg",
    "jpeg", "png", "gif", "bmp", "tif", "tiff", "heic", "mp3", "mp4", "wav", "avi", "mov", "zip",
    "rar", "7z", "htm", "html", "xml", "eml", "msg", "ics", "vcf",
];

/// Content types that announce a program, for attachments without a telling extension.
const EXECUTABLE_TYPES: &[(&str, &str)] = &[
    ("application/x-msdownload", "exe"),
    ("application/x-msdos-program", "exe"),
    ("application/x-dosexec", "exe"),
    ("application/vnd.microsoft.portable-executable", "exe"),
    ("application/x-ms-installer", "msi"),
    ("application/x-msi", "msi"),
    ("application/hta", "hta"),
    ("application/x-ms-shortcut", "lnk"),
    ("application/java-archive", "jar"),
    ("application/x-java-archive", "jar"),
    ("application/x-iso9660-image", "iso"),
    ("application/x-bat", "bat"),
    ("text/vbscript", "vbs"),
    ("application/x-vbscript", "vbs"),
];

/// Judges an attachment by its file name, declared content type and (when downloaded) bytes.
///
/// ```
/// use kontor_safety::{classify, RiskLevel, AttachmentReason};
/// let risk = classify("Rechnung.pdf.exe", "application/pdf", None);
/// assert_eq!(risk.level, RiskLevel::Dangerous);
/// assert!(risk.reasons.contains(&AttachmentReason::Executable { ext: "exe".into() }));
/// assert_eq!(classify("Bericht.pdf", "application/pdf", None).level, RiskLevel::None);
/// ```
pub fn classify(name: &str, content_type: &str, bytes: Option<&[u8]>) -> AttachmentRisk {
    let mut budget = MAX_TOTAL_BYTES;
    let reasons = classify_inner(name, content_type, bytes, 0, &mut budget);
    let level = reasons
        .iter()
        .map(AttachmentReason::level)
        .max()
        .unwrap_or(RiskLevel::None);
    AttachmentRisk { level, reasons }
}

/// The name as Windows treats it: bidi controls out, trailing dots and spaces dropped.
fn effective_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !is_bidi_control(*c)).collect();
    cleaned
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace() || c == '\u{0}')
        .to_owned()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The last extension, lower-cased (`None` without a dot).
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    let ext = ext.trim();
    (!stem.trim().is_empty() && !ext.is_empty()).then(|| ext.to_lowercase())
}

/// The name as displayed: text after a right-to-left override (up to a pop) appears reversed.
/// An approximation of the Unicode bidi algorithm, enough to show the trick.
fn displayed_name(name: &str) -> String {
    let mut out = String::new();
    let mut reversed = String::new();
    let mut in_override = false;
    for c in name.chars() {
        match c {
            '\u{202E}' | '\u{2067}' => {
                in_override = true;
            }
            '\u{202C}' | '\u{2069}' if in_override => {
                out.extend(reversed.chars().rev());
                reversed.clear();
                in_override = false;
            }
            c if is_bidi_control(c) => {}
            c if in_override => reversed.push(c),
            c => out.push(c),
        }
    }
    out.extend(reversed.chars().rev());
    out
}

fn classify_inner(
    name: &str,
    content_type: &str,
    bytes: Option<&[u8]>,
    depth: u8,
    budget: &mut u64,
) -> Vec<AttachmentReason> {
    let mut reasons = name_reasons(name);
    let effective = effective_name(name);
    let ext = extension(&effective);
    let ext = ext.as_deref().unwrap_or("");

    let content_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !reasons
        .iter()
        .any(|r| matches!(r, AttachmentReason::Executable { .. }))
        && let Some((_, ext)) = EXECUTABLE_TYPES.iter().find(|(t, _)| *t == content_type)
    {
        reasons.push(AttachmentReason::Executable {
            ext: (*ext).to_owned(),
        });
    }

    let Some(bytes) = bytes else {
        if LEGACY_OFFICE.contains(&ext) {
            reasons.push(AttachmentReason::MayContainMacros);
        }
        return reasons;
    };

    if bytes.starts_with(b"MZ")
        && !reasons
            .iter()
            .any(|r| matches!(r, AttachmentReason::Executable { .. }))
    {
        reasons.push(AttachmentReason::ExecutableContent);
    }

    let kind = ContentKind::sniff(bytes);
    match kind {
        ContentKind::Zip if is_ooxml_ext(ext) => {
            let declared = has_macro_reason(&reasons);
            if !declared && ooxml_has_macros(bytes) {
                reasons.push(AttachmentReason::MacroOffice {
                    ext: ext.to_owned(),
                });
            }
        }
        ContentKind::Ole if LEGACY_OFFICE.contains(&ext) || MACRO_OFFICE.contains(&ext) => {
            match ole_has_vba(bytes) {
                Some(true) if !has_macro_reason(&reasons) => {
                    reasons.push(AttachmentReason::MacroOffice {
                        ext: ext.to_owned(),
                    });
                }
                Some(_) => {}
                None => reasons.push(AttachmentReason::MayContainMacros),
            }
        }
        ContentKind::Zip | ContentKind::SevenZ | ContentKind::Rar => {
            reasons.extend(archive_reasons(kind, bytes, depth, budget));
        }
        _ if LEGACY_OFFICE.contains(&ext) => {
            // Not an OLE file (RTF, HTML or garbage named .doc): Office opens it anyway.
            reasons.push(AttachmentReason::MayContainMacros);
        }
        _ if ARCHIVES.contains(&ext) => reasons.push(AttachmentReason::ArchiveUnreadable),
        _ => {}
    }
    reasons
}

fn is_ooxml_ext(ext: &str) -> bool {
    OOXML.contains(&ext) || MACRO_OFFICE.contains(&ext)
}

fn has_macro_reason(reasons: &[AttachmentReason]) -> bool {
    reasons
        .iter()
        .any(|r| matches!(r, AttachmentReason::MacroOffice { .. }))
}

/// What the name alone says.
fn name_reasons(name: &str) -> Vec<AttachmentReason> {
    let mut reasons = Vec::new();
    let effective = effective_name(name);
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let has_bidi = base.chars().any(is_bidi_control);
    let displayed = displayed_name(base);
    let displayed = displayed.trim_end_matches(['.', ' ']);
    let Some(ext) = extension(&effective) else {
        if OTHER_ARCHIVES.contains(&effective.to_lowercase().as_str()) {
            reasons.push(AttachmentReason::ArchiveUnreadable);
        }
        return reasons;
    };

    if EXECUTABLE.contains(&ext.as_str()) {
        reasons.push(AttachmentReason::Executable { ext: ext.clone() });
    }
    if MACRO_OFFICE.contains(&ext.as_str()) {
        reasons.push(AttachmentReason::MacroOffice { ext: ext.clone() });
    }
    if OTHER_ARCHIVES.contains(&ext.as_str()) {
        reasons.push(AttachmentReason::ArchiveUnreadable);
    }

    // The extension a reader sees: the last one of the displayed name, or, for a name padded
    // with spaces before the real extension, the one before the padding.
    let risky = EXECUTABLE.contains(&ext.as_str()) || MACRO_OFFICE.contains(&ext.as_str());
    let shown = extension(displayed)
        .filter(|shown| *shown != ext)
        .or_else(|| {
            let stem = effective.rsplit_once('.')?.0;
            extension(stem.trim_end())
        })
        .filter(|shown| DECOY.contains(&shown.as_str()) && *shown != ext);
    if let Some(shown) = shown
        && (risky || has_bidi)
    {
        reasons.push(AttachmentReason::DoubleExtension { shown, real: ext });
    }
    if has_bidi {
        reasons.insert(
            0,
            AttachmentReason::DirectionOverride {
                displayed: displayed.to_owned(),
            },
        );
    }
    reasons
}

/// What the first bytes say a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentKind {
    Zip,
    SevenZ,
    Rar,
    Ole,
    Other,
}

impl ContentKind {
    fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Self::Zip
        } else if bytes.starts_with(b"7z\xbc\xaf\x27\x1c") {
            Self::SevenZ
        } else if bytes.starts_with(rar::RAR4_SIGNATURE) || bytes.starts_with(rar::RAR5_SIGNATURE) {
            Self::Rar
        } else if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
            Self::Ole
        } else {
            Self::Other
        }
    }
}

/// Whether an OOXML package holds a VBA project (`word/vbaProject.bin`, `xl/…`, `ppt/…`).
fn ooxml_has_macros(bytes: &[u8]) -> bool {
    guarded(|| {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let found = archive
            .file_names_raw()
            .take(MAX_ENTRIES)
            .any(|name| name.to_ascii_lowercase().ends_with(b"vbaproject.bin"));
        Some(found)
    })
    .flatten()
    .unwrap_or(false)
}

/// Whether an OLE compound file holds a VBA project: a `Macros` (Word), `_VBA_PROJECT_CUR`
/// (Excel) or `VBA` storage, or a `_VBA_PROJECT` stream. `None` when it cannot be read.
fn ole_has_vba(bytes: &[u8]) -> Option<bool> {
    guarded(|| {
        let file = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
        let found = file.walk().take(MAX_ENTRIES).any(|entry| {
            let name = entry.name().to_ascii_lowercase();
            (entry.is_storage() && matches!(name.as_str(), "macros" | "_vba_project_cur" | "vba"))
                || name == "_vba_project"
        });
        Some(found)
    })
    .flatten()
}

/// Runs a parser, turning a panic into `None`.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// One entry of an archive listing.
struct Entry {
    name: String,
    encrypted: bool,
    /// The entry's bytes, when it was worth reading (a nested archive or document).
    bytes: Option<Vec<u8>>,
}

/// The listing of an archive.
#[derive(Default)]
struct Listing {
    entries: Vec<Entry>,
    encrypted: bool,
    incomplete: bool,
}

fn archive_reasons(
    kind: ContentKind,
    bytes: &[u8],
    depth: u8,
    budget: &mut u64,
) -> Vec<AttachmentReason> {
    let listing = match kind {
        ContentKind::Zip => guarded(|| list_zip(bytes, depth, budget)).flatten(),
        ContentKind::SevenZ => guarded(|| list_7z(bytes)).flatten(),
        ContentKind::Rar => guarded(|| list_rar(bytes)).flatten(),
        _ => None,
    };
    let Some(listing) = listing else {
        return vec![AttachmentReason::ArchiveUnreadable];
    };
    let mut reasons = Vec::new();
    let mut encrypted = listing.encrypted;
    let mut unreadable = listing.incomplete;
    let mut dangerous = Vec::new();
    for entry in listing.entries {
        encrypted |= entry.encrypted;
        let inner = classify_inner(&entry.name, "", entry.bytes.as_deref(), depth + 1, budget);
        let entry_ext = extension(&effective_name(&entry.name)).unwrap_or_default();
        let nested_archive = ARCHIVES.contains(&entry_ext.as_str());
        for reason in &inner {
            match reason {
                AttachmentReason::EncryptedArchive => encrypted = true,
                AttachmentReason::ArchiveUnreadable
                    if nested_archive && depth == 0 && entry.bytes.is_some() =>
                {
                    unreadable = true;
                }
                AttachmentReason::ArchiveContains { entries } => {
                    for nested in entries {
                        if dangerous.len() < MAX_REPORTED {
                            dangerous.push(format!("{}/{nested}", entry.name));
                        }
                    }
                }
                _ => {}
            }
        }
        let entry_dangerous = inner.iter().any(|r| {
            r.level() == RiskLevel::Dangerous
                && !matches!(
                    r,
                    AttachmentReason::ArchiveContains { .. } | AttachmentReason::EncryptedArchive
                )
        });
        if entry_dangerous && dangerous.len() < MAX_REPORTED {
            dangerous.push(entry.name.clone());
        }
        // An archive nested deeper than one level is not looked into.
        if nested_archive && depth >= 1 {
            unreadable = true;
        }
    }
    if !dangerous.is_empty() {
        reasons.push(AttachmentReason::ArchiveContains { entries: dangerous });
    }
    if encrypted {
        reasons.push(AttachmentReason::EncryptedArchive);
    }
    if unreadable {
        reasons.push(AttachmentReason::ArchiveUnreadable);
    }
    reasons
}

/// Whether an archive entry is worth reading: an archive or an Office document that may
/// hide macros.
fn worth_reading(name: &str) -> bool {
    let ext = extension(&effective_name(name)).unwrap_or_default();
    let ext = ext.as_str();
    ARCHIVES.contains(&ext) || LEGACY_OFFICE.contains(&ext) || OOXML.contains(&ext)
}

fn list_zip(bytes: &[u8], depth: u8, budget: &mut u64) -> Option<Listing> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut listing = Listing {
        incomplete: archive.len() > MAX_ENTRIES,
        ..Listing::default()
    };
    for i in 0..archive.len().min(MAX_ENTRIES) {
        let Ok(data) = archive.by_index_data(i) else {
            listing.incomplete = true;
            continue;
        };
        if data.is_dir() {
            continue;
        }
        let name = data
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(data.name_raw()).into_owned());
        let encrypted = data.encrypted();
        let size = data.size();
        let mut entry = Entry {
            name,
            encrypted,
            bytes: None,
        };
        if depth == 0
            && !encrypted
            && worth_reading(&entry.name)
            && size <= MAX_MEMBER_BYTES
            && size <= *budget
        {
            match archive.by_index(i) {
                Ok(file) => {
                    let mut buf = Vec::new();
                    let limit = MAX_MEMBER_BYTES.min(*budget);
                    match file.take(limit).read_to_end(&mut buf) {
                        Ok(n) => {
                            *budget = budget.saturating_sub(n as u64);
                            entry.bytes = Some(buf);
                        }
                        Err(_) => listing.incomplete = true,
                    }
                }
                Err(_) => listing.incomplete = true,
            }
        }
        listing.entries.push(entry);
    }
    Some(listing)
}

fn list_7z(bytes: &[u8]) -> Option<Listing> {
    let password = sevenz_rust2::Password::empty();
    match sevenz_rust2::Archive::read_with_memory_limit(
        &mut Cursor::new(bytes),
        &password,
        SEVEN_Z_MEMORY_KB,
    ) {
        Ok(archive) => {
            let mut listing = Listing {
                incomplete: archive.files.len() > MAX_ENTRIES,
                ..Listing::default()
            };
            for (i, file) in archive.files.iter().enumerate().take(MAX_ENTRIES) {
                if file.is_directory() {
                    continue;
                }
                listing.entries.push(Entry {
                    name: file.name().to_owned(),
                    encrypted: archive.is_file_encrypted(i),
                    bytes: None,
                });
            }
            Some(listing)
        }
        // The header itself is encrypted (7z -mhe=on): no names without the password.
        Err(sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_)) => {
            Some(Listing {
                encrypted: true,
                ..Listing::default()
            })
        }
        Err(sevenz_rust2::Error::UnsupportedCompressionMethod(method))
            if method.to_ascii_uppercase().contains("AES") =>
        {
            Some(Listing {
                encrypted: true,
                ..Listing::default()
            })
        }
        Err(_) => None,
    }
}

fn list_rar(bytes: &[u8]) -> Option<Listing> {
    let rar = rar::list(bytes, MAX_ENTRIES)?;
    Some(Listing {
        entries: rar
            .names
            .into_iter()
            .map(|name| Entry {
                name,
                encrypted: false,
                bytes: None,
            })
            .collect(),
        encrypted: rar.headers_encrypted || rar.files_encrypted,
        incomplete: rar.truncated,
    })
}

#[cfg(test)]
mod tests;
