//! Fixture corpus: real answers recorded from SOGo (`examples/record_fixtures.rs`) and
//! hand-assembled Z-Push-style answers, each decoded, rendered, run through its command parser
//! and compared with the checked-in `.txt` next to it.
//!
//! A mismatch fails and writes `<name>.actual` and `<name>.diff` under the test's temporary
//! target directory. Regenerate the expected files only on purpose: `KONTOR_BLESS=1 cargo test
//! -p kontor-eas --test fixtures`, then review `git diff`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kontor_eas::{contacts, folder_sync, ping, provision, search, settings, sync, tasks};
use kontor_wbxml::decode;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("fixtures directory") {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "wbxml") {
            out.push(p);
        }
    }
}

/// The typed reading of a fixture, chosen by its file name.
fn parsed(name: &str, bytes: &[u8]) -> String {
    let doc = || Some(decode(bytes.to_vec()).expect("decodes"));
    if name.starts_with("provision") {
        format!("{:#?}", provision::parse(doc()))
    } else if name.starts_with("foldersync") {
        format!("{:#?}", folder_sync::parse(doc()))
    } else if name.starts_with("sync-contacts") || name.starts_with("sync-tasks") {
        format!(
            "{:#?}",
            sync::parse(doc()).map(|r| {
                r.collections
                    .iter()
                    .map(|c| {
                        let adds = || {
                            c.changes.iter().filter_map(|ch| match ch {
                                sync::ServerChange::Add { server_id, data } => {
                                    Some((server_id.clone(), data))
                                }
                                _ => None,
                            })
                        };
                        let contacts: Vec<_> = adds()
                            .filter(|_| c.collection_id.starts_with("vcard"))
                            .map(|(id, d)| (id, contacts::Contact::from_application_data(d)))
                            .collect();
                        let tasks: Vec<_> = adds()
                            .filter(|_| c.collection_id.starts_with("vtodo"))
                            .map(|(id, d)| (id, tasks::Task::from_application_data(d)))
                            .collect();
                        (
                            c.collection_id.clone(),
                            c.status,
                            c.more_available,
                            c.changes.len(),
                            contacts,
                            tasks,
                        )
                    })
                    .collect::<Vec<_>>()
            })
        )
    } else if name.starts_with("sync") {
        format!(
            "{:#?}",
            sync::parse(doc()).map(|r| {
                r.collections
                    .iter()
                    .map(|c| {
                        let emails: Vec<_> = c
                            .changes
                            .iter()
                            .filter_map(|ch| match ch {
                                sync::ServerChange::Add { server_id, data }
                                    if c.collection_id.starts_with("mail") =>
                                {
                                    Some((
                                        server_id.clone(),
                                        kontor_eas::email::Email::from_application_data(data),
                                    ))
                                }
                                _ => None,
                            })
                            .collect();
                        let events: Vec<_> = c
                            .changes
                            .iter()
                            .filter_map(|ch| match ch {
                                sync::ServerChange::Add { server_id, data }
                                    if c.collection_id.starts_with("vevent") =>
                                {
                                    Some((
                                        server_id.clone(),
                                        kontor_eas::calendar::Event::from_application_data(data),
                                    ))
                                }
                                _ => None,
                            })
                            .collect();
                        (
                            c.collection_id.clone(),
                            c.status,
                            c.more_available,
                            c.changes.len(),
                            emails,
                            events,
                        )
                    })
                    .collect::<Vec<_>>()
            })
        )
    } else if name.starts_with("settings-oof-set") {
        format!("{:#?}", settings::parse_oof_set(doc()))
    } else if name.starts_with("settings-oof") {
        format!("{:#?}", settings::parse_oof_get(doc()))
    } else if name.starts_with("settings-userinformation") {
        format!("{:#?}", settings::parse_user_information(doc()))
    } else if name.starts_with("search-gal") {
        format!("{:#?}", search::parse_gal(doc()))
    } else if name.starts_with("ping") {
        format!("{:#?}", ping::parse(doc()))
    } else {
        "(no parser for this fixture)".into()
    }
}

fn line_diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                if let Some(x) = x {
                    let _ = writeln!(out, "{:>5} - {x}", i + 1);
                }
                if let Some(y) = y {
                    let _ = writeln!(out, "{:>5} + {y}", i + 1);
                }
            }
        }
    }
    out
}

#[test]
fn fixture_corpus_matches_expected_renderings() {
    let mut files = Vec::new();
    collect(&fixtures_dir(), &mut files);
    files.sort();
    let bless = std::env::var_os("KONTOR_BLESS").is_some_and(|v| v == "1");
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("eas-fixtures");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut failures = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let doc = decode(bytes.clone()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let actual = format!(
            "{}\n--- parsed ---\n{}\n",
            doc.render(),
            parsed(&name, &bytes)
        );
        let expected_path = f.with_extension("txt");
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            let rel = f
                .strip_prefix(fixtures_dir())
                .unwrap()
                .to_string_lossy()
                .replace('/', "__");
            let actual_path = out_dir.join(format!("{rel}.actual"));
            let diff_path = out_dir.join(format!("{rel}.diff"));
            std::fs::write(&actual_path, &actual).unwrap();
            std::fs::write(&diff_path, line_diff(&expected, &actual)).unwrap();
            failures.push(format!(
                "{} differs; diff in {}",
                f.display(),
                diff_path.display()
            ));
        }
    }
    assert!(
        !files.is_empty(),
        "no fixtures found under {}",
        fixtures_dir().display()
    );
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// SOGo's VTODO bug, as recorded: a task with a relative alarm and no DTSTART arrives with
/// `ReminderTime` = `(null)`. The task is read with `reminder_time: None`, and the tasks after
/// it in the same batch are read too.
#[test]
fn sogo_null_reminder_time_is_read_leniently() {
    let bytes = std::fs::read(fixtures_dir().join("sogo/sync-tasks-items.wbxml")).unwrap();
    let doc = decode(bytes).unwrap();
    assert!(
        doc.render()
            .contains("<Tasks:ReminderTime>(null)</Tasks:ReminderTime>"),
        "the recorded answer carries SOGo's (null) ReminderTime"
    );
    let r = sync::parse(Some(doc)).expect("the batch parses");
    let col = r.collection("vtodo%2Fpersonal").expect("tasks collection");
    let tasks: Vec<_> = col
        .changes
        .iter()
        .filter_map(|ch| match ch {
            sync::ServerChange::Add { server_id, data } => {
                Some((server_id.as_str(), tasks::Task::from_application_data(data)))
            }
            _ => None,
        })
        .collect();
    let (_, broken) = tasks
        .iter()
        .find(|(id, _)| *id == "kontor-fixture-task-nostart.ics")
        .expect("the task SOGo mangles");
    assert!(broken.reminder_set);
    assert_eq!(broken.reminder_time, None);
    assert_eq!(broken.subject.as_deref(), Some("Angebot nachfassen"));
    let open = tasks
        .iter()
        .find(|(id, _)| *id == "task-open.ics")
        .map(|(_, t)| t)
        .expect("seeded open task");
    assert_eq!(
        open.reminder_time.as_deref(),
        Some("2026-11-28T07:45:00.000Z")
    );
    assert!(tasks.len() >= 3);
}
