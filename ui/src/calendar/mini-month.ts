// Dates for the month picker (MiniMonth.tsx): local days at midnight, weeks from Monday.

export function startOfMonth(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), 1);
}

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** Six weeks of seven days (Monday first) that hold the month of `month`: the picker keeps
 * the same height from month to month. */
export function monthGrid(month: Date): Date[][] {
  const first = startOfMonth(month);
  // Days back to the Monday on or before the first (getDay: 0 = Sunday).
  const back = (first.getDay() + 6) % 7;
  const weeks: Date[][] = [];
  for (let w = 0; w < 6; w++) {
    const week: Date[] = [];
    for (let i = 0; i < 7; i++) week.push(new Date(first.getFullYear(), first.getMonth(), 1 - back + w * 7 + i));
    weeks.push(week);
  }
  return weeks;
}

/** The ISO 8601 week number of a day (weeks from Monday; week 1 holds the year's first
 * Thursday), as German calendars show it ("KW 49"). */
export function isoWeek(d: Date): number {
  const day = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  // The Thursday of the day's week decides the year.
  const weekday = (day.getUTCDay() + 6) % 7;
  day.setUTCDate(day.getUTCDate() - weekday + 3);
  const firstThursday = new Date(Date.UTC(day.getUTCFullYear(), 0, 4));
  const firstWeekday = (firstThursday.getUTCDay() + 6) % 7;
  firstThursday.setUTCDate(firstThursday.getUTCDate() - firstWeekday + 3);
  return 1 + Math.round((day.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
}
