// The search box above the message list, its scope, the term builder and the quick filter bar.
import { useEffect, useRef, useState, type KeyboardEvent, type Ref } from "react";
import type { QueryHint, QuickFilters } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";
import type { MessageKey } from "../lib/i18n";
import { pluralForm } from "./format";
import { actionFor } from "./shortcuts";
import { FILTER_NAMES, NO_FILTERS, buildQuery, hintText, type SearchState } from "./search";

interface Props {
  state: SearchState;
  onChange: (next: SearchState) => void;
  /** Esc: back to the folder as it was */
  onExit: () => void;
  /** ArrowDown / Enter in the box: to the list */
  onFocusList: () => void;
  /** hits of the search shown, null while none is shown or loading; `query` is the (trimmed)
   * text they were found for, which lags the box while a keystroke's hits are on their way */
  result: { query: string; total: number; capped: boolean; more: boolean; hints: QueryHint[] } | null;
  inputRef: Ref<HTMLInputElement>;
  /** "Save search…": keep the search shown as a search folder */
  onSave?: () => void;
}

const FILTER_LABEL: Record<keyof QuickFilters, MessageKey> = {
  unread: "search.filter.unread",
  flagged: "search.filter.flagged",
  attachment: "search.filter.attachment",
  knownSenders: "search.filter.knownSenders",
  thisWeek: "search.filter.thisWeek",
};

const EMPTY_FIELDS = { words: "", from: "", to: "", subject: "", after: "", before: "", attachment: false, unread: false };

export function SearchBar({ state, onChange, onExit, onFocusList, result, inputRef, onSave }: Props) {
  const { t, lang } = useI18n();
  const [builder, setBuilder] = useState(false);
  const [fields, setFields] = useState(EMPTY_FIELDS);
  const firstField = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (builder) firstField.current?.focus();
  }, [builder]);

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onExit();
    } else if (actionFor(e, "window") === "quickFilter") {
      e.preventDefault();
      onChange({ ...state, barOpen: !state.barOpen });
    } else if (e.key === "ArrowDown" || e.key === "Enter") {
      e.preventDefault();
      onFocusList();
    }
  };

  const setFilter = (name: keyof QuickFilters, on: boolean) => {
    onChange({ ...state, filters: { ...state.filters, [name]: on } });
  };

  const run = () => {
    onChange({ ...state, text: buildQuery(fields, lang) });
    setBuilder(false);
    setFields(EMPTY_FIELDS);
  };

  const active = state.text.trim() !== "" || FILTER_NAMES.some((n) => state.filters[n]);
  return (
    <div className="search-area" data-testid="search-area">
      <div className="search-row" role="search">
        <div className="search-box">
          <span className="search-icon" aria-hidden="true">
            ⌕
          </span>
          <input
            ref={inputRef}
            type="text"
            spellCheck={false}
            autoComplete="off"
            data-testid="search-input"
            aria-label={t("search.label")}
            placeholder={t("search.placeholder")}
            title={t("search.syntax")}
            value={state.text}
            onChange={(e) => {
              performance.mark("kontor:search-input", { detail: { text: e.target.value.trim() } });
              onChange({ ...state, text: e.target.value });
            }}
            onKeyDown={onKey}
          />
          {active && (
            <button type="button" className="search-clear" data-testid="search-clear" aria-label={t("search.clear")} title={t("search.clear")} onClick={onExit}>
              ×
            </button>
          )}
        </div>
        <label className="search-scope">
          <span className="sr-only">{t("search.scope")}</span>
          <select
            data-testid="search-scope"
            aria-label={t("search.scope")}
            value={state.allFolders ? "all" : "folder"}
            onChange={(e) => {
              onChange({ ...state, allFolders: e.target.value === "all" });
            }}
          >
            <option value="folder">{t("search.scope.folder")}</option>
            <option value="all">{t("search.scope.all")}</option>
          </select>
        </label>
        <button
          type="button"
          data-testid="search-filters-toggle"
          aria-pressed={state.barOpen}
          aria-keyshortcuts="Control+Shift+L"
          className={state.barOpen ? "toggle on" : "toggle"}
          onClick={() => {
            onChange({ ...state, barOpen: !state.barOpen });
          }}
        >
          {t("search.filters")}
        </button>
        <button
          type="button"
          data-testid="search-builder"
          onClick={() => {
            setBuilder((b) => !b);
          }}
          aria-expanded={builder}
        >
          {t("search.builder")}
        </button>
      </div>
      {state.barOpen && (
        <div className="quick-filters" role="toolbar" aria-label={t("search.filters.label")} data-testid="quick-filters">
          {FILTER_NAMES.map((name) => (
            <button
              key={name}
              type="button"
              className={state.filters[name] ? "chip on" : "chip"}
              aria-pressed={state.filters[name]}
              data-testid={`filter-${name}`}
              title={name === "knownSenders" ? t("search.filter.knownSenders.title") : undefined}
              onClick={() => {
                setFilter(name, !state.filters[name]);
              }}
            >
              {t(FILTER_LABEL[name])}
            </button>
          ))}
          <label className="filter-pin">
            <input
              type="checkbox"
              data-testid="filter-pin"
              checked={state.pinned}
              onChange={(e) => {
                onChange({ ...state, pinned: e.target.checked });
              }}
            />
            {t("search.filter.pin")}
          </label>
          {FILTER_NAMES.some((n) => state.filters[n]) && (
            <button
              type="button"
              className="link-button"
              data-testid="filter-clear"
              onClick={() => {
                onChange({ ...state, filters: NO_FILTERS });
              }}
            >
              {t("search.filter.clear")}
            </button>
          )}
        </div>
      )}
      {result && (
        <div className="search-status" role="status" data-testid="search-status" data-query={result.query}>
          <span data-testid="search-count">
            {result.more
              ? t("search.count.more", { count: (result.total - 1).toLocaleString(lang) })
              : pluralForm(result.total, lang) === "one"
                ? t("search.count.one")
                : t("search.count.other", { count: result.total.toLocaleString(lang) })}
          </span>
          {result.capped && <span className="muted">{t("search.capped", { count: result.total.toLocaleString(lang) })}</span>}
          {result.hints.map((h, i) => (
            <span key={i} className="search-hint" data-testid="search-hint">
              {hintText(h, t)}
            </span>
          ))}
          {onSave && (
            <button type="button" className="link search-save" data-testid="search-save" onClick={onSave}>
              {t("search.save")}
            </button>
          )}
        </div>
      )}
      {builder && (
        <form
          className="search-builder"
          data-testid="search-builder-form"
          aria-label={t("search.builder.title")}
          onSubmit={(e) => {
            e.preventDefault();
            run();
          }}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.stopPropagation();
              setBuilder(false);
            }
          }}
        >
          {(["words", "from", "to", "subject", "after", "before"] as const).map((f, i) => (
            <label key={f}>
              <span>{t(`search.builder.${f}`)}</span>
              <input
                ref={i === 0 ? firstField : undefined}
                type="text"
                data-testid={`builder-${f}`}
                value={fields[f]}
                placeholder={f === "after" || f === "before" ? t("search.builder.dateHint") : undefined}
                onChange={(e) => {
                  setFields({ ...fields, [f]: e.target.value });
                }}
              />
            </label>
          ))}
          <label className="check">
            <input
              type="checkbox"
              data-testid="builder-attachment"
              checked={fields.attachment}
              onChange={(e) => {
                setFields({ ...fields, attachment: e.target.checked });
              }}
            />
            {t("search.builder.attachment")}
          </label>
          <label className="check">
            <input
              type="checkbox"
              data-testid="builder-unread"
              checked={fields.unread}
              onChange={(e) => {
                setFields({ ...fields, unread: e.target.checked });
              }}
            />
            {t("search.builder.unread")}
          </label>
          <div className="buttons">
            <button type="submit" className="primary" data-testid="builder-run">
              {t("search.builder.run")}
            </button>
            <button
              type="button"
              onClick={() => {
                setBuilder(false);
              }}
            >
              {t("search.builder.cancel")}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
