import { EditorContent, useEditor, useEditorState, type Editor as TiptapEditor } from "@tiptap/react";
import { Extension } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import { useEffect, useRef } from "react";
import { useI18n } from "../lib/i18n-context";
import { FONT_SIZES, FontSize, Picture, SignatureBlock } from "./extensions";

interface Props {
  /** The text to start with (a draft's HTML). */
  initialHtml: string;
  onChange: (html: string) => void;
  onReady?: (editor: TiptapEditor) => void;
  /** The editable area's test id and accessible name (the compose window's by default). */
  testId?: string;
  label?: string;
  /** Offers "Picture…" in the toolbar: asks for a picture and gives it as a `data:` URI (null:
   * none chosen, or the owner showed why not). */
  pickPicture?: () => Promise<string | null>;
  /** Takes pictures pasted from the clipboard (a screenshot) into the text; `message` says why
   * one was not (too large, unreadable). Without it a pasted picture is dropped. */
  onPastePictureError?: (message: string) => void;
}

/** The largest picture pasted into the text, in bytes (as the core's `MAX_PICTURE`). */
export const MAX_PASTED_PICTURE = 5 * 1024 * 1024;

/** The picture files of a paste: PNG, JPEG, GIF (the kinds a mail carries inline). */
function pastedPictures(data: DataTransfer | null): File[] {
  return [...(data?.files ?? [])].filter((f) => /^image\/(png|jpeg|gif)$/.test(f.type));
}

/** A file read as a `data:` URI. */
function dataUri(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      if (typeof reader.result === "string") resolve(reader.result);
      else reject(new Error("unreadable"));
    };
    reader.onerror = () => {
      reject(reader.error ?? new Error("unreadable"));
    };
    reader.readAsDataURL(file);
  });
}

/** The compose window's own keys (Send: Ctrl+Enter, Alt+S; Save: Ctrl+S) are the window's:
 * the editor does nothing with them (TipTap would insert a line break for Ctrl+Enter) and
 * leaves them to the window's key handler. */
const ComposeKeys = Extension.create({
  name: "composeKeys",
  priority: 1000,
  addKeyboardShortcuts() {
    return {
      "Mod-Enter": () => true,
      "Alt-s": () => true,
      "Mod-s": () => true,
    };
  },
});

/** The message text: TipTap's rich-text editor with what office letters need (bold, italic,
 * underline, lists, quote, links, pictures carried in the text). Pasted Word/LibreOffice HTML
 * is reduced to that schema: their styles, classes and comments do not survive. */
export function Editor({ initialHtml, onChange, onReady, testId = "compose-body", label, pickPicture, onPastePictureError }: Props) {
  const { t } = useI18n();
  // The editor, for the paste handler (which runs inside it).
  const editorRef = useRef<TiptapEditor | null>(null);
  const pasteError = useRef({ onError: onPastePictureError, t });
  useEffect(() => {
    pasteError.current = { onError: onPastePictureError, t };
  }, [onPastePictureError, t]);
  // Pictures pasted from the clipboard go in at the caret; a too large one is refused.
  const insertPictures = (files: File[], onError: (m: string) => void, tr: typeof t) => {
    for (const file of files) {
      if (file.size > MAX_PASTED_PICTURE) {
        onError(tr("compose.pictureTooLarge", { kb: Math.ceil(file.size / 1024), max: MAX_PASTED_PICTURE / 1024 }));
        continue;
      }
      dataUri(file).then(
        (src) => {
          editorRef.current?.chain().focus().setImage({ src }).run();
        },
        () => {
          onError(tr("compose.pictureUnreadable"));
        },
      );
    }
  };
  const editor = useEditor({
    extensions: [
      ComposeKeys,
      SignatureBlock,
      FontSize,
      Picture,
      StarterKit.configure({
        heading: false,
        code: false,
        codeBlock: false,
        link: { openOnClick: false, autolink: true, defaultProtocol: "https" },
      }),
    ],
    content: initialHtml,
    editorProps: {
      attributes: {
        class: "compose-editor",
        "data-testid": testId,
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": label ?? t("compose.body"),
        spellcheck: "true",
      },
      // A pasted screenshot goes into the text at the caret (sent as an inline part).
      handlePaste: (_view, event) => {
        const { onError, t: tr } = pasteError.current;
        if (!onError) return false;
        const files = pastedPictures(event.clipboardData);
        if (files.length === 0 && event.clipboardData?.types.length === 0 && "clipboard" in navigator && typeof navigator.clipboard.read === "function") {
          // WebKitGTK hands a picture on the clipboard to no paste event (no types, no files):
          // the asynchronous clipboard has it.
          navigator.clipboard.read().then(
            async (items) => {
              for (const item of items) {
                const kind = item.types.find((k) => /^image\/(png|jpeg|gif)$/.test(k));
                if (!kind) continue;
                const blob = await item.getType(kind);
                const file = new File([blob], "picture", { type: kind });
                files.push(file);
              }
              insertPictures(files, onError, tr);
            },
            () => {
              onError(tr("compose.pictureUnreadable"));
            },
          );
          return true;
        }
        if (files.length === 0) return false;
        insertPictures(files, onError, tr);
        return true;
      },
    },
    onUpdate: ({ editor: e }) => {
      onChange(e.getHTML());
    },
  });
  useEffect(() => {
    editorRef.current = editor;
    onReady?.(editor);
  }, [editor, onReady]);
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive("bold"),
      italic: e.isActive("italic"),
      underline: e.isActive("underline"),
      bullet: e.isActive("bulletList"),
      ordered: e.isActive("orderedList"),
      quote: e.isActive("blockquote"),
      link: e.isActive("link"),
      size: (e.getAttributes("fontSize") as { size?: string | null }).size ?? "",
    }),
  });
  const button = (id: string, label: string, text: string, on: boolean, run: () => void) => (
    <button
      type="button"
      className={on ? "format-button on" : "format-button"}
      data-testid={`format-${id}`}
      aria-label={label}
      aria-pressed={on}
      title={label}
      onMouseDown={(e) => {
        // Keeps the editor's selection.
        e.preventDefault();
      }}
      onClick={run}
    >
      {text}
    </button>
  );
  const chain = () => editor.chain().focus();
  return (
    <div className="compose-editor-box">
      <div className="format-bar" role="toolbar" aria-label={t("compose.format")}>
        {button("bold", t("compose.bold"), t("compose.boldLetter"), state.bold, () => chain().toggleBold().run())}
        {button("italic", t("compose.italic"), t("compose.italicLetter"), state.italic, () => chain().toggleItalic().run())}
        {button("underline", t("compose.underline"), t("compose.underlineLetter"), state.underline, () => chain().toggleUnderline().run())}
        {button("bullets", t("compose.bulletList"), "•", state.bullet, () => chain().toggleBulletList().run())}
        {button("numbers", t("compose.orderedList"), "1.", state.ordered, () => chain().toggleOrderedList().run())}
        {button("quote", t("compose.quote"), "❝", state.quote, () => chain().toggleBlockquote().run())}
        {button("link", t("compose.link"), t("compose.link"), state.link, () => {
          if (editor.isActive("link")) {
            chain().unsetLink().run();
            return;
          }
          const href = window.prompt(t("compose.linkPrompt"), "https://");
          if (href && /^(https?:|mailto:)/i.test(href.trim())) chain().setLink({ href: href.trim() }).run();
        })}
        {pickPicture &&
          button("picture", t("compose.picture"), t("compose.picture"), false, () => {
            void pickPicture().then((src) => {
              if (src) chain().setImage({ src }).run();
            });
          })}
        <select
          className="format-size"
          data-testid="format-size"
          aria-label={t("compose.fontSize")}
          title={t("compose.fontSize")}
          value={state.size}
          onChange={(e) => {
            const size = e.target.value;
            if (size) chain().setMark("fontSize", { size }).run();
            else chain().unsetMark("fontSize").run();
          }}
        >
          <option value="">{t("compose.fontSize.default")}</option>
          {FONT_SIZES.map((s) => (
            <option key={s} value={s}>
              {s.replace("pt", "")}
            </option>
          ))}
        </select>
      </div>
      <EditorContent editor={editor} className="compose-editor-frame" />
    </div>
  );
}
