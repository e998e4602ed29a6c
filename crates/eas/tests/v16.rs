//! EAS 16.x: Find (MS-ASCMD 2.2.1.2) and sending drafts through Sync (`email2:Send`,
//! MS-ASEMAIL 2.2.2.69). The test servers offer no 16.x, so requests and answers are checked
//! against XML written by hand in the shape of the MS-ASCMD examples and schemas
//! (FindRequest.xsd / FindResponse.xsd, MS-ASCMD 6.7–6.8), converted to WBXML by a small XML
//! reader here, and over the scripted loopback server for the HTTP side.

use kontor_eas::email::Draft;
use kontor_eas::find::{self, Criterion, FindRequest, PictureOptions};
use kontor_eas::sync::{self, BodyType, ClientCommand, CollectionRequest};
use kontor_eas::{EasClient, EasConfig, EasError, ProtocolVersion};
use kontor_wbxml::{Document, Element, Tag, decode, encode};
use quick_xml::events::Event;

mod scripted;
use scripted::scripted;

/// Reads XML written as the renderer prints it (`<Namespace:Element>`, code-page names as
/// prefixes) into a tree. Whitespace between elements is ignored; a leaf's text is kept as is.
fn xml(text: &str) -> Element {
    let mut r = quick_xml::Reader::from_str(text);
    let tag = |name: &str| {
        let (ns, local) = name.split_once(':').expect("prefixed element");
        Tag::from_names(ns, local).unwrap_or_else(|| panic!("unknown element {name}"))
    };
    // (element, its text so far); the first entry only collects the root.
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
                let c = match g.xml10_content().as_ref() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => panic!("unknown entity {other}"),
                };
                stack.last_mut().unwrap().1.push(c);
            }
            Event::End(_) => {
                let (mut done, text) = stack.pop().unwrap();
                if done.children.is_empty() && !text.is_empty() {
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

fn doc(e: &Element) -> Option<Document> {
    Some(decode(encode(e).unwrap()).unwrap())
}

const SEARCH_ID: &str = "E2E6DC9A-0B5C-4F57-9F5C-1D1E0C2D3A4B";

#[test]
fn find_mailbox_request_matches_the_schema_shape() {
    let req = FindRequest {
        search_id: SEARCH_ID.into(),
        criterion: Criterion::Mailbox {
            collection_id: "7".into(),
            query: "subject:Angebot from:bob".into(),
            deep_traversal: true,
        },
        range: (0, 24),
    };
    let expected = xml(&format!(
        r#"<Find:Find>
             <Find:SearchId>{SEARCH_ID}</Find:SearchId>
             <Find:ExecuteSearch>
               <Find:MailBoxSearchCriterion>
                 <Find:Query>
                   <AirSync:Class>Email</AirSync:Class>
                   <AirSync:CollectionId>7</AirSync:CollectionId>
                   <Find:FreeText>subject:Angebot from:bob</Find:FreeText>
                 </Find:Query>
                 <Find:Options>
                   <Find:Range>0-24</Find:Range>
                   <Find:DeepTraversal/>
                 </Find:Options>
               </Find:MailBoxSearchCriterion>
             </Find:ExecuteSearch>
           </Find:Find>"#
    ));
    assert_eq!(req.to_element(), expected);
    // The bytes: Find is code page 25, so the body switches to it first.
    let bytes = encode(&req.to_element()).unwrap();
    assert_eq!(
        &bytes[4..7],
        &[0x00, 25, 0x45],
        "SWITCH_PAGE 25, <Find> with content"
    );
}

#[test]
fn find_gal_request_with_pictures() {
    let req = FindRequest {
        search_id: SEARCH_ID.into(),
        criterion: Criterion::Gal {
            query: "bob".into(),
            picture: Some(PictureOptions {
                max_size: Some(10240),
                max_pictures: Some(3),
            }),
        },
        range: (0, 9),
    };
    let expected = xml(&format!(
        r#"<Find:Find>
             <Find:SearchId>{SEARCH_ID}</Find:SearchId>
             <Find:ExecuteSearch>
               <Find:GalSearchCriterion>
                 <Find:Query>bob</Find:Query>
                 <Find:Options>
                   <Find:Range>0-9</Find:Range>
                   <Find:Picture>
                     <Find:MaxSize>10240</Find:MaxSize>
                     <Find:MaxPictures>3</Find:MaxPictures>
                   </Find:Picture>
                 </Find:Options>
               </Find:GalSearchCriterion>
             </Find:ExecuteSearch>
           </Find:Find>"#
    ));
    assert_eq!(req.to_element(), expected);
    // A fresh request gets a GUID SearchId (the schema's pattern) and a range from 0.
    let fresh = FindRequest::new(
        Criterion::Gal {
            query: "x".into(),
            picture: None,
        },
        10,
    );
    assert_eq!(fresh.range, (0, 9));
    let id = &fresh.search_id;
    assert_eq!(id.len(), 36);
    assert!(
        id.split('-').map(str::len).eq([8, 4, 4, 4, 12])
            && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{id}"
    );
}

#[test]
fn find_mailbox_response_is_read() {
    let answer = xml(r#"<Find:Find>
             <Find:Status>1</Find:Status>
             <Find:Response>
               <ItemOperations:Store>Mailbox</ItemOperations:Store>
               <Find:Status>1</Find:Status>
               <Find:Result>
                 <AirSync:Class>Email</AirSync:Class>
                 <AirSync:ServerId>7:42</AirSync:ServerId>
                 <AirSync:CollectionId>7</AirSync:CollectionId>
                 <Find:Properties>
                   <Email:Subject>Angebot Toner</Email:Subject>
                   <Email:DateReceived>2026-11-26T09:30:00.000Z</Email:DateReceived>
                   <Email:DisplayTo>Alice Adams</Email:DisplayTo>
                   <Find:DisplayCc>Carol Clark</Find:DisplayCc>
                   <Email:Importance>1</Email:Importance>
                   <Email:Read>0</Email:Read>
                   <Email2:IsDraft>0</Email2:IsDraft>
                   <Find:Preview>Guten Tag, anbei das Angebot für die Tonerkartuschen.</Find:Preview>
                   <Find:HasAttachments>1</Find:HasAttachments>
                   <Email:From>"Bob Baker" &lt;bob@kontor.test&gt;</Email:From>
                 </Find:Properties>
               </Find:Result>
               <Find:Range>0-0</Find:Range>
               <Find:Total>1</Find:Total>
             </Find:Response>
           </Find:Find>"#);
    let r = find::parse(doc(&answer)).expect("parses");
    assert_eq!(r.store.as_deref(), Some("Mailbox"));
    assert_eq!(r.range.as_deref(), Some("0-0"));
    assert_eq!(r.total, Some(1));
    let [hit] = r.results.as_slice() else {
        panic!("{r:?}")
    };
    assert_eq!(hit.class.as_deref(), Some("Email"));
    assert_eq!(hit.server_id.as_deref(), Some("7:42"));
    assert_eq!(hit.collection_id.as_deref(), Some("7"));
    let p = &hit.properties;
    assert_eq!(p.subject.as_deref(), Some("Angebot Toner"));
    assert_eq!(p.display_cc.as_deref(), Some("Carol Clark"));
    assert_eq!(p.read, Some(false));
    assert_eq!(p.is_draft, Some(false));
    assert_eq!(p.has_attachments, Some(true));
    assert_eq!(p.importance, Some(1));
    assert_eq!(p.from.as_deref(), Some("\"Bob Baker\" <bob@kontor.test>"));
    assert!(p.preview.as_deref().unwrap().contains("Tonerkartuschen"));
}

#[test]
fn find_gal_response_and_empty_result() {
    let answer = xml(r#"<Find:Find>
             <Find:Status>1</Find:Status>
             <Find:Response>
               <ItemOperations:Store>GAL</ItemOperations:Store>
               <Find:Status>1</Find:Status>
               <Find:Result>
                 <Find:Properties>
                   <GAL:DisplayName>Bob Baker</GAL:DisplayName>
                   <GAL:EmailAddress>bob@kontor.test</GAL:EmailAddress>
                   <GAL:FirstName>Bob</GAL:FirstName>
                   <GAL:LastName>Baker</GAL:LastName>
                   <GAL:Company>Kontor GmbH</GAL:Company>
                   <GAL:MobilePhone>+49 170 5550102</GAL:MobilePhone>
                   <GAL:Picture>
                     <GAL:Status>1</GAL:Status>
                     <GAL:Data>AAEC</GAL:Data>
                   </GAL:Picture>
                 </Find:Properties>
               </Find:Result>
               <Find:Range>0-0</Find:Range>
               <Find:Total>1</Find:Total>
             </Find:Response>
           </Find:Find>"#);
    let r = find::parse(doc(&answer)).unwrap();
    assert_eq!(r.store.as_deref(), Some("GAL"));
    let p = &r.results[0].properties;
    assert_eq!(p.display_name.as_deref(), Some("Bob Baker"));
    assert_eq!(p.email_address.as_deref(), Some("bob@kontor.test"));
    assert_eq!(p.mobile_phone.as_deref(), Some("+49 170 5550102"));
    assert_eq!(p.picture.as_deref(), Some(&b"AAEC"[..]));
    assert_eq!(r.results[0].server_id, None);

    // No match: a Response without Result, Total 0.
    let none = xml(r#"<Find:Find><Find:Status>1</Find:Status><Find:Response>
             <ItemOperations:Store>Mailbox</ItemOperations:Store><Find:Status>1</Find:Status>
             <Find:Total>0</Find:Total></Find:Response></Find:Find>"#);
    let r = find::parse(doc(&none)).unwrap();
    assert!(r.results.is_empty());
    assert_eq!(r.total, Some(0));
}

#[test]
fn find_statuses() {
    let with = |top: u16, inner: Option<u16>| {
        let mut e = Element::new(kontor_wbxml::pages::find::Find).with(Element::text(
            kontor_wbxml::pages::find::Status,
            top.to_string(),
        ));
        if let Some(i) = inner {
            e.push(
                Element::new(kontor_wbxml::pages::find::Response).with(Element::text(
                    kontor_wbxml::pages::find::Status,
                    i.to_string(),
                )),
            );
        }
        find::parse(doc(&e))
    };
    assert!(matches!(
        with(2, None),
        Err(EasError::Status {
            command: "Find",
            status: 2,
            ..
        })
    ));
    assert!(matches!(
        with(3, None),
        Err(EasError::FolderHierarchyChanged)
    ));
    assert!(matches!(
        with(1, Some(4)),
        Err(EasError::Status { status: 4, .. })
    ));
    assert!(matches!(with(142, None), Err(EasError::ProvisionRequired)));
    assert!(matches!(with(1, Some(1)), Ok(r) if r.results.is_empty()));
    // Not a Find answer, or no answer at all: a protocol error, never a panic.
    let wrong = Element::new(kontor_wbxml::pages::search::Search);
    assert!(matches!(
        find::parse(doc(&wrong)),
        Err(EasError::Protocol { .. })
    ));
    assert!(matches!(find::parse(None), Err(EasError::Protocol { .. })));
}

#[test]
fn draft_is_sent_through_sync_with_email2_send() {
    let draft = Draft {
        to: Some("\"Bob Baker\" <bob@kontor.test>".into()),
        cc: Some("carol@kontor.test".into()),
        bcc: Some("alice@kontor.test".into()),
        subject: Some("Angebot".into()),
        importance: Some(2),
        body: Some((BodyType::Html, "<p>Grüße</p>".into())),
    };
    let mut req = CollectionRequest::new("5", "{key}1");
    req.get_changes = false;
    req.window_size = None;
    req.commands = vec![draft.send_new("draft-1").unwrap()];
    let expected = xml(r#"<AirSync:Sync>
             <AirSync:Collections>
               <AirSync:Collection>
                 <AirSync:SyncKey>{key}1</AirSync:SyncKey>
                 <AirSync:CollectionId>5</AirSync:CollectionId>
                 <AirSync:Commands>
                   <AirSync:Add>
                     <AirSync:ClientId>draft-1</AirSync:ClientId>
                     <AirSync:ApplicationData>
                       <Email:To>"Bob Baker" &lt;bob@kontor.test&gt;</Email:To>
                       <Email:Cc>carol@kontor.test</Email:Cc>
                       <Email:Subject>Angebot</Email:Subject>
                       <Email:Importance>2</Email:Importance>
                       <AirSyncBase:Body>
                         <AirSyncBase:Type>2</AirSyncBase:Type>
                         <AirSyncBase:Data>&lt;p&gt;Grüße&lt;/p&gt;</AirSyncBase:Data>
                       </AirSyncBase:Body>
                       <Email2:Bcc>alice@kontor.test</Email2:Bcc>
                     </AirSync:ApplicationData>
                     <Email2:Send/>
                   </AirSync:Add>
                 </AirSync:Commands>
               </AirSync:Collection>
             </AirSync:Collections>
           </AirSync:Sync>"#);
    assert_eq!(sync::request(&[req]), expected);

    // Saving (no Send) and sending an existing draft.
    let saved = draft.save("draft-2").unwrap();
    assert!(!saved.sends());
    let change = ClientCommand::ChangeAndSend {
        server_id: "5:9".into(),
        data: Element::new(kontor_wbxml::pages::airsync::ApplicationData),
    };
    assert!(change.sends());

    // Nothing to send to, or an RTF body: refused before anything goes out.
    let nobody = Draft {
        subject: Some("x".into()),
        ..Draft::default()
    };
    assert!(matches!(
        nobody.send_new("c"),
        Err(EasError::InvalidItem { class: "Email", .. })
    ));
    assert!(
        nobody.save("c").is_ok(),
        "a draft without recipients can be saved"
    );
    let rtf = Draft {
        to: Some("bob@kontor.test".into()),
        body: Some((BodyType::Rtf, "{\\rtf1}".into())),
        ..Draft::default()
    };
    assert!(matches!(
        rtf.send_new("c"),
        Err(EasError::InvalidItem { .. })
    ));
}

fn client(url: &str) -> EasClient {
    EasClient::new(EasConfig::new(url, "alice", "pw", "V16Device1").unwrap()).unwrap()
}

#[tokio::test]
async fn before_16_find_and_send_are_refused_without_a_request() {
    let (url, seen) = scripted(vec![]).await;
    let mut c = client(&url);
    c.set_version(ProtocolVersion::V14_1);
    let req = FindRequest::new(
        Criterion::Gal {
            query: "bob".into(),
            picture: None,
        },
        5,
    );
    assert!(matches!(
        c.find(&req).await,
        Err(EasError::NotSupported { .. })
    ));
    let mut sync_req = CollectionRequest::new("5", "1");
    sync_req.commands = vec![
        Draft {
            to: Some("bob@kontor.test".into()),
            ..Draft::default()
        }
        .send_new("c1")
        .unwrap(),
    ];
    assert!(matches!(
        c.sync(&[sync_req]).await,
        Err(EasError::NotSupported { .. })
    ));
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn find_over_http_on_16_1() {
    let answer = xml(r#"<Find:Find><Find:Status>1</Find:Status><Find:Response>
             <ItemOperations:Store>GAL</ItemOperations:Store><Find:Status>1</Find:Status>
             <Find:Result><Find:Properties><GAL:DisplayName>Bob Baker</GAL:DisplayName>
             <GAL:EmailAddress>bob@kontor.test</GAL:EmailAddress></Find:Properties></Find:Result>
             <Find:Range>0-0</Find:Range><Find:Total>1</Find:Total></Find:Response></Find:Find>"#);
    let (url, seen) = scripted(vec![(200, encode(&answer).unwrap())]).await;
    let mut c = client(&url);
    c.set_version(ProtocolVersion::V16_1);
    let req = FindRequest::new(
        Criterion::Gal {
            query: "bob".into(),
            picture: None,
        },
        5,
    );
    let r = c.find(&req).await.expect("Find");
    assert_eq!(
        r.results[0].properties.email_address.as_deref(),
        Some("bob@kontor.test")
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].target.contains("Cmd=Find"), "{}", seen[0].target);
    assert_eq!(seen[0].protocol_version.as_deref(), Some("16.1"));
    assert_eq!(
        decode(seen[0].body.clone()).unwrap().to_element(),
        req.to_element()
    );
}
