import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { CalendarEntry, EventDraft } from "../lib/bindings";
import { EventEditor } from "./EventEditor";

afterEach(cleanup);

const cal = (id: number, over: Partial<CalendarEntry> = {}): CalendarEntry => ({
  id,
  key: `k${String(id)}`,
  name: `Cal ${String(id)}`,
  color: "#3a7bd5",
  serverColor: "",
  owner: "",
  shared: false,
  readOnly: false,
  source: "eas",
  shown: true,
  ...over,
});

// Tuesday, 8 December 2026, 10:00–11:00 local time.
const start = new Date(2026, 11, 8, 10, 0);
const end = new Date(2026, 11, 8, 11, 0);

function editor(onSave = vi.fn(() => Promise.resolve(null)), onClose = vi.fn()) {
  render(
    <EventEditor
      calendars={[cal(1, { shared: true, readOnly: true, name: "Bob" }), cal(2, { name: "Mine" })]}
      start={start}
      end={end}
      onSave={onSave}
      onClose={onClose}
    />,
  );
  return { onSave, onClose };
}

describe("EventEditor", () => {
  it("saves a weekly appointment with a 15-minute reminder in a writable calendar", async () => {
    const { onSave, onClose } = editor();
    const calendars = screen.getByTestId("ev-calendar");
    expect(Array.from(calendars.querySelectorAll("option")).map((o) => o.textContent)).toEqual(["Mine"]);
    fireEvent.change(screen.getByTestId("ev-title"), { target: { value: "Jour fixe" } });
    fireEvent.change(screen.getByTestId("ev-location"), { target: { value: "Raum 1" } });
    fireEvent.change(screen.getByTestId("ev-repeat"), { target: { value: "weekly" } });
    fireEvent.click(screen.getByTestId("ev-day-TH"));
    fireEvent.change(screen.getByTestId("ev-ends"), { target: { value: "count" } });
    fireEvent.change(screen.getByTestId("ev-count"), { target: { value: "12" } });
    expect(screen.getByTestId<HTMLSelectElement>("ev-reminder").value).toBe("15");
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
    const draft = (onSave.mock.calls[0] as unknown as [EventDraft])[0];
    expect(draft).toMatchObject({
      calendarId: 2,
      summary: "Jour fixe",
      location: "Raum 1",
      allDay: false,
      reminderMinutes: 15,
      rrule: "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=12",
      start: start.toISOString(),
      end: end.toISOString(),
    });
  });

  it("refuses an appointment without a title or ending before it starts, and keeps the form", () => {
    const { onSave } = editor();
    fireEvent.click(screen.getByTestId("ev-save"));
    expect(screen.getByTestId("ev-problem").textContent).toMatch(/title/);
    fireEvent.change(screen.getByTestId("ev-title"), { target: { value: "x" } });
    fireEvent.change(screen.getByTestId("ev-end-time"), { target: { value: "09:00" } });
    fireEvent.click(screen.getByTestId("ev-save"));
    expect(screen.getByTestId("ev-problem").textContent).toMatch(/ends before/);
    expect(onSave).not.toHaveBeenCalled();
  });

  it("gives an all-day appointment an exclusive end date", async () => {
    const { onSave } = editor();
    fireEvent.change(screen.getByTestId("ev-title"), { target: { value: "Betriebsausflug" } });
    fireEvent.click(screen.getByTestId("ev-all-day"));
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    const draft = (onSave.mock.calls[0] as unknown as [EventDraft])[0];
    expect(draft.allDay).toBe(true);
    expect(draft.start).toBe(new Date(2026, 11, 8).toISOString());
    expect(draft.end).toBe(new Date(2026, 11, 9).toISOString());
  });

  it("shows the server's refusal and stays open", async () => {
    const { onClose } = editor(
      vi.fn(() => Promise.reject(new Error("the calendar is read-only"))),
    );
    fireEvent.change(screen.getByTestId("ev-title"), { target: { value: "x" } });
    fireEvent.click(screen.getByTestId("ev-save"));
    await screen.findByText(/could not be saved/);
    expect(onClose).not.toHaveBeenCalled();
  });
});
