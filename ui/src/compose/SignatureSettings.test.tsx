import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { SignatureSettings, type PickFile } from "./SignatureSettings";
import { PICTURE, fakeSettingsApi } from "./test-settings";

afterEach(cleanup);

function renderIn(lang: Lang, api = fakeSettingsApi(), pickFile: PickFile = () => Promise.resolve(null)) {
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <SignatureSettings api={api} pickFile={pickFile} />
    </I18nContext.Provider>,
  );
  return api;
}

describe("SignatureSettings", () => {
  it("adds a signature, makes it the default for new mail and saves the list", async () => {
    const api = renderIn("en");
    await screen.findByText(/No signatures yet/);
    fireEvent.click(screen.getByTestId("signature-new"));
    const name = screen.getByTestId<HTMLInputElement>("signature-name");
    expect(name.value).toBe("Signature 1");
    fireEvent.change(name, { target: { value: "Office" } });
    expect(await screen.findByTestId("signature-body")).toBeTruthy();
    fireEvent.change(screen.getByTestId("signature-default-new"), { target: { value: "s1" } });
    expect(screen.getByTestId<HTMLSelectElement>("signature-default-reply").value).toBe("");
    fireEvent.click(screen.getByTestId("signature-save"));
    await screen.findByTestId("signature-saved");
    expect(api.setSetting).toHaveBeenCalledWith({ key: "signatures", value: { list: [{ id: "s1", name: "Office", html: "" }], newMail: "s1" } });
  });

  it("shows stored signatures in German, deletes one with its default, and switches the quote style", async () => {
    const api = renderIn(
      "de",
      fakeSettingsApi({
        list: [
          { id: "a", name: "Büro", html: "<p><strong>Alice</strong></p>" },
          { id: "b", name: "Kurz", html: "<p>Gruß</p>" },
        ],
        newMail: "a",
        reply: "b",
      }),
    );
    await waitFor(() => {
      expect(screen.getAllByTestId("signature-item").map((i) => i.textContent)).toEqual(["Büro", "Kurz"]);
    });
    expect(screen.getByText("Signaturen")).toBeTruthy();
    expect(screen.getByText("Für Antworten und Weiterleitungen")).toBeTruthy();
    expect(screen.getByTestId("signature-body").innerHTML).toContain("<strong>Alice</strong>");
    fireEvent.click(screen.getAllByTestId("signature-item")[1] as HTMLElement);
    fireEvent.click(screen.getByTestId("signature-delete"));
    expect(screen.getByTestId<HTMLSelectElement>("signature-default-reply").value).toBe("");
    expect(screen.getByTestId<HTMLSelectElement>("signature-default-new").value).toBe("a");
    expect(screen.getByText("Kopfblock wie in Outlook (-----Ursprüngliche Nachricht-----)")).toBeTruthy();
    expect(screen.getByTestId<HTMLInputElement>("quote-style-outlook").checked).toBe(true);
    fireEvent.click(screen.getByTestId("quote-style-thunderbird"));
    expect(api.setSetting).toHaveBeenCalledWith({ key: "quoteStyle", value: "thunderbird" });
    expect(screen.getByText("Größte Nachricht, die der Server annimmt (MB)")).toBeTruthy();
    const size = screen.getByTestId<HTMLInputElement>("max-message-mb");
    expect(size.value).toBe("20");
    fireEvent.change(size, { target: { value: "0" } });
    expect(api.setSetting).not.toHaveBeenCalledWith({ key: "maxMessageMb", value: 0 });
    // Emptied on the way to a new number, the field stays editable.
    fireEvent.change(size, { target: { value: "" } });
    expect(size.disabled || size.closest("fieldset")?.disabled).toBe(false);
    fireEvent.change(size, { target: { value: "35" } });
    expect(api.setSetting).toHaveBeenCalledWith({ key: "maxMessageMb", value: 35 });
  });

  it("puts a picture chosen in the file dialog into the signature, and says why a file is refused", async () => {
    const files = ["/home/alice/Logo.png", "/home/alice/logo.svg"];
    const pickFile = vi.fn(() => Promise.resolve(files.shift() ?? null));
    const api = renderIn("de", fakeSettingsApi({ list: [{ id: "a", name: "Büro", html: "<p>Alice</p>" }] }), pickFile);
    const button = await screen.findByTestId("format-picture");
    expect(button.textContent).toBe("Bild…");
    fireEvent.click(button);
    await waitFor(() => {
      expect(screen.getByTestId("signature-body").querySelector("img[src^=\"data:\"]")?.getAttribute("src")).toBe(PICTURE);
    });
    expect(pickFile).toHaveBeenCalledWith("Bild für die Signatur auswählen", "Bilder (PNG, JPEG, GIF)", ["png", "jpg", "jpeg", "gif"]);
    expect(api.readPicture).toHaveBeenCalledWith("/home/alice/Logo.png");
    fireEvent.click(screen.getByTestId("format-picture"));
    expect(await screen.findByText("Das Bild konnte nicht eingefügt werden")).toBeTruthy();
    expect(screen.getByText(/logo.svg: the file is not a PNG/)).toBeTruthy();
    // A photo is too large for a signature (one goes with every message).
    files.push("/home/alice/Foto.png");
    vi.mocked(api.readPicture).mockResolvedValueOnce(`data:image/png;base64,${"A".repeat(800_000)}`);
    fireEvent.click(screen.getByTestId("format-picture"));
    expect(await screen.findByText("Das Bild ist 586 KB groß; ein Bild in einer Signatur darf höchstens 512 KB haben.")).toBeTruthy();
    expect(screen.getByTestId("signature-body").querySelectorAll("img[src^=\"data:\"]")).toHaveLength(1);
    fireEvent.click(screen.getByTestId("signature-save"));
    await screen.findByTestId("signature-saved");
    expect(api.setSetting).toHaveBeenCalledWith({
      key: "signatures",
      value: { list: [{ id: "a", name: "Büro", html: `<p><img src="${PICTURE}">Alice</p>` }] },
    });
  });
});
