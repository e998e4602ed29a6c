import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import type { CalendarEntry } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator, type Lang } from "../lib/i18n";
import { CommandError } from "../lib/ipc";
import { OpenCalendarDialog } from "./OpenCalendarDialog";
import { CalendarList } from "./CalendarList";

afterEach(cleanup);

function inLang(lang: Lang, ui: ReactNode) {
  render(<I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>{ui}</I18nContext.Provider>);
}

const cal = (id: number, over: Partial<CalendarEntry> = {}): CalendarEntry => ({
  id,
  key: `cal-${String(id)}`,
  name: `Calendar ${String(id)}`,
  color: "#3a7bd5",
  serverColor: "",
  owner: "",
  shared: false,
  readOnly: false,
  source: "caldav",
  shown: true,
  removable: false,
  ...over,
});

function type(text: string) {
  fireEvent.change(screen.getByTestId("cal-open-input"), { target: { value: text } });
}

describe("Open calendar", () => {
  it("opens what was typed, says it is checking, and closes when the core accepts", async () => {
    let accept: (v: unknown) => void = () => undefined;
    const onOpen = vi.fn(
      () =>
        new Promise((resolve) => {
          accept = resolve;
        }),
    );
    const onClose = vi.fn();
    inLang("en", <OpenCalendarDialog onOpen={onOpen} onClose={onClose} />);
    expect(screen.getByRole("dialog").textContent).toContain("Name, e-mail address or calendar address (URL)");
    expect(screen.getByTestId("cal-open-input")).toBe(document.activeElement);
    type("  http://127.0.0.1:55232/bob/team/ ");
    fireEvent.click(screen.getByTestId("cal-open-ok"));
    expect(onOpen).toHaveBeenCalledWith("http://127.0.0.1:55232/bob/team/");
    expect(screen.getByTestId("cal-open-checking").textContent).toBe("Checking…");
    expect(screen.getByTestId<HTMLButtonElement>("cal-open-ok").disabled).toBe(true);
    accept(1);
    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
  });

  it("shows the server's refusal in the dialog and keeps what was typed", async () => {
    const onOpen = vi.fn((): Promise<unknown> =>
      Promise.reject(
        new CommandError({
          code: "invalid_input",
          message: "No calendar was found at this address (or you may not see it). Check the name or the address.",
          detail: "no calendar at this address: not found (HTTP 404)",
        }),
      ),
    );
    const onClose = vi.fn();
    inLang("en", <OpenCalendarDialog onOpen={onOpen} onClose={onClose} />);
    type("http://127.0.0.1:55232/alice/nope/");
    fireEvent.submit(screen.getByTestId("cal-open-dialog"));
    const message = await screen.findByTestId("error-message");
    expect(message.textContent).toContain("No calendar was found at this address");
    expect(screen.getByRole("dialog").textContent).toContain("The calendar could not be opened");
    expect(screen.getByTestId<HTMLInputElement>("cal-open-input").value).toBe("http://127.0.0.1:55232/alice/nope/");
    expect(screen.queryByTestId("cal-open-checking")).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
    // A second try goes out again and clears the old refusal.
    onOpen.mockImplementationOnce(() => Promise.resolve(7));
    fireEvent.click(screen.getByTestId("cal-open-ok"));
    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
  });

  it("asks for a name before asking the server", () => {
    const onOpen = vi.fn(() => Promise.resolve(1));
    inLang("en", <OpenCalendarDialog onOpen={onOpen} onClose={vi.fn()} />);
    type("   ");
    fireEvent.click(screen.getByTestId("cal-open-ok"));
    expect(onOpen).not.toHaveBeenCalled();
    expect(screen.getByTestId("cal-open-empty").textContent).toBe("Please enter a name or an address.");
  });

  it("closes on Escape and on Cancel", () => {
    const onClose = vi.fn();
    inLang("en", <OpenCalendarDialog onOpen={vi.fn()} onClose={onClose} />);
    fireEvent.keyDown(screen.getByTestId("cal-open-input"), { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByTestId("cal-open-cancel"));
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it("speaks German", () => {
    inLang("de", <OpenCalendarDialog onOpen={vi.fn()} onClose={vi.fn()} />);
    const text = screen.getByRole("dialog").textContent;
    expect(text).toContain("Kalender öffnen");
    expect(text).toContain("Name, E-Mail-Adresse oder Kalenderadresse (URL)");
    expect(screen.getByTestId("cal-open-ok").textContent).toBe("Öffnen");
    expect(screen.getByTestId("cal-open-cancel").textContent).toBe("Abbrechen");
  });
});

describe("the calendar list's colleague part", () => {
  it("offers Open calendar… even before any colleague's calendar, and Remove only for opened ones", () => {
    const onOpen = vi.fn();
    const onRemove = vi.fn();
    inLang(
      "en",
      <CalendarList calendars={[cal(1)]} onShown={vi.fn()} onColor={vi.fn()} onOpenCalendar={onOpen} onRemove={onRemove} />,
    );
    expect(screen.getByTestId("cal-list-shared").textContent).toContain("Colleagues' calendars");
    fireEvent.click(screen.getByTestId("cal-open"));
    expect(onOpen).toHaveBeenCalled();
    expect(screen.queryByTestId("cal-actions")).toBeNull();
    cleanup();

    inLang(
      "de",
      <CalendarList
        calendars={[cal(1), cal(2, { shared: true, readOnly: true, name: "Team" }), cal(3, { shared: true, readOnly: true, removable: true, name: "Team" })]}
        onShown={vi.fn()}
        onColor={vi.fn()}
        onOpenCalendar={onOpen}
        onRemove={onRemove}
      />,
    );
    expect(screen.getByTestId("cal-open").textContent).toBe("Kalender öffnen…");
    const actions = screen.getAllByTestId("cal-actions");
    expect(actions).toHaveLength(1);
    expect(actions[0]?.getAttribute("aria-label")).toBe("Weitere Aktionen für Team");
    fireEvent.click(actions[0] as HTMLElement);
    fireEvent.click(screen.getByTestId("cal-remove"));
    expect(onRemove).toHaveBeenCalledWith(expect.objectContaining({ id: 3 }));
    // The same from a right-click on the row.
    const rows = screen.getAllByTestId("cal-list-item");
    fireEvent.contextMenu(rows[1] as HTMLElement);
    expect(screen.queryByTestId("context-menu")).toBeNull();
    fireEvent.contextMenu(rows[2] as HTMLElement);
    fireEvent.click(screen.getByTestId("context-remove"));
    expect(onRemove).toHaveBeenCalledTimes(2);
  });
});
