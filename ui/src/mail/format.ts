// Dates, sizes and date groups of the message list, in the UI's language (Intl, local time).
import type { Lang, MessageKey } from "../lib/i18n";

export const LOCALE: Record<Lang, string> = { en: "en-GB", de: "de-DE" };

const DAY_MS = 86_400_000;

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** Whole calendar days from `d` to `now` (0 = today, 1 = yesterday; negative = future). */
export function daysAgo(d: Date, now: Date): number {
  return Math.round((startOfDay(now).getTime() - startOfDay(d).getTime()) / DAY_MS);
}

/** Monday-based weekday: 0 = Monday … 6 = Sunday. */
function weekday(d: Date): number {
  return (d.getDay() + 6) % 7;
}

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(lang: Lang, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${lang}${JSON.stringify(options)}`;
  let f = cache.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE[lang], options);
    cache.set(id, f);
  }
  return f;
}

/** The list's date cell: "14:03" today, "Mo 14:03" within the last week, "12.05.2026" older
 * ("14:03", "Mon 14:03", "12/05/2026" in English). */
export function formatListDate(unixSeconds: number, now: Date, lang: Lang): string {
  const d = new Date(unixSeconds * 1000);
  const days = daysAgo(d, now);
  const time = fmt(lang, { hour: "2-digit", minute: "2-digit" }).format(d);
  if (days <= 0) return time;
  if (days < 7) {
    // German short weekdays carry a dot ("Mo."); the list shows them without, as Outlook does.
    const day = fmt(lang, { weekday: "short" }).format(d).replace(/\.$/, "");
    return `${day} ${time}`;
  }
  return fmt(lang, { day: "2-digit", month: "2-digit", year: "numeric" }).format(d);
}

/** Date and time in full, for the reader's header and tooltips. */
export function formatFullDate(unixSeconds: number, lang: Lang): string {
  return fmt(lang, { weekday: "short", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(
    new Date(unixSeconds * 1000),
  );
}

export type DateGroup = "today" | "yesterday" | "thisWeek" | "lastWeek" | "older";

export const GROUP_LABEL: Record<DateGroup, MessageKey> = {
  today: "mail.group.today",
  yesterday: "mail.group.yesterday",
  thisWeek: "mail.group.thisWeek",
  lastWeek: "mail.group.lastWeek",
  older: "mail.group.older",
};

/** Outlook's date groups: today, yesterday, earlier this week (from Monday), last week, older.
 * A date in the future (a sender's wrong clock) counts as today. */
export function dateGroup(unixSeconds: number, now: Date): DateGroup {
  const d = new Date(unixSeconds * 1000);
  const days = daysAgo(d, now);
  if (days <= 0) return "today";
  if (days === 1) return "yesterday";
  const sinceMonday = weekday(now);
  if (days <= sinceMonday) return "thisWeek";
  if (days <= sinceMonday + 7) return "lastWeek";
  return "older";
}

/** "12 KB", "1.5 MB" / "12 KB", "1,5 MB". */
export function formatSize(bytes: number, lang: Lang): string {
  const [value, unit] =
    bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), "megabyte"] : [Math.max(1, Math.round(bytes / 1024)), "kilobyte"];
  const id = `${lang}${unit}`;
  let f = sizeFormats.get(id);
  if (!f) {
    f = new Intl.NumberFormat(LOCALE[lang], {
      style: "unit",
      unit,
      unitDisplay: "short",
      maximumFractionDigits: unit === "megabyte" ? 1 : 0,
    });
    sizeFormats.set(id, f);
  }
  return f.format(value);
}

// Making an Intl formatter costs far more than using one, and the list formats every row it
// draws on every render (a held arrow key: 30 times a second), so they are made once.
const sizeFormats = new Map<string, Intl.NumberFormat>();
const pluralRules = new Map<Lang, Intl.PluralRules>();

/** Intl's plural category, narrowed to the two forms English and German have. */
export function pluralForm(n: number, lang: Lang): "one" | "other" {
  let rules = pluralRules.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(LOCALE[lang]);
    pluralRules.set(lang, rules);
  }
  return rules.select(n) === "one" ? "one" : "other";
}

/** An attachment the calendar can import: an iCalendar file. */
export function isCalendarFile(a: { name: string; contentType: string }): boolean {
  return /\.(ics|ical|ifb|vcs)$/i.test(a.name) || /^(text|application)\/(calendar|ics)\b/i.test(a.contentType);
}
