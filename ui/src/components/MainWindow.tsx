import { useCallback, useEffect, useState } from "react";
import type { Account, Folder, IpcError } from "../lib/bindings";
import { api as realApi, toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";
import { FolderTree } from "./FolderTree";
import { LanguageSwitch } from "./LanguageSwitch";
import { Menu } from "./Menu";
import { ReminderBadge, RemindersPanel, type MainRemindersApi } from "./RemindersPanel";
import { useReminderSnapshot } from "../lib/use-reminders";
import { SettingsPanel, type SettingsApi } from "./SettingsPanel";
import { StatusBar, type SyncApi } from "./StatusBar";

/** The reminder commands and events the main window uses. */
export type MainWindowReminders = MainRemindersApi & SettingsApi & Pick<Api, "onRemindersShowList">;

interface Props {
  api: Pick<Api, "folders" | "refreshFolders" | "signOut">;
  account: Account;
  onSignedOut: () => void;
  reminders?: MainWindowReminders;
  sync?: SyncApi;
}

export function MainWindow({ api, account, onSignedOut, reminders = realApi, sync = realApi }: Props) {
  const { t } = useI18n();
  const snapshot = useReminderSnapshot(reminders);
  const [showSettings, setShowSettings] = useState(false);
  useEffect(
    () =>
      reminders.onRemindersShowList(() => {
        setShowSettings(false);
        document.querySelector("[data-testid=main-reminders]")?.scrollIntoView();
      }),
    [reminders],
  );
  const [folders, setFolders] = useState<Folder[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let live = true;
    api.folders().then(
      (list) => {
        if (live) setFolders(list);
      },
      (e: unknown) => {
        if (live) {
          setFolders([]);
          setError(toIpcError(e));
        }
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const refresh = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      setFolders(await api.refreshFolders());
    } catch (e) {
      setError(toIpcError(e));
    } finally {
      setBusy(false);
    }
  }, [api]);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
      onSignedOut();
    } catch (e) {
      setError(toIpcError(e));
    }
  }, [api, onSignedOut]);

  return (
    <div className="main-window" data-testid="main-window">
      <header className="toolbar">
        <strong className="brand">{t("app.title")}</strong>
        <span className="account-label" data-testid="account-label">
          {t("main.signedInAs", { user: account.user, server: account.serverUrl })}
        </span>
        <span className="spacer" />
        <button type="button" data-testid="refresh" disabled={busy} onClick={() => void refresh()}>
          {busy ? t("main.refreshing") : t("main.refresh")}
        </button>
        <ReminderBadge
          count={snapshot?.active.length ?? 0}
          onClick={() => {
            setShowSettings(false);
            document.querySelector("[data-testid=main-reminders]")?.scrollIntoView();
          }}
        />
        <LanguageSwitch />
        <Menu
          label={t("main.menu")}
          testId="menu"
          items={[
            { id: "refresh", label: t("main.refresh"), onSelect: () => void refresh(), disabled: busy },
            {
              id: "settings",
              label: t("main.settings"),
              onSelect: () => {
                setShowSettings(true);
              },
            },
            { id: "sign-out", label: t("main.signOut"), onSelect: () => void signOut() },
          ]}
        />
      </header>
      <div className="panes">
        <nav className="sidebar">
          {folders === null ? (
            <p className="muted" aria-busy="true">
              {t("main.loading")}
            </p>
          ) : folders.length === 0 ? (
            <p className="muted">{t("main.noFolders")}</p>
          ) : (
            <FolderTree
              folders={folders}
              selectedId={selected}
              onSelect={(f) => {
                setSelected(f.id);
              }}
            />
          )}
        </nav>
        <section className="content">
          {error && <ErrorView error={error} heading={t("main.refreshFailed")} />}
          {showSettings && (
            <SettingsPanel
              api={reminders}
              onClose={() => {
                setShowSettings(false);
              }}
            />
          )}
          <RemindersPanel api={reminders} snapshot={snapshot} />
        </section>
      </div>
      <StatusBar api={sync} />
    </div>
  );
}
