// Pure helpers of the calendar views: the view table, occurrences → FullCalendar inputs.
import type { EventInput } from "@fullcalendar/react";
import type { CalendarEntry, CalendarOccurrence, EventForm } from "../lib/bindings";
import type { MessageKey, Translate } from "../lib/i18n";
import { folderDisplay } from "../lib/tree";

export type CalendarViewKind = "day" | "workWeek" | "week" | "month" | "agenda";

/** Each view's label, and FullCalendar's view type for the month and the agenda (the day and
 * week views are the app's own time grid, TimeGrid.tsx). */
export const VIEWS: Record<CalendarViewKind, { type: string; label: MessageKey }> = {
  day: { type: "timeGridDay", label: "cal.view.day" },
  workWeek: { type: "timeGridWorkWeek", label: "cal.view.workWeek" },
  week: { type: "timeGridWeek", label: "cal.view.week" },
  month: { type: "dayGridMonth", label: "cal.view.month" },
  agenda: { type: "listWeek", label: "cal.view.agenda" },
};

export function isCalendarView(v: unknown): v is CalendarViewKind {
  return typeof v === "string" && v in VIEWS;
}

/** The key FullCalendar knows an occurrence by: the event and the instance it stands for. */
export function occurrenceKey(o: Pick<CalendarOccurrence, "eventId" | "instance">): string {
  return `${String(o.eventId)}-${String(o.instance)}`;
}

/** A local calendar day (midnight) for an all-day occurrence's instant. */
function day(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${String(d.getFullYear())}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The occurrences of the calendars that are shown, in their calendar's colour. */
export function toEventInputs(list: CalendarOccurrence[], calendars: Map<number, CalendarEntry>): EventInput[] {
  const out: EventInput[] = [];
  for (const o of list) {
    const cal = calendars.get(o.calendarId);
    if (!cal?.shown) continue;
    out.push({
      id: occurrenceKey(o),
      title: o.summary,
      start: o.allDay ? day(o.start) : new Date(o.start * 1000),
      end: o.allDay ? day(o.end) : new Date(o.end * 1000),
      allDay: o.allDay,
      color: cal.color,
      contrastColor: readableOn(cal.color),
      // Dragged and resized in the views unless the calendar is read-only.
      editable: !cal.readOnly,
      // An invitation not answered yet or accepted with reservation is hatched, a declined one
      // faded (as Outlook shows them).
      className: answerClass(o.myAnswer),
    });
  }
  return out;
}

/** The views' class for the user's answer to an invitation. */
export function answerClass(answer: CalendarOccurrence["myAnswer"]): string {
  switch (answer) {
    case "needs_action":
      return "ev-unanswered";
    case "tentative":
      return "ev-tentative";
    case "declined":
      return "ev-declined";
    default:
      return "";
  }
}

/** Black or white text, whichever reads better on `hex` (WCAG relative luminance). */
export function readableOn(hex: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
  if (!m) return "#ffffff";
  const lum = [m[1], m[2], m[3]].map((c) => {
    const v = parseInt(c ?? "0", 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * (lum[0] ?? 0) + 0.7152 * (lum[1] ?? 0) + 0.0722 * (lum[2] ?? 0);
  return l > 0.4 ? "#1a1a1a" : "#ffffff";
}

export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** The next full hour from now, for an hour (what "New appointment" proposes). */
export function nextSlot(now = new Date()): { start: Date; end: Date } {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours() + 1);
  return { start, end: new Date(start.getTime() + 3_600_000) };
}

/** A calendar's name as the folder tree and the reminders name it: SOGo's "Personal Calendar" in
 * the UI's language, a colleague's "Personal Calendar (Bob Baker <bob@…>)" as "… (Bob Baker)"
 * with the address as the tooltip. */
export function calendarLabel(c: Pick<CalendarEntry, "name" | "shared">, t: Translate): { label: string; title?: string } {
  return folderDisplay({ name: c.name, kind: "calendar", shared: c.shared }, t);
}

/** Whether an appointment's form is a meeting: it names an organizer or someone invited. */
export function isMeeting(form: EventForm | null | undefined): form is EventForm {
  return !!form && (form.organizer !== null || form.attendees.length > 0);
}
