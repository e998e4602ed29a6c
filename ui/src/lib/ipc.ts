// The UI's one door to the Tauri shell. Commands, their argument and result types and the events
// are generated from the Rust side into ./bindings.ts (see its header and
// docs/decisions/0004-generated-ipc-bindings.md); this file only adapts them to how the
// components work, without naming any command by hand:
//  * `api.<command>(...)` resolves to the command's value, or rejects with a `CommandError` that
//    carries the core's `IpcError` (a failure of the shell itself becomes an `internal` error);
//  * `api.on<Event>(cb)` subscribes to an event and returns the function that unsubscribes.
// Components receive the API (or a `Pick` of it) as a prop, so tests pass a fake.
import { commands, events, type ErrorCode, type IpcError, type TlsFailure } from "./bindings";

export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === "string" && typeof v.message === "string";
}

export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) {
    const out: IpcError = { code: value.code, message: value.message, detail: typeof value.detail === "string" ? value.detail : "" };
    // A certificate failure's details (subject, issuer, dates, fingerprint) for the window.
    if (typeof value.tls === "object" && value.tls !== null) out.tls = value.tls;
    return out;
  }
  // Not from the core, so not in the user's language: the UI words it (see ErrorView), the
  // original text stays in the details.
  const detail = value instanceof Error ? value.message : String(value);
  return { code: "internal", message: "", detail };
}

/** A failed command as a throwable `Error` that still carries the core's code and texts. */
export class CommandError extends Error implements IpcError {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly tls?: TlsFailure | null;
  constructor(error: IpcError) {
    super(error.message);
    this.name = "CommandError";
    this.code = error.code;
    this.detail = error.detail;
    if (error.tls) this.tls = error.tls;
  }
}

type Commands = typeof commands;
type Events = typeof events;
type Unlisten = () => void;

/** What a generated command's result holds on success. */
type Ok<R> = R extends { status: "ok"; data: infer T } ? T : never;
/** What a generated event delivers. */
type Payload<E> = E extends { listen: (cb: (event: { payload: infer P }) => void) => unknown } ? P : never;

/** Every command, resolving to its value (or throwing `CommandError`), and every event as
 * `on<Event>(cb)`. */
export type Api = {
  [K in keyof Commands]: (...args: Parameters<Commands[K]>) => Promise<Ok<Awaited<ReturnType<Commands[K]>>>>;
} & {
  [K in keyof Events as `on${Capitalize<K & string>}`]: (cb: (payload: Payload<Events[K]>) => void) => Unlisten;
};

type AnyResult = { status: "ok"; data: unknown } | { status: "error"; error: unknown };

function command(run: (...args: unknown[]) => Promise<AnyResult>) {
  return async (...args: unknown[]): Promise<unknown> => {
    let result: AnyResult;
    try {
      result = await run(...args);
    } catch (e) {
      throw new CommandError(toIpcError(e));
    }
    if (result.status === "error") throw new CommandError(toIpcError(result.error));
    return result.data;
  };
}

/** `listen` answers with a promise of its unsubscribe; a component wants one at once. */
function subscribe(listen: (cb: (event: { payload: unknown }) => void) => Promise<Unlisten>) {
  return (onEvent: (payload: unknown) => void): Unlisten => {
    let stop: Unlisten | null = null;
    let stopped = false;
    listen((e) => {
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
  };
}

function build(): Api {
  const out: Record<string, unknown> = {};
  for (const [name, run] of Object.entries(commands)) {
    out[name] = command(run as (...args: unknown[]) => Promise<AnyResult>);
  }
  for (const [name, event] of Object.entries(events)) {
    const listen = (event as { listen: Parameters<typeof subscribe>[0] }).listen;
    out[`on${name.charAt(0).toUpperCase()}${name.slice(1)}`] = subscribe(listen);
  }
  return out as Api;
}

/** The shell's commands and events. */
export const api: Api = build();
