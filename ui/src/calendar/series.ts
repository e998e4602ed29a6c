// "Only this appointment / the whole series": what an edit, a delete or a drag of an occurrence
// does, as data, so the views and the tests agree. The core writes the exception (an override
// with RECURRENCE-ID, or an EXDATE) or changes the series (calendar.rs, edit.rs).
import type { CalendarOccurrence, EventDraft } from "../lib/bindings";
import { fromRRule, ordinalOf, toRRule, weekdayOf, WEEKDAYS, type Weekday } from "./recurrence";

/** Which part of a series the user chose. */
export type Scope = "occurrence" | "series";

/** The event the dialog opens: its id, and the occurrence (its original start) or `null` for the
 * event itself or the whole series. */
export interface Target {
  eventId: number;
  instance: number | null;
}

/** An occurrence of a series asks first; a single appointment does not. */
export function asksScope(recurring: boolean): boolean {
  return recurring;
}

/** What an action on `o` works on, after the question (`scope` is ignored for a single one). */
export function targetOf(o: Pick<CalendarOccurrence, "eventId" | "instance">, recurring: boolean, scope: Scope | null): Target {
  return { eventId: o.eventId, instance: recurring && scope === "occurrence" ? o.instance : null };
}

/** The command that saves a draft for a target. */
export type SaveCall =
  | { command: "updateEvent"; eventId: number; draft: EventDraft }
  | { command: "updateOccurrence"; eventId: number; instance: number; draft: EventDraft };

export function saveCall(target: Target, draft: EventDraft): SaveCall {
  return target.instance === null
    ? { command: "updateEvent", eventId: target.eventId, draft }
    : { command: "updateOccurrence", eventId: target.eventId, instance: target.instance, draft };
}

/** The command that deletes a target. */
export type DeleteCall = { command: "deleteEvent"; eventId: number } | { command: "deleteOccurrence"; eventId: number; instance: number };

export function deleteCall(target: Target): DeleteCall {
  return target.instance === null
    ? { command: "deleteEvent", eventId: target.eventId }
    : { command: "deleteOccurrence", eventId: target.eventId, instance: target.instance };
}

/** A calendar shift as FullCalendar reports a drag (its Duration): wall-clock parts. */
export interface Delta {
  years?: number;
  months?: number;
  days?: number;
  milliseconds?: number;
}

/** `d` moved by `delta` on the wall clock: days and months keep the time of day across a DST
 * change, as a drag in the week view means. */
export function shiftDate(d: Date, delta: Delta): Date {
  const out = new Date(d.getFullYear() + (delta.years ?? 0), d.getMonth() + (delta.months ?? 0), d.getDate() + (delta.days ?? 0), d.getHours(), d.getMinutes(), d.getSeconds());
  return new Date(out.getTime() + (delta.milliseconds ?? 0));
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** A series' rule after its start moved from `from` to `to`: a weekly rule's days move by as many
 * days, a monthly or yearly one follows the new date. A rule the dialog cannot show, or a move
 * within the day, keeps the rule as it is. */
export function shiftRule(rrule: string | null, from: Date, to: Date, allDay: boolean): string | null {
  if (!rrule || sameDay(from, to)) return rrule;
  const rec = fromRRule(rrule, from);
  if (!rec) return rrule;
  const days = Math.round((Date.UTC(to.getFullYear(), to.getMonth(), to.getDate()) - Date.UTC(from.getFullYear(), from.getMonth(), from.getDate())) / 86_400_000);
  const moved: Weekday[] = rec.days.map((d) => WEEKDAYS[(((WEEKDAYS.indexOf(d) + days) % 7) + 7) % 7] ?? d);
  return toRRule(
    {
      ...rec,
      days: moved,
      monthDay: to.getDate(),
      month: to.getMonth() + 1,
      ordinal: ordinalOf(to),
      weekday: weekdayOf(to),
    },
    allDay,
  );
}

/** Where a drag put an appointment: its new start and end (FullCalendar's; `end` may be missing)
 * and all-day state, and the wall-clock shifts of start and end. */
export interface Drag {
  start: Date;
  end: Date | null;
  allDay: boolean;
  startDelta: Delta;
  endDelta: Delta;
}

const HOUR = 3_600_000;

/** The draft a drag saves. `base` is what the target holds (the occurrence, the single
 * appointment, or the series' master). The occurrence and the single appointment go where they
 * were dropped; the series moves by the same wall-clock amount, its rule along. */
export function dragDraft(base: EventDraft, target: Target, drag: Drag, recurring: boolean): EventDraft {
  const whole = recurring && target.instance === null;
  if (!whole) {
    const end = drag.end ?? new Date(drag.start.getTime() + (drag.allDay ? 24 * HOUR : HOUR));
    return { ...base, start: drag.start.toISOString(), end: end.toISOString(), allDay: drag.allDay };
  }
  const from = new Date(base.start);
  let start = shiftDate(from, drag.startDelta);
  let end = shiftDate(new Date(base.end), drag.endDelta);
  if (drag.allDay !== base.allDay) {
    // Into or out of the all-day row: the series' day, at the dropped time (or all day).
    start = drag.allDay
      ? new Date(start.getFullYear(), start.getMonth(), start.getDate())
      : new Date(start.getFullYear(), start.getMonth(), start.getDate(), drag.start.getHours(), drag.start.getMinutes());
    const length = drag.end ? drag.end.getTime() - drag.start.getTime() : drag.allDay ? 24 * HOUR : HOUR;
    end = drag.allDay ? new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1) : new Date(start.getTime() + length);
  }
  return {
    ...base,
    start: start.toISOString(),
    end: end.toISOString(),
    allDay: drag.allDay,
    rrule: shiftRule(base.rrule ?? null, from, start, drag.allDay),
  };
}

/** The dialog's start and end for a stored draft: an all-day end (exclusive, the next midnight)
 * is shown as the last day. */
export function editorTimes(d: EventDraft): { start: Date; end: Date } {
  const start = new Date(d.start);
  const end = new Date(d.end);
  return { start, end: d.allDay && end > start ? new Date(end.getFullYear(), end.getMonth(), end.getDate() - 1) : end };
}
