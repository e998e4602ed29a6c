import { useEffect, useState } from "react";
import type { ReminderSnapshot, RemindersApi } from "./reminders-api";

/** The latest reminder snapshot, kept current by the shell's `reminders:changed` events. */
export function useReminderSnapshot(api: Pick<RemindersApi, "snapshot" | "onChanged">): ReminderSnapshot | null {
  const [snap, setSnap] = useState<ReminderSnapshot | null>(null);
  useEffect(() => {
    let live = true;
    const stop = api.onChanged((s) => {
      if (live) setSnap(s);
    });
    api.snapshot().then(
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
