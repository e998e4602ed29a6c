import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Account, EffectiveSettings, Folder, IpcError } from "../lib/bindings";
import { App, type AppApi } from "../App";
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
    expect(names).toEqual(["Inbox", "Bob's Calendar"]);
    expect(within(tree).getByTestId("section-calendars").textContent).toContain("Calendars");
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
