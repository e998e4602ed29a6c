import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { safetyMocks } from "./test-safety";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AttachmentProgress, Invitation, LinkView, MessageBody, MessageView } from "../lib/bindings";
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
    body: { format: "plain", text: `Text ${id}`, html: "", remoteBlocked: 0, trackersBlocked: 0, remoteForbidden: false, remoteAllowed: false, complete: true, ...body },
    attachments: [{ id: 7, name: "Angebot.pdf", contentType: "application/pdf", size: 48_000, inline: false, risk: { level: "none", reasons: [] }, blocked: false }],
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
    ...safetyMocks(),
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
    expect(api.openAttachment).toHaveBeenCalledWith(7, "none");
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
    expect(api.respondToMeeting).toHaveBeenCalledWith(42, "accepted", null, true);
    await waitFor(() => {
      expect(notify).toHaveBeenCalledWith({ key: "mail.invite.accepted" });
    });
    await user.click(screen.getByTestId("invitation-tentative"));
    expect(api.respondToMeeting).toHaveBeenLastCalledWith(42, "tentative", null, true);
    await waitFor(() => {
      expect(notify).toHaveBeenLastCalledWith({ key: "mail.invite.tentativeDone" });
    });
    await user.click(screen.getByTestId("invitation-decline"));
    expect(api.respondToMeeting).toHaveBeenLastCalledWith(42, "declined", null, true);
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

describe("ReaderPane: safety cues", () => {
  it("shows the sender's cues and the External tag, in German", async () => {
    const api = fakeApi({
      messageSafety: vi.fn((id: number) =>
        Promise.resolve({
          messageId: id,
          sender: {
            external: true,
            showAddress: true,
            cues: [
              { nameContainsOtherAddress: { shown: "service@paypal.de", actual: "kundenservice@paypa1-konto.top" } },
              { replyToOtherDomain: { replyToDomain: "stadtwerke-rechnung.top", fromDomain: "stadtwerke-koeln.de" } },
              { lookAlikeDomain: { domain: "k0ntor.test", similarTo: "kontor.test", reason: "confusable" as const, punycode: null, unicode: null } },
            ],
          },
          senderDomain: "paypa1-konto.top",
          directoryChecked: true,
          attachments: [],
        }),
      ),
    });
    renderPane(api, 1);
    const box = await screen.findByTestId("sender-warnings");
    expect(box.textContent).toContain("Vorsicht bei dieser Nachricht");
    const cues = screen.getAllByTestId("sender-cue").map((c) => c.textContent);
    expect(cues).toEqual([
      "Der Absender nennt sich „service@paypal.de“, schreibt aber von kundenservice@paypa1-konto.top.",
      "Antworten gehen an stadtwerke-rechnung.top, nicht an die Domain des Absenders stadtwerke-koeln.de.",
      "Die Domain des Absenders k0ntor.test sieht aus wie kontor.test, ist aber eine andere (ähnlich aussehende Zeichen).",
    ]);
    expect(screen.getByTestId("external-tag").textContent).toBe("Extern");
  });

  it("asks before opening a dangerous attachment and opens it only once confirmed", async () => {
    const risky = {
      ...view(3),
      attachments: [
        {
          id: 9,
          name: "Rechnung.pdf.exe",
          contentType: "application/octet-stream",
          size: 64,
          inline: false,
          risk: { level: "dangerous" as const, reasons: [{ executable: { ext: "exe" } }, { doubleExtension: { shown: "pdf", real: "exe" } }] },
          blocked: false,
        },
      ],
    };
    const api = fakeApi({ messageView: vi.fn(() => Promise.resolve(risky)) });
    renderPane(api, 3, vi.fn(), "en");
    const warning = await screen.findByTestId("attachment-warning");
    expect(warning.textContent).toBe("Dangerous A program or script (.exe) can take over your computer. The name pretends to be .pdf but is .exe.");
    await userEvent.click(screen.getByTestId("attachment-open"));
    expect(api.openAttachment).not.toHaveBeenCalled();
    expect(screen.getByTestId("attachment-confirm").textContent).toContain("Open “Rechnung.pdf.exe”?");
    await userEvent.click(screen.getByTestId("attachment-confirm-cancel"));
    expect(api.openAttachment).not.toHaveBeenCalled();
    await userEvent.click(screen.getByTestId("attachment-open"));
    await userEvent.click(screen.getByTestId("attachment-confirm-open"));
    expect(api.openAttachment).toHaveBeenCalledWith(9, "dangerous");
  });

  it("asks again when the content is riskier than the name said, and blocks what policy blocks", async () => {
    const zip = {
      ...view(4),
      attachments: [
        { id: 10, name: "Unterlagen.zip", contentType: "application/zip", size: 900, inline: false, risk: { level: "none" as const, reasons: [] }, blocked: false },
        {
          id: 11,
          name: "Lieferschein.js",
          contentType: "application/javascript",
          size: 20,
          inline: false,
          risk: { level: "dangerous" as const, reasons: [{ executable: { ext: "js" } }] },
          blocked: true,
        },
      ],
    };
    const openAttachment = vi.fn((_id: number, accepted: string) =>
      Promise.resolve(
        accepted === "none"
          ? { opened: false, risk: { level: "dangerous" as const, reasons: [{ archiveContains: { entries: ["scan_0042.js"] } }] } }
          : { opened: true, risk: { level: "dangerous" as const, reasons: [] } },
      ),
    );
    const api = fakeApi({ messageView: vi.fn(() => Promise.resolve(zip)), openAttachment });
    renderPane(api, 4);
    const [zipOpen, jsOpen] = await screen.findAllByTestId("attachment-open");
    expect(jsOpen?.hasAttribute("disabled")).toBe(true);
    expect(screen.getAllByTestId("attachment-save")[1]?.hasAttribute("disabled")).toBe(true);
    expect(screen.getByTestId("attachment-warning").textContent).toContain("Von Ihrer IT-Abteilung gesperrt");
    await userEvent.click(zipOpen as HTMLElement);
    expect(openAttachment).toHaveBeenCalledWith(10, "none");
    const confirm = await screen.findByTestId("attachment-confirm");
    expect(confirm.textContent).toContain("Das Archiv enthält gefährliche Dateien: scan_0042.js");
    await userEvent.click(screen.getByTestId("attachment-confirm-open"));
    expect(openAttachment).toHaveBeenLastCalledWith(10, "dangerous");
  });

  it("shows a link's real target while pointing at it, names both domains before opening, and never opens a blocked one", async () => {
    const notify = vi.fn();
    const checkLink = vi.fn(
      (href: string, text: string): Promise<LinkView> =>
      Promise.resolve({
        check: {
          target: href,
          host: "login.paypa1-konto.top",
          registrableDomain: "paypa1-konto.top",
          domainRange: { start: 14, end: 30 },
          verdict: href.startsWith("javascript") ? { blocked: "javaScript" as const } : { ask: [{ textShowsOtherDomain: { shown: text, target: "paypa1-konto.top" } }] },
        },
        before: "https://login.",
        domain: "paypa1-konto.top",
        after: "/x",
      }),
    );
    const api = fakeApi({
      checkLink,
      messageView: vi.fn((id: number) => Promise.resolve(view(id, { text: "Bitte hier: https://login.paypa1-konto.top/x" }))),
    });
    renderPane(api, 5, notify);
    const link = await screen.findByRole("link");
    await userEvent.hover(link);
    const status = await screen.findByTestId("link-status");
    expect(status.textContent).toBe("Link führt zu https://login.paypa1-konto.top/x");
    expect(status.querySelector("strong")?.textContent).toBe("paypa1-konto.top");
    await userEvent.click(link);
    const dialog = await screen.findByTestId("link-confirm");
    expect(dialog.textContent).toContain("Dieser Link führt vielleicht nicht dorthin, wo er zu führen scheint.");
    expect(dialog.textContent).toContain("Der Link zeigt https://login.paypa1-konto.top/x, führt aber zu paypa1-konto.top.");
    expect(screen.getByTestId("link-open").textContent).toBe("Trotzdem öffnen");
    await userEvent.click(screen.getByTestId("link-cancel"));
    expect(api.openLink).not.toHaveBeenCalled();
    checkLink.mockImplementation(() =>
      Promise.resolve({
        check: { target: "javascript:alert(1)", host: null, registrableDomain: null, domainRange: null, verdict: { blocked: "javaScript" as const } },
        before: "javascript:alert(1)",
        domain: "",
        after: "",
      }),
    );
    await userEvent.click(link);
    await waitFor(() => {
      expect(notify).toHaveBeenCalledWith({ text: "Dieser Link wird nie geöffnet: er würde ein Skript ausführen." });
    });
    expect(screen.queryByTestId("link-confirm")).toBeNull();
  });
});

describe("ReaderPane: attachments judged by their content", () => {
  it("replaces the risk by name with the core's look inside once it answers", async () => {
    const zip = {
      ...view(8),
      attachments: [{ id: 12, name: "Geschützt.zip", contentType: "application/zip", size: 300, inline: false, risk: { level: "none" as const, reasons: [] }, blocked: false }],
    };
    const api = fakeApi({
      messageView: vi.fn(() => Promise.resolve(zip)),
      messageSafety: vi.fn((id: number) =>
        Promise.resolve({
          messageId: id,
          sender: { external: false, showAddress: false, cues: [] },
          senderDomain: null,
          directoryChecked: false,
          attachments: [{ id: 12, risk: { level: "dangerous" as const, reasons: ["encryptedArchive" as const] }, blocked: false }],
        }),
      ),
    });
    renderPane(api, 8, vi.fn(), "en");
    const warning = await screen.findByTestId("attachment-warning");
    expect(warning.textContent).toBe("Dangerous An encrypted archive: no virus scanner can look inside.");
    await userEvent.click(screen.getByTestId("attachment-open"));
    expect(screen.getByTestId("attachment-confirm").textContent).toContain("An encrypted archive");
  });
});
