// The time grid of the day, work week and week views and of the day side by side, drawn by the
// app: a column per day (or per calendar), the all-day row above, appointments placed by the
// minute and laid out side by side where they overlap (time-grid.ts). Drag to move, the lower
// edge to resize, drag over free time to make an appointment there.
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { CalendarEntry, CalendarOccurrence } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { answerClass, occurrenceKey, readableOn } from "./calendar";
import { shiftDate, type Drag } from "./series";
import {
  DAY_MINUTES,
  MIN_DRAWN_MINUTES,
  SLOT_MINUTES,
  SNAP_MINUTES,
  allDayBars,
  atMinutes,
  layoutColumn,
  minutesAt,
  minutesInDay,
  snapDelta,
  timedSegments,
  type GridColumn,
  type Segment,
} from "./time-grid";

/** Pixels of an hour. */
export const HOUR_PX = 48;
const PX_PER_MINUTE = HOUR_PX / 60;
/** Where the grid opens: half past seven. */
const FIRST_SHOWN_MINUTES = 7 * 60 + 30;
/** Working hours, shaded white (the rest grey) on working days. */
const WORK_FROM = 8 * 60;
const WORK_TO = 18 * 60;
/** Pixels the pointer moves before a press becomes a drag. */
const DRAG_THRESHOLD = 4;

/** A drag of an appointment, with the way back when it is not saved. */
export type GridDrag = Drag & { revert: () => void };

interface Props {
  columns: GridColumn[];
  /** Each column's head (a day's date, the split day's calendar). */
  heads: ReactNode[];
  /** The corner above the hours ("KW 50"). */
  corner: string;
  /** The appointments of the calendars shown. */
  occurrences: readonly CalendarOccurrence[];
  calendars: Map<number, CalendarEntry>;
  /** At most this many appointments side by side, the rest behind "+n". */
  maxLanes: number;
  /** Whether each column is a working day (shaded outside the working hours). */
  workdays: boolean[];
  /** Appointments can be dragged (not in the day side by side). */
  editable: boolean;
  onOpen: (o: CalendarOccurrence) => void;
  onEdit: (o: CalendarOccurrence) => void;
  onDelete: (o: CalendarOccurrence) => void;
  onMove: (o: CalendarOccurrence, drag: GridDrag) => void;
  onSelect: (range: { start: Date; end: Date; allDay: boolean }) => void;
  /** After the commit that drew a new set of appointments (for the paint marks). */
  onDrawn: () => void;
}

/** Where an appointment is being dragged: days and minutes moved, or the end's minutes. */
interface Preview {
  key: string;
  days: number;
  minutes: number;
  resize: boolean;
}

/** Appointments dropped and waiting to be saved: drawn where they were let go. */
type Held = Map<string, { start: number; end: number }>;
const NO_HELD: Held = new Map();

function hhmm(d: Date): string {
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function label(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The column under the pointer's `x`, or -1. */
function columnAt(cols: (HTMLElement | null)[], x: number): number {
  return cols.findIndex((c) => {
    if (!c) return false;
    const r = c.getBoundingClientRect();
    return x >= r.left && x < r.right;
  });
}

export function TimeGrid(props: Props) {
  const { t } = useI18n();
  const { columns, occurrences, calendars, editable, onDrawn } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const colEls = useRef<(HTMLElement | null)[]>([]);
  const [preview, setPreview] = useState<Preview | null>(null);
  // Each of these belongs to the set of appointments or the columns it was made on, and is
  // dropped with them.
  const [heldState, setHeldState] = useState<{ on: readonly CalendarOccurrence[]; map: Held } | null>(null);
  const [selectionState, setSelectionState] = useState<{ on: GridColumn[]; col: number; from: number; to: number } | null>(null);
  const [moreState, setMoreState] = useState<{ on: GridColumn[]; col: number; start: number; items: CalendarOccurrence[] } | null>(null);
  const held: Held = heldState?.on === occurrences ? heldState.map : NO_HELD;
  const selection = selectionState?.on === columns ? selectionState : null;
  const moreOpen = moreState?.on === columns ? moreState : null;
  const setHeld = (f: (h: Held) => Held) => {
    setHeldState((s) => ({ on: occurrences, map: f(s?.on === occurrences ? s.map : NO_HELD) }));
  };
  const setSelection = (r: { col: number; from: number; to: number } | null) => {
    setSelectionState(r ? { on: columns, ...r } : null);
  };
  const setMoreOpen = (m: { col: number; start: number; items: CalendarOccurrence[] } | null) => {
    setMoreState(m ? { on: columns, ...m } : null);
  };
  const [now, setNow] = useState(() => new Date());
  const suppressClick = useRef(0);
  const clickOpen = (o: CalendarOccurrence) => {
    if (performance.now() < suppressClick.current) return;
    performance.mark("kontor:event-open");
    props.onOpen(o);
  };

  // Dropped appointments are drawn where they were let go until the next set arrives.
  const shownList = useMemo(() => {
    if (held.size === 0) return occurrences;
    return occurrences.map((o) => {
      const h = held.get(occurrenceKey(o));
      return h ? { ...o, start: h.start, end: h.end } : o;
    });
  }, [occurrences, held]);

  useLayoutEffect(() => {
    onDrawn();
  }, [occurrences, onDrawn]);

  // The morning first. A grid drawn while its box has no height yet (the window still laying
  // out) is scrolled once it has one.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const place = () => {
      el.scrollTop = FIRST_SHOWN_MINUTES * PX_PER_MINUTE;
      return el.scrollTop > 0;
    };
    if (place() || typeof ResizeObserver === "undefined") return;
    const watch = new ResizeObserver(() => {
      if (el.clientHeight > 0 && place()) watch.disconnect();
    });
    watch.observe(el);
    return () => {
      watch.disconnect();
    };
  }, []);

  useEffect(() => {
    const timer = window.setInterval(() => {
      setNow(new Date());
    }, 60_000);
    return () => {
      window.clearInterval(timer);
    };
  }, []);

  const segments = useMemo(() => timedSegments(shownList, columns), [shownList, columns]);
  const bars = useMemo(() => allDayBars(shownList, columns), [shownList, columns]);
  const perColumn = useMemo(() => {
    const by: Segment[][] = columns.map(() => []);
    for (const s of segments) by[s.col]?.push(s);
    return by.map((list) => layoutColumn(list, props.maxLanes));
  }, [segments, columns, props.maxLanes]);

  // The press on an appointment or on free time, followed on the window until release.
  const startGesture = (e: React.MouseEvent, o: CalendarOccurrence | null, col: number, resize: boolean) => {
    if (e.button !== 0) return;
    const x0 = e.clientX;
    const y0 = e.clientY;
    const colTop = colEls.current[col]?.getBoundingClientRect().top ?? 0;
    const from = minutesAt(y0 - colTop, PX_PER_MINUTE, SLOT_MINUTES);
    const movable = o !== null && editable && !calendars.get(o.calendarId)?.readOnly;
    let moved = false;
    let last: Preview | null = null;
    let range = { col, from, to: from + SLOT_MINUTES };
    if (!o) setSelection(range);
    const onMoveEvent = (m: MouseEvent) => {
      if (!moved && Math.abs(m.clientX - x0) < DRAG_THRESHOLD && Math.abs(m.clientY - y0) < DRAG_THRESHOLD) return;
      moved = true;
      if (o) {
        if (!movable) return;
        const under = columnAt(colEls.current, m.clientX);
        const days = o.allDay || !resize ? (under < 0 ? (last?.days ?? 0) : under - col) : 0;
        const minutes = o.allDay ? 0 : snapDelta(m.clientY - y0, PX_PER_MINUTE, SNAP_MINUTES);
        const key = occurrenceKey(o);
        if (last?.days !== days || last.minutes !== minutes) {
          last = { key, days, minutes, resize };
          setPreview(last);
        }
        return;
      }
      const at = minutesAt(m.clientY - colTop, PX_PER_MINUTE, SLOT_MINUTES);
      const next = { col, from: Math.min(from, at), to: Math.max(from, at) + SLOT_MINUTES };
      if (next.from !== range.from || next.to !== range.to) {
        range = next;
        setSelection(next);
      }
    };
    const onUp = () => {
      window.removeEventListener("mousemove", onMoveEvent, true);
      window.removeEventListener("mouseup", onUp, true);
      if (!o) {
        const c = columns[range.col];
        if (moved && c) {
          setSelection(null);
          props.onSelect({ start: atMinutes(c.day, range.from), end: atMinutes(c.day, range.to), allDay: false });
        }
        return;
      }
      setPreview(null);
      // A press without a move is a click, which opens the card (a click also comes from the
      // keyboard and from assistive technology); the click that may follow a drag does not.
      if (!moved) return;
      suppressClick.current = performance.now() + 400;
      if (!movable || !last || (last.days === 0 && last.minutes === 0)) return;
      const p: Preview = last;
      const ms = p.minutes * 60_000;
      const start = new Date(o.start * 1000);
      const end = new Date(o.end * 1000);
      const startDelta = p.resize ? {} : { days: p.days, milliseconds: ms };
      const endDelta = p.resize ? { milliseconds: ms } : { days: p.days, milliseconds: ms };
      const newStart = shiftDate(start, startDelta);
      let newEnd = shiftDate(end, endDelta);
      if (p.resize && newEnd.getTime() - newStart.getTime() < SNAP_MINUTES * 60_000) {
        newEnd = new Date(newStart.getTime() + SNAP_MINUTES * 60_000);
      }
      const key = occurrenceKey(o);
      setHeld((h) => new Map(h).set(key, { start: newStart.getTime() / 1000, end: newEnd.getTime() / 1000 }));
      props.onMove(o, {
        start: newStart,
        end: newEnd,
        allDay: o.allDay,
        startDelta,
        endDelta: p.resize ? { milliseconds: newEnd.getTime() - end.getTime() } : endDelta,
        revert: () => {
          setHeld((h) => {
            const next = new Map(h);
            next.delete(key);
            return next;
          });
        },
      });
    };
    window.addEventListener("mousemove", onMoveEvent, true);
    window.addEventListener("mouseup", onUp, true);
  };

  const isToday = (d: Date) => d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  const template = `4.6rem repeat(${String(columns.length)}, minmax(0, 1fr))`;
  const rows = bars.reduce((n, b) => Math.max(n, b.row + 1), 0);
  const hours = useMemo(() => Array.from({ length: DAY_MINUTES / SLOT_MINUTES }, (_, i) => i * SLOT_MINUTES), []);

  return (
    <div className="time-grid" data-testid="time-grid" ref={scroller}>
      <div className="tg-top" style={{ gridTemplateColumns: template }}>
        <div className="tg-corner" data-testid="cal-week-number">
          {props.corner}
        </div>
        {props.heads.map((h, i) => (
          <div key={i} role="columnheader" className={`tg-head${columns[i] && isToday(columns[i].day) ? " today" : ""}`}>
            {h}
          </div>
        ))}
        <div className="tg-allday-label">{t("cal.allDay")}</div>
        <div
          className="tg-allday"
          style={{ gridColumn: `2 / span ${String(columns.length)}`, gridTemplateColumns: `repeat(${String(columns.length)}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${String(Math.max(rows, 1))}, 1.45rem)` }}
        >
          {bars.map((b) => {
            const key = occurrenceKey(b.o);
            const p = preview?.key === key ? preview : null;
            const first = Math.min(Math.max(b.first + (p?.days ?? 0), 0), columns.length - 1);
            const last = Math.min(Math.max(b.last + (p?.days ?? 0), 0), columns.length - 1);
            return (
              <Appointment
                key={key}
                o={b.o}
                cal={calendars.get(b.o.calendarId)}
                style={{ gridColumn: `${String(first + 1)} / ${String(last + 2)}`, gridRow: String(b.row + 1) }}
                className={`tg-bar${p ? " dragging" : ""}`}
                time=""
                onPress={(e) => {
                  startGesture(e, b.o, b.first, false);
                }}
                onEdit={props.onEdit}
                onOpen={props.onOpen}
                onClick={clickOpen}
                onDelete={props.onDelete}
              />
            );
          })}
        </div>
      </div>
      <div className="tg-body" style={{ gridTemplateColumns: template, height: `${String(DAY_MINUTES * PX_PER_MINUTE)}px` }}>
        <Lines count={hours.length} />
        <div className="tg-axis">
          {hours.map((m) => (
            <div key={m} className={`tg-slot-label${m % 60 ? " half" : ""}`} data-time={`${label(m)}:00`} style={{ height: `${String(SLOT_MINUTES * PX_PER_MINUTE)}px` }}>
              {m % 60 ? "" : label(m)}
            </div>
          ))}
        </div>
        {columns.map((c, i) => {
          const layout = perColumn[i];
          const nowMinutes = isToday(c.day) ? minutesInDay(c.day, now.getTime()) : -1;
          return (
            <div
              key={i}
              ref={(el) => {
                colEls.current[i] = el;
              }}
              className={`tg-col${isToday(c.day) ? " today" : ""}`}
              style={{ gridColumn: i + 2 }}
              data-testid="cal-day-column"
              data-date={`${String(c.day.getFullYear())}-${String(c.day.getMonth() + 1).padStart(2, "0")}-${String(c.day.getDate()).padStart(2, "0")}`}
              onMouseDown={(e) => {
                if (e.target === e.currentTarget) startGesture(e, null, i, false);
              }}
              onDoubleClick={(e) => {
                if (e.target !== e.currentTarget) return;
                const top = e.currentTarget.getBoundingClientRect().top;
                const from = minutesAt(e.clientY - top, PX_PER_MINUTE, SLOT_MINUTES);
                setSelection(null);
                props.onSelect({ start: atMinutes(c.day, from), end: atMinutes(c.day, from + SLOT_MINUTES), allDay: false });
              }}
            >
              {props.workdays[i] ? (
                <>
                  <div className="tg-off" style={{ top: 0, height: WORK_FROM * PX_PER_MINUTE }} />
                  <div className="tg-off" style={{ top: WORK_TO * PX_PER_MINUTE, bottom: 0 }} />
                </>
              ) : (
                <div className="tg-off" style={{ top: 0, bottom: 0 }} />
              )}
              {selection?.col === i && (
                <div className="tg-selection" style={{ top: selection.from * PX_PER_MINUTE, height: (selection.to - selection.from) * PX_PER_MINUTE }} />
              )}
              {layout?.placed.map(({ item: s, lane, lanes }) => {
                const key = occurrenceKey(s.o);
                const p = preview?.key === key ? preview : null;
                const start = p && !p.resize ? s.start + p.minutes : s.start;
                const end = p ? s.end + p.minutes : s.end;
                const len = Math.max(end - start, p?.resize ? SNAP_MINUTES : 0, MIN_DRAWN_MINUTES);
                const shift = p && !p.resize ? p.days : 0;
                const st = new Date(s.o.start * 1000);
                const en = new Date(s.o.end * 1000);
                const time = `${hhmm(p && !p.resize ? new Date(st.getTime() + p.minutes * 60_000) : st)}–${hhmm(p ? new Date(en.getTime() + p.minutes * 60_000) : en)}`;
                return (
                  <Appointment
                    key={key}
                    o={s.o}
                    cal={calendars.get(s.o.calendarId)}
                    className={`tg-event${p ? " dragging" : ""}${len < 40 ? " short" : ""}${s.startsHere ? "" : " cont-before"}${s.endsHere ? "" : " cont-after"}`}
                    style={{
                      top: start * PX_PER_MINUTE,
                      height: len * PX_PER_MINUTE - 1,
                      left: shift ? `calc(${String((lane / lanes) * 100)}% + ${String(shift)} * 100%)` : `${String((lane / lanes) * 100)}%`,
                      width: `calc(${String(100 / lanes)}% - 2px)`,
                    }}
                    time={time}
                    onPress={(e, resize) => {
                      startGesture(e, s.o, i, resize);
                    }}
                    resizable={editable && s.endsHere && !calendars.get(s.o.calendarId)?.readOnly}
                    onEdit={props.onEdit}
                    onOpen={props.onOpen}
                    onClick={clickOpen}
                    onDelete={props.onDelete}
                  />
                );
              })}
              {layout?.more.map((m) => (
                <button
                  key={`more-${String(m.start)}`}
                  type="button"
                  className="tg-more"
                  data-testid="cal-more"
                  style={{ top: m.start * PX_PER_MINUTE }}
                  title={t("cal.more.title", { n: m.items.length })}
                  onMouseDown={(e) => {
                    e.stopPropagation();
                  }}
                  onClick={() => {
                    setMoreOpen({ col: i, start: m.start, items: m.items.map((x) => x.o) });
                  }}
                >
                  {t("cal.more", { n: m.items.length })}
                </button>
              ))}
              {moreOpen?.col === i && (
                <div className="tg-more-list" role="dialog" aria-label={t("cal.more.title", { n: moreOpen.items.length })} style={{ top: moreOpen.start * PX_PER_MINUTE }}>
                  <ul>
                    {moreOpen.items.map((o) => (
                      <li key={occurrenceKey(o)}>
                        <button
                          type="button"
                          data-testid="cal-more-item"
                          onClick={() => {
                            setMoreOpen(null);
                            props.onOpen(o);
                          }}
                        >
                          {`${hhmm(new Date(o.start * 1000))} ${o.summary || t("cal.noTitle")}`}
                        </button>
                      </li>
                    ))}
                  </ul>
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setMoreOpen(null);
                    }}
                  >
                    {t("cal.more.close")}
                  </button>
                </div>
              )}
              {nowMinutes >= 0 && <div className="tg-now" data-testid="cal-now" style={{ top: nowMinutes * PX_PER_MINUTE }} />}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The hour and half-hour lines across the columns: plain borders, drawn once (a repeating
 * gradient per column cost a large part of every step's paint). */
const Lines = memo(function Lines({ count }: { count: number }) {
  return (
    <div className="tg-lines" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className={i % 2 ? "hour" : "half"} style={{ height: SLOT_MINUTES * PX_PER_MINUTE }} />
      ))}
    </div>
  );
});

interface AppointmentProps {
  o: CalendarOccurrence;
  cal: CalendarEntry | undefined;
  className: string;
  style: React.CSSProperties;
  time: string;
  resizable?: boolean;
  onPress: (e: React.MouseEvent, resize: boolean) => void;
  onOpen: (o: CalendarOccurrence) => void;
  onClick: (o: CalendarOccurrence) => void;
  onEdit: (o: CalendarOccurrence) => void;
  onDelete: (o: CalendarOccurrence) => void;
}

/** One appointment: its colour, its times and title; keys and double-click as in Outlook. */
function Appointment({ o, cal, className, style, time, resizable, onPress, onOpen, onClick, onEdit, onDelete }: AppointmentProps) {
  const { t } = useI18n();
  const color = cal?.color ?? "#3a7bd5";
  const answer = answerClass(o.myAnswer);
  const titleText = o.summary || t("cal.noTitle");
  return (
    <div
      className={`${className}${answer ? ` ${answer}` : ""}${cal?.readOnly ? " read-only" : ""}`}
      style={{ ...style, backgroundColor: color, borderColor: color, color: readableOn(color) }}
      role="button"
      tabIndex={0}
      aria-label={time ? `${time} ${titleText}` : titleText}
      data-testid="cal-event"
      data-uid={o.uid}
      data-calendar={String(o.calendarId)}
      data-answer={o.myAnswer ?? ""}
      data-event-id={String(o.eventId)}
      onMouseDown={(e) => {
        e.stopPropagation();
        onPress(e, false);
      }}
      onClick={() => {
        onClick(o);
      }}
      onDoubleClick={() => {
        onEdit(o);
      }}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          onOpen(o);
        }
        if (e.key === "Delete" && !e.ctrlKey && !e.altKey && !e.shiftKey && !e.metaKey) {
          e.preventDefault();
          e.stopPropagation();
          onDelete(o);
        }
      }}
    >
      {time && <div className="tg-event-time">{time}</div>}
      <div className="tg-event-title">{o.summary || "\u00a0"}</div>
      {o.location && <div className="tg-event-place">{o.location}</div>}
      {resizable && (
        <div
          className="tg-resize"
          aria-hidden="true"
          onMouseDown={(e) => {
            e.stopPropagation();
            onPress(e, true);
          }}
        />
      )}
    </div>
  );
}
