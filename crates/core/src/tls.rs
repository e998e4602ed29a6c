//! A certificate failure in plain words: which check failed, the certificate's details, and
//! what to tell IT, in English and German. The window (sign-in, status bar, account settings)
//! receives it as [`IpcError::tls`](crate::IpcError) and `kontor --diagnose` prints the same
//! sentences. There is never an "accept anyway": the only ways to trust a certificate are the
//! system's certificate store (a company CA) and the policy `TrustedCertificateFingerprints`.

use kontor_net::{NetError, TlsErrorKind};
use serde::Serialize;

use crate::i18n::Lang;

/// Which certificate check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TlsProblem {
    /// The validity period has ended.
    Expired,
    /// The validity period has not begun (often a wrong clock on this PC).
    NotYetValid,
    /// Signed by itself and not trusted on this PC.
    SelfSigned,
    /// Issued by an authority this PC does not trust (e.g. SSL inspection whose company CA is
    /// not installed).
    UnknownIssuer,
    /// Issued for another server name.
    NameMismatch,
    /// Revoked by its issuer.
    Revoked,
    /// Any other TLS failure (handshake, protocol, unusable certificate).
    Other,
}

impl From<TlsErrorKind> for TlsProblem {
    fn from(kind: TlsErrorKind) -> Self {
        match kind {
            TlsErrorKind::Expired => TlsProblem::Expired,
            TlsErrorKind::NotYetValid => TlsProblem::NotYetValid,
            TlsErrorKind::SelfSigned => TlsProblem::SelfSigned,
            TlsErrorKind::UnknownIssuer => TlsProblem::UnknownIssuer,
            TlsErrorKind::NameMismatch => TlsProblem::NameMismatch,
            TlsErrorKind::Revoked => TlsProblem::Revoked,
            TlsErrorKind::Other => TlsProblem::Other,
        }
    }
}

impl TlsProblem {
    /// The name in the JSON report (`expired`, `not_yet_valid`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            TlsProblem::Expired => "expired",
            TlsProblem::NotYetValid => "not_yet_valid",
            TlsProblem::SelfSigned => "self_signed",
            TlsProblem::UnknownIssuer => "unknown_issuer",
            TlsProblem::NameMismatch => "name_mismatch",
            TlsProblem::Revoked => "revoked",
            TlsProblem::Other => "other",
        }
    }
}

/// A failed TLS connection as the window receives it. The certificate fields are `None` (and
/// `names` empty) when the server's certificate was not seen, e.g. a failed handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TlsFailure {
    pub kind: TlsProblem,
    /// The server name Kontor connected to.
    pub host: String,
    /// Subject distinguished name, e.g. `CN=mail.example.com`.
    pub subject: Option<String>,
    /// Issuer distinguished name.
    pub issuer: Option<String>,
    /// Start of validity, Unix seconds.
    #[specta(type = Option<specta_typescript::Number>)]
    pub not_before: Option<i64>,
    /// End of validity, Unix seconds.
    #[specta(type = Option<specta_typescript::Number>)]
    pub not_after: Option<i64>,
    /// The names the certificate is valid for.
    pub names: Vec<String>,
    /// SHA-256 fingerprint, `AB:CD:…` (as browsers show it).
    pub sha256: Option<String>,
}

impl TlsFailure {
    /// The details of a TLS failure; `None` for other network errors.
    pub fn from_net(e: &NetError) -> Option<TlsFailure> {
        let NetError::Tls {
            host,
            kind,
            certificate,
            ..
        } = e
        else {
            return None;
        };
        let c = certificate.as_deref();
        Some(TlsFailure {
            kind: (*kind).into(),
            host: host.clone(),
            subject: c.map(|c| c.subject.clone()),
            issuer: c.map(|c| c.issuer.clone()),
            not_before: c.map(|c| c.not_before),
            not_after: c.map(|c| c.not_after),
            names: c.map(|c| c.names.clone()).unwrap_or_default(),
            sha256: c.map(|c| c.sha256.clone()),
        })
    }

    /// What happened and what to tell IT, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let host = &self.host;
        let validity = match (self.not_before, self.not_after) {
            (Some(from), Some(until)) => match lang {
                Lang::En => format!(" (valid {} to {})", date(from, lang), date(until, lang)),
                Lang::De => format!(
                    " (gültig vom {} bis {})",
                    date(from, lang),
                    date(until, lang)
                ),
            },
            _ => String::new(),
        };
        match (self.kind, lang) {
            (TlsProblem::Expired, Lang::En) => format!(
                "The server's certificate has expired{validity}. Tell your IT department: the certificate of {host} must be renewed."
            ),
            (TlsProblem::Expired, Lang::De) => format!(
                "Das Zertifikat des Servers ist abgelaufen{validity}. Sagen Sie Ihrer IT-Abteilung: Das Zertifikat von {host} muss erneuert werden."
            ),
            (TlsProblem::NotYetValid, Lang::En) => format!(
                "The server's certificate is not valid yet{validity}. First check the date and time of this PC; if they are right, tell your IT department: the certificate of {host} is not valid yet and must be replaced."
            ),
            (TlsProblem::NotYetValid, Lang::De) => format!(
                "Das Zertifikat des Servers ist noch nicht gültig{validity}. Prüfen Sie zuerst Datum und Uhrzeit dieses PCs; wenn sie stimmen, sagen Sie Ihrer IT-Abteilung: Das Zertifikat von {host} ist noch nicht gültig und muss ersetzt werden."
            ),
            (TlsProblem::SelfSigned, Lang::En) => {
                let fp = self
                    .sha256
                    .as_ref()
                    .map(|f| format!(" (SHA-256 {f})"))
                    .unwrap_or_default();
                format!(
                    "The server's certificate is self-signed: no certification authority that this PC trusts vouches for it. Tell your IT department: {host} needs a certificate from a trusted certification authority, or the policy TrustedCertificateFingerprints must name this certificate{fp}."
                )
            }
            (TlsProblem::SelfSigned, Lang::De) => {
                let fp = self
                    .sha256
                    .as_ref()
                    .map(|f| format!(" (SHA-256 {f})"))
                    .unwrap_or_default();
                format!(
                    "Das Zertifikat des Servers ist selbstsigniert: Keine Zertifizierungsstelle, der dieser PC vertraut, bürgt dafür. Sagen Sie Ihrer IT-Abteilung: {host} braucht ein Zertifikat einer vertrauenswürdigen Zertifizierungsstelle, oder die Richtlinie TrustedCertificateFingerprints muss dieses Zertifikat nennen{fp}."
                )
            }
            // The name is there, but only as the common name (no subjectAltName), which
            // certificate checks ignore today.
            (TlsProblem::NameMismatch, Lang::En) if self.names_host() => format!(
                "The server's certificate was issued for another name: it names {host} only as its common name (CN), without the subject alternative name (SAN) that is required. Tell your IT department: the certificate of {host} must include the name {host} as a subject alternative name."
            ),
            (TlsProblem::NameMismatch, Lang::De) if self.names_host() => format!(
                "Das Zertifikat des Servers ist für einen anderen Namen ausgestellt: Es nennt {host} nur als allgemeinen Namen (CN), ohne den erforderlichen alternativen Antragstellernamen (SAN). Sagen Sie Ihrer IT-Abteilung: Das Zertifikat von {host} muss den Namen {host} als alternativen Antragstellernamen enthalten."
            ),
            (TlsProblem::NameMismatch, Lang::En) => {
                let names = if self.names.is_empty() {
                    "it names no server".to_owned()
                } else {
                    format!("it is valid for {}, not for {host}", self.names.join(", "))
                };
                format!(
                    "The server's certificate was issued for another name: {names}. Check the server address; if it is right, tell your IT department: the certificate of {host} must include the name {host}."
                )
            }
            (TlsProblem::NameMismatch, Lang::De) => {
                let names = if self.names.is_empty() {
                    "Es nennt keinen Server".to_owned()
                } else {
                    format!("Es gilt für {}, nicht für {host}", self.names.join(", "))
                };
                format!(
                    "Das Zertifikat des Servers ist für einen anderen Namen ausgestellt: {names}. Prüfen Sie die Serveradresse; wenn sie stimmt, sagen Sie Ihrer IT-Abteilung: Das Zertifikat von {host} muss den Namen {host} enthalten."
                )
            }
            (TlsProblem::UnknownIssuer, Lang::En) => {
                let by = match &self.issuer {
                    Some(i) => format!("by {i}, a certification authority"),
                    None => "by a certification authority".to_owned(),
                };
                format!(
                    "The server's certificate was issued {by} that this PC does not trust. If your company inspects encrypted connections (SSL inspection), its company certificate authority is not installed on this PC. Tell your IT department: install the company certificate authority on this PC, or give {host} a certificate from a trusted certification authority."
                )
            }
            (TlsProblem::UnknownIssuer, Lang::De) => {
                let by = match &self.issuer {
                    Some(i) => format!("von {i} ausgestellt, einer Zertifizierungsstelle,"),
                    None => "von einer Zertifizierungsstelle ausgestellt,".to_owned(),
                };
                format!(
                    "Das Zertifikat des Servers wurde {by} der dieser PC nicht vertraut. Wenn Ihre Firma verschlüsselte Verbindungen prüft (SSL-Inspection), ist ihre Firmen-Zertifizierungsstelle auf diesem PC nicht installiert. Sagen Sie Ihrer IT-Abteilung: Die Firmen-Zertifizierungsstelle muss auf diesem PC installiert werden, oder {host} braucht ein Zertifikat einer vertrauenswürdigen Zertifizierungsstelle."
                )
            }
            (TlsProblem::Revoked, Lang::En) => format!(
                "The server's certificate has been revoked by its issuer and must not be used any more{validity}. Tell your IT department: {host} needs a new certificate."
            ),
            (TlsProblem::Revoked, Lang::De) => format!(
                "Das Zertifikat des Servers wurde von seinem Aussteller widerrufen und darf nicht mehr verwendet werden{validity}. Sagen Sie Ihrer IT-Abteilung: {host} braucht ein neues Zertifikat."
            ),
            (TlsProblem::Other, Lang::En) => format!(
                "A secure connection to {host} could not be established. Tell your IT department: the TLS connection to {host} fails (see the technical details)."
            ),
            (TlsProblem::Other, Lang::De) => format!(
                "Eine verschlüsselte Verbindung zu {host} konnte nicht aufgebaut werden. Sagen Sie Ihrer IT-Abteilung: Der TLS-Verbindungsaufbau zu {host} schlägt fehl (siehe technische Angaben)."
            ),
        }
    }
}

impl TlsFailure {
    /// True when the certificate's names include the host itself (for a name mismatch: the
    /// name stands only in the common name, see [`kontor_net::CertificateInfo::names`]).
    fn names_host(&self) -> bool {
        self.names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&self.host))
    }
}

/// A day as people write it: `2026-01-31` in English, `31.01.2026` in German (UTC).
pub fn date(ts: i64, lang: Lang) -> String {
    match chrono::DateTime::from_timestamp(ts, 0) {
        Some(d) => match lang {
            Lang::En => d.format("%Y-%m-%d").to_string(),
            Lang::De => d.format("%d.%m.%Y").to_string(),
        },
        None => ts.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: TlsProblem) -> TlsFailure {
        TlsFailure {
            kind,
            host: "mail.example.com".into(),
            subject: Some("CN=mail.example.com".into()),
            issuer: Some("CN=Example CA".into()),
            // 2025-01-01 and 2026-01-01, 00:00 UTC.
            not_before: Some(1_735_689_600),
            not_after: Some(1_767_225_600),
            names: vec!["other.example.com".into(), "www.example.com".into()],
            sha256: Some("AB:CD".into()),
        }
    }

    const KINDS: [TlsProblem; 7] = [
        TlsProblem::Expired,
        TlsProblem::NotYetValid,
        TlsProblem::SelfSigned,
        TlsProblem::UnknownIssuer,
        TlsProblem::NameMismatch,
        TlsProblem::Revoked,
        TlsProblem::Other,
    ];

    #[test]
    fn the_examples_read_as_written() {
        assert_eq!(
            failure(TlsProblem::Expired).message(Lang::En),
            "The server's certificate has expired (valid 2025-01-01 to 2026-01-01). Tell your IT department: the certificate of mail.example.com must be renewed."
        );
        assert_eq!(
            failure(TlsProblem::Expired).message(Lang::De),
            "Das Zertifikat des Servers ist abgelaufen (gültig vom 01.01.2025 bis 01.01.2026). Sagen Sie Ihrer IT-Abteilung: Das Zertifikat von mail.example.com muss erneuert werden."
        );
    }

    #[test]
    fn every_kind_has_its_own_sentence_in_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for kind in KINDS {
            let f = failure(kind);
            let (en, de) = (f.message(Lang::En), f.message(Lang::De));
            assert!(
                en.to_lowercase().contains("tell your it department"),
                "{en}"
            );
            assert!(
                de.to_lowercase().contains("sagen sie ihrer it-abteilung"),
                "{de}"
            );
            assert!(en.contains("mail.example.com") && de.contains("mail.example.com"));
            assert!(seen.insert(en.clone()) && seen.insert(de.clone()));
            // No English in the German text.
            for english in ["certificate", "Tell", "server", "valid", " the "] {
                assert!(!de.contains(english), "{kind:?}: {de}");
            }
        }
        let text = |k, l| failure(k).message(l);
        assert!(text(TlsProblem::Expired, Lang::En).contains("has expired"));
        assert!(text(TlsProblem::NotYetValid, Lang::En).contains("date and time of this PC"));
        assert!(text(TlsProblem::NotYetValid, Lang::De).contains("Datum und Uhrzeit dieses PCs"));
        assert!(text(TlsProblem::SelfSigned, Lang::En).contains("self-signed"));
        assert!(text(TlsProblem::SelfSigned, Lang::En).contains("TrustedCertificateFingerprints"));
        assert!(text(TlsProblem::SelfSigned, Lang::De).contains("selbstsigniert"));
        assert!(text(TlsProblem::SelfSigned, Lang::De).contains("SHA-256 AB:CD"));
        assert!(
            text(TlsProblem::NameMismatch, Lang::En)
                .contains("valid for other.example.com, www.example.com, not for mail.example.com")
        );
        assert!(
            text(TlsProblem::NameMismatch, Lang::De)
                .contains("Es gilt für other.example.com, www.example.com, nicht für")
        );
        assert!(text(TlsProblem::UnknownIssuer, Lang::En).contains("SSL inspection"));
        assert!(text(TlsProblem::UnknownIssuer, Lang::En).contains("by CN=Example CA"));
        assert!(text(TlsProblem::UnknownIssuer, Lang::De).contains("SSL-Inspection"));
        assert!(text(TlsProblem::Revoked, Lang::En).contains("revoked"));
        assert!(text(TlsProblem::Revoked, Lang::De).contains("widerrufen"));
    }

    #[test]
    fn a_name_only_in_the_common_name_is_explained() {
        let mut f = failure(TlsProblem::NameMismatch);
        f.names = vec!["Mail.Example.com".into()];
        let (en, de) = (f.message(Lang::En), f.message(Lang::De));
        assert!(en.contains("only as its common name (CN)"), "{en}");
        assert!(en.contains("as a subject alternative name"), "{en}");
        assert!(de.contains("nur als allgemeinen Namen (CN)"), "{de}");
        assert!(de.contains("alternativen Antragstellernamen"), "{de}");
    }

    #[test]
    fn without_a_certificate_the_sentence_still_stands() {
        for kind in KINDS {
            let f = TlsFailure {
                kind,
                host: "h.example".into(),
                subject: None,
                issuer: None,
                not_before: None,
                not_after: None,
                names: Vec::new(),
                sha256: None,
            };
            for lang in [Lang::En, Lang::De] {
                let m = f.message(lang);
                assert!(m.contains("h.example") && !m.contains("()"), "{m}");
            }
        }
    }
}
