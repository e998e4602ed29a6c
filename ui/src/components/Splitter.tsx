import { useRef, type KeyboardEvent, type PointerEvent, type RefObject } from "react";
import { splitterValue } from "./splitter-value";


interface Props {
  /** "vertical": a bar between a left and a right pane, moved sideways. */
  orientation: "vertical" | "horizontal";
  /** The element the value is measured in (its left or top edge is 0). */
  containerRef: RefObject<HTMLElement | null>;
  /** percent of the container, or pixels from its edge */
  unit: "percent" | "px";
  value: number;
  min: number;
  max: number;
  /** One arrow key press. */
  step: number;
  label: string;
  /** `done` is false while a drag goes on and true when it ends or for a key press. */
  onChange: (value: number, done: boolean) => void;
  onReset: () => void;
  testId?: string;
}

/**
 * The bar between two panes (the WAI-ARIA window splitter): drag it, or focus it and use the
 * arrow keys, Home and End; a double click puts it back where it started.
 */
export function Splitter({ orientation, containerRef, unit, value, min, max, step, label, onChange, onReset, testId }: Props) {
  const dragging = useRef(false);
  const last = useRef(value);

  const fromPointer = (e: PointerEvent) => {
    const rect = containerRef.current?.getBoundingClientRect();
    if (!rect) return null;
    const box = orientation === "vertical" ? { start: rect.left, size: rect.width } : { start: rect.top, size: rect.height };
    return splitterValue(orientation === "vertical" ? e.clientX : e.clientY, box, unit, min, max);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const less = orientation === "vertical" ? "ArrowLeft" : "ArrowUp";
    const more = orientation === "vertical" ? "ArrowRight" : "ArrowDown";
    let next: number | null = null;
    if (e.key === less) next = value - step;
    else if (e.key === more) next = value + step;
    else if (e.key === "Home") next = min;
    else if (e.key === "End") next = max;
    if (next === null) return;
    e.preventDefault();
    e.stopPropagation();
    onChange(Math.min(max, Math.max(min, next)), true);
  };

  return (
    <div
      role="separator"
      aria-orientation={orientation}
      aria-valuenow={Math.round(value)}
      aria-valuemin={min}
      aria-valuemax={max}
      aria-label={label}
      tabIndex={0}
      className={`splitter splitter-${orientation}`}
      data-testid={testId}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        dragging.current = true;
        last.current = value;
      }}
      onPointerMove={(e) => {
        if (!dragging.current) return;
        const v = fromPointer(e);
        if (v !== null && v !== last.current) {
          last.current = v;
          onChange(v, false);
        }
      }}
      onPointerUp={(e) => {
        if (!dragging.current) return;
        dragging.current = false;
        e.currentTarget.releasePointerCapture(e.pointerId);
        onChange(last.current, true);
      }}
      onPointerCancel={() => {
        if (!dragging.current) return;
        dragging.current = false;
        onChange(last.current, true);
      }}
      onDoubleClick={onReset}
      onKeyDown={onKeyDown}
    />
  );
}
