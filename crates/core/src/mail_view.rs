//! A message as the reading pane shows it: the HTML made safe once, here in Rust
//! (docs/mail-window.md#showing-a-message), and the parts of a fetched MIME message.
//!
//! The window puts the sanitised HTML into a sandboxed frame with its own Content Security
//! Policy; this module is the first of those layers: no script, no frame, no form, no `meta`
//! or `base`, no event handler, links only to `http`, `https` and `mailto`, images only as
//! `data:` (inline `cid:` parts) or, when the user allowed remote content, `https`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;
use mail_parser::MimeHeaders;

/// The sanitised HTML and how many remote references it had to leave out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml {
    pub html: String,
    /// Remote images, image sets, backgrounds and CSS `url()`s removed.
    pub remote_blocked: u32,
    /// Remote tracking images (1×1 or hidden) removed even though remote content was allowed.
    pub trackers_blocked: u32,
}

/// Inline parts (by Content-ID, without angle brackets) larger than this stay out.
pub const INLINE_PART_MAX: usize = 4 * 1024 * 1024;

fn is_remote(url: &str) -> bool {
    let u = url.trim_start().to_ascii_lowercase();
    u.starts_with("http:") || u.starts_with("https:") || u.starts_with("//")
}

/// Replaces or removes `url(...)` references in CSS text: `data:` stays, `cid:` becomes its
/// inline part, a remote one stays only when `allow_remote` (and then only `https`); counts the
/// removed ones.
fn filter_css(css: &str, inline: &HashMap<String, String>, allow_remote: bool) -> (String, u32) {
    let mut out = String::with_capacity(css.len());
    let mut blocked = 0;
    let lower = css.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("url(") {
        let start = pos + found;
        let arg_start = start + 4;
        let Some(close) = css[arg_start..].find(')') else {
            break;
        };
        let arg_end = arg_start + close;
        let raw = css[arg_start..arg_end].trim();
        let url = raw.trim_matches(|c| c == '"' || c == '\'');
        out.push_str(&css[pos..start]);
        let keep = if url.to_ascii_lowercase().starts_with("data:") {
            Some(url.to_owned())
        } else if let Some(cid) = url.strip_prefix("cid:") {
            inline.get(cid).cloned()
        } else if allow_remote && url.to_ascii_lowercase().starts_with("https:") {
            Some(url.to_owned())
        } else {
            if is_remote(url) {
                blocked += 1;
            }
            None
        };
        match keep {
            Some(u) => {
                out.push_str("url(\"");
                out.push_str(&u.replace(['"', '\\', '\n', '\r'], ""));
                out.push_str("\")");
            }
            None => out.push_str("none"),
        }
        pos = arg_end + 1;
    }
    out.push_str(&css[pos..]);
    // `@import` fetches a stylesheet: never (the frame's policy refuses it as well).
    let out = out.replace("@import", "@kontor-blocked-import");
    (out, blocked)
}

/// Filters the CSS inside `<style>` elements of sanitised HTML (the sanitiser keeps their text
/// as it is) like style attributes: see [`filter_css`].
fn filter_style_elements(
    html: &str,
    inline: &HashMap<String, String>,
    allow_remote: bool,
) -> (String, u32) {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut blocked = 0;
    let mut pos = 0;
    while let Some(open) = lower[pos..].find("<style") {
        let tag_start = pos + open;
        let Some(tag_end) = lower[tag_start..].find('>').map(|e| tag_start + e + 1) else {
            break;
        };
        let end = lower[tag_end..]
            .find("</style")
            .map_or(lower.len(), |e| tag_end + e);
        out.push_str(&html[pos..tag_end]);
        let (css, n) = filter_css(&html[tag_end..end], inline, allow_remote);
        out.push_str(&css);
        blocked += n;
        pos = end;
    }
    out.push_str(&html[pos..]);
    (out, blocked)
}

/// Sanitises a mail's HTML (module docs). `inline` maps Content-IDs to `data:` URIs; remote
/// images are left out unless `allow_remote`.
pub fn sanitize_html(html: &str, inline: &HashMap<String, String>, allow_remote: bool) -> SafeHtml {
    let blocked = Arc::new(AtomicU32::new(0));
    let counter = blocked.clone();
    let inline_map = inline.clone();
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["style", "center", "font"])
        .rm_clean_content_tags(["style"])
        .add_generic_attributes([
            "style",
            "align",
            "valign",
            "width",
            "height",
            "bgcolor",
            "color",
            "border",
            "cellpadding",
            "cellspacing",
            "background",
            "dir",
            "face",
            "size",
        ])
        .add_tag_attributes("img", ["src", "alt", "title", "width", "height"])
        // The blocks Kontor's compose window writes (its text, the signature, the quote): kept so
        // a draft opened again still knows its signature (docs/compose.md). No other class.
        .add_allowed_classes("div", ["kontor-body", "kontor-signature", "kontor-quote"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "data", "cid"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| {
            let lower = value.trim().to_ascii_lowercase();
            match (element, attribute) {
                ("a", "href") => {
                    if lower.starts_with("http:")
                        || lower.starts_with("https:")
                        || lower.starts_with("mailto:")
                    {
                        Some(Cow::Borrowed(value))
                    } else {
                        None
                    }
                }
                ("img", "src") | (_, "background") => {
                    if lower.starts_with("data:image/") {
                        Some(Cow::Borrowed(value))
                    } else if let Some(cid) = value.trim().strip_prefix("cid:") {
                        inline_map.get(cid).map(|d| Cow::Owned(d.clone()))
                    } else if allow_remote && lower.starts_with("https:") {
                        Some(Cow::Borrowed(value))
                    } else {
                        if is_remote(value) {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                        None
                    }
                }
                (_, "style") => {
                    let (css, n) = filter_css(value, &inline_map, allow_remote);
                    counter.fetch_add(n, Ordering::Relaxed);
                    Some(Cow::Owned(css))
                }
                _ => Some(Cow::Borrowed(value)),
            }
        });
    let cleaned = builder.clean(html).to_string();
    let (html_out, in_style) = filter_style_elements(&cleaned, inline, allow_remote);
    let (html_out, trackers) = if allow_remote {
        drop_tracking_pixels(&html_out)
    } else {
        (html_out, 0)
    };
    SafeHtml {
        html: html_out,
        remote_blocked: blocked.load(Ordering::Relaxed) + in_style,
        trackers_blocked: trackers,
    }
}

/// A length of at most 2 pixels (`1`, `1px`, `0`, `2px`), the size of a tracking image.
fn tiny(value: &str) -> bool {
    let v = value.trim().trim_end_matches("px").trim();
    v.parse::<f32>().is_ok_and(|n| n <= 2.0)
}

/// The value of `prop` in an inline style (`width: 1px; …`), lower-case.
fn style_prop(style: &str, prop: &str) -> Option<String> {
    style.split(';').find_map(|decl| {
        let (name, value) = decl.split_once(':')?;
        (name.trim().eq_ignore_ascii_case(prop)).then(|| value.trim().to_ascii_lowercase())
    })
}

/// The attributes of one serialised tag (`<img a="b" c="d">`): html5ever writes every value in
/// double quotes and escapes `"` inside it, so a quote-aware scan is exact here.
fn tag_attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = tag.as_bytes();
    let mut i = tag.find(char::is_whitespace).unwrap_or(tag.len());
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b'>' | b' ' | b'\t' | b'\n' | b'/') {
            i += 1;
        }
        if start == i {
            break;
        }
        let name = tag[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'"') {
            let vstart = i + 2;
            let vend = tag[vstart..].find('"').map_or(tag.len(), |e| vstart + e);
            value = tag[vstart..vend].to_owned();
            i = vend + 1;
        }
        out.push((name, value));
    }
    out
}

/// Removes the `src` of remote images that are tracking pixels: 1×1 (or at most 2 px in either
/// direction, by attribute or inline style) or hidden with `display:none`/`visibility:hidden`.
/// Such an image shows nothing; loading it only tells the sender the mail was read. Runs on
/// the sanitiser's output (see [`tag_attributes`]); returns the HTML and how many it removed.
fn drop_tracking_pixels(html: &str) -> (String, u32) {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut removed = 0;
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("<img") {
        let start = pos + found;
        // The end of the tag, skipping quoted values.
        let mut end = start;
        let mut quoted = false;
        for (k, b) in html.as_bytes()[start..].iter().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                b'>' if !quoted => {
                    end = start + k + 1;
                    break;
                }
                _ => {}
            }
        }
        if end == start {
            break;
        }
        let tag = &html[start..end];
        let attrs = tag_attributes(tag);
        let get = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        let style = get("style").unwrap_or("");
        let small = get("width").is_some_and(tiny)
            || get("height").is_some_and(tiny)
            || style_prop(style, "width").is_some_and(|v| tiny(&v))
            || style_prop(style, "height").is_some_and(|v| tiny(&v));
        let hidden = style_prop(style, "display").is_some_and(|v| v.starts_with("none"))
            || style_prop(style, "visibility").is_some_and(|v| v.starts_with("hidden"));
        out.push_str(&html[pos..start]);
        if (small || hidden) && get("src").is_some_and(is_remote) {
            out.push_str("<img");
            for (k, v) in attrs.iter().filter(|(k, _)| k != "src") {
                out.push_str(&format!(" {k}=\"{v}\""));
            }
            out.push('>');
            removed += 1;
        } else {
            out.push_str(tag);
        }
        pos = end;
    }
    out.push_str(&html[pos..]);
    (out, removed)
}

/// What the reading pane needs of a fetched MIME message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MimeParts {
    pub html: Option<String>,
    pub text: Option<String>,
    /// Inline images by Content-ID (without angle brackets) as `data:` URIs.
    pub inline: HashMap<String, String>,
    /// The first `text/calendar` part (an invitation).
    pub calendar: Option<String>,
    /// The Reply-To addresses.
    pub reply_to: Vec<String>,
}

/// Reads the displayable parts of a MIME message; `None` when it is not one.
pub fn mime_parts(bytes: &[u8]) -> Option<MimeParts> {
    let msg = mail_parser::MessageParser::default().parse(bytes)?;
    // mail-parser converts between the two forms when a message has only one; the pane wants
    // to know which one the sender wrote, so only real parts of each kind count.
    let part_text = |ids: &[u32], html: bool| {
        ids.iter()
            .find_map(|&i| match msg.parts.get(i as usize).map(|p| &p.body) {
                Some(mail_parser::PartType::Html(h)) if html => Some(h.to_string()),
                Some(mail_parser::PartType::Text(t)) if !html => Some(t.to_string()),
                _ => None,
            })
    };
    let reply_to = msg
        .reply_to()
        .map(|r| {
            r.iter()
                .filter_map(|a| a.address().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut out = MimeParts {
        html: part_text(&msg.html_body, true),
        text: part_text(&msg.text_body, false),
        reply_to,
        ..MimeParts::default()
    };
    for part in msg.parts.iter() {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let mime = match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        };
        if mime == "text/calendar" && out.calendar.is_none() {
            out.calendar = part.text_contents().map(str::to_owned);
            continue;
        }
        if let Some(cid) = part.content_id()
            && mime.starts_with("image/")
        {
            let data = part.contents();
            if data.len() <= INLINE_PART_MAX {
                let b64 = base64::engine::general_purpose::STANDARD.encode(data);
                out.inline.insert(
                    cid.trim_matches(|c| c == '<' || c == '>').to_owned(),
                    format!("data:{mime};base64,{b64}"),
                );
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str, remote: bool) -> SafeHtml {
        sanitize_html(html, &HashMap::new(), remote)
    }

    #[test]
    fn tracking_pixels_never_load_even_when_remote_content_is_allowed() {
        let html = r#"<p>Hi</p><img src="https://news.example/banner.png" width="600" height="200" alt="Banner">
            <img src="https://t.example/open.gif?u=1" width="1" height="1" alt="">
            <img alt="x > y" src="https://t.example/o2.gif" style="width:1px;height:1px">
            <img src="https://t.example/o3.gif" style="display: none">
            <img src="https://t.example/o4.gif" height="0">
            <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">"#;
        let out = clean(html, true);
        assert_eq!(out.trackers_blocked, 4, "{}", out.html);
        assert!(
            out.html.contains("https://news.example/banner.png"),
            "{}",
            out.html
        );
        assert!(!out.html.contains("t.example"), "{}", out.html);
        assert!(out.html.contains("data:image/gif"), "{}", out.html);
        assert!(out.html.contains(r#"alt="x &gt; y""#), "{}", out.html);
        // Not allowed: everything remote is out anyway and counted as blocked remote content.
        let blocked = clean(html, false);
        assert_eq!(blocked.trackers_blocked, 0);
        assert_eq!(blocked.remote_blocked, 5);
        assert!(!blocked.html.contains("https:"), "{}", blocked.html);
    }

    #[test]
    fn scripts_handlers_meta_and_frames_are_removed() {
        let out = clean(
            r#"<html><head><meta http-equiv="refresh" content="0;url=https://evil.test/">
            <base href="https://evil.test/"><script>document.title='pwned'</script></head>
            <body onload="alert(1)"><p onclick="x()">Hi <b>there</b></p>
            <img src="x" onerror="document.title='pwned'">
            <iframe src="https://evil.test/"></iframe><object data="x"></object>
            <form action="https://evil.test/"><input name=p></form>
            <a href="javascript:alert(1)">js</a> <a href="data:text/html,x">data</a>
            <a href="https://example.org/">ok</a> <a href="mailto:a@b.de">mail</a></body></html>"#,
            false,
        );
        let h = out.html.to_ascii_lowercase();
        for bad in [
            "<script",
            "pwned",
            "onload",
            "onclick",
            "onerror",
            "<meta",
            "refresh",
            "<base",
            "<iframe",
            "<object",
            "<form",
            "<input",
            "javascript:",
            "data:text",
        ] {
            assert!(!h.contains(bad), "{bad} survived in {h}");
        }
        assert!(h.contains("<b>there</b>"));
        assert!(h.contains(r#"href="https://example.org/""#));
        assert!(h.contains(r#"href="mailto:a@b.de""#));
        assert!(h.contains("noopener"));
    }

    #[test]
    fn remote_images_are_blocked_and_counted_until_allowed() {
        let html = r#"<p style="background: url('https://t.test/bg.png'); color: red">x</p>
            <img src="https://t.test/pixel.gif" alt="logo"><img src="http://t.test/a.png">
            <table background="https://t.test/t.png"><tr><td>t</td></tr></table>
            <style>body { background: url(https://t.test/s.png) } @import url(https://t.test/x.css);</style>"#;
        let blocked = clean(html, false);
        assert_eq!(blocked.remote_blocked, 6, "{}", blocked.html);
        assert!(!blocked.html.contains("t.test/pixel.gif"));
        assert!(!blocked.html.contains("url('https"));
        assert!(blocked.html.contains("color: red") || blocked.html.contains("color:red"));
        assert!(!blocked.html.contains("@import"));
        let allowed = clean(html, true);
        assert_eq!(
            allowed.remote_blocked, 1,
            "only the http image stays blocked"
        );
        assert!(allowed.html.contains(r#"src="https://t.test/pixel.gif""#));
        assert!(!allowed.html.contains("http://t.test/a.png"));
    }

    #[test]
    fn cid_images_become_data_uris() {
        let mut inline = HashMap::new();
        inline.insert(
            "logo@x".to_owned(),
            "data:image/png;base64,iVBORw0KGgo=".to_owned(),
        );
        let out = sanitize_html(
            r#"<img src="cid:logo@x"><img src="cid:other">"#,
            &inline,
            false,
        );
        assert!(
            out.html
                .contains(r#"src="data:image/png;base64,iVBORw0KGgo=""#)
        );
        assert_eq!(out.html.matches("<img").count(), 2);
        assert_eq!(out.remote_blocked, 0);
    }

    #[test]
    fn mime_parts_find_html_inline_images_and_invitations() {
        let mime = "From: a@b.de\r\nTo: c@d.de\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/related; boundary=\"r\"\r\n\r\n\
            --r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hallo <img src=\"cid:pic@1\"></p>\r\n\
            --r\r\nContent-Type: image/png\r\nContent-ID: <pic@1>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
            --r\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n\
            --r--\r\n";
        let parts = mime_parts(mime.as_bytes()).unwrap();
        assert!(parts.html.unwrap().contains("Hallo"));
        assert_eq!(
            parts.inline.get("pic@1").map(String::as_str),
            Some("data:image/png;base64,iVBORw0KGgo=")
        );
        assert!(parts.calendar.unwrap().starts_with("BEGIN:VCALENDAR"));
    }

    #[test]
    fn a_plain_message_has_no_html_and_an_html_one_no_text() {
        let plain = "From: a@b.de\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n";
        let p = mime_parts(plain.as_bytes()).unwrap();
        assert_eq!(p.html, None);
        assert_eq!(p.text.as_deref().map(str::trim), Some("Hallo"));
        let html = "From: a@b.de\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hallo</p>\r\n";
        let h = mime_parts(html.as_bytes()).unwrap();
        assert!(h.html.unwrap().contains("<p>Hallo</p>"));
        assert_eq!(h.text, None);
    }
}
