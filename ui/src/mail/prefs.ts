// The mail view's own settings, remembered on this computer (localStorage).

import type { QuickFilters } from "../lib/bindings";

export type ReaderPosition = "right" | "bottom" | "off";
export type Density = "compact" | "comfortable";
export type MarkReadMode = "immediately" | "delay" | "never";

export interface MailPrefs {
  reader: ReaderPosition;
  density: Density;
  markRead: MarkReadMode;
  /** seconds, for "delay" */
  markReadDelay: number;
  /** the folder pane's width, px */
  sidebarWidth: number;
  /** the message list's share of the space it shares with the reader, percent, per reader position */
  listShare: { right: number; bottom: number };
  /** the search box searches every mail folder, not just the one shown */
  searchAllFolders: boolean;
  /** searches kept as virtual folders ("Search folders"), in the order saved */
  savedSearches: SavedSearch[];
}

/** A search kept under a name, shown under the folder tree; choosing it runs it again. */
export interface SavedSearch {
  name: string;
  text: string;
  /** the folder it searches; null: every mail folder */
  folderId: string | null;
  filters: QuickFilters;
}

/** At most this many saved searches. */
export const SAVED_SEARCHES_MAX = 30;

const FILTER_KEYS = ["unread", "flagged", "attachment", "knownSenders", "thisWeek"] as const;

function savedSearch(v: unknown): SavedSearch | null {
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.name !== "string" || o.name.trim() === "" || typeof o.text !== "string") return null;
  if (o.folderId !== null && typeof o.folderId !== "string") return null;
  const f = (typeof o.filters === "object" && o.filters !== null ? o.filters : {}) as Record<string, unknown>;
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, f[k] === true])) as unknown as QuickFilters;
  return { name: o.name.trim(), text: o.text, folderId: o.folderId, filters };
}

export const SIDEBAR_WIDTH = { min: 160, max: 480, initial: 256 } as const;
export const LIST_SHARE = { min: 20, max: 80, right: 52, bottom: 45 } as const;

export const DEFAULT_PREFS: MailPrefs = {
  reader: "right",
  density: "comfortable",
  markRead: "delay",
  markReadDelay: 5,
  sidebarWidth: SIDEBAR_WIDTH.initial,
  listShare: { right: LIST_SHARE.right, bottom: LIST_SHARE.bottom },
  searchAllFolders: false,
  savedSearches: [],
};

function within(v: unknown, min: number, max: number, fallback: number): number {
  return typeof v === "number" && v >= min && v <= max ? Math.round(v) : fallback;
}

const KEY = "kontor.mail";

export const READER_POSITIONS: readonly ReaderPosition[] = ["right", "bottom", "off"];

export function nextReaderPosition(p: ReaderPosition): ReaderPosition {
  const i = READER_POSITIONS.indexOf(p);
  return READER_POSITIONS[(i + 1) % READER_POSITIONS.length] ?? "right";
}

export function loadPrefs(): MailPrefs {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return DEFAULT_PREFS;
    const v = JSON.parse(raw) as Partial<Record<keyof MailPrefs, unknown>>;
    const share = (typeof v.listShare === "object" && v.listShare !== null ? v.listShare : {}) as Partial<Record<"right" | "bottom", unknown>>;
    return {
      reader: v.reader === "right" || v.reader === "bottom" || v.reader === "off" ? v.reader : DEFAULT_PREFS.reader,
      density: v.density === "compact" || v.density === "comfortable" ? v.density : DEFAULT_PREFS.density,
      markRead: v.markRead === "immediately" || v.markRead === "delay" || v.markRead === "never" ? v.markRead : DEFAULT_PREFS.markRead,
      markReadDelay:
        typeof v.markReadDelay === "number" && v.markReadDelay >= 1 && v.markReadDelay <= 300
          ? Math.round(v.markReadDelay)
          : DEFAULT_PREFS.markReadDelay,
      sidebarWidth: within(v.sidebarWidth, SIDEBAR_WIDTH.min, SIDEBAR_WIDTH.max, SIDEBAR_WIDTH.initial),
      listShare: {
        right: within(share.right, LIST_SHARE.min, LIST_SHARE.max, LIST_SHARE.right),
        bottom: within(share.bottom, LIST_SHARE.min, LIST_SHARE.max, LIST_SHARE.bottom),
      },
      searchAllFolders: v.searchAllFolders === true,
      savedSearches: Array.isArray(v.savedSearches)
        ? v.savedSearches
            .map(savedSearch)
            .filter((x): x is SavedSearch => x !== null)
            .slice(0, SAVED_SEARCHES_MAX)
        : [],
    };
  } catch {
    return DEFAULT_PREFS;
  }
}

export function savePrefs(p: MailPrefs): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    // Not fatal: the choice just isn't remembered.
  }
}

export const ROW_HEIGHT: Record<Density, number> = { compact: 28, comfortable: 44 };
