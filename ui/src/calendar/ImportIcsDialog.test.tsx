import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CalendarEntry, IcsPreview } from "../lib/bindings";
import { CommandError } from "../lib/ipc";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { ImportIcsDialog, type ImportIcsApi } from "./ImportIcsDialog";

afterEach(cleanup);

const cal = (id: number, over: Partial<CalendarEntry> = {}): CalendarEntry => ({
  id,
  key: `cal-${String(id)}`,
  name: `Kalender ${String(id)}`,
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

const preview: IcsPreview = {
  fileName: "termine.ics",
  events: [
    { uid: "a", summary: "Teamrunde", location: "Raum 2", start: Date.UTC(2026, 11, 7, 9) / 1000, end: Date.UTC(2026, 11, 7, 10) / 1000, allDay: false, recurring: true },
    { uid: "b", summary: "Weihnachtsfeier", location: "", start: Date.UTC(2026, 11, 18) / 1000, end: Date.UTC(2026, 11, 19) / 1000, allDay: true, recurring: false },
  ],
  skipped: 1,
};

function renderDialog(api: Omit<ImportIcsApi, "calendarList">, calendars: CalendarEntry[], lang: Lang = "de") {
  const onImported = vi.fn();
  const onClose = vi.fn();
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <ImportIcsDialog api={{ ...api, calendarList: () => Promise.resolve(calendars) }} path="/home/alice/termine.ics" onImported={onImported} onClose={onClose} />
    </I18nContext.Provider>,
  );
  return { onImported, onClose };
}

describe("ImportIcsDialog", () => {
  it("lists the file's appointments and imports them into the chosen writable calendar", async () => {
    const api = {
      previewIcs: vi.fn(() => Promise.resolve(preview)),
      importIcs: vi.fn(() => Promise.resolve({ created: 2, updated: 0 })),
    };
    const { onImported } = renderDialog(api, [cal(1), cal(2, { shared: true, readOnly: true, name: "Bob" }), cal(3, { name: "Projekte" })]);
    expect(await screen.findByText("„termine.ics“ importieren")).toBeTruthy();
    const rows = await screen.findAllByTestId("import-ics-event");
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining("Teamrunde"), expect.stringContaining("Weihnachtsfeier")]);
    expect(rows[0]?.textContent).toContain("Serie");
    expect(rows[1]?.textContent).toContain("Ganztägig");
    expect(screen.getByTestId("import-ics-skipped").textContent).toBe("Nicht übernommen (keine Termine): 1");
    const select = await screen.findByTestId<HTMLSelectElement>("import-ics-calendar");
    // Only calendars the user may write to.
    expect([...select.options].map((o) => o.textContent)).toEqual(["Kalender 1", "Projekte"]);
    const user = userEvent.setup();
    await user.selectOptions(select, "3");
    await user.click(screen.getByTestId("import-ics-ok"));
    await waitFor(() => {
      expect(api.importIcs).toHaveBeenCalledWith("/home/alice/termine.ics", 3);
    });
    expect(onImported).toHaveBeenCalledWith({ created: 2, updated: 0 }, preview, 3);
  });

  it("says plainly when the file cannot be read or imported, and keeps the dialog", async () => {
    const api = {
      previewIcs: vi.fn(() => Promise.reject(new CommandError({ code: "invalid_input", message: "Einige Angaben sind ungültig.", detail: "this is not a readable iCalendar file" }))),
      importIcs: vi.fn(() => Promise.reject(new Error("not called"))),
    };
    renderDialog(api, [cal(1)]);
    expect(await screen.findByText("Die Datei konnte nicht gelesen werden")).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>("import-ics-ok").disabled).toBe(true);
    expect(api.importIcs).not.toHaveBeenCalled();

    cleanup();
    const failing = {
      previewIcs: vi.fn(() => Promise.resolve(preview)),
      importIcs: vi.fn(() => Promise.reject(new CommandError({ code: "invalid_input", message: "Einige Angaben sind ungültig.", detail: "read-only" }))),
    };
    const { onImported } = renderDialog(failing, [cal(1)], "en");
    const user = userEvent.setup();
    await screen.findAllByTestId("import-ics-event");
    await user.click(screen.getByTestId("import-ics-ok"));
    expect(await screen.findByText("The file could not be imported")).toBeTruthy();
    expect(onImported).not.toHaveBeenCalled();
  });
});
