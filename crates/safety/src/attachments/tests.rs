use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use super::*;
use crate::rar::samples::{rar4, rar5};

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Sets the "encrypted" bit in every local and central header, as ZipCrypto writers do.
fn mark_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 10 < zip.len() {
        if zip[i..].starts_with(b"PK\x03\x04") {
            zip[i + 6] |= 1;
        } else if zip[i..].starts_with(b"PK\x01\x02") {
            zip[i + 8] |= 1;
        }
        i += 1;
    }
    zip
}

/// A legacy Word document: an OLE file, optionally with a `Macros/VBA` storage.
fn ole_doc(with_vba: bool) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("/WordDocument")
        .unwrap()
        .write_all(&[0xEC, 0xA5, 0xC1, 0x00])
        .unwrap();
    if with_vba {
        file.create_storage("/Macros").unwrap();
        file.create_storage("/Macros/VBA").unwrap();
        file.create_stream("/Macros/VBA/_VBA_PROJECT")
            .unwrap()
            .write_all(&[0xCC, 0x61, 0xFF, 0xFF])
            .unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

fn docx(with_vba: bool) -> Vec<u8> {
    let mut files: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ];
    if with_vba {
        files.push(("word/vbaProject.bin", &[0xD0, 0xCF, 0x11, 0xE0]));
    }
    zip_of(&files)
}

fn risk(name: &str, bytes: Option<&[u8]>) -> AttachmentRisk {
    classify(name, "application/octet-stream", bytes)
}

fn contains(entries: &[&str]) -> AttachmentReason {
    AttachmentReason::ArchiveContains {
        entries: entries.iter().map(|e| (*e).to_owned()).collect(),
    }
}

#[test]
fn harmless_files() {
    for name in [
        "Bericht.pdf",
        "foto.JPG",
        "Tabelle.xlsx",
        "notes.txt",
        "no-extension",
        "",
    ] {
        let r = risk(name, None);
        assert_eq!(r.level, RiskLevel::None, "{name}: {r:?}");
        assert!(r.reasons.is_empty());
    }
    assert_eq!(
        risk("Tabelle.xlsx", Some(&docx(false))).level,
        RiskLevel::None
    );
    assert_eq!(
        risk("Brief.doc", Some(&ole_doc(false))).level,
        RiskLevel::None
    );
}

#[test]
fn executables_by_extension() {
    for ext in [
        "exe",
        "scr",
        "com",
        "bat",
        "cmd",
        "pif",
        "cpl",
        "msc",
        "ps1",
        "psm1",
        "vbs",
        "vbe",
        "js",
        "jse",
        "wsf",
        "wsh",
        "hta",
        "lnk",
        "url",
        "msi",
        "msp",
        "reg",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "one",
        "chm",
        "jar",
        "appx",
        "msix",
        "application",
        "scf",
        "inf",
        "dll",
        "sys",
    ] {
        let r = risk(&format!("datei.{ext}"), None);
        assert_eq!(r.level, RiskLevel::Dangerous, "{ext}");
        assert_eq!(
            r.reasons,
            vec![AttachmentReason::Executable { ext: ext.into() }]
        );
    }
    // Case, trailing dots and spaces do not matter.
    for name in [
        "SETUP.EXE",
        "invoice.exe.",
        "invoice.exe . .",
        "invoice.Exe  ",
    ] {
        assert_eq!(
            risk(name, None).reasons,
            vec![AttachmentReason::Executable { ext: "exe".into() }],
            "{name}"
        );
    }
}

#[test]
fn content_type_and_content() {
    let r = classify("download", "application/x-msdownload; name=x", None);
    assert_eq!(
        r.reasons,
        vec![AttachmentReason::Executable { ext: "exe".into() }]
    );
    let r = risk("bild.jpg", Some(b"MZ\x90\x00\x03\x00"));
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(r.reasons, vec![AttachmentReason::ExecutableContent]);
}

#[test]
fn double_extensions() {
    let r = risk("Rechnung.pdf.exe", None);
    assert_eq!(
        r.reasons,
        vec![
            AttachmentReason::Executable { ext: "exe".into() },
            AttachmentReason::DoubleExtension {
                shown: "pdf".into(),
                real: "exe".into()
            }
        ]
    );
    let r = risk("Rechnung.pdf                                   .scr", None);
    assert!(r.reasons.contains(&AttachmentReason::DoubleExtension {
        shown: "pdf".into(),
        real: "scr".into()
    }));
    // A harmless double extension is not flagged.
    assert_eq!(risk("archiv.tar.gz", None).level, RiskLevel::Warn);
    assert_eq!(risk("Version.1.2.pdf", None).level, RiskLevel::None);
}

#[test]
fn right_to_left_override() {
    let r = risk("Rechnung\u{202E}fdp.exe", None);
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(
        r.reasons,
        vec![
            AttachmentReason::DirectionOverride {
                displayed: "Rechnungexe.pdf".into()
            },
            AttachmentReason::Executable { ext: "exe".into() },
            AttachmentReason::DoubleExtension {
                shown: "pdf".into(),
                real: "exe".into()
            },
        ]
    );
    // An override alone is dangerous even on a harmless type.
    let r = risk("photo\u{202E}gpj.txt", None);
    assert_eq!(r.level, RiskLevel::Dangerous);
}

#[test]
fn macro_office_by_extension() {
    for ext in [
        "docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "ppsm", "sldm",
    ] {
        let r = risk(&format!("Angebot.{ext}"), None);
        assert_eq!(r.level, RiskLevel::Dangerous);
        assert_eq!(
            r.reasons,
            vec![AttachmentReason::MacroOffice { ext: ext.into() }]
        );
    }
}

#[test]
fn legacy_office() {
    for ext in ["doc", "dot", "xls", "xlt", "ppt", "pps"] {
        let r = risk(&format!("Angebot.{ext}"), None);
        assert_eq!(r.level, RiskLevel::Warn, "{ext}");
        assert_eq!(r.reasons, vec![AttachmentReason::MayContainMacros]);
    }
    let r = risk("Angebot.doc", Some(&ole_doc(true)));
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(
        r.reasons,
        vec![AttachmentReason::MacroOffice { ext: "doc".into() }]
    );
    // RTF or garbage named .doc: Word opens it anyway, so it stays a warning.
    let r = risk("Angebot.doc", Some(b"{\\rtf1 hello}"));
    assert_eq!(r.reasons, vec![AttachmentReason::MayContainMacros]);
    // A broken OLE file.
    let mut broken = ole_doc(true);
    broken.truncate(600);
    assert_eq!(risk("Angebot.xls", Some(&broken)).level, RiskLevel::Warn);
}

#[test]
fn ooxml_with_hidden_vba_project() {
    let r = risk("Vertrag.docx", Some(&docx(true)));
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(
        r.reasons,
        vec![AttachmentReason::MacroOffice { ext: "docx".into() }]
    );
}

#[test]
fn zip_with_script_and_macro_document() {
    let doc = ole_doc(true);
    let archive = zip_of(&[
        ("Rechnung/Rechnung.js", b"WScript.Shell"),
        ("Rechnung/Angebot.docm", &docx(true)),
        ("Rechnung/Altes Angebot.doc", &doc),
        ("Rechnung/Brief.doc", &ole_doc(false)),
        ("Rechnung/readme.txt", b"hi"),
    ]);
    let r = risk("Rechnung.zip", Some(&archive));
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(
        r.reasons,
        vec![contains(&[
            "Rechnung/Rechnung.js",
            "Rechnung/Angebot.docm",
            "Rechnung/Altes Angebot.doc"
        ])]
    );
    // A zip of harmless files.
    let r = risk(
        "fotos.zip",
        Some(&zip_of(&[("a.jpg", b"x"), ("b.pdf", b"y")])),
    );
    assert_eq!(r.level, RiskLevel::None);
    assert!(r.reasons.is_empty());
}

#[test]
fn nested_zip_one_level() {
    let inner = zip_of(&[("payload.exe", b"MZ"), ("ok.txt", b"")]);
    let outer = zip_of(&[("inner.zip", &inner), ("cover.pdf", b"%PDF")]);
    let r = risk("paket.zip", Some(&outer));
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(r.reasons, vec![contains(&["inner.zip/payload.exe"])]);

    // Two levels down is not looked into: the innermost archive is unreadable.
    let outer2 = zip_of(&[("outer.zip", &outer)]);
    let r = risk("paket.zip", Some(&outer2));
    assert_eq!(r.level, RiskLevel::Warn);
    assert_eq!(r.reasons, vec![AttachmentReason::ArchiveUnreadable]);
}

#[test]
fn encrypted_zip() {
    let archive = mark_encrypted(zip_of(&[("Rechnung.pdf", b"%PDF-1.7")]));
    let r = risk("Rechnung.zip", Some(&archive));
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(r.reasons, vec![AttachmentReason::EncryptedArchive]);
    // Encrypted zip inside a zip.
    let outer = zip_of(&[("inner.zip", &archive)]);
    assert_eq!(
        risk("paket.zip", Some(&outer)).reasons,
        vec![AttachmentReason::EncryptedArchive]
    );
}

#[test]
fn unreadable_archives() {
    let r = risk("daten.zip", Some(b"PK\x03\x04garbage"));
    assert_eq!(r.level, RiskLevel::Warn);
    assert_eq!(r.reasons, vec![AttachmentReason::ArchiveUnreadable]);
    assert_eq!(
        risk("daten.zip", Some(b"not a zip")).reasons,
        vec![AttachmentReason::ArchiveUnreadable]
    );
    assert_eq!(
        risk("daten.7z", Some(b"7z\xbc\xaf\x27\x1c\x00\x04")).reasons,
        vec![AttachmentReason::ArchiveUnreadable]
    );
    assert_eq!(
        risk("daten.ace", None).reasons,
        vec![AttachmentReason::ArchiveUnreadable]
    );
}

/// The 7z samples were written by 7-Zip 26 (`7zz a`): `plain.7z` holds `invoice.pdf.exe` and
/// `readme.txt`; `enc-content.7z` (`-p… -mhe=off`) has encrypted data but readable names;
/// `enc-header.7z` (`-p… -mhe=on`) has an encrypted header.
#[test]
fn seven_z() {
    let r = risk(
        "paket.7z",
        Some(include_bytes!("../../tests/data/plain.7z")),
    );
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(r.reasons, vec![contains(&["invoice.pdf.exe"])]);
    // Content encrypted, names readable.
    let r = risk(
        "paket.7z",
        Some(include_bytes!("../../tests/data/enc-content.7z")),
    );
    assert_eq!(r.reasons, vec![AttachmentReason::EncryptedArchive]);
    // Header encrypted: nothing readable.
    let r = risk(
        "paket.7z",
        Some(include_bytes!("../../tests/data/enc-header.7z")),
    );
    assert_eq!(r.level, RiskLevel::Dangerous);
    assert_eq!(r.reasons, vec![AttachmentReason::EncryptedArchive]);
}

#[test]
fn rar() {
    for bytes in [
        rar5(&[("Rechnung.pdf.lnk", false), ("a.txt", false)], false),
        rar4(&[("Rechnung.pdf.lnk", false), ("a.txt", false)], false),
    ] {
        let r = risk("paket.rar", Some(&bytes));
        assert_eq!(r.reasons, vec![contains(&["Rechnung.pdf.lnk"])]);
    }
    for bytes in [
        rar5(&[("a.txt", true)], false),
        rar5(&[], true),
        rar4(&[("a.txt", true)], false),
        rar4(&[], true),
    ] {
        let r = risk("paket.rar", Some(&bytes));
        assert_eq!(r.reasons, vec![AttachmentReason::EncryptedArchive]);
    }
    // An archive by content, whatever its name.
    let r = risk("paket.dat", Some(&rar5(&[("x.hta", false)], false)));
    assert_eq!(r.reasons, vec![contains(&["x.hta"])]);
}

#[test]
fn entry_cap() {
    let names: Vec<String> = (0..MAX_ENTRIES + 5).map(|i| format!("f{i}.txt")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let r = risk("viele.zip", Some(&zip_of(&files)));
    assert_eq!(r.reasons, vec![AttachmentReason::ArchiveUnreadable]);
}

#[test]
fn corrupted_archives_never_panic() {
    let inner = zip_of(&[("payload.exe", b"MZ")]);
    let samples: Vec<Vec<u8>> = vec![
        zip_of(&[("inner.zip", &inner), ("a.doc", &ole_doc(true))]),
        include_bytes!("../../tests/data/plain.7z").to_vec(),
        include_bytes!("../../tests/data/enc-header.7z").to_vec(),
        ole_doc(true),
        docx(true),
    ];
    for (n, sample) in samples.iter().enumerate() {
        let name = ["x.zip", "x.7z", "x.7z", "x.doc", "x.docx"][n];
        for cut in (0..sample.len()).step_by(7) {
            let _ = risk(name, Some(&sample[..cut]));
        }
        for i in (0..sample.len()).step_by(3) {
            let mut bad = sample.clone();
            bad[i] ^= 0xff;
            let _ = risk(name, Some(&bad));
        }
    }
}

#[test]
fn serializes_camel_case() {
    let r = risk("Rechnung.pdf.exe", None);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["level"], "dangerous");
    assert_eq!(
        json["reasons"][1],
        serde_json::json!({"doubleExtension": {"shown": "pdf", "real": "exe"}})
    );
}
