//! `ui/src/lib/bindings.ts`: the TypeScript side of every command and event, generated from
//! [`super::builder`] and checked in. The test below fails when the file differs from what the
//! Rust side generates; `KONTOR_WRITE_BINDINGS=1` makes it write the file instead:
//!
//! ```sh
//! KONTOR_WRITE_BINDINGS=1 cargo test -p kontor --bin kontor bindings
//! ```

use std::path::{Path, PathBuf};

use specta_typescript::Typescript;

/// The command that rewrites the file (also in its header).
pub const REGENERATE: &str = "KONTOR_WRITE_BINDINGS=1 cargo test -p kontor --bin kontor bindings";

/// Where the UI imports the bindings from.
pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
}

/// The bindings as the Rust side defines them, written to `out`.
pub fn export(out: &Path) -> Result<(), specta_typescript::Error> {
    let header = format!(
        "// Generated from src-tauri/src/commands/ (docs/decisions/0004-generated-ipc-bindings.md).\n\
         // Regenerate with: {REGENERATE}"
    );
    super::builder().export(Typescript::default().header(header), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render() -> String {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("bindings.ts");
        export(&out).expect("the bindings export");
        std::fs::read_to_string(&out).expect("the exported bindings")
    }

    #[test]
    fn bindings_are_deterministic() {
        assert_eq!(render(), render());
    }

    #[test]
    fn bindings_are_up_to_date() {
        let generated = render();
        let path = path();
        if std::env::var_os("KONTOR_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("write ui/src/lib/bindings.ts");
            return;
        }
        // A checkout with Windows line endings holds the same file.
        let checked_in = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        assert!(
            checked_in == generated,
            "ui/src/lib/bindings.ts differs from the IPC commands and types of the Rust side. \
             Regenerate it with `{REGENERATE}` and commit the result."
        );
    }
}
