import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AddressSuggestion, DirectoryPerson } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { CATALOG, translator, type Lang } from "../lib/i18n";
import { AddressBook, PersonCard, type AddressBookApi } from "./AddressBook";
import { directoryCache } from "./people";

const BOB: DirectoryPerson = {
  name: "Bob Baker",
  address: "bob@kontor.test",
  firstName: "Bob",
  lastName: "Baker",
  phone: "+49 30 1234567-12",
  mobilePhone: null,
  homePhone: null,
  office: "Buchhaltung",
  title: "Buchhalter",
  company: "Kontor Test GmbH",
  alias: null,
};
const CAROL: AddressSuggestion = { name: "Carol Clark", address: "carol@kontor.test", uses: 4, directory: false };

function fake(directory: (q: string) => Promise<DirectoryPerson[]>): AddressBookApi & { [k: string]: ReturnType<typeof vi.fn> } {
  return {
    addressSuggestions: vi.fn((q: string) => Promise.resolve([CAROL].filter((s) => s.name.toLowerCase().startsWith(q.toLowerCase())))),
    directoryPeople: vi.fn(directory),
    openComposeTo: vi.fn(() => Promise.resolve("compose-1")),
  };
}

function show(api: AddressBookApi, lang: Lang = "en", onShowMails: (a: string) => void = () => undefined) {
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <AddressBook api={api} onShowMails={onShowMails} />
    </I18nContext.Provider>,
  );
}

async function type(text: string) {
  fireEvent.change(screen.getByTestId("people-search"), { target: { value: text } });
  await act(async () => {
    await vi.advanceTimersByTimeAsync(400);
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  directoryCache.clear();
});
afterEach(() => {
  vi.useRealTimers();
  cleanup();
});

describe("AddressBook", () => {
  it("lists the recent correspondents, then asks the directory from three characters on", async () => {
    const api = fake(() => Promise.resolve([BOB]));
    show(api);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10);
    });
    expect(screen.getAllByTestId("person-row").map((r) => r.getAttribute("data-address"))).toEqual(["carol@kontor.test"]);
    expect(screen.getByTestId("people-directory-status").textContent).toContain("three characters");
    await type("bo");
    expect(api.directoryPeople).not.toHaveBeenCalled();
    await type("bob");
    expect(api.directoryPeople).toHaveBeenCalledWith("bob", 50);
    const rows = screen.getAllByTestId("person-row");
    expect(rows.map((r) => r.getAttribute("data-address"))).toEqual(["bob@kontor.test"]);
    expect(rows[0]?.getAttribute("data-directory")).toBe("true");
    // Asked once per query: back to "bob" answers from the cache.
    await type("bo");
    await type("bob");
    expect(api.directoryPeople).toHaveBeenCalledTimes(1);
  });

  it("says the directory is unavailable and still shows the local people", async () => {
    const api = fake(() => Promise.reject(new Error("offline")));
    show(api, "de");
    await type("Carol");
    expect(screen.getByTestId("people-directory-status").getAttribute("data-state")).toBe("unavailable");
    expect(screen.getByTestId("people-directory-status").textContent).toContain("Firmenadressbuch ist gerade nicht erreichbar");
    expect(screen.getAllByTestId("person-row").map((r) => r.getAttribute("data-address"))).toEqual(["carol@kontor.test"]);
  });

  it("moves with the arrow keys, opens the card with Enter and writes mail from it", async () => {
    const api = fake(() => Promise.resolve([BOB]));
    const shown: string[] = [];
    show(api, "en", (a) => shown.push(a));
    await type("bob");
    fireEvent.keyDown(screen.getByTestId("people-search"), { key: "ArrowDown" });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(20);
    });
    const row = screen.getAllByTestId("person-row")[0];
    expect(row?.getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(row);
    expect(screen.getByTestId("person-name").textContent).toBe("Bob Baker");
    fireEvent.keyDown(screen.getByTestId("people-list"), { key: "Enter" });
    expect(document.activeElement).toBe(screen.getByTestId("person-write"));
    fireEvent.click(screen.getByTestId("person-write"));
    expect(api.openComposeTo).toHaveBeenCalledWith("Bob Baker", "bob@kontor.test");
    fireEvent.click(screen.getByTestId("person-show-mails"));
    expect(shown).toEqual(["bob@kontor.test"]);
  });
});

describe("PersonCard", () => {
  function card(lang: Lang, person: Parameters<typeof PersonCard>[0]["person"]) {
    render(
      <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
        <PersonCard person={person} error={null} onWrite={() => undefined} onShowMails={() => undefined} />
      </I18nContext.Provider>,
    );
  }

  it("shows what the directory sends, in both languages", () => {
    for (const lang of ["en", "de"] as const) {
      card(lang, { name: "Bob Baker", address: "bob@kontor.test", uses: 0, local: false, directory: BOB });
      const c = screen.getByTestId("person-card");
      expect(screen.getByTestId("person-name").textContent).toBe("Bob Baker");
      expect(screen.getByTestId("person-address").textContent).toBe("bob@kontor.test");
      expect(screen.getByTestId("person-phone").textContent).toContain("+49 30 1234567-12");
      expect(screen.getByTestId("person-office").textContent).toContain(CATALOG[lang]["people.office"]);
      expect(screen.getByTestId("person-office").textContent).toContain("Buchhaltung");
      expect(screen.getByTestId("person-company").textContent).toContain("Kontor Test GmbH");
      expect(screen.queryByTestId("person-mobile")).toBeNull();
      expect(screen.getByTestId("person-write").textContent).toBe(CATALOG[lang]["people.write"]);
      expect(c.textContent).not.toMatch(/people\./);
      cleanup();
    }
  });

  it("shows an entry without a name (SOGo) by its address, and a local person's message count", () => {
    card("de", { name: "carol@kontor.test", address: "carol@kontor.test", uses: 4, local: true, directory: null });
    expect(screen.getByTestId("person-name").textContent).toBe("carol@kontor.test");
    expect(screen.getByTestId("person-source").textContent).toBe("In 4 Nachrichten im lokalen Zwischenspeicher.");
    expect(screen.queryByTestId("person-phone")).toBeNull();
  });
});
