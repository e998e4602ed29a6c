import { useCallback, useEffect, useMemo, useState } from "react";
import type { IpcError, ReminderItem, ReminderSnapshot } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { countText, sourceText, startText } from "../lib/reminders";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";
import { ReminderList, type ReminderActions } from "./ReminderList";

export type MainRemindersApi = Pick<
  Api,
  "reminders" | "onRemindersChanged" | "onRemindersOpen" | "reminderDismiss" | "reminderSnooze" | "reminderOpen"
>;

/** The badge in the main window's toolbar: how many reminders are active. */
export function ReminderBadge({ count, onClick }: { count: number; onClick: () => void }) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      className={`reminder-badge${count > 0 ? " active" : ""}`}
      data-testid="reminders-badge"
      data-count={count}
      title={countText(count, t)}
      aria-label={countText(count, t)}
      onClick={onClick}
    >
      {t("main.reminders")} <span className="count">{count}</span>
    </button>
  );
}

interface Props {
  api: MainRemindersApi;
  snapshot: ReminderSnapshot | null;
  timeZone?: string;
}

/** Active reminders in the main window (also while the reminder window is hidden), and the
 * item last opened from a reminder. */
export function RemindersPanel({ api, snapshot, timeZone }: Props) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<IpcError | null>(null);
  const [opened, setOpened] = useState<ReminderItem | null>(null);

  useEffect(() => api.onRemindersOpen(setOpened), [api]);

  const run = useCallback((p: Promise<unknown>) => {
    setError(null);
    p.catch((e: unknown) => {
      setError(toIpcError(e));
    });
  }, []);

  const actions = useMemo<ReminderActions>(
    () => ({
      dismiss: (id) => {
        run(api.reminderDismiss(id));
      },
      snooze: (id, choice) => {
        run(api.reminderSnooze(id, choice));
      },
      open: (id) => {
        api.reminderOpen(id).then(setOpened, (e: unknown) => {
          setError(toIpcError(e));
        });
      },
    }),
    [api, run],
  );

  const active = snapshot?.active ?? [];
  return (
    <section className="reminders-panel" data-testid="main-reminders" data-count={active.length}>
      <h2>
        {t("reminders.listHeading")} <span className="muted">({active.length})</span>
      </h2>
      {error && <ErrorView error={error} heading={t("reminders.failed")} />}
      <ReminderList items={active} actions={actions} timeZone={timeZone} testId="main-reminder-list" />
      {opened && (
        <article className="opened-item" data-testid="opened-item" data-uid={opened.id.uid}>
          <p className="muted">{t("reminders.opened")}</p>
          <h3>{opened.title}</h3>
          {startText(opened, lang, t, timeZone) && <p>{startText(opened, lang, t, timeZone)}</p>}
          {opened.location && <p>{t("reminders.location", { location: opened.location })}</p>}
          <p title={sourceText(opened, t).title}>{sourceText(opened, t).text}</p>
        </article>
      )}
    </section>
  );
}
