import type { Address } from '../../core/address.js';
import { headerOf } from '../../core/block.js';
import type { ConductCollector } from '../conduct-collector.js';
import type { Replica } from '../replica.js';
import type { BehaviorDetection } from './run-result.js';

/** An attacker of a run: its replica index, its address and the mix entry it was dealt. */
export interface Attacker {
  index: number;
  address: Address;
  behavior: string;
}

/**
 * Detection per entry of the behaviour mix, as `reference` (an honest replica's chain) records it: how many
 * attackers had the entry, how many of them acted at all (a dormant attacker may never wake, an invalid-block
 * proposer may never get a turn), how many the chain confirmed, and for each confirmed one that acted the
 * seconds from its first act to the block of its first confirmation. Entries keep the mix's order.
 */
export function detectionByBehavior(entries: readonly string[], attackers: readonly Attacker[], reference: Replica, conduct: ConductCollector): BehaviorDetection[] {
  const confirmedAt = firstConfirmations(reference, new Set(attackers.map((a) => a.address)));
  return entries.map((behavior) => {
    const dealt = attackers.filter((a) => a.behavior === behavior);
    const out: BehaviorDetection = { behavior, attackers: dealt.length, acted: 0, detected: 0, detectedActed: 0, suspendSec: [] };
    for (const a of dealt) {
      const actedAt = conduct.firstActAt.get(a.index);
      const at = confirmedAt.get(a.address);
      if (actedAt !== undefined) out.acted++;
      if (at === undefined) continue;
      out.detected++;
      if (actedAt === undefined) continue;
      out.detectedActed++;
      out.suspendSec.push((at - actedAt) / 1000);
    }
    return out;
  });
}

/** The timestamp of the block that first confirmed each of `addresses`, over `reference`'s log in height order. */
function firstConfirmations(reference: Replica, addresses: ReadonlySet<Address>): Map<Address, number> {
  const at = new Map<Address, number>();
  const heights = [...reference.log.keys()].sort((a, b) => a - b);
  for (const h of heights) {
    const c = reference.log.get(h)!;
    for (const [address, account] of c.changes) {
      if (!addresses.has(address) || at.has(address) || (account.detection?.confirmations ?? 0) === 0) continue;
      at.set(address, headerOf(c.block).timestamp);
    }
  }
  return at;
}
