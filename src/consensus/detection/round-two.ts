/**
 * Round two of the NCCA paper's malicious-node detection (§2.3): a round-one suspect's neighbours in its cell watch
 * it for a number of consensus rounds. Each reports the suspect's state difference ns = η(N) − η(N−1), with
 * η = communication count + delay + quality (formula 4), in integer milli-units; a working node's η keeps moving,
 * a silent one's stands still, and a sudden leap is the other sign of trouble. Everything here is integer
 * arithmetic, so every replica judges a trace the same way.
 */

export interface WatchTally {
  /** Rounds observed. */
  rounds: number;
  /** Rounds whose ns counted as zero. */
  zeros: number;
  /** Zero rounds in a row up to the latest. */
  zeroRun: number;
  maxZeroRun: number;
  /** Largest ns seen; 0 before any positive one. */
  maxJumpMilli: number;
}

export const EMPTY_TALLY: WatchTally = Object.freeze({ rounds: 0, zeros: 0, zeroRun: 0, maxZeroRun: 0, maxJumpMilli: 0 });

export interface RoundTwoParams {
  /** Observation rounds before a verdict. */
  rounds: number;
  /** Share of rounds with ns = 0 above which the suspect is confirmed, e.g. 0.5. */
  beta3: number;
  /** This many zero rounds in a row confirms, e.g. 3. */
  maxZeroRun: number;
  /** A jump (ns) above this confirms. */
  beta4Milli: number;
  /** ns at or below this counts as zero (measurement noise), e.g. 50. */
  zeroMilli: number;
}

export type RoundTwoVerdict = 'malicious' | 'cleared' | 'watching';

const PPM = 1_000_000;

function validate(p: RoundTwoParams): void {
  if (!Number.isSafeInteger(p.rounds) || p.rounds < 1) throw new RangeError(`round two: rounds must be an integer >= 1, got ${p.rounds}`);
  if (!(p.beta3 >= 0 && p.beta3 <= 1)) throw new RangeError(`round two: beta3 must be in [0, 1], got ${p.beta3}`);
  if (!Number.isSafeInteger(p.maxZeroRun) || p.maxZeroRun < 1) throw new RangeError(`round two: maxZeroRun must be an integer >= 1, got ${p.maxZeroRun}`);
  if (!Number.isSafeInteger(p.beta4Milli)) throw new RangeError(`round two: beta4Milli must be a safe integer, got ${p.beta4Milli}`);
  if (!Number.isSafeInteger(p.zeroMilli)) throw new RangeError(`round two: zeroMilli must be a safe integer, got ${p.zeroMilli}`);
}

/**
 * The round's value for one suspect from its reporters: the median (lower median for even counts) of the
 * reporters' ns, undefined when nobody reported. Robust to a minority of lying reporters, unlike the paper's mean:
 * as long as fewer than half the reports lie, the median lies between two honest reports.
 */
export function roundValue(reportsMilli: readonly number[]): number | undefined {
  if (reportsMilli.length === 0) return undefined;
  for (const r of reportsMilli) if (!Number.isSafeInteger(r)) throw new RangeError(`round two: reports are integers in milli-units, got ${r}`);
  const sorted = [...reportsMilli].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

/**
 * The tally after one more round whose value is `nsMilli`. A round nobody reported on has no value and is not
 * fed here: silence of the reporters is not evidence against the suspect. Anything at or below zeroMilli counts
 * as zero, a fall included, since η only grows while the node takes part.
 */
export function updateTally(t: WatchTally, nsMilli: number, p: RoundTwoParams): WatchTally {
  validate(p);
  if (!Number.isSafeInteger(nsMilli)) throw new RangeError(`round two: ns is an integer in milli-units, got ${nsMilli}`);
  const zero = nsMilli <= p.zeroMilli;
  const zeroRun = zero ? t.zeroRun + 1 : 0;
  return {
    rounds: t.rounds + 1,
    zeros: t.zeros + (zero ? 1 : 0),
    zeroRun,
    maxZeroRun: Math.max(t.maxZeroRun, zeroRun),
    maxJumpMilli: Math.max(t.maxJumpMilli, nsMilli),
  };
}

/**
 * malicious as soon as a rule fires (zeros > beta3·rounds only judged once rounds >= p.rounds; a zero run of
 * maxZeroRun or a jump above beta4 at any time); cleared once p.rounds rounds passed with no rule firing;
 * watching otherwise. The share rule waits for the full window because two zeros in the first three rounds say
 * little; a long silence or a leap needs no statistics.
 */
export function roundTwoVerdict(t: WatchTally, p: RoundTwoParams): RoundTwoVerdict {
  validate(p);
  if (t.maxZeroRun >= p.maxZeroRun || t.maxJumpMilli > p.beta4Milli) return 'malicious';
  if (t.rounds < p.rounds) return 'watching';
  // zeros / rounds > beta3, with beta3 in whole millionths so the comparison is exact (products < 2^53 for any
  // realistic round count).
  const beta3Ppm = Math.round(p.beta3 * PPM);
  return t.zeros * PPM > beta3Ppm * t.rounds ? 'malicious' : 'cleared';
}
