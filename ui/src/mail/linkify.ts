// Finds links in a plain-text message: http(s) URLs, www. addresses and mail addresses. The
// reader turns the pieces into React elements (text stays text; nothing becomes HTML).

export type Piece = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+|\bmailto:[^\s<>"'`]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/giu;
// Punctuation that ends a sentence rather than the link.
const TRAILING = ".,;:!?)]}'\"»";

function count(s: string, c: string): number {
  return s.split(c).length - 1;
}

/** The link without the punctuation after it; a ")" stays when the link opened one. */
function trim(found: string): string {
  let s = found;
  for (;;) {
    const last = s.charAt(s.length - 1);
    if (last === "" || !TRAILING.includes(last)) return s;
    if (last === ")" && count(s, "(") >= count(s, ")")) return s;
    s = s.slice(0, -1);
  }
}

export function linkify(text: string): Piece[] {
  const out: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(PATTERN)) {
    const start = m.index;
    const found = trim(m[0]);
    if (found === "") continue;
    const lower = found.toLowerCase();
    const href = lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("mailto:")
      ? found
      : lower.startsWith("www.")
        ? `https://${found}`
        : `mailto:${found}`;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push({ kind: "link", text: found, href });
    last = start + found.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}
