import { useEffect, useId, useState } from "react";
import type { IpcError } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "../components/ErrorView";
import { OFFLINE_CHOICES, offlineLabel } from "./offline";

/** The commands the setting needs: read the settings in force, change one. */
export type OfflineMailApi = Pick<Api, "effectiveSettings" | "setSetting">;

/** "Mail kept offline" (Outlook's "download email for the past…"): how many months of mail the
 * computer keeps. Read-only when a policy (`MailSyncWindow`) sets it. */
export function OfflineMailSettings({ api }: { api: OfflineMailApi }) {
  const { t } = useI18n();
  const id = useId();
  const [months, setMonths] = useState<number | null>(null);
  const [locked, setLocked] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let live = true;
    api.effectiveSettings().then(
      (s) => {
        if (!live) return;
        setMonths(s.mailSyncWindow.value);
        setLocked(s.mailSyncWindow.locked);
      },
      (e: unknown) => {
        if (live) setError(toIpcError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const choose = (n: number) => {
    const before = months;
    setMonths(n);
    setSaving(true);
    setError(null);
    api.setSetting({ key: "mailSyncWindow", value: n }).then(
      (s) => {
        setMonths(s.mailSyncWindow.value);
        setSaving(false);
      },
      (e: unknown) => {
        setMonths(before);
        setSaving(false);
        setError(toIpcError(e));
      },
    );
  };

  return (
    <fieldset data-testid="offline-mail">
      <legend>{t("mail.offline.heading")}</legend>
      <label htmlFor={`${id}-months`}>{t("mail.offline.label")}</label>
      <select
        id={`${id}-months`}
        data-testid="offline-months"
        value={months ?? ""}
        disabled={months === null || saving || locked}
        aria-busy={months === null || saving}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          choose(Number(e.target.value));
        }}
      >
        {months === null && <option value="" />}
        {OFFLINE_CHOICES.map((n) => (
          <option key={n} value={n}>
            {t(offlineLabel(n))}
          </option>
        ))}
      </select>
      <p className="hint" id={`${id}-hint`}>
        {locked ? t("settings.locked") : t("mail.offline.hint")}
      </p>
      {error && <ErrorView error={error} heading={t("mail.offline.failed")} />}
    </fieldset>
  );
}
