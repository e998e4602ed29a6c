import { useCallback, useEffect, useMemo, useState } from "react";
import type { Account, IpcError } from "./lib/bindings";
import { api as realApi, toIpcError, type Api } from "./lib/ipc";
import { initialLang, rememberLang, translator, type Lang } from "./lib/i18n";
import { I18nContext, type I18n } from "./lib/i18n-context";
import { AccountScreen } from "./components/AccountScreen";
import { MainWindow, type MainWindowReminders } from "./components/MainWindow";

type State =
  | { phase: "loading" }
  | { phase: "signedOut"; error: IpcError | null }
  | { phase: "signedIn"; account: Account };

/** The commands the app's own screens call (the reminder part comes separately). */
export type AppApi = Pick<
  Api,
  "setLanguage" | "account" | "signIn" | "onSignInProgress" | "folders" | "refreshFolders" | "signOut" | "effectiveSettings"
>;

interface Props {
  api?: AppApi;
  lang?: Lang;
  /** The reminder commands (the shell's by default). */
  reminders?: MainWindowReminders;
}

export function App({ api = realApi, lang: startLang, reminders }: Props) {
  const [lang, setLangState] = useState<Lang>(() => startLang ?? initialLang());
  const [state, setState] = useState<State>({ phase: "loading" });

  // The shell localizes core error messages in the UI's language.
  useEffect(() => {
    document.documentElement.lang = lang;
    api.setLanguage(lang).catch(() => undefined);
  }, [api, lang]);

  useEffect(() => {
    let live = true;
    api.account().then(
      (account) => {
        if (live) setState(account ? { phase: "signedIn", account } : { phase: "signedOut", error: null });
      },
      (e: unknown) => {
        if (live) setState({ phase: "signedOut", error: toIpcError(e) });
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

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

  const onSignedOut = useCallback(() => {
    setState({ phase: "signedOut", error: null });
  }, []);

  return (
    <I18nContext.Provider value={i18n}>
      {state.phase === "loading" && <p className="muted centered">{i18n.t("main.loading")}</p>}
      {state.phase === "signedOut" && (
        <AccountScreen
          api={api}
          initialError={state.error}
          onSignedIn={(account) => {
            setState({ phase: "signedIn", account });
          }}
        />
      )}
      {state.phase === "signedIn" && (
        <MainWindow api={api} account={state.account} onSignedOut={onSignedOut} reminders={reminders} />
      )}
    </I18nContext.Provider>
  );
}
