import { afterEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn<(cmd: string, args?: unknown) => Promise<unknown>>();
const listen = vi.fn<(event: string, cb: (e: { payload: unknown }) => void) => Promise<() => void>>();

vi.mock("@tauri-apps/api/core", () => ({ invoke }));
vi.mock("@tauri-apps/api/event", () => ({ listen, once: vi.fn(), emit: vi.fn(), emitTo: vi.fn() }));

const { api, CommandError } = await import("./ipc");
const { commands, events } = await import("./bindings");

afterEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

describe("api", () => {
  it("offers every generated command and an on… subscription for every event", () => {
    for (const name of Object.keys(commands)) expect(typeof api[name as keyof typeof api]).toBe("function");
    expect(Object.keys(events).map((e) => `on${e.charAt(0).toUpperCase()}${e.slice(1)}`)).toEqual([
      "onAttachmentProgress",
      "onCalendarChanged",
      "onCalendarFileAsked",
      "onMailChanged",
      "onMailOpen",
      "onRemindersChanged",
      "onRemindersOpen",
      "onRemindersShowList",
      "onSignInProgress",
      "onSyncStatus",
    ]);
  });

  it("calls the shell's command with camelCase arguments and resolves to its value", async () => {
    invoke.mockResolvedValueOnce({ autohide: true, autohideSeconds: 20, locked: false });
    await expect(api.setReminderSettings(true, 20)).resolves.toEqual({
      autohide: true,
      autohideSeconds: 20,
      locked: false,
    });
    expect(invoke).toHaveBeenCalledWith("set_reminder_settings", { autohide: true, autohideSeconds: 20 });
  });

  it("throws the core's error as a CommandError", async () => {
    invoke.mockRejectedValueOnce({ code: "auth_failed", message: "Rejected.", detail: "HTTP 401" });
    const e: unknown = await api.signIn({ email: "u@x", password: "p" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect(e).toMatchObject({ code: "auth_failed", message: "Rejected.", detail: "HTTP 401" });
  });

  it("turns a failure of the shell itself into an internal error, its English text only as the detail", async () => {
    invoke.mockRejectedValueOnce("command sign_out not found");
    await expect(api.signOut()).rejects.toMatchObject({ code: "internal", message: "", detail: "command sign_out not found" });
    invoke.mockRejectedValueOnce(new Error("IPC gone"));
    await expect(api.account()).rejects.toMatchObject({ code: "internal", message: "", detail: "IPC gone" });
  });

  it("delivers an event's payload and unsubscribes even before listening started", async () => {
    let deliver: (e: { payload: unknown }) => void = () => undefined;
    const unlisten = vi.fn();
    listen.mockImplementation((_event, cb) => {
      deliver = cb;
      return Promise.resolve(unlisten);
    });
    const seen: unknown[] = [];
    const stop = api.onRemindersShowList((p) => seen.push(p));
    expect(listen).toHaveBeenCalledWith("reminders:show-list", expect.any(Function));
    deliver({ payload: null });
    expect(seen).toEqual([null]);
    stop();
    await Promise.resolve();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});
