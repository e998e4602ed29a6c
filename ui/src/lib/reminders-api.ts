// The reminder commands and events of the Tauri shell (src-tauri/src/commands.rs, "reminders"
// section). Kept apart from api.ts so the reminder window's page pulls in only what it needs.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { CommandError, toIpcError } from "./api";

export type SnoozeChoice =
  | "five_minutes"
  | "ten_minutes"
  | "fifteen_minutes"
  | "thirty_minutes"
  | "one_hour"
  | "five_minutes_before_start";

export const SNOOZE_CHOICES: SnoozeChoice[] = [
  "five_minutes",
  "ten_minutes",
  "fifteen_minutes",
  "thirty_minutes",
  "one_hour",
  "five_minutes_before_start",
];

/** Item UID + occurrence start (RFC 3339, UTC): what identifies a reminder. */
export interface ReminderId {
  uid: string;
  instance: string;
}

export interface ReminderItem {
  id: ReminderId;
  sourceId: string;
  calendarId: string;
  calendarName: string;
  kind: "event" | "task";
  title: string;
  location: string | null;
  start: string | null;
  end: string | null;
  allDay: boolean;
  alarmAt: string;
  snoozed: boolean;
  missed: boolean;
  withdrawn: boolean;
  snoozeChoices: SnoozeChoice[];
}

export interface ReminderSnapshot {
  visible: boolean;
  hideAt: string | null;
  listed: ReminderItem[];
  active: ReminderItem[];
  autohide: boolean;
  autohideSeconds: number;
  now: string;
  generation: number;
}

export interface ReminderSettings {
  autohide: boolean;
  autohideSeconds: number;
  /** Set by policy: read-only. */
  locked: boolean;
}

export interface CalendarReminderSetting {
  id: string;
  name: string;
  shared: boolean;
  remind: boolean;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw new CommandError(toIpcError(e));
  }
}

type Unlisten = () => void;

function subscribe(event: string, onEvent: (payload: unknown) => void): Unlisten {
  let stop: Unlisten | null = null;
  let stopped = false;
  listen(event, (e) => {
    onEvent(e.payload);
  }).then(
    (un) => {
      if (stopped) un();
      else stop = un;
    },
    () => undefined,
  );
  return () => {
    stopped = true;
    stop?.();
  };
}

export const remindersApi = {
  snapshot: () => call<ReminderSnapshot>("reminders"),
  dismiss: (id: ReminderId) => call<ReminderSnapshot>("reminder_dismiss", { id }),
  snooze: (id: ReminderId, choice: SnoozeChoice) => call<ReminderSnapshot>("reminder_snooze", { id, choice }),
  dismissAll: () => call<ReminderSnapshot>("reminder_dismiss_all"),
  interacted: () => call<ReminderSnapshot>("reminder_interacted"),
  open: (id: ReminderId) => call<ReminderItem>("reminder_open", { id }),
  settings: () => call<ReminderSettings>("reminder_settings"),
  saveSettings: (autohide: boolean, autohideSeconds: number) =>
    call<ReminderSettings>("set_reminder_settings", { autohide, autohideSeconds }),
  calendars: () => call<CalendarReminderSetting[]>("reminder_calendars"),
  setCalendarRemind: (calendarId: string, remind: boolean) =>
    call<ReminderSnapshot>("set_calendar_remind", { calendarId, remind }),
  /** Every change of the reminders (each window gets it). */
  onChanged: (cb: (snap: ReminderSnapshot) => void): Unlisten =>
    subscribe("reminders:changed", (p) => {
      cb(p as ReminderSnapshot);
    }),
  /** "Open" was chosen in the reminder window: the main window shows the item. */
  onOpen: (cb: (item: ReminderItem) => void): Unlisten =>
    subscribe("reminders:open", (p) => {
      cb(p as ReminderItem);
    }),
  /** The tray asked for the reminder list. */
  onShowList: (cb: () => void): Unlisten =>
    subscribe("reminders:show-list", () => {
      cb();
    }),
};

export type RemindersApi = typeof remindersApi;

export function sameId(a: ReminderId, b: ReminderId): boolean {
  return a.uid === b.uid && a.instance === b.instance;
}

export function idKey(id: ReminderId): string {
  return `${id.uid}\u0000${id.instance}`;
}
