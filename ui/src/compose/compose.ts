// What the compose window works out without the shell: its parameters from the page address,
// the fields of a mailto: link, whether the text speaks of an attachment, and the HTML sent.
import type { ComposeMode } from "../lib/bindings";

export interface ComposeParams {
  mode: ComposeMode;
  /** The original of a reply or forward, or the draft to go on with. */
  id: number | null;
  mailto: string | null;
}

const MODES: readonly ComposeMode[] = ["new", "reply", "replyAll", "forward", "draft"];

/** `#compose?mode=reply&id=12` (the shell opens compose windows at this address). */
export function composeParams(hash: string): ComposeParams | null {
  if (!hash.startsWith("#compose")) return null;
  const query = new URLSearchParams(hash.slice("#compose".length).replace(/^\?/, ""));
  const mode = (MODES as readonly string[]).includes(query.get("mode") ?? "") ? (query.get("mode") as ComposeMode) : "new";
  const raw = query.get("id");
  const id = raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
  return { mode, id, mailto: query.get("mailto") };
}

export interface MailtoFields {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: string;
}

/** The fields of a `mailto:` link (RFC 6068): addresses before `?`, then to/cc/bcc/subject/body. */
export function mailtoFields(link: string): MailtoFields {
  const out: MailtoFields = { to: [], cc: [], bcc: [], subject: "", body: "" };
  const rest = link.replace(/^mailto:/i, "");
  const q = rest.indexOf("?");
  const path = q < 0 ? rest : rest.slice(0, q);
  const split = (v: string) =>
    v
      .split(/[,;]/)
      .map((a) => a.trim())
      .filter((a) => a.length > 0);
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v.replace(/\+/g, "%20"));
    } catch {
      return v;
    }
  };
  out.to.push(...split(decode(path)));
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split("&")) {
      const eq = pair.indexOf("=");
      if (eq < 0) continue;
      const name = pair.slice(0, eq).toLowerCase();
      // A + in a query value is a plus sign in mailto: (RFC 6068 §2); only %20 is a space.
      const value = (() => {
        try {
          return decodeURIComponent(pair.slice(eq + 1));
        } catch {
          return pair.slice(eq + 1);
        }
      })();
      if (name === "to" || name === "cc" || name === "bcc") out[name].push(...split(value));
      else if (name === "subject") out.subject = value;
      else if (name === "body") out.body = value;
    }
  }
  return out;
}

/** The words that speak of an attachment (German and English), as Outlook's and
 * Thunderbird's reminders look for them. */
const ATTACHMENT_WORDS = /(?<![\p{L}\p{N}])(anhang|anh[äa]nge|angeh[äa]ngt|anlagen?|anbei|beigef[üu]gt|attached|attachments?|enclosed)(?![\p{L}\p{N}])/iu;

/** True when the text the user wrote (not the quote) mentions an attachment. */
export function mentionsAttachment(text: string): boolean {
  return ATTACHMENT_WORDS.test(text);
}

/** The message's HTML: what the user wrote, then the quoted original (kept as it came). */
export function messageHtml(written: string, quoteHtml: string): string {
  const body = `<div class="kontor-body">${written}</div>`;
  return quoteHtml ? `${body}<br>${quoteHtml}` : body;
}

/** The plain text of an HTML fragment, for the attachment check and empty-body tests. */
export function textOf(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  return doc.body.textContent;
}

/** A byte count as mail programs show it: "512 B", "14 KB", "2.3 MB". */
export function sizeLabel(bytes: number, lang: string): string {
  const nf = (v: number, digits: number) => new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(v);
  if (bytes < 1024) return `${nf(bytes, 0)} B`;
  if (bytes < 1024 * 1024) return `${nf(bytes / 1024, 0)} KB`;
  return `${nf(bytes / (1024 * 1024), 1)} MB`;
}
