//! Automatic replies (out of office, Settings Oof, MS-ASCMD 2.2.1.18) against both test servers:
//! what each answers to Oof Get and Set on the wire, and what the app API makes of it.
//!
//! Neither test server keeps automatic replies (docs/server-quirks.md): SOGo's ActiveSync
//! answers Settings with a bare Status 1 and no Oof element, and the test Z-Push (combined
//! IMAP/CalDAV/CardDAV backend) answers Get with `OofState` 0 and no `OofMessage`, and Set with
//! Oof Status 2. Both must reach the user as "not offered", and a Set must never look done.
//! With `KONTOR_RECORD_OOF=<dir>` the answers are written there as WBXML fixtures
//! (crates/eas/tests/fixtures/).

use kontor_core::{AutoRepliesChange, AutoReplyMode, ErrorCode, Lang};
use kontor_eas::settings::{self, Oof, OofReply, OofState};
use kontor_eas::{EasClient, EasConfig, EasError};
use kontor_live_tests::zpush::{signed_in, signed_in_at, unique};
use kontor_live_tests::{ALICE, BOB, SOGO_EAS_URL, ZPUSH_EAS_URL, require_sogo, require_zpush};
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

#[tokio::test]
async fn sogo_answers_oof_get_and_set_without_an_oof_element() {
    require_sogo();
    let mut c = raw_session(SOGO_EAS_URL, BOB, "KontorLiveOof2").await;
    let get = c
        .post("Settings", &settings::oof_get_request(), &[])
        .await
        .expect("Settings Oof Get");
    let text = seen("sogo", "settings-oof-get", &get);
    assert!(!text.contains("Oof"), "{text}");
    let err = settings::parse_oof_get(get).expect_err("SOGo has no Oof over EAS");
    assert!(matches!(err, EasError::NotSupported { .. }), "{err:?}");

    let set = c
        .post(
            "Settings",
            &settings::oof_set_request(&turn_on(&unique("away"))),
            &[],
        )
        .await
        .expect("Settings Oof Set");
    let text = seen("sogo", "settings-oof-set", &set);
    assert!(!text.contains("Oof"), "{text}");
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

#[tokio::test]
async fn the_app_says_sogo_does_not_offer_automatic_replies() {
    require_sogo();
    let (_dir, app, _account) = signed_in_at(SOGO_EAS_URL, BOB).await;
    app_reports_not_offered(&app).await;
}
