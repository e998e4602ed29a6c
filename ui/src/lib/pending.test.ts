import { describe, expect, it } from "vitest";
import { failureKind } from "./pending";

describe("failureKind", () => {
  it("tells an unreachable server from a refusal", () => {
    expect(
      failureKind(
        "The server 127.0.0.1 could not be reached (connection refused). Check the server address and port, and whether the server is running.",
      ),
    ).toBe("unreachable");
    expect(failureKind("operation timed out")).toBe("unreachable");
    expect(failureKind("SendMail failed: Status 120 (the recipient was refused)")).toBe("refused");
    expect(failureKind("HTTP 413 Payload Too Large")).toBe("refused");
  });

  it("says a message the server would not send can be edited and sent again", () => {
    const sogo = "The server reported an error for SendMail: status 120 (mail submission failed).";
    for (const kind of ["send", "reply", "forward"] as const) expect(failureKind(sogo, kind)).toBe("sendRefused");
    expect(failureKind(sogo, "markRead")).toBe("refused");
    // Offline is offline for a message too.
    expect(failureKind("operation timed out", "send")).toBe("unreachable");
  });
});
