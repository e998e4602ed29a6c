import { useCallback, useEffect, useId, useState } from "react";
import type { IpcError, QuoteStyle, Signature, Signatures } from "../lib/bindings";
import { toIpcError, type Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { ErrorView } from "../components/ErrorView";
import { Editor } from "./Editor";

/** The settings commands: signatures and the quote style are user settings of the core; a
 * picture chosen for a signature is read by the core (type and size checked). */
export type SignatureSettingsApi = Pick<Api, "effectiveSettings" | "setSetting" | "readPicture">;

/** The largest picture in a signature, in bytes (a logo; the note below the editor says so). */
const SIGNATURE_PICTURE_MAX = 512 * 1024;

/** Asks for a file (title, filter name, extensions); null when none was chosen. */
export type PickFile = (title: string, filterName: string, extensions: string[]) => Promise<string | null>;

/** A fresh id for a new signature, unique in `list`. */
function newId(list: readonly Signature[]): string {
  let n = list.length + 1;
  while (list.some((s) => s.id === `s${String(n)}`)) n += 1;
  return `s${String(n)}`;
}

/** Settings → Mail: the user's signatures (a list; each a name and a text written in the same
 * editor as a message, a picture such as a logo included), the one new messages start with and the one replies and forwards start
 * with (each may be none), saved together; and how a reply or forward quotes the original
 * (Outlook's header block or Thunderbird's line), saved when chosen. */
export function SignatureSettings({ api, pickFile }: { api: SignatureSettingsApi; pickFile: PickFile }) {
  const { t } = useI18n();
  const id = useId();
  const [sigs, setSigs] = useState<Signatures | null>(null);
  const [quoteStyle, setQuoteStyle] = useState<QuoteStyle | null>(null);
  const [maxMb, setMaxMb] = useState("");
  // Whether the settings were read: an emptied size field stays editable.
  const [loaded, setLoaded] = useState(false);
  const [locked, setLocked] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ heading: string; error: IpcError } | null>(null);

  useEffect(() => {
    let live = true;
    api.effectiveSettings().then(
      (s) => {
        if (!live) return;
        setSigs(s.signatures.value);
        setSelected(s.signatures.value.list[0]?.id ?? null);
        setQuoteStyle(s.quoteStyle.value);
        setMaxMb(String(s.maxMessageMb.value));
        setLoaded(true);
        setLocked(s.signatures.locked);
      },
      (e: unknown) => {
        if (live) setError({ heading: t("signatures.failed"), error: toIpcError(e) });
      },
    );
    return () => {
      live = false;
    };
  }, [api, t]);

  const edit = (next: Signatures) => {
    setSigs(next);
    setSaved(false);
  };
  const current = sigs?.list.find((s) => s.id === selected) ?? null;
  const update = (patch: Partial<Signature>) => {
    if (!sigs || !current) return;
    edit({ ...sigs, list: sigs.list.map((s) => (s.id === current.id ? { ...s, ...patch } : s)) });
  };

  const save = () => {
    if (!sigs) return;
    setBusy(true);
    setError(null);
    api.setSetting({ key: "signatures", value: sigs }).then(
      (s) => {
        // What the core stored (sanitised) is what the list shows from now on.
        setSigs(s.signatures.value);
        setBusy(false);
        setSaved(true);
      },
      (e: unknown) => {
        setBusy(false);
        setError({ heading: t("signatures.failed"), error: toIpcError(e) });
      },
    );
  };

  // A picture for the signature: chosen in the file dialog, read and checked by the core.
  const pickPicture = useCallback(async (): Promise<string | null> => {
    const path = await pickFile(t("signatures.pictureTitle"), t("signatures.pictureFilter"), ["png", "jpg", "jpeg", "gif"]);
    if (path === null) return null;
    setError(null);
    try {
      const uri = await api.readPicture(path);
      // A signature goes with every message: its picture stays small (a logo).
      const bytes = Math.floor(((uri.length - uri.indexOf(",") - 1) * 3) / 4);
      if (bytes > SIGNATURE_PICTURE_MAX) {
        setError({
          heading: t("signatures.pictureFailed"),
          error: { code: "invalid_input", message: t("signatures.pictureTooLarge", { kb: Math.ceil(bytes / 1024) }), detail: path },
        });
        return null;
      }
      return uri;
    } catch (e: unknown) {
      setError({ heading: t("signatures.pictureFailed"), error: toIpcError(e) });
      return null;
    }
  }, [api, pickFile, t]);

  const chooseQuoteStyle = (style: QuoteStyle) => {
    const before = quoteStyle;
    setQuoteStyle(style);
    setError(null);
    api.setSetting({ key: "quoteStyle", value: style }).then(
      () => undefined,
      (e: unknown) => {
        setQuoteStyle(before);
        setError({ heading: t("quoteStyle.failed"), error: toIpcError(e) });
      },
    );
  };

  const changeMaxMb = (text: string) => {
    setMaxMb(text);
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return;
    setError(null);
    api.setSetting({ key: "maxMessageMb", value: n }).then(
      () => undefined,
      (e: unknown) => {
        setError({ heading: t("sendLimit.failed"), error: toIpcError(e) });
      },
    );
  };

  const defaultSelect = (which: "newMail" | "reply", label: string, testId: string) => (
    <label className="signature-default">
      {label}
      <select
        data-testid={testId}
        value={sigs?.[which] ?? ""}
        onChange={(e) => {
          if (sigs) edit({ ...sigs, [which]: e.target.value || null });
        }}
      >
        <option value="">{t("compose.signature.none")}</option>
        {sigs?.list.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name || t("signatures.defaultName", { n: sigs.list.indexOf(s) + 1 })}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      <h3 id={`${id}-sig`} data-testid="signature-heading">
        {t("signatures.heading")}
      </h3>
      <fieldset className="signature-settings" data-testid="signature-settings" aria-labelledby={`${id}-sig`} disabled={locked || sigs === null || busy}>
        {sigs !== null && sigs.list.length === 0 && <p className="muted">{t("signatures.empty")}</p>}
        <div className="signature-layout">
          <div className="signature-list-box">
            {sigs !== null && sigs.list.length > 0 && (
              <ul className="signature-list" role="listbox" aria-label={t("signatures.list")} data-testid="signature-list">
                {sigs.list.map((s, i) => (
                  <li
                    key={s.id}
                    role="option"
                    tabIndex={0}
                    aria-selected={s.id === selected}
                    className={s.id === selected ? "selected" : undefined}
                    data-testid="signature-item"
                    onClick={() => {
                      setSelected(s.id);
                    }}
                    onKeyDown={(e) => {
                      if (e.key === "Enter" || e.key === " ") setSelected(s.id);
                    }}
                  >
                    {s.name || t("signatures.defaultName", { n: i + 1 })}
                  </li>
                ))}
              </ul>
            )}
            <div className="signature-list-buttons">
              <button
                type="button"
                data-testid="signature-new"
                onClick={() => {
                  if (!sigs) return;
                  const sid = newId(sigs.list);
                  const name = t("signatures.defaultName", { n: sigs.list.length + 1 });
                  edit({ ...sigs, list: [...sigs.list, { id: sid, name, html: "" }] });
                  setSelected(sid);
                }}
              >
                {t("signatures.new")}
              </button>
              {current && (
                <button
                  type="button"
                  data-testid="signature-delete"
                  onClick={() => {
                    if (!sigs) return;
                    const list = sigs.list.filter((s) => s.id !== current.id);
                    edit({
                      list,
                      newMail: sigs.newMail === current.id ? null : (sigs.newMail ?? null),
                      reply: sigs.reply === current.id ? null : (sigs.reply ?? null),
                    });
                    setSelected(list[0]?.id ?? null);
                  }}
                >
                  {t("signatures.delete")}
                </button>
              )}
            </div>
          </div>
          {current && (
            <div className="signature-edit">
              <label htmlFor={`${id}-name`}>{t("signatures.name")}</label>
              <input
                id={`${id}-name`}
                data-testid="signature-name"
                value={current.name}
                onChange={(e) => {
                  update({ name: e.target.value });
                }}
              />
              <span className="signature-text-label">{t("signatures.text")}</span>
              <Editor
                key={current.id}
                initialHtml={current.html}
                testId="signature-body"
                label={t("signatures.text")}
                pickPicture={pickPicture}
                onChange={(html) => {
                  update({ html });
                }}
              />
              <p className="muted signature-picture-note">{t("signatures.pictureNote")}</p>
            </div>
          )}
        </div>
        <div className="signature-defaults">
          {defaultSelect("newMail", t("signatures.forNew"), "signature-default-new")}
          {defaultSelect("reply", t("signatures.forReplies"), "signature-default-reply")}
        </div>
        <div className="settings-buttons">
          <button type="button" className="primary" data-testid="signature-save" onClick={save}>
            {t("signatures.save")}
          </button>
          {saved && (
            <span className="muted" role="status" data-testid="signature-saved">
              {t("signatures.saved")}
            </span>
          )}
        </div>
        {locked && <p className="note">{t("settings.locked")}</p>}
      </fieldset>
      <h3 id={`${id}-quote-h`}>{t("quoteStyle.heading")}</h3>
      <fieldset className="quote-style" data-testid="quote-style" aria-labelledby={`${id}-quote-h`} disabled={locked || quoteStyle === null}>
        {(["outlook", "thunderbird"] as const).map((style) => (
          <label key={style} className="check">
            <input
              type="radio"
              name={`${id}-quote`}
              data-testid={`quote-style-${style}`}
              checked={quoteStyle === style}
              onChange={() => {
                chooseQuoteStyle(style);
              }}
            />
            {t(style === "outlook" ? "quoteStyle.outlook" : "quoteStyle.thunderbird")}
          </label>
        ))}
      </fieldset>
      <h3 id={`${id}-size-h`}>{t("sendLimit.heading")}</h3>
      <fieldset className="send-limit" aria-labelledby={`${id}-size-h`} disabled={locked || !loaded}>
        <label htmlFor={`${id}-size`}>{t("sendLimit.label")}</label>
        <input
          id={`${id}-size`}
          type="number"
          min={1}
          max={1000}
          data-testid="max-message-mb"
          value={maxMb}
          aria-invalid={!(Number(maxMb) >= 1 && Number(maxMb) <= 1000)}
          onChange={(e) => {
            changeMaxMb(e.target.value);
          }}
        />
        <p className="muted">{t("sendLimit.note")}</p>
      </fieldset>
      {error && <ErrorView error={error.error} heading={error.heading} />}
    </>
  );
}
