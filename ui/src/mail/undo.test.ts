import { describe, expect, it } from "vitest";
import { UndoStack, inverse, undoable } from "./undo";

describe("undo inverse", () => {
  it("read becomes unread and back", () => {
    expect(inverse({ kind: "read", ids: [1, 2], read: true })).toEqual([{ op: "markRead", ids: [1, 2], read: false }]);
    expect(inverse({ kind: "read", ids: [3], read: false })).toEqual([{ op: "markRead", ids: [3], read: true }]);
  });
  it("a flag goes back to each message's previous flag", () => {
    const previous = new Map([
      [1, "none" as const],
      [2, "complete" as const],
      [3, "none" as const],
    ]);
    expect(inverse({ kind: "flag", previous })).toEqual([
      { op: "setFlag", ids: [1, 3], flag: "none" },
      { op: "setFlag", ids: [2], flag: "complete" },
    ]);
  });
  it("a move goes back to the original folder with the same ids", () => {
    const from = new Map([
      [5, "inbox"],
      [6, "inbox"],
      [7, "projects"],
    ]);
    expect(inverse({ kind: "move", from, to: "archive" })).toEqual([
      { op: "move", ids: [5, 6], to: "inbox" },
      { op: "move", ids: [7], to: "projects" },
    ]);
  });
  it("a delete moves back from Deleted Items; a permanent delete cannot be undone", () => {
    const from = new Map([[9, "inbox"]]);
    expect(inverse({ kind: "delete", from, movedTo: "trash" })).toEqual([{ op: "move", ids: [9], to: "inbox" }]);
    expect(inverse({ kind: "delete", from, movedTo: null })).toEqual([]);
    expect(undoable({ kind: "delete", from, movedTo: null })).toBe(false);
  });
  it("the stack keeps undoable entries, newest first", () => {
    const stack = new UndoStack(2);
    stack.push({ kind: "delete", from: new Map([[1, "a"]]), movedTo: null });
    expect(stack.size).toBe(0);
    stack.push({ kind: "read", ids: [1], read: true });
    stack.push({ kind: "read", ids: [2], read: true });
    stack.push({ kind: "read", ids: [3], read: true });
    expect(stack.size).toBe(2);
    expect(stack.pop()).toEqual({ kind: "read", ids: [3], read: true });
    expect(stack.pop()).toEqual({ kind: "read", ids: [2], read: true });
    expect(stack.pop()).toBeUndefined();
  });
});
