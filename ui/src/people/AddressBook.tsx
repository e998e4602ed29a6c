import { useCallback, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type Ref } from "react";
import type { AddressSuggestion, DirectoryPerson } from "../lib/bindings";
import type { Api } from "../lib/ipc";
import { toIpcError } from "../lib/ipc";
import { useI18n } from "../lib/i18n-context";
import { directoryCache, entryFor, mergePeople, personKey, type Person } from "./people";

export type AddressBookApi = Pick<Api, "addressSuggestions" | "directoryPeople" | "openComposeTo">;

/** How many people of the cached mail the list shows (the core gives at most 50). */
const LOCAL_LIMIT = 50;
/** How many entries the directory is asked for. */
const DIRECTORY_LIMIT = 50;
/** The directory is asked this long after the last key. */
const DIRECTORY_DELAY = 300;

/** Whether `s` matches what was typed the way the core matches it: the start of the address,
 * of the name or of a word of the name. Used to narrow the list shown while the core answers. */
function matches(s: AddressSuggestion, query: string): boolean {
  const q = query.toLowerCase();
  if (q === "" || s.address.toLowerCase().startsWith(q)) return true;
  const name = s.name.toLowerCase();
  return name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q));
}

function initials(p: Person): string {
  const words = p.name.includes("@") ? [p.name] : p.name.split(/\s+/).filter((w) => w !== "");
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  return letters.map((w) => Array.from(w ?? "")[0]?.toUpperCase() ?? "").join("");
}

type DirectoryState = { q: string; list: DirectoryPerson[]; down: boolean };

interface Props {
  api: AddressBookApi;
  /** "Show mail from this person": the main window switches to mail and searches. */
  onShowMails: (address: string) => void;
}

/** The address book (Ctrl+3): one search field over the people of the cached mail (at once)
 * and the company directory (from three characters, 300 ms after the last key, each query
 * asked once); a card with what is known of the chosen person, "Write mail" and "Show mail
 * from this person". */
export function AddressBook({ api, onShowMails }: Props) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const query = text.trim();
  const [local, setLocal] = useState<{ q: string; list: AddressSuggestion[] }>({ q: "\u0000", list: [] });
  const [directory, setDirectory] = useState<DirectoryState>({ q: "", list: [], down: false });
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  /** The person the card shows (kept when a new search no longer lists them). */
  const [shown, setShown] = useState<Person | null>(null);
  /** Directory entries looked up for people of the cached mail, by address key. */
  const [looked, setLooked] = useState<ReadonlyMap<string, DirectoryPerson | null>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const cardRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const listId = useId();

  // The people of the cached mail, at every keystroke (the core matches in microseconds).
  useEffect(() => {
    let live = true;
    api.addressSuggestions(query, LOCAL_LIMIT).then(
      (list) => {
        if (live) setLocal({ q: query, list });
      },
      () => {
        if (live) setLocal({ q: query, list: [] });
      },
    );
    return () => {
      live = false;
    };
  }, [api, query]);

  // The directory, from three characters on, after a pause.
  const wantsDirectory = query.length >= 3;
  const cached = directoryCache.get(query.toLowerCase());
  useEffect(() => {
    if (!wantsDirectory || directoryCache.has(query.toLowerCase())) return;
    let live = true;
    const timer = setTimeout(() => {
      api.directoryPeople(query, DIRECTORY_LIMIT).then(
        (list) => {
          directoryCache.set(query.toLowerCase(), list);
          if (live) setDirectory({ q: query, list, down: false });
        },
        () => {
          if (live) setDirectory({ q: query, list: [], down: true });
        },
      );
    }, DIRECTORY_DELAY);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, query, wantsDirectory]);

  const dir = useMemo<DirectoryState | null>(
    () => (!wantsDirectory ? null : cached ? { q: query, list: cached, down: false } : directory.q === query ? directory : null),
    [wantsDirectory, cached, query, directory],
  );
  const localList = useMemo(() => (local.q === query ? local.list : local.list.filter((s) => matches(s, query))), [local, query]);
  const people = useMemo(() => {
    const merged = mergePeople(localList, dir?.list ?? []);
    return merged.map((p) => (p.directory ? p : { ...p, directory: looked.get(personKey(p.address)) ?? null }));
  }, [localList, dir, looked]);

  const selected = people.find((p) => personKey(p.address) === selectedKey) ?? (shown && personKey(shown.address) === selectedKey ? shown : null);
  const activeIndex = selected ? people.findIndex((p) => personKey(p.address) === personKey(selected.address)) : -1;

  // A person of the cached mail: what the directory says of them, looked up by name (or
  // address) once the selection rests.
  const selectedAddress = selected?.address ?? null;
  const selectedName = selected?.name ?? "";
  const needsLookup = selected !== null && selected.directory === null && !looked.has(personKey(selected.address));
  useEffect(() => {
    if (!needsLookup || selectedAddress === null) return;
    const byName = selectedName.trim().length >= 3 && !selectedName.includes("@");
    const q = byName ? selectedName.trim() : selectedAddress;
    let live = true;
    const done = (list: DirectoryPerson[]) => {
      if (live) setLooked((m) => new Map(m).set(personKey(selectedAddress), entryFor(list, selectedAddress)));
    };
    const hit = directoryCache.get(q.toLowerCase());
    if (hit) {
      done(hit);
      return;
    }
    const timer = setTimeout(() => {
      api.directoryPeople(q, DIRECTORY_LIMIT).then(
        (list) => {
          directoryCache.set(q.toLowerCase(), list);
          done(list);
        },
        () => undefined,
      );
    }, DIRECTORY_DELAY);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, needsLookup, selectedAddress, selectedName]);

  const select = useCallback((p: Person, focus: boolean) => {
    setSelectedKey(personKey(p.address));
    setShown(p);
    setError(null);
    if (focus) {
      requestAnimationFrame(() => {
        const key = personKey(p.address);
        Array.from(listRef.current?.querySelectorAll<HTMLElement>("[data-key]") ?? [])
          .find((el) => el.dataset.key === key)
          ?.focus();
      });
    }
  }, []);

  const writeMail = useCallback(
    (p: Person) => {
      setError(null);
      api.openComposeTo(p.name === p.address ? "" : p.name, p.address).catch((e: unknown) => {
        setError(toIpcError(e).message || toIpcError(e).detail);
      });
    },
    [api],
  );

  const onListKey = (e: KeyboardEvent<HTMLUListElement>) => {
    if (people.length === 0) return;
    const at = activeIndex;
    let next: number | null = null;
    if (e.key === "ArrowDown") next = Math.min(people.length - 1, at + 1);
    else if (e.key === "ArrowUp") next = at <= 0 ? 0 : at - 1;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = people.length - 1;
    else if (e.key === "Enter" && selected) {
      e.preventDefault();
      cardRef.current?.focus();
      return;
    } else if (e.key === "Escape") {
      e.preventDefault();
      searchRef.current?.focus();
      return;
    }
    if (next === null) return;
    e.preventDefault();
    if (e.key === "ArrowUp" && at <= 0) {
      searchRef.current?.focus();
      return;
    }
    const p = people[next];
    if (p) select(p, true);
  };

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" || e.key === "Enter") {
      const p = (e.key === "Enter" ? selected : null) ?? people[0];
      if (!p) return;
      e.preventDefault();
      select(p, true);
    } else if (e.key === "Escape" && text !== "") {
      e.preventDefault();
      setText("");
    }
  };

  const status = !wantsDirectory
    ? t("people.directoryHint")
    : dir === null
      ? t("people.directorySearching")
      : dir.down
        ? t("people.directoryUnavailable")
        : dir.list.length === 0
          ? t("people.directoryNone", { query })
          : t("people.directoryFound", { count: dir.list.length });

  return (
    <div className="address-book" data-testid="address-book">
      <section className="people-pane" aria-label={t("people.title")}>
        <h1 className="people-title">{t("people.title")}</h1>
        <div className="people-search">
          <input
            ref={searchRef}
            type="search"
            data-testid="people-search"
            aria-label={t("people.search")}
            aria-controls={listId}
            placeholder={t("people.searchPlaceholder")}
            value={text}
            autoFocus
            onChange={(e) => {
              setText(e.target.value);
            }}
            onKeyDown={onSearchKey}
          />
        </div>
        <p
          className={`people-status${dir?.down ? " people-status-down" : ""}`}
          data-testid="people-directory-status"
          data-state={!wantsDirectory ? "idle" : dir === null ? "searching" : dir.down ? "unavailable" : "done"}
          role="status"
        >
          {status}
        </p>
        <h2 className="people-heading">{query === "" ? t("people.recent") : t("people.results")}</h2>
        {people.length === 0 ? (
          <p className="muted people-empty" data-testid="people-empty">
            {query === "" ? t("people.noRecent") : t("people.noneFound")}
          </p>
        ) : (
          <ul className="people-list" role="listbox" id={listId} aria-label={t("people.list")} data-testid="people-list" ref={listRef} onKeyDown={onListKey}>
            {people.map((p, i) => {
              const key = personKey(p.address);
              const on = i === activeIndex;
              return (
                <li
                  key={key}
                  role="option"
                  aria-selected={on}
                  tabIndex={on || (activeIndex < 0 && i === 0) ? 0 : -1}
                  className={`person-row${on ? " active" : ""}`}
                  data-testid="person-row"
                  data-address={p.address}
                  data-key={key}
                  data-directory={p.directory ? "true" : "false"}
                  onClick={() => {
                    select(p, false);
                  }}
                  onDoubleClick={() => {
                    writeMail(p);
                  }}
                >
                  <span className="person-avatar" aria-hidden="true">
                    {initials(p)}
                  </span>
                  <span className="person-text">
                    <span className="person-name">{p.name}</span>
                    {p.name !== p.address && <span className="person-address">{p.address}</span>}
                  </span>
                  {!p.local && <span className="suggestion-source">{t("people.fromDirectory")}</span>}
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <PersonCard
        person={selected}
        error={error}
        actionRef={cardRef}
        onWrite={writeMail}
        onShowMails={onShowMails}
        onBack={() => {
          listRef.current?.querySelector<HTMLElement>("[tabindex='0']")?.focus();
        }}
      />
    </div>
  );
}

interface CardProps {
  person: Person | null;
  error: string | null;
  actionRef?: Ref<HTMLButtonElement>;
  onWrite: (p: Person) => void;
  onShowMails: (address: string) => void;
  onBack?: () => void;
}

/** What is known of one person: name, address, and the directory's phone numbers, title,
 * office and company where the server sends them; "Write mail" and "Show mail from this
 * person". */
export function PersonCard({ person, error, actionRef, onWrite, onShowMails, onBack }: CardProps) {
  const { t } = useI18n();
  const headingId = useId();
  if (!person) {
    return (
      <section className="person-card person-card-empty" aria-label={t("people.card")} data-testid="person-card-empty">
        <p className="muted">{t("people.noneSelected")}</p>
      </section>
    );
  }
  const d = person.directory;
  const rows: { key: string; label: string; value: string | null | undefined; tel?: boolean }[] = [
    { key: "title", label: t("people.jobTitle"), value: d?.title },
    { key: "office", label: t("people.office"), value: d?.office },
    { key: "company", label: t("people.company"), value: d?.company },
    { key: "phone", label: t("people.phone"), value: d?.phone, tel: true },
    { key: "mobile", label: t("people.mobile"), value: d?.mobilePhone, tel: true },
    { key: "home", label: t("people.homePhone"), value: d?.homePhone, tel: true },
  ];
  return (
    <section
      className="person-card"
      aria-labelledby={headingId}
      data-testid="person-card"
      data-address={person.address}
      onKeyDown={(e) => {
        if (e.key === "Escape" && onBack) {
          e.preventDefault();
          onBack();
        }
      }}
    >
      <div className="person-card-head">
        <span className="person-avatar person-avatar-large" aria-hidden="true">
          {initials(person)}
        </span>
        <div>
          <h2 id={headingId} data-testid="person-name">
            {person.name}
          </h2>
          {d?.title && <p className="muted person-subtitle">{d.title}</p>}
        </div>
      </div>
      <div className="person-actions">
        <button
          type="button"
          className="primary"
          ref={actionRef}
          data-testid="person-write"
          onClick={() => {
            onWrite(person);
          }}
        >
          {t("people.write")}
        </button>
        <button
          type="button"
          data-testid="person-show-mails"
          onClick={() => {
            onShowMails(person.address);
          }}
        >
          {t("people.showMails")}
        </button>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="person-error">
          {error}
        </p>
      )}
      <dl className="person-details">
        <dt>{t("people.address")}</dt>
        <dd data-testid="person-address">{person.address}</dd>
        {rows
          .filter((r) => r.value)
          .map((r) => (
            <div key={r.key} className="person-detail" data-testid={`person-${r.key}`}>
              <dt>{r.label}</dt>
              <dd>{r.value}</dd>
            </div>
          ))}
      </dl>
      <p className="muted person-source" data-testid="person-source">
        {person.uses === 1
          ? t("people.usesOne")
          : person.uses > 1
            ? t("people.usesMany", { count: person.uses })
            : t("people.onlyDirectory")}
      </p>
    </section>
  );
}
