//! Decode/encode throughput on a 3.8 MB ActiveSync Sync answer, side by side with Debian's
//! libwbxml2 (`wbxml2xml -l AIRSYNC`) on the same bytes when it is installed
//! (`apt-get install libwbxml2-utils`).
//!
//! The document is a real SOGo Sync answer (benches/data/sogo-sync-inbox.wbxml, recorded by
//! crates/eas/examples/record_fixtures.rs) whose message `Add`s are repeated with fresh
//! ServerIds until the document is 3.8 MB — the shape of an initial mail sync.
//!
//! `cargo bench -p kontor-wbxml --bench decode`

use std::hint::black_box;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kontor_wbxml::pages::airsync as a;
use kontor_wbxml::{Element, Node, decode, encode};

const TARGET_BYTES: usize = 3_800_000;

/// `body_bytes`: when set, every message body is replaced by text of that size (the shape of
/// a sync with full bodies); otherwise the recorded bodies are kept (many small elements).
fn big_sync_answer(body_bytes: Option<usize>) -> Vec<u8> {
    let recorded = include_bytes!("data/sogo-sync-inbox.wbxml");
    let tree = decode(recorded.to_vec())
        .expect("recorded fixture decodes")
        .to_element();
    let collection = tree
        .child(a::Collections)
        .and_then(|c| c.child(a::Collection))
        .expect("a collection")
        .clone();
    let mut adds: Vec<Element> = collection
        .child(a::Commands)
        .expect("commands")
        .children_with(a::Add)
        .cloned()
        .collect();
    if let Some(n) = body_bytes {
        let text: String = "Grüße aus der Straße am Dom, viele Grüße. "
            .chars()
            .cycle()
            .take(n)
            .collect();
        for add in &mut adds {
            set_body(add, &text);
        }
    }
    let sizes: Vec<usize> = adds.iter().map(|x| encode(x).unwrap().len() - 4).collect();
    let mut commands = Element::new(a::Commands);
    let mut size = 0;
    let mut n = 0u32;
    while size < TARGET_BYTES {
        for (add, add_size) in adds.iter().zip(&sizes) {
            if size >= TARGET_BYTES {
                break;
            }
            size += add_size;
            let mut add = add.clone();
            for c in &mut add.children {
                if let Node::Element(e) = c
                    && e.tag == a::ServerId
                {
                    e.children = vec![Node::Text(n.to_string())];
                }
            }
            n += 1;
            commands.push(add);
        }
    }
    let mut col = Element::new(a::Collection);
    for c in &collection.children {
        match c {
            Node::Element(e) if e.tag == a::Commands => col.push(commands.clone()),
            other => col.children.push(other.clone()),
        }
    }
    col.push(Element::new(a::MoreAvailable));
    encode(&Element::new(a::Sync).with(Element::new(a::Collections).with(col))).unwrap()
}

fn set_body(e: &mut Element, text: &str) {
    use kontor_wbxml::pages::airsyncbase as asb;
    if e.tag == asb::Data {
        e.children = vec![Node::Text(text.to_string())];
        return;
    }
    for c in &mut e.children {
        if let Node::Element(x) = c {
            set_body(x, text);
        }
    }
}

fn bench(c: &mut Criterion) {
    bench_doc(c, "recorded bodies", big_sync_answer(None));
    bench_doc(c, "16 KB bodies", big_sync_answer(Some(16 * 1024)));
}

fn bench_doc(c: &mut Criterion, shape: &str, doc: Vec<u8>) {
    let len = doc.len() as u64;
    let mut g = c.benchmark_group(format!("sync-answer-{:.1}MB-{shape}", len as f64 / 1e6));
    g.throughput(Throughput::Bytes(len));
    g.sample_size(10);

    let bytes = kontor_wbxml::Bytes::from(doc.clone());
    g.bench_function("kontor decode (arena tree)", |b| {
        b.iter(|| black_box(decode(bytes.clone()).unwrap()))
    });
    g.bench_function("kontor decode + owned tree", |b| {
        b.iter(|| black_box(decode(bytes.clone()).unwrap().to_element()))
    });
    let tree = decode(bytes.clone()).unwrap().to_element();
    g.bench_function("kontor encode", |b| {
        b.iter(|| black_box(encode(&tree).unwrap()))
    });

    let have_libwbxml = Command::new("wbxml2xml").arg("-h").output().is_ok();
    if have_libwbxml {
        let path = std::env::temp_dir().join(format!("kontor-bench-{}.wbxml", std::process::id()));
        std::fs::write(&path, &doc).unwrap();
        let out = path.with_extension("xml");
        g.bench_function("libwbxml2 wbxml2xml -l AIRSYNC", |b| {
            b.iter(|| {
                let st = Command::new("wbxml2xml")
                    .args(["-l", "AIRSYNC", "-m", "0", "-o"])
                    .arg(&out)
                    .arg(&path)
                    .status()
                    .expect("wbxml2xml runs");
                assert!(st.success());
            })
        });
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(&out);
    } else {
        tracing::warn!(
            "wbxml2xml not installed (apt-get install libwbxml2-utils); comparison skipped"
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
