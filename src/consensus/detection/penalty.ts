/**
 * What a confirmed malicious node suffers (NCCA paper §2.3): a suspension that grows along a sigmoid with every
 * confirmation — lenient while a confirmation may still be a mistake, harsh once it keeps happening — and eviction
 * once a suspension has exceeded evictAfterSeconds and the node is confirmed yet again.
 */

export interface PenaltyParams {
  /** Sigmoid ceiling. */
  maxSeconds: number;
  steepness: number;
  /** Confirmation count at the sigmoid's middle. */
  midpoint: number;
  /** 500 in the paper. */
  evictAfterSeconds: number;
  /** 0.25, rippled's negative-UNL cap. */
  suspendedShareCap: number;
}

/**
 * maxSeconds 1000 is twice the paper's 500 s eviction line, so the sigmoid crosses that line exactly at its
 * midpoint. midpoint 4 puts the crossing at the 4th confirmation (T4 = 500 s, not above the line), so the 5th
 * still only suspends (T5 = 769 s) and the 6th evicts: five confirmations, about 27 minutes of suspension in
 * all, before a node is gone for good. steepness 1.2 makes the first step cheap (T1 = 27 s, a handful of blocks,
 * affordable if round two erred), each later one two to three times the one before until the midpoint:
 * 27, 83, 231, 500, 769 s. suspendedShareCap 0.25 is rippled's negative-UNL limit: at most a quarter of the
 * validator weight may be set aside at once, so even counting suspended weight as absent, the other three
 * quarters still exceed NCCA's β2 = 0.7 quorum, and a wave of confirmations, false or true, cannot halt the chain.
 */
export const DEFAULT_PENALTY_PARAMS: PenaltyParams = Object.freeze({
  maxSeconds: 1000,
  steepness: 1.2,
  midpoint: 4,
  evictAfterSeconds: 500,
  suspendedShareCap: 0.25,
});

const PPM = 1_000_000;

function validate(p: PenaltyParams): void {
  if (!(Number.isFinite(p.maxSeconds) && p.maxSeconds >= 1)) throw new RangeError(`penalty: maxSeconds must be finite and >= 1, got ${p.maxSeconds}`);
  if (!(Number.isFinite(p.steepness) && p.steepness > 0)) throw new RangeError(`penalty: steepness must be finite and > 0, got ${p.steepness}`);
  if (!Number.isFinite(p.midpoint)) throw new RangeError(`penalty: midpoint must be finite, got ${p.midpoint}`);
  if (!(Number.isFinite(p.evictAfterSeconds) && p.evictAfterSeconds >= 0)) throw new RangeError(`penalty: evictAfterSeconds must be finite and >= 0, got ${p.evictAfterSeconds}`);
  if (!(p.suspendedShareCap >= 0 && p.suspendedShareCap <= 1)) throw new RangeError(`penalty: suspendedShareCap must be in [0, 1], got ${p.suspendedShareCap}`);
}

function confirmation(i: number): void {
  if (!Number.isSafeInteger(i) || i < 1) throw new RangeError(`penalty: the confirmation count is an integer >= 1, got ${i}`);
}

/**
 * T_i in whole seconds for the i-th confirmation (i >= 1): maxSeconds / (1 + e^(−steepness·(i − midpoint))),
 * rounded to whole seconds, at least 1. Rounding to whole seconds is what makes this deterministic across
 * platforms: only an exact .5 could be tipped by Math.exp's last bit, and the defaults come nowhere near one.
 */
export function suspensionSeconds(i: number, p: PenaltyParams): number {
  validate(p);
  confirmation(i);
  return Math.max(1, Math.round(p.maxSeconds / (1 + Math.exp(-p.steepness * (i - p.midpoint)))));
}

/**
 * What the i-th confirmation (i >= 1) brings: eviction once the previous suspension T_(i−1) exceeded
 * evictAfterSeconds (the paper: "when the suspension exceeds 500 s and the node is confirmed again, it is
 * evicted"), a suspension of T_i otherwise. T never falls as i grows, so once evicting, always evicting.
 */
export function penaltyFor(i: number, p: PenaltyParams): { action: 'suspend'; seconds: number } | { action: 'evict' } {
  confirmation(i);
  if (i > 1 && suspensionSeconds(i - 1, p) > p.evictAfterSeconds) return { action: 'evict' };
  return { action: 'suspend', seconds: suspensionSeconds(i, p) };
}

/**
 * Whether suspending `candidate` more weight keeps the suspended share of the total validator weight at or below
 * the cap. Integer weights; compared exactly in BigInt with the cap in whole millionths, so the answer at the cap
 * itself cannot depend on float rounding.
 */
export function withinSuspensionCap(suspendedWeight: number, candidateWeight: number, totalWeight: number, p: PenaltyParams): boolean {
  validate(p);
  for (const [name, w] of [['suspended', suspendedWeight], ['candidate', candidateWeight], ['total', totalWeight]] as const) {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`penalty: ${name} weight must be a non-negative safe integer, got ${w}`);
  }
  const capPpm = BigInt(Math.round(p.suspendedShareCap * PPM));
  return (BigInt(suspendedWeight) + BigInt(candidateWeight)) * BigInt(PPM) <= capPpm * BigInt(totalWeight);
}
