import { useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { Folder } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { buildSections, folderDisplay, type Section, type TreeNode } from "../lib/tree";
import { carriesMessages, droppedIds } from "../mail/dnd";
import { isMailFolder } from "../mail/folders";

interface Props {
  folders: readonly Folder[];
  selectedId: string | null;
  onSelect: (folder: Folder) => void;
  /** Messages dragged from the list and dropped on a mail folder. */
  onDropMessages?: (folder: Folder, ids: number[]) => void;
}

/** One visible row: a section heading or a folder, in display order (for arrow keys). */
interface Row {
  key: string;
  parentKey: string | null;
  expandable: boolean;
  folder: Folder | null;
}

/** Whether messages can be dropped on `f`: a mail folder, not the Outbox (only sending puts
 * a message there). */
function takesMessages(f: Folder) {
  return isMailFolder(f) && f.kind !== "outbox";
}

function sectionKey(s: Section) {
  return `section:${s.id}`;
}
function folderKey(f: Folder) {
  return `folder:${f.id}`;
}

function visibleRows(sections: Section[], collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const walk = (nodes: TreeNode[], parentKey: string) => {
    for (const n of nodes) {
      const key = folderKey(n.folder);
      rows.push({ key, parentKey, expandable: n.children.length > 0, folder: n.folder });
      if (n.children.length > 0 && !collapsed.has(key)) walk(n.children, key);
    }
  };
  for (const s of sections) {
    const key = sectionKey(s);
    rows.push({ key, parentKey: null, expandable: true, folder: null });
    if (!collapsed.has(key)) walk(s.nodes, key);
  }
  return rows;
}

/**
 * The folder tree (WAI-ARIA tree pattern): one tab stop, arrow keys move, Right/Left open and
 * close, Home/End jump, Enter or Space selects.
 */
export function FolderTree({ folders, selectedId, onSelect, onDropMessages }: Props) {
  const { t } = useI18n();
  const sections = useMemo(() => buildSections(folders), [folders]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const [dropId, setDropId] = useState<string | null>(null);
  const itemRefs = useRef(new Map<string, HTMLElement>());

  const rows = useMemo(() => visibleRows(sections, collapsed), [sections, collapsed]);
  const activeKey =
    focusKey !== null && rows.some((r) => r.key === focusKey)
      ? focusKey
      : selectedId !== null && rows.some((r) => r.key === `folder:${selectedId}`)
        ? `folder:${selectedId}`
        : (rows[0]?.key ?? null);

  function focus(key: string | undefined) {
    if (key === undefined) return;
    setFocusKey(key);
    itemRefs.current.get(key)?.focus();
  }

  function toggle(key: string, open?: boolean) {
    setCollapsed((prev) => {
      const next = new Set(prev);
      const isOpen = !prev.has(key);
      if (open ?? !isOpen) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  function onKeyDown(e: KeyboardEvent) {
    const index = rows.findIndex((r) => r.key === activeKey);
    const row = rows[index];
    if (!row) return;
    const open = row.expandable && !collapsed.has(row.key);
    switch (e.key) {
      case "ArrowDown":
        focus(rows[index + 1]?.key);
        break;
      case "ArrowUp":
        focus(rows[index - 1]?.key);
        break;
      case "Home":
        focus(rows[0]?.key);
        break;
      case "End":
        focus(rows[rows.length - 1]?.key);
        break;
      case "ArrowRight":
        if (row.expandable && !open) toggle(row.key, true);
        else if (open) focus(rows[index + 1]?.key);
        break;
      case "ArrowLeft":
        if (open) toggle(row.key, false);
        else if (row.parentKey) focus(row.parentKey);
        break;
      case "Enter":
      case " ":
        if (row.folder) onSelect(row.folder);
        else toggle(row.key);
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  const register = (key: string) => (el: HTMLElement | null) => {
    if (el) itemRefs.current.set(key, el);
    else itemRefs.current.delete(key);
  };

  const renderNodes = (nodes: TreeNode[], level: number) =>
    nodes.map((n) => {
      const f = n.folder;
      const key = folderKey(f);
      const hasChildren = n.children.length > 0;
      const open = hasChildren && !collapsed.has(key);
      const display = folderDisplay(f, t);
      return (
        <li
          key={key}
          role="treeitem"
          aria-level={level}
          aria-selected={selectedId === f.id}
          aria-expanded={hasChildren ? open : undefined}
          tabIndex={activeKey === key ? 0 : -1}
          ref={register(key)}
          className="tree-item"
          onFocus={(e) => {
            if (e.target === e.currentTarget) setFocusKey(key);
          }}
          onClick={(e) => {
            e.stopPropagation();
            setFocusKey(key);
            onSelect(f);
          }}
        >
          <div
            className={`tree-row kind-${f.kind}${selectedId === f.id ? " selected" : ""}${dropId === f.id ? " drop-target" : ""}`}
            onDragOver={(e) => {
              if (!onDropMessages || !takesMessages(f) || !carriesMessages(e.dataTransfer)) return;
              e.preventDefault();
              e.dataTransfer.dropEffect = "move";
              setDropId(f.id);
            }}
            onDragLeave={() => {
              setDropId((d) => (d === f.id ? null : d));
            }}
            onDrop={(e) => {
              setDropId(null);
              const ids = droppedIds(e.dataTransfer);
              if (!onDropMessages || !ids || !takesMessages(f)) return;
              e.preventDefault();
              onDropMessages(f, ids);
            }}
            data-testid="folder-row"
            data-folder-id={f.id}
            data-kind={f.kind}
            data-shared={f.shared}
            style={{ paddingInlineStart: `${(level - 1) * 1.1}rem` }}
          >
            <span
              className="twisty"
              aria-hidden="true"
              onClick={(e) => {
                if (!hasChildren) return;
                e.stopPropagation();
                toggle(key);
              }}
            >
              {hasChildren ? (open ? "▾" : "▸") : ""}
            </span>
            <span className="folder-label">
              <span className="folder-name" data-testid="folder" title={display.title}>
                {display.label}
              </span>
              {f.shared && (
                <span className="shared-badge" title={t("tree.shared")}>
                  {t("tree.shared")}
                </span>
              )}
            </span>
            {f.unread != null && f.unread > 0 && (
              <span className="unread" data-testid="folder-unread" aria-label={t("tree.unread", { count: f.unread })}>
                {f.unread}
              </span>
            )}
          </div>
          {open && (
            <ul role="group">{renderNodes(n.children, level + 1)}</ul>
          )}
        </li>
      );
    });

  return (
    <ul role="tree" aria-label={t("tree.label")} className="folder-tree" data-testid="folder-tree" onKeyDown={onKeyDown}>
      {sections.map((s) => {
        const key = sectionKey(s);
        const open = !collapsed.has(key);
        return (
          <li
            key={key}
            role="treeitem"
            aria-level={1}
            aria-expanded={open}
            aria-selected={false}
            tabIndex={activeKey === key ? 0 : -1}
            ref={register(key)}
            className="tree-section"
            data-testid={`section-${s.id}`}
            onFocus={(e) => {
              if (e.target === e.currentTarget) setFocusKey(key);
            }}
          >
            <div
              className="section-heading"
              onClick={() => {
                setFocusKey(key);
                toggle(key);
              }}
            >
              <span className="twisty" aria-hidden="true">
                {open ? "▾" : "▸"}
              </span>
              {t(s.labelKey)}
            </div>
            {open && <ul role="group">{renderNodes(s.nodes, 2)}</ul>}
          </li>
        );
      })}
    </ul>
  );
}
