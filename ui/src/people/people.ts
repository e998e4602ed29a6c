// The address book's list: the people of the cached mail (most used first) and the company
// directory's answer, one entry per address (docs/search.md#the-address-book).
import type { AddressSuggestion, DirectoryPerson } from "../lib/bindings";

/** One person of the list, with what is known of them from either source. */
export interface Person {
  name: string;
  address: string;
  /** Cached messages involving them (0 when only the directory knows them). */
  uses: number;
  /** Found in the cached mail. */
  local: boolean;
  /** The directory's entry, when the directory answered for this address. */
  directory: DirectoryPerson | null;
}

/** Directory answers of this window, by query (lower case): asked once each. A failure is not
 * kept, so the next keystroke asks again. */
export const directoryCache = new Map<string, DirectoryPerson[]>();

/** The key people are told apart by: the address, case ignored. */
export function personKey(address: string): string {
  return address.trim().toLowerCase();
}

/** A name worth showing: not empty and not just the address again. */
function realName(name: string, address: string): boolean {
  const n = name.trim();
  return n !== "" && personKey(n) !== personKey(address);
}

/** The local people first, in their order, then the directory's people nobody local has; a
 * person in both keeps the local place and name (or the directory's name when the mail had
 * none) and gets the directory's details. The first entry of an address wins. */
export function mergePeople(local: readonly AddressSuggestion[], directory: readonly DirectoryPerson[]): Person[] {
  const dir = new Map<string, DirectoryPerson>();
  for (const d of directory) {
    const k = personKey(d.address);
    if (!dir.has(k)) dir.set(k, d);
  }
  const out: Person[] = [];
  const seen = new Set<string>();
  for (const l of local) {
    const k = personKey(l.address);
    if (seen.has(k)) continue;
    seen.add(k);
    const d = dir.get(k) ?? null;
    const name = realName(l.name, l.address) ? l.name.trim() : d && realName(d.name, d.address) ? d.name : l.address;
    out.push({ name, address: l.address, uses: l.uses, local: true, directory: d });
  }
  for (const d of directory) {
    const k = personKey(d.address);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ name: realName(d.name, d.address) ? d.name : d.address, address: d.address, uses: 0, local: false, directory: d });
  }
  return out;
}

/** The directory's entry for `address` among `found`, if any. */
export function entryFor(found: readonly DirectoryPerson[], address: string): DirectoryPerson | null {
  const k = personKey(address);
  return found.find((d) => personKey(d.address) === k) ?? null;
}

/** The search that shows a person's mail in the search box (all folders). */
export function fromSearch(address: string): string {
  return `from:${address}`;
}
