import { describe, expect, it } from "vitest";
import { formatDate, parseDate, parseTime } from "./dates";

describe("dates in the UI's language", () => {
  it("writes a date the German or the British way, not the system's", () => {
    expect(formatDate("2026-05-12", "de")).toBe("12.05.2026");
    expect(formatDate("2026-05-12", "en")).toBe("12/05/2026");
    expect(formatDate("", "de")).toBe("");
  });

  it("reads what a person types, day first", () => {
    const now = new Date(2026, 11, 5);
    expect(parseDate("12.05.2026", now)).toBe("2026-05-12");
    expect(parseDate("12/05/2026", now)).toBe("2026-05-12");
    expect(parseDate("1.2.27", now)).toBe("2027-02-01");
    expect(parseDate("8.12.", now)).toBe("2026-12-08");
    expect(parseDate("2026-12-08", now)).toBe("2026-12-08");
    expect(parseDate("31.02.2026", now)).toBeNull();
    expect(parseDate("morgen", now)).toBeNull();
  });

  it("reads a time, 24-hour", () => {
    expect(parseTime("9:30")).toBe("09:30");
    expect(parseTime("14.05")).toBe("14:05");
    expect(parseTime("0930")).toBe("09:30");
    expect(parseTime("9")).toBe("09:00");
    expect(parseTime("24:00")).toBeNull();
    expect(parseTime("9:75")).toBeNull();
  });
});
