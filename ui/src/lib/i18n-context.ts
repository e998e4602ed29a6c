import { createContext, useContext } from "react";
import { translator, type Lang, type Translate } from "./i18n";

export interface I18n {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
}

export const I18nContext = createContext<I18n>({
  lang: "en",
  t: translator("en"),
  setLang: () => undefined,
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}
