// Which windows of a folder's message list to load, and a small LRU cache of them.
//
// The list never holds a whole folder: rows come in windows of WINDOW_SIZE, fetched with
// `listMessages`. A window that directly follows a loaded one is asked for by keyset (`after` =
// the previous window's `next`), which the core answers without counting past rows; any other
// window by offset. The cache holds a few windows across folders and sorts and forgets the
// least recently used.
import type { MessageSearch, MessageSort, MessageSummary, MessageWindow, MessageWindowRequest } from "../lib/bindings";

export const WINDOW_SIZE = 200;
/** Rows of a search's first window asked for at first: a screenful and some (rows of
 * `rowHeight` px in a list no taller than the window), so a keystroke's hits are painted without
 * waiting for 200 rows — each row costs the core, the IPC and the list time; the rest of the
 * window follows when the list is scrolled towards them. */
export function firstSearchRows(rowHeight: number, viewHeight = typeof window === "undefined" ? 1000 : window.innerHeight): number {
  return Math.min(WINDOW_SIZE, Math.max(30, Math.ceil(viewHeight / Math.max(1, rowHeight)) + 10));
}
/** Windows kept across all folders and sorts. */
export const CACHE_WINDOWS = 12;

export interface ListKey {
  folderId: string;
  sort: MessageSort;
  descending: boolean;
  /** a search or quick filter: the list is of its hits */
  search?: MessageSearch | null;
}

export function listKeyString(k: ListKey): string {
  return `${k.folderId}\u0000${k.sort}\u0000${k.descending ? "d" : "a"}\u0000${k.search ? JSON.stringify(k.search) : ""}`;
}

/** The window indexes covering rows first..last (inclusive), with `overscan` rows either side,
 * clipped to the folder's total (unknown total: only the first window). */
export function windowsForRange(first: number, last: number, total: number | null, overscan = 20): number[] {
  if (total === null) return [0];
  if (total <= 0) return [];
  const lo = Math.max(0, Math.min(first, last) - overscan);
  const hi = Math.min(total - 1, Math.max(first, last) + overscan);
  if (hi < lo) return [];
  const out: number[] = [];
  for (let w = Math.floor(lo / WINDOW_SIZE); w <= Math.floor(hi / WINDOW_SIZE); w++) out.push(w);
  return out;
}

/** A least-recently-used cache of message windows. */
export class WindowCache {
  private readonly entries = new Map<string, MessageWindow>();
  constructor(private readonly capacity = CACHE_WINDOWS) {}

  private static id(key: ListKey, index: number) {
    return `${listKeyString(key)}\u0000${index}`;
  }

  /** The window, marked as just used. */
  get(key: ListKey, index: number): MessageWindow | undefined {
    const id = WindowCache.id(key, index);
    const w = this.entries.get(id);
    if (w) {
      this.entries.delete(id);
      this.entries.set(id, w);
    }
    return w;
  }

  /** The window without touching its age. */
  peek(key: ListKey, index: number): MessageWindow | undefined {
    return this.entries.get(WindowCache.id(key, index));
  }

  set(key: ListKey, index: number, w: MessageWindow): void {
    const id = WindowCache.id(key, index);
    this.entries.delete(id);
    this.entries.set(id, w);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Indexes of the windows held for one list, ascending. */
  indexes(key: ListKey): number[] {
    const prefix = `${listKeyString(key)}\u0000`;
    const out: number[] = [];
    for (const id of this.entries.keys()) {
      if (id.startsWith(prefix)) out.push(Number(id.slice(prefix.length)));
    }
    return out.sort((a, b) => a - b);
  }

  /** Every list (folder, sort, direction) with windows of this folder held. */
  keysOfFolder(folderId: string): ListKey[] {
    const seen = new Map<string, ListKey>();
    for (const id of this.entries.keys()) {
      const [folder, sort, dir, search] = id.split("\u0000");
      if (folder !== folderId || sort === undefined || dir === undefined) continue;
      const key: ListKey = { folderId: folder, sort: sort as MessageSort, descending: dir === "d" };
      if (search) key.search = JSON.parse(search) as MessageSearch;
      seen.set(listKeyString(key), key);
    }
    return [...seen.values()];
  }

  /** Forgets one window. */
  delete(key: ListKey, index: number): void {
    this.entries.delete(WindowCache.id(key, index));
  }

  /** Forgets every window of a list. */
  dropList(key: ListKey): void {
    for (const index of this.indexes(key)) this.entries.delete(WindowCache.id(key, index));
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The request for window `index`: keyset continuation when the window before it is loaded and
 * ends exactly where this one starts, else offset. */
export function requestFor(key: ListKey, index: number, cache: WindowCache, count = WINDOW_SIZE): MessageWindowRequest {
  const start = index * WINDOW_SIZE;
  const prev = index > 0 ? cache.peek(key, index - 1) : undefined;
  const after = prev && prev.next !== null && prev.start + prev.rows.length === start ? prev.next : null;
  if (key.search) return { folderId: key.folderId, sort: "date", descending: true, start, count, after: null, search: key.search };
  return { folderId: key.folderId, sort: key.sort, descending: key.descending, start, count, after };
}

/** A search window holding fewer rows than it will once complete (its first rows only). */
export function isPartial(key: ListKey, w: MessageWindow): boolean {
  return !!key.search && w.rows.length < Math.min(WINDOW_SIZE, w.total - w.start);
}

/** The row at `index` if its window is loaded. */
export function rowAt(key: ListKey, index: number, cache: WindowCache): MessageSummary | undefined {
  const w = cache.peek(key, Math.floor(index / WINDOW_SIZE));
  if (!w) return undefined;
  return w.rows[index - w.start];
}
