import { useEffect, useId, useState } from "react";
import type { IpcError } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "../components/ErrorView";
import type { MailPrefs } from "./prefs";
import { RemoteContentSettings, type RemoteContentApi } from "./RemoteContentSettings";
import { SignatureSettings, type PickFile, type SignatureSettingsApi } from "../compose/SignatureSettings";
import { OfflineMailSettings, type OfflineMailApi } from "./OfflineMailSettings";

/** The commands of the new-mail notification switch (kept by the core, not in the prefs), of
 * the remote content lists, and of the signatures and quote style. */
export type MailSettingsApi = Pick<Api, "newMailNotifications" | "setNewMailNotifications"> &
  RemoteContentApi &
  SignatureSettingsApi &
  OfflineMailApi;

interface Props {
  api: MailSettingsApi;
  prefs: MailPrefs;
  onPrefs: (p: MailPrefs) => void;
  /** The file dialog (a signature's picture). */
  pickFile: PickFile;
}

/** The mail part of the settings: when a message shown counts as read, whether new mail
 * shows a desktop notification, remote content, signatures and how replies quote. */
export function MailSettings({ api, prefs, onPrefs, pickFile }: Props) {
  const { t } = useI18n();
  const id = useId();
  // null until the core has answered: the switch is not shown as off before it is known.
  const [notify, setNotify] = useState<boolean | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let live = true;
    api.newMailNotifications().then(
      (on) => {
        if (live) setNotify(on);
      },
      (e: unknown) => {
        if (live) setError(toIpcError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const switchNotify = (on: boolean) => {
    const before = notify;
    setNotify(on);
    setSaving(true);
    setError(null);
    api.setNewMailNotifications(on).then(
      () => {
        setSaving(false);
      },
      (e: unknown) => {
        setNotify(before);
        setSaving(false);
        setError(toIpcError(e));
      },
    );
  };

  return (
    <section className="settings" data-testid="mail-settings">
      <h2>{t("mail.settings.heading")}</h2>
      <fieldset>
        <label className="check">
          <input
            type="checkbox"
            data-testid="notify-new-mail"
            checked={notify ?? false}
            disabled={notify === null || saving}
            aria-busy={notify === null || saving}
            onChange={(e) => {
              switchNotify(e.target.checked);
            }}
          />
          {t("mail.settings.notify")}
        </label>
      </fieldset>
      {error && <ErrorView error={error} heading={t("mail.settings.notifyFailed")} />}
      <fieldset>
        <label className="check">
          <input
            type="radio"
            name={`${id}-mark`}
            data-testid="mark-read-now"
            checked={prefs.markRead === "immediately"}
            onChange={() => {
              onPrefs({ ...prefs, markRead: "immediately" });
            }}
          />
          {t("mail.view.markReadNow")}
        </label>
        <label className="check">
          <input
            type="radio"
            name={`${id}-mark`}
            data-testid="mark-read-delay"
            checked={prefs.markRead === "delay"}
            onChange={() => {
              onPrefs({ ...prefs, markRead: "delay" });
            }}
          />
          {t("mail.view.markReadDelay", { seconds: prefs.markReadDelay })}
        </label>
        <label htmlFor={`${id}-seconds`}>{t("mail.settings.markReadSeconds")}</label>
        <input
          id={`${id}-seconds`}
          type="number"
          min={1}
          max={300}
          data-testid="mark-read-seconds"
          value={prefs.markReadDelay}
          onChange={(e) => {
            const n = Math.round(Number(e.target.value));
            if (n >= 1 && n <= 300) onPrefs({ ...prefs, markReadDelay: n });
          }}
        />
        <label className="check">
          <input
            type="radio"
            name={`${id}-mark`}
            data-testid="mark-read-never"
            checked={prefs.markRead === "never"}
            onChange={() => {
              onPrefs({ ...prefs, markRead: "never" });
            }}
          />
          {t("mail.view.markReadNever")}
        </label>
      </fieldset>
      <OfflineMailSettings api={api} />
      <RemoteContentSettings api={api} />
      <SignatureSettings api={api} pickFile={pickFile} />
    </section>
  );
}
