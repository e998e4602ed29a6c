import { describe, expect, it } from "vitest";
import { isoWeek, monthGrid, sameDay } from "./mini-month";

const ymd = (d: Date | undefined) => (d ? `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}` : "");

describe("monthGrid", () => {
  it("is six weeks from the Monday on or before the first", () => {
    // December 2026 begins on a Tuesday.
    const weeks = monthGrid(new Date(2026, 11, 17));
    expect(weeks).toHaveLength(6);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    expect(ymd(weeks[0]?.[0])).toBe("2026-11-30");
    expect(weeks[0]?.[0]?.getDay()).toBe(1);
    expect(ymd(weeks[5]?.[6])).toBe("2027-1-10");
  });
  it("starts on the first when the month begins on a Monday", () => {
    // June 2026 begins on a Monday.
    expect(ymd(monthGrid(new Date(2026, 5, 1))[0]?.[0])).toBe("2026-6-1");
  });
  it("has every day once, at midnight, across the DST change", () => {
    const days = monthGrid(new Date(2026, 9, 1)).flat();
    expect(new Set(days.map(ymd)).size).toBe(42);
    expect(days.every((d) => d.getHours() === 0)).toBe(true);
  });
});

describe("isoWeek", () => {
  it("numbers weeks as ISO 8601 does", () => {
    expect(isoWeek(new Date(2026, 11, 4))).toBe(49);
    expect(isoWeek(new Date(2026, 0, 1))).toBe(1);
    // 2021-01-03 (a Sunday) still belongs to 2020's week 53.
    expect(isoWeek(new Date(2021, 0, 3))).toBe(53);
    expect(isoWeek(new Date(2024, 11, 30))).toBe(1);
  });
});

describe("sameDay", () => {
  it("compares the local day only", () => {
    expect(sameDay(new Date(2026, 11, 4, 23, 59), new Date(2026, 11, 4, 0, 1))).toBe(true);
    expect(sameDay(new Date(2026, 11, 4), new Date(2026, 11, 5))).toBe(false);
  });
});
