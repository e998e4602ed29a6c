import { describe, expect, it } from "vitest";
import type { EventDraft } from "../lib/bindings";
import { asksScope, deleteCall, dragDraft, saveCall, shiftDate, shiftRule, targetOf } from "./series";

// An occurrence of a weekly series: Tuesday 8 December 2026, 10:00–11:00 local time.
const occStart = new Date(2026, 11, 8, 10, 0);
const occ = { eventId: 42, instance: occStart.getTime() / 1000 };

const draft = (over: Partial<EventDraft> = {}): EventDraft => ({
  calendarId: 1,
  summary: "Jour fixe",
  location: null,
  description: null,
  // The series began on Tuesday 6 October 2026.
  start: new Date(2026, 9, 6, 10, 0).toISOString(),
  end: new Date(2026, 9, 6, 11, 0).toISOString(),
  allDay: false,
  timeZone: null,
  reminderMinutes: 15,
  rrule: "FREQ=WEEKLY;BYDAY=TU",
  uid: "u1",
  ...over,
});

describe("only this appointment / the whole series", () => {
  it("asks only for a series", () => {
    expect(asksScope(true)).toBe(true);
    expect(asksScope(false)).toBe(false);
  });

  it("changes one occurrence as an exception and the series through its master", () => {
    const one = targetOf(occ, true, "occurrence");
    expect(one).toEqual({ eventId: 42, instance: occ.instance });
    expect(saveCall(one, draft())).toMatchObject({ command: "updateOccurrence", eventId: 42, instance: occ.instance });
    const all = targetOf(occ, true, "series");
    expect(all).toEqual({ eventId: 42, instance: null });
    expect(saveCall(all, draft())).toMatchObject({ command: "updateEvent", eventId: 42 });
    // A single appointment is the event itself, whatever was chosen.
    expect(targetOf(occ, false, "occurrence")).toEqual({ eventId: 42, instance: null });
  });

  it("deletes one occurrence (an EXDATE) or the whole series", () => {
    expect(deleteCall(targetOf(occ, true, "occurrence"))).toEqual({ command: "deleteOccurrence", eventId: 42, instance: occ.instance });
    expect(deleteCall(targetOf(occ, true, "series"))).toEqual({ command: "deleteEvent", eventId: 42 });
    expect(deleteCall(targetOf(occ, false, null))).toEqual({ command: "deleteEvent", eventId: 42 });
  });
});

describe("a drag", () => {
  const to = new Date(2026, 11, 9, 14, 0);
  const drag = {
    start: to,
    end: new Date(2026, 11, 9, 15, 0),
    allDay: false,
    startDelta: { days: 1, milliseconds: 4 * 3_600_000 },
    endDelta: { days: 1, milliseconds: 4 * 3_600_000 },
  };

  it("moves only this occurrence to where it was dropped, without a rule", () => {
    const base = draft({ start: occStart.toISOString(), end: new Date(2026, 11, 8, 11).toISOString(), rrule: null });
    const d = dragDraft(base, targetOf(occ, true, "occurrence"), drag, true);
    expect(d.start).toBe(to.toISOString());
    expect(d.end).toBe(new Date(2026, 11, 9, 15, 0).toISOString());
    expect(d.rrule).toBeNull();
    expect(d.summary).toBe("Jour fixe");
  });

  it("moves the whole series by the same wall-clock amount, its weekday along", () => {
    const d = dragDraft(draft(), targetOf(occ, true, "series"), drag, true);
    expect(d.start).toBe(new Date(2026, 9, 7, 14, 0).toISOString());
    expect(d.end).toBe(new Date(2026, 9, 7, 15, 0).toISOString());
    expect(d.rrule).toBe("FREQ=WEEKLY;BYDAY=WE");
  });

  it("resizes the whole series by its end only", () => {
    const d = dragDraft(
      draft(),
      targetOf(occ, true, "series"),
      { ...drag, start: occStart, startDelta: {}, endDelta: { milliseconds: 1_800_000 } },
      true,
    );
    expect(d.start).toBe(draft().start);
    expect(d.end).toBe(new Date(2026, 9, 6, 11, 30).toISOString());
    expect(d.rrule).toBe("FREQ=WEEKLY;BYDAY=TU");
  });

  it("keeps the time of day across days and a rule it cannot show", () => {
    const s = shiftDate(new Date(2026, 9, 20, 10, 0), { days: 14 });
    expect([s.getDate(), s.getMonth(), s.getHours()]).toEqual([3, 10, 10]);
    expect(shiftRule("FREQ=WEEKLY;BYDAY=TU;BYSETPOS=1", new Date(2026, 9, 6), new Date(2026, 9, 7), false)).toBe(
      "FREQ=WEEKLY;BYDAY=TU;BYSETPOS=1",
    );
    expect(shiftRule("FREQ=WEEKLY;BYDAY=MO,FR", new Date(2026, 9, 9), new Date(2026, 9, 12), false)).toBe("FREQ=WEEKLY;BYDAY=MO,TH");
    expect(shiftRule("FREQ=MONTHLY;BYMONTHDAY=6", new Date(2026, 9, 6), new Date(2026, 9, 8), false)).toBe("FREQ=MONTHLY;BYMONTHDAY=8");
  });
});
