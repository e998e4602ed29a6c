// The keyboard map of the mail view, Outlook's keys first. One table: the key handler looks
// actions up here and the "?" overlay lists it, so they cannot disagree.
import type { MessageKey, Translate } from "../lib/i18n";

export type Action =
  | "goMail"
  | "goCalendar"
  | "goPeople"
  | "calDay"
  | "calWorkWeek"
  | "calWeek"
  | "calMonth"
  | "calAgenda"
  | "calToday"
  | "calPrevious"
  | "calNext"
  | "calGoTo"
  | "calNew"
  | "calDelete"
  | "markRead"
  | "markUnread"
  | "toggleFlag"
  | "delete"
  | "deleteForever"
  | "moveTo"
  | "nextMessage"
  | "previousMessage"
  | "sync"
  | "nextPane"
  | "previousPane"
  | "undo"
  | "readerPosition"
  | "help"
  | "search"
  | "quickFilter"
  | "open"
  | "selectAll"
  | "toggleRow"
  | "contextMenu"
  | "rowUp"
  | "rowDown"
  | "firstRow"
  | "lastRow"
  | "pageUp"
  | "pageDown"
  | "newMessage"
  | "reply"
  | "replyAll"
  | "forward"
  | "send"
  | "saveDraft";

/** "window": anywhere in the main window (not while typing); "list": in the message list;
 * "compose": in a compose window (also while typing); "calendar": in the calendar views. */
export type Scope = "window" | "list" | "compose" | "calendar";

export interface Shortcut {
  action: Action;
  /** Normalised chords, e.g. "Ctrl+Shift+V", "Delete", "?" */
  chords: readonly string[];
  scope: Scope;
  label: MessageKey;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: "goMail", chords: ["Ctrl+1"], scope: "window", label: "keys.goMail" },
  { action: "goCalendar", chords: ["Ctrl+2"], scope: "window", label: "keys.goCalendar" },
  { action: "goPeople", chords: ["Ctrl+3"], scope: "window", label: "keys.goPeople" },
  { action: "newMessage", chords: ["Ctrl+N"], scope: "window", label: "keys.newMessage" },
  { action: "reply", chords: ["Ctrl+R"], scope: "window", label: "keys.reply" },
  { action: "replyAll", chords: ["Ctrl+Shift+R"], scope: "window", label: "keys.replyAll" },
  { action: "forward", chords: ["Ctrl+F"], scope: "window", label: "keys.forward" },
  { action: "markRead", chords: ["Ctrl+Q"], scope: "window", label: "keys.markRead" },
  { action: "markUnread", chords: ["Ctrl+U"], scope: "window", label: "keys.markUnread" },
  { action: "toggleFlag", chords: ["Insert"], scope: "window", label: "keys.toggleFlag" },
  { action: "delete", chords: ["Delete"], scope: "window", label: "keys.delete" },
  { action: "deleteForever", chords: ["Shift+Delete"], scope: "window", label: "keys.deleteForever" },
  { action: "moveTo", chords: ["Ctrl+Shift+V"], scope: "window", label: "keys.moveTo" },
  { action: "nextMessage", chords: ["Ctrl+."], scope: "window", label: "keys.nextMessage" },
  { action: "previousMessage", chords: ["Ctrl+,"], scope: "window", label: "keys.previousMessage" },
  { action: "sync", chords: ["F9"], scope: "window", label: "keys.sync" },
  { action: "nextPane", chords: ["F6"], scope: "window", label: "keys.nextPane" },
  { action: "previousPane", chords: ["Shift+F6"], scope: "window", label: "keys.previousPane" },
  { action: "undo", chords: ["Ctrl+Z"], scope: "window", label: "keys.undo" },
  { action: "readerPosition", chords: ["F8"], scope: "window", label: "keys.readerPosition" },
  { action: "help", chords: ["?"], scope: "window", label: "keys.help" },
  { action: "search", chords: ["Ctrl+E", "F3"], scope: "window", label: "keys.search" },
  { action: "quickFilter", chords: ["Ctrl+Shift+L"], scope: "window", label: "keys.quickFilter" },
  { action: "open", chords: ["Enter"], scope: "list", label: "keys.open" },
  { action: "selectAll", chords: ["Ctrl+A"], scope: "list", label: "keys.selectAll" },
  { action: "toggleRow", chords: ["Ctrl+Space"], scope: "list", label: "keys.toggleRow" },
  { action: "contextMenu", chords: ["Shift+F10", "ContextMenu"], scope: "list", label: "keys.contextMenu" },
  { action: "rowUp", chords: ["ArrowUp"], scope: "list", label: "keys.rowUp" },
  { action: "rowDown", chords: ["ArrowDown"], scope: "list", label: "keys.rowDown" },
  { action: "firstRow", chords: ["Home"], scope: "list", label: "keys.firstRow" },
  { action: "lastRow", chords: ["End"], scope: "list", label: "keys.lastRow" },
  { action: "pageUp", chords: ["PageUp"], scope: "list", label: "keys.pageUp" },
  { action: "pageDown", chords: ["PageDown"], scope: "list", label: "keys.pageDown" },
  { action: "send", chords: ["Ctrl+Enter", "Alt+S"], scope: "compose", label: "keys.send" },
  { action: "saveDraft", chords: ["Ctrl+S"], scope: "compose", label: "keys.saveDraft" },
  { action: "calDay", chords: ["Ctrl+Alt+1"], scope: "calendar", label: "keys.calDay" },
  { action: "calWorkWeek", chords: ["Ctrl+Alt+2"], scope: "calendar", label: "keys.calWorkWeek" },
  { action: "calWeek", chords: ["Ctrl+Alt+3"], scope: "calendar", label: "keys.calWeek" },
  { action: "calMonth", chords: ["Ctrl+Alt+4"], scope: "calendar", label: "keys.calMonth" },
  { action: "calAgenda", chords: ["Ctrl+Alt+5"], scope: "calendar", label: "keys.calAgenda" },
  { action: "calToday", chords: ["T"], scope: "calendar", label: "keys.calToday" },
  { action: "calPrevious", chords: ["PageUp", "Alt+ArrowLeft"], scope: "calendar", label: "keys.calPrevious" },
  { action: "calNext", chords: ["PageDown", "Alt+ArrowRight"], scope: "calendar", label: "keys.calNext" },
  { action: "calGoTo", chords: ["Ctrl+G"], scope: "calendar", label: "keys.calGoTo" },
  { action: "calNew", chords: ["Ctrl+Shift+A"], scope: "calendar", label: "keys.calNew" },
  // Handled by the focused appointment itself (CalendarView); listed here for the overlay.
  { action: "calDelete", chords: ["Delete"], scope: "calendar", label: "keys.calDelete" },
];

/** The keys the overlay names in the UI's language ("Strg", "Entf", …). */
const KEY_LABEL: Record<string, MessageKey> = {
  Ctrl: "key.ctrl",
  Shift: "key.shift",
  Alt: "key.alt",
  Delete: "key.delete",
  Insert: "key.insert",
  Enter: "key.enter",
  ContextMenu: "key.menu",
  Space: "key.space",
  ArrowUp: "key.up",
  ArrowDown: "key.down",
  ArrowLeft: "key.left",
  ArrowRight: "key.right",
  Home: "key.home",
  End: "key.end",
  PageUp: "key.pageUp",
  PageDown: "key.pageDown",
};

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** The chord of a key event: modifiers in the order Ctrl, Alt, Shift, then the key (letters
 * upper case). Shift is left out for punctuation, whose character already says it ("?"). */
export function chordOf(e: KeyLike): string {
  let key = e.key;
  if (key === " ") key = "Space";
  const single = key.length === 1;
  const letter = single && /\p{L}/u.test(key);
  if (letter) key = key.toUpperCase();
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push("Ctrl");
  if (e.altKey) parts.push("Alt");
  if (e.shiftKey && !(single && !letter)) parts.push("Shift");
  parts.push(key);
  return parts.join("+");
}

const BY_CHORD = new Map<string, Shortcut>();
for (const s of SHORTCUTS) for (const c of s.chords) BY_CHORD.set(`${s.scope} ${c}`, s);

/** The action a key event means in a scope. */
export function actionFor(e: KeyLike, scope: Scope): Action | null {
  return BY_CHORD.get(`${scope} ${chordOf(e)}`)?.action ?? null;
}

/** A chord as the overlay shows it, e.g. "Strg+Umschalt+V". */
export function chordLabel(chord: string, t: Translate): string {
  if (chord === "?" || chord === "+") return chord;
  return chord
    .split("+")
    .map((part) => {
      const key = KEY_LABEL[part];
      return key ? t(key) : part;
    })
    .join("+");
}
