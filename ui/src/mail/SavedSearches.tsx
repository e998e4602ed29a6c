import { useEffect, useRef, useState } from "react";
import type { Folder } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import { folderLabel } from "../lib/tree";
import type { SavedSearch } from "./prefs";

interface DialogProps {
  /** the name offered (the search's text) */
  initialName: string;
  /** names already taken: saving under one of them replaces that search */
  taken: readonly string[];
  onSave: (name: string) => void;
  onClose: () => void;
}

/** "Save search": a name for the search shown, kept as a search folder. */
export function SaveSearchDialog({ initialName, taken, onSave, onClose }: DialogProps) {
  const { t } = useI18n();
  const [name, setName] = useState(initialName.trim().slice(0, 80));
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.select();
  }, []);
  const trimmed = name.trim();
  const replaces = taken.includes(trimmed);
  return (
    <div className="dialog-backdrop" role="presentation">
      <form
        className="dialog save-search"
        role="dialog"
        aria-modal="true"
        aria-labelledby="save-search-title"
        data-testid="save-search-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (trimmed !== "") onSave(trimmed);
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <h2 id="save-search-title">{t("savedSearch.title")}</h2>
        <label>
          {t("savedSearch.name")}
          <input
            ref={input}
            type="text"
            data-testid="save-search-name"
            value={name}
            maxLength={80}
            onChange={(e) => {
              setName(e.target.value);
            }}
            autoFocus
          />
        </label>
        <p className="muted">{replaces ? t("savedSearch.replaces") : t("savedSearch.hint")}</p>
        <div className="dialog-buttons">
          <button type="submit" className="primary" data-testid="save-search-ok" disabled={trimmed === ""}>
            {t("savedSearch.save")}
          </button>
          <button type="button" onClick={onClose}>
            {t("savedSearch.cancel")}
          </button>
        </div>
      </form>
    </div>
  );
}

interface ListProps {
  searches: readonly SavedSearch[];
  folders: readonly Folder[];
  /** the saved search whose hits are shown, by name */
  active: string | null;
  onOpen: (search: SavedSearch) => void;
  onRemove: (search: SavedSearch) => void;
}

/** The saved searches under the folder tree ("Search folders", as Outlook calls them): a click
 * shows the search's hits again; × forgets it. Nothing shows while there are none. */
export function SavedSearchList({ searches, folders, active, onOpen, onRemove }: ListProps) {
  const { t } = useI18n();
  if (searches.length === 0) return null;
  const where = (s: SavedSearch) => {
    if (s.folderId === null) return t("search.scope.all");
    const f = folders.find((x) => x.id === s.folderId);
    return f ? folderLabel(f, t) : t("savedSearch.folderGone");
  };
  return (
    <nav className="saved-searches" aria-label={t("savedSearch.section")} data-testid="saved-searches">
      <h3 className="saved-searches-heading">{t("savedSearch.section")}</h3>
      <ul>
        {searches.map((s) => (
          <li key={s.name} className={s.name === active ? "active" : undefined}>
            <button
              type="button"
              className="saved-search"
              data-testid="saved-search"
              aria-current={s.name === active ? "true" : undefined}
              title={[s.text.trim(), where(s)].filter((x) => x !== "").join(" — ")}
              onClick={() => {
                onOpen(s);
              }}
            >
              {s.name}
            </button>
            <button
              type="button"
              className="saved-search-remove"
              data-testid="saved-search-remove"
              aria-label={t("savedSearch.remove", { name: s.name })}
              title={t("savedSearch.remove", { name: s.name })}
              onClick={() => {
                onRemove(s);
              }}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
