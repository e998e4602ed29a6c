import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_PREFS, loadPrefs, savePrefs } from "./prefs";

afterEach(() => {
  window.localStorage.clear();
});

describe("mail prefs", () => {
  it("keeps pane sizes across a restart", () => {
    savePrefs({ ...DEFAULT_PREFS, sidebarWidth: 300, listShare: { right: 60, bottom: 35 } });
    const p = loadPrefs();
    expect(p.sidebarWidth).toBe(300);
    expect(p.listShare).toEqual({ right: 60, bottom: 35 });
  });

  it("falls back to the default size for a stored size out of range or of another shape", () => {
    window.localStorage.setItem("kontor.mail", JSON.stringify({ sidebarWidth: 5000, listShare: { right: "x", bottom: 95 } }));
    const p = loadPrefs();
    expect(p.sidebarWidth).toBe(DEFAULT_PREFS.sidebarWidth);
    expect(p.listShare).toEqual(DEFAULT_PREFS.listShare);
    window.localStorage.setItem("kontor.mail", JSON.stringify({ listShare: null }));
    expect(loadPrefs().listShare).toEqual(DEFAULT_PREFS.listShare);
  });

  it("keeps saved searches and drops stored ones of another shape", () => {
    const filters = { unread: true, flagged: false, attachment: true, knownSenders: false, thisWeek: false };
    savePrefs({ ...DEFAULT_PREFS, savedSearches: [{ name: "Angebote", text: "from:bob", folderId: null, filters }] });
    expect(loadPrefs().savedSearches).toEqual([{ name: "Angebote", text: "from:bob", folderId: null, filters }]);
    window.localStorage.setItem(
      "kontor.mail",
      JSON.stringify({ savedSearches: [{ name: " ", text: "x", folderId: null }, { name: "Ohne Filter", text: "x", folderId: "in" }, 7] }),
    );
    expect(loadPrefs().savedSearches).toEqual([
      { name: "Ohne Filter", text: "x", folderId: "in", filters: { unread: false, flagged: false, attachment: false, knownSenders: false, thisWeek: false } },
    ]);
  });
});
