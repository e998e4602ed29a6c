import { useCallback, useEffect, useState } from "react";
import type { Folder, IpcError } from "../lib/bindings";
import { api as realApi, toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { statusTexts } from "../lib/sync-status";
import { ErrorView } from "./ErrorView";
import { PendingDialog, type PendingApi } from "./PendingDialog";
import { useSyncStatus } from "../lib/use-sync-status";

/** The sync commands and the event the status bar uses, and those of the unsent changes' list. */
export type SyncApi = Pick<Api, "syncStatus" | "syncNow" | "onSyncStatus"> & PendingApi;

interface Props {
  api?: SyncApi;
  /** The account's folders, for the folder names in the list of unsent changes. */
  folders?: readonly Folder[];
}

/** The bottom line of the main window: online or not, what is syncing, the last sync, the
 * changes waiting (a button that lists them), and the last error with "Retry now" (also F9).
 * A certificate failure adds "Certificate details", which unfolds the certificate above the bar.
 * Errors never open a modal; only the user does, by asking for the list. */
export function StatusBar({ api = realApi, folders }: Props) {
  const { t, lang } = useI18n();
  const status = useSyncStatus(api);
  const [failure, setFailure] = useState<IpcError | null>(null);
  const [listOpen, setListOpen] = useState(false);
  const [certificateOpen, setCertificateOpen] = useState(false);


  const syncNow = useCallback(() => {
    setFailure(null);
    api.syncNow().catch((e: unknown) => {
      setFailure(toIpcError(e));
    });
  }, [api]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "F9") {
        e.preventDefault();
        syncNow();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [syncNow]);

  const texts = status === null ? null : statusTexts(status, t, lang);
  const error = failure ?? status?.error ?? null;
  return (
    <footer className="status-bar" data-testid="status-bar" aria-label={t("status.label")}>
      <span className={`status-state status-${status?.state ?? "offline"}`} data-testid="status-state">
        {texts?.state ?? t("status.offline")}
      </span>
      {texts?.lastSync && <span data-testid="status-last-sync">{texts.lastSync}</span>}
      {texts?.unsent && (
        <button
          type="button"
          className="status-unsent"
          data-testid="status-unsent"
          aria-haspopup="dialog"
          title={t("status.unsentOpen")}
          onClick={() => {
            setListOpen(true);
          }}
        >
          {texts.unsent}
        </button>
      )}
      <span className="spacer" />
      {error && (
        <span className="status-error" data-testid="status-error" title={error.detail}>
          {error.message}
        </span>
      )}
      {error?.tls && (
        <button
          type="button"
          data-testid="status-certificate"
          aria-expanded={certificateOpen}
          aria-controls="status-certificate-panel"
          onClick={() => {
            setCertificateOpen((open) => !open);
          }}
        >
          {t("status.certificate")}
        </button>
      )}
      {error && (
        <button type="button" data-testid="status-retry" onClick={syncNow}>
          {t("status.retry")}
        </button>
      )}
      {error?.tls && certificateOpen && (
        // Not a modal: the certificate stays beside the window's work until the user folds it.
        <div className="status-certificate-panel" id="status-certificate-panel" data-testid="status-certificate-panel">
          <ErrorView error={error} heading={t("status.certificateHeading")} />
        </div>
      )}
      {listOpen && (
        <PendingDialog
          api={api}
          folders={folders}
          onClose={() => {
            setListOpen(false);
            document.querySelector<HTMLElement>("[data-testid=status-unsent]")?.focus();
          }}
        />
      )}
    </footer>
  );
}
