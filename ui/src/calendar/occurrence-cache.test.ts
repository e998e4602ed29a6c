import { describe, expect, it } from "vitest";
import type { CalendarOccurrence } from "../lib/bindings";
import { OccurrenceCache, overlaps } from "./occurrence-cache";

const DAY = 86_400;

function occ(id: number, start: number, end: number): CalendarOccurrence {
  return {
    eventId: id,
    calendarId: 1,
    uid: `u${String(id)}`,
    instance: start,
    start,
    end,
    allDay: false,
    isOverride: false,
    summary: `E${String(id)}`,
    location: "",
    hasReminder: false,
    myAnswer: null,
  };
}

/** A store of occurrences and a loader over it that records what it was asked. */
function store(list: CalendarOccurrence[]) {
  const asked: [number, number][] = [];
  const load = (from: number, to: number) => {
    asked.push([from, to]);
    // By start, then end, then uid, as the core answers.
    const hits = list.filter((o) => overlaps(o, from, to));
    hits.sort((a, b) => a.start - b.start || a.end - b.end || a.uid.localeCompare(b.uid));
    return Promise.resolve(hits);
  };
  return { asked, load };
}

const ids = (l: CalendarOccurrence[] | null) => l?.map((o) => o.eventId) ?? null;

describe("the occurrence cache", () => {
  // One appointment a day at 09:00 for 60 days, one spanning days 6 to 8, an instant on day 7.
  const all = [
    ...Array.from({ length: 60 }, (_, i) => occ(i, i * DAY + 9 * 3600, i * DAY + 10 * 3600)),
    occ(100, 6 * DAY, 8 * DAY + 3600),
    occ(101, 7 * DAY, 7 * DAY),
  ];

  it("counts as overlapping what the core counts", () => {
    expect(overlaps(occ(1, 10, 20), 20, 30)).toBe(false);
    expect(overlaps(occ(1, 10, 21), 20, 30)).toBe(true);
    expect(overlaps(occ(1, 20, 20), 20, 30)).toBe(true);
    expect(overlaps(occ(1, 30, 40), 20, 30)).toBe(false);
  });

  it("answers a range it read, and the weeks around it once read ahead, without asking again", async () => {
    const s = store(all);
    const c = new OccurrenceCache(s.load);
    expect(c.peek(7 * DAY, 14 * DAY)).toBeNull();
    expect(ids(await c.get(7 * DAY, 14 * DAY))).toEqual([100, 101, 7, 8, 9, 10, 11, 12, 13]);
    expect(s.asked).toEqual([[7 * DAY, 14 * DAY]]);
    c.readAround(7 * DAY, 14 * DAY);
    expect(s.asked).toEqual([
      [7 * DAY, 14 * DAY],
      [0, 7 * DAY],
      [14 * DAY, 21 * DAY],
    ]);
    // The next week, while its read is under way: waits for it, does not read twice.
    expect(ids(await c.get(14 * DAY, 21 * DAY))).toEqual([14, 15, 16, 17, 18, 19, 20]);
    expect(s.asked.length).toBe(3);
    // The week before: the appointment reaching into the week shown is there once.
    expect(ids(c.peek(0, 7 * DAY))).toEqual([0, 1, 2, 3, 4, 5, 100, 6]);
    expect(ids(c.peek(6 * DAY, 8 * DAY))).toEqual([100, 6, 101, 7]);
    // Beyond what was read: the core is asked.
    expect(c.peek(14 * DAY, 22 * DAY)).toBeNull();
  });

  it("forgets everything when told a calendar changed, also a read ahead still under way", async () => {
    const s = store(all);
    const c = new OccurrenceCache(s.load);
    await c.get(7 * DAY, 14 * DAY);
    c.readAround(7 * DAY, 14 * DAY);
    c.clear();
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(c.peek(7 * DAY, 14 * DAY)).toBeNull();
    expect(c.peek(14 * DAY, 21 * DAY)).toBeNull();
    await c.get(30 * DAY, 37 * DAY);
    expect(ids(c.peek(30 * DAY, 37 * DAY))).toEqual([30, 31, 32, 33, 34, 35, 36]);
  });

  it("starts a new stretch for a range far from the one kept", async () => {
    const s = store(all);
    const c = new OccurrenceCache(s.load);
    await c.get(0, 7 * DAY);
    await c.get(40 * DAY, 47 * DAY);
    expect(c.peek(0, 7 * DAY)).toBeNull();
    expect(ids(c.peek(40 * DAY, 41 * DAY))).toEqual([40]);
  });

  it("passes a failed read on and keeps nothing of it", async () => {
    const c = new OccurrenceCache(() => Promise.reject(new Error("offline")));
    await expect(c.get(0, DAY)).rejects.toThrow("offline");
    expect(c.peek(0, DAY)).toBeNull();
  });
});
