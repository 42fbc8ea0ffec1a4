/**
 * The POS+ seed's composite attack probability: compute-power deviation (算力偏差监控), fork frequency
 * (分叉频率统计) and stake concentration (投票权集中度), each in [0, 1], weighted into one probability
 * (综合评分), which then lowers a node's lottery weight in the seed's "advanced election".
 */

export interface AttackInputs {
  /** The node's declared compute capacity. */
  capacity: number;
  /** Every registered node's capacity, the node's included. */
  capacities: readonly number[];
  /** medianCapacity(capacities), when the caller scores many nodes against one list and has it already. */
  medianCapacity?: number;
  /** Committed evidence naming the node: equivocations and invalid proposals. */
  forks: number;
  /** Blocks or rounds the node was the proposer of, in the same window, >= 0. */
  proposals: number;
  stake: number;
  totalStake: number;
  nodes: number;
}

/** Sum 1. */
export interface AttackWeights {
  power: number;
  fork: number;
  stake: number;
}

/**
 * Forks weigh most because they are committed, signed evidence: no honest node produces one, whereas a large
 * capacity or stake is also what an honest big vehicle or a wealthy honest staker looks like. The two
 * circumstantial signs weigh the same, so neither alone can take more than 30 % off a node's lottery weight, and
 * only a node that also forks can lose more than 60 %.
 */
export const DEFAULT_ATTACK_WEIGHTS: AttackWeights = Object.freeze({ power: 0.3, fork: 0.4, stake: 0.3 });

/** Each in [0, 1]. */
export interface AttackProbability {
  powerDeviation: number;
  forkFrequency: number;
  stakeConcentration: number;
  probability: number;
}

const PPM = 1_000_000;

function nonNegative(name: string, x: number): void {
  if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`attack probability: ${name} must be finite and >= 0, got ${x}`);
}

function count(name: string, x: number): void {
  if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`attack probability: ${name} must be a non-negative safe integer, got ${x}`);
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The typical declared capacity, which every node's deviation is measured against. */
export function medianCapacity(capacities: readonly number[]): number {
  capacities.forEach((c) => nonNegative('every capacity', c));
  return median(capacities);
}

/**
 * min(1, |capacity − median| / median): the median is what a typical node declares, and a few liars cannot move
 * it. A node that declares anything while the typical node declares nothing deviates fully.
 */
export function powerDeviation(capacity: number, capacities: readonly number[], med = medianCapacity(capacities)): number {
  nonNegative('capacity', capacity);
  if (capacities.length === 0) throw new RangeError('attack probability: capacities must include the node');
  if (med === 0) return capacity === 0 ? 0 : 1;
  return Math.min(1, Math.abs(capacity - med) / med);
}

/** forks / (forks + proposals), 0 with neither: the share of the node's chances to shape the chain that it abused. */
export function forkFrequency(forks: number, proposals: number): number {
  count('forks', forks);
  count('proposals', proposals);
  return forks + proposals === 0 ? 0 : forks / (forks + proposals);
}

/**
 * (share − 1/n) / (1 − 1/n), clamped to [0, 1]: 0 at or below a fair share of the stake, 1 when the node holds all
 * of it. With no stake at all or a single node there is nothing to be concentrated against, hence 0.
 */
export function stakeConcentration(stake: number, totalStake: number, nodes: number): number {
  nonNegative('stake', stake);
  nonNegative('totalStake', totalStake);
  count('nodes', nodes);
  if (totalStake === 0 || nodes <= 1) return 0;
  // The same ratio with one division instead of three.
  return clamp01((nodes * stake - totalStake) / (totalStake * (nodes - 1)));
}

export function attackProbability(x: AttackInputs, w: AttackWeights = DEFAULT_ATTACK_WEIGHTS): AttackProbability {
  for (const [k, v] of Object.entries(w)) nonNegative(`weight ${k}`, v);
  if (Math.abs(w.power + w.fork + w.stake - 1) > 1e-9) throw new RangeError(`attack probability: weights must sum to 1, got ${w.power + w.fork + w.stake}`);
  const pd = powerDeviation(x.capacity, x.capacities, x.medianCapacity);
  const ff = forkFrequency(x.forks, x.proposals);
  const sc = stakeConcentration(x.stake, x.totalStake, x.nodes);
  // The clamp only absorbs weights that sum to 1 + 1e-9.
  return { powerDeviation: pd, forkFrequency: ff, stakeConcentration: sc, probability: clamp01(w.power * pd + w.fork * ff + w.stake * sc) };
}

/**
 * The seed's "advanced election": a node's lottery weight lowered by its attack probability,
 * floor(weight·(1 − p)), but at least 1 while weight > 0 — so a suspect node is drawn less often, never more, and
 * never excluded by a probability alone. p is taken in whole millionths and the product is exact in BigInt:
 * in floats 100·(1 − 0.34) is 65.99999999999999, and its floor would differ from the exact 66.
 */
export function lotteryWeight(weight: number, probability: number): number {
  count('weight', weight);
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`attack probability: probability must be in [0, 1], got ${probability}`);
  if (weight === 0) return 0;
  const keepPpm = BigInt(PPM - Math.round(probability * PPM));
  const lowered = Number((BigInt(weight) * keepPpm) / BigInt(PPM));
  return Math.max(1, lowered);
}
