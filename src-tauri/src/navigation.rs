//! No app window ever shows a page from elsewhere: every navigation of every webview (the main,
//! reminder and compose windows, and the frames in them) goes through [`allowed`], which lets
//! through only the app's own pages and refuses the rest (logged). Links in a message open in
//! the user's browser through the `open_link` command instead; an app window that could load a
//! remote page would hand that page the app's IPC commands.
//!
//! Registered once as a plugin ([`plugin`]) so that windows opened later (compose windows) are
//! covered without each builder having to remember it.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime, Url};

/// The origins the app's pages are served from: `tauri://localhost` (Linux, macOS) and
/// `http(s)://tauri.localhost` (Windows), plus, in debug builds, the Vite dev server
/// (`build.devUrl` of tauri.conf.json) that `cargo run` without `custom-protocol` loads.
/// `about:blank` and `about:srcdoc` are the empty page and the reading pane's message frame.
pub fn allowed(url: &Url, dev_url: Option<&Url>) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" if url.host_str() == Some("tauri.localhost") => true,
        "about" => matches!(url.path(), "blank" | "srcdoc"),
        _ => dev_url.is_some_and(|dev| same_origin(url, dev)),
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The navigation guard of every webview of the app.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("kontor-navigation")
        .on_navigation(|webview, url| {
            // The dev server only in debug builds: a release never loads from it.
            let dev_url = if cfg!(debug_assertions) {
                webview.config().build.dev_url.clone()
            } else {
                None
            };
            let ok = allowed(url, dev_url.as_ref());
            if !ok {
                // The origin only: a link's path and query may carry personal data.
                tracing::warn!(
                    window = webview.label(),
                    origin = %url.origin().ascii_serialization(),
                    scheme = url.scheme(),
                    "navigation refused: an app window loads only the app's own pages"
                );
            }
            ok
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("a URL")
    }

    #[test]
    fn the_apps_own_pages_load() {
        for page in [
            "tauri://localhost",
            "tauri://localhost/index.html",
            "tauri://localhost/index.html#reminders",
            "tauri://localhost/index.html#compose?mode=new",
            "http://tauri.localhost/index.html",
            "https://tauri.localhost/index.html#compose?mode=reply&id=3",
            "about:blank",
            "about:srcdoc",
        ] {
            assert!(allowed(&url(page), None), "{page} is refused");
        }
    }

    #[test]
    fn remote_and_other_pages_are_refused() {
        for page in [
            "https://example.com/",
            "http://example.com/index.html",
            "https://tauri.localhost.example.com/",
            "https://localhost/",
            "tauri://example.com/",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "javascript:alert(1)",
            "blob:https://example.com/1234",
            "about:config",
            "mailto:bob@example.com",
            "http://127.0.0.1:1420/",
        ] {
            assert!(!allowed(&url(page), None), "{page} is allowed");
        }
    }

    #[test]
    fn the_dev_server_loads_only_when_given() {
        let dev = url("http://127.0.0.1:1420");
        assert!(allowed(&url("http://127.0.0.1:1420/"), Some(&dev)));
        assert!(allowed(
            &url("http://127.0.0.1:1420/index.html#reminders"),
            Some(&dev)
        ));
        assert!(!allowed(&url("http://127.0.0.1:1421/"), Some(&dev)));
        assert!(!allowed(&url("https://127.0.0.1:1420/"), Some(&dev)));
        assert!(!allowed(&url("http://localhost:1420/"), Some(&dev)));
        assert!(!allowed(&url("https://example.com/"), Some(&dev)));
    }
}
