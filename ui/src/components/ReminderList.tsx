import { useState } from "react";
import { useI18n } from "../lib/i18n-context";
import { formatTime, idKey, snoozeLabel, sourceText, startText, type ReminderId } from "../lib/reminders";
import type { ReminderItem, SnoozeChoice } from "../lib/bindings";

export interface ReminderActions {
  dismiss: (id: ReminderId) => void;
  snooze: (id: ReminderId, choice: SnoozeChoice) => void;
  open: (id: ReminderId) => void;
}

interface Props {
  items: ReminderItem[];
  actions: ReminderActions;
  /** Fixed zone for tests; the system's otherwise. */
  timeZone?: string;
  testId?: string;
}

/** Reminder rows with Dismiss, Snooze (choice + button) and Open; plain buttons and a select,
 * so Tab, Space and Enter work without a mouse. */
export function ReminderList({ items, actions, timeZone, testId = "reminder-list" }: Props) {
  const { t } = useI18n();
  return (
    <ul className="reminder-list" data-testid={testId}>
      {items.map((item) => (
        <ReminderRow key={idKey(item.id)} item={item} actions={actions} timeZone={timeZone} />
      ))}
      {items.length === 0 && <li className="muted">{t("reminders.none")}</li>}
    </ul>
  );
}

function ReminderRow({ item, actions, timeZone }: { item: ReminderItem; actions: ReminderActions; timeZone?: string }) {
  const { t, lang } = useI18n();
  const choices = item.snoozeChoices;
  const [choice, setChoice] = useState<SnoozeChoice | "">(choices[0] ?? "");
  const selected: SnoozeChoice | "" = choice !== "" && choices.includes(choice) ? choice : (choices[0] ?? "");
  const starts = startText(item, lang, t, timeZone);
  const source = sourceText(item, t);
  return (
    <li
      className={`reminder-row${item.withdrawn ? " withdrawn" : ""}`}
      data-testid="reminder-row"
      data-uid={item.id.uid}
      data-instance={item.id.instance}
    >
      <div className="reminder-head">
        <strong className="reminder-title" data-testid="reminder-title">
          {item.title || "—"}
        </strong>
        {item.kind === "task" && <span className="reminder-flag">{t("reminders.task")}</span>}
        {item.missed && (
          <span className="reminder-flag missed" data-testid="reminder-missed">
            {t("reminders.missed")}
          </span>
        )}
        {item.snoozed && <span className="reminder-flag">{t("reminders.snoozed")}</span>}
        {item.withdrawn && <span className="reminder-flag withdrawn">{t("reminders.withdrawn")}</span>}
      </div>
      <div className="reminder-meta">
        {starts && <span data-testid="reminder-start">{starts}</span>}
        <span data-testid="reminder-alarm">{t("reminders.alarmAt", { time: formatTime(item.alarmAt, lang, timeZone) })}</span>
        {item.location && <span data-testid="reminder-location">{t("reminders.location", { location: item.location })}</span>}
        <span data-testid="reminder-calendar" title={source.title}>
          {source.text}
        </span>
      </div>
      <div className="reminder-actions">
        <button
          type="button"
          data-testid="reminder-dismiss"
          onClick={() => {
            actions.dismiss(item.id);
          }}
        >
          {t("reminders.dismiss")}
        </button>
        {choices.length > 0 && (
          <span className="snooze">
            <select
              aria-label={t("reminders.snoozeFor")}
              data-testid="reminder-snooze-choice"
              value={selected}
              onChange={(e) => {
                setChoice(e.target.value as SnoozeChoice);
              }}
            >
              {choices.map((c) => (
                <option key={c} value={c}>
                  {snoozeLabel(c, t)}
                </option>
              ))}
            </select>
            <button
              type="button"
              data-testid="reminder-snooze"
              disabled={selected === ""}
              onClick={() => {
                if (selected !== "") actions.snooze(item.id, selected);
              }}
            >
              {t("reminders.snooze")}
            </button>
          </span>
        )}
        {!item.withdrawn && (
          <button
            type="button"
            data-testid="reminder-open"
            onClick={() => {
              actions.open(item.id);
            }}
          >
            {t("reminders.open")}
          </button>
        )}
      </div>
    </li>
  );
}
