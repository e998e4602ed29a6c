//! A deterministic stand-in for the fuzz target on stable: every recorded fixture, with each
//! byte replaced in turn by a few values, goes through the decoder and the item readers
//! (Email, Calendar, Contacts, Tasks) and Find's parser. Errors are fine; a panic fails. A task
//! that validates must read the same after encode → decode.

use std::path::PathBuf;

use kontor_eas::{calendar, contacts, email, find, sync, tasks};
use kontor_wbxml::{Element, decode, encode};

fn read_all(tree: &Element) {
    let _ = email::Email::from_application_data(tree);
    let _ = calendar::Event::from_application_data(tree);
    let _ = contacts::Contact::from_application_data(tree);
    if let Ok(t) = tasks::Task::from_application_data(tree).to_application_data()
        && let Ok(bytes) = encode(&t)
    {
        let back = decode(bytes).expect("re-decodes").to_element();
        assert_eq!(
            tasks::Task::from_application_data(&back),
            tasks::Task::from_application_data(&t)
        );
    }
}

fn exercise(bytes: Vec<u8>) {
    let Ok(doc) = decode(bytes) else { return };
    let _ = find::parse(Some(doc.clone()));
    if let Ok(r) = sync::parse(Some(doc.clone())) {
        for c in &r.collections {
            for ch in &c.changes {
                if let sync::ServerChange::Add { data, .. }
                | sync::ServerChange::Change { data, .. } = ch
                {
                    read_all(data);
                }
            }
        }
    }
    read_all(&doc.to_element());
}

#[test]
fn mutated_fixtures_never_panic_the_readers() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sogo");
    let mut runs = 0u32;
    for name in [
        "sync-contacts-items",
        "sync-tasks-items",
        "sync-calendar-items",
    ] {
        let original = std::fs::read(dir.join(format!("{name}.wbxml"))).unwrap();
        exercise(original.clone());
        for i in 4..original.len() {
            for v in [0x00, 0x03, 0xC3, original[i] ^ 0x20] {
                let mut m = original.clone();
                m[i] = v;
                exercise(m);
                runs += 1;
            }
        }
    }
    assert!(runs > 10_000, "only {runs} mutations ran");
}
