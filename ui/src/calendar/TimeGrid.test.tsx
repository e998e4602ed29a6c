import { afterEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render } from "@testing-library/react";
import type { CalendarEntry, CalendarOccurrence } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator } from "../lib/i18n";
import { TimeGrid, HOUR_PX } from "./TimeGrid";
import { gridDays } from "./time-grid";

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

const at = (d: number, h: number, m = 0) => new Date(2026, 11, d, h, m).getTime() / 1000;

const occ = (over: Partial<CalendarOccurrence>): CalendarOccurrence => ({
  eventId: 1,
  calendarId: 1,
  uid: "u1",
  instance: at(9, 9),
  start: at(9, 9),
  end: at(9, 10),
  allDay: false,
  isOverride: false,
  summary: "Weekly sync",
  location: "Room 2",
  hasReminder: false,
  myAnswer: null,
  ...over,
});

function grid(list: CalendarOccurrence[], calendars = [cal(1), cal(2, { readOnly: true })]) {
  const handlers = { onOpen: vi.fn(), onEdit: vi.fn(), onDelete: vi.fn(), onMove: vi.fn(), onSelect: vi.fn(), onDrawn: vi.fn() };
  const columns = gridDays("week", new Date(2026, 11, 7)).map((day) => ({ day }));
  const view = render(
    <I18nContext.Provider value={{ lang: "en", t: translator("en"), setLang: () => undefined }}>
      <TimeGrid
        columns={columns}
        heads={columns.map((c) => String(c.day.getDate()))}
        corner="W50"
        occurrences={list}
        calendars={new Map(calendars.map((c) => [c.id, c]))}
        maxLanes={3}
        workdays={columns.map((c) => c.day.getDay() !== 0 && c.day.getDay() !== 6)}
        editable
        {...handlers}
      />
    </I18nContext.Provider>,
  );
  return { view, ...handlers };
}

describe("TimeGrid", () => {
  it("places an appointment by its day and minutes, with its times, title and place", () => {
    const { view, onDrawn } = grid([occ({})]);
    const ev = view.getByTestId("cal-event");
    expect(ev.closest("[data-testid=cal-day-column]")?.getAttribute("data-date")).toBe("2026-12-09");
    expect(ev.style.top).toBe(`${String(9 * HOUR_PX)}px`);
    expect(ev.style.height).toBe(`${String(HOUR_PX - 1)}px`);
    expect(ev.textContent).toBe("09:00–10:00Weekly syncRoom 2");
    expect(ev.getAttribute("aria-label")).toBe("09:00–10:00 Weekly sync");
    expect(onDrawn).toHaveBeenCalled();
    // The slots the hours are read from, every half hour.
    expect(view.container.querySelectorAll("[data-time]").length).toBe(48);
  });
  it("opens on click, edits on double-click, deletes on Del", () => {
    const { view, onOpen, onEdit, onDelete } = grid([occ({})]);
    const ev = view.getByTestId("cal-event");
    fireEvent.mouseDown(ev, { button: 0, clientX: 10, clientY: 10 });
    fireEvent.mouseUp(window, { clientX: 10, clientY: 10 });
    fireEvent.click(ev);
    expect(onOpen).toHaveBeenCalledTimes(1);
    fireEvent.doubleClick(ev);
    expect(onEdit).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(ev, { key: "Delete" });
    expect(onDelete).toHaveBeenCalledTimes(1);
  });
  it("moves an appointment dragged down by whole quarter hours and draws it there until saved", () => {
    const { view, onMove, onOpen } = grid([occ({})]);
    const ev = view.getByTestId("cal-event");
    fireEvent.mouseDown(ev, { button: 0, clientX: 10, clientY: 100 });
    fireEvent.mouseMove(window, { clientX: 10, clientY: 100 + 3 * HOUR_PX + 5 });
    expect(view.getByTestId("cal-event").textContent).toContain("12:00–13:00");
    fireEvent.mouseUp(window, { clientX: 10, clientY: 100 + 3 * HOUR_PX + 5 });
    // The click the browser may send after the release does not open the card.
    fireEvent.click(view.getByTestId("cal-event"));
    expect(onOpen).not.toHaveBeenCalled();
    expect(onMove).toHaveBeenCalledTimes(1);
    const [o, drag] = onMove.mock.calls[0] as [CalendarOccurrence, { start: Date; end: Date; startDelta: unknown; revert: () => void }];
    expect(o.eventId).toBe(1);
    expect(drag.start).toEqual(new Date(2026, 11, 9, 12, 0));
    expect(drag.end).toEqual(new Date(2026, 11, 9, 13, 0));
    expect(drag.startDelta).toEqual({ days: 0, milliseconds: 3 * 3_600_000 });
    expect(view.getByTestId("cal-event").style.top).toBe(`${String(12 * HOUR_PX)}px`);
    // "Cancel" in the series question: back where it was.
    act(() => {
      drag.revert();
    });
    expect(view.getByTestId("cal-event").style.top).toBe(`${String(9 * HOUR_PX)}px`);
  });
  it("resizes by the lower edge", () => {
    const { view, onMove } = grid([occ({})]);
    const edge = view.container.querySelector(".tg-resize");
    expect(edge).not.toBeNull();
    fireEvent.mouseDown(edge as Element, { button: 0, clientX: 10, clientY: 100 });
    fireEvent.mouseMove(window, { clientX: 10, clientY: 100 + HOUR_PX / 2 });
    fireEvent.mouseUp(window, { clientX: 10, clientY: 100 + HOUR_PX / 2 });
    const drag = (onMove.mock.calls[0] as [CalendarOccurrence, { start: Date; end: Date }])[1];
    expect(drag.start).toEqual(new Date(2026, 11, 9, 9, 0));
    expect(drag.end).toEqual(new Date(2026, 11, 9, 10, 30));
  });
  it("does not move a read-only calendar's appointment", () => {
    const { view, onMove, onOpen } = grid([occ({ calendarId: 2 })]);
    const ev = view.getByTestId("cal-event");
    expect(view.container.querySelector(".tg-resize")).toBeNull();
    fireEvent.mouseDown(ev, { button: 0, clientX: 10, clientY: 100 });
    fireEvent.mouseMove(window, { clientX: 10, clientY: 100 + 2 * HOUR_PX });
    fireEvent.mouseUp(window, { clientX: 10, clientY: 100 + 2 * HOUR_PX });
    expect(onMove).not.toHaveBeenCalled();
    expect(onOpen).not.toHaveBeenCalled();
  });
  it("proposes a new appointment for the time dragged over", () => {
    const { view, onSelect } = grid([]);
    const col = view.getAllByTestId("cal-day-column")[1] as HTMLElement;
    fireEvent.mouseDown(col, { button: 0, clientX: 10, clientY: 14 * HOUR_PX + 2 });
    fireEvent.mouseMove(window, { clientX: 10, clientY: 15 * HOUR_PX + 30 });
    fireEvent.mouseUp(window, { clientX: 10, clientY: 15 * HOUR_PX + 30 });
    expect(onSelect).toHaveBeenCalledWith({ start: new Date(2026, 11, 8, 14, 0), end: new Date(2026, 11, 8, 16, 0), allDay: false });
  });
  it("puts overlapping appointments side by side and the rest behind +n", () => {
    const list = [1, 2, 3, 4].map((i) => occ({ eventId: i, uid: `u${String(i)}`, instance: i }));
    const { view } = grid(list);
    const evs = view.getAllByTestId("cal-event");
    expect(evs.length).toBe(3);
    expect(evs.map((e) => Math.round(parseFloat(e.style.left)))).toEqual([0, 33, 67]);
    expect(evs.every((e) => e.style.width.includes("33.3"))).toBe(true);
    const more = view.getByTestId("cal-more");
    expect(more.textContent).toBe("+1");
    fireEvent.click(more);
    expect(view.getAllByTestId("cal-more-item").map((b) => b.textContent)).toEqual(["09:00 Weekly sync"]);
  });
  it("shows all-day appointments in the row above the hours", () => {
    const { view } = grid([occ({ allDay: true, start: at(8, 0), end: at(10, 0) })]);
    const ev = view.getByTestId("cal-event");
    expect(ev.closest(".tg-allday")).not.toBeNull();
    expect(ev.style.gridColumn).toBe("2 / 4");
  });
});
