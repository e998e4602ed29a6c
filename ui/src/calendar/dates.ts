// Dates and times in the dialog's text fields, in the UI's language rather than the system's
// (a date input follows the process locale: "12/05/2026" in a German window under LANG=C).
// German "08.12.2026", English (British, as the views) "08/12/2026"; times 24-hour in both.
import type { Lang } from "../lib/i18n";

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO date ("2026-12-08") as the language writes it; "" stays "". */
export function formatDate(iso: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  return lang === "de" ? `${m[3] ?? ""}.${m[2] ?? ""}.${m[1] ?? ""}` : `${m[3] ?? ""}/${m[2] ?? ""}/${m[1] ?? ""}`;
}

/** What the date field shows when empty. */
export function datePattern(lang: Lang): string {
  return lang === "de" ? "TT.MM.JJJJ" : "DD/MM/YYYY";
}

/** A typed date as an ISO date, or `null`. Day first in both languages ("8.12.2026",
 * "08/12/26", "8.12." for this year), or ISO ("2026-12-08"). */
export function parseDate(text: string, now = new Date()): string | null {
  const s = text.trim();
  let y: number, mo: number, d: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  const dmy = /^(\d{1,2})[./\- ](\d{1,2})(?:[./\- ](\d{2}|\d{4}))?[.]?$/.exec(s);
  if (iso) {
    [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (dmy) {
    d = Number(dmy[1]);
    mo = Number(dmy[2]);
    y = dmy[3] === undefined ? now.getFullYear() : dmy[3].length === 2 ? 2000 + Number(dmy[3]) : Number(dmy[3]);
  } else {
    return null;
  }
  const date = new Date(y, mo - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return `${String(y)}-${pad(mo)}-${pad(d)}`;
}

/** A typed time ("9:30", "09.30", "0930", "9") as "HH:MM", or `null`. */
export function parseTime(text: string): string | null {
  const m = /^(\d{1,2})(?:[:.]?(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2] ?? "0");
  if (h > 23 || min > 59) return null;
  return `${pad(h)}:${pad(min)}`;
}
