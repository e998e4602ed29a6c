// The status bar's texts for a sync status (components/StatusBar.tsx), kept apart to be tested.
import type { SyncStatus } from "./bindings";
import type { Lang, Translate } from "./i18n";
import { folderLabel } from "./tree";

/** The texts of the status bar for one status: what it shows, without building sentences. */
export interface StatusTexts {
  state: string;
  lastSync: string | null;
  unsent: string | null;
}

export function statusTexts(status: SyncStatus, t: Translate, lang: Lang): StatusTexts {
  let state: string;
  if (status.state === "online") state = t("status.online");
  else if (status.state === "offline") state = t("status.offline");
  else if (status.folder === null) state = t("status.syncing");
  else {
    const folder = folderLabel(status.folder, t);
    if (status.done !== null && status.total !== null && status.total > 0) {
      state = t("status.syncingFolderCount", { folder, done: status.done, total: status.total });
    } else if (status.done !== null && status.done > 0) {
      state = t("status.syncingFolderDone", { folder, done: status.done });
    } else {
      state = t("status.syncingFolder", { folder });
    }
  }
  const lastSync =
    status.lastSync === null
      ? null
      : t("status.lastSync", {
          time: new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" }).format(new Date(status.lastSync)),
        });
  const unsent =
    status.unsent === 0
      ? null
      : status.unsent === 1
        ? t("status.unsentOne")
        : t("status.unsentMany", { count: status.unsent });
  return { state, lastSync, unsent };
}
