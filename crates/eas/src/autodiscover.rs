//! Autodiscover, plain-old-XML form (MS-ASCMD 2.2.1.1, MS-OXDSCLI 3.1.5): find the ActiveSync
//! URL from an e-mail address.
//!
//! Candidates are tried in the documented order: `https://<domain>/autodiscover/autodiscover.xml`,
//! `https://autodiscover.<domain>/autodiscover/autodiscover.xml`, then an unauthenticated
//! `GET http://autodiscover.<domain>/autodiscover/autodiscover.xml` whose redirect names the
//! next URL to POST to. An `Action/Redirect` answer restarts with another address (at most 10
//! times).

use quick_xml::events::Event;
use url::Url;

use crate::error::EasError;

const REQUEST_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006";
const RESPONSE_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";
const MAX_REDIRECTS: usize = 10;

/// What an Autodiscover answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The ActiveSync endpoint (`Server` with `Type` MobileSync).
    Settings {
        url: String,
        display_name: Option<String>,
        email: Option<String>,
    },
    /// Use another e-mail address.
    RedirectAddress(String),
    /// Use another Autodiscover URL.
    RedirectUrl(String),
    /// The server reported an error.
    Error {
        code: Option<String>,
        message: Option<String>,
    },
}

/// The request body.
pub fn request_body(email: &str) -> String {
    let esc = email
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Autodiscover xmlns=\"{REQUEST_SCHEMA}\"><Request><EMailAddress>{esc}</EMailAddress><AcceptableResponseSchema>{RESPONSE_SCHEMA}</AcceptableResponseSchema></Request></Autodiscover>"
    )
}

/// The candidate URLs for `email`, in order.
pub fn candidates(email: &str) -> Result<Vec<String>, EasError> {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty() && !d.contains('/'))
        .ok_or_else(|| EasError::InvalidUrl {
            url: email.into(),
            detail: "this is not an e-mail address".into(),
        })?;
    Ok(vec![
        format!("https://{domain}/autodiscover/autodiscover.xml"),
        format!("https://autodiscover.{domain}/autodiscover/autodiscover.xml"),
    ])
}

/// Parses an Autodiscover answer (namespaces are ignored; only local names count).
pub fn parse(xml: &str) -> Result<Answer, EasError> {
    let bad = |d: String| EasError::protocol("Autodiscover", d);
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let (mut url, mut server_type, mut display_name, mut email) = (None, None, None, None);
    let (mut redirect, mut redirect_url, mut err_code, mut err_msg) = (None, None, None, None);
    let mut mobile_sync_url: Option<String> = None;
    loop {
        match reader
            .read_event()
            .map_err(|e| bad(format!("not valid XML: {e}")))?
        {
            Event::Start(s) => {
                path.push(s.local_name().as_ref().to_string());
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => text.push_str(match r.xml10_content().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                let value = text.trim().to_string();
                match (parent, name.as_str()) {
                    ("Server", "Type") => server_type = Some(value),
                    ("Server", "Url") => url = Some(value),
                    ("User", "DisplayName") => display_name = Some(value),
                    ("User", "EMailAddress") => email = Some(value),
                    ("Action", "Redirect") => redirect = Some(value),
                    ("Action", "RedirectUrl") | ("Account", "RedirectUrl") => {
                        redirect_url = Some(value)
                    }
                    ("Error", "ErrorCode") | ("Error", "Status") => err_code = Some(value),
                    ("Error", "Message") => err_msg = Some(value),
                    (_, "Server") => {
                        if server_type.as_deref() == Some("MobileSync") && mobile_sync_url.is_none()
                        {
                            mobile_sync_url = url.take();
                        }
                        server_type = None;
                        url = None;
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(url) = mobile_sync_url {
        return Ok(Answer::Settings {
            url,
            display_name,
            email,
        });
    }
    if let Some(r) = redirect.filter(|r| !r.is_empty()) {
        return Ok(if r.starts_with("https://") {
            Answer::RedirectUrl(r)
        } else {
            Answer::RedirectAddress(r)
        });
    }
    if let Some(u) = redirect_url.filter(|u| !u.is_empty()) {
        return Ok(Answer::RedirectUrl(u));
    }
    if err_code.is_some() || err_msg.is_some() {
        return Ok(Answer::Error {
            code: err_code,
            message: err_msg,
        });
    }
    Err(bad("the answer names no ActiveSync server".into()))
}

/// Result of a successful discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The ActiveSync endpoint.
    pub url: String,
    pub display_name: Option<String>,
    /// The address the answer was for (after redirects).
    pub email: String,
}

/// POSTs the Autodiscover request to one URL.
pub async fn query(
    http: &reqwest::Client,
    url: &str,
    user: &str,
    password: &str,
    email: &str,
) -> Result<Answer, EasError> {
    let resp = http
        .post(url)
        .basic_auth(user, Some(password))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(request_body(email))
        .send()
        .await
        .map_err(kontor_net::NetError::from)?;
    match resp.status().as_u16() {
        200 => {}
        401 => return Err(EasError::Unauthorized { user: user.into() }),
        403 => {
            return Err(EasError::Forbidden {
                detail: "Autodiscover refused access (HTTP 403)".into(),
            });
        }
        s => {
            return Err(EasError::Http {
                status: s,
                detail: "Autodiscover".into(),
            });
        }
    }
    let body = resp.text().await.map_err(kontor_net::NetError::from)?;
    parse(&body)
}

/// Finds the ActiveSync URL for `email`, trying the candidate URLs in order and following
/// address and URL redirects. Authentication failures stop the search at once; other failures
/// move on to the next candidate, and the last one is returned if none succeeds.
pub async fn discover(
    http: &reqwest::Client,
    email: &str,
    user: &str,
    password: &str,
) -> Result<Discovered, EasError> {
    let mut email = email.to_string();
    let mut queue = candidates(&email)?;
    let mut last_err = EasError::NotActiveSync {
        url: email.clone(),
        detail: "Autodiscover found no server".into(),
    };
    let mut hops = 0;
    while let Some(url) = (!queue.is_empty()).then(|| queue.remove(0)) {
        match query(http, &url, user, password, &email).await {
            Ok(Answer::Settings {
                url, display_name, ..
            }) => {
                return Ok(Discovered {
                    url,
                    display_name,
                    email,
                });
            }
            Ok(Answer::RedirectAddress(a)) | Ok(Answer::RedirectUrl(a))
                if hops >= MAX_REDIRECTS =>
            {
                last_err =
                    EasError::protocol("Autodiscover", format!("too many redirects (last to {a})"));
                break;
            }
            Ok(Answer::RedirectAddress(a)) => {
                hops += 1;
                email = a;
                queue = candidates(&email)?;
            }
            Ok(Answer::RedirectUrl(u)) => {
                hops += 1;
                if Url::parse(&u)
                    .map(|p| p.scheme() == "https")
                    .unwrap_or(false)
                {
                    queue.insert(0, u);
                } else {
                    last_err = EasError::protocol(
                        "Autodiscover",
                        format!("refusing a redirect to a non-HTTPS URL {u}"),
                    );
                }
            }
            Ok(Answer::Error { code, message }) => {
                last_err = EasError::protocol(
                    "Autodiscover",
                    format!(
                        "the server reported error {}: {}",
                        code.unwrap_or_default(),
                        message.unwrap_or_default()
                    ),
                );
            }
            Err(e @ EasError::Unauthorized { .. }) => return Err(e),
            Err(e) => last_err = e,
        }
    }
    Err(last_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_settings_redirects_and_errors() {
        let ok = r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns:autodiscover="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">
  <autodiscover:Response>
    <autodiscover:Culture>de:de</autodiscover:Culture>
    <autodiscover:User>
      <autodiscover:DisplayName>Alice &amp; Co</autodiscover:DisplayName>
      <autodiscover:EMailAddress>alice@example.com</autodiscover:EMailAddress>
    </autodiscover:User>
    <autodiscover:Action>
      <autodiscover:Settings>
        <autodiscover:Server>
          <autodiscover:Type>CertEnroll</autodiscover:Type>
          <autodiscover:Url>https://cert.example.com/x</autodiscover:Url>
        </autodiscover:Server>
        <autodiscover:Server>
          <autodiscover:Type>MobileSync</autodiscover:Type>
          <autodiscover:Url>https://mail.example.com/Microsoft-Server-ActiveSync</autodiscover:Url>
          <autodiscover:Name>https://mail.example.com/Microsoft-Server-ActiveSync</autodiscover:Name>
        </autodiscover:Server>
      </autodiscover:Settings>
    </autodiscover:Action>
  </autodiscover:Response>
</Autodiscover>"#;
        assert_eq!(
            parse(ok).unwrap(),
            Answer::Settings {
                url: "https://mail.example.com/Microsoft-Server-ActiveSync".into(),
                display_name: Some("Alice & Co".into()),
                email: Some("alice@example.com".into()),
            }
        );
        let redirect = r#"<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"><Response><Action><Redirect>alice@other.example</Redirect></Action></Response></Autodiscover>"#;
        assert_eq!(
            parse(redirect).unwrap(),
            Answer::RedirectAddress("alice@other.example".into())
        );
        let error = r#"<Autodiscover><Response><Action><Error><Status>1</Status><Message>The directory service could not be reached</Message></Error></Action></Response></Autodiscover>"#;
        assert!(matches!(parse(error).unwrap(), Answer::Error { code: Some(c), .. } if c == "1"));
        assert!(parse("<html><body>login</body></html>").is_err());
        assert!(parse("<<<").is_err());
    }

    #[test]
    fn candidate_urls_and_request() {
        assert_eq!(
            candidates("Alice@Example.COM").unwrap(),
            [
                "https://example.com/autodiscover/autodiscover.xml",
                "https://autodiscover.example.com/autodiscover/autodiscover.xml"
            ]
        );
        assert!(candidates("no-at-sign").is_err());
        let body = request_body("a&b@example.com");
        assert!(body.contains("<EMailAddress>a&amp;b@example.com</EMailAddress>"));
        assert!(body.contains(RESPONSE_SCHEMA));
    }
}
