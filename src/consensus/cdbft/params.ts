/** CDBFT's credit model (Wang et al., "CDBFT: A Byzantine Fault Tolerance Consensus Algorithm Based on Credit"). */
export interface CdbftParams {
  /** Credit of a node never scored, in ppm: 0.6, above the threshold, so every new node may join consensus. */
  initial: number;
  /** Consensus nodes need at least this credit (ppm): 0.5, below the start, so one slip does not exclude a node. */
  threshold: number;
  /** Vote reward per block for each signer of the previous commit (ppm): 0.02, slow recovery. */
  reward: number;
  /** Vote punishment for a consensus node that did not sign (ppm): 0.05, larger than the reward. */
  absent: number;
  /** Punishment of a primary whose round failed (ppm): 0.2, a failed view is the costliest honest-looking fault. */
  failedPrimary: number;
  /** Share of the registered nodes that may be consensus nodes: the NCCA paper's validator ratio 0.6. */
  ratio: number;
  /** Fewer consensus nodes than this and every registered node takes part: PBFT needs 3f + 1 ≥ 4 to mask a fault. */
  minNodes: number;
}

/** Credit is kept in parts per million in [0, CREDIT_MAX]. */
export const CREDIT_MAX = 1_000_000;

export const DEFAULT_CDBFT_PARAMS: CdbftParams = {
  initial: 600_000,
  threshold: 500_000,
  reward: 20_000,
  absent: 50_000,
  failedPrimary: 200_000,
  ratio: 0.6,
  minNodes: 4,
};

export function checkCdbftParams(p: CdbftParams): void {
  for (const k of ['initial', 'threshold', 'reward', 'absent', 'failedPrimary'] as const) {
    if (!(Number.isInteger(p[k]) && p[k] >= 0 && p[k] <= CREDIT_MAX)) throw new RangeError(`CDBFT parameter ${k} must be an integer ppm in [0, 1e6]`);
  }
  if (!(p.ratio > 0 && p.ratio <= 1)) throw new RangeError('CDBFT ratio must be in (0, 1]');
  if (!(Number.isInteger(p.minNodes) && p.minNodes >= 1)) throw new RangeError('CDBFT minNodes must be a positive integer');
}
