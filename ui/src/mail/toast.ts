// What a toast says, kept as a message key and its parameters rather than as finished text, so
// a toast on screen follows a change of the UI's language. A folder parameter is named when the
// toast is shown (its name is localized too); a text the core sent (an error) is shown as sent.
import type { Folder } from "../lib/bindings";
import type { MessageKey, Translate } from "../lib/i18n";
import { folderLabel } from "../lib/tree";

export type ToastFolder = Pick<Folder, "name" | "kind" | "shared" | "parentId">;

export type ToastText = { key: MessageKey; vars?: Record<string, string | number | ToastFolder> } | { text: string };

/** The toast's text in the language of `t`. */
export function toastText(message: ToastText, t: Translate): string {
  if ("text" in message) return message.text;
  if (!message.vars) return t(message.key);
  const vars: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(message.vars)) {
    vars[name] = typeof value === "object" ? folderLabel(value, t) : value;
  }
  return t(message.key, vars);
}
