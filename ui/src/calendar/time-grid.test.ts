import { describe, expect, it } from "vitest";
import type { CalendarOccurrence } from "../lib/bindings";
import { allDayBars, gridDays, isoWeek, layoutColumn, minutesAt, minutesInDay, snapDelta, stepAnchor, timedSegments } from "./time-grid";

const occ = (over: Partial<CalendarOccurrence>): CalendarOccurrence => ({
  eventId: 1,
  calendarId: 1,
  uid: "u1",
  instance: 0,
  start: 0,
  end: 0,
  allDay: false,
  isOverride: false,
  summary: "",
  location: "",
  hasReminder: false,
  myAnswer: null,
  ...over,
});

/** Seconds of a local wall-clock time. */
const at = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min).getTime() / 1000;

const iso = (d: Date) => `${String(d.getFullYear())}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** Items `[start, end]` in minutes, named by their index. */
const items = (...spans: [number, number][]) => spans.map(([start, end], i) => ({ id: i, start, end }));

describe("the time grid's days", () => {
  it("starts weeks on Monday and steps by a day or a week", () => {
    const sunday = new Date(2026, 11, 13, 15, 0);
    expect(gridDays("week", sunday).map(iso)).toEqual(["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13"]);
    expect(gridDays("workWeek", sunday).map(iso)).toEqual(["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"]);
    expect(gridDays("day", sunday).map(iso)).toEqual(["2026-12-13"]);
    expect(iso(stepAnchor("week", sunday, 1))).toBe("2026-12-20");
    expect(iso(stepAnchor("day", sunday, -1))).toBe("2026-12-12");
    // Across the October change the days stay whole days.
    expect(gridDays("week", new Date(2026, 9, 25)).map(iso)).toEqual(["2026-10-19", "2026-10-20", "2026-10-21", "2026-10-22", "2026-10-23", "2026-10-24", "2026-10-25"]);
  });
  it("numbers weeks as ISO 8601 does", () => {
    expect(isoWeek(new Date(2026, 11, 7))).toBe(50);
    expect(isoWeek(new Date(2026, 0, 1))).toBe(1);
    expect(isoWeek(new Date(2027, 0, 1))).toBe(53);
    expect(isoWeek(new Date(2027, 0, 4))).toBe(1);
    expect(isoWeek(new Date(2025, 11, 29))).toBe(1);
    expect(isoWeek(new Date(2021, 0, 3))).toBe(53);
  });
});

describe("placing appointments in the columns", () => {
  it("counts minutes by the wall clock, also on the days the clocks change", () => {
    const day = new Date(2026, 9, 25);
    expect(minutesInDay(day, at(2026, 10, 25, 9) * 1000)).toBe(540);
    expect(minutesInDay(day, at(2026, 10, 24, 23) * 1000)).toBe(0);
    expect(minutesInDay(day, at(2026, 10, 26, 1) * 1000)).toBe(24 * 60);
  });
  it("cuts an appointment over midnight into a part per day", () => {
    const days = gridDays("week", new Date(2026, 11, 7)).map((day) => ({ day }));
    const s = timedSegments([occ({ start: at(2026, 12, 8, 22), end: at(2026, 12, 9, 2) })], days);
    expect(s.map((x) => [x.col, x.start, x.end, x.startsHere, x.endsHere])).toEqual([
      [1, 22 * 60, 24 * 60, true, false],
      [2, 0, 120, false, true],
    ]);
  });
  it("keeps all-day appointments out of the hours and a zero-length one at its time", () => {
    const days = [{ day: new Date(2026, 11, 7) }];
    const s = timedSegments(
      [occ({ allDay: true, start: at(2026, 12, 7), end: at(2026, 12, 8) }), occ({ eventId: 2, start: at(2026, 12, 7, 12), end: at(2026, 12, 7, 12) })],
      days,
    );
    expect(s.map((x) => [x.o.eventId, x.start, x.end])).toEqual([[2, 720, 720]]);
  });
  it("puts each calendar in its own column of the day side by side", () => {
    const day = new Date(2026, 9, 25);
    const columns = [
      { day, calendarId: 1 },
      { day, calendarId: 2 },
    ];
    const list = [
      occ({ start: at(2026, 10, 25, 10), end: at(2026, 10, 25, 11) }),
      occ({ eventId: 2, calendarId: 2, start: at(2026, 10, 25, 10), end: at(2026, 10, 25, 11) }),
      occ({ eventId: 3, calendarId: 3, start: at(2026, 10, 25, 10), end: at(2026, 10, 25, 11) }),
      occ({ eventId: 4, calendarId: 2, allDay: true, start: at(2026, 10, 25), end: at(2026, 10, 26) }),
    ];
    expect(timedSegments(list, columns).map((x) => [x.o.eventId, x.col, x.start])).toEqual([
      [1, 0, 600],
      [2, 1, 600],
    ]);
    expect(allDayBars(list, columns).map((b) => [b.o.eventId, b.first, b.last])).toEqual([[4, 1, 1]]);
  });
  it("turns pointer pixels into snapped minutes", () => {
    expect(minutesAt(100, 0.8, 30)).toBe(120);
    expect(minutesAt(-5, 0.8, 30)).toBe(0);
    expect(minutesAt(5000, 0.8, 30)).toBe(24 * 60 - 30);
    expect(snapDelta(144, 0.8, 15)).toBe(180);
    expect(snapDelta(-7, 0.8, 15)).toBe(-15);
    expect(snapDelta(5, 0.8, 15)).toBe(0);
  });
});

describe("overlapping appointments side by side", () => {
  const lanesOf = (r: ReturnType<typeof layoutColumn<{ id: number; start: number; end: number }>>) =>
    r.placed.sort((a, b) => a.item.id - b.item.id).map((p) => [p.item.id, p.lane, p.lanes]);

  it("gives appointments that do not overlap the whole width", () => {
    const r = layoutColumn(items([540, 600], [600, 660], [700, 720]), 3);
    expect(lanesOf(r)).toEqual([
      [0, 0, 1],
      [1, 0, 1],
      [2, 0, 1],
    ]);
    expect(r.more).toEqual([]);
  });
  it("puts overlapping ones side by side, each in the leftmost lane free", () => {
    // 0 09–11, 1 09:30–10, 2 10–10:30 (fits under 1), 3 10:15–12 (a third lane), 4 13–14 alone.
    const r = layoutColumn(items([540, 660], [570, 600], [600, 630], [615, 720], [780, 840]), 4);
    expect(lanesOf(r)).toEqual([
      [0, 0, 3],
      [1, 1, 3],
      [2, 1, 3],
      [3, 2, 3],
      [4, 0, 1],
    ]);
  });
  it("places the earlier and then the longer first", () => {
    const r = layoutColumn(items([600, 630], [600, 720]), 3);
    expect(lanesOf(r)).toEqual([
      [0, 1, 2],
      [1, 0, 2],
    ]);
  });
  it("lays out short appointments as long as they are drawn", () => {
    // Both five minutes, 10 minutes apart: drawn 20 minutes tall, they would cover each other.
    const r = layoutColumn(items([600, 605], [610, 615]), 3);
    expect(lanesOf(r)).toEqual([
      [0, 0, 2],
      [1, 1, 2],
    ]);
    expect(lanesOf(layoutColumn(items([600, 605], [610, 615]), 3, 5))).toEqual([
      [0, 0, 1],
      [1, 0, 1],
    ]);
  });
  it("hides what does not fit behind one +n per group", () => {
    const r = layoutColumn(items([540, 600], [540, 600], [540, 600], [550, 600], [560, 590], [700, 760], [700, 760]), 3);
    expect(lanesOf(r)).toEqual([
      [0, 0, 3],
      [1, 1, 3],
      [2, 2, 3],
      [5, 0, 2],
      [6, 1, 2],
    ]);
    expect(r.more.map((m) => [m.start, m.items.map((i) => i.id)])).toEqual([[550, [3, 4]]]);
  });
});

describe("the all-day row", () => {
  it("stacks bars over the days they cover, the longer first", () => {
    const days = gridDays("week", new Date(2026, 11, 7)).map((day) => ({ day }));
    const bars = allDayBars(
      [
        occ({ eventId: 1, allDay: true, start: at(2026, 12, 8), end: at(2026, 12, 9) }),
        occ({ eventId: 2, allDay: true, start: at(2026, 12, 8), end: at(2026, 12, 11) }),
        occ({ eventId: 3, allDay: true, start: at(2026, 12, 11), end: at(2026, 12, 12) }),
        occ({ eventId: 4, allDay: true, start: at(2026, 12, 1), end: at(2026, 12, 9) }),
        occ({ eventId: 5, allDay: true, start: at(2026, 12, 20), end: at(2026, 12, 21) }),
      ],
      days,
    );
    expect(bars.map((b) => [b.o.eventId, b.first, b.last, b.row])).toEqual([
      [4, 0, 1, 0],
      [2, 1, 3, 1],
      [1, 1, 1, 2],
      [3, 4, 4, 0],
    ]);
  });
});
