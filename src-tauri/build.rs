//! Tauri's build step, and the build facts `kontor --version --json` reports
//! (docs/supply-chain.md#which-build-runs-where): the git commit, a build date that is the
//! commit's (or SOURCE_DATE_EPOCH), so two builds of one commit agree, the target, and the
//! SHA-256 of the bills of materials when the release build passes them in.
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .env("TZ", "UTC")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn rfc3339(epoch: i64) -> String {
    let (y, m, d) = civil(epoch.div_euclid(86_400));
    let secs = epoch.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn main() {
    // Rebuild when HEAD moves (a commit, a checkout) or a release passes other values.
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &head_ref])
    {
        println!("cargo:rerun-if-changed={p}");
    }
    for var in [
        "SOURCE_DATE_EPOCH",
        "KONTOR_BUILD_COMMIT",
        "KONTOR_SBOM_RUST_SHA256",
        "KONTOR_SBOM_UI_SHA256",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let commit = std::env::var("KONTOR_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|e| e.trim().parse::<i64>().ok())
        .or_else(|| git(&["log", "-1", "--format=%ct"]).and_then(|e| e.parse().ok()))
        .unwrap_or(0);
    println!("cargo:rustc-env=KONTOR_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=KONTOR_BUILD_DATE={}", rfc3339(epoch));
    println!(
        "cargo:rustc-env=KONTOR_BUILD_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );

    tauri_build::build();
}
