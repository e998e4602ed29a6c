//! Any bytes: decoding never panics; a decoded tree renders, and if every tag is known it
//! re-encodes and decodes to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = kontor_wbxml::decode(data.to_vec()) {
        let tree = doc.to_element();
        let _ = tree.render();
        if let Ok(bytes) = kontor_wbxml::encode(&tree) {
            let again = kontor_wbxml::decode(bytes).expect("own output decodes").to_element();
            assert_eq!(again, tree);
        }
    }
});
