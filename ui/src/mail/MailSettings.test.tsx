import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CommandError } from "../lib/ipc";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { MailSettings, type MailSettingsApi } from "./MailSettings";
import { DEFAULT_PREFS, type MailPrefs } from "./prefs";

afterEach(cleanup);

const prefs: MailPrefs = { ...DEFAULT_PREFS, markRead: "delay" };

function renderIn(lang: Lang, api: MailSettingsApi) {
  return render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <MailSettings api={api} prefs={prefs} onPrefs={() => undefined} />
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
