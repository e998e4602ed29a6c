// The calendar views (day, work week, week, month, agenda) over the occurrences the core expands:
// recurrence and time zones are resolved in Rust, FullCalendar only places instants
// (docs/decisions/0006-fullcalendar.md). The toolbar and the keys are Kontor's own, so both
// languages and the shortcut table stay in one place.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import FullCalendar, {
  useCalendarController,
  type CalendarApi as FcCalendarApi,
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
import timeGridPlugin from "@fullcalendar/react/timegrid";
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
import { VIEWS, type CalendarViewKind, toEventInputs, isTyping, occurrenceKey, nextSlot, toSplitInputs, splitColumn, calendarLabel } from "./calendar";
import { afterNextPaint } from "../lib/paint";
import { OccurrenceCache } from "./occurrence-cache";

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

// Options given to FullCalendar as the same objects every render (see the callbacks below).
const PLUGINS = [dayGridPlugin, timeGridPlugin, listPlugin, interactionPlugin, classicThemePlugin];
const EVENT_TIME_FORMAT = { hour: "2-digit", minute: "2-digit", hour12: false } as const;
const WORKDAY_HOURS = { daysOfWeek: [1, 2, 3, 4, 5], startTime: "08:00", endTime: "18:00" };
const EVERY_DAY_HOURS = { daysOfWeek: [0, 1, 2, 3, 4, 5, 6], startTime: "08:00", endTime: "18:00" };

/** "09:05" in 24-hour time, as both languages show it. */
function hhmm(d: Date): string {
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** An appointment in the time grid: its times and title, in FullCalendar's classes. The times
 * are written here rather than by FullCalendar's date formatting, once per appointment drawn. */
function timeGridContent(arg: EventDisplayInfo) {
  const { start, end, allDay, title } = arg.event;
  const time = allDay || !start ? "" : end ? `${hhmm(start)}–${hhmm(end)}` : hhmm(start);
  return (
    <>
      {time && <div className={arg.timeClass}>{time}</div>}
      <div className={arg.titleClass}>{title || "\u00a0"}</div>
    </>
  );
}

/** Brings an appointment just drawn into sight, if it is not: the time grid scrolls through
 * FullCalendar (which keeps that position when it draws again) to an hour before it; another
 * view scrolls the element itself. False while it is not on the page. */
function reveal(cal: FcCalendarApi | undefined, o: CalendarOccurrence): boolean {
  const el = document.querySelector<HTMLElement>(`[data-testid=cal-event][data-event-id="${String(o.eventId)}"]`);
  let pane = el?.parentElement ?? null;
  while (pane && !(pane.scrollHeight > pane.clientHeight + 1 && ["auto", "scroll"].includes(getComputedStyle(pane).overflowY))) {
    pane = pane.parentElement;
  }
  if (!el || !pane) return false;
  const r = el.getBoundingClientRect();
  const v = pane.getBoundingClientRect();
  if (r.top >= v.top - 1 && r.bottom <= v.bottom + 1) return true;
  if (cal?.view.type.startsWith("timeGrid") && !o.allDay) {
    const start = new Date(o.start * 1000);
    const before = new Date(Math.max(start.getTime() - 3_600_000, new Date(start).setHours(0, 0, 0, 0)));
    cal.scrollToTime(`${hhmm(before)}:00`);
  } else {
    el.scrollIntoView({ block: "nearest" });
  }
  return true;
}

/** Whether the split day (its ISO start) is Monday to Friday, for the working hours' shade. */
function splitDayIsWorkday(iso: string): boolean {
  const d = iso ? new Date(iso) : new Date();
  return d.getDay() >= 1 && d.getDay() <= 5;
}

/** The toast after an answer to an invitation. */
const ANSWER_DONE: Record<MeetingAnswer, MessageKey> = {
  accepted: "mail.invite.accepted",
  tentative: "mail.invite.tentativeDone",
  declined: "mail.invite.declined",
};

/** A drag waiting for its answer, with FullCalendar's way back. */
type PendingDrag = Drag & { revert: () => void };

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
  const [title, setTitle] = useState("");
  const [rangeStart, setRangeStart] = useState("");
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
  const fcType = splitOn ? "timeGridSplit" : VIEWS[view].type;
  const splitRef = useRef<readonly number[] | null>(null);
  // Before the effects below that change the view or read its range again.
  useEffect(() => {
    splitRef.current = splitOn ? columns : null;
  }, [splitOn, columns]);
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
  const focusPending = useRef<{ date: Date; uid: string } | null>(null);
  // An appointment just created, until it is on screen: the view scrolls to it.
  const revealPending = useRef<number | null>(null);

  // The ranges shown and their neighbours, read ahead (cleared when a calendar changes).
  const [cache] = useState(() => new OccurrenceCache((from, to) => api.calendarView(from, to)));
  // The range last given to FullCalendar, read around once it is painted.
  const shownRange = useRef<[number, number] | null>(null);
  const errorShown = useRef(false);
  useEffect(() => {
    errorShown.current = error !== null;
  }, [error]);

  // The callback form: a range kept in the cache is handed over at once, so FullCalendar draws
  // the new dates and their appointments in one render.
  const events = useCallback(
    (info: { start: Date; end: Date }, success: (inputs: EventInput[]) => void) => {
      performance.mark("kontor:calendar-fetch");
      const cols = splitRef.current;
      // The split day's grid spans a day per calendar; its appointments are the first day's.
      const end = cols ? new Date(info.start.getFullYear(), info.start.getMonth(), info.start.getDate() + 1) : info.end;
      const from = Math.floor(info.start.getTime() / 1000);
      const to = Math.ceil(end.getTime() / 1000);
      const take = (list: CalendarOccurrence[]) => {
        performance.mark("kontor:calendar-data");
        if (errorShown.current) setError(null);
        const inputs = cols ? toSplitInputs(list, byIdRef.current, cols) : toEventInputs(list, byIdRef.current);
        occurrences.current = new Map(list.map((o) => [occurrenceKey(o), o]));
        shownRange.current = [from, to];
        paintPending.current = true;
        const want = focusPending.current;
        if (want) {
          const at = want.date.getTime() / 1000;
          const hit = list.find((o) => o.uid === want.uid && o.start === at) ?? list.find((o) => o.uid === want.uid);
          if (hit && info.start.getTime() <= want.date.getTime() && want.date.getTime() < info.end.getTime()) {
            focusPending.current = null;
            setOpened(hit);
          }
        }
        success(inputs);
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
    [cache],
  );

  useEffect(
    () =>
      api.onCalendarChanged(() => {
        cache.clear();
        calRef.current?.getApi().refetchEvents();
      }),
    [api, cache],
  );

  // The view chosen outside (toolbar buttons, Ctrl+Alt+1…5).
  useEffect(() => {
    const cal = calRef.current?.getApi();
    if (!cal || cal.view.type === fcType) return;
    // Today when the range shown holds it (week → day shows today, not the week's Monday),
    // else the date the calendar is at; the split day keeps its real day.
    const now = new Date();
    const showsToday = cal.view.activeStart <= now && now < cal.view.activeEnd;
    const from = cal.view.type === "timeGridSplit" ? cal.view.currentStart : cal.getDate();
    cal.changeView(fcType, showsToday && cal.view.type !== "timeGridSplit" ? now : from);
  }, [fcType]);
  // Another set of columns (a calendar shown or hidden): the split grid is rebuilt.
  useEffect(() => {
    if (splitOn) calRef.current?.getApi().refetchEvents();
  }, [splitOn, columns]);

  useEffect(() => {
    if (goToDay) calRef.current?.getApi().gotoDate(goToDay.date);
  }, [goToDay]);

  useEffect(() => {
    if (!focus) return;
    focusPending.current = { date: focus.date, uid: focus.uid };
    const cal = calRef.current?.getApi();
    if (!cal) return;
    cal.gotoDate(focus.date);
    // Already showing that range: read it again, so the card opens.
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

  // FullCalendar's options stay the same objects from one render to the next. A changed
  // option (a new callback each render) gives the calendar a new context, and a drag that
  // began before it is dropped as if into another calendar: no eventDrop, the appointment
  // left where the mouse let go. Seen when the window re-rendered during a slow drag.
  const onRangeRef = useRef(onRange);
  useEffect(() => {
    onRangeRef.current = onRange;
  }, [onRange]);
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
  const onDatesSet = useCallback(
    (info: DatesSetInfo) => {
      setTitle(
        info.view.type === "timeGridSplit"
          ? new Intl.DateTimeFormat(lang === "de" ? "de-DE" : "en-GB", { day: "numeric", month: "long", year: "numeric" }).format(info.start)
          : info.view.title,
      );
      setRangeStart(info.start.toISOString());
      // The split day is one day, whatever its grid spans.
      onRangeRef.current?.({
        start: info.start,
        end: info.view.type === "timeGridSplit" ? new Date(info.start.getFullYear(), info.start.getMonth(), info.start.getDate() + 1) : info.end,
      });
      performance.mark("kontor:calendar-dates");
    },
    [lang],
  );
  const onEventsSet = useCallback(() => {
    if (!paintPending.current) return;
    paintPending.current = false;
    // FullCalendar has rendered the appointments (its React commit); the frame is still to come.
    performance.mark("kontor:calendar-events-set");
    afterNextPaint(() => {
      performance.mark("kontor:calendar-painted");
      // The weeks (or months) before and after, for the next step.
      const r = shownRange.current;
      if (r) cache.readAround(r[0], r[1]);
    });
  }, [cache]);
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
        // After the frame: a new range's first render scrolls the grid to the morning. The
        // element may be drawn anew by then (a refetch draws every appointment again).
        afterNextPaint(() => {
          if (revealPending.current === o.eventId && reveal(calRef.current?.getApi(), o)) revealPending.current = null;
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
  // Side by side at most as many appointments as stay readable in a column, the rest behind
  // "+n" (FullCalendar's "more" link, which opens them in a list).
  const views = useMemo(
    () => ({
      timeGrid: { displayEventTime: false, eventContent: timeGridContent },
      timeGridDay: { eventMaxStack: 8 },
      timeGridWeek: { eventMaxStack: 3 },
      timeGridWorkWeek: { type: "timeGridWeek", weekends: false, eventMaxStack: 4 },
      timeGridSplit: { type: "timeGrid", duration: { days: Math.max(1, columns.length) }, dateIncrement: { days: 1 }, eventMaxStack: 3 },
    }),
    [columns.length],
  );
  const dayHeaderContent = useMemo(
    () =>
      splitOn
        ? (arg: { date: Date; view: { currentStart: Date } }) => {
            const c = byId.get(columns[splitColumn(arg.date, arg.view.currentStart)] ?? -1);
            return (
              <span className="split-head" data-testid="cal-split-head" data-calendar={c?.id}>
                <span className="swatch" style={{ background: c?.color }} aria-hidden="true" /> {c ? calendarLabel(c, t).label : ""}
              </span>
            );
          }
        : undefined,
    [splitOn, byId, columns, t],
  );

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
          controller.today();
          break;
        case "calPrevious":
          controller.prev();
          break;
        case "calNext":
          controller.next();
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
  }, [controller, onView]);

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
        <button type="button" data-testid="cal-today" onClick={() => { performance.mark("kontor:calendar-nav"); controller.today(); }}>
          {t("cal.today")}
        </button>
        <button type="button" data-testid="cal-prev" aria-label={t("cal.previous")} title={t("cal.previous")} onClick={() => { performance.mark("kontor:calendar-nav"); controller.prev(); }}>
          ‹
        </button>
        <button type="button" data-testid="cal-next" aria-label={t("cal.next")} title={t("cal.next")} onClick={() => { performance.mark("kontor:calendar-nav"); controller.next(); }}>
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
        <FullCalendar
          ref={calRef}
          controller={controller}
          plugins={PLUGINS}
          selectable={!splitOn}
          selectMirror
          select={onSelect}
          locale={lang === "de" ? deLocale : "en-gb"}
          firstDay={1}
          weekNumbers
          weekNumberCalculation="ISO"
          headerToolbar={false}
          initialView={fcType}
          initialDate={focus?.date}
          views={views}
          dayHeaderContent={dayHeaderContent}
          height="100%"
          nowIndicator
          allDayText={t("cal.allDay")}
          noEventsText={t("cal.noEvents")}
          businessHours={splitOn ? (splitDayIsWorkday(rangeStart) ? EVERY_DAY_HOURS : false) : WORKDAY_HOURS}
          scrollTime="07:30:00"
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
            const cal = calRef.current?.getApi();
            const start = new Date(draft.start);
            if (cal && !Number.isNaN(start.getTime()) && (start < cal.view.activeStart || start >= cal.view.activeEnd)) {
              cal.gotoDate(start);
            }
            // Already drawn (the change's refetch came first).
            afterNextPaint(() => {
              const o = [...occurrences.current.values()].find((x) => x.eventId === id);
              if (o && revealPending.current === id && reveal(calRef.current?.getApi(), o)) revealPending.current = null;
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
            controller.gotoDate(d);
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
