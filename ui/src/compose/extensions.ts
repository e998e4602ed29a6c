// The editor's own pieces beyond TipTap's starter kit: the signature's block, font sizes and
// pictures.
import { Mark, Node, mergeAttributes } from "@tiptap/core";
import Image from "@tiptap/extension-image";
import type { Editor as TiptapEditor } from "@tiptap/react";
import { SIGNATURE_CLASS, signatureBlock } from "./plain";

/** The signature in the text: a block of its own (`div.kontor-signature`) that can be found
 * and replaced when another signature is chosen; its content is edited like any text. */
export const SignatureBlock = Node.create({
  name: "signature",
  group: "block",
  content: "block+",
  defining: true,
  parseHTML() {
    return [{ tag: `div.${SIGNATURE_CLASS}` }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { class: SIGNATURE_CLASS }), 0];
  },
});

/** A picture in the text (a signature's logo): only one carried in the text itself as a PNG,
 * JPEG or GIF `data:` URI is read from HTML, so pasted text brings no remote picture (nothing is
 * fetched while writing). The core sends each as an inline part the HTML names by `cid:`
 * (crates/core/src/compose.rs `inline_pictures`). Its size can be changed with the mouse, the
 * aspect ratio kept. */
export const Picture = Image.extend({
  parseHTML() {
    return ["png", "jpeg", "gif"].map((kind) => ({ tag: `img[src^="data:image/${kind};base64,"]` }));
  },
}).configure({
  inline: true,
  allowBase64: true,
  resize: { enabled: true, alwaysPreserveAspectRatio: true, minWidth: 16, minHeight: 16 },
});

/** The font sizes offered (points, as Outlook counts them). */
export const FONT_SIZES = ["8pt", "10pt", "12pt", "14pt", "18pt", "24pt"] as const;

/** A font size on a run of text (`<span style="font-size: 14pt">`). Only the offered sizes are
 * read from HTML, so pasted Word text does not bring its own. */
export const FontSize = Mark.create({
  name: "fontSize",
  addAttributes() {
    return {
      size: {
        default: null,
        parseHTML: (el: HTMLElement) => el.style.fontSize || null,
        renderHTML: (attrs: { size?: string | null }) => (attrs.size ? { style: `font-size: ${attrs.size}` } : {}),
      },
    };
  },
  parseHTML() {
    return [
      {
        tag: "span",
        getAttrs: (el: HTMLElement) => ((FONT_SIZES as readonly string[]).includes(el.style.fontSize) ? null : false),
      },
    ];
  },
  renderHTML({ HTMLAttributes }) {
    return ["span", mergeAttributes(HTMLAttributes), 0];
  },
});

/** Replaces the signature in the editor's text with `html` (none: removes it); without one in
 * the text, the new one goes at the end (above a reply's quote, which is not in the editor). */
export function replaceSignature(editor: TiptapEditor, html: string | null) {
  let range: { from: number; to: number } | null = null;
  editor.state.doc.descendants((node, pos) => {
    if (range) return false;
    if (node.type.name === "signature") {
      range = { from: pos, to: pos + node.nodeSize };
      return false;
    }
    return true;
  });
  const found = range as { from: number; to: number } | null;
  if (found && html === null) editor.chain().deleteRange(found).run();
  else if (found && html !== null) editor.chain().insertContentAt(found, signatureBlock(html)).run();
  else if (html !== null) editor.chain().insertContentAt(editor.state.doc.content.size, `<p></p>${signatureBlock(html)}`).run();
}
