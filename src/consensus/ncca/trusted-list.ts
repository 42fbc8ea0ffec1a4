import { type Area, cellHops } from '../../geo/grid.js';
import { CREDIT_MAX } from './credit.js';
import type { NccaParams } from './params.js';

/**
 * A validator's own trusted list (§2.1, after RPCA's UNL). Unlike credit, elections and the roulette, this is a
 * node's local view: exchanges and hop counts are what this node observed, so two nodes may hold different lists.
 * Nothing here feeds consensus state; it is what the node trusts first and what `consensus_trustedList` shows.
 */

/**
 * SC = CR · (1 − e^(−δ/δ0)) · ω^hops (the paper's formula 1 did not survive; this is DESIGN §5's form).
 * CR in [0, 1] is the history trust; the middle factor grows from 0 towards 1 with the number of exchanges δ,
 * so a node this validator has never talked to scores 0 whatever its credit; each relay hop on the way to it
 * costs a factor ω. Out-of-range inputs are clamped (CR to [0, 1], δ and hops to ≥ 0); non-numbers score 0.
 */
export function score(cr01: number, exchanges: number, hops: number, p: NccaParams['trust']): number {
  if (![cr01, exchanges, hops, p.delta0, p.omega].every(Number.isFinite) || p.delta0 <= 0) return 0;
  const cr = Math.min(1, Math.max(0, cr01));
  const delta = Math.max(0, exchanges);
  const h = Math.max(0, hops);
  return cr * (1 - Math.exp(-delta / p.delta0)) * Math.pow(p.omega, h);
}

/** What the node knows of a peer: `credit` is the on-chain CR in ppm, the rest its own observations. */
export interface TrustObservation {
  address: string;
  credit: number;
  exchanges: number;
  hops: number;
  isValidator: boolean;
}

/** One row of `consensus_trustedList`; `credit` in [0, 1] like `consensus_validators`. */
export interface TrustedEntryView {
  address: string;
  score: number;
  credit: number;
  exchanges: number;
  hops: number;
}

export interface TrustedListView {
  trusted: TrustedEntryView[];
  backup: TrustedEntryView[];
  /** Trusted members marked failed and not yet replaced (they are still in `trusted`). */
  failed: string[];
}

/** A refill's outcome: which failed member left and who took its place (undefined when the pool ran dry). */
export interface Replacement {
  failed: string;
  replacement: string | undefined;
}

interface Entry extends TrustObservation {
  score: number;
}

/** Higher score first; equal scores by address. (The paper picks randomly among equals; a fixed rule is reproducible.) */
const byScore = (a: Entry, b: Entry): number => (a.score !== b.score ? b.score - a.score : a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/** Of two observations of one address: the higher score, then on a tie whichever is more, so order never matters. */
const betterObservation = (a: Entry, b: Entry): boolean =>
  (a.score - b.score || Number(a.isValidator) - Number(b.isValidator) || a.credit - b.credit || a.exchanges - b.exchanges || b.hops - a.hops) > 0;

export class TrustedList {
  private trusted: Entry[];
  private backup: Entry[];
  private readonly failed = new Set<string>();

  /**
   * Members scoring ≥ `p.threshold` form the list, best first. Validators below the threshold form the backup
   * pool, best first (the paper's 备用可信任节点群: only validators, since only they can stand in for one).
   * Non-validators below the threshold are neither. A repeated address keeps its best-scoring observation.
   */
  constructor(
    observations: readonly TrustObservation[],
    private readonly p: NccaParams['trust'],
  ) {
    const best = new Map<string, Entry>();
    for (const o of observations) {
      const e: Entry = { ...o, score: score(o.credit / CREDIT_MAX, o.exchanges, o.hops, p) };
      const prev = best.get(o.address);
      if (prev === undefined || betterObservation(e, prev)) best.set(o.address, e);
    }
    const all = [...best.values()].sort(byScore);
    this.trusted = all.filter((e) => e.score >= p.threshold);
    this.backup = all.filter((e) => e.score < p.threshold && e.isValidator);
  }

  /** Trusted addresses, best first. */
  members(): string[] {
    return this.trusted.map((e) => e.address);
  }

  has(address: string): boolean {
    return this.trusted.some((e) => e.address === address);
  }

  /**
   * Records members that stopped working (timed out, went offline). Failures add up until a refill replaces
   * them. Backup members named here are dropped from the pool: a failed node must not be promoted.
   */
  markFailed(addresses: Iterable<string>): void {
    const named = new Set(addresses);
    for (const e of this.trusted) if (named.has(e.address)) this.failed.add(e.address);
    this.backup = this.backup.filter((e) => !named.has(e.address));
  }

  /**
   * The paper's fork-risk check: when more than `refillFraction` of the list has failed at once, the remaining
   * members may no longer be a quorum of the list (at 1/3 that is the BFT fault bound) and the node may be on
   * the wrong side of a fork, so each failed member is replaced by the best of the backup pool, whose members
   * then check the surviving members' answers (the paper's cross check; the caller does the checking). Below the fraction the list still works and nothing changes:
   * swapping on every single failure would let an attacker who delays a few messages churn the list.
   * Returns the replacements made (empty when the list stayed as it was).
   */
  refill(): Replacement[] {
    if (this.trusted.length === 0 || this.failed.size <= this.p.refillFraction * this.trusted.length) return [];
    const out: Replacement[] = [];
    const keep: Entry[] = [];
    for (const e of this.trusted) {
      if (!this.failed.has(e.address)) {
        keep.push(e);
        continue;
      }
      const next = this.backup.shift();
      if (next !== undefined) keep.push(next);
      out.push({ failed: e.address, replacement: next?.address });
    }
    this.trusted = keep.sort(byScore);
    this.failed.clear();
    return out;
  }

  /** The `consensus_trustedList` payload. */
  view(): TrustedListView {
    const row = (e: Entry): TrustedEntryView => ({ address: e.address, score: e.score, credit: e.credit / CREDIT_MAX, exchanges: e.exchanges, hops: e.hops });
    return { trusted: this.trusted.map(row), backup: this.backup.map(row), failed: [...this.failed].sort() };
  }
}

/** A validator as a trusted list scores it: credit in ppm, its cell if it declared one. */
export interface ValidatorSeen {
  address: string;
  publicKey: string;
  credit: number;
  cell?: number;
}

/**
 * The trusted list of a node in `ownCell` over `validators`: δ is what `exchangesOf` counted with each, hops the
 * cell distance (0 when either has no cell). The node's `consensus_trustedList` and its round-1 ballots both use it.
 */
export function trustedListOf(
  validators: readonly ValidatorSeen[],
  ownCell: number | undefined,
  area: Area,
  exchangesOf: (publicKeyHex: string) => number,
  p: NccaParams['trust'],
): TrustedList {
  return new TrustedList(
    validators.map((v) => ({
      address: v.address,
      credit: v.credit,
      exchanges: exchangesOf(v.publicKey),
      hops: v.cell === undefined || ownCell === undefined ? 0 : cellHops(area, ownCell, v.cell),
      isValidator: true,
    })),
    p,
  );
}
