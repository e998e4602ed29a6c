// Selection of the message list, kept as message ids (rows move when windows reload or the sort
// changes; ids stay). The anchor is where a Shift range starts; `focus` the row with the
// roving tab stop. `all` is Ctrl+A: every message of the folder, also those not loaded.

export interface Selection {
  ids: ReadonlySet<number>;
  anchor: number | null;
  focus: number | null;
  all: boolean;
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null, focus: null, all: false };

export interface Modifiers {
  shift: boolean;
  ctrl: boolean;
}

/** The ids of rows between two loaded rows (inclusive), in list order. `order` holds the loaded
 * rows' ids by list position (undefined where not loaded). */
function rangeIds(order: readonly (number | undefined)[], a: number, b: number): number[] {
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  if (ia < 0 || ib < 0) return [b];
  const [lo, hi] = ia <= ib ? [ia, ib] : [ib, ia];
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) {
    const id = order[i];
    if (id !== undefined) out.push(id);
  }
  return out;
}

/** A click (or Space / arrow key with modifiers) on the row with message `id`. */
export function clickRow(sel: Selection, id: number, mods: Modifiers, order: readonly (number | undefined)[]): Selection {
  if (mods.shift) {
    const anchor = sel.anchor ?? id;
    const range = rangeIds(order, anchor, id);
    const ids = new Set(mods.ctrl ? [...sel.ids, ...range] : range);
    return { ids, anchor, focus: id, all: false };
  }
  if (mods.ctrl) {
    const ids = new Set(sel.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: id, focus: id, all: false };
  }
  return { ids: new Set([id]), anchor: id, focus: id, all: false };
}

/** Moves the focus only (Ctrl+arrow): the selection stays. */
export function focusRow(sel: Selection, id: number): Selection {
  return { ...sel, focus: id };
}

/** Ctrl+A: every loaded row now, and the rest of the folder when an action runs. */
export function selectAll(sel: Selection, loaded: Iterable<number>): Selection {
  return { ids: new Set(loaded), anchor: sel.anchor, focus: sel.focus, all: true };
}

/** After a reload: ids the folder no longer has (`gone`) leave the selection; the rest stays. */
export function pruneSelection(sel: Selection, gone: ReadonlySet<number>): Selection {
  if (gone.size === 0) return sel;
  const ids = new Set([...sel.ids].filter((id) => !gone.has(id)));
  const keep = (id: number | null) => (id !== null && gone.has(id) ? null : id);
  return { ids, anchor: keep(sel.anchor), focus: keep(sel.focus), all: sel.all };
}

/** Ids that were in the old rows of a range of windows but are not in the new ones. */
export function goneIds(before: readonly { id: number }[], after: readonly { id: number }[]): Set<number> {
  const now = new Set(after.map((r) => r.id));
  return new Set(before.filter((r) => !now.has(r.id)).map((r) => r.id));
}

/** The single message to show in the reader: exactly one selected. */
export function singleSelected(sel: Selection): number | null {
  if (sel.all || sel.ids.size !== 1) return null;
  const [only] = sel.ids;
  return only ?? null;
}
