// Calls into the Tauri shell (the reminder commands are in reminders-api.ts). Every command returns
// `Result<T, IpcError>` on the Rust side; a rejected promise therefore carries an `IpcError` (or,
// if the shell itself failed, something else, which `toIpcError` turns into an `internal` error).
import { invoke } from "@tauri-apps/api/core";
import type { Lang } from "./i18n";

export type ErrorCode =
  | "auth_failed"
  | "unreachable"
  | "not_active_sync"
  | "server_error"
  | "tls"
  | "keychain"
  | "storage"
  | "invalid_input"
  | "not_signed_in"
  | "instance_running"
  | "internal";

export interface IpcError {
  code: ErrorCode;
  /** Localized, for people. */
  message: string;
  /** Technical, for support. */
  detail: string;
}

export interface Account {
  serverUrl: string;
  user: string;
  protocolVersion: string;
}

export type FolderKind =
  | "inbox"
  | "drafts"
  | "deleted"
  | "sent"
  | "outbox"
  | "mail"
  | "calendar"
  | "contacts"
  | "tasks"
  | "notes"
  | "journal"
  | "other";

export interface Folder {
  id: string;
  parentId: string | null;
  name: string;
  kind: FolderKind;
  unread: number | null;
  shared: boolean;
}

export interface SignInRequest {
  serverUrl: string;
  user: string;
  password: string;
}

/** Where a setting's value comes from (kontor_core::policy::Source). */
export type SettingSource = "machine_policy" | "user_policy" | "user_setting" | "default";

/** One setting in force; `locked`: show read-only (set by IT policy, or all settings locked). */
export interface Setting<T> {
  value: T;
  source: SettingSource;
  locked: boolean;
}

/** What `effective_settings` returns (kontor_core::policy::EffectiveSettings). */
export interface EffectiveSettings {
  serverUrl: Setting<string | null>;
  caldavUrl: Setting<string | null>;
  autohideReminders: Setting<boolean>;
  autohideSeconds: Setting<number>;
  lockSettings: Setting<boolean>;
}

/** A change to one of the user's own settings (kontor_core::policy::SettingChange). */
export type SettingChange =
  | { key: "autohideReminders"; value: boolean }
  | { key: "autohideSeconds"; value: number }
  | { key: "caldavUrl"; value: string | null };

export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === "string" && typeof v.message === "string";
}

export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) {
    return { code: value.code, message: value.message, detail: typeof value.detail === "string" ? value.detail : "" };
  }
  const detail = value instanceof Error ? value.message : String(value);
  return { code: "internal", message: detail, detail };
}

/** A failed command as a throwable `Error` that still carries the core's code and texts. */
export class CommandError extends Error implements IpcError {
  readonly code: ErrorCode;
  readonly detail: string;
  constructor(error: IpcError) {
    super(error.message);
    this.name = "CommandError";
    this.code = error.code;
    this.detail = error.detail;
  }
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw new CommandError(toIpcError(e));
  }
}

export const api = {
  setLanguage: (lang: Lang) => call<null>("set_language", { lang }),
  account: () => call<Account | null>("account"),
  signIn: (request: SignInRequest) => call<Account>("sign_in", { request }),
  folders: () => call<Folder[]>("folders"),
  refreshFolders: () => call<Folder[]>("refresh_folders"),
  signOut: () => call<null>("sign_out"),
  effectiveSettings: () => call<EffectiveSettings>("effective_settings"),
  setSetting: (change: SettingChange) => call<EffectiveSettings>("set_setting", { change }),
};

export type Api = typeof api;
