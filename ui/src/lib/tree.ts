// Builds the folder tree shown in the main window from the flat list the core returns
// (each folder names its parent by id). Folders are grouped into sections by kind; inside a
// section they nest by `parentId`. A parent that is missing or in another section makes the
// folder a root of its section, and a cycle in the parent ids is broken rather than looping.
import type { Folder, FolderKind } from "./bindings";
import type { MessageKey } from "./i18n";

export type SectionId = "mail" | "calendars" | "contacts" | "tasks" | "notes" | "other";

export interface TreeNode {
  folder: Folder;
  children: TreeNode[];
}

export interface Section {
  id: SectionId;
  labelKey: MessageKey;
  nodes: TreeNode[];
}

const SECTION_OF: Record<FolderKind, SectionId> = {
  inbox: "mail",
  drafts: "mail",
  deleted: "mail",
  sent: "mail",
  outbox: "mail",
  mail: "mail",
  calendar: "calendars",
  contacts: "contacts",
  tasks: "tasks",
  notes: "notes",
  journal: "notes",
  other: "other",
};

const SECTIONS: readonly { id: SectionId; labelKey: MessageKey }[] = [
  { id: "mail", labelKey: "tree.mail" },
  { id: "calendars", labelKey: "tree.calendars" },
  { id: "contacts", labelKey: "tree.contacts" },
  { id: "tasks", labelKey: "tree.tasks" },
  { id: "notes", labelKey: "tree.notes" },
  { id: "other", labelKey: "tree.other" },
];

// Well-known mail folders first, in the order mail clients usually show them.
const KIND_RANK: Partial<Record<FolderKind, number>> = {
  inbox: 0,
  drafts: 1,
  sent: 2,
  outbox: 3,
  deleted: 4,
};

// The special mail folders are named by their type in the UI's language, as Outlook does,
// whatever the server calls them ("INBOX", "Sent", "Trash"). A colleague's folders keep their names.
const SPECIAL_NAME: Partial<Record<FolderKind, MessageKey>> = {
  inbox: "folder.inbox",
  drafts: "folder.drafts",
  sent: "folder.sent",
  deleted: "folder.deleted",
  outbox: "folder.outbox",
};

/** The name the UI shows for a folder. */
export function folderLabel(
  folder: Pick<Folder, "name" | "kind"> & { shared?: boolean },
  t: (key: MessageKey) => string,
): string {
  const key = folder.shared ? undefined : SPECIAL_NAME[folder.kind];
  return key ? t(key) : folder.name;
}

function compareFolders(a: Folder, b: Folder): number {
  const rank = (KIND_RANK[a.kind] ?? 10) - (KIND_RANK[b.kind] ?? 10);
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

/** Groups and nests a flat folder list; empty sections are left out. */
export function buildSections(folders: readonly Folder[]): Section[] {
  const bySection = new Map<SectionId, Folder[]>();
  for (const f of folders) {
    const id = SECTION_OF[f.kind];
    const list = bySection.get(id) ?? [];
    list.push(f);
    bySection.set(id, list);
  }
  return SECTIONS.flatMap(({ id, labelKey }) => {
    const list = bySection.get(id);
    return list ? [{ id, labelKey, nodes: buildSection(list) }] : [];
  });
}
