// The search box and the quick filter bar: their state, the request they stand for, and the
// highlighting of what was searched for. The query language itself is parsed by the core
// (crates/core/src/search_query.rs, docs/search.md); the window only needs the words to mark.
import type { MessageSearch, QueryHint, QuickFilters } from "../lib/bindings";
import type { Translate } from "../lib/i18n";

export const NO_FILTERS: QuickFilters = { unread: false, flagged: false, attachment: false, knownSenders: false, thisWeek: false };

export const FILTER_NAMES = ["unread", "flagged", "attachment", "knownSenders", "thisWeek"] as const satisfies readonly (keyof QuickFilters)[];

export interface SearchState {
  text: string;
  allFolders: boolean;
  filters: QuickFilters;
  /** the filter bar is open */
  barOpen: boolean;
  /** the filters stay when another folder is chosen */
  pinned: boolean;
}

export const EMPTY_SEARCH: SearchState = { text: "", allFolders: false, filters: NO_FILTERS, barOpen: false, pinned: false };

export function anyFilter(f: QuickFilters): boolean {
  return FILTER_NAMES.some((n) => f[n]);
}

/** The request for the list, or null when the folder is shown as it is. */
export function searchRequest(s: SearchState): MessageSearch | null {
  const text = s.text.trim();
  if (text === "" && !anyFilter(s.filters)) return null;
  return { text, allFolders: text !== "" && s.allFolders, filters: { ...s.filters } };
}

/** The same folding as the core's index (crates/core/src/store/search.rs `fold`): lower case,
 * ß → ss, ae/oe/ue → a/o/u, diacritics removed. Returns the folded text and, for each of its
 * characters, the index of the source character it came from. */
export function foldWithMap(text: string): { folded: string; from: number[] } {
  let folded = "";
  const from: number[] = [];
  let prev = "";
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      // Most text of a list row: ASCII needs only lower case (the Unicode steps below cost a
      // normalisation and a regular expression per character, for every row shown).
      const c = code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 0x20) : text.charAt(i);
      if (!(c === "e" && (prev === "a" || prev === "o" || prev === "u"))) {
        folded += c;
        from.push(i);
      }
      prev = c;
      i += 1;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    const width = ch.length;
    let out: string;
    if (ch === "ß" || ch === "ẞ") out = "ss";
    else
      out = ch
        .toLowerCase()
        .normalize("NFD")
        .replace(/\p{M}/gu, "");
    for (const c of out) {
      if (c === "e" && (prev === "a" || prev === "o" || prev === "u")) {
        prev = c;
        continue;
      }
      folded += c;
      from.push(i);
      prev = c;
    }
    i += width;
  }
  return { folded, from };
}

export function fold(text: string): string {
  return foldWithMap(text).folded;
}

const TEXT_TERMS = new Set(["from", "von", "to", "an", "cc", "subject", "betreff"]);
const OTHER_TERMS = new Set(["has", "hat", "is", "ist", "before", "vor", "bis", "after", "nach", "seit", "ab", "date", "datum", "am", "on"]);

/** The folded words of a query that a hit shows somewhere: free words, the words of phrases and
 * of from:/to:/subject: values; not the values of has:, is: and the date terms. */
export function highlightWords(query: string): string[] {
  const words: string[] = [];
  const add = (s: string) => {
    for (const w of fold(s).split(/[^\p{L}\p{N}\p{Co}]+/u)) if (w.length > 0 && !words.includes(w)) words.push(w);
  };
  const re = /"([^"]*)"?|(\S+?):("[^"]*"?|\S*)|(\S+)/gu;
  for (const m of query.matchAll(re)) {
    if (m[1] !== undefined) add(m[1]);
    else if (m[2] !== undefined) {
      const name = m[2].toLowerCase();
      const value = (m[3] ?? "").replace(/"/g, "");
      if (TEXT_TERMS.has(name)) add(value);
      else if (!OTHER_TERMS.has(name)) add(`${m[2]} ${value}`);
    } else if (m[4] !== undefined) add(m[4]);
  }
  // Longer words first, so "grusse" wins over "gru" where both match.
  return words.sort((a, b) => b.length - a.length);
}

/** Texts folded lately: a list re-renders its rows with every window that arrives and every
 * scroll step, with the same texts. */
const FOLDED = new Map<string, { folded: string; from: number[] }>();
const FOLDED_KEPT = 2000;

function foldCached(text: string): { folded: string; from: number[] } {
  let f = FOLDED.get(text);
  if (!f) {
    f = foldWithMap(text);
    if (FOLDED.size >= FOLDED_KEPT) {
      const oldest = FOLDED.keys().next().value;
      if (oldest !== undefined) FOLDED.delete(oldest);
    }
    FOLDED.set(text, f);
  }
  return f;
}

/** Ranges [start, end) of `text` where one of the folded `words` occurs, merged and in order. */
export function matchRanges(text: string, words: readonly string[]): [number, number][] {
  if (words.length === 0 || text === "") return [];
  const { folded, from } = foldCached(text);
  const ranges: [number, number][] = [];
  for (const w of words) {
    for (let at = folded.indexOf(w); at >= 0; at = folded.indexOf(w, at + w.length)) {
      const start = from[at] ?? 0;
      const lastSrc = from[at + w.length - 1] ?? start;
      const cp = text.codePointAt(lastSrc) ?? 0;
      ranges.push([start, lastSrc + String.fromCodePoint(cp).length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** A hint from the core in the UI's language. */
export function hintText(h: QueryHint, t: Translate): string {
  switch (h.kind) {
    case "unknownTerm":
      return t("search.hint.unknownTerm", { term: h.term });
    case "missingValue":
      return t("search.hint.missingValue", { term: h.term });
    case "unknownValue":
      return t("search.hint.unknownValue", { term: h.term, value: h.value });
    case "badDate":
      return t("search.hint.badDate", { term: h.term, value: h.value });
    case "unclosedQuote":
      return t("search.hint.unclosedQuote");
  }
}

/** Query text from the term builder's fields (values with spaces quoted). */
export function buildQuery(fields: { words: string; from: string; to: string; subject: string; after: string; before: string; attachment: boolean; unread: boolean }, lang: "en" | "de"): string {
  const de = lang === "de";
  const quote = (v: string) => (/\s/.test(v.trim()) ? `"${v.trim().replace(/"/g, "")}"` : v.trim());
  const parts: string[] = [];
  if (fields.words.trim()) parts.push(fields.words.trim());
  if (fields.from.trim()) parts.push(`${de ? "von" : "from"}:${quote(fields.from)}`);
  if (fields.to.trim()) parts.push(`${de ? "an" : "to"}:${quote(fields.to)}`);
  if (fields.subject.trim()) parts.push(`${de ? "betreff" : "subject"}:${quote(fields.subject)}`);
  if (fields.attachment) parts.push(de ? "hat:anhang" : "has:attachment");
  if (fields.unread) parts.push(de ? "ist:ungelesen" : "is:unread");
  if (fields.after.trim()) parts.push(`${de ? "nach" : "after"}:${quote(fields.after)}`);
  if (fields.before.trim()) parts.push(`${de ? "vor" : "before"}:${quote(fields.before)}`);
  return parts.join(" ");
}
