import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { CalendarEntry, EventDraft, EventForm, ParsedRecipient } from "../lib/bindings";
import { I18nContext } from "../lib/i18n-context";
import { translator } from "../lib/i18n";
import { EventEditor } from "./EventEditor";
import { editorTimes } from "./series";

afterEach(cleanup);

const mine: CalendarEntry = {
  id: 2,
  key: "k2",
  name: "Mine",
  color: "#3a7bd5",
  serverColor: "",
  owner: "",
  shared: false,
  readOnly: false,
  source: "eas",
  shown: true,
  removable: false,
};

function parse(text: string): ParsedRecipient[] {
  return text
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^(.*)<(.+)>$/.exec(p);
      const address = (m?.[2] ?? p).trim();
      return { text: p, name: m?.[1]?.trim() ?? "", address, valid: /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address) };
    });
}

function fakeApi() {
  return {
    addressSuggestions: vi.fn(() => Promise.resolve([])),
    directorySuggestions: vi.fn(() => Promise.resolve([])),
    parseRecipients: vi.fn((text: string) => Promise.resolve(parse(text))),
    respondToMeeting: vi.fn(() => Promise.resolve(null)),
  };
}

const draft: EventDraft = {
  calendarId: 2,
  summary: "Budget review",
  location: null,
  description: null,
  start: new Date(2026, 11, 9, 10).toISOString(),
  end: new Date(2026, 11, 9, 11).toISOString(),
  allDay: false,
  timeZone: null,
  reminderMinutes: 15,
  rrule: null,
  uid: "m1",
  attendees: null,
};

function open(form: EventForm, lang: "en" | "de" = "en", api = fakeApi()) {
  const onSave = vi.fn(() => Promise.resolve(null));
  const onAnswered = vi.fn();
  render(
    <I18nContext.Provider value={{ lang, t: translator(lang), setLang: () => undefined }}>
      <EventEditor
        calendars={[mine]}
        {...editorTimes(form.draft)}
        initial={form.draft}
        mode="edit"
        meeting={form}
        eventId={7}
        api={api}
        onAnswered={onAnswered}
        onSave={onSave}
        onClose={vi.fn()}
      />
    </I18nContext.Provider>,
  );
  return { api, onSave, onAnswered };
}

describe("meetings in the event dialog", () => {
  it("invites people to a new appointment and says it sends", async () => {
    const api = fakeApi();
    const onSave = vi.fn(() => Promise.resolve(null));
    render(
      <EventEditor calendars={[mine]} start={new Date(2026, 11, 9, 10)} end={new Date(2026, 11, 9, 11)} api={api} onSave={onSave} onClose={vi.fn()} />,
    );
    expect(screen.getByTestId("ev-save").textContent).toBe("Save");
    fireEvent.change(screen.getByTestId("ev-title"), { target: { value: "Budget review" } });
    const input = screen.getByTestId("ev-attendees").querySelector("input");
    if (!input) throw new Error("no attendee input");
    fireEvent.change(input, { target: { value: "Bob Baker <bob@kontor.test>" } });
    fireEvent.keyDown(input, { key: ";" });
    await waitFor(() => {
      expect(screen.getByTestId("ev-save").textContent).toBe("Save and send");
    });
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0].attendees).toEqual(["Bob Baker <bob@kontor.test>"]);
  });

  it("takes an address still being typed when saved", async () => {
    const api = fakeApi();
    const onSave = vi.fn(() => Promise.resolve(null));
    render(
      <EventEditor calendars={[mine]} start={new Date(2026, 11, 9, 10)} end={new Date(2026, 11, 9, 11)} api={api} onSave={onSave} onClose={vi.fn()} />,
    );
    fireEvent.change(screen.getByTestId("ev-title"), { target: { value: "Budget review" } });
    fireEvent.change(screen.getByTestId("ev-attendees-input"), { target: { value: "carol@kontor.test" } });
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0].attendees).toEqual(["carol@kontor.test"]);
  });

  it("shows the organizer each attendee's answer and keeps them on save", async () => {
    const { onSave } = open({
      draft: { ...draft, attendees: ["Bob Baker <bob@kontor.test>", "carol@kontor.test"] },
      recurring: false,
      readOnly: false,
      organizer: { email: "alice@kontor.test", name: "Alice Adler", answer: "needs_action" },
      attendees: [
        { email: "bob@kontor.test", name: "Bob Baker", answer: "accepted" },
        { email: "carol@kontor.test", name: "", answer: "declined" },
      ],
      myAnswer: null,
    });
    const rows = screen.getAllByTestId("meeting-attendee");
    expect(rows.map((r) => [r.textContent, r.getAttribute("data-answer")])).toEqual([
      ["Bob Baker · accepted", "accepted"],
      ["carol@kontor.test · declined", "declined"],
    ]);
    expect(screen.queryByTestId("meeting-answers")).toBeNull();
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0].attendees).toEqual(["Bob Baker <bob@kontor.test>", "carol@kontor.test"]);
  });

  it("answers someone else's invitation, in German", async () => {
    const { api, onAnswered, onSave } = open(
      {
        draft,
        recurring: false,
        readOnly: false,
        organizer: { email: "bob@kontor.test", name: "Bob Baker", answer: "accepted" },
        attendees: [{ email: "alice@kontor.test", name: "Alice Adler", answer: "needs_action" }],
        myAnswer: "needs_action",
      },
      "de",
    );
    expect(screen.queryByTestId("ev-attendees")).toBeNull();
    expect(screen.getByTestId("meeting-answers").textContent).toContain("Bob Baker lädt Sie ein.");
    expect(screen.getByTestId("meeting-my-answer").textContent).toBe("Ihre Antwort: noch keine Antwort");
    fireEvent.click(screen.getByTestId("event-accept"));
    await waitFor(() => {
      expect(screen.getByTestId("meeting-my-answer").textContent).toBe("Ihre Antwort: zugesagt");
    });
    expect(api.respondToMeeting).toHaveBeenCalledWith(7, "accepted", null, true);
    expect(onAnswered).toHaveBeenCalledWith("accepted");
    fireEvent.click(screen.getByTestId("ev-save"));
    await waitFor(() => {
      expect(onSave).toHaveBeenCalled();
    });
    expect((onSave.mock.calls[0] as unknown as [EventDraft])[0].attendees).toBeNull();
  });

  it("answers with a message, or without telling the organizer", async () => {
    const form: EventForm = {
      draft,
      recurring: false,
      readOnly: false,
      organizer: { email: "bob@kontor.test", name: "Bob Baker", answer: "accepted" },
      attendees: [{ email: "alice@kontor.test", name: "Alice Adler", answer: "needs_action" }],
      myAnswer: "needs_action",
    };
    const { api } = open(form);
    fireEvent.change(screen.getByTestId("meeting-comment"), { target: { value: "  Etwas später  " } });
    fireEvent.click(screen.getByTestId("event-tentative"));
    await waitFor(() => {
      expect(api.respondToMeeting).toHaveBeenCalledWith(7, "tentative", "Etwas später", true);
    });
    fireEvent.click(screen.getByTestId("meeting-send-reply"));
    expect(screen.getByTestId("meeting-comment").matches(":disabled")).toBe(true);
    fireEvent.click(screen.getByTestId("event-decline"));
    await waitFor(() => {
      expect(api.respondToMeeting).toHaveBeenLastCalledWith(7, "declined", null, false);
    });
  });
});
