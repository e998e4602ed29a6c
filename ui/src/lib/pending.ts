// The texts of the list of unsent changes (components/PendingDialog.tsx), kept apart to be tested.
import type { Folder, PendingKind, PendingOperation } from "./bindings";
import type { Lang, MessageKey, Translate } from "./i18n";
import { folderLabel } from "./tree";
import { LOCALE, daysAgo } from "../mail/format";

const KIND: Record<PendingKind, MessageKey> = {
  markRead: "pending.kind.markRead",
  markUnread: "pending.kind.markUnread",
  flag: "pending.kind.flag",
  move: "pending.kind.move",
  delete: "pending.kind.delete",
  send: "pending.kind.send",
  reply: "pending.kind.reply",
  forward: "pending.kind.forward",
  draft: "pending.kind.draft",
  eventCreate: "pending.kind.eventCreate",
  eventUpdate: "pending.kind.eventUpdate",
  eventDelete: "pending.kind.eventDelete",
  meetingResponse: "pending.kind.meetingResponse",
};

const SENDING: ReadonlySet<PendingKind> = new Set(["send", "reply", "forward"]);

/** The core gives the server's folder name; the tree shows the user's own folders localized. */
export function folderName(name: string, folders: readonly Folder[], t: Translate): string {
  const own = folders.find((f) => !f.shared && (f.id === name || f.name === name));
  return own ? folderLabel(own, t) : name;
}

/** "Verschieben nach Archiv", "Als gelesen markieren". */
export function pendingWhat(op: PendingOperation, folders: readonly Folder[], t: Translate): string {
  if (op.kind === "move") {
    return op.folder ? t("pending.kind.move", { folder: folderName(op.folder, folders, t) }) : t("pending.kind.moveUnknown");
  }
  return t(KIND[op.kind]);
}

/** The item a change is about; the core knows no subject for some (a deleted event, an answer). */
export function pendingItem(op: PendingOperation, t: Translate): string {
  if (op.subject) return op.subject;
  return op.kind === "eventDelete" || op.kind === "meetingResponse" ? t("pending.noItem") : t("mail.noSubject");
}

/** "14:03" today, "05.12. 14:03" on another day. */
export function attemptTime(iso: string, now: Date, lang: Lang): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const options: Intl.DateTimeFormatOptions =
    daysAgo(at, now) === 0 ? { hour: "2-digit", minute: "2-digit" } : { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(LOCALE[lang], options).format(at);
}

/** What discarding loses, in plain words. */
/** What the last failure was, in the UI's words: the core records the server's or network's
 * answer as it came (English, for support), so the list says which of the two it was and shows
 * that text beneath as the detail. */
export function failureKind(lastError: string, kind?: PendingKind): "unreachable" | "refused" | "sendRefused" {
  if (/could not be reached|connection (refused|reset|closed)|timed out|timeout|dns|network|unreachable|offline|tls/i.test(lastError)) return "unreachable";
  // A message the server would not send: the user can change it (Edit) and send it again.
  return kind && SENDING.has(kind) ? "sendRefused" : "refused";
}

export function discardText(op: PendingOperation, folders: readonly Folder[], t: Translate): string {
  if (SENDING.has(op.kind)) return t("pending.discardSend", { subject: pendingItem(op, t) });
  if (op.kind === "meetingResponse") return t("pending.discardAnswer");
  return t("pending.discardChange", { what: pendingWhat(op, folders, t), subject: pendingItem(op, t) });
}
