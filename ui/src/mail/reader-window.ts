// The page of a reader window (a saved message opened from its file): `index.html#reader?id=-3`.

/** The message id of a reader window's page, or null for another page. */
export function readerParams(hash: string): { id: number } | null {
  if (!hash.startsWith("#reader")) return null;
  const raw = new URLSearchParams(hash.slice("#reader".length).replace(/^\?/, "")).get("id");
  return raw !== null && /^-?\d+$/.test(raw) ? { id: Number(raw) } : null;
}
