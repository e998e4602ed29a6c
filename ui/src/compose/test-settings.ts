// A fake of the settings commands for tests: the effective settings kept in memory as the core
// keeps them in SQLite (signatures "sanitised" by dropping <script>).
import { vi } from "vitest";
import type { EffectiveSettings, SettingChange, Signatures } from "../lib/bindings";
import { CommandError } from "../lib/ipc";

/** A PNG as the core gives it for a chosen picture file. */
export const PICTURE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

export function fakeSettingsApi(signatures: Signatures = { list: [] }) {
  const settings: EffectiveSettings = {
    serverUrl: { value: null, source: "default", locked: false },
    caldavUrl: { value: null, source: "default", locked: false },
    autohideReminders: { value: false, source: "default", locked: false },
    autohideSeconds: { value: 15, source: "default", locked: false },
    signatures: { value: signatures, source: "default", locked: false },
    quoteStyle: { value: "outlook", source: "default", locked: false },
    maxMessageMb: { value: 20, source: "default", locked: false },
    mailSyncWindow: { value: 0, source: "default", locked: false },
    closeToTray: { value: true, source: "default", locked: false },
    autostart: { value: false, source: "default", locked: false },
    lockSettings: { value: false, source: "default", locked: true },
  };
  return {
    effectiveSettings: vi.fn(() => Promise.resolve(structuredClone(settings))),
    setSetting: vi.fn((change: SettingChange) => {
      if (change.key === "signatures") {
        const list = change.value.list.map((s) => ({ ...s, html: s.html.replace(/<script>.*?<\/script>/g, "") }));
        settings.signatures = { value: { ...change.value, list }, source: "user_setting", locked: false };
      } else if (change.key === "maxMessageMb") {
        settings.maxMessageMb = { value: change.value, source: "user_setting", locked: false };
      } else if (change.key === "quoteStyle") {
        settings.quoteStyle = { value: change.value, source: "user_setting", locked: false };
      } else if (change.key === "mailSyncWindow") {
        settings.mailSyncWindow = { value: change.value, source: "user_setting", locked: false };
      } else if (change.key === "closeToTray") {
        settings.closeToTray = { value: change.value, source: "user_setting", locked: false };
      } else if (change.key === "autostart") {
        settings.autostart = { value: change.value, source: "user_setting", locked: false };
      }
      return Promise.resolve(structuredClone(settings));
    }),
    // A .png file is a picture; anything else is refused as the core refuses it.
    readPicture: vi.fn((path: string) =>
      path.endsWith(".png")
        ? Promise.resolve(PICTURE)
        : Promise.reject(new CommandError({ code: "invalid_input", message: `${path}: the file is not a PNG, JPEG or GIF picture`, detail: "" })),
    ),
  };
}
