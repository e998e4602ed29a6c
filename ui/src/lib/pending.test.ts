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
});
