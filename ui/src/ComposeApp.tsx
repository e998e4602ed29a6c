import { useMemo } from "react";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open } from "@tauri-apps/plugin-dialog";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type { Lang } from "./lib/i18n";
import { I18nContext } from "./lib/i18n-context";
import { useWindowLang } from "./lib/use-window-lang";
import { api as realApi } from "./lib/ipc";
import { ComposeWindow, type ComposeApi, type ComposeShell } from "./compose/ComposeWindow";
import type { ComposeParams } from "./compose/compose";

/** The real window around a compose window: close, title, the close button, dropped files. */
function tauriShell(): ComposeShell {
  const win = getCurrentWindow();
  return {
    pickFiles: async (title) => {
      const chosen = await open({ title, multiple: true, directory: false });
      if (chosen === null) return [];
      return Array.isArray(chosen) ? chosen : [chosen];
    },
    pickFile: async (title, filterName, extensions) => {
      const chosen = await open({ title, multiple: false, directory: false, filters: [{ name: filterName, extensions }] });
      return typeof chosen === "string" ? chosen : null;
    },
    close: () => {
      void win.destroy();
    },
    setTitle: (title) => {
      void win.setTitle(title);
    },
    onCloseRequested: (ask) => {
      const p = win.onCloseRequested((event) => {
        if (ask()) event.preventDefault();
      });
      return () => {
        void p.then((un) => {
          un();
        });
      };
    },
    onDrop: (cb) => {
      const p = getCurrentWebview().onDragDropEvent((event) => {
        if (event.payload.type === "drop") cb(event.payload.paths);
      });
      return () => {
        void p.then((un) => {
          un();
        });
      };
    },
  };
}

interface Props {
  params: ComposeParams;
  api?: ComposeApi;
  shell?: ComposeShell;
  lang?: Lang;
}

/** A compose window's root (`index.html#compose?mode=…`): follows the language chosen in the
 * main window (shared local storage). */
export function ComposeApp({ params, api = realApi, shell, lang: startLang }: Props) {
  const i18n = useWindowLang(startLang);
  const windowShell = useMemo(() => shell ?? tauriShell(), [shell]);
  return (
    <I18nContext.Provider value={i18n}>
      <ComposeWindow api={api} params={params} shell={windowShell} />
    </I18nContext.Provider>
  );
}
