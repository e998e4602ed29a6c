import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MessageSearch, MessageView, ServerSearchResult, SyncStatus } from "../lib/bindings";
import { translator, type Lang } from "../lib/i18n";
import { CommandError } from "../lib/ipc";
import { I18nContext } from "../lib/i18n-context";
import { ServerSearch, type ServerSearchApi } from "./ServerSearch";

afterEach(cleanup);

const NOW = new Date("2026-12-05T12:00:00Z");
const SEARCH: MessageSearch = {
  text: "rechnung",
  allFolders: false,
  filters: { unread: false, flagged: false, attachment: false, knownSenders: false, thisWeek: false },
};

function status(state: SyncStatus["state"]): SyncStatus {
  return { state, folder: null, done: null, total: null, lastSync: null, unsent: 0, error: null };
}

const RESULT: ServerSearchResult = {
  hits: [
    {
      longId: "mail/inbox+65",
      folderId: "inbox",
      subject: "Alte Rechnung",
      from: { name: "Alice Archer", addr: "alice@kontor.test" },
      date: Date.parse("2026-08-27T10:00:00Z") / 1000,
      preview: "Die alte Rechnung",
      read: false,
      hasAttachments: true,
    },
  ],
  cached: 2,
  more: false,
};

function view(id: number): MessageView {
  return {
    message: { ...RESULT.hits[0], id, to: [], flag: "none", importance: "normal", size: 300, pending: false, read: true },
    to: [],
    cc: [],
    body: { format: "plain", text: "Die alte Rechnung", html: "", remoteBlocked: 0, trackersBlocked: 0, remoteAllowed: false, remoteForbidden: false, complete: true },
    attachments: [],
    invitation: null,
  } as unknown as MessageView;
}

function fakeApi(state: SyncStatus["state"] = "online", result: () => Promise<ServerSearchResult> = () => Promise.resolve(RESULT)) {
  return {
    serverSearch: vi.fn(result),
    openServerHit: vi.fn(() => Promise.resolve(view(-1))),
    syncStatus: vi.fn(() => Promise.resolve(status(state))),
    onSyncStatus: vi.fn(() => () => undefined),
  } satisfies ServerSearchApi;
}

function renderIn(lang: Lang, api: ServerSearchApi, search: MessageSearch | null = SEARCH, onOpen = vi.fn()) {
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <ServerSearch api={api} folderId="inbox" search={search} openedId={null} onOpen={onOpen} folderNames={new Map([["inbox", "Posteingang"]])} now={NOW} />
    </I18nContext.Provider>,
  );
  return onOpen;
}

describe("ServerSearch", () => {
  it("is not offered without search text", () => {
    renderIn("de", fakeApi(), { ...SEARCH, text: "  " });
    expect(screen.queryByTestId("server-search")).toBeNull();
  });

  it("asks the server, lists the hits the cache lacks as such, and opens one", async () => {
    const api = fakeApi();
    const onOpen = renderIn("de", api);
    await userEvent.click(screen.getByRole("button", { name: "Auf dem Server suchen" }));
    expect(api.serverSearch).toHaveBeenCalledWith("inbox", SEARCH);
    await waitFor(() => {
      expect(screen.getAllByTestId("server-hit")).toHaveLength(1);
    });
    expect(screen.getByTestId("server-search-note").textContent).toBe("1 weitere Nachricht auf dem Server · 2 schon in der Liste");
    expect(screen.getByTestId("server-hit-mark").textContent).toBe("Auf dem Server");
    expect(screen.getByTestId("server-hit").textContent).toContain("Alte Rechnung");
    await userEvent.click(screen.getByTestId("server-hit"));
    expect(api.openServerHit).toHaveBeenCalledWith("mail/inbox+65", "inbox", false);
    await waitFor(() => {
      expect(onOpen).toHaveBeenCalledTimes(1);
    });
    const opened: unknown = onOpen.mock.calls[0]?.[0];
    expect((opened as MessageView).message.id).toBe(-1);
  });

  it("says plainly that the server cannot be asked while offline", async () => {
    const api = fakeApi("offline");
    renderIn("en", api);
    await waitFor(() => {
      expect(screen.getByTestId("server-search-note").textContent).toBe("Offline: the server cannot be asked now.");
    });
    expect(screen.getByTestId<HTMLButtonElement>("server-search-run").disabled).toBe(true);
  });

  it("shows a failed search with the core's message and lets the user try again", async () => {
    const api = fakeApi("online", () => Promise.reject(new CommandError({ code: "unreachable", message: "Der Server ist nicht erreichbar.", detail: "" })));
    renderIn("de", api);
    await userEvent.click(screen.getByTestId("server-search-run"));
    await waitFor(() => {
      expect(screen.getByTestId("error-message").textContent).toBe("Der Server ist nicht erreichbar.");
    });
    expect(screen.getByText("Die Suche auf dem Server ist fehlgeschlagen")).toBeTruthy();
    expect(screen.getByTestId("server-search-run").textContent).toBe("Auf dem Server suchen");
  });

  it("says when the server found nothing more", async () => {
    renderIn("en", fakeApi("online", () => Promise.resolve({ hits: [], cached: 0, more: false })));
    await userEvent.click(screen.getByTestId("server-search-run"));
    await waitFor(() => {
      expect(screen.getByTestId("server-search-note").textContent).toBe("The server found nothing more.");
    });
  });
});
