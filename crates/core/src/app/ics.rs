//! Calendars as files (docs/calendar.md#ics-files): an `.ics` file (or an `.ics` attachment)
//! is previewed and imported into a calendar the user may write to, through the outbox like an
//! event created in the window; an event or a whole calendar is exported as an `.ics` file.
//!
//! An import keeps each event whole (its iCalendar text: recurrence, exceptions, reminders,
//! time zones), one outbox operation per UID. A UID the calendar already holds is updated, so
//! importing the same file twice does not double its events.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use kontor_calendar::{Calendar, DateOrTime, ItemKind};
use serde::Serialize;

use super::Kontor;
use super::files;
use crate::error::CoreError;

/// The largest `.ics` file read. A year of a busy shared calendar is a few MB.
pub const MAX_ICS_BYTES: u64 = 20 * 1024 * 1024;

/// The most events one import queues.
pub const MAX_IMPORTED_EVENTS: usize = 5_000;

/// One event of a file, as the import preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IcsEventPreview {
    pub uid: String,
    pub summary: String,
    pub location: String,
    /// First start, Unix seconds (an all-day event: midnight in the user's zone).
    #[specta(type = specta_typescript::Number)]
    pub start: i64,
    #[specta(type = specta_typescript::Number)]
    pub end: i64,
    pub all_day: bool,
    /// It repeats (RRULE or RDATE).
    pub recurring: bool,
}

/// What a file holds, before it is imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IcsPreview {
    /// The file's name (no folder), for the dialog's heading.
    pub file_name: String,
    /// Its events, by start.
    pub events: Vec<IcsEventPreview>,
    /// Tasks (VTODO) and changed occurrences without their series, which are not imported.
    pub skipped: u32,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IcsImport {
    /// New events in the calendar.
    pub created: u32,
    /// Events the calendar held already (same UID), replaced by the file's.
    pub updated: u32,
}

/// The events of a file, one calendar object per UID (the series with its changed
/// occurrences and the time zones they use); the count of what is left out.
struct FileEvents {
    objects: Vec<(String, Calendar)>,
    skipped: u32,
}

fn read_events(bytes: &[u8]) -> Result<FileEvents, CoreError> {
    let cal = Calendar::parse_bytes(bytes).map_err(|e| {
        CoreError::InvalidInput(format!("this is not a readable iCalendar file: {e}"))
    })?;
    let mut by_uid: BTreeMap<String, Vec<kontor_calendar::Item>> = BTreeMap::new();
    let mut skipped = 0u32;
    for item in &cal.items {
        if item.kind != ItemKind::Event || item.uid.trim().is_empty() {
            skipped += 1;
            continue;
        }
        by_uid
            .entry(item.uid.clone())
            .or_default()
            .push(item.clone());
    }
    let mut objects = Vec::new();
    for (uid, items) in by_uid {
        if !items.iter().any(|i| i.recurrence_id.is_none()) {
            // Changed occurrences of a series the file does not hold.
            skipped += u32::try_from(items.len()).unwrap_or(u32::MAX);
            continue;
        }
        let mut one = Calendar {
            items,
            ..Default::default()
        };
        let used = one.tzids();
        one.timezones = cal
            .timezones
            .iter()
            .filter(|t| {
                t.prop("TZID")
                    .is_some_and(|p| used.iter().any(|u| u == p.value.trim()))
            })
            .cloned()
            .collect();
        objects.push((uid, one));
    }
    if objects.is_empty() {
        return Err(CoreError::InvalidInput(
            "this iCalendar file holds no event to import".into(),
        ));
    }
    if objects.len() > MAX_IMPORTED_EVENTS {
        return Err(CoreError::InvalidInput(format!(
            "this iCalendar file holds {} events; at most {MAX_IMPORTED_EVENTS} are imported at once",
            objects.len()
        )));
    }
    Ok(FileEvents { objects, skipped })
}

async fn read_file(path: &Path) -> Result<Vec<u8>, CoreError> {
    files::read_at_most(path, MAX_ICS_BYTES, "for a calendar file").await
}

/// The first start and end of an event object, as Unix seconds.
fn first_times(cal: &Calendar, uid: &str, zone: &kontor_calendar::Zone) -> (i64, i64, bool) {
    let Some(master) = cal.master(uid) else {
        return (0, 0, false);
    };
    let resolver = kontor_calendar::tz::Resolver::from_vtimezones(&cal.timezones);
    let instant = |d: &DateOrTime| -> i64 {
        match d {
            DateOrTime::Utc(u) => u.timestamp(),
            DateOrTime::Zoned { local, tzid } => resolver
                .resolve(tzid)
                .unwrap_or_else(|| zone.clone())
                .local_to_utc(*local)
                .timestamp(),
            DateOrTime::Date(day) => zone.local_to_utc(day.and_time(NaiveTime::MIN)).timestamp(),
            DateOrTime::Floating(local) => zone.local_to_utc(*local).timestamp(),
        }
    };
    let start = master.start.as_ref().map(instant).unwrap_or(0);
    let end = match (&master.end, &master.duration) {
        (Some(e), _) => instant(e),
        (None, Some(d)) => start + d.approx().num_seconds(),
        // RFC 5545 §3.6.1: a date lasts one day, a date-time no time.
        (None, None) if master.is_all_day() => start + 86_400,
        (None, None) => start,
    };
    (start, end.max(start), master.is_all_day())
}

impl Kontor {
    /// What an `.ics` file holds: its events (title, first start and end, whether they repeat)
    /// and how many items are left out. Nothing is stored.
    pub async fn preview_ics(&self, path: &Path) -> Result<IcsPreview, CoreError> {
        let bytes = read_file(path).await?;
        let file = read_events(&bytes)?;
        let zone = self.calendar_zone();
        let mut events: Vec<IcsEventPreview> = file
            .objects
            .iter()
            .map(|(uid, cal)| {
                let master = cal.master(uid);
                let (start, end, all_day) = first_times(cal, uid, &zone);
                IcsEventPreview {
                    uid: uid.clone(),
                    summary: master.and_then(|m| m.summary.clone()).unwrap_or_default(),
                    location: master.and_then(|m| m.location.clone()).unwrap_or_default(),
                    start,
                    end,
                    all_day,
                    recurring: master.is_some_and(|m| m.rrule.is_some() || !m.rdates.is_empty()),
                }
            })
            .collect();
        events.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.uid.cmp(&b.uid)));
        Ok(IcsPreview {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            events,
            skipped: file.skipped,
        })
    }

    /// Imports the events of an `.ics` file into a calendar the user may write to: each is
    /// shown at once and created on the server by the outbox; one the calendar holds already
    /// (same UID) is replaced by the file's.
    pub async fn import_ics(&self, path: &Path, calendar_id: i64) -> Result<IcsImport, CoreError> {
        let bytes = read_file(path).await?;
        let file = read_events(&bytes)?;
        let cal = self.writable_calendar(calendar_id).await?;
        let existing: BTreeMap<String, crate::store::EventRow> = self
            .store
            .events(cal.id)
            .await?
            .into_iter()
            .filter(|e| e.local_state & 8 == 0)
            .map(|e| (e.uid.clone(), e))
            .collect();
        let mut done = IcsImport {
            created: 0,
            updated: 0,
        };
        for (uid, object) in file.objects {
            let ical = object.to_ics();
            match existing.get(&uid) {
                Some(row) => {
                    self.queue_update(&cal, row, ical).await?;
                    done.updated += 1;
                }
                None => {
                    self.add_event(&cal, &uid, ical).await?;
                    done.created += 1;
                }
            }
        }
        Ok(done)
    }

    /// Saves one event (a series with its changed occurrences) as an `.ics` file named after
    /// its title in `directory` (Downloads when `None`). Returns the file's path.
    pub async fn export_event_ics(
        &self,
        event_id: i64,
        directory: Option<PathBuf>,
    ) -> Result<PathBuf, CoreError> {
        let row = self.event_row(event_id).await?;
        let name = files::name_from_title(&row.summary, "event", "ics");
        files::write_new(directory, &name, row.ical.as_bytes()).await
    }

    /// Saves every event of a calendar as one `.ics` file named after the calendar in
    /// `directory` (Downloads when `None`), with the calendar's name (`X-WR-CALNAME`). Returns
    /// the file's path.
    pub async fn export_calendar_ics(
        &self,
        calendar_id: i64,
        directory: Option<PathBuf>,
    ) -> Result<PathBuf, CoreError> {
        let cal = self
            .store
            .calendar(calendar_id)
            .await?
            .ok_or_else(|| CoreError::InvalidInput(format!("no calendar {calendar_id}")))?;
        let mut out = Calendar::default();
        out.extra.push(kontor_calendar::ical::ContentLine::new(
            "X-WR-CALNAME",
            cal.display_name.clone(),
        ));
        let mut seen = std::collections::HashSet::new();
        for row in self.store.events(cal.id).await? {
            if row.local_state & 8 != 0 || !seen.insert(row.remote_id.clone()) {
                continue;
            }
            let Ok(one) = Calendar::parse(&row.ical) else {
                tracing::debug!(event = row.id, "skipping an unreadable event in the export");
                continue;
            };
            for tz in one.timezones {
                let tzid = tz.prop("TZID").map(|p| p.value.trim().to_owned());
                if !out
                    .timezones
                    .iter()
                    .any(|t| t.prop("TZID").map(|p| p.value.trim().to_owned()) == tzid)
                {
                    out.timezones.push(tz);
                }
            }
            out.items.extend(one.items);
        }
        let name = files::name_from_title(&cal.display_name, "calendar", "ics");
        files::write_new(directory, &name, out.to_ics().as_bytes()).await
    }

    /// Fetches an attachment (an invitation or an `.ics` file someone sent) into a folder of
    /// its own under the temporary folder, for [`Kontor::preview_ics`] and
    /// [`Kontor::import_ics`]. Returns the file's path.
    pub async fn attachment_for_import(&self, attachment_id: i64) -> Result<PathBuf, CoreError> {
        let dir = super::safety::temp_attachment_dir();
        let (path, _, _) = self
            .download_attachment(attachment_id, Some(dir), &|_, _| {})
            .await?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
        BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n\
        TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
        END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n\
        TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
        END:VTIMEZONE\r\n\
        BEGIN:VEVENT\r\nUID:team@example.org\r\nSUMMARY:Teamrunde\r\nLOCATION:Raum 2\r\n\
        DTSTART;TZID=Europe/Berlin:20261207T100000\r\nDTEND;TZID=Europe/Berlin:20261207T110000\r\n\
        RRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:team@example.org\r\nSUMMARY:Teamrunde (verschoben)\r\n\
        RECURRENCE-ID;TZID=Europe/Berlin:20261214T100000\r\n\
        DTSTART;TZID=Europe/Berlin:20261214T140000\r\nDTEND;TZID=Europe/Berlin:20261214T150000\r\n\
        END:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:feier@example.org\r\nSUMMARY:Weihnachtsfeier\r\n\
        DTSTART;VALUE=DATE:20261218\r\nEND:VEVENT\r\n\
        BEGIN:VTODO\r\nUID:todo@example.org\r\nSUMMARY:Aufräumen\r\nEND:VTODO\r\n\
        BEGIN:VEVENT\r\nUID:orphan@example.org\r\nRECURRENCE-ID:20261201T090000Z\r\n\
        DTSTART:20261201T100000Z\r\nEND:VEVENT\r\n\
        END:VCALENDAR\r\n";

    #[test]
    fn a_file_is_split_into_one_object_per_series_with_its_time_zone() {
        let f = read_events(FILE.as_bytes()).unwrap();
        assert_eq!(f.skipped, 2, "the task and the orphan occurrence");
        let uids: Vec<&str> = f.objects.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(uids, ["feier@example.org", "team@example.org"]);
        let team = &f.objects[1].1;
        assert_eq!(team.items.len(), 2, "the series and its moved occurrence");
        assert_eq!(team.timezones.len(), 1);
        assert!(
            f.objects[0].1.timezones.is_empty(),
            "an all-day event uses no zone"
        );
        let ics = team.to_ics();
        assert!(ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO"), "{ics}");
        assert!(
            ics.contains("RECURRENCE-ID;TZID=Europe/Berlin:20261214T100000"),
            "{ics}"
        );

        let zone = kontor_calendar::Zone::Iana(chrono_tz::Europe::Berlin);
        let (start, end, all_day) = first_times(team, "team@example.org", &zone);
        // 10:00 in Berlin in December is 09:00 UTC.
        assert_eq!(start, 1_796_634_000);
        assert_eq!(end - start, 3600);
        assert!(!all_day);
        let (start, end, all_day) = first_times(&f.objects[0].1, "feier@example.org", &zone);
        assert!(all_day);
        assert_eq!(end - start, 86_400);
    }

    #[test]
    fn bad_files_get_plain_errors() {
        for (bytes, want) in [
            (&b"hello"[..], "not a readable iCalendar file"),
            (
                &b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"[..],
                "no event to import",
            ),
        ] {
            let e = read_events(bytes).err().unwrap();
            assert!(e.to_string().contains(want), "{e}");
        }
    }
}
