// The message list's data: windows of rows fetched on demand into an LRU cache shared by all
// folders and sorts, refreshed in place when the core says a folder's messages changed.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { IpcError, MessageSummary } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { WINDOW_SIZE, firstSearchRows, WindowCache, isPartial, listKeyString, requestFor, type ListKey } from "./windowing";

export type ListApi = Pick<Api, "listMessages">;

export interface ListCounts {
  key: string;
  total: number;
  unread: number;
}

export interface MessageWindows {
  /** The list shown: the one asked for, except while a new search's first hits are on their
   * way — then the list shown before it (same folder), so a keystroke changes nothing on
   * screen but the search box until its hits can be painted, in one frame. */
  key: ListKey | null;
  /** true while `key` is not the list asked for (its first hits are on their way) */
  waiting: boolean;
  cache: WindowCache;
  /** bumps on every change of the cache (a render dependency) */
  version: number;
  /** counts of the list shown (`key`), null until its first window is in */
  counts: ListCounts | null;
  error: IpcError | null;
  /** Loads the windows not yet held (those being fetched are not asked for twice), and the
   * rest of a search's first window once `lastNeeded` reaches past its first rows. */
  ensure: (indexes: readonly number[], lastNeeded?: number) => void;
  /** Asks for the first screenful of a search's hits at once, before the list has rendered
   * for it (a keystroke): the core searches while the window renders. `ensure` then finds it
   * on its way rather than asking again. */
  prefetch: (key: ListKey) => void;
  /** Fetches every held window of the folder's list shown again, in order (keyset from the fresh
   * window before), and forgets the folder's other orders. Resolves to the ids that were in the
   * old windows and are in none of the new ones. */
  reload: (folderId: string) => Promise<Set<number>>;
  /** The loaded rows of the list shown (`key`), by list index (sparse). */
  loadedRows: () => { index: number; row: MessageSummary }[];
}

/** `rowHeight`: the list's row height in px, for how many rows a search's first window needs. */
export function useMessageWindows(api: ListApi, asked: ListKey | null, rowHeight = 28): MessageWindows {
  const [cache] = useState(() => new WindowCache());
  const [inflight] = useState(() => new Set<string>());
  const [version, setVersion] = useState(0);
  const [countsByKey, setCountsByKey] = useState<ReadonlyMap<string, ListCounts>>(new Map());
  const [error, setError] = useState<IpcError | null>(null);
  // The search whose first window failed: shown at once (with the error) rather than waited for.
  const [failed, setFailed] = useState<string | null>(null);
  const askedString = asked ? listKeyString(asked) : null;
  const askedRef = useRef(askedString);
  useEffect(() => {
    askedRef.current = askedString;
  }, [askedString]);

  // The list shown (see `MessageWindows.key`).
  const [before, setBefore] = useState<ListKey | null>(asked);
  const waiting =
    asked !== null &&
    !!asked.search &&
    before !== null &&
    before.folderId === asked.folderId &&
    failed !== askedString &&
    cache.peek(asked, 0) === undefined;
  if (!waiting && (before === null ? asked !== null : listKeyString(before) !== askedString)) setBefore(asked);
  const key = waiting ? before : asked;
  const keyString = key ? listKeyString(key) : null;

  const noteCounts = useCallback((k: ListKey, total: number, unread: number) => {
    const id = listKeyString(k);
    setCountsByKey((prev) => {
      const old = prev.get(id);
      if (old && old.total === total && old.unread === unread) return prev;
      const next = new Map(prev);
      next.set(id, { key: id, total, unread });
      return next;
    });
  }, []);

  const fetchWindow = useCallback(
    async (k: ListKey, index: number, count = WINDOW_SIZE) => {
      // Performance marks for the window bench: when a search's window was asked for and when
      // it was in (the rest, to the painted frame, is the list's).
      if (k.search) performance.mark("kontor:window-asked", { detail: { search: k.search.text, index } });
      const w = await api.listMessages(requestFor(k, index, cache, count));
      if (k.search) performance.mark("kontor:window-in", { detail: { search: k.search.text, index } });
      const id = listKeyString(k);
      if (k.search && id === askedRef.current) {
        // Each keystroke is a new search: the hits of the ones before it are not shown again,
        // and would push the folder's own windows out of the cache (Esc shows those at once).
        for (const other of cache.keysOfFolder(k.folderId)) {
          if (other.search && listKeyString(other) !== id) cache.dropList(other);
        }
      }
      cache.set(k, index, w);
      // A shrunken folder: windows past its end are gone.
      for (const i of cache.indexes(k)) {
        if (i > 0 && i * WINDOW_SIZE >= w.total) cache.delete(k, i);
      }
      noteCounts(k, w.total, w.unread);
      setVersion((v) => v + 1);
      return w;
    },
    [api, cache, noteCounts],
  );

  const ensure = useCallback(
    (indexes: readonly number[], lastNeeded?: number) => {
      if (!key) return;
      for (const index of indexes) {
        const id = `${listKeyString(key)}\u0000${index}`;
        if (inflight.has(id)) continue;
        const held = cache.peek(key, index);
        // A search's first window comes in two steps: a screenful first, the rest once rows
        // past it are about to be shown.
        let count = WINDOW_SIZE;
        if (held) {
          const short = isPartial(key, held) && lastNeeded !== undefined && lastNeeded >= held.start + held.rows.length;
          if (!short) continue;
        } else if (key.search && index === 0) {
          count = firstSearchRows(rowHeight);
        }
        inflight.add(id);
        const keyId = listKeyString(key);
        fetchWindow(key, index, count).then(
          () => {
            inflight.delete(id);
            setError(null);
          },
          (e: unknown) => {
            inflight.delete(id);
            setError(toIpcError(e));
            if (index === 0) setFailed(keyId);
          },
        );
      }
    },
    [key, cache, inflight, fetchWindow, rowHeight],
  );

  const prefetch = useCallback(
    (k: ListKey) => {
      if (!k.search) return;
      const id = `${listKeyString(k)}\u00000`;
      if (inflight.has(id) || cache.peek(k, 0)) return;
      inflight.add(id);
      const keyId = listKeyString(k);
      fetchWindow(k, 0, firstSearchRows(rowHeight)).then(
        () => {
          inflight.delete(id);
          setError(null);
        },
        (e: unknown) => {
          inflight.delete(id);
          setError(toIpcError(e));
          setFailed(keyId);
        },
      );
    },
    [cache, inflight, fetchWindow, rowHeight],
  );
  // A search asked for without a keystroke (from the menu, a saved search): its hits are asked
  // for here, after the render.
  useEffect(() => {
    // prefetch sets state only once the IPC has answered, not within this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (asked?.search) prefetch(asked);
  }, [asked, prefetch]);

  const reload = useCallback(
    async (folderId: string) => {
      const before = new Set<number>();
      const after = new Set<number>();
      for (const k of cache.keysOfFolder(folderId)) {
        // Other orders of the folder are not on screen: forget them rather than read them again.
        if (listKeyString(k) !== keyString) {
          cache.dropList(k);
          continue;
        }
        const indexes = cache.indexes(k);
        for (const i of indexes) for (const r of cache.peek(k, i)?.rows ?? []) before.add(r.id);
        for (const i of indexes) {
          try {
            const w = await fetchWindow(k, i);
            for (const r of w.rows) after.add(r.id);
            if (w.rows.length < WINDOW_SIZE) break;
          } catch (e) {
            setError(toIpcError(e));
            return new Set<number>();
          }
        }
      }
      return new Set([...before].filter((id) => !after.has(id)));
    },
    [cache, fetchWindow, keyString],
  );

  const loadedRows = useCallback(() => {
    if (!key) return [];
    const out: { index: number; row: MessageSummary }[] = [];
    for (const i of cache.indexes(key)) {
      const w = cache.peek(key, i);
      if (!w) continue;
      w.rows.forEach((row, n) => out.push({ index: w.start + n, row }));
    }
    return out;
  }, [key, cache]);

  const counts = keyString ? (countsByKey.get(keyString) ?? null) : null;
  return useMemo(
    () => ({ key, waiting, cache, version, counts, error, ensure, prefetch, reload, loadedRows }),
    [key, waiting, cache, version, counts, error, ensure, prefetch, reload, loadedRows],
  );
}
