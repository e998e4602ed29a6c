// An appointment: title, place, start and end (or all day), repeat, reminder, calendar, notes.
// New, or an existing one (`initial`): the single appointment, one occurrence of a series (no
// repeat: it is an exception) or the whole series; read-only for a calendar the user may not
// write to. Times are the user's local time; the core stores them in the user's zone.
import { useMemo, useRef, useState } from "react";
import type { CalendarEntry, EventDraft, EventForm, IpcError, MeetingAnswer, ParsedRecipient, ShowAs } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import type { MessageKey } from "../lib/i18n";
import { toIpcError } from "../lib/ipc";
import { ErrorView } from "../components/ErrorView";
import { calendarLabel, isMeeting } from "./calendar";
import { defaultRecurrence, fromRRule, toRRule, WEEKDAYS, type Frequency, type Recurrence, type Weekday } from "./recurrence";
import { DateField, TimeField } from "./DateField";
import { RecipientField, type RecipientApi } from "../compose/RecipientField";
import { instantIn, isKnownZone, isUtc, localTime, userZone, wallClock, zoneChoices } from "./zones";
import { MeetingAnswers, MeetingPeople, type MeetingApi } from "./Meeting";

/** An attendee as the core gives it (`Name <address>` or an address) as a chip. */
function chip(text: string): ParsedRecipient {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(text);
  return m ? { text, name: m[1] ?? "", address: m[2] ?? "", valid: true } : { text, name: "", address: text.trim(), valid: true };
}

/** A chip as the core reads it. */
const chipText = (r: ParsedRecipient) => (r.name ? `${r.name.replace(/[<>"]/g, "")} <${r.address}>` : r.address);

/** Minutes before the start; `null`: no reminder. */
const REMINDERS: (number | null)[] = [null, 0, 5, 10, 15, 30, 60, 120, 1440];

const SHOW_AS: { value: ShowAs; label: MessageKey }[] = [
  { value: "busy", label: "cal.showAs.busy" },
  { value: "tentative", label: "cal.showAs.tentative" },
  { value: "free", label: "cal.showAs.free" },
  { value: "away", label: "cal.showAs.away" },
];

const FREQUENCIES: { value: Frequency; label: MessageKey }[] = [
  { value: "none", label: "cal.repeat.none" },
  { value: "daily", label: "cal.repeat.daily" },
  { value: "weekly", label: "cal.repeat.weekly" },
  { value: "monthlyByDay", label: "cal.repeat.monthlyByDay" },
  { value: "monthlyByWeekday", label: "cal.repeat.monthlyByWeekday" },
  { value: "yearly", label: "cal.repeat.yearly" },
];

const DAY_LABEL: Record<Weekday, MessageKey> = {
  MO: "cal.day.MO",
  TU: "cal.day.TU",
  WE: "cal.day.WE",
  TH: "cal.day.TH",
  FR: "cal.day.FR",
  SA: "cal.day.SA",
  SU: "cal.day.SU",
};

const pad = (n: number) => String(n).padStart(2, "0");
const dateValue = (d: Date) => `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const timeValue = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** A local date ("2026-12-08") and time ("10:30") as an instant. */
function local(date: string, time: string): Date | null {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  if (!y || !m || !d || hh === undefined || mm === undefined || Number.isNaN(hh) || Number.isNaN(mm)) return null;
  return new Date(y, m - 1, d, hh, mm);
}

/** In another zone than the user's: the times in the user's zone ("= 16:00–17:00 your time"). */
function ZoneHint({ date, start, endDate, end, zone }: { date: string; start: string; endDate: string; end: string; zone: string }) {
  const { t } = useI18n();
  const s = instantIn(date, start, zone);
  const e = instantIn(endDate, end, zone);
  if (!s || !e) return null;
  return (
    <span className="muted" data-testid="ev-zone-hint">
      {t("cal.zone.yours", { from: localTime(s), to: localTime(e) })}
    </span>
  );
}

/** What the dialog edits: a new appointment, an existing single one, one occurrence of a series
 * or the whole series. */
export type EditorMode = "new" | "edit" | "occurrence" | "series";

const HEADING: Record<EditorMode, MessageKey> = {
  new: "cal.edit.new",
  edit: "cal.edit.edit",
  occurrence: "cal.edit.occurrence",
  series: "cal.edit.series",
};

interface Props {
  calendars: CalendarEntry[];
  start: Date;
  end: Date;
  allDay?: boolean;
  /** An existing appointment's fields (`start`/`end` are then `editorTimes(initial)`, series.ts). */
  initial?: EventDraft;
  mode?: EditorMode;
  readOnly?: boolean;
  /** The existing appointment's meeting: its people and answers, the user's own answer. */
  meeting?: EventForm;
  /** The appointment (for answering an invitation). */
  eventId?: number;
  /** Attendee suggestions, and the answer to an invitation. */
  api?: RecipientApi & MeetingApi;
  onAnswered?: (answer: MeetingAnswer) => void;
  onSave: (draft: EventDraft) => Promise<unknown>;
  onClose: () => void;
}

export function EventEditor({
  calendars,
  start,
  end,
  allDay: initialAllDay = false,
  initial,
  mode = "new",
  readOnly = false,
  meeting,
  eventId,
  api,
  onAnswered,
  onSave,
  onClose,
}: Props) {
  const { t } = useI18n();
  // A new appointment goes into a calendar the user may write to; an existing one stays in its
  // own (moving it to another calendar is not offered).
  const writable = useMemo(
    () => (initial ? calendars.filter((c) => c.id === initial.calendarId) : calendars.filter((c) => !c.readOnly)),
    [calendars, initial],
  );
  const [title, setTitle] = useState(initial?.summary ?? "");
  const [location, setLocation] = useState(initial?.location ?? "");
  const [notes, setNotes] = useState(initial?.description ?? "");
  // The zone the times are typed in: the appointment's, else the user's. In another zone than
  // the user's the fields show and take that zone's wall clock, and the user's time is shown
  // beside them.
  const ownZone = useMemo(() => userZone(), []);
  // UTC is no zone anyone chose: ActiveSync servers (SOGo) hand items over in UTC. Such an
  // appointment, and one whose zone the platform does not know by its name (a Windows name),
  // shows the user's times and keeps its zone, as before zones were offered.
  const chosen = initial?.timeZone && !isUtc(initial.timeZone) && isKnownZone(initial.timeZone) ? initial.timeZone : null;
  const [zone, setZone] = useState(chosen ?? ownZone);
  const foreign = zone !== ownZone && !(initial?.allDay ?? initialAllDay);
  const [startDate, setStartDate] = useState(() => (foreign ? wallClock(start, zone).date : dateValue(start)));
  const [startTime, setStartTime] = useState(() => (foreign ? wallClock(start, zone).time : timeValue(start)));
  const [endDate, setEndDate] = useState(() => (foreign ? wallClock(end, zone).date : dateValue(end)));
  const [endTime, setEndTime] = useState(() => (foreign ? wallClock(end, zone).time : timeValue(end)));
  const zones = useMemo(() => zoneChoices(chosen), [chosen]);
  const [allDay, setAllDay] = useState(initial?.allDay ?? initialAllDay);
  const [reminder, setReminder] = useState<number | null>(initial ? (initial.reminderMinutes ?? null) : 15);
  const [showAs, setShowAs] = useState<ShowAs>(initial?.showAs ?? "busy");
  const [isPrivate, setPrivate] = useState(initial?.private ?? false);
  const [calendarId, setCalendarId] = useState<number | null>(
    initial?.calendarId ?? (writable.find((c) => !c.shared) ?? writable[0])?.id ?? null,
  );
  // A rule the dialog cannot show is kept as it is (and the repeat choices are not offered).
  const [keptRule] = useState<string | null>(() => (initial?.rrule && !fromRRule(initial.rrule, start) ? initial.rrule : null));
  const [repeat, setRepeat] = useState<Recurrence>(() => (initial?.rrule ? fromRRule(initial.rrule, start) : null) ?? defaultRecurrence(start));
  const showRepeat = mode !== "occurrence";
  const reminders = reminder === null || REMINDERS.includes(reminder) ? REMINDERS : [...REMINDERS, reminder].sort((a, b) => (a ?? -1) - (b ?? -1));
  // The people invited: offered for a new appointment and for the user's own; someone else's
  // meeting keeps its attendees (the core sends `attendees: null` for it).
  const ownsAttendees = !readOnly && api !== undefined && (initial === undefined || (initial.attendees ?? null) !== null);
  const [attendees, setAttendees] = useState<ParsedRecipient[]>(() => (initial?.attendees ?? []).map(chip));
  const invites = ownsAttendees && attendees.length > 0;
  const formRef = useRef<HTMLFormElement>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  const submit = async () => {
    setProblem(null);
    setError(null);
    const at = (date: string, time: string) => (zone === ownZone ? local(date, time) : instantIn(date, time, zone));
    const s = allDay ? local(startDate, "00:00") : at(startDate, startTime);
    // An all-day appointment's end is the day after its last day (RFC 5545 DTEND is exclusive).
    const lastDay = local(endDate, "00:00");
    const e = allDay ? lastDay && new Date(lastDay.getFullYear(), lastDay.getMonth(), lastDay.getDate() + 1) : at(endDate, endTime);
    const why = !title.trim()
      ? t("cal.edit.needTitle")
      : !s || !e
        ? t("cal.edit.badTime")
        : e < s
          ? t("cal.edit.endBeforeStart")
          : calendarId === null
            ? t("cal.edit.noCalendar")
            : null;
    if (why !== null || !s || !e || calendarId === null) {
      setProblem(why);
      return;
    }
    // An address still being typed when Save is pressed is invited too.
    let people = attendees;
    const typed = formRef.current?.querySelector<HTMLInputElement>("[data-testid=ev-attendees-input]")?.value.trim() ?? "";
    if (ownsAttendees && typed) {
      try {
        people = [...people, ...(await api.parseRecipients(typed))];
      } catch (err) {
        setError(toIpcError(err));
        return;
      }
    }
    const draft: EventDraft = {
      calendarId,
      summary: title.trim(),
      location: location.trim() || null,
      description: notes.trim() || null,
      start: s.toISOString(),
      end: e.toISOString(),
      allDay,
      // The user's zone: the appointment keeps the zone it had (none: the core's default).
      timeZone: zone === ownZone ? (initial?.timeZone ?? null) : zone,
      reminderMinutes: reminder,
      rrule: !showRepeat ? null : keptRule ?? toRRule({ ...repeat, monthDay: s.getDate(), month: s.getMonth() + 1 }, allDay),
      uid: initial?.uid ?? null,
      attendees: ownsAttendees && mode !== "occurrence" ? people.map(chipText) : null,
      showAs,
      private: isPrivate,
    };
    setBusy(true);
    try {
      await onSave(draft);
      onClose();
    } catch (err) {
      setError(toIpcError(err));
      setBusy(false);
    }
  };

  const reminderLabel = (m: number | null) =>
    m === null
      ? t("cal.reminder.none")
      : m === 0
        ? t("cal.reminder.atStart")
        : m % 1440 === 0
          ? t("cal.reminder.days", { n: m / 1440 })
          : m % 60 === 0
            ? t("cal.reminder.hours", { n: m / 60 })
            : t("cal.reminder.minutes", { n: m });

  return (
    <div className="dialog-backdrop">
      <form
        ref={formRef}
        className="dialog event-editor"
        role="dialog"
        aria-modal="true"
        aria-labelledby="event-editor-title"
        data-testid="event-editor"
        data-mode={mode}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !readOnly) {
            e.preventDefault();
            void submit();
          }
        }}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 id="event-editor-title">{readOnly ? t("cal.edit.readOnly") : t(HEADING[mode])}</h2>
        {error && <ErrorView error={error} heading={t("cal.edit.failed")} />}
        {api && eventId !== undefined && meeting?.myAnswer != null && (
          <MeetingAnswers api={api} eventId={eventId} form={meeting} onAnswered={onAnswered} />
        )}
        <fieldset className="editor-grid" disabled={readOnly}>
          <label htmlFor="ev-title">{t("cal.edit.title")}</label>
          <input
            id="ev-title"
            data-testid="ev-title"
            autoFocus
            value={title}
            onChange={(e) => {
              setTitle(e.target.value);
            }}
          />
          <label htmlFor="ev-location">{t("cal.where")}</label>
          <input
            id="ev-location"
            data-testid="ev-location"
            value={location}
            onChange={(e) => {
              setLocation(e.target.value);
            }}
          />
          {ownsAttendees && mode !== "occurrence" && (
            // Its label and chips are the grid's two cells (`.editor-grid .compose-row`).
            <RecipientField api={api} label={t("cal.edit.attendees")} testId="ev-attendees" value={attendees} onChange={setAttendees} />
          )}
          {isMeeting(meeting) && (!ownsAttendees || meeting.attendees.length > 0) && (
            <>
              <span className="label">{t("cal.edit.meeting")}</span>
              <MeetingPeople form={meeting} />
            </>
          )}
          <label htmlFor="ev-start-date">{t("cal.edit.start")}</label>
          <span className="editor-when">
            <DateField
              id="ev-start-date"
              data-testid="ev-start-date"
              value={startDate}
              onValue={(v) => {
                setStartDate(v);
                if (v && v > endDate) setEndDate(v);
              }}
            />
            {!allDay && (
              <TimeField
                aria-label={t("cal.edit.startTime")}
                data-testid="ev-start-time"
                value={startTime}
                onValue={setStartTime}
              />
            )}
            <label className="inline">
              <input
                type="checkbox"
                data-testid="ev-all-day"
                checked={allDay}
                onChange={(e) => {
                  setAllDay(e.target.checked);
                }}
              />
              {t("cal.allDay")}
            </label>
          </span>
          <label htmlFor="ev-end-date">{t("cal.edit.end")}</label>
          <span className="editor-when">
            <DateField id="ev-end-date" data-testid="ev-end-date" value={endDate} onValue={setEndDate} />
            {!allDay && (
              <TimeField aria-label={t("cal.edit.endTime")} data-testid="ev-end-time" value={endTime} onValue={setEndTime} />
            )}
          </span>
          {!allDay && (
            <>
              <label htmlFor="ev-zone">{t("cal.zone")}</label>
              <span className="editor-when">
                <select
                  id="ev-zone"
                  data-testid="ev-zone"
                  value={zone}
                  onChange={(e) => {
                    setZone(e.target.value);
                  }}
                >
                  {zones.map((z) => (
                    <option key={z} value={z}>
                      {z === ownZone ? t("cal.zone.own", { zone: z.replace(/_/g, " ") }) : z.replace(/_/g, " ")}
                    </option>
                  ))}
                </select>
                {zone !== ownZone && <ZoneHint date={startDate} start={startTime} end={endTime} endDate={endDate} zone={zone} />}
              </span>
            </>
          )}
          {showRepeat && keptRule !== null && (
            <>
              <span className="label">{t("cal.edit.repeat")}</span>
              <p className="muted" data-testid="ev-rule-kept">
                {t("cal.edit.ruleKept")}
              </p>
            </>
          )}
          {showRepeat && keptRule === null && (
          <>
          <label htmlFor="ev-repeat">{t("cal.edit.repeat")}</label>
          <span className="editor-when">
            <select
              id="ev-repeat"
              data-testid="ev-repeat"
              value={repeat.frequency}
              onChange={(e) => {
                setRepeat({ ...repeat, frequency: e.target.value as Frequency });
              }}
            >
              {FREQUENCIES.map((f) => (
                <option key={f.value} value={f.value}>
                  {t(f.label)}
                </option>
              ))}
            </select>
            {repeat.frequency !== "none" && (
              <label className="inline">
                {t("cal.repeat.every")}
                <input
                  type="number"
                  min={1}
                  max={99}
                  className="narrow"
                  data-testid="ev-interval"
                  value={repeat.interval}
                  onChange={(e) => {
                    setRepeat({ ...repeat, interval: Math.max(1, Number(e.target.value) || 1) });
                  }}
                />
              </label>
            )}
          </span>
          {repeat.frequency === "weekly" && (
            <>
              <span />
              <span className="editor-days" role="group" aria-label={t("cal.repeat.onDays")}>
                {WEEKDAYS.map((d) => (
                  <label key={d} className="inline">
                    <input
                      type="checkbox"
                      data-testid={`ev-day-${d}`}
                      checked={repeat.days.includes(d)}
                      onChange={(e) => {
                        const days = e.target.checked ? [...repeat.days, d] : repeat.days.filter((x) => x !== d);
                        setRepeat({ ...repeat, days: days.length > 0 ? days : repeat.days });
                      }}
                    />
                    {t(DAY_LABEL[d])}
                  </label>
                ))}
              </span>
            </>
          )}
          {repeat.frequency !== "none" && (
            <>
              <label htmlFor="ev-ends">{t("cal.repeat.ends")}</label>
              <span className="editor-when">
                <select
                  id="ev-ends"
                  data-testid="ev-ends"
                  value={repeat.end.kind}
                  onChange={(e) => {
                    const kind = e.target.value;
                    setRepeat({
                      ...repeat,
                      end: kind === "count" ? { kind, count: 10 } : kind === "until" ? { kind, date: endDate } : { kind: "never" },
                    });
                  }}
                >
                  <option value="never">{t("cal.repeat.never")}</option>
                  <option value="count">{t("cal.repeat.after")}</option>
                  <option value="until">{t("cal.repeat.until")}</option>
                </select>
                {repeat.end.kind === "count" && (
                  <label className="inline">
                    <input
                      type="number"
                      min={1}
                      max={999}
                      className="narrow"
                      data-testid="ev-count"
                      value={repeat.end.count}
                      onChange={(e) => {
                        setRepeat({ ...repeat, end: { kind: "count", count: Math.max(1, Number(e.target.value) || 1) } });
                      }}
                    />
                    {t("cal.repeat.times")}
                  </label>
                )}
                {repeat.end.kind === "until" && (
                  <DateField
                    aria-label={t("cal.repeat.until")}
                    data-testid="ev-until"
                    value={repeat.end.date}
                    onValue={(v) => {
                      setRepeat({ ...repeat, end: { kind: "until", date: v } });
                    }}
                  />
                )}
              </span>
            </>
          )}
          </>
          )}
          <label htmlFor="ev-reminder">{t("cal.edit.reminder")}</label>
          <select
            id="ev-reminder"
            data-testid="ev-reminder"
            value={reminder === null ? "none" : String(reminder)}
            onChange={(e) => {
              setReminder(e.target.value === "none" ? null : Number(e.target.value));
            }}
          >
            {reminders.map((m) => (
              <option key={String(m)} value={m === null ? "none" : String(m)}>
                {reminderLabel(m)}
              </option>
            ))}
          </select>
          <label htmlFor="ev-show-as">{t("cal.showAs")}</label>
          <span className="editor-when">
            <select
              id="ev-show-as"
              data-testid="ev-show-as"
              value={showAs}
              onChange={(e) => {
                setShowAs(e.target.value as ShowAs);
              }}
            >
              {SHOW_AS.map((o) => (
                <option key={o.value} value={o.value}>
                  {t(o.label)}
                </option>
              ))}
            </select>
            <label className="inline" title={t("cal.private.title")}>
              <input
                type="checkbox"
                data-testid="ev-private"
                checked={isPrivate}
                onChange={(e) => {
                  setPrivate(e.target.checked);
                }}
              />
              {t("cal.private")}
            </label>
          </span>
          <label htmlFor="ev-calendar">{t("cal.calendar")}</label>
          <select
            id="ev-calendar"
            data-testid="ev-calendar"
            value={calendarId ?? ""}
            disabled={initial !== undefined}
            onChange={(e) => {
              setCalendarId(Number(e.target.value));
            }}
          >
            {writable.map((c) => (
              <option key={c.id} value={c.id}>
                {calendarLabel(c, t).label}
              </option>
            ))}
          </select>
          <label htmlFor="ev-notes">{t("cal.edit.notes")}</label>
          <textarea
            id="ev-notes"
            data-testid="ev-notes"
            rows={3}
            value={notes}
            onChange={(e) => {
              setNotes(e.target.value);
            }}
          />
        </fieldset>
        {problem && (
          <p className="form-error" role="alert" data-testid="ev-problem">
            {problem}
          </p>
        )}
        <div className="dialog-buttons">
          {readOnly ? (
            <button type="button" autoFocus data-testid="ev-cancel" onClick={onClose}>
              {t("mail.close")}
            </button>
          ) : (
            <>
              <button type="submit" className="primary" data-testid="ev-save" disabled={busy}>
                {busy ? t("cal.edit.saving") : invites ? t("cal.edit.saveSend") : t("cal.edit.save")}
              </button>
              <button type="button" data-testid="ev-cancel" onClick={onClose}>
                {t("mail.cancel")}
              </button>
            </>
          )}
        </div>
      </form>
    </div>
  );
}
