// The small month picker under the calendar list (Outlook's date navigator): a month of days
// from Monday with ISO week numbers, the range the calendar shows marked, today circled.
// Clicking a day shows it in the current view; the arrows page the picker's month only.
import { useState } from "react";
import { useI18n } from "../lib/i18n-context";
import { LOCALE } from "../mail/format";
import { isoWeek, monthGrid, sameDay, startOfMonth } from "./mini-month";

interface Props {
  /** The range the calendar shows: [start, end), local days. */
  range: { start: Date; end: Date } | null;
  onPick: (day: Date) => void;
  /** Today (a test passes its own). */
  today?: Date;
}

export function MiniMonth({ range, onPick, today = new Date() }: Props) {
  const { t, lang } = useI18n();
  // The month shown: the calendar's (its range's middle day), until the arrows page away; a
  // new range of the calendar brings the picker back to it.
  const rangeMonth = range ? startOfMonth(new Date((range.start.getTime() + range.end.getTime()) / 2)) : startOfMonth(today);
  const rangeKey = range ? range.start.getTime() : 0;
  const [paged, setPaged] = useState<{ from: number; month: Date } | null>(null);
  const month = paged && paged.from === rangeKey ? paged.month : rangeMonth;
  const page = (by: number) => {
    setPaged({ from: rangeKey, month: new Date(month.getFullYear(), month.getMonth() + by, 1) });
  };
  const locale = LOCALE[lang];
  const title = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(month);
  const dayName = new Intl.DateTimeFormat(locale, { weekday: "short" });
  const full = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const weeks = monthGrid(month);
  const inRange = (d: Date) => range !== null && d.getTime() >= range.start.getTime() && d.getTime() < range.end.getTime();

  return (
    <section className="mini-month" aria-label={t("cal.mini.label")} data-testid="mini-month">
      <div className="mini-month-head">
        <button type="button" className="mini-month-nav" data-testid="mini-prev" aria-label={t("cal.mini.prev")} title={t("cal.mini.prev")} onClick={() => { page(-1); }}>
          ‹
        </button>
        <span className="mini-month-title" data-testid="mini-title" aria-live="polite">
          {title}
        </span>
        <button type="button" className="mini-month-nav" data-testid="mini-next" aria-label={t("cal.mini.next")} title={t("cal.mini.next")} onClick={() => { page(1); }}>
          ›
        </button>
      </div>
      <table className="mini-month-grid" role="grid">
        <thead>
          <tr>
            <th scope="col" className="mini-week" title={t("cal.mini.weekTitle")}>
              {t("cal.mini.week")}
            </th>
            {weeks[0]?.map((d) => (
              <th scope="col" key={d.getDay()} aria-label={new Intl.DateTimeFormat(locale, { weekday: "long" }).format(d)}>
                {dayName.format(d).replace(/\.$/, "").slice(0, 2)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week[0]?.getTime()}>
              <th scope="row" className="mini-week">
                {week[0] ? isoWeek(week[0]) : ""}
              </th>
              {week.map((d) => {
                const classes = ["mini-day", d.getMonth() !== month.getMonth() ? "other" : "", inRange(d) ? "shown" : "", sameDay(d, today) ? "today" : ""];
                return (
                  <td key={d.getTime()}>
                    <button
                      type="button"
                      className={classes.filter(Boolean).join(" ")}
                      data-testid="mini-day"
                      data-date={`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`}
                      aria-label={full.format(d)}
                      aria-current={sameDay(d, today) ? "date" : undefined}
                      aria-pressed={inRange(d)}
                      onClick={() => { onPick(d); }}
                    >
                      {d.getDate()}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
