//! The compose window's starting point: a new message, a reply, reply all or a forward of a
//! cached message (recipients, subject prefix, the quote with Outlook's header block or
//! Thunderbird's line as the user chose, the signature to start with), and the address
//! suggestions for the recipient fields.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{AttachmentInfo, Kontor};
use crate::compose::{
    QuotedOriginal, Signature, forward_subject, quote_html, quote_lines, reply_subject,
};
use crate::error::CoreError;
use crate::i18n::Lang;
use crate::store::Address;

/// What the compose window is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ComposeMode {
    New,
    Reply,
    ReplyAll,
    Forward,
    /// Going on with a saved draft (the message id names it).
    Draft,
}

/// The filled-in compose window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ComposeStart {
    pub mode: ComposeMode,
    /// The sender address the message goes out with.
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    /// The quoted original (header block and sanitised body) as HTML; empty for new mail.
    pub quote_html: String,
    /// The text (`body_html`) holds the quoted original already: a reply's or forward's draft.
    /// Sent, the server is asked not to add it again.
    pub quote_in_body: bool,
    #[specta(type = Option<specta_typescript::Number>)]
    pub reply_to: Option<i64>,
    #[specta(type = Option<specta_typescript::Number>)]
    pub forward_of: Option<i64>,
    /// A forward's attachments (the original's), to keep or remove.
    pub attachments: Vec<AttachmentInfo>,
    /// The saved draft this goes on with, and its text as HTML (sanitised); empty otherwise.
    #[specta(type = Option<specta_typescript::Number>)]
    pub draft: Option<i64>,
    pub body_html: String,
    /// The user's signatures (sanitised), to pick from in the window.
    pub signatures: Vec<Signature>,
    /// The signature the text starts with: the default for new mail or for replies and
    /// forwards; `None` for none and for a draft (which holds its own).
    pub signature: Option<String>,
    /// The largest attachment (bytes) the server's policy allows; `None`: it sets none.
    #[specta(type = Option<specta_typescript::Number>)]
    pub max_attachment: Option<u64>,
}

/// An address the recipient fields suggest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AddressSuggestion {
    pub name: String,
    pub address: String,
    /// How many cached messages involve it (the ranking); 0 for a directory entry.
    #[specta(type = specta_typescript::Number)]
    pub uses: i64,
    /// From the company directory (the server's global address list), not from the cache.
    pub directory: bool,
}

/// The address book of the cached mail as [`Store::address_book`](crate::store::Store)
/// gives it (`(name, address, uses)`, most used first), with when and for which account it was
/// read. Reading it takes about half a second on 100,000 messages; matching a keystroke against
/// it in memory takes microseconds.
pub(super) type AddressBookCache =
    std::sync::Arc<tokio::sync::Mutex<Option<(std::time::Instant, i64, AddressBook)>>>;
type AddressBook = std::sync::Arc<Vec<(String, String, i64)>>;

/// How long the address book is used before it is read again (new mail adds addresses).
const ADDRESS_BOOK_FRESH: std::time::Duration = std::time::Duration::from_secs(300);
/// How many addresses it keeps (the most used).
const ADDRESS_BOOK_SIZE: u32 = 20_000;

fn show(a: &Address) -> String {
    if a.name.trim().is_empty() || a.name == a.addr {
        a.addr.clone()
    } else if a.name.contains([',', ';']) {
        format!("\"{}\" <{}>", a.name, a.addr)
    } else {
        format!("{} <{}>", a.name, a.addr)
    }
}

impl Kontor {
    /// The user's own addresses, lower case: those the server reported, the sender address
    /// and the user name when it is an address (left out of a reply all).
    pub async fn own_addresses(&self) -> Result<Vec<String>, CoreError> {
        let mut own = Vec::new();
        if let Ok(id) = self.current_account_id().await {
            own.extend(self.store.account_identity(id).await?.0);
        }
        if let Some(cfg) = self.account_config().await
            && cfg.user.contains('@')
        {
            own.push(cfg.user.clone());
        }
        own.push(self.sender("").await?);
        let mut own: Vec<String> = own.into_iter().map(|a| a.to_lowercase()).collect();
        own.sort();
        own.dedup();
        Ok(own)
    }

    /// The addresses on the user's own mail domains that the company directory does not know
    /// (ResolveRecipients, MS-ASCMD 2.2.1.15), for the compose window to ask before sending: a
    /// typo in a colleague's address ("bbo@firma.de") bounces only after the window closed.
    /// Addresses elsewhere are never asked about (no directory knows them). The user's own
    /// address is asked along as a control, and only when the server resolves it has it
    /// checked at all: SOGo answers only with free/busy asked for (so it is, for half an hour)
    /// and leaves out what it does not know, and Z-Push's IMAP backend refuses the command.
    /// A server that cannot check, an error or no connection gives an empty list, logged: the
    /// send goes on as before.
    pub async fn unknown_colleagues(
        &self,
        addresses: Vec<String>,
    ) -> Result<Vec<String>, CoreError> {
        let own = self.own_addresses().await?;
        let control = self.sender("").await?.to_lowercase();
        let domain = |a: &str| a.rsplit_once('@').map(|(_, d)| d.to_owned());
        let domains: Vec<String> = own.iter().filter_map(|a| domain(a)).collect();
        let mut asked: Vec<String> = Vec::new();
        for a in addresses {
            let a = a.trim().to_lowercase();
            if domain(&a).is_some_and(|d| domains.contains(&d))
                && !own.contains(&a)
                && !asked.contains(&a)
            {
                asked.push(a);
            }
        }
        // MS-ASCMD: at most 100 To elements, the control among them.
        asked.truncate(99);
        if asked.is_empty() || !control.contains('@') {
            return Ok(Vec::new());
        }
        // The engine found the server unreachable: no waiting for a timeout before the send.
        {
            let status = self.status.borrow();
            if status.state == super::sync_status::SyncState::Offline && status.error.is_some() {
                return Ok(Vec::new());
            }
        }
        let url = self.server_url().await;
        let now = chrono::Utc::now();
        let (start, end) = (
            now.format("%Y-%m-%dT%H:%M:00.000Z").to_string(),
            (now + chrono::Duration::minutes(30))
                .format("%Y-%m-%dT%H:%M:00.000Z")
                .to_string(),
        );
        let names: Vec<&str> = std::iter::once(control.as_str())
            .chain(asked.iter().map(String::as_str))
            .collect();
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            self.with_fetch_session(async |s| {
                s.client_mut()
                    .resolve_recipients(&names, Some((&start, &end)))
                    .await
                    .map_err(|e| crate::sync::map_eas(e, &url))
            }),
        )
        .await;
        let resolutions = match answer {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::info!(error = %e, "the server did not check the recipients");
                return Ok(Vec::new());
            }
            Err(_) => {
                tracing::info!("the server did not answer the recipient check within 5 s");
                return Ok(Vec::new());
            }
        };
        let known = |a: &str| {
            resolutions.iter().any(|r| {
                // 1 resolved, 2 and 3 ambiguous: the name is there; 4 not resolved.
                (1..=3).contains(&r.status)
                    && (r.to.trim().eq_ignore_ascii_case(a)
                        || r.recipients.iter().any(|x| {
                            x.email_address
                                .as_deref()
                                .is_some_and(|e| e.trim().eq_ignore_ascii_case(a))
                        }))
            })
        };
        if !known(&control) {
            tracing::info!("the server resolves not even the user's address: no recipient check");
            return Ok(Vec::new());
        }
        Ok(asked.into_iter().filter(|a| !known(a)).collect())
    }

    /// The compose window's content for `mode`; `message_id` is the original for a reply or
    /// forward. The original's body is fetched from the server when only a preview is cached
    /// (offline the preview is quoted).
    pub async fn compose(
        &self,
        mode: ComposeMode,
        message_id: Option<i64>,
        lang: Lang,
    ) -> Result<ComposeStart, CoreError> {
        let from = self.sender("").await?;
        if let Some(d) = message_id.filter(|_| mode == ComposeMode::Draft) {
            return self.compose_draft(d, from).await;
        }
        self.warm_address_book();
        let settings = self.effective_settings().await?;
        let signatures = settings.signatures.value.cleaned().unwrap_or_default();
        let quote_style = settings.quote_style.value;
        let Some(id) = message_id.filter(|_| mode != ComposeMode::New) else {
            return Ok(ComposeStart {
                max_attachment: self.store.server_attachment_limit().await?,
                mode: ComposeMode::New,
                from,
                to: Vec::new(),
                cc: Vec::new(),
                subject: String::new(),
                quote_html: String::new(),
                quote_in_body: false,
                reply_to: None,
                forward_of: None,
                attachments: Vec::new(),
                draft: None,
                body_html: String::new(),
                signature: signatures.new_mail.clone(),
                signatures: signatures.list,
            });
        };
        let mut view = self.message_view(id, false).await?;
        if !view.body.complete
            && let Ok(v) = self.fetch_message_body(id, false).await
        {
            view = v;
        }
        let row =
            self.store.message(id).await?.ok_or_else(|| {
                CoreError::InvalidInput(format!("message {id} is not in the cache"))
            })?;
        let zone = self.calendar_zone();
        let utc = DateTime::from_timestamp(row.date, 0).unwrap_or_default();
        let offset = FixedOffset::east_opt(zone.offset_at(utc.naive_utc()))
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
        let header = quote_lines(
            &QuotedOriginal {
                from: show(&row.from),
                sent: utc.with_timezone(&offset),
                to: row.to.iter().map(show).collect(),
                cc: row.cc.iter().map(show).collect(),
                subject: &row.subject,
            },
            lang,
            quote_style,
            mode == ComposeMode::Forward,
        );
        let body_text = if view.body.text.is_empty() {
            row.preview.clone()
        } else {
            view.body.text.clone()
        };
        let quote = quote_html(&header, &view.body.html, &body_text);
        let own = self.own_addresses().await?;
        let is_own = |a: &Address| own.contains(&a.addr.to_lowercase());
        let (to, cc, subject) = match mode {
            ComposeMode::Forward => (Vec::new(), Vec::new(), forward_subject(&row.subject, lang)),
            ComposeMode::Reply => (
                vec![show(&row.from)],
                Vec::new(),
                reply_subject(&row.subject, lang),
            ),
            _ => {
                // Reply all: the sender and every other recipient, without the user; a
                // message the user sent goes back to its recipients.
                let mut to: Vec<&Address> = Vec::new();
                if !is_own(&row.from) {
                    to.push(&row.from);
                }
                to.extend(row.to.iter().filter(|a| !is_own(a)));
                let mut seen: Vec<String> = Vec::new();
                let mut dedup = |list: Vec<&Address>| {
                    list.into_iter()
                        .filter(|a| {
                            let k = a.addr.to_lowercase();
                            let new = !k.is_empty() && !seen.contains(&k);
                            seen.push(k);
                            new
                        })
                        .map(show)
                        .collect::<Vec<_>>()
                };
                let to = dedup(to);
                let cc = dedup(row.cc.iter().filter(|a| !is_own(a)).collect());
                (to, cc, reply_subject(&row.subject, lang))
            }
        };
        Ok(ComposeStart {
            max_attachment: self.store.server_attachment_limit().await?,
            mode,
            from,
            to,
            cc,
            subject,
            quote_html: quote,
            quote_in_body: false,
            reply_to: (mode != ComposeMode::Forward).then_some(id),
            forward_of: (mode == ComposeMode::Forward).then_some(id),
            attachments: if mode == ComposeMode::Forward {
                view.attachments
            } else {
                Vec::new()
            },
            draft: None,
            body_html: String::new(),
            signature: signatures.reply.clone(),
            signatures: signatures.list,
        })
    }

    /// A saved draft to go on with: its recipients, subject and text.
    async fn compose_draft(&self, id: i64, from: String) -> Result<ComposeStart, CoreError> {
        let row = self.draft_row(id).await?;
        let view = self.message_view(id, false).await?;
        let body_html = if view.body.html.is_empty() {
            format!(
                "<p>{}</p>",
                crate::compose::escape_html(&view.body.text).replace('\n', "<br>")
            )
        } else {
            view.body.html
        };
        // A reply's or forward's draft goes on as one (its text holds the quote already).
        let (reply_to, forward_of) = self.store.draft_origin(id).await?;
        Ok(ComposeStart {
            max_attachment: self.store.server_attachment_limit().await?,
            mode: ComposeMode::Draft,
            from,
            to: row.to.iter().map(show).collect(),
            cc: row.cc.iter().map(show).collect(),
            subject: row.subject.clone(),
            quote_html: String::new(),
            quote_in_body: reply_to.is_some() || forward_of.is_some(),
            reply_to,
            forward_of,
            attachments: view.attachments,
            draft: Some(id),
            body_html,
            signatures: self
                .effective_settings()
                .await?
                .signatures
                .value
                .cleaned()
                .unwrap_or_default()
                .list,
            signature: None,
        })
    }

    /// The address book of the cached mail, read when older than five minutes.
    pub(super) async fn address_book(&self) -> Result<AddressBook, CoreError> {
        let account_id = self.current_account_id().await?;
        let mut slot = self.address_book.lock().await;
        if let Some((at, acc, book)) = slot.as_ref()
            && *acc == account_id
            && at.elapsed() < ADDRESS_BOOK_FRESH
        {
            return Ok(book.clone());
        }
        let book: AddressBook = std::sync::Arc::new(
            self.store
                .address_book(account_id, "", ADDRESS_BOOK_SIZE)
                .await?,
        );
        *slot = Some((std::time::Instant::now(), account_id, book.clone()));
        Ok(book)
    }

    /// Reads the address book ahead of the first keystroke (a compose window opens).
    pub fn warm_address_book(&self) {
        let k = self.clone();
        tokio::spawn(async move {
            if let Err(e) = k.address_book().await {
                tracing::warn!(error = %e, "the address book could not be read");
            }
        });
    }

    /// Addresses matching `query` (start of the name, of a word of it, or of the address),
    /// from the cached mail, most used first; the user's own left out.
    pub async fn address_suggestions(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<AddressSuggestion>, CoreError> {
        let own = self.own_addresses().await?;
        let book = self.address_book().await?;
        Ok(crate::compose::match_addresses(&book, query, usize::MAX)
            .filter(|(_, addr, _)| !own.contains(&addr.to_lowercase()))
            .take(limit.clamp(1, 50) as usize)
            .map(|(name, address, uses)| AddressSuggestion {
                name: name.clone(),
                address: address.clone(),
                uses: *uses,
                directory: false,
            })
            .collect())
    }

    /// The company directory's entries for `query` (ActiveSync Search of the GAL; at least
    /// three characters, else nothing is asked). Fails plainly when the server cannot be
    /// reached: the field says the directory is unavailable.
    pub async fn directory_suggestions(
        &self,
        query: &str,
        limit: u32,
    ) -> Result<Vec<AddressSuggestion>, CoreError> {
        let query = query.trim().to_owned();
        if query.chars().count() < 3 {
            return Ok(Vec::new());
        }
        let url = self.server_url().await;
        let found = self
            .with_fetch_session(async |s| {
                s.client_mut()
                    .search_gal(&query, limit.clamp(1, 50))
                    .await
                    .map_err(|e| crate::sync::map_eas(e, &url))
            })
            .await?;
        Ok(found
            .items
            .into_iter()
            .filter_map(|e| {
                let address = e.email_address.filter(|a| a.contains('@'))?;
                let name = e
                    .display_name
                    .filter(|n| !n.trim().is_empty())
                    .or_else(|| {
                        let full = format!(
                            "{} {}",
                            e.first_name.unwrap_or_default(),
                            e.last_name.unwrap_or_default()
                        );
                        Some(full.trim().to_owned())
                    })
                    .unwrap_or_default();
                Some(AddressSuggestion {
                    name,
                    address,
                    uses: 0,
                    directory: true,
                })
            })
            .collect())
    }
}
