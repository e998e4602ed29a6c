import { describe, expect, it } from "vitest";
import { buildQuery, fold, highlightWords, matchRanges, searchRequest, EMPTY_SEARCH, NO_FILTERS } from "./search";

describe("fold", () => {
  it("folds like the core's index", () => {
    // Same cases as crates/core/src/store/search.rs german_spellings_fold_together.
    for (const group of [
      ["Straße", "STRASSE", "strasse", "Strasse", "STRAẞE"],
      ["Grüße", "gruesse", "grusse", "GRÜSSE", "Gruesse"],
      ["Müller", "Mueller", "muller", "MÜLLER"],
      ["café", "Cafe", "CAFÉ"],
    ]) {
      const folded = group.map(fold);
      expect(new Set(folded).size, group.join()).toBe(1);
    }
    expect(fold("Grüße aus der Hauptstraße")).toBe("grusse aus der hauptstrasse");
  });

  it("folds ASCII as the Unicode steps would, the umlaut rule across both", () => {
    // Same as the core: "queue" → "quu", "does" → "dos"; an "e" after a folded "ä" goes too.
    expect(fold("Queue DOES ae AE Oe")).toBe("quu dos a a o");
    expect(fold("Bäe Zoë")).toBe("ba zo");
    expect(fold("Gruesse @ 10:30, A-Z")).toBe("grusse @ 10:30, a-z");
  });
});

describe("matchRanges", () => {
  it("marks the source characters of a folded match", () => {
    const text = "Liebe Grüße aus Köln";
    const r = matchRanges(text, ["grusse"]);
    expect(r.map(([a, b]) => text.slice(a, b))).toEqual(["Grüße"]);
    expect(matchRanges("Straße und STRASSE", ["strasse"]).length).toBe(2);
    expect(matchRanges("Mueller", ["mul"]).map(([a, b]) => "Mueller".slice(a, b))).toEqual(["Muel"]);
    expect(matchRanges("nothing", ["x"])).toEqual([]);
    // Overlapping words merge.
    expect(matchRanges("Angebot", ["angebot", "ang"])).toEqual([[0, 7]]);
  });
});

describe("highlightWords", () => {
  it("takes free words, phrases and from/to/subject values, not the other terms", () => {
    expect(highlightWords('Rechnung "bis Freitag" from:bob has:attachment vor:1.6.2026 ist:ungelesen')).toEqual(["rechnung", "freitag", "bis", "bob"]);
    expect(highlightWords('betreff:"Zahlen prüfen"')).toEqual(["zahlen", "prufen"]);
    expect(highlightWords("")).toEqual([]);
  });
});

describe("searchRequest", () => {
  it("is null while nothing is asked", () => {
    expect(searchRequest(EMPTY_SEARCH)).toBeNull();
    expect(searchRequest({ ...EMPTY_SEARCH, text: "   " })).toBeNull();
  });
  it("filters alone stay in the folder", () => {
    expect(searchRequest({ ...EMPTY_SEARCH, allFolders: true, filters: { ...NO_FILTERS, unread: true } })).toEqual({
      text: "",
      allFolders: false,
      filters: { ...NO_FILTERS, unread: true },
    });
    expect(searchRequest({ ...EMPTY_SEARCH, text: " x ", allFolders: true })?.allFolders).toBe(true);
  });
});

describe("buildQuery", () => {
  it("writes the terms in the UI's language and quotes values with spaces", () => {
    const f = { words: "Angebot", from: "Müller GmbH", to: "", subject: "", after: "letzte Woche", before: "", attachment: true, unread: false };
    expect(buildQuery(f, "de")).toBe('Angebot von:"Müller GmbH" hat:anhang nach:"letzte Woche"');
    expect(buildQuery(f, "en")).toBe('Angebot from:"Müller GmbH" has:attachment after:"letzte Woche"');
  });
});
