import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { safetyMocks } from "./test-safety";
import userEvent from "@testing-library/user-event";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Folder, MailChanged, MessageSummary, MessageView, MessageWindowRequest } from "../lib/bindings";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { MailView, type MailApi } from "./MailView";
import { DEFAULT_PREFS, ROW_HEIGHT, type MailPrefs } from "./prefs";
import { NO_FILTERS } from "./search";
import { firstSearchRows } from "./windowing";

afterEach(cleanup);

// jsdom lays nothing out: give the list's scroll box a size so the virtualizer renders rows.
const sizes = {
  clientHeight: Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight"),
  clientWidth: Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientWidth"),
};
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 800 });
});
afterAll(() => {
  if (sizes.clientHeight) Object.defineProperty(HTMLElement.prototype, "clientHeight", sizes.clientHeight);
  if (sizes.clientWidth) Object.defineProperty(HTMLElement.prototype, "clientWidth", sizes.clientWidth);
});

const inbox: Folder = { id: "inbox", parentId: null, name: "INBOX", kind: "inbox", shared: false, unread: 2 };
const archive: Folder = { id: "arch", parentId: null, name: "Archive", kind: "mail", shared: false, unread: 0 };
const calendar: Folder = { id: "cal", parentId: null, name: "Calendar", kind: "calendar", shared: false, unread: null };

const nowSeconds = Math.floor(Date.now() / 1000);

function message(id: number, over: Partial<MessageSummary> = {}): MessageSummary {
  return {
    id,
    folderId: "inbox",
    subject: `Betreff ${id}`,
    from: { name: `Absender ${id}`, addr: `a${id}@example.com` },
    to: [{ name: "Alice", addr: "alice@example.com" }],
    date: nowSeconds - id * 60,
    preview: `Vorschau ${id}`,
    read: id !== 1,
    flag: "none",
    importance: "normal",
    hasAttachments: false,
    size: 2048,
    pending: false,
    ...over,
  };
}

function fakeApi(rows: MessageSummary[]) {
  let changed: ((e: MailChanged) => void) | null = null;
  const view = (id: number): MessageView => {
    const m = rows.find((r) => r.id === id) ?? message(id);
    return {
      message: m,
      to: m.to,
      cc: [],
      body: {
        format: "plain",
        text: "Hallo, siehe https://example.com/plan.",
        html: "",
        remoteBlocked: 0,
        trackersBlocked: 0,
        remoteForbidden: false,
        remoteAllowed: false,
        complete: true,
      },
      attachments: [],
      invitation: null,
    };
  };
  const api = {
    listMessages: vi.fn((r: MessageWindowRequest) =>
      Promise.resolve({
        folderId: r.folderId,
        total: rows.length,
        unread: rows.filter((m) => !m.read).length,
        start: r.start,
        rows: rows.slice(r.start, r.start + r.count),
        next: null,
        search: null,
      }),
    ),
    messageView: vi.fn((id: number) => Promise.resolve(view(id))),
    fetchMessageBody: vi.fn((id: number) => Promise.resolve(view(id))),
    ...safetyMocks(),
    saveAttachment: vi.fn(() => Promise.resolve("/home/alice/Downloads/a.pdf")),
    openLink: vi.fn(() => Promise.resolve(null)),
    allowRemoteContent: vi.fn(() => Promise.resolve(null)),
    respondToMeeting: vi.fn(() => Promise.resolve(null)),
    respondToInvitation: vi.fn(() => Promise.resolve(null)),
    onAttachmentProgress: vi.fn(() => () => undefined),
    markRead: vi.fn(() => Promise.resolve(null)),
    setFlag: vi.fn(() => Promise.resolve(null)),
    deleteMessages: vi.fn(() => Promise.resolve({ movedTo: "trash" })),
    moveMessages: vi.fn(() => Promise.resolve(null)),
    onMailChanged: vi.fn((cb: (e: MailChanged) => void) => {
      changed = cb;
      return () => undefined;
    }),
    messagePosition: vi.fn(() => Promise.resolve(null)),
    onMailOpen: vi.fn(() => () => undefined),
    openCompose: vi.fn(() => Promise.resolve("compose-1")),
    saveMessageFile: vi.fn(() => Promise.resolve("/home/alice/Downloads/Betreff 1.eml")),
    attachmentForImport: vi.fn(() => Promise.resolve("/tmp/kontor-attachments/x/einladung.ics")),
    serverSearch: vi.fn(() => Promise.resolve({ hits: [], cached: 0, more: false })),
    openServerHit: vi.fn(() => Promise.reject(new Error("not needed"))),
    syncStatus: vi.fn(() => Promise.reject(new Error("not needed"))),
    onSyncStatus: vi.fn(() => () => undefined),
  } satisfies MailApi;
  return {
    api,
    fire: (e: MailChanged) => {
      act(() => {
        changed?.(e);
      });
    },
  };
}

const prefs: MailPrefs = { ...DEFAULT_PREFS, markRead: "never" };

function view(api: MailApi, lang: Lang) {
  return (
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <MailView
        api={api}
        folders={[inbox, archive, calendar]}
        folder={inbox}
        prefs={prefs}
        onPrefs={() => undefined}
        paintFolder={null}
        onPainted={() => undefined}
        onCounts={() => undefined}
        onHelp={() => undefined}
      />
    </I18nContext.Provider>
  );
}

function renderView(api: MailApi, lang: Lang = "de") {
  return render(view(api, lang));
}

async function rows() {
  await waitFor(() => {
    expect(screen.getAllByTestId("message-row").length).toBeGreaterThan(0);
  });
  return screen.getAllByTestId("message-row");
}

describe("MailView", () => {
  it("lists the first window with a date header, unread rows marked, as a grid", async () => {
    const { api } = fakeApi([message(1), message(2), message(3)]);
    renderView(api);
    const list = await rows();
    expect(list).toHaveLength(3);
    expect(api.listMessages).toHaveBeenCalledWith({ folderId: "inbox", sort: "date", descending: true, start: 0, count: 200, after: null });
    expect(screen.getAllByTestId("group-header")[0]?.textContent).toBe("Heute");
    expect(list[0]?.getAttribute("data-read")).toBe("false");
    expect(list[0]?.className).toContain("is-unread");
    const grid = screen.getByRole("grid");
    expect(grid.getAttribute("aria-rowcount")).toBe("5");
    expect(list[0]?.getAttribute("aria-rowindex")).toBe("3");
  });

  it("asks for a keystroke's hits once, from the keystroke itself, a screenful first", async () => {
    const { api } = fakeApi([message(1), message(2), message(3)]);
    renderView(api);
    await rows();
    const input = screen.getByTestId<HTMLInputElement>("search-input");
    const before = api.listMessages.mock.calls.length;
    // The change handler asks at once: the request is out before React renders the search.
    fireEvent.change(input, { target: { value: "b" } });
    const asked = api.listMessages.mock.calls.slice(before).map((c) => c[0]);
    expect(asked).toEqual([
      { folderId: "inbox", sort: "date", descending: true, start: 0, count: firstSearchRows(ROW_HEIGHT[DEFAULT_PREFS.density]), after: null, search: { text: "b", allFolders: false, filters: NO_FILTERS } },
    ]);
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("search-input").value).toBe("b");
    });
    await rows();
    // The list's own request for the same window finds it on its way.
    expect(api.listMessages.mock.calls.slice(before)).toHaveLength(1);
  });

  it("tags mail from outside the user's domains as External", async () => {
    const outside = message(1);
    const inside = { ...message(2), from: { name: "Kollegin", addr: "kollegin@filiale.example.com" } };
    const { api } = fakeApi([outside, inside]);
    api.ownDomains = vi.fn(() => Promise.resolve(["example.com"]));
    const own = { ...outside, from: { name: "Fremd", addr: "info@lieferant.example" } };
    api.listMessages.mockImplementation(() =>
      Promise.resolve({ folderId: "inbox", total: 2, unread: 0, start: 0, rows: [own, inside], next: null, search: null }),
    );
    renderView(api);
    await rows();
    await waitFor(() => {
      expect(screen.getAllByTestId("row-external")).toHaveLength(1);
    });
    expect(screen.getByTestId("row-external").textContent).toBe("Extern");
    // The outside sender's real address stands next to the name, the colleague's does not.
    expect(screen.getAllByTestId("row-address").map((e) => e.textContent)).toEqual(["info@lieferant.example"]);
    expect(screen.getAllByTestId("row-subject")[0]?.textContent).toContain("Extern");
  });

  it("shows a friendly empty state", async () => {
    const { api } = fakeApi([]);
    renderView(api);
    expect((await screen.findByTestId("message-list-empty")).textContent).toContain("Dieser Ordner ist leer.");
  });

  it("selects with click, Ctrl+click and Shift+click, and reads the one selected", async () => {
    const { api } = fakeApi([message(1), message(2), message(3), message(4)]);
    renderView(api);
    const user = userEvent.setup();
    let list = await rows();
    await user.click(list[1]!);
    expect(await screen.findByTestId("reader-subject")).toHaveProperty("textContent", "Betreff 2");
    expect(screen.getByTestId("reader-from").textContent).toContain("Absender 2");
    await user.keyboard("{Shift>}");
    await user.click(list[3]!);
    await user.keyboard("{/Shift}");
    list = screen.getAllByTestId("message-row");
    expect(list.map((r) => r.getAttribute("aria-selected"))).toEqual(["false", "true", "true", "true"]);
    expect(screen.getByTestId("reader").textContent).toContain("3 Nachrichten ausgewählt");
    await user.keyboard("{Control>}");
    await user.click(list[2]!);
    await user.keyboard("{/Control}");
    list = screen.getAllByTestId("message-row");
    expect(list.map((r) => r.getAttribute("aria-selected"))).toEqual(["false", "true", "false", "true"]);
  });

  it("deletes with Del and undoes by moving the same ids back", async () => {
    const { api } = fakeApi([message(1), message(2)]);
    renderView(api);
    const user = userEvent.setup();
    const list = await rows();
    await user.click(list[0]!);
    await user.keyboard("{Delete}");
    expect(api.deleteMessages).toHaveBeenCalledWith([1], false);
    const toast = await screen.findByTestId("undo-toast");
    expect(toast.textContent).toContain("In „Gelöschte Elemente“ verschoben");
    await user.click(within(toast).getByTestId("undo"));
    await waitFor(() => {
      expect(api.moveMessages).toHaveBeenCalledWith([1], "inbox");
    });
  });

  it("shows a toast in the language now chosen, also one made before the switch", async () => {
    const { api } = fakeApi([message(1), message(2)]);
    const { rerender } = renderView(api, "en");
    const user = userEvent.setup();
    await user.click((await rows())[0]!);
    await user.keyboard("{Control>}{Shift>}V{/Shift}{/Control}");
    await user.type(within(await screen.findByTestId("move-dialog")).getByTestId("move-filter"), "arch{Enter}");
    const toast = await screen.findByTestId("undo-toast");
    expect(within(toast).getByTestId("toast-text").textContent).toBe("Moved to Archive");
    expect(within(toast).getByTestId("undo").textContent).toBe("Undo");
    rerender(view(api, "de"));
    expect(within(toast).getByTestId("toast-text").textContent).toBe("Nach Archiv verschoben");
    expect(within(toast).getByTestId("undo").textContent).toBe("Rückgängig");
    await user.keyboard("{Insert}");
    await waitFor(() => {
      expect(screen.getByTestId("toast-text").textContent).toBe("Kennzeichnung geändert");
    });
    rerender(view(api, "en"));
    expect(screen.getByTestId("toast-text").textContent).toBe("Flag changed");
  });

  it("asks before Shift+Del and never offers to undo it", async () => {
    const { api } = fakeApi([message(1), message(2)]);
    renderView(api);
    const user = userEvent.setup();
    await user.click((await rows())[1]!);
    await user.keyboard("{Shift>}{Delete}{/Shift}");
    const dialog = await screen.findByTestId("confirm-delete");
    expect(dialog.textContent).toContain("Die Nachricht wird endgültig gelöscht.");
    expect(api.deleteMessages).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("confirm-delete-ok"));
    await waitFor(() => {
      expect(api.deleteMessages).toHaveBeenCalledWith([2], true);
    });
    expect(screen.queryByTestId("undo-toast")).toBeNull();
  });

  it("marks read and unread with Ctrl+Q / Ctrl+U, flags with Insert, and undoes the flag", async () => {
    const { api } = fakeApi([message(1), message(2, { flag: "complete" })]);
    renderView(api);
    const user = userEvent.setup();
    const list = await rows();
    await user.click(list[0]!);
    await user.keyboard("{Control>}a{/Control}");
    await user.keyboard("{Control>}q{/Control}");
    await waitFor(() => {
      expect(api.markRead).toHaveBeenCalledWith([1], true);
    });
    await user.keyboard("{Insert}");
    await waitFor(() => {
      expect(api.setFlag).toHaveBeenCalledWith([1, 2], "active");
    });
    await user.keyboard("{Control>}z{/Control}");
    await waitFor(() => {
      expect(api.setFlag).toHaveBeenCalledWith([1], "none");
      expect(api.setFlag).toHaveBeenCalledWith([2], "complete");
    });
  });

  it("moves with the Move to… dialog and its filter, then offers Move again", async () => {
    const { api } = fakeApi([message(1), message(2)]);
    renderView(api);
    const user = userEvent.setup();
    await user.click((await rows())[0]!);
    await user.keyboard("{Control>}{Shift>}V{/Shift}{/Control}");
    const dialog = await screen.findByTestId("move-dialog");
    // Mail folders only, not the one open.
    expect(within(dialog).getAllByTestId("move-folder").map((f) => f.textContent)).toEqual(["Archiv"]);
    await user.type(within(dialog).getByTestId("move-filter"), "xyz");
    expect(within(dialog).queryAllByTestId("move-folder")).toHaveLength(0);
    await user.clear(within(dialog).getByTestId("move-filter"));
    await user.type(within(dialog).getByTestId("move-filter"), "arch{Enter}");
    await waitFor(() => {
      expect(api.moveMessages).toHaveBeenCalledWith([1], "arch");
    });
    await user.click(await screen.findByTestId("mail-move-menu"));
    expect(screen.getByTestId("action-move-again").textContent).toBe("Erneut: Archiv");
  });

  it("groups read and flag actions into menus that keep the action test ids", async () => {
    const { api } = fakeApi([message(1), message(2)]);
    renderView(api, "en");
    const user = userEvent.setup();
    expect(screen.getByTestId<HTMLButtonElement>("mail-read-menu").disabled).toBe(true);
    await user.click((await rows())[0]!);
    await user.click(screen.getByTestId("mail-read-menu"));
    await user.click(screen.getByTestId("action-read"));
    await waitFor(() => {
      expect(api.markRead).toHaveBeenCalledWith([1], true);
    });
    await user.click(screen.getByTestId("mail-flag-menu"));
    expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toEqual(["Flag", "Mark complete", "Clear flag"]);
    await user.click(screen.getByTestId("action-complete"));
    await waitFor(() => {
      expect(api.setFlag).toHaveBeenCalledWith([1], "complete");
    });
    expect(screen.queryByTestId("mail-more-menu")).toBeNull();
  });

  it("puts what does not fit the toolbar's line into More, the last entries first", async () => {
    // Every entry 200 px wide in an 800 px toolbar: View and More leave room for one entry.
    const rect = vi.spyOn(Element.prototype, "getBoundingClientRect").mockReturnValue(new DOMRect(0, 0, 200, 30));
    try {
      const { api } = fakeApi([message(1), message(2)]);
      renderView(api);
      const user = userEvent.setup();
      await user.click((await rows())[0]!);
      expect(screen.getByTestId("action-new")).toBeTruthy();
      expect(screen.queryByTestId("mail-read-menu")).toBeNull();
      expect(screen.queryByTestId("action-delete")).toBeNull();
      await user.click(screen.getByTestId("mail-more-menu"));
      expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toEqual([
        "Antworten",
        "Allen antworten",
        "Weiterleiten",
        "Als gelesen markieren",
        "Als ungelesen markieren",
        "Kennzeichnen",
        "Als erledigt markieren",
        "Kennzeichnung löschen",
        "Löschen",
        "Verschieben nach…",
        "Rückgängig",
        "Als Datei speichern",
      ]);
      // The message shown, as an .eml file into Downloads.
      await user.click(screen.getByTestId("action-save-file"));
      await waitFor(() => {
        expect(api.saveMessageFile).toHaveBeenCalledWith(1, null);
      });
      expect((await screen.findByTestId("toast-text")).textContent).toBe("Nachricht gespeichert unter /home/alice/Downloads/Betreff 1.eml");
      await user.click(screen.getByTestId("mail-more-menu"));
      await user.click(screen.getByTestId("action-delete"));
      await waitFor(() => {
        expect(api.deleteMessages).toHaveBeenCalledWith([1], false);
      });
    } finally {
      rect.mockRestore();
    }
  });

  it("opens compose windows: Ctrl+N new, Ctrl+R reply, Ctrl+Shift+R reply all, Ctrl+F forward", async () => {
    const { api } = fakeApi([message(1), message(2)]);
    renderView(api, "en");
    const user = userEvent.setup();
    await user.click((await rows())[1]!);
    await user.keyboard("{Control>}r{/Control}");
    await user.keyboard("{Control>}{Shift>}r{/Shift}{/Control}");
    await user.keyboard("{Control>}f{/Control}");
    await user.keyboard("{Control>}n{/Control}");
    expect(vi.mocked(api.openCompose).mock.calls).toEqual([
      ["reply", 2],
      ["replyAll", 2],
      ["forward", 2],
      ["new", null],
    ]);
    await user.click(screen.getByTestId("action-reply-all"));
    expect(api.openCompose).toHaveBeenLastCalledWith("replyAll", 2);
  });

  it("asks before opening a link of a plain-text message", async () => {
    const { api } = fakeApi([message(1)]);
    renderView(api, "en");
    const user = userEvent.setup();
    await user.click((await rows())[0]!);
    const link = await screen.findByRole("link", { name: "https://example.com/plan" });
    await user.click(link);
    expect(screen.getByTestId("link-url").textContent).toBe("https://example.com/plan");
    expect(api.openLink).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("link-open"));
    expect(api.openLink).toHaveBeenCalledWith("https://example.com/plan");
  });

  it("moves with the arrow keys, End and Ctrl+. / Ctrl+, and opens with Enter", async () => {
    const { api } = fakeApi([message(1), message(2), message(3), message(4)]);
    renderView(api);
    const user = userEvent.setup();
    await user.click((await rows())[0]!);
    const selectedId = () =>
      screen
        .getAllByTestId("message-row")
        .filter((r) => r.getAttribute("aria-selected") === "true")
        .map((r) => r.getAttribute("data-message-id"));
    await user.keyboard("{ArrowDown}");
    expect(selectedId()).toEqual(["2"]);
    expect(document.activeElement?.getAttribute("data-message-id")).toBe("2");
    await user.keyboard("{Shift>}{ArrowDown}{/Shift}");
    expect(selectedId()).toEqual(["2", "3"]);
    await user.keyboard("{End}");
    expect(selectedId()).toEqual(["4"]);
    await user.keyboard("{Control>}{ArrowUp}{ArrowUp}{/Control}");
    expect(selectedId()).toEqual(["4"]);
    await user.keyboard("{Control>} {/Control}");
    expect(selectedId()).toEqual(["2", "4"]);
    await user.keyboard("{Control>},{/Control}");
    expect(selectedId()).toEqual(["1"]);
    await user.keyboard("{Control>}.{/Control}");
    expect(selectedId()).toEqual(["2"]);
    await user.keyboard("{End}");
    await user.keyboard("{Control>}.{/Control}");
    expect(selectedId()).toEqual(["4"]);
    await user.click(screen.getAllByTestId("message-row")[3]!);
    await screen.findByTestId("reader-subject");
    screen.getAllByTestId("message-row")[3]!.focus();
    await user.keyboard("{Enter}");
    expect(document.activeElement?.getAttribute("data-testid")).toBe("reader");
  });

  it("opens the context menu with Shift+F10 and acts on the selection", async () => {
    const { api } = fakeApi([message(1), message(2)]);
    renderView(api, "en");
    const user = userEvent.setup();
    await user.click((await rows())[1]!);
    await user.keyboard("{Shift>}{F10}{/Shift}");
    const menu = await screen.findByTestId("context-menu");
    expect(within(menu).getAllByRole("menuitem").map((b) => b.textContent)).toContain("Delete permanently");
    await user.click(within(menu).getByTestId("context-complete"));
    await waitFor(() => {
      expect(api.setFlag).toHaveBeenCalledWith([2], "complete");
    });
    expect(screen.queryByTestId("context-menu")).toBeNull();
  });

  it("refreshes rows in place on mail:changed and keeps the selection", async () => {
    const data = [message(1), message(2), message(3)];
    const { api, fire } = fakeApi(data);
    renderView(api);
    const user = userEvent.setup();
    await user.click((await rows())[2]!);
    data.unshift(message(9, { date: nowSeconds }));
    fire({ folders: ["inbox"] });
    await waitFor(() => {
      expect(screen.getAllByTestId("message-row")).toHaveLength(4);
    });
    const selected = screen.getAllByTestId("message-row").filter((r) => r.getAttribute("aria-selected") === "true");
    expect(selected.map((r) => r.getAttribute("data-message-id"))).toEqual(["3"]);
  });
});
