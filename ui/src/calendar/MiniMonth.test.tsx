import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { I18nContext } from "../lib/i18n-context";
import { translator, type Lang } from "../lib/i18n";
import { MiniMonth } from "./MiniMonth";

afterEach(cleanup);

const today = new Date(2026, 11, 4);
// The week of 7 December 2026 shown.
const range = { start: new Date(2026, 11, 7), end: new Date(2026, 11, 14) };

function show(lang: Lang, onPick = vi.fn()) {
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <MiniMonth range={range} onPick={onPick} today={today} />
    </I18nContext.Provider>,
  );
  return onPick;
}

describe("MiniMonth", () => {
  it("shows the calendar's month from Monday with ISO weeks, in German", () => {
    show("de");
    expect(screen.getByTestId("mini-title").textContent).toBe("Dezember 2026");
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["KW", "Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]);
    expect(screen.getAllByRole("rowheader").map((h) => h.textContent)).toEqual(["49", "50", "51", "52", "53", "1"]);
    const days = screen.getAllByTestId("mini-day");
    expect(days).toHaveLength(42);
    expect(days[0]?.getAttribute("data-date")).toBe("2026-11-30");
    expect(days[0]?.className).toContain("other");
  });

  it("marks today and the range shown", () => {
    show("en");
    const day = (d: string) => screen.getAllByTestId("mini-day").find((b) => b.getAttribute("data-date") === d);
    expect(day("2026-12-04")?.getAttribute("aria-current")).toBe("date");
    expect(day("2026-12-07")?.getAttribute("aria-pressed")).toBe("true");
    expect(day("2026-12-13")?.getAttribute("aria-pressed")).toBe("true");
    expect(day("2026-12-14")?.getAttribute("aria-pressed")).toBe("false");
  });

  it("pages its own month and hands a clicked day over", () => {
    const onPick = show("en");
    fireEvent.click(screen.getByTestId("mini-next"));
    expect(screen.getByTestId("mini-title").textContent).toBe("January 2027");
    const day = screen.getAllByTestId("mini-day").find((b) => b.getAttribute("data-date") === "2027-01-15");
    expect(day?.getAttribute("aria-label")).toBe("Friday, 15 January 2027");
    if (day) fireEvent.click(day);
    expect(onPick).toHaveBeenCalledWith(new Date(2027, 0, 15));
    fireEvent.click(screen.getByTestId("mini-prev"));
    fireEvent.click(screen.getByTestId("mini-prev"));
    expect(screen.getByTestId("mini-title").textContent).toBe("November 2026");
  });
});
