// Recipients as the compose window's fields show and send them.
import type { AddressSuggestion, ParsedRecipient } from "../lib/bindings";

/** A recipient as a chip shows it: the name when known, the address on hover. */
export function chipLabel(r: ParsedRecipient): string {
  return r.name || r.address;
}

/** How a recipient goes to the shell: `Name <addr>` or the address. */
export function recipientText(r: ParsedRecipient): string {
  if (!r.name) return r.address;
  return /[,;"]/.test(r.name) ? `"${r.name.replace(/"/g, "'")}" <${r.address}>` : `${r.name} <${r.address}>`;
}

/** Local suggestions first (marked as in the directory when it knows them too), then the
 * directory's other entries; addresses already chosen are left out. */
export function mergeSuggestions(local: readonly AddressSuggestion[], directory: readonly AddressSuggestion[], taken: ReadonlySet<string>): AddressSuggestion[] {
  const inDirectory = new Map(directory.map((d) => [d.address.toLowerCase(), d]));
  const seen = new Set(taken);
  const out: AddressSuggestion[] = [];
  for (const s of [...local, ...directory]) {
    const k = s.address.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    const known = s.directory ? undefined : inDirectory.get(k);
    // The directory's name where the mail gave none.
    out.push(known ? { ...s, directory: true, name: s.name || known.name } : s);
  }
  return out;
}
