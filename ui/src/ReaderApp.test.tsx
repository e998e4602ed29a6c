import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MessageView } from "./lib/bindings";
import { CommandError } from "./lib/ipc";
import { safetyMocks } from "./mail/test-safety";
import { ReaderApp, type ReaderWindowApi } from "./ReaderApp";
import { readerParams } from "./mail/reader-window";

afterEach(cleanup);

function view(subject: string): MessageView {
  return {
    message: {
      id: -3,
      folderId: "",
      subject,
      from: { name: "Bob Baker", addr: "bob@kontor.test" },
      to: [],
      date: 1_780_000_000,
      preview: "",
      read: true,
      flag: "none",
      importance: "normal",
      hasAttachments: false,
      size: 100,
      pending: false,
    },
    to: [{ name: "Alice", addr: "alice@kontor.test" }],
    cc: [],
    body: { format: "plain", text: "Grüße aus Köln", html: "", remoteBlocked: 0, trackersBlocked: 0, remoteForbidden: false, remoteAllowed: false, complete: true },
    attachments: [],
    invitation: null,
  };
}

function fakeApi(over: Partial<ReaderWindowApi> = {}) {
  return {
    messageView: vi.fn(() => Promise.resolve(view("Angebot Drucker"))),
    fetchMessageBody: vi.fn(() => Promise.resolve(view("Angebot Drucker"))),
    ...safetyMocks(),
    saveAttachment: vi.fn(() => Promise.resolve("/tmp/x")),
    openLink: vi.fn(() => Promise.resolve(null)),
    allowRemoteContent: vi.fn(() => Promise.resolve(null)),
    respondToMeeting: vi.fn(() => Promise.resolve(null)),
    respondToInvitation: vi.fn(() => Promise.resolve(null)),
    onAttachmentProgress: vi.fn(() => () => undefined),
    saveMessageFile: vi.fn(() => Promise.resolve("/home/alice/Downloads/Angebot Drucker.eml")),
    ...over,
  } satisfies ReaderWindowApi;
}

describe("readerParams", () => {
  it("reads the message id of a reader window's page", () => {
    expect(readerParams("#reader?id=-3")).toEqual({ id: -3 });
    expect(readerParams("#reader?id=12")).toEqual({ id: 12 });
    expect(readerParams("#reader?id=x")).toBeNull();
    expect(readerParams("#reader")).toBeNull();
    expect(readerParams("#compose?mode=new")).toBeNull();
    expect(readerParams("")).toBeNull();
  });
});

describe("ReaderApp", () => {
  it("shows the message, names the window after it, saves it as a file and closes on Esc", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    const shell = { close: vi.fn() };
    render(<ReaderApp messageId={-3} api={api} shell={shell} lang="de" />);
    expect((await screen.findByTestId("reader-subject")).textContent).toBe("Angebot Drucker");
    expect(api.messageView).toHaveBeenCalledWith(-3, false);
    await waitFor(() => {
      expect(document.title).toBe("Angebot Drucker – Nachricht");
    });
    await user.click(screen.getByTestId("action-save-file"));
    expect(api.saveMessageFile).toHaveBeenCalledWith(-3, null);
    expect((await screen.findByTestId("toast-text")).textContent).toBe(
      "Nachricht gespeichert unter /home/alice/Downloads/Angebot Drucker.eml",
    );
    await user.keyboard("{Escape}");
    expect(shell.close).toHaveBeenCalled();
  });

  it("says plainly when the message cannot be saved", async () => {
    const user = userEvent.setup();
    const api = fakeApi({
      saveMessageFile: vi.fn(() =>
        Promise.reject(new CommandError({ code: "storage", message: "Die Datei konnte nicht geschrieben werden.", detail: "" })),
      ),
    });
    render(<ReaderApp messageId={-3} api={api} shell={{ close: vi.fn() }} lang="de" />);
    await screen.findByTestId("reader-subject");
    await user.click(screen.getByTestId("action-save-file"));
    expect((await screen.findByTestId("toast-text")).textContent).toBe("Die Datei konnte nicht geschrieben werden.");
  });
});
