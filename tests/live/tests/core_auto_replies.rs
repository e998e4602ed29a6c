//! Automatic replies (out of office, Settings Oof, MS-ASCMD 2.2.1.18) against both test servers:
//! what each answers to Oof Get and Set on the wire, and what the app API makes of it.
//!
//! The test SOGo keeps them (its vacation feature is on): set through one session, read by
//! another, through the wire and through the app API. The test Z-Push (combined
//! IMAP/CalDAV/CardDAV backend) keeps none: it answers Get with `OofState` 0 and no
//! `OofMessage`, and Set with Oof Status 2; that must reach the user as "not offered", and a Set
//! must never look done. (A SOGo with its vacation feature off answers Settings with a bare
//! Status 1 and no Oof element: `crates/eas/tests/fixtures/sogo/`; the answers of the test SOGo
//! are in `fixtures/sogo-vacation/`.)
//! With `KONTOR_RECORD_OOF=<dir>` the answers are written there as WBXML fixtures
//! (crates/eas/tests/fixtures/).

use kontor_core::{AutoRepliesChange, AutoReplyMode, ErrorCode, Lang};
use kontor_eas::settings::{self, Oof, OofReply, OofState};
use kontor_eas::{EasClient, EasConfig, EasError};
use kontor_live_tests::zpush::{signed_in, signed_in_at, unique};
use kontor_live_tests::{
    ALICE, BOB, CAROL, SOGO_EAS_URL, ZPUSH_EAS_URL, require_sogo, require_zpush,
};
use kontor_wbxml::Document;

async fn raw_session(url: &str, user: kontor_live_tests::User, device: &str) -> EasClient {
    let cfg = EasConfig::new(url, user.name, user.password, device)
        .unwrap()
        .device_type("KontorTest");
    let mut c = EasClient::new(cfg).unwrap();
    c.negotiate().await.expect("OPTIONS");
    c.provision().await.expect("Provision");
    c
}

/// The answer as the renderer prints it; written as a fixture when asked to.
#[allow(
    clippy::print_stderr,
    reason = "shows each server's answer in the test output"
)]
fn seen(server: &str, name: &str, doc: &Option<Document>) -> String {
    let rendered = doc
        .as_ref()
        .map(|d| d.to_element().render())
        .unwrap_or_else(|| "(empty body)".into());
    eprintln!("{server} {name}:\n{rendered}");
    if let (Ok(dir), Some(d)) = (std::env::var("KONTOR_RECORD_OOF"), doc) {
        let dir = std::path::Path::new(&dir).join(server);
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = kontor_wbxml::encode(&d.to_element()).unwrap();
        std::fs::write(dir.join(format!("{name}.wbxml")), bytes).unwrap();
    }
    rendered
}

fn turn_on(text: &str) -> Oof {
    let reply = OofReply {
        enabled: true,
        message: Some(text.into()),
    };
    Oof {
        state: OofState::Global,
        start_time: None,
        end_time: None,
        internal: reply.clone(),
        external_known: reply.clone(),
        external_unknown: reply,
    }
}

#[tokio::test]
async fn zpush_answers_oof_get_as_off_without_replies_and_refuses_set() {
    require_zpush();
    let mut c = raw_session(ZPUSH_EAS_URL, ALICE, "KontorLiveOof1").await;
    let get = c
        .post("Settings", &settings::oof_get_request(), &[])
        .await
        .expect("Settings Oof Get");
    let text = seen("zpush", "settings-oof-get", &get);
    assert!(
        text.contains("<Settings:OofState>0</Settings:OofState>"),
        "{text}"
    );
    assert!(!text.contains("OofMessage"), "{text}");
    let err = settings::parse_oof_get(get).expect_err("no replies kept: not offered");
    assert!(matches!(err, EasError::NotSupported { .. }), "{err:?}");

    let set = c
        .post(
            "Settings",
            &settings::oof_set_request(&turn_on(&unique("away"))),
            &[],
        )
        .await
        .expect("Settings Oof Set");
    let text = seen("zpush", "settings-oof-set", &set);
    let err = settings::parse_oof_set(set).expect_err("Z-Push's backend refuses Set");
    assert!(
        matches!(err, EasError::Status { status: 2, .. }),
        "{err:?} {text}"
    );
    // Nothing was kept.
    let after = c
        .post("Settings", &settings::oof_get_request(), &[])
        .await
        .unwrap();
    assert!(!seen("zpush", "settings-oof-get-after-set", &after).contains("OofMessage"));
}

/// SOGo keeps automatic replies when its vacation feature is on (the test SOGo has
/// `SOGoVacationEnabled`): set on through one ActiveSync session, another session reads them on
/// with the text; set off, they read off. SOGo keeps one text (the internal one) and sends placeholders for
/// what it does not have ("(null)", 1970-01-01), which read as none.
#[tokio::test]
async fn sogo_keeps_automatic_replies_set_over_activesync() {
    require_sogo();
    let mut c = raw_session(SOGO_EAS_URL, BOB, "KontorLiveOof2").await;
    let text = unique("Bin bis Montag nicht im Haus");
    let set = c
        .post("Settings", &settings::oof_set_request(&turn_on(&text)), &[])
        .await
        .expect("Settings Oof Set");
    seen("sogo-vacation", "settings-oof-set", &set);
    settings::parse_oof_set(set).expect("SOGo takes the automatic replies");

    // An independent session reads them.
    let mut other = raw_session(SOGO_EAS_URL, BOB, "KontorLiveOof3").await;
    let get = other
        .post("Settings", &settings::oof_get_request(), &[])
        .await
        .expect("Settings Oof Get");
    seen("sogo-vacation", "settings-oof-get-on", &get);
    let oof = settings::parse_oof_get(get).expect("SOGo answers Oof");
    assert_eq!(oof.state, OofState::Global, "{oof:?}");
    assert!(oof.internal.enabled, "{oof:?}");
    assert_eq!(
        oof.internal.message.as_deref(),
        Some(text.as_str()),
        "{oof:?}"
    );
    assert_eq!(
        (oof.start_time.as_deref(), oof.end_time.as_deref()),
        (None, None)
    );

    // SOGo 5.8 keeps them in the user's settings only: its ActiveSync does not write the Sieve
    // vacation script that answers mail (its web interface does; docs/server-quirks.md), and
    // the test servers have no Sieve, so no reply to mail is tested.

    // Off again.
    let mut off = turn_on(&text);
    off.state = OofState::Disabled;
    off.internal.enabled = false;
    off.external_known.enabled = false;
    off.external_unknown.enabled = false;
    let set = c
        .post("Settings", &settings::oof_set_request(&off), &[])
        .await
        .expect("Settings Oof Set off");
    settings::parse_oof_set(set).expect("SOGo turns them off");
    let get = other
        .post("Settings", &settings::oof_get_request(), &[])
        .await
        .expect("Settings Oof Get");
    seen("sogo-vacation", "settings-oof-get-off", &get);
    let oof = settings::parse_oof_get(get).expect("SOGo answers Oof");
    assert_eq!(oof.state, OofState::Disabled, "{oof:?}");
}

/// What the window gets: not supported, with the reason in the user's language, the dialog
/// read-only; a change is refused plainly and nothing is remembered as on.
async fn app_reports_not_offered(app: &kontor_core::Kontor) {
    let got = app.auto_replies(Lang::En).await.expect("auto_replies");
    assert!(!got.supported, "{got:?}");
    assert_eq!(got.mode, AutoReplyMode::Off);
    let reason = got.reason.clone().expect("a reason");
    assert!(
        reason.contains("does not offer automatic replies"),
        "{reason}"
    );
    let de = app.auto_replies(Lang::De).await.unwrap();
    assert!(
        de.reason
            .as_deref()
            .unwrap()
            .contains("keine automatischen Antworten"),
        "{de:?}"
    );

    let err = app
        .set_auto_replies(
            AutoRepliesChange {
                mode: AutoReplyMode::On,
                start: None,
                end: None,
                internal: unique("away"),
                external: String::new(),
            },
            Lang::En,
        )
        .await
        .expect_err("not offered: the change is refused");
    assert_eq!(err.code(), ErrorCode::ServerError, "{err:?}");
    assert!(
        err.message(Lang::En)
            .contains("does not offer automatic replies"),
        "{}",
        err.message(Lang::En)
    );
    let known = app.known_auto_replies(Lang::En).await.unwrap();
    assert!(
        !known.supported && known.mode == AutoReplyMode::Off,
        "{known:?}"
    );
}

#[tokio::test]
async fn the_app_says_zpush_does_not_offer_automatic_replies() {
    let (_dir, app, _account) = signed_in(ALICE).await;
    app_reports_not_offered(&app).await;
}

/// The app API against SOGo: on with a text for colleagues and one for outside senders; what
/// comes back is what SOGo keeps (one text: the outside one is not kept, and the result says
/// so by its empty `external`); an independent session reads them on; the banner's state is
/// on; a time range from tomorrow is kept as it was set and not active yet; off again reads off
/// everywhere.
#[tokio::test]
async fn the_app_turns_automatic_replies_on_and_off_on_sogo() {
    require_sogo();
    let (_dir, app, _account) = signed_in_at(SOGO_EAS_URL, CAROL).await;
    let before = app.auto_replies(Lang::En).await.expect("auto_replies");
    assert!(before.supported && before.reason.is_none(), "{before:?}");
    let text = unique("Bis Freitag im Urlaub");
    let on = app
        .set_auto_replies(
            AutoRepliesChange {
                mode: AutoReplyMode::On,
                start: None,
                end: None,
                internal: text.clone(),
                external: "Out of the office until Friday.".into(),
            },
            Lang::En,
        )
        .await
        .expect("set on");
    assert!(on.supported && on.active, "{on:?}");
    assert_eq!(on.mode, AutoReplyMode::On);
    assert_eq!(on.internal, text);
    assert_eq!(on.external, "", "SOGo keeps one text only: {on:?}");
    let banner = app.known_auto_replies(Lang::En).await.unwrap();
    assert!(banner.active, "{banner:?}");

    let mut other = raw_session(SOGO_EAS_URL, CAROL, "KontorLiveOof4").await;
    let get = other
        .post("Settings", &settings::oof_get_request(), &[])
        .await
        .expect("Settings Oof Get");
    let oof = settings::parse_oof_get(get).expect("SOGo answers Oof");
    assert_eq!(oof.state, OofState::Global, "{oof:?}");
    assert_eq!(oof.internal.message.as_deref(), Some(text.as_str()));

    // A time range: what SOGo makes of it.
    let from = chrono::Utc::now().timestamp() / 60 * 60 + 86_400;
    let scheduled = app
        .set_auto_replies(
            AutoRepliesChange {
                mode: AutoReplyMode::Scheduled,
                start: Some(from),
                end: Some(from + 3 * 86_400),
                internal: text.clone(),
                external: String::new(),
            },
            Lang::En,
        )
        .await
        .expect("set scheduled");
    assert_eq!(scheduled.mode, AutoReplyMode::Scheduled, "{scheduled:?}");
    assert_eq!(
        (scheduled.start, scheduled.end),
        (Some(from), Some(from + 3 * 86_400)),
        "SOGo keeps the time range: {scheduled:?}"
    );
    assert!(!scheduled.active, "starts tomorrow: {scheduled:?}");

    let off = app
        .set_auto_replies(
            AutoRepliesChange {
                mode: AutoReplyMode::Off,
                start: None,
                end: None,
                internal: text.clone(),
                external: String::new(),
            },
            Lang::En,
        )
        .await
        .expect("set off");
    assert!(!off.active && off.mode == AutoReplyMode::Off, "{off:?}");
    assert!(!app.known_auto_replies(Lang::En).await.unwrap().active);
    let get = other
        .post("Settings", &settings::oof_get_request(), &[])
        .await
        .expect("Settings Oof Get");
    let oof = settings::parse_oof_get(get).expect("SOGo answers Oof");
    assert_eq!(oof.state, OofState::Disabled, "{oof:?}");
}
