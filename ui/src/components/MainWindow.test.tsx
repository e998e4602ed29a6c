import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { remoteListMocks, safetyMocks } from "../mail/test-safety";
import userEvent from "@testing-library/user-event";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { act } from "react";
import type { Folder, MailOpen, MessageSort, MessageWindowRequest, PendingOperation, ReminderSnapshot, SyncStatus } from "../lib/bindings";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import type { MailApi } from "../mail/MailView";
import { MainWindow, type MainWindowReminders } from "./MainWindow";
import { CommandError } from "../lib/ipc";
import type { SyncApi } from "./StatusBar";
import { fakeSettingsApi } from "../compose/test-settings";

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

const size = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
});
afterAll(() => {
  if (size) Object.defineProperty(HTMLElement.prototype, "clientHeight", size);
});

const folders: Folder[] = [
  { id: "cal", parentId: null, name: "Calendar", kind: "calendar", shared: false, unread: null },
  { id: "in", parentId: null, name: "INBOX", kind: "inbox", shared: false, unread: 2 },
  { id: "arch", parentId: null, name: "Archive", kind: "mail", shared: false, unread: 0 },
];

const now = Math.floor(Date.now() / 1000);

let openMail: ((req: MailOpen) => void) | null = null;

function mailApi(): MailApi {
  const row = (id: number) => ({
    id,
    folderId: "in",
    subject: `Betreff ${id}`,
    from: { name: "Bob", addr: "bob@example.de" },
    to: [],
    date: now - id * 60,
    preview: "",
    read: id > 2,
    flag: "none" as const,
    importance: "normal" as const,
    hasAttachments: false,
    size: 100,
    pending: false,
  });
  return {
    listMessages: vi.fn((r: MessageWindowRequest) =>
      Promise.resolve({
        folderId: r.folderId,
        total: r.folderId === "in" ? 3 : 0,
        unread: r.folderId === "in" ? 2 : 0,
        start: r.start,
        rows: r.folderId === "in" ? [row(1), row(2), row(3)] : [],
        next: null,
        search: null,
      }),
    ),
    messageView: vi.fn(() => Promise.reject(new Error("not needed"))),
    fetchMessageBody: vi.fn(() => Promise.reject(new Error("not needed"))),
    ...safetyMocks(),
    saveAttachment: vi.fn(() => Promise.resolve("")),
    openLink: vi.fn(() => Promise.resolve(null)),
    allowRemoteContent: vi.fn(() => Promise.resolve(null)),
    respondToMeeting: vi.fn(() => Promise.resolve(null)),
    respondToInvitation: vi.fn(() => Promise.resolve(null)),
    onAttachmentProgress: vi.fn(() => () => undefined),
    markRead: vi.fn(() => Promise.resolve(null)),
    setFlag: vi.fn(() => Promise.resolve(null)),
    deleteMessages: vi.fn(() => Promise.resolve({ movedTo: null })),
    moveMessages: vi.fn(() => Promise.resolve(null)),
    onMailChanged: vi.fn(() => () => undefined),
    // Rows are newest first: message n is the n-th.
    messagePosition: vi.fn((_folder: string, _sort: MessageSort, _descending: boolean, id: number) => Promise.resolve(id - 1)),
    onMailOpen: vi.fn((cb: (req: MailOpen) => void) => {
      openMail = cb;
      return () => undefined;
    }),
    openCompose: vi.fn(() => Promise.resolve("compose-1")),
    saveMessageFile: vi.fn(() => Promise.resolve("/home/alice/Downloads/Betreff 1.eml")),
    attachmentForImport: vi.fn(() => Promise.resolve("/tmp/kontor-attachments/x/einladung.ics")),
    serverSearch: vi.fn(() => Promise.resolve({ hits: [], cached: 0, more: false })),
    openServerHit: vi.fn(() => Promise.reject(new Error("not needed"))),
    syncStatus: vi.fn(() => Promise.reject(new Error("not needed"))),
    onSyncStatus: vi.fn(() => () => undefined),
  };
}

const snapshot: ReminderSnapshot = {
  visible: false,
  hideAt: null,
  listed: [],
  active: [],
  autohide: false,
  autohideSeconds: 15,
  now: "2026-11-27T08:45:00Z",
  generation: 1,
};
// Every reminder command answers with the empty snapshot; every event never fires.
const reminders = new Proxy(
  {},
  {
    get: (_t, name: string) =>
      name.startsWith("on") ? () => () => undefined : () => Promise.resolve(name === "reminders" ? snapshot : null),
  },
) as unknown as MainWindowReminders;

const status: SyncStatus = { state: "online", folder: null, done: null, total: null, lastSync: null, unsent: 0, error: null };
const sync: SyncApi = {
  syncStatus: () => Promise.resolve(status),
  syncNow: () => Promise.resolve(null),
  onSyncStatus: () => () => undefined,
  pendingOperations: () => Promise.resolve([]),
  retryOperation: () => Promise.resolve(null),
  discardOperation: () => Promise.resolve(null),
  editUnsent: () => Promise.resolve(0),
  onMailChanged: () => () => undefined,
};
const mailSettings = {
  newMailNotifications: vi.fn(() => Promise.resolve(true)),
  setNewMailNotifications: vi.fn(() => Promise.resolve(null)),
  ...remoteListMocks(),
  ...fakeSettingsApi(),
};

const people = {
  addressSuggestions: vi.fn(() => Promise.resolve([{ name: "Bob Baker", address: "bob@kontor.test", uses: 3, directory: false }])),
  directoryPeople: vi.fn(() => Promise.resolve([])),
  openComposeTo: vi.fn(() => Promise.resolve("compose-1")),
};

function renderMain(
  lang: Lang = "de",
  files?: { openMessageFile: (path: string) => Promise<string> },
  pick?: (title: string, filter: string, extensions: string[]) => Promise<string | null>,
  syncApi: SyncApi = sync,
) {
  const api = {
    folders: vi.fn(() => Promise.resolve(folders)),
    refreshFolders: vi.fn(() => Promise.resolve(folders)),
    signOut: vi.fn(() => Promise.resolve(null)),
  };
  const mail = mailApi();
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <MainWindow api={api} account={{ user: "alice", serverUrl: "https://x", protocolVersion: "14.1" }} onSignedOut={() => undefined} reminders={reminders} sync={syncApi} mail={mail} mailSettings={mailSettings} people={people} files={files} pickFile={pick} />
    </I18nContext.Provider>,
  );
  return { api, mail };
}

describe("MainWindow with mail", () => {
  it("opens the Inbox at start, names it and its unread count in the title, and marks the first rows", async () => {
    const mark = vi.spyOn(performance, "mark");
    renderMain();
    expect(await screen.findAllByTestId("message-row")).toHaveLength(3);
    await waitFor(() => {
      expect(document.title).toBe("Posteingang (2) – Kontor");
    });
    await waitFor(() => {
      expect(mark.mock.calls.map((c) => c[0])).toContain("kontor:first-rows");
    });
    // The reminders stay in the window (end-to-end tests read them there).
    expect(screen.getByTestId("main-reminders")).toBeTruthy();
  });

  it("has an Outbox that counts the messages waiting to be sent and lists them", async () => {
    const waiting: PendingOperation[] = [
      { id: 7, kind: "send", state: "pending", subject: "Angebot", folder: "", attempts: 0, lastError: "", nextAttempt: null },
      { id: 8, kind: "markRead", state: "pending", subject: "Hallo", folder: "in", attempts: 0, lastError: "", nextAttempt: null },
    ];
    renderMain("de", undefined, undefined, { ...sync, pendingOperations: () => Promise.resolve(waiting) });
    await screen.findAllByTestId("message-row");
    const outbox = await waitFor(() => {
      const row = screen.getAllByTestId("folder-row").find((r) => r.getAttribute("data-kind") === "outbox");
      if (!row) throw new Error("no Outbox in the tree");
      expect(within(row).getByTestId("folder-unread").textContent).toBe("1");
      return row;
    });
    expect(within(outbox).getByTestId("folder").textContent).toBe("Postausgang");
    fireEvent.click(within(outbox).getByTestId("folder"));
    const view = await screen.findByTestId("outbox-view");
    await waitFor(() => {
      expect(within(view).getAllByTestId("pending-item").map((e) => e.textContent)).toEqual(["Angebot"]);
    });
    expect(document.title).toBe("Postausgang (1) – Kontor");
  });

  it("marks a folder click and the paint of its rows, and empties the list for an empty folder", async () => {
    const mark = vi.spyOn(performance, "mark");
    renderMain("en");
    await screen.findAllByTestId("message-row");
    const user = userEvent.setup();
    await user.click(screen.getByText("Archive"));
    expect(await screen.findByTestId("message-list-empty")).toBeTruthy();
    await waitFor(() => {
      expect(mark).toHaveBeenCalledWith("kontor:rows-painted", { detail: { folderId: "arch" } });
    });
    expect(mark).toHaveBeenCalledWith("kontor:folder-click");
    expect(document.title).toBe("Archive – Kontor");
    // Ctrl+1 goes back to the Inbox.
    await user.keyboard("{Control>}1{/Control}");
    expect(await screen.findAllByTestId("message-row")).toHaveLength(3);
  });

  it("opens the message of a clicked notification: its folder, then the message selected", async () => {
    renderMain("en");
    await screen.findAllByTestId("message-row");
    const user = userEvent.setup();
    await user.click(screen.getByText("Archive"));
    expect(await screen.findByTestId("message-list-empty")).toBeTruthy();
    act(() => {
      openMail?.({ folderId: "in", messageId: 3 });
    });
    await waitFor(() => {
      const selected = screen.getAllByTestId("message-row").filter((r) => r.getAttribute("aria-selected") === "true");
      expect(selected.map((r) => r.textContent)).toEqual([expect.stringContaining("Betreff 3")]);
    });
    expect(document.title).toBe("Inbox (2) – Kontor");
  });

  it("opens the address book with Ctrl+3 and shows a person's mail from there", async () => {
    renderMain("de");
    await screen.findAllByTestId("message-row");
    const user = userEvent.setup();
    await user.keyboard("{Control>}3{/Control}");
    expect(await screen.findByTestId("address-book")).toBeTruthy();
    expect(screen.getByTestId("module-people").getAttribute("aria-pressed")).toBe("true");
    await waitFor(() => {
      expect(document.title).toBe("Personen – Kontor");
    });
    await user.click(await screen.findByText("Bob Baker"));
    await user.click(screen.getByTestId("person-show-mails"));
    const input = await screen.findByTestId<HTMLInputElement>("search-input");
    expect(input.value).toBe("from:bob@kontor.test");
    expect(screen.getByTestId<HTMLSelectElement>("search-scope").value).toBe("all");
    expect(screen.getByTestId("module-mail").getAttribute("aria-pressed")).toBe("true");
    // The keyboard map names the key.
    await user.click(screen.getByTestId("message-list"));
    await user.keyboard("?");
    expect((await screen.findByTestId("shortcut-overlay")).textContent).toContain("Zu Personen (Adressbuch) wechseln");
  });

  it("lists the keyboard map on ? and moves between panes with F6", async () => {
    renderMain("de");
    await screen.findAllByTestId("message-row");
    const user = userEvent.setup();
    await user.keyboard("?");
    const overlay = await screen.findByTestId("shortcut-overlay");
    expect(overlay.textContent).toContain("Strg+Umschalt+V");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("shortcut-overlay")).toBeNull();
    await user.keyboard("{F6}");
    expect(document.activeElement?.closest("[data-pane]")?.getAttribute("data-pane")).toBe("tree");
    await user.keyboard("{F6}");
    expect(document.activeElement?.getAttribute("data-testid")).toBe("message-row");
    await user.keyboard("{F6}");
    expect(document.activeElement?.getAttribute("data-testid")).toBe("reader");
  });

  it("opens a saved message from Menu, Open file…, and says plainly when the file is no message", async () => {
    const pick = vi.fn(() => Promise.resolve("/home/alice/Angebot.eml"));
    const files = {
      openMessageFile: vi
        .fn<(path: string) => Promise<string>>()
        .mockResolvedValueOnce("reader-1")
        .mockRejectedValueOnce(new CommandError({ code: "invalid_input", message: "Das ist keine gespeicherte E-Mail.", detail: "" })),
    };
    renderMain("de", files, pick);
    await screen.findAllByTestId("message-row");
    const user = userEvent.setup();
    await user.click(screen.getByTestId("menu"));
    await user.click(screen.getByTestId("menu-open-file"));
    await waitFor(() => {
      expect(files.openMessageFile).toHaveBeenCalledWith("/home/alice/Angebot.eml");
    });
    expect(pick).toHaveBeenCalledWith("Gespeicherte Nachricht öffnen", "E-Mail-Nachrichten", ["eml"]);
    expect(screen.queryByText("Die Datei konnte nicht geöffnet werden")).toBeNull();
    await user.click(screen.getByTestId("menu"));
    await user.click(screen.getByTestId("menu-open-file"));
    expect(await screen.findByText("Die Datei konnte nicht geöffnet werden")).toBeTruthy();
    expect(screen.getByText("Das ist keine gespeicherte E-Mail.")).toBeTruthy();
  });
});
