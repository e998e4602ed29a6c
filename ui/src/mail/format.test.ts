import { describe, expect, it } from "vitest";
import { dateGroup, formatListDate, formatSize, pluralForm } from "./format";
import { groupHeaders, itemAt, positionOf, displayCount } from "./display";

// Thursday 14 May 2026, 16:00 local time.
const now = new Date(2026, 4, 14, 16, 0);
const at = (d: number, h: number, m: number, month = 4, y = 2026) => new Date(y, month, d, h, m).getTime() / 1000;

describe("formatListDate", () => {
  it("shows the time today, weekday and time this week, the date before", () => {
    expect(formatListDate(at(14, 14, 3), now, "de")).toBe("14:03");
    expect(formatListDate(at(11, 14, 3), now, "de")).toBe("Mo 14:03");
    expect(formatListDate(at(8, 9, 5), now, "de")).toBe("Fr 09:05");
    expect(formatListDate(at(12, 14, 3, 4 - 0) - 86400 * 5, now, "de")).toBe("07.05.2026");
    expect(formatListDate(at(12, 8, 0, 0, 2025), now, "de")).toBe("12.01.2025");
  });
  it("speaks English", () => {
    expect(formatListDate(at(14, 14, 3), now, "en")).toBe("14:03");
    expect(formatListDate(at(11, 14, 3), now, "en")).toBe("Mon 14:03");
    expect(formatListDate(at(12, 8, 0, 0, 2025), now, "en")).toBe("12/01/2025");
  });
  it("treats a date in the future as today", () => {
    expect(formatListDate(at(15, 9, 0), now, "de")).toBe("09:00");
  });
});

describe("dateGroup", () => {
  it("groups as Outlook does, weeks from Monday", () => {
    expect(dateGroup(at(14, 0, 1), now)).toBe("today");
    expect(dateGroup(at(13, 23, 59), now)).toBe("yesterday");
    expect(dateGroup(at(11, 8, 0), now)).toBe("thisWeek"); // Monday
    expect(dateGroup(at(10, 8, 0), now)).toBe("lastWeek"); // Sunday
    expect(dateGroup(at(4, 8, 0), now)).toBe("lastWeek"); // Monday a week before
    expect(dateGroup(at(3, 8, 0), now)).toBe("older");
  });
  it("on a Monday, yesterday is last week's Sunday and there is no 'this week' before it", () => {
    const monday = new Date(2026, 4, 11, 9, 0);
    expect(dateGroup(at(10, 8, 0), monday)).toBe("yesterday");
    expect(dateGroup(at(9, 8, 0), monday)).toBe("lastWeek");
  });
});

describe("group headers", () => {
  // Rows 0..5 (newest first): today, today, yesterday, monday, older, older.
  const dates = [at(14, 15, 0), at(14, 9, 0), at(13, 9, 0), at(11, 9, 0), at(1, 9, 0), at(1, 8, 0)];
  const rowDate = (i: number) => dates[i];

  it("puts a header before row 0 and where the group changes", () => {
    const headers = groupHeaders([0, 1, 2, 3, 4, 5], rowDate, now);
    expect(headers.map((h) => [h.before, h.group])).toEqual([
      [0, "today"],
      [2, "yesterday"],
      [3, "thisWeek"],
      [4, "older"],
    ]);
    expect(displayCount(6, headers)).toBe(10);
    const items = Array.from({ length: 10 }, (_, p) => itemAt(p, headers));
    expect(items.map((it) => (it.kind === "header" ? it.group : it.index))).toEqual([
      "today", 0, 1, "yesterday", 2, "thisWeek", 3, "older", 4, 5,
    ]);
    for (let i = 0; i < 6; i++) expect(itemAt(positionOf(i, headers), headers)).toEqual({ kind: "message", index: i });
  });
  it("puts no header where the row before is not loaded", () => {
    const loaded = [3, 4, 5];
    const headers = groupHeaders(loaded, (i) => (loaded.includes(i) ? dates[i] : undefined), now);
    expect(headers.map((h) => h.before)).toEqual([4]);
  });
});

describe("sizes and plurals", () => {
  it("formats sizes in both languages", () => {
    expect(formatSize(12_000, "en")).toBe("12 kB");
    expect(formatSize(1_572_864, "de")).toBe("1,5 MB");
    expect(formatSize(10, "de")).toBe("1 kB");
  });
  it("picks one or other", () => {
    expect(pluralForm(1, "de")).toBe("one");
    expect(pluralForm(2, "en")).toBe("other");
    expect(pluralForm(0, "en")).toBe("other");
  });
});
