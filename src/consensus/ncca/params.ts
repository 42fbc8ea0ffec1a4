import { DEFAULT_PENALTY_PARAMS, type PenaltyParams } from '../detection/penalty.js';
import type { RoundOneParams } from '../detection/round-one.js';
import type { RoundTwoParams } from '../detection/round-two.js';

/** Malicious-node detection (paper §2.3, protocols/README.md §9). */
export interface DetectionParams {
  /** Round 1 runs at every height that is a multiple of this. */
  interval: number;
  /** Weight of the newest height in the running factor averages. */
  averaging: number;
  /** A node is left out of round 1 for this many heights after it first held stake. */
  graceHeights: number;
  /** Round-2 reporters are voters at most this many cell hops from the suspect... */
  neighbourHops: number;
  /** ...unless fewer than this many are: then every voter reports. */
  minReporters: number;
  roundOne: RoundOneParams;
  roundTwo: RoundTwoParams;
  penalty: PenaltyParams;
}

/**
 * Every NCCA parameter in one place (as rippled's ConsensusParms). The paper (Yang et al., NCCA) names most
 * of them but its formulas 1, 3, 5 and Table 2 did not survive, so each value here is our choice; the reason
 * for each is in protocols/README.md ("NCCA parameters") and config/paper.json holds the experiment setting.
 */
export interface NccaParams {
  /** Heights per epoch: roles, cells and trusted lists are re-derived at each epoch boundary. */
  epochLength: number;
  /** Share of a cell's registered nodes elected as its validators (the paper's 0.6); at least one per cell. */
  validatorRatio: number;
  /** Multi-region validators elected from each cell's validators. */
  multiRegionPerCell: number;

  /** History trust CR, in parts per million: start value, and the per-height moves the chain drives. */
  credit: {
    initial: number;
    /** Signed the previous height's certificate: CR += up · (1 − CR). */
    up: number;
    /** Validator missing from the previous height's certificate: CR −= down · CR. */
    down: number;
    /** Rightful proposer of a round that did not commit: CR −= failedProposal · CR. */
    failedProposal: number;
    /** Named by committed evidence (equivocation, double spend): CR −= evidence · CR. */
    evidence: number;
  };

  /** Proposer roulette: only validators whose CR is at least this share of the best CR take part. */
  rouletteCutoff: number;

  /** Trusted-list score SC = CR · (1 − e^(−δ/δ0)) · ω^hops; above `threshold` joins the list. */
  trust: { delta0: number; omega: number; threshold: number; refillFraction: number };

  /** Transaction-set voting: role weights ζ_q, vote-type weights ζ_yes + ζ_no = 1, thresholds v1 > v2. */
  vote: {
    roleWeight: { validator: number; multiRegion: number; normal: number };
    yes: number;
    no: number;
    v1: number;
    v2: number;
    /** The longest the round-0 proposer waits for ballots (it goes ahead as soon as the vote has settled). */
    maxWaitMs: number;
    /** A multi-region validator relays its cell's normal ballots together, this long after the first of them arrives. */
    relayWindowMs: number;
  };

  /** Commit threshold β2 on validator weight; must exceed 2/3. */
  beta2: number;

  detection: DetectionParams;
}

export const DEFAULT_NCCA_PARAMS: NccaParams = {
  epochLength: 10,
  validatorRatio: 0.6,
  multiRegionPerCell: 1,
  credit: { initial: 500_000, up: 0.05, down: 0.1, failedProposal: 0.2, evidence: 0.5 },
  rouletteCutoff: 0.5,
  trust: { delta0: 10, omega: 0.9, threshold: 0.25, refillFraction: 1 / 3 },
  vote: { roleWeight: { validator: 1, multiRegion: 1.2, normal: 0.5 }, yes: 0.8, no: 0.2, v1: 0.775, v2: 0.5, maxWaitMs: 1200, relayWindowMs: 20 },
  beta2: 0.7,
  detection: {
    interval: 10,
    averaging: 0.1,
    graceHeights: 20,
    neighbourHops: 1,
    minReporters: 3,
    roundOne: { iota: { trusted: 0.2, efficiency: 0.4, invalid: 0.25, latency: 0.15 }, minGap: 0.2, minMembership: 0.5, minSpread: 0.1 },
    roundTwo: { rounds: 6, beta3: 0.5, maxZeroRun: 3, beta4Milli: 2500, zeroMilli: 100 },
    penalty: DEFAULT_PENALTY_PARAMS,
  },
};

/** Throws with the name of the first parameter that breaks a rule the protocol depends on. */
export function checkNccaParams(p: NccaParams): void {
  const fail = (what: string): never => {
    throw new RangeError(`NCCA parameter ${what}`);
  };
  if (!Number.isInteger(p.epochLength) || p.epochLength < 1) fail('epochLength must be an integer >= 1');
  if (!(p.validatorRatio > 0 && p.validatorRatio <= 1)) fail('validatorRatio must be in (0, 1]');
  if (!Number.isInteger(p.multiRegionPerCell) || p.multiRegionPerCell < 1) fail('multiRegionPerCell must be an integer >= 1');
  if (!(p.beta2 > 2 / 3 && p.beta2 <= 1)) fail('beta2 must be above 2/3 and at most 1');
  if (Math.abs(p.vote.yes + p.vote.no - 1) > 1e-9) fail('vote.yes + vote.no must be 1');
  if (!(p.vote.v1 > p.vote.v2 && p.vote.v2 > 0 && p.vote.v1 <= 1)) fail('vote thresholds need 1 >= v1 > v2 > 0');
  if (!(p.vote.yes > p.vote.no)) fail('vote.yes must exceed vote.no (else a yes weighs no more than silence)');
  // The relayed ballots must reach the proposer well within its wait.
  if (!(p.vote.relayWindowMs >= 0 && p.vote.relayWindowMs < p.vote.maxWaitMs / 4)) fail('vote.relayWindowMs must be >= 0 and below maxWaitMs / 4');
  for (const [k, v] of Object.entries(p.credit)) {
    if (k === 'initial' ? !(Number.isInteger(v) && v > 0 && v <= 1_000_000) : !(v >= 0 && v <= 1)) fail(`credit.${k} out of range`);
  }
  if (!(p.rouletteCutoff >= 0 && p.rouletteCutoff <= 1)) fail('rouletteCutoff must be in [0, 1]');
  const d = p.detection;
  if (!Number.isInteger(d.interval) || d.interval < 1) fail('detection.interval must be an integer >= 1');
  if (!(d.averaging > 0 && d.averaging <= 1)) fail('detection.averaging must be in (0, 1]');
  if (!Number.isInteger(d.graceHeights) || d.graceHeights < 0) fail('detection.graceHeights must be an integer >= 0');
  if (!Number.isInteger(d.roundTwo.rounds) || d.roundTwo.rounds < 1) fail('detection.roundTwo.rounds must be an integer >= 1');
  if (!(d.roundTwo.beta3 > 0 && d.roundTwo.beta3 <= 1)) fail('detection.roundTwo.beta3 must be in (0, 1]');
  if (!(d.penalty.suspendedShareCap > 0 && d.penalty.suspendedShareCap < 1 / 3)) fail('detection.penalty.suspendedShareCap must be in (0, 1/3)');
  if (!(p.trust.omega > 0 && p.trust.omega <= 1 && p.trust.delta0 > 0)) fail('trust.omega must be in (0, 1] and trust.delta0 > 0');
}
