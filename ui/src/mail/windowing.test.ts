import { describe, expect, it } from "vitest";
import type { MessageSummary, MessageWindow } from "../lib/bindings";
import { WINDOW_SIZE, firstSearchRows, WindowCache, isPartial, requestFor, rowAt, windowsForRange, type ListKey } from "./windowing";

const inbox: ListKey = { folderId: "inbox", sort: "date", descending: true };
const bySize: ListKey = { folderId: "inbox", sort: "size", descending: true };

function row(id: number): MessageSummary {
  return {
    id,
    folderId: "inbox",
    subject: `m${id}`,
    from: { name: "A", addr: "a@x" },
    to: [],
    date: 1_700_000_000 - id,
    preview: "",
    read: true,
    flag: "none",
    importance: "normal",
    hasAttachments: false,
    size: 1000,
    pending: false,
  };
}

function win(index: number, total: number, next: string | null = `c${index}`): MessageWindow {
  const start = index * WINDOW_SIZE;
  const n = Math.max(0, Math.min(WINDOW_SIZE, total - start));
  return { folderId: "inbox", total, unread: 0, start, rows: Array.from({ length: n }, (_, i) => row(start + i)), next, search: null };
}

describe("windowsForRange", () => {
  it("asks for the first window while the total is unknown", () => {
    expect(windowsForRange(0, 30, null)).toEqual([0]);
  });
  it("covers the visible rows plus overscan, clipped to the folder", () => {
    expect(windowsForRange(0, 30, 1000)).toEqual([0]);
    expect(windowsForRange(190, 215, 1000)).toEqual([0, 1]);
    expect(windowsForRange(185, 195, 1000, 10)).toEqual([0, 1]);
    expect(windowsForRange(185, 189, 1000, 10)).toEqual([0]);
    expect(windowsForRange(950, 1010, 1000)).toEqual([4]);
    expect(windowsForRange(0, 30, 0)).toEqual([]);
  });
});

describe("requestFor", () => {
  it("continues by keyset after a loaded window that ends where it starts", () => {
    const cache = new WindowCache();
    cache.set(inbox, 0, win(0, 1000, "after-199"));
    expect(requestFor(inbox, 1, cache)).toEqual({
      folderId: "inbox",
      sort: "date",
      descending: true,
      start: 200,
      count: WINDOW_SIZE,
      after: "after-199",
    });
  });
  it("falls back to an offset when the window before is missing, short or has no cursor", () => {
    const cache = new WindowCache();
    expect(requestFor(inbox, 0, cache).after).toBeNull();
    expect(requestFor(inbox, 3, cache)).toMatchObject({ start: 600, after: null });
    cache.set(inbox, 2, { ...win(2, 1000), rows: win(2, 1000).rows.slice(0, 150) });
    expect(requestFor(inbox, 3, cache).after).toBeNull();
    cache.set(inbox, 2, win(2, 1000, null));
    expect(requestFor(inbox, 3, cache).after).toBeNull();
  });
  it("does not reuse another sort's cursor", () => {
    const cache = new WindowCache();
    cache.set(bySize, 0, win(0, 1000));
    expect(requestFor(inbox, 1, cache).after).toBeNull();
  });
});

describe("WindowCache", () => {
  it("forgets the least recently used window first", () => {
    const cache = new WindowCache(3);
    cache.set(inbox, 0, win(0, 1000));
    cache.set(inbox, 1, win(1, 1000));
    cache.set(inbox, 2, win(2, 1000));
    cache.get(inbox, 0); // used: now the newest
    cache.set(inbox, 3, win(3, 1000));
    expect(cache.size).toBe(3);
    expect(cache.indexes(inbox)).toEqual([0, 2, 3]);
    // peek does not refresh: window 2 goes next.
    cache.peek(inbox, 2);
    cache.set(bySize, 0, win(0, 1000));
    expect(cache.indexes(inbox)).toEqual([0, 3]);
    expect(cache.indexes(bySize)).toEqual([0]);
  });
  it("lists the sorts held for a folder and drops one list", () => {
    const cache = new WindowCache();
    cache.set(inbox, 0, win(0, 10));
    cache.set(bySize, 0, win(0, 10));
    cache.set({ folderId: "sent", sort: "date", descending: true }, 0, win(0, 10));
    expect(cache.keysOfFolder("inbox")).toHaveLength(2);
    cache.dropList(inbox);
    expect(cache.keysOfFolder("inbox")).toEqual([bySize]);
  });
  it("finds a row by its list index", () => {
    const cache = new WindowCache();
    cache.set(inbox, 1, win(1, 1000));
    expect(rowAt(inbox, 205, cache)?.id).toBe(205);
    expect(rowAt(inbox, 5, cache)).toBeUndefined();
  });
});

describe("firstSearchRows", () => {
  it("is a screenful of rows and ten more, at least 30, at most a window", () => {
    expect(firstSearchRows(28, 800)).toBe(39);
    expect(firstSearchRows(44, 800)).toBe(29 + 1);
    expect(firstSearchRows(28, 200)).toBe(30);
    expect(firstSearchRows(28, 20000)).toBe(WINDOW_SIZE);
  });
});

const FIRST_SEARCH_ROWS = firstSearchRows(28, 800);

describe("isPartial", () => {
  const search: ListKey = { ...inbox, search: { text: "m", allFolders: false, filters: { unread: false, flagged: false, attachment: false, knownSenders: false, thisWeek: false } } };
  const first = (rows: number, total: number): MessageWindow => ({ ...win(0, rows), total });
  it("is a search's first screenful while more hits follow", () => {
    expect(isPartial(search, first(FIRST_SEARCH_ROWS, FIRST_SEARCH_ROWS + 1))).toBe(true);
  });
  it("is not a search window that holds every hit there is, or a whole window", () => {
    expect(isPartial(search, first(30, 30))).toBe(false);
    expect(isPartial(search, first(WINDOW_SIZE, WINDOW_SIZE + 1))).toBe(false);
  });
  it("is never a folder's window", () => {
    expect(isPartial(inbox, first(FIRST_SEARCH_ROWS, 1000))).toBe(false);
  });
});
