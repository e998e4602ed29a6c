import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Account, EffectiveSettings, SignIn, SignInStep } from "../lib/bindings";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { CommandError } from "../lib/ipc";
import { AccountScreen } from "./AccountScreen";

afterEach(cleanup);

const account: Account = {
  serverUrl: "https://mail.firma.de/Microsoft-Server-ActiveSync",
  user: "carol@firma.de",
  protocolVersion: "14.1",
};

function settings(serverUrl: string | null, locked = false): EffectiveSettings {
  return {
    serverUrl: { value: serverUrl, source: locked ? "machine_policy" : "default", locked },
  } as unknown as EffectiveSettings;
}

/** A fake shell: `finish` settles the pending sign-in, `step` sends a progress event. */
function fakeApi(preset: EffectiveSettings = settings(null)) {
  let progress: ((s: SignInStep) => void) | null = null;
  let settle: { ok: (a: Account) => void; fail: (e: unknown) => void } | null = null;
  const api = {
    signIn: vi.fn<(req: SignIn) => Promise<Account>>(
      () =>
        new Promise<Account>((ok, fail) => {
          settle = { ok, fail };
        }),
    ),
    effectiveSettings: vi.fn(() => Promise.resolve(preset)),
    onSignInProgress: vi.fn((cb: (s: SignInStep) => void) => {
      progress = cb;
      return () => undefined;
    }),
  };
  return {
    api,
    step: (s: SignInStep) => {
      act(() => progress?.(s));
    },
    succeed: async (a: Account) => {
      await act(async () => {
        settle?.ok(a);
        await Promise.resolve();
      });
    },
    fail: async (e: unknown) => {
      await act(async () => {
        settle?.fail(e);
        await Promise.resolve();
      });
    },
  };
}

function renderIn(lang: Lang, api: ReturnType<typeof fakeApi>["api"], onSignedIn = vi.fn()) {
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <AccountScreen api={api} onSignedIn={onSignedIn} />
    </I18nContext.Provider>,
  );
  return onSignedIn;
}

describe("AccountScreen", () => {
  it("asks for e-mail address and password only, and keeps the server under Advanced", async () => {
    const fake = fakeApi();
    renderIn("en", fake.api);
    expect(screen.getByLabelText("E-mail address")).toBeTruthy();
    expect(screen.getByLabelText("Password")).toBeTruthy();
    expect(screen.queryByTestId("server-url")).toBeNull();
    expect(screen.queryByTestId("user")).toBeNull();
    const toggle = screen.getByRole("button", { name: "Advanced" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await userEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByLabelText("Server address")).toBeTruthy();
    expect(screen.getByLabelText("User name")).toBeTruthy();
  });

  it("signs in with address and password, says each step, and hands over the account", async () => {
    const fake = fakeApi();
    const onSignedIn = renderIn("en", fake.api);
    await userEvent.type(screen.getByLabelText("E-mail address"), " carol@firma.de ");
    await userEvent.type(screen.getByLabelText("Password"), "secret{Enter}");
    expect(fake.api.signIn).toHaveBeenCalledWith({
      email: "carol@firma.de",
      password: "secret",
      server: null,
      user: null,
    });
    expect(screen.getByTestId("sign-in-step").textContent).toBe("Signing in…");
    expect(screen.getByLabelText<HTMLInputElement>("E-mail address").disabled).toBe(true);
    fake.step("finding_server");
    expect(screen.getByRole("status").textContent).toBe("Searching for your server…");
    fake.step("checking_password");
    expect(screen.getByRole("status").textContent).toBe("Checking the password…");
    fake.step("reading_folders");
    expect(screen.getByRole("status").textContent).toBe("Reading the folders…");
    await fake.succeed(account);
    expect(onSignedIn).toHaveBeenCalledWith(account);
  });

  it("sends the server name and another user name from Advanced", async () => {
    const fake = fakeApi();
    renderIn("de", fake.api);
    await userEvent.type(screen.getByLabelText("E-Mail-Adresse"), "carol@kontor.test");
    await userEvent.type(screen.getByLabelText("Kennwort"), "carol123");
    await userEvent.click(screen.getByRole("button", { name: "Erweitert" }));
    await userEvent.type(screen.getByLabelText("Serveradresse"), "127.0.0.1:55080");
    expect(screen.getByLabelText<HTMLInputElement>("Benutzername").placeholder).toBe("carol@kontor.test");
    await userEvent.type(screen.getByLabelText("Benutzername"), "carol");
    await userEvent.click(screen.getByRole("button", { name: "Anmelden" }));
    expect(fake.api.signIn).toHaveBeenCalledWith({
      email: "carol@kontor.test",
      password: "carol123",
      server: "127.0.0.1:55080",
      user: "carol",
    });
    fake.step("checking_password");
    expect(screen.getByRole("status").textContent).toBe("Kennwort wird geprüft…");
  });

  it("asks for what is missing without calling the server", async () => {
    const fake = fakeApi();
    renderIn("de", fake.api);
    await userEvent.type(screen.getByLabelText("E-Mail-Adresse"), "carol@kontor.test{Enter}");
    expect(screen.getByRole("alert").textContent).toBe("Bitte E-Mail-Adresse und Kennwort eingeben.");
    expect(fake.api.signIn).not.toHaveBeenCalled();
  });

  it("shows a certificate failure with the certificate, in German too, and nothing to accept it", async () => {
    const selfSigned = {
      code: "tls" as const,
      message:
        "Das Zertifikat des Servers ist selbstsigniert: Keine Zertifizierungsstelle, der dieser PC vertraut, bürgt dafür. Sagen Sie Ihrer IT-Abteilung: 127.0.0.1 braucht ein Zertifikat einer vertrauenswürdigen Zertifizierungsstelle.",
      detail: "invalid peer certificate: UnknownIssuer",
      tls: {
        kind: "self_signed" as const,
        host: "127.0.0.1",
        subject: "CN=Kontor test 127.0.0.1",
        issuer: "CN=Kontor test 127.0.0.1",
        notBefore: 1_577_836_800,
        notAfter: 3_786_912_000,
        names: ["127.0.0.1"],
        sha256: "AA:BB:CC",
      },
    };
    const fake = fakeApi();
    renderIn("de", fake.api);
    await userEvent.type(screen.getByLabelText("E-Mail-Adresse"), "carol@kontor.test");
    await userEvent.type(screen.getByLabelText("Kennwort"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Erweitert" }));
    await userEvent.type(screen.getByLabelText("Serveradresse"), "https://127.0.0.1:8443/Microsoft-Server-ActiveSync");
    await userEvent.click(screen.getByRole("button", { name: "Anmelden" }));
    await fake.fail(new CommandError(selfSigned));
    const alert = screen.getByRole("alert");
    expect(alert.dataset.code).toBe("tls");
    expect(screen.getByTestId("error-message").textContent).toBe(selfSigned.message);
    expect(screen.getByTestId("tls-problem").textContent).toBe("Selbstsigniert");
    expect(screen.getByTestId("tls-issuer").textContent).toBe("CN=Kontor test 127.0.0.1");
    expect(screen.getByTestId("tls-valid-from").textContent).toBe("1. Januar 2020 um 00:00 UTC");
    expect(screen.getByTestId("tls-sha256").textContent).toBe("AA:BB:CC");
    // The form stays as it was, for another try once IT has fixed the certificate.
    expect(screen.getByLabelText<HTMLInputElement>("Serveradresse").value).toBe("https://127.0.0.1:8443/Microsoft-Server-ActiveSync");
    const buttons = screen.getAllByRole("button").map((b) => b.textContent);
    expect(buttons).toEqual(["Erweitert", "Anmelden", "Details für die IT-Abteilung kopieren"]);
  });

  it("opens Advanced at the server field when the server was not found, and shows the error", async () => {
    const fake = fakeApi();
    renderIn("en", fake.api);
    await userEvent.type(screen.getByLabelText("E-mail address"), "carol@firma.de");
    await userEvent.type(screen.getByLabelText("Password"), "secret{Enter}");
    fake.step("finding_server");
    await fake.fail(
      new CommandError({
        code: "server_not_found",
        message: 'The server for firma.de was not found. Enter the server name under "Advanced".',
        detail: "the server for firma.de was not found; enter the server name (Autodiscover: dns error)",
      }),
    );
    expect(screen.queryByRole("status")).toBeNull();
    expect(screen.getByText(/The server for firma.de was not found/)).toBeTruthy();
    const serverField = screen.getByLabelText("Server address");
    await waitFor(() => {
      expect(document.activeElement).toBe(serverField);
    });
    expect(screen.getByLabelText<HTMLInputElement>("E-mail address").value).toBe("carol@firma.de");

    // With the server typed, the same sign-in goes to it.
    await userEvent.type(serverField, "mail.firma.de");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(fake.api.signIn).toHaveBeenLastCalledWith({
      email: "carol@firma.de",
      password: "secret",
      server: "mail.firma.de",
      user: null,
    });
  });

  it("shows a server address set by policy under Advanced, read-only when locked", async () => {
    const fake = fakeApi(settings("https://eas.firma.de/Microsoft-Server-ActiveSync", true));
    renderIn("de", fake.api);
    const serverField = await screen.findByLabelText<HTMLInputElement>("Serveradresse");
    expect(serverField.value).toBe("https://eas.firma.de/Microsoft-Server-ActiveSync");
    expect(serverField.readOnly).toBe(true);
    expect(screen.getByTestId("server-url-hint").textContent).toBe("Von Ihrer IT-Abteilung festgelegt.");
    await userEvent.type(screen.getByLabelText("E-Mail-Adresse"), "carol@firma.de");
    await userEvent.type(screen.getByLabelText("Kennwort"), "geheim{Enter}");
    expect(fake.api.signIn).toHaveBeenCalledWith({
      email: "carol@firma.de",
      password: "geheim",
      server: "https://eas.firma.de/Microsoft-Server-ActiveSync",
      user: null,
    });
  });
});
