import { useEffect, useState, type SyntheticEvent } from "react";
import type { Account, IpcError } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";
import { LanguageSwitch } from "./LanguageSwitch";

interface Props {
  api: Pick<Api, "signIn" | "effectiveSettings">;
  onSignedIn: (account: Account) => void;
  initialError?: IpcError | null;
}

/**
 * First run: server address, user name and password. Enter in any field submits. A server
 * address set by IT policy (SERVERURL) is filled in and read-only.
 */
export function AccountScreen({ api, onSignedIn, initialError = null }: Props) {
  const { t } = useI18n();
  const [serverUrl, setServerUrl] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(initialError);
  const [missing, setMissing] = useState(false);
  const [serverLocked, setServerLocked] = useState(false);

  useEffect(() => {
    let live = true;
    api.effectiveSettings().then(
      (settings) => {
        const server = settings.serverUrl;
        if (!live || server.value === null) return;
        setServerUrl(server.value);
        setServerLocked(server.locked);
      },
      // Without the settings the form still works; the address is simply not pre-filled.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);

  async function submit(e: SyntheticEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    if (!serverUrl.trim() || !user.trim() || !password) {
      setMissing(true);
      return;
    }
    setMissing(false);
    setError(null);
    setBusy(true);
    try {
      const account = await api.signIn({ serverUrl: serverUrl.trim(), user: user.trim(), password });
      setPassword("");
      onSignedIn(account);
    } catch (err) {
      setError(toIpcError(err));
      setBusy(false);
    }
  }

  return (
    <main className="account-screen">
      <header className="account-header">
        <h1>{t("account.heading")}</h1>
        <LanguageSwitch />
      </header>
      <p className="intro">{t("account.intro")}</p>
      <form
        className="account-form"
        data-testid="account-form"
        aria-busy={busy}
        onSubmit={(e) => void submit(e)}
        noValidate
      >
        <label htmlFor="server-url">{t("account.serverUrl")}</label>
        <input
          id="server-url"
          data-testid="server-url"
          type="url"
          inputMode="url"
          autoComplete="url"
          spellCheck={false}
          autoFocus
          disabled={busy}
          readOnly={serverLocked}
          data-locked={serverLocked}
          value={serverUrl}
          aria-describedby="server-url-hint"
          onChange={(e) => {
            setServerUrl(e.target.value);
          }}
        />
        <small id="server-url-hint" data-testid="server-url-hint">
          {serverLocked ? t("account.serverUrl.locked") : t("account.serverUrl.hint")}
        </small>
        <label htmlFor="user">{t("account.user")}</label>
        <input
          id="user"
          data-testid="user"
          autoComplete="username"
          spellCheck={false}
          disabled={busy}
          value={user}
          onChange={(e) => {
            setUser(e.target.value);
          }}
        />
        <label htmlFor="password">{t("account.password")}</label>
        <input
          id="password"
          data-testid="password"
          type="password"
          autoComplete="current-password"
          disabled={busy}
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
          }}
        />
        {missing && (
          <p className="form-hint" role="alert" data-testid="missing-fields">
            {t("account.missing")}
          </p>
        )}
        <button type="submit" data-testid="sign-in" disabled={busy}>
          {busy ? t("account.busy") : t("account.submit")}
        </button>
        {busy && <div className="spinner" data-testid="busy" aria-hidden="true" />}
      </form>
      {error && <ErrorView error={error} heading={t("error.heading")} />}
    </main>
  );
}
