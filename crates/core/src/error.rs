//! The core's error type and its translation into what the UI branches on.
//!
//! Every variant is something the core can produce. At the IPC boundary an error becomes an
//! [`IpcError`]: a small [`ErrorCode`] the UI switches on, a localized sentence for a person,
//! and the technical detail for a support ticket.

use serde::Serialize;

use crate::i18n::Lang;
use crate::tls::TlsFailure;

/// Errors of the application core.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("the server rejected the user name or password ({detail})")]
    AuthFailed { detail: String },
    #[error("the server could not be reached: {detail}")]
    Unreachable { detail: String },
    #[error("the address does not lead to an ActiveSync server: {detail}")]
    NotActiveSync { detail: String },
    #[error("the server for {domain} was not found; enter the server name ({detail})")]
    ServerNotFound { domain: String, detail: String },
    #[error("the server answered with an error: {detail}")]
    Server { detail: String },
    /// `tls` carries the certificate's details when the failure came from the TLS layer.
    #[error("the secure connection was refused: {detail}")]
    Tls {
        detail: String,
        tls: Option<Box<TlsFailure>>,
    },
    #[error("the server sent something Kontor cannot read: {detail}")]
    Protocol { detail: String },
    #[error("the system keychain failed: {0}")]
    Keychain(#[source] keyring_core::Error),
    #[error("the local database failed: {0}")]
    Storage(#[from] sqlx::Error),
    #[error("the local database could not be upgraded: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the profile is damaged: {0}")]
    Profile(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("the message is {size} bytes; the server accepts at most {max_mb} MB")]
    MessageTooLarge { size: u64, max_mb: u32 },
    /// One attachment is larger than the server's policy allows (Provision MaxAttachmentSize).
    #[error(
        "the attachment {name} is {size} bytes; the server accepts attachments of at most {max} bytes"
    )]
    AttachmentTooLarge { name: String, size: u64, max: u64 },
    #[error("no account is set up yet")]
    NotSignedIn,
    /// The work was given up for newer work of the same kind (a body fetch for a message no
    /// longer shown). The window drops such answers; nothing is lost.
    #[error("replaced by a newer request: {what}")]
    Cancelled { what: String },
    /// The server keeps no automatic replies (out of office) over ActiveSync.
    #[error("the server does not offer automatic replies: {detail}")]
    AutoRepliesNotOffered { detail: String },
    #[error("Kontor is already running for the profile {profile}")]
    InstanceRunning { profile: String },
    /// A calendar the user asked to open (a colleague's, by name or address) was refused.
    #[error("{refusal}: {detail}")]
    CalendarRefused {
        refusal: CalendarRefusal,
        detail: String,
    },
}

/// Why a calendar could not be opened (what the dialog says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CalendarRefusal {
    /// HTTP 404 or 410 (SOGo also answers 404 for a calendar the user may not see).
    #[error("no calendar at this address")]
    NotFound,
    /// HTTP 401 or 403.
    #[error("no permission to read this calendar")]
    NoPermission,
    /// The address answers, but with something else (an address book, a web page).
    #[error("not a calendar")]
    NotACalendar,
    /// Neither a user name, an e-mail address nor an http(s) address.
    #[error("neither a name nor a calendar address")]
    NotAnAddress,
}

/// What the UI branches on. Kept small on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    AuthFailed,
    Unreachable,
    NotActiveSync,
    /// Autodiscover found no server for the e-mail address: the UI asks for the server name.
    ServerNotFound,
    ServerError,
    Tls,
    Keychain,
    Storage,
    InvalidInput,
    NotSignedIn,
    /// Given up for a newer request of the same kind; the window ignores it.
    Cancelled,
    /// Another Kontor holds this profile's instance lock.
    InstanceRunning,
    Internal,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct IpcError {
    pub code: ErrorCode,
    /// One or two sentences for a person, in the UI's language.
    pub message: String,
    /// The technical cause (English), for the "details" area and support tickets.
    pub detail: String,
    /// For `code: "tls"` when the TLS layer named the failure: which check failed and the
    /// certificate's details (`message` already says it in plain words). Left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub tls: Option<Box<TlsFailure>>,
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::AuthFailed { .. } => ErrorCode::AuthFailed,
            CoreError::Unreachable { .. } => ErrorCode::Unreachable,
            CoreError::NotActiveSync { .. } => ErrorCode::NotActiveSync,
            CoreError::ServerNotFound { .. } => ErrorCode::ServerNotFound,
            CoreError::Server { .. }
            | CoreError::Protocol { .. }
            | CoreError::AutoRepliesNotOffered { .. } => ErrorCode::ServerError,
            CoreError::Tls { .. } => ErrorCode::Tls,
            CoreError::Keychain(_) => ErrorCode::Keychain,
            CoreError::Storage(_) | CoreError::Migrate(_) | CoreError::Io { .. } => {
                ErrorCode::Storage
            }
            CoreError::Profile(_) => ErrorCode::Storage,
            CoreError::InvalidInput(_)
            | CoreError::MessageTooLarge { .. }
            | CoreError::AttachmentTooLarge { .. } => ErrorCode::InvalidInput,
            CoreError::NotSignedIn => ErrorCode::NotSignedIn,
            CoreError::Cancelled { .. } => ErrorCode::Cancelled,
            CoreError::InstanceRunning { .. } => ErrorCode::InstanceRunning,
            CoreError::CalendarRefused {
                refusal: CalendarRefusal::NoPermission,
                ..
            } => ErrorCode::AuthFailed,
            CoreError::CalendarRefused { .. } => ErrorCode::InvalidInput,
        }
    }

    /// A sentence for a person in `lang`, saying what happened and what to do.
    pub fn message(&self, lang: Lang) -> String {
        let s = match self {
            CoreError::AuthFailed { .. } => lang.pick(
                "The server did not accept the user name or password. Check both and try again.",
                "Der Server hat Benutzername oder Kennwort nicht akzeptiert. Bitte beides prüfen und erneut versuchen.",
            ),
            CoreError::Unreachable { .. } => lang.pick(
                "The server could not be reached. Check the address and the network connection.",
                "Der Server ist nicht erreichbar. Bitte Adresse und Netzwerkverbindung prüfen.",
            ),
            CoreError::NotActiveSync { .. } => lang.pick(
                "This address does not lead to an ActiveSync server. Check the server address (it usually ends in /Microsoft-Server-ActiveSync).",
                "Unter dieser Adresse antwortet kein ActiveSync-Server. Bitte die Serveradresse prüfen (sie endet meist auf /Microsoft-Server-ActiveSync).",
            ),
            CoreError::ServerNotFound { domain, .. } if !domain.is_empty() => {
                return match lang {
                    Lang::En => format!(
                        "The server for {domain} was not found. Enter the server name under \"Advanced\" (for example mail.{domain}); your IT department can tell you."
                    ),
                    Lang::De => format!(
                        "Der Server für {domain} wurde nicht gefunden. Bitte den Servernamen unter „Erweitert“ eingeben (zum Beispiel mail.{domain}); Ihre IT-Abteilung kann ihn nennen."
                    ),
                };
            }
            CoreError::ServerNotFound { .. } => lang.pick(
                "The server for this e-mail address was not found. Enter the server name under \"Advanced\"; your IT department can tell you.",
                "Der Server für diese E-Mail-Adresse wurde nicht gefunden. Bitte den Servernamen unter „Erweitert“ eingeben; Ihre IT-Abteilung kann ihn nennen.",
            ),
            CoreError::Server { .. } | CoreError::Protocol { .. } => lang.pick(
                "The server reported an error. Try again later; if it persists, contact your IT department.",
                "Der Server hat einen Fehler gemeldet. Bitte später erneut versuchen; wenn es bleibt, die IT-Abteilung verständigen.",
            ),
            CoreError::Tls { tls: Some(t), .. } => return t.message(lang),
            CoreError::Tls { .. } => lang.pick(
                "The server's certificate is not trusted, so Kontor did not connect. See the details and ask your IT department.",
                "Dem Zertifikat des Servers wird nicht vertraut, daher hat Kontor keine Verbindung aufgebaut. Details anzeigen und die IT-Abteilung fragen.",
            ),
            CoreError::Keychain(_) => lang.pick(
                "The system keychain could not store or read the password.",
                "Der Schlüsselbund des Systems konnte das Kennwort nicht speichern oder lesen.",
            ),
            CoreError::Storage(_)
            | CoreError::Migrate(_)
            | CoreError::Io { .. }
            | CoreError::Profile(_) => lang.pick(
                "Kontor could not read or write its local data.",
                "Kontor konnte seine lokalen Daten nicht lesen oder schreiben.",
            ),
            CoreError::InvalidInput(_) => lang.pick(
                "Some of the information entered is not valid.",
                "Einige Angaben sind ungültig.",
            ),
            CoreError::MessageTooLarge { size, max_mb } => {
                // One decimal, in the language's way (25.3 / 25,3).
                let mb = format!("{:.1}", *size as f64 / (1024.0 * 1024.0));
                return match lang {
                    Lang::En => format!(
                        "This message is {mb} MB; the server accepts at most {max_mb} MB. Remove attachments or send them in several messages."
                    ),
                    Lang::De => format!(
                        "Diese Nachricht ist {} MB groß; der Server nimmt höchstens {max_mb} MB an. Bitte Anhänge entfernen oder auf mehrere Nachrichten verteilen.",
                        mb.replace('.', ",")
                    ),
                };
            }
            CoreError::AttachmentTooLarge { name, size, max } => {
                let mb = |n: u64| {
                    let t = format!("{:.1}", n as f64 / (1024.0 * 1024.0));
                    match lang {
                        Lang::En => t,
                        Lang::De => t.replace('.', ","),
                    }
                };
                return match lang {
                    Lang::En => format!(
                        "The attachment “{name}” is {} MB; your company's server accepts attachments of at most {} MB. Remove it, or share the file another way.",
                        mb(*size),
                        mb(*max)
                    ),
                    Lang::De => format!(
                        "Der Anhang „{name}“ ist {} MB groß; der Server Ihrer Firma nimmt Anhänge bis höchstens {} MB an. Bitte den Anhang entfernen oder die Datei auf anderem Weg weitergeben.",
                        mb(*size),
                        mb(*max)
                    ),
                };
            }
            CoreError::AutoRepliesNotOffered { .. } => crate::app::auto_replies::not_offered(lang),
            CoreError::NotSignedIn => lang.pick(
                "No account is set up yet.",
                "Es ist noch kein Konto eingerichtet.",
            ),
            CoreError::Cancelled { .. } => lang.pick(
                "This was stopped because something newer was asked for.",
                "Dies wurde abgebrochen, weil etwas Neueres angefordert wurde.",
            ),
            CoreError::InstanceRunning { .. } => lang.pick(
                "Kontor is already running for this profile. Close it first, then try again.",
                "Kontor läuft bereits mit diesem Profil. Bitte zuerst schließen und dann erneut versuchen.",
            ),
            CoreError::CalendarRefused { refusal, .. } => match refusal {
                CalendarRefusal::NotFound => lang.pick(
                    "No calendar was found at this address (or you may not see it). Check the name or the address.",
                    "Unter dieser Adresse wurde kein Kalender gefunden (oder Sie dürfen ihn nicht sehen). Bitte Namen oder Adresse prüfen.",
                ),
                CalendarRefusal::NoPermission => lang.pick(
                    "You have no permission to open this calendar. Ask its owner to share it with you.",
                    "Sie haben keine Berechtigung, diesen Kalender zu öffnen. Bitten Sie die Person, der er gehört, ihn für Sie freizugeben.",
                ),
                CalendarRefusal::NotACalendar => lang.pick(
                    "This address does not lead to a calendar (perhaps to an address book or a web page).",
                    "Diese Adresse führt nicht zu einem Kalender (vielleicht zu einem Adressbuch oder einer Webseite).",
                ),
                CalendarRefusal::NotAnAddress => lang.pick(
                    "Enter a user name, an e-mail address or a calendar address beginning with https://.",
                    "Bitte einen Benutzernamen, eine E-Mail-Adresse oder eine Kalenderadresse eingeben, die mit https:// beginnt.",
                ),
            },
        };
        s.to_owned()
    }

    pub fn to_ipc(&self, lang: Lang) -> IpcError {
        IpcError {
            code: self.code(),
            message: self.message(lang),
            detail: self.to_string(),
            tls: self.tls().cloned().map(Box::new),
        }
    }

    /// The TLS failure's details, for [`CoreError::Tls`] that has them.
    pub fn tls(&self) -> Option<&TlsFailure> {
        match self {
            CoreError::Tls { tls, .. } => tls.as_deref(),
            _ => None,
        }
    }

    /// The core's error for a network failure of a protocol client: TLS failures keep their
    /// details, everything else is `unreachable`.
    pub fn from_net(e: &kontor_net::NetError, detail: String) -> CoreError {
        match TlsFailure::from_net(e) {
            Some(t) => CoreError::Tls {
                detail,
                tls: Some(Box::new(t)),
            },
            None => CoreError::Unreachable { detail },
        }
    }
}

impl IpcError {
    /// The error the engine reported as a code and its English detail (an engine event), in
    /// `lang` as a command's error would be.
    pub fn from_code(code: ErrorCode, detail: &str, lang: Lang) -> IpcError {
        let d = detail.to_owned();
        let like = match code {
            ErrorCode::AuthFailed => CoreError::AuthFailed { detail: d },
            ErrorCode::Unreachable => CoreError::Unreachable { detail: d },
            ErrorCode::NotActiveSync => CoreError::NotActiveSync { detail: d },
            ErrorCode::ServerNotFound => CoreError::ServerNotFound {
                domain: String::new(),
                detail: d,
            },
            ErrorCode::Tls => CoreError::Tls {
                detail: d,
                tls: None,
            },
            ErrorCode::Keychain => CoreError::Keychain(keyring_core::Error::NoDefaultStore),
            ErrorCode::Storage => CoreError::Io {
                context: "the local database".into(),
                source: std::io::Error::other(d),
            },
            ErrorCode::InvalidInput => CoreError::InvalidInput(d),
            ErrorCode::NotSignedIn => CoreError::NotSignedIn,
            ErrorCode::Cancelled => CoreError::Cancelled { what: d },
            ErrorCode::InstanceRunning => CoreError::InstanceRunning { profile: d },
            ErrorCode::ServerError | ErrorCode::Internal => CoreError::Server { detail: d },
        };
        IpcError {
            code,
            message: like.message(lang),
            detail: detail.to_owned(),
            tls: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_distinct_english_and_german_text() {
        let samples = [
            CoreError::AuthFailed {
                detail: "401".into(),
            },
            CoreError::Unreachable {
                detail: "refused".into(),
            },
            CoreError::NotActiveSync {
                detail: "404".into(),
            },
            CoreError::Server {
                detail: "500".into(),
            },
            CoreError::Tls {
                detail: "expired".into(),
                tls: None,
            },
            CoreError::ServerNotFound {
                domain: "firma.de".into(),
                detail: "no answer".into(),
            },
            CoreError::InvalidInput("x".into()),
            CoreError::MessageTooLarge {
                size: 26_528_000,
                max_mb: 20,
            },
            CoreError::AttachmentTooLarge {
                name: "a.pdf".into(),
                size: 12_000_000,
                max: 10_485_760,
            },
            CoreError::NotSignedIn,
            CoreError::Cancelled {
                what: "body fetch".into(),
            },
            CoreError::AutoRepliesNotOffered {
                detail: "no Oof".into(),
            },
            CoreError::InstanceRunning {
                profile: "/p".into(),
            },
            CoreError::CalendarRefused {
                refusal: CalendarRefusal::NotFound,
                detail: "404".into(),
            },
            CoreError::CalendarRefused {
                refusal: CalendarRefusal::NoPermission,
                detail: "403".into(),
            },
            CoreError::CalendarRefused {
                refusal: CalendarRefusal::NotACalendar,
                detail: "addressbook".into(),
            },
            CoreError::CalendarRefused {
                refusal: CalendarRefusal::NotAnAddress,
                detail: "x".into(),
            },
        ];
        for e in samples {
            let (en, de) = (e.message(Lang::En), e.message(Lang::De));
            assert!(!en.is_empty() && !de.is_empty());
            assert_ne!(en, de, "{e:?} is not translated");
        }
    }

    #[test]
    fn an_attachment_over_the_servers_limit_names_it_and_both_sizes() {
        let e = CoreError::AttachmentTooLarge {
            name: "Plan.pdf".into(),
            size: 12_000_000,
            max: 10_485_760,
        };
        assert_eq!(
            e.message(Lang::En),
            "The attachment “Plan.pdf” is 11.4 MB; your company's server accepts attachments of at most 10.0 MB. Remove it, or share the file another way."
        );
        assert!(
            e.message(Lang::De)
                .starts_with("Der Anhang „Plan.pdf“ ist 11,4 MB groß; der Server Ihrer Firma nimmt Anhänge bis höchstens 10,0 MB an."),
            "{}",
            e.message(Lang::De)
        );
        assert_eq!(e.code(), ErrorCode::InvalidInput);
    }

    #[test]
    fn a_message_too_large_names_both_sizes_in_both_languages() {
        let e = CoreError::MessageTooLarge {
            size: 26_528_000,
            max_mb: 20,
        };
        assert_eq!(
            e.message(Lang::En),
            "This message is 25.3 MB; the server accepts at most 20 MB. Remove attachments or send them in several messages."
        );
        assert!(
            e.message(Lang::De).starts_with(
                "Diese Nachricht ist 25,3 MB groß; der Server nimmt höchstens 20 MB an."
            ),
            "{}",
            e.message(Lang::De)
        );
        assert_eq!(e.code(), ErrorCode::InvalidInput);
    }

    #[test]
    fn ipc_shape() {
        let e = CoreError::AuthFailed {
            detail: "HTTP 401".into(),
        };
        let v = serde_json::to_value(e.to_ipc(Lang::De)).unwrap();
        assert_eq!(v["code"], "auth_failed");
        assert!(v["message"].as_str().unwrap().contains("Kennwort"));
        assert!(v["detail"].as_str().unwrap().contains("HTTP 401"));
    }

    #[test]
    fn a_tls_error_carries_its_certificate_to_the_window() {
        let e = CoreError::Tls {
            detail: "certificate expired".into(),
            tls: Some(Box::new(TlsFailure {
                kind: crate::tls::TlsProblem::Expired,
                host: "mail.example.com".into(),
                subject: Some("CN=mail.example.com".into()),
                issuer: Some("CN=CA".into()),
                not_before: Some(1_735_689_600),
                not_after: Some(1_767_225_600),
                names: vec!["mail.example.com".into()],
                sha256: Some("AB:CD".into()),
            })),
        };
        let v = serde_json::to_value(e.to_ipc(Lang::De)).unwrap();
        assert_eq!(v["code"], "tls");
        assert!(v["message"].as_str().unwrap().contains("ist abgelaufen"));
        assert_eq!(v["tls"]["kind"], "expired");
        assert_eq!(v["tls"]["host"], "mail.example.com");
        assert_eq!(v["tls"]["notAfter"], 1_767_225_600);
        assert_eq!(v["tls"]["sha256"], "AB:CD");
        assert_eq!(v["tls"]["names"][0], "mail.example.com");
        let plain = CoreError::Tls {
            detail: "handshake".into(),
            tls: None,
        };
        let v = serde_json::to_value(plain.to_ipc(Lang::En)).unwrap();
        assert!(v["tls"].is_null());
        assert!(v["message"].as_str().unwrap().contains("not trusted"));
    }

    #[test]
    fn server_not_found_names_the_domain_and_asks_for_the_server() {
        let e = CoreError::ServerNotFound {
            domain: "firma.de".into(),
            detail: "Autodiscover: no answer".into(),
        };
        assert_eq!(e.code(), ErrorCode::ServerNotFound);
        assert!(
            e.message(Lang::En)
                .contains("server for firma.de was not found")
        );
        assert!(e.message(Lang::En).contains("server name"));
        assert!(
            e.message(Lang::De)
                .contains("Server für firma.de wurde nicht gefunden")
        );
        assert!(e.message(Lang::De).contains("Servernamen"));
        assert!(
            e.to_string()
                .contains("the server for firma.de was not found; enter the server name")
        );
    }
}
