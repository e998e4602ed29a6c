//! # kontor-caldav — WebDAV and CalDAV
//!
//! Discovery (RFC 6764, RFC 4791 §6), calendar listing with privileges, sync-collection
//! (RFC 6578), calendar-multiget, and conditional writes. Multistatus bodies are parsed with
//! quick-xml, leniently.
//!
//! It must not interpret calendar data (that is `kontor-calendar`) nor store anything.
//!
//! ## What a caller does
//! 1. [`DavClient::discover`] from the URL the user typed (or the server root): the principal,
//!    its calendar homes and calendar-user addresses.
//! 2. [`DavClient::list_calendars`] on each home: real calendars only (SOGo also lists
//!    `personal.ics`/`personal.xml` export resources; their resourcetype is not a calendar),
//!    with display name, colour, ctag, sync-token, components, owner and a `read_only` flag
//!    derived from `current-user-privilege-set` (RFC 3744 §5.4).
//! 3. Colleagues' calendars that no listing shows (Kopano, Radicale): [`DavClient::add_calendar`]
//!    by URL or [`DavClient::add_colleague`] by name on Kopano's `/caldav/<name>/Calendar/`
//!    layout ([`sogo_colleague_url`] gives SOGo's `…/SOGo/dav/<name>/Calendar/personal/`) —
//!    both PROPFIND the URL first and refuse anything that is not a calendar.
//! 4. Sync: [`DavClient::sync_collection`] with the stored token (follows 507 truncation until
//!    the server says it is complete; [`DavError::InvalidSyncToken`] tells the caller to start
//!    again without a token and drop what the server no longer lists; some servers answer an
//!    unknown token with HTTP 500, a [`DavError::Transient`], instead). Servers without
//!    sync-collection: compare [`DavClient::ctag`] and then [`DavClient::etags`]. Fetch bodies
//!    with [`DavClient::multiget`] in batches. An incremental sync that finds nothing costs one
//!    request.
//! 5. Writes: [`DavClient::create`] (`If-None-Match: *`), [`DavClient::update`] and
//!    [`DavClient::delete`] (`If-Match`). A 412 is not an error: the server's current version is
//!    fetched and returned as [`WriteOutcome::Conflict`] next to the local one. Read-only
//!    calendars are refused before any request is made.
//!
//! HTTP goes through the `reqwest::Client` the caller passes in — in the app that is
//! `kontor_net::client(...)`, so TLS and network errors are `kontor_net::NetError`s.
//!
//! ## Server behaviour worth knowing
//! * SOGo omits subscribed calendars from a home listing unless a User-Agent is sent; every
//!   request here carries one.
//! * SOGo ignores an unknown sync-token and answers with the full listing (no 403, no 404 for
//!   what was deleted since, nothing that says so): a caller cannot tell it from changes and
//!   has to compare in full now and then (kontor-core does daily). Radicale answers 403
//!   `valid-sync-token` as RFC 6578 §3.2 says.
//! * SOGo ignores `DAV:limit`; truncation (507) is handled per RFC 6578 §3.6 for servers that
//!   do it.
//! * SOGo's tokens are Unix seconds compared inclusively: members changed in the token's
//!   second are reported again. [`SyncChanges::without_unchanged`] drops those by ETag.
//! * SOGo ignores `If-None-Match: *` on PUT (it overwrites) and `If-Match` on DELETE (it
//!   deletes); [`DavClient::create`] and [`DavClient::delete`] check with a GET first.

pub mod xml;

use std::collections::BTreeMap;

use reqwest::header::{
    CONTENT_TYPE, ETAG, HeaderMap, HeaderValue, IF_MATCH, IF_NONE_MATCH, USER_AGENT,
};
use reqwest::{Method, StatusCode};
use url::Url;

pub use xml::{Multistatus, Props, Response};

/// What this crate can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DavError {
    #[error(transparent)]
    Net(#[from] kontor_net::NetError),
    #[error("the server refused the user name or password (HTTP 401) for {0}")]
    Unauthorized(Url),
    #[error("access denied (HTTP 403) for {0}")]
    Forbidden(Url),
    #[error("not found (HTTP 404): {0}")]
    NotFound(Url),
    #[error("{0} is not a calendar")]
    NotACalendar(Url),
    #[error("the calendar {0} is read-only; nothing was sent")]
    ReadOnly(Url),
    /// RFC 6578 §3.2: the token is no longer valid; sync again from scratch.
    #[error("the server no longer accepts the sync token; a full resync is needed")]
    InvalidSyncToken,
    #[error("no CalDAV principal found at {0} (also tried /.well-known/caldav)")]
    DiscoveryFailed(Url),
    #[error("unexpected HTTP {status} from {url}")]
    Http { status: u16, url: Url },
    /// 5xx, 429 or 503: try again later.
    #[error("the server is temporarily unavailable (HTTP {status}) at {url}")]
    Transient { status: u16, url: Url },
    #[error("unreadable WebDAV XML: {0}")]
    Xml(String),
    #[error("invalid URL: {0}")]
    Url(String),
}

impl From<reqwest::Error> for DavError {
    fn from(e: reqwest::Error) -> Self {
        DavError::Net(kontor_net::NetError::from(e))
    }
}

/// User name and password for Basic authentication.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"…")
            .finish()
    }
}

/// Result of discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub principal: Url,
    pub display_name: Option<String>,
    pub calendar_homes: Vec<Url>,
    /// `mailto:` and other addresses of the user (RFC 6638 §2.4.1).
    pub addresses: Vec<String>,
}

/// One calendar collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarInfo {
    pub url: Url,
    pub display_name: Option<String>,
    pub color: Option<String>,
    pub ctag: Option<String>,
    pub sync_token: Option<String>,
    /// VEVENT, VTODO, … (empty when the server does not say).
    pub components: Vec<String>,
    /// No write, write-content, bind or all privilege for the current user.
    pub read_only: bool,
    /// Owner principal href.
    pub owner: Option<String>,
}

impl CalendarInfo {
    fn from_response(base: &Url, r: &Response) -> Option<Self> {
        if !r.props.is_calendar() {
            return None;
        }
        let url = base.join(&r.href).ok()?;
        let read_only = match &r.props.privileges {
            Some(p) => !p.iter().any(|k| {
                matches!(
                    k.as_str(),
                    "{DAV:}write" | "{DAV:}write-content" | "{DAV:}bind" | "{DAV:}all"
                )
            }),
            None => false,
        };
        Some(CalendarInfo {
            url,
            display_name: r.props.displayname.clone().filter(|d| !d.is_empty()),
            color: r.props.calendar_color.clone(),
            ctag: r.props.ctag.clone(),
            sync_token: r.props.sync_token.clone(),
            components: r.props.supported_components.clone().unwrap_or_default(),
            read_only,
            owner: r.props.owner.clone(),
        })
    }
}

/// What sync-collection reported since the token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncChanges {
    /// Changed or new members: URL → ETag (if the server sent one).
    pub changed: BTreeMap<Url, Option<String>>,
    /// Removed members.
    pub removed: Vec<Url>,
    /// The token to store with the applied changes.
    pub token: Option<String>,
    /// HTTP requests it took (1 unless the server truncated with 507).
    pub requests: usize,
}

/// A calendar object resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub url: Url,
    pub etag: Option<String>,
    pub data: String,
}

/// The server refused a conditional write because the resource changed (HTTP 412).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub url: Url,
    /// What we tried to write (`None` for a delete).
    pub local: Option<String>,
    /// The server's current version (`None` when it was deleted meanwhile).
    pub server: Option<Resource>,
}

/// Result of a conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    Written { url: Url, etag: Option<String> },
    Conflict(Conflict),
}

/// The calendars among the members of a Depth-1 PROPFIND on `home` (the home itself and
/// non-calendar resources such as SOGo's `personal.ics` export are left out).
pub fn calendars_in(home: &Url, ms: &Multistatus) -> Vec<CalendarInfo> {
    let mut out = Vec::new();
    for r in &ms.responses {
        match CalendarInfo::from_response(home, r) {
            Some(c) if c.url != *home => out.push(c),
            Some(_) => {}
            None => tracing::trace!(href = %r.href, "not a calendar; skipped"),
        }
    }
    out
}

/// Per-member result of a sync so far: `Some(etag)` changed, `None` removed.
pub type SyncState = BTreeMap<Url, Option<Option<String>>>;

/// Applies one sync-collection page to `state`; returns true when the server truncated the
/// result (a 507 response for the collection itself, RFC 6578 §3.6).
pub fn apply_sync_page(calendar: &Url, ms: &Multistatus, state: &mut SyncState) -> bool {
    let mut truncated = false;
    for r in &ms.responses {
        let Ok(url) = calendar.join(&r.href) else {
            continue;
        };
        if url.path().trim_end_matches('/') == calendar.path().trim_end_matches('/') {
            if r.status == Some(507) {
                truncated = true;
            }
            continue;
        }
        match r.status {
            Some(404) => state.insert(url, None),
            _ => state.insert(url, Some(r.props.etag.clone())),
        };
    }
    truncated
}

impl SyncChanges {
    /// Drops reported members whose ETag equals the one the caller already has. SOGo reports
    /// members modified in the same second as the token again (its tokens are Unix seconds and
    /// compared inclusively); an unchanged ETag means there is nothing to fetch.
    pub fn without_unchanged(mut self, known: &BTreeMap<Url, String>) -> Self {
        self.changed
            .retain(|url, etag| match (etag, known.get(url)) {
                (Some(new), Some(old)) => new != old,
                _ => true,
            });
        self
    }
}

/// Moves the accumulated state into `out`.
pub fn finish_sync(state: SyncState, out: &mut SyncChanges) {
    for (url, v) in state {
        match v {
            Some(etag) => {
                out.changed.insert(url, etag);
            }
            None => out.removed.push(url),
        }
    }
}

/// Items per calendar-multiget request.
pub const DEFAULT_MULTIGET_BATCH: usize = 50;

/// A CalDAV client for one account.
#[derive(Debug, Clone)]
pub struct DavClient {
    http: reqwest::Client,
    creds: Credentials,
    user_agent: String,
}

fn method(m: &'static [u8]) -> Method {
    Method::from_bytes(m).expect("valid method token")
}

fn classify(status: StatusCode, url: &Url) -> DavError {
    match status.as_u16() {
        401 => DavError::Unauthorized(url.clone()),
        403 => DavError::Forbidden(url.clone()),
        404 | 410 => DavError::NotFound(url.clone()),
        s @ (429 | 500..=599) => DavError::Transient {
            status: s,
            url: url.clone(),
        },
        s => DavError::Http {
            status: s,
            url: url.clone(),
        },
    }
}

fn etag_header(h: &HeaderMap) -> Option<String> {
    h.get(ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// True for errors that mean "the reused connection was dead", not "the server is down".
fn is_stale_connection(e: &reqwest::Error) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionAborted
            )
        {
            return true;
        }
        let text = s.to_string();
        if text.contains("connection closed before message completed")
            || text.contains("Connection reset")
        {
            return true;
        }
        src = s.source();
    }
    false
}

/// The URL of a colleague's default calendar on Kopano (`/caldav/<name>/Calendar/`).
pub fn kopano_colleague_url(server_root: &Url, colleague: &str) -> Result<Url, DavError> {
    let name = colleague.trim();
    if name.is_empty() || name.contains('/') {
        return Err(DavError::Url(format!("not a user name: {colleague:?}")));
    }
    let mut url = server_root.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut segs = url
            .path_segments_mut()
            .map_err(|_| DavError::Url(server_root.to_string()))?;
        segs.pop_if_empty()
            .push("caldav")
            .push(name)
            .push("Calendar")
            .push("");
    }
    Ok(url)
}

/// The URL of a colleague's personal calendar on SOGo (`<dav root>/<name>/Calendar/personal/`,
/// the DAV root being `…/SOGo/dav/`).
pub fn sogo_colleague_url(dav_root: &Url, colleague: &str) -> Result<Url, DavError> {
    let name = colleague.trim();
    if name.is_empty() || name.contains('/') {
        return Err(DavError::Url(format!("not a user name: {colleague:?}")));
    }
    let mut url = dav_root.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut segs = url
            .path_segments_mut()
            .map_err(|_| DavError::Url(dav_root.to_string()))?;
        segs.pop_if_empty()
            .push(name)
            .push("Calendar")
            .push("personal")
            .push("");
    }
    Ok(url)
}

impl DavClient {
    /// `http` should come from `kontor_net::client(...)`.
    pub fn new(http: reqwest::Client, creds: Credentials) -> Self {
        DavClient {
            http,
            creds,
            user_agent: format!("Kontor/{} CalDAV", env!("CARGO_PKG_VERSION")),
        }
    }

    async fn send(
        &self,
        m: Method,
        url: &Url,
        depth: Option<&str>,
        body: Option<String>,
        extra: &[(reqwest::header::HeaderName, String)],
    ) -> Result<(StatusCode, HeaderMap, String), DavError> {
        let mut req = self
            .http
            .request(m.clone(), url.clone())
            .basic_auth(&self.creds.user, Some(&self.creds.password))
            .header(USER_AGENT, &self.user_agent);
        if let Some(d) = depth {
            req = req.header("Depth", d);
        }
        if let Some(b) = body {
            let ct = if m == Method::PUT {
                "text/calendar; charset=utf-8"
            } else {
                "application/xml; charset=utf-8"
            };
            req = req
                .header(CONTENT_TYPE, HeaderValue::from_static(ct))
                .body(b);
        }
        for (k, v) in extra {
            req = req.header(k, v);
        }
        // A pooled keep-alive connection the server already closed (SOGo does this) fails with
        // a reset; send once more on a fresh connection. Requests here are idempotent or
        // conditional, so a repeat cannot do harm.
        let retry = req.try_clone();
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) if is_stale_connection(&e) => match retry {
                Some(r) => {
                    tracing::debug!(%url, "connection reset; retrying once");
                    r.send().await?
                }
                None => return Err(e.into()),
            },
            Err(e) => return Err(e.into()),
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await?;
        let text = decode_body(&body);
        tracing::debug!(method = %m, %url, status = status.as_u16(), "dav request");
        Ok((status, headers, text))
    }

    async fn propfind(
        &self,
        url: &Url,
        depth: &str,
        props: &[&str],
    ) -> Result<Multistatus, DavError> {
        let (status, _, body) = self
            .send(
                method(b"PROPFIND"),
                url,
                Some(depth),
                Some(xml::propfind_body(props)),
                &[],
            )
            .await?;
        if status.as_u16() != 207 {
            return Err(classify(status, url));
        }
        xml::parse_multistatus(&body)
    }

    async fn principal_at(&self, url: &Url) -> Result<Option<Url>, DavError> {
        let ms = self
            .propfind(url, "0", &["d:current-user-principal"])
            .await?;
        Ok(ms
            .responses
            .iter()
            .find_map(|r| r.props.current_user_principal.as_deref())
            .and_then(|h| url.join(h).ok()))
    }

    /// RFC 6764 §6 / RFC 5397: find the principal from `start`, falling back to
    /// `/.well-known/caldav` on the same origin; then read the calendar homes and addresses
    /// (RFC 4791 §6.2.1, RFC 6638 §2.4.1).
    pub async fn discover(&self, start: &Url) -> Result<Discovery, DavError> {
        let mut principal = match self.principal_at(start).await {
            Ok(p) => p,
            Err(e @ DavError::Unauthorized(_)) => return Err(e),
            Err(e) => {
                tracing::debug!(%e, "no principal at the start URL");
                None
            }
        };
        if principal.is_none() {
            let wk = start
                .join("/.well-known/caldav")
                .map_err(|e| DavError::Url(e.to_string()))?;
            principal = match self.principal_at(&wk).await {
                Ok(p) => p,
                Err(e @ DavError::Unauthorized(_)) => return Err(e),
                Err(e) => {
                    tracing::debug!(%e, "no principal at /.well-known/caldav");
                    None
                }
            };
        }
        let principal = principal.ok_or_else(|| DavError::DiscoveryFailed(start.clone()))?;
        let ms = self
            .propfind(
                &principal,
                "0",
                &[
                    "c:calendar-home-set",
                    "c:calendar-user-address-set",
                    "d:displayname",
                ],
            )
            .await?;
        let props = ms
            .responses
            .into_iter()
            .next()
            .map(|r| r.props)
            .unwrap_or_default();
        let mut homes: Vec<Url> = props
            .calendar_home_set
            .iter()
            .filter_map(|h| principal.join(h).ok())
            .collect();
        if homes.is_empty() {
            homes.push(principal.clone());
        }
        Ok(Discovery {
            principal,
            display_name: props.displayname.filter(|d| !d.is_empty()),
            calendar_homes: homes,
            addresses: props.calendar_user_address_set,
        })
    }

    const CALENDAR_PROPS: [&'static str; 8] = [
        "d:resourcetype",
        "d:displayname",
        "ic:calendar-color",
        "cs:getctag",
        "d:sync-token",
        "c:supported-calendar-component-set",
        "d:current-user-privilege-set",
        "d:owner",
    ];

    /// Whether the server schedules itself (RFC 6638 §2: `calendar-auto-schedule` in the `DAV`
    /// header of an OPTIONS answer for `url`, a calendar home or collection): it then delivers
    /// invitations, changes, cancellations and answers written into a calendar, and a client
    /// sends no iTIP mail of its own. SOGo says so; Radicale does not.
    pub async fn schedules(&self, url: &Url) -> Result<bool, DavError> {
        let (status, headers, _) = self.send(Method::OPTIONS, url, None, None, &[]).await?;
        if !status.is_success() {
            return Err(classify(status, url));
        }
        Ok(headers.get_all("DAV").iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("calendar-auto-schedule"))
            })
        }))
    }

    /// Calendars in a calendar home (PROPFIND Depth 1). Non-calendar members are left out.
    pub async fn list_calendars(&self, home: &Url) -> Result<Vec<CalendarInfo>, DavError> {
        let ms = self.propfind(home, "1", &Self::CALENDAR_PROPS).await?;
        Ok(calendars_in(home, &ms))
    }

    /// A calendar by URL (a colleague's, a subscription): PROPFIND Depth 0, and refuse anything
    /// that is not a calendar collection.
    pub async fn add_calendar(&self, url: &Url) -> Result<CalendarInfo, DavError> {
        let ms = self.propfind(url, "0", &Self::CALENDAR_PROPS).await?;
        ms.responses
            .iter()
            .find_map(|r| CalendarInfo::from_response(url, r))
            .ok_or_else(|| DavError::NotACalendar(url.clone()))
    }

    /// A colleague's default calendar by name on Kopano's layout, validated like
    /// [`Self::add_calendar`].
    pub async fn add_colleague(
        &self,
        server_root: &Url,
        colleague: &str,
    ) -> Result<CalendarInfo, DavError> {
        self.add_calendar(&kopano_colleague_url(server_root, colleague)?)
            .await
    }

    /// Creates a calendar collection (RFC 4791 §5.3.1 MKCALENDAR) at `url`.
    pub async fn make_calendar(
        &self,
        url: &Url,
        display_name: &str,
    ) -> Result<CalendarInfo, DavError> {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>{}</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"#,
            xml::escape(display_name)
        );
        let (status, _, _) = self
            .send(method(b"MKCALENDAR"), url, None, Some(body), &[])
            .await?;
        if !status.is_success() {
            return Err(classify(status, url));
        }
        self.add_calendar(url).await
    }

    /// Deletes a whole calendar collection the user owns. Refused for read-only calendars.
    pub async fn delete_calendar(&self, cal: &CalendarInfo) -> Result<(), DavError> {
        Self::writable(cal)?;
        let (status, _, _) = self.send(Method::DELETE, &cal.url, None, None, &[]).await?;
        match status.as_u16() {
            200 | 202 | 204 | 404 | 410 => Ok(()),
            _ => Err(classify(status, &cal.url)),
        }
    }

    /// Current ctag and sync-token of a calendar (PROPFIND Depth 0).
    pub async fn ctag(&self, calendar: &Url) -> Result<(Option<String>, Option<String>), DavError> {
        let ms = self
            .propfind(calendar, "0", &["cs:getctag", "d:sync-token"])
            .await?;
        let p = ms
            .responses
            .into_iter()
            .next()
            .map(|r| r.props)
            .unwrap_or_default();
        Ok((p.ctag, p.sync_token))
    }

    /// Every member's ETag (PROPFIND Depth 1) — the fallback when sync-collection is missing.
    pub async fn etags(&self, calendar: &Url) -> Result<BTreeMap<Url, Option<String>>, DavError> {
        let ms = self
            .propfind(calendar, "1", &["d:getetag", "d:resourcetype"])
            .await?;
        Ok(ms
            .responses
            .iter()
            .filter(|r| !r.props.is_collection())
            .filter_map(|r| {
                calendar
                    .join(&r.href)
                    .ok()
                    .map(|u| (u, r.props.etag.clone()))
            })
            .filter(|(u, _)| u != calendar)
            .collect())
    }

    /// RFC 6578 sync-collection from `token` (`None` = initial). Follows 507 truncation
    /// (§3.6) with the returned token until complete. `limit` asks for at most that many
    /// results per request (§3.7; servers may ignore it).
    pub async fn sync_collection(
        &self,
        calendar: &Url,
        token: Option<&str>,
        limit: Option<u32>,
    ) -> Result<SyncChanges, DavError> {
        let mut out = SyncChanges::default();
        let mut token = token.map(str::to_string);
        let mut state = SyncState::new();
        loop {
            out.requests += 1;
            let (status, _, body) = self
                .send(
                    method(b"REPORT"),
                    calendar,
                    Some("1"),
                    Some(xml::sync_collection_body(token.as_deref(), limit)),
                    &[],
                )
                .await?;
            match status.as_u16() {
                207 => {}
                403 | 409
                    if xml::error_conditions(&body)
                        .iter()
                        .any(|c| c == "valid-sync-token") =>
                {
                    return Err(DavError::InvalidSyncToken);
                }
                // RFC 6578 §3.2 allows a server to refuse a too-old token with other codes too
                // (e.g. 412 by some servers) when a token was sent.
                412 if token.is_some() => return Err(DavError::InvalidSyncToken),
                _ => return Err(classify(status, calendar)),
            }
            let ms = xml::parse_multistatus(&body)?;
            let truncated = apply_sync_page(calendar, &ms, &mut state);
            if ms.sync_token.is_some() {
                token = ms.sync_token.clone();
            }
            if !truncated {
                break;
            }
            if out.requests >= 1000 {
                return Err(DavError::Xml(
                    "sync-collection truncated more than 1000 times".into(),
                ));
            }
        }
        finish_sync(state, &mut out);
        out.token = token;
        Ok(out)
    }

    /// calendar-multiget (RFC 4791 §7.9) in batches of `batch` hrefs. Members the server
    /// reports as missing are left out.
    pub async fn multiget(
        &self,
        calendar: &Url,
        urls: &[Url],
        batch: usize,
    ) -> Result<Vec<Resource>, DavError> {
        let mut out = Vec::with_capacity(urls.len());
        for chunk in urls.chunks(batch.max(1)) {
            let hrefs: Vec<String> = chunk.iter().map(|u| u.path().to_string()).collect();
            let (status, _, body) = self
                .send(
                    method(b"REPORT"),
                    calendar,
                    Some("1"),
                    Some(xml::multiget_body(&hrefs)),
                    &[],
                )
                .await?;
            if status.as_u16() != 207 {
                return Err(classify(status, calendar));
            }
            for r in xml::parse_multistatus(&body)?.responses {
                let Some(data) = r.props.calendar_data else {
                    tracing::debug!(href = %r.href, status = ?r.status, "multiget: no data");
                    continue;
                };
                if let Ok(url) = calendar.join(&r.href) {
                    out.push(Resource {
                        url,
                        etag: r.props.etag,
                        data,
                    });
                }
            }
        }
        Ok(out)
    }

    /// GET one resource; `Ok(None)` when it does not exist.
    pub async fn get(&self, url: &Url) -> Result<Option<Resource>, DavError> {
        let (status, headers, body) = self.send(Method::GET, url, None, None, &[]).await?;
        match status.as_u16() {
            200 => Ok(Some(Resource {
                url: url.clone(),
                etag: etag_header(&headers),
                data: body,
            })),
            404 | 410 => Ok(None),
            _ => Err(classify(status, url)),
        }
    }

    async fn conflict(&self, url: &Url, local: Option<String>) -> Result<WriteOutcome, DavError> {
        let server = self.get(url).await?;
        Ok(WriteOutcome::Conflict(Conflict {
            url: url.clone(),
            local,
            server,
        }))
    }

    fn writable(cal: &CalendarInfo) -> Result<(), DavError> {
        if cal.read_only {
            tracing::warn!(url = %cal.url, "refusing to write to a read-only calendar");
            return Err(DavError::ReadOnly(cal.url.clone()));
        }
        Ok(())
    }

    /// Creates `name` (e.g. `<uid>.ics`) in `cal` with `If-None-Match: *` (RFC 4791 §5.3.2).
    ///
    /// SOGo 5.8 ignores `If-None-Match: *` and overwrites an existing resource, so the client
    /// first checks with a GET that the name is free (one extra request per create; the
    /// conditional PUT still protects servers that honour it against the remaining race).
    pub async fn create(
        &self,
        cal: &CalendarInfo,
        name: &str,
        ics: &str,
    ) -> Result<WriteOutcome, DavError> {
        Self::writable(cal)?;
        let mut url = cal.url.clone();
        url.path_segments_mut()
            .map_err(|_| DavError::Url(cal.url.to_string()))?
            .pop_if_empty()
            .push(name);
        if let Some(existing) = self.get(&url).await? {
            return Ok(WriteOutcome::Conflict(Conflict {
                url,
                local: Some(ics.to_string()),
                server: Some(existing),
            }));
        }
        let (status, headers, _) = self
            .send(
                Method::PUT,
                &url,
                None,
                Some(ics.to_string()),
                &[(IF_NONE_MATCH, "*".into())],
            )
            .await?;
        match status.as_u16() {
            200 | 201 | 204 => Ok(WriteOutcome::Written {
                url,
                etag: etag_header(&headers),
            }),
            412 => self.conflict(&url, Some(ics.to_string())).await,
            _ => Err(classify(status, &url)),
        }
    }

    /// Replaces `url` if its ETag is still `etag` (`If-Match`).
    pub async fn update(
        &self,
        cal: &CalendarInfo,
        url: &Url,
        ics: &str,
        etag: &str,
    ) -> Result<WriteOutcome, DavError> {
        Self::writable(cal)?;
        let (status, headers, _) = self
            .send(
                Method::PUT,
                url,
                None,
                Some(ics.to_string()),
                &[(IF_MATCH, etag.to_string())],
            )
            .await?;
        match status.as_u16() {
            200 | 201 | 204 => Ok(WriteOutcome::Written {
                url: url.clone(),
                etag: etag_header(&headers),
            }),
            412 => self.conflict(url, Some(ics.to_string())).await,
            _ => Err(classify(status, url)),
        }
    }

    /// Deletes `url` if its ETag is still `etag`. A resource that is already gone counts as
    /// deleted.
    ///
    /// SOGo 5.8 ignores `If-Match` on DELETE (it deletes whatever is there), so the current
    /// ETag is compared with a GET first; the conditional DELETE still protects servers that
    /// honour it against the remaining race.
    pub async fn delete(
        &self,
        cal: &CalendarInfo,
        url: &Url,
        etag: &str,
    ) -> Result<WriteOutcome, DavError> {
        Self::writable(cal)?;
        match self.get(url).await? {
            None => {
                return Ok(WriteOutcome::Written {
                    url: url.clone(),
                    etag: None,
                });
            }
            Some(current) if current.etag.as_deref().is_some_and(|e| e != etag) => {
                return Ok(WriteOutcome::Conflict(Conflict {
                    url: url.clone(),
                    local: None,
                    server: Some(current),
                }));
            }
            Some(_) => {}
        }
        let (status, _, _) = self
            .send(
                Method::DELETE,
                url,
                None,
                None,
                &[(IF_MATCH, etag.to_string())],
            )
            .await?;
        match status.as_u16() {
            200 | 202 | 204 | 404 | 410 => Ok(WriteOutcome::Written {
                url: url.clone(),
                etag: None,
            }),
            412 => self.conflict(url, None).await,
            _ => Err(classify(status, url)),
        }
    }
}

/// A response body as text. iCalendar lines may be folded inside a multi-byte UTF-8 character
/// (RFC 5545 §3.1 folds octets), in a plain GET as in `calendar-data` inside a multistatus:
/// decoding first would turn both halves into U+FFFD. Such a fold (CRLF or LF, then a space or
/// tab, then a UTF-8 continuation byte, which no valid text has after a space) is removed on
/// the octets before decoding; every other fold stays for the iCalendar parser.
pub(crate) fn decode_body(body: &[u8]) -> String {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let fold = match body[i..] {
            [b'\r', b'\n', b' ' | b'\t', next, ..] if (0x80..0xC0).contains(&next) => 3,
            [b'\n', b' ' | b'\t', next, ..] if (0x80..0xC0).contains(&next) => 2,
            _ => 0,
        };
        if fold > 0 {
            i += fold;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kopano_url_layout() {
        let root = Url::parse("https://groupware.example.com:8443/").unwrap();
        assert_eq!(
            kopano_colleague_url(&root, "jdoe").unwrap().as_str(),
            "https://groupware.example.com:8443/caldav/jdoe/Calendar/"
        );
        assert_eq!(
            kopano_colleague_url(&root, "Jörg M").unwrap().as_str(),
            "https://groupware.example.com:8443/caldav/J%C3%B6rg%20M/Calendar/"
        );
        assert!(kopano_colleague_url(&root, "a/b").is_err());
        assert!(kopano_colleague_url(&root, " ").is_err());
    }

    #[test]
    fn sogo_url_layout() {
        let root = Url::parse("http://127.0.0.1:20000/SOGo/dav/").unwrap();
        assert_eq!(
            sogo_colleague_url(&root, " bob ").unwrap().as_str(),
            "http://127.0.0.1:20000/SOGo/dav/bob/Calendar/personal/"
        );
        assert_eq!(
            sogo_colleague_url(&root, "bob@kontor.test")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:20000/SOGo/dav/bob@kontor.test/Calendar/personal/"
        );
        let bare = Url::parse("https://mail.example.com/SOGo/dav").unwrap();
        assert_eq!(
            sogo_colleague_url(&bare, "jdoe").unwrap().as_str(),
            "https://mail.example.com/SOGo/dav/jdoe/Calendar/personal/"
        );
        assert!(sogo_colleague_url(&root, "a/b").is_err());
        assert!(sogo_colleague_url(&root, "").is_err());
    }

    #[test]
    fn a_fold_inside_a_character_is_rejoined_before_decoding() {
        // "Kündigung" folded between the two octets of "ü" (0xC3 0xBC), in calendar-data of a
        // multistatus, with CRLF and with a bare LF.
        for fold in [&b"\r\n "[..], &b"\n\t"[..]] {
            let mut body = b"<C:calendar-data>SUMMARY:K\xC3".to_vec();
            body.extend_from_slice(fold);
            body.extend_from_slice(b"\xBCndigung\r\n</C:calendar-data>");
            let text = decode_body(&body);
            assert_eq!(
                text,
                "<C:calendar-data>SUMMARY:Kündigung\r\n</C:calendar-data>"
            );
        }
        // Ordinary folds stay for the iCalendar parser; bad octets still decode.
        assert_eq!(
            decode_body(b"DESCRIPTION:ab\r\n cd \xC3\xBC"),
            "DESCRIPTION:ab\r\n cd ü"
        );
        assert_eq!(decode_body(b"X:\xFF"), "X:\u{FFFD}");
        let parsed = kontor_calendar::Calendar::parse(&decode_body(
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:f1\r\nDTSTART:20261201T090000Z\r\n\
              SUMMARY:K\xC3\r\n \xBCndigung\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ))
        .unwrap();
        assert_eq!(parsed.items[0].summary.as_deref(), Some("Kündigung"));
    }
}
