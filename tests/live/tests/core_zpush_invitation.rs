//! An invitation answered in Kontor against Z-Push, as carol (tests/servers/README.md "Z-Push").
//!
//! Z-Push's IMAP backend files no event for an invitation mail, so the card has no event to
//! answer on; Kontor answers from the mail as Thunderbird does: the event with carol's answer
//! into her calendar (a Sync Add to `c/Cpersonal`), an iTIP REPLY mail to the organizer, the invitation to
//! Deleted Items. The result is read back independently: the event in carol's calendar on SOGo
//! over CalDAV, the REPLY in carol's Sent (the organizer is outside) and the invitation in
//! carol's Trash over IMAP.
//!
//! An invitation that *is* in carol's calendar (a colleague on the same SOGo invited her, and
//! SOGo filed it) is answered on the calendar item. Z-Push's CalDAV backend cannot take a
//! MeetingResponse (status 3, docs/server-quirks.md), so the answer goes out as a Sync Change
//! of the event with carol's PARTSTAT; SOGo records it in her copy and in the organizer's.

mod caldav_common;

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use kontor_core::app::MeetingAnswer;
use kontor_core::{FolderKind, Lang};
use kontor_live_tests::zpush::{
    count, folder_id, options, remove, signed_in_at, unique, wait_cached, wait_imap,
};
use kontor_live_tests::{BOB, CAROL, require_sogo, smtp_deliver};

use caldav_common::{client, sogo_personal_containing};
use kontor_caldav::WriteOutcome;
use kontor_calendar::{Calendar, PartStat};
use kontor_core::store::CalendarSource;
use url::Url;

/// Someone outside the company invites carol: a text part and the iTIP REQUEST, as mail programs
/// send it. (SOGo refuses an attendee's copy of an event whose organizer is one of its own users
/// unless it came from that user's calendar: 412 on the PUT, which Z-Push's CalDAV backend does
/// not report. Invitations by mail come from outside anyway.)
fn invitation(uid: &str, summary: &str) -> String {
    let start = Utc::now() + TimeDelta::days(3);
    let stamp = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H0000Z").to_string();
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor live test//EN\r\nMETHOD:REQUEST\r\n\
         BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{now}\r\nDTSTART:{start}\r\nDTEND:{end}\r\n\
         SUMMARY:{summary}\r\nLOCATION:Raum 2\r\n\
         ORGANIZER;CN=Petra Partner:mailto:petra@partner.example\r\n\
         ATTENDEE;CN=Petra Partner;PARTSTAT=ACCEPTED:mailto:petra@partner.example\r\n\
         ATTENDEE;CN=Carol;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:carol@kontor.test\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        now = stamp(Utc::now()),
        start = stamp(start),
        end = stamp(start + TimeDelta::hours(1)),
    );
    format!(
        "From: Petra Partner <petra@partner.example>\r\nTo: Carol <carol@kontor.test>\r\n\
         Subject: Einladung: {summary}\r\nMessage-ID: <{uid}@kontor.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"inv\"\r\n\r\n\
         --inv\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBitte zu- oder absagen.\r\n\
         --inv\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n{ics}\r\n\
         --inv--\r\n"
    )
}

#[tokio::test]
async fn an_invitation_is_answered_on_its_mail_on_zpush() {
    answered_on_its_mail(kontor_live_tests::ZPUSH_EAS_URL).await;
}

/// The same against SOGo's own ActiveSync, where such an invitation (from outside) is not in a
/// calendar either.
#[tokio::test]
async fn an_invitation_is_answered_on_its_mail_on_sogo() {
    answered_on_its_mail(kontor_live_tests::SOGO_EAS_URL).await;
}

async fn answered_on_its_mail(server: &str) {
    require_sogo();
    let summary = unique("zpush-invite");
    let uid = format!("{summary}@kontor.test");
    let mime = invitation(&uid, &summary);
    tokio::task::spawn_blocking(move || smtp_deliver(BOB, CAROL, &mime))
        .await
        .unwrap();
    wait_imap(CAROL, "INBOX", &summary, 30).await;

    let (_dir, app, _) = signed_in_at(server, CAROL).await;
    let inbox = folder_id(&app, FolderKind::Inbox).await;
    app.start_sync_with(None, options()).await.unwrap();
    let id = wait_cached(&app, &inbox, &format!("Einladung: {summary}"), 150).await;
    // The whole message (the Sync brought a preview), as the reading pane fetches it.
    let view = app.fetch_message_body(id, false).await.unwrap();
    let inv = view.invitation.expect("the invitation card");
    assert_eq!(inv.uid, uid);
    assert_eq!(
        inv.event_id, None,
        "Z-Push filed an event before the answer"
    );

    let filed = app
        .respond_to_invitation_mail(id, MeetingAnswer::Accepted, Lang::De)
        .await
        .unwrap()
        .expect("the event filed in carol's calendar");
    assert!(filed.ical.contains(&summary), "{}", filed.ical);
    // The invitation moved to Deleted Items at once.
    let trash = folder_id(&app, FolderKind::Deleted).await;
    assert_eq!(
        app.store().message(id).await.unwrap().unwrap().folder_id,
        trash
    );

    // SOGo: the event in carol's calendar with her answer (Z-Push gives it a UID of its own);
    // the REPLY sent (carol's Sent); the invitation in Trash, not in the Inbox.
    let deadline = Instant::now() + Duration::from_secs(120);
    let event = loop {
        if let Some(e) = sogo_personal_containing(CAROL, &summary)
            .await
            .into_iter()
            .next()
        {
            break e;
        }
        if Instant::now() > deadline {
            let waiting = app.pending_operations().await.unwrap();
            panic!(
                "the accepted event did not reach carol's calendar on SOGo within 120 s; \
                 unsent changes: {waiting:#?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let unfolded = event.replace("\r\n ", "").replace("\n ", "");
    assert!(
        unfolded
            .lines()
            .any(|l| l.contains("carol@kontor.test") && l.contains("PARTSTAT=ACCEPTED")),
        "carol's answer is not in the event on SOGo:\n{event}"
    );
    wait_imap(CAROL, "Sent", &format!("Zugesagt: {summary}"), 120).await;
    wait_imap(CAROL, "Trash", &summary, 120).await;
    assert_eq!(
        count(CAROL, "INBOX", &summary).await,
        0,
        "still in the Inbox"
    );
    // Nothing of it waits or was parked.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = app.pending_operations().await.unwrap();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "{left:#?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.stop_sync().await;
    remove(CAROL, "Sent", &summary).await;
    remove(CAROL, "Trash", &summary).await;
}

/// The PARTSTAT of `who` in the event holding `marker` in `user`'s SOGo calendar, over CalDAV.
async fn partstat_on_sogo(user: kontor_live_tests::User, marker: &str, who: &str) -> PartStat {
    let text = sogo_personal_containing(user, marker)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no event with {marker} in {}'s calendar", user.name));
    Calendar::parse(&text).unwrap().items[0]
        .attendees
        .iter()
        .find(|a| a.email.eq_ignore_ascii_case(who))
        .unwrap_or_else(|| panic!("{who} is no attendee:\n{text}"))
        .partstat
}

#[tokio::test]
async fn an_invitation_in_the_calendar_is_answered_on_zpush() {
    require_sogo();
    // bob invites carol from his calendar on SOGo; SOGo files carol's copy in her calendar.
    let bob = client(BOB);
    let bob_cal = bob
        .add_calendar(
            &Url::parse(&format!(
                "{}bob/Calendar/personal/",
                kontor_live_tests::SOGO_DAV_URL
            ))
            .unwrap(),
        )
        .await
        .unwrap();
    let summary = unique("zpush-invite-cal");
    let uid = format!("{summary}@kontor.test");
    let start = Utc::now() + TimeDelta::days(2);
    let f = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H0000Z").to_string();
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kontor//live test//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{summary}\r\n\
         ORGANIZER;CN=Bob Baker:mailto:bob@kontor.test\r\n\
         ATTENDEE;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:bob@kontor.test\r\n\
         ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:carol@kontor.test\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        f(Utc::now()),
        f(start),
        f(start + TimeDelta::hours(1))
    );
    let WriteOutcome::Written { url, .. } = bob
        .create(&bob_cal, &format!("{uid}.ics"), &ics)
        .await
        .unwrap()
    else {
        panic!("bob's create conflicted")
    };
    assert_eq!(
        partstat_on_sogo(CAROL, &summary, "carol@kontor.test").await,
        PartStat::NeedsAction
    );

    let (_dir, app, _) = signed_in_at(kontor_live_tests::ZPUSH_EAS_URL, CAROL).await;
    app.sync_calendars_once().await.unwrap();
    let cals = app.calendars().await.unwrap();
    let own = cals
        .iter()
        .find(|c| {
            c.source == CalendarSource::Eas && !c.shared && c.remote_id.ends_with("Cpersonal")
        })
        .unwrap_or_else(|| panic!("carol's calendar on Z-Push: {cals:#?}"));
    let event_id = app
        .occurrences(start - TimeDelta::hours(2), start + TimeDelta::hours(2))
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.calendar_id == own.id && o.summary == summary)
        .unwrap_or_else(|| panic!("the invitation is not in carol's calendar on Z-Push"))
        .event_id;
    app.respond_to_meeting(event_id, MeetingAnswer::Accepted, Lang::De)
        .await
        .unwrap();
    let report = app.sync_calendars_once().await.unwrap();
    assert_eq!(report.replayed, 1, "{report:?}");
    let left = kontor_core::engine::calendar_outbox::pending_changes(app.store())
        .await
        .unwrap();
    assert!(left.is_empty(), "the answer still waits: {left:#?}");
    // SOGo (read over CalDAV, not through Z-Push): carol's copy and bob's own say ACCEPTED.
    assert_eq!(
        partstat_on_sogo(CAROL, &summary, "carol@kontor.test").await,
        PartStat::Accepted,
        "carol's copy"
    );
    let organizers = bob.get(&url).await.unwrap().unwrap();
    let answer = Calendar::parse(&organizers.data).unwrap().items[0]
        .attendees
        .iter()
        .find(|a| a.email.eq_ignore_ascii_case("carol@kontor.test"))
        .expect("carol in bob's copy")
        .partstat;
    assert_eq!(
        answer,
        PartStat::Accepted,
        "bob's copy:\n{}",
        organizers.data
    );
    bob.delete(&bob_cal, &url, &organizers.etag.unwrap_or_default())
        .await
        .unwrap();
}
