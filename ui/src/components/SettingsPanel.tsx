import { useEffect, useState } from "react";
import type { CalendarReminderSetting, IpcError, ReminderSettings } from "../lib/bindings";
import { api as realApi, toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { statusTexts } from "../lib/sync-status";
import { folderDisplay } from "../lib/tree";
import { ErrorView } from "./ErrorView";
import { BackgroundSettings, type BackgroundApi } from "./BackgroundSettings";
import { useSyncStatus } from "../lib/use-sync-status";

export type SettingsApi = Pick<Api, "reminderSettings" | "setReminderSettings" | "reminderCalendars" | "setCalendarRemind">;

/** What the "Connection" part reads: the status bar's sync status and its changes. */
export type ConnectionApi = Pick<Api, "syncStatus" | "onSyncStatus">;

interface Props {
  api: SettingsApi;
  onClose: () => void;
  /** The account's connection state (the status bar's source). */
  sync?: ConnectionApi;
  /** Closing to the notification area and starting with the session. */
  background?: BackgroundApi;
}

/** Reminder settings: autohide on/off and its seconds (read-only with a note when policy sets
 * them), the per-calendar "remind me" switch, and the account's connection: online or not and
 * the last failure, a certificate failure with its certificate. */
export function SettingsPanel({ api, onClose, sync = realApi, background = realApi }: Props) {
  const { t } = useI18n();
  const [settings, setSettings] = useState<ReminderSettings | null>(null);
  const [autohide, setAutohide] = useState(false);
  const [seconds, setSeconds] = useState("15");
  const [calendars, setCalendars] = useState<CalendarReminderSetting[]>([]);
  const [error, setError] = useState<IpcError | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    api.reminderSettings().then(
      (s) => {
        if (!live) return;
        setSettings(s);
        setAutohide(s.autohide);
        setSeconds(String(s.autohideSeconds));
      },
      (e: unknown) => {
        if (live) setError(toIpcError(e));
      },
    );
    api.reminderCalendars().then(
      (c) => {
        if (live) setCalendars(c);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);

  const locked = settings?.locked ?? false;
  const secondsValue = Number.parseInt(seconds, 10);
  const secondsValid = Number.isInteger(secondsValue) && secondsValue >= 1 && secondsValue <= 3600;

  async function save() {
    setError(null);
    setSaved(false);
    try {
      const s = await api.setReminderSettings(autohide, secondsValue);
      setSettings(s);
      setAutohide(s.autohide);
      setSeconds(String(s.autohideSeconds));
      setSaved(true);
    } catch (e) {
      setError(toIpcError(e));
    }
  }

  async function toggleCalendar(c: CalendarReminderSetting, remind: boolean) {
    setError(null);
    try {
      await api.setCalendarRemind(c.id, remind);
      setCalendars((list) => list.map((x) => (x.id === c.id ? { ...x, remind } : x)));
    } catch (e) {
      setError(toIpcError(e));
    }
  }

  return (
    <section className="settings" data-testid="settings" aria-labelledby="settings-heading">
      <h2 id="settings-heading">{t("settings.heading")}</h2>
      <form
        className="settings-form"
        data-testid="settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!locked && secondsValid) void save();
        }}
      >
        <fieldset disabled={locked || settings === null}>
          <legend>{t("settings.reminderWindow")}</legend>
          <label className="check">
            <input
              type="checkbox"
              data-testid="autohide"
              checked={autohide}
              onChange={(e) => {
                setAutohide(e.target.checked);
                setSaved(false);
              }}
            />
            {t("settings.autohide")}
          </label>
          <label>
            {t("settings.autohideSeconds")}
            <input
              type="number"
              min={1}
              max={3600}
              data-testid="autohide-seconds"
              value={seconds}
              aria-invalid={!secondsValid}
              onChange={(e) => {
                setSeconds(e.target.value);
                setSaved(false);
              }}
            />
          </label>
          {!autohide && <p className="muted">{t("settings.autohideOffNote")}</p>}
        </fieldset>
        {locked && (
          <p className="note" data-testid="settings-locked">
            {t("settings.locked")}
          </p>
        )}
        <div className="settings-buttons">
          <button type="submit" data-testid="settings-save" disabled={locked || !secondsValid || settings === null}>
            {t("settings.save")}
          </button>
          <button type="button" data-testid="settings-close" onClick={onClose}>
            {t("settings.close")}
          </button>
          {saved && (
            <span className="muted" role="status" data-testid="settings-saved">
              {t("settings.saved")}
            </span>
          )}
        </div>
      </form>
      <fieldset className="calendar-switches" data-testid="calendar-switches">
        <legend>{t("settings.calendars")}</legend>
        {calendars.length === 0 && <p className="muted">{t("settings.noCalendars")}</p>}
        {calendars.map((c) => (
          <label key={c.id} className="check" title={folderDisplay({ name: c.name, kind: "calendar", shared: c.shared }, t).title}>
            <input
              type="checkbox"
              checked={c.remind}
              data-testid="calendar-remind"
              data-calendar={c.id}
              onChange={(e) => void toggleCalendar(c, e.target.checked)}
            />
            {folderDisplay({ name: c.name, kind: "calendar", shared: c.shared }, t).label}
            {c.shared && <span className="shared-badge">{t("tree.shared")}</span>}
          </label>
        ))}
      </fieldset>
      <BackgroundSettings api={background} />
      <Connection api={sync} />
      {error && <ErrorView error={error} heading={t("settings.failed")} />}
    </section>
  );
}

/** The account's connection as the status bar knows it, with the last error in full. */
function Connection({ api }: { api: ConnectionApi }) {
  const { t, lang } = useI18n();
  const status = useSyncStatus(api);


  return (
    <fieldset className="settings-connection" data-testid="settings-connection">
      <legend>{t("settings.connection")}</legend>
      {status !== null && (
        <p className={`status-state status-${status.state}`} data-testid="settings-connection-state">
          {statusTexts(status, t, lang).state}
        </p>
      )}
      {status?.error ? (
        <ErrorView error={status.error} heading={t("settings.connectionFailed")} />
      ) : (
        status !== null && (
          <p className="muted" data-testid="settings-connection-ok">
            {t("settings.connectionOk")}
          </p>
        )
      )}
    </fieldset>
  );
}
