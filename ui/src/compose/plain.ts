// The compose window's plain-text mode and its signatures, without the editor: where the
// signature goes in the text a window starts with, the text a rich message becomes in plain
// text (and back), and whether switching to plain text loses formatting.

/** The class of the block that holds the signature in the editor's HTML (and the sent HTML). */
export const SIGNATURE_CLASS = "kontor-signature";

/** The signature's block: a `div` the editor knows as the signature (see `Editor.tsx`). */
export function signatureBlock(html: string): string {
  return `<div class="${SIGNATURE_CLASS}">${html}</div>`;
}

/** The text a window starts with: what was given (a draft's or a mailto: link's text), else an
 * empty line to write on, then, when there is one, an empty line and the signature. A reply's
 * quote is not part of the editor but below it, so the signature stands above the quote. */
export function withSignature(body: string, signatureHtml: string | null): string {
  const start = body.trim() ? body : "<p></p>";
  return signatureHtml === null ? start : `${start}<p></p>${signatureBlock(signatureHtml)}`;
}

const BLOCKS = new Set(["p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "pre", "hr", "section", "article", "header", "footer"]);
const SKIP = new Set(["script", "style", "head", "title", "template"]);

/** The plain text of a message's HTML, as mail programs write it: a line per paragraph (an
 * empty paragraph is an empty line, so the empty lines above a signature stay to write on), `- ` and `1. ` before list items, `> ` before quoted
 * lines, a link's address after its text when they differ, no markup. */
export function htmlToPlain(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const lines: string[] = [];
  let line: string | null = null;
  let quote = "";
  let indent = "";
  let marker: string | null = null;
  let pre = false;
  const push = (text: string) => {
    const out = `${quote}${marker ?? indent}${text}`.trimEnd();
    // "-- " introduces a signature in plain-text mail; its space is part of it.
    lines.push(text.trim() === "--" ? `${out} ` : out);
    marker = null;
  };
  const end = () => {
    if (line !== null) push(line.trimEnd());
    line = null;
  };
  const text = (t: string) => {
    if (pre) {
      const parts = t.replace(/\r\n?/g, "\n").split("\n");
      parts.forEach((part, i) => {
        if (i > 0) {
          push((line ?? "").trimEnd());
          line = null;
        }
        line = (line ?? "") + part.replace(/\u00a0/g, " ");
      });
      return;
    }
    const collapsed = t.replace(/[\s\u00a0]+/g, " ");
    if (line === null) {
      if (collapsed.trim() === "") return;
      line = collapsed.replace(/^ /, "");
    } else line += collapsed;
  };
  const walk = (n: Node) => {
    if (n.nodeType === Node.TEXT_NODE) {
      text(n.textContent ?? "");
      return;
    }
    if (!(n instanceof Element)) return;
    const tag = n.tagName.toLowerCase();
    if (SKIP.has(tag)) return;
    if (tag === "br") {
      push((line ?? "").trimEnd());
      line = null;
      return;
    }
    if (!BLOCKS.has(tag)) {
      n.childNodes.forEach(walk);
      if (tag === "a") {
        const href = n.getAttribute("href") ?? "";
        const shown = n.textContent.trim();
        if (href && !href.startsWith("mailto:") && href !== shown && line !== null) line += ` <${href}>`;
      }
      return;
    }
    end();
    const saved = { quote, indent, pre };
    const before = lines.length;
    if (tag === "blockquote") quote += "> ";
    if (tag === "pre" || /white-space\s*:\s*pre/i.test(n.getAttribute("style") ?? "")) pre = true;
    if (tag === "li") {
      const parent = n.parentElement;
      const ordered = parent?.tagName.toLowerCase() === "ol";
      const index = parent ? [...parent.children].filter((c) => c.tagName.toLowerCase() === "li").indexOf(n) + 1 : 1;
      marker = `${indent}${ordered ? `${String(index)}. ` : "- "}`;
      indent = `${indent}${ordered ? "   " : "  "}`;
    }
    n.childNodes.forEach(walk);
    end();
    if (tag === "p" && lines.length === before) push("");
    if (tag === "li" && marker !== null) push("");
    quote = saved.quote;
    indent = saved.indent;
    pre = saved.pre;
    if (tag === "li") marker = null;
  };
  doc.body.childNodes.forEach(walk);
  end();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.join("\n");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Plain text as the editor's HTML: a paragraph per line (nothing is lost this way round). */
export function plainToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => (l ? `<p>${escapeHtml(l)}</p>` : "<p></p>"))
    .join("");
}

/** Formatting that plain text cannot keep: bold, italic, underline, struck text, sizes,
 * lists, quotes, links, headings, tables, images. Paragraphs, line breaks and the signature's
 * block are not formatting. */
const FORMATTING = "strong, b, em, i, u, s, strike, del, a, ul, ol, blockquote, h1, h2, h3, h4, h5, h6, table, img, font, span[style], mark, code, pre";

/** True when switching the text `html` to plain text loses formatting (the window asks first). */
export function hasFormatting(html: string): boolean {
  const doc = new DOMParser().parseFromString(html, "text/html");
  return doc.body.querySelector(FORMATTING) !== null;
}

/** The signature of `list` whose text the signature block in `html` holds (a draft opened
 * again), or null: the window's signature list then shows the one in the text. */
export function signatureIn(html: string, list: readonly { id: string; html: string }[]): string | null {
  const words = (h: string) => (new DOMParser().parseFromString(h, "text/html").body.textContent).replace(/\s+/g, " ").trim();
  const doc = new DOMParser().parseFromString(html, "text/html");
  const block = doc.body.querySelector(`div.${SIGNATURE_CLASS}`);
  if (!block) return null;
  const text = block.textContent.replace(/\s+/g, " ").trim();
  return list.find((s) => words(s.html) === text)?.id ?? null;
}
