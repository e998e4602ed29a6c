import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Folder, MailChanged, PendingOperation, SyncStatus } from "../lib/bindings";
import { CommandError } from "../lib/ipc";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { statusTexts } from "../lib/sync-status";
import { StatusBar, type SyncApi } from "./StatusBar";
import { OutboxView } from "./PendingDialog";

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

function fakeSync(first: SyncStatus, ops: PendingOperation[] = []) {
  // Every subscriber hears an event (the status bar and the open list both listen).
  const statusListeners = new Set<(s: SyncStatus) => void>();
  const mailListeners = new Set<(e: MailChanged) => void>();
  let list = ops;
  const api = {
    syncStatus: vi.fn(() => Promise.resolve(first)),
    syncNow: vi.fn(() => Promise.resolve(null)),
    onSyncStatus: vi.fn((cb: (s: SyncStatus) => void) => {
      statusListeners.add(cb);
      return () => {
        statusListeners.delete(cb);
      };
    }),
    pendingOperations: vi.fn(() => Promise.resolve(list)),
    retryOperation: vi.fn((id: number) => {
      list = list.map((o) => (o.id === id ? { ...o, state: "pending" as const, nextAttempt: null } : o));
      return Promise.resolve(null);
    }),
    discardOperation: vi.fn((id: number) => {
      list = list.filter((o) => o.id !== id);
      return Promise.resolve(null);
    }),
    editUnsent: vi.fn((id: number) => {
      list = list.filter((o) => o.id !== id);
      return Promise.resolve(99);
    }),
    onMailChanged: vi.fn((cb: (e: MailChanged) => void) => {
      mailListeners.add(cb);
      return () => {
        mailListeners.delete(cb);
      };
    }),
  } satisfies SyncApi;
  return {
    api,
    push: (s: SyncStatus) => {
      act(() => {
        for (const cb of statusListeners) cb(s);
      });
    },
    setList: (next: PendingOperation[]) => {
      list = next;
    },
    mailChanged: () => {
      act(() => {
        for (const cb of mailListeners) cb({ folders: [] });
      });
    },
  };
}

function renderIn(lang: Lang, api: SyncApi, folders?: Folder[]) {
  return render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <StatusBar api={api} folders={folders} />
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

  it("names a certificate failure and unfolds the certificate on request", async () => {
    const fake = fakeSync(online);
    renderIn("en", fake.api);
    await screen.findByTestId("status-state");
    expect(screen.queryByTestId("status-certificate")).toBeNull();
    const message =
      "The server's certificate was issued for another name: it is valid for mail.example.com, not for 127.0.0.1. Check the server address; if it is right, tell your IT department: the certificate of 127.0.0.1 must include the name 127.0.0.1.";
    fake.push({
      ...online,
      state: "offline",
      error: {
        code: "tls",
        message,
        detail: "invalid peer certificate: NotValidForName",
        tls: {
          kind: "name_mismatch",
          host: "127.0.0.1",
          subject: "CN=Kontor test mail.example.com",
          issuer: "CN=Kontor Test Company CA",
          notBefore: 1_577_836_800,
          notAfter: 3_786_912_000,
          names: ["mail.example.com"],
          sha256: "12:34",
        },
      },
    });
    expect(screen.getByTestId("status-error").textContent).toBe(message);
    const button = screen.getByRole("button", { name: "Certificate details" });
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByTestId("tls-certificate")).toBeNull();
    await userEvent.click(button);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    const panel = screen.getByTestId("status-certificate-panel");
    expect(within(panel).getByText("No secure connection to the server")).toBeTruthy();
    expect(within(panel).getByTestId("tls-problem").textContent).toBe("Issued for another name");
    expect(within(panel).getByTestId("tls-names").textContent).toBe("mail.example.com");
    expect(within(panel).getByTestId("tls-sha256").textContent).toBe("12:34");
    // Not a modal, and nothing to accept the certificate with.
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(within(panel).getAllByRole("button").map((b) => b.textContent)).toEqual(["Copy details for IT"]);
    await userEvent.click(button);
    expect(screen.queryByTestId("status-certificate-panel")).toBeNull();

    // Without a certificate in the error, no such button.
    fake.push({ ...online, state: "offline", error: { code: "unreachable", message: "The server cannot be reached.", detail: "" } });
    expect(screen.queryByTestId("status-certificate")).toBeNull();
  });

  it("speaks English", async () => {
    const fake = fakeSync({ ...online, unsent: 1 });
    renderIn("en", fake.api);
    expect((await screen.findByTestId("status-last-sync")).textContent).toMatch(/^Last synced 2:03\sPM$/);
    expect(screen.getByTestId("status-unsent").textContent).toBe("1 change waiting");
  });
});

const today1403 = new Date();
today1403.setHours(14, 3, 0, 0);

function op(id: number, over: Partial<PendingOperation> = {}): PendingOperation {
  return { id, kind: "markRead", state: "pending", subject: `Betreff ${id}`, folder: "INBOX", attempts: 0, lastError: "", nextAttempt: null, ...over };
}

const archive: Folder = { id: "arch", parentId: null, name: "Archive", kind: "mail", shared: false, unread: 0 };
const inbox: Folder = { id: "in", parentId: null, name: "INBOX", kind: "inbox", shared: false, unread: 0 };

describe("the list of unsent changes", () => {
  const ops = [
    op(1, { kind: "move", folder: "Archive", subject: "", attempts: 2, lastError: "connection refused", nextAttempt: today1403.toISOString() }),
    op(2, { kind: "send", folder: "", subject: "Angebot", state: "parked", attempts: 5, lastError: "550 mailbox full" }),
    op(3, { kind: "markRead", state: "inFlight", attempts: 1 }),
  ];

  async function openList(lang: Lang = "de", list = ops) {
    const fake = fakeSync({ ...online, state: "offline", unsent: list.length }, list);
    renderIn(lang, fake.api, [inbox, archive]);
    const user = userEvent.setup();
    await user.click(await screen.findByTestId("status-unsent"));
    const dialog = await screen.findByTestId("pending-dialog");
    await waitFor(() => {
      expect(within(dialog).queryAllByTestId("pending-row").length + within(dialog).queryAllByTestId("pending-empty").length).toBeGreaterThan(0);
    });
    return { fake, user, dialog };
  }

  function row(id: number): HTMLElement {
    const el = screen.getAllByTestId("pending-row").find((r) => r.getAttribute("data-op-id") === String(id));
    if (!el) throw new Error(`no row ${id}`);
    return el;
  }

  it("shows the messages to send, and nothing else, as the Outbox in the content pane", async () => {
    const fake = fakeSync({ ...online, state: "offline", unsent: ops.length }, ops);
    render(
      <I18nContext.Provider value={{ lang: "de", t: translator("de"), setLang: () => undefined }}>
        <OutboxView api={fake.api} folders={[inbox, archive]} />
      </I18nContext.Provider>,
    );
    const view = await screen.findByTestId("outbox-view");
    expect(within(view).getByRole("heading").textContent).toBe("Postausgang");
    await waitFor(() => {
      expect(within(view).getAllByTestId("pending-row").map((r) => r.getAttribute("data-op-id"))).toEqual(["2"]);
    });
    expect(within(view).getByTestId("pending-error-kind").textContent).toContain("Der Server hat die Nachricht nicht gesendet");
    expect(within(view).queryByTestId("pending-close")).toBeNull();
    // Edit takes it out of the Outbox.
    await userEvent.setup().click(within(view).getByTestId("pending-edit"));
    await waitFor(() => {
      expect(within(view).getByTestId("pending-empty").textContent).toBe("Es wartet keine Nachricht auf das Senden.");
    });
    expect(fake.api.editUnsent).toHaveBeenCalledWith(2);
  });

  it("opens from the count and says what waits, on which item, and why", async () => {
    const { dialog } = await openList();
    expect(screen.getByTestId("status-unsent").tagName).toBe("BUTTON");
    expect(dialog.getAttribute("role")).toBe("dialog");
    expect(screen.getAllByTestId("pending-row").map((r) => r.getAttribute("data-state"))).toEqual(["pending", "parked", "inFlight"]);

    const move = within(row(1));
    expect(move.getByTestId("pending-what").textContent).toBe("Verschieben nach Archiv");
    expect(move.getByTestId("pending-item").textContent).toBe("(kein Betreff)");
    expect(move.getByTestId("pending-why").textContent).toContain("Wartet");
    expect(move.getByTestId("pending-why").textContent).toContain("nächster Versuch 14:03");
    expect(move.getByTestId("pending-why").textContent).toContain("2 Versuche");
    expect(move.getByTestId("pending-error-kind").textContent).toBe("Der Server war nicht erreichbar.");
    expect(move.getByTestId("pending-error-text").textContent).toBe("connection refused");
    expect(move.queryByTestId("pending-retry")).toBeNull();

    const send = within(row(2));
    expect(send.getByTestId("pending-what").textContent).toBe("Senden");
    expect(send.getByTestId("pending-item").textContent).toBe("Angebot");
    expect(send.getByTestId("pending-why").textContent).toContain("Fehlgeschlagen – wartet auf Sie");
    expect(send.getByTestId("pending-retry").textContent).toBe("Erneut versuchen");
    expect(send.getByTestId("pending-edit").textContent).toBe("Bearbeiten");
    expect(move.queryByTestId("pending-edit")).toBeNull();

    const read = within(row(3));
    expect(read.getByTestId("pending-what").textContent).toBe("Als gelesen markieren");
    expect(row(3).textContent).toContain("in Posteingang");
    expect(read.getByTestId("pending-why").textContent).toContain("Wird gerade gesendet");
    expect(read.getByTestId("pending-why").textContent).toContain("1 Versuch");
    // Being sent now: the core cannot discard it until it failed.
    expect(read.getByTestId("pending-discard").hasAttribute("disabled")).toBe(true);
  });

  it("retries a parked change and follows the events", async () => {
    const { fake, user } = await openList();
    await user.click(within(row(2)).getByTestId("pending-retry"));
    expect(fake.api.retryOperation).toHaveBeenCalledWith(2);
    await waitFor(() => {
      expect(row(2).getAttribute("data-state")).toBe("pending");
    });
    expect(within(row(2)).queryByTestId("pending-retry")).toBeNull();

    // Another change went through: the list follows the mail and the sync events.
    fake.setList(ops.slice(0, 1));
    fake.mailChanged();
    await waitFor(() => {
      expect(screen.getAllByTestId("pending-row")).toHaveLength(1);
    });
    fake.setList([]);
    fake.push({ ...online, unsent: 0 });
    expect((await screen.findByTestId("pending-empty")).textContent).toBe("Nichts wartet: Alle Änderungen sind auf dem Server.");
    // The dialog stays open although the count is gone from the status bar.
    expect(screen.queryByTestId("status-unsent")).toBeNull();
    await user.click(screen.getByTestId("pending-close"));
    expect(screen.queryByTestId("pending-dialog")).toBeNull();
  });

  it("takes a failed send back to edit: it leaves the list", async () => {
    const { fake, user } = await openList();
    await user.click(within(row(2)).getByTestId("pending-edit"));
    expect(fake.api.editUnsent).toHaveBeenCalledWith(2);
    await waitFor(() => {
      expect(screen.getAllByTestId("pending-row")).toHaveLength(2);
    });
    expect(screen.getByText("Die Nachricht liegt in den Entwürfen und ist zum Bearbeiten geöffnet")).toBeTruthy();
  });

  it("asks before discarding, says what is lost, and discards only on confirmation", async () => {
    const { fake, user } = await openList();
    await user.click(within(row(2)).getByTestId("pending-discard"));
    expect(screen.getByTestId("pending-discard-text").textContent).toBe(
      "Die Nachricht „Angebot“ wird nicht gesendet und aus dem Postausgang entfernt. Das kann nicht rückgängig gemacht werden.",
    );
    await user.click(screen.getByTestId("pending-discard-cancel"));
    expect(fake.api.discardOperation).not.toHaveBeenCalled();
    expect(screen.getAllByTestId("pending-row")).toHaveLength(3);

    await user.click(within(row(1)).getByTestId("pending-discard"));
    expect(screen.getByTestId("pending-discard-text").textContent).toBe(
      "„Verschieben nach Archiv“ für „(kein Betreff)“ erreicht den Server nicht. Mit der nächsten Synchronisierung zeigt dieser Computer das Element so, wie es auf dem Server ist. Das kann nicht rückgängig gemacht werden.",
    );
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("pending-discard-confirm")).toBeNull();
    expect(screen.getByTestId("pending-dialog")).toBeTruthy();

    await user.click(within(row(1)).getByTestId("pending-discard"));
    await user.click(screen.getByTestId("pending-discard-confirm"));
    expect(fake.api.discardOperation).toHaveBeenCalledWith(1);
    await waitFor(() => {
      expect(screen.getAllByTestId("pending-row")).toHaveLength(2);
    });
    expect(screen.getByRole("status").textContent).toBe("Änderung verworfen");
  });

  it("shows why a retry failed", async () => {
    const { fake, user } = await openList("en");
    fake.api.retryOperation.mockImplementationOnce(() =>
      Promise.reject(new CommandError({ code: "storage", message: "The change could not be saved.", detail: "disk full" })),
    );
    await user.click(within(row(2)).getByTestId("pending-retry"));
    const error = await screen.findByTestId("error");
    expect(error.textContent).toContain("The change could not be handled");
    expect(error.textContent).toContain("The change could not be saved.");
  });

  it("speaks English and says when nothing waits", async () => {
    await openList("en", [op(4, { kind: "eventDelete", subject: "", folder: "", state: "parked", lastError: "403 Forbidden" })]);
    expect(within(row(4)).getByTestId("pending-what").textContent).toBe("Delete the appointment");
    expect(within(row(4)).getByTestId("pending-item").textContent).toBe("(unknown item)");
    expect(within(row(4)).getByTestId("pending-why").textContent).toContain("Failed – waits for you");
    cleanup();
    const fake = fakeSync({ ...online, unsent: 1 }, []);
    renderIn("en", fake.api);
    await userEvent.click(await screen.findByTestId("status-unsent"));
    expect((await screen.findByTestId("pending-empty")).textContent).toBe("Nothing is waiting: every change is on the server.");
  });
});
