import { useEffect, useMemo, useState } from "react";
import { initialLang, isLang, translator, rememberLang, type Lang } from "./lib/i18n";
import { I18nContext, type I18n } from "./lib/i18n-context";
import { api as realApi } from "./lib/ipc";
import { ReminderWindow, type ReminderWindowApi } from "./components/ReminderWindow";

interface Props {
  api?: ReminderWindowApi;
  lang?: Lang;
}

/** The reminder window's root (`index.html#reminders`): follows the language chosen in the
 * main window (shared local storage). */
export function ReminderApp({ api = realApi, lang: startLang }: Props) {
  const [lang, setLangState] = useState<Lang>(() => startLang ?? initialLang());
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === "kontor.lang" && isLang(e.newValue)) setLangState(e.newValue);
    };
    window.addEventListener("storage", onStorage);
    return () => {
      window.removeEventListener("storage", onStorage);
    };
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const i18n = useMemo<I18n>(
    () => ({
      lang,
      t: translator(lang),
      setLang: (l) => {
        rememberLang(l);
        setLangState(l);
      },
    }),
    [lang],
  );
  return (
    <I18nContext.Provider value={i18n}>
      <ReminderWindow api={api} />
    </I18nContext.Provider>
  );
}
