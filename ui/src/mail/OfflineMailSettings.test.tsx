import { cleanup, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";
import { OfflineMailSettings, type OfflineMailApi } from "./OfflineMailSettings";
import { fakeSettingsApi } from "../compose/test-settings";
import { OFFLINE_CHOICES, offlineLabel } from "./offline";

afterEach(cleanup);

function renderIn(lang: Lang, api: OfflineMailApi) {
  return render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <OfflineMailSettings api={api} />
    </I18nContext.Provider>,
  );
}

function select(): HTMLSelectElement {
  return screen.getByTestId("offline-months");
}

describe("OfflineMailSettings", () => {
  it("shows the setting in force and changes it", async () => {
    const api = fakeSettingsApi();
    renderIn("de", api);
    await waitFor(() => {
      expect(select().disabled).toBe(false);
    });
    expect(select().value).toBe("0");
    expect(screen.getByText("Offline gehaltene E-Mails")).toBeTruthy();
    expect([...select().options].map((o) => o.text)).toEqual(["Alle E-Mails", "Letzte 12 Monate", "Letzte 6 Monate", "Letzte 3 Monate", "Letzter Monat"]);
    await userEvent.selectOptions(select(), "3");
    expect(api.setSetting).toHaveBeenCalledWith({ key: "mailSyncWindow", value: 3 });
    await waitFor(() => {
      expect(select().value).toBe("3");
    });
  });

  it("is read-only when a policy sets it", async () => {
    const api = fakeSettingsApi();
    const base = await api.effectiveSettings();
    api.effectiveSettings.mockResolvedValue({ ...base, mailSyncWindow: { value: 6, source: "machine_policy", locked: true } });
    renderIn("en", api);
    await waitFor(() => {
      expect(select().value).toBe("6");
    });
    expect(select().disabled).toBe(true);
    expect(screen.getByText("Set by your IT department (policy): read-only.")).toBeTruthy();
  });

  it("names every choice in both languages", () => {
    for (const lang of ["en", "de"] as const) {
      const t = translator(lang);
      const labels = OFFLINE_CHOICES.map((n) => t(offlineLabel(n)));
      expect(new Set(labels).size).toBe(OFFLINE_CHOICES.length);
    }
  });
});
