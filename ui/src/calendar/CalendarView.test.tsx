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
  it("gives FullCalendar the same options when the window renders again", () => {
    // A new callback or object makes FullCalendar build a new context, and a drag that began
    // before it ends without eventDrop: the appointment stays where it was let go, unsaved.
    const view = render(inEnglish(<CalendarView api={api} calendars={[cal]} view="week" onView={() => undefined} onRange={() => undefined} />));
    view.rerender(inEnglish(<CalendarView api={api} calendars={[cal]} view="week" onView={() => undefined} onRange={() => undefined} />));
    expect(given.length).toBeGreaterThanOrEqual(2);
    const first = given[0] ?? {};
    const last = given[given.length - 1] ?? {};
    const changed = Object.keys(first).filter((k) => k !== "children" && first[k] !== last[k]);
    expect(changed).toEqual([]);
  });
});
