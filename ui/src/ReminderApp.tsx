import type { Lang } from "./lib/i18n";
import { I18nContext } from "./lib/i18n-context";
import { useWindowLang } from "./lib/use-window-lang";
import { api as realApi } from "./lib/ipc";
import { ReminderWindow, type ReminderWindowApi } from "./components/ReminderWindow";

interface Props {
  api?: ReminderWindowApi;
  lang?: Lang;
}

/** The reminder window's root (`index.html#reminders`): follows the language chosen in the
 * main window (shared local storage). */
export function ReminderApp({ api = realApi, lang: startLang }: Props) {
  const i18n = useWindowLang(startLang);
  return (
    <I18nContext.Provider value={i18n}>
      <ReminderWindow api={api} />
    </I18nContext.Provider>
  );
}
