import type { KeyboardEvent } from "react";

/** A dialog's key handler: Escape closes it and goes no further (not to the window's keys). */
export function closeOnEscape(onClose: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };
}
