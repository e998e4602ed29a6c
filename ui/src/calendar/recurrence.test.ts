import { describe, expect, it } from "vitest";
import { defaultRecurrence, fromRRule, ordinalOf, toRRule, weekdayOf, type Recurrence } from "./recurrence";

// Tuesday, 8 December 2026, 10:00 local time.
const start = new Date(2026, 11, 8, 10, 0);
const base = defaultRecurrence(start);
const r = (over: Partial<Recurrence>): Recurrence => ({ ...base, ...over });

describe("recurrence ↔ RRULE", () => {
  it("reads the start date", () => {
    expect(weekdayOf(start)).toBe("TU");
    expect(ordinalOf(start)).toBe(2);
    expect(ordinalOf(new Date(2026, 11, 29))).toBe(-1);
    expect(base).toMatchObject({ frequency: "none", days: ["TU"], monthDay: 8, weekday: "TU", month: 12 });
  });

  const cases: [string, Partial<Recurrence>, string | null][] = [
    ["none", { frequency: "none" }, null],
    ["daily", { frequency: "daily" }, "FREQ=DAILY"],
    ["every 3 days, 10 times", { frequency: "daily", interval: 3, end: { kind: "count", count: 10 } }, "FREQ=DAILY;INTERVAL=3;COUNT=10"],
    ["weekly on Tuesday", { frequency: "weekly" }, "FREQ=WEEKLY;BYDAY=TU"],
    ["every 2 weeks on Monday and Thursday", { frequency: "weekly", interval: 2, days: ["TH", "MO"] }, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"],
    ["monthly on day 8", { frequency: "monthlyByDay" }, "FREQ=MONTHLY;BYMONTHDAY=8"],
    ["monthly on the second Tuesday", { frequency: "monthlyByWeekday" }, "FREQ=MONTHLY;BYDAY=2TU"],
    ["monthly on the last Friday", { frequency: "monthlyByWeekday", ordinal: -1, weekday: "FR" }, "FREQ=MONTHLY;BYDAY=-1FR"],
    ["yearly on 8 December", { frequency: "yearly" }, "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=8"],
    ["every 2 years, 5 times", { frequency: "yearly", interval: 2, end: { kind: "count", count: 5 } }, "FREQ=YEARLY;INTERVAL=2;BYMONTH=12;BYMONTHDAY=8;COUNT=5"],
  ];
  for (const [name, over, rule] of cases) {
    it(`writes and reads back: ${name}`, () => {
      const choice = r(over);
      expect(toRRule(choice)).toBe(rule);
      const back = fromRRule(rule, start);
      expect(back).not.toBeNull();
      if (rule === null) {
        expect(back?.frequency).toBe("none");
        return;
      }
      expect(toRRule(back as Recurrence)).toBe(rule);
      expect(back?.frequency).toBe(choice.frequency);
      expect(back?.interval).toBe(choice.interval);
      expect(back?.end).toEqual(choice.end);
    });
  }

  it("ends on a date: the date for all-day events, the day's last local second in UTC otherwise", () => {
    const until = r({ frequency: "weekly", end: { kind: "until", date: "2027-03-30" } });
    expect(toRRule(until, true)).toBe("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330");
    const timed = toRRule(until, false) ?? "";
    const stamp = /UNTIL=(\d{8}T\d{6}Z)$/.exec(timed)?.[1] ?? "";
    const expected = new Date(2027, 2, 30, 23, 59, 59).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    expect(stamp).toBe(expected);
    expect(fromRRule(timed, start)?.end).toEqual({ kind: "until", date: "2027-03-30" });
    expect(fromRRule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330", start)?.end).toEqual({ kind: "until", date: "2027-03-30" });
  });

  it("reads rules written elsewhere", () => {
    expect(fromRRule("RRULE:FREQ=WEEKLY;WKST=MO;BYDAY=MO,WE,FR", start)).toMatchObject({ frequency: "weekly", days: ["MO", "WE", "FR"] });
    expect(fromRRule("FREQ=WEEKLY", start)).toMatchObject({ frequency: "weekly", days: ["TU"] });
    expect(fromRRule("FREQ=MONTHLY", start)).toMatchObject({ frequency: "monthlyByDay", monthDay: 8 });
    expect(fromRRule("", start)?.frequency).toBe("none");
  });

  it("refuses what the editor cannot show", () => {
    for (const rule of [
      "FREQ=HOURLY",
      "FREQ=DAILY;BYHOUR=9",
      "FREQ=MONTHLY;BYDAY=MO,TU",
      "FREQ=MONTHLY;BYDAY=5MO",
      "FREQ=WEEKLY;COUNT=3;UNTIL=20270101",
      "FREQ=DAILY;INTERVAL=0",
      "FREQ=YEARLY;BYDAY=1MO",
      "nonsense",
    ]) {
      expect(fromRRule(rule, start), rule).toBeNull();
    }
  });
});
