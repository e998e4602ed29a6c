// Pure helpers for showing reminders: times in the user's language, counts, snooze labels.
import type { Lang, MessageKey, Translate } from "./i18n";
import type { OccurrenceKey, ReminderItem, SnoozeChoice } from "./bindings";
import { folderDisplay } from "./tree";

/** Item UID + occurrence start (RFC 3339, UTC): what identifies a reminder. */
export type ReminderId = OccurrenceKey;

/** Every snooze choice, in the order the window offers them. */
export const SNOOZE_CHOICES: SnoozeChoice[] = [
  "five_minutes",
  "ten_minutes",
  "fifteen_minutes",
  "thirty_minutes",
  "one_hour",
  "five_minutes_before_start",
];

/** A reminder's id as one string (a React key). */
export function idKey(id: ReminderId): string {
  return `${id.uid}\u0000${id.instance}`;
}

const LOCALE: Record<Lang, string> = { en: "en-GB", de: "de-DE" };

/** "Fri 27 Nov, 09:00" / "Fr., 27. Nov., 09:00" in the local time zone (or a fixed one for tests). */
export function formatTime(iso: string, lang: Lang, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE[lang], {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone,
  }).format(d);
}

export function formatDate(iso: string, lang: Lang, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALE[lang], { weekday: "short", day: "numeric", month: "short", timeZone }).format(d);
}

export function countText(count: number, t: Translate): string {
  return count === 1 ? t("reminders.countOne") : t("reminders.countMany", { count });
}

export function snoozeLabel(choice: SnoozeChoice, t: Translate): string {
  return t(`snooze.${choice}` as MessageKey);
}

/** When the item starts, as one line ("Starts Fri 27 Nov, 09:00", all-day items by date). */
export function startText(item: ReminderItem, lang: Lang, t: Translate, timeZone?: string): string | null {
  if (!item.start) return null;
  const when = item.allDay
    ? `${formatDate(item.start, lang, timeZone)} (${t("reminders.allDay")})`
    : formatTime(item.start, lang, timeZone);
  return t("reminders.startsAt", { time: when });
}

/** "Calendar: Personal Calendar" / "Task list: …": where the reminder's item lives, named as the
 * folder tree names it, with the tooltip the tree gives it. */
export function sourceText(item: Pick<ReminderItem, "calendarName" | "kind">, t: Translate): { text: string; title?: string } {
  const task = item.kind === "task";
  const { label, title } = folderDisplay({ name: item.calendarName, kind: task ? "tasks" : "calendar" }, t);
  return { text: t(task ? "reminders.taskList" : "reminders.calendar", { name: label }), title };
}
