//! Z-Push behaviours over hand-assembled answers (built from the MS-ASCMD schemas as Z-Push
//! sends them): HTTP 449 and Status 142 two-phase provisioning with retry, remote wipe, the
//! repeated-SyncKey and window-shrink-to-one loop detection, partial batches, Oof.
//!
//! The HTTP tests replay the answers from a scripted loopback server and check every request
//! the client sent (query, policy key header, body). The same server scripts the HTTP-level
//! answers Exchange and Z-Push give: 451 with `X-MS-Location` (MS-ASHTTP 3.2.5.1), 503 with
//! `Retry-After`, 401 and 403.

use kontor_eas::folder_sync::{self, Change};
use kontor_eas::provision::PolicyStatus;
use kontor_eas::settings::{self, OofState};
use kontor_eas::sync::{self, CollectionRequest, LoopGuard};
use kontor_eas::{EasClient, EasConfig, EasError};
use kontor_wbxml::pages::{airsync as a, folderhierarchy as fh, provision as pv, settings as st};
use kontor_wbxml::{Element, decode, encode};

mod scripted;
use scripted::{scripted, scripted_with_headers};

fn client(url: &str) -> EasClient {
    EasClient::new(EasConfig::new(url, "alice", "pw", "ZPushDevice1").unwrap()).unwrap()
}

fn wb(e: Element) -> Vec<u8> {
    encode(&e).unwrap()
}

fn provision_answer(policy_status: u8, key: &str, with_doc: bool) -> Vec<u8> {
    let mut policy = Element::new(pv::Policy)
        .with(Element::text(pv::PolicyType, "MS-EAS-Provisioning-WBXML"))
        .with(Element::text(pv::Status, policy_status.to_string()))
        .with(Element::text(pv::PolicyKey, key));
    if with_doc {
        policy.push(
            Element::new(pv::Data).with(
                Element::new(pv::EASProvisionDoc)
                    .with(Element::text(pv::DevicePasswordEnabled, "0"))
                    .with(Element::text(pv::AllowSimpleDevicePassword, "1"))
                    .with(Element::text(pv::MaxAttachmentSize, "10485760")),
            ),
        );
    }
    wb(Element::new(pv::Provision)
        .with(Element::text(pv::Status, "1"))
        .with(Element::new(pv::Policies).with(policy)))
}

fn folder_sync_answer(status: u8) -> Vec<u8> {
    let mut root = Element::new(fh::FolderSync).with(Element::text(fh::Status, status.to_string()));
    if status == 1 {
        root = root
            .with(Element::text(
                fh::SyncKey,
                "{c0ffee00-0000-4000-8000-000000000001}1",
            ))
            .with(
                Element::new(fh::Changes)
                    .with(Element::text(fh::Count, "1"))
                    .with(
                        Element::new(fh::Add)
                            .with(Element::text(fh::ServerId, "38"))
                            .with(Element::text(fh::ParentId, "0"))
                            .with(Element::text(fh::DisplayName, "Posteingang"))
                            .with(Element::text(fh::Type, "2")),
                    ),
            );
    }
    wb(root)
}

fn sent_policy_ack(body: &[u8]) -> Option<(String, String)> {
    let doc = decode(body.to_vec()).ok()?;
    let p = doc.root().path(&[pv::Policies, pv::Policy])?;
    Some((
        p.child_text(pv::PolicyKey)?.into_owned(),
        p.child_text(pv::Status)?.into_owned(),
    ))
}

#[tokio::test]
async fn http_449_provisions_in_two_phases_and_retries() {
    let (url, seen) = scripted(vec![
        (449, Vec::new()),
        (200, provision_answer(1, "1307199584", true)),
        (200, provision_answer(1, "3942919513", false)),
        (200, folder_sync_answer(1)),
    ])
    .await;
    let mut c = client(&url);
    let h = c
        .folder_sync("0")
        .await
        .expect("FolderSync after provisioning");
    assert_eq!(h.sync_key, "{c0ffee00-0000-4000-8000-000000000001}1");
    assert!(matches!(&h.changes[..], [Change::Add(f)] if f.display_name == "Posteingang"));
    assert_eq!(c.policy_key(), "3942919513");
    // The policy's limits stay readable for the app (the compose window's attachment limit).
    let settings = c.policy_settings().expect("the policy of the Provision");
    assert_eq!(
        kontor_eas::provision::max_attachment_size(&settings),
        Some(10_485_760)
    );

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    for s in &seen {
        assert!(
            s.target.contains("User=alice")
                && s.target.contains("DeviceId=ZPushDevice1")
                && s.target.contains("DeviceType=")
        );
    }
    assert!(seen[0].target.contains("Cmd=FolderSync"));
    assert!(seen[1].target.contains("Cmd=Provision") && seen[2].target.contains("Cmd=Provision"));
    assert_eq!(seen[1].policy_key.as_deref(), Some("0"));
    // Phase two acknowledges the temporary key with Status 1.
    assert_eq!(
        sent_policy_ack(&seen[2].body),
        Some(("1307199584".into(), "1".into()))
    );
    // The retried command carries the final key.
    assert_eq!(seen[3].policy_key.as_deref(), Some("3942919513"));
}

#[tokio::test]
async fn status_142_in_a_command_answer_reprovisions_once() {
    let (url, seen) = scripted(vec![
        (200, folder_sync_answer(142)),
        (200, provision_answer(1, "11", true)),
        (200, provision_answer(1, "22", false)),
        (200, folder_sync_answer(1)),
    ])
    .await;
    let mut c = client(&url);
    c.folder_sync("0").await.expect("FolderSync");
    assert_eq!(c.policy_key(), "22");
    assert_eq!(seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn provisioning_that_keeps_failing_does_not_loop() {
    let (url, seen) = scripted(vec![
        (449, Vec::new()),
        (200, provision_answer(1, "1", true)),
        (200, provision_answer(1, "2", false)),
        (449, Vec::new()),
    ])
    .await;
    let mut c = client(&url);
    let err = c.folder_sync("0").await.expect_err("still 449");
    assert!(matches!(err, EasError::ProvisionRequired), "{err:?}");
    assert_eq!(
        seen.lock().unwrap().len(),
        4,
        "exactly one provision + retry"
    );
}

#[tokio::test]
async fn remote_wipe_is_surfaced_not_acknowledged() {
    let wipe = wb(Element::new(pv::Provision)
        .with(Element::text(pv::Status, "1"))
        .with(Element::new(pv::RemoteWipe)));
    let (url, seen) = scripted(vec![(200, wipe)]).await;
    let mut c = client(&url);
    let err = c.provision().await.expect_err("wipe");
    assert!(matches!(err, EasError::RemoteWipeRequested), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn sogo_style_no_policy_is_accepted() {
    let no_policy = wb(Element::new(pv::Provision)
        .with(Element::text(pv::Status, "1"))
        .with(
            Element::new(pv::Policies).with(
                Element::new(pv::Policy)
                    .with(Element::text(pv::PolicyType, "MS-EAS-Provisioning-WBXML"))
                    .with(Element::text(pv::Status, "2")),
            ),
        ));
    let (url, seen) = scripted(vec![(200, no_policy)]).await;
    let mut c = client(&url);
    let out = c.provision().await.expect("no policy is fine");
    assert_eq!(out.policy_status, PolicyStatus::NoPolicy);
    assert_eq!(c.policy_key(), "0");
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "no phase two without a policy"
    );
}

fn sync_answer(key: &str, more: bool, adds: &[&str]) -> sync::CollectionResponse {
    let mut col = Element::new(a::Collection)
        .with(Element::text(a::SyncKey, key))
        .with(Element::text(a::CollectionId, "38"))
        .with(Element::text(a::Status, "1"));
    if more {
        col.push(Element::new(a::MoreAvailable));
    }
    if !adds.is_empty() {
        let mut cmds = Element::new(a::Commands);
        for id in adds {
            cmds.push(
                Element::new(a::Add)
                    .with(Element::text(a::ServerId, *id))
                    .with(
                        Element::new(a::ApplicationData)
                            .with(Element::text(kontor_wbxml::pages::email::Subject, "x")),
                    ),
            );
        }
        col.push(cmds);
    }
    let bytes = wb(Element::new(a::Sync).with(Element::new(a::Collections).with(col)));
    sync::parse(Some(decode(bytes).unwrap()))
        .unwrap()
        .collections
        .remove(0)
}

#[test]
fn window_shrink_to_one_on_the_same_item_is_reported_with_the_item() {
    // Z-Push's loop detection: after a repeated key it sends one item per window; when that
    // item keeps coming the client must stop and name it.
    let mut g = LoopGuard::new("38");
    let mut key = "{u}5".to_string();
    let mut result = Ok(());
    for round in 6..20 {
        let next = format!("{{u}}{round}");
        result = g.observe(&key, &sync_answer(&next, true, &["38:4711"]));
        if result.is_err() {
            break;
        }
        key = next;
    }
    match result {
        Err(EasError::SyncLoop {
            collection, item, ..
        }) => {
            assert_eq!(collection, "38");
            assert_eq!(item.as_deref(), Some("38:4711"));
        }
        other => panic!("expected SyncLoop, got {other:?}"),
    }
}

#[test]
fn repeated_sync_key_without_progress_is_reported() {
    let mut g = LoopGuard::new("38");
    assert!(g.observe("{u}7", &sync_answer("{u}7", true, &[])).is_ok());
    assert!(g.observe("{u}7", &sync_answer("{u}7", true, &[])).is_ok());
    let err = g
        .observe("{u}7", &sync_answer("{u}7", true, &[]))
        .unwrap_err();
    assert!(
        matches!(err, EasError::SyncLoop { item: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("endless loop"), "{err}");
}

#[test]
fn partial_batches_with_progress_are_not_a_loop() {
    // Z-Push may send fewer items than WindowSize with MoreAvailable; as long as the items
    // change, that is progress.
    let mut g = LoopGuard::new("38");
    let mut key = "{u}1".to_string();
    for round in 2..200 {
        let next = format!("{{u}}{round}");
        let id = format!("38:{round}");
        g.observe(&key, &sync_answer(&next, true, &[id.as_str()]))
            .expect("progress is not a loop");
        key = next;
    }
}

#[test]
fn sync_request_orders_elements_as_the_schema_wants() {
    let mut r = CollectionRequest::new("38", "{u}3");
    r.deletes_as_moves = Some(true);
    r.options = Some(sync::SyncOptions {
        filter_type: Some(sync::FilterType::TwoWeeks),
        body_preferences: vec![sync::BodyPreference::new(sync::BodyType::Html)],
        ..Default::default()
    });
    r.commands = vec![sync::ClientCommand::Fetch {
        server_id: "38:1".into(),
    }];
    let doc = decode(wb(sync::request(&[r]))).unwrap();
    let col = doc.root().path(&[a::Collections, a::Collection]).unwrap();
    let order: Vec<String> = col
        .elements()
        .map(|e| e.tag().name().unwrap().to_string())
        .collect();
    assert_eq!(
        order,
        [
            "SyncKey",
            "CollectionId",
            "DeletesAsMoves",
            "GetChanges",
            "WindowSize",
            "Options",
            "Commands"
        ]
    );
    // No GetChanges and no Commands with key 0.
    let doc = decode(wb(sync::request(&[CollectionRequest::new("38", "0")]))).unwrap();
    let col = doc.root().path(&[a::Collections, a::Collection]).unwrap();
    assert!(col.child(a::GetChanges).is_none());
}

#[test]
fn oof_answer_round_trips() {
    // A Z-Push Settings/Oof Get answer.
    let answer = wb(Element::new(st::Settings)
        .with(Element::text(st::Status, "1"))
        .with(
            Element::new(st::Oof)
                .with(Element::text(st::Status, "1"))
                .with(
                    Element::new(st::Get)
                        .with(Element::text(st::OofState, "1"))
                        .with(
                            Element::new(st::OofMessage)
                                .with(Element::new(st::AppliesToInternal))
                                .with(Element::text(st::Enabled, "1"))
                                .with(Element::text(st::ReplyMessage, "Bin im Urlaub"))
                                .with(Element::text(st::BodyType, "Text")),
                        ),
                ),
        ));
    let oof = settings::parse_oof_get(Some(decode(answer).unwrap())).unwrap();
    assert_eq!(oof.state, OofState::Global);
    assert_eq!(oof.internal.message.as_deref(), Some("Bin im Urlaub"));
    assert!(oof.internal.enabled);
    // Kopano keeps one text: the external audiences read as off and empty.
    assert_eq!(oof.external_unknown, settings::OofReply::default());
    // The Set request carries each audience's own reply.
    let set = decode(wb(settings::oof_set_request(&oof))).unwrap();
    let s = set.root().path(&[st::Oof, st::Set]).unwrap();
    assert_eq!(s.child_text(st::OofState).as_deref(), Some("1"));
    assert_eq!(
        s.children_with(st::OofMessage)
            .filter(|m| m.child_text(st::ReplyMessage).as_deref() == Some("Bin im Urlaub"))
            .count(),
        1
    );
    assert_eq!(s.children_with(st::OofMessage).count(), 3);
}

#[test]
fn folder_sync_invalid_key_status() {
    let err = folder_sync::parse(Some(decode(folder_sync_answer(9)).unwrap())).unwrap_err();
    assert!(matches!(err, EasError::InvalidSyncKey));
}

#[tokio::test]
async fn autodiscover_query_posts_the_pox_request_and_reads_the_answer() {
    let answer = br#"<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"><User><DisplayName>Alice</DisplayName><EMailAddress>alice@example.com</EMailAddress></User><Action><Settings><Server><Type>MobileSync</Type><Url>https://mail.example.com/Microsoft-Server-ActiveSync</Url></Server></Settings></Action></Response></Autodiscover>"#;
    let (url, seen) = scripted(vec![(200, answer.to_vec()), (401, Vec::new())]).await;
    let http = kontor_net::client(&kontor_net::ClientOptions::default()).unwrap();
    let ad = url.replace(
        "/Microsoft-Server-ActiveSync",
        "/autodiscover/autodiscover.xml",
    );
    let a = kontor_eas::autodiscover::query(&http, &ad, "alice", "pw", "alice@example.com")
        .await
        .unwrap();
    assert_eq!(
        a,
        kontor_eas::autodiscover::Answer::Settings {
            url: "https://mail.example.com/Microsoft-Server-ActiveSync".into(),
            display_name: Some("Alice".into()),
            email: Some("alice@example.com".into()),
        }
    );
    let body = String::from_utf8(seen.lock().unwrap()[0].body.clone()).unwrap();
    assert!(
        body.contains("<EMailAddress>alice@example.com</EMailAddress>"),
        "{body}"
    );
    let err = kontor_eas::autodiscover::query(&http, &ad, "alice", "bad", "alice@example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, EasError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn http_451_redirects_once_to_x_ms_location() {
    let (new_url, new_seen) = scripted(vec![
        (200, folder_sync_answer(1)),
        (200, folder_sync_answer(1)),
    ])
    .await;
    let (old_url, old_seen) = scripted_with_headers(vec![(
        451,
        vec![("X-MS-Location", new_url.clone())],
        Vec::new(),
    )])
    .await;
    let mut c = client(&old_url);
    let h = c
        .folder_sync("0")
        .await
        .expect("FolderSync after the redirect");
    assert!(matches!(&h.changes[..], [Change::Add(f)] if f.display_name == "Posteingang"));
    // The client keeps the new address (to be saved in the profile) and uses it from now on.
    assert_eq!(c.url(), new_url);
    c.folder_sync("0").await.expect("second FolderSync");
    let old_seen = old_seen.lock().unwrap().clone();
    let new_seen = new_seen.lock().unwrap().clone();
    assert_eq!(old_seen.len(), 1, "the old address is asked once");
    assert_eq!(new_seen.len(), 2);
    // The redirected request is the same command, with the same body.
    assert!(new_seen[0].target.contains("Cmd=FolderSync"));
    assert!(
        new_seen[0]
            .target
            .starts_with("/Microsoft-Server-ActiveSync?")
    );
    assert_eq!(new_seen[0].body, old_seen[0].body);
}

#[tokio::test]
async fn a_second_451_in_one_request_is_an_error_not_a_loop() {
    // Two servers that redirect to each other: the client follows one redirect per request
    // and then reports the 451 instead of bouncing forever.
    let (b_url, b_seen) = scripted_with_headers(vec![(
        451,
        vec![(
            "X-MS-Location",
            "http://127.0.0.1:9/Microsoft-Server-ActiveSync".into(),
        )],
        Vec::new(),
    )])
    .await;
    let (a_url, _) = scripted_with_headers(vec![(
        451,
        vec![("X-MS-Location", b_url.clone())],
        Vec::new(),
    )])
    .await;
    let mut c = client(&a_url);
    let err = c.folder_sync("0").await.expect_err("two redirects");
    assert!(matches!(err, EasError::Http { status: 451, .. }), "{err:?}");
    assert!(err.to_string().contains("451"), "{err}");
    assert_eq!(b_seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn http_451_without_x_ms_location_is_a_plain_error() {
    let (url, seen) = scripted(vec![(451, Vec::new())]).await;
    let err = client(&url).folder_sync("0").await.expect_err("451");
    assert!(matches!(err, EasError::Http { status: 451, .. }), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn http_503_with_retry_after_is_server_busy() {
    let (url, seen) = scripted_with_headers(vec![
        (503, vec![("Retry-After", "120".into())], Vec::new()),
        (503, Vec::new(), Vec::new()),
        (
            503,
            vec![("Retry-After", "Sun, 01 Mar 2026 00:00:00 GMT".into())],
            Vec::new(),
        ),
        (200, Vec::new(), folder_sync_answer(1)),
    ])
    .await;
    let mut c = client(&url);
    let err = c.folder_sync("0").await.expect_err("503");
    match &err {
        EasError::ServerBusy { retry_after } => {
            assert_eq!(*retry_after, Some(std::time::Duration::from_secs(120)))
        }
        other => panic!("expected ServerBusy, got {other:?}"),
    }
    assert!(err.is_transient());
    assert!(err.to_string().contains("120 seconds"), "{err}");
    // Without Retry-After the caller still learns it is busy, and picks its own back-off.
    let err = c.folder_sync("0").await.expect_err("503");
    assert!(
        matches!(err, EasError::ServerBusy { retry_after: None }),
        "{err:?}"
    );
    // The HTTP-date form: a date that has passed means "now".
    let err = c.folder_sync("0").await.expect_err("503");
    assert!(
        matches!(err, EasError::ServerBusy { retry_after: Some(d) } if d.is_zero()),
        "{err:?}"
    );
    // The client does not retry by itself: one request per call, and the next call works.
    c.folder_sync("0").await.expect("after the busy period");
    assert_eq!(seen.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn http_401_and_403_are_clear_errors() {
    let (url, seen) = scripted(vec![(401, Vec::new()), (403, Vec::new())]).await;
    let mut c = client(&url);
    let err = c.folder_sync("0").await.expect_err("401");
    assert!(
        matches!(&err, EasError::Unauthorized { user } if user == "alice"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "The server did not accept the user name or password for alice."
    );
    assert!(!err.is_transient());
    let err = c.folder_sync("0").await.expect_err("403");
    assert!(matches!(err, EasError::Forbidden { .. }), "{err:?}");
    assert!(err.to_string().contains("HTTP 403"), "{err}");
    assert!(!err.is_transient());
    // Neither is retried or answered with provisioning.
    assert_eq!(seen.lock().unwrap().len(), 2);
}
