import { useCallback, useEffect, useRef, useState } from "react";
import type { Folder, IpcError, PendingOperation } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import type { MessageKey } from "../lib/i18n";
import { useI18n } from "../lib/i18n-context";
import { attemptTime, discardText, failureKind, folderName, pendingItem, pendingWhat } from "../lib/pending";
import { LOCALE, pluralForm } from "../mail/format";
import { ErrorView } from "./ErrorView";

/** The commands and events of the list of unsent changes. */
export type PendingApi = Pick<Api, "pendingOperations" | "retryOperation" | "discardOperation" | "editUnsent" | "onSyncStatus" | "onMailChanged">;

/** The changes that are a message to send: they can be taken back to edit. */
const MESSAGE_KINDS: ReadonlySet<PendingOperation["kind"]> = new Set(["send", "reply", "forward"]);

interface Props {
  api: PendingApi;
  /** The account's folders, to show a folder by the name the tree gives it ("Archiv"). */
  folders?: readonly Folder[];
  onClose: () => void;
}

/** The changes made here that the server does not have yet: what, on which item, why it waits or
 * failed, with Retry (parked ones), Edit (a message to send: it becomes a draft in a compose
 * window, the send is given up) and Discard (after asking). Follows the sync and mail events. */
export function PendingDialog(props: Props) {
  return <PendingChanges {...props} />;
}

/** The Outbox in the folder tree, as Outlook has one: the messages written here that have not
 * gone out yet (sends, replies, forwards), each with its state and reason, Edit, Retry and
 * Discard: the same list as the dialog, in the content pane. */
export function OutboxView({ api, folders }: { api: PendingApi; folders?: readonly Folder[] }) {
  return <PendingChanges api={api} folders={folders} outbox />;
}

function PendingChanges({ api, folders = [], onClose, outbox = false }: Partial<Props> & { api: PendingApi; outbox?: boolean }) {
  const close = onClose ?? (() => undefined);
  const { t, lang } = useI18n();
  const [ops, setOps] = useState<PendingOperation[] | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [actionError, setActionError] = useState<IpcError | null>(null);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const [confirm, setConfirm] = useState<PendingOperation | null>(null);
  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set());
  const [now, setNow] = useState(() => new Date());
  const token = useRef(0);
  const live = useRef(true);
  const dialogRef = useRef<HTMLDivElement>(null);

  /** Back from the question to the row asked about (or, once it is gone, to Close). */
  const closeConfirm = (id: number) => {
    setConfirm(null);
    requestAnimationFrame(() => {
      const box = dialogRef.current;
      const target =
        box?.querySelector<HTMLButtonElement>(`[data-op-id="${id}"] [data-testid=pending-discard]:not(:disabled)`) ??
        box?.querySelector<HTMLButtonElement>("[data-testid=pending-close]");
      target?.focus();
    });
  };

  const load = useCallback(() => {
    const mine = ++token.current;
    api.pendingOperations().then(
      (list) => {
        if (!live.current || token.current !== mine) return;
        setOps(list);
        setLoadError(null);
        setNow(new Date());
      },
      (e: unknown) => {
        if (live.current && token.current === mine) setLoadError(toIpcError(e));
      },
    );
  }, [api]);

  useEffect(() => {
    live.current = true;
    load();
    const stopSync = api.onSyncStatus(load);
    const stopMail = api.onMailChanged(load);
    return () => {
      live.current = false;
      stopSync();
      stopMail();
    };
  }, [api, load]);

  const act = (op: PendingOperation, run: () => Promise<unknown>, done: MessageKey) => {
    setActionError(null);
    setNotice(null);
    setBusy((b) => new Set(b).add(op.id));
    const settle = () => {
      setBusy((b) => {
        const next = new Set(b);
        next.delete(op.id);
        return next;
      });
    };
    run().then(
      () => {
        if (!live.current) return;
        settle();
        setNotice(done);
        load();
      },
      (e: unknown) => {
        if (!live.current) return;
        settle();
        setActionError(toIpcError(e));
        load();
      },
    );
  };

  const shown = outbox && ops ? ops.filter((op) => MESSAGE_KINDS.has(op.kind)) : ops;
  const body = (
    <>
        <h2 id="pending-title">{t(outbox ? "outbox.title" : "pending.title")}</h2>
        <p id="pending-intro" className="muted">
          {t(outbox ? "outbox.intro" : "pending.intro")}
        </p>
        {loadError && <ErrorView error={loadError} heading={t("pending.failed")} />}
        {actionError && <ErrorView error={actionError} heading={t("pending.actionFailed")} />}
        {ops === null ? (
          !loadError && (
            <p className="muted" aria-busy="true">
              {t("pending.loading")}
            </p>
          )
        ) : shown === null || shown.length === 0 ? (
          <p className="pending-empty" data-testid="pending-empty">
            {t(outbox ? "outbox.empty" : "pending.empty")}
          </p>
        ) : (
          <ul className="pending-list">
            {shown.map((op) => {
              const next = op.state === "pending" && op.nextAttempt ? attemptTime(op.nextAttempt, now, lang) : null;
              const working = busy.has(op.id);
              return (
                <li key={op.id} className="pending-row" data-testid="pending-row" data-op-id={op.id} data-state={op.state}>
                  <div className="pending-what">
                    <strong data-testid="pending-what">{pendingWhat(op, folders, t)}</strong>
                    <span className="pending-item" data-testid="pending-item" title={pendingItem(op, t)}>
                      {pendingItem(op, t)}
                    </span>
                    {op.kind !== "move" && op.folder && (
                      <span className="muted">{t("pending.inFolder", { folder: folderName(op.folder, folders, t) })}</span>
                    )}
                  </div>
                  <div className="pending-why" data-testid="pending-why">
                    <span className={`pending-state pending-${op.state}`}>{t(`pending.state.${op.state}`)}</span>
                    {next && <span>{t("pending.nextAttempt", { time: next })}</span>}
                    {op.attempts > 0 && (
                      <span className="muted">
                        {t(pluralForm(op.attempts, lang) === "one" ? "pending.attempts.one" : "pending.attempts.other", {
                          count: new Intl.NumberFormat(LOCALE[lang]).format(op.attempts),
                        })}
                      </span>
                    )}
                  </div>
                  {op.lastError && (
                    <div className="pending-error" data-testid="pending-error">
                      <span data-testid="pending-error-kind">{t(`pending.error.${failureKind(op.lastError, op.kind)}`)}</span>
                      <details className="pending-error-detail">
                        <summary>{t("pending.error.details")}</summary>
                        <span lang="en" data-testid="pending-error-text">
                          {op.lastError}
                        </span>
                      </details>
                    </div>
                  )}
                  <div className="pending-buttons">
                    {op.state === "parked" && (
                      <button
                        type="button"
                        data-testid="pending-retry"
                        disabled={working}
                        onClick={() => {
                          act(op, () => api.retryOperation(op.id), "pending.retrying");
                        }}
                      >
                        {t("pending.retry")}
                      </button>
                    )}
                    {MESSAGE_KINDS.has(op.kind) && (
                      <button
                        type="button"
                        data-testid="pending-edit"
                        disabled={working || op.state === "inFlight"}
                        title={t("pending.editTitle")}
                        onClick={() => {
                          act(op, () => api.editUnsent(op.id), "pending.edited");
                        }}
                      >
                        {t("pending.edit")}
                      </button>
                    )}
                    <button
                      type="button"
                      data-testid="pending-discard"
                      disabled={working || op.state === "inFlight"}
                      onClick={() => {
                        setConfirm(op);
                      }}
                    >
                      {t("pending.discard")}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        <p className="muted pending-notice" role="status">
          {notice && t(notice)}
        </p>
    </>
  );
  const question = confirm && (
        <div
          className="dialog-backdrop"
          onMouseDown={(e) => {
            e.stopPropagation();
            closeConfirm(confirm.id);
          }}
        >
          <div
            className="dialog"
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="pending-discard-title"
            aria-describedby="pending-discard-text"
            data-testid="pending-discard-dialog"
            onMouseDown={(e) => {
              e.stopPropagation();
            }}
            onKeyDown={(e) => {
              if (e.key !== "Escape") return;
              e.preventDefault();
              e.stopPropagation();
              closeConfirm(confirm.id);
            }}
          >
            <h2 id="pending-discard-title">{t("pending.discardTitle")}</h2>
            <p id="pending-discard-text" data-testid="pending-discard-text">
              {discardText(confirm, folders, t)}
            </p>
            <div className="dialog-buttons">
              <button
                type="button"
                className="danger"
                data-testid="pending-discard-confirm"
                onClick={() => {
                  const op = confirm;
                  closeConfirm(op.id);
                  act(op, () => api.discardOperation(op.id), "pending.discarded");
                }}
              >
                {t("pending.discardOk")}
              </button>
              <button
                type="button"
                autoFocus
                data-testid="pending-discard-cancel"
                onClick={() => {
                  closeConfirm(confirm.id);
                }}
              >
                {t("mail.cancel")}
              </button>
            </div>
          </div>
        </div>
      );
  if (outbox)
    return (
      <section ref={dialogRef} className="outbox-view" aria-labelledby="pending-title" aria-describedby="pending-intro" data-testid="outbox-view">
        {body}
        {question}
      </section>
    );
  return (
    <div className="dialog-backdrop" onMouseDown={close}>
      <div
        ref={dialogRef}
        className="dialog pending-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="pending-title"
        aria-describedby="pending-intro"
        data-testid="pending-dialog"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={(e) => {
          if (e.key !== "Escape") return;
          e.preventDefault();
          e.stopPropagation();
          // While the question is open, Escape answers it (also before the focus has moved
          // into it), and only a second Escape closes the list.
          if (confirm) closeConfirm(confirm.id);
          else close();
        }}
      >
        {body}
        <div className="dialog-buttons">
          <button type="button" autoFocus data-testid="pending-close" onClick={close}>
            {t("mail.close")}
          </button>
        </div>
      </div>
      {question}
    </div>
  );
}
