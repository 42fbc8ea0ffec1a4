import type { Address } from '../../core/address.js';
import { bitAt, bitmapOf } from '../../core/bitmap.js';
import { type Account, isRegistered } from '../../core/ledger.js';
import { isEvicted } from '../ncca/account-view.js';

/**
 * What a round-1 ballot reports for detection, packed against lists that every replica holding the ballot's head
 * derives alike, instead of naming 20-byte addresses: at 250 nodes the named form made a ballot about 1 KB (24
 * suspects and, every interval, a trusted list of about 150), and a block carries every ballot it counts.
 */

type Entries = Iterable<readonly [Address, Account]>;

const sorted = (xs: Address[]): Address[] => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The suspects, in the order of a ballot's `reports`: registered, not evicted, under watch. */
export function suspectsAt(entries: Entries): Address[] {
  const out: Address[] = [];
  for (const [address, a] of entries) if (isRegistered(a) && !isEvicted(a) && a.detection?.watch !== undefined) out.push(address);
  return sorted(out);
}

/** The validators, in the order of `trustedBits`: those with an elected role, or every registered node before the first election. */
export function trustBaseAt(entries: Entries): Address[] {
  const registered = [...entries].filter(([, a]) => isRegistered(a) && !isEvicted(a));
  const elected = registered.filter(([, a]) => a.role !== undefined);
  return sorted((elected.length > 0 ? elected : registered).map(([address]) => address));
}

/** `reports` for ns per suspect (undefined: no report); empty when there is none at all. */
export function encodeReports(suspects: readonly Address[], nsOf: (suspect: Address) => number | undefined): number[] {
  const out = suspects.map((s) => {
    const ns = nsOf(s);
    return ns === undefined ? 0 : ns + 1;
  });
  return out.some((v) => v > 0) ? out : [];
}

/** suspect → ns from a ballot's `reports`; nothing when they do not have one entry per suspect. */
export function decodeReports(reports: readonly number[], suspects: readonly Address[]): Map<Address, number> {
  const out = new Map<Address, number>();
  if (reports.length !== suspects.length) return out;
  reports.forEach((v, i) => {
    if (v > 0) out.set(suspects[i]!, v - 1);
  });
  return out;
}

/** `trustedBits` for a trusted list: the listed members of `base`; empty for an empty list. */
export function encodeTrusted(base: readonly Address[], listed: ReadonlySet<Address>): Uint8Array {
  return listed.size === 0 ? new Uint8Array(0) : bitmapOf(base.length, (i) => listed.has(base[i]!));
}

/** The addresses `trustedBits` lists, or undefined when the bits do not fit `base` (a list from another head). */
export function decodeTrusted(bits: Uint8Array, base: readonly Address[]): Address[] | undefined {
  if (bits.byteLength !== Math.ceil(base.length / 8)) return undefined;
  return base.filter((_, i) => bitAt(bits, i));
}
