// Test doubles of the safety commands for the reader's and the mail view's tests: no cues, and
// links checked the simplest way (a blocked scheme is blocked, anything else opens).
import { vi } from "vitest";
import type { AttachmentOpening, LinkView, MessageSafety } from "../lib/bindings";

export function linkViewOf(href: string): LinkView {
  const blocked = /^\s*(javascript|vbscript|data|file):/i.exec(href);
  return {
    check: {
      target: href,
      host: null,
      registrableDomain: null,
      domainRange: null,
      verdict: blocked ? { blocked: "javaScript" } : "open",
    },
    before: href,
    domain: "",
    after: "",
  };
}

export function safetyMocks() {
  return {
    messageSafety: vi.fn(
      (id: number): Promise<MessageSafety> =>
        Promise.resolve({ messageId: id, sender: { external: false, showAddress: false, cues: [] }, senderDomain: null, directoryChecked: false, attachments: [] }),
    ),
    checkLink: vi.fn((href: string) => Promise.resolve(linkViewOf(href))),
    allowRemoteContentDomain: vi.fn(() => Promise.resolve(null)),
    ownDomains: vi.fn(() => Promise.resolve(["example.de"])),
    openAttachment: vi.fn((): Promise<AttachmentOpening> => Promise.resolve({ opened: true, risk: { level: "none", reasons: [] } })),
  };
}

export function remoteListMocks() {
  return {
    remoteContentLists: vi.fn(() => Promise.resolve({ senders: [], domains: [] })),
    allowRemoteContent: vi.fn(() => Promise.resolve(null)),
    allowRemoteContentDomain: vi.fn(() => Promise.resolve(null)),
    forgetRemoteContent: vi.fn(() => Promise.resolve(null)),
  };
}
