import { useId } from "react";
import { useI18n } from "../lib/i18n-context";
import type { MailPrefs } from "./prefs";

/** The mail part of the settings: when a message shown counts as read. */
export function MailSettings({ prefs, onPrefs }: { prefs: MailPrefs; onPrefs: (p: MailPrefs) => void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <section className="settings" data-testid="mail-settings">
      <h2>{t("mail.settings.heading")}</h2>
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
    </section>
  );
}
