import { useEffect, useRef, useState, type SyntheticEvent } from "react";
import type { Account, IpcError, SignInStep } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import type { MessageKey } from "../lib/i18n";
import { ErrorView } from "./ErrorView";
import { LanguageSwitch } from "./LanguageSwitch";

interface Props {
  api: Pick<Api, "signIn" | "effectiveSettings" | "onSignInProgress">;
  onSignedIn: (account: Account) => void;
  initialError?: IpcError | null;
}

const STEP_TEXT: Record<SignInStep, MessageKey> = {
  finding_server: "account.step.finding_server",
  checking_password: "account.step.checking_password",
  reading_folders: "account.step.reading_folders",
};

/**
 * First run, as in Outlook: e-mail address and password; the server is found from the address.
 * "Advanced" holds the server (a name, host:port or the full ActiveSync address) and a user name
 * other than the address. Enter in any field submits. While the sign-in runs, the screen says
 * which step it is at. A server address set by IT policy (ServerUrl) is filled in with
 * "Advanced" open, read-only when the policy locks it.
 */
export function AccountScreen({ api, onSignedIn, initialError = null }: Props) {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [server, setServer] = useState("");
  const [user, setUser] = useState("");
  const [advanced, setAdvanced] = useState(false);
  const [busy, setBusy] = useState(false);
  const [step, setStep] = useState<SignInStep | null>(null);
  const [error, setError] = useState<IpcError | null>(initialError);
  const [missing, setMissing] = useState(false);
  const [serverLocked, setServerLocked] = useState(false);
  const serverField = useRef<HTMLInputElement>(null);
  // Bumped to move the focus to the server field once it is shown and enabled again.
  const [focusServer, setFocusServer] = useState(0);

  useEffect(() => {
    let live = true;
    api.effectiveSettings().then(
      (settings) => {
        const preset = settings.serverUrl;
        if (!live || preset.value === null) return;
        setServer(preset.value);
        setServerLocked(preset.locked);
        setAdvanced(true);
      },
      // Without the settings the form still works; the address is simply not pre-filled.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);

  useEffect(() => api.onSignInProgress(setStep), [api]);

  useEffect(() => {
    if (focusServer === 0) return;
    // After this render: the field was disabled while the sign-in ran.
    const timer = setTimeout(() => serverField.current?.focus(), 0);
    return () => {
      clearTimeout(timer);
    };
  }, [focusServer]);

  async function submit(e: SyntheticEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    const request = {
      email: email.trim(),
      password,
      server: server.trim() || null,
      user: user.trim() || null,
    };
    // The address is needed unless both the server and the user name are given.
    if (!password || (!request.email && !(request.server && request.user))) {
      setMissing(true);
      return;
    }
    setMissing(false);
    setError(null);
    setStep(null);
    setBusy(true);
    try {
      const account = await api.signIn(request);
      setPassword("");
      onSignedIn(account);
    } catch (err) {
      const failure = toIpcError(err);
      setError(failure);
      setBusy(false);
      setStep(null);
      if (failure.code === "server_not_found") {
        // Autodiscover found nothing: the server name is what is missing.
        setAdvanced(true);
        setFocusServer((n) => n + 1);
      }
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
        <label htmlFor="email">{t("account.email")}</label>
        <input
          id="email"
          data-testid="email"
          type="email"
          inputMode="email"
          autoComplete="email"
          spellCheck={false}
          autoFocus
          disabled={busy}
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
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
        <button
          type="button"
          className="disclosure"
          data-testid="advanced-toggle"
          aria-expanded={advanced}
          aria-controls="account-advanced"
          onClick={() => {
            setAdvanced((open) => !open);
          }}
        >
          {t("account.advanced")}
        </button>
        {advanced && (
          <fieldset id="account-advanced" className="account-advanced" data-testid="advanced">
            <label htmlFor="server-url">{t("account.serverUrl")}</label>
            <input
              id="server-url"
              ref={serverField}
              data-testid="server-url"
              inputMode="url"
              autoComplete="url"
              spellCheck={false}
              disabled={busy}
              readOnly={serverLocked}
              data-locked={serverLocked}
              value={server}
              aria-describedby="server-url-hint"
              onChange={(e) => {
                setServer(e.target.value);
              }}
            />
            <small id="server-url-hint" data-testid="server-url-hint">
              {serverLocked ? t("account.serverUrl.locked") : t("account.server.hint")}
            </small>
            <label htmlFor="user">{t("account.user")}</label>
            <input
              id="user"
              data-testid="user"
              autoComplete="username"
              spellCheck={false}
              disabled={busy}
              value={user}
              placeholder={email.trim()}
              aria-describedby="user-hint"
              onChange={(e) => {
                setUser(e.target.value);
              }}
            />
            <small id="user-hint">{t("account.user.hint")}</small>
          </fieldset>
        )}
        {missing && (
          <p className="form-hint" role="alert" data-testid="missing-fields">
            {t("account.missing")}
          </p>
        )}
        <button type="submit" data-testid="sign-in" disabled={busy}>
          {busy ? t("account.busy") : t("account.submit")}
        </button>
        {busy && (
          <p className="sign-in-progress" role="status" data-testid="sign-in-step">
            <span className="spinner" data-testid="busy" aria-hidden="true" />
            {step ? t(STEP_TEXT[step]) : t("account.busy")}
          </p>
        )}
      </form>
      {error && <ErrorView error={error} heading={t("error.heading")} />}
    </main>
  );
}
