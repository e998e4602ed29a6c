import { useCallback, useEffect, useRef, useState } from "react";
import type { AttachmentSource, ComposeStart, IpcError, OutgoingMail, ParsedRecipient } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { buildMessageDocument, MESSAGE_SANDBOX } from "../mail/iframe-doc";
import { actionFor } from "../mail/shortcuts";
import type { Editor as TiptapEditor } from "@tiptap/react";
import { Editor } from "./Editor";
import { replaceSignature } from "./extensions";
import { hasFormatting, htmlToPlain, plainToHtml, signatureIn, withSignature } from "./plain";
import { RecipientField } from "./RecipientField";
import { recipientText } from "./recipients";
import { mailtoFields, mentionsAttachment, messageHtml, sizeLabel, textOf, type ComposeParams } from "./compose";

export type ComposeApi = Pick<
  Api,
  "composeStart" | "addressSuggestions" | "directorySuggestions" | "parseRecipients" | "sendMail" | "saveDraft" | "fileSizes" | "unknownColleagues" | "readPicture"
>;

/** What the compose window needs of its own native window (a fake in tests). */
export interface ComposeShell {
  /** The system's file picker; the chosen files' paths (none when cancelled). */
  pickFiles: (title: string) => Promise<string[]>;
  /** The file picker for one file of the given kinds (a picture for the text); null when cancelled. */
  pickFile: (title: string, filterName: string, extensions: string[]) => Promise<string | null>;
  close: () => void;
  setTitle: (title: string) => void;
  /** Calls `ask` when the user closes the window; `ask` returns true to keep it open. */
  onCloseRequested: (ask: () => boolean) => () => void;
  /** Files dropped on the window (their paths). */
  onDrop: (cb: (paths: string[]) => void) => () => void;
}

type Attachment = { kind: "file"; path: string; name: string; size?: number | null } | { kind: "cached"; attachmentId: number; name: string; size: number };

type Ask = null | "noSubject" | "attachment" | "unsaved" | "plain" | "unknown";

/** Autosave while there are unsaved changes. */
const AUTOSAVE_MS = 30_000;

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** `list` with the files at `paths` added (a file already attached is not added again). */
function withFiles(list: readonly Attachment[], paths: readonly string[]): Attachment[] {
  const fresh = paths.filter((p) => !list.some((a) => a.kind === "file" && a.path === p));
  return [...list, ...fresh.map((p) => ({ kind: "file" as const, path: p, name: baseName(p) }))];
}

/** One message being written: sender, To/Cc/Bcc as chips, subject, importance, the text in a
 * rich-text editor, the quoted original below it (kept as it came, not edited), attachments;
 * Send (Ctrl+Enter, Alt+S), Save (Ctrl+S, and every 30 s), and a question before closing with
 * unsaved changes. */
export function ComposeWindow({ api, params, shell }: { api: ComposeApi; params: ComposeParams; shell: ComposeShell }) {
  const { t, lang } = useI18n();
  const [start, setStart] = useState<ComposeStart | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [to, setTo] = useState<ParsedRecipient[]>([]);
  const [cc, setCc] = useState<ParsedRecipient[]>([]);
  const [bcc, setBcc] = useState<ParsedRecipient[]>([]);
  const [showCcBcc, setShowCcBcc] = useState(false);
  const [subject, setSubject] = useState("");
  const [importance, setImportance] = useState(1);
  const [html, setHtml] = useState("");
  const [initialHtml, setInitialHtml] = useState<string | null>(null);
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [draftId, setDraftId] = useState<number | null>(null);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState<null | "sending" | "saving">(null);
  const [savedAt, setSavedAt] = useState<Date | null>(null);
  const [error, setError] = useState<{ title: string; detail: IpcError | string } | null>(null);
  const [ask, setAsk] = useState<Ask>(null);
  // The signature chosen (its id; null: none), plain-text mode and its text, and the editor
  // (to swap the signature in it); a new key starts the editor again with `initialHtml`.
  const [signatureId, setSignatureId] = useState<string | null>(null);
  const [plain, setPlain] = useState(false);
  const [plainText, setPlainText] = useState("");
  const [editorKey, setEditorKey] = useState(0);
  const editorRef = useRef<TiptapEditor | null>(null);
  const onEditorReady = useCallback((e: TiptapEditor) => {
    editorRef.current = e;
  }, []);

  // The server's attachment limit (its device policy): a larger file is marked at once; the
  // core refuses the send with both sizes.
  const maxAttachment = start?.maxAttachment ?? null;
  const tooLarge = (a: Attachment) => maxAttachment !== null && typeof a.size === "number" && a.size > maxAttachment;

  const change = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setDirty(true);
  };

  // ---- the starting content ----
  useEffect(() => {
    let live = true;
    const fill = async () => {
      const s = await api.composeStart(params.mode, params.id);
      const parse = async (list: readonly string[]) => (list.length ? api.parseRecipients(list.join("; ")) : []);
      let [pto, pcc, pbcc] = await Promise.all([parse(s.to), parse(s.cc), Promise.resolve<ParsedRecipient[]>([])]);
      let subj = s.subject;
      let body = s.bodyHtml;
      if (params.mailto) {
        const m = mailtoFields(params.mailto);
        pto = [...pto, ...(await parse(m.to))];
        pcc = [...pcc, ...(await parse(m.cc))];
        pbcc = await parse(m.bcc);
        if (m.subject) subj = m.subject;
        if (m.body) body = m.body
          .split(/\r?\n/)
          .map((l) => `<p>${l.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</p>`)
          .join("");
      }
      if (!live) return;
      const signature = s.signatures.find((x) => x.id === s.signature) ?? null;
      if (signature) body = withSignature(body, signature.html);
      // A draft holds its own signature: the list shows which one it is.
      setSignatureId(signature?.id ?? (s.draft !== null ? signatureIn(body, s.signatures) : null));
      setStart(s);
      setTo(pto);
      setCc(pcc);
      setBcc(pbcc);
      setShowCcBcc(pcc.length > 0 || pbcc.length > 0);
      setSubject(subj);
      setInitialHtml(body);
      setHtml(body);
      setDraftId(s.draft);
      setAttachments(s.attachments.map((a) => ({ kind: "cached", attachmentId: a.id, name: a.name, size: a.size })));
    };
    fill().catch((e: unknown) => {
      if (live) setLoadError(toIpcError(e));
    });
    return () => {
      live = false;
    };
  }, [api, params]);

  // ---- the window's title follows the subject ----
  useEffect(() => {
    const base = subject.trim() || (params.mode === "forward" ? t("compose.title.forward") : params.mode === "new" || params.mode === "draft" ? t("compose.title.new") : t("compose.title.reply"));
    shell.setTitle(`${base} – Kontor`);
  }, [shell, subject, params.mode, t]);

  const mail = useCallback((): OutgoingMail => {
    const toSource = (a: Attachment): AttachmentSource =>
      a.kind === "file" ? { kind: "file", path: a.path } : { kind: "cached", attachmentId: a.attachmentId, name: a.name };
    const quote = start?.quoteHtml ?? "";
    // Plain text: one text/plain part, the quote below the text as quoted lines.
    const text = plain ? (quote ? `${plainText}\n\n${htmlToPlain(quote)}` : plainText) : "";
    return {
      from: start?.from ?? "",
      to: to.map(recipientText),
      cc: cc.map(recipientText),
      bcc: bcc.map(recipientText),
      subject,
      body: text,
      html: plain ? null : messageHtml(html, quote),
      importance,
      attachments: attachments.map(toSource),
      // A reply's or forward's draft holds the quote in its text.
      quoted: quote.length > 0 || (start?.quoteInBody ?? false),
      replyTo: start?.replyTo ?? null,
      forwardOf: start?.forwardOf ?? null,
      draft: draftId,
    };
  }, [start, to, cc, bcc, subject, html, plain, plainText, importance, attachments, draftId]);

  const save = useCallback(async (): Promise<boolean> => {
    if (busy) return false;
    setBusy("saving");
    try {
      const saved = await api.saveDraft(mail(), draftId);
      setDraftId(saved.messageId);
      setDirty(false);
      setSavedAt(new Date());
      return true;
    } catch (e) {
      setError({ title: t("compose.saveFailed"), detail: toIpcError(e) });
      return false;
    } finally {
      setBusy(null);
    }
  }, [api, busy, draftId, mail, t]);

  const sendNow = useCallback(async () => {
    setBusy("sending");
    try {
      await api.sendMail(mail());
      setDirty(false);
      shell.close();
    } catch (e) {
      setError({ title: t("compose.failed"), detail: toIpcError(e) });
      setBusy(null);
    }
  }, [api, mail, shell, t]);

  // The addresses the user chose to send to although the directory did not know them.
  const acceptedUnknown = useRef<Set<string>>(new Set());
  const [unknown, setUnknown] = useState<string[]>([]);
  const send = useCallback(
    (checked: Ask[] = []) => {
      if (busy) return;
      setError(null);
      if (to.length + cc.length + bcc.length === 0) {
        setError({ title: t("compose.failed"), detail: t("compose.noRecipient") });
        return;
      }
      const bad = [...to, ...cc, ...bcc].filter((r) => !r.valid);
      if (bad.length > 0) {
        setError({ title: t("compose.failed"), detail: t("compose.invalidRecipients", { list: bad.map((r) => r.address).join(", ") }) });
        return;
      }
      if (!subject.trim() && !checked.includes("noSubject")) {
        setAsk("noSubject");
        return;
      }
      if (attachments.length === 0 && mentionsAttachment(`${subject} ${plain ? plainText : textOf(html)}`) && !checked.includes("attachment")) {
        setAsk("attachment");
        return;
      }
      if (!checked.includes("unknown")) {
        // Colleagues' addresses the company directory does not know (a typo bounces only after
        // the window closed); the core answers nothing when the server cannot check.
        setBusy("sending");
        api.unknownColleagues([...to, ...cc, ...bcc].map((r) => r.address)).then(
          (found) => {
            setBusy(null);
            const fresh = found.filter((a) => !acceptedUnknown.current.has(a));
            if (fresh.length > 0) {
              setUnknown(fresh);
              setAsk("unknown");
            } else void sendNow();
          },
          () => {
            setBusy(null);
            void sendNow();
          },
        );
        return;
      }
      void sendNow();
    },
    [api, busy, to, cc, bcc, subject, attachments.length, html, plain, plainText, sendNow, t],
  );
  const [confirmed, setConfirmed] = useState<Ask[]>([]);

  // ---- autosave ----
  const saveRef = useRef(save);
  useEffect(() => {
    saveRef.current = save;
  }, [save]);
  useEffect(() => {
    if (!dirty) return;
    const timer = setTimeout(() => {
      void saveRef.current();
    }, AUTOSAVE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [dirty, html, plainText, subject, to, cc, bcc]);

  // ---- closing with unsaved changes asks ----
  const dirtyRef = useRef(dirty);
  useEffect(() => {
    dirtyRef.current = dirty;
  }, [dirty]);
  useEffect(
    () =>
      shell.onCloseRequested(() => {
        if (!dirtyRef.current) return false;
        setAsk("unsaved");
        return true;
      }),
    [shell],
  );

  // ---- a picture in the text: chosen in the file dialog, read and checked by the core ----
  const pickPicture = useCallback(async (): Promise<string | null> => {
    try {
      const path = await shell.pickFile(t("compose.pictureTitle"), t("signatures.pictureFilter"), ["png", "jpg", "jpeg", "gif"]);
      if (path === null) return null;
      setError(null);
      return await api.readPicture(path);
    } catch (e: unknown) {
      setError({ title: t("signatures.pictureFailed"), detail: toIpcError(e) });
      return null;
    }
  }, [api, shell, t]);

  const onPastePictureError = useCallback(
    (message: string) => {
      setError({ title: t("signatures.pictureFailed"), detail: message });
    },
    [t],
  );

  // ---- files chosen or dropped become attachments, their sizes read for the chips ----
  const addFiles = useCallback(
    (paths: readonly string[]) => {
      setAttachments((list) => withFiles(list, paths));
      setDirty(true);
      api.fileSizes([...paths]).then(
        (sizes) => {
          const of = new Map(sizes.map((f) => [f.path, f.bytes]));
          setAttachments((list) => list.map((a) => (a.kind === "file" && of.has(a.path) ? { ...a, size: of.get(a.path) ?? null } : a)));
        },
        () => undefined,
      );
    },
    [api],
  );

  // ---- dropped files become attachments ----
  useEffect(
    () =>
      shell.onDrop((paths) => {
        addFiles(paths);
      }),
    [shell, addFiles],
  );

  // ---- keys: Send, Save, Esc closes ----
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (ask !== null) return;
      const action = actionFor(e, "compose");
      if (action === "send") {
        e.preventDefault();
        send(confirmed);
      } else if (action === "saveDraft") {
        e.preventDefault();
        void save();
      } else if (e.key === "Escape") {
        // The editor marks Escape as handled (ProseMirror); a suggestion list stops it before it
        // gets here.
        e.preventDefault();
        if (dirty) setAsk("unsaved");
        else shell.close();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  });

  if (loadError) {
    return (
      <div className="compose-window" data-testid="compose-window">
        <p className="compose-error" role="alert" data-testid="compose-load-error">
          {loadError.message || loadError.detail}
        </p>
      </div>
    );
  }
  if (!start || initialHtml === null) {
    return (
      <div className="compose-window" data-testid="compose-loading">
        <p className="muted">
          <span className="spinner inline" /> {t("compose.loading")}
        </p>
      </div>
    );
  }

  const quoteDoc = start.quoteHtml ? buildMessageDocument(start.quoteHtml, false) : null;
  const toPlain = () => {
    setPlainText(htmlToPlain(html));
    setPlain(true);
    setDirty(true);
  };
  const toRich = () => {
    const back = plainToHtml(plainText);
    setInitialHtml(back);
    setHtml(back);
    setEditorKey((k) => k + 1);
    setPlain(false);
    setDirty(true);
  };
  const chooseSignature = (id: string | null) => {
    setSignatureId(id);
    const editor = editorRef.current;
    if (editor) replaceSignature(editor, start.signatures.find((x) => x.id === id)?.html ?? null);
    setDirty(true);
  };
  const confirmAndSend = (what: Ask) => {
    const next = [...confirmed, what];
    setConfirmed(next);
    setAsk(null);
    send(next);
  };
  return (
    <div className="compose-window" data-testid="compose-window" data-mode={start.mode}>
      <div className="compose-toolbar" role="toolbar" aria-label={t("compose.toolbar")}>
        <button
          type="button"
          className="primary"
          data-testid="compose-send"
          disabled={busy !== null}
          onClick={() => {
            send(confirmed);
          }}
        >
          {busy === "sending" ? t("compose.sending") : t("compose.send")}
        </button>
        <button
          type="button"
          data-testid="compose-save"
          disabled={busy !== null}
          onClick={() => {
            void save();
          }}
        >
          {t("compose.save")}
        </button>
        <button
          type="button"
          data-testid="compose-attach"
          disabled={busy !== null}
          onClick={() => {
            shell.pickFiles(t("compose.attachTitle")).then(
              (paths) => {
                if (paths.length === 0) return;
                addFiles(paths);
              },
              (e: unknown) => {
                setError({ title: t("compose.attachFailed"), detail: toIpcError(e) });
              },
            );
          }}
        >
          {t("compose.attach")}
        </button>
        <label className="compose-importance">
          {t("compose.importance")}
          <select
            data-testid="compose-importance"
            value={importance}
            onChange={(e) => {
              change(setImportance)(Number(e.target.value));
            }}
          >
            <option value={2}>{t("compose.importance.high")}</option>
            <option value={1}>{t("compose.importance.normal")}</option>
            <option value={0}>{t("compose.importance.low")}</option>
          </select>
        </label>
        <label className="compose-importance">
          {t("compose.textFormat")}
          <select
            data-testid="compose-format"
            value={plain ? "plain" : "html"}
            onChange={(e) => {
              if (e.target.value === "html") toRich();
              else if (hasFormatting(html)) setAsk("plain");
              else toPlain();
            }}
          >
            <option value="html">{t("compose.textFormat.html")}</option>
            <option value="plain">{t("compose.textFormat.plain")}</option>
          </select>
        </label>
        {start.signatures.length > 0 && (
          <label className="compose-importance">
            {t("compose.signature")}
            <select
              data-testid="compose-signature"
              value={signatureId ?? ""}
              disabled={plain}
              onChange={(e) => {
                chooseSignature(e.target.value || null);
              }}
            >
              <option value="">{t("compose.signature.none")}</option>
              {start.signatures.map((sig) => (
                <option key={sig.id} value={sig.id}>
                  {sig.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="compose-status muted" data-testid="compose-status" aria-live="polite">
          {busy === "saving"
            ? t("compose.saving")
            : savedAt
              ? t("compose.saved", { time: savedAt.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) })
              : ""}
        </span>
      </div>
      {error && (
        <div className="compose-error" role="alert" data-testid="compose-error">
          <strong>{error.title}</strong>
          {": "}
          {typeof error.detail === "string" ? error.detail : error.detail.message || error.detail.detail}
        </div>
      )}
      <div className="compose-fields">
        <div className="compose-row">
          <span className="compose-label">{t("compose.from")}</span>
          <span className="compose-from" data-testid="compose-from">
            {start.from}
          </span>
        </div>
        <RecipientField api={api} label={t("compose.to")} testId="compose-to" value={to} onChange={change(setTo)} autoFocus={start.mode === "new" || start.mode === "forward"} />
        {showCcBcc ? (
          <>
            <RecipientField api={api} label={t("compose.cc")} testId="compose-cc" value={cc} onChange={change(setCc)} />
            <RecipientField api={api} label={t("compose.bcc")} testId="compose-bcc" value={bcc} onChange={change(setBcc)} />
          </>
        ) : (
          <div className="compose-row">
            <span className="compose-label" />
            <button
              type="button"
              className="link-button"
              data-testid="compose-show-cc"
              onClick={() => {
                setShowCcBcc(true);
              }}
            >
              {t("compose.showCcBcc")}
            </button>
          </div>
        )}
        <div className="compose-row">
          <label className="compose-label" htmlFor="compose-subject">
            {t("compose.subject")}
          </label>
          <input
            id="compose-subject"
            className="compose-subject"
            data-testid="compose-subject"
            value={subject}
            onChange={(e) => {
              change(setSubject)(e.target.value);
            }}
          />
        </div>
        {attachments.length > 0 && (
          <div className="compose-row">
            <span className="compose-label">{t("compose.attachments")}</span>
            <ul className="compose-attachments" data-testid="compose-attachments">
              {attachments.map((a, i) => (
                <li
                  key={a.kind === "file" ? a.path : `c${a.attachmentId}`}
                  className={tooLarge(a) ? "chip invalid" : "chip"}
                  data-testid="compose-attachment"
                  title={tooLarge(a) ? t("compose.attachmentTooLarge", { max: sizeLabel(maxAttachment ?? 0, lang) }) : undefined}
                >
                  {a.name}
                  {typeof a.size === "number" && (
                    <span className={tooLarge(a) ? undefined : "muted"} data-testid="compose-attachment-size">
                      {" "}
                      ({sizeLabel(a.size, lang)})
                    </span>
                  )}
                  <button
                    type="button"
                    className="chip-remove"
                    aria-label={t("compose.removeAttachment", { name: a.name })}
                    onClick={() => {
                      setAttachments((list) => list.filter((_, j) => j !== i));
                      setDirty(true);
                    }}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        {attachments.some(tooLarge) && (
          <p className="compose-warning" role="alert" data-testid="compose-attachment-too-large">
            {t("compose.attachmentTooLarge", { max: sizeLabel(maxAttachment ?? 0, lang) })}
          </p>
        )}
      </div>
      {plain ? (
        <textarea
          className="compose-plain"
          data-testid="compose-plain-body"
          aria-label={t("compose.plainBody")}
          spellCheck
          value={plainText}
          onChange={(e) => {
            setPlainText(e.target.value);
            setDirty(true);
          }}
        />
      ) : (
        <Editor
          key={editorKey}
          initialHtml={initialHtml}
          onReady={onEditorReady}
          pickPicture={pickPicture}
          onPastePictureError={onPastePictureError}
          onChange={(h) => {
            setHtml(h);
            setDirty(true);
          }}
        />
      )}
      {quoteDoc && (
        <section className="compose-quote" aria-label={t("compose.quoted")}>
          <iframe className="compose-quote-frame" data-testid="compose-quote" title={t("compose.quoted")} sandbox={MESSAGE_SANDBOX} srcDoc={quoteDoc} />
        </section>
      )}
      <p className="compose-drop-hint muted">{t("compose.dropHint")}</p>
      {ask !== null && (
        <div className="dialog-backdrop">
          <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="compose-ask-title" data-testid={`compose-ask-${ask}`}>
            {ask === "unsaved" ? (
              <>
                <h2 id="compose-ask-title">{t("compose.unsaved.title")}</h2>
                <p>{t("compose.unsaved.text")}</p>
                <div className="dialog-buttons">
                  <button
                    type="button"
                    className="primary"
                    autoFocus
                    data-testid="compose-ask-save"
                    onClick={() => {
                      setAsk(null);
                      void save().then((ok) => {
                        if (ok) shell.close();
                      });
                    }}
                  >
                    {t("compose.unsaved.save")}
                  </button>
                  <button
                    type="button"
                    data-testid="compose-ask-discard"
                    onClick={() => {
                      setDirty(false);
                      shell.close();
                    }}
                  >
                    {t("compose.unsaved.discard")}
                  </button>
                  <button
                    type="button"
                    data-testid="compose-ask-cancel"
                    onClick={() => {
                      setAsk(null);
                    }}
                  >
                    {t("compose.cancel")}
                  </button>
                </div>
              </>
            ) : ask === "plain" ? (
              <>
                <h2 id="compose-ask-title">{t("compose.plain.title")}</h2>
                <p>{t("compose.plain.text")}</p>
                <div className="dialog-buttons">
                  <button
                    type="button"
                    className="primary"
                    data-testid="compose-ask-plain-switch"
                    onClick={() => {
                      setAsk(null);
                      toPlain();
                    }}
                  >
                    {t("compose.plain.switch")}
                  </button>
                  <button
                    type="button"
                    autoFocus
                    data-testid="compose-ask-cancel"
                    onClick={() => {
                      setAsk(null);
                    }}
                  >
                    {t("compose.cancel")}
                  </button>
                </div>
              </>
            ) : ask === "unknown" ? (
              <>
                <h2 id="compose-ask-title">{t("compose.unknown.title")}</h2>
                <p data-testid="compose-unknown-list">{t(unknown.length === 1 ? "compose.unknown.one" : "compose.unknown.other", { list: unknown.join(", ") })}</p>
                <div className="dialog-buttons">
                  <button
                    type="button"
                    data-testid="compose-ask-send"
                    onClick={() => {
                      for (const a of unknown) acceptedUnknown.current.add(a);
                      setAsk(null);
                      send([...confirmed, "unknown"]);
                    }}
                  >
                    {t("compose.noSubject.send")}
                  </button>
                  <button
                    type="button"
                    className="primary"
                    autoFocus
                    data-testid="compose-ask-cancel"
                    onClick={() => {
                      setAsk(null);
                    }}
                  >
                    {t("compose.unknown.back")}
                  </button>
                </div>
              </>
            ) : (
              <>
                <h2 id="compose-ask-title">{ask === "noSubject" ? t("compose.noSubject") : t("compose.attachmentMentioned")}</h2>
                <div className="dialog-buttons">
                  <button
                    type="button"
                    className="primary"
                    data-testid="compose-ask-send"
                    onClick={() => {
                      confirmAndSend(ask);
                    }}
                  >
                    {t("compose.noSubject.send")}
                  </button>
                  <button
                    type="button"
                    autoFocus
                    data-testid="compose-ask-cancel"
                    onClick={() => {
                      setAsk(null);
                    }}
                  >
                    {t("compose.cancel")}
                  </button>
                </div>
              </>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
