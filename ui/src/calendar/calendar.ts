// Pure helpers of the calendar views: the view table, occurrences → FullCalendar inputs.
import type { EventInput } from "@fullcalendar/react";
import type { CalendarEntry, CalendarOccurrence, EventForm } from "../lib/bindings";
import type { MessageKey, Translate } from "../lib/i18n";
import { folderDisplay } from "../lib/tree";

export type CalendarViewKind = "day" | "workWeek" | "week" | "month" | "agenda";

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

/** `d` moved by `n` calendar days, keeping its wall-clock time (across DST changes too). */
function addDays(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, d.getHours(), d.getMinutes(), d.getSeconds());
}

/** An all-day date ("2026-12-08") moved by `n` days. */
function addDaysIso(iso: string, n: number): string {
  const [y, m, d] = iso.split("-").map(Number);
  const moved = new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + n);
  return `${String(moved.getFullYear())}-${String(moved.getMonth() + 1).padStart(2, "0")}-${String(moved.getDate()).padStart(2, "0")}`;
}

/**
 * The day view side by side: one column per calendar of `columns` (calendar ids, in list
 * order). FullCalendar's standard views have no columns per calendar, so the split day is a
 * time grid of as many days as calendars, and column i shows calendar i's appointments moved i
 * days on; the column headers name the calendars (`splitColumn`). The appointments cannot be
 * dragged there (a drag would change their day).
 */
export function toSplitInputs(list: CalendarOccurrence[], calendars: Map<number, CalendarEntry>, columns: readonly number[]): EventInput[] {
  const out: EventInput[] = [];
  for (const o of list) {
    const i = columns.indexOf(o.calendarId);
    if (i < 0) continue;
    const [input] = toEventInputs([o], calendars);
    if (!input) continue;
    const shift = (v: EventInput["start"]) =>
      typeof v === "string" ? addDaysIso(v, i) : v instanceof Date ? addDays(v, i) : v;
    out.push({ ...input, start: shift(input.start), end: shift(input.end), editable: false });
  }
  return out;
}

/** Which column (calendar index) of the split day `date` is, `first` being the real day. */
export function splitColumn(date: Date, first: Date): number {
  const a = Date.UTC(date.getFullYear(), date.getMonth(), date.getDate());
  const b = Date.UTC(first.getFullYear(), first.getMonth(), first.getDate());
  return Math.round((a - b) / 86_400_000);
}
