import { describe, expect, it } from "vitest";
import { fitCount } from "./toolbar-fit";

describe("fitCount", () => {
  it("keeps every entry when all fit, without room for More", () => {
    expect(fitCount([100, 100, 100], 320, 10, 60)).toBe(3);
    expect(fitCount([], 0, 10, 60)).toBe(0);
  });

  it("leaves room for More once one entry does not fit, dropping from the end", () => {
    // 100+10+100+10+100 = 320 > 319; two entries and More: 210+10+60 = 280.
    expect(fitCount([100, 100, 100], 319, 10, 60)).toBe(2);
    // 210 + 10 + 60 = 280 > 279: one entry and More.
    expect(fitCount([100, 100, 100], 279, 10, 60)).toBe(1);
    expect(fitCount([100, 100, 100], 100, 10, 60)).toBe(0);
  });
});
