import { describe, expect, it } from "vitest";
import { instantIn, isKnownZone, isUtc, wallClock, zoneChoices, userZone } from "./zones";

describe("time zones of the event dialog", () => {
  it("turns another zone's wall clock into the instant and back", () => {
    expect(instantIn("2026-12-08", "10:00", "America/New_York")?.toISOString()).toBe("2026-12-08T15:00:00.000Z");
    expect(instantIn("2026-07-08", "10:00", "America/New_York")?.toISOString()).toBe("2026-07-08T14:00:00.000Z");
    expect(instantIn("2026-12-08", "10:00", "Europe/Berlin")?.toISOString()).toBe("2026-12-08T09:00:00.000Z");
    expect(wallClock(new Date("2026-12-08T15:00:00Z"), "America/New_York")).toEqual({ date: "2026-12-08", time: "10:00" });
    expect(wallClock(new Date("2026-12-08T23:30:00Z"), "Asia/Tokyo")).toEqual({ date: "2026-12-09", time: "08:30" });
  });
  it("handles the days the clocks change", () => {
    // Europe/Berlin, 25 October 2026: 02:30 comes twice; 29 March 2026: 02:30 does not exist.
    expect(instantIn("2026-10-25", "03:30", "Europe/Berlin")?.toISOString()).toBe("2026-10-25T02:30:00.000Z");
    expect(instantIn("2026-10-24", "10:00", "Europe/Berlin")?.toISOString()).toBe("2026-10-24T08:00:00.000Z");
    expect(instantIn("2026-03-29", "12:00", "Europe/Berlin")?.toISOString()).toBe("2026-03-29T10:00:00.000Z");
  });
  it("offers the user's zone first and the appointment's", () => {
    const list = zoneChoices("Asia/Kathmandu");
    expect(list[0]).toBe(userZone());
    expect(list).toContain("Asia/Kathmandu");
    expect(new Set(list).size).toBe(list.length);
    expect(instantIn("bad", "10:00", "UTC")).toBeNull();
    expect(["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"].every(isUtc)).toBe(true);
    expect(isUtc("Europe/London")).toBe(false);
    expect(isUtc("UTC+00:00")).toBe(true);
    expect(isKnownZone("Europe/Berlin")).toBe(true);
    expect(isKnownZone("W. Europe Standard Time")).toBe(false);
  });
});
