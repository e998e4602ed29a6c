import { act, cleanup, render, screen } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { MessageSummary, MessageWindow, MessageWindowRequest } from "../lib/bindings";
import { translator } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { MessageList } from "./MessageList";
import { EMPTY_SELECTION } from "./selection";
import { useMessageWindows, type ListApi } from "./use-message-windows";
import type { ListKey } from "./windowing";

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

const now = new Date();
const nowSeconds = Math.floor(now.getTime() / 1000);

function row(id: number, subject: string): MessageSummary {
  return {
    id,
    folderId: "inbox",
    subject,
    from: { name: `Absender ${id}`, addr: `a${id}@example.com` },
    to: [],
    date: nowSeconds - id * 60,
    preview: "",
    read: true,
    flag: "none",
    importance: "normal",
    hasAttachments: false,
    size: 100,
    pending: false,
  };
}

const FOLDER: ListKey = { folderId: "inbox", sort: "date", descending: true };
const searchKey = (text: string): ListKey => ({
  folderId: "inbox",
  sort: "date",
  descending: true,
  search: { text, allFolders: false, filters: { unread: false, flagged: false, attachment: false, knownSenders: false, thisWeek: false } },
});

/** The folder has 20 messages; a search for `text` has 3 hits whose subjects name the text. The
 * answers of searches wait until `release` is called. */
function fakeApi() {
  const waiting: (() => void)[] = [];
  const answer = (r: MessageWindowRequest): MessageWindow => {
    const rows = r.search ? [1, 2, 3].map((i) => row(100 + i, `${r.search?.text ?? ""} ${i}`)) : Array.from({ length: 20 }, (_, i) => row(i + 1, `Ordner ${i + 1}`));
    return { folderId: r.folderId, total: rows.length, unread: 0, start: r.start, rows, next: null, search: null };
  };
  const api: ListApi = {
    listMessages: vi.fn((r: MessageWindowRequest) =>
      r.search
        ? new Promise<MessageWindow>((resolve) => {
            waiting.push(() => {
              resolve(answer(r));
            });
          })
        : Promise.resolve(answer(r)),
    ),
  };
  const release = async () => {
    await act(async () => {
      for (const go of waiting.splice(0)) go();
      await Promise.resolve();
    });
  };
  return { api, release };
}

function Harness({ api, listKey }: { api: ListApi; listKey: ListKey }) {
  const data = useMessageWindows(api, listKey);
  const shown = data.key ?? listKey;
  return (
    <I18nContext.Provider value={{ lang: "en", t: translator("en"), setLang: () => undefined }}>
      <MessageList
        listKey={shown}
        folderKind="inbox"
        data={data}
        density="compact"
        now={now}
        selection={EMPTY_SELECTION}
        cursor={null}
        onSelection={() => undefined}
        onSort={() => undefined}
        onOpen={() => undefined}
        onContextMenu={() => undefined}
        paintFolder={null}
        onPainted={() => undefined}
        search={shown.search ? { words: [], folderNames: null } : null}
      />
    </I18nContext.Provider>
  );
}

const subjects = () => screen.getAllByTestId("row-subject").map((e) => e.textContent);

describe("MessageList across searches", () => {
  it("keeps the rows shown until the next list's are in, then reuses their elements", async () => {
    const { api, release } = fakeApi();
    const view = render(<Harness api={api} listKey={FOLDER} />);
    await screen.findByText("Ordner 1");
    const list = screen.getByTestId("message-list");
    const first = screen.getAllByTestId("message-row")[0];

    // A keystroke: the folder's rows stay while the hits are asked for, the list says it is busy.
    view.rerender(<Harness api={api} listKey={searchKey("rech")} />);
    expect(subjects()[0]).toBe("Ordner 1");
    expect(screen.getByTestId("message-list").getAttribute("aria-busy")).toBe("true");
    await release();
    expect(subjects()).toEqual(["rech 1", "rech 2", "rech 3"]);
    expect(screen.getByTestId("message-list")).toBe(list);
    expect(screen.getAllByTestId("message-row")[0]).toBe(first);

    // The next keystroke swaps them again in the same list.
    view.rerender(<Harness api={api} listKey={searchKey("rechn")} />);
    expect(subjects()).toEqual(["rech 1", "rech 2", "rech 3"]);
    await release();
    expect(subjects()).toEqual(["rechn 1", "rechn 2", "rechn 3"]);
    expect(screen.getByTestId("message-list")).toBe(list);
  });

  it("shows the folder again at once after many keystrokes (its windows are not pushed out)", async () => {
    const { api, release } = fakeApi();
    const view = render(<Harness api={api} listKey={FOLDER} />);
    await screen.findByText("Ordner 1");
    // More searches than the cache holds windows.
    const text = "rechnung projekt";
    for (let n = 1; n <= text.length; n++) {
      view.rerender(<Harness api={api} listKey={searchKey(text.slice(0, n))} />);
      await release();
    }
    expect(subjects()[0]).toBe("rechnung projekt 1");
    const asked = vi.mocked(api.listMessages).mock.calls.length;
    view.rerender(<Harness api={api} listKey={FOLDER} />);
    expect(subjects()[0]).toBe("Ordner 1");
    expect(screen.getByTestId("message-list").getAttribute("aria-busy")).toBe("false");
    expect(vi.mocked(api.listMessages).mock.calls.length).toBe(asked);
  });
});
