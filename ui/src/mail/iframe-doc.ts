// The document of the sandboxed iframe that shows an HTML message.
//
// The iframe gets sandbox="allow-scripts" only (never allow-same-origin: the message runs in an
// opaque origin and cannot reach the app). Its own Content-Security-Policy allows no fetches but
// inline data: images and fonts, inline styles, https images only when remote content is
// allowed, and exactly one script: FORWARDER, by hash. The forwarder stops link navigation and
// posts {href, text} to the parent, which checks the link in the core and asks before opening it
// in the system browser; it also posts the link under the pointer or focus (status line).
import { matchRanges } from "./search";

/** Stops navigation on link clicks and tells the parent which link was clicked, and which link
 * the pointer or the keyboard focus is on (an empty href when none), for the status line that
 * shows a link's real target. */
export const FORWARDER = "(function(){function L(t){return t&&t.closest?t.closest(\"a[href]\"):null}function P(m){parent.postMessage(m,\"*\")}var h=null;function H(a){if(a===h)return;h=a;P({kontor:\"hover\",href:a?a.getAttribute(\"href\")||\"\":\"\",text:a?(a.textContent||\"\").trim():\"\"})}document.addEventListener(\"click\",function(e){var a=L(e.target);if(!a)return;e.preventDefault();P({kontor:\"link\",href:a.getAttribute(\"href\")||\"\",text:(a.textContent||\"\").trim()})},true);document.addEventListener(\"auxclick\",function(e){if(L(e.target))e.preventDefault()},true);document.addEventListener(\"mouseover\",function(e){H(L(e.target))},true);document.addEventListener(\"focusin\",function(e){H(L(e.target))},true);document.addEventListener(\"mouseleave\",function(){H(null)});document.addEventListener(\"focusout\",function(e){if(!L(e.relatedTarget))H(null)},true)})();";

/** sha256 of FORWARDER, base64 (checked by a unit test). */
export const FORWARDER_SHA256 = "WlpVwXSAaNBPGMzsizkYfqCq5yISn1L7mOlUNRdGkjg=";

/** The message a click in the frame posts to the parent. */
export interface LinkMessage {
  kontor: "link";
  href: string;
  text: string;
}

/** The message the frame posts when the pointer or focus moves onto or off a link. */
export interface HoverMessage {
  kontor: "hover";
  href: string;
  text: string;
}

export function isHoverMessage(data: unknown): data is HoverMessage {
  if (typeof data !== "object" || data === null) return false;
  const d = data as Record<string, unknown>;
  return d.kontor === "hover" && typeof d.href === "string" && typeof d.text === "string";
}

export function isLinkMessage(data: unknown): data is LinkMessage {
  if (typeof data !== "object" || data === null) return false;
  const d = data as Record<string, unknown>;
  return d.kontor === "link" && typeof d.href === "string" && typeof d.text === "string";
}

/** The policy of the message document. */
export function messageCsp(remoteAllowed: boolean): string {
  const img = remoteAllowed ? "img-src data: https:" : "img-src data:";
  return [
    "default-src 'none'",
    img,
    "style-src 'unsafe-inline'",
    "font-src data:",
    `script-src 'sha256-${FORWARDER_SHA256}'`,
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The HTML with the searched-for words wrapped in <mark>, found in its text with the index's
 * folding. Parsed by DOMParser: an inert document, which runs no script and loads nothing. */
export function markHtml(html: string, words: readonly string[]): string {
  if (words.length === 0 || typeof DOMParser === "undefined") return html;
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement?.tagName;
    if (parent !== "STYLE" && parent !== "SCRIPT" && parent !== "TITLE") nodes.push(n as Text);
  }
  let marked = false;
  for (const node of nodes) {
    const text = node.data;
    const ranges = matchRanges(text, words);
    if (ranges.length === 0) continue;
    marked = true;
    const frag = doc.createDocumentFragment();
    let at = 0;
    for (const [start, end] of ranges) {
      if (start > at) frag.append(text.slice(at, start));
      const mark = doc.createElement("mark");
      mark.textContent = text.slice(start, end);
      frag.append(mark);
      at = end;
    }
    if (at < text.length) frag.append(text.slice(at));
    node.replaceWith(frag);
  }
  return marked ? doc.body.innerHTML : html;
}

/** The srcdoc for an HTML body (already sanitised by the core). */
export function buildMessageDocument(html: string, remoteAllowed: boolean): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttr(messageCsp(remoteAllowed))}">`,
    "<style>html,body{margin:0;padding:8px;font-family:sans-serif;font-size:14px;color:#1d2330;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}mark{background:#ffe27a;color:inherit}</style>",
    `<script>${FORWARDER}</script>`,
    "</head><body>",
    html,
    "</body></html>",
  ].join("");
}

/** The only sandbox the message frame ever gets. */
export const MESSAGE_SANDBOX = "allow-scripts";

/** Links the app opens: http, https and mailto. */
export function openableLink(href: string): string | null {
  try {
    const url = new URL(href);
    return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" ? url.href : null;
  } catch {
    return null;
  }
}
