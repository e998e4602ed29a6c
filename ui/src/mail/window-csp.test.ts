// @vitest-environment node
// The message frame is an srcdoc iframe: it runs under the window's Content-Security-Policy as
// well as its own, so the forwarder script runs only if the window's policy allows its hash too.
// This test ties the two together: changing FORWARDER without src-tauri/tauri.conf.json fails here.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FORWARDER, FORWARDER_SHA256, MESSAGE_SANDBOX, buildMessageDocument } from "./iframe-doc";

const CONF = fileURLToPath(new URL("../../../src-tauri/tauri.conf.json", import.meta.url));

function windowCsp(): string {
  const conf = JSON.parse(readFileSync(CONF, "utf8")) as { app?: { security?: { csp?: unknown } } };
  const csp = conf.app?.security?.csp;
  if (typeof csp !== "string") throw new Error(`no app.security.csp string in ${CONF}`);
  return csp;
}

/** The sources of one directive, or null when the policy has none. */
function directive(csp: string, name: string): string[] | null {
  for (const part of csp.split(";")) {
    const [head, ...sources] = part.trim().split(/\s+/);
    if (head?.toLowerCase() === name) return sources;
  }
  return null;
}

describe("the window's Content-Security-Policy and the message frame", () => {
  it("allows the forwarder by its hash", () => {
    const hash = createHash("sha256").update(FORWARDER, "utf8").digest("base64");
    expect(FORWARDER_SHA256).toBe(hash);
    const scripts = directive(windowCsp(), "script-src");
    expect(scripts, "tauri.conf.json csp has a script-src").not.toBeNull();
    expect(scripts).toContain(`'sha256-${FORWARDER_SHA256}'`);
  });

  it("lets no other inline script run", () => {
    const csp = windowCsp();
    const scripts = directive(csp, "script-src") ?? [];
    expect(scripts.map((s) => s.toLowerCase())).not.toContain("'unsafe-inline'");
    expect(scripts.map((s) => s.toLowerCase())).not.toContain("'unsafe-eval'");
    expect(scripts).not.toContain("*");
    // Without script-src the default applies; it must be just as strict.
    expect((directive(csp, "default-src") ?? []).map((s) => s.toLowerCase())).not.toContain("'unsafe-inline'");
  });

  it("never gives the frame the app's origin", () => {
    const tokens = MESSAGE_SANDBOX.split(/\s+/);
    expect(tokens).not.toContain("allow-same-origin");
    expect(tokens).not.toContain("allow-top-navigation");
    expect(tokens).not.toContain("allow-popups");
    expect(buildMessageDocument("<p>x</p>", true)).not.toContain("allow-same-origin");
  });
});
