import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type { Lang } from "./lib/i18n";
import { I18nContext, useI18n } from "./lib/i18n-context";
import { useWindowLang } from "./lib/use-window-lang";
import { api as realApi, toIpcError, type Api } from "./lib/ipc";
import { ReaderPane, type ReaderApi } from "./mail/ReaderPane";
import { toastText, type ToastText } from "./mail/toast";
import { setWindowTitle } from "./app/window-title";

/** What a reader window calls: the reading pane's commands and saving the message as a file. */
export type ReaderWindowApi = ReaderApi & Pick<Api, "saveMessageFile">;

/** The real window around a reader window: closing it. */
export interface ReaderShell {
  close: () => void;
}

function tauriShell(): ReaderShell {
  const win = getCurrentWindow();
  return {
    close: () => {
      void win.close();
    },
  };
}

interface Props {
  messageId: number;
  api?: ReaderWindowApi;
  shell?: ReaderShell;
  lang?: Lang;
}

function ReaderWindow({ messageId, api, shell }: { messageId: number; api: ReaderWindowApi; shell: ReaderShell }) {
  const { t } = useI18n();
  const [subject, setSubject] = useState<string | null>(null);
  const [toast, setToast] = useState<{ id: number; message: ToastText } | null>(null);
  const seq = useRef(0);
  const notify = useCallback((message: ToastText) => {
    setToast({ id: ++seq.current, message });
  }, []);
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => {
      setToast((cur) => (cur?.id === toast.id ? null : cur));
    }, 8000);
    return () => {
      clearTimeout(timer);
    };
  }, [toast]);
  useEffect(() => {
    if (subject === null) return;
    // The shell shows the page's title in the title bar.
    setWindowTitle(t("reader.title", { subject: subject || t("reader.noSubject") }));
  }, [subject, t]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented && !document.querySelector("[role=alertdialog]")) shell.close();
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [shell]);
  const save = async () => {
    try {
      const path = await api.saveMessageFile(messageId, null);
      notify({ key: "mail.saveFile.saved", vars: { path } });
    } catch (e) {
      const err = toIpcError(e);
      notify(err.message ? { text: err.message } : { key: "error.unexpected" });
    }
  };
  return (
    <div className="reader-window" data-testid="reader-window">
      <div className="mail-toolbar" role="toolbar" aria-label={t("mail.toolbar")}>
        <button type="button" data-testid="action-save-file" onClick={() => void save()}>
          {t("mail.action.saveFile")}
        </button>
        <span className="spacer" />
        <button type="button" data-testid="reader-close" onClick={shell.close}>
          {t("reader.close")}
        </button>
      </div>
      <ReaderPane
        api={api}
        messageId={messageId}
        selectedCount={1}
        allSelected={false}
        onShown={(view) => {
          setSubject(view.message.subject);
        }}
        notify={notify}
        position="right"
      />
      {toast && (
        <div className="toast" role="status" data-testid="toast" key={toast.id}>
          <span data-testid="toast-text">{toastText(toast.message, t)}</span>
        </div>
      )}
    </div>
  );
}

/** A reader window's root (`index.html#reader?id=…`): one saved message, opened from its file.
 * Follows the language chosen in the main window (shared local storage). */
export function ReaderApp({ messageId, api = realApi, shell, lang: startLang }: Props) {
  const i18n = useWindowLang(startLang);
  const windowShell = useMemo(() => shell ?? tauriShell(), [shell]);
  return (
    <I18nContext.Provider value={i18n}>
      <ReaderWindow messageId={messageId} api={api} shell={windowShell} />
    </I18nContext.Provider>
  );
}
