import { describe, expect, it } from "vitest";
import { translator } from "../lib/i18n";
import { toastText } from "./toast";

describe("toastText", () => {
  it("says the same toast in the language asked for, a folder by its localized name", () => {
    const moved = { key: "mail.done.move", vars: { folder: { name: "Trash", kind: "deleted", shared: false, parentId: null } } } as const;
    expect(toastText(moved, translator("en"))).toBe("Moved to Deleted Items");
    expect(toastText(moved, translator("de"))).toBe("Nach Gelöschte Elemente verschoben");
    expect(toastText({ key: "mail.done.flag" }, translator("de"))).toBe("Kennzeichnung geändert");
    expect(toastText({ key: "mail.att.saved", vars: { path: "/tmp/a.pdf" } }, translator("de"))).toContain("/tmp/a.pdf");
  });

  it("shows a text from the core as it came", () => {
    expect(toastText({ text: "Der Server ist nicht erreichbar." }, translator("en"))).toBe("Der Server ist nicht erreichbar.");
  });
});
