//! Automatic replies (Settings Oof, MS-ASCMD 2.2.1.18): answers of a server that keeps a reply
//! per audience, written by hand after MS-ASCMD (`fixtures/oof-per-audience/*.xml`, its README
//! says what they carry), and the recorded answers of the test servers (recorded by
//! `tests/live/tests/core_auto_replies.rs`): the test SOGo, which keeps one text
//! (`fixtures/sogo-vacation/`), a SOGo with its vacation feature off (`fixtures/sogo/`) and the
//! test Z-Push (`fixtures/zpush/`), which keep none.

use std::path::PathBuf;

use kontor_eas::EasError;
use kontor_eas::settings::{self, OofReply, OofState};
use kontor_wbxml::pages::settings as st;
use kontor_wbxml::{Document, Element, Tag, decode, encode};
use quick_xml::events::Event;

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// Reads XML in the renderer's form (`<Namespace:Element>`) into a tree; whitespace between
/// elements is dropped, a leaf's text kept as is (character references included).
fn xml(text: &str) -> Element {
    let mut r = quick_xml::Reader::from_str(text);
    let tag = |name: &str| {
        let (ns, local) = name.split_once(':').expect("prefixed element");
        Tag::from_names(ns, local).unwrap_or_else(|| panic!("unknown element {name}"))
    };
    let mut stack: Vec<(Element, String)> = vec![(Element::new(Tag::new(0, 0x05)), String::new())];
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => stack.push((Element::new(tag(e.name().as_ref())), String::new())),
            Event::Empty(e) => stack
                .last_mut()
                .unwrap()
                .0
                .push(Element::new(tag(e.name().as_ref()))),
            Event::Text(t) => stack.last_mut().unwrap().1.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => {
                let name = g.xml10_content();
                let c = match name.as_ref() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    n => n
                        .strip_prefix('#')
                        .and_then(|d| d.parse::<u32>().ok())
                        .and_then(char::from_u32)
                        .unwrap_or_else(|| panic!("unknown entity {n}")),
                };
                stack.last_mut().unwrap().1.push(c);
            }
            Event::End(_) => {
                let (mut done, text) = stack.pop().unwrap();
                if done.children.is_empty() && !text.trim().is_empty() {
                    done = Element::text(done.tag, text);
                }
                stack.last_mut().unwrap().0.push(done);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let (root, _) = stack.pop().unwrap();
    root.elements().next().cloned().expect("one root element")
}

fn recorded_xml(path: &str) -> Option<Document> {
    let text = std::fs::read_to_string(fixture(path)).expect("fixture");
    Some(decode(encode(&xml(&text)).unwrap()).unwrap())
}

fn recorded_wbxml(path: &str) -> Option<Document> {
    Some(decode(std::fs::read(fixture(path)).expect("fixture")).unwrap())
}

#[test]
fn a_reply_per_audience_is_read_and_the_round_trip_keeps_them() {
    let oof =
        settings::parse_oof_get(recorded_xml("oof-per-audience/settings-oof-get.xml")).unwrap();
    assert_eq!(oof.state, OofState::Disabled);
    assert_eq!(oof.start_time.as_deref(), Some("2026-12-21T07:00:00.000Z"));
    assert_eq!(oof.end_time.as_deref(), Some("2027-01-04T07:00:00.000Z"));
    // CR LF line ends and the blank lines around the text are gone.
    let reply = |t: &str| OofReply {
        enabled: true,
        message: Some(t.into()),
    };
    assert_eq!(
        oof.internal,
        reply("Ab dem 4. Januar bin ich wieder im Büro.")
    );
    assert_eq!(
        oof.external_known,
        reply("Back in the office on 4 January.")
    );
    assert_eq!(
        oof.external_unknown,
        reply("Back in the office on 4 January.")
    );

    // Turned on for a range with the texts changed: the Set carries each audience's own.
    let mut change = oof.clone();
    change.state = OofState::TimeBased;
    change.internal.message = Some("Bis Montag im Urlaub.\nVertretung: Bob".into());
    change.external_known.enabled = false;
    change.external_unknown.message = Some("Out of office until Monday.".into());
    let set = decode(encode(&settings::oof_set_request(&change)).unwrap()).unwrap();
    let s = set.root().path(&[st::Oof, st::Set]).unwrap();
    assert_eq!(s.child_text(st::OofState).as_deref(), Some("2"));
    assert_eq!(
        s.child_text(st::StartTime).as_deref(),
        Some("2026-12-21T07:00:00.000Z")
    );
    assert_eq!(
        s.child_text(st::EndTime).as_deref(),
        Some("2027-01-04T07:00:00.000Z")
    );
    let messages: Vec<_> = s.children_with(st::OofMessage).collect();
    assert_eq!(messages.len(), 3);
    let of = |audience| {
        let m = messages
            .iter()
            .find(|m| m.child(audience).is_some())
            .expect("audience sent");
        (
            m.child_text(st::Enabled).map(|t| t.into_owned()),
            m.child_text(st::ReplyMessage).map(|t| t.into_owned()),
            m.child_text(st::BodyType).map(|t| t.into_owned()),
        )
    };
    assert_eq!(
        of(st::AppliesToInternal),
        (
            Some("1".into()),
            Some("Bis Montag im Urlaub.\nVertretung: Bob".into()),
            Some("Text".into())
        )
    );
    assert_eq!(of(st::AppliesToExternalKnown).0.as_deref(), Some("0"));
    assert_eq!(
        of(st::AppliesToExternalUnknown).1.as_deref(),
        Some("Out of office until Monday.")
    );
    // The answer to the Set.
    settings::parse_oof_set(recorded_xml("oof-per-audience/settings-oof-set.xml")).unwrap();
}

#[test]
fn zpush_without_an_oof_backend_is_not_offered_and_refuses_a_set() {
    let err = settings::parse_oof_get(recorded_wbxml("zpush/settings-oof-get.wbxml")).unwrap_err();
    assert!(matches!(err, EasError::NotSupported { .. }), "{err:?}");
    let err = settings::parse_oof_set(recorded_wbxml("zpush/settings-oof-set.wbxml")).unwrap_err();
    assert!(matches!(err, EasError::Status { status: 2, .. }), "{err:?}");
}

/// The test SOGo (vacation on) kept what a Set sent: one text, for senders inside; its
/// placeholder times (1970-01-01) read as none.
#[test]
fn sogo_with_its_vacation_on_keeps_one_text() {
    settings::parse_oof_set(recorded_wbxml("sogo-vacation/settings-oof-set.wbxml")).unwrap();
    let on =
        settings::parse_oof_get(recorded_wbxml("sogo-vacation/settings-oof-get-on.wbxml")).unwrap();
    assert_eq!(on.state, OofState::Global);
    assert!(on.internal.enabled);
    assert!(
        on.internal
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("Bin bis Montag nicht im Haus")),
        "{on:?}"
    );
    assert!(!on.external_known.enabled && !on.external_unknown.enabled);
    assert_eq!((on.start_time, on.end_time), (None, None));
    let off = settings::parse_oof_get(recorded_wbxml("sogo-vacation/settings-oof-get-off.wbxml"))
        .unwrap();
    assert_eq!(off.state, OofState::Disabled);
}

/// SOGo's first answer for a user who never set any (as seen on the wire; copied from the test
/// output of `core_auto_replies`): the missing text is "(null)", which reads as none.
#[test]
fn sogos_null_text_is_no_text() {
    let answer = "<Settings:Settings><Settings:Status>1</Settings:Status><Settings:Oof>\
        <Settings:Status>1</Settings:Status><Settings:Get><Settings:OofState>0</Settings:OofState>\
        <Settings:StartTime>1970-01-01T00:00:00.000Z</Settings:StartTime>\
        <Settings:EndTime>1970-01-01T00:00:00.000Z</Settings:EndTime><Settings:OofMessage>\
        <Settings:AppliesToInternal/><Settings:Enabled>0</Settings:Enabled>\
        <Settings:ReplyMessage>(null)</Settings:ReplyMessage><Settings:BodyType>TEXT</Settings:BodyType>\
        </Settings:OofMessage></Settings:Get></Settings:Oof></Settings:Settings>";
    let doc = Some(decode(encode(&xml(answer)).unwrap()).unwrap());
    let oof = settings::parse_oof_get(doc).unwrap();
    assert_eq!(oof.state, OofState::Disabled);
    assert_eq!(oof.internal.message, None, "{oof:?}");
    assert_eq!((oof.start_time, oof.end_time), (None, None));
}

/// A SOGo with its vacation feature off answers without an Oof element.
#[test]
fn sogo_is_not_offered() {
    let err = settings::parse_oof_get(recorded_wbxml("sogo/settings-oof-get.wbxml")).unwrap_err();
    assert!(matches!(err, EasError::NotSupported { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "The server does not support out-of-office settings."
    );
}
