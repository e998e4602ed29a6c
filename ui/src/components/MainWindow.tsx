import { useCallback, useEffect, useState } from "react";
import type { Account, Api, Folder, IpcError } from "../lib/api";
import { toIpcError } from "../lib/api";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";
import { FolderTree } from "./FolderTree";
import { LanguageSwitch } from "./LanguageSwitch";
import { Menu } from "./Menu";

interface Props {
  api: Pick<Api, "folders" | "refreshFolders" | "signOut">;
  account: Account;
  onSignedOut: () => void;
}

export function MainWindow({ api, account, onSignedOut }: Props) {
  const { t } = useI18n();
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
        <LanguageSwitch />
        <Menu
          label={t("main.menu")}
          testId="menu"
          items={[
            { id: "refresh", label: t("main.refresh"), onSelect: () => void refresh(), disabled: busy },
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
        </section>
      </div>
    </div>
  );
}
