/** Where a drag puts a splitter, as a value between min and max (pure, for tests). */
export function splitterValue(
  pointer: number,
  box: { start: number; size: number },
  unit: "percent" | "px",
  min: number,
  max: number,
): number {
  const offset = pointer - box.start;
  const raw = unit === "percent" ? (box.size > 0 ? (offset / box.size) * 100 : min) : offset;
  return Math.round(Math.min(max, Math.max(min, raw)));
}
