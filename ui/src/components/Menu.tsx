import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export interface MenuItem {
  id: string;
  label: string;
  onSelect: () => void;
  disabled?: boolean;
  /** A choice among several (role menuitemradio): whether it is the one in force. */
  checked?: boolean;
}

interface Props {
  label: ReactNode;
  items: MenuItem[];
  testId?: string;
}

/** A menu button (WAI-ARIA menu button pattern): arrows move, Escape closes, Enter selects. */
export function Menu({ label, items, testId }: Props) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const itemRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    itemRefs.current[0]?.focus();
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
    const current = itemRefs.current.findIndex((el) => el === document.activeElement);
    const n = items.length;
    if (e.key === "ArrowDown") itemRefs.current[(current + 1) % n]?.focus();
    else if (e.key === "ArrowUp") itemRefs.current[(current - 1 + n) % n]?.focus();
    else if (e.key === "Home") itemRefs.current[0]?.focus();
    else if (e.key === "End") itemRefs.current[n - 1]?.focus();
    else if (e.key === "Escape" || e.key === "Tab") close();
    else return;
    e.preventDefault();
  }

  return (
    <div className="menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
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
      </button>
      {open && (
        <div role="menu" id={menuId} className="menu-list" onKeyDown={onMenuKey}>
          {items.map((item, i) => (
            <button
              key={item.id}
              type="button"
              role={item.checked === undefined ? "menuitem" : "menuitemradio"}
              aria-checked={item.checked}
              className={item.checked ? "checked" : undefined}
              tabIndex={-1}
              disabled={item.disabled}
              data-testid={`menu-${item.id}`}
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
