import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ParsedRecipient } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator } from "../lib/i18n";
import { RecipientField, type RecipientApi } from "./RecipientField";
import { recipientText } from "./recipients";

function parse(text: string): ParsedRecipient[] {
  return text
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^(.*)<(.+)>$/.exec(p);
      const address = (m?.[2] ?? p).trim();
      return { text: p, name: m?.[1]?.trim() ?? "", address, valid: /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) };
    });
}

function api(): RecipientApi {
  return {
    addressSuggestions: vi.fn((q: string) =>
      Promise.resolve(
        [{ name: "Bob Baker", address: "bob@kontor.test", uses: 3, directory: false }].filter((s) => s.name.toLowerCase().startsWith(q.toLowerCase())),
      ),
    ),
    directorySuggestions: vi.fn(() => Promise.reject(new Error("offline"))),
    parseRecipients: vi.fn((text: string) => Promise.resolve(parse(text))),
  };
}

function Harness({ fake, onValue }: { fake: RecipientApi; onValue: (v: ParsedRecipient[]) => void }) {
  const [value, setValue] = useState<ParsedRecipient[]>([]);
  return (
    <I18nContext.Provider value={{ lang: "de", t: translator("de"), setLang: () => undefined }}>
      <RecipientField
        api={fake}
        label="An"
        testId="to"
        value={value}
        onChange={(v) => {
          setValue(v);
          onValue(v);
        }}
      />
    </I18nContext.Provider>
  );
}

afterEach(cleanup);

describe("RecipientField", () => {
  it("says when the directory cannot be reached, and still offers local addresses", async () => {
    vi.useFakeTimers();
    const fake = api();
    render(<Harness fake={fake} onValue={() => undefined} />);
    fireEvent.change(screen.getByTestId("to-input"), { target: { value: "bob" } });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(400);
    });
    vi.useRealTimers();
    expect(fake.directorySuggestions).toHaveBeenCalledWith("bob", 10);
    expect(screen.getByTestId("address-suggestion").textContent).toContain("Bob Baker");
    expect(screen.getByTestId("directory-unavailable").textContent).toContain("Firmenadressbuch ist nicht erreichbar");
  });

  it("makes chips of a pasted list, marks a bad one, and Backspace removes the last", async () => {
    let value: ParsedRecipient[] = [];
    render(<Harness fake={api()} onValue={(v) => (value = v)} />);
    const input = screen.getByTestId("to-input");
    await act(async () => {
      fireEvent.paste(input, { clipboardData: { getData: () => "Bob Baker <bob@kontor.test>; carol@kontor.test, kaputt" } });
      await Promise.resolve();
    });
    expect(value.map((r) => r.address)).toEqual(["bob@kontor.test", "carol@kontor.test", "kaputt"]);
    const chips = screen.getAllByTestId("recipient-chip");
    expect(chips.map((c) => c.getAttribute("data-valid"))).toEqual(["true", "true", "false"]);
    expect(chips[2]?.getAttribute("title")).toContain("Keine gültige E-Mail-Adresse");
    fireEvent.keyDown(input, { key: "Backspace" });
    expect(value.map((r) => r.address)).toEqual(["bob@kontor.test", "carol@kontor.test"]);
  });

  it("offers addresses while typing and takes one with Enter", async () => {
    vi.useFakeTimers();
    let value: ParsedRecipient[] = [];
    const fake = api();
    render(<Harness fake={fake} onValue={(v) => (value = v)} />);
    const input = screen.getByTestId("to-input");
    fireEvent.change(input, { target: { value: "bo" } });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(200);
    });
    vi.useRealTimers();
    expect(fake.addressSuggestions).toHaveBeenCalledWith("bo", 8);
    // Two characters: the directory is not asked yet.
    expect(fake.directorySuggestions).not.toHaveBeenCalled();
    expect(screen.getByTestId("address-suggestion").textContent).toContain("Bob Baker");
    fireEvent.keyDown(input, { key: "Enter" });
    expect(value).toEqual([{ text: "Bob Baker <bob@kontor.test>", name: "Bob Baker", address: "bob@kontor.test", valid: true }]);
    const [first] = value;
    expect(first && recipientText(first)).toBe("Bob Baker <bob@kontor.test>");
    expect(recipientText({ text: "", name: "Baker, Bob", address: "b@x.de", valid: true })).toBe('"Baker, Bob" <b@x.de>');
  });
});
