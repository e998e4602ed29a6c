import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { BackgroundSettings } from "./BackgroundSettings";
import { fakeSettingsApi } from "../compose/test-settings";
import { translator, type Lang } from "../lib/i18n";
import { I18nContext } from "../lib/i18n-context";

afterEach(cleanup);

function withLang(lang: Lang, node: ReactNode) {
  return <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>{node}</I18nContext.Provider>;
}

describe("BackgroundSettings", () => {
  it("shows the settings in force and changes each one", async () => {
    const api = fakeSettingsApi();
    render(withLang("de", <BackgroundSettings api={api} />));
    const tray = await screen.findByTestId<HTMLInputElement>("close-to-tray");
    const auto = screen.getByTestId<HTMLInputElement>("autostart");
    await waitFor(() => {
      expect(tray.disabled).toBe(false);
    });
    expect(tray.checked).toBe(true);
    expect(auto.checked).toBe(false);
    expect(screen.getByText("Kontor bei der Anmeldung am Computer im Hintergrund starten")).toBeTruthy();
    fireEvent.click(auto);
    await waitFor(() => {
      expect(auto.checked).toBe(true);
    });
    expect(api.setSetting).toHaveBeenCalledWith({ key: "autostart", value: true });
    fireEvent.click(tray);
    await waitFor(() => {
      expect(tray.checked).toBe(false);
    });
    expect(api.setSetting).toHaveBeenCalledWith({ key: "closeToTray", value: false });
    expect(screen.queryByTestId("background-locked")).toBeNull();
  });

  it("is read-only where policy sets it, and says why a change failed", async () => {
    const api = fakeSettingsApi();
    const base = await api.effectiveSettings();
    api.effectiveSettings.mockResolvedValue({
      ...base,
      autostart: { value: true, source: "machine_policy", locked: true },
    });
    api.setSetting.mockRejectedValue({ code: "io", message: "Permission denied", detail: null });
    render(withLang("en", <BackgroundSettings api={api} />));
    const auto = await screen.findByTestId<HTMLInputElement>("autostart");
    await waitFor(() => {
      expect(auto.checked).toBe(true);
    });
    expect(auto.disabled).toBe(true);
    expect(screen.getByTestId("background-locked")).toBeTruthy();
    fireEvent.click(screen.getByTestId("close-to-tray"));
    expect(await screen.findByText("The setting could not be changed")).toBeTruthy();
  });
});
