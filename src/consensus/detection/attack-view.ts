import type { Address } from '../../core/address.js';
import type { StateReader } from '../../core/ledger.js';
import { type AttackProbability, attackProbability, medianCapacity } from './attack-probability.js';

/**
 * The seed's composite attack probability of every registered node, from what the chain records (declared
 * capacities, stakes, and the conduct counters every engine keeps): the same on every node.
 */
export function attackProbabilities(state: StateReader): Map<Address, AttackProbability> {
  const registered = [...state.entries()].filter(([, a]) => a.stake > 0);
  const capacities = registered.map(([, a]) => a.capacity);
  // One median for all: sorting the list again for every node made this O(n² log n) per height.
  const median = medianCapacity(capacities);
  const totalStake = registered.reduce((sum, [, a]) => sum + a.stake, 0);
  const out = new Map<Address, AttackProbability>();
  for (const [address, a] of registered) {
    out.set(
      address,
      attackProbability({
        capacity: a.capacity,
        capacities,
        medianCapacity: median,
        forks: a.detection?.offences ?? 0,
        proposals: a.detection?.proposals ?? 0,
        stake: a.stake,
        totalStake,
        nodes: registered.length,
      }),
    );
  }
  return out;
}
