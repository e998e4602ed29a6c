// Automatic replies (out of office, docs/compose.md#automatic-replies): the dialog, opened from
// the main window's menu ("Automatic replies…") or the banner, and the banner the main window
// shows while they are on. The dialog reads the replies from the server when it opens; a
// server that keeps none is said plainly and the dialog is read-only. The banner starts from
// the last state the server told (kept in the profile), so it shows offline too.
import { useCallback, useEffect, useRef, useState } from "react";
import type { AutoReplies, AutoRepliesChange, AutoReplyMode, IpcError } from "../lib/bindings";
import { toIpcError } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { closeOnEscape } from "../lib/dialog";
import { ErrorView } from "../components/ErrorView";
import { DateField, TimeField } from "../calendar/DateField";
import { bannerShown, formatMoment, localParts, toSecs, type AutoRepliesApi } from "./auto-replies";

interface BannerProps {
  state: AutoReplies | null;
  api: Pick<AutoRepliesApi, "setAutoReplies">;
  onOpen: () => void;
  onChanged: (s: AutoReplies) => void;
}

/** "Automatic replies are on" above the panes, with Change… and Turn off. */
export function AutoRepliesBanner({ state, api, onOpen, onChanged }: BannerProps) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  if (!state || !bannerShown(state)) return null;
  const text =
    state.mode === "scheduled" && state.start !== null && state.end !== null
      ? t("autoReplies.banner.range", { start: formatMoment(state.start, lang), end: formatMoment(state.end, lang) })
      : t("autoReplies.banner.on");
  const turnOff = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(
        await api.setAutoReplies({ mode: "off", start: state.start, end: state.end, internal: state.internal, external: state.external }),
      );
    } catch (e) {
      setError(toIpcError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="auto-replies-banner" role="status" data-testid="auto-replies-banner">
      <span className="auto-replies-banner-text" data-testid="auto-replies-banner-text">
        {text}
      </span>
      <button type="button" data-testid="auto-replies-banner-open" onClick={onOpen}>
        {t("autoReplies.banner.change")}
      </button>
      <button type="button" data-testid="auto-replies-banner-off" disabled={busy} onClick={() => void turnOff()}>
        {t("autoReplies.banner.off")}
      </button>
      {error && <ErrorView error={error} heading={t("autoReplies.failed")} />}
    </div>
  );
}

interface DialogProps {
  api: AutoRepliesApi;
  onClose: () => void;
  /** The replies as the server confirmed them after Save. */
  onSaved: (s: AutoReplies) => void;
}

type Problem = "noRange" | "endBeforeStart" | null;

/** The "Automatic replies" dialog. */
export function AutoRepliesDialog({ api, onClose, onSaved }: DialogProps) {
  const { t } = useI18n();
  const [loaded, setLoaded] = useState<AutoReplies | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [saveError, setSaveError] = useState<IpcError | null>(null);
  const [problem, setProblem] = useState<Problem>(null);
  const [busy, setBusy] = useState(false);
  // Saved, but the server did not keep the text for outside senders (it keeps one text for
  // everyone, as SOGo does): the dialog stays open and says so.
  const [externalLost, setExternalLost] = useState(false);
  const [mode, setMode] = useState<AutoReplyMode>("off");
  const [startDate, setStartDate] = useState("");
  const [startTime, setStartTime] = useState("08:00");
  const [endDate, setEndDate] = useState("");
  const [endTime, setEndTime] = useState("17:00");
  const [internal, setInternal] = useState("");
  const [external, setExternal] = useState("");
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );

  const fill = useCallback((s: AutoReplies) => {
    setLoaded(s);
    setMode(s.mode);
    setInternal(s.internal);
    setExternal(s.external);
    if (s.start !== null) {
      const p = localParts(s.start);
      setStartDate(p.date);
      setStartTime(p.time);
    }
    if (s.end !== null) {
      const p = localParts(s.end);
      setEndDate(p.date);
      setEndTime(p.time);
    }
  }, []);

  useEffect(() => {
    api.autoReplies().then(
      (s) => {
        if (live.current) fill(s);
      },
      (e: unknown) => {
        if (!live.current) return;
        setLoadError(toIpcError(e));
        // Offline: the last known state, to look at.
        api.knownAutoReplies().then(
          (s) => {
            if (live.current) fill(s);
          },
          () => undefined,
        );
      },
    );
  }, [api, fill]);

  const loading = loaded === null && loadError === null;
  const unsupported = loaded !== null && !loaded.supported;
  const readOnly = loading || unsupported || loadError !== null;
  const rangeOff = readOnly || mode !== "scheduled";

  async function save() {
    let start: number | null = null;
    let end: number | null = null;
    if (mode === "scheduled") {
      start = toSecs(startDate, startTime);
      end = toSecs(endDate, endTime);
      if (start === null || end === null) {
        setProblem("noRange");
        return;
      }
      if (end <= start) {
        setProblem("endBeforeStart");
        return;
      }
    }
    setProblem(null);
    setSaveError(null);
    setBusy(true);
    const change: AutoRepliesChange = { mode, start, end, internal, external };
    try {
      const saved = await api.setAutoReplies(change);
      if (!live.current) return;
      onSaved(saved);
      if (mode !== "off" && external.trim() !== "" && saved.external.trim() === "") {
        fill(saved);
        setExternalLost(true);
        return;
      }
      onClose();
    } catch (e) {
      if (live.current) setSaveError(toIpcError(e));
    } finally {
      if (live.current) setBusy(false);
    }
  }

  const radio = (value: AutoReplyMode, label: string) => (
    <label className="radio">
      <input
        type="radio"
        name="auto-replies-mode"
        value={value}
        data-testid={`auto-replies-mode-${value}`}
        checked={mode === value}
        disabled={readOnly}
        onChange={() => {
          setMode(value);
          setProblem(null);
        }}
      />
      <span>{label}</span>
    </label>
  );

  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <form
        className="dialog auto-replies"
        role="dialog"
        aria-modal="true"
        aria-labelledby="auto-replies-title"
        aria-busy={loading || busy}
        data-testid="auto-replies-dialog"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy && !readOnly) void save();
        }}
      >
        <h2 id="auto-replies-title">{t("autoReplies.title")}</h2>
        {loading && (
          <p className="muted" role="status" data-testid="auto-replies-loading">
            {t("autoReplies.loading")}
          </p>
        )}
        {unsupported && (
          <p className="notice" role="note" data-testid="auto-replies-unsupported">
            {loaded.reason ?? t("autoReplies.unsupported")}
          </p>
        )}
        {loadError && <ErrorView error={loadError} heading={t("autoReplies.loadFailed")} />}
        <fieldset className="auto-replies-mode" disabled={readOnly}>
          <legend className="sr-only">{t("autoReplies.title")}</legend>
          {radio("off", t("autoReplies.mode.off"))}
          {radio("on", t("autoReplies.mode.on"))}
          {radio("scheduled", t("autoReplies.mode.scheduled"))}
        </fieldset>
        <div className="auto-replies-range">
          <span className="auto-replies-range-label">{t("autoReplies.start")}</span>
          <DateField
            aria-label={t("autoReplies.startDate")}
            data-testid="auto-replies-start-date"
            disabled={rangeOff}
            value={startDate}
            onValue={setStartDate}
          />
          <TimeField
            aria-label={t("autoReplies.startTime")}
            data-testid="auto-replies-start-time"
            disabled={rangeOff}
            value={startTime}
            onValue={setStartTime}
          />
          <span className="auto-replies-range-label">{t("autoReplies.end")}</span>
          <DateField aria-label={t("autoReplies.endDate")} data-testid="auto-replies-end-date" disabled={rangeOff} value={endDate} onValue={setEndDate} />
          <TimeField aria-label={t("autoReplies.endTime")} data-testid="auto-replies-end-time" disabled={rangeOff} value={endTime} onValue={setEndTime} />
        </div>
        {problem && (
          <p className="form-error" role="alert" data-testid="auto-replies-problem">
            {t(problem === "noRange" ? "autoReplies.noRange" : "autoReplies.endBeforeStart")}
          </p>
        )}
        <label className="field">
          <span>{t("autoReplies.internal")}</span>
          <textarea rows={5} data-testid="auto-replies-internal" readOnly={readOnly} value={internal} onChange={(e) => {
              setInternal(e.target.value);
            }} />
        </label>
        <label className="field">
          <span>{t("autoReplies.external")}</span>
          <textarea rows={5} data-testid="auto-replies-external" readOnly={readOnly} value={external} onChange={(e) => {
              setExternal(e.target.value);
            }} />
        </label>
        <p className="muted hint">{t("autoReplies.externalHint")}</p>
        {externalLost && (
          <p className="notice" role="status" data-testid="auto-replies-external-lost">
            {t("autoReplies.externalLost")}
          </p>
        )}
        {saveError && <ErrorView error={saveError} heading={t("autoReplies.failed")} />}
        <div className="dialog-buttons">
          {!readOnly && (
            <button type="submit" className="primary" disabled={busy} data-testid="auto-replies-save">
              {busy ? t("autoReplies.saving") : t("autoReplies.save")}
            </button>
          )}
          <button type="button" data-testid="auto-replies-cancel" onClick={onClose}>
            {readOnly || externalLost ? t("mail.close") : t("mail.cancel")}
          </button>
        </div>
      </form>
    </div>
  );
}
