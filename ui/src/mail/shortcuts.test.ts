import { describe, expect, it } from "vitest";
import { CATALOG } from "../lib/i18n";
import { translator } from "../lib/i18n";
import { SHORTCUTS, actionFor, chordLabel, chordOf } from "./shortcuts";

const key = (k: string, mods: Partial<{ ctrl: boolean; shift: boolean; alt: boolean; meta: boolean }> = {}) => ({
  key: k,
  ctrlKey: mods.ctrl ?? false,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
  metaKey: mods.meta ?? false,
});

describe("shortcut map", () => {
  it("has no two actions on one chord in a scope, and no chord shadowed by the window scope", () => {
    const seen = new Map<string, string>();
    const windowChords = new Set(SHORTCUTS.filter((s) => s.scope === "window").flatMap((s) => s.chords));
    for (const s of SHORTCUTS) {
      for (const c of s.chords) {
        const id = `${s.scope} ${c}`;
        expect(seen.get(id), id).toBeUndefined();
        seen.set(id, s.action);
        if (s.scope === "list") expect(windowChords.has(c), c).toBe(false);
      }
    }
    expect(new Set(SHORTCUTS.map((s) => s.action)).size).toBe(SHORTCUTS.length);
  });
  it("labels every action in English and German", () => {
    for (const s of SHORTCUTS) {
      expect(CATALOG.en[s.label], s.action).toBeTruthy();
      expect(CATALOG.de[s.label], s.action).toBeTruthy();
    }
  });
  it("switches between mail and calendar with Ctrl+1 and Ctrl+2, and the views with Ctrl+Alt", () => {
    expect(actionFor(key("2", { ctrl: true }), "window")).toBe("goCalendar");
    expect(actionFor(key("1", { ctrl: true }), "window")).toBe("goMail");
    expect(actionFor(key("1", { ctrl: true, alt: true }), "calendar")).toBe("calDay");
    expect(actionFor(key("4", { ctrl: true, alt: true }), "calendar")).toBe("calMonth");
    expect(actionFor(key("g", { ctrl: true }), "calendar")).toBe("calGoTo");
    expect(actionFor(key("PageDown"), "calendar")).toBe("calNext");
    expect(actionFor(key("1", { ctrl: true, alt: true }), "window")).toBeNull();
  });
  it("reads Outlook's keys from key events", () => {
    expect(actionFor(key("q", { ctrl: true }), "window")).toBe("markRead");
    expect(actionFor(key("u", { ctrl: true }), "window")).toBe("markUnread");
    expect(actionFor(key("Insert"), "window")).toBe("toggleFlag");
    expect(actionFor(key("Delete"), "window")).toBe("delete");
    expect(actionFor(key("Delete", { shift: true }), "window")).toBe("deleteForever");
    expect(actionFor(key("V", { ctrl: true, shift: true }), "window")).toBe("moveTo");
    expect(actionFor(key(".", { ctrl: true }), "window")).toBe("nextMessage");
    expect(actionFor(key(",", { ctrl: true }), "window")).toBe("previousMessage");
    expect(actionFor(key("z", { ctrl: true }), "window")).toBe("undo");
    expect(actionFor(key("z", { meta: true }), "window")).toBe("undo");
    // "?" is Shift+ß on a German keyboard and Shift+/ on an English one.
    expect(actionFor(key("?", { shift: true }), "window")).toBe("help");
    expect(actionFor(key("F6", { shift: true }), "window")).toBe("previousPane");
    expect(actionFor(key("a", { ctrl: true }), "list")).toBe("selectAll");
    expect(actionFor(key("a", { ctrl: true }), "window")).toBeNull();
    expect(chordOf(key("v", { ctrl: true, shift: true }))).toBe("Ctrl+Shift+V");
    expect(actionFor(key("F10", { shift: true }), "list")).toBe("contextMenu");
    expect(actionFor(key("ContextMenu"), "list")).toBe("contextMenu");
    expect(actionFor(key(" ", { ctrl: true }), "list")).toBe("toggleRow");
  });
  it("names keys as German keyboards do", () => {
    expect(chordLabel("Ctrl+Shift+V", translator("de"))).toBe("Strg+Umschalt+V");
    expect(chordLabel("Shift+Delete", translator("de"))).toBe("Umschalt+Entf");
    expect(chordLabel("Ctrl+.", translator("en"))).toBe("Ctrl+.");
    expect(chordLabel("?", translator("de"))).toBe("?");
  });
});
