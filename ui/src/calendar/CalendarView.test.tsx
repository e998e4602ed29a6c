import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render } from "@testing-library/react";
import type { ReactNode } from "react";
import type { CalendarEntry } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator } from "../lib/i18n";
import type { CalendarApi } from "./CalendarView";

// FullCalendar itself is replaced by a recorder of the options it is given.
const given: Record<string, unknown>[] = [];
vi.mock("@fullcalendar/react", async (importOriginal) => {
  const real = await importOriginal<Record<string, unknown>>();
  return {
    ...real,
    default: (props: Record<string, unknown>) => {
      given.push(props);
      return null;
    },
  };
});

const { CalendarView } = await import("./CalendarView");

afterEach(() => {
  cleanup();
  given.length = 0;
});

const cal: CalendarEntry = {
  id: 1,
  key: "cal-1",
  name: "Calendar",
  color: "#3a7bd5",
  serverColor: "",
  owner: "",
  shared: false,
  readOnly: false,
  source: "caldav",
  shown: true,
  removable: false,
};

const api = {
  calendarView: () => Promise.resolve([]),
  onCalendarChanged: () => () => undefined,
} as unknown as CalendarApi;

function inEnglish(ui: ReactNode) {
  return <I18nContext.Provider value={{ lang: "en", t: translator("en"), setLang: () => undefined }}>{ui}</I18nContext.Provider>;
}

describe("CalendarView", () => {
  it("draws the week in its own time grid, Monday first, with the ISO week", async () => {
    const monday = new Date(2026, 11, 7);
    const seen: [number, number][] = [];
    const withEvents = {
      calendarView: (from: number, to: number) => {
        seen.push([from, to]);
        const start = new Date(2026, 11, 9, 9, 0).getTime() / 1000;
        return Promise.resolve([
          { eventId: 7, calendarId: 1, uid: "weekly", instance: start, start, end: start + 3600, allDay: false, isOverride: false, summary: "Weekly sync", location: "", hasReminder: false, myAnswer: null },
        ]);
      },
      onCalendarChanged: () => () => undefined,
    } as unknown as CalendarApi;
    const view = render(
      <I18nContext.Provider value={{ lang: "de", t: translator("de"), setLang: () => undefined }}>
        <CalendarView api={withEvents} calendars={[cal]} view="week" onView={() => undefined} focus={{ date: monday, uid: "", seq: 1 }} />
      </I18nContext.Provider>,
    );
    const ev = await view.findByTestId("cal-event");
    expect(ev.textContent).toContain("09:00–10:00");
    expect(ev.closest("[data-testid=cal-day-column]")?.getAttribute("data-date")).toBe("2026-12-09");
    expect(view.getAllByTestId("cal-day-column").map((c) => c.getAttribute("data-date"))[0]).toBe("2026-12-07");
    expect(view.getByTestId("cal-week-number").textContent).toBe("KW 50");
    expect(seen[0]).toEqual([monday.getTime() / 1000, new Date(2026, 11, 14).getTime() / 1000]);
    expect(given.length).toBe(0);
  });

  it("gives FullCalendar the same options when the window renders again", () => {
    // A new callback or object makes FullCalendar build a new context, and a drag that began
    // before it ends without eventDrop: the appointment stays where it was let go, unsaved.
    const view = render(inEnglish(<CalendarView api={api} calendars={[cal]} view="month" onView={() => undefined} onRange={() => undefined} />));
    view.rerender(inEnglish(<CalendarView api={api} calendars={[cal]} view="month" onView={() => undefined} onRange={() => undefined} />));
    expect(given.length).toBeGreaterThanOrEqual(2);
    const first = given[0] ?? {};
    const last = given[given.length - 1] ?? {};
    const changed = Object.keys(first).filter((k) => k !== "children" && first[k] !== last[k]);
    expect(changed).toEqual([]);
  });
});
