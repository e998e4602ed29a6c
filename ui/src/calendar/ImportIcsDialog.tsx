// Importing an .ics file (from "Import…" in the calendar, or an .ics attachment's "Add to
// calendar"): the file's appointments (title, first date, whether they repeat) and what is left
// out, a choice of calendar among those the user may write to, Import. The core queues each
// appointment through the outbox, so the import works offline too.
import { useEffect, useRef, useState } from "react";
import type { CalendarEntry, IcsImport, IcsPreview, IpcError } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { closeOnEscape } from "../lib/dialog";
import { toIpcError, type Api } from "../lib/ipc";
import { ErrorView } from "../components/ErrorView";
import { calendarLabel } from "./calendar";

export type ImportIcsApi = Pick<Api, "previewIcs" | "importIcs" | "calendarList">;

interface Props {
  api: ImportIcsApi;
  /** The file to import. */
  path: string;
  /** Done: what was imported, and the preview it came from. */
  onImported: (result: IcsImport, preview: IcsPreview, calendarId: number) => void;
  onClose: () => void;
}

/** Shown at most; a longer file says how many more. */
const LISTED = 50;

export function ImportIcsDialog({ api, path, onImported, onClose }: Props) {
  const { t, lang } = useI18n();
  const [calendars, setCalendars] = useState<CalendarEntry[] | null>(null);
  const writable = (calendars ?? []).filter((c) => !c.readOnly);
  const [preview, setPreview] = useState<IcsPreview | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [importError, setImportError] = useState<IpcError | null>(null);
  const [target, setTarget] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    api.previewIcs(path).then(
      (p) => {
        if (live.current) setPreview(p);
      },
      (e: unknown) => {
        if (live.current) setLoadError(toIpcError(e));
      },
    );
    // The calendars the user may write to; the own ones first.
    api.calendarList().then(
      (list) => {
        if (!live.current) return;
        setCalendars(list);
        const open = list.filter((c) => !c.readOnly);
        setTarget(open.find((c) => !c.shared)?.id ?? open[0]?.id ?? null);
      },
      (e: unknown) => {
        if (live.current) setLoadError(toIpcError(e));
      },
    );
    return () => {
      live.current = false;
    };
  }, [api, path]);

  const locale = lang === "de" ? "de-DE" : "en-GB";
  const dateFmt = new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
  const timeFmt = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
  const when = (start: number, allDay: boolean) => {
    const d = new Date(start * 1000);
    return allDay ? `${dateFmt.format(d)} · ${t("cal.allDay")}` : `${dateFmt.format(d)} · ${timeFmt.format(d)}`;
  };

  async function submit() {
    if (!preview || target === null) return;
    setBusy(true);
    setImportError(null);
    try {
      const result = await api.importIcs(path, target);
      if (live.current) onImported(result, preview, target);
    } catch (e) {
      if (live.current) setImportError(toIpcError(e));
    } finally {
      if (live.current) setBusy(false);
    }
  }

  const fileName = preview?.fileName ?? path.split(/[\\/]/).pop() ?? path;
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <form
        className="dialog import-ics"
        role="dialog"
        aria-modal="true"
        aria-labelledby="import-ics-title"
        aria-busy={busy || (!preview && !loadError)}
        data-testid="import-ics-dialog"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void submit();
        }}
      >
        <h2 id="import-ics-title">{t("cal.import.heading", { file: fileName })}</h2>
        {loadError && <ErrorView error={loadError} heading={t("cal.import.unreadable")} />}
        {!preview && !loadError && (
          <p className="muted" role="status">
            {t("cal.import.reading")}
          </p>
        )}
        {preview && (
          <>
            <p data-testid="import-ics-count">{t("cal.import.count", { n: preview.events.length })}</p>
            <ul className="import-ics-list" data-testid="import-ics-list">
              {preview.events.slice(0, LISTED).map((e) => (
                <li key={e.uid} data-testid="import-ics-event">
                  <strong>{e.summary || t("cal.noTitle")}</strong>
                  <span className="muted">
                    {" "}
                    {when(e.start, e.allDay)}
                    {e.recurring && ` · ${t("cal.import.repeats")}`}
                    {e.location && ` · ${e.location}`}
                  </span>
                </li>
              ))}
            </ul>
            {preview.events.length > LISTED && <p className="muted">{t("cal.import.more", { n: preview.events.length - LISTED })}</p>}
            {preview.skipped > 0 && (
              <p className="muted" data-testid="import-ics-skipped">
                {t("cal.import.skipped", { n: preview.skipped })}
              </p>
            )}
            {calendars === null ? null : writable.length === 0 ? (
              <p className="form-error" role="alert">
                {t("cal.import.noWritable")}
              </p>
            ) : (
              <label className="field">
                <span>{t("cal.import.into")}</span>
                <select
                  data-testid="import-ics-calendar"
                  value={target ?? ""}
                  onChange={(e) => {
                    setTarget(Number(e.target.value));
                  }}
                >
                  {writable.map((c) => (
                    <option key={c.id} value={c.id}>
                      {calendarLabel(c, t).label}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </>
        )}
        {importError && <ErrorView error={importError} heading={t("cal.import.failed")} />}
        <div className="dialog-buttons">
          <button type="submit" className="primary" autoFocus disabled={busy || !preview || target === null} data-testid="import-ics-ok">
            {t("cal.import.ok")}
          </button>
          <button type="button" data-testid="import-ics-cancel" onClick={onClose}>
            {t("mail.cancel")}
          </button>
        </div>
      </form>
    </div>
  );
}
