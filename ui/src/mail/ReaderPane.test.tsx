import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AttachmentProgress, Invitation, MessageBody, MessageView } from "../lib/bindings";
import { CommandError } from "../lib/ipc";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { ReaderPane, SETTLE_MS, type ReaderApi } from "./ReaderPane";

afterEach(cleanup);

function view(id: number, body: Partial<MessageBody> = {}): MessageView {
  return {
    message: {
      id,
      folderId: "inbox",
      subject: `Nachricht ${id}`,
      from: { name: "Thomas Becker", addr: "thomas@example.de" },
      to: [],
      date: 1_780_000_000,
      preview: "",
      read: true,
      flag: "none",
      importance: "normal",
      hasAttachments: true,
      size: 100,
      pending: false,
    },
    to: [{ name: "Alice", addr: "alice@example.de" }],
    cc: [],
    body: { format: "plain", text: `Text ${id}`, html: "", remoteBlocked: 0, trackersBlocked: 0, remoteAllowed: false, complete: true, ...body },
    attachments: [{ id: 7, name: "Angebot.pdf", contentType: "application/pdf", size: 48_000, inline: false }],
    invitation: null,
  };
}

function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function fakeApi(over: Partial<ReaderApi> = {}) {
  return {
    messageView: vi.fn((id: number) => Promise.resolve(view(id))),
    fetchMessageBody: vi.fn((id: number) => Promise.resolve(view(id))),
    openAttachment: vi.fn(() => Promise.resolve(null)),
    saveAttachment: vi.fn(() => Promise.resolve("/home/alice/Downloads/Angebot.pdf")),
    openLink: vi.fn(() => Promise.resolve(null)),
    allowRemoteContent: vi.fn(() => Promise.resolve(null)),
    respondToMeeting: vi.fn(() => Promise.resolve(null)),
    respondToInvitation: vi.fn(() => Promise.resolve(null)),
    onAttachmentProgress: vi.fn(() => () => undefined),
    ...over,
  } satisfies ReaderApi;
}

function renderPane(api: ReaderApi, messageId: number | null, notify = vi.fn(), lang: Lang = "de") {
  const ui = (id: number | null) => (
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <ReaderPane api={api} messageId={id} selectedCount={1} allSelected={false} onShown={() => undefined} notify={notify} position="right" />
    </I18nContext.Provider>
  );
  const r = render(ui(messageId));
  return { ...r, show: (id: number | null) => { r.rerender(ui(id)); } };
}

describe("ReaderPane", () => {
  it("ignores an answer for a message no longer selected", async () => {
    const slow = deferred<MessageView>();
    const api = fakeApi({ messageView: vi.fn((id: number) => (id === 1 ? slow.promise : Promise.resolve(view(id)))) });
    const { show } = renderPane(api, 1);
    show(2);
    expect((await screen.findByTestId("reader-subject")).textContent).toBe("Nachricht 2");
    slow.resolve(view(1));
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.getByTestId("reader-subject").textContent).toBe("Nachricht 2");
  });

  it("loads only where a quickly moving selection comes to rest", async () => {
    const messageView = vi.fn((id: number, allow: boolean) => Promise.resolve(view(id, { remoteAllowed: allow })));
    const api = fakeApi({ messageView });
    const { show } = renderPane(api, 1);
    expect((await screen.findByTestId("reader-subject")).textContent).toBe("Nachricht 1");
    // A held arrow key: a new message every 30 ms.
    for (const id of [2, 3, 4, 5]) {
      show(id);
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(messageView.mock.calls.map((c) => c[0])).toEqual([1]);
    expect((await screen.findByTestId("reader-subject")).textContent).toBe("Nachricht 5");
    expect(messageView.mock.calls.map((c) => c[0])).toEqual([1, 5]);
    // After a rest, the next change is shown at once again.
    await new Promise((r) => setTimeout(r, SETTLE_MS + 10));
    show(6);
    await waitFor(() => {
      expect(messageView).toHaveBeenLastCalledWith(6, false);
    });
  });

  it("shows an attachment's download progress until it is saved", async () => {
    let progress: ((p: AttachmentProgress) => void) | null = null;
    const saved = deferred<string>();
    const api = fakeApi({
      saveAttachment: vi.fn(() => saved.promise),
      onAttachmentProgress: vi.fn((cb: (p: AttachmentProgress) => void) => {
        progress = cb;
        return () => undefined;
      }),
    });
    const notify = vi.fn();
    renderPane(api, 1, notify);
    await userEvent.setup().click(await screen.findByTestId("attachment-save"));
    expect(screen.getByTestId("attachment-save")).toHaveProperty("disabled", true);
    act(() => {
      progress?.({ attachmentId: 7, received: 24_000, total: 48_000 });
    });
    expect(screen.getByTestId("attachment-progress").textContent).toContain("von");
    expect(screen.getByRole("progressbar", { name: "Angebot.pdf wird heruntergeladen" }).getAttribute("value")).toBe("24000");
    // Another attachment's progress is not this one's.
    act(() => {
      progress?.({ attachmentId: 8, received: 1, total: 2 });
    });
    expect(screen.getAllByTestId("attachment-progress")).toHaveLength(1);
    saved.resolve("/home/alice/Downloads/Angebot.pdf");
    await waitFor(() => {
      expect(screen.queryByTestId("attachment-progress")).toBeNull();
    });
    expect(notify).toHaveBeenCalledWith({ key: "mail.att.saved", vars: { path: "/home/alice/Downloads/Angebot.pdf" } });
  });

  it("fetches an incomplete body and says so plainly when offline", async () => {
    const api = fakeApi({
      messageView: vi.fn((id: number) => Promise.resolve(view(id, { format: "none", text: "", complete: false }))),
      fetchMessageBody: vi.fn(() => Promise.reject(new CommandError({ code: "unreachable", message: "offline", detail: "" }))),
    });
    renderPane(api, 3);
    expect((await screen.findByTestId("reader-offline")).textContent).toBe(
      "Der Text dieser Nachricht ist noch nicht auf diesem Computer. Er wird geladen, sobald Sie online sind.",
    );
    expect(api.fetchMessageBody).toHaveBeenCalledWith(3, false);
  });

  it("shows HTML in a sandboxed frame and loads blocked remote content on request", async () => {
    const api = fakeApi({
      messageView: vi.fn((id: number, allow: boolean) =>
        Promise.resolve(view(id, { format: "html", html: "<p>Hallo</p>", remoteBlocked: allow ? 0 : 2, remoteAllowed: allow })),
      ),
    });
    renderPane(api, 4);
    const frame = await screen.findByTestId("reader-html");
    expect(frame.getAttribute("sandbox")).toBe("allow-scripts");
    expect(frame.getAttribute("srcdoc")).toContain("<p>Hallo</p>");
    expect(frame.getAttribute("srcdoc")).not.toContain("https:");
    const user = userEvent.setup();
    expect(screen.getByTestId("remote-always").textContent).toBe("Immer für thomas@example.de");
    await user.click(screen.getByTestId("remote-load"));
    await waitFor(() => {
      expect(screen.queryByTestId("remote-bar")).toBeNull();
    });
    expect(api.messageView).toHaveBeenLastCalledWith(4, true);
    expect(screen.getByTestId("reader-html").getAttribute("srcdoc")).toContain("img-src data: https:");
  });

  it("remembers a sender and reloads", async () => {
    const api = fakeApi({
      messageView: vi.fn((id: number, allow: boolean) =>
        Promise.resolve(view(id, { format: "html", html: "<p>x</p>", remoteBlocked: allow ? 0 : 1, remoteAllowed: allow })),
      ),
    });
    renderPane(api, 5);
    await userEvent.click(await screen.findByTestId("remote-always"));
    expect(api.allowRemoteContent).toHaveBeenCalledWith("thomas@example.de");
    await waitFor(() => {
      expect(screen.queryByTestId("remote-bar")).toBeNull();
    });
  });

  it("saves an attachment to Downloads and shows where", async () => {
    const notify = vi.fn();
    const api = fakeApi();
    renderPane(api, 6, notify, "en");
    await userEvent.click(await screen.findByTestId("attachment-save"));
    expect(api.saveAttachment).toHaveBeenCalledWith(7, null);
    await waitFor(() => {
      expect(notify).toHaveBeenCalledWith({ key: "mail.att.saved", vars: { path: "/home/alice/Downloads/Angebot.pdf" } });
    });
    await userEvent.click(screen.getByTestId("attachment-open"));
    expect(api.openAttachment).toHaveBeenCalledWith(7);
  });

  const invitation: Invitation = {
    eventId: 42,
    uid: "abc@example.de",
    summary: "Projekttreffen",
    location: "Raum 3",
    organizer: "Thomas Becker",
    start: "2026-12-07T09:00:00Z",
    end: "2026-12-07T10:00:00Z",
    allDay: false,
  };
  const withInvitation = (inv: Invitation) => (id: number) => Promise.resolve({ ...view(id), invitation: inv });

  it("answers an invitation and says so in a toast", async () => {
    const notify = vi.fn();
    const api = fakeApi({ messageView: vi.fn(withInvitation(invitation)) });
    renderPane(api, 8, notify);
    const accept = await screen.findByTestId("invitation-accept");
    expect(accept.textContent).toBe("Zusagen");
    expect(screen.getByTestId("invitation-tentative").textContent).toBe("Mit Vorbehalt");
    expect(screen.getByTestId("invitation-decline").textContent).toBe("Ablehnen");
    expect(screen.queryByTestId("invitation-not-synced")).toBeNull();
    const user = userEvent.setup();
    await user.click(accept);
    expect(api.respondToMeeting).toHaveBeenCalledWith(42, "accepted");
    await waitFor(() => {
      expect(notify).toHaveBeenCalledWith({ key: "mail.invite.accepted" });
    });
    await user.click(screen.getByTestId("invitation-tentative"));
    expect(api.respondToMeeting).toHaveBeenLastCalledWith(42, "tentative");
    await waitFor(() => {
      expect(notify).toHaveBeenLastCalledWith({ key: "mail.invite.tentativeDone" });
    });
    await user.click(screen.getByTestId("invitation-decline"));
    expect(api.respondToMeeting).toHaveBeenLastCalledWith(42, "declined");
    await waitFor(() => {
      expect(notify).toHaveBeenLastCalledWith({ key: "mail.invite.declined" });
    });
  });

  it("shows the error when the answer fails, and no toast", async () => {
    const notify = vi.fn();
    const api = fakeApi({
      messageView: vi.fn(withInvitation(invitation)),
      respondToMeeting: vi.fn(() =>
        Promise.reject(new CommandError({ code: "server_error", message: "Der Server hat die Antwort abgelehnt.", detail: "status 500" })),
      ),
    });
    renderPane(api, 9, notify, "en");
    await userEvent.click(await screen.findByTestId("invitation-decline"));
    const error = await screen.findByTestId("error");
    expect(error.textContent).toContain("The answer could not be sent");
    expect(error.textContent).toContain("Der Server hat die Antwort abgelehnt.");
    expect(notify).not.toHaveBeenCalled();
    expect(screen.getByTestId("invitation-accept").hasAttribute("disabled")).toBe(false);
  });

  it("answers an invitation whose event no calendar holds on its mail", async () => {
    const notify = vi.fn();
    const api = fakeApi({ messageView: vi.fn(withInvitation({ ...invitation, eventId: null })) });
    renderPane(api, 10, notify);
    await userEvent.click(await screen.findByTestId("invitation-accept"));
    expect(api.respondToInvitation).toHaveBeenCalledWith(10, "accepted");
    expect(api.respondToMeeting).not.toHaveBeenCalled();
    await waitFor(() => {
      expect(notify).toHaveBeenCalledWith({ key: "mail.invite.accepted" });
    });
  });
});
