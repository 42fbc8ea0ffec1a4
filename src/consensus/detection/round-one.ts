import { fuzzyCMeans } from './fcm.js';

/**
 * Round one of the NCCA paper's malicious-node detection (§2.3): the multi-region validators cooperatively cluster
 * every node's recent behaviour into two fuzzy clusters and score each cluster with the paper's formula (3); the
 * worse cluster's members become suspects, to be watched locally in round two.
 */

/** Per node, what the chain shows over the recent window. All rates are in [0,1]. */
export interface NodeFactors {
  address: string;
  /** α: share of validators whose trusted list holds the node. */
  trustedJoins: number;
  /** μ */
  voteEfficiency: number;
  /** υ: count of committed evidence naming the node (invalid proposals, equivocation) in the window. */
  invalidBlocks: number;
  /** χ: share of committed transactions the node's ballots lagged on. */
  latency: number;
  /** Share of heights with no message from the node. */
  offline: number;
}

export interface RoundOneParams {
  /** ι1..ι4 of the paper's formula (3). */
  iota: { trusted: number; efficiency: number; invalid: number; latency: number };
  /** The two cluster scores must differ by at least this, else nobody is suspect. */
  minGap: number;
  /** A node is suspect when its membership in the lower cluster is at least this (e.g. 0.5). */
  minMembership: number;
  /**
   * Default 0: plain min-max. A factor whose values spread less than this across the rows is divided by this
   * instead of by its spread, so differences smaller than minSpread stay below full scale. Plain min-max turns
   * 1 % of noise among equally honest nodes into differences of 1, and FCM then splits the noise with a score
   * gap as large as a real outlier's; 0.1 (ten points of a rate) keeps such a set's gap under about 0.05 while
   * a real outlier group keeps a gap above 0.4 (see the tests).
   */
  minSpread?: number;
}

export interface RoundOneResult {
  /** Sorted. */
  suspects: string[];
  /** In the clustering's order; members are the nodes with their largest membership there (sorted). Empty below 3 rows. */
  clusters: { center: number[]; score: number; members: string[] }[];
  /** Higher score minus lower score; 0 below 3 rows. */
  gap: number;
}

/** Clustering needs at least this many nodes: with two, each is its own cluster and one would always be "worse". */
const MIN_ROWS = 3;

function validate(rows: readonly NodeFactors[], p: RoundOneParams): void {
  for (const [k, v] of Object.entries(p.iota)) {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`round one: iota.${k} must be finite and >= 0, got ${v}`);
  }
  if (!(Number.isFinite(p.minGap) && p.minGap >= 0)) throw new RangeError(`round one: minGap must be finite and >= 0, got ${p.minGap}`);
  if (!(p.minMembership > 0 && p.minMembership <= 1)) throw new RangeError(`round one: minMembership must be in (0, 1], got ${p.minMembership}`);
  const spread = p.minSpread ?? 0;
  if (!(Number.isFinite(spread) && spread >= 0)) throw new RangeError(`round one: minSpread must be finite and >= 0, got ${spread}`);
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.address)) throw new RangeError(`round one: address ${r.address} appears twice`);
    seen.add(r.address);
    for (const v of [r.trustedJoins, r.voteEfficiency, r.invalidBlocks, r.latency, r.offline]) {
      if (!Number.isFinite(v)) throw new RangeError(`round one: factors of ${r.address} must be finite`);
    }
  }
}

/**
 * Min-max over the rows, so every factor weighs the same in the clustering whatever its unit (υ is a count, the
 * rest are rates). A factor on which every node agrees says nothing about who differs, hence 0 for all; a spread
 * below minSpread counts as that much (see RoundOneParams.minSpread).
 */
export function normaliseFactor(column: readonly number[], minSpread = 0): number[] {
  let lo = column[0]!;
  let hi = column[0]!;
  for (const x of column) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const spread = Math.max(hi - lo, minSpread);
  return column.map((x) => (spread === 0 ? 0 : (x - lo) / spread));
}

/**
 * Cluster score V_k = the membership-weighted mean of the nodes' formula-(3) scores
 * ι_trusted·α + ι_efficiency·μ − ι_invalid·υ − ι_latency·χ over normalised factors. The suspects are the nodes
 * with at least minMembership in the lower-scoring cluster, provided the scores differ by at least minGap; below
 * three rows nobody is suspect. Rows are worked on in address order, so their order cannot change the result;
 * addresses must be unique and factors finite (RangeError otherwise).
 */
export function roundOneSuspects(rows: readonly NodeFactors[], p: RoundOneParams): RoundOneResult {
  validate(rows, p);
  if (rows.length < MIN_ROWS) return { suspects: [], clusters: [], gap: 0 };

  const sorted = [...rows].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const columns = [
    sorted.map((r) => r.trustedJoins),
    sorted.map((r) => r.voteEfficiency),
    sorted.map((r) => r.invalidBlocks),
    sorted.map((r) => r.latency),
    sorted.map((r) => r.offline),
  ].map((c) => normaliseFactor(c, p.minSpread ?? 0));
  const [alpha, mu, upsilon, chi] = columns as [number[], number[], number[], number[], number[]];
  const points = sorted.map((_, i) => columns.map((c) => c[i]!));
  // Formula (3): good factors add, bad ones subtract. Offline shapes the clusters but, as in the paper, not the score.
  const nodeScore = sorted.map((_, i) => p.iota.trusted * alpha[i]! + p.iota.efficiency * mu[i]! - p.iota.invalid * upsilon[i]! - p.iota.latency * chi[i]!);

  const { centers, memberships } = fuzzyCMeans(points, { clusters: 2 });
  const scores = centers.map((_, k) => {
    let weighted = 0;
    let total = 0;
    memberships.forEach((row, i) => {
      weighted += row[k]! * nodeScore[i]!;
      total += row[k]!;
    });
    return total > 0 ? weighted / total : 0;
  });
  // A node split evenly is listed under the first cluster, so each node is listed exactly once.
  const home = memberships.map((u) => (u[0]! >= u[1]! ? 0 : 1));
  const clusters = centers.map((center, k) => ({ center, score: scores[k]!, members: sorted.filter((_, i) => home[i] === k).map((r) => r.address) }));

  const low = scores[0]! <= scores[1]! ? 0 : 1;
  const gap = Math.abs(scores[0]! - scores[1]!);
  // Equal scores leave no worse cluster, even with minGap 0.
  if (gap === 0 || gap < p.minGap) return { suspects: [], clusters, gap };
  const suspects = sorted.filter((_, i) => memberships[i]![low]! >= p.minMembership).map((r) => r.address);
  return { suspects, clusters, gap };
}
