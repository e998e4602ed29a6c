//! Codec tests: hand-assembled documents, strictness of the encoder, leniency of the decoder,
//! and a property test that encode → decode is the identity on random trees.

use kontor_wbxml::pages::{airsync, airsyncbase, email, folderhierarchy as fh};
use kontor_wbxml::{
    Bytes, DecodeErrorKind, Element, EncodeError, Node, PAGES, Tag, decode, encode,
};
use proptest::prelude::*;

/// A FolderSync response as SOGo sends it, assembled by hand from MS-ASWBXML tokens.
fn folder_sync_response() -> Vec<u8> {
    let mut v = vec![0x03, 0x01, 0x6A, 0x00];
    v.extend([0x00, 0x07]); // SWITCH_PAGE FolderHierarchy
    v.push(0x56); // FolderSync + content
    v.extend([0x4C, 0x03, b'1', 0x00, 0x01]); // Status "1"
    v.extend([0x52, 0x03, b'k', b'1', 0x00, 0x01]); // SyncKey "k1"
    v.push(0x4E); // Changes
    v.extend([0x57, 0x03, b'1', 0x00, 0x01]); // Count 1
    v.push(0x4F); // Add
    v.extend([0x48, 0x03]); // ServerId
    v.extend(b"mail%2FINBOX");
    v.extend([0x00, 0x01]);
    v.extend([0x49, 0x03, b'0', 0x00, 0x01]); // ParentId "0"
    v.extend([0x47, 0x03]);
    v.extend("Posteingang ü".as_bytes());
    v.extend([0x00, 0x01]);
    v.extend([0x4A, 0x03, b'2', 0x00, 0x01]); // Type 2
    v.push(0x01); // </Add>
    v.push(0x01); // </Changes>
    v.push(0x01); // </FolderSync>
    v
}

#[test]
fn decodes_a_folder_sync_response() {
    let doc = decode(folder_sync_response()).expect("decodes");
    assert_eq!(doc.version(), 3);
    assert_eq!(doc.charset(), 106);
    let root = doc.root();
    assert_eq!(root.tag(), fh::FolderSync);
    assert_eq!(root.child_text(fh::Status).as_deref(), Some("1"));
    assert_eq!(root.child_text(fh::SyncKey).as_deref(), Some("k1"));
    let add = root.path(&[fh::Changes, fh::Add]).expect("an Add");
    assert_eq!(
        add.child_text(fh::ServerId).as_deref(),
        Some("mail%2FINBOX")
    );
    assert_eq!(
        add.child_text(fh::DisplayName).as_deref(),
        Some("Posteingang ü")
    );
    assert_eq!(add.child_text(fh::Type).as_deref(), Some("2"));
    assert_eq!(
        doc.render(),
        "<FolderHierarchy:FolderSync>\n  <FolderHierarchy:Status>1</FolderHierarchy:Status>\n  \
         <FolderHierarchy:SyncKey>k1</FolderHierarchy:SyncKey>\n  <FolderHierarchy:Changes>\n    \
         <FolderHierarchy:Count>1</FolderHierarchy:Count>\n    <FolderHierarchy:Add>\n      \
         <FolderHierarchy:ServerId>mail%2FINBOX</FolderHierarchy:ServerId>\n      \
         <FolderHierarchy:ParentId>0</FolderHierarchy:ParentId>\n      \
         <FolderHierarchy:DisplayName>Posteingang ü</FolderHierarchy:DisplayName>\n      \
         <FolderHierarchy:Type>2</FolderHierarchy:Type>\n    </FolderHierarchy:Add>\n  \
         </FolderHierarchy:Changes>\n</FolderHierarchy:FolderSync>\n"
    );
}

#[test]
fn encoder_output_matches_hand_assembled_bytes() {
    let tree = decode(folder_sync_response()).unwrap().to_element();
    assert_eq!(encode(&tree).unwrap(), folder_sync_response());
}

#[test]
fn encoder_switches_pages_and_back() {
    let tree = Element::new(airsync::Sync).with(
        Element::new(airsync::Options)
            .with(
                Element::new(airsyncbase::BodyPreference)
                    .with(Element::text(airsyncbase::Type, "2")),
            )
            .with(Element::text(airsync::FilterType, "3")),
    );
    let bytes = encode(&tree).unwrap();
    assert_eq!(
        bytes,
        [
            0x03, 0x01, 0x6A, 0x00, 0x45, 0x57, 0x00, 0x11, 0x45, 0x46, 0x03, b'2', 0x00, 0x01,
            0x01, 0x00, 0x00, 0x58, 0x03, b'3', 0x00, 0x01, 0x01, 0x01
        ]
    );
    assert_eq!(decode(bytes).unwrap().to_element(), tree);
}

#[test]
fn unknown_tags_and_pages_are_kept_numerically() {
    // <AirSync:Sync><AirSync:0x3e/><page30:0x07>x</page30:0x07></AirSync:Sync>
    let bytes = vec![
        0x03, 0x01, 0x6A, 0x00, 0x45, 0x3E, 0x00, 30, 0x47, 0x03, b'x', 0x00, 0x01, 0x01,
    ];
    let doc = decode(bytes).unwrap();
    let kids: Vec<Tag> = doc.root().elements().map(|e| e.tag()).collect();
    assert_eq!(kids, [Tag::new(0, 0x3E), Tag::new(30, 0x07)]);
    assert_eq!(doc.root().child_text(Tag::new(30, 7)).as_deref(), Some("x"));
    assert_eq!(
        doc.render(),
        "<AirSync:Sync>\n  <AirSync:0x3e/>\n  <page30:0x07>x</page30:0x07>\n</AirSync:Sync>\n"
    );
    // …but the encoder refuses to write them.
    assert_eq!(
        encode(&doc.to_element()),
        Err(EncodeError::UnknownTag(Tag::new(0, 0x3E)))
    );
}

#[test]
fn opaque_data_is_not_copied() {
    let mut bytes = vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x11, 0x4B, 0xC3, 0x81, 0x00];
    bytes.extend((0..128u8).collect::<Vec<_>>());
    bytes.push(0x01);
    let buf = Bytes::from(bytes);
    let doc = decode(buf.clone()).unwrap();
    let data = doc.root().bytes().unwrap();
    assert_eq!(data.len(), 128);
    assert_eq!(
        data.as_ptr(),
        buf[10..].as_ptr(),
        "opaque data must be a slice of the input"
    );
}

#[test]
fn attributes_pi_and_extensions_are_skipped() {
    // Sync with an attribute list (0x85 ATTRSTART, STR_I value, END), then EXT_0 and a PI.
    let bytes = vec![
        0x03, 0x01, 0x6A, 0x00, 0xC5, 0x05, 0x03, b'a', 0x00, 0x01, 0xC0, 0x43, 0x05, 0x01, 0x4B,
        0x03, b'1', 0x00, 0x01, 0x01,
    ];
    let doc = decode(bytes).unwrap();
    assert_eq!(doc.root().tag(), airsync::Sync);
    assert_eq!(
        doc.root().child_text(airsync::SyncKey).as_deref(),
        Some("1")
    );
}

#[test]
fn string_table_entity_and_latin1() {
    // charset 4 (ISO-8859-1), string table "Gr\xfc\0", STR_T 0, ENTITY U+00DF.
    let bytes = vec![
        0x03, 0x01, 0x04, 0x04, b'G', b'r', 0xFC, 0x00, 0x00, 0x02, 0x54, 0x83, 0x00, 0x02, 0x81,
        0x5F, 0x01,
    ];
    let doc = decode(bytes).unwrap();
    assert_eq!(doc.root().tag(), email::Subject);
    assert_eq!(doc.root().text().as_deref(), Some("Grüß"));
}

#[test]
fn malformed_input_gives_errors_not_panics() {
    let cases: &[(&[u8], DecodeErrorKind)] = &[
        (&[], DecodeErrorKind::Empty),
        (&[0x03, 0x01, 0x6A], DecodeErrorKind::Truncated),
        (&[0x03, 0x01, 0x6A, 0x00], DecodeErrorKind::NoRootElement),
        (&[0x03, 0x01, 0x6A, 0x00, 0x45], DecodeErrorKind::Truncated),
        (
            &[0x03, 0x01, 0x6A, 0x00, 0x45, 0x03, b'a'],
            DecodeErrorKind::Truncated,
        ),
        (
            &[0x03, 0x01, 0x6A, 0x00, 0x01],
            DecodeErrorKind::UnbalancedEnd,
        ),
        (
            &[0x03, 0x01, 0x6A, 0x00, 0x03, 0x00],
            DecodeErrorKind::ContentOutsideElement,
        ),
        (
            &[0x03, 0x01, 0x6A, 0x00, 0x45, 0xC3, 0x85, 0x01],
            DecodeErrorKind::Truncated,
        ),
        (
            &[0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
            DecodeErrorKind::IntegerOverflow,
        ),
        (
            &[0x03, 0x01, 0x6A, 0x00, 0x04, 0x00],
            DecodeErrorKind::UnsupportedToken(0x04),
        ),
        (
            &[0x03, 0x01, 0x6A, 0x00, 0x45, 0x83, 0x05, 0x01],
            DecodeErrorKind::BadStringReference(5),
        ),
        (
            &[0x42, 0x01, 0x6A, 0x00, 0x05],
            DecodeErrorKind::UnsupportedVersion(0x42),
        ),
    ];
    for (bytes, kind) in cases {
        let err = decode(bytes.to_vec()).expect_err("must fail");
        assert_eq!(&err.kind, kind, "input {bytes:02x?}");
        assert!(err.to_string().starts_with("invalid WBXML at byte"));
    }
    let mut deep = vec![0x03, 0x01, 0x6A, 0x00];
    deep.extend(std::iter::repeat_n(0x45u8, 300));
    assert_eq!(decode(deep).unwrap_err().kind, DecodeErrorKind::TooDeep);
}

#[test]
fn encoder_refuses_nul_in_text() {
    let tree = Element::text(email::Subject, "a\0b");
    assert_eq!(encode(&tree), Err(EncodeError::NulInText(email::Subject)));
}

#[test]
fn code_pages_are_complete_and_consistent() {
    assert_eq!(PAGES.len(), 26);
    for (i, p) in PAGES.iter().enumerate() {
        assert_eq!(p.number as usize, i);
        assert!(!p.tags.is_empty());
        let mut prev = 4;
        for (tok, name) in p.tags {
            assert!(*tok > prev && *tok <= 0x3F, "{}:{name} token order", p.name);
            prev = *tok;
            let tag = Tag::from_names(p.name, name).unwrap();
            assert_eq!(tag, Tag::new(p.number, *tok));
            assert_eq!(tag.name(), Some(*name));
        }
    }
    assert_eq!(
        Tag::from_names("ComposeMail", "Mime"),
        Some(Tag::new(21, 0x10))
    );
    assert_eq!(
        Tag::from_names("Provision", "AccountOnlyRemoteWipe"),
        Some(Tag::new(14, 0x3B))
    );
    assert_eq!(
        Tag::from_names("Calendar", "ClientUid"),
        Some(Tag::new(4, 0x3C))
    );
    // The 16.1 Find page (MS-ASWBXML 2.1.2.1.26), with its gap after DeepTraversal.
    assert_eq!(Tag::from_names("Find", "Find"), Some(Tag::new(25, 0x05)));
    assert_eq!(
        Tag::from_names("Find", "DeepTraversal"),
        Some(Tag::new(25, 0x0E))
    );
    assert_eq!(
        Tag::from_names("Find", "Response"),
        Some(Tag::new(25, 0x11))
    );
    assert_eq!(Tag::from_names("Find", "Picture"), Some(Tag::new(25, 0x22)));
    assert_eq!(Tag::new(25, 0x0F).name(), None);
}

fn arb_tag() -> impl Strategy<Value = Tag> {
    let all: Vec<Tag> = PAGES
        .iter()
        .flat_map(|p| p.tags.iter().map(move |(t, _)| Tag::new(p.number, *t)))
        .collect();
    proptest::sample::select(all)
}

fn arb_element() -> impl Strategy<Value = Element> {
    let leaf = prop_oneof![
        (arb_tag()).prop_map(Element::new),
        (arb_tag(), "[^\u{0}]{0,20}").prop_map(|(t, s)| Element::text(t, s)),
        (arb_tag(), proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(t, b)| Element::opaque(t, b)),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        (
            arb_tag(),
            proptest::collection::vec(
                prop_oneof![
                    3 => inner.prop_map(Node::Element),
                    1 => "[^\u{0}]{0,10}".prop_map(Node::Text),
                    1 => proptest::collection::vec(any::<u8>(), 0..10).prop_map(|b| Node::Opaque(b.into())),
                ],
                1..6,
            ),
        )
            .prop_map(|(tag, children)| Element { tag, children })
    })
}

proptest! {
    #[test]
    fn encode_then_decode_is_identity(tree in arb_element()) {
        let bytes = encode(&tree).unwrap();
        let doc = decode(bytes).unwrap();
        prop_assert_eq!(doc.to_element(), tree);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut v = vec![0x03, 0x01, 0x6A, 0x00];
        v.extend(bytes);
        if let Ok(doc) = decode(v) {
            let _ = doc.render();
        }
    }
}
