//! Colleagues' calendars the user opens by name or by address (URL).
//!
//! A name (`bob`, `bob@example.com`) becomes the URL of that user's default calendar on the
//! account's server: SOGo `<dav root>/<user>/Calendar/personal/`, Kopano
//! `/caldav/<user>/Calendar/`. Which layout and which root come from the account's CalDAV URL
//! when there is one, else from the ActiveSync server's address (a path under `/SOGo/` is SOGo,
//! anything else Kopano; the other layout is tried too). An address is used as typed, on any
//! server, with the credentials of the account on that server (a CalDAV account with the same
//! origin, else the ActiveSync account: same user name, same password from the keychain).
//!
//! Every candidate is checked with a PROPFIND (RFC 4791 §4.2: resourcetype `calendar`) before
//! anything is kept; a refusal is a [`CoreError::CalendarRefused`] that says why (not found,
//! no permission, not a calendar) or the ordinary `unreachable`. An opened calendar is kept in
//! the setting `calendar.opened` (user data: it survives a rebuild of the cache), stored as a
//! shared calendar (read-only unless `current-user-privilege-set` grants writing, RFC 3744
//! §5.4) under an account row of its own (keyed by the calendar's URL and the user, so removing
//! it removes exactly its events), synced at once and then with every calendar sync.

use serde::{Deserialize, Serialize};
use url::Url;

use super::Kontor;
use crate::engine::calendar::{self as cal_engine, CalendarNotice, CalendarSyncReport};
use crate::engine::calendar_dav::map_dav;
use crate::engine::calendar_outbox::AccountKey;
use crate::error::{CalendarRefusal, CoreError};
use crate::store::CalendarRow;
use kontor_caldav::{DavClient, DavError};

/// Setting key holding the opened calendars (JSON list of [`OpenedCalendar`]).
pub const OPENED_CALENDARS_SETTING: &str = "calendar.opened";

/// A colleague's calendar the user opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedCalendar {
    /// The collection's URL, as the server named it.
    pub url: String,
    /// The user name sent to its server.
    pub user: String,
    /// The server URL the password is kept under in the keychain (the account's).
    pub password_of: String,
}

/// A server layout that has a fixed place for every user's default calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// SOGo: `<dav root>/<user>/Calendar/personal/`.
    Sogo,
    /// Kopano: `<root>/caldav/<user>/Calendar/`.
    Kopano,
}

/// What the user typed into "Open calendar".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColleagueInput {
    Url(Url),
    /// A user name or an e-mail address.
    Name(String),
}

fn refused(refusal: CalendarRefusal, detail: impl Into<String>) -> CoreError {
    CoreError::CalendarRefused {
        refusal,
        detail: detail.into(),
    }
}

impl ColleagueInput {
    /// An http(s) address, else a name without slashes or spaces.
    pub fn parse(input: &str) -> Result<Self, CoreError> {
        let s = input.trim();
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let url = Url::parse(s)
                .map_err(|e| refused(CalendarRefusal::NotAnAddress, format!("{s}: {e}")))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(refused(CalendarRefusal::NotAnAddress, s));
            }
            return Ok(ColleagueInput::Url(url));
        }
        if s.is_empty() || s.contains(['/', '\\', ':']) || s.contains(char::is_whitespace) {
            return Err(refused(CalendarRefusal::NotAnAddress, s));
        }
        Ok(ColleagueInput::Name(s.to_string()))
    }
}

/// The origin (scheme, host, port) of a URL up to the first path segment that matches
/// `marker` (case-insensitive), with that segment; `None` when the path has none.
fn root_at(url: &Url, marker: &[&str]) -> Option<Url> {
    let segs: Vec<&str> = url.path_segments()?.collect();
    let at = segs
        .windows(marker.len())
        .position(|w| w.iter().zip(marker).all(|(a, b)| a.eq_ignore_ascii_case(b)))?;
    let mut root = url.clone();
    root.set_query(None);
    root.set_fragment(None);
    root.set_path(&format!("/{}/", segs[..at + marker.len()].join("/")));
    Some(root)
}

/// Where colleagues' calendars are looked for by name, preferred first: from the account's
/// CalDAV URL when it shows the layout, else from the ActiveSync server's address.
pub fn colleague_roots(caldav_url: Option<&str>, eas_url: Option<&str>) -> Vec<(Layout, Url)> {
    if let Some(u) = caldav_url.and_then(|u| Url::parse(u).ok()) {
        if let Some(r) = root_at(&u, &["SOGo", "dav"]) {
            return vec![(Layout::Sogo, r)];
        }
        if let Some(r) = root_at(&u, &["caldav"]) {
            let mut root = r.clone();
            root.set_path(r.path().trim_end_matches('/').trim_end_matches("caldav"));
            return vec![(Layout::Kopano, root)];
        }
    }
    let Some(u) = eas_url.and_then(|u| Url::parse(u).ok()) else {
        return Vec::new();
    };
    let mut origin = u.clone();
    origin.set_path("/");
    origin.set_query(None);
    origin.set_fragment(None);
    let sogo = origin.join("SOGo/dav/").expect("a relative path joins");
    if root_at(&u, &["SOGo"]).is_some() {
        vec![(Layout::Sogo, sogo), (Layout::Kopano, origin)]
    } else {
        vec![(Layout::Kopano, origin), (Layout::Sogo, sogo)]
    }
}

/// The URLs a name may have on the `roots`, in the order they are tried: an e-mail address as
/// typed first, then its local part (servers that sign in by user name).
pub fn colleague_urls(roots: &[(Layout, Url)], name: &str) -> Result<Vec<Url>, CoreError> {
    let mut names = vec![name.trim().to_string()];
    if let Some((local, _)) = name.trim().split_once('@')
        && !local.is_empty()
    {
        names.push(local.to_string());
    }
    let mut out = Vec::new();
    for (layout, root) in roots {
        for n in &names {
            let url = match layout {
                Layout::Sogo => kontor_caldav::sogo_colleague_url(root, n),
                Layout::Kopano => kontor_caldav::kopano_colleague_url(root, n),
            }
            .map_err(|e| refused(CalendarRefusal::NotAnAddress, e.to_string()))?;
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    Ok(out)
}

/// The core's error for a server's answer to "is this a calendar?".
pub fn open_refusal(e: DavError) -> CoreError {
    let detail = e.to_string();
    match e {
        DavError::NotFound(_) => refused(CalendarRefusal::NotFound, detail),
        DavError::Unauthorized(_) | DavError::Forbidden(_) => {
            refused(CalendarRefusal::NoPermission, detail)
        }
        // A web page or a server without WebDAV: 200, 400, 405, 501, or HTML for XML.
        DavError::NotACalendar(_) | DavError::Xml(_) | DavError::Http { .. } => {
            refused(CalendarRefusal::NotACalendar, detail)
        }
        e => map_dav(e),
    }
}

/// Whether `e` replaces `best` as the reported refusal when several candidates fail: the first
/// candidate (the preferred layout, the name as typed) says the most, except that "no
/// permission" anywhere beats "not found" (the calendar is there, only not for this user). A
/// fallback layout's oddities (SOGo answers `/caldav/…` with a web page) are never reported.
fn replaces(best: Option<&CoreError>, e: &CoreError) -> bool {
    let no_permission = |e: &CoreError| {
        matches!(
            e,
            CoreError::CalendarRefused {
                refusal: CalendarRefusal::NoPermission,
                ..
            }
        )
    };
    match best {
        None => true,
        Some(b) => no_permission(e) && !no_permission(b),
    }
}

fn same_origin(a: &Url, b: &str) -> bool {
    Url::parse(b).is_ok_and(|b| a.origin() == b.origin())
}

impl Kontor {
    /// The colleagues' calendars the user opened.
    pub async fn opened_calendars(&self) -> Result<Vec<OpenedCalendar>, CoreError> {
        Ok(
            cal_engine::setting(self.store.pool(), OPENED_CALENDARS_SETTING)
                .await?
                .unwrap_or_default(),
        )
    }

    /// The user name and the keychain entry to use on the server of `url`: a CalDAV account
    /// on the same origin, else the ActiveSync account, else the first CalDAV account.
    async fn credentials_for(&self, url: &Url) -> Result<(String, String), CoreError> {
        let dav = self.caldav_accounts().await?;
        if let Some(a) = dav.iter().find(|a| same_origin(url, &a.url)) {
            return Ok((a.user.clone(), a.url.clone()));
        }
        if let Some(cfg) = self.account_config().await {
            return Ok((cfg.user, cfg.server_url));
        }
        dav.first()
            .map(|a| (a.user.clone(), a.url.clone()))
            .ok_or(CoreError::NotSignedIn)
    }

    async fn opened_client(&self, user: &str, password_of: &str) -> Result<DavClient, CoreError> {
        let password =
            crate::secrets::password(password_of, user)?.ok_or_else(|| CoreError::AuthFailed {
                detail: format!("no password for {user} at {password_of} in the keychain"),
            })?;
        cal_engine::dav_client(user, &password)
    }

    /// Opens a colleague's calendar: `input` is a calendar's address (URL) or a user name or
    /// e-mail address (the server's layout, module docs). Checked with a PROPFIND; refused with
    /// [`CoreError::CalendarRefused`] (not found, no permission, not a calendar) or
    /// `unreachable`. Kept, synced at once and returned; a calendar already in the list is
    /// returned as it is.
    pub async fn open_colleague_calendar(&self, input: &str) -> Result<CalendarRow, CoreError> {
        let candidates = match ColleagueInput::parse(input)? {
            ColleagueInput::Url(u) => vec![u],
            ColleagueInput::Name(name) => {
                let caldav = self.caldav_accounts().await?;
                let eas = self.account_config().await.map(|c| c.server_url);
                let roots = colleague_roots(caldav.first().map(|a| a.url.as_str()), eas.as_deref());
                if roots.is_empty() {
                    return Err(CoreError::NotSignedIn);
                }
                colleague_urls(&roots, &name)?
            }
        };
        let mut best: Option<CoreError> = None;
        for url in candidates {
            if let Some(c) = self
                .store
                .calendars(None)
                .await?
                .into_iter()
                .find(|c| c.remote_id == url.as_str())
            {
                return Ok(c);
            }
            let (user, password_of) = self.credentials_for(&url).await?;
            let dav = self.opened_client(&user, &password_of).await?;
            match dav.add_calendar(&url).await {
                Ok(info) => {
                    if !(info.components.is_empty()
                        || info.components.iter().any(|x| x == "VEVENT"))
                    {
                        let e = refused(
                            CalendarRefusal::NotACalendar,
                            format!("{url} holds no events ({:?})", info.components),
                        );
                        if replaces(best.as_ref(), &e) {
                            best = Some(e);
                        }
                        continue;
                    }
                    if let Some(c) = self
                        .store
                        .calendars(None)
                        .await?
                        .into_iter()
                        .find(|c| c.remote_id == info.url.as_str())
                    {
                        return Ok(c);
                    }
                    let opened = OpenedCalendar {
                        url: info.url.to_string(),
                        user,
                        password_of,
                    };
                    let mut all = self.opened_calendars().await?;
                    all.retain(|o| o.url != opened.url);
                    all.push(opened.clone());
                    cal_engine::set_setting(self.store.pool(), OPENED_CALENDARS_SETTING, &all)
                        .await?;
                    let row = self.store_opened(&opened, &info).await?;
                    let _one = self.calendar_sync.lock().await;
                    let mut report = CalendarSyncReport::default();
                    let key = AccountKey {
                        server_url: opened.url.clone(),
                        user: opened.user.clone(),
                    };
                    if let Err(e) = cal_engine::sync_caldav_calendars(
                        &dav,
                        &self.store,
                        &key,
                        std::slice::from_ref(&row),
                        &self.calendar_bus,
                        &mut report,
                    )
                    .await
                    {
                        // Kept all the same: the next sync tries again.
                        tracing::warn!(url = %opened.url, error = %e, "opened calendar not synced");
                    }
                    self.calendar_bus.emit(CalendarNotice::Changed {
                        calendar_ids: vec![row.id],
                    });
                    return Ok(self.store.calendar(row.id).await?.unwrap_or(row));
                }
                Err(e) => {
                    tracing::debug!(%url, error = %e, "not opened");
                    let e = open_refusal(e);
                    if matches!(e, CoreError::Unreachable { .. } | CoreError::Tls { .. }) {
                        return Err(e);
                    }
                    if replaces(best.as_ref(), &e) {
                        best = Some(e);
                    }
                }
            }
        }
        Err(best.unwrap_or_else(|| refused(CalendarRefusal::NotFound, input.trim())))
    }

    /// Stores an opened calendar under its own account row; returns its row.
    async fn store_opened(
        &self,
        opened: &OpenedCalendar,
        info: &kontor_caldav::CalendarInfo,
    ) -> Result<CalendarRow, CoreError> {
        let account_id = self
            .store
            .upsert_account(&opened.url, &opened.user, "", "")
            .await?;
        let ctag = self
            .store
            .calendar_ctag(account_id, info.url.as_str())
            .await?
            .unwrap_or_default();
        let m = cal_engine::meta(info, None, true, ctag);
        let id = self.store.upsert_calendar(account_id, &m).await?;
        self.store
            .calendar(id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no calendar {id}")))
    }

    /// True when the calendar is one the user opened (and may remove).
    pub async fn is_opened_calendar(&self, remote_id: &str) -> Result<bool, CoreError> {
        Ok(self
            .opened_calendars()
            .await?
            .iter()
            .any(|o| o.url == remote_id))
    }

    /// Removes an opened colleague's calendar from the list, with its cached events. Other
    /// calendars are refused.
    pub async fn remove_colleague_calendar(&self, calendar_id: i64) -> Result<(), CoreError> {
        let row = self
            .store
            .calendar(calendar_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no calendar {calendar_id}")))?;
        let mut all = self.opened_calendars().await?;
        let Some(opened) = all.iter().find(|o| o.url == row.remote_id).cloned() else {
            return Err(CoreError::InvalidInput(format!(
                "{} was not opened as a colleague's calendar",
                row.remote_id
            )));
        };
        all.retain(|o| o.url != opened.url);
        cal_engine::set_setting(self.store.pool(), OPENED_CALENDARS_SETTING, &all).await?;
        let _one = self.calendar_sync.lock().await;
        match self.store.account_id(&opened.url, &opened.user).await? {
            // Its own account row: the calendar, its events and occurrences go with it.
            Some(account_id) if account_id == row.account_id => {
                self.store.delete_account(account_id).await?;
            }
            _ => self.store.delete_calendar(row.id).await?,
        }
        self.calendar_bus.emit(CalendarNotice::Changed {
            calendar_ids: vec![row.id],
        });
        Ok(())
    }

    /// One sync of every opened calendar (part of the calendar sync). A calendar the server
    /// refuses now stays in the list and is reported; an unreachable server is an error.
    pub(super) async fn sync_opened_calendars(
        &self,
        report: &mut CalendarSyncReport,
    ) -> Vec<CoreError> {
        let mut errors = Vec::new();
        let opened = match self.opened_calendars().await {
            Ok(o) => o,
            Err(e) => return vec![e],
        };
        for o in opened {
            let res = async {
                let url = Url::parse(&o.url)
                    .map_err(|e| CoreError::InvalidInput(format!("{}: {e}", o.url)))?;
                let dav = self.opened_client(&o.user, &o.password_of).await?;
                let info = dav.add_calendar(&url).await.map_err(map_dav)?;
                let row = self.store_opened(&o, &info).await?;
                let key = AccountKey {
                    server_url: o.url.clone(),
                    user: o.user.clone(),
                };
                cal_engine::sync_caldav_calendars(
                    &dav,
                    &self.store,
                    &key,
                    std::slice::from_ref(&row),
                    &self.calendar_bus,
                    report,
                )
                .await
            }
            .await;
            if let Err(e) = res {
                tracing::warn!(url = %o.url, error = %e, "opened calendar not synced");
                report.failures.push((0, e.to_string()));
                errors.push(e);
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn input_is_an_address_or_a_name() {
        assert_eq!(
            ColleagueInput::parse(" http://127.0.0.1:55232/bob/team/ ").unwrap(),
            ColleagueInput::Url(url("http://127.0.0.1:55232/bob/team/"))
        );
        assert_eq!(
            ColleagueInput::parse("HTTPS://Mail.Example.com/caldav/bob/Calendar/").unwrap(),
            ColleagueInput::Url(url("https://mail.example.com/caldav/bob/Calendar/"))
        );
        assert_eq!(
            ColleagueInput::parse("bob@kontor.test").unwrap(),
            ColleagueInput::Name("bob@kontor.test".into())
        );
        for bad in [
            "",
            "  ",
            "bob/team",
            "Bob Baker",
            "ftp://x/",
            "http://",
            "c:\\x",
        ] {
            let e = ColleagueInput::parse(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    CoreError::CalendarRefused {
                        refusal: CalendarRefusal::NotAnAddress,
                        ..
                    }
                ),
                "{bad:?}: {e:?}"
            );
        }
    }

    #[test]
    fn the_layout_comes_from_the_caldav_url_else_from_activesync() {
        assert_eq!(
            colleague_roots(Some("http://127.0.0.1:20000/SOGo/dav/alice/"), None),
            vec![(Layout::Sogo, url("http://127.0.0.1:20000/SOGo/dav/"))]
        );
        assert_eq!(
            colleague_roots(
                Some("https://kopano.example.com/caldav/alice/"),
                Some("https://other.example.com/SOGo/Microsoft-Server-ActiveSync")
            ),
            vec![(Layout::Kopano, url("https://kopano.example.com/"))]
        );
        assert_eq!(
            colleague_roots(
                Some("https://g.example.com/dav/caldav/alice/Calendar/"),
                None
            ),
            vec![(Layout::Kopano, url("https://g.example.com/dav/"))]
        );
        // Radicale's URLs show no layout: the ActiveSync server decides.
        assert_eq!(
            colleague_roots(
                Some("http://127.0.0.1:55232/alice/"),
                Some("http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync")
            ),
            vec![
                (Layout::Sogo, url("http://127.0.0.1:20000/SOGo/dav/")),
                (Layout::Kopano, url("http://127.0.0.1:20000/")),
            ]
        );
        assert_eq!(
            colleague_roots(
                None,
                Some("https://mail.example.com/Microsoft-Server-ActiveSync")
            ),
            vec![
                (Layout::Kopano, url("https://mail.example.com/")),
                (Layout::Sogo, url("https://mail.example.com/SOGo/dav/")),
            ]
        );
        assert!(colleague_roots(None, None).is_empty());
    }

    #[test]
    fn a_name_becomes_the_servers_pattern() {
        let roots = colleague_roots(
            None,
            Some("http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync"),
        );
        let urls: Vec<String> = colleague_urls(&roots, "bob@kontor.test")
            .unwrap()
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:20000/SOGo/dav/bob@kontor.test/Calendar/personal/",
                "http://127.0.0.1:20000/SOGo/dav/bob/Calendar/personal/",
                "http://127.0.0.1:20000/caldav/bob@kontor.test/Calendar/",
                "http://127.0.0.1:20000/caldav/bob/Calendar/",
            ]
        );
        let kopano = [(Layout::Kopano, url("https://k.example.com/"))];
        assert_eq!(
            colleague_urls(&kopano, "jdoe").unwrap(),
            [url("https://k.example.com/caldav/jdoe/Calendar/")]
        );
    }

    #[test]
    fn refusals_say_why() {
        let u = url("http://127.0.0.1:55232/bob/x/");
        let kind = |e: DavError| match open_refusal(e) {
            CoreError::CalendarRefused { refusal, .. } => Some(refusal),
            _ => None,
        };
        assert_eq!(
            kind(DavError::NotFound(u.clone())),
            Some(CalendarRefusal::NotFound)
        );
        assert_eq!(
            kind(DavError::Forbidden(u.clone())),
            Some(CalendarRefusal::NoPermission)
        );
        assert_eq!(
            kind(DavError::Unauthorized(u.clone())),
            Some(CalendarRefusal::NoPermission)
        );
        assert_eq!(
            kind(DavError::NotACalendar(u.clone())),
            Some(CalendarRefusal::NotACalendar)
        );
        assert_eq!(
            kind(DavError::Http {
                status: 405,
                url: u.clone()
            }),
            Some(CalendarRefusal::NotACalendar)
        );
        assert!(matches!(
            open_refusal(DavError::Transient {
                status: 503,
                url: u.clone()
            }),
            CoreError::Server { .. }
        ));
        let e = open_refusal(DavError::Forbidden(u));
        assert_eq!(e.code(), crate::ErrorCode::AuthFailed);
        assert!(e.message(crate::Lang::De).contains("keine Berechtigung"));
        let not_found = refused(CalendarRefusal::NotFound, "x");
        let web_page = refused(CalendarRefusal::NotACalendar, "HTTP 200");
        assert!(replaces(None, &not_found));
        assert!(!replaces(Some(&not_found), &web_page));
        assert!(replaces(Some(&not_found), &e));
        assert!(!replaces(Some(&e), &not_found));
    }
}
