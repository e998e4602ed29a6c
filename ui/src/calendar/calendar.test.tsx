import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import type { CalendarEntry, CalendarOccurrence } from "../lib/bindings";
import { readableOn, toEventInputs, occurrenceKey, isCalendarView } from "./calendar";
import { CalendarList } from "./CalendarList";

afterEach(cleanup);

const cal = (id: number, over: Partial<CalendarEntry> = {}): CalendarEntry => ({
  id,
  key: `cal-${String(id)}`,
  name: `Calendar ${String(id)}`,
  color: "#3a7bd5",
  serverColor: "",
  owner: "",
  shared: false,
  readOnly: false,
  source: "eas",
  shown: true,
  removable: false,
  ...over,
});

const occ = (over: Partial<CalendarOccurrence>): CalendarOccurrence => ({
  eventId: 1,
  calendarId: 1,
  uid: "u1",
  instance: 1_700_000_000,
  start: 1_700_000_000,
  end: 1_700_003_600,
  allDay: false,
  isOverride: false,
  summary: "Weekly sync",
  location: "",
  hasReminder: false,
  myAnswer: null,
  ...over,
});

describe("calendar helpers", () => {
  it("places shown calendars' occurrences in their colour and leaves hidden ones out", () => {
    const cals = new Map([
      [1, cal(1)],
      [2, cal(2, { color: "#d9822b", shared: true })],
      [3, cal(3, { shown: false })],
    ]);
    const inputs = toEventInputs(
      [occ({}), occ({ eventId: 2, calendarId: 2, summary: "Bob" }), occ({ eventId: 3, calendarId: 3 })],
      cals,
    );
    expect(inputs.map((i) => i.title)).toEqual(["Weekly sync", "Bob"]);
    expect(inputs[1]?.color).toBe("#d9822b");
    expect(inputs[0]?.start).toEqual(new Date(1_700_000_000_000));
    expect(inputs[0]?.id).toBe(occurrenceKey(occ({})));
  });
  it("gives all-day occurrences local dates", () => {
    const start = new Date(2026, 11, 7).getTime() / 1000;
    const [input] = toEventInputs([occ({ allDay: true, start, end: start + 86400 })], new Map([[1, cal(1)]]));
    expect(input?.start).toBe("2026-12-07");
    expect(input?.end).toBe("2026-12-08");
    expect(input?.allDay).toBe(true);
  });
  it("marks invitations by the user's answer", () => {
    const cals = new Map([[1, cal(1)]]);
    const inputs = toEventInputs(
      [occ({ myAnswer: "needs_action" }), occ({ eventId: 2, myAnswer: "tentative" }), occ({ eventId: 3, myAnswer: "declined" }), occ({ eventId: 4, myAnswer: "accepted" }), occ({ eventId: 5 })],
      cals,
    );
    expect(inputs.map((i): unknown => i.className)).toEqual(["ev-unanswered", "ev-tentative", "ev-declined", "", ""]);
  });
  it("picks readable text colours", () => {
    expect(readableOn("#ffffff")).toBe("#1a1a1a");
    expect(readableOn("#1d2330")).toBe("#ffffff");
    expect(readableOn("not a colour")).toBe("#ffffff");
  });
  it("knows its views", () => {
    expect(isCalendarView("month")).toBe(true);
    expect(isCalendarView("year")).toBe(false);
    expect(isCalendarView(null)).toBe(false);
  });
});

describe("CalendarList", () => {
  it("groups own and colleagues' calendars, marks read-only ones and reports choices", () => {
    const onShown = vi.fn();
    const onColor = vi.fn();
    render(
      <CalendarList
        calendars={[cal(1), cal(2, { shared: true, readOnly: true, name: "Bob" })]}
        onShown={onShown}
        onColor={onColor}
      />,
    );
    expect(screen.getByTestId("cal-list-own").textContent).toContain("Calendar 1");
    const shared = screen.getByTestId("cal-list-shared");
    expect(shared.textContent).toContain("Bob");
    expect(shared.querySelector("[data-testid=cal-readonly]")).not.toBeNull();
    expect(screen.getByTestId("cal-list-own").querySelector("[data-testid=cal-readonly]")).toBeNull();
    const boxes = screen.getAllByTestId("cal-shown");
    fireEvent.click(boxes[1] as HTMLElement);
    expect(onShown).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }), false);
    fireEvent.change(screen.getAllByTestId("cal-color")[0] as HTMLElement, { target: { value: "#00ff00" } });
    expect(onColor).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }), "#00ff00");
  });

  it("shows each calendar's remind-me switch and reports a click", () => {
    const onRemind = vi.fn();
    render(
      <CalendarList
        calendars={[cal(1), cal(2, { shared: true, name: "Bob" }), cal(3, { name: "Unknown to the reminders" })]}
        onShown={vi.fn()}
        onColor={vi.fn()}
        remind={new Map([
          ["cal-1", true],
          ["cal-2", false],
        ])}
        onRemind={onRemind}
      />,
    );
    const bells = screen.getAllByTestId("cal-remind");
    expect(bells).toHaveLength(2);
    expect(bells.map((b) => b.getAttribute("aria-pressed"))).toEqual(["true", "false"]);
    fireEvent.click(bells[1] as HTMLElement);
    expect(onRemind).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }), true);
    fireEvent.click(bells[0] as HTMLElement);
    expect(onRemind).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }), false);
  });

  it("exports any calendar from its menu, removes only opened ones, and offers the .ics import", async () => {
    const onExport = vi.fn();
    const onRemove = vi.fn();
    const onImport = vi.fn();
    render(
      <CalendarList
        calendars={[cal(1), cal(2, { shared: true, name: "Team", removable: true })]}
        onShown={vi.fn()}
        onColor={vi.fn()}
        onExport={onExport}
        onRemove={onRemove}
        onImport={onImport}
      />,
    );
    const menus = screen.getAllByTestId("cal-actions");
    expect(menus).toHaveLength(2);
    fireEvent.click(menus[0] as HTMLElement);
    expect(screen.queryByTestId("cal-remove")).toBeNull();
    fireEvent.click(await screen.findByTestId("cal-export"));
    expect(onExport).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }));
    fireEvent.click(menus[1] as HTMLElement);
    fireEvent.click(await screen.findByTestId("cal-remove"));
    expect(onRemove).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }));
    fireEvent.click(screen.getByTestId("cal-import"));
    expect(onImport).toHaveBeenCalled();
  });
});
