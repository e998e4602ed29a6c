// One occurrence: what, when, where, which calendar; Edit and Delete for a calendar the user may
// write to, Open (the dialog, read-only) for one they may not.
import { useEffect, useLayoutEffect, useState } from "react";
import type { CalendarEntry, CalendarOccurrence, EventForm, MeetingAnswer } from "../lib/bindings";
import type { Api } from "../lib/ipc";
import { MeetingAnswers, MeetingPeople, type MeetingApi } from "./Meeting";
import { useI18n } from "../lib/i18n-context";
import { closeOnEscape } from "../lib/dialog";
import { calendarLabel, isMeeting } from "./calendar";
import { afterNextPaint } from "../lib/paint";

export function EventCard({
  occurrence: o,
  calendar,
  onEdit,
  onDelete,
  onExport,
  onClose,
  meetingApi,
  onAnswered,
}: {
  occurrence: CalendarOccurrence;
  calendar: CalendarEntry | undefined;
  /** Opens the dialog (read-only for a read-only calendar). */
  onEdit?: () => void;
  /** Absent for a read-only calendar. */
  onDelete?: () => void;
  /** Saves the appointment (its whole series) as an .ics file. */
  onExport?: () => void;
  onClose: () => void;
  /** Reads the appointment's meeting (organizer, attendees, the user's answer) once the card
   * shows, and answers an invitation. */
  meetingApi?: MeetingApi & Pick<Api, "eventForm">;
  onAnswered?: (answer: MeetingAnswer) => void;
}) {
  const { t, lang } = useI18n();
  const [meeting, setMeeting] = useState<EventForm | null>(null);
  useLayoutEffect(
    () =>
      afterNextPaint(() => {
        performance.mark("kontor:event-card");
      }),
    [],
  );
  useEffect(() => {
    if (!meetingApi) return;
    let live = true;
    // The occurrence's own answer and people (an occurrence may differ from its series).
    meetingApi.eventForm(o.eventId, o.isOverride ? o.instance : null).then(
      (form) => {
        if (live) setMeeting(form);
      },
      () => {
        // The card still shows what the view knows; the dialog reports a failure to read.
      },
    );
    return () => {
      live = false;
    };
  }, [meetingApi, o.eventId, o.instance, o.isOverride]);
  const locale = lang === "de" ? "de-DE" : "en-GB";
  const start = new Date(o.start * 1000);
  const end = new Date(o.end * 1000);
  const dateFmt = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const timeFmt = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
  const when = o.allDay
    ? `${dateFmt.format(start)} · ${t("cal.allDay")}`
    : `${dateFmt.format(start)} · ${timeFmt.format(start)} – ${timeFmt.format(end)}`;
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div
        className="dialog event-card"
        role="dialog"
        aria-modal="true"
        aria-labelledby="event-card-title"
        data-testid="event-card"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
      >
        <h2 id="event-card-title" data-testid="event-card-title">
          {o.summary || t("cal.noTitle")}
        </h2>
        <dl>
          <dt>{t("cal.when")}</dt>
          <dd data-testid="event-card-when">{when}</dd>
          {o.location && (
            <>
              <dt>{t("cal.where")}</dt>
              <dd data-testid="event-card-where">{o.location}</dd>
            </>
          )}
          <dt>{t("cal.calendar")}</dt>
          <dd data-testid="event-card-calendar">
            <span className="swatch" style={{ background: calendar?.color }} aria-hidden="true" /> {calendar ? calendarLabel(calendar, t).label : ""}
            {calendar?.readOnly && <span className="muted"> · {t("cal.readOnly")}</span>}
          </dd>
          {o.isOverride && (
            <>
              <dt>{t("cal.series")}</dt>
              <dd>{t("cal.changedOccurrence")}</dd>
            </>
          )}
          {isMeeting(meeting) && <MeetingPeople form={meeting} inline />}
        </dl>
        {meetingApi && meeting?.myAnswer != null && (
          <MeetingAnswers api={meetingApi} eventId={o.eventId} form={meeting} onAnswered={onAnswered} />
        )}
        <div className="dialog-buttons">
          {onEdit && (
            <button type="button" data-testid="event-card-edit" onClick={onEdit}>
              {calendar?.readOnly ? t("cal.card.open") : t("cal.card.edit")}
            </button>
          )}
          {onDelete && !calendar?.readOnly && (
            <button type="button" data-testid="event-card-delete" onClick={onDelete}>
              {t("cal.card.delete")}
            </button>
          )}
          {onExport && (
            <button type="button" data-testid="event-card-export" onClick={onExport}>
              {t("cal.export.event")}
            </button>
          )}
          <button type="button" autoFocus data-testid="event-card-close" onClick={onClose}>
            {t("mail.close")}
          </button>
        </div>
      </div>
    </div>
  );
}
