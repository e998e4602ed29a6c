import { useEffect, type KeyboardEvent } from "react";
import { useI18n } from "../lib/i18n-context";
import { closeOnEscape } from "../lib/dialog";
import { SHORTCUTS, chordLabel } from "./shortcuts";

/** Asks before a permanent delete (Shift+Del). */
export function ConfirmDeleteDialog({ text, onConfirm, onClose }: { text: string; onConfirm: () => void; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-text"
        data-testid="confirm-delete"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
      >
        <h2 id="confirm-title">{t("mail.confirmDelete.title")}</h2>
        <p id="confirm-text">{text}</p>
        <div className="dialog-buttons">
          <button type="button" className="danger" data-testid="confirm-delete-ok" onClick={onConfirm}>
            {t("mail.action.deleteForever")}
          </button>
          <button type="button" autoFocus data-testid="confirm-delete-cancel" onClick={onClose}>
            {t("mail.cancel")}
          </button>
        </div>
      </div>
    </div>
  );
}

/** "?": every shortcut of the one table, in the UI's language. */
export function ShortcutOverlay({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div
        className="dialog shortcut-overlay"
        role="dialog"
        aria-modal="true"
        aria-labelledby="keys-title"
        data-testid="shortcut-overlay"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={closeOnEscape(onClose)}
      >
        <h2 id="keys-title">{t("keys.title")}</h2>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.action} data-testid="shortcut" data-action={s.action}>
                <td>
                  {s.chords.map((c) => (
                    <kbd key={c}>{chordLabel(c, t)}</kbd>
                  ))}
                </td>
                <td>{t(s.label)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="dialog-buttons">
          <button type="button" autoFocus data-testid="shortcut-close" onClick={onClose}>
            {t("mail.close")}
          </button>
        </div>
      </div>
    </div>
  );
}

export interface ContextItem {
  id: string;
  label: string;
  onSelect: () => void;
}

/** The list's right-click menu at the mouse. */
export function ContextMenu({ x, y, items, onClose }: { x: number; y: number; items: ContextItem[]; onClose: () => void }) {
  useEffect(() => {
    const close = () => {
      onClose();
    };
    window.addEventListener("blur", close);
    window.addEventListener("resize", close);
    return () => {
      window.removeEventListener("blur", close);
      window.removeEventListener("resize", close);
    };
  }, [onClose]);
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const buttons = Array.from(e.currentTarget.querySelectorAll("button"));
    const at = buttons.findIndex((b) => b === document.activeElement);
    if (e.key === "ArrowDown") buttons[(at + 1) % buttons.length]?.focus();
    else if (e.key === "ArrowUp") buttons[(at - 1 + buttons.length) % buttons.length]?.focus();
    else if (e.key === "Escape" || e.key === "Tab") onClose();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
  return (
    <div className="context-backdrop" onMouseDown={onClose} onContextMenu={(e) => { e.preventDefault(); onClose(); }}>
      <div
        className="menu-list context-menu"
        role="menu"
        data-testid="context-menu"
        style={{ left: Math.min(x, window.innerWidth - 260), top: Math.min(y, window.innerHeight - 40 * items.length) }}
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={onKeyDown}
      >
        {items.map((item, i) => (
          <button
            key={item.id}
            type="button"
            role="menuitem"
            autoFocus={i === 0}
            data-testid={`context-${item.id}`}
            onClick={() => {
              onClose();
              item.onSelect();
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
    </div>
  );
}
