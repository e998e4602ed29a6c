import { act, cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ReactNode } from "react";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import type { ReminderItem, ReminderSnapshot } from "../lib/bindings";
import type { MainWindowReminders } from "./MainWindow";
import { SNOOZE_CHOICES } from "../lib/reminders";
import type { ReminderWindowApi } from "./ReminderWindow";
import { ReminderWindow } from "./ReminderWindow";
import { RemindersPanel, ReminderBadge } from "./RemindersPanel";
import { SettingsPanel } from "./SettingsPanel";

afterEach(cleanup);

function nth(rows: HTMLElement[], i: number): HTMLElement {
  const r = rows[i];
  if (!r) throw new Error(`no row ${String(i)}`);
  return r;
}

function withLang(lang: Lang, node: ReactNode) {
  return (
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>{node}</I18nContext.Provider>
  );
}

function item(uid: string, over: Partial<ReminderItem> = {}): ReminderItem {
  return {
    id: { uid, instance: "2026-11-27T09:00:00Z" },
    sourceId: `row-${uid}`,
    calendarId: "personal",
    calendarName: "Personal Calendar",
    kind: "event",
    title: `Budget ${uid}`,
    location: "Room 2",
    start: "2026-11-27T09:00:00Z",
    end: "2026-11-27T09:30:00Z",
    allDay: false,
    alarmAt: "2026-11-27T08:45:00Z",
    snoozed: false,
    missed: false,
    withdrawn: false,
    snoozeChoices: [...SNOOZE_CHOICES],
    ...over,
  };
}

function snap(listed: ReminderItem[], over: Partial<ReminderSnapshot> = {}): ReminderSnapshot {
  return {
    visible: listed.length > 0,
    hideAt: null,
    listed,
    active: listed,
    autohide: false,
    autohideSeconds: 15,
    now: "2026-11-27T08:45:00Z",
    generation: 1,
    ...over,
  };
}

/** A fake shell: records calls and lets a test push `reminders:changed` events. */
function fakeApi(initial: ReminderSnapshot) {
  let changed: ((s: ReminderSnapshot) => void) | null = null;
  let opened: ((i: ReminderItem) => void) | null = null;
  const api = {
    reminders: vi.fn(() => Promise.resolve(initial)),
    onRemindersChanged: vi.fn((cb: (s: ReminderSnapshot) => void) => {
      changed = cb;
      return () => {
        changed = null;
      };
    }),
    onRemindersOpen: vi.fn((cb: (i: ReminderItem) => void) => {
      opened = cb;
      return () => {
        opened = null;
      };
    }),
    onRemindersShowList: vi.fn(() => () => undefined),
    reminderDismiss: vi.fn(() => Promise.resolve(snap([], { generation: 5 }))),
    reminderSnooze: vi.fn(() => Promise.resolve(snap([], { generation: 5 }))),
    reminderDismissAll: vi.fn(() => Promise.resolve(snap([], { generation: 6 }))),
    reminderInteracted: vi.fn(() => Promise.resolve(initial)),
    reminderOpen: vi.fn((id: { uid: string }) => Promise.resolve(item(id.uid))),
    reminderSettings: vi.fn(() => Promise.resolve({ autohide: false, autohideSeconds: 15, locked: false })),
    setReminderSettings: vi.fn((autohide: boolean, autohideSeconds: number) =>
      Promise.resolve({ autohide, autohideSeconds, locked: false }),
    ),
    reminderCalendars: vi.fn(() =>
      Promise.resolve([
        { id: "personal", name: "Personal Calendar", shared: false, remind: true },
        { id: "bob", name: "Bob's calendar", shared: true, remind: false },
      ]),
    ),
    setCalendarRemind: vi.fn(() => Promise.resolve(initial)),
  } satisfies MainWindowReminders & ReminderWindowApi;
  return {
    api,
    push: (s: ReminderSnapshot) => {
      act(() => changed?.(s));
    },
    pushOpen: (i: ReminderItem) => {
      act(() => opened?.(i));
    },
  };
}

describe("ReminderWindow", () => {
  it("lists title, times, location and calendar, and answers with the item's id", async () => {
    const user = userEvent.setup();
    const f = fakeApi(snap([item("a"), item("b", { missed: true, location: null })]));
    render(withLang("en", <ReminderWindow api={f.api} timeZone="Europe/Berlin" />));
    const rows = await screen.findAllByTestId("reminder-row");
    expect(rows).toHaveLength(2);
    const first = within(nth(rows, 0));
    expect(first.getByTestId("reminder-title").textContent).toBe("Budget a");
    expect(first.getByTestId("reminder-start").textContent).toBe("Starts Fri 27 Nov, 10:00");
    expect(first.getByTestId("reminder-alarm").textContent).toBe("Reminder Fri 27 Nov, 09:45");
    expect(first.getByTestId("reminder-location").textContent).toBe("Location: Room 2");
    expect(first.getByTestId("reminder-calendar").textContent).toBe("Calendar: Personal Calendar");
    expect(within(nth(rows, 1)).getByTestId("reminder-missed").textContent).toBe("missed");
    expect(within(nth(rows, 1)).queryByTestId("reminder-location")).toBeNull();
    expect(screen.getByTestId("reminder-count").textContent).toBe("2 active reminders");

    await user.click(first.getByTestId("reminder-dismiss"));
    expect(f.api.reminderDismiss).toHaveBeenCalledWith({ uid: "a", instance: "2026-11-27T09:00:00Z" });
    // Every touch restarts the autohide countdown.
    expect(f.api.reminderInteracted).toHaveBeenCalled();
  });

  it("offers every snooze choice the core allows and sends the chosen one", async () => {
    const user = userEvent.setup();
    const late = item("late", { snoozeChoices: SNOOZE_CHOICES.filter((c) => c !== "five_minutes_before_start") });
    const f = fakeApi(snap([item("a"), late]));
    render(withLang("en", <ReminderWindow api={f.api} />));
    const rows = await screen.findAllByTestId("reminder-row");
    const options = within(nth(rows, 0))
      .getAllByRole("option")
      .map((o) => o.textContent);
    expect(options).toEqual(["5 minutes", "10 minutes", "15 minutes", "30 minutes", "1 hour", "5 minutes before start"]);
    expect(within(nth(rows, 1)).getAllByRole("option")).toHaveLength(5);
    await user.selectOptions(within(nth(rows, 0)).getByTestId("reminder-snooze-choice"), "one_hour");
    await user.click(within(nth(rows, 0)).getByTestId("reminder-snooze"));
    expect(f.api.reminderSnooze).toHaveBeenCalledWith({ uid: "a", instance: "2026-11-27T09:00:00Z" }, "one_hour");
  });

  it("is usable with the keyboard alone", async () => {
    const user = userEvent.setup();
    const f = fakeApi(snap([item("a")]));
    // The core answers a snooze with the row still listed (so Open can follow).
    f.api.reminderSnooze.mockImplementation(() => Promise.resolve(snap([item("a")], { generation: 3 })));
    render(withLang("en", <ReminderWindow api={f.api} />));
    await screen.findByTestId("reminder-row");
    await user.tab(); // Dismiss
    expect(document.activeElement?.getAttribute("data-testid")).toBe("reminder-dismiss");
    await user.tab(); // snooze choice
    await user.tab(); // Snooze
    expect(document.activeElement?.getAttribute("data-testid")).toBe("reminder-snooze");
    await user.keyboard("{Enter}");
    expect(f.api.reminderSnooze).toHaveBeenCalledWith({ uid: "a", instance: "2026-11-27T09:00:00Z" }, "five_minutes");
    await user.tab(); // Open
    await user.keyboard(" ");
    expect(f.api.reminderOpen).toHaveBeenCalledTimes(1);
  });

  it("follows the core's snapshots and has Dismiss all", async () => {
    const user = userEvent.setup();
    const f = fakeApi(snap([item("a")]));
    render(withLang("de", <ReminderWindow api={f.api} />));
    await screen.findByTestId("reminder-row");
    f.push(snap([item("a"), item("b", { withdrawn: true })], { generation: 2 }));
    const rows = screen.getAllByTestId("reminder-row");
    expect(rows).toHaveLength(2);
    expect(within(nth(rows, 1)).getByText("abgesagt oder verschoben")).toBeTruthy();
    // SOGo's default calendar by its German name.
    expect(within(nth(rows, 0)).getByTestId("reminder-calendar").textContent).toBe("Kalender: Persönlicher Kalender");
    // A colleague's task list, as SOGo names it: the owner's name, the address in the tooltip.
    f.push(
      snap([item("c", { kind: "task", calendarName: "Personal Calendar (Bob Baker <bob@kontor.test>)" })], { generation: 3 }),
    );
    const task = screen.getByTestId("reminder-calendar");
    expect(task.textContent).toBe("Aufgabenliste: Persönliche Aufgaben (Bob Baker)");
    expect(task.getAttribute("title")).toBe("Bob Baker <bob@kontor.test>");
    f.push(snap([item("a"), item("b", { withdrawn: true })], { generation: 4 }));
    // A withdrawn item cannot be opened any more.
    expect(within(nth(rows, 1)).queryByTestId("reminder-open")).toBeNull();
    expect(screen.getByTestId("reminder-count").textContent).toBe("2 aktive Erinnerungen");
    await user.click(screen.getByTestId("reminder-dismiss-all"));
    expect(f.api.reminderDismissAll).toHaveBeenCalledTimes(1);
    expect(await screen.findByText("Keine aktiven Erinnerungen.")).toBeTruthy();
    expect(screen.getByText("Alle schließen")).toBeTruthy();
  });

  it("shows a failed answer instead of losing it", async () => {
    const user = userEvent.setup();
    const f = fakeApi(snap([item("a")]));
    f.api.reminderDismiss.mockImplementation(() =>
      Promise.reject(Object.assign(new Error("The local database failed."), { code: "storage", detail: "disk full" })),
    );
    render(withLang("en", <ReminderWindow api={f.api} />));
    await user.click(await screen.findByTestId("reminder-dismiss"));
    const alert = await screen.findByRole("alert");
    expect(alert.dataset.code).toBe("storage");
    expect(screen.getAllByTestId("reminder-row")).toHaveLength(1);
  });
});

describe("main window reminders", () => {
  it("lists the active reminders while the reminder window is hidden and shows an opened item", () => {
    const f = fakeApi(snap([item("a")], { visible: false, listed: [] }));
    const s = snap([item("a")], { visible: false });
    render(withLang("en", <RemindersPanel api={f.api} snapshot={s} timeZone="UTC" />));
    const panel = screen.getByTestId("main-reminders");
    expect(panel.dataset.count).toBe("1");
    expect(within(panel).getByTestId("reminder-title").textContent).toBe("Budget a");
    f.pushOpen(item("a"));
    const opened = screen.getByTestId("opened-item");
    expect(opened.dataset.uid).toBe("a");
    expect(within(opened).getByText("Starts Fri 27 Nov, 09:00")).toBeTruthy();
  });

  it("badge shows the count in both languages", () => {
    const onClick = vi.fn();
    render(withLang("de", <ReminderBadge count={3} onClick={onClick} />));
    const badge = screen.getByTestId("reminders-badge");
    expect(badge.dataset.count).toBe("3");
    expect(badge.getAttribute("aria-label")).toBe("3 aktive Erinnerungen");
    expect(badge.textContent).toContain("Erinnerungen");
  });
});

describe("SettingsPanel", () => {
  it("saves autohide and seconds, and switches a shared calendar on", async () => {
    const user = userEvent.setup();
    const f = fakeApi(snap([]));
    render(withLang("en", <SettingsPanel api={f.api} onClose={() => undefined} />));
    const box = await screen.findByTestId<HTMLInputElement>("autohide");
    await vi.waitFor(() => {
      expect(box.disabled).toBe(false);
    });
    await user.click(box);
    const seconds = screen.getByTestId<HTMLInputElement>("autohide-seconds");
    await user.clear(seconds);
    await user.type(seconds, "5");
    await user.click(screen.getByTestId("settings-save"));
    expect(f.api.setReminderSettings).toHaveBeenCalledWith(true, 5);
    expect(await screen.findByTestId("settings-saved")).toBeTruthy();

    const switches = screen.getAllByTestId<HTMLInputElement>("calendar-remind");
    expect(switches.map((s) => s.checked)).toEqual([true, false]);
    const bob = switches.at(1);
    if (!bob) throw new Error("no switch for bob's calendar");
    await user.click(bob);
    expect(f.api.setCalendarRemind).toHaveBeenCalledWith("bob", true);
  });

  it("is read-only with a note when policy locks it", async () => {
    const f = fakeApi(snap([]));
    f.api.reminderSettings.mockImplementation(() => Promise.resolve({ autohide: false, autohideSeconds: 30, locked: true }));
    render(withLang("de", <SettingsPanel api={f.api} onClose={() => undefined} />));
    expect((await screen.findByTestId("settings-locked")).textContent).toContain("Richtlinie");
    expect((await screen.findByText("Persönlicher Kalender")).closest("label")?.textContent).toContain("Persönlicher Kalender");
    expect(screen.getByText("Bob's calendar")).toBeTruthy();
    await vi.waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("autohide-seconds").value).toBe("30");
    });
    expect(screen.getByTestId("autohide").matches(":disabled")).toBe(true);
    expect(screen.getByTestId("autohide-seconds").matches(":disabled")).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>("settings-save").disabled).toBe(true);
  });

  it("refuses an autohide delay out of range", async () => {
    const user = userEvent.setup();
    const f = fakeApi(snap([]));
    render(withLang("en", <SettingsPanel api={f.api} onClose={() => undefined} />));
    const seconds = await screen.findByTestId<HTMLInputElement>("autohide-seconds");
    await vi.waitFor(() => {
      expect(seconds.value).toBe("15");
    });
    await user.clear(seconds);
    await user.type(seconds, "0");
    expect(screen.getByTestId<HTMLButtonElement>("settings-save").disabled).toBe(true);
    expect(f.api.setReminderSettings).not.toHaveBeenCalled();
  });
});
