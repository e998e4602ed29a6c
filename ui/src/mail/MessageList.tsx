import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useInsertionEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent } from "react";
import type { FolderKind, MessageSort, MessageSummary } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import type { MessageKey } from "../lib/i18n";
import { displayCount, groupHeaders, itemAt, positionOf } from "./display";
import { GROUP_LABEL, formatFullDate, formatListDate, formatSize } from "./format";
import { ROW_HEIGHT, type Density } from "./prefs";
import { clickRow, focusRow, selectAll, type Selection } from "./selection";
import { actionFor, type Action } from "./shortcuts";
import type { MessageWindows } from "./use-message-windows";
import { listKeyString, rowAt, windowsForRange, type ListKey } from "./windowing";
import { DRAG_TYPE } from "./dnd";
import { PaperclipIcon } from "./icons";
import { Marked } from "./Marked";
import { isExternal } from "./safety";
import { afterNextPaint } from "../lib/paint";

const NO_DOMAINS: readonly string[] = [];


const RECIPIENT_KINDS: ReadonlySet<FolderKind> = new Set(["sent", "drafts", "outbox"]);

let firstRowsMarked = false;

interface Props {
  listKey: ListKey;
  folderKind: FolderKind;
  data: MessageWindows;
  density: Density;
  now: Date;
  selection: Selection;
  /** message index of the row with the focus (roving tab stop) */
  cursor: number | null;
  onSelection: (selection: Selection, cursor: number | null) => void;
  onSort: (sort: MessageSort) => void;
  onOpen: () => void;
  onContextMenu: (x: number, y: number) => void;
  /** A folder click to measure from (performance marks), and the folder whose first rows are
   * awaited. */
  paintFolder: string | null;
  onPainted: () => void;
  /** A search: the folded words to mark, the text when nothing matches, the folder names of
   * hits from other folders; the columns do not sort. */
  search?: { words: readonly string[]; folderNames: ReadonlyMap<string, string> | null } | null;
  /** Where the list was scrolled to, kept while it is not shown (Esc back from a search). */
  scrollMemory?: { get: () => number; set: (top: number) => void };
  /** The user's own domains: mail from elsewhere gets the "External" tag. */
  ownDomains?: readonly string[];
}

const MOVES: ReadonlySet<Action> = new Set(["rowUp", "rowDown", "firstRow", "lastRow", "pageUp", "pageDown"]);

const COLUMNS: { sort: MessageSort | null; cls: string; label: MessageKey }[] = [
  { sort: null, cls: "c-icons", label: "mail.col.importance" },
  { sort: "from", cls: "c-from", label: "mail.col.from" },
  { sort: "subject", cls: "c-subject", label: "mail.col.subject" },
  { sort: "date", cls: "c-date", label: "mail.col.date" },
  { sort: "size", cls: "c-size", label: "mail.col.size" },
  { sort: null, cls: "c-flag", label: "mail.col.flag" },
];

export function MessageList(props: Props) {
  const { listKey, folderKind, data, density, now, selection, cursor, onSelection, onSort, onOpen, onContextMenu, search = null, scrollMemory, ownDomains = NO_DOMAINS } = props;
  const marks = search?.words ?? [];
  const { t, lang } = useI18n();
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const [focusWanted, setFocusWanted] = useState(false);
  /** A row to select once its window is in (End / PgDn into rows not loaded yet). */
  const [pending, setPending] = useState<{ index: number; shift: boolean; ctrl: boolean } | null>(null);
  const rowHeight = ROW_HEIGHT[density];
  const total = data.counts?.total ?? null;
  const { cache, version } = data;
  const listId = listKeyString(listKey);

  // The list stays mounted while the search changes (and back to the folder with Esc): the
  // rows of the list shown last stay on screen until the first window of the next one is in,
  // then its rows take their places (rows are keyed by position, so their elements are reused
  // and nothing is laid out twice).
  const [held, setHeld] = useState<{ key: ListKey; id: string; total: number } | null>(null);
  if (total !== null && (held?.id !== listId || held.total !== total)) {
    setHeld({ key: listKey, id: listId, total });
  }
  const stale = total === null && held !== null && held.key.folderId === listKey.folderId;
  const viewKey = stale ? held.key : listKey;
  const viewTotal = stale ? held.total : total;

  // A list of its own: no row waits to be selected, no focus is pending.
  const [seen, setSeen] = useState(listId);
  if (seen !== listId) {
    setSeen(listId);
    setPending(null);
    setFocusWanted(false);
  }

  // `data` changes with every window that arrives.
  const headers = useMemo(() => {
    if (viewKey.sort !== "date") return [];
    const dates = new Map<number, number>();
    for (const i of cache.indexes(viewKey)) {
      const w = cache.peek(viewKey, i);
      w?.rows.forEach((row, n) => dates.set(w.start + n, row.date));
    }
    return groupHeaders([...dates.keys()], (i) => dates.get(i), now);
    // `version` says the cache changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cache, version, viewKey, now]);

  const count = viewTotal === null ? 0 : displayCount(viewTotal, headers);
  // TanStack Virtual keeps its own mutable state; the list re-renders from `version` and the range.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 8,
    initialRect: { width: 800, height: 600 },
  });
  // The scroll position of a list shown again (Esc after a search) is where it was; a new list
  // (a search) starts at the top. The list is rendered there from its first render, and the
  // element is scrolled there before React changes its rows: scrolled after them, the new rows
  // were laid out at once for the scroll, outside the frame, and rendered a second time from
  // the scroll event.
  const restored = useRef<string | null>(null);
  const sizerRef = useRef<HTMLDivElement>(null);
  const restoreTop = total !== null && restored.current !== listId ? (scrollMemory?.get() ?? 0) : null;
  if (restoreTop !== null && virtualizer.scrollOffset !== restoreTop) virtualizer.scrollOffset = restoreTop;
  const totalSize = virtualizer.getTotalSize();
  useInsertionEffect(() => {
    const el = scrollRef.current;
    const sizer = sizerRef.current;
    if (restoreTop === null || !el || !sizer) return;
    restored.current = listId;
    if (el.scrollTop === restoreTop) return;
    // The new list's height first, so that the position is not cut to the old list's end.
    sizer.style.height = `${totalSize}px`;
    el.scrollTop = restoreTop;
  });
  const items = virtualizer.getVirtualItems();
  const firstPos = items[0]?.index ?? 0;
  const lastPos = items[items.length - 1]?.index ?? 0;

  // Windows for what is on screen (the first one while the rows shown are another list's).
  const firstMsg = itemAt(firstPos, headers).index;
  const lastMsg = itemAt(lastPos, headers).index;
  const { ensure } = data;
  useEffect(() => {
    // The rest of a search's first window once the rows on screen (read from the scroll
    // position now: the range above may still be the previous list's, scrolled far down, in the
    // render that brought a new list) come within a few rows of its end.
    const el = scrollRef.current;
    const bottom = el ? Math.ceil((el.scrollTop + el.clientHeight) / rowHeight) + 4 : lastPos;
    const lastNeeded = itemAt(Math.max(0, Math.min(bottom, count - 1)), headers).index;
    ensure(windowsForRange(firstMsg, lastMsg, total), lastNeeded);
  }, [ensure, firstMsg, lastMsg, lastPos, total, count, headers, rowHeight]);

  // Performance marks: after the frame that shows the first rows of a clicked folder. Layout
  // effects, so the frame waited for is the first after the commit with the rows (a passive
  // effect can run a frame or two later, and the mark with it).
  const { paintFolder, onPainted } = props;
  const shown = total !== null && (total === 0 || cache.peek(listKey, 0) !== undefined);
  useLayoutEffect(() => {
    if (!shown) return;
    if (paintFolder !== listKey.folderId && firstRowsMarked) return;
    const folderId = listKey.folderId;
    return afterNextPaint(() => {
      if (paintFolder === folderId) performance.mark("kontor:rows-painted", { detail: { folderId } });
      if (!firstRowsMarked) {
        firstRowsMarked = true;
        performance.mark("kontor:first-rows", { detail: { folderId } });
      }
      onPainted();
    });
  }, [shown, paintFolder, listKey.folderId, onPainted]);

  // Performance marks: after the frame that shows a list's first rows (or its empty state), for
  // every list shown — a search's hits after a keystroke, the folder again after Esc.
  const searchText = listKey.search ? listKey.search.text : null;
  useLayoutEffect(() => {
    if (!shown) return;
    return afterNextPaint(() => {
      performance.mark("kontor:list-shown", { detail: { folderId: listKey.folderId, search: searchText, list: listId } });
    });
  }, [shown, listId, listKey.folderId, searchText]);

  // Rows in list order by id, for Shift ranges.
  const order = (): (number | undefined)[] => {
    const out: (number | undefined)[] = [];
    for (const i of cache.indexes(listKey)) {
      const w = cache.peek(listKey, i);
      w?.rows.forEach((r, n) => (out[w.start + n] = r.id));
    }
    return out;
  };

  function select(index: number, mods: { shift: boolean; ctrl: boolean }, keyboard: boolean) {
    const row = rowAt(listKey, index, cache);
    if (!row) {
      setPending({ index, ...mods });
      return;
    }
    setPending(null);
    const next = keyboard && mods.ctrl && !mods.shift ? focusRow(selection, row.id) : clickRow(selection, row.id, mods, order());
    onSelection(next, index);
  }

  // A pending keyboard target whose window arrived.
  useEffect(() => {
    if (!pending) return;
    const row = rowAt(listKey, pending.index, cache);
    if (!row) return;
    setPending(null);
    const mods = { shift: pending.shift, ctrl: pending.ctrl };
    const ids: (number | undefined)[] = [];
    for (const i of cache.indexes(listKey)) {
      const w = cache.peek(listKey, i);
      w?.rows.forEach((r, n) => (ids[w.start + n] = r.id));
    }
    onSelection(mods.ctrl && !mods.shift ? focusRow(selection, row.id) : clickRow(selection, row.id, mods, ids), pending.index);
    setFocusWanted(true);
  }, [pending, version, cache, listKey, selection, onSelection]);

  // The list's first render, before its element existed: scrolled once it is there.
  useLayoutEffect(() => {
    if (restored.current === listId || total === null) return;
    restored.current = listId;
    const top = scrollMemory?.get() ?? 0;
    if (top !== 0) virtualizer.scrollToOffset(top);
  }, [listId, scrollMemory, total, virtualizer]);

  // A cursor moved from outside the list (Ctrl+. / Ctrl+, or after a delete) is scrolled to.
  const headersRef = useRef(headers);
  useEffect(() => {
    headersRef.current = headers;
  }, [headers]);
  useEffect(() => {
    if (cursor !== null) virtualizer.scrollToIndex(positionOf(cursor, headersRef.current), { align: "auto" });
  }, [cursor, virtualizer]);

  // The focused row takes the keyboard focus after a keyboard move.
  useEffect(() => {
    if (!focusWanted || cursor === null) return;
    const el = gridRef.current?.querySelector<HTMLElement>(`[data-message-index="${cursor}"]`);
    if (el) {
      el.focus();
      setFocusWanted(false);
    }
  }, [focusWanted, cursor, firstPos, lastPos, version]);

  function moveTo(index: number, e: KeyboardEvent) {
    if (total === null || total === 0) return;
    const target = Math.max(0, Math.min(total - 1, index));
    virtualizer.scrollToIndex(positionOf(target, headers), { align: "auto" });
    setFocusWanted(true);
    select(target, { shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey }, true);
  }

  function onKeyDown(e: KeyboardEvent) {
    // Shift extends and Ctrl moves the focus only: the movement keys work with either.
    const bare = actionFor({ key: e.key, altKey: e.altKey, shiftKey: false, ctrlKey: false, metaKey: false }, "list");
    const action = actionFor(e, "list") ?? (bare !== null && MOVES.has(bare) ? bare : null);
    if (action === null) return;
    const at = cursor ?? -1;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / rowHeight) - 1);
    switch (action) {
      case "rowDown":
        moveTo(at + 1, e);
        break;
      case "rowUp":
        moveTo(Math.max(0, at - 1), e);
        break;
      case "firstRow":
        moveTo(0, e);
        break;
      case "lastRow":
        moveTo((total ?? 1) - 1, e);
        break;
      case "pageDown":
        moveTo(at + page, e);
        break;
      case "pageUp":
        moveTo(at - page, e);
        break;
      case "selectAll":
        onSelection(
          selectAll(
            selection,
            order().filter((id): id is number => id !== undefined),
          ),
          cursor,
        );
        break;
      case "toggleRow": {
        const row = cursor === null ? undefined : rowAt(listKey, cursor, cache);
        if (row) onSelection(clickRow(selection, row.id, { shift: false, ctrl: true }, []), cursor);
        break;
      }
      case "open":
        onOpen();
        break;
      case "contextMenu": {
        const el = gridRef.current?.querySelector<HTMLElement>(`[data-message-index="${cursor ?? -1}"]`);
        if (!el || (selection.ids.size === 0 && !selection.all)) return;
        const box = el.getBoundingClientRect();
        onContextMenu(box.left + 40, box.bottom);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  const recipients = RECIPIENT_KINDS.has(folderKind);
  const who = (m: MessageSummary) => {
    // Recipients as Outlook lists them, separated by semicolons.
    if (recipients) return m.to.map((a) => a.name || a.addr).join("; ");
    return m.from.name || m.from.addr || t("mail.noSender");
  };

  // An outside sender's real address stands next to the name it gives (docs/safety.md).
  const showAddress = (m: MessageSummary) =>
    !recipients && m.from.name !== "" && m.from.name.toLowerCase() !== m.from.addr.toLowerCase() && isExternal(m.from.addr, ownDomains);

  // The roving tab stop: the cursor's row when rendered, else the first message row rendered.
  let tabStop = cursor;
  if (tabStop === null || tabStop < firstMsg || tabStop > lastMsg) {
    tabStop = items.map((v) => itemAt(v.index, headers)).find((it) => it.kind === "message")?.index ?? null;
  }

  function onRowMouse(e: MouseEvent, index: number) {
    performance.mark("kontor:message-click");
    select(index, { shift: e.shiftKey, ctrl: e.ctrlKey || e.metaKey }, false);
  }

  function onDragStart(e: DragEvent, row: MessageSummary) {
    const ids = selection.ids.has(row.id) ? [...selection.ids] : [row.id];
    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(ids));
    e.dataTransfer.setData("text/plain", row.subject);
    e.dataTransfer.effectAllowed = "move";
  }

  const sortLabel = (sort: MessageSort, key: MessageKey) =>
    sort === "from" && recipients ? t("mail.col.to") : t(key);

  if (viewTotal === 0) {
    return (
      <div className="message-list empty" data-testid="message-list-empty" data-folder-id={listKey.folderId}>
        <div className="empty-state">
          <div className="empty-icon" aria-hidden="true">
            {search ? "⌕" : "✉"}
          </div>
          <p>
            <strong>{t(search ? "search.none" : "mail.empty")}</strong>
          </p>
          <p className="muted">{t(search ? "search.noneHint" : "mail.emptyHint")}</p>
        </div>
      </div>
    );
  }

  return (
    <div
      className={`message-list density-${density}`}
      role="grid"
      aria-label={t("mail.list.label")}
      aria-rowcount={count + 1}
      aria-colcount={COLUMNS.length}
      aria-multiselectable="true"
      aria-busy={total === null || data.waiting}
      data-testid="message-list"
      data-folder-id={listKey.folderId}
      data-total={total ?? ""}
      data-pane="list"
      ref={gridRef}
      onKeyDown={onKeyDown}
    >
      <div className="list-header" role="row" aria-rowindex={1}>
        {COLUMNS.map((c) => {
          const sorted = c.sort !== null && c.sort === listKey.sort;
          if (search && c.sort !== null) {
            return (
              <div key={c.cls} role="columnheader" className={c.cls} aria-sort={sorted ? "descending" : undefined}>
                <span className="sort-button static">
                  {sortLabel(c.sort, c.label)}
                  {sorted && <span aria-hidden="true"> ▾</span>}
                </span>
              </div>
            );
          }
          return (
            <div
              key={c.cls}
              role="columnheader"
              className={c.cls}
              aria-sort={sorted ? (listKey.descending ? "descending" : "ascending") : undefined}
            >
              {c.sort === null ? (
                <span className="icon-head" title={t(c.label)} aria-label={t(c.label)}>
                  {c.cls === "c-flag" ? "⚑" : "!"}
                </span>
              ) : (
                <button
                  type="button"
                  className="sort-button"
                  data-testid={`sort-${c.sort}`}
                  onClick={() => {
                    if (c.sort) onSort(c.sort);
                  }}
                >
                  {sortLabel(c.sort, c.label)}
                  {sorted && <span aria-hidden="true">{listKey.descending ? " ▾" : " ▴"}</span>}
                </button>
              )}
            </div>
          );
        })}
      </div>
      <div
        className="list-scroll"
        ref={scrollRef}
        data-testid="message-list-scroll"
        onScroll={(e) => {
          scrollMemory?.set(e.currentTarget.scrollTop);
        }}
      >
        <div ref={sizerRef} style={{ height: totalSize, position: "relative" }}>
          {items.map((v) => {
            const item = itemAt(v.index, headers);
            const style = { position: "absolute" as const, top: 0, left: 0, right: 0, height: rowHeight, transform: `translateY(${v.start}px)` };
            if (item.kind === "header") {
              return (
                <div key={v.index} role="row" aria-rowindex={v.index + 2} className="group-row" style={style} data-testid="group-header">
                  <div role="gridcell" aria-colspan={COLUMNS.length}>
                    {t(GROUP_LABEL[item.group])}
                  </div>
                </div>
              );
            }
            const m = rowAt(viewKey, item.index, cache);
            if (!m) {
              return (
                <div key={v.index} role="row" aria-rowindex={v.index + 2} className="message-row placeholder" style={style} data-testid="message-row-loading">
                  <div role="gridcell" aria-colspan={COLUMNS.length}>
                    <span className="placeholder-bar" />
                  </div>
                </div>
              );
            }
            const selected = selection.all || selection.ids.has(m.id);
            const classes = ["message-row", m.read ? "is-read" : "is-unread", selected ? "selected" : "", m.pending ? "pending" : ""];
            return (
              <div
                key={v.index}
                role="row"
                aria-rowindex={v.index + 2}
                aria-selected={selected}
                tabIndex={tabStop === item.index ? 0 : -1}
                className={classes.join(" ")}
                style={style}
                data-testid="message-row"
                data-message-id={m.id}
                data-message-index={item.index}
                data-read={m.read}
                data-flag={m.flag}
                draggable
                onDragStart={(e) => {
                  onDragStart(e, m);
                }}
                onMouseDown={(e) => {
                  // Shift+click selects a range, not text.
                  if (e.shiftKey) e.preventDefault();
                }}
                onClick={(e) => {
                  onRowMouse(e, item.index);
                }}
                onDoubleClick={onOpen}
                onContextMenu={(e) => {
                  e.preventDefault();
                  if (!selection.ids.has(m.id)) select(item.index, { shift: false, ctrl: false }, false);
                  onContextMenu(e.clientX, e.clientY);
                }}
              >
                <div role="gridcell" className="c-icons">
                  {m.importance === "high" && (
                    <span className="icon importance-high" title={t("mail.importance.high")} aria-label={t("mail.importance.high")}>
                      !
                    </span>
                  )}
                  {m.importance === "low" && (
                    <span className="icon importance-low" title={t("mail.importance.low")} aria-label={t("mail.importance.low")}>
                      ↓
                    </span>
                  )}
                  {m.hasAttachments && (
                    <span className="icon" title={t("mail.hasAttachments")} aria-label={t("mail.hasAttachments")} data-testid="row-attachment">
                      <PaperclipIcon />
                    </span>
                  )}
                </div>
                <div role="gridcell" className="c-from" title={showAddress(m) ? `${who(m)} <${m.from.addr}>` : who(m)}>
                  {!m.read && <span className="sr-only">{t("mail.unread")}</span>}
                  {marks.length > 0 ? <Marked text={who(m)} words={marks} /> : who(m)}
                  {showAddress(m) && (
                    <span className="row-address" data-testid="row-address">
                      {m.from.addr}
                    </span>
                  )}
                </div>
                <div role="gridcell" className="c-subject">
                  <span className="subject" data-testid="row-subject">
                    {!recipients && isExternal(m.from.addr, ownDomains) && (
                      <span className="tag external-tag row-external" data-testid="row-external" title={t("mail.safety.externalTitle")}>
                        {t("mail.safety.external")}
                      </span>
                    )}
                    {search?.folderNames && m.folderId !== listKey.folderId && (
                      <span className="row-folder" data-testid="row-folder">
                        {search.folderNames.get(m.folderId) ?? ""}
                      </span>
                    )}
                    {m.subject ? marks.length > 0 ? <Marked text={m.subject} words={marks} /> : m.subject : t("mail.noSubject")}
                  </span>
                  {density === "comfortable" && <span className="preview">{marks.length > 0 ? <Marked text={m.preview} words={marks} /> : m.preview}</span>}
                </div>
                <div role="gridcell" className="c-date" title={formatFullDate(m.date, lang)} data-testid="row-date">
                  {formatListDate(m.date, now, lang)}
                </div>
                <div role="gridcell" className="c-size">
                  {formatSize(m.size, lang)}
                </div>
                <div role="gridcell" className="c-flag">
                  {m.flag === "active" && (
                    <span className="icon flag-active" title={t("mail.flagged")} aria-label={t("mail.flagged")}>
                      ⚑
                    </span>
                  )}
                  {m.flag === "complete" && (
                    <span className="icon flag-complete" title={t("mail.completed")} aria-label={t("mail.completed")}>
                      ✓
                    </span>
                  )}
                  {m.pending && (
                    <span className="icon pending" title={t("mail.pending")} aria-label={t("mail.pending")}>
                      ⟳
                    </span>
                  )}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
