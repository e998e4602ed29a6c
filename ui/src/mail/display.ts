// The rows the list shows: messages, and (sorted by date) a header row where the date group
// changes. Only loaded rows are known, so a header is placed where two adjacent loaded rows
// differ in group, and before row 0; the display index of message i is i plus the headers
// before it.
import { dateGroup, type DateGroup } from "./format";

export interface Header {
  /** index of the first message of the group */
  before: number;
  group: DateGroup;
}

export type DisplayItem = { kind: "header"; group: DateGroup; index: number } | { kind: "message"; index: number };

/** Headers for the loaded rows. `rowDate(i)` is the row's date (unix seconds) or undefined
 * when not loaded. `loaded` lists the loaded message indexes, ascending. */
export function groupHeaders(loaded: readonly number[], rowDate: (i: number) => number | undefined, now: Date): Header[] {
  const out: Header[] = [];
  for (const i of loaded) {
    const date = rowDate(i);
    if (date === undefined) continue;
    const group = dateGroup(date, now);
    if (i === 0) {
      out.push({ before: 0, group });
      continue;
    }
    const prev = rowDate(i - 1);
    if (prev !== undefined && dateGroup(prev, now) !== group) out.push({ before: i, group });
  }
  return out;
}

/** Rows in the display: messages plus headers. */
export function displayCount(total: number, headers: readonly Header[]): number {
  return total + headers.length;
}

/** What is at display position `pos` (headers sorted by `before`). */
export function itemAt(pos: number, headers: readonly Header[]): DisplayItem {
  // Binary search: the number of headers h such that headers[h].before + h <= pos.
  let lo = 0;
  let hi = headers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const h = headers[mid];
    if (h !== undefined && h.before + mid <= pos) lo = mid + 1;
    else hi = mid;
  }
  const last = headers[lo - 1];
  if (last !== undefined && last.before + lo - 1 === pos) return { kind: "header", group: last.group, index: last.before };
  return { kind: "message", index: pos - lo };
}

/** The display position of message `index`. */
export function positionOf(index: number, headers: readonly Header[]): number {
  let n = 0;
  for (const h of headers) {
    if (h.before <= index) n++;
    else break;
  }
  return index + n;
}
