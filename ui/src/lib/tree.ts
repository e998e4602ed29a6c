// Builds the folder tree shown in the main window from the flat list the core returns
// (each folder names its parent by id). Only mail folders are shown, as in Outlook's mail
// view: calendars, address books, task lists and notes live in their own views. Mail folders
// nest by `parentId`; a parent that is missing or not a mail folder makes the folder a root,
// and a cycle in the parent ids is broken rather than looping.
import type { Folder, FolderKind } from "./bindings";
import type { MessageKey } from "./i18n";
import { isMailFolder } from "../mail/folders";

export type SectionId = "mail";

export interface TreeNode {
  folder: Folder;
  children: TreeNode[];
}

export interface Section {
  id: SectionId;
  labelKey: MessageKey;
  nodes: TreeNode[];
}

/** The special mail folders, in the order Outlook shows them. */
type Role = "inbox" | "drafts" | "sent" | "deleted" | "junk" | "archive" | "outbox";

const ROLE_RANK: Record<Role, number> = {
  inbox: 0,
  drafts: 1,
  sent: 2,
  deleted: 3,
  junk: 4,
  archive: 5,
  outbox: 6,
};

// Special folders are named by their role in the UI's language, as Outlook does, whatever the
// server calls them ("INBOX", "Sent", "Trash").
const ROLE_NAME: Record<Role, MessageKey> = {
  inbox: "folder.inbox",
  drafts: "folder.drafts",
  sent: "folder.sent",
  deleted: "folder.deleted",
  junk: "folder.junk",
  archive: "folder.archive",
  outbox: "folder.outbox",
};

// ActiveSync 14.1 has no folder type for junk mail and archives: servers send them as ordinary
// mail folders, so a top-level one is recognised by the names servers give them.
const ROLE_BY_NAME: Record<string, Role> = {
  junk: "junk",
  "junk e-mail": "junk",
  "junk email": "junk",
  "junk-e-mail": "junk",
  spam: "junk",
  archive: "archive",
  archives: "archive",
  archiv: "archive",
};

type Named = Pick<Folder, "name" | "kind"> & { shared?: boolean; parentId?: string | null };

/** The role of one of the user's special mail folders; `undefined` for any other folder. A
 * colleague's folders have none. */
function roleOf(folder: Named): Role | undefined {
  if (folder.shared) return undefined;
  switch (folder.kind) {
    case "inbox":
    case "drafts":
    case "sent":
    case "deleted":
    case "outbox":
      return folder.kind;
    case "mail": {
      const topLevel = folder.parentId == null || folder.parentId === "0";
      return topLevel ? ROLE_BY_NAME[folder.name.trim().toLowerCase()] : undefined;
    }
    default:
      return undefined;
  }
}

// Well-known folders that are no special folder but come with an English name from the server:
// a top-level mail folder by its name (any case), and the calendar and address book SOGo creates
// for every user by their exact default names (a name the user chose stays as it is).
const MAIL_NAME: Record<string, MessageKey> = {
  templates: "folder.templates",
};
// SOGo's task list shares the default calendar's name.
const DEFAULT_NAME: Partial<Record<FolderKind, Record<string, MessageKey>>> = {
  calendar: { "Personal Calendar": "folder.personalCalendar" },
  contacts: { "Personal Address Book": "folder.personalAddressBook" },
  tasks: { "Personal Calendar": "folder.personalTasks" },
};

// A colleague's default calendar (and task list) as SOGo names it when subscribed:
// "Personal Calendar (Bob Baker <bob@example.com>)". Only this exact pattern is recognised.
const OWNED_NAME: Partial<Record<FolderKind, MessageKey>> = {
  calendar: "folder.personalCalendarOf",
  tasks: "folder.personalTasksOf",
};
const OWNED_PATTERN = /^Personal Calendar \((([^<>()]*[^\s<>()][^<>()]*) <[^\s<>()@]+@[^\s<>()]+>)\)$/;

/** In SOGo's name for a colleague's default calendar: the owner's name, and name with address. */
function ownedDefault(folder: Named): { key: MessageKey; owner: string; mailbox: string } | undefined {
  const key = OWNED_NAME[folder.kind];
  if (!key) return undefined;
  const [, mailbox, owner] = OWNED_PATTERN.exec(folder.name) ?? [];
  if (mailbox === undefined || owner === undefined) return undefined;
  return { key, owner: owner.trim(), mailbox };
}

function wellKnownName(folder: Named): MessageKey | undefined {
  if (folder.shared) return undefined;
  if (folder.kind === "mail") {
    const topLevel = folder.parentId == null || folder.parentId === "0";
    return topLevel ? MAIL_NAME[folder.name.trim().toLowerCase()] : undefined;
  }
  return DEFAULT_NAME[folder.kind]?.[folder.name];
}

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The name the UI shows for a folder. */
export function folderLabel(folder: Named, t: Translate): string {
  return folderDisplay(folder, t).label;
}

/** The name the UI shows for a folder, and a tooltip for what the name leaves out (the owner's
 * address of a colleague's default calendar), if any. */
export function folderDisplay(folder: Named, t: Translate): { label: string; title?: string } {
  const role = roleOf(folder);
  if (role) return { label: t(ROLE_NAME[role]) };
  const known = wellKnownName(folder);
  if (known) return { label: t(known) };
  const owned = ownedDefault(folder);
  if (owned) return { label: t(owned.key, { owner: owned.owner }), title: owned.mailbox };
  return { label: folder.name };
}

function compareFolders(a: Folder, b: Folder): number {
  const rankOf = (f: Folder) => {
    const role = roleOf(f);
    return role === undefined ? 10 : ROLE_RANK[role];
  };
  const rank = rankOf(a) - rankOf(b);
  if (rank !== 0) return rank;
  // The user's own folders before those shared with them.
  if (a.shared !== b.shared) return a.shared ? 1 : -1;
  return a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || a.id.localeCompare(b.id);
}

function sortNodes(nodes: TreeNode[]): TreeNode[] {
  nodes.sort((x, y) => compareFolders(x.folder, y.folder));
  for (const n of nodes) sortNodes(n.children);
  return nodes;
}

function buildSection(folders: Folder[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const f of folders) {
    // A duplicate id keeps the first occurrence.
    if (!nodes.has(f.id)) nodes.set(f.id, { folder: f, children: [] });
  }
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parentId = node.folder.parentId;
    const parent = parentId != null && parentId !== node.folder.id ? nodes.get(parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  // Anything not reachable from a root sits on a parent cycle: cut it loose as a root.
  const reached = new Set<TreeNode>();
  const visit = (n: TreeNode) => {
    if (reached.has(n)) return;
    reached.add(n);
    n.children.forEach(visit);
  };
  roots.forEach(visit);
  for (const node of nodes.values()) {
    if (reached.has(node)) continue;
    for (const other of nodes.values()) {
      other.children = other.children.filter((c) => c !== node);
    }
    roots.push(node);
    visit(node);
  }
  return sortNodes(roots);
}

/** The mail folders, nested, as the tree's one section; none gives no section. */
export function buildSections(folders: readonly Folder[]): Section[] {
  const mail = folders.filter(isMailFolder);
  return mail.length ? [{ id: "mail", labelKey: "tree.mail", nodes: buildSection(mail) }] : [];
}
