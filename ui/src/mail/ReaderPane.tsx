import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { Address, AttachmentInfo, AttachmentRisk, Invitation, IpcError, LinkView, MeetingAnswer, MessageSafety, MessageView, RiskLevel } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import type { Lang, MessageKey } from "../lib/i18n";
import { ErrorView } from "../components/ErrorView";
import { LOCALE, formatFullDate, formatSize, isCalendarFile, pluralForm } from "./format";
import { MESSAGE_SANDBOX, buildMessageDocument, isHoverMessage, isLinkMessage, markHtml } from "./iframe-doc";
import { attachmentReasonText, blockedLinkText, linkWarningText, senderCueText } from "./safety";
import { Marked } from "./Marked";
import { linkify } from "./linkify";
import { FileIcon } from "./icons";
import type { ToastText } from "./toast";
import { afterNextPaint } from "../lib/paint";

export type ReaderApi = Pick<
  Api,
  | "messageView"
  | "fetchMessageBody"
  | "openAttachment"
  | "saveAttachment"
  | "onAttachmentProgress"
  | "openLink"
  | "allowRemoteContent"
  | "allowRemoteContentDomain"
  | "messageSafety"
  | "checkLink"
  | "respondToMeeting"
  | "respondToInvitation"
>;

interface Props {
  api: ReaderApi;
  messageId: number | null;
  /** how many messages are selected (the reader shows one only when exactly one is) */
  selectedCount: number;
  allSelected: boolean;
  /** a message is on screen (for marking it read) */
  onShown: (view: MessageView) => void;
  notify: (message: ToastText) => void;
  position: "right" | "bottom";
  /** folded words of a search, marked in the subject and the body */
  highlight?: readonly string[];
  /** "Add to calendar" on an .ics attachment (left out when not given). */
  onAddToCalendar?: (attachment: AttachmentInfo) => void;
}


interface Loaded {
  id: number;
  view: MessageView | null;
  error: IpcError | null;
  /** the full body is being fetched from the server */
  fetching: boolean;
  /** fetching failed (offline): show what is cached */
  fetchFailed: boolean;
}

/** Addresses as Outlook shows them: names separated by semicolons, the address as a tooltip. */
function Addresses({ list }: { list: readonly Address[] }) {
  return (
    <>
      {list.map((a, i) => (
        <span key={i} title={a.addr}>
          {a.name || a.addr}
          {i < list.length - 1 && "; "}
        </span>
      ))}
    </>
  );
}

/** The domain of an address (what "Always for {domain}" allows), "" when there is none. */
function senderDomain(addr: string): string {
  const at = addr.lastIndexOf("@");
  return at > 0 ? addr.slice(at + 1).toLowerCase() : "";
}

function attachmentKind(a: AttachmentInfo): "image" | "pdf" | "other" {
  if (a.contentType.startsWith("image/")) return "image";
  if (a.contentType === "application/pdf") return "pdf";
  return "other";
}

function inviteWhen(inv: Invitation, lang: Lang): string {
  const start = new Date(inv.start);
  const end = new Date(inv.end);
  if (Number.isNaN(start.getTime())) return inv.start;
  const options: Intl.DateTimeFormatOptions = inv.allDay
    ? { weekday: "short", day: "2-digit", month: "2-digit", year: "numeric" }
    : { weekday: "short", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" };
  const f = new Intl.DateTimeFormat(LOCALE[lang], options);
  if (Number.isNaN(end.getTime())) return f.format(start);
  return f.formatRange(start, inv.allDay ? new Date(end.getTime() - 1) : end);
}

/** The invitation card's buttons, in Outlook's order, and what the toast says after each. */
const ANSWERS: readonly { answer: MeetingAnswer; testId: string; label: MessageKey; done: MessageKey }[] = [
  { answer: "accepted", testId: "invitation-accept", label: "mail.invite.accept", done: "mail.invite.accepted" },
  { answer: "tentative", testId: "invitation-tentative", label: "mail.invite.tentative", done: "mail.invite.tentativeDone" },
  { answer: "declined", testId: "invitation-decline", label: "mail.invite.decline", done: "mail.invite.declined" },
];

/**
 * Accept / Tentative / Decline: on the event when the calendar cache holds it, else on the
 * invitation mail itself (a server that files the event only once it is accepted: Z-Push).
 */
function InvitationAnswers({
  api,
  invitation,
  messageId,
  notify,
}: {
  api: ReaderApi;
  invitation: Invitation;
  messageId: number;
  notify: (message: ToastText) => void;
}) {
  const { t } = useI18n();
  const [sending, setSending] = useState<MeetingAnswer | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const eventId = invitation.eventId;

  const respond = (a: (typeof ANSWERS)[number]) => {
    setSending(a.answer);
    setError(null);
    (eventId === null ? api.respondToInvitation(messageId, a.answer) : api.respondToMeeting(eventId, a.answer, null, true)).then(
      () => {
        setSending(null);
        notify({ key: a.done });
      },
      (e: unknown) => {
        setSending(null);
        setError(toIpcError(e));
      },
    );
  };

  return (
    <>
      <div className="invitation-buttons" role="group" aria-label={t("mail.invite.answers")}>
        {ANSWERS.map((a) => (
          <button
            key={a.answer}
            type="button"
            data-testid={a.testId}
            disabled={sending !== null}
            aria-busy={sending === a.answer}
            onClick={() => {
              respond(a);
            }}
          >
            {t(a.label)}
          </button>
        ))}
      </div>
      {error && <ErrorView error={error} heading={t("mail.invite.failed")} />}
    </>
  );
}

interface Transfer {
  received: number;
  total: number | null;
}

/** An attachment on its way: a bar (without a known total, one that only says it is busy). */
function TransferProgress({ name, transfer }: { name: string; transfer: Transfer }) {
  const { t, lang } = useI18n();
  const { received, total } = transfer;
  return (
    <span className="att-progress" data-testid="attachment-progress">
      <progress aria-label={t("mail.att.downloading", { name })} max={total ?? undefined} value={total ? Math.min(received, total) : undefined} />
      <span className="muted">
        {total ? t("mail.att.progress", { done: formatSize(received, lang), total: formatSize(total, lang) }) : formatSize(received, lang)}
      </span>
    </span>
  );
}

/** "Open this link?" with its real target (the registrable domain emphasised) and, for a link
 * that may not lead where it seems to, the reasons, naming both. */
function LinkDialog({ link, onOpen, onCancel }: { link: LinkView; onOpen: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const verdict = link.check.verdict;
  const warnings = typeof verdict === "object" && "ask" in verdict ? (verdict.ask ?? []) : [];
  const careful = warnings.length > 0;
  return (
    <div className={`link-confirm${careful ? " careful" : ""}`} role="alertdialog" aria-label={t(careful ? "mail.link.careful" : "mail.link.confirm")} data-testid="link-confirm">
      <p>
        <strong>{t(careful ? "mail.link.careful" : "mail.link.confirm")}</strong>
      </p>
      {careful && (
        <ul className="warnings" data-testid="link-warnings">
          {warnings.map((w, i) => (
            <li key={i}>{linkWarningText(w, t)}</li>
          ))}
        </ul>
      )}
      <p className="link-url" data-testid="link-url">
        {link.before}
        <strong>{link.domain}</strong>
        {link.after}
      </p>
      <div className="dialog-buttons">
        <button type="button" data-testid="link-open" autoFocus={!careful} className={careful ? "danger" : undefined} onClick={onOpen}>
          {t(careful ? "mail.link.openAnyway" : "mail.link.open")}
        </button>
        <button type="button" data-testid="link-cancel" autoFocus={careful} onClick={onCancel}>
          {t("mail.cancel")}
        </button>
      </div>
    </div>
  );
}

/** How long the selection must rest before the reader loads a message after a quick change. */
export const SETTLE_MS = 150;

const NO_WORDS: readonly string[] = [];

export function ReaderPane({ api, messageId, selectedCount, allSelected, onShown, notify, position, highlight = NO_WORDS, onAddToCalendar }: Props) {
  const { t, lang } = useI18n();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [link, setLink] = useState<LinkView | null>(null);
  const [hoverFor, setHover] = useState<{ id: number | null; link: LinkView } | null>(null);
  const [confirm, setConfirm] = useState<{ attachment: AttachmentInfo; risk: AttachmentRisk } | null>(null);
  const [safety, setSafety] = useState<MessageSafety | null>(null);
  const token = useRef(0);
  const frameRef = useRef<HTMLIFrameElement>(null);
  const paintedFor = useRef<number | null>(null);

  const load = useCallback(
    (id: number, allowRemote: boolean) => {
      const mine = ++token.current;
      const live = () => token.current === mine;
      const fetchBody = () => {
        setLoaded((l) => (l && l.id === id ? { ...l, fetching: true, fetchFailed: false } : l));
        api.fetchMessageBody(id, allowRemote).then(
          (view) => {
            if (live()) setLoaded({ id, view, error: null, fetching: false, fetchFailed: false });
          },
          () => {
            if (live()) setLoaded((l) => (l && l.id === id ? { ...l, fetching: false, fetchFailed: true } : l));
          },
        );
      };
      api.messageView(id, allowRemote).then(
        (view) => {
          if (!live()) return;
          setLoaded({ id, view, error: null, fetching: !view.body.complete, fetchFailed: false });
          if (!view.body.complete) fetchBody();
        },
        (e: unknown) => {
          if (live()) setLoaded({ id, view: null, error: toIpcError(e), fetching: false, fetchFailed: false });
        },
      );
    },
    [api],
  );

  // A held arrow key moves the selection 20–30 times a second. Painting every message it passes
  // (an HTML body is a new document in the frame) costs the list its frames, so while the
  // selection changes quickly the body is loaded only once it has rested for SETTLE_MS, as
  // Outlook and Thunderbird do. A click or a single key press shows the message at once.
  const lastChange = useRef(Number.NEGATIVE_INFINITY);
  useEffect(() => {
    const now = performance.now();
    const quick = now - lastChange.current < SETTLE_MS;
    lastChange.current = now;
    if (messageId === null) {
      token.current++;
      return;
    }
    if (!quick) {
      load(messageId, false);
      return;
    }
    token.current++;
    const timer = setTimeout(() => {
      load(messageId, false);
    }, SETTLE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [messageId, load]);

  const current = loaded && loaded.id === messageId ? loaded : null;
  const view = current?.view ?? null;

  // Mark as read (the caller decides when), once per message shown.
  const shownFor = useRef<number | null>(null);
  useEffect(() => {
    if (!view || shownFor.current === view.message.id) return;
    shownFor.current = view.message.id;
    onShown(view);
  }, [view, onShown]);

  // The sender's cues come after the message (the core may ask the company directory).
  const viewId = view?.message.id ?? null;
  const viewIdRef = useRef<number | null>(null);
  useEffect(() => {
    viewIdRef.current = viewId;
    if (viewId === null) return;
    let live = true;
    api.messageSafety(viewId).then(
      (s) => {
        if (live) setSafety(s);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, viewId]);
  const cues = safety && safety.messageId === viewId ? safety : null;
  const hover = hoverFor && hoverFor.id === viewId ? hoverFor.link : null;

  // A link is checked in the core before it opens: a blocked one says why, any other one is
  // shown with its real target (and warnings) before the browser gets it.
  const hoverToken = useRef(0);
  const showHover = useCallback(
    (href: string, text: string) => {
      const mine = ++hoverToken.current;
      if (!href) {
        setHover(null);
        return;
      }
      api.checkLink(href, text).then(
        (v) => {
          if (hoverToken.current === mine) setHover({ id: viewIdRef.current, link: v });
        },
        () => undefined,
      );
    },
    [api],
  );
  const askLink = useCallback(
    (href: string, text: string) => {
      api.checkLink(href, text).then(
        (v) => {
          const verdict = v.check.verdict;
          if (typeof verdict === "object" && "blocked" in verdict && verdict.blocked !== undefined) {
            notify({ text: blockedLinkText(verdict.blocked, t) });
          } else {
            setLink(v);
          }
        },
        () => undefined,
      );
    },
    [api, notify, t],
  );

  // Links clicked or pointed at in the HTML frame arrive as messages from that frame only.
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (!frameRef.current || e.source !== frameRef.current.contentWindow) return;
      if (isLinkMessage(e.data)) askLink(e.data.href, e.data.text);
      else if (isHoverMessage(e.data)) showHover(e.data.href, e.data.text);
    };
    window.addEventListener("message", onMessage);
    return () => {
      window.removeEventListener("message", onMessage);
    };
  }, [askLink, showHover]);

  const markPainted = useCallback((id: number) => {
    if (paintedFor.current === id) return;
    paintedFor.current = id;
    afterNextPaint(() => {
      performance.mark("kontor:body-painted", { detail: { messageId: id } });
    });
  }, []);

  const body = view?.body ?? null;
  const plainShown = view !== null && body !== null && body.format !== "html";
  useEffect(() => {
    if (plainShown) markPainted(view.message.id);
  }, [plainShown, view, markPainted]);

  const srcDoc = useMemo(
    () => (body && body.format === "html" ? buildMessageDocument(markHtml(body.html, highlight), body.remoteAllowed) : null),
    [body, highlight],
  );

  // Attachments being fetched: bytes arrived and announced, from the shell's progress events.
  const [transfers, setTransfers] = useState<ReadonlyMap<number, Transfer>>(() => new Map());
  useEffect(
    () =>
      api.onAttachmentProgress((p) => {
        setTransfers((m) => (m.has(p.attachmentId) ? new Map(m).set(p.attachmentId, { received: p.received, total: p.total }) : m));
      }),
    [api],
  );
  const fetching = async <T,>(id: number, work: () => Promise<T>): Promise<T> => {
    setTransfers((m) => new Map(m).set(id, { received: 0, total: null }));
    try {
      return await work();
    } finally {
      setTransfers((m) => {
        const n = new Map(m);
        n.delete(id);
        return n;
      });
    }
  };

  const run = (p: Promise<unknown>) => {
    p.catch((e: unknown) => {
      const { message } = toIpcError(e);
      notify(message ? { text: message } : { key: "error.unexpected" });
    });
  };

  const open = (a: AttachmentInfo, accepted: RiskLevel) => {
    run(
      fetching(a.id, () => api.openAttachment(a.id, accepted)).then((r) => {
        if (!r.opened) setConfirm({ attachment: a, risk: r.risk });
      }),
    );
  };

  const save = (attachments: readonly AttachmentInfo[]) => {
    run(
      (async () => {
        const paths: string[] = [];
        for (const a of attachments) paths.push(await fetching(a.id, () => api.saveAttachment(a.id, null)));
        notify({ key: "mail.att.saved", vars: { path: paths.join("; ") } });
      })(),
    );
  };

  if (messageId === null) {
    const text =
      allSelected
        ? t("mail.allSelected")
        : selectedCount > 1
          ? t(pluralForm(selectedCount, lang) === "one" ? "mail.selected.one" : "mail.selected.other", { count: selectedCount })
          : t("mail.reader.nothing");
    return (
      <section className={`reader reader-${position} reader-empty`} data-testid="reader" data-pane="reader" tabIndex={0} aria-label={t("mail.reader.label")}>
        <p className="muted">{text}</p>
      </section>
    );
  }

  let content: ReactNode;
  if (current?.error) {
    content = <ErrorView error={current.error} heading={t("mail.reader.failed")} />;
  } else if (!view || !body) {
    content = (
      <p className="muted reader-loading" aria-busy="true">
        <span className="spinner inline" /> {t("mail.reader.loading")}
      </p>
    );
  } else {
    const m = view.message;
    // The risk by name, replaced by the core's look into the content once it has answered.
    const attachments = view.attachments
      .filter((a) => !a.inline)
      .map((a) => {
        const checked = cues?.attachments.find((c) => c.id === a.id);
        return checked ? { ...a, risk: checked.risk, blocked: checked.blocked } : a;
      });
    const inv = view.invitation;
    content = (
      <>
        <header className="reader-head">
          <h2 className="reader-subject" data-testid="reader-subject">
            {m.subject ? <Marked text={m.subject} words={highlight} /> : t("mail.noSubject")}
          </h2>
          <dl className="reader-fields">
            <dt>{t("mail.reader.from")}</dt>
            <dd data-testid="reader-from">
              <strong>{m.from.name || m.from.addr}</strong>
              {m.from.name && m.from.addr && <span className="muted addr">{m.from.addr}</span>}
              {cues?.sender.external && (
                <span className="tag external-tag" data-testid="external-tag" title={t("mail.safety.externalTitle")}>
                  {t("mail.safety.external")}
                </span>
              )}
            </dd>
            {view.to.length > 0 && (
              <>
                <dt>{t("mail.reader.to")}</dt>
                <dd data-testid="reader-to">
                  <Addresses list={view.to} />
                </dd>
              </>
            )}
            {view.cc.length > 0 && (
              <>
                <dt>{t("mail.reader.cc")}</dt>
                <dd data-testid="reader-cc">
                  <Addresses list={view.cc} />
                </dd>
              </>
            )}
            <dt>{t("mail.reader.date")}</dt>
            <dd data-testid="reader-date">{formatFullDate(m.date, lang)}</dd>
          </dl>
        </header>
        {cues && cues.sender.cues.length > 0 && (
          <section className="sender-warnings" role="alert" data-testid="sender-warnings">
            <h3>{t("mail.safety.heading")}</h3>
            <ul>
              {cues.sender.cues.map((c, i) => (
                <li key={i} data-testid="sender-cue">
                  {senderCueText(c, t)}
                </li>
              ))}
            </ul>
          </section>
        )}
        {inv && (
          <section className="invitation" data-testid="invitation">
            <h3>{t("mail.invite.title")}</h3>
            <dl className="reader-fields">
              <dt>{t("mail.invite.when")}</dt>
              <dd data-testid="invitation-when">
                {inviteWhen(inv, lang)}
                {inv.allDay && <span className="muted"> ({t("mail.invite.allDay")})</span>}
              </dd>
              {inv.location && (
                <>
                  <dt>{t("mail.invite.where")}</dt>
                  <dd data-testid="invitation-where">{inv.location}</dd>
                </>
              )}
              {inv.organizer && (
                <>
                  <dt>{t("mail.invite.organizer")}</dt>
                  <dd data-testid="invitation-organizer">{inv.organizer}</dd>
                </>
              )}
            </dl>
            <InvitationAnswers key={`${m.id}:${inv.uid}`} api={api} invitation={inv} messageId={m.id} notify={notify} />
          </section>
        )}
        {attachments.length > 0 && (
          <section className="attachments" data-testid="attachments" aria-label={t("mail.att.label")}>
            <ul>
              {attachments.map((a) => (
                <li key={a.id} className="attachment" data-testid="attachment" data-attachment-id={a.id}>
                  <span className="att-icon" aria-hidden="true">
                    <FileIcon kind={attachmentKind(a)} />
                  </span>
                  <span className="att-name" title={a.name}>
                    {a.name}
                  </span>
                  <span className="muted att-size">{formatSize(a.size, lang)}</span>
                  {a.risk.level !== "none" && (
                    <span className={`att-risk att-risk-${a.risk.level}`} data-testid="attachment-warning" data-level={a.risk.level}>
                      <strong>{a.blocked ? t("mail.att.blocked") : t(a.risk.level === "dangerous" ? "mail.att.dangerous" : "mail.att.caution")}</strong>{" "}
                      {a.risk.reasons.map((r) => attachmentReasonText(r, t)).join(" ")}
                    </span>
                  )}
                  {transfers.has(a.id) && <TransferProgress name={a.name} transfer={transfers.get(a.id) ?? { received: 0, total: null }} />}
                  <button
                    type="button"
                    data-testid="attachment-open"
                    disabled={transfers.has(a.id) || a.blocked}
                    onClick={() => {
                      if (a.risk.level === "none") open(a, "none");
                      else setConfirm({ attachment: a, risk: a.risk });
                    }}
                  >
                    {t("mail.att.open")}
                  </button>
                  <button
                    type="button"
                    data-testid="attachment-save"
                    disabled={transfers.has(a.id) || a.blocked}
                    onClick={() => {
                      save([a]);
                    }}
                  >
                    {t("mail.att.save")}
                  </button>
                  {onAddToCalendar && isCalendarFile(a) && (
                    <button
                      type="button"
                      data-testid="attachment-add-calendar"
                      disabled={transfers.has(a.id) || a.blocked}
                      onClick={() => {
                        onAddToCalendar(a);
                      }}
                    >
                      {t("mail.att.addToCalendar")}
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {attachments.length > 1 && (
              <button
                type="button"
                data-testid="attachment-save-all"
                onClick={() => {
                  save(attachments);
                }}
              >
                {t("mail.att.saveAll")}
              </button>
            )}
          </section>
        )}
        {body.remoteBlocked > 0 && !body.remoteAllowed && body.remoteForbidden && (
          <div className="remote-bar" role="status" data-testid="remote-bar">
            <span>{t("mail.remote.policy")}</span>
          </div>
        )}
        {body.remoteBlocked > 0 && !body.remoteAllowed && !body.remoteForbidden && (
          <div className="remote-bar" role="status" data-testid="remote-bar">
            <span>{t("mail.remote.blocked")}</span>
            <button
              type="button"
              data-testid="remote-load"
              onClick={() => {
                load(m.id, true);
              }}
            >
              {t("mail.remote.load")}
            </button>
            {m.from.addr && (
              <button
                type="button"
                data-testid="remote-always"
                onClick={() => {
                  run(
                    api.allowRemoteContent(m.from.addr).then(() => {
                      load(m.id, true);
                    }),
                  );
                }}
              >
                {t("mail.remote.always", { sender: m.from.addr })}
              </button>
            )}
            {senderDomain(m.from.addr) && (
              <button
                type="button"
                data-testid="remote-always-domain"
                onClick={() => {
                  run(
                    api.allowRemoteContentDomain(senderDomain(m.from.addr)).then(() => {
                      load(m.id, true);
                    }),
                  );
                }}
              >
                {t("mail.remote.alwaysDomain", { domain: senderDomain(m.from.addr) })}
              </button>
            )}
          </div>
        )}
        {body.trackersBlocked > 0 && (
          <p className="muted trackers-note" data-testid="trackers-blocked">
            {t("mail.remote.trackers", { count: body.trackersBlocked })}
          </p>
        )}
        {current?.fetching && (
          <p className="muted reader-fetching" data-testid="reader-fetching" aria-busy="true">
            <span className="spinner inline" /> {t("mail.reader.loading")}
          </p>
        )}
        {body.format === "none" ? (
          !current?.fetching && (
            <p className="reader-offline" data-testid="reader-offline">
              {t("mail.reader.offline")}
            </p>
          )
        ) : body.format === "html" && srcDoc !== null ? (
          <iframe
            key={`${m.id}:${body.remoteAllowed ? "r" : "l"}`}
            ref={frameRef}
            className="reader-html"
            data-testid="reader-html"
            title={t("mail.reader.frameTitle")}
            sandbox={MESSAGE_SANDBOX}
            srcDoc={srcDoc}
            onLoad={() => {
              markPainted(m.id);
            }}
          />
        ) : (
          <div className="reader-text" data-testid="reader-text">
            {linkify(body.text).map((p, i) =>
              p.kind === "text" ? (
                <span key={i}>{highlight.length > 0 ? <Marked text={p.text} words={highlight} /> : p.text}</span>
              ) : (
                <a
                  key={i}
                  href={p.href}
                  onClick={(e) => {
                    e.preventDefault();
                    askLink(p.href, p.text);
                  }}
                  onMouseEnter={() => {
                    showHover(p.href, p.text);
                  }}
                  onFocus={() => {
                    showHover(p.href, p.text);
                  }}
                  onMouseLeave={() => {
                    showHover("", "");
                  }}
                  onBlur={() => {
                    showHover("", "");
                  }}
                >
                  {p.text}
                </a>
              ),
            )}
          </div>
        )}
        {current?.fetchFailed && body.format !== "none" && (
          <p className="muted" data-testid="reader-partial">
            {t("mail.reader.offline")}
          </p>
        )}
      </>
    );
  }

  return (
    <section
      className={`reader reader-${position}`}
      data-testid="reader"
      data-message-id={messageId}
      data-pane="reader"
      tabIndex={0}
      aria-label={t("mail.reader.label")}
    >
      {content}
      {hover && view && (
        <div className="link-status" role="status" data-testid="link-status">
          <span className="muted">{t("mail.link.status")}</span>{" "}
          <span className="link-target">
            {hover.before}
            <strong>{hover.domain}</strong>
            {hover.after}
          </span>
        </div>
      )}
      {link && (
        <LinkDialog
          link={link}
          onOpen={() => {
            const url = link.check.target;
            setLink(null);
            run(api.openLink(url));
          }}
          onCancel={() => {
            setLink(null);
          }}
        />
      )}
      {confirm && (
        <div className="link-confirm att-confirm" role="alertdialog" aria-label={t("mail.att.confirm.heading", { name: confirm.attachment.name })} data-testid="attachment-confirm">
          <p>
            <strong>{t("mail.att.confirm.heading", { name: confirm.attachment.name })}</strong>
          </p>
          <ul className="warnings">
            {confirm.risk.reasons.map((r, i) => (
              <li key={i}>{attachmentReasonText(r, t)}</li>
            ))}
          </ul>
          <p>{t("mail.att.confirm.intro")}</p>
          <div className="dialog-buttons">
            <button
              type="button"
              data-testid="attachment-confirm-cancel"
              autoFocus
              onClick={() => {
                setConfirm(null);
              }}
            >
              {t("mail.cancel")}
            </button>
            <button
              type="button"
              className="danger"
              data-testid="attachment-confirm-open"
              onClick={() => {
                const { attachment, risk } = confirm;
                setConfirm(null);
                open(attachment, risk.level);
              }}
            >
              {t("mail.att.confirm.open")}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
