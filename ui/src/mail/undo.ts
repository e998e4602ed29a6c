// Undo for read, flag, move and delete: each action records what it changed, and its inverse
// is a list of plain operations the same api runs. A permanent delete is not recorded.
import type { FlagState } from "../lib/bindings";

export type UndoEntry =
  | { kind: "read"; ids: number[]; read: boolean }
  | { kind: "flag"; previous: ReadonlyMap<number, FlagState> }
  /** `from`: each message's folder before the move */
  | { kind: "move"; from: ReadonlyMap<number, string>; to: string }
  | { kind: "delete"; from: ReadonlyMap<number, string>; movedTo: string | null };

export type Operation =
  | { op: "markRead"; ids: number[]; read: boolean }
  | { op: "setFlag"; ids: number[]; flag: FlagState }
  | { op: "move"; ids: number[]; to: string };

function groupBy<V>(map: ReadonlyMap<number, V>): Map<V, number[]> {
  const out = new Map<V, number[]>();
  for (const [id, v] of map) {
    const list = out.get(v) ?? [];
    list.push(id);
    out.set(v, list);
  }
  return out;
}

/** Whether the entry can be undone at all. */
export function undoable(entry: UndoEntry): boolean {
  if (entry.kind === "delete") return entry.movedTo !== null;
  if (entry.kind === "read") return entry.ids.length > 0;
  if (entry.kind === "flag") return entry.previous.size > 0;
  return entry.from.size > 0;
}

/** The operations that reverse an entry ([] when it cannot be undone). */
export function inverse(entry: UndoEntry): Operation[] {
  switch (entry.kind) {
    case "read":
      return entry.ids.length > 0 ? [{ op: "markRead", ids: [...entry.ids], read: !entry.read }] : [];
    case "flag":
      return [...groupBy(entry.previous)].map(([flag, ids]) => ({ op: "setFlag", ids, flag }));
    case "move":
      // Messages keep their ids across moves: move the same ids back where each came from.
      return [...groupBy(entry.from)].filter(([folder]) => folder !== entry.to).map(([to, ids]) => ({ op: "move", ids, to }));
    case "delete":
      if (entry.movedTo === null) return [];
      return [...groupBy(entry.from)].map(([to, ids]) => ({ op: "move", ids, to }));
  }
}

/** The undo stack: newest last, bounded. */
export class UndoStack {
  private entries: UndoEntry[] = [];
  constructor(private readonly limit = 50) {}

  push(entry: UndoEntry): void {
    if (!undoable(entry)) return;
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.shift();
  }

  pop(): UndoEntry | undefined {
    return this.entries.pop();
  }

  peek(): UndoEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  get size(): number {
    return this.entries.length;
  }
}
