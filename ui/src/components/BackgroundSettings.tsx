import { useEffect, useId, useState } from "react";
import type { EffectiveSettings, IpcError, SettingChange } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";

/** The commands the part needs: read the settings in force, change one. */
export type BackgroundApi = Pick<Api, "effectiveSettings" | "setSetting">;

type Flags = Pick<EffectiveSettings, "closeToTray" | "autostart">;

/** "Running in the background": whether closing the window keeps Kontor in the notification
 * area (on by default, so reminders keep coming), and whether it starts with the user's
 * session. Each is read-only when a policy (`CloseToTray`, `Autostart`) sets it. */
export function BackgroundSettings({ api }: { api: BackgroundApi }) {
  const { t } = useI18n();
  const id = useId();
  const [flags, setFlags] = useState<Flags | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let live = true;
    api.effectiveSettings().then(
      (s) => {
        if (live) setFlags({ closeToTray: s.closeToTray, autostart: s.autostart });
      },
      (e: unknown) => {
        if (live) setError(toIpcError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const change = (c: SettingChange) => {
    setSaving(true);
    setError(null);
    api.setSetting(c).then(
      (s) => {
        setFlags({ closeToTray: s.closeToTray, autostart: s.autostart });
        setSaving(false);
      },
      (e: unknown) => {
        setSaving(false);
        setError(toIpcError(e));
      },
    );
  };

  const anyLocked = flags !== null && (flags.closeToTray.locked || flags.autostart.locked);
  return (
    <fieldset data-testid="background-settings" aria-busy={flags === null || saving}>
      <legend>{t("settings.background")}</legend>
      <label className="check">
        <input
          type="checkbox"
          data-testid="close-to-tray"
          checked={flags?.closeToTray.value ?? false}
          disabled={flags === null || saving || flags.closeToTray.locked}
          aria-describedby={`${id}-tray`}
          onChange={(e) => {
            change({ key: "closeToTray", value: e.target.checked });
          }}
        />
        {t("settings.closeToTray")}
      </label>
      <p className="hint" id={`${id}-tray`}>
        {t("settings.closeToTray.hint")}
      </p>
      <label className="check">
        <input
          type="checkbox"
          data-testid="autostart"
          checked={flags?.autostart.value ?? false}
          disabled={flags === null || saving || flags.autostart.locked}
          onChange={(e) => {
            change({ key: "autostart", value: e.target.checked });
          }}
        />
        {t("settings.autostart")}
      </label>
      {anyLocked && (
        <p className="hint" data-testid="background-locked">
          {t("settings.locked")}
        </p>
      )}
      {error && <ErrorView error={error} heading={t("settings.background.failed")} />}
    </fieldset>
  );
}
