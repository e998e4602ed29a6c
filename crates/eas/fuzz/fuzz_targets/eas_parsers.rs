//! Any WBXML document through every response parser: errors are fine, panics are not. The
//! whole tree is also read as Email/Calendar/Contacts/Tasks application data, and a task that
//! validates must read the same after encode → decode.
#![no_main]

use kontor_eas::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = kontor_wbxml::decode(data.to_vec()) else {
        if let Ok(s) = std::str::from_utf8(data) {
            let _ = autodiscover::parse(s);
        }
        return;
    };
    let d = || Some(doc.clone());
    let _ = provision::parse(d());
    let _ = folder_sync::parse(d());
    let _ = folder_ops::parse_create(d());
    let _ = folder_ops::parse_update(d());
    let _ = folder_ops::parse_delete(d());
    if let Ok(r) = sync::parse(d()) {
        for c in &r.collections {
            for ch in &c.changes {
                if let sync::ServerChange::Add { data, .. } | sync::ServerChange::Change { data, .. } = ch {
                    let _ = email::Email::from_application_data(data);
                    let _ = calendar::Event::from_application_data(data);
                    let _ = contacts::Contact::from_application_data(data);
                    let _ = tasks::Task::from_application_data(data);
                }
            }
        }
    }
    let _ = ping::parse(d());
    let _ = move_items::parse(d());
    let _ = estimate::parse(d());
    let _ = meeting_response::parse(d());
    let _ = resolve_recipients::parse(d());
    let _ = search::parse_gal(d());
    let _ = search::parse_mailbox(d());
    let _ = find::parse(d());
    let _ = settings::parse_oof_get(d());
    let _ = settings::parse_user_information(d());
    let _ = item_operations::parse_attachment(&doc);
    let _ = item_operations::parse_item(d());
    let _ = compose::parse("SendMail", d());
    let tree = doc.to_element();
    let _ = email::Email::from_application_data(&tree);
    let _ = calendar::Event::from_application_data(&tree);
    let _ = contacts::Contact::from_application_data(&tree);
    if let Ok(t) = tasks::Task::from_application_data(&tree).to_application_data() {
        // What was read and passes validation reads back the same after encode → decode
        // (encoding may refuse text with NUL from opaque input; that is not a finding).
        if let Ok(bytes) = kontor_wbxml::encode(&t) {
            let back = kontor_wbxml::decode(bytes).expect("re-decodes").to_element();
            assert_eq!(
                tasks::Task::from_application_data(&back),
                tasks::Task::from_application_data(&t)
            );
        }
    }
});
