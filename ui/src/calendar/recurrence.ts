// The event editor's recurrence choices and RFC 5545 RRULE values, both ways. The core expands
// the rule (kontor_calendar::Recurrence); this only writes and reads what the editor offers.

export type Frequency = "none" | "daily" | "weekly" | "monthlyByDay" | "monthlyByWeekday" | "yearly";
export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU";
export const WEEKDAYS: readonly Weekday[] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

export type RecurrenceEnd = { kind: "never" } | { kind: "count"; count: number } | { kind: "until"; date: string };

export interface Recurrence {
  frequency: Frequency;
  /** Every n days, weeks, months or years (≥ 1). */
  interval: number;
  /** Weekly: the days it falls on. */
  days: Weekday[];
  /** Monthly on a day: the day of the month (1–31). */
  monthDay: number;
  /** Monthly on a weekday: which one (1–4, or -1 for the last) and the weekday. */
  ordinal: number;
  weekday: Weekday;
  /** Yearly: the month (1–12) and day. */
  month: number;
  end: RecurrenceEnd;
}

/** JavaScript's getDay() (0 = Sunday) as an iCalendar weekday. */
export function weekdayOf(d: Date): Weekday {
  return (["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const)[d.getDay()] ?? "MO";
}

/** The ordinal of `d`'s weekday in its month: 1–4, or -1 when it is the last one. */
export function ordinalOf(d: Date): number {
  const n = Math.floor((d.getDate() - 1) / 7) + 1;
  const next = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 7);
  return next.getMonth() !== d.getMonth() ? -1 : n;
}

/** No recurrence, with the other fields taken from the start date (what the editor shows when
 * the user picks a frequency). */
export function defaultRecurrence(start: Date): Recurrence {
  return {
    frequency: "none",
    interval: 1,
    days: [weekdayOf(start)],
    monthDay: start.getDate(),
    ordinal: ordinalOf(start),
    weekday: weekdayOf(start),
    month: start.getMonth() + 1,
    end: { kind: "never" },
  };
}

/** The UNTIL of a last day ("2026-12-31"): the date for an all-day event; for a timed one the
 * day's last second in the user's zone, in UTC (RFC 5545 3.3.10: UNTIL has DTSTART's type). */
function untilValue(date: string, allDay: boolean): string {
  if (allDay) return date.replaceAll("-", "");
  const [y, m, d] = date.split("-").map(Number);
  const end = new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1, 23, 59, 59);
  return end.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** The RRULE value for a choice; `null` for no recurrence. */
export function toRRule(r: Recurrence, allDay = false): string | null {
  const parts: string[] = [];
  switch (r.frequency) {
    case "none":
      return null;
    case "daily":
      parts.push("FREQ=DAILY");
      break;
    case "weekly":
      parts.push("FREQ=WEEKLY");
      break;
    case "monthlyByDay":
    case "monthlyByWeekday":
      parts.push("FREQ=MONTHLY");
      break;
    case "yearly":
      parts.push("FREQ=YEARLY");
      break;
  }
  const interval = Math.max(1, Math.floor(r.interval));
  if (interval > 1) parts.push(`INTERVAL=${String(interval)}`);
  if (r.frequency === "weekly" && r.days.length > 0) {
    parts.push(`BYDAY=${WEEKDAYS.filter((d) => r.days.includes(d)).join(",")}`);
  }
  if (r.frequency === "monthlyByDay") parts.push(`BYMONTHDAY=${String(r.monthDay)}`);
  if (r.frequency === "monthlyByWeekday") parts.push(`BYDAY=${String(r.ordinal)}${r.weekday}`);
  if (r.frequency === "yearly") parts.push(`BYMONTH=${String(r.month)}`, `BYMONTHDAY=${String(r.monthDay)}`);
  if (r.end.kind === "count") parts.push(`COUNT=${String(Math.max(1, Math.floor(r.end.count)))}`);
  if (r.end.kind === "until") parts.push(`UNTIL=${untilValue(r.end.date, allDay)}`);
  return parts.join(";");
}

/** A rule the editor can show, read back into its choices; `null` when the rule uses parts the
 * editor does not offer (the editor then keeps the rule as it is and says so). */
export function fromRRule(rule: string | null, start: Date): Recurrence | null {
  const base = defaultRecurrence(start);
  if (!rule?.trim()) return base;
  const map = new Map<string, string>();
  for (const part of rule.trim().replace(/^RRULE:/i, "").split(";")) {
    const [k, v] = part.split("=");
    if (!k || v === undefined) return null;
    map.set(k.toUpperCase(), v.toUpperCase());
  }
  const take = (k: string) => {
    const v = map.get(k);
    map.delete(k);
    return v;
  };
  const freq = take("FREQ");
  const interval = Number(take("INTERVAL") ?? "1");
  if (!Number.isInteger(interval) || interval < 1) return null;
  const out: Recurrence = { ...base, interval };
  const count = take("COUNT");
  const until = take("UNTIL");
  if (count !== undefined && until !== undefined) return null;
  if (count !== undefined) {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 1) return null;
    out.end = { kind: "count", count: n };
  } else if (until !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(until);
    if (!m) return null;
    let date = `${m[1] ?? ""}-${m[2] ?? ""}-${m[3] ?? ""}`;
    if (m[4] && m[7] === "Z") {
      // A UTC instant: the user's local day it falls on.
      const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
      const p = (n: number) => String(n).padStart(2, "0");
      date = `${String(t.getFullYear())}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
    }
    out.end = { kind: "until", date };
  }
  const byDay = take("BYDAY");
  const byMonthDay = take("BYMONTHDAY");
  const byMonth = take("BYMONTH");
  take("WKST");
  if (map.size > 0) return null;
  const isDay = (d: string): d is Weekday => (WEEKDAYS as readonly string[]).includes(d);
  switch (freq) {
    case "DAILY":
      if (byDay || byMonthDay || byMonth) return null;
      out.frequency = "daily";
      return out;
    case "WEEKLY": {
      if (byMonthDay || byMonth) return null;
      const days = byDay ? byDay.split(",") : [base.weekday];
      if (!days.every(isDay)) return null;
      out.frequency = "weekly";
      out.days = days;
      return out;
    }
    case "MONTHLY": {
      if (byMonth) return null;
      if (byDay && !byMonthDay) {
        const m = /^(-1|[1-4])(MO|TU|WE|TH|FR|SA|SU)$/.exec(byDay);
        if (!m?.[1] || !m[2] || !isDay(m[2])) return null;
        out.frequency = "monthlyByWeekday";
        out.ordinal = Number(m[1]);
        out.weekday = m[2];
        return out;
      }
      if (byDay) return null;
      const day = Number(byMonthDay ?? String(start.getDate()));
      if (!Number.isInteger(day) || day < 1 || day > 31) return null;
      out.frequency = "monthlyByDay";
      out.monthDay = day;
      return out;
    }
    case "YEARLY": {
      if (byDay) return null;
      const month = Number(byMonth ?? String(start.getMonth() + 1));
      const day = Number(byMonthDay ?? String(start.getDate()));
      if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(day) || day < 1 || day > 31) return null;
      out.frequency = "yearly";
      out.month = month;
      out.monthDay = day;
      return out;
    }
    default:
      return null;
  }
}
