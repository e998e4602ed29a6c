import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CommandError } from "../lib/ipc";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { MailSettings, type MailSettingsApi } from "./MailSettings";
import { DEFAULT_PREFS, type MailPrefs } from "./prefs";
import { fakeSettingsApi } from "../compose/test-settings";

afterEach(cleanup);

const prefs: MailPrefs = { ...DEFAULT_PREFS, markRead: "delay" };

/** The remote content lists' commands, kept in memory like the core keeps them in SQLite. */
function remoteApi(senders: string[] = [], domains: string[] = []) {
  const lists = { senders: [...senders], domains: [...domains] };
  return {
    remoteContentLists: vi.fn(() => Promise.resolve({ senders: [...lists.senders], domains: [...lists.domains] })),
    allowRemoteContent: vi.fn((s: string) => {
      lists.senders.push(s.toLowerCase());
      return Promise.resolve(null);
    }),
    allowRemoteContentDomain: vi.fn((d: string) => {
      if (!d.includes(".")) return Promise.reject(new CommandError({ code: "invalid_input", message: `"${d}" is not a domain name`, detail: "" }));
      lists.domains.push(d.toLowerCase());
      return Promise.resolve(null);
    }),
    forgetRemoteContent: vi.fn((e: string) => {
      lists.senders = lists.senders.filter((x) => x !== e);
      lists.domains = lists.domains.filter((x) => x !== e);
      return Promise.resolve(null);
    }),
    ...fakeSettingsApi(),
  };
}

function renderIn(lang: Lang, api: MailSettingsApi) {
  return render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <MailSettings api={api} prefs={prefs} onPrefs={() => undefined} pickFile={() => Promise.resolve(null)} />
    </I18nContext.Provider>,
  );
}

function checkbox(): HTMLInputElement {
  return screen.getByTestId("notify-new-mail");
}

describe("MailSettings: new-mail notification", () => {
  it("shows the core's setting and switches it", async () => {
    const api = {
      newMailNotifications: vi.fn(() => Promise.resolve(true)),
      setNewMailNotifications: vi.fn(() => Promise.resolve(null)),
      ...remoteApi(),
    };
    renderIn("de", api);
    expect(screen.getByText("Benachrichtigung bei neuer E-Mail")).toBeTruthy();
    // Not shown as off before the core answered.
    expect(checkbox().disabled).toBe(true);
    await waitFor(() => {
      expect(checkbox().checked).toBe(true);
    });
    expect(checkbox().disabled).toBe(false);
    await userEvent.click(checkbox());
    expect(api.setNewMailNotifications).toHaveBeenCalledWith(false);
    await waitFor(() => {
      expect(checkbox().disabled).toBe(false);
    });
    expect(checkbox().checked).toBe(false);
  });

  it("switches back and shows the error when the core refuses", async () => {
    const api = {
      newMailNotifications: vi.fn(() => Promise.resolve(false)),
      setNewMailNotifications: vi.fn(() =>
        Promise.reject(new CommandError({ code: "storage", message: "The setting could not be saved.", detail: "disk full" })),
      ),
      ...remoteApi(),
    };
    renderIn("en", api);
    expect(screen.getByText("Notify me of new mail")).toBeTruthy();
    await waitFor(() => {
      expect(checkbox().disabled).toBe(false);
    });
    await userEvent.click(checkbox());
    expect(api.setNewMailNotifications).toHaveBeenCalledWith(true);
    const error = await screen.findByTestId("error");
    expect(error.textContent).toContain("The notification setting could not be changed");
    expect(checkbox().checked).toBe(false);
  });
});

describe("MailSettings: remote content lists", () => {
  it("lists senders and domains, removes one and adds a sender and a domain (German)", async () => {
    const api = {
      newMailNotifications: vi.fn(() => Promise.resolve(true)),
      setNewMailNotifications: vi.fn(() => Promise.resolve(null)),
      ...remoteApi(["news@shop.example"], ["bueroweltshop.example"]),
    };
    renderIn("de", api);
    expect(screen.getByText("Externe Inhalte")).toBeTruthy();
    await waitFor(() => {
      expect(screen.getAllByTestId("remote-entry")).toHaveLength(2);
    });
    await userEvent.click(screen.getByRole("button", { name: "news@shop.example entfernen" }));
    expect(api.forgetRemoteContent).toHaveBeenCalledWith("news@shop.example");
    await waitFor(() => {
      expect(screen.getAllByTestId("remote-entry")).toHaveLength(1);
    });
    await userEvent.type(screen.getByLabelText("Absenderadresse oder Domain"), "Info@Lieferant.example");
    await userEvent.click(screen.getByTestId("remote-add"));
    expect(api.allowRemoteContent).toHaveBeenCalledWith("Info@Lieferant.example");
    await userEvent.type(screen.getByLabelText("Absenderadresse oder Domain"), "lieferant.example");
    await userEvent.click(screen.getByTestId("remote-add"));
    expect(api.allowRemoteContentDomain).toHaveBeenCalledWith("lieferant.example");
    await waitFor(() => {
      expect(screen.getAllByTestId("remote-entry").map((e) => e.textContent)).toEqual([
        "info@lieferant.exampleAbsenderEntfernen",
        "bueroweltshop.exampleDomainEntfernen",
        "lieferant.exampleDomainEntfernen",
      ]);
    });
  });

  it("says why a domain was refused and keeps the list", async () => {
    const api = {
      newMailNotifications: vi.fn(() => Promise.resolve(true)),
      setNewMailNotifications: vi.fn(() => Promise.resolve(null)),
      ...remoteApi(),
    };
    renderIn("en", api);
    expect(await screen.findByText(/No sender or domain yet/)).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Sender address or domain"), "localhost");
    await userEvent.click(screen.getByTestId("remote-add"));
    const error = await screen.findByTestId("error");
    expect(error.textContent).toContain("The list could not be changed");
    expect(error.textContent).toContain("is not a domain name");
  });
});
