import { useRef, useState } from "react";
import type { IpcError, MessageSearch, MessageView, ServerSearchResult } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { useSyncStatus } from "../lib/use-sync-status";
import { ErrorView } from "../components/ErrorView";
import { formatListDate, pluralForm } from "./format";

/** The commands of the "Search on the server" row (docs/search.md#searching-the-server). */
export type ServerSearchApi = Pick<Api, "serverSearch" | "openServerHit" | "syncStatus" | "onSyncStatus">;

interface Props {
  api: ServerSearchApi;
  folderId: string;
  /** The search the list shows; the row is offered only when it has text. */
  search: MessageSearch | null;
  /** The opened hit's id (negative), to mark its row. */
  openedId: number | null;
  /** A hit was fetched: the reading pane shows it. */
  onOpen: (view: MessageView) => void;
  /** Folder names by id, shown beside hits of other folders. */
  folderNames: ReadonlyMap<string, string>;
  now: Date;
}

type State =
  | { kind: "idle" }
  | { kind: "searching" }
  | { kind: "done"; result: ServerSearchResult }
  | { kind: "failed"; error: IpcError };

interface Row {
  /** the search this is about */
  key: string;
  state: State;
  /** the LongId of the hit being fetched */
  opening: string | null;
  openError: IpcError | null;
}

const IDLE: Row = { key: "", state: { kind: "idle" }, opening: null, openError: null };

/** Under the search box: "Search on the server" for mail older than the cache keeps (the mail
 * kept offline is a few months). Its hits are those the cache does not hold, marked so; opening
 * one fetches it from the server and shows it in the reading pane without keeping it. Offline
 * the row says the server cannot be asked now. A changed search starts over. */
export function ServerSearch({ api, folderId, search, openedId, onOpen, folderNames, now }: Props) {
  const { t, lang } = useI18n();
  const status = useSyncStatus(api);
  const searchKey = search ? JSON.stringify([folderId, search.text, search.allFolders]) : "";
  // What the row shows belongs to the search it was made for: a changed search starts over.
  const [row, setRow] = useState<Row>({ key: "", state: { kind: "idle" }, opening: null, openError: null });
  const [openedLong, setOpenedLong] = useState<{ longId: string; id: number } | null>(null);
  const token = useRef(0);
  const { state, opening, openError } = row.key === searchKey ? row : IDLE;
  const update = (key: string, change: Partial<Omit<Row, "key">>) => {
    setRow((r) => ({ ...(r.key === key ? r : { ...IDLE, key }), ...change }));
  };

  if (!search || search.text.trim() === "") return null;
  const offline = status !== null && status.state === "offline";

  const key = searchKey;
  const run = () => {
    const mine = ++token.current;
    update(key, { state: { kind: "searching" }, openError: null });
    api.serverSearch(folderId, search).then(
      (result) => {
        if (token.current === mine) update(key, { state: { kind: "done", result } });
      },
      (e: unknown) => {
        if (token.current === mine) update(key, { state: { kind: "failed", error: toIpcError(e) } });
      },
    );
  };

  const open = (longId: string, hitFolder: string) => {
    const mine = token.current;
    update(key, { opening: longId, openError: null });
    api.openServerHit(longId, hitFolder, false).then(
      (view) => {
        if (token.current !== mine) return;
        update(key, { opening: null });
        setOpenedLong({ longId, id: view.message.id });
        onOpen(view);
      },
      (e: unknown) => {
        if (token.current !== mine) return;
        update(key, { opening: null, openError: toIpcError(e) });
      },
    );
  };

  const count = (n: number) => (pluralForm(n, lang) === "one" ? t("serverSearch.found.one") : t("serverSearch.found.other", { count: n }));

  return (
    <section className="server-search" data-testid="server-search" aria-label={t("serverSearch.label")}>
      <div className="server-search-bar">
        {state.kind === "idle" || state.kind === "failed" ? (
          <button type="button" data-testid="server-search-run" disabled={offline} onClick={run}>
            {t("serverSearch.run")}
          </button>
        ) : (
          <button type="button" data-testid="server-search-run" disabled={offline || state.kind === "searching"} onClick={run}>
            {t("serverSearch.again")}
          </button>
        )}
        <span className="server-search-note muted" data-testid="server-search-note" role="status">
          {offline
            ? t("serverSearch.offline")
            : state.kind === "searching"
              ? t("serverSearch.searching")
              : state.kind === "done"
                ? state.result.hits.length === 0
                  ? state.result.cached > 0
                    ? t("serverSearch.allCached")
                    : t("serverSearch.none")
                  : `${count(state.result.hits.length)}${state.result.cached > 0 ? ` · ${t("serverSearch.cachedToo", { count: state.result.cached })}` : ""}${state.result.more ? ` · ${t("serverSearch.more")}` : ""}`
                : t("serverSearch.hint")}
        </span>
      </div>
      {state.kind === "failed" && <ErrorView error={state.error} heading={t("serverSearch.failed")} />}
      {openError && <ErrorView error={openError} heading={t("serverSearch.openFailed")} />}
      {state.kind === "done" && state.result.hits.length > 0 && (
        <ul className="server-search-hits" data-testid="server-hits">
          {state.result.hits.map((h) => {
            const other = search.allFolders || h.folderId !== folderId;
            const shown = openedLong?.longId === h.longId && openedLong.id === openedId;
            return (
              <li key={h.longId}>
                <button
                  type="button"
                  className={`server-hit${shown ? " server-hit-open" : ""}${h.read ? "" : " unread"}`}
                  data-testid="server-hit"
                  aria-current={shown ? "true" : undefined}
                  aria-busy={opening === h.longId ? "true" : undefined}
                  onClick={() => {
                    open(h.longId, h.folderId);
                  }}
                >
                  <span className="server-hit-from">{h.from.name || h.from.addr}</span>
                  <span className="server-hit-subject">
                    {other && folderNames.get(h.folderId) && <span className="server-hit-folder">{folderNames.get(h.folderId)} · </span>}
                    {h.subject || t("mail.noSubject")}
                  </span>
                  <span className="server-hit-date">{formatListDate(h.date, now, lang)}</span>
                  <span className="server-hit-mark" data-testid="server-hit-mark" title={t("serverSearch.notCached.title")}>
                    {opening === h.longId ? t("serverSearch.opening") : t("serverSearch.notCached")}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
