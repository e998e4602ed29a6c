import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { CalendarEntry, EventDraft } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator } from "../lib/i18n";
import { EventEditor, type EditorMode } from "./EventEditor";
import { editorTimes } from "./series";
import { userZone } from "./zones";

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
  removable: false,
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

// A weekly series as the core hands it to the dialog (event_form).
const stored: EventDraft = {
  calendarId: 2,
  summary: "Jour fixe",
  location: "Raum 1",
  description: "Agenda",
  start: start.toISOString(),
  end: end.toISOString(),
  allDay: false,
  // The user's own zone: the fields show the times as the test machine's clock does.
  timeZone: userZone(),
  reminderMinutes: 20,
  rrule: "FREQ=WEEKLY;BYDAY=TU",
  uid: "series-1",
};

function existing(mode: EditorMode, initial: EventDraft = stored, readOnly = false, lang: "en" | "de" = "en") {
  const onSave = vi.fn(() => Promise.resolve(null));
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <EventEditor
        calendars={[cal(1, { shared: true, readOnly: true, name: "Bob" }), cal(2, { name: "Mine" })]}
        {...editorTimes(initial)}
        initial={initial}
        mode={mode}
        readOnly={readOnly}
        onSave={onSave}
        onClose={vi.fn()}
      />
    </I18nContext.Provider>,
  );
  return onSave;
}

describe("EventEditor on an existing appointment", () => {
  it("opens the series with its fields and saves them with its UID, zone and rule", async () => {
    const onSave = existing("series");
    expect(screen.getByRole("heading").textContent).toBe("Edit series");
    expect(screen.getByTestId<HTMLInputElement>("ev-title").value).toBe("Jour fixe");
    expect(screen.getByTestId<HTMLInputElement>("ev-location").value).toBe("Raum 1");
    expect(screen.getByTestId<HTMLTextAreaElement>("ev-notes").value).toBe("Agenda");
    expect(screen.getByTestId<HTMLInputElement>("ev-start-date").value).toBe("08/12/2026");
    expect(screen.getByTestId<HTMLInputElement>("ev-start-time").value).toBe("10:00");
    expect(screen.getByTestId<HTMLSelectElement>("ev-repeat").value).toBe("weekly");
    // A reminder the list does not offer is kept.
    expect(screen.getByTestId<HTMLSelectElement>("ev-reminder").value).toBe("20");
    expect(screen.getByTestId<HTMLSelectElement>("ev-calendar").disabled).toBe(true);
    fireEvent.change(screen.getByTestId("ev-start-time"), { target: { value: "11:00" } });
    fireEvent.change(screen.getByTestId("ev-end-time"), { target: { value: "12.00" } });
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0]).toMatchObject({
      calendarId: 2,
      uid: "series-1",
      timeZone: userZone(),
      reminderMinutes: 20,
      rrule: "FREQ=WEEKLY;BYDAY=TU",
      start: new Date(2026, 11, 8, 11, 0).toISOString(),
      end: new Date(2026, 11, 8, 12, 0).toISOString(),
    });
  });

  it("shows and takes the times of an appointment in another zone, with the user's beside", async () => {
    // Tokyo has no DST (UTC+9); New York in December is UTC−5.
    const [zone, offset] = userZone() === "Asia/Tokyo" ? ["America/New_York", -5] : ["Asia/Tokyo", 9];
    const at = (h: number) => new Date(Date.UTC(2026, 11, 8, h - offset, 0)).toISOString();
    const onSave = existing("edit", { ...stored, rrule: null, timeZone: zone, start: at(10), end: at(11) });
    expect(screen.getByTestId<HTMLSelectElement>("ev-zone").value).toBe(zone);
    expect(screen.getByTestId<HTMLInputElement>("ev-start-time").value).toBe("10:00");
    expect(screen.getByTestId<HTMLInputElement>("ev-end-time").value).toBe("11:00");
    const local = (iso: string) => {
      const d = new Date(iso);
      return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
    };
    expect(screen.getByTestId("ev-zone-hint").textContent).toBe(`= ${local(at(10))}–${local(at(11))} your time`);
    fireEvent.change(screen.getByTestId("ev-start-time"), { target: { value: "11:00" } });
    fireEvent.change(screen.getByTestId("ev-end-time"), { target: { value: "12:00" } });
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0]).toMatchObject({ timeZone: zone, start: at(11), end: at(12) });
  });

  it("shows an appointment the server keeps in UTC in the user's times", async () => {
    const onSave = existing("occurrence", { ...stored, rrule: null, timeZone: "UTC" });
    expect(screen.getByTestId<HTMLSelectElement>("ev-zone").value).toBe(userZone());
    expect(screen.getByTestId<HTMLInputElement>("ev-start-time").value).toBe("10:00");
    expect(screen.queryByTestId("ev-zone-hint")).toBeNull();
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0]).toMatchObject({ timeZone: "UTC", start: start.toISOString() });
  });

  it("keeps a zone the platform does not know by name and shows the user's times", async () => {
    const onSave = existing("edit", { ...stored, rrule: null, timeZone: "W. Europe Standard Time" });
    expect(screen.getByTestId<HTMLSelectElement>("ev-zone").value).toBe(userZone());
    expect(screen.getByTestId<HTMLInputElement>("ev-start-time").value).toBe("10:00");
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0]).toMatchObject({ timeZone: "W. Europe Standard Time", start: start.toISOString() });
  });

  it("changes one occurrence without repeat choices and saves no rule", async () => {
    const onSave = existing("occurrence", { ...stored, rrule: null });
    expect(screen.getByRole("heading").textContent).toBe("Edit this appointment of the series");
    expect(screen.queryByTestId("ev-repeat")).toBeNull();
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0].rrule).toBeNull();
  });

  it("keeps a rule it cannot show and says so", async () => {
    const onSave = existing("series", { ...stored, rrule: "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2,4" });
    expect(screen.getByTestId("ev-rule-kept").textContent).toMatch(/kept/);
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0].rrule).toBe("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2,4");
  });

  it("shows the time as busy by default, and as chosen, private if ticked", async () => {
    const { onSave } = editor();
    fireEvent.change(screen.getByTestId("ev-title"), { target: { value: "Arzt" } });
    expect(screen.getByTestId<HTMLSelectElement>("ev-show-as").value).toBe("busy");
    fireEvent.change(screen.getByTestId("ev-show-as"), { target: { value: "away" } });
    fireEvent.click(screen.getByTestId("ev-private"));
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0]).toMatchObject({ showAs: "away", private: true });
  });

  it("keeps an appointment's show-as and privacy", async () => {
    const onSave = existing("edit", { ...stored, rrule: null, showAs: "free", private: true });
    expect(screen.getByTestId<HTMLSelectElement>("ev-show-as").value).toBe("free");
    expect(screen.getByTestId<HTMLInputElement>("ev-private").checked).toBe(true);
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0]).toMatchObject({ showAs: "free", private: true });
  });

  it("opens a read-only calendar's appointment read-only", () => {
    existing("edit", { ...stored, calendarId: 1 }, true);
    expect(screen.getByRole("heading").textContent).toBe("Appointment (read-only)");
    expect(screen.queryByTestId("ev-save")).toBeNull();
    expect(screen.getByTestId("ev-title").matches(":disabled")).toBe(true);
    expect(screen.getByTestId<HTMLSelectElement>("ev-calendar").textContent).toBe("Bob");
  });

  it("writes dates the German way in German, whatever the system's locale", () => {
    existing("edit", { ...stored, rrule: null }, false, "de");
    expect(screen.getByRole("heading").textContent).toBe("Termin bearbeiten");
    expect(screen.getByTestId<HTMLInputElement>("ev-start-date").value).toBe("08.12.2026");
    expect(screen.getByTestId<HTMLInputElement>("ev-start-date").placeholder).toBe("TT.MM.JJJJ");
  });

  it("refuses a date it cannot read", () => {
    const onSave = existing("edit", { ...stored, rrule: null });
    fireEvent.change(screen.getByTestId("ev-start-date"), { target: { value: "31.02.2026" } });
    fireEvent.click(screen.getByTestId("ev-save"));
    expect(screen.getByTestId("ev-problem").textContent).toMatch(/valid date/);
    expect(onSave).not.toHaveBeenCalled();
  });
});
