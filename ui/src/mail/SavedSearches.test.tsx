import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Folder } from "../lib/bindings";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { NO_FILTERS } from "./search";
import { SaveSearchDialog, SavedSearchList } from "./SavedSearches";
import type { SavedSearch } from "./prefs";

afterEach(cleanup);

function inLang(lang: Lang, node: React.ReactNode) {
  return render(<I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>{node}</I18nContext.Provider>);
}

const INBOX = { id: "in", name: "Inbox", kind: "inbox" } as unknown as Folder;
const OFFERS: SavedSearch = { name: "Angebote von Bob", text: "from:bob has:attachment", folderId: null, filters: NO_FILTERS };
const UNREAD: SavedSearch = { name: "Ungelesen im Posteingang", text: "", folderId: "in", filters: { ...NO_FILTERS, unread: true } };

describe("SaveSearchDialog", () => {
  it("saves under the name typed, trimmed, and says when it replaces one", async () => {
    const onSave = vi.fn();
    inLang("de", <SaveSearchDialog initialName="from:bob" taken={["Angebote"]} onSave={onSave} onClose={vi.fn()} />);
    const name = screen.getByTestId<HTMLInputElement>("save-search-name");
    expect(name.value).toBe("from:bob");
    await userEvent.clear(name);
    await userEvent.type(name, "  Angebote ");
    expect(screen.getByText("Eine gespeicherte Suche mit diesem Namen wird ersetzt.")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Speichern" }));
    expect(onSave).toHaveBeenCalledWith("Angebote");
  });

  it("saves nothing without a name, and Esc closes it", async () => {
    const onSave = vi.fn();
    const onClose = vi.fn();
    inLang("en", <SaveSearchDialog initialName="" taken={[]} onSave={onSave} onClose={onClose} />);
    expect(screen.getByTestId<HTMLButtonElement>("save-search-ok").disabled).toBe(true);
    await userEvent.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalled();
    expect(onSave).not.toHaveBeenCalled();
  });
});

describe("SavedSearchList", () => {
  it("shows nothing while no search is saved", () => {
    inLang("de", <SavedSearchList searches={[]} folders={[INBOX]} active={null} onOpen={vi.fn()} onRemove={vi.fn()} />);
    expect(screen.queryByTestId("saved-searches")).toBeNull();
  });

  it("lists the saved searches, runs one on a click and forgets one with ×", async () => {
    const onOpen = vi.fn();
    const onRemove = vi.fn();
    inLang("de", <SavedSearchList searches={[OFFERS, UNREAD]} folders={[INBOX]} active={null} onOpen={onOpen} onRemove={onRemove} />);
    expect(screen.getByText("Suchordner")).toBeTruthy();
    const rows = screen.getAllByTestId("saved-search");
    expect(rows.map((r) => r.textContent)).toEqual(["Angebote von Bob", "Ungelesen im Posteingang"]);
    expect(rows[0]?.title).toBe("from:bob has:attachment — Alle Ordner");
    expect(rows[1]?.title).toBe("Posteingang");
    await userEvent.click(rows[0]!);
    expect(onOpen).toHaveBeenCalledWith(OFFERS);
    await userEvent.click(screen.getByRole("button", { name: "Suchordner „Ungelesen im Posteingang“ entfernen" }));
    expect(onRemove).toHaveBeenCalledWith(UNREAD);
  });
});
