// A secondary window's language (the reminder window, compose windows): the one chosen in the
// main window, followed live through the shared local storage.
import { useEffect, useMemo, useState } from "react";
import { initialLang, isLang, rememberLang, translator, type Lang } from "./i18n";
import type { I18n } from "./i18n-context";

export function useWindowLang(startLang?: Lang): I18n {
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
  return useMemo<I18n>(
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
}
