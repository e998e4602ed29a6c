import { describe, expect, it } from "vitest";
import { composeParams, mailtoFields, mentionsAttachment, messageHtml } from "./compose";
import { mergeSuggestions } from "./recipients";

describe("compose window parameters", () => {
  it("reads mode, id and mailto from the page address", () => {
    expect(composeParams("#compose?mode=reply&id=42")).toEqual({ mode: "reply", id: 42, mailto: null });
    expect(composeParams("#compose?mode=replyAll&id=7")).toEqual({ mode: "replyAll", id: 7, mailto: null });
    expect(composeParams("#compose?mode=bogus&id=x")).toEqual({ mode: "new", id: null, mailto: null });
    expect(composeParams("#compose?mode=new&mailto=mailto%3Abob%40kontor.test")?.mailto).toBe("mailto:bob@kontor.test");
    expect(composeParams("#reminders")).toBeNull();
    expect(composeParams("")).toBeNull();
  });
});

describe("mailto: links", () => {
  it("gives recipients, subject and body (RFC 6068)", () => {
    expect(mailtoFields("mailto:bob@kontor.test?subject=Hallo%20Bob&body=Zeile%201%0AZeile%202&cc=carol@kontor.test")).toEqual({
      to: ["bob@kontor.test"],
      cc: ["carol@kontor.test"],
      bcc: [],
      subject: "Hallo Bob",
      body: "Zeile 1\nZeile 2",
    });
    expect(mailtoFields("mailto:a@x.de,b@x.de?to=c@x.de&subject=1+1").to).toEqual(["a@x.de", "b@x.de", "c@x.de"]);
    // A plus in a query value stays a plus.
    expect(mailtoFields("mailto:a@x.de?subject=1+1").subject).toBe("1+1");
    expect(mailtoFields("mailto:?subject=%E2%82%AC").subject).toBe("€");
    expect(mailtoFields("mailto:?subject=%E2").subject).toBe("%E2");
  });
});

describe("the attachment reminder", () => {
  it("hears German and English", () => {
    for (const text of ["Anbei das Angebot", "im Anhang findest du", "Ich habe die Datei angehängt.", "siehe Anlage", "see the attached file", "Attachment follows", "Rückfrage zum Anhang."]) {
      expect(mentionsAttachment(text), text).toBe(true);
    }
    for (const text of ["Hallo Bob", "anhand der Zahlen", "Attachments? no: attaché"]) {
      expect(mentionsAttachment(text), text).toBe(text.startsWith("Attachments"));
    }
  });
});

describe("the sent HTML", () => {
  it("puts the quote after what was written", () => {
    expect(messageHtml("<p>Hi</p>", "")).toBe('<div class="kontor-body"><p>Hi</p></div>');
    expect(messageHtml("<p>Hi</p>", "<div>Q</div>")).toBe('<div class="kontor-body"><p>Hi</p></div><br><div>Q</div>');
  });
});

describe("suggestions from mail and directory", () => {
  it("puts the mail's first, marks those the directory knows, and takes its name where mail had none", () => {
    const local = [
      { name: "", address: "bob@kontor.test", uses: 4, directory: false },
      { name: "Kunde", address: "kunde@example.de", uses: 2, directory: false },
    ];
    const directory = [
      { name: "Bob Baker", address: "bob@kontor.test", uses: 0, directory: true },
      { name: "Carol Cooper", address: "carol@kontor.test", uses: 0, directory: true },
    ];
    expect(mergeSuggestions(local, directory, new Set(["kunde@example.de"]))).toEqual([
      { name: "Bob Baker", address: "bob@kontor.test", uses: 4, directory: true },
      { name: "Carol Cooper", address: "carol@kontor.test", uses: 0, directory: true },
    ]);
  });
});
