import type { Address } from '../../core/address.js';
import type { StateReader } from '../../core/ledger.js';
import type { AttackProbability } from './attack-probability.js';
import { attackProbabilities } from './attack-view.js';

const PPM = 1_000_000;

export interface DetectionView {
  /** Under round-2 watch: named by round 1 at `since`, with the neighbours' reports so far. */
  suspects: { address: Address; since: number; rounds: number; zeros: number; maxZeroRun: number; maxJump: number; deferred: boolean }[];
  /** Confirmed malicious at least once; `lastAt` is the height of the latest confirmation. */
  confirmed: { address: Address; confirmations: number; lastAt: number }[];
  /** Every suspension on record; `active` while the head's time is before `until` (ms). */
  suspensions: { address: Address; confirmations: number; height: number; until: number; untilIso: string; active: boolean }[];
  evictions: { address: Address; height: number }[];
  /** The round-1 factors of every registered node, each in [0, 1]. */
  factors: { address: Address; efficiency: number; latency: number; offline: number; trusted: number; invalid: number }[];
  attackProbability: Record<Address, AttackProbability>;
}

/** What the chain has decided about every registered node, as `detection_status` shows it. */
export function detectionView(state: StateReader, headTimestamp: number): DetectionView {
  const view: DetectionView = { suspects: [], confirmed: [], suspensions: [], evictions: [], factors: [], attackProbability: {} };
  const accounts = [...state.entries()].filter(([, a]) => a.detection !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [address, a] of accounts) {
    const d = a.detection!;
    if (d.watch) {
      const { since, rounds, zeros, maxZeroRun, maxJumpMilli, deferred } = d.watch;
      view.suspects.push({ address, since, rounds, zeros, maxZeroRun, maxJump: maxJumpMilli / 1000, deferred: deferred === true });
    }
    if (d.confirmations > 0) view.confirmed.push({ address, confirmations: d.confirmations, lastAt: d.confirmedAt });
    if (d.suspendedUntil > 0) {
      view.suspensions.push({
        address,
        confirmations: d.confirmations,
        height: d.confirmedAt,
        until: d.suspendedUntil,
        untilIso: new Date(d.suspendedUntil).toISOString(),
        active: d.suspendedUntil > headTimestamp && d.evictedAt === 0,
      });
    }
    if (d.evictedAt > 0) view.evictions.push({ address, height: d.evictedAt });
    if (a.stake > 0) {
      view.factors.push({ address, efficiency: d.efficiency / PPM, latency: d.latency / PPM, offline: d.offline / PPM, trusted: d.trusted / PPM, invalid: d.invalid / PPM });
    }
  }
  for (const [address, p] of attackProbabilities(state)) view.attackProbability[address] = p;
  return view;
}
