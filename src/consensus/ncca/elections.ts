import { compareBytes } from '../../core/bytes.js';
import type { NccaParams } from './params.js';

/** A registered node as the election sees it. `credit` is CR in ppm; `cell` undefined = not located yet. */
export interface Candidate {
  address: string;
  publicKey: Uint8Array;
  stake: number;
  capacity: number;
  credit: number;
  cell: number | undefined;
}

export type ElectionRole = 'validator' | 'multi-region' | 'normal';

export interface Election {
  /** Every candidate's role for the epoch, keyed in address order. */
  roles: Map<string, ElectionRole>;
  /** Every located candidate (any role) per cell, cells ascending, addresses sorted within a cell. */
  byCell: Map<number, string[]>;
}

/** NaN sorts as the lowest value, so a malformed number can neither win nor make the sort order undefined. */
const num = (x: number): number => (Number.isNaN(x) ? -Infinity : x);
/** Descending on a number. */
const desc = (a: number, b: number): number => {
  const x = num(a);
  const y = num(b);
  return x > y ? -1 : x < y ? 1 : 0;
};
/** The last tie-break of every ranking: lower public key bytes, then lower address (unique), so the order is total. */
const byKey = (a: Candidate, b: Candidate): number => compareBytes(a.publicKey, b.publicKey) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/**
 * First epoch: the paper's initial vote (§2.1, "由单区域中所有节点进行自主投票"). A vote needs a rule every node
 * computes alike, so we define each registered node's vote weight as its stake and rank by it; the paper breaks
 * tied votes by larger compute capacity ("优先选择算力较大的节点"), and public key bytes settle what is left.
 */
const firstEpochRank = (a: Candidate, b: Candidate): number => desc(a.stake, b.stake) || desc(a.capacity, b.capacity) || byKey(a, b);

/**
 * Later epochs: validators re-vote by the credit scores in their trusted lists (§2.1, "根据自身可信任列表中的节点信用值分数,
 * 重新投票选择N1个验证节点"); on chain that is CR. Ties go to stake (more at risk), then capacity, then public key.
 */
const laterEpochRank = (a: Candidate, b: Candidate): number =>
  desc(a.credit, b.credit) || desc(a.stake, b.stake) || desc(a.capacity, b.capacity) || byKey(a, b);

/** Multi-region validators are picked from a cell's validators by larger compute capacity ("较大算力"), then credit, then key. */
const multiRegionRank = (a: Candidate, b: Candidate): number => desc(a.capacity, b.capacity) || desc(a.credit, b.credit) || byKey(a, b);

/**
 * N1 for a cell with `staked` staked nodes: max(1, ceil(validatorRatio · staked)), never more than `staked`.
 * The ratio is taken in whole ppm and the ceiling in integers, because in floating point 0.7 · 10 is
 * 7.000000000000001 and a plain Math.ceil would elect 8.
 */
export function validatorsPerCell(staked: number, validatorRatio: number): number {
  if (staked <= 0) return 0;
  const ratio = Math.min(1_000_000, Math.max(0, Math.round(validatorRatio * 1_000_000)));
  const n = staked * ratio + 999_999;
  return Math.min(staked, Math.max(1, (n - (n % 1_000_000)) / 1_000_000));
}

/**
 * Roles for an epoch. Deterministic in the *set* of candidates: the input order never matters.
 * Throws if two candidates share an address (the result would depend on which came first).
 */
export function electRoles(candidates: readonly Candidate[], params: NccaParams, firstEpoch: boolean): Election {
  const seen = new Set<string>();
  for (const c of candidates) {
    if (seen.has(c.address)) throw new RangeError(`election: duplicate candidate ${c.address}`);
    seen.add(c.address);
  }

  const roles = new Map<string, ElectionRole>();
  for (const c of candidates) roles.set(c.address, 'normal');

  const cells = new Map<number, Candidate[]>();
  for (const c of candidates) {
    if (c.cell === undefined) {
      // Not located yet: with stake it validates (excluding it would stall a fresh chain, where nobody has
      // sent LOCATE yet); it cannot be multi-region, which represents a cell it does not belong to.
      if (c.stake > 0) roles.set(c.address, 'validator');
      continue;
    }
    const list = cells.get(c.cell);
    if (list === undefined) cells.set(c.cell, [c]);
    else list.push(c);
  }

  const rank = firstEpoch ? firstEpochRank : laterEpochRank;
  for (const members of cells.values()) {
    // Only staked nodes can validate: stake is what a validator puts at risk and what weighs its approvals.
    const staked = members.filter((c) => c.stake > 0).sort(rank);
    // Every cell with a staked node gets at least one validator, so every cell is represented (9 nodes in
    // 9 cells elect 9 validators rather than none).
    const validators = staked.slice(0, validatorsPerCell(staked.length, params.validatorRatio));
    for (const v of validators) roles.set(v.address, 'validator');
    // The cell's delegates to the multi-region layer are drawn from its own validators (§2.1: cell validators
    // vote for the multi-region list), by capacity since multi-region work is the heavier load.
    for (const m of [...validators].sort(multiRegionRank).slice(0, Math.max(0, params.multiRegionPerCell))) roles.set(m.address, 'multi-region');
  }

  const byCell = new Map<number, string[]>();
  for (const cell of [...cells.keys()].sort((a, b) => a - b)) byCell.set(cell, cells.get(cell)!.map((c) => c.address).sort());
  return { roles: new Map([...roles.keys()].sort().map((a) => [a, roles.get(a)!])), byCell };
}
