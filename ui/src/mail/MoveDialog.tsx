import { useMemo, useState, type KeyboardEvent } from "react";
import type { Folder } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { folderLabel } from "../lib/tree";
import { isMailFolder } from "./folders";

interface Props {
  folders: readonly Folder[];
  currentId: string;
  onMove: (folder: Folder) => void;
  onClose: () => void;
}

/** "Move to…" (Ctrl+Shift+V): the mail folders, narrowed by a filter box; arrows and Enter. */
export function MoveDialog({ folders, currentId, onMove, onClose }: Props) {
  const { t } = useI18n();
  const [filter, setFilter] = useState("");
  const [active, setActive] = useState(0);
  const choices = useMemo(() => {
    const needle = filter.trim().toLocaleLowerCase();
    return folders
      .filter((f) => isMailFolder(f) && f.id !== currentId)
      .map((f) => ({ folder: f, label: folderLabel(f, t) }))
      .filter((c) => needle === "" || c.label.toLocaleLowerCase().includes(needle) || c.folder.name.toLocaleLowerCase().includes(needle))
      .sort((a, b) => a.label.localeCompare(b.label));
  }, [folders, currentId, filter, t]);
  const current = choices[Math.min(active, choices.length - 1)];

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, choices.length - 1));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
    else if (e.key === "Enter" && current) onMove(current.folder);
    else if (e.key === "Escape") onClose();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div
        className="dialog move-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="move-title"
        data-testid="move-dialog"
        onMouseDown={(e) => {
          e.stopPropagation();
        }}
        onKeyDown={onKeyDown}
      >
        <h2 id="move-title">{t("mail.move.title")}</h2>
        <input
          type="search"
          autoFocus
          aria-label={t("mail.move.filter")}
          placeholder={t("mail.move.filter")}
          data-testid="move-filter"
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value);
            setActive(0);
          }}
        />
        {choices.length === 0 ? (
          <p className="muted">{t("mail.move.none")}</p>
        ) : (
          <ul className="move-list" role="listbox" aria-label={t("mail.move.title")}>
            {choices.map((c) => (
              <li
                key={c.folder.id}
                role="option"
                aria-selected={c === current}
                className={c === current ? "active" : undefined}
                data-testid="move-folder"
                data-folder-id={c.folder.id}
                onClick={() => {
                  onMove(c.folder);
                }}
              >
                {c.label}
              </li>
            ))}
          </ul>
        )}
        <div className="dialog-buttons">
          <button
            type="button"
            data-testid="move-submit"
            disabled={!current}
            onClick={() => {
              if (current) onMove(current.folder);
            }}
          >
            {t("mail.move.submit")}
          </button>
          <button type="button" data-testid="move-cancel" onClick={onClose}>
            {t("mail.cancel")}
          </button>
        </div>
      </div>
    </div>
  );
}
