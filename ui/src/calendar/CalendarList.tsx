// The calendar list beside the views: own calendars, then colleagues', each with its colour, a
// checkbox to show it, a lock when it is read-only, and its "remind me" switch (a bell). Under the colleagues' calendars, "Open
// calendar…", under the own ones "Import .ics file…"; each calendar has a menu (⋯, or a
// right-click) to export it as an .ics file and, for one the user opened, to remove it.
import { useState } from "react";
import type { CalendarEntry } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { BellIcon, LockIcon } from "../mail/icons";
import { Menu, type MenuItem } from "../components/Menu";
import { ContextMenu } from "../mail/Dialogs";
import { calendarLabel } from "./calendar";

interface Props {
  calendars: CalendarEntry[];
  onShown: (c: CalendarEntry, shown: boolean) => void;
  onColor: (c: CalendarEntry, color: string) => void;
  /** "Open calendar…" (left out when not given). */
  onOpenCalendar?: () => void;
  /** Removes a calendar the user opened (`removable`). */
  onRemove?: (c: CalendarEntry) => void;
  /** Saves a calendar's appointments as an .ics file. */
  onExport?: (c: CalendarEntry) => void;
  /** "Import .ics file…" under the own calendars (left out when not given). */
  onImport?: () => void;
  /** Whether its appointments remind (by the calendar's `key`); unknown ones show no switch. */
  remind?: ReadonlyMap<string, boolean>;
  onRemind?: (c: CalendarEntry, on: boolean) => void;
}

export function CalendarList({ calendars, onShown, onColor, onOpenCalendar, onRemove, onExport, onImport, remind, onRemind }: Props) {
  const { t } = useI18n();
  // A calendar's menu (⋯ or a right-click): export, and remove for one the user opened.
  const actions = (c: CalendarEntry): MenuItem[] => [
    ...(onExport
      ? [
          {
            id: "export",
            label: t("cal.export.calendar"),
            testId: "cal-export",
            onSelect: () => {
              onExport(c);
            },
          },
        ]
      : []),
    ...(c.removable && onRemove
      ? [
          {
            id: "remove",
            label: t("cal.list.remove"),
            testId: "cal-remove",
            onSelect: () => {
              onRemove(c);
            },
          },
        ]
      : []),
  ];
  const [context, setContext] = useState<{ c: CalendarEntry; x: number; y: number } | null>(null);
  const groups: { label: string; items: CalendarEntry[]; testId: string }[] = [
    { label: t("cal.list.own"), items: calendars.filter((c) => !c.shared), testId: "cal-list-own" },
    { label: t("cal.list.shared"), items: calendars.filter((c) => c.shared), testId: "cal-list-shared" },
  ];
  return (
    <div className="calendar-list" data-testid="calendar-list">
      {groups
        .filter((g) => g.items.length > 0 || (g.testId === "cal-list-shared" && onOpenCalendar))
        .map((g) => (
          <section key={g.testId} data-testid={g.testId}>
            <h3>{g.label}</h3>
            <ul>
              {g.items.map((c) => {
                const { label, title } = calendarLabel(c, t);
                return (
                <li
                  key={c.id}
                  data-testid="cal-list-item"
                  data-calendar={c.id}
                  onContextMenu={
                    actions(c).length > 0
                      ? (e) => {
                          e.preventDefault();
                          setContext({ c, x: e.clientX, y: e.clientY });
                        }
                      : undefined
                  }
                >
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
                  {onRemind && remind?.has(c.key) && (
                    <button
                      type="button"
                      className={`cal-remind${remind.get(c.key) ? " on" : ""}`}
                      data-testid="cal-remind"
                      aria-pressed={remind.get(c.key) === true}
                      aria-label={t("cal.remind", { name: label })}
                      title={t(remind.get(c.key) ? "cal.remind.on" : "cal.remind.off", { name: label })}
                      onClick={() => {
                        onRemind(c, !remind.get(c.key));
                      }}
                    >
                      <BellIcon off={!remind.get(c.key)} />
                    </button>
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
                  {actions(c).length > 0 && (
                    <Menu className="cal-actions" label="⋯" title={t("cal.list.actions", { name: label })} testId="cal-actions" items={actions(c)} />
                  )}
                </li>
                );
              })}
            </ul>
            {g.testId === "cal-list-own" && onImport && (
              <button type="button" className="cal-open" data-testid="cal-import" onClick={onImport}>
                {t("cal.import.button")}
              </button>
            )}
            {g.testId === "cal-list-shared" && onOpenCalendar && (
              <button type="button" className="cal-open" data-testid="cal-open" onClick={onOpenCalendar}>
                {t("cal.open.button")}
              </button>
            )}
          </section>
        ))}
      {context && (
        <ContextMenu
          x={context.x}
          y={context.y}
          items={actions(context.c)}
          onClose={() => {
            setContext(null);
          }}
        />
      )}
    </div>
  );
}
