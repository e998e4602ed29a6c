// The automatic replies' state outside the components (AutoReplies.tsx): times between the
// dialog's local date and time fields and Unix seconds, whether the banner shows, and the main
// window's hook that keeps the last known state.
import { useEffect, useState } from "react";
import type { AutoReplies } from "../lib/bindings";
import type { Api } from "../lib/ipc";
import type { Lang } from "../lib/i18n";
import { formatDate } from "../calendar/dates";

export type AutoRepliesApi = Pick<Api, "autoReplies" | "knownAutoReplies" | "setAutoReplies">;

const pad = (n: number) => String(n).padStart(2, "0");

/** Unix seconds as the local date ("2026-12-21") and time ("08:00") of the fields. */
export function localParts(secs: number): { date: string; time: string } {
  const d = new Date(secs * 1000);
  return {
    date: `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
  };
}

/** A local date and time of the fields as Unix seconds; `null` when either is not readable. */
export function toSecs(date: string, time: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const at = new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  return Math.floor(at.getTime() / 1000);
}

/** A moment as the banner says it: "21.12.2026 08:00" / "21/12/2026 08:00". */
export function formatMoment(secs: number, lang: Lang): string {
  const p = localParts(secs);
  return `${formatDate(p.date, lang)} ${p.time}`;
}

/** Whether the banner shows: on, or a range that has not ended yet. */
export function bannerShown(s: AutoReplies | null, nowSecs = Date.now() / 1000): boolean {
  if (!s || !s.supported) return false;
  if (s.mode === "on") return true;
  return s.mode === "scheduled" && s.end !== null && s.end > nowSecs;
}

/** The replies as the main window knows them: the profile's last state at once, then the
 * server's (a failure, offline, keeps the last state). */
export function useAutoReplies(api: AutoRepliesApi): [AutoReplies | null, (s: AutoReplies) => void] {
  const [state, setState] = useState<AutoReplies | null>(null);
  useEffect(() => {
    let live = true;
    api.knownAutoReplies().then(
      (s) => {
        if (live) setState((now) => now ?? s);
      },
      () => undefined,
    );
    api.autoReplies().then(
      (s) => {
        if (live) setState(s);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);
  return [state, setState];
}

