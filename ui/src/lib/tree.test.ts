import { describe, expect, it } from "vitest";
import type { Folder, FolderKind } from "./bindings";
import { translator } from "./i18n";
import { buildSections, folderDisplay, folderLabel, type TreeNode } from "./tree";

function folder(id: string, name: string, kind: FolderKind, parentId: string | null = null, shared = false): Folder {
  return { id, name, kind, parentId, shared, unread: null };
}

/** A compact picture of a tree: names, children in brackets. */
function shape(nodes: TreeNode[]): string {
  return nodes
    .map((n) => (n.children.length ? `${n.folder.name}[${shape(n.children)}]` : n.folder.name))
    .join(",");
}

describe("buildSections", () => {
  it("nests mail folders by parent id and leaves calendars, contacts and tasks out", () => {
    const sections = buildSections([
      folder("mail/projects", "Projects", "mail", "mail/inbox"),
      folder("mail/2024", "2024", "mail", "mail/projects"),
      folder("mail/inbox", "Inbox", "inbox"),
      folder("mail/sent", "Sent", "sent"),
      folder("mail/trash", "Trash", "deleted"),
      folder("mail/drafts", "Drafts", "drafts"),
      folder("mail/archive", "Archive", "mail"),
      folder("vevent/bob", "Bob's calendar", "calendar", null, true),
      folder("vevent/personal", "Personal Calendar", "calendar"),
      folder("vcard/personal", "Personal Address Book", "contacts"),
      folder("vtodo/personal", "Personal Tasks", "tasks"),
    ]);
    expect(sections.map((s) => s.id)).toEqual(["mail"]);
    expect(sections[0]!.labelKey).toBe("tree.mail");
    expect(shape(sections[0]!.nodes)).toBe("Inbox[Projects[2024]],Drafts,Sent,Trash,Archive");
  });

  it("makes a folder with an unknown parent a root", () => {
    const [mail] = buildSections([folder("a", "Orphan", "mail", "missing"), folder("b", "Inbox", "inbox", "0")]);
    expect(shape(mail!.nodes)).toBe("Inbox,Orphan");
  });

  it("leaves out a calendar under a mail parent, and gives no section without mail folders", () => {
    const sections = buildSections([folder("m", "Inbox", "inbox"), folder("c", "Team", "calendar", "m")]);
    expect(sections).toHaveLength(1);
    expect(shape(sections[0]!.nodes)).toBe("Inbox");
    expect(buildSections([folder("c", "Team", "calendar"), folder("n", "Notes", "notes")])).toEqual([]);
  });

  it("breaks parent cycles instead of looping or losing folders", () => {
    const [mail] = buildSections([
      folder("a", "A", "mail", "b"),
      folder("b", "B", "mail", "a"),
      folder("c", "C", "mail", "c"),
    ]);
    const all: string[] = [];
    const walk = (ns: TreeNode[]) => {
      for (const n of ns) {
        all.push(n.folder.name);
        walk(n.children);
      }
    };
    walk(mail!.nodes);
    expect(all.sort()).toEqual(["A", "B", "C"]);
  });

  it("ignores a duplicate id and returns nothing for no folders", () => {
    expect(buildSections([])).toEqual([]);
    const [mail] = buildSections([folder("a", "First", "mail"), folder("a", "Second", "mail")]);
    expect(shape(mail!.nodes)).toBe("First");
  });
});

describe("folderLabel", () => {
  it("names the special mail folders by type in the UI's language, whatever the server calls them", () => {
    const de = translator("de");
    const en = translator("en");
    expect(folderLabel(folder("i", "INBOX", "inbox"), de)).toBe("Posteingang");
    expect(folderLabel(folder("d", "Drafts", "drafts"), de)).toBe("Entwürfe");
    expect(folderLabel(folder("s", "Sent", "sent"), de)).toBe("Gesendete Elemente");
    expect(folderLabel(folder("t", "Trash", "deleted"), de)).toBe("Gelöschte Elemente");
    expect(folderLabel(folder("i", "INBOX", "inbox"), en)).toBe("Inbox");
    expect(folderLabel(folder("t", "Trash", "deleted"), en)).toBe("Deleted Items");
  });

  it("recognises junk mail and archive folders at the top level by their names", () => {
    const de = translator("de");
    expect(folderLabel(folder("j", "Junk", "mail"), de)).toBe("Junk-E-Mail");
    expect(folderLabel(folder("a", "Archive", "mail", "0"), de)).toBe("Archiv");
    expect(folderLabel(folder("a2", "Archive", "mail", "mail/projects"), de)).toBe("Archive");
    const [mail] = buildSections([
      folder("x", "Rechnungen", "mail"),
      folder("a", "Archive", "mail"),
      folder("j", "Junk", "mail"),
      folder("t", "Trash", "deleted"),
      folder("i", "INBOX", "inbox"),
      folder("o", "Outbox", "outbox"),
    ]);
    expect(shape(mail!.nodes)).toBe("INBOX,Trash,Junk,Archive,Outbox,Rechnungen");
  });

  it("names a top-level Templates folder in the UI's language", () => {
    const de = translator("de");
    const en = translator("en");
    expect(folderLabel(folder("tp", "Templates", "mail"), de)).toBe("Vorlagen");
    expect(folderLabel(folder("tp", "TEMPLATES", "mail", "0"), de)).toBe("Vorlagen");
    expect(folderLabel(folder("tp", "Templates", "mail"), en)).toBe("Templates");
    // Below another folder, or a colleague's, it is just a folder with that name.
    expect(folderLabel(folder("tp2", "Templates", "mail", "mail/projects"), de)).toBe("Templates");
    expect(folderLabel(folder("tp3", "Templates", "mail", null, true), de)).toBe("Templates");
    // Not a special folder: it sorts among the user's own folders by name.
    const [mail] = buildSections([folder("z", "Zettel", "mail"), folder("tp", "Templates", "mail"), folder("a", "Angebote", "mail")]);
    expect(shape(mail!.nodes)).toBe("Angebote,Templates,Zettel");
  });

  it("names SOGo's default calendar and address book in German, only by their exact default names", () => {
    const de = translator("de");
    const en = translator("en");
    expect(folderLabel(folder("c", "Personal Calendar", "calendar"), de)).toBe("Persönlicher Kalender");
    expect(folderLabel(folder("b", "Personal Address Book", "contacts"), de)).toBe("Persönliches Adressbuch");
    expect(folderLabel(folder("c", "Personal Calendar", "calendar"), en)).toBe("Personal Calendar");
    expect(folderLabel(folder("b", "Personal Address Book", "contacts"), en)).toBe("Personal Address Book");
    // Another spelling is a name the user chose; a colleague's calendar keeps its name.
    expect(folderLabel(folder("c2", "personal calendar", "calendar"), de)).toBe("personal calendar");
    expect(folderLabel(folder("c3", "Personal Calendar 2", "calendar"), de)).toBe("Personal Calendar 2");
    expect(folderLabel(folder("c4", "Personal Calendar", "calendar", null, true), de)).toBe("Personal Calendar");
    // The names belong to their kind only.
    expect(folderLabel(folder("m", "Personal Calendar", "mail"), de)).toBe("Personal Calendar");
    expect(folderLabel(folder("t", "Personal Address Book", "calendar"), de)).toBe("Personal Address Book");
  });

  it("names SOGo's default task list, which carries the calendar's name, as tasks", () => {
    const de = translator("de");
    const en = translator("en");
    expect(folderLabel(folder("t", "Personal Calendar", "tasks"), de)).toBe("Persönliche Aufgaben");
    expect(folderLabel(folder("t", "Personal Calendar", "tasks"), en)).toBe("Personal Tasks");
    expect(folderLabel(folder("t2", "Einkauf", "tasks"), de)).toBe("Einkauf");
  });

  it("shortens a colleague's default calendar and task list to the owner's name, the address in the tooltip", () => {
    const de = translator("de");
    const en = translator("en");
    const bob = "Personal Calendar (Bob Baker <bob@kontor.test>)";
    expect(folderDisplay(folder("c", bob, "calendar", null, true), de)).toEqual({
      label: "Persönlicher Kalender (Bob Baker)",
      title: "Bob Baker <bob@kontor.test>",
    });
    expect(folderDisplay(folder("c", bob, "calendar", null, true), en)).toEqual({
      label: "Personal Calendar (Bob Baker)",
      title: "Bob Baker <bob@kontor.test>",
    });
    expect(folderLabel(folder("t", bob, "tasks", null, true), de)).toBe("Persönliche Aufgaben (Bob Baker)");
    expect(folderLabel(folder("t", bob, "tasks", null, true), en)).toBe("Personal Tasks (Bob Baker)");
    // Only SOGo's exact pattern, and only for calendars and task lists.
    for (const name of [
      "Personal Calendar (Bob Baker)",
      "Personal Calendar (<bob@kontor.test>)",
      "Personal Calendar ( <bob@kontor.test>)",
      "Personal Calendar (Bob Baker <bob>)",
      "Team Calendar (Bob Baker <bob@kontor.test>)",
      "personal calendar (Bob Baker <bob@kontor.test>)",
      "Personal Calendar (Bob Baker <bob@kontor.test>) 2",
    ]) {
      expect(folderDisplay(folder("c", name, "calendar", null, true), de)).toEqual({ label: name });
    }
    expect(folderDisplay(folder("m", bob, "mail", null, true), de)).toEqual({ label: bob });
    expect(folderDisplay(folder("m", bob, "contacts", null, true), de)).toEqual({ label: bob });
  });

  it("keeps the server's name for other folders and for a colleague's folders", () => {
    const de = translator("de");
    expect(folderLabel(folder("a", "Projekte", "mail"), de)).toBe("Projekte");
    expect(folderLabel(folder("b", "INBOX", "inbox", null, true), de)).toBe("INBOX");
  });
});
