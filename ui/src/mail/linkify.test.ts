import { describe, expect, it } from "vitest";
import { linkify } from "./linkify";

describe("linkify", () => {
  it("finds URLs, www. addresses and mail addresses, leaving sentence punctuation out", () => {
    expect(linkify("Siehe https://example.com/a?b=1. Oder www.kontor.de, oder max@firma.de!")).toEqual([
      { kind: "text", text: "Siehe " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: ". Oder " },
      { kind: "link", text: "www.kontor.de", href: "https://www.kontor.de" },
      { kind: "text", text: ", oder " },
      { kind: "link", text: "max@firma.de", href: "mailto:max@firma.de" },
      { kind: "text", text: "!" },
    ]);
  });
  it("leaves other schemes as text", () => {
    expect(linkify("javascript:alert(1) file:///etc")).toEqual([{ kind: "text", text: "javascript:alert(1) file:///etc" }]);
  });
  it("keeps a parenthesis that belongs to the URL", () => {
    expect(linkify("(https://de.wikipedia.org/wiki/Kontor_(Handel))")[1]).toMatchObject({
      href: "https://de.wikipedia.org/wiki/Kontor_(Handel)",
    });
  });
});
