import type { Fraction } from '../validator-set.js';

/** RPCA's parameters (Schwartz, Youngs, Britto 2014, §3.2 and §3.3), each with why it has its value. */
export interface RpcaParams {
  /** The per-round inclusion thresholds, escalating: 50 %, 60 %, 70 %, then the final 80 % of the UNL (§3.2). */
  thresholds: readonly number[];
  /** A ledger is validated by more than this fraction of the UNL: 80 %, the paper's final threshold (§3.3). */
  quorum: Fraction;
  /**
   * Share of the genesis members on the UNL: the paper's validator ratio 0.6, the same share of validators
   * every engine of the comparison gets (Ripple's UNL is a chosen subset of the servers, not all of them).
   */
  unlRatio: number;
  /** Same ballot timing as NCCA's transaction-set vote, so neither engine is slowed against the other. */
  windowMs: number;
  /** Same longest wait as NCCA's: a silent UNL member cannot hold the round up for longer. */
  maxWaitMs: number;
}

export const DEFAULT_RPCA_PARAMS: RpcaParams = {
  thresholds: [0.5, 0.6, 0.7, 0.8],
  quorum: { num: 4, den: 5 },
  unlRatio: 0.6,
  windowMs: 200,
  maxWaitMs: 1200,
};

export function checkRpcaParams(p: RpcaParams): void {
  const t = p.thresholds;
  if (t.length < 1 || t.some((x, i) => !(x > 0 && x <= 1) || (i > 0 && x < t[i - 1]!))) {
    throw new RangeError('RPCA thresholds must be non-decreasing fractions in (0, 1]');
  }
  if (!(Number.isInteger(p.quorum.num) && Number.isInteger(p.quorum.den) && p.quorum.den > 0 && p.quorum.num * 3 >= p.quorum.den * 2)) {
    throw new RangeError('RPCA quorum must be a fraction of at least 2/3');
  }
  if (!(p.unlRatio > 0 && p.unlRatio <= 1)) throw new RangeError('RPCA unlRatio must be in (0, 1]');
  if (!(p.windowMs >= 0 && p.maxWaitMs >= p.windowMs)) throw new RangeError('RPCA windowMs must be >= 0 and maxWaitMs >= windowMs');
}

/** The final round's threshold: what a transaction needs to go into the ledger. */
export const finalThreshold = (p: RpcaParams): number => p.thresholds[p.thresholds.length - 1]!;

/** At least `share` of `n` members, counted exactly (share in whole per-mille, so 0.8 of 10 is 8, not 7.999…). */
export function atLeast(count: number, n: number, share: number): boolean {
  return count * 1000 >= n * Math.round(share * 1000);
}
