import { useEffect, useId, useRef, useState, type ClipboardEvent, type KeyboardEvent } from "react";
import type { AddressSuggestion, ParsedRecipient } from "../lib/bindings";
import type { Api } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { chipLabel, mergeSuggestions } from "./recipients";

export type RecipientApi = Pick<Api, "addressSuggestions" | "directorySuggestions" | "parseRecipients">;

/** Directory answers of this window, by query: asked once each. */
const directoryCache = new Map<string, AddressSuggestion[]>();

interface Props {
  api: RecipientApi;
  label: string;
  testId: string;
  value: readonly ParsedRecipient[];
  onChange: (next: ParsedRecipient[]) => void;
  autoFocus?: boolean;
}

/** To, Cc or Bcc: chips with autocomplete from the addresses of the cached mail (most used
 * first), then from the company directory (from three characters on; offline it says the
 * directory is unavailable). Typing `,` or `;`, Enter, Tab or leaving the field makes chips of the text; a pasted
 * list ("Name <a@b>; c@d, e@f") becomes one chip each; Backspace in the empty box removes the
 * last chip; an address that cannot be one is marked. */
export function RecipientField({ api, label, testId, value, onChange, autoFocus = false }: Props) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  // Answers are kept with the query they answer: a list for another text is not shown.
  const [local, setLocal] = useState<{ q: string; list: AddressSuggestion[] }>({ q: "", list: [] });
  const [directory, setDirectory] = useState<{ q: string; list: AddressSuggestion[]; down: boolean }>({ q: "", list: [], down: false });
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const listId = useId();
  const query = text.trim();
  const asking = query.length > 0 && !/[,;]/.test(query) && !closed;
  const cached = directoryCache.get(query.toLowerCase());
  const dir = cached ? { q: query, list: cached, down: false } : directory;
  const taken = new Set(value.map((r) => r.address.toLowerCase()));
  const suggestions = asking ? mergeSuggestions(local.q === query ? local.list : [], dir.q === query ? dir.list : [], taken) : [];
  const directoryDown = asking && dir.q === query && dir.down;
  const clearSuggestions = () => {
    setClosed(true);
  };

  useEffect(() => {
    if (!asking) return;
    let live = true;
    const timers: ReturnType<typeof setTimeout>[] = [];
    timers.push(
      setTimeout(() => {
        api.addressSuggestions(query, 8).then(
          (list) => {
            if (!live) return;
            setLocal({ q: query, list });
            setActive(0);
          },
          () => {
            if (live) setLocal({ q: query, list: [] });
          },
        );
      }, 120),
    );
    if (query.length >= 3 && !directoryCache.has(query.toLowerCase())) {
      timers.push(
        setTimeout(() => {
          api.directorySuggestions(query, 10).then(
            (list) => {
              directoryCache.set(query.toLowerCase(), list);
              if (live) setDirectory({ q: query, list, down: false });
            },
            () => {
              if (live) setDirectory({ q: query, list: [], down: true });
            },
          );
        }, 300),
      );
    }
    return () => {
      live = false;
      for (const t of timers) clearTimeout(t);
    };
  }, [api, query, asking]);

  const add = (list: ParsedRecipient[]) => {
    if (list.length === 0) return;
    const seen = new Set(value.map((r) => r.address.toLowerCase()));
    const fresh = list.filter((r) => {
      const k = r.address.toLowerCase();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    onChange([...value, ...fresh]);
  };

  const commitText = async (raw: string) => {
    const trimmed = raw.trim();
    setText("");
    clearSuggestions();
    if (!trimmed) return;
    try {
      add(await api.parseRecipients(trimmed));
    } catch {
      add([{ text: trimmed, name: "", address: trimmed, valid: false }]);
    }
  };

  const pick = (s: AddressSuggestion) => {
    add([{ text: s.name ? `${s.name} <${s.address}>` : s.address, name: s.name, address: s.address, valid: true }]);
    setText("");
    clearSuggestions();
    inputRef.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const open = suggestions.length > 0;
    if (open && e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => Math.min(suggestions.length - 1, a + 1));
    } else if (open && e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (open && (e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.altKey) {
      const s = suggestions[active];
      if (s) {
        e.preventDefault();
        pick(s);
      }
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      e.stopPropagation();
      clearSuggestions();
    } else if ((e.key === "," || e.key === ";" || (e.key === "Enter" && !e.ctrlKey && !e.altKey)) && text.trim()) {
      e.preventDefault();
      void commitText(text);
    } else if (e.key === "Backspace" && text === "" && value.length > 0) {
      e.preventDefault();
      onChange(value.slice(0, -1));
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const pasted = e.clipboardData.getData("text");
    if (!/[,;\n]/.test(pasted)) return;
    e.preventDefault();
    void commitText(text + pasted);
  };

  return (
    <div className="compose-row">
      <label className="compose-label" htmlFor={`${listId}-input`}>
        {label}
      </label>
      <div
        className="recipient-field"
        data-testid={testId}
        onMouseDown={(e) => {
          if (e.target === e.currentTarget) {
            e.preventDefault();
            inputRef.current?.focus();
          }
        }}
      >
        {value.map((r, i) => (
          <span
            key={`${r.address}-${i}`}
            className={r.valid ? "chip" : "chip invalid"}
            data-testid="recipient-chip"
            data-address={r.address}
            data-valid={r.valid ? "true" : "false"}
            title={r.valid ? r.address : `${r.address} – ${t("compose.recipient.invalid")}`}
          >
            {chipLabel(r)}
            <button
              type="button"
              className="chip-remove"
              aria-label={t("compose.recipient.remove", { address: r.address })}
              tabIndex={-1}
              onClick={() => {
                onChange(value.filter((_, j) => j !== i));
              }}
            >
              ×
            </button>
          </span>
        ))}
        <input
          id={`${listId}-input`}
          ref={inputRef}
          className="recipient-input"
          data-testid={`${testId}-input`}
          value={text}
          autoFocus={autoFocus}
          autoComplete="off"
          spellCheck={false}
          role="combobox"
          aria-expanded={suggestions.length > 0}
          aria-controls={listId}
          aria-activedescendant={suggestions.length > 0 ? `${listId}-${active}` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setClosed(false);
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={() => {
            // A click on a suggestion comes first (mousedown keeps the focus).
            if (text.trim()) void commitText(text);
            clearSuggestions();
          }}
        />
        {(suggestions.length > 0 || directoryDown) && (
          <ul className="suggestions" role="listbox" id={listId} aria-label={t("compose.suggestions")} data-testid="address-suggestions">
            {suggestions.map((s, i) => (
              <li
                key={s.address}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? "active" : undefined}
                data-testid="address-suggestion"
                data-address={s.address}
                data-directory={s.directory ? "true" : "false"}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(s);
                }}
              >
                <span className="suggestion-name">{s.name || s.address}</span>
                {s.name && s.name.toLowerCase() !== s.address.toLowerCase() && <span className="suggestion-address">{s.address}</span>}
                {s.directory && <span className="suggestion-source">{t("compose.directory")}</span>}
              </li>
            ))}
            {directoryDown && (
              <li className="suggestions-note" role="presentation" data-testid="directory-unavailable">
                {t("compose.directoryUnavailable")}
              </li>
            )}
          </ul>
        )}
      </div>
    </div>
  );
}
