import { describe, expect, it } from "vitest";
import { CATALOG, LANGS, langFromTag, translator } from "./i18n";

describe("i18n catalog", () => {
  const reference = Object.keys(CATALOG.en).sort();

  it.each(LANGS)("%s has exactly the English keys", (lang) => {
    expect(Object.keys(CATALOG[lang]).sort()).toEqual(reference);
  });

  it.each(LANGS)("%s has no empty texts", (lang) => {
    for (const [key, text] of Object.entries(CATALOG[lang])) {
      expect(text.trim(), `${lang}:${key}`).not.toBe("");
    }
  });

  it.each(LANGS)("%s uses the same placeholders as English", (lang) => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of reference) {
      const k = key as keyof typeof CATALOG.en;
      expect(placeholders(CATALOG[lang][k]), `${lang}:${key}`).toEqual(placeholders(CATALOG.en[k]));
    }
  });

  it("German is really translated", () => {
    expect(CATALOG.de["account.submit"]).toBe("Anmelden");
    expect(CATALOG.de["account.password"]).not.toBe(CATALOG.en["account.password"]);
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    const t = translator("en");
    expect(t("tree.unread", { count: 3 })).toBe("3 unread");
    expect(t("main.signedInAs", { user: "alice" })).toBe("alice on {server}");
    expect(translator("de")("tree.unread", { count: 3 })).toBe("3 ungelesen");
  });

  it("picks the language from a BCP 47 tag", () => {
    expect(langFromTag("de-AT")).toBe("de");
    expect(langFromTag("DE")).toBe("de");
    expect(langFromTag("de_CH")).toBe("de");
    expect(langFromTag("en-US")).toBe("en");
    expect(langFromTag("fr-FR")).toBe("en");
    expect(langFromTag("")).toBe("en");
    expect(langFromTag(undefined)).toBe("en");
  });
});
