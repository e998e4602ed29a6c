// The two questions before a change: "only this appointment / the whole series" (Outlook asks
// the same before opening, deleting or moving an occurrence), and "delete …?".
import { useState } from "react";
import type { IpcError } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import type { MessageKey } from "../lib/i18n";
import { closeOnEscape } from "../lib/dialog";
import { toIpcError } from "../lib/ipc";
import { ErrorView } from "../components/ErrorView";
import type { Scope } from "./series";

export type SeriesAction = "edit" | "delete" | "move";

const ASK: Record<SeriesAction, MessageKey> = {
  edit: "cal.series.askEdit",
  delete: "cal.series.askDelete",
  move: "cal.series.askMove",
};

export function SeriesQuestion({
  action,
  title,
  onChoose,
  onCancel,
}: {
  action: SeriesAction;
  title: string;
  onChoose: (scope: Scope) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <div className="dialog-backdrop" onMouseDown={onCancel}>
      <div
        className="dialog series-question"
        role="dialog"
        aria-modal="true"
        aria-labelledby="series-question-title"
        aria-describedby="series-question-text"
        data-testid="series-question"
        data-action={action}
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onCancel)}
      >
        <h2 id="series-question-title">{t("cal.series.heading")}</h2>
        <p id="series-question-text">{t(ASK[action], { title: title || t("cal.noTitle") })}</p>
        <div className="dialog-buttons">
          <button
            type="button"
            className="primary"
            autoFocus
            data-testid="series-occurrence"
            onClick={() => {
              onChoose("occurrence");
            }}
          >
            {t("cal.series.occurrence")}
          </button>
          <button
            type="button"
            data-testid="series-all"
            onClick={() => {
              onChoose("series");
            }}
          >
            {t("cal.series.all")}
          </button>
          <button type="button" data-testid="series-cancel" onClick={onCancel}>
            {t("mail.cancel")}
          </button>
        </div>
      </div>
    </div>
  );
}

/** "Delete …?": the sentence says what goes (the appointment, only this one, the whole series). */
export function DeleteConfirm({
  text,
  onDelete,
  onClose,
}: {
  text: string;
  onDelete: () => Promise<unknown>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="delete-event-title"
        aria-describedby="delete-event-text"
        data-testid="event-delete-confirm"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
      >
        <h2 id="delete-event-title">{t("cal.delete.heading")}</h2>
        <p id="delete-event-text">{text}</p>
        {error && <ErrorView error={error} heading={t("cal.delete.failed")} />}
        <div className="dialog-buttons">
          <button
            type="button"
            className="primary danger"
            autoFocus
            disabled={busy}
            data-testid="event-delete-ok"
            onClick={() => {
              setBusy(true);
              setError(null);
              onDelete().then(onClose, (e: unknown) => {
                setError(toIpcError(e));
                setBusy(false);
              });
            }}
          >
            {t("cal.delete.ok")}
          </button>
          <button type="button" data-testid="event-delete-cancel" onClick={onClose}>
            {t("mail.cancel")}
          </button>
        </div>
      </div>
    </div>
  );
}
