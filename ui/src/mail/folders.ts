import type { Folder, FolderKind } from "../lib/bindings";

const MAIL_KINDS: ReadonlySet<FolderKind> = new Set(["inbox", "drafts", "deleted", "sent", "outbox", "mail"]);

/** Folders that hold mail (the mail view shows them; messages move between them). */
export function isMailFolder(f: Pick<Folder, "kind">): boolean {
  return MAIL_KINDS.has(f.kind);
}
