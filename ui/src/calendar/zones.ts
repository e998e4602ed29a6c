// Time zones in the event dialog: the user's own (the system's, as the core's), a short list of
// the zones offices meet in, and wall-clock times of another zone turned into instants and back
// with the platform's time zone data (Intl), so a meeting "10:00 New York" is stored as such.

/** The user's zone (the system's; what the core places floating times in). */
export function userZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether `zone` is UTC by another name. */
export function isUtc(zone: string): boolean {
  return /^(etc\/)?(utc|gmt|uct|zulu|universal|z)([+-]0{1,2}(:?00)?)?$/i.test(zone.trim());
}

/** Whether the platform knows `zone` by that name (an IANA name; a Windows name such as
 * "W. Europe Standard Time", which the core also reads, is not one). */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zones the dialog offers besides the user's own and the appointment's. */
export const COMMON_ZONES: readonly string[] = [
  "Europe/Berlin",
  "Europe/Vienna",
  "Europe/Zurich",
  "Europe/London",
  "Europe/Paris",
  "Europe/Amsterdam",
  "Europe/Warsaw",
  "Europe/Helsinki",
  "Europe/Istanbul",
  "Europe/Moscow",
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Sao_Paulo",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Shanghai",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Pacific/Auckland",
  "UTC",
];

/** The zones to offer: the user's first, then `extra` (the appointment's), then the common ones. */
export function zoneChoices(extra: string | null | undefined): string[] {
  const out = [userZone()];
  for (const z of [extra, ...COMMON_ZONES]) if (z && !out.includes(z)) out.push(z);
  return out;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The wall-clock date ("2026-12-08") and time ("10:00") of `at` in `zone`. */
export function wallClock(at: Date, zone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year ?? ""}-${parts.month ?? ""}-${parts.day ?? ""}`, time: `${parts.hour ?? ""}:${parts.minute ?? ""}` };
}

/** `zone`'s offset from UTC at `at`, in minutes. */
function offsetMinutes(at: Date, zone: string): number {
  const w = wallClock(at, zone);
  const [y, m, d] = w.date.split("-").map(Number);
  const [hh, mm] = w.time.split(":").map(Number);
  const asUtc = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0);
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/** The instant a wall-clock date ("2026-12-08") and time ("10:00") in `zone` stand for, or
 * `null` when they cannot be read. A time the clocks skip (spring forward) lands an hour on. */
export function instantIn(date: string, time: string, zone: string): Date | null {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  if (!y || !m || !d || hh === undefined || mm === undefined || Number.isNaN(hh) || Number.isNaN(mm)) return null;
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let at = guess - offsetMinutes(new Date(guess), zone) * 60_000;
  // Near a DST change the offset at the result may differ from the guess's: once more.
  at = guess - offsetMinutes(new Date(at), zone) * 60_000;
  return new Date(at);
}

/** `at` as "HH:MM" in the user's zone. */
export function localTime(at: Date): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
