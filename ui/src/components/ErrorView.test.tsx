import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Account, EffectiveSettings, Folder, IpcError } from "../lib/bindings";
import { App, type AppApi } from "../App";
import { certificateText } from "../lib/certificate";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";

afterEach(cleanup);

const authFailed: IpcError = {
  code: "auth_failed",
  message: "The server rejected the user name or password.",
  detail: "HTTP 401 Unauthorized from http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync",
};

const noPolicy: EffectiveSettings = {
  serverUrl: { value: null, source: "default", locked: false },
  caldavUrl: { value: null, source: "default", locked: false },
  autohideReminders: { value: false, source: "default", locked: false },
  autohideSeconds: { value: 15, source: "default", locked: false },
  signatures: { value: { list: [] }, source: "default", locked: false },
  quoteStyle: { value: "outlook", source: "default", locked: false },
  maxMessageMb: { value: 20, source: "default", locked: false },
  mailSyncWindow: { value: 0, source: "default", locked: false },
  closeToTray: { value: true, source: "default", locked: false },
  autostart: { value: false, source: "default", locked: false },
  lockSettings: { value: false, source: "default", locked: true },
};

function fakeApi(overrides: Partial<AppApi> = {}): AppApi {
  return {
    setLanguage: vi.fn(() => Promise.resolve(null)),
    account: vi.fn(() => Promise.resolve(null)),
    signIn: vi.fn(() => Promise.reject(new Error("not expected"))),
    onSignInProgress: vi.fn(() => () => undefined),
    folders: vi.fn(() => Promise.resolve([])),
    refreshFolders: vi.fn(() => Promise.resolve([])),
    signOut: vi.fn(() => Promise.resolve(null)),
    effectiveSettings: vi.fn(() => Promise.resolve(noPolicy)),
    ...overrides,
  };
}

describe("ErrorView", () => {
  it("shows the message up front and the detail folded away", () => {
    render(<ErrorView error={authFailed} heading="Could not sign in" />);
    const alert = screen.getByRole("alert");
    expect(alert.dataset.code).toBe("auth_failed");
    expect(within(alert).getByTestId("error-message").textContent).toBe(authFailed.message);
    const details = alert.querySelector("details")!;
    expect(details.open).toBe(false);
    expect(within(details).getByTestId("error-detail").textContent).toContain("HTTP 401");
    expect(within(details).getByText("Error code: auth_failed")).toBeTruthy();
  });

  it("leaves out an empty detail", () => {
    render(<ErrorView error={{ ...authFailed, detail: "" }} />);
    expect(screen.queryByTestId("error-detail")).toBeNull();
  });
});

const FP = "3A:9F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";

/** An expired certificate as the core reports it (2025-01-01 to 2026-01-01, UTC). */
const expired: IpcError = {
  code: "tls",
  message:
    "The server's certificate has expired (valid 2025-01-01 to 2026-01-01). Tell your IT department: the certificate of mail.firma.de must be renewed.",
  detail: "invalid peer certificate: Expired",
  tls: {
    kind: "expired",
    host: "mail.firma.de",
    subject: "CN=mail.firma.de",
    issuer: "CN=Firma CA",
    notBefore: 1_735_689_600,
    notAfter: 1_767_225_600,
    names: ["mail.firma.de", "autodiscover.firma.de"],
    sha256: FP,
  },
};

function renderIn(lang: Lang, error: IpcError) {
  return render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <ErrorView error={error} heading={translator(lang)("error.heading")} />
    </I18nContext.Provider>,
  );
}

function field(id: string): string {
  return screen.getByTestId(`tls-${id}`).textContent;
}

describe("ErrorView with a certificate failure", () => {
  it("shows the plain message, then the certificate in English", () => {
    renderIn("en", expired);
    const alert = screen.getByRole("alert");
    expect(alert.dataset.tls).toBe("expired");
    expect(within(alert).getByTestId("error-message").textContent).toBe(expired.message);
    const block = within(alert).getByTestId("tls-certificate");
    expect(within(block).getByText("Certificate")).toBeTruthy();
    const labels = [...block.querySelectorAll("dt")].map((e) => e.textContent);
    expect(labels).toEqual(["Problem", "Server", "Issued to", "Issued by", "Valid from", "Valid until", "Valid for the names", "SHA-256 fingerprint"]);
    expect(field("problem")).toBe("Expired since January 1, 2026 at 12:00 AM UTC");
    expect(field("host")).toBe("mail.firma.de");
    expect(field("subject")).toBe("CN=mail.firma.de");
    expect(field("issuer")).toBe("CN=Firma CA");
    expect(field("valid-from")).toBe("January 1, 2025 at 12:00 AM UTC");
    expect(field("valid-until")).toBe("January 1, 2026 at 12:00 AM UTC");
    expect(field("names")).toBe("mail.firma.de, autodiscover.firma.de");
    expect(field("sha256")).toBe(FP);
    expect(screen.getByTestId("tls-sha256").className).toBe("tls-fingerprint");
    expect(screen.getByRole("button", { name: "Copy details for IT" })).toBeTruthy();
  });

  it("speaks German, dates included", () => {
    renderIn("de", { ...expired, message: "Das Zertifikat des Servers ist abgelaufen …" });
    const block = screen.getByTestId("tls-certificate");
    const labels = [...block.querySelectorAll("dt")].map((e) => e.textContent);
    expect(labels).toEqual(["Problem", "Server", "Ausgestellt für", "Ausgestellt von", "Gültig ab", "Gültig bis", "Gültig für die Namen", "SHA-256-Fingerabdruck"]);
    expect(within(block).getByText("Zertifikat")).toBeTruthy();
    expect(field("problem")).toBe("Abgelaufen seit 1. Januar 2026 um 00:00 UTC");
    expect(field("valid-from")).toBe("1. Januar 2025 um 00:00 UTC");
    expect(screen.getByRole("button", { name: "Details für die IT-Abteilung kopieren" })).toBeTruthy();
    // Nothing English on the German block (the certificate's own names aside).
    const words = [...block.querySelectorAll("dt, h3, button")].map((e) => e.textContent).join(" ");
    for (const english of ["Valid", "Issued", "Copy", "Certificate", "fingerprint"]) expect(words).not.toContain(english);
  });

  it("names each failed check in a few words", () => {
    const cases: [NonNullable<IpcError["tls"]>["kind"], string, string][] = [
      ["not_yet_valid", "Not valid before January 1, 2025 at 12:00 AM UTC", "Erst gültig ab 1. Januar 2025 um 00:00 UTC"],
      ["self_signed", "Self-signed", "Selbstsigniert"],
      ["unknown_issuer", "Issued by a certification authority this PC does not trust", "Von einer Zertifizierungsstelle ausgestellt, der dieser PC nicht vertraut"],
      ["name_mismatch", "Issued for another name", "Für einen anderen Namen ausgestellt"],
      ["revoked", "Revoked", "Widerrufen"],
      ["other", "No secure connection", "Keine verschlüsselte Verbindung"],
    ];
    for (const [kind, en, de] of cases) {
      const error = { ...expired, tls: { ...expired.tls!, kind } };
      renderIn("en", error);
      expect(field("problem")).toBe(en);
      cleanup();
      renderIn("de", error);
      expect(field("problem")).toBe(de);
      cleanup();
    }
  });

  it("says what was not received when the handshake failed before the certificate", () => {
    renderIn("en", { ...expired, tls: { kind: "other", host: "h", subject: null, issuer: null, notBefore: null, notAfter: null, names: [], sha256: null } });
    expect(field("subject")).toBe("not received");
    expect(field("valid-until")).toBe("not received");
    expect(field("names")).toBe("none");
    expect(field("sha256")).toBe("not received");
  });

  it("offers no way to accept the certificate", () => {
    renderIn("en", expired);
    const buttons = screen.getAllByRole("button").map((b) => b.textContent.toLowerCase());
    expect(buttons).toEqual(["copy details for it"]);
    for (const word of ["accept", "trust", "continue", "anyway", "ignore"]) {
      expect(buttons.join(" ")).not.toContain(word);
    }
  });

  it("copies the message and every field for IT as plain text", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    // After userEvent.setup(), which puts its own clipboard in place.
    const user = userEvent.setup();
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderIn("en", expired);
    await user.click(screen.getByTestId("tls-copy"));
    expect(writeText).toHaveBeenCalledTimes(1);
    const text = (writeText.mock.calls[0] as unknown as [string])[0];
    expect(text).toBe(certificateText(expired, expired.tls!, translator("en"), "en"));
    expect(text).toContain(expired.message);
    expect(text).toContain("Issued by: CN=Firma CA");
    expect(text).toContain("Valid until: January 1, 2026 at 12:00 AM UTC");
    expect(text).toContain(`SHA-256 fingerprint: ${FP}`);
    expect(text).toContain("Technical details: invalid peer certificate: Expired");
    expect((await screen.findByTestId("tls-copied")).textContent).toBe("Copied. Paste them into your message to IT.");
  });

  it("stays quiet when there is no clipboard", async () => {
    const user = userEvent.setup();
    Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
    renderIn("de", expired);
    await user.click(screen.getByTestId("tls-copy"));
    // No error and no false "copied"; jsdom has no execCommand("copy") either.
    expect(screen.queryByTestId("tls-copied")).toBeNull();
    expect(screen.getAllByRole("alert")).toHaveLength(1);
  });
});

describe("sign-in flow", () => {
  it("shows busy state, then the core's message when sign-in fails", async () => {
    const user = userEvent.setup();
    let reject: (e: IpcError) => void = () => undefined;
    const api = fakeApi({
      signIn: vi.fn(
        () =>
          new Promise<Account>((_, rej: (e: IpcError) => void) => {
            reject = rej;
          }),
      ),
    });
    render(<App api={api} lang="en" />);
    await user.type(await screen.findByTestId("email"), "alice@kontor.test");
    await user.click(screen.getByTestId("advanced-toggle"));
    await user.type(screen.getByTestId("server-url"), "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync");
    await user.type(screen.getByTestId("user"), "alice");
    await user.type(screen.getByTestId("password"), "wrong{Enter}");

    const button = screen.getByTestId("sign-in");
    expect(button.textContent).toBe("Signing in…");
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(api.signIn).toHaveBeenCalledWith({
      email: "alice@kontor.test",
      password: "wrong",
      server: "http://127.0.0.1:20000/SOGo/Microsoft-Server-ActiveSync",
      user: "alice",
    });

    reject(authFailed);
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByTestId("error-message").textContent).toBe(authFailed.message);
    expect(within(alert).getByText("Could not sign in")).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>("sign-in").disabled).toBe(false);
  });

  it("turns a non-IPC failure into an internal error with its text", async () => {
    const user = userEvent.setup();
    const api = fakeApi({ signIn: vi.fn(() => Promise.reject(new Error("shell crashed"))) });
    render(<App api={api} lang="de" />);
    await user.type(await screen.findByTestId("email"), "a@x");
    await user.type(screen.getByTestId("password"), "b{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert.dataset.code).toBe("internal");
    expect(within(alert).getByText("Anmeldung nicht möglich")).toBeTruthy();
    // The shell's own (English) text is no message for the user: it stays in the details.
    expect(within(alert).getByTestId("error-message").textContent).toBe("In Kontor selbst ist ein Fehler aufgetreten.");
    expect(within(alert).getByTestId("error-detail").textContent).toBe("shell crashed");
    expect(api.setLanguage).toHaveBeenCalledWith("de");
  });

  it("fills in and locks a server address set by IT policy", async () => {
    const user = userEvent.setup();
    const policyServer = "https://mail.example.com/Microsoft-Server-ActiveSync";
    const api = fakeApi({
      effectiveSettings: vi.fn(() =>
        Promise.resolve({
          ...noPolicy,
          serverUrl: { value: policyServer, source: "machine_policy" as const, locked: true },
        }),
      ),
    });
    render(<App api={api} lang="de" />);
    const field = await screen.findByTestId<HTMLInputElement>("server-url");
    await vi.waitFor(() => {
      expect(field.value).toBe(policyServer);
    });
    expect(field.readOnly).toBe(true);
    expect(screen.getByTestId("server-url-hint").textContent).toBe("Von Ihrer IT-Abteilung festgelegt.");
    await user.type(field, "typed");
    expect(field.value).toBe(policyServer);
  });

  it("leaves the server address free, and folded away, without a policy", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    render(<App api={api} lang="en" />);
    await screen.findByTestId("email");
    await vi.waitFor(() => {
      expect(api.effectiveSettings).toHaveBeenCalled();
    });
    expect(screen.queryByTestId("server-url")).toBeNull();
    await user.click(screen.getByTestId("advanced-toggle"));
    const field = screen.getByTestId<HTMLInputElement>("server-url");
    expect(field.readOnly).toBe(false);
    expect(field.value).toBe("");
  });

  it("asks for missing fields without calling the core", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    render(<App api={api} lang="en" />);
    await user.type(await screen.findByTestId("email"), "alice@kontor.test{Enter}");
    expect(screen.getByTestId("missing-fields").textContent).toContain("Please enter");
    expect(api.signIn).not.toHaveBeenCalled();
  });

  it("shows the folder tree after signing in", async () => {
    const user = userEvent.setup();
    const folders: Folder[] = [
      { id: "1", parentId: null, name: "Inbox", kind: "inbox", unread: 2, shared: false },
      { id: "2", parentId: null, name: "Bob's Calendar", kind: "calendar", unread: null, shared: true },
    ];
    const api = fakeApi({
      signIn: vi.fn(() => Promise.resolve({ serverUrl: "http://s", user: "alice", protocolVersion: "14.1" })),
      folders: vi.fn(() => Promise.resolve(folders)),
    });
    render(<App api={api} lang="en" />);
    await user.type(await screen.findByTestId("email"), "alice@kontor.test");
    await user.type(screen.getByTestId("password"), "pw{Enter}");
    const tree = await screen.findByTestId("folder-tree");
    const names = within(tree)
      .getAllByTestId("folder")
      .map((e) => e.textContent);
    // Calendars are in the calendar view, not in the mail tree; the Outbox (unsent messages) is
    // there though the server lists none.
    expect(names).toEqual(["Inbox", "Outbox"]);
    expect(within(tree).queryByTestId("section-calendars")).toBeNull();
    expect(within(tree).getByTestId("folder-unread").textContent).toBe("2");

    // Keyboard: the tree is one tab stop and arrows move through it.
    const items = within(tree).getAllByRole("treeitem");
    items[0]!.focus();
    await user.keyboard("{ArrowDown}");
    expect(document.activeElement?.textContent).toContain("Inbox");
    await user.keyboard("{Enter}");
    expect(document.activeElement?.getAttribute("aria-selected")).toBe("true");
  });
});
