// Each window's code calls only the app commands its capability grants
// (src-tauri/capabilities/*.json, docs/ARCHITECTURE.md#windows-and-permissions): a command the
// window is not granted is refused by the shell at run time. The files of a window are those its
// root component imports, directly or not; a command counts as used where the code reads
// `<something>.<command>` (`api.listMessages(…)`) or names it in a `Pick<Api, …>`.
// The reminder, compose and reader windows must moreover hold no command they do not use.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve("src");
const CAPABILITIES = resolve("../src-tauri/capabilities");

/** camelCase accessor in `commands` → the command's name (`listMessages` → `list_messages`). */
function commandNames(): Map<string, string> {
  const bindings = readFileSync(join(SRC, "lib/bindings.ts"), "utf8");
  const names = new Map<string, string>();
  for (const m of bindings.matchAll(/^\t(\w+): \(.*?__TAURI_INVOKE\("(\w+)"/gm)) {
    names.set(m[1] ?? "", m[2] ?? "");
  }
  return names;
}

/** Every source file `entry` imports, directly or not, except the bindings and their wrapper
 * (which name every command) and tests. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [join(SRC, entry)];
  while (todo.length > 0) {
    const file = todo.pop() ?? "";
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|import\s+"(\.[^"]+)"/g)) {
      const base = resolve(dirname(file), m[1] ?? m[2] ?? "");
      const found = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find(
        (c) => /\.tsx?$/.test(c) && existsSync(c),
      );
      if (found) todo.push(found);
    }
  }
  return [...seen]
    .map((f) => relative(SRC, f).replaceAll("\\", "/"))
    .filter((f) => f !== "lib/bindings.ts" && f !== "lib/ipc.ts" && !/\.test\.tsx?$/.test(f));
}

/** The code without comments and with every string emptied (i18n keys such as
 * "mail.action.markRead" are not calls). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/[^\n]*/g, "")
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

/** The commands the files of a window use, each with the files that use it. */
function used(entry: string): Map<string, string[]> {
  const names = commandNames();
  const out = new Map<string, string[]>();
  for (const file of reachable(entry)) {
    const raw = readFileSync(join(SRC, file), "utf8");
    const body = code(raw);
    const picked = [...raw.matchAll(/Pick<\s*Api\s*,([^>]*)>/g)].map((m) => m[1]).join(" ");
    for (const [accessor, command] of names) {
      if (new RegExp(`\\.${accessor}\\b`).test(body) || picked.includes(`"${accessor}"`)) {
        out.set(command, [...(out.get(command) ?? []), file]);
      }
    }
  }
  return out;
}

interface Capability {
  windows: string[];
  permissions: (string | { identifier: string })[];
}

/** The app commands the capabilities grant to a window label. */
function granted(label: string): Set<string> {
  const out = new Set<string>();
  for (const file of readdirSync(CAPABILITIES).filter((f) => f.endsWith(".json"))) {
    const cap = JSON.parse(readFileSync(join(CAPABILITIES, file), "utf8")) as Capability;
    const covers = cap.windows.some((w) => (w.endsWith("*") ? label.startsWith(w.slice(0, -1)) : w === label));
    if (!covers) continue;
    for (const p of cap.permissions) {
      const id = typeof p === "string" ? p : p.identifier;
      if (id.startsWith("allow-")) out.add(id.slice("allow-".length).replaceAll("-", "_"));
    }
  }
  return out;
}

const WINDOWS = [
  { label: "main", entry: "App.tsx", capability: "main.json", exact: false },
  { label: "reminders", entry: "ReminderApp.tsx", capability: "reminders.json", exact: true },
  { label: "compose-1", entry: "ComposeApp.tsx", capability: "compose.json", exact: true },
  { label: "reader-1", entry: "ReaderApp.tsx", capability: "reader.json", exact: true },
];

describe("window capabilities", () => {
  it("reads the commands from the bindings", () => {
    expect(commandNames().get("listMessages")).toBe("list_messages");
    expect(commandNames().size).toBeGreaterThan(40);
  });

  for (const { label, entry, capability, exact } of WINDOWS) {
    it(`the ${label} window (${entry}) calls only commands src-tauri/capabilities/${capability} grants`, () => {
      const calls = used(entry);
      const allowed = granted(label);
      const refused = [...calls]
        .filter(([command]) => !allowed.has(command))
        .map(([command, files]) => `allow-${command.replaceAll("_", "-")} (used in ${files.join(", ")})`);
      expect(
        refused,
        `grant these in src-tauri/capabilities/${capability} (and, for the reminder or compose window, in the list of src-tauri/src/capabilities.rs)`,
      ).toEqual([]);
      if (exact) {
        const unused = [...allowed].filter((command) => !calls.has(command));
        expect(unused, `src-tauri/capabilities/${capability} grants commands ${entry} does not use`).toEqual([]);
      }
    });
  }

  it("finds the calls of each window", () => {
    expect(used("App.tsx").has("list_messages")).toBe(true);
    expect(used("ReminderApp.tsx").has("reminder_snooze")).toBe(true);
    expect(used("ReminderApp.tsx").has("list_messages")).toBe(false);
    expect(used("ComposeApp.tsx").has("send_mail")).toBe(true);
    expect(used("ComposeApp.tsx").has("mark_read")).toBe(false);
  });
});
