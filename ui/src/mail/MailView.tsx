import { Fragment, useCallback, useEffect, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode, type Ref } from "react";
import type { ComposeMode, FlagState, Folder, MessageSort, MessageSummary, MessageView, QuickFilters } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { folderLabel } from "../lib/tree";
import { ErrorView } from "../components/ErrorView";
import { Menu, type MenuItem } from "../components/Menu";
import { ConfirmDeleteDialog, ContextMenu, type ContextItem } from "./Dialogs";
import { pluralForm } from "./format";
import { MessageList } from "./MessageList";
import { MoveDialog } from "./MoveDialog";
import { LIST_SHARE, ROW_HEIGHT, SAVED_SEARCHES_MAX, nextReaderPosition, type MailPrefs, type SavedSearch } from "./prefs";
import { Splitter } from "../components/Splitter";
import { ReaderPane, type ReaderApi } from "./ReaderPane";
import { EMPTY_SELECTION, clickRow, pruneSelection, singleSelected, type Selection } from "./selection";
import { actionFor } from "./shortcuts";
import { toastText, type ToastText } from "./toast";
import { fitCount } from "./toolbar-fit";
import { UndoStack, inverse, type Operation, type UndoEntry } from "./undo";
import { useMessageWindows, type ListApi } from "./use-message-windows";
import { SearchBar } from "./SearchBar";
import { ServerSearch, type ServerSearchApi } from "./ServerSearch";
import { SaveSearchDialog } from "./SavedSearches";
import { EMPTY_SEARCH, NO_FILTERS, anyFilter, highlightWords, searchRequest, type SearchState } from "./search";
import { rowAt, type ListKey } from "./windowing";
import { afterNextPaint } from "../lib/paint";

export type MailApi = ListApi &
  ReaderApi &
  ServerSearchApi &
  Pick<Api, "markRead" | "setFlag" | "deleteMessages" | "moveMessages" | "onMailChanged" | "messagePosition" | "onMailOpen" | "openCompose" | "ownDomains" | "saveMessageFile" | "attachmentForImport">;

/** A message the window was told to open (a clicked new-mail notification). */
export interface OpenRequest {
  folderId: string;
  messageId: number | null;
  /** tells two requests for the same message apart */
  seq: number;
}

/** A search the window was told to run (the address book's "Show mail from this person"). */
export interface SearchRequest {
  text: string;
  allFolders: boolean;
  /** the quick filters to switch on (a saved search's); none given: as they are */
  filters?: QuickFilters;
  /** tells two requests for the same search apart */
  seq: number;
}

/** What the rest of the window can ask of the mail view (drops on the folder tree). */
export interface MailActions {
  moveIds: (ids: number[], to: Folder) => void;
}

interface Props {
  api: MailApi;
  folders: readonly Folder[];
  folder: Folder;
  prefs: MailPrefs;
  onPrefs: (prefs: MailPrefs) => void;
  /** the folder just clicked, whose first rows are to be marked as painted */
  paintFolder: string | null;
  onPainted: () => void;
  onCounts: (folderId: string, unread: number) => void;
  onHelp: () => void;
  actionsRef?: Ref<MailActions>;
  openRequest?: OpenRequest | null;
  searchAsked?: SearchRequest | null;
  /** The asked search is shown (the window forgets it, so a later mail view does not run it again). */
  onSearchTaken?: () => void;
  /** An .ics attachment's "Add to calendar": the import dialog for the fetched file. */
  onImportIcs?: (path: string) => void;
}

interface Toast {
  id: number;
  message: ToastText;
  undo: boolean;
}

const PAGE = 500;

/** A menu button as the toolbar's probe measures it: the label and its ▾. */
function menuFace(label: string, className?: string) {
  return (
    <div className={className ? `menu ${className}` : "menu"}>
      <button type="button" tabIndex={-1}>
        {label}
        <span className="caret">▾</span>
      </button>
    </div>
  );
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function MailView({
  api,
  folders,
  folder,
  prefs,
  onPrefs,
  paintFolder,
  onPainted,
  onCounts,
  onHelp,
  actionsRef,
  openRequest = null,
  searchAsked = null,
  onSearchTaken,
  onImportIcs,
}: Props) {
  const { t, lang } = useI18n();
  const [order, setOrder] = useState<{ sort: MessageSort; descending: boolean }>({ sort: "date", descending: true });
  // The user's own domains (from the server), for the list's "External" tag.
  const [ownDomains, setOwnDomains] = useState<readonly string[]>([]);
  useEffect(() => {
    let live = true;
    api.ownDomains().then(
      (d) => {
        if (live) setOwnDomains(d);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);
  // The search box and quick filters; the list shows their hits while either asks for something.
  const [search, setSearchState] = useState<SearchState>(() => ({ ...EMPTY_SEARCH, allFolders: prefs.searchAllFolders }));
  const askedJson = useMemo(() => {
    const req = searchRequest(search);
    return req ? JSON.stringify(req) : null;
  }, [search]);
  const asked = useMemo<ListKey>(
    () => (askedJson ? { folderId: folder.id, sort: "date", descending: true, search: JSON.parse(askedJson) as ListKey["search"] } : { folderId: folder.id, ...order }),
    [folder.id, order, askedJson],
  );
  // The list shown: the search typed once its first hits are in (until then the list, its
  // selection and the reading pane stay as they were: one frame per keystroke's hits).
  const data = useMessageWindows(api, asked, ROW_HEIGHT[prefs.density]);
  const key = data.key ?? asked;
  const searchJson = key.search ? JSON.stringify(key.search) : null;
  const shownText = key.search?.text ?? "";
  const marks = useMemo(() => (shownText ? highlightWords(shownText) : []), [shownText]);
  const [now, setNow] = useState(() => new Date());
  // Selection and cursor per list shown: the folder's stays while a search is shown, so Esc
  // comes back to it.
  const viewId = searchJson ? `${folder.id}\u0000${searchJson}` : folder.id;
  const [sels, setSels] = useState<ReadonlyMap<string, { selection: Selection; cursor: number | null }>>(new Map());
  const selection = sels.get(viewId)?.selection ?? EMPTY_SELECTION;
  const cursor = sels.get(viewId)?.cursor ?? null;
  const scrolls = useRef(new Map<string, number>());
  const scrollMemory = useMemo(
    () => ({
      get: () => scrolls.current.get(viewId) ?? 0,
      set: (top: number) => {
        scrolls.current.set(viewId, top);
      },
    }),
    [viewId],
  );
  const searchInput = useRef<HTMLInputElement>(null);
  const folderNames = useMemo(() => new Map(folders.map((f) => [f.id, folderLabel(f, t)] as const)), [folders, t]);
  const { prefetch } = data;
  const setSearch = useCallback(
    (next: SearchState) => {
      // The hits are asked for before the window renders the new search (the list's key is
      // this one: see `key` above), so the core's search and the render overlap.
      const req = searchRequest(next);
      if (req) prefetch({ folderId: folder.id, sort: "date", descending: true, search: req });
      setSearchState(next);
      if (next.allFolders !== prefs.searchAllFolders) onPrefs({ ...prefs, searchAllFolders: next.allFolders });
    },
    [prefs, onPrefs, prefetch, folder.id],
  );
  const exitSearch = useCallback(() => {
    performance.mark("kontor:search-exit");
    setSearchState((s) => ({ ...s, text: "", filters: s.pinned ? s.filters : NO_FILTERS }));
  }, []);
  // Another folder: a new search; the filters stay only when pinned.
  useEffect(() => {
    setSearchState((s) => (s.text === "" && (s.pinned || s.filters === NO_FILTERS) ? s : { ...s, text: "", filters: s.pinned ? s.filters : NO_FILTERS }));
    setSels(new Map());
    scrolls.current.clear();
  }, [folder.id]);
  // A search asked for from outside (after the folder's reset above): the box shows it and the
  // list its hits; the remembered scope is not changed.
  const searched = useRef(0);
  useEffect(() => {
    if (!searchAsked || searched.current === searchAsked.seq) return;
    searched.current = searchAsked.seq;
    const filters = searchAsked.filters;
    setSearchState((s) =>
      filters
        ? { ...s, text: searchAsked.text, allFolders: searchAsked.allFolders, filters, barOpen: s.barOpen || anyFilter(filters) }
        : { ...s, text: searchAsked.text, allFolders: searchAsked.allFolders },
    );
    onSearchTaken?.();
  }, [searchAsked, onSearchTaken]);
  const [undoStack] = useState(() => new UndoStack());
  const [toast, setToast] = useState<Toast | null>(null);
  const [dialog, setDialog] = useState<"move" | "confirmDelete" | null>(null);
  const [saving, setSaving] = useState(false);
  const [context, setContext] = useState<{ x: number; y: number } | null>(null);
  const [lastMove, setLastMove] = useState<Folder | null>(null);
  const [confirmTargets, setConfirmTargets] = useState<MessageSummary[]>([]);
  const toastSeq = useRef(0);
  const toolbarRef = useRef<HTMLDivElement>(null);
  const probeRef = useRef<HTMLDivElement>(null);
  const [fit, setFit] = useState(Number.MAX_SAFE_INTEGER);

  // The probe holds every toolbar entry laid out unseen; its widths say how many fit the line.
  useLayoutEffect(() => {
    const bar = toolbarRef.current;
    const probe = probeRef.current;
    if (!bar || !probe) return;
    const measure = () => {
      const style = getComputedStyle(bar);
      const px = (v: string) => parseFloat(v) || 0;
      const gap = px(style.columnGap);
      const inner = bar.clientWidth - px(style.paddingLeft) - px(style.paddingRight);
      const widths = [...probe.children].map((el) => el.getBoundingClientRect().width);
      const view = widths.pop() ?? 0;
      const more = widths.pop() ?? 0;
      setFit(fitCount(widths, inner - view - gap - 1, gap, more));
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(bar);
    observer.observe(probe);
    return () => {
      observer.disconnect();
    };
  }, []);

  useEffect(() => {
    const timer = setInterval(() => {
      setNow(new Date());
    }, 60_000);
    return () => {
      clearInterval(timer);
    };
  }, []);

  // A server search hit in the reading pane (its negative id, app/server_search.rs); choosing a
  // row of the list or another search puts the list's message back.
  // (Kept with the search it was opened from: derived here rather than reset by an effect, which
  // would cost every keystroke's hits a second render.)
  const [serverOpened, setServerView] = useState<{ id: number; search: string | null } | null>(null);
  const serverView = serverOpened !== null && serverOpened.search === searchJson ? serverOpened.id : null;
  const setSelection = useCallback(
    (selection: Selection, cursor: number | null) => {
      setSels((prev) => {
        // The folder's own entry and this list's; an older search's selection is not needed.
        const next = new Map<string, { selection: Selection; cursor: number | null }>();
        const own = prev.get(folder.id);
        if (own) next.set(folder.id, own);
        next.set(viewId, { selection, cursor });
        return next;
      });
    },
    [folder.id, viewId],
  );
  const chooseInList = useCallback(
    (selection: Selection, cursor: number | null) => {
      setServerView(null);
      setSelection(selection, cursor);
    },
    [setSelection],
  );

  const notify = useCallback((message: ToastText, undo = false) => {
    setToast({ id: ++toastSeq.current, message, undo });
  }, []);

  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => {
      setToast((cur) => (cur?.id === toast.id ? null : cur));
    }, 8000);
    return () => {
      clearTimeout(timer);
    };
  }, [toast]);

  const counts = data.counts;
  useEffect(() => {
    if (counts && !searchJson) onCounts(folder.id, counts.unread);
  }, [counts, folder.id, onCounts, searchJson]);

  // Rows refresh in place when the core says the folder changed; the selection stays by id.
  const { reload, ensure } = data;
  const refresh = useCallback(
    async (folderId: string) => {
      const gone = await reload(folderId);
      if (gone.size > 0) setSels((prev) => new Map([...prev].map(([k, v]) => [k, { ...v, selection: pruneSelection(v.selection, gone) }])));
      // A list whose first window failed to load gets another try.
      if (folderId === key.folderId) ensure([0]);
    },
    [reload, ensure, key.folderId],
  );
  useEffect(
    () =>
      api.onMailChanged((e) => {
        const ids = e.folders.length === 0 || key.search?.allFolders ? [folder.id] : e.folders;
        for (const id of ids) void refresh(id);
      }),
    [api, folder.id, refresh, key.search],
  );

  // ---- targets of an action ----
  const loadedRows = data.loadedRows;
  const selectedRows = useCallback((): { rows: MessageSummary[]; first: number } => {
    const rows: MessageSummary[] = [];
    let first = Number.MAX_SAFE_INTEGER;
    for (const { index, row } of loadedRows()) {
      if (selection.ids.has(row.id)) {
        rows.push(row);
        first = Math.min(first, index);
      }
    }
    return { rows, first: first === Number.MAX_SAFE_INTEGER ? 0 : first };
  }, [loadedRows, selection]);

  const targets = useCallback(async (): Promise<{ rows: MessageSummary[]; first: number }> => {
    if (!selection.all) return selectedRows();
    // Ctrl+A: the whole folder, also the rows never loaded, page by page.
    const rows: MessageSummary[] = [];
    let after: string | null = null;
    for (let start = 0; ; ) {
      const w = await api.listMessages({ folderId: folder.id, sort: key.sort, descending: key.descending, start, count: PAGE, after, search: key.search ?? null });
      rows.push(...w.rows);
      start += w.rows.length;
      after = w.next;
      if (w.rows.length < PAGE || start >= w.total) break;
    }
    return { rows, first: 0 };
  }, [api, folder.id, key, selection.all, selectedRows]);

  /** After rows left the list: the row now at the place of the first one is selected. */
  const selectAt = useCallback(
    async (index: number) => {
      await refresh(folder.id);
      const total = data.cache.peek(key, 0)?.total ?? 0;
      const row = rowAt(key, Math.min(index, Math.max(0, total - 1)), data.cache);
      if (row) setSelection(clickRow(EMPTY_SELECTION, row.id, { shift: false, ctrl: false }, []), Math.min(index, total - 1));
      else setSelection(EMPTY_SELECTION, null);
    },
    [refresh, folder.id, data, key, setSelection],
  );

  const failed = useCallback(
    (e: unknown) => {
      const { message } = toIpcError(e);
      notify(message ? { text: message } : { key: "error.unexpected" });
    },
    [notify],
  );

  const runOps = useCallback(
    async (ops: Operation[]) => {
      for (const op of ops) {
        if (op.op === "markRead") await api.markRead(op.ids, op.read);
        else if (op.op === "setFlag") await api.setFlag(op.ids, op.flag);
        else await api.moveMessages(op.ids, op.to);
      }
    },
    [api],
  );

  const remember = useCallback(
    (entry: UndoEntry, message: ToastText) => {
      undoStack.push(entry);
      notify(message, true);
    },
    [undoStack, notify],
  );

  const markRead = useCallback(
    async (read: boolean) => {
      const { rows } = await targets();
      const ids = rows.filter((r) => r.read !== read).map((r) => r.id);
      if (ids.length === 0) return;
      await api.markRead(ids, read);
      remember({ kind: "read", ids, read }, { key: read ? "mail.done.read" : "mail.done.unread" });
      await refresh(folder.id);
    },
    [targets, api, remember, refresh, folder.id],
  );

  const setFlag = useCallback(
    async (flag: FlagState | "toggle") => {
      const { rows } = await targets();
      if (rows.length === 0) return;
      const want: FlagState = flag === "toggle" ? (rows.every((r) => r.flag === "active") ? "none" : "active") : flag;
      const previous = new Map(rows.filter((r) => r.flag !== want).map((r) => [r.id, r.flag] as const));
      if (previous.size === 0) return;
      await api.setFlag([...previous.keys()], want);
      remember({ kind: "flag", previous }, { key: "mail.done.flag" });
      await refresh(folder.id);
    },
    [targets, api, remember, refresh, folder.id],
  );

  const moveRows = useCallback(
    async (rows: MessageSummary[], first: number, to: Folder) => {
      const from = new Map(rows.filter((r) => r.folderId !== to.id).map((r) => [r.id, r.folderId] as const));
      if (from.size === 0) return;
      await api.moveMessages([...from.keys()], to.id);
      setLastMove(to);
      remember({ kind: "move", from, to: to.id }, { key: "mail.done.move", vars: { folder: to } });
      await selectAt(first);
    },
    [api, remember, selectAt],
  );

  const move = useCallback(
    async (to: Folder) => {
      const { rows, first } = await targets();
      await moveRows(rows, first, to);
    },
    [targets, moveRows],
  );

  const remove = useCallback(async () => {
    const { rows, first } = await targets();
    if (rows.length === 0) return;
    const ids = rows.map((r) => r.id);
    const outcome = await api.deleteMessages(ids, false);
    const from = new Map(rows.map((r) => [r.id, r.folderId] as const));
    if (outcome.movedTo !== null) remember({ kind: "delete", from, movedTo: outcome.movedTo }, { key: "mail.done.delete" });
    else notify({ key: "mail.done.deleteForever" });
    await selectAt(first);
  }, [targets, api, remember, notify, selectAt]);

  const askDeleteForever = useCallback(async () => {
    const { rows } = await targets();
    if (rows.length === 0) return;
    setConfirmTargets(rows);
    setDialog("confirmDelete");
  }, [targets]);

  const deleteForever = useCallback(async () => {
    const rows = confirmTargets;
    setDialog(null);
    if (rows.length === 0) return;
    const first = selectedRows().first;
    await api.deleteMessages(
      rows.map((r) => r.id),
      true,
    );
    notify({ key: "mail.done.deleteForever" });
    await selectAt(first);
  }, [confirmTargets, selectedRows, api, notify, selectAt]);

  const undo = useCallback(async () => {
    const entry = undoStack.pop();
    if (!entry) return;
    await runOps(inverse(entry));
    setToast(null);
    notify({ key: "mail.done.undone" });
    await refresh(folder.id);
  }, [undoStack, runOps, notify, refresh, folder.id]);

  const moveIds = useCallback(
    (ids: number[], to: Folder) => {
      const wanted = new Set(ids);
      const rows: MessageSummary[] = [];
      let first = Number.MAX_SAFE_INTEGER;
      for (const { index, row } of loadedRows()) {
        if (wanted.has(row.id)) {
          rows.push(row);
          first = Math.min(first, index);
        }
      }
      moveRows(rows, first === Number.MAX_SAFE_INTEGER ? 0 : first, to).catch(failed);
    },
    [loadedRows, moveRows, failed],
  );
  useImperativeHandle(actionsRef, () => ({ moveIds }), [moveIds]);

  // ---- panes ----
  const panesRef = useRef<HTMLDivElement>(null);
  const [shareDrag, setShareDrag] = useState<number | null>(null);
  const listShare = shareDrag ?? (prefs.reader === "bottom" ? prefs.listShare.bottom : prefs.listShare.right);

  // ---- reading ----
  const messageId = singleSelected(selection);
  const markTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (markTimer.current) clearTimeout(markTimer.current);
    },
    [messageId],
  );
  const onShown = useCallback(
    (view: MessageView) => {
      if (view.message.read || prefs.markRead === "never") return;
      const id = view.message.id;
      const mark = () => {
        api.markRead([id], true).then(() => refresh(folder.id), failed);
      };
      if (prefs.markRead === "immediately") mark();
      else markTimer.current = setTimeout(mark, prefs.markReadDelay * 1000);
    },
    [prefs.markRead, prefs.markReadDelay, api, refresh, folder.id, failed],
  );

  // A message the window was told to open: selected and scrolled to in the list's order.
  const opened = useRef(0);
  useEffect(() => {
    if (!openRequest || openRequest.folderId !== folder.id || openRequest.messageId === null) return;
    if (opened.current === openRequest.seq) return;
    opened.current = openRequest.seq;
    const id = openRequest.messageId;
    api.messagePosition(folder.id, order.sort, order.descending, id).then((at) => {
      if (at !== null) setSelection(clickRow(EMPTY_SELECTION, id, { shift: false, ctrl: false }, []), at);
    }, failed);
  }, [openRequest, folder.id, order, api, setSelection, failed]);

  const step = useCallback(
    (delta: number) => {
      const total = data.counts?.total ?? 0;
      const from = cursor ?? -1;
      const index = Math.max(0, Math.min(total - 1, from + delta));
      const row = rowAt(key, index, data.cache);
      if (row) setSelection(clickRow(selection, row.id, { shift: false, ctrl: false }, []), index);
    },
    [data, cursor, key, selection, setSelection],
  );

  const focusReader = useCallback(() => {
    document.querySelector<HTMLElement>("[data-pane=reader]")?.focus();
  }, []);

  // ---- writing: new mail, reply, reply all, forward (each in its own compose window) ----
  const compose = useCallback(
    (mode: ComposeMode) => api.openCompose(mode, mode === "new" ? null : messageId),
    [api, messageId],
  );
  const openSelected = useCallback(() => {
    // A draft opens in a compose window to go on with; anything else moves to the reader.
    if (folder.kind === "drafts" && messageId !== null) {
      api.openCompose("draft", messageId).catch(failed);
    } else {
      focusReader();
    }
  }, [api, folder.kind, messageId, focusReader, failed]);

  // ---- keys (the window-wide part of the shortcut table) ----
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (dialog !== null || context !== null || isTyping(e.target)) return;
      if (e.key === "Escape" && askedJson && !e.defaultPrevented) {
        e.preventDefault();
        exitSearch();
        return;
      }
      const action = actionFor(e, "window");
      let run: (() => Promise<unknown>) | null = null;
      switch (action) {
        case "search":
          searchInput.current?.focus();
          searchInput.current?.select();
          break;
        case "quickFilter":
          setSearchState((s) => ({ ...s, barOpen: !s.barOpen }));
          break;
        case "markRead":
          run = () => markRead(true);
          break;
        case "markUnread":
          run = () => markRead(false);
          break;
        case "toggleFlag":
          run = () => setFlag("toggle");
          break;
        case "delete":
          run = remove;
          break;
        case "deleteForever":
          run = askDeleteForever;
          break;
        case "moveTo":
          if (selection.ids.size > 0 || selection.all) setDialog("move");
          break;
        case "nextMessage":
          step(1);
          break;
        case "previousMessage":
          step(-1);
          break;
        case "undo":
          run = undo;
          break;
        case "newMessage":
          run = () => compose("new");
          break;
        case "reply":
          if (messageId === null) return;
          run = () => compose("reply");
          break;
        case "replyAll":
          if (messageId === null) return;
          run = () => compose("replyAll");
          break;
        case "forward":
          if (messageId === null) return;
          run = () => compose("forward");
          break;
        case "readerPosition":
          onPrefs({ ...prefs, reader: nextReaderPosition(prefs.reader) });
          break;
        default:
          return;
      }
      e.preventDefault();
      run?.().catch(failed);
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  });

  const anySelected = selection.all || selection.ids.size > 0;
  const contextItems: ContextItem[] = [
    { id: "read", label: t("mail.action.markRead"), onSelect: () => void markRead(true).catch(failed) },
    { id: "unread", label: t("mail.action.markUnread"), onSelect: () => void markRead(false).catch(failed) },
    { id: "flag", label: t("mail.action.flag"), onSelect: () => void setFlag("active").catch(failed) },
    { id: "complete", label: t("mail.action.complete"), onSelect: () => void setFlag("complete").catch(failed) },
    { id: "clear-flag", label: t("mail.action.clearFlag"), onSelect: () => void setFlag("none").catch(failed) },
    {
      id: "move",
      label: t("mail.action.moveTo"),
      onSelect: () => {
        setDialog("move");
      },
    },
    { id: "delete", label: t("mail.action.delete"), onSelect: () => void remove().catch(failed) },
    { id: "delete-forever", label: t("mail.action.deleteForever"), onSelect: () => void askDeleteForever().catch(failed) },
  ];

  const viewItems = [
    { id: "reader-right", label: t("mail.view.readerRight"), checked: prefs.reader === "right", onSelect: () => { onPrefs({ ...prefs, reader: "right" }); } },
    { id: "reader-bottom", label: t("mail.view.readerBottom"), checked: prefs.reader === "bottom", onSelect: () => { onPrefs({ ...prefs, reader: "bottom" }); } },
    { id: "reader-off", label: t("mail.view.readerOff"), checked: prefs.reader === "off", onSelect: () => { onPrefs({ ...prefs, reader: "off" }); } },
    { id: "density-compact", label: t("mail.view.compact"), checked: prefs.density === "compact", onSelect: () => { onPrefs({ ...prefs, density: "compact" }); } },
    { id: "density-comfortable", label: t("mail.view.comfortable"), checked: prefs.density === "comfortable", onSelect: () => { onPrefs({ ...prefs, density: "comfortable" }); } },
    { id: "mark-read-now", label: t("mail.view.markReadNow"), checked: prefs.markRead === "immediately", onSelect: () => { onPrefs({ ...prefs, markRead: "immediately" }); } },
    {
      id: "mark-read-delay",
      label: t("mail.view.markReadDelay", { seconds: prefs.markReadDelay }),
      checked: prefs.markRead === "delay",
      onSelect: () => {
        onPrefs({ ...prefs, markRead: "delay" });
      },
    },
    { id: "mark-read-never", label: t("mail.view.markReadNever"), checked: prefs.markRead === "never", onSelect: () => { onPrefs({ ...prefs, markRead: "never" }); } },
    { id: "shortcuts", label: t("mail.view.shortcuts"), onSelect: onHelp },
  ];

  // ---- toolbar: one line; what does not fit goes into "More", the last entry first ----
  // The message the reading pane shows (or would show): saved as an .eml file into Downloads.
  const shownId = serverView ?? messageId;
  const saveFile = async () => {
    if (shownId === null) return;
    const path = await api.saveMessageFile(shownId, null);
    notify({ key: "mail.saveFile.saved", vars: { path } });
  };
  const act = (run: () => Promise<unknown>) => () => {
    run().catch(failed);
  };
  const again = lastMove && lastMove.id !== folder.id ? lastMove : null;
  const none = !anySelected;
  const readItems: MenuItem[] = [
    { id: "read", testId: "action-read", label: t("mail.action.markRead"), onSelect: act(() => markRead(true)), disabled: none },
    { id: "unread", testId: "action-unread", label: t("mail.action.markUnread"), onSelect: act(() => markRead(false)), disabled: none },
  ];
  const flagItems: MenuItem[] = [
    { id: "flag", testId: "action-flag", label: t("mail.action.flag"), onSelect: act(() => setFlag("active")), disabled: none },
    { id: "complete", testId: "action-complete", label: t("mail.action.complete"), onSelect: act(() => setFlag("complete")), disabled: none },
    { id: "clear-flag", testId: "action-clear-flag", label: t("mail.action.clearFlag"), onSelect: act(() => setFlag("none")), disabled: none },
  ];
  const openMove = () => {
    setDialog("move");
  };
  const moveAgain = again ? act(() => move(again)) : () => undefined;
  const againName = again ? folderLabel(again, t) : "";
  const button = (id: string, label: string, onClick: () => void, disabled = none) => (
    <button type="button" data-testid={`action-${id}`} disabled={disabled} onClick={onClick}>
      {label}
    </button>
  );
  const canUndo = undoStack.size > 0;
  const one = messageId === null;
  const entries: { id: string; node: ReactNode; probe: ReactNode; overflow: MenuItem[] }[] = [
    {
      id: "new",
      node: button("new", t("mail.action.new"), act(() => compose("new")), false),
      probe: <button type="button">{t("mail.action.new")}</button>,
      overflow: [{ id: "new", testId: "action-new", label: t("mail.action.new"), onSelect: act(() => compose("new")) }],
    },
    {
      id: "reply",
      node: button("reply", t("mail.action.reply"), act(() => compose("reply")), one),
      probe: <button type="button">{t("mail.action.reply")}</button>,
      overflow: [{ id: "reply", testId: "action-reply", label: t("mail.action.reply"), onSelect: act(() => compose("reply")), disabled: one }],
    },
    {
      id: "reply-all",
      node: button("reply-all", t("mail.action.replyAll"), act(() => compose("replyAll")), one),
      probe: <button type="button">{t("mail.action.replyAll")}</button>,
      overflow: [{ id: "reply-all", testId: "action-reply-all", label: t("mail.action.replyAll"), onSelect: act(() => compose("replyAll")), disabled: one }],
    },
    {
      id: "forward",
      node: button("forward", t("mail.action.forward"), act(() => compose("forward")), one),
      probe: <button type="button">{t("mail.action.forward")}</button>,
      overflow: [{ id: "forward", testId: "action-forward", label: t("mail.action.forward"), onSelect: act(() => compose("forward")), disabled: one }],
    },
    {
      id: "read",
      node: <Menu label={t("mail.action.readMenu")} caret align="start" disabled={none} testId="mail-read-menu" items={readItems} />,
      probe: menuFace(t("mail.action.readMenu")),
      overflow: readItems,
    },
    {
      id: "flag",
      node: <Menu label={t("mail.action.flagMenu")} caret align="start" disabled={none} testId="mail-flag-menu" items={flagItems} />,
      probe: menuFace(t("mail.action.flagMenu")),
      overflow: flagItems,
    },
    {
      id: "delete",
      node: button("delete", t("mail.action.delete"), act(remove)),
      probe: <button type="button">{t("mail.action.delete")}</button>,
      overflow: [{ id: "delete", testId: "action-delete", label: t("mail.action.delete"), onSelect: act(remove), disabled: none }],
    },
    {
      id: "move",
      node: (
        <div className="split-button">
          {button("move", t("mail.action.moveTo"), openMove)}
          {again && (
            <Menu
              label=""
              caret
              className="caret-only"
              align="start"
              disabled={none}
              title={t("mail.action.moveAgainMenu")}
              testId="mail-move-menu"
              items={[{ id: "move-again", testId: "action-move-again", label: t("mail.action.moveAgain", { folder: againName }), onSelect: moveAgain, disabled: none }]}
            />
          )}
        </div>
      ),
      probe: (
        <div className="split-button">
          <button type="button">{t("mail.action.moveTo")}</button>
          {again && menuFace("", "caret-only")}
        </div>
      ),
      overflow: [
        { id: "move", testId: "action-move", label: t("mail.action.moveTo"), onSelect: openMove, disabled: none },
        ...(again
          ? [{ id: "move-again", testId: "action-move-again", label: t("mail.action.moveAgainTo", { folder: againName }), onSelect: moveAgain, disabled: none }]
          : []),
      ],
    },
    {
      id: "undo",
      node: button("undo", t("mail.action.undo"), act(undo), !canUndo),
      probe: <button type="button">{t("mail.action.undo")}</button>,
      overflow: [{ id: "undo", testId: "action-undo", label: t("mail.action.undo"), onSelect: act(undo), disabled: !canUndo }],
    },
    {
      id: "save-file",
      node: button("save-file", t("mail.action.saveFile"), act(saveFile), shownId === null),
      probe: <button type="button">{t("mail.action.saveFile")}</button>,
      overflow: [{ id: "save-file", testId: "action-save-file", label: t("mail.action.saveFile"), onSelect: act(saveFile), disabled: shownId === null }],
    },
  ];
  const shown = Math.min(fit, entries.length);
  const overflow = entries.slice(shown).flatMap((e) => e.overflow);

  const selectedCount = selection.ids.size;
  // The window loaded furthest down says whether more hits follow.
  const heldWindows = data.cache.indexes(key);
  const lastIndex = heldWindows[heldWindows.length - 1];
  const lastSearchWindow = searchJson && lastIndex !== undefined ? data.cache.peek(key, lastIndex) : undefined;

  // The reading pane follows a change of the list shown (a keystroke's hits, Esc back to the
  // folder, another folder) one frame after the list: the rows are painted first, the pane —
  // for an HTML body a new document — in the frame after.
  const readerNow = {
    id: serverView ?? messageId,
    count: serverView !== null ? 1 : selectedCount,
    all: serverView === null && selection.all,
  };
  const [readerView, setReaderView] = useState(viewId);
  const readerLags = readerView !== viewId;
  const readerLast = useRef(readerNow);
  useLayoutEffect(() => {
    if (!readerLags) readerLast.current = readerNow;
  });
  useLayoutEffect(() => {
    if (!readerLags) return;
    return afterNextPaint(() => {
      setReaderView(viewId);
    });
  }, [readerLags, viewId]);
  const reader = readerLags ? readerLast.current : readerNow;
  return (
    <div className={`mail-view reader-${prefs.reader}`} data-testid="mail-view" data-folder-id={folder.id}>
      <div className="mail-toolbar" role="toolbar" aria-label={t("mail.toolbar")} ref={toolbarRef}>
        {entries.slice(0, shown).map((e) => (
          <Fragment key={e.id}>{e.node}</Fragment>
        ))}
        {overflow.length > 0 && (
          <Menu label={t("mail.action.more")} caret testId="mail-more-menu" items={overflow} />
        )}
        <Menu label={t("mail.view")} caret className="toolbar-end" testId="mail-view-menu" items={viewItems} />
        <div className="mail-toolbar-probe-box" aria-hidden="true" inert>
          <div className="mail-toolbar-probe" ref={probeRef}>
            {entries.map((e) => (
              <Fragment key={e.id}>{e.probe}</Fragment>
            ))}
            {menuFace(t("mail.action.more"))}
            {menuFace(t("mail.view"))}
          </div>
        </div>
      </div>
      <SearchBar
        state={search}
        onChange={setSearch}
        onExit={exitSearch}
        onFocusList={() => {
          const list = document.querySelector<HTMLElement>("[data-pane=list]");
          const row = list?.querySelector<HTMLElement>("[data-testid=message-row][tabindex='0']") ?? list?.querySelector<HTMLElement>("[data-testid=message-row]");
          (row ?? list)?.focus();
        }}
        result={
          searchJson && data.counts
            ? {
                query: shownText,
                total: data.counts.total,
                capped: data.cache.peek(key, 0)?.search?.capped ?? false,
                more: lastSearchWindow?.search?.more ?? false,
                hints: data.cache.peek(key, 0)?.search?.hints ?? [],
              }
            : null
        }
        inputRef={searchInput}
        onSave={
          searchJson
            ? () => {
                setSaving(true);
              }
            : undefined
        }
      />
      <ServerSearch
        api={api}
        folderId={folder.id}
        search={key.search ?? null}
        openedId={serverView}
        onOpen={(v) => {
          // The toolbar's actions act on the list's selection: none while a hit is shown.
          setSelection(EMPTY_SELECTION, null);
          setServerView({ id: v.message.id, search: searchJson });
        }}
        folderNames={folderNames}
        now={now}
      />
      {data.error && <ErrorView error={data.error} heading={t("mail.listFailed")} />}
      <div className="mail-panes" ref={panesRef} style={{ "--list-share": `${listShare}%` } as CSSProperties}>
        {/* One list per folder and order: a search swaps its rows, it does not mount a new one. */}
        <MessageList
          key={`${folder.id}|${order.sort}|${order.descending ? "d" : "a"}`}
          listKey={key}
          ownDomains={ownDomains}
          folderKind={folder.kind}
          data={data}
          density={prefs.density}
          now={now}
          selection={selection}
          cursor={cursor}
          onSelection={chooseInList}
          onSort={(sort) => {
            setOrder((o) => (o.sort === sort ? { sort, descending: !o.descending } : { sort, descending: sort === "date" || sort === "size" }));
          }}
          onOpen={openSelected}
          onContextMenu={(x, y) => {
            setContext({ x, y });
          }}
          paintFolder={paintFolder}
          onPainted={onPainted}
          search={searchJson ? { words: marks, folderNames: key.search?.allFolders ? folderNames : null } : null}
          scrollMemory={scrollMemory}
        />
        {prefs.reader !== "off" && (
          <Splitter
            orientation={prefs.reader === "right" ? "vertical" : "horizontal"}
            containerRef={panesRef}
            unit="percent"
            value={listShare}
            min={LIST_SHARE.min}
            max={LIST_SHARE.max}
            step={2}
            label={t("mail.splitter.list")}
            testId="splitter-list"
            onChange={(v, done) => {
              if (prefs.reader === "off") return;
              if (done) {
                setShareDrag(null);
                onPrefs({ ...prefs, listShare: { ...prefs.listShare, [prefs.reader]: v } });
              } else setShareDrag(v);
            }}
            onReset={() => {
              if (prefs.reader === "off") return;
              onPrefs({ ...prefs, listShare: { ...prefs.listShare, [prefs.reader]: LIST_SHARE[prefs.reader] } });
            }}
          />
        )}
        {prefs.reader !== "off" && (
          <ReaderPane
            api={api}
            messageId={reader.id}
            selectedCount={reader.count}
            allSelected={reader.all}
            onShown={onShown}
            notify={notify}
            position={prefs.reader}
            highlight={marks}
            onAddToCalendar={
              onImportIcs
                ? (a) => {
                    api.attachmentForImport(a.id).then(onImportIcs, failed);
                  }
                : undefined
            }
          />
        )}
      </div>
      {toast && (
        <div className="toast" role="status" data-testid={toast.undo ? "undo-toast" : "toast"} key={toast.id}>
          <span data-testid="toast-text">{toastText(toast.message, t)}</span>
          {toast.undo && (
            <button type="button" data-testid="undo" onClick={() => void undo().catch(failed)}>
              {t("mail.action.undo")}
            </button>
          )}
          <button
            type="button"
            className="toast-close"
            aria-label={t("mail.toast.dismiss")}
            title={t("mail.toast.dismiss")}
            onClick={() => {
              setToast(null);
            }}
          >
            ×
          </button>
        </div>
      )}
      {context && (
        <ContextMenu
          x={context.x}
          y={context.y}
          items={contextItems}
          onClose={() => {
            setContext(null);
          }}
        />
      )}
      {saving && (
        <SaveSearchDialog
          initialName={search.text}
          taken={prefs.savedSearches.map((x) => x.name)}
          onClose={() => {
            setSaving(false);
          }}
          onSave={(name) => {
            setSaving(false);
            const kept: SavedSearch = { name, text: search.text, folderId: search.allFolders ? null : folder.id, filters: search.filters };
            onPrefs({ ...prefs, savedSearches: [...prefs.savedSearches.filter((x) => x.name !== name), kept].slice(-SAVED_SEARCHES_MAX) });
          }}
        />
      )}
      {dialog === "move" && (
        <MoveDialog
          folders={folders}
          currentId={folder.id}
          onClose={() => {
            setDialog(null);
          }}
          onMove={(to) => {
            setDialog(null);
            move(to).catch(failed);
          }}
        />
      )}
      {dialog === "confirmDelete" && (
        <ConfirmDeleteDialog
          text={
            pluralForm(confirmTargets.length, lang) === "one"
              ? t("mail.confirmDelete.one")
              : t("mail.confirmDelete.other", { count: confirmTargets.length })
          }
          onConfirm={() => void deleteForever().catch(failed)}
          onClose={() => {
            setDialog(null);
          }}
        />
      )}
    </div>
  );
}
