import { act, cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SyncStatus } from "../lib/bindings";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { statusTexts } from "../lib/sync-status";
import { StatusBar, type SyncApi } from "./StatusBar";

afterEach(cleanup);

const at1403 = new Date(2026, 11, 4, 14, 3).toISOString();

const online: SyncStatus = {
  state: "online",
  folder: null,
  done: null,
  total: null,
  lastSync: at1403,
  unsent: 0,
  error: null,
};

function texts(status: Partial<SyncStatus>, lang: Lang) {
  return statusTexts({ ...online, ...status }, translator(lang), lang);
}

describe("statusTexts", () => {
  it("says online, the last sync time and nothing waiting", () => {
    expect(texts({}, "en").state).toBe("Online");
    expect(texts({}, "en").lastSync).toMatch(/^Last synced 2:03\sPM$/);
    expect(texts({}, "en").unsent).toBeNull();
    expect(texts({}, "de")).toEqual({ state: "Online", lastSync: "Zuletzt synchronisiert 14:03", unsent: null });
  });

  it("names the folder being synced, with counts when known", () => {
    const inbox = { state: "syncing" as const, folder: { name: "INBOX", kind: "inbox" as const } };
    expect(texts(inbox, "en").state).toBe("Syncing Inbox…");
    expect(texts(inbox, "de").state).toBe("Synchronisiere Posteingang …");
    expect(texts({ ...inbox, done: 20, total: 100 }, "en").state).toBe("Syncing Inbox (20 of 100)…");
    expect(texts({ ...inbox, done: 20, total: 100 }, "de").state).toBe("Synchronisiere Posteingang (20 von 100) …");
    expect(texts({ ...inbox, done: 7 }, "de").state).toBe("Synchronisiere Posteingang (7) …");
    const other = { state: "syncing" as const, folder: { name: "Projekte", kind: "mail" as const } };
    expect(texts(other, "en").state).toBe("Syncing Projekte…");
    expect(texts({ state: "syncing" }, "de").state).toBe("Synchronisiere …");
  });

  it("counts the changes waiting in singular and plural", () => {
    expect(texts({ unsent: 1 }, "en").unsent).toBe("1 change waiting");
    expect(texts({ unsent: 2 }, "en").unsent).toBe("2 changes waiting");
    expect(texts({ unsent: 1 }, "de").unsent).toBe("1 Änderung wartet");
    expect(texts({ unsent: 2 }, "de").unsent).toBe("2 Änderungen warten");
  });

  it("says offline without a last sync", () => {
    expect(texts({ state: "offline", lastSync: null }, "de")).toEqual({ state: "Offline", lastSync: null, unsent: null });
  });
});

function fakeSync(first: SyncStatus) {
  let push: ((s: SyncStatus) => void) | null = null;
  const api: SyncApi = {
    syncStatus: vi.fn(() => Promise.resolve(first)),
    syncNow: vi.fn(() => Promise.resolve(null)),
    onSyncStatus: vi.fn((cb: (s: SyncStatus) => void) => {
      push = cb;
      return () => undefined;
    }),
  };
  return {
    api,
    push: (s: SyncStatus) => {
      act(() => push?.(s));
    },
  };
}

function renderIn(lang: Lang, api: SyncApi) {
  return render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <StatusBar api={api} />
    </I18nContext.Provider>,
  );
}

describe("StatusBar", () => {
  it("shows the status read at start, follows the event, and retries on the button and F9", async () => {
    const fake = fakeSync(online);
    renderIn("de", fake.api);
    expect(await screen.findByText("Zuletzt synchronisiert 14:03")).toBeTruthy();
    expect(screen.getByTestId("status-state").textContent).toBe("Online");
    expect(screen.queryByTestId("status-retry")).toBeNull();

    fake.push({
      ...online,
      state: "offline",
      unsent: 2,
      error: { code: "unreachable", message: "Der Server ist nicht erreichbar.", detail: "connection refused" },
    });
    expect(screen.getByTestId("status-state").textContent).toBe("Offline");
    expect(screen.getByTestId("status-unsent").textContent).toBe("2 Änderungen warten");
    expect(screen.getByTestId("status-error").textContent).toBe("Der Server ist nicht erreichbar.");
    expect(screen.queryByRole("dialog")).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: "Jetzt erneut versuchen" }));
    expect(fake.api.syncNow).toHaveBeenCalledTimes(1);
    await userEvent.keyboard("{F9}");
    expect(fake.api.syncNow).toHaveBeenCalledTimes(2);
  });

  it("speaks English", async () => {
    const fake = fakeSync({ ...online, unsent: 1 });
    renderIn("en", fake.api);
    expect((await screen.findByTestId("status-last-sync")).textContent).toMatch(/^Last synced 2:03\sPM$/);
    expect(screen.getByTestId("status-unsent").textContent).toBe("1 change waiting");
  });
});
