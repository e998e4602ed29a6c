// "Open calendar…": a colleague's calendar by name, e-mail address or address (URL). The core
// checks it on the server; while it does, the dialog says so, and a refusal (not found, no
// permission, not a calendar, unreachable) is shown in the dialog with what was typed kept.
import { useEffect, useRef, useState } from "react";
import type { IpcError } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { closeOnEscape } from "../lib/dialog";
import { toIpcError } from "../lib/ipc";
import { ErrorView } from "../components/ErrorView";

interface Props {
  /** Opens the calendar (the core's `openColleagueCalendar`); rejects with the refusal. */
  onOpen: (input: string) => Promise<unknown>;
  onClose: () => void;
}

export function OpenCalendarDialog({ onOpen, onClose }: Props) {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [empty, setEmpty] = useState(false);
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );

  async function submit() {
    const input = value.trim();
    if (!input) {
      setEmpty(true);
      setError(null);
      return;
    }
    setEmpty(false);
    setError(null);
    setBusy(true);
    try {
      await onOpen(input);
      if (live.current) onClose();
    } catch (e) {
      if (live.current) setError(toIpcError(e));
    } finally {
      if (live.current) setBusy(false);
    }
  }

  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <form
        className="dialog open-calendar"
        role="dialog"
        aria-modal="true"
        aria-labelledby="open-calendar-title"
        aria-busy={busy}
        data-testid="cal-open-dialog"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void submit();
        }}
      >
        <h2 id="open-calendar-title">{t("cal.open.title")}</h2>
        <label className="field">
          <span>{t("cal.open.field")}</span>
          <input
            type="text"
            autoFocus
            spellCheck={false}
            autoComplete="off"
            data-testid="cal-open-input"
            aria-describedby="open-calendar-hint"
            aria-invalid={empty || error !== null}
            value={value}
            onChange={(e) => {
              setValue(e.target.value);
              setEmpty(false);
            }}
          />
        </label>
        <p id="open-calendar-hint" className="muted hint">
          {t("cal.open.hint")}
        </p>
        {empty && (
          <p className="form-error" role="alert" data-testid="cal-open-empty">
            {t("cal.open.empty")}
          </p>
        )}
        {error && <ErrorView error={error} heading={t("cal.open.failed")} />}
        {busy && (
          <p className="muted" role="status" data-testid="cal-open-checking">
            {t("cal.open.checking")}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="submit" className="primary" disabled={busy} data-testid="cal-open-ok">
            {t("cal.open.ok")}
          </button>
          <button type="button" data-testid="cal-open-cancel" onClick={onClose}>
            {t("mail.cancel")}
          </button>
        </div>
      </form>
    </div>
  );
}
