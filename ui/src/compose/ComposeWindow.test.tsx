import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ComposeStart, OutgoingMail, ParsedRecipient } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator, type Lang } from "../lib/i18n";
import { ComposeWindow, type ComposeApi, type ComposeShell } from "./ComposeWindow";
import { CommandError } from "../lib/ipc";
import type { ComposeParams } from "./compose";
import { PICTURE } from "./test-settings";

function parse(text: string): ParsedRecipient[] {
  return text
    .split(/;/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^(.*)<(.+)>$/.exec(p);
      const address = (m?.[2] ?? p).trim();
      return { text: p, name: m?.[1]?.trim() ?? "", address, valid: address.includes("@") };
    });
}

const reply: ComposeStart = {
  mode: "reply",
  from: "alice@kontor.test",
  to: ["Bob Baker <bob@kontor.test>"],
  cc: [],
  subject: "AW: Angebot",
  quoteHtml: '<div class="kontor-quote"><p>-----Ursprüngliche Nachricht-----</p></div>',
  quoteInBody: false,
  replyTo: 12,
  forwardOf: null,
  attachments: [],
  draft: null,
  bodyHtml: "",
  signatures: [],
  signature: null,
  maxAttachment: null,
};

function setup(start: ComposeStart, params: ComposeParams, lang: Lang = "de") {
  const sent: OutgoingMail[] = [];
  const api: ComposeApi = {
    composeStart: vi.fn(() => Promise.resolve(start)),
    addressSuggestions: vi.fn(() => Promise.resolve([])),
    directorySuggestions: vi.fn(() => Promise.resolve([])),
    parseRecipients: vi.fn((text: string) => Promise.resolve(parse(text))),
    sendMail: vi.fn((m: OutgoingMail) => {
      sent.push(m);
      return Promise.resolve(1);
    }),
    saveDraft: vi.fn(() => Promise.resolve({ messageId: 99, opId: 5 })),
    fileSizes: vi.fn((paths: string[]) => Promise.resolve(paths.map((path) => ({ path, bytes: 1_572_864 })))),
    unknownColleagues: vi.fn((addresses: string[]) => Promise.resolve(addresses.filter((a) => a.startsWith("bbo@")))),
    readPicture: vi.fn((path: string) =>
      path.endsWith(".png") ? Promise.resolve(PICTURE) : Promise.reject(new CommandError({ code: "invalid_input", message: `${path}: the file is not a PNG, JPEG or GIF picture`, detail: "" })),
    ),
  };
  const shell: ComposeShell = {
    pickFiles: vi.fn(() => Promise.resolve(["/home/alice/Angebot.pdf"])),
    pickFile: vi.fn(() => Promise.resolve("/home/alice/Plan.png")),
    close: vi.fn(),
    setTitle: vi.fn(),
    onCloseRequested: vi.fn(() => () => undefined),
    onDrop: vi.fn(() => () => undefined),
  };
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <ComposeWindow api={api} params={params} shell={shell} />
    </I18nContext.Provider>,
  );
  return { api, shell, sent };
}

afterEach(cleanup);

describe("ComposeWindow", () => {
  it("fills a reply and sends it with the quote, asking the server not to add it again", async () => {
    const { api, shell, sent } = setup(reply, { mode: "reply", id: 12, mailto: null });
    await screen.findByTestId("compose-window");
    expect(api.composeStart).toHaveBeenCalledWith("reply", 12);
    expect(screen.getByTestId<HTMLInputElement>("compose-subject").value).toBe("AW: Angebot");
    expect(screen.getAllByTestId("recipient-chip").map((c) => c.getAttribute("data-address"))).toEqual(["bob@kontor.test"]);
    expect(screen.getByTestId("compose-quote")).toBeTruthy();
    expect(shell.setTitle).toHaveBeenLastCalledWith("AW: Angebot – Kontor");
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toEqual(["Bob Baker <bob@kontor.test>"]);
    expect(sent[0]?.replyTo).toBe(12);
    expect(sent[0]?.quoted).toBe(true);
    expect(sent[0]?.html).toContain("Ursprüngliche Nachricht");
  });

  it("refuses to send without a recipient and asks before sending without a subject", async () => {
    const start: ComposeStart = { ...reply, mode: "new", to: [], subject: "", quoteHtml: "", replyTo: null };
    const { shell, sent } = setup(start, { mode: "new", id: null, mailto: null }, "en");
    await screen.findByTestId("compose-window");
    fireEvent.click(screen.getByTestId("compose-send"));
    expect(screen.getByTestId("compose-error").textContent).toContain("Add at least one recipient.");
    const input = screen.getByTestId("compose-to-input");
    await act(async () => {
      fireEvent.change(input, { target: { value: "bob@kontor.test" } });
      fireEvent.keyDown(input, { key: "Enter" });
      await Promise.resolve();
    });
    fireEvent.click(screen.getByTestId("compose-send"));
    expect(screen.getByTestId("compose-ask-noSubject")).toBeTruthy();
    fireEvent.click(screen.getByTestId("compose-ask-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.to).toEqual(["bob@kontor.test"]);
    expect(sent[0]?.quoted).toBe(false);
  });

  it("marks a file larger than the server's policy allows, in German", async () => {
    setup({ ...reply, maxAttachment: 1_048_576 }, { mode: "reply", id: 12, mailto: null });
    await screen.findByTestId("compose-window");
    expect(screen.queryByTestId("compose-attachment-too-large")).toBeNull();
    fireEvent.click(screen.getByTestId("compose-attach"));
    // 1.5 MB against 1 MB.
    expect((await screen.findByTestId("compose-attachment-too-large")).textContent).toBe(
      "Größer, als der Server Ihrer Firma annimmt (Anhänge bis höchstens 1 MB). Bitte vor dem Senden entfernen.",
    );
    expect(screen.getByTestId("compose-attachment").className).toContain("invalid");
    fireEvent.click(screen.getByRole("button", { name: "Angebot.pdf entfernen" }));
    expect(screen.queryByTestId("compose-attachment-too-large")).toBeNull();
  });

  it("asks before sending to a colleague's address the directory does not know, once", async () => {
    const start: ComposeStart = { ...reply, mode: "new", to: ["bbo@kontor.test", "bob@kontor.test"], quoteHtml: "", replyTo: null };
    const { api, shell, sent } = setup(start, { mode: "new", id: null, mailto: null }, "en");
    await screen.findByTestId("compose-window");
    fireEvent.click(screen.getByTestId("compose-send"));
    expect((await screen.findByTestId("compose-unknown-list")).textContent).toBe(
      "The server does not know bbo@kontor.test. Please check the address: mail to it will probably come back. Send anyway?",
    );
    expect(api.unknownColleagues).toHaveBeenCalledWith(["bbo@kontor.test", "bob@kontor.test"]);
    expect(sent).toHaveLength(0);
    // Back to the window; Send asks again; "Send anyway" sends.
    fireEvent.click(screen.getByTestId("compose-ask-cancel"));
    expect(screen.queryByTestId("compose-ask-unknown")).toBeNull();
    fireEvent.click(screen.getByTestId("compose-send"));
    await screen.findByTestId("compose-ask-unknown");
    fireEvent.click(screen.getByTestId("compose-ask-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.to).toEqual(["bbo@kontor.test", "bob@kontor.test"]);
  });

  it("sends when the directory cannot be asked", async () => {
    const { api, shell, sent } = setup(reply, { mode: "reply", id: 12, mailto: null });
    vi.mocked(api.unknownColleagues).mockRejectedValue(new Error("offline"));
    await screen.findByTestId("compose-window");
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent).toHaveLength(1);
  });

  it("sends a reply's draft as the reply, its text holding the quote", async () => {
    const start: ComposeStart = { ...reply, mode: "draft", quoteHtml: "", quoteInBody: true, draft: 40, bodyHtml: "<p>Gern.</p><div class=\"kontor-quote\"><p>Zitat</p></div>" };
    const { shell, sent } = setup(start, { mode: "draft", id: 40, mailto: null });
    await screen.findByTestId("compose-window");
    expect(screen.queryByTestId("compose-quote")).toBeNull();
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.replyTo).toBe(12);
    expect(sent[0]?.quoted).toBe(true);
    expect(sent[0]?.draft).toBe(40);
  });

  it("attaches what the file picker chose", async () => {
    const { shell, sent } = setup(reply, { mode: "reply", id: 12, mailto: null }, "en");
    await screen.findByTestId("compose-window");
    fireEvent.click(screen.getByTestId("compose-attach"));
    expect(await screen.findByTestId("compose-attachment")).toBeTruthy();
    expect(screen.getByTestId("compose-attachment").textContent).toContain("Angebot.pdf");
    // Its size, read from the file.
    expect((await screen.findByTestId("compose-attachment-size")).textContent).toBe(" (1.5 MB)");
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.attachments).toEqual([{ kind: "file", path: "/home/alice/Angebot.pdf" }]);
  });

  it("puts a picture chosen in the file dialog into the text, and says why a file is refused", async () => {
    const { api, shell, sent } = setup(reply, { mode: "reply", id: 12, mailto: null }, "en");
    await screen.findByTestId("compose-window");
    fireEvent.click(screen.getByTestId("format-picture"));
    await waitFor(() => {
      expect(screen.getByTestId("compose-body").querySelector(`img[src="${PICTURE}"]`)).not.toBeNull();
    });
    expect(shell.pickFile).toHaveBeenCalledWith("Choose a picture for the message", "Pictures (PNG, JPEG, GIF)", ["png", "jpg", "jpeg", "gif"]);
    expect(api.readPicture).toHaveBeenCalledWith("/home/alice/Plan.png");
    vi.mocked(shell.pickFile).mockResolvedValueOnce("/home/alice/Plan.pdf");
    fireEvent.click(screen.getByTestId("format-picture"));
    expect(await screen.findByText("The picture could not be inserted")).toBeTruthy();
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.html).toContain(`<img src="${PICTURE}">`);
  });

  it("puts a pasted screenshot into the text and refuses one too large", async () => {
    const { shell, sent } = setup(reply, { mode: "reply", id: 12, mailto: null }, "en");
    await screen.findByTestId("compose-window");
    const body = screen.getByTestId("compose-body");
    const paste = (file: File) => {
      fireEvent.paste(body, { clipboardData: { files: [file], types: ["Files"], getData: () => "" } });
    };
    paste(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], "shot.png", { type: "image/png" }));
    await waitFor(() => {
      expect(body.querySelector('img[src="data:image/png;base64,iVBORw0KGgo="]')).not.toBeNull();
    });
    paste(new File([new Uint8Array(5 * 1024 * 1024 + 1)], "big.png", { type: "image/png" }));
    expect(await screen.findByText(/The pasted picture is 5121 KB; a picture in the text may have at most 5120 KB/)).toBeTruthy();
    expect(body.querySelectorAll('img[src^="data:"]')).toHaveLength(1);
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=">');
  });

  it("takes a pasted picture from the asynchronous clipboard when the paste event has none (WebKitGTK)", async () => {
    const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])], { type: "image/png" });
    const read = vi.fn(() => Promise.resolve([{ types: ["image/png"], getType: () => Promise.resolve(png) }]));
    Object.defineProperty(navigator, "clipboard", { value: { read }, configurable: true });
    try {
      setup(reply, { mode: "reply", id: 12, mailto: null }, "en");
      await screen.findByTestId("compose-window");
      const body = screen.getByTestId("compose-body");
      fireEvent.paste(body, { clipboardData: { files: [], types: [], getData: () => "" } });
      await waitFor(() => {
        expect(body.querySelector('img[src="data:image/png;base64,iVBORw0KGgo="]')).not.toBeNull();
      });
      expect(read).toHaveBeenCalledTimes(1);
    } finally {
      Reflect.deleteProperty(navigator, "clipboard");
    }
  });

  it("fills a mailto: link's fields", async () => {
    const start: ComposeStart = { ...reply, mode: "new", to: [], subject: "", quoteHtml: "", replyTo: null };
    setup(start, { mode: "new", id: null, mailto: "mailto:bob@kontor.test?subject=Hallo&cc=carol@kontor.test" });
    await screen.findByTestId("compose-window");
    expect(screen.getByTestId<HTMLInputElement>("compose-subject").value).toBe("Hallo");
    expect(screen.getAllByTestId("recipient-chip").map((c) => c.getAttribute("data-address"))).toEqual(["bob@kontor.test", "carol@kontor.test"]);
  });

  const signatures = [
    { id: "a", name: "Büro", html: "<p><strong>Alice Adler</strong></p><p>Vertrieb</p>" },
    { id: "b", name: "Kurz", html: "<p>Gruß, Alice</p>" },
  ];

  it("starts new mail with the default signature below an empty line and swaps it when another is chosen", async () => {
    const start: ComposeStart = { ...reply, mode: "new", subject: "Hallo", quoteHtml: "", replyTo: null, signatures, signature: "a" };
    const { shell, sent } = setup(start, { mode: "new", id: null, mailto: null }, "en");
    await screen.findByTestId("compose-window");
    const body = await screen.findByTestId("compose-body");
    await waitFor(() => {
      expect(body.querySelector(".kontor-signature")?.textContent).toBe("Alice AdlerVertrieb");
    });
    expect(body.firstElementChild?.tagName).toBe("P");
    const select = screen.getByTestId<HTMLSelectElement>("compose-signature");
    expect(select.value).toBe("a");
    expect([...select.options].map((o) => o.text)).toEqual(["(none)", "Büro", "Kurz"]);
    fireEvent.change(select, { target: { value: "b" } });
    await waitFor(() => {
      expect(body.querySelectorAll(".kontor-signature")).toHaveLength(1);
    });
    expect(body.querySelector(".kontor-signature")?.textContent).toBe("Gruß, Alice");
    fireEvent.change(select, { target: { value: "" } });
    await waitFor(() => {
      expect(body.querySelector(".kontor-signature")).toBeNull();
    });
    fireEvent.change(select, { target: { value: "a" } });
    await waitFor(() => {
      expect(body.querySelector(".kontor-signature")?.textContent).toBe("Alice AdlerVertrieb");
    });
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.html).toContain('<div class="kontor-signature"><p><strong>Alice Adler</strong></p><p>Vertrieb</p></div>');
  });

  it("places the reply signature above the quoted original", async () => {
    const { shell, sent } = setup({ ...reply, signatures, signature: "b" }, { mode: "reply", id: 12, mailto: null });
    await screen.findByTestId("compose-window");
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    const html = sent[0]?.html ?? "";
    expect(html.indexOf("Gruß, Alice")).toBeGreaterThan(-1);
    expect(html.indexOf("Gruß, Alice")).toBeLessThan(html.indexOf("Ursprüngliche Nachricht"));
  });

  it("asks before plain text loses formatting and then sends text/plain only, quote included", async () => {
    const start: ComposeStart = {
      ...reply,
      bodyHtml: "<p><strong>Fett</strong> und normal</p>",
      quoteHtml: '<div class="kontor-quote"><p>-----Ursprüngliche Nachricht-----</p><blockquote type="cite"><p>Hallo Alice</p></blockquote></div>',
      signatures,
      signature: "b",
    };
    const { shell, sent } = setup(start, { mode: "reply", id: 12, mailto: null });
    await screen.findByTestId("compose-window");
    const format = screen.getByTestId<HTMLSelectElement>("compose-format");
    expect([...format.options].map((o) => o.text)).toEqual(["HTML", "Nur-Text"]);
    fireEvent.change(format, { target: { value: "plain" } });
    expect(screen.getByTestId("compose-ask-plain").textContent).toContain("Formatierungen wie Fettdruck");
    fireEvent.click(screen.getByTestId("compose-ask-cancel"));
    expect(screen.queryByTestId("compose-plain-body")).toBeNull();
    fireEvent.change(format, { target: { value: "plain" } });
    fireEvent.click(screen.getByTestId("compose-ask-plain-switch"));
    const text = screen.getByTestId<HTMLTextAreaElement>("compose-plain-body");
    expect(text.value).toBe("Fett und normal\n\nGruß, Alice");
    expect(screen.getByTestId<HTMLSelectElement>("compose-signature").disabled).toBe(true);
    fireEvent.change(text, { target: { value: "Nur Text.\n\nGruß, Alice" } });
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(shell.close).toHaveBeenCalled();
    });
    expect(sent[0]?.html).toBeNull();
    expect(sent[0]?.body).toBe("Nur Text.\n\nGruß, Alice\n\n-----Ursprüngliche Nachricht-----\n> Hallo Alice");
    expect(sent[0]?.quoted).toBe(true);
  });

  it("switches plain text without formatting at once, and back to HTML", async () => {
    const start: ComposeStart = { ...reply, mode: "new", quoteHtml: "", replyTo: null, bodyHtml: "<p>Hallo</p>" };
    setup(start, { mode: "new", id: null, mailto: null }, "en");
    await screen.findByTestId("compose-window");
    fireEvent.change(screen.getByTestId("compose-format"), { target: { value: "plain" } });
    expect(screen.queryByTestId("compose-ask-plain")).toBeNull();
    const text = screen.getByTestId<HTMLTextAreaElement>("compose-plain-body");
    expect(text.value).toBe("Hallo");
    fireEvent.change(text, { target: { value: "Hallo\nBob" } });
    fireEvent.change(screen.getByTestId("compose-format"), { target: { value: "html" } });
    const body = await screen.findByTestId("compose-body");
    await waitFor(() => {
      expect(body.innerHTML).toContain("<p>Hallo</p><p>Bob</p>");
    });
    // No signatures: no signature choice.
    expect(screen.queryByTestId("compose-signature")).toBeNull();
  });

  it("stays open and names both sizes when the message is larger than the server accepts", async () => {
    const { api, shell } = setup(reply, { mode: "reply", id: 12, mailto: null }, "en");
    const message = "This message is 25.3 MB; the server accepts at most 20 MB. Remove attachments or send them in several messages.";
    api.sendMail = vi.fn(() => Promise.reject(new CommandError({ code: "invalid_input", message, detail: "the message is 26528000 bytes; the server accepts at most 20 MB" })));
    await screen.findByTestId("compose-window");
    fireEvent.click(screen.getByTestId("compose-send"));
    await waitFor(() => {
      expect(screen.getByTestId("compose-error").textContent).toContain(message);
    });
    expect(shell.close).not.toHaveBeenCalled();
    expect(screen.getByTestId<HTMLButtonElement>("compose-send").disabled).toBe(false);
  });
});
