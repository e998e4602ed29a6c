// A meeting's people and the user's answer: who organizes it, who is invited and what each
// answered (the organizer's view), and Accept / Tentative / Decline for an invitation of
// someone else's (sent to the organizer by the core: MeetingResponse and an iTIP REPLY mail),
// with an optional comment, or recorded without telling the organizer.
import { useState } from "react";
import type { EventForm, IpcError, MeetingAnswer, Participant, ParticipantAnswer } from "../lib/bindings";
import type { Api } from "../lib/ipc";
import { toIpcError } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import type { MessageKey } from "../lib/i18n";
import { ErrorView } from "../components/ErrorView";

export type MeetingApi = Pick<Api, "respondToMeeting">;

const ANSWER_LABEL: Record<ParticipantAnswer, MessageKey> = {
  needs_action: "cal.meeting.needsAction",
  accepted: "cal.meeting.accepted",
  tentative: "cal.meeting.tentative",
  declined: "cal.meeting.declined",
  delegated: "cal.meeting.delegated",
};

const ANSWERS: { answer: MeetingAnswer; testId: string; label: MessageKey }[] = [
  { answer: "accepted", testId: "event-accept", label: "mail.invite.accept" },
  { answer: "tentative", testId: "event-tentative", label: "mail.invite.tentative" },
  { answer: "declined", testId: "event-decline", label: "mail.invite.decline" },
];

const personLabel = (p: Participant) => p.name || p.email;

/** Organizer and attendees, each attendee with the answer the event records: a list of its
 * own, or (`inline`) rows of the card's list. */
export function MeetingPeople({ form, inline = false }: { form: EventForm; inline?: boolean }) {
  const { t } = useI18n();
  const organizer = form.organizer;
  const invited = form.attendees.filter((a) => a.email.toLowerCase() !== organizer?.email.toLowerCase());
  const rows = (
    <>
      {organizer && (
        <>
          <dt>{t("cal.meeting.organizer")}</dt>
          <dd data-testid="meeting-organizer" title={organizer.email}>
            {personLabel(organizer)}
          </dd>
        </>
      )}
      {invited.length > 0 && (
        <>
          <dt>{t("cal.meeting.attendees")}</dt>
          <dd>
            <ul className="attendee-list" data-testid="meeting-people">
              {invited.map((a) => (
                <li key={a.email} data-testid="meeting-attendee" data-email={a.email} data-answer={a.answer} title={a.email}>
                  <span className={`answer-dot answer-${a.answer}`} aria-hidden="true" />
                  {personLabel(a)} <span className="muted">· {t(ANSWER_LABEL[a.answer])}</span>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
    </>
  );
  return inline ? rows : <dl className="meeting-people">{rows}</dl>;
}

/** The user's answer to someone else's meeting, and the three buttons to give or change it. */
export function MeetingAnswers({
  api,
  eventId,
  form,
  onAnswered,
}: {
  api: MeetingApi;
  eventId: number;
  form: EventForm;
  /** After the answer is queued (the toast's text). */
  onAnswered?: (answer: MeetingAnswer) => void;
}) {
  const { t } = useI18n();
  const [sending, setSending] = useState<MeetingAnswer | null>(null);
  const [given, setGiven] = useState<ParticipantAnswer | null>(form.myAnswer);
  const [error, setError] = useState<IpcError | null>(null);
  const [comment, setComment] = useState("");
  const [sendReply, setSendReply] = useState(true);
  if (form.myAnswer === null) return null;
  const current = given ?? "needs_action";
  return (
    <div className="meeting-answers" data-testid="meeting-answers" data-answer={current}>
      <p>
        {form.organizer && t("cal.meeting.invitedBy", { name: personLabel(form.organizer) })}{" "}
        <strong data-testid="meeting-my-answer">{t("cal.meeting.yourAnswer", { answer: t(ANSWER_LABEL[current]) })}</strong>
      </p>
      <label className="meeting-comment">
        <span>{t("cal.meeting.comment")}</span>
        <input
          data-testid="meeting-comment"
          value={comment}
          disabled={!sendReply}
          onChange={(e) => {
            setComment(e.target.value);
          }}
        />
      </label>
      <label className="inline">
        <input
          type="checkbox"
          data-testid="meeting-send-reply"
          checked={sendReply}
          onChange={(e) => {
            setSendReply(e.target.checked);
          }}
        />
        {t("cal.meeting.sendReply")}
      </label>
      <div className="invitation-buttons" role="group" aria-label={t("mail.invite.answers")}>
        {ANSWERS.map((a) => (
          <button
            key={a.answer}
            type="button"
            data-testid={a.testId}
            className={current === a.answer ? "primary" : undefined}
            aria-pressed={current === a.answer}
            disabled={sending !== null}
            aria-busy={sending === a.answer}
            onClick={() => {
              setSending(a.answer);
              setError(null);
              api.respondToMeeting(eventId, a.answer, sendReply && comment.trim() ? comment.trim() : null, sendReply).then(
                () => {
                  setSending(null);
                  setGiven(a.answer);
                  onAnswered?.(a.answer);
                },
                (e: unknown) => {
                  setSending(null);
                  setError(toIpcError(e));
                },
              );
            }}
          >
            {t(a.label)}
          </button>
        ))}
      </div>
      {error && <ErrorView error={error} heading={t("mail.invite.failed")} />}
    </div>
  );
}
