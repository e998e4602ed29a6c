import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FORWARDER, FORWARDER_SHA256, MESSAGE_SANDBOX, buildMessageDocument, isLinkMessage, messageCsp, openableLink } from "./iframe-doc";

function csp(doc: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(doc);
  expect(m).not.toBeNull();
  return (m?.[1] ?? "").replace(/&#39;|&apos;/g, "'");
}

describe("message document", () => {
  it("the script hash in the policy is the forwarder's", () => {
    const hash = createHash("sha256").update(FORWARDER, "utf8").digest("base64");
    expect(FORWARDER_SHA256).toBe(hash);
    const doc = buildMessageDocument("<p>Hallo</p>", false);
    expect(doc).toContain(`<script>${FORWARDER}</script>`);
    expect(csp(doc)).toContain(`script-src 'sha256-${hash}'`);
    // Exactly one script: the forwarder.
    expect(doc.match(/<script/g)).toHaveLength(1);
  });
  it("carries the policy before the script and the message", () => {
    const doc = buildMessageDocument("<p>Hallo</p>", false);
    expect(doc.indexOf("Content-Security-Policy")).toBeLessThan(doc.indexOf("<script"));
    expect(doc.indexOf("<script")).toBeLessThan(doc.indexOf("<p>Hallo</p>"));
    const policy = csp(doc);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("style-src 'unsafe-inline'");
    expect(policy).toContain("font-src data:");
  });
  it("allows https images only when remote content is allowed", () => {
    expect(csp(buildMessageDocument("", false))).toMatch(/img-src data:;/);
    expect(csp(buildMessageDocument("", false))).not.toContain("https:");
    expect(messageCsp(true)).toContain("img-src data: https:");
    expect(messageCsp(true)).not.toContain("http:");
  });
  it("never lets the frame share the app's origin", () => {
    expect(MESSAGE_SANDBOX).toBe("allow-scripts");
    expect(MESSAGE_SANDBOX).not.toContain("allow-same-origin");
    expect(buildMessageDocument("", true)).not.toContain("allow-same-origin");
  });
  it("checks what the frame posts and which links may open", () => {
    expect(isLinkMessage({ kontor: "link", href: "https://a.example", text: "a" })).toBe(true);
    expect(isLinkMessage({ kontor: "link", href: 1, text: "a" })).toBe(false);
    expect(isLinkMessage("x")).toBe(false);
    expect(openableLink("https://a.example/x?y=1")).toBe("https://a.example/x?y=1");
    expect(openableLink("mailto:bob@example.com")).toBe("mailto:bob@example.com");
    expect(openableLink("javascript:alert(1)")).toBeNull();
    expect(openableLink("file:///etc/passwd")).toBeNull();
    expect(openableLink("/relative")).toBeNull();
  });
});
