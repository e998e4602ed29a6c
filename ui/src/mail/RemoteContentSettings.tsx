import { useCallback, useEffect, useId, useState } from "react";
import type { IpcError, RemoteContentLists } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "../components/ErrorView";

export type RemoteContentApi = Pick<Api, "remoteContentLists" | "allowRemoteContent" | "allowRemoteContentDomain" | "forgetRemoteContent">;

/** The senders and domains whose remote content loads by itself: listed, removable, and a
 * field to add one (an address adds a sender, anything else a domain). */
export function RemoteContentSettings({ api }: { api: RemoteContentApi }) {
  const { t } = useI18n();
  const id = useId();
  const [lists, setLists] = useState<RemoteContentLists | null>(null);
  const [entry, setEntry] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  const reload = useCallback(
    () =>
      api.remoteContentLists().then(setLists, (e: unknown) => {
        setError(toIpcError(e));
      }),
    [api],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  const change = (work: Promise<unknown>) => {
    setBusy(true);
    setError(null);
    work
      .then(() => reload())
      .catch((e: unknown) => {
        setError(toIpcError(e));
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const rows = lists
    ? [
        ...lists.senders.map((v) => ({ value: v, kind: t("mail.remoteSettings.sender") })),
        ...lists.domains.map((v) => ({ value: v, kind: t("mail.remoteSettings.domain") })),
      ]
    : [];

  return (
    <section className="remote-settings" data-testid="remote-settings" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t("mail.remoteSettings.heading")}</h3>
      <p className="muted">{t("mail.remoteSettings.intro")}</p>
      {lists && rows.length === 0 && <p className="muted">{t("mail.remoteSettings.empty")}</p>}
      {rows.length > 0 && (
        <ul className="remote-list" data-testid="remote-list">
          {rows.map((r) => (
            <li key={`${r.kind}:${r.value}`} data-testid="remote-entry">
              <span className="remote-value">{r.value}</span>
              <span className="muted">{r.kind}</span>
              <button
                type="button"
                disabled={busy}
                aria-label={t("mail.remoteSettings.removeLabel", { entry: r.value })}
                onClick={() => {
                  change(api.forgetRemoteContent(r.value));
                }}
              >
                {t("mail.remoteSettings.remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="remote-add"
        onSubmit={(e) => {
          e.preventDefault();
          const v = entry.trim();
          if (!v) return;
          change((v.includes("@") ? api.allowRemoteContent(v) : api.allowRemoteContentDomain(v)).then(() => {
            setEntry("");
          }));
        }}
      >
        <label htmlFor={`${id}-add`}>{t("mail.remoteSettings.addLabel")}</label>
        <input
          id={`${id}-add`}
          data-testid="remote-add-input"
          value={entry}
          onChange={(e) => {
            setEntry(e.target.value);
          }}
        />
        <button type="submit" data-testid="remote-add" disabled={busy || entry.trim() === ""}>
          {t("mail.remoteSettings.add")}
        </button>
      </form>
      {error && <ErrorView error={error} heading={t("mail.remoteSettings.failed")} />}
    </section>
  );
}
