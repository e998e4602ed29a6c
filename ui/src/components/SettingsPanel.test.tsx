import { act, cleanup, render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SyncStatus } from "../lib/bindings";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { SettingsPanel, type ConnectionApi, type SettingsApi } from "./SettingsPanel";
import { fakeSettingsApi } from "../compose/test-settings";

afterEach(cleanup);

function withLang(lang: Lang, node: ReactNode) {
  return <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>{node}</I18nContext.Provider>;
}

const reminders: SettingsApi = {
  reminderSettings: () => Promise.resolve({ autohide: false, autohideSeconds: 15, locked: false }),
  setReminderSettings: () => Promise.reject(new Error("not expected")),
  reminderCalendars: () => Promise.resolve([]),
  setCalendarRemind: () => Promise.reject(new Error("not expected")),
};

const online: SyncStatus = { state: "online", folder: null, done: null, total: null, lastSync: null, unsent: 0, error: null };

const expiredStatus: SyncStatus = {
  ...online,
  state: "offline",
  error: {
    code: "tls",
    message:
      "Das Zertifikat des Servers ist abgelaufen (gültig vom 01.01.2020 bis 01.01.2021). Sagen Sie Ihrer IT-Abteilung: Das Zertifikat von 127.0.0.1 muss erneuert werden.",
    detail: "invalid peer certificate: Expired",
    tls: {
      kind: "expired",
      host: "127.0.0.1",
      subject: "CN=Kontor test 127.0.0.1",
      issuer: "CN=Kontor Test Company CA",
      notBefore: 1_577_836_800,
      notAfter: 1_609_459_200,
      names: ["127.0.0.1"],
      sha256: "AB:CD:EF",
    },
  },
};

function fakeSync(first: SyncStatus) {
  let listener: ((s: SyncStatus) => void) | null = null;
  const api = {
    syncStatus: vi.fn(() => Promise.resolve(first)),
    onSyncStatus: vi.fn((cb: (s: SyncStatus) => void) => {
      listener = cb;
      return () => {
        listener = null;
      };
    }),
  } satisfies ConnectionApi;
  return {
    api,
    push: (s: SyncStatus) => {
      act(() => listener?.(s));
    },
  };
}

describe("SettingsPanel: Connection", () => {
  it("shows the last connection failure with the certificate, in German", async () => {
    const fake = fakeSync(expiredStatus);
    render(withLang("de", <SettingsPanel api={reminders} sync={fake.api} background={fakeSettingsApi()} onClose={() => undefined} />));
    const connection = screen.getByTestId("settings-connection");
    expect(within(connection).getByText("Verbindung")).toBeTruthy();
    const alert = await within(connection).findByRole("alert");
    expect(within(alert).getByText("Die letzte Verbindung zum Server ist fehlgeschlagen")).toBeTruthy();
    expect(within(alert).getByTestId("error-message").textContent).toBe(expiredStatus.error?.message);
    expect(within(alert).getByTestId("tls-problem").textContent).toBe("Abgelaufen seit 1. Januar 2021 um 00:00 UTC");
    expect(within(alert).getByTestId("tls-issuer").textContent).toBe("CN=Kontor Test Company CA");
    expect(within(alert).getByTestId("tls-sha256").textContent).toBe("AB:CD:EF");
    expect(within(connection).getByTestId("settings-connection-state").textContent).toBe("Offline");
  });

  it("says there is no problem when the last sync went through, and follows the status", async () => {
    const fake = fakeSync(online);
    render(withLang("en", <SettingsPanel api={reminders} sync={fake.api} background={fakeSettingsApi()} onClose={() => undefined} />));
    expect((await screen.findByTestId("settings-connection-ok")).textContent).toBe("No connection problem.");
    expect(screen.getByTestId("settings-connection-state").textContent).toBe("Online");
    fake.push(expiredStatus);
    expect(screen.getByTestId("tls-certificate")).toBeTruthy();
    expect(screen.queryByTestId("settings-connection-ok")).toBeNull();
  });
});
