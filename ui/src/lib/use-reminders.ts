import { useEffect, useState } from "react";
import type { ReminderSnapshot } from "./bindings";
import type { Api } from "./ipc";

/** The latest reminder snapshot, kept current by the shell's `reminders:changed` events. */
export function useReminderSnapshot(api: Pick<Api, "reminders" | "onRemindersChanged">): ReminderSnapshot | null {
  const [snap, setSnap] = useState<ReminderSnapshot | null>(null);
  useEffect(() => {
    let live = true;
    const stop = api.onRemindersChanged((s) => {
      if (live) setSnap(s);
    });
    api.reminders().then(
      (s) => {
        if (live) setSnap((old) => (old && old.generation > s.generation ? old : s));
      },
      () => undefined,
    );
    return () => {
      live = false;
      stop();
    };
  }, [api]);
  return snap;
}
