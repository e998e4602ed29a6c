//! Response parsers over hand-assembled answers (element shapes from MS-ASCMD), covering the
//! status values that change what a caller does.

use kontor_eas::compose::{self, to_crlf};
use kontor_eas::ping::{self, Outcome};
use kontor_eas::{EasError, estimate, item_operations, move_items, search};
use kontor_wbxml::pages::{
    airsyncbase as asb, composemail as cm, gal, getitemestimate as gie, itemoperations as io,
    moveitems as mv, ping as p, search as se,
};
use kontor_wbxml::{Document, Element, decode, encode};

fn doc(e: Element) -> Option<Document> {
    Some(decode(encode(&e).unwrap()).unwrap())
}

fn ping_answer(status: u8, extra: Option<Element>) -> Option<Document> {
    doc(Element::new(p::Ping)
        .with(Element::text(p::Status, status.to_string()))
        .with_opt(extra))
}

#[test]
fn ping_statuses() {
    assert_eq!(
        ping::parse(ping_answer(1, None)).unwrap(),
        Outcome::NoChanges
    );
    let folders = Element::new(p::Folders)
        .with(Element::text(p::Folder, "38"))
        .with(Element::text(p::Folder, "39"));
    assert_eq!(
        ping::parse(ping_answer(2, Some(folders))).unwrap(),
        Outcome::Changed(vec!["38".into(), "39".into()])
    );
    assert_eq!(
        ping::parse(ping_answer(3, None)).unwrap(),
        Outcome::ParametersRequired
    );
    assert_eq!(
        ping::parse(ping_answer(
            5,
            Some(Element::text(p::HeartbeatInterval, "480"))
        ))
        .unwrap(),
        Outcome::HeartbeatOutOfRange { allowed: 480 }
    );
    assert_eq!(
        ping::parse(ping_answer(6, Some(Element::text(p::MaxFolders, "50")))).unwrap(),
        Outcome::TooManyFolders { max: 50 }
    );
    assert!(matches!(
        ping::parse(ping_answer(7, None)),
        Err(EasError::FolderHierarchyChanged)
    ));
    assert!(matches!(
        ping::parse(ping_answer(8, None)),
        Err(EasError::ServerBusy { .. })
    ));
    assert!(matches!(
        ping::parse(ping_answer(142, None)),
        Err(EasError::ProvisionRequired)
    ));
    // Heartbeat is clamped to the range servers accept.
    let req = decode(encode(&ping::request(5, &[])).unwrap()).unwrap();
    assert_eq!(
        req.root().child_text(p::HeartbeatInterval).as_deref(),
        Some("60")
    );
}

#[test]
fn move_items_statuses() {
    let answer = doc(Element::new(mv::MoveItems)
        .with(
            Element::new(mv::Response)
                .with(Element::text(mv::SrcMsgId, "5"))
                .with(Element::text(mv::Status, "3"))
                .with(Element::text(mv::DstMsgId, "17")),
        )
        .with(
            Element::new(mv::Response)
                .with(Element::text(mv::SrcMsgId, "6"))
                .with(Element::text(mv::Status, "1")),
        ));
    let r = move_items::parse(answer).unwrap();
    assert_eq!(r[0].status, move_items::Status::Success);
    assert_eq!(r[0].dst_msg_id.as_deref(), Some("17"));
    assert!(matches!(
        r[1].status.into_result(),
        Err(EasError::ItemNotFound)
    ));
}

#[test]
fn attachment_inline_base64_and_item_status() {
    let answer = decode(
        encode(
            &Element::new(io::ItemOperations)
                .with(Element::text(io::Status, "1"))
                .with(
                    Element::new(io::Response).with(
                        Element::new(io::Fetch)
                            .with(Element::text(io::Status, "1"))
                            .with(Element::text(asb::FileReference, "mail%2FINBOX/3/2"))
                            .with(
                                Element::new(io::Properties)
                                    .with(Element::text(asb::ContentType, "text/plain"))
                                    .with(Element::text(io::Data, "SGFsbG8g\r\nV2VsdA==")),
                            ),
                    ),
                ),
        )
        .unwrap(),
    )
    .unwrap();
    let info = item_operations::parse_attachment(&answer).unwrap();
    assert_eq!(info.inline_data.as_deref(), Some(&b"Hallo Welt"[..]));
    assert_eq!(info.content_type.as_deref(), Some("text/plain"));

    let missing = decode(
        encode(
            &Element::new(io::ItemOperations)
                .with(Element::text(io::Status, "1"))
                .with(
                    Element::new(io::Response)
                        .with(Element::new(io::Fetch).with(Element::text(io::Status, "6"))),
                ),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(matches!(
        item_operations::parse_attachment(&missing),
        Err(EasError::ItemNotFound)
    ));
}

#[test]
fn compose_status_and_crlf() {
    assert!(compose::parse("SendMail", None).is_ok());
    let failed = doc(Element::new(cm::SendMail).with(Element::text(cm::Status, "120")));
    let err = compose::parse("SendMail", failed).unwrap_err();
    assert!(err.to_string().contains("mail submission failed"), "{err}");
    assert_eq!(to_crlf(b"a\nb\r\nc\rd\n"), b"a\r\nb\r\nc\r\nd\r\n");
    // The request carries the MIME as opaque data, already CRLF.
    let req = compose::request(
        &compose::Compose::SendMail,
        "c1",
        b"Subject: x\n\nhi\n",
        true,
        false,
    );
    let d = decode(encode(&req).unwrap()).unwrap();
    assert_eq!(
        d.root().child(cm::Mime).and_then(|m| m.bytes()).as_deref(),
        Some(&b"Subject: x\r\n\r\nhi\r\n"[..])
    );
    assert!(d.root().child(cm::SaveInSentItems).is_some());
}

#[test]
fn gal_results_and_statuses() {
    let answer = doc(Element::new(se::Search)
        .with(Element::text(se::Status, "1"))
        .with(
            Element::new(se::Response).with(
                Element::new(se::Store)
                    .with(Element::text(se::Status, "1"))
                    .with(
                        Element::new(se::Result).with(
                            Element::new(se::Properties)
                                .with(Element::text(gal::DisplayName, "Bob Baker"))
                                .with(Element::text(gal::Phone, "+49 30 1234567-12"))
                                .with(Element::text(gal::Office, "Buchhaltung"))
                                .with(Element::text(gal::Title, "Buchhalter"))
                                .with(Element::text(gal::Company, "Kontor Test GmbH"))
                                .with(Element::text(gal::HomePhone, "+49 30 555"))
                                .with(Element::text(gal::MobilePhone, "+49 170 555"))
                                .with(Element::text(gal::EmailAddress, "bob@kontor.test")),
                        ),
                    )
                    .with(Element::text(se::Range, "0-0"))
                    .with(Element::text(se::Total, "1")),
            ),
        ));
    let r = search::parse_gal(answer).unwrap();
    assert_eq!(r.items[0].display_name.as_deref(), Some("Bob Baker"));
    let bob = &r.items[0];
    assert_eq!(bob.phone.as_deref(), Some("+49 30 1234567-12"));
    assert_eq!(bob.office.as_deref(), Some("Buchhaltung"));
    assert_eq!(bob.title.as_deref(), Some("Buchhalter"));
    assert_eq!(bob.company.as_deref(), Some("Kontor Test GmbH"));
    assert_eq!(bob.home_phone.as_deref(), Some("+49 30 555"));
    assert_eq!(bob.mobile_phone.as_deref(), Some("+49 170 555"));
    assert_eq!(r.total, Some(1));
    let too_complex = doc(Element::new(se::Search)
        .with(Element::text(se::Status, "1"))
        .with(
            Element::new(se::Response)
                .with(Element::new(se::Store).with(Element::text(se::Status, "8"))),
        ));
    assert!(
        search::parse_gal(too_complex)
            .unwrap_err()
            .to_string()
            .contains("query too complex")
    );
}

#[test]
fn estimate_statuses() {
    let ok = doc(Element::new(gie::GetItemEstimate).with(
        Element::new(gie::Response)
            .with(Element::text(gie::Status, "1"))
            .with(
                Element::new(gie::Collection)
                    .with(Element::text(gie::CollectionId, "38"))
                    .with(Element::text(gie::Estimate, "42")),
            ),
    ));
    assert_eq!(estimate::parse(ok).unwrap(), vec![("38".to_string(), 42)]);
    let not_primed = doc(Element::new(gie::GetItemEstimate)
        .with(Element::new(gie::Response).with(Element::text(gie::Status, "3"))));
    assert!(matches!(
        estimate::parse(not_primed),
        Err(EasError::InvalidSyncKey)
    ));
}
