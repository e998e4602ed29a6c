import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { IpcError, ReminderSnapshot, SnoozeChoice } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { countText, type ReminderId } from "../lib/reminders";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";
import { ReminderList, type ReminderActions } from "./ReminderList";

/** The reminder commands and events the reminder window uses. */
export type ReminderWindowApi = Pick<
  Api,
  | "reminders"
  | "onRemindersChanged"
  | "reminderDismiss"
  | "reminderSnooze"
  | "reminderDismissAll"
  | "reminderInteracted"
  | "reminderOpen"
>;

interface Props {
  api: ReminderWindowApi;
  timeZone?: string;
}

/** The reminder window's page (`index.html#reminders`). Whether the window is on screen is the
 * core's decision (docs/reminders.md#window-semantics); this page lists, answers, and reports every
 * touch so the autohide countdown restarts. */
export function ReminderWindow({ api, timeZone }: Props) {
  const { t } = useI18n();
  const [snap, setSnap] = useState<ReminderSnapshot | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const lastTouch = useRef(0);

  useEffect(() => {
    let live = true;
    const stop = api.onRemindersChanged((s) => {
      if (live) setSnap(s);
    });
    api.reminders().then(
      (s) => {
        if (live) setSnap((old) => (old && old.generation > s.generation ? old : s));
      },
      (e: unknown) => {
        if (live) setError(toIpcError(e));
      },
    );
    return () => {
      live = false;
      stop();
    };
  }, [api]);

  useEffect(() => {
    document.title = t("reminders.windowTitle");
  }, [t]);

  const touched = useCallback(() => {
    const now = Date.now();
    if (now - lastTouch.current < 1000) return;
    lastTouch.current = now;
    api.reminderInteracted().catch(() => undefined);
  }, [api]);

  const run = useCallback(
    (p: Promise<unknown>) => {
      setError(null);
      p.then(
        (s) => {
          if (s && typeof s === "object" && "generation" in s) setSnap(s as ReminderSnapshot);
        },
        (e: unknown) => {
          setError(toIpcError(e));
        },
      );
    },
    [],
  );

  const actions = useMemo<ReminderActions>(
    () => ({
      dismiss: (id: ReminderId) => {
        run(api.reminderDismiss(id));
      },
      snooze: (id: ReminderId, choice: SnoozeChoice) => {
        run(api.reminderSnooze(id, choice));
      },
      open: (id: ReminderId) => {
        run(api.reminderOpen(id));
      },
    }),
    [api, run],
  );

  const listed = snap?.listed ?? [];
  return (
    <div
      className="reminder-window"
      data-testid="reminder-window"
      data-generation={snap?.generation ?? -1}
      onPointerDown={touched}
      onKeyDown={touched}
      onWheel={touched}
    >
      <header className="reminder-window-head">
        <h1>{t("reminders.windowTitle")}</h1>
        <span className="muted" data-testid="reminder-count">
          {countText(listed.length, t)}
        </span>
      </header>
      {error && <ErrorView error={error} heading={t("reminders.failed")} />}
      <ReminderList items={listed} actions={actions} timeZone={timeZone} />
      <footer className="reminder-window-foot">
        <button
          type="button"
          data-testid="reminder-dismiss-all"
          disabled={listed.length === 0}
          onClick={() => {
            run(api.reminderDismissAll());
          }}
        >
          {t("reminders.dismissAll")}
        </button>
      </footer>
    </div>
  );
}
