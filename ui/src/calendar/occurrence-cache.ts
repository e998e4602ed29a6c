// The occurrences the calendar views were given, kept for one stretch of time around the range
// shown, and the neighbouring ranges read ahead: a step to the next or previous week or month
// is then answered from memory, in the same render as the new dates, instead of waiting for
// the core. Cleared whenever the core reports a change to a calendar.
import type { CalendarOccurrence } from "../lib/bindings";
import { occurrenceKey } from "./calendar";

/** Reads the occurrences overlapping `[from, to)` (Unix seconds) from the core. */
export type Load = (from: number, to: number) => Promise<CalendarOccurrence[]>;

/** The longest stretch kept (seconds): beyond it, the far end is dropped. */
const MAX_SPAN = 200 * 86_400;

/** Whether `o` overlaps `[from, to)`, as the core decides it (an instant at `from` counts). */
export function overlaps(o: Pick<CalendarOccurrence, "start" | "end">, from: number, to: number): boolean {
  return o.start < to && (o.end > from || o.start >= from);
}

function byStart(a: CalendarOccurrence, b: CalendarOccurrence): number {
  return a.start - b.start || a.end - b.end || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
}

interface Span {
  from: number;
  to: number;
  /** Every occurrence overlapping `[from, to)`, by start (then end, uid). */
  list: CalendarOccurrence[];
}

interface Pending {
  from: number;
  to: number;
  done: Promise<void>;
}

export class OccurrenceCache {
  private span: Span | null = null;
  /** Reads under way (a range asked for or read ahead). */
  private pending: Pending[] = [];
  /** Raised by `clear`: what a read begun before brings back is dropped. */
  private generation = 0;

  constructor(private readonly load: Load) {}

  /** The occurrences overlapping `[from, to)` if the stretch kept covers it, else `null`. */
  peek(from: number, to: number): CalendarOccurrence[] | null {
    const s = this.span;
    if (!s || from < s.from || to > s.to) return null;
    return s.list.filter((o) => overlaps(o, from, to));
  }

  /** The occurrences overlapping `[from, to)`: kept, being read, or read now. */
  async get(from: number, to: number): Promise<CalendarOccurrence[]> {
    const kept = this.peek(from, to);
    if (kept) return kept;
    // A read ahead of this range may be under way: wait for it rather than read twice.
    const under = this.pending.filter((p) => p.from < to && p.to > from);
    if (under.length) {
      await Promise.all(under.map((p) => p.done.catch(() => undefined)));
      const now = this.peek(from, to);
      if (now) return now;
    }
    const gen = this.generation;
    const list = await this.load(from, to);
    if (gen === this.generation) this.add(from, to, list);
    return list;
  }

  /** Reads the ranges of the same length before and after `[from, to)` ahead of a step there. */
  readAround(from: number, to: number): void {
    const len = to - from;
    const want: [number, number][] = [];
    const s = this.span;
    if (!s || s.to < from || s.from > to) return;
    if (s.from > from - len) want.push([from - len, s.from]);
    if (s.to < to + len) want.push([s.to, to + len]);
    for (const [a, b] of want) {
      if (this.pending.some((p) => p.from <= a && p.to >= b)) continue;
      const gen = this.generation;
      const p: Pending = {
        from: a,
        to: b,
        done: this.load(a, b).then((list) => {
          if (gen === this.generation) this.add(a, b, list);
        }),
      };
      this.pending.push(p);
      void p.done
        .catch(() => undefined)
        .finally(() => {
          this.pending = this.pending.filter((q) => q !== p);
        });
    }
  }

  /** Forgets everything (a calendar changed): the next `get` asks the core. */
  clear(): void {
    this.span = null;
    this.generation += 1;
  }

  /** Adds a range read: joined to the stretch kept when it touches it, else in its place. */
  private add(from: number, to: number, list: CalendarOccurrence[]): void {
    const s = this.span;
    if (!s || to < s.from || from > s.to) {
      this.span = { from, to, list: [...list].sort(byStart) };
      return;
    }
    const all = new Map<string, CalendarOccurrence>();
    for (const o of s.list) all.set(occurrenceKey(o), o);
    for (const o of list) all.set(occurrenceKey(o), o);
    let a = Math.min(s.from, from);
    let b = Math.max(s.to, to);
    // Too long a stretch: keep the end the new range is at.
    if (b - a > MAX_SPAN) {
      if (from <= s.from) b = a + MAX_SPAN;
      else a = b - MAX_SPAN;
    }
    const kept = [...all.values()].filter((o) => overlaps(o, a, b)).sort(byStart);
    this.span = { from: a, to: b, list: kept };
  }
}
