import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { CalendarEntry, CalendarOccurrence } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator, type Lang } from "../lib/i18n";
import type { ReactNode } from "react";
import { DeleteConfirm, SeriesQuestion } from "./SeriesDialogs";
import { EventCard } from "./EventCard";

afterEach(cleanup);

function inLang(lang: Lang, ui: ReactNode) {
  render(<I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>{ui}</I18nContext.Provider>);
}

describe("the series question", () => {
  it("offers only this appointment, the whole series or cancel, in English", () => {
    const onChoose = vi.fn();
    const onCancel = vi.fn();
    inLang("en", <SeriesQuestion action="move" title="Jour fixe" onChoose={onChoose} onCancel={onCancel} />);
    expect(screen.getByTestId("series-question").textContent).toContain("“Jour fixe” is a recurring appointment. Do you want to move only this appointment");
    fireEvent.click(screen.getByTestId("series-occurrence"));
    expect(onChoose).toHaveBeenLastCalledWith("occurrence");
    fireEvent.click(screen.getByTestId("series-all"));
    expect(onChoose).toHaveBeenLastCalledWith("series");
    fireEvent.keyDown(screen.getByTestId("series-question"), { key: "Escape" });
    expect(onCancel).toHaveBeenCalled();
  });

  it("asks in German", () => {
    inLang("de", <SeriesQuestion action="delete" title="Jour fixe" onChoose={vi.fn()} onCancel={vi.fn()} />);
    const text = screen.getByTestId("series-question").textContent;
    expect(text).toContain("„Jour fixe“ ist ein Serientermin. Möchten Sie nur diesen Termin oder die ganze Serie löschen?");
    expect(screen.getByTestId("series-occurrence").textContent).toBe("Nur diesen Termin");
    expect(screen.getByTestId("series-all").textContent).toBe("Die ganze Serie");
  });
});

describe("the delete question", () => {
  it("stays open with the refusal when the delete fails", async () => {
    const onClose = vi.fn();
    inLang("en", <DeleteConfirm text="Delete it?" onDelete={() => Promise.reject(new Error("the calendar is read-only"))} onClose={onClose} />);
    fireEvent.click(screen.getByTestId("event-delete-ok"));
    await screen.findByText(/could not be deleted/);
    expect(onClose).not.toHaveBeenCalled();
  });

  it("closes once deleted", async () => {
    const onClose = vi.fn();
    inLang("de", <DeleteConfirm text="Löschen?" onDelete={() => Promise.resolve(null)} onClose={onClose} />);
    expect(screen.getByTestId("event-delete-ok").textContent).toBe("Löschen");
    fireEvent.click(screen.getByTestId("event-delete-ok"));
    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
  });
});

describe("the appointment card", () => {
  const occ: CalendarOccurrence = {
    eventId: 1,
    calendarId: 2,
    uid: "u",
    instance: 0,
    start: 1_796_500_000,
    end: 1_796_503_600,
    allDay: false,
    isOverride: false,
    summary: "Jour fixe",
    location: "",
    hasReminder: false,
    myAnswer: null,
  };
  const cal = (readOnly: boolean): CalendarEntry => ({
    id: 2,
    key: "k",
    name: "Cal",
    color: "#3a7bd5",
    serverColor: "",
    owner: "",
    shared: readOnly,
    readOnly,
    source: "caldav",
    shown: true,
    removable: false,
  });

  it("offers Edit and Delete for a calendar the user writes to", () => {
    const onEdit = vi.fn();
    const onDelete = vi.fn();
    inLang("en", <EventCard occurrence={occ} calendar={cal(false)} onEdit={onEdit} onDelete={onDelete} onClose={vi.fn()} />);
    expect(screen.getByTestId("event-card-edit").textContent).toBe("Edit");
    fireEvent.click(screen.getByTestId("event-card-delete"));
    expect(onDelete).toHaveBeenCalled();
  });

  it("offers only Open for a read-only calendar", () => {
    inLang("de", <EventCard occurrence={occ} calendar={cal(true)} onEdit={vi.fn()} onDelete={vi.fn()} onClose={vi.fn()} />);
    expect(screen.getByTestId("event-card-edit").textContent).toBe("Öffnen");
    expect(screen.queryByTestId("event-card-delete")).toBeNull();
  });
});
