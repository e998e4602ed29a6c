import { describe, expect, it } from "vitest";
import { EMPTY_SELECTION, clickRow, goneIds, pruneSelection, selectAll, singleSelected } from "./selection";

const order = [10, 11, 12, 13, 14, undefined, 16];
const plain = { shift: false, ctrl: false };
const shift = { shift: true, ctrl: false };
const ctrl = { shift: false, ctrl: true };

describe("selection", () => {
  it("a click selects one row and sets the anchor", () => {
    const s = clickRow(EMPTY_SELECTION, 12, plain, order);
    expect([...s.ids]).toEqual([12]);
    expect(s.anchor).toBe(12);
    expect(singleSelected(s)).toBe(12);
  });
  it("Shift+click selects the range from the anchor, both ways, skipping rows not loaded", () => {
    let s = clickRow(EMPTY_SELECTION, 12, plain, order);
    s = clickRow(s, 14, shift, order);
    expect([...s.ids]).toEqual([12, 13, 14]);
    s = clickRow(s, 10, shift, order);
    expect([...s.ids].sort()).toEqual([10, 11, 12]);
    expect(s.anchor).toBe(12);
    s = clickRow(s, 16, shift, order);
    expect([...s.ids]).toEqual([12, 13, 14, 16]);
    expect(singleSelected(s)).toBeNull();
  });
  it("Ctrl+click toggles one row and moves the anchor", () => {
    let s = clickRow(EMPTY_SELECTION, 10, plain, order);
    s = clickRow(s, 13, ctrl, order);
    expect([...s.ids].sort()).toEqual([10, 13]);
    s = clickRow(s, 10, ctrl, order);
    expect([...s.ids]).toEqual([13]);
    expect(s.anchor).toBe(10);
    s = clickRow(s, 12, { shift: true, ctrl: true }, order);
    expect([...s.ids].sort()).toEqual([10, 11, 12, 13]);
  });
  it("Ctrl+A selects everything, a click ends it", () => {
    let s = selectAll(clickRow(EMPTY_SELECTION, 11, plain, order), [10, 11, 12]);
    expect(s.all).toBe(true);
    expect(s.ids.size).toBe(3);
    expect(singleSelected(s)).toBeNull();
    s = clickRow(s, 12, plain, order);
    expect(s.all).toBe(false);
  });
  it("keeps the selection by id across a reload, dropping only messages that are gone", () => {
    let s = clickRow(EMPTY_SELECTION, 11, plain, order);
    s = clickRow(s, 13, shift, order);
    const before = [10, 11, 12, 13, 14].map((id) => ({ id }));
    // 12 was deleted elsewhere; a new message 9 arrived at the top: rows moved, ids did not.
    const after = [9, 10, 11, 13, 14].map((id) => ({ id }));
    const kept = pruneSelection(s, goneIds(before, after));
    expect([...kept.ids]).toEqual([11, 13]);
    expect(kept.anchor).toBe(11);
    expect(kept.focus).toBe(13);
    expect(pruneSelection(s, new Set())).toBe(s);
  });
});
