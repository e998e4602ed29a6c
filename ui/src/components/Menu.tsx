import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export interface MenuItem {
  id: string;
  label: string;
  onSelect: () => void;
  disabled?: boolean;
  /** A choice among several (role menuitemradio): whether it is the one in force. */
  checked?: boolean;
  /** The item's data-testid; `menu-<id>` if not given. */
  testId?: string;
}

interface Props {
  label: ReactNode;
  items: MenuItem[];
  testId?: string;
  disabled?: boolean;
  /** Which edge of the button the open menu lines up with (the end by default). */
  align?: "start" | "end";
  /** A ▾ after the label. */
  caret?: boolean;
  /** The button's accessible name and tooltip, for a button whose label says too little. */
  title?: string;
  className?: string;
}

/** A menu button (WAI-ARIA menu button pattern): arrows move, Escape closes, Enter selects. */
export function Menu({ label, items, testId, disabled, align = "end", caret, title, className }: Props) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const itemRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    itemRefs.current.find((el) => el && !el.disabled)?.focus();
    const onDown = (e: MouseEvent) => {
      if (rootRef.current && !rootRef.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => {
      document.removeEventListener("mousedown", onDown);
    };
  }, [open]);

  function close() {
    setOpen(false);
    buttonRef.current?.focus();
  }

  function onMenuKey(e: KeyboardEvent) {
    // Disabled items cannot take the focus: the arrows skip them.
    const enabled = itemRefs.current.slice(0, items.length).filter((el): el is HTMLButtonElement => el !== null && !el.disabled);
    const current = enabled.findIndex((el) => el === document.activeElement);
    const n = enabled.length;
    if (n === 0 && e.key !== "Escape" && e.key !== "Tab") return;
    if (e.key === "ArrowDown") enabled[(current + 1) % n]?.focus();
    else if (e.key === "ArrowUp") enabled[((current < 0 ? 0 : current) - 1 + n) % n]?.focus();
    else if (e.key === "Home") enabled[0]?.focus();
    else if (e.key === "End") enabled[n - 1]?.focus();
    else if (e.key === "Escape" || e.key === "Tab") close();
    else return;
    e.preventDefault();
  }

  return (
    <div className={className ? `menu ${className}` : "menu"} ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open && !disabled}
        aria-label={title}
        title={title}
        disabled={disabled}
        aria-controls={menuId}
        data-testid={testId}
        onClick={() => {
          setOpen((o) => !o);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            setOpen(true);
            e.preventDefault();
          }
        }}
      >
        {label}
        {caret && (
          <span className="caret" aria-hidden="true">
            ▾
          </span>
        )}
      </button>
      {open && !disabled && (
        <div role="menu" id={menuId} className={`menu-list align-${align}`} onKeyDown={onMenuKey}>
          {items.map((item, i) => (
            <button
              key={item.id}
              type="button"
              role={item.checked === undefined ? "menuitem" : "menuitemradio"}
              aria-checked={item.checked}
              className={item.checked ? "checked" : undefined}
              tabIndex={-1}
              disabled={item.disabled}
              data-testid={item.testId ?? `menu-${item.id}`}
              ref={(el) => {
                itemRefs.current[i] = el;
              }}
              onClick={() => {
                close();
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
