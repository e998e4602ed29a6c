// The calendar list beside the views: own calendars, then colleagues', each with its colour, a
// checkbox to show it, and a lock when it is read-only.
import type { CalendarEntry } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { LockIcon } from "../mail/icons";
import { calendarLabel } from "./calendar";

interface Props {
  calendars: CalendarEntry[];
  onShown: (c: CalendarEntry, shown: boolean) => void;
  onColor: (c: CalendarEntry, color: string) => void;
}

export function CalendarList({ calendars, onShown, onColor }: Props) {
  const { t } = useI18n();
  const groups: { label: string; items: CalendarEntry[]; testId: string }[] = [
    { label: t("cal.list.own"), items: calendars.filter((c) => !c.shared), testId: "cal-list-own" },
    { label: t("cal.list.shared"), items: calendars.filter((c) => c.shared), testId: "cal-list-shared" },
  ];
  return (
    <div className="calendar-list" data-testid="calendar-list">
      {groups
        .filter((g) => g.items.length > 0)
        .map((g) => (
          <section key={g.testId} data-testid={g.testId}>
            <h3>{g.label}</h3>
            <ul>
              {g.items.map((c) => {
                const { label, title } = calendarLabel(c, t);
                return (
                <li key={c.id} data-testid="cal-list-item" data-calendar={c.id}>
                  <label title={title ?? label}>
                    <input
                      type="checkbox"
                      data-testid="cal-shown"
                      checked={c.shown}
                      onChange={(e) => {
                        onShown(c, e.target.checked);
                      }}
                    />
                    <span className="cal-name">{label}</span>
                  </label>
                  {c.readOnly && (
                    <span className="lock" role="img" aria-label={t("cal.readOnly")} title={t("cal.readOnly")} data-testid="cal-readonly">
                      <LockIcon />
                    </span>
                  )}
                  <input
                    type="color"
                    className="cal-color"
                    data-testid="cal-color"
                    aria-label={t("cal.color", { name: label })}
                    title={t("cal.color", { name: label })}
                    value={c.color}
                    onChange={(e) => {
                      onColor(c, e.target.value);
                    }}
                  />
                </li>
                );
              })}
            </ul>
          </section>
        ))}
    </div>
  );
}
