import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import type { AutoReplies, AutoRepliesChange } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator, type Lang } from "../lib/i18n";
import { CommandError } from "../lib/ipc";
import { AutoRepliesBanner, AutoRepliesDialog } from "./AutoReplies";
import { bannerShown, localParts, toSecs, type AutoRepliesApi } from "./auto-replies";

afterEach(cleanup);

function inLang(lang: Lang, ui: ReactNode) {
  render(<I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>{ui}</I18nContext.Provider>);
}

const state = (over: Partial<AutoReplies> = {}): AutoReplies => ({
  supported: true,
  reason: null,
  mode: "off",
  start: null,
  end: null,
  internal: "",
  external: "",
  active: false,
  checkedAt: 1,
  ...over,
});

function fakeApi(got: AutoReplies | Error, saved?: (c: AutoRepliesChange) => AutoReplies | Error) {
  const setAutoReplies = vi.fn((c: AutoRepliesChange) => {
    const r = saved ? saved(c) : state({ ...c, active: c.mode !== "off" });
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
  });
  const api: AutoRepliesApi = {
    autoReplies: vi.fn(() => (got instanceof Error ? Promise.reject(got) : Promise.resolve(got))),
    knownAutoReplies: vi.fn(() => Promise.resolve(state({ internal: "last known" }))),
    setAutoReplies,
  };
  return { api, setAutoReplies };
}

const value = (id: string) => screen.getByTestId<HTMLInputElement | HTMLTextAreaElement>(id).value;
const type = (id: string, text: string) => {
  fireEvent.change(screen.getByTestId(id), { target: { value: text } });
};

describe("Automatic replies dialog", () => {
  it("shows the server's replies and saves both texts with the mode", async () => {
    const { api, setAutoReplies } = fakeApi(state({ mode: "on", internal: "Im Urlaub.", external: "On holiday." }));
    const onSaved = vi.fn();
    const onClose = vi.fn();
    inLang("en", <AutoRepliesDialog api={api} onSaved={onSaved} onClose={onClose} />);
    expect(screen.getByTestId("auto-replies-loading").textContent).toContain("Reading the automatic replies");
    await waitFor(() => {
      expect(value("auto-replies-internal")).toBe("Im Urlaub.");
    });
    expect(value("auto-replies-external")).toBe("On holiday.");
    expect(screen.getByTestId<HTMLInputElement>("auto-replies-mode-on").checked).toBe(true);
    expect(screen.getByRole("dialog").textContent).toContain("Inside my organisation");
    expect(screen.getByRole("dialog").textContent).toContain("Outside my organisation");
    // The range is only for "only during this time range".
    expect(screen.getByTestId<HTMLInputElement>("auto-replies-start-date").disabled).toBe(true);
    type("auto-replies-internal", "Bis Montag im Urlaub.");
    type("auto-replies-external", "");
    fireEvent.click(screen.getByTestId("auto-replies-save"));
    await waitFor(() => {
      expect(onClose).toHaveBeenCalled();
    });
    expect(setAutoReplies).toHaveBeenCalledWith({ mode: "on", start: null, end: null, internal: "Bis Montag im Urlaub.", external: "" });
    expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ mode: "on", internal: "Bis Montag im Urlaub." }));
  });

  it("needs a start and a later end for a time range, typed in the UI's language", async () => {
    const { api, setAutoReplies } = fakeApi(state());
    inLang("de", <AutoRepliesDialog api={api} onSaved={vi.fn()} onClose={vi.fn()} />);
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("auto-replies-mode-off").checked).toBe(true);
    });
    fireEvent.click(screen.getByTestId("auto-replies-mode-scheduled"));
    expect(screen.getByTestId<HTMLInputElement>("auto-replies-start-date").placeholder).toBe("TT.MM.JJJJ");
    fireEvent.click(screen.getByTestId("auto-replies-save"));
    expect(screen.getByTestId("auto-replies-problem").textContent).toBe("Bitte Beginn und Ende angeben (Datum und Uhrzeit).");
    type("auto-replies-start-date", "21.12.2026");
    type("auto-replies-end-date", "20.12.2026");
    fireEvent.click(screen.getByTestId("auto-replies-save"));
    expect(screen.getByTestId("auto-replies-problem").textContent).toBe("Das Ende muss nach dem Beginn liegen.");
    expect(setAutoReplies).not.toHaveBeenCalled();
    type("auto-replies-end-date", "4.1.2027");
    fireEvent.click(screen.getByTestId("auto-replies-save"));
    await waitFor(() => {
      expect(setAutoReplies).toHaveBeenCalled();
    });
    const change = setAutoReplies.mock.calls[0]?.[0];
    expect(change?.mode).toBe("scheduled");
    expect(change?.start).toBe(toSecs("2026-12-21", "08:00"));
    expect(change?.end).toBe(toSecs("2027-01-04", "17:00"));
  });

  it("is read-only with the plain reason when the server does not offer them", async () => {
    const reason = "This server does not offer automatic replies (out of office) over ActiveSync.";
    const { api } = fakeApi(state({ supported: false, reason }));
    inLang("en", <AutoRepliesDialog api={api} onSaved={vi.fn()} onClose={vi.fn()} />);
    await waitFor(() => {
      expect(screen.getByTestId("auto-replies-unsupported").textContent).toBe(reason);
    });
    expect(screen.queryByTestId("auto-replies-save")).toBeNull();
    expect(screen.getByTestId("auto-replies-cancel").textContent).toBe("Close");
    expect(screen.getByTestId<HTMLInputElement>("auto-replies-mode-on").disabled).toBe(true);
    expect(screen.getByTestId<HTMLTextAreaElement>("auto-replies-internal").readOnly).toBe(true);
  });

  it("offline shows the error and the last known replies to look at", async () => {
    const { api } = fakeApi(new CommandError({ code: "unreachable", message: "The server could not be reached.", detail: "refused" }));
    inLang("en", <AutoRepliesDialog api={api} onSaved={vi.fn()} onClose={vi.fn()} />);
    await waitFor(() => {
      expect(screen.getByTestId("error-message").textContent).toBe("The server could not be reached.");
    });
    await waitFor(() => {
      expect(value("auto-replies-internal")).toBe("last known");
    });
    expect(screen.queryByTestId("auto-replies-save")).toBeNull();
  });

  it("stays open and says so when the server kept one text for everyone", async () => {
    // As SOGo: the text for outside senders is not kept.
    const { api } = fakeApi(state(), (c) => state({ ...c, external: "", active: true }));
    const onSaved = vi.fn();
    const onClose = vi.fn();
    inLang("de", <AutoRepliesDialog api={api} onSaved={onSaved} onClose={onClose} />);
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("auto-replies-mode-on").disabled).toBe(false);
    });
    fireEvent.click(screen.getByTestId("auto-replies-mode-on"));
    type("auto-replies-internal", "Bin im Urlaub.");
    type("auto-replies-external", "On holiday.");
    fireEvent.click(screen.getByTestId("auto-replies-save"));
    expect((await screen.findByTestId("auto-replies-external-lost")).textContent).toContain("nur einen Text für alle Absender");
    expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ mode: "on", external: "" }));
    expect(onClose).not.toHaveBeenCalled();
    expect(value("auto-replies-external")).toBe("");
    expect(screen.getByTestId("auto-replies-cancel").textContent).toBe("Schließen");
  });

  it("shows a refused change in the dialog and stays open", async () => {
    const { api } = fakeApi(state(), () => new CommandError({ code: "server_error", message: "Der Server hat einen Fehler gemeldet.", detail: "x" }));
    const onClose = vi.fn();
    inLang("de", <AutoRepliesDialog api={api} onSaved={vi.fn()} onClose={onClose} />);
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("auto-replies-mode-on").disabled).toBe(false);
    });
    fireEvent.click(screen.getByTestId("auto-replies-mode-on"));
    fireEvent.click(screen.getByTestId("auto-replies-save"));
    await waitFor(() => {
      expect(screen.getByTestId("error-message").textContent).toBe("Der Server hat einen Fehler gemeldet.");
    });
    expect(screen.getByRole("dialog").textContent).toContain("Die automatischen Antworten konnten nicht geändert werden");
    expect(onClose).not.toHaveBeenCalled();
  });
});

describe("Automatic replies banner", () => {
  it("says they are on, opens the dialog and turns them off keeping the texts", async () => {
    const { api, setAutoReplies } = fakeApi(state());
    const onOpen = vi.fn();
    const onChanged = vi.fn();
    inLang("en", <AutoRepliesBanner state={state({ mode: "on", internal: "Away", active: true })} api={api} onOpen={onOpen} onChanged={onChanged} />);
    expect(screen.getByTestId("auto-replies-banner-text").textContent).toBe("Automatic replies are on.");
    fireEvent.click(screen.getByTestId("auto-replies-banner-open"));
    expect(onOpen).toHaveBeenCalled();
    fireEvent.click(screen.getByTestId("auto-replies-banner-off"));
    await waitFor(() => {
      expect(onChanged).toHaveBeenCalledWith(expect.objectContaining({ mode: "off" }));
    });
    expect(setAutoReplies).toHaveBeenCalledWith({ mode: "off", start: null, end: null, internal: "Away", external: "" });
  });

  it("names the range in German and is not shown when off, ended or not offered", () => {
    const start = toSecs("2026-12-21", "08:00") ?? 0;
    const end = toSecs("2027-01-04", "17:00") ?? 0;
    const { api } = fakeApi(state());
    inLang("de", <AutoRepliesBanner state={state({ mode: "scheduled", start, end })} api={api} onOpen={vi.fn()} onChanged={vi.fn()} />);
    expect(screen.getByTestId("auto-replies-banner-text").textContent).toBe(
      "Automatische Antworten sind vom 21.12.2026 08:00 bis 04.01.2027 17:00 aktiviert.",
    );
    expect(screen.getByTestId("auto-replies-banner-off").textContent).toBe("Deaktivieren");
    expect(bannerShown(state({ mode: "off" }))).toBe(false);
    expect(bannerShown(state({ mode: "scheduled", start, end }), end + 1)).toBe(false);
    expect(bannerShown(state({ mode: "on", supported: false }))).toBe(false);
    expect(bannerShown(null)).toBe(false);
  });

  it("keeps local dates and times through Unix seconds", () => {
    const secs = toSecs("2026-03-29", "02:30");
    expect(secs).not.toBeNull();
    expect(toSecs("", "08:00")).toBeNull();
    const p = localParts(toSecs("2026-12-21", "08:00") ?? 0);
    expect(p).toEqual({ date: "2026-12-21", time: "08:00" });
  });
});
