// The time grid the app draws itself (day, work week, week, the day side by side): which days
// it shows, where each appointment goes, and the side-by-side layout of overlapping ones.
// Pure functions over the core's occurrences (instants); the component is TimeGrid.tsx
// (docs/decisions/0008-own-time-grid.md).
import type { CalendarOccurrence } from "../lib/bindings";

export type GridKind = "day" | "workWeek" | "week";

/** Minutes of a slot (a row of the grid, what a click selects). */
export const SLOT_MINUTES = 30;
/** Minutes a drag moves or resizes by. */
export const SNAP_MINUTES = 15;
/** The shortest appointment drawn, in minutes (a 5-minute one still shows its title). */
export const MIN_DRAWN_MINUTES = 20;
export const DAY_MINUTES = 24 * 60;

export function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** `d`'s day moved by `n` calendar days (midnight; across DST changes too). */
export function addDays(d: Date, n: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
}

/** The Monday of `d`'s week (weeks start on Monday in both languages). */
export function mondayOf(d: Date): Date {
  return addDays(d, -((d.getDay() + 6) % 7));
}

/** The days a grid of `kind` shows around `anchor`. */
export function gridDays(kind: GridKind, anchor: Date): Date[] {
  if (kind === "day") return [startOfDay(anchor)];
  const monday = mondayOf(anchor);
  return Array.from({ length: kind === "week" ? 7 : 5 }, (_, i) => addDays(monday, i));
}

/** The anchor one step on (a day or a week). */
export function stepAnchor(kind: GridKind, anchor: Date, dir: number): Date {
  return addDays(anchor, dir * (kind === "day" ? 1 : 7));
}

/** The ISO 8601 week number ("KW 50"). */
export function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  // The Thursday of the week decides its year.
  t.setUTCDate(t.getUTCDate() + 3 - ((t.getUTCDay() + 6) % 7));
  const jan1 = Date.UTC(t.getUTCFullYear(), 0, 1);
  return 1 + Math.floor((t.getTime() - jan1) / 86_400_000 / 7);
}

/** Minutes since the local midnight of `day` of the instant `ms`, as the wall clock shows them
 * (so 09:00 is 540 on the days of a DST change too), clamped to the day. */
export function minutesInDay(day: Date, ms: number): number {
  if (ms <= day.getTime()) return 0;
  if (ms >= addDays(day, 1).getTime()) return DAY_MINUTES;
  const d = new Date(ms);
  return d.getHours() * 60 + d.getMinutes() + d.getSeconds() / 60;
}

/** The instant at `minutes` after the local midnight of `day` (wall clock). */
export function atMinutes(day: Date, minutes: number): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate(), 0, minutes);
}

/** A column of the grid: a day, in the day side by side also a calendar. */
export interface GridColumn {
  day: Date;
  calendarId?: number;
}

/** An appointment's part in one column: minutes from the column day's midnight. */
export interface Segment {
  o: CalendarOccurrence;
  col: number;
  start: number;
  end: number;
  /** Whether the appointment begins / ends in this column (not the day before / after). */
  startsHere: boolean;
  endsHere: boolean;
}

/** The timed appointments' parts in each column (one per day they touch). */
export function timedSegments(list: readonly CalendarOccurrence[], columns: readonly GridColumn[]): Segment[] {
  const out: Segment[] = [];
  columns.forEach((c, col) => {
    const from = c.day.getTime();
    const to = addDays(c.day, 1).getTime();
    for (const o of list) {
      if (o.allDay) continue;
      if (c.calendarId !== undefined && o.calendarId !== c.calendarId) continue;
      const s = o.start * 1000;
      const e = Math.max(o.end * 1000, s);
      // An appointment of no length still shows at its time.
      if (!(s < to && (e > from || (e === s && s >= from)))) continue;
      out.push({ o, col, start: minutesInDay(c.day, s), end: minutesInDay(c.day, e), startsHere: s >= from, endsHere: e <= to });
    }
  });
  return out;
}

export interface Placed<T> {
  item: T;
  /** The lane (0 = leftmost) and how many lanes its group of overlapping ones has. */
  lane: number;
  lanes: number;
}

export interface More<T> {
  /** Where the link goes: the first hidden appointment's start, in minutes. */
  start: number;
  items: T[];
}

/**
 * Overlapping appointments side by side, as Outlook and Thunderbird draw them: the ones that
 * overlap (directly or through others) form a group; each goes into the leftmost lane free at
 * its start, the earlier and then the longer first; every lane of a group is as wide. At most
 * `maxLanes` lanes are drawn, the appointments beyond them are behind one "+n" per group.
 * An appointment shorter than `minLength` minutes is laid out as that long (as it is drawn).
 */
export function layoutColumn<T extends { start: number; end: number }>(
  items: readonly T[],
  maxLanes: number,
  minLength = MIN_DRAWN_MINUTES,
): { placed: Placed<T>[]; more: More<T>[] } {
  const drawnEnd = (x: T) => Math.max(x.end, x.start + minLength);
  const sorted = [...items].sort((a, b) => a.start - b.start || drawnEnd(b) - drawnEnd(a));
  const placed: Placed<T>[] = [];
  const more: More<T>[] = [];
  let group: { item: T; lane: number }[] = [];
  let laneEnds: number[] = [];
  let groupEnd = -Infinity;
  const close = () => {
    if (group.length === 0) return;
    const lanes = Math.min(laneEnds.length, maxLanes);
    const hidden: T[] = [];
    for (const g of group) {
      if (g.lane < maxLanes) placed.push({ item: g.item, lane: g.lane, lanes });
      else hidden.push(g.item);
    }
    if (hidden.length > 0) more.push({ start: Math.min(...hidden.map((h) => h.start)), items: hidden });
    group = [];
    laneEnds = [];
  };
  for (const item of sorted) {
    if (item.start >= groupEnd) {
      close();
      groupEnd = -Infinity;
    }
    let lane = laneEnds.findIndex((end) => end <= item.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(drawnEnd(item));
    } else {
      laneEnds[lane] = drawnEnd(item);
    }
    group.push({ item, lane });
    groupEnd = Math.max(groupEnd, drawnEnd(item));
  }
  close();
  return { placed, more };
}

/** An all-day appointment's bar in the all-day row: its first and last column and its row. */
export interface Bar {
  o: CalendarOccurrence;
  first: number;
  last: number;
  row: number;
}

/** The all-day appointments as bars over the columns they cover, each in the topmost row free
 * over all of them (the earlier and then the longer first). */
export function allDayBars(list: readonly CalendarOccurrence[], columns: readonly GridColumn[]): Bar[] {
  const spans: Omit<Bar, "row">[] = [];
  for (const o of list) {
    if (!o.allDay) continue;
    let first = -1;
    let last = -1;
    columns.forEach((c, i) => {
      if (c.calendarId !== undefined && o.calendarId !== c.calendarId) return;
      const from = c.day.getTime();
      const to = addDays(c.day, 1).getTime();
      const s = o.start * 1000;
      const e = Math.max(o.end * 1000, s + 1);
      if (s < to && e > from) {
        if (first < 0) first = i;
        last = i;
      }
    });
    if (first >= 0) spans.push({ o, first, last });
  }
  spans.sort((a, b) => a.first - b.first || b.last - b.first - (a.last - a.first));
  const rowEnds: number[] = [];
  return spans.map((s) => {
    let row = rowEnds.findIndex((end) => end < s.first);
    if (row < 0) {
      row = rowEnds.length;
      rowEnds.push(s.last);
    } else {
      rowEnds[row] = s.last;
    }
    return { ...s, row };
  });
}

/** Minutes at a pointer `y` pixels below a column's top, rounded down to `step`, within the day. */
export function minutesAt(y: number, pxPerMinute: number, step: number): number {
  const m = Math.floor(y / pxPerMinute / step) * step;
  return Math.min(Math.max(m, 0), DAY_MINUTES - step);
}

/** A drag's move in minutes: `dy` pixels rounded to the nearest `step`. */
export function snapDelta(dy: number, pxPerMinute: number, step: number): number {
  return Math.round(dy / pxPerMinute / step) * step;
}
