// Messages dragged from the list onto a folder of the tree.

/** The drag type carrying message ids (a JSON array). */
export const DRAG_TYPE = "application/x-kontor-messages";

/** The ids a drop carries, or null when it carries no messages. */
export function droppedIds(data: DataTransfer): number[] | null {
  const raw = data.getData(DRAG_TYPE);
  if (!raw) return null;
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.every((x) => typeof x === "number") ? v : null;
  } catch {
    return null;
  }
}

export function carriesMessages(data: DataTransfer): boolean {
  return Array.from(data.types).includes(DRAG_TYPE);
}
