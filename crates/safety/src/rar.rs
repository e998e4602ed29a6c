//! Listing the names in a RAR archive (formats 1.5–4.x and 5.0) without unpacking anything.
//!
//! No maintained pure-Rust crate lists RAR archives (docs/decisions/0007-rar-listing.md), so
//! this walks the block headers itself: every header states its own size and the size of the
//! data after it, so names are read and data skipped. Header CRCs are not checked — a damaged
//! header at worst yields a wrong name or a stop, never a read outside the input. Archives whose
//! headers are encrypted (RAR4 `MHD_PASSWORD`, RAR5 archive encryption header) reveal no names
//! and are reported as such.

/// What a RAR archive reveals without a password.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct RarListing {
    /// File names (directories left out), at most `max_entries`.
    pub names: Vec<String>,
    /// The headers are encrypted: no names can be read.
    pub headers_encrypted: bool,
    /// At least one file's data is encrypted.
    pub files_encrypted: bool,
    /// More entries than `max_entries`; the list is cut.
    pub truncated: bool,
}

/// RAR 1.5–4.x signature.
pub(crate) const RAR4_SIGNATURE: &[u8] = b"Rar!\x1a\x07\x00";
/// RAR 5.0 signature.
pub(crate) const RAR5_SIGNATURE: &[u8] = b"Rar!\x1a\x07\x01\x00";

/// Lists a RAR archive. `None` when the input is not a RAR archive or its first headers are
/// malformed; a listing cut short by damage further on keeps the names read so far.
pub(crate) fn list(bytes: &[u8], max_entries: usize) -> Option<RarListing> {
    if let Some(rest) = bytes.strip_prefix(RAR5_SIGNATURE) {
        list_rar5(bytes, RAR5_SIGNATURE.len(), rest.len(), max_entries)
    } else if bytes.starts_with(RAR4_SIGNATURE) {
        list_rar4(bytes, RAR4_SIGNATURE.len(), max_entries)
    } else {
        None
    }
}

/// A bounds-checked little-endian reader over a slice.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// RAR5 variable-length integer: 7 bits per byte, high bit = more follows, at most 10 bytes.
    fn vint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            value |= u64::from(b & 0x7f).checked_shl(7 * i)?;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
}

fn push_name(listing: &mut RarListing, raw: &[u8], max_entries: usize) -> bool {
    if listing.names.len() >= max_entries {
        listing.truncated = true;
        return false;
    }
    listing
        .names
        .push(String::from_utf8_lossy(raw).replace('\\', "/"));
    true
}

fn list_rar5(bytes: &[u8], start: usize, _len: usize, max_entries: usize) -> Option<RarListing> {
    let mut listing = RarListing::default();
    let mut pos = start;
    let mut first = true;
    // Each iteration moves `pos` strictly forward, so the loop ends.
    while pos < bytes.len() {
        let mut c = Cursor::new(bytes, pos);
        let header = (|| {
            c.u32()?; // header CRC32
            let header_size = usize::try_from(c.vint()?).ok()?;
            let header_start = c.pos;
            let header_end = header_start.checked_add(header_size)?;
            if header_size == 0 || header_end > bytes.len() {
                return None;
            }
            let kind = c.vint()?;
            let flags = c.vint()?;
            let extra_size = if flags & 0x01 != 0 { c.vint()? } else { 0 };
            let data_size = if flags & 0x02 != 0 { c.vint()? } else { 0 };
            Some((header_end, kind, extra_size, data_size))
        })();
        let Some((header_end, kind, extra_size, data_size)) = header else {
            return if first { None } else { Some(listing) };
        };
        first = false;
        match kind {
            // Archive encryption header: everything after it is encrypted.
            4 => {
                listing.headers_encrypted = true;
                return Some(listing);
            }
            // File header.
            2 => {
                let file = (|| {
                    let file_flags = c.vint()?;
                    c.vint()?; // unpacked size
                    c.vint()?; // attributes
                    if file_flags & 0x02 != 0 {
                        c.u32()?; // mtime
                    }
                    if file_flags & 0x04 != 0 {
                        c.u32()?; // data CRC32
                    }
                    c.vint()?; // compression information
                    c.vint()?; // host OS
                    let name_len = usize::try_from(c.vint()?).ok()?;
                    let name = c.take(name_len)?;
                    if c.pos > header_end {
                        return None;
                    }
                    let extra_start = header_end.checked_sub(usize::try_from(extra_size).ok()?)?;
                    let encrypted =
                        rar5_extra_has_encryption(bytes.get(extra_start.max(c.pos)..header_end)?);
                    Some((file_flags & 0x01 != 0, name, encrypted))
                })();
                let Some((is_dir, name, encrypted)) = file else {
                    return Some(listing);
                };
                listing.files_encrypted |= encrypted;
                if !is_dir && !push_name(&mut listing, name, max_entries) {
                    return Some(listing);
                }
            }
            // End of archive.
            5 => return Some(listing),
            _ => {}
        }
        let Some(next) = usize::try_from(data_size)
            .ok()
            .and_then(|d| header_end.checked_add(d))
        else {
            return Some(listing);
        };
        if next <= pos {
            return Some(listing);
        }
        pos = next;
    }
    Some(listing)
}

/// Whether a RAR5 extra area holds a file encryption record (type 1).
fn rar5_extra_has_encryption(extra: &[u8]) -> bool {
    let mut c = Cursor::new(extra, 0);
    while c.pos < extra.len() {
        let Some(size) = c.vint().and_then(|s| usize::try_from(s).ok()) else {
            return false;
        };
        let record_start = c.pos;
        let Some(kind) = c.vint() else {
            return false;
        };
        if kind == 1 {
            return true;
        }
        let Some(next) = record_start.checked_add(size) else {
            return false;
        };
        if size == 0 || next > extra.len() {
            return false;
        }
        c.pos = next;
    }
    false
}

fn list_rar4(bytes: &[u8], start: usize, max_entries: usize) -> Option<RarListing> {
    const MAIN_HEADER: u8 = 0x73;
    const FILE_HEADER: u8 = 0x74;
    const END_OF_ARCHIVE: u8 = 0x7b;
    const MHD_PASSWORD: u16 = 0x0080;
    const LHD_PASSWORD: u16 = 0x0004;
    const LHD_LARGE: u16 = 0x0100;
    const LHD_UNICODE: u16 = 0x0200;
    const LHD_DIRECTORY: u16 = 0x00e0;
    const LONG_BLOCK: u16 = 0x8000;

    let mut listing = RarListing::default();
    let mut pos = start;
    let mut first = true;
    while pos < bytes.len() {
        let mut c = Cursor::new(bytes, pos);
        let header = (|| {
            c.u16()?; // header CRC16
            let kind = c.u8()?;
            let flags = c.u16()?;
            let size = usize::from(c.u16()?);
            if size < 7 || pos.checked_add(size)? > bytes.len() {
                return None;
            }
            Some((kind, flags, size))
        })();
        let Some((kind, flags, size)) = header else {
            return if first { None } else { Some(listing) };
        };
        first = false;
        let mut add_size = 0u64;
        match kind {
            MAIN_HEADER if flags & MHD_PASSWORD != 0 => {
                listing.headers_encrypted = true;
                return Some(listing);
            }
            FILE_HEADER => {
                let file = (|| {
                    let pack_low = c.u32()?;
                    c.u32()?; // unpacked size
                    c.u8()?; // host OS
                    c.u32()?; // file CRC
                    c.u32()?; // file time
                    c.u8()?; // version to unpack
                    c.u8()?; // method
                    let name_len = usize::from(c.u16()?);
                    c.u32()?; // attributes
                    let pack_high = if flags & LHD_LARGE != 0 {
                        let high = c.u32()?;
                        c.u32()?; // high unpacked size
                        high
                    } else {
                        0
                    };
                    let name = c.take(name_len)?;
                    if c.pos > pos + size {
                        return None;
                    }
                    Some((u64::from(pack_high) << 32 | u64::from(pack_low), name))
                })();
                let Some((packed, mut name)) = file else {
                    return Some(listing);
                };
                add_size = packed;
                if flags & LHD_UNICODE != 0 {
                    // An OEM/ASCII name, a zero byte, then the name in RAR's compact Unicode
                    // encoding; the first part is the readable name.
                    if let Some(zero) = name.iter().position(|&b| b == 0) {
                        name = &name[..zero];
                    }
                }
                listing.files_encrypted |= flags & LHD_PASSWORD != 0;
                let is_dir = flags & LHD_DIRECTORY == LHD_DIRECTORY;
                if !is_dir && !push_name(&mut listing, name, max_entries) {
                    return Some(listing);
                }
            }
            END_OF_ARCHIVE => return Some(listing),
            _ => {
                if flags & LONG_BLOCK != 0 {
                    let Some(add) = c.u32() else {
                        return Some(listing);
                    };
                    add_size = u64::from(add);
                }
            }
        }
        let Some(next) = usize::try_from(add_size)
            .ok()
            .and_then(|a| pos.checked_add(size)?.checked_add(a))
        else {
            return Some(listing);
        };
        pos = next;
    }
    Some(listing)
}

#[cfg(test)]
pub(crate) mod samples {
    //! Builders for small RAR archives, laid out as WinRAR writes them (data areas are filler:
    //! only headers are read).

    use super::*;

    fn vint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// A RAR5 block: CRC (zero), size, then `body` (type, flags, … as given).
    fn rar5_block(body: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&[0, 0, 0, 0]);
        vint(body.len() as u64, out);
        out.extend_from_slice(body);
    }

    /// A RAR5 archive holding `files` (name, encrypted), optionally with encrypted headers.
    pub(crate) fn rar5(files: &[(&str, bool)], headers_encrypted: bool) -> Vec<u8> {
        let mut out = RAR5_SIGNATURE.to_vec();
        if headers_encrypted {
            // Archive encryption header: type 4, flags 0, version 0, flags 0, KDF count 15,
            // salt 16 bytes; everything after it is ciphertext.
            let mut body = vec![4, 0, 0, 0, 15];
            body.extend_from_slice(&[0xAA; 16]);
            rar5_block(&body, &mut out);
            out.extend_from_slice(&[0x5A; 64]);
            return out;
        }
        // Main archive header: type 1, flags 0, archive flags 0.
        rar5_block(&[1, 0, 0], &mut out);
        for (name, encrypted) in files {
            let data = b"0123456789";
            let mut extra = Vec::new();
            if *encrypted {
                // Encryption record: size, type 1, version 0, flags 0, KDF 15, salt, IV.
                let mut record = vec![1, 0, 0, 15];
                record.extend_from_slice(&[0x11; 32]);
                vint(record.len() as u64, &mut extra);
                extra.extend_from_slice(&record);
            }
            let mut body = Vec::new();
            vint(2, &mut body); // file header
            vint(0x01 | 0x02, &mut body); // extra area and data area present
            vint(extra.len() as u64, &mut body);
            vint(data.len() as u64, &mut body);
            vint(0x04, &mut body); // file flags: CRC present
            vint(data.len() as u64, &mut body); // unpacked size
            vint(0x20, &mut body); // attributes
            body.extend_from_slice(&[1, 2, 3, 4]); // CRC32
            vint(0, &mut body); // compression: stored
            vint(0, &mut body); // host OS Windows
            vint(name.len() as u64, &mut body);
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(&extra);
            rar5_block(&body, &mut out);
            out.extend_from_slice(data);
        }
        rar5_block(&[5, 0, 0], &mut out);
        out
    }

    /// A RAR4 archive holding `files` (name, encrypted), optionally with encrypted headers.
    pub(crate) fn rar4(files: &[(&str, bool)], headers_encrypted: bool) -> Vec<u8> {
        let mut out = RAR4_SIGNATURE.to_vec();
        let main_flags: u16 = if headers_encrypted { 0x0080 } else { 0 };
        out.extend_from_slice(&[0, 0, 0x73]);
        out.extend_from_slice(&main_flags.to_le_bytes());
        out.extend_from_slice(&13u16.to_le_bytes());
        out.extend_from_slice(&[0; 6]);
        if headers_encrypted {
            out.extend_from_slice(&[0x5A; 64]);
            return out;
        }
        for (name, encrypted) in files {
            let data = b"0123456789";
            let flags: u16 = 0x8000 | if *encrypted { 0x0004 } else { 0 };
            let size = (32 + name.len()) as u16;
            out.extend_from_slice(&[0, 0, 0x74]);
            out.extend_from_slice(&flags.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes()); // packed
            out.extend_from_slice(&(data.len() as u32).to_le_bytes()); // unpacked
            out.push(2); // host OS Windows
            out.extend_from_slice(&[1, 2, 3, 4]); // CRC
            out.extend_from_slice(&[0; 4]); // time
            out.push(29); // version
            out.push(0x30); // method: store
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0x20u32.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
        }
        out.extend_from_slice(&[0, 0, 0x7b, 0, 0x40, 7, 0]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::samples::{rar4, rar5};
    use super::*;

    #[test]
    fn rar5_names() {
        let bytes = rar5(
            &[("docs\\Rechnung.pdf", false), ("setup.exe", false)],
            false,
        );
        let l = list(&bytes, 100).unwrap();
        assert_eq!(l.names, vec!["docs/Rechnung.pdf", "setup.exe"]);
        assert!(!l.files_encrypted && !l.headers_encrypted && !l.truncated);
    }

    #[test]
    fn rar5_encryption() {
        let l = list(&rar5(&[("a.txt", true)], false), 100).unwrap();
        assert!(l.files_encrypted);
        let l = list(&rar5(&[], true), 100).unwrap();
        assert!(l.headers_encrypted);
        assert!(l.names.is_empty());
    }

    #[test]
    fn rar4_names_and_encryption() {
        let l = list(&rar4(&[("a.txt", false), ("b.js", true)], false), 100).unwrap();
        assert_eq!(l.names, vec!["a.txt", "b.js"]);
        assert!(l.files_encrypted);
        let l = list(&rar4(&[], true), 100).unwrap();
        assert!(l.headers_encrypted);
    }

    #[test]
    fn entry_cap() {
        let files: Vec<(String, bool)> = (0..20).map(|i| (format!("f{i}.txt"), false)).collect();
        let files: Vec<(&str, bool)> = files.iter().map(|(n, e)| (n.as_str(), *e)).collect();
        let l = list(&rar5(&files, false), 5).unwrap();
        assert_eq!(l.names.len(), 5);
        assert!(l.truncated);
    }

    #[test]
    fn malformed_input_never_panics() {
        assert_eq!(list(b"not a rar", 10), None);
        assert_eq!(list(RAR5_SIGNATURE, 10), Some(RarListing::default()));
        let good5 = rar5(&[("x.exe", false)], false);
        let good4 = rar4(&[("x.exe", false)], false);
        for good in [good5, good4] {
            // Every truncation and every single-byte corruption.
            for cut in 0..good.len() {
                let _ = list(&good[..cut], 10);
            }
            for i in 0..good.len() {
                for v in [0x00, 0x7f, 0x80, 0xff] {
                    let mut bad = good.clone();
                    bad[i] = v;
                    let _ = list(&bad, 10);
                }
            }
        }
        // Endless vint continuation bytes.
        let mut v = RAR5_SIGNATURE.to_vec();
        v.extend_from_slice(&[0; 4]);
        v.extend_from_slice(&[0xff; 32]);
        assert_eq!(list(&v, 10), None);
    }
}
