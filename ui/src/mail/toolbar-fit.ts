// How many of the toolbar's entries fit on its one line; the rest go into a "More" menu, the
// last entry first (as Outlook's simplified ribbon does).

/**
 * The number of leading entries that fit into `available` pixels, given each entry's width, the
 * gap between entries and the width of the "More" button (needed only when something is left
 * out). Always at least 0; all entries when they all fit.
 */
export function fitCount(widths: readonly number[], available: number, gap: number, moreWidth: number): number {
  const total = (n: number) => widths.slice(0, n).reduce((sum, w) => sum + w, 0) + gap * Math.max(0, n - 1);
  if (total(widths.length) <= available) return widths.length;
  for (let n = widths.length - 1; n > 0; n--) {
    if (total(n) + gap + moreWidth <= available) return n;
  }
  return 0;
}
