import type { NccaParams } from './params.js';

/**
 * NCCA's history trust CR (the paper's CR_{i,j}, §2.1), kept on chain in integer parts per million in
 * [0, CREDIT_MAX]. Every replica derives it from the same canonical data — who was expected to sign a height,
 * who did, which rounds failed and who committed evidence named — so every node holds the same CR.
 */
export const CREDIT_MAX = 1_000_000;

/** What the chain records about one height, as far as credit is concerned. */
export interface HeightRecord {
  /** Addresses expected to sign this height (the height's validator set). */
  validators: string[];
  /** Addresses whose precommit is in the canonical certificate. */
  signers: string[];
  /** Rightful proposers of rounds that did not commit: one entry per failed round, so a repeat is a repeat offence. */
  failedProposers: string[];
  /** Addresses named by committed evidence (equivocation, double spend). */
  offenders: string[];
}

/**
 * `rate` (a fraction in [0, 1]) as parts per million. Rates are protocol parameters such as 0.05; they are
 * rounded to whole ppm once, here, so the rest of the update is integer arithmetic.
 */
function ratePpm(rate: number): number {
  if (!Number.isFinite(rate)) return 0;
  return Math.min(CREDIT_MAX, Math.max(0, Math.round(rate * CREDIT_MAX)));
}

/**
 * ceil(distance · rate / 1e6) in exact integer arithmetic: both factors are integers ≤ 1e6, so the product is
 * ≤ 1e12 < 2^53 and `%` and `/` below are exact on every platform.
 *
 * Rounding is towards moving (ceiling), not Math.round: with Math.round a node at 4 ppm losing 10 % would lose
 * round(0.4) = 0 and sit at 4 ppm forever, and a node at 999 996 ppm could never reach the top. With the ceiling
 * every non-zero rate moves CR by at least 1 ppm while there is room, so the only fixed points are the bounds.
 */
function movePpm(distance: number, rate: number): number {
  const n = distance * rate + (CREDIT_MAX - 1);
  return (n - (n % CREDIT_MAX)) / CREDIT_MAX;
}

/** An integer in [0, CREDIT_MAX]; anything that is not a finite number becomes `fallback`. */
export function clampCredit(value: number, fallback: number): number {
  const v = Number.isFinite(value) ? Math.round(value) : fallback;
  return Math.min(CREDIT_MAX, Math.max(0, v));
}

/** CR −= ceil(rate · CR), the rate already in ppm. */
const lowerPpm = (credit: number, rate: number): number => credit - movePpm(credit, rate);

/** CR after a penalty of `rate` (a confirmation of malice): CR −= ceil(rate · CR), as for evidence. */
export function lowerCredit(credit: number, rate: number): number {
  return lowerPpm(clampCredit(credit, 0), ratePpm(rate));
}


/**
 * The credit after one height. Applied in this fixed order, each step to the result of the one before:
 *   1. every signer:                       CR += ceil(up · (1e6 − CR))
 *   2. every validator that did not sign:  CR −= ceil(down · CR)
 *   3. every failed round's proposer:      CR −= ceil(failedProposal · CR)   (once per failed round)
 *   4. every offender:                     CR −= ceil(evidence · CR)
 * `signers`, `validators` and `offenders` are sets (a repeat counts once); `failedProposers` is a multiset.
 * Every list is sorted internally, so the order the caller lists addresses in cannot change the result.
 * An address missing from `current` starts at `p.initial`; the result holds every address of `current` and of
 * `record`, keyed in address order, each an integer in [0, 1e6].
 */
export function nextCredit(current: ReadonlyMap<string, number>, record: HeightRecord, p: NccaParams['credit']): Map<string, number> {
  const initial = clampCredit(p.initial, 0);
  const up = ratePpm(p.up);
  const down = ratePpm(p.down);
  const failed = ratePpm(p.failedProposal);
  const evidence = ratePpm(p.evidence);

  const cr = new Map<string, number>();
  for (const [address, value] of current) cr.set(address, clampCredit(value, initial));
  const get = (address: string): number => cr.get(address) ?? initial;

  const sortedSet = (list: readonly string[]): string[] => [...new Set(list)].sort();
  const signers = sortedSet(record.signers);
  const signed = new Set(signers);
  const absent = sortedSet(record.validators).filter((a) => !signed.has(a));
  const failedProposers = [...record.failedProposers].sort();
  const offenders = sortedSet(record.offenders);

  for (const a of signers) {
    const c = get(a);
    cr.set(a, c + movePpm(CREDIT_MAX - c, up));
  }
  const lower = (a: string, rate: number): void => {
    cr.set(a, lowerPpm(get(a), rate));
  };
  for (const a of absent) lower(a, down);
  for (const a of failedProposers) lower(a, failed);
  for (const a of offenders) lower(a, evidence);

  return new Map([...cr.keys()].sort().map((a) => [a, clampCredit(cr.get(a)!, initial)]));
}
