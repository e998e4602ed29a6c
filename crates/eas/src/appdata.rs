//! Small readers and writers shared by the item classes (Contacts, Tasks): lenient on input —
//! a value that does not parse is dropped with a trace, never an error that would lose the
//! rest of a Sync batch — and strict on output.

use kontor_wbxml::pages::airsyncbase as asb;
use kontor_wbxml::{Element, Tag};

/// Non-empty text of the first `tag` child. An empty element means "no value" in ActiveSync.
pub(crate) fn text(e: &Element, tag: Tag) -> Option<String> {
    e.child_text(tag).filter(|s| !s.is_empty())
}

/// A number child; anything that does not parse is dropped with a trace.
pub(crate) fn num<T: std::str::FromStr>(e: &Element, tag: Tag) -> Option<T> {
    let raw = text(e, tag)?;
    match raw.trim().parse() {
        Ok(v) => Some(v),
        Err(_) => {
            tracing::trace!(element = %tag, value = %raw, "ignoring a value that is not a number");
            None
        }
    }
}

/// A boolean child (`0`/`1`, MS-ASDTYPE 2.1).
pub(crate) fn flag(e: &Element, tag: Tag) -> Option<bool> {
    num::<u8>(e, tag).map(|v| v != 0)
}

/// Whether `s` has the shape of an ActiveSync date-time: `2026-12-04T16:00:00.000Z`
/// (MS-ASDTYPE 2.3) or the compact `20261204T160000Z` (2.7.3). Fractions and the `Z` are
/// optional (Tasks' local `DueDate` carries none on some servers).
pub(crate) fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let rest = if b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
    {
        if !(digits(0..4)
            && digits(5..7)
            && digits(8..10)
            && digits(11..13)
            && digits(14..16)
            && digits(17..19))
        {
            return false;
        }
        &s[19..]
    } else if b.len() >= 15 && b[8] == b'T' {
        if !(digits(0..8) && digits(9..15)) {
            return false;
        }
        &s[15..]
    } else {
        return false;
    };
    let rest = rest.strip_suffix('Z').unwrap_or(rest);
    rest.is_empty()
        || rest
            .strip_prefix('.')
            .is_some_and(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()))
}

/// A date-time child. A value that is not a date-time — SOGo sends the text `(null)` as the
/// `ReminderTime` of a task whose alarm is relative to a missing start — becomes `None` with a
/// trace, so one bad property never fails the batch.
pub(crate) fn date_time(e: &Element, tag: Tag) -> Option<String> {
    let raw = text(e, tag)?;
    let v = raw.trim();
    if is_date_time(v) {
        Some(v.to_string())
    } else {
        tracing::trace!(element = %tag, value = %raw, "ignoring a value that is not a date-time");
        None
    }
}

/// Body text: `airsyncbase:Body/Data` (12.0+) or the class's own 2.5 `Body` element.
pub(crate) fn body(e: &Element, legacy: Tag) -> Option<String> {
    e.child(asb::Body)
        .and_then(|b| b.child_text(asb::Data))
        .or_else(|| e.child_text(legacy))
}

/// Writes a plain-text `airsyncbase:Body`.
pub(crate) fn body_element(text: &str) -> Element {
    Element::new(asb::Body)
        .with(Element::text(asb::Type, "1"))
        .with(Element::text(asb::Data, text))
}

/// `<list><item>…</item>…</list>` (Categories/Category, Children/Child) as a vector.
pub(crate) fn list(e: &Element, list: Tag, item: Tag) -> Vec<String> {
    e.child(list)
        .map(|c| {
            c.children_with(item)
                .filter_map(Element::text_content)
                .collect()
        })
        .unwrap_or_default()
}

/// Writes a list element; nothing when `items` is empty.
pub(crate) fn list_element(list: Tag, item: Tag, items: &[String]) -> Option<Element> {
    if items.is_empty() {
        return None;
    }
    let mut l = Element::new(list);
    for x in items {
        l.push(Element::text(item, x.clone()));
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::is_date_time;

    #[test]
    fn date_time_shapes() {
        for ok in [
            "2026-12-04T16:00:00.000Z",
            "2026-12-04T16:00:00Z",
            "2026-12-04T16:00:00",
            "2026-12-04T16:00:00.5Z",
            "20261204T160000Z",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "(null)",
            "",
            "2026-12-04",
            "2026-12-04T16:00:00.Z",
            "2026-12-04T16:00:00+01:00",
            "2026-1x-04T16:00:00Z",
            "20261204T1600Z",
            "2026-12-04T16:00:00ZZ",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }
}
