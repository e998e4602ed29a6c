// The calendar views (day, work week, week, month, agenda) over the occurrences the core expands:
// recurrence and time zones are resolved in Rust. The time grid of the day, work week and week
// is the app's own (TimeGrid.tsx, docs/decisions/0008-own-time-grid.md); the month and the
// agenda are FullCalendar's (docs/decisions/0006-fullcalendar.md), which only places instants.
// The toolbar and the keys are Kontor's own, so both languages and the shortcut table stay in
// one place.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import FullCalendar, {
  useCalendarController,
  type CalendarRef,
  type DateSelectInfo,
  type DatesSetInfo,
  type EventClickInfo,
  type EventDisplayInfo,
  type EventDropInfo,
  type EventInput,
  type EventResizeDoneInfo,
} from "@fullcalendar/react";
import dayGridPlugin from "@fullcalendar/react/daygrid";
import listPlugin from "@fullcalendar/react/list";
import interactionPlugin from "@fullcalendar/react/interaction";
import classicThemePlugin from "@fullcalendar/react/themes/classic";
import deLocale from "@fullcalendar/react/locales/de";
import "@fullcalendar/react/skeleton.css";
import "@fullcalendar/react/themes/classic/theme.css";
import "@fullcalendar/react/themes/classic/palette.css";
import type { CalendarEntry, CalendarOccurrence, EventDraft, EventForm, MeetingAnswer } from "../lib/bindings";
import type { Api } from "../lib/ipc";
import { toIpcError } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { closeOnEscape } from "../lib/dialog";
import { actionFor } from "../mail/shortcuts";
import { ErrorView } from "../components/ErrorView";
import type { ToastText } from "../mail/toast";
import type { IpcError } from "../lib/bindings";
import type { MessageKey } from "../lib/i18n";
import { EventCard } from "./EventCard";
import { DateField } from "./DateField";
import { EventEditor, type EditorMode } from "./EventEditor";
import { DeleteConfirm, SeriesQuestion, type SeriesAction } from "./SeriesDialogs";
import { asksScope, deleteCall, dragDraft, editorTimes, saveCall, targetOf, type Drag, type Scope, type Target } from "./series";
import { VIEWS, type CalendarViewKind, toEventInputs, isTyping, occurrenceKey, nextSlot, calendarLabel } from "./calendar";
import { afterNextPaint } from "../lib/paint";
import { OccurrenceCache } from "./occurrence-cache";
import { TimeGrid, type GridDrag } from "./TimeGrid";
import { addDays, gridDays, isoWeek, startOfDay, stepAnchor, type GridColumn, type GridKind } from "./time-grid";

export type CalendarApi = Pick<
  Api,
  | "calendarView"
  | "onCalendarChanged"
  | "createEvent"
  | "eventForm"
  | "updateEvent"
  | "updateOccurrence"
  | "deleteEvent"
  | "deleteOccurrence"
  | "exportEventIcs"
  | "respondToMeeting"
  | "addressSuggestions"
  | "directorySuggestions"
  | "parseRecipients"
>;

const SPLIT_KEY = "kontor.calendar.split";

// Options given to FullCalendar (month and agenda) as the same objects every render.
const PLUGINS = [dayGridPlugin, listPlugin, interactionPlugin, classicThemePlugin];
const EVENT_TIME_FORMAT = { hour: "2-digit", minute: "2-digit", hour12: false } as const;

/** Brings an appointment just drawn into sight, if it is not. False while it is not on the page. */
function reveal(o: CalendarOccurrence): boolean {
  const el = document.querySelector<HTMLElement>(`[data-testid=cal-event][data-event-id="${String(o.eventId)}"]`);
  if (!el) return false;
  el.scrollIntoView({ block: "nearest" });
  return true;
}

/** The toast after an answer to an invitation. */
const ANSWER_DONE: Record<MeetingAnswer, MessageKey> = {
  accepted: "mail.invite.accepted",
  tentative: "mail.invite.tentativeDone",
  declined: "mail.invite.declined",
};

/** A drag waiting for its answer, with the view's way back. */
type PendingDrag = Drag & { revert: () => void };

/** The views drawn by the app's own time grid. */
function gridKindOf(view: CalendarViewKind): GridKind | null {
  return view === "day" || view === "workWeek" || view === "week" ? view : null;
}

/** Where an edit, delete or drag of an appointment stands. */
type Flow =
  | { step: "ask"; action: SeriesAction; o: CalendarOccurrence; series: EventForm; drag?: PendingDrag }
  | { step: "edit"; target: Target; form: EventForm; mode: EditorMode }
  | { step: "delete"; o: CalendarOccurrence; target: Target; recurring: boolean; title: string };

interface Props {
  api: CalendarApi;
  calendars: CalendarEntry[];
  view: CalendarViewKind;
  onView: (v: CalendarViewKind) => void;
  /** Shown first (a reminder's "Open"): the day, and the occurrence whose card opens. */
  focus?: { date: Date; uid: string; seq: number } | null;
  /** Tells the user what happened (an appointment saved as a file). */
  notify?: (message: ToastText) => void;
  /** A day to show (the month picker's): the view goes to it, keeping its kind. */
  goToDay?: { date: Date; seq: number } | null;
  /** The range shown, each time it changes (for the month picker). */
  onRange?: (range: { start: Date; end: Date }) => void;
}

export function CalendarView({ api, calendars, view, onView, focus, notify, goToDay = null, onRange }: Props) {
  const { t, lang } = useI18n();
  const calRef = useRef<CalendarRef>(null);
  const [fcTitle, setFcTitle] = useState("");
  const [fcRangeStart, setFcRangeStart] = useState("");
  const [error, setError] = useState<IpcError | null>(null);
  const [opened, setOpened] = useState<CalendarOccurrence | null>(null);
  const [goTo, setGoTo] = useState(false);
  const [editing, setEditing] = useState<{ start: Date; end: Date; allDay: boolean } | null>(null);
  const [flow, setFlow] = useState<Flow | null>(null);
  const [actionError, setActionError] = useState<{ error: IpcError; heading: MessageKey } | null>(null);
  const controller = useCalendarController();
  // The day view side by side, one column per shown calendar (remembered).
  const [split, setSplit] = useState(() => localStorage.getItem(SPLIT_KEY) === "1");
  const columns = useMemo(() => calendars.filter((c) => c.shown).map((c) => c.id), [calendars]);
  const splitOn = split && view === "day" && columns.length > 1;
  const fcType = VIEWS[view].type;
  const byId = useMemo(() => new Map(calendars.map((c) => [c.id, c])), [calendars]);
  const byIdRef = useRef(byId);
  useEffect(() => {
    byIdRef.current = byId;
    calRef.current?.getApi().refetchEvents();
  }, [byId]);
  const occurrences = useRef(new Map<string, CalendarOccurrence>());
  // Set when a range's appointments arrived; the next eventsSet marks them painted (the window
  // bench measures from "kontor:calendar-nav" to "kontor:calendar-painted").
  const paintPending = useRef(false);
  // The occurrence a reminder's "Open" asked for, until its range has been read.
  const focusPending = useRef<{ date: Date; uid: string } | null>(focus ? { date: focus.date, uid: focus.uid } : null);
  // An appointment just created, until it is on screen: the view scrolls to it.
  const revealPending = useRef<number | null>(null);

  // The ranges shown and their neighbours, read ahead (cleared when a calendar changes).
  const [cache] = useState(() => new OccurrenceCache((from, to) => api.calendarView(from, to)));
  // The range last shown, read around once it is painted.
  const shownRange = useRef<[number, number] | null>(null);
  const errorShown = useRef(false);
  useEffect(() => {
    errorShown.current = error !== null;
  }, [error]);

  // A range's appointments arrived (in either kind of view): kept for the handlers, and the
  // card a reminder's "Open" asked for opened when the range holds it.
  const took = useCallback((list: CalendarOccurrence[], from: number, to: number) => {
    if (errorShown.current) setError(null);
    occurrences.current = new Map(list.map((o) => [occurrenceKey(o), o]));
    shownRange.current = [from, to];
    const want = focusPending.current;
    if (!want) return;
    const at = want.date.getTime() / 1000;
    const hit = list.find((o) => o.uid === want.uid && o.start === at) ?? list.find((o) => o.uid === want.uid);
    if (hit && from <= at && at < to) {
      focusPending.current = null;
      setOpened(hit);
    }
  }, []);
  // The appointments are in the DOM (React's commit); the frame showing them is still to come.
  // Then the ranges before and after are read for the next step.
  const drawn = useCallback(() => {
    performance.mark("kontor:calendar-events-set");
    afterNextPaint(() => {
      performance.mark("kontor:calendar-painted");
      const r = shownRange.current;
      if (r) cache.readAround(r[0], r[1]);
    });
  }, [cache]);

  // ---- The time grid (day, work week, week): the app's own, its dates kept here. ----
  const gridKind = gridKindOf(view);
  // The day the grid shows (or whose week); FullCalendar's views keep theirs and report it.
  const [anchor, setAnchor] = useState(() => focus?.date ?? new Date());
  const gridColumns = useMemo<GridColumn[] | null>(() => {
    if (!gridKind) return null;
    if (splitOn) {
      const day = startOfDay(anchor);
      return columns.map((id) => ({ day, calendarId: id }));
    }
    return gridDays(gridKind, anchor).map((day) => ({ day }));
  }, [gridKind, splitOn, anchor, columns]);
  const firstDay = gridColumns?.[0]?.day ?? null;
  const lastDay = gridColumns?.[gridColumns.length - 1]?.day ?? null;
  const gridFrom = firstDay ? Math.floor(firstDay.getTime() / 1000) : 0;
  const gridTo = lastDay ? Math.ceil(addDays(lastDay, 1).getTime() / 1000) : 0;
  const gridRange = useRef<[number, number] | null>(null);
  useEffect(() => {
    gridRange.current = gridKind ? [gridFrom, gridTo] : null;
  }, [gridKind, gridFrom, gridTo]);
  // Raised when the cache holds something new for the grid.
  const [dataVersion, setDataVersion] = useState(0);
  const gridList = useMemo(() => {
    if (gridFrom === gridTo) return null;
    performance.mark("kontor:calendar-fetch");
    const kept = dataVersion >= 0 ? cache.peek(gridFrom, gridTo) : null;
    if (kept) performance.mark("kontor:calendar-data");
    return kept;
  }, [cache, gridFrom, gridTo, dataVersion]);
  // Not in the cache: read, then drawn.
  useEffect(() => {
    if (gridFrom === gridTo || gridList) return;
    let live = true;
    cache.get(gridFrom, gridTo).then(
      () => {
        if (live) setDataVersion((v) => v + 1);
      },
      (e: unknown) => {
        if (live) setError(toIpcError(e));
      },
    );
    return () => {
      live = false;
    };
  }, [cache, gridFrom, gridTo, gridList]);
  const gridShown = useMemo(() => (gridList ?? []).filter((o) => byId.get(o.calendarId)?.shown), [gridList, byId]);
  useEffect(() => {
    if (gridList) took(gridList, gridFrom, gridTo);
  }, [took, gridList, gridFrom, gridTo]);
  // The range, for the month picker.
  const onRangeRef = useRef(onRange);
  useEffect(() => {
    onRangeRef.current = onRange;
  }, [onRange]);
  useEffect(() => {
    if (firstDay && lastDay) onRangeRef.current?.({ start: firstDay, end: addDays(lastDay, 1) });
    // The days, not the objects: the same range drawn again is not a new range.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [gridFrom, gridTo]);
  const locale = lang === "de" ? "de-DE" : "en-GB";
  const gridTitle = useMemo(() => {
    if (!firstDay || !lastDay) return "";
    if (firstDay.getTime() === lastDay.getTime()) {
      return new Intl.DateTimeFormat(locale, { weekday: splitOn ? undefined : "long", day: "numeric", month: "long", year: "numeric" }).format(firstDay);
    }
    return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" }).formatRange(firstDay, lastDay);
  }, [firstDay, lastDay, locale, splitOn]);
  const heads = useMemo(() => {
    if (!gridColumns) return [];
    const fmt = new Intl.DateTimeFormat(locale, { weekday: "short", day: "2-digit", month: "2-digit" });
    const long = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
    return gridColumns.map((c) => {
      if (c.calendarId !== undefined) {
        const cal = byId.get(c.calendarId);
        return (
          <span className="split-head" data-testid="cal-split-head" data-calendar={c.calendarId}>
            <span className="swatch" style={{ background: cal?.color }} aria-hidden="true" /> {cal ? calendarLabel(cal, t).label : ""}
          </span>
        );
      }
      return (
        <button
          type="button"
          className="day-link"
          data-testid="cal-day-head"
          title={t("cal.day.open", { date: long.format(c.day) })}
          onClick={() => {
            performance.mark("kontor:calendar-nav");
            setAnchor(c.day);
            onView("day");
          }}
        >
          {fmt.format(c.day)}
        </button>
      );
    });
  }, [gridColumns, locale, byId, t, onView]);
  const workdays = useMemo(() => (gridColumns ?? []).map((c) => c.day.getDay() >= 1 && c.day.getDay() <= 5), [gridColumns]);
  const maxLanes = splitOn ? 3 : gridKind === "day" ? 8 : gridKind === "workWeek" ? 4 : 3;

  const title = gridKind ? gridTitle : fcTitle;
  const rangeStart = firstDay ? firstDay.toISOString() : fcRangeStart;

  // Today, back, on: the grid's own dates or FullCalendar's.
  const step = useCallback(
    (how: "today" | "prev" | "next") => {
      if (gridKind) {
        setAnchor((a) => (how === "today" ? new Date() : stepAnchor(gridKind, a, how === "next" ? 1 : -1)));
        return;
      }
      if (how === "today") controller.today();
      else if (how === "prev") controller.prev();
      else controller.next();
    },
    [gridKind, controller],
  );
  const goToDate = useCallback(
    (d: Date) => {
      if (gridKind) setAnchor(d);
      else controller.gotoDate(d);
    },
    [gridKind, controller],
  );

  // The callback form: a range kept in the cache is handed over at once, so FullCalendar draws
  // the new dates and their appointments in one render.
  const events = useCallback(
    (info: { start: Date; end: Date }, success: (inputs: EventInput[]) => void) => {
      performance.mark("kontor:calendar-fetch");
      const from = Math.floor(info.start.getTime() / 1000);
      const to = Math.ceil(info.end.getTime() / 1000);
      const take = (list: CalendarOccurrence[]) => {
        performance.mark("kontor:calendar-data");
        paintPending.current = true;
        took(list, from, to);
        success(toEventInputs(list, byIdRef.current));
      };
      const kept = cache.peek(from, to);
      if (kept) {
        take(kept);
        return;
      }
      cache.get(from, to).then(take, (e: unknown) => {
        setError(toIpcError(e));
        success([]);
      });
    },
    [cache, took],
  );

  useEffect(
    () =>
      api.onCalendarChanged(() => {
        cache.clear();
        calRef.current?.getApi().refetchEvents();
        // The grid keeps what it shows until the range is read again.
        const r = gridRange.current;
        if (r) {
          cache.get(r[0], r[1]).then(
            () => {
              setDataVersion((v) => v + 1);
            },
            (e: unknown) => {
              setError(toIpcError(e));
            },
          );
        }
      }),
    [api, cache],
  );

  // The view chosen outside (toolbar buttons, Ctrl+Alt+1…5) between FullCalendar's views.
  useEffect(() => {
    const cal = calRef.current?.getApi();
    if (!cal || cal.view.type === fcType) return;
    const now = new Date();
    const showsToday = cal.view.activeStart <= now && now < cal.view.activeEnd;
    cal.changeView(fcType, showsToday ? now : cal.getDate());
  }, [fcType]);

  useEffect(() => {
    if (!goToDay) return;
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setAnchor(goToDay.date);
    calRef.current?.getApi().gotoDate(goToDay.date);
  }, [goToDay]);

  useEffect(() => {
    if (!focus) return;
    focusPending.current = { date: focus.date, uid: focus.uid };
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setAnchor(focus.date);
    // Already showing that range: read it again, so the card opens.
    setDataVersion((v) => v + 1);
    const cal = calRef.current?.getApi();
    if (!cal) return;
    cal.gotoDate(focus.date);
    cal.refetchEvents();
  }, [focus]);

  const save = useCallback(
    (target: Target, draft: EventDraft): Promise<unknown> => {
      const call = saveCall(target, draft);
      return call.command === "updateEvent" ? api.updateEvent(call.eventId, call.draft) : api.updateOccurrence(call.eventId, call.instance, call.draft);
    },
    [api],
  );

  // After the question (or without one for a single appointment): open the dialog, ask to
  // confirm the delete, or save the drag.
  const proceed = useCallback(
    async (action: SeriesAction, o: CalendarOccurrence, series: EventForm, scope: Scope | null, drag?: PendingDrag) => {
      const target = targetOf(o, series.recurring, scope);
      if (action === "delete") {
        // The whole series goes by the series' title (a changed occurrence may have its own).
        const title = series.recurring && target.instance === null ? series.draft.summary : o.summary;
        setFlow({ step: "delete", o, target, recurring: series.recurring, title });
        return;
      }
      try {
        const form = target.instance === null ? series : await api.eventForm(o.eventId, target.instance);
        if (action === "edit") {
          setFlow({ step: "edit", target, form, mode: !series.recurring ? "edit" : target.instance === null ? "series" : "occurrence" });
          return;
        }
        setFlow(null);
        if (drag) await save(target, dragDraft(form.draft, target, drag, series.recurring));
      } catch (e) {
        drag?.revert();
        setFlow(null);
        setActionError({ error: toIpcError(e), heading: action === "move" ? "cal.move.failed" : "cal.edit.failed" });
      }
    },
    [api, save],
  );

  // Edit, delete or move an appointment: an occurrence of a series asks "only this one / the
  // whole series" first; a read-only calendar's appointment opens read-only and does not move.
  const act = useCallback(
    async (action: SeriesAction, o: CalendarOccurrence, drag?: PendingDrag) => {
      setOpened(null);
      setActionError(null);
      try {
        const series = await api.eventForm(o.eventId, null);
        if (series.readOnly) {
          drag?.revert();
          if (action !== "edit") return;
          const form = series.recurring ? await api.eventForm(o.eventId, o.instance) : series;
          setFlow({ step: "edit", target: targetOf(o, series.recurring, "occurrence"), form, mode: "edit" });
          return;
        }
        if (asksScope(series.recurring)) {
          setFlow({ step: "ask", action, o, series, drag });
          return;
        }
        await proceed(action, o, series, null, drag);
      } catch (e) {
        drag?.revert();
        setActionError({ error: toIpcError(e), heading: action === "move" ? "cal.move.failed" : "cal.loadFailed" });
      }
    },
    [api, proceed],
  );
  // The appointments' own key and mouse handlers are made once per element: they call the
  // current one.
  const actRef = useRef(act);
  useEffect(() => {
    actRef.current = act;
  }, [act]);

  // The time grid's handlers, the same functions from one render to the next.
  const gridOpen = useCallback((o: CalendarOccurrence) => {
    setOpened(o);
  }, []);
  const gridEdit = useCallback((o: CalendarOccurrence) => {
    void actRef.current("edit", o);
  }, []);
  const gridDelete = useCallback((o: CalendarOccurrence) => {
    void actRef.current("delete", o);
  }, []);
  const gridMove = useCallback((o: CalendarOccurrence, drag: GridDrag) => {
    void actRef.current("move", o, drag);
  }, []);
  const gridSelect = useCallback((range: { start: Date; end: Date; allDay: boolean }) => {
    setEditing(range);
  }, []);

  // FullCalendar's options stay the same objects from one render to the next. A changed
  // option (a new callback each render) gives the calendar a new context, and a drag that
  // began before it is dropped as if into another calendar: no eventDrop, the appointment
  // left where the mouse let go. Seen when the window re-rendered during a slow drag.
  const onDragged = useCallback((o: CalendarOccurrence | undefined, drag: PendingDrag) => {
    if (!o) {
      drag.revert();
      return;
    }
    void actRef.current("move", o, drag);
  }, []);
  const onSelect = useCallback((info: DateSelectInfo) => {
    setEditing({ start: info.start, end: info.end, allDay: info.allDay });
    calRef.current?.getApi().unselect();
  }, []);
  const onDatesSet = useCallback((info: DatesSetInfo) => {
    setFcTitle(info.view.title);
    setFcRangeStart(info.start.toISOString());
    onRangeRef.current?.({ start: info.start, end: info.end });
    // The day a time grid opened next would show: today if this range holds it.
    const now = new Date();
    setAnchor(info.view.activeStart <= now && now < info.view.activeEnd ? now : info.view.currentStart);
    performance.mark("kontor:calendar-dates");
  }, []);
  const onEventsSet = useCallback(() => {
    if (!paintPending.current) return;
    paintPending.current = false;
    drawn();
  }, [drawn]);
  const onEventDrop = useCallback(
    (info: EventDropInfo) => {
      const ev = info.event;
      if (!ev.start) {
        info.revert();
        return;
      }
      onDragged(occurrences.current.get(ev.id), {
        start: ev.start,
        end: ev.end,
        allDay: ev.allDay,
        startDelta: info.delta,
        endDelta: info.delta,
        revert: info.revert,
      });
    },
    [onDragged],
  );
  const onEventResize = useCallback(
    (info: EventResizeDoneInfo) => {
      const ev = info.event;
      if (!ev.start) {
        info.revert();
        return;
      }
      onDragged(occurrences.current.get(ev.id), {
        start: ev.start,
        end: ev.end,
        allDay: ev.allDay,
        startDelta: info.startDelta,
        endDelta: info.endDelta,
        revert: info.revert,
      });
    },
    [onDragged],
  );
  const onEventClick = useCallback((info: EventClickInfo) => {
    info.jsEvent.preventDefault();
    performance.mark("kontor:event-open");
    setOpened(occurrences.current.get(info.event.id) ?? null);
  }, []);
  const onEventDidMount = useCallback(
    (info: EventDisplayInfo & { el: HTMLElement }) => {
      const o = occurrences.current.get(info.event.id);
      info.el.setAttribute("data-testid", "cal-event");
      info.el.setAttribute("data-uid", o?.uid ?? "");
      info.el.setAttribute("data-calendar", String(o?.calendarId ?? ""));
      info.el.setAttribute("data-answer", o?.myAnswer ?? "");
      info.el.setAttribute("data-event-id", String(o?.eventId ?? ""));
      if (o && o.eventId === revealPending.current) {
        afterNextPaint(() => {
          if (revealPending.current === o.eventId && reveal(o)) revealPending.current = null;
        });
      }
      info.el.setAttribute("tabindex", "0");
      info.el.addEventListener("keydown", (e) => {
        if (!o) return;
        if (e.key === "Enter") setOpened(o);
        if (e.key === "Delete" && !e.ctrlKey && !e.altKey && !e.shiftKey && !e.metaKey) {
          e.preventDefault();
          e.stopPropagation();
          void actRef.current("delete", o);
        }
      });
      info.el.addEventListener("dblclick", () => {
        if (o) void actRef.current("edit", o);
      });
    },
    [],
  );

  // An appointment just made, once the grid shows it.
  useEffect(() => {
    const id = revealPending.current;
    if (id === null || !gridList) return;
    return afterNextPaint(() => {
      const o = gridList.find((x) => x.eventId === id);
      if (o && revealPending.current === id && reveal(o)) revealPending.current = null;
    });
  }, [gridList]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || document.querySelector("[role=dialog], [role=alertdialog]")) return;
      const action = actionFor(e, "calendar");
      if (!action) return;
      e.preventDefault();
      if (action !== "calGoTo" && action !== "calNew") performance.mark("kontor:calendar-nav");
      switch (action) {
        case "calDay":
          onView("day");
          break;
        case "calWorkWeek":
          onView("workWeek");
          break;
        case "calWeek":
          onView("week");
          break;
        case "calMonth":
          onView("month");
          break;
        case "calAgenda":
          onView("agenda");
          break;
        case "calToday":
          step("today");
          break;
        case "calPrevious":
          step("prev");
          break;
        case "calNext":
          step("next");
          break;
        case "calGoTo":
          setGoTo(true);
          break;
        case "calNew":
          setEditing({ ...nextSlot(), allDay: false });
          break;
        default:
          break;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [step, onView]);

  const viewButtons: CalendarViewKind[] = ["day", "workWeek", "week", "month", "agenda"];
  const openedCal = opened ? byId.get(opened.calendarId) : undefined;

  return (
    <div className="calendar-view" data-testid="calendar-view" data-view={view} data-split={splitOn ? "true" : undefined} data-start={rangeStart}>
      <div className="toolbar calendar-toolbar" role="toolbar" aria-label={t("cal.toolbar")}>
        <button
          type="button"
          className="primary"
          data-testid="cal-new"
          onClick={() => {
            setEditing({ ...nextSlot(), allDay: false });
          }}
        >
          {t("cal.new")}
        </button>
        <button type="button" data-testid="cal-today" onClick={() => { performance.mark("kontor:calendar-nav"); step("today"); }}>
          {t("cal.today")}
        </button>
        <button type="button" data-testid="cal-prev" aria-label={t("cal.previous")} title={t("cal.previous")} onClick={() => { performance.mark("kontor:calendar-nav"); step("prev"); }}>
          ‹
        </button>
        <button type="button" data-testid="cal-next" aria-label={t("cal.next")} title={t("cal.next")} onClick={() => { performance.mark("kontor:calendar-nav"); step("next"); }}>
          ›
        </button>
        <button type="button" data-testid="cal-goto" onClick={() => { setGoTo(true); }}>
          {t("cal.goTo")}
        </button>
        <h2 className="calendar-title" data-testid="cal-title" aria-live="polite">
          {title}
        </h2>
        <span className="spacer" />
        <div className="segmented" role="group" aria-label={t("cal.views")}>
          {viewButtons.map((v) => (
            <button
              key={v}
              type="button"
              data-testid={`cal-view-${v}`}
              aria-pressed={view === v}
              onClick={() => {
                performance.mark("kontor:calendar-nav");
                onView(v);
              }}
            >
              {t(VIEWS[v].label)}
            </button>
          ))}
        </div>
        {view === "day" && columns.length > 1 && (
          <button
            type="button"
            data-testid="cal-split"
            className="toggle"
            aria-pressed={split}
            title={t("cal.split.title")}
            onClick={() => {
              performance.mark("kontor:calendar-nav");
              const next = !split;
              setSplit(next);
              try {
                localStorage.setItem(SPLIT_KEY, next ? "1" : "0");
              } catch {
                // Not kept: the choice holds for this window.
              }
            }}
          >
            {t("cal.split")}
          </button>
        )}
      </div>
      {error && <ErrorView error={error} heading={t("cal.loadFailed")} />}
      {actionError && <ErrorView error={actionError.error} heading={t(actionError.heading)} />}
      <div className="calendar-body" data-testid="calendar-body">
        {gridColumns ? (
          <TimeGrid
            columns={gridColumns}
            heads={heads}
            corner={firstDay ? t("cal.weekNumber", { n: isoWeek(firstDay) }) : ""}
            occurrences={gridShown}
            calendars={byId}
            maxLanes={maxLanes}
            workdays={workdays}
            editable={!splitOn}
            onOpen={gridOpen}
            onEdit={gridEdit}
            onDelete={gridDelete}
            onMove={gridMove}
            onSelect={gridSelect}
            onDrawn={drawn}
          />
        ) : (
          <FullCalendar
            ref={calRef}
            controller={controller}
            plugins={PLUGINS}
            selectable
            selectMirror
            select={onSelect}
            locale={lang === "de" ? deLocale : "en-gb"}
            firstDay={1}
            weekNumbers
            weekNumberCalculation="ISO"
            headerToolbar={false}
            initialView={fcType}
            initialDate={anchor}
            height="100%"
            allDayText={t("cal.allDay")}
            noEventsText={t("cal.noEvents")}
            dayMaxEvents
            eventTimeFormat={EVENT_TIME_FORMAT}
            events={events}
            datesSet={onDatesSet}
            eventsSet={onEventsSet}
            eventDrop={onEventDrop}
            eventResize={onEventResize}
            eventClick={onEventClick}
            eventDidMount={onEventDidMount}
          />
        )}
      </div>
      {opened && (
        <EventCard
          occurrence={opened}
          calendar={openedCal}
          onEdit={() => {
            void act("edit", opened);
          }}
          onDelete={
            openedCal?.readOnly
              ? undefined
              : () => {
                  void act("delete", opened);
                }
          }
          onExport={() => {
            api.exportEventIcs(opened.eventId).then(
              (path) => {
                setOpened(null);
                notify?.({ key: "mail.att.saved", vars: { path } });
              },
              (e: unknown) => {
                setActionError({ error: toIpcError(e), heading: "cal.export.failed" });
              },
            );
          }}
          onClose={() => {
            setOpened(null);
          }}
          meetingApi={api}
          onAnswered={(answer) => {
            notify?.({ key: ANSWER_DONE[answer] });
          }}
        />
      )}
      {flow?.step === "ask" && (
        <SeriesQuestion
          action={flow.action}
          title={flow.o.summary}
          onChoose={(scope) => {
            void proceed(flow.action, flow.o, flow.series, scope, flow.drag);
          }}
          onCancel={() => {
            flow.drag?.revert();
            setFlow(null);
          }}
        />
      )}
      {flow?.step === "edit" && (
        <EventEditor
          key={`${String(flow.target.eventId)}-${String(flow.target.instance)}`}
          calendars={calendars}
          {...editorTimes(flow.form.draft)}
          initial={flow.form.draft}
          mode={flow.mode}
          readOnly={flow.form.readOnly}
          meeting={flow.form}
          api={api}
          eventId={flow.target.eventId}
          onAnswered={(answer) => {
            notify?.({ key: ANSWER_DONE[answer] });
          }}
          onSave={(draft) => save(flow.target, draft)}
          onClose={() => {
            setFlow(null);
          }}
        />
      )}
      {flow?.step === "delete" && (
        <DeleteConfirm
          text={deleteText(flow, t, lang)}
          onDelete={() => {
            const call = deleteCall(flow.target);
            return call.command === "deleteEvent" ? api.deleteEvent(call.eventId) : api.deleteOccurrence(call.eventId, call.instance);
          }}
          onClose={() => {
            setFlow(null);
          }}
        />
      )}
      {editing && (
        <EventEditor
          calendars={calendars}
          start={editing.start}
          end={
            editing.allDay
              ? new Date(editing.end.getFullYear(), editing.end.getMonth(), editing.end.getDate() - 1)
              : editing.end
          }
          allDay={editing.allDay}
          api={api}
          onSave={async (draft) => {
            const id = await api.createEvent(draft);
            // Shown where it is: its week (or month) and, in a time grid, its hour.
            revealPending.current = id;
            const start = new Date(draft.start);
            if (!Number.isNaN(start.getTime())) {
              const cal = calRef.current?.getApi();
              if (cal && (start < cal.view.activeStart || start >= cal.view.activeEnd)) cal.gotoDate(start);
              const r = gridRange.current;
              if (r && (start.getTime() / 1000 < r[0] || start.getTime() / 1000 >= r[1])) setAnchor(start);
            }
            // Already drawn (the change's refetch came first).
            afterNextPaint(() => {
              const o = [...occurrences.current.values()].find((x) => x.eventId === id);
              if (o && revealPending.current === id && reveal(o)) revealPending.current = null;
            });
            return id;
          }}
          onClose={() => {
            setEditing(null);
          }}
        />
      )}
      {goTo && (
        <GoToDate
          onGo={(d) => {
            setGoTo(false);
            goToDate(d);
          }}
          onClose={() => {
            setGoTo(false);
          }}
        />
      )}
    </div>
  );
}

/** The delete question's sentence: the appointment, only this occurrence, or the whole series. */
function deleteText(
  flow: { o: CalendarOccurrence; target: Target; recurring: boolean; title: string },
  t: ReturnType<typeof useI18n>["t"],
  lang: string,
): string {
  const title = flow.title || t("cal.noTitle");
  const date = new Intl.DateTimeFormat(lang === "de" ? "de-DE" : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    ...(flow.o.allDay ? {} : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
  }).format(new Date(flow.o.start * 1000));
  if (!flow.recurring) return t("cal.delete.one", { title, date });
  return flow.target.instance === null ? t("cal.delete.series", { title }) : t("cal.delete.occurrence", { title, date });
}

function GoToDate({ onGo, onClose }: { onGo: (d: Date) => void; onClose: () => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState(() => {
    const d = new Date();
    return `${String(d.getFullYear())}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  });
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="goto-title"
        data-testid="cal-goto-dialog"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
        onSubmit={(e) => {
          e.preventDefault();
          const [y, m, d] = value.split("-").map(Number);
          if (y && m && d) onGo(new Date(y, m - 1, d));
        }}
      >
        <h2 id="goto-title">{t("cal.goTo")}</h2>
        <label>
          {t("cal.goTo.date")}{" "}
          <DateField autoFocus data-testid="cal-goto-date" value={value} onValue={setValue} />
        </label>
        <div className="dialog-buttons">
          <button type="submit" data-testid="cal-goto-ok">
            {t("cal.goTo.ok")}
          </button>
          <button type="button" onClick={onClose}>
            {t("mail.cancel")}
          </button>
        </div>
      </form>
    </div>
  );
}
