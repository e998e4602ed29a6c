import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Account, Folder, IpcError } from "../lib/bindings";
import { api as realApi, toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "./ErrorView";
import { FolderTree } from "./FolderTree";
import { LanguageSwitch } from "./LanguageSwitch";
import { Menu } from "./Menu";
import { ReminderBadge, RemindersPanel, type MainRemindersApi } from "./RemindersPanel";
import { useReminderSnapshot } from "../lib/use-reminders";
import { SettingsPanel, type SettingsApi } from "./SettingsPanel";
import { StatusBar, type SyncApi } from "./StatusBar";
import { OutboxView } from "./PendingDialog";
import { folderLabel } from "../lib/tree";
import { setWindowTitle } from "../app/window-title";
import { MailView, type MailActions, type MailApi, type OpenRequest, type SearchRequest } from "../mail/MailView";
import { AddressBook, type AddressBookApi } from "../people/AddressBook";
import { fromSearch } from "../people/people";
import { MailSettings, type MailSettingsApi } from "../mail/MailSettings";
import { ShortcutOverlay } from "../mail/Dialogs";
import { AutoRepliesBanner, AutoRepliesDialog } from "../mail/AutoReplies";
import { useAutoReplies, type AutoRepliesApi } from "../mail/auto-replies";
import { isMailFolder } from "../mail/folders";
import { loadPrefs, savePrefs, SIDEBAR_WIDTH, type MailPrefs } from "../mail/prefs";
import { SavedSearchList } from "../mail/SavedSearches";
import { Splitter } from "./Splitter";
import { actionFor } from "../mail/shortcuts";
import { CalendarList } from "../calendar/CalendarList";
import { OpenCalendarDialog } from "../calendar/OpenCalendarDialog";
import { ImportIcsDialog, type ImportIcsApi } from "../calendar/ImportIcsDialog";
import { MiniMonth } from "../calendar/MiniMonth";
import { toastText, type ToastText } from "../mail/toast";
import { isCalendarView, type CalendarViewKind } from "../calendar/calendar";
import type { CalendarApi } from "../calendar/CalendarView";
import type { CalendarEntry } from "../lib/bindings";

/** The reminder commands and events the main window uses. */
export type MainWindowReminders = MainRemindersApi & SettingsApi & Pick<Api, "onRemindersShowList">;

interface Props {
  api: Pick<Api, "folders" | "refreshFolders" | "signOut">;
  account: Account;
  onSignedOut: () => void;
  reminders?: MainWindowReminders;
  sync?: SyncApi;
  /** The mail commands and event (the shell's by default). */
  mail?: MailApi;
  /** The new-mail notification switch of the settings (the shell's by default). */
  mailSettings?: MailSettingsApi;
  /** The calendar commands and event (the shell's by default). */
  calendar?: MainCalendarApi;
  /** The address book's commands (the shell's by default). */
  people?: AddressBookApi;
  /** The automatic replies' commands (the shell's by default). */
  autoReplies?: AutoRepliesApi;
  /** Opens a saved message in a reader window (the shell's by default). */
  files?: Pick<Api, "openMessageFile">;
  /** Close the window (as its × does) and end Kontor (the shell's by default). */
  app?: Pick<Api, "closeMainWindow" | "quitApp">;
  /** Asks for one file (the system's file picker by default): a saved message, a calendar
   * file. Null when none was chosen. */
  pickFile?: (title: string, filterName: string, extensions: string[]) => Promise<string | null>;
}

/** The system's file picker for one file of the given kinds. */
async function pickWithDialog(title: string, filterName: string, extensions: string[]): Promise<string | null> {
  const { open } = await import("@tauri-apps/plugin-dialog");
  const chosen = await open({ title, multiple: false, directory: false, filters: [{ name: filterName, extensions }] });
  return typeof chosen === "string" ? chosen : null;
}

/** What the main window's calendar part uses. */
export type MainCalendarApi = Pick<
  Api,
  "calendarList" | "setCalendarView" | "openColleagueCalendar" | "removeColleagueCalendar" | "exportCalendarIcs" | "takeCalendarFile" | "onCalendarFileAsked"
> &
  CalendarApi &
  ImportIcsApi;

type Module = "mail" | "calendar" | "people";

// The calendar views (FullCalendar, about 450 KB) load when the calendar is first opened, not
// at start.
const CalendarView = lazy(() => import("../calendar/CalendarView").then((m) => ({ default: m.CalendarView })));

const CALENDAR_VIEW_KEY = "kontor.calendar.view";

/** The Outbox of the folder tree where the server lists none: the list of unsent messages. */
const OUTBOX_FOLDER: Folder = { id: "kontor:outbox", parentId: null, name: "Outbox", kind: "outbox", unread: null, shared: false };

function loadCalendarView(): CalendarViewKind {
  try {
    const v = localStorage.getItem(CALENDAR_VIEW_KEY);
    return isCalendarView(v) ? v : "workWeek";
  } catch {
    return "workWeek";
  }
}

/** The panes F6 moves between, in order. */
const PANES = ["tree", "list", "reader"] as const;

function focusPane(step: 1 | -1) {
  const panes = PANES.map((p) => document.querySelector<HTMLElement>(`[data-pane=${p}]`)).filter((el): el is HTMLElement => el !== null);
  if (panes.length === 0) return;
  const at = panes.findIndex((el) => el.contains(document.activeElement));
  const next = panes[(at + step + panes.length) % panes.length];
  if (!next) return;
  (next.querySelector<HTMLElement>("[tabindex='0']") ?? next).focus();
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

export function MainWindow({
  api,
  account,
  onSignedOut,
  reminders = realApi,
  sync = realApi,
  mail = realApi,
  mailSettings = realApi,
  calendar = realApi,
  people = realApi,
  autoReplies = realApi,
  files = realApi,
  app = realApi,
  pickFile = pickWithDialog,
}: Props) {
  const { t } = useI18n();
  const [fileError, setFileError] = useState<IpcError | null>(null);
  // What the calendar's file actions tell the user (a toast), and the .ics file being imported.
  const [notice, setNotice] = useState<{ id: number; message: ToastText } | null>(null);
  const noticeSeq = useRef(0);
  const notify = useCallback((message: ToastText) => {
    setNotice({ id: ++noticeSeq.current, message });
  }, []);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => {
      setNotice((cur) => (cur?.id === notice.id ? null : cur));
    }, 8000);
    return () => {
      clearTimeout(timer);
    };
  }, [notice]);
  const [importPath, setImportPath] = useState<string | null>(null);
  const [autoReplyState, setAutoReplyState] = useAutoReplies(autoReplies);
  const [showAutoReplies, setShowAutoReplies] = useState(false);
  const snapshot = useReminderSnapshot(reminders);
  const [showSettings, setShowSettings] = useState(false);
  useEffect(
    () =>
      reminders.onRemindersShowList(() => {
        setShowSettings(false);
        document.querySelector("[data-testid=main-reminders]")?.scrollIntoView();
      }),
    [reminders],
  );
  const [folders, setFolders] = useState<Folder[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let live = true;
    api.folders().then(
      (list) => {
        if (!live) return;
        setFolders(list);
        // The Inbox is open at start, as in Outlook.
        setSelected((s) => s ?? list.find((f) => f.kind === "inbox" && !f.shared)?.id ?? null);
      },
      (e: unknown) => {
        if (live) {
          setFolders([]);
          setError(toIpcError(e));
        }
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  // Unread counts in the tree follow the messages.
  useEffect(
    () =>
      mail.onMailChanged(() => {
        api.folders().then(setFolders, () => undefined);
      }),
    [api, mail],
  );

  const [prefs, setPrefs] = useState<MailPrefs>(loadPrefs);
  const onPrefs = useCallback((p: MailPrefs) => {
    savePrefs(p);
    setPrefs(p);
  }, []);
  const panesRef = useRef<HTMLDivElement>(null);
  const [sidebarDrag, setSidebarDrag] = useState<number | null>(null);
  const sidebarWidth = sidebarDrag ?? prefs.sidebarWidth;
  const [paintFolder, setPaintFolder] = useState<string | null>(null);
  const onPainted = useCallback(() => {
    setPaintFolder(null);
  }, []);
  const [unread, setUnread] = useState<{ folderId: string; count: number } | null>(null);
  const onCounts = useCallback((folderId: string, count: number) => {
    setUnread((u) => (u?.folderId === folderId && u.count === count ? u : { folderId, count }));
  }, []);
  const [help, setHelp] = useState(false);
  const [module, setModule] = useState<Module>("mail");
  const [calendars, setCalendars] = useState<CalendarEntry[] | null>(null);
  const [openingCalendar, setOpeningCalendar] = useState(false);
  const [calView, setCalView] = useState<CalendarViewKind>(loadCalendarView);
  const onCalView = useCallback((v: CalendarViewKind) => {
    setCalView(v);
    try {
      localStorage.setItem(CALENDAR_VIEW_KEY, v);
    } catch {
      // No storage: the choice lasts this session.
    }
  }, []);
  // "Open" on a reminder of an appointment: the calendar at its day, its card open.
  const [calFocus, setCalFocus] = useState<{ date: Date; uid: string; seq: number } | null>(null);
  // The month picker under the calendar list: the range the view shows, and a day picked.
  const [calRange, setCalRange] = useState<{ start: Date; end: Date } | null>(null);
  const [calDay, setCalDay] = useState<{ date: Date; seq: number } | null>(null);
  const focusSeq = useRef(0);
  useEffect(
    () =>
      reminders.onRemindersOpen((item) => {
        if (item.kind !== "event" || !item.start) return;
        const date = new Date(item.start);
        if (Number.isNaN(date.getTime())) return;
        performance.mark("kontor:calendar-nav");
        setShowSettings(false);
        setModule("calendar");
        setCalFocus({ date, uid: item.id.uid, seq: ++focusSeq.current });
      }),
    [reminders],
  );
  // Each calendar's "remind me" switch (the reminder service's; also in Settings), by its key.
  const [remindOf, setRemindOf] = useState<ReadonlyMap<string, boolean>>(new Map());
  const readCalendars = useCallback(() => {
    calendar.calendarList().then(setCalendars, (e: unknown) => {
      setCalendars([]);
      setError(toIpcError(e));
    });
    reminders.reminderCalendars().then(
      (list) => {
        setRemindOf(new Map(list.map((c) => [c.id, c.remind])));
      },
      () => undefined,
    );
  }, [calendar, reminders]);
  useEffect(() => {
    if (module !== "calendar") return;
    readCalendars();
    return calendar.onCalendarChanged(() => {
      readCalendars();
    });
  }, [module, calendar, readCalendars]);
  // The reminder service learns the calendars after each sync, a moment after the calendar
  // list has them (its snapshot follows): the switches are read again then, or a calendar
  // synced after the calendar opened would show no bell.
  const reminderGeneration = snapshot?.generation;
  useEffect(() => {
    if (module !== "calendar" || reminderGeneration === undefined) return;
    let live = true;
    reminders.reminderCalendars().then(
      (list) => {
        if (live) setRemindOf(new Map(list.map((c) => [c.id, c.remind])));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [module, reminders, reminderGeneration]);
  const mailActions = useRef<MailActions>(null);

  // The Outbox, as Outlook has one, unless the server lists its own (its messages are the
  // unsent ones here either way: ActiveSync sends without it), with how many wait in it.
  const [outboxCount, setOutboxCount] = useState(0);
  useEffect(() => {
    let live = true;
    const read = () => {
      sync.pendingOperations().then(
        (ops) => {
          if (live) setOutboxCount(ops.filter((op) => op.kind === "send" || op.kind === "reply" || op.kind === "forward").length);
        },
        () => undefined,
      );
    };
    read();
    const stopSync = sync.onSyncStatus(read);
    const stopMail = sync.onMailChanged(read);
    return () => {
      live = false;
      stopSync();
      stopMail();
    };
  }, [sync]);
  const treeFolders = useMemo(() => {
    if (!folders) return folders;
    const count = outboxCount > 0 ? outboxCount : null;
    const own = folders.some((f) => f.kind === "outbox" && !f.shared);
    return own
      ? folders.map((f) => (f.kind === "outbox" && !f.shared ? { ...f, unread: count } : f))
      : [...folders, { ...OUTBOX_FOLDER, unread: count }];
  }, [folders, outboxCount]);
  const folder = treeFolders?.find((f) => f.id === selected) ?? null;
  const showsOutbox = folder?.kind === "outbox";
  const inboxId = folders?.find((f) => f.kind === "inbox" && !f.shared)?.id ?? null;

  const selectFolder = useCallback((id: string) => {
    performance.mark("kontor:folder-click");
    setPaintFolder(id);
    setSelected(id);
    setShowSettings(false);
    setModule("mail");
  }, []);
  const openCalendar = useCallback(() => {
    performance.mark("kontor:calendar-nav");
    setShowSettings(false);
    setModule("calendar");
  }, []);
  const openPeople = useCallback(() => {
    setShowSettings(false);
    setModule("people");
  }, []);
  // The address book's "Show mail from this person": mail, its search in all folders.
  const [searchRequest, setSearchRequest] = useState<SearchRequest | null>(null);
  const searchSeq = useRef(0);
  const onSearchTaken = useCallback(() => {
    setSearchRequest(null);
  }, [setSearchRequest]);

  // A clicked new-mail notification: its folder, then its message.
  const [openRequest, setOpenRequest] = useState<OpenRequest | null>(null);
  const openSeq = useRef(0);
  useEffect(
    () =>
      mail.onMailOpen((req) => {
        selectFolder(req.folderId);
        setOpenRequest({ folderId: req.folderId, messageId: req.messageId, seq: ++openSeq.current });
      }),
    [mail, selectFolder],
  );

  // The window title: folder and its unread count ("Posteingang (3) – Kontor").
  const folderName = folder ? folderLabel(folder, t) : null;
  const unreadCount = folder ? (unread?.folderId === folder.id ? unread.count : (folder.unread ?? 0)) : 0;
  useEffect(() => {
    if (module === "calendar" || module === "people") {
      setWindowTitle(t("mail.title.plain", { folder: t(module === "people" ? "module.people" : "module.calendar") }));
      return () => {
        setWindowTitle(t("app.title"));
      };
    }
    if (folderName === null) return;
    setWindowTitle(
      unreadCount > 0 ? t("mail.title.unread", { folder: folderName, count: unreadCount }) : t("mail.title.plain", { folder: folderName }),
    );
    return () => {
      setWindowTitle(t("app.title"));
    };
  }, [folderName, unreadCount, t, module]);

  // Window-wide keys of the shortcut table that are not the mail view's own.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = actionFor(e, "window");
      if (action === "nextPane" || action === "previousPane") {
        e.preventDefault();
        focusPane(action === "nextPane" ? 1 : -1);
        return;
      }
      if (isTyping(e.target)) return;
      if (action === "goMail" && inboxId !== null) {
        e.preventDefault();
        selectFolder(inboxId);
      } else if (action === "goCalendar") {
        e.preventDefault();
        openCalendar();
      } else if (action === "goPeople") {
        e.preventDefault();
        openPeople();
      } else if (action === "help") {
        e.preventDefault();
        setHelp((h) => !h);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [inboxId, selectFolder, openCalendar, openPeople]);

  const refresh = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      setFolders(await api.refreshFolders());
    } catch (e) {
      setError(toIpcError(e));
    } finally {
      setBusy(false);
    }
  }, [api]);

  // "Open file…": a saved message opens in a reader window of its own.
  const openFile = useCallback(async () => {
    setFileError(null);
    try {
      const path = await pickFile(t("main.openFile.title"), t("main.openFile.filter"), ["eml"]);
      if (path !== null) await files.openMessageFile(path);
    } catch (e) {
      setFileError(toIpcError(e));
    }
  }, [files, pickFile, t]);

  // A calendar file the program was started with (`kontor termine.ics`, the file manager's
  // "Open with"): its import dialog, now and whenever another start hands one over. One at a
  // time: the next is taken when the dialog closes.
  const takeCalendarFile = useCallback(() => {
    calendar.takeCalendarFile().then(
      (path) => {
        if (path !== null) setImportPath(path);
      },
      () => undefined,
    );
  }, [calendar]);
  useEffect(() => {
    if (importPath !== null) return;
    takeCalendarFile();
    return calendar.onCalendarFileAsked(takeCalendarFile);
  }, [calendar, importPath, takeCalendarFile]);

  // "Import .ics file…" in the calendar list.
  const importFile = useCallback(async () => {
    setFileError(null);
    try {
      const path = await pickFile(t("cal.import.pickTitle"), t("cal.import.filter"), ["ics", "ical", "ifb", "vcs"]);
      if (path !== null) setImportPath(path);
    } catch (e) {
      setFileError(toIpcError(e));
    }
  }, [pickFile, t]);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
      onSignedOut();
    } catch (e) {
      setError(toIpcError(e));
    }
  }, [api, onSignedOut]);

  return (
    <div className="main-window" data-testid="main-window">
      <header className="toolbar">
        <strong className="brand">{t("app.title")}</strong>
        <span className="account-label" data-testid="account-label">
          {t("main.signedInAs", { user: account.user, server: account.serverUrl })}
        </span>
        <span className="spacer" />
        <button type="button" data-testid="refresh" disabled={busy} onClick={() => void refresh()}>
          {busy ? t("main.refreshing") : t("main.refresh")}
        </button>
        <ReminderBadge
          count={snapshot?.active.length ?? 0}
          onClick={() => {
            setShowSettings(false);
            document.querySelector("[data-testid=main-reminders]")?.scrollIntoView();
          }}
        />
        <LanguageSwitch />
        <Menu
          label={t("main.menu")}
          testId="menu"
          items={[
            { id: "refresh", label: t("main.refresh"), onSelect: () => void refresh(), disabled: busy },
            { id: "open-file", testId: "menu-open-file", label: t("main.openFile"), onSelect: () => void openFile() },
            {
              id: "settings",
              label: t("main.settings"),
              onSelect: () => {
                setShowSettings(true);
              },
            },
            {
              id: "auto-replies",
              label: t("autoReplies.menu"),
              onSelect: () => {
                setShowAutoReplies(true);
              },
            },
            { id: "sign-out", label: t("main.signOut"), onSelect: () => void signOut() },
            {
              id: "close-window",
              label: t("main.closeWindow"),
              onSelect: () => {
                void app.closeMainWindow();
              },
            },
            {
              id: "quit",
              label: t("main.quit"),
              onSelect: () => {
                void app.quitApp();
              },
            },
          ]}
        />
      </header>
      <AutoRepliesBanner
        state={autoReplyState}
        api={autoReplies}
        onOpen={() => {
          setShowAutoReplies(true);
        }}
        onChanged={setAutoReplyState}
      />
      <div className="panes" ref={panesRef}>
        <nav className="sidebar" data-pane="tree" style={{ width: sidebarWidth }}>
          <div className="module-switch" role="group" aria-label={t("module.label")}>
            <button
              type="button"
              data-testid="module-mail"
              aria-pressed={module === "mail"}
              onClick={() => {
                if (inboxId !== null && (folder === null || !isMailFolder(folder))) selectFolder(inboxId);
                else {
                  setShowSettings(false);
                  setModule("mail");
                }
              }}
            >
              {t("module.mail")}
            </button>
            <button type="button" data-testid="module-calendar" aria-pressed={module === "calendar"} onClick={openCalendar}>
              {t("module.calendar")}
            </button>
            <button type="button" data-testid="module-people" aria-pressed={module === "people"} onClick={openPeople}>
              {t("module.people")}
            </button>
          </div>
          {module === "people" ? (
            <p className="muted people-sidebar">{t("people.sidebar")}</p>
          ) : module === "calendar" ? (
            calendars === null ? (
              <p className="muted" aria-busy="true">
                {t("main.loading")}
              </p>
            ) : calendars.length === 0 ? (
              <p className="muted">{t("cal.list.empty")}</p>
            ) : (
              <>
                <MiniMonth
                  range={calRange}
                  onPick={(date) => {
                    setCalDay({ date, seq: ++focusSeq.current });
                  }}
                />
                <CalendarList
                  calendars={calendars}
                  onShown={(c, shown) => {
                    setCalendars((list) => list?.map((x) => (x.id === c.id ? { ...x, shown } : x)) ?? null);
                    calendar.setCalendarView(c.id, shown, null).catch((e: unknown) => {
                      setError(toIpcError(e));
                    });
                  }}
                  onColor={(c, color) => {
                    setCalendars((list) => list?.map((x) => (x.id === c.id ? { ...x, color } : x)) ?? null);
                    calendar.setCalendarView(c.id, null, color).catch((e: unknown) => {
                      setError(toIpcError(e));
                    });
                  }}
                  onOpenCalendar={() => {
                    setOpeningCalendar(true);
                  }}
                  onRemove={(c) => {
                    calendar.removeColleagueCalendar(c.id).then(readCalendars, (e: unknown) => {
                      setError(toIpcError(e));
                    });
                  }}
                  onExport={(c) => {
                    calendar.exportCalendarIcs(c.id).then(
                      (path) => {
                        notify({ key: "mail.att.saved", vars: { path } });
                      },
                      (e: unknown) => {
                        setFileError(toIpcError(e));
                      },
                    );
                  }}
                  onImport={() => void importFile()}
                  remind={remindOf}
                  onRemind={(c, on) => {
                    setRemindOf((m) => new Map(m).set(c.key, on));
                    reminders.setCalendarRemind(c.key, on).catch((e: unknown) => {
                      setRemindOf((m) => new Map(m).set(c.key, !on));
                      setError(toIpcError(e));
                    });
                  }}
                />
              </>
            )
          ) : folders === null ? (
            <p className="muted" aria-busy="true">
              {t("main.loading")}
            </p>
          ) : folders.length === 0 ? (
            <p className="muted">{t("main.noFolders")}</p>
          ) : (
            <>
              <FolderTree
                folders={treeFolders ?? folders}
                selectedId={selected}
                onSelect={(f) => {
                  selectFolder(f.id);
                }}
                onDropMessages={(f, ids) => {
                  mailActions.current?.moveIds(ids, f);
                }}
              />
              <SavedSearchList
                searches={prefs.savedSearches}
                folders={folders}
                active={null}
                onOpen={(s) => {
                  // Its folder (or, searching every folder, the mail folder shown or the Inbox).
                  const shown = folder !== null && isMailFolder(folder) ? folder.id : null;
                  const target = s.folderId !== null && folders.some((f) => f.id === s.folderId) ? s.folderId : (shown ?? inboxId);
                  setSearchRequest({ text: s.text, allFolders: s.folderId === null, filters: s.filters, seq: ++searchSeq.current });
                  if (target !== null && (target !== selected || showSettings)) selectFolder(target);
                }}
                onRemove={(s) => {
                  onPrefs({ ...prefs, savedSearches: prefs.savedSearches.filter((x) => x.name !== s.name) });
                }}
              />
            </>
          )}
          <RemindersPanel api={reminders} snapshot={snapshot} />
        </nav>
        <Splitter
          orientation="vertical"
          containerRef={panesRef}
          unit="px"
          value={sidebarWidth}
          min={SIDEBAR_WIDTH.min}
          max={SIDEBAR_WIDTH.max}
          step={16}
          label={t("main.splitter.folders")}
          testId="splitter-folders"
          onChange={(v, done) => {
            if (done) {
              setSidebarDrag(null);
              onPrefs({ ...prefs, sidebarWidth: v });
            } else setSidebarDrag(v);
          }}
          onReset={() => {
            onPrefs({ ...prefs, sidebarWidth: SIDEBAR_WIDTH.initial });
          }}
        />
        <section
          className={`content${!showSettings && module === "mail" && folder && isMailFolder(folder) && !showsOutbox ? " content-mail" : ""}${
            !showSettings && module === "calendar" ? " content-calendar" : ""
          }${!showSettings && module === "people" ? " content-people" : ""}`}
        >
          {error && <ErrorView error={error} heading={t("main.refreshFailed")} />}
          {fileError && <ErrorView error={fileError} heading={t("main.openFile.failed")} />}
          {showSettings ? (
            <>
              <SettingsPanel
                api={reminders}
                onClose={() => {
                  setShowSettings(false);
                }}
              />
              <MailSettings api={mailSettings} prefs={prefs} onPrefs={onPrefs} pickFile={pickFile} />
            </>
          ) : module === "people" ? (
            <AddressBook
              api={people}
              onShowMails={(address) => {
                setSearchRequest({ text: fromSearch(address), allFolders: true, seq: ++searchSeq.current });
                if (inboxId !== null && (folder === null || !isMailFolder(folder))) selectFolder(inboxId);
                else {
                  setShowSettings(false);
                  setModule("mail");
                }
              }}
            />
          ) : module === "calendar" ? (
            <Suspense
              fallback={
                <p className="muted" aria-busy="true">
                  {t("main.loading")}
                </p>
              }
            >
              <CalendarView
                api={calendar}
                calendars={calendars ?? []}
                view={calView}
                onView={onCalView}
                focus={calFocus}
                notify={notify}
                goToDay={calDay}
                onRange={setCalRange}
              />
            </Suspense>
          ) : showsOutbox ? (
            <OutboxView api={sync} folders={folders ?? undefined} />
          ) : folder && folders && isMailFolder(folder) ? (
            <MailView
              api={mail}
              folders={folders}
              folder={folder}
              prefs={prefs}
              onPrefs={onPrefs}
              paintFolder={paintFolder}
              onPainted={onPainted}
              onCounts={onCounts}
              onHelp={() => {
                setHelp(true);
              }}
              actionsRef={mailActions}
              openRequest={openRequest}
              searchAsked={searchRequest}
              onSearchTaken={onSearchTaken}
              onImportIcs={setImportPath}
            />
          ) : (
            folders !== null && folders.length > 0 && <p className="muted">{t("mail.noFolder")}</p>
          )}
        </section>
      </div>
      <StatusBar api={sync} folders={folders ?? undefined} />
      {notice && (
        <div className="toast" role="status" data-testid="toast" key={notice.id}>
          <span data-testid="toast-text">{toastText(notice.message, t)}</span>
        </div>
      )}
      {importPath !== null && (
        <ImportIcsDialog
          api={calendar}
          path={importPath}
          onImported={(result, preview) => {
            setImportPath(null);
            notify({ key: "cal.import.done", vars: { created: result.created, updated: result.updated } });
            // The calendar, at the first appointment of the file, its card open.
            const first = preview.events[0];
            setShowSettings(false);
            setModule("calendar");
            if (first) {
              performance.mark("kontor:calendar-nav");
              setCalFocus({ date: new Date(first.start * 1000), uid: first.uid, seq: ++focusSeq.current });
            }
          }}
          onClose={() => {
            setImportPath(null);
          }}
        />
      )}
      {openingCalendar && (
        <OpenCalendarDialog
          onOpen={async (input) => {
            await calendar.openColleagueCalendar(input);
            readCalendars();
          }}
          onClose={() => {
            setOpeningCalendar(false);
          }}
        />
      )}
      {showAutoReplies && (
        <AutoRepliesDialog
          api={autoReplies}
          onSaved={setAutoReplyState}
          onClose={() => {
            setShowAutoReplies(false);
          }}
        />
      )}
      {help && (
        <ShortcutOverlay
          onClose={() => {
            setHelp(false);
          }}
        />
      )}
    </div>
  );
}
