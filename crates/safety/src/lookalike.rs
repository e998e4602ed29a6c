//! Look-alike domains: a sender or link domain made to pass for a known one.
//!
//! The candidate's registrable domain is compared with the registrable domain of each known
//! domain (the user's own domains and colleagues' domains). Identical registrable domains —
//! including subdomains such as `mail.kontor.de` against `kontor.de` — are never look-alikes.
//! The checks, most specific first:
//!
//! 1. [`LookAlikeReason::Confusable`] — the two domains render alike: their Unicode
//!    confusable skeletons (UTS #39, via `unicode-security`) are equal after case folding, with
//!    a few ASCII pairs the skeleton table lacks (`vv`/`w`, `cl`/`d`). Covers `rn`/`m`,
//!    `0`/`o`, `1`/`I`/`l` and Cyrillic or Greek letters that look Latin.
//! 2. [`LookAlikeReason::AddedHyphen`] — the labels differ only in hyphens
//!    (`stadt-werke.de` / `stadtwerke.de`), with the same public suffix.
//! 3. [`LookAlikeReason::TldSwap`] — the same label under another public suffix
//!    (`kontor.com`, `kontor.de.com` for `kontor.de`).
//! 4. [`LookAlikeReason::EditDistance`] — Damerau–Levenshtein distance 1 between the labels
//!    (2 for labels of 10 or more characters), with the same public suffix. Labels shorter than
//!    5 characters are not compared this way: too many real domains are one letter apart.
//! 5. [`LookAlikeReason::MixedScript`] — with no known target matched, a label that mixes
//!    Latin letters with Cyrillic or Greek ones is suspicious by itself.

use serde::Serialize;
use unicode_security::MixedScript;

use crate::domain::{host_forms, registrable_domain, split_registrable};

/// Why a domain is taken for a look-alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum LookAlikeReason {
    /// One or two typing edits (insert, delete, replace, swap neighbours) from a known domain.
    EditDistance,
    /// Renders like a known domain (confusable characters).
    Confusable,
    /// A known domain with hyphens added or removed.
    AddedHyphen,
    /// A known domain's label under another public suffix.
    TldSwap,
    /// A label mixing Latin with Cyrillic or Greek letters.
    MixedScript,
}

/// A domain that imitates a known one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LookAlike {
    /// The domain judged, as given.
    pub domain: String,
    /// The known registrable domain it imitates (ASCII form); `None` for
    /// [`LookAlikeReason::MixedScript`] without a known target.
    pub similar_to: Option<String>,
    /// What makes it a look-alike.
    pub reason: LookAlikeReason,
    /// The punycode form, when the domain is internationalised.
    pub punycode: Option<String>,
    /// The Unicode form, when the domain is internationalised.
    pub unicode: Option<String>,
}

/// Labels at least this long may be two edits away from a known one.
const LONG_LABEL: usize = 10;
/// Labels shorter than this are not compared by edit distance.
const MIN_EDIT_LABEL: usize = 5;
/// Labels longer than this are not compared by edit distance (bounds the quadratic work).
const MAX_EDIT_LABEL: usize = 63;

/// Judges `domain` against `known` domains. Returns `None` when it is one of them (or a
/// subdomain of one's registrable domain), when it resembles none, or when it is not a valid
/// domain name.
///
/// ```
/// use kontor_safety::{lookalike, LookAlikeReason};
/// let known = vec!["microsoft.com".to_owned()];
/// let hit = lookalike("rnicrosoft.com", &known).unwrap();
/// assert_eq!(hit.reason, LookAlikeReason::Confusable);
/// assert!(lookalike("login.microsoft.com", &known).is_none());
/// ```
pub fn lookalike(domain: &str, known: &[String]) -> Option<LookAlike> {
    let forms = host_forms(domain)?;
    let registrable = registrable_domain(&forms.ascii)?;
    let (label, suffix) = split_registrable(&registrable)?;
    let unicode_registrable = to_unicode(&registrable);

    let known: Vec<String> = known.iter().filter_map(|k| registrable_domain(k)).collect();
    if known.contains(&registrable) {
        return None;
    }

    let make = |similar_to: Option<String>, reason| LookAlike {
        domain: domain.to_owned(),
        similar_to,
        reason,
        punycode: forms.is_idn.then(|| forms.ascii.clone()),
        unicode: forms.is_idn.then(|| forms.unicode.clone()),
    };

    // The skeleton of the domain as the reader sees it: the original letter case matters
    // (`paypaI.com` with a capital I renders like `paypal.com`).
    let shown_skeletons = [
        skeleton(&unicode_registrable),
        skeleton(&registrable_of_original(domain).unwrap_or_default()),
    ];
    for k in &known {
        let Some((k_label, k_suffix)) = split_registrable(k) else {
            continue;
        };
        let k_skeleton = skeleton(&to_unicode(k));
        if shown_skeletons
            .iter()
            .any(|s| !s.is_empty() && *s == k_skeleton)
        {
            return Some(make(Some(k.clone()), LookAlikeReason::Confusable));
        }
        if suffix == k_suffix
            && label != k_label
            && label.replace('-', "") == k_label.replace('-', "")
        {
            return Some(make(Some(k.clone()), LookAlikeReason::AddedHyphen));
        }
        if label == k_label && suffix != k_suffix {
            return Some(make(Some(k.clone()), LookAlikeReason::TldSwap));
        }
    }
    let u_label = to_unicode(label);
    for k in &known {
        let Some((k_label, k_suffix)) = split_registrable(k) else {
            continue;
        };
        if suffix != k_suffix {
            continue;
        }
        let a: Vec<char> = u_label.chars().collect();
        let b: Vec<char> = to_unicode(k_label).chars().collect();
        let shorter = a.len().min(b.len());
        if shorter < MIN_EDIT_LABEL || a.len().max(b.len()) > MAX_EDIT_LABEL {
            continue;
        }
        let limit = if shorter >= LONG_LABEL { 2 } else { 1 };
        if damerau_levenshtein(&a, &b) <= limit {
            return Some(make(Some(k.clone()), LookAlikeReason::EditDistance));
        }
    }
    if forms
        .unicode
        .split('.')
        .any(mixes_latin_with_lookalike_script)
    {
        return Some(make(None, LookAlikeReason::MixedScript));
    }
    None
}

/// The Unicode form of an ASCII domain or label (unchanged when it is not punycode).
fn to_unicode(ascii: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(ascii);
    if result.is_ok() {
        unicode
    } else {
        ascii.to_owned()
    }
}

/// The registrable part of the domain as originally written (case kept), for the skeleton.
fn registrable_of_original(domain: &str) -> Option<String> {
    let trimmed = domain.trim().trim_end_matches('.');
    let unicode = to_unicode(&trimmed.to_lowercase());
    let registrable = to_unicode(&registrable_domain(trimmed)?);
    let labels = registrable.split('.').count();
    // Map the label count of the lower-cased registrable domain back onto the original text.
    if unicode.split('.').count() != trimmed.split('.').count() {
        return None;
    }
    let parts: Vec<&str> = trimmed.split('.').collect();
    Some(parts[parts.len().saturating_sub(labels)..].join("."))
}

/// A confusable skeleton that is also case-insensitive: UTS #39 skeleton, lower-cased, with a
/// few ASCII look-alike pairs the skeleton table does not fold, repeated until stable.
pub(crate) fn skeleton(s: &str) -> String {
    let mut current = s.to_owned();
    for _ in 0..4 {
        let mut next: String = unicode_security::skeleton(&current)
            .collect::<String>()
            .to_lowercase();
        for (from, to) in [("vv", "w"), ("cl", "d")] {
            next = next.replace(from, to);
        }
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// Whether a label mixes Latin letters with Cyrillic or Greek ones (which have Latin
/// look-alikes). Pure Cyrillic or Greek labels are not flagged.
fn mixes_latin_with_lookalike_script(label: &str) -> bool {
    if label.is_ascii() || label.is_single_script() {
        return false;
    }
    let has_latin = label
        .chars()
        .any(|c| c.is_ascii_alphabetic() || is_in(c, LATIN_EXT));
    let has_other = label.chars().any(|c| is_in(c, CYRILLIC) || is_in(c, GREEK));
    has_latin && has_other
}

const LATIN_EXT: (char, char) = ('\u{00C0}', '\u{024F}');
const CYRILLIC: (char, char) = ('\u{0400}', '\u{052F}');
const GREEK: (char, char) = ('\u{0370}', '\u{03FF}');

fn is_in(c: char, (lo, hi): (char, char)) -> bool {
    (lo..=hi).contains(&c)
}

/// Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions).
pub(crate) fn damerau_levenshtein(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::host_forms;

    fn known(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn reason(domain: &str, list: &[&str]) -> Option<LookAlikeReason> {
        lookalike(domain, &known(list)).map(|l| l.reason)
    }

    #[test]
    fn rn_for_m() {
        let hit = lookalike("rnicrosoft.com", &known(&["microsoft.com"])).unwrap();
        assert_eq!(hit.reason, LookAlikeReason::Confusable);
        assert_eq!(hit.similar_to.as_deref(), Some("microsoft.com"));
        assert_eq!(hit.punycode, None);
    }

    #[test]
    fn digit_zero_and_one() {
        assert_eq!(
            reason("g00gle.com", &["google.com"]),
            Some(LookAlikeReason::Confusable)
        );
        assert_eq!(
            reason("paypa1.com", &["paypal.com"]),
            Some(LookAlikeReason::Confusable)
        );
        assert_eq!(
            reason("paypaI.com", &["paypal.com"]),
            Some(LookAlikeReason::Confusable)
        );
        assert_eq!(
            reason("kontor.de", &["k0nt0r.de"]),
            Some(LookAlikeReason::Confusable)
        );
        assert_eq!(
            reason("vvikipedia.org", &["wikipedia.org"]),
            Some(LookAlikeReason::Confusable)
        );
    }

    #[test]
    fn cyrillic_a() {
        let hit = lookalike("p\u{0430}ypal.com", &known(&["paypal.com"])).unwrap();
        assert_eq!(hit.reason, LookAlikeReason::Confusable);
        assert_eq!(hit.punycode.as_deref(), Some("xn--pypal-4ve.com"));
        assert_eq!(hit.unicode.as_deref(), Some("p\u{0430}ypal.com"));
        // The same in punycode form.
        assert_eq!(
            reason("xn--pypal-4ve.com", &["paypal.com"]),
            Some(LookAlikeReason::Confusable)
        );
        // Cyrillic е, о, р, с in one label.
        assert_eq!(
            reason("\u{0441}\u{043E}nt\u{043E}\u{0440}.de", &["contop.de"]),
            Some(LookAlikeReason::Confusable)
        );
    }

    #[test]
    fn added_hyphen() {
        assert_eq!(
            reason("stadt-werke.de", &["stadtwerke.de"]),
            Some(LookAlikeReason::AddedHyphen)
        );
        assert_eq!(
            reason("kontorgmbh.de", &["kontor-gmbh.de"]),
            Some(LookAlikeReason::AddedHyphen)
        );
        // An arbitrary suffix is not a hyphen insertion.
        assert_eq!(reason("stadtwerke-rechnung.de", &["stadtwerke.de"]), None);
    }

    #[test]
    fn tld_swap() {
        assert_eq!(
            reason("kontor.com", &["kontor.de"]),
            Some(LookAlikeReason::TldSwap)
        );
        assert_eq!(
            reason("kontor.de.com", &["kontor.de"]),
            Some(LookAlikeReason::TldSwap)
        );
        assert_eq!(
            reason("www.kontor.co.uk", &["kontor.de"]),
            Some(LookAlikeReason::TldSwap)
        );
    }

    #[test]
    fn edit_distance() {
        assert_eq!(
            reason("kontor-gmhb.de", &["kontor-gmbh.de"]),
            Some(LookAlikeReason::EditDistance)
        );
        assert_eq!(
            reason("amazom.de", &["amazon.de"]),
            Some(LookAlikeReason::EditDistance)
        );
        assert_eq!(
            reason("stadtwerk.de", &["stadtwerke.de"]),
            Some(LookAlikeReason::EditDistance)
        );
        // Two edits on a long label.
        assert_eq!(
            reason("musterbau-gmhb.de", &["musterbau-gmbh.de"]),
            Some(LookAlikeReason::EditDistance)
        );
        assert_eq!(
            reason("mustrbau-gnbh.de", &["musterbau-gmbh.de"]),
            Some(LookAlikeReason::EditDistance)
        );
        // Two edits on a short label are too many.
        assert_eq!(reason("amaxom.de", &["amazon.de"]), None);
        // Short labels are not compared.
        assert_eq!(reason("gmy.de", &["gmx.de"]), None);
    }

    #[test]
    fn mixed_script_without_target() {
        let hit = lookalike("p\u{0430}ypal.com", &[]).unwrap();
        assert_eq!(hit.reason, LookAlikeReason::MixedScript);
        assert_eq!(hit.similar_to, None);
        // Greek omicron among Latin letters.
        assert_eq!(
            reason("g\u{03BF}ogle.com", &[]),
            Some(LookAlikeReason::MixedScript)
        );
        // A wholly Cyrillic domain is not mixed.
        assert_eq!(
            reason(
                "\u{043F}\u{0440}\u{0438}\u{043C}\u{0435}\u{0440}.\u{0440}\u{0444}",
                &[]
            ),
            None
        );
        // German umlauts are Latin.
        assert_eq!(reason("bücher.de", &[]), None);
    }

    #[test]
    fn negatives() {
        let own = ["kontor.de", "microsoft.com", "paypal.com"];
        assert_eq!(reason("kontor.de", &own), None);
        assert_eq!(reason("KONTOR.DE.", &own), None);
        assert_eq!(reason("mail.kontor.de", &own), None);
        assert_eq!(reason("login.microsoft.com", &own), None);
        assert_eq!(reason("example.org", &own), None);
        assert_eq!(reason("heise.de", &own), None);
        assert_eq!(reason("stadtwerke-muenchen.de", &own), None);
        assert_eq!(reason("", &own), None);
        assert_eq!(reason("not a domain", &own), None);
        assert_eq!(reason("192.168.1.1", &own), None);
        // Unrelated domain that merely shares a suffix.
        assert_eq!(reason("kontakt.de", &own), None);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let long_label = "a".repeat(300);
        let many_labels = "a.".repeat(200) + "de";
        let inputs = [
            "xn--",
            "xn--.de",
            "xn--zzzzzzz.com",
            ".",
            "..",
            "@",
            "\u{0}.de",
            "\u{202E}moc.lapyap",
            &long_label,
            &many_labels,
            "[::1]",
            "1.2.3.4.5",
            "ä.ö.ü",
            "-.de",
            "a-.de",
        ];
        for input in inputs {
            let _ = lookalike(input, &known(&[input, "kontor.de", "xn--"]));
            let _ = host_forms(input);
            let _ = registrable_domain(input);
        }
    }

    #[test]
    fn skeletons() {
        assert_eq!(skeleton("rnicrosoft"), skeleton("microsoft"));
        assert_eq!(skeleton("g00gle"), skeleton("google"));
        assert_eq!(skeleton("PAYPAL"), skeleton("paypal"));
        assert_ne!(skeleton("kontor"), skeleton("kantor"));
    }

    #[test]
    fn distance() {
        let d = |a: &str, b: &str| {
            damerau_levenshtein(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("gmbh", "gmhb"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", "abc"), 0);
    }
}
