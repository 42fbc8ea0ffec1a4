/**
 * Fuzzy c-means (Bezdek), the clustering the NCCA paper's round-one detection (§2.3) runs over the nodes' behaviour
 * factors. Every replica must reach the same clusters from the same chain data, so nothing here is random and
 * every sum runs in one canonical order.
 */

export interface FcmOptions {
  clusters: number;
  /** Fuzzifier, > 1; default 2. */
  m?: number;
  /** Default 100. 0 returns the initial centers and their memberships. */
  maxIterations?: number;
  /** Default 1e-6: stop once no membership moved by this much or more in one iteration. */
  epsilon?: number;
}

export interface FcmResult {
  /** One center per cluster; empty when there are no points. */
  centers: number[][];
  /** [point][cluster], in the caller's point order; each row sums to 1. */
  memberships: number[][];
  /** Center updates made. */
  iterations: number;
}

/** Lexicographic order of coordinates: a total order on points that does not depend on where they stand in the input. */
function comparePoints(a: readonly number[], b: readonly number[]): number {
  for (let d = 0; d < a.length; d++) {
    const x = a[d]!;
    const y = b[d]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function sum(p: readonly number[]): number {
  let s = 0;
  for (const x of p) s += x;
  return s;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) {
    const diff = a[d]! - b[d]!;
    s += diff * diff;
  }
  return s;
}

/**
 * The initial centers: the distinct points ordered by coordinate sum (ties by coordinates), and from that list
 * the ones at evenly spaced positions floor(k·(d−1)/(c−1)), so the two-cluster case starts from the lowest- and the
 * highest-sum point, the most separated pair along the diagonal. Deduplicating first keeps two clusters from
 * starting on the same spot while distinct points remain (identical centers would stay identical forever); with
 * fewer distinct points than clusters some positions repeat, and those clusters share their points equally.
 */
export function initialCenters(points: readonly (readonly number[])[], clusters: number): number[][] {
  const sorted = points
    .map((p) => ({ p, s: sum(p) }))
    .sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : comparePoints(a.p, b.p)));
  const distinct: (readonly number[])[] = [];
  for (const { p } of sorted) {
    const last = distinct[distinct.length - 1];
    if (last === undefined || comparePoints(last, p) !== 0) distinct.push(p);
  }
  const d = distinct.length;
  if (d === 0) return [];
  const centers: number[][] = [];
  for (let k = 0; k < clusters; k++) {
    const at = clusters === 1 ? Math.floor((d - 1) / 2) : Math.floor((k * (d - 1)) / (clusters - 1));
    // x + 0 turns −0 into 0, so which of two equal-comparing points came first cannot show in a center.
    centers.push(distinct[at]!.map((x) => x + 0));
  }
  return centers;
}

/**
 * u_ik = 1 / Σ_j (D_ik / D_ij)^(1/(m−1)) with D the squared distance. The ratio form keeps every term finite where
 * the textbook D^(−1/(m−1)) would overflow for a point very close to a center. A point on one or more centers
 * belongs to those equally and to no other: the limit of the formula as its distance to them goes to 0.
 */
function membershipsOf(points: readonly (readonly number[])[], centers: readonly (readonly number[])[], m: number): number[][] {
  const exponent = 1 / (m - 1);
  return points.map((p) => {
    const dist = centers.map((c) => squaredDistance(p, c));
    const onCenter = dist.filter((x) => x === 0).length;
    if (onCenter > 0) return dist.map((x) => (x === 0 ? 1 / onCenter : 0));
    return dist.map((dk) => {
      let s = 0;
      for (const dj of dist) {
        const ratio = dk / dj;
        // m = 2, the default, needs no Math.pow at all, so its results are plain IEEE arithmetic.
        s += exponent === 1 ? ratio : Math.pow(ratio, exponent);
      }
      return 1 / s;
    });
  });
}

function centersOf(points: readonly (readonly number[])[], u: readonly (readonly number[])[], previous: readonly (readonly number[])[], m: number): number[][] {
  const dims = points[0]!.length;
  return previous.map((prev, k) => {
    const acc = new Array<number>(dims).fill(0);
    let total = 0;
    for (let i = 0; i < points.length; i++) {
      const uik = u[i]![k]!;
      const w = m === 2 ? uik * uik : Math.pow(uik, m);
      total += w;
      for (let d = 0; d < dims; d++) acc[d]! += w * points[i]![d]!;
    }
    // A cluster nobody belongs to at all (every point sits on another center) has no mean; it stays put.
    return total > 0 ? acc.map((x) => x / total) : [...prev];
  });
}

function validate(points: readonly (readonly number[])[], o: FcmOptions): { m: number; maxIterations: number; epsilon: number } {
  const m = o.m ?? 2;
  const maxIterations = o.maxIterations ?? 100;
  const epsilon = o.epsilon ?? 1e-6;
  if (!Number.isSafeInteger(o.clusters) || o.clusters < 1) throw new RangeError(`fcm: clusters must be an integer >= 1, got ${o.clusters}`);
  if (!(Number.isFinite(m) && m > 1)) throw new RangeError(`fcm: m must be finite and > 1, got ${m}`);
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 0) throw new RangeError(`fcm: maxIterations must be an integer >= 0, got ${maxIterations}`);
  if (!(Number.isFinite(epsilon) && epsilon >= 0)) throw new RangeError(`fcm: epsilon must be finite and >= 0, got ${epsilon}`);
  const dims = points[0]?.length ?? 0;
  for (const p of points) {
    if (p.length !== dims) throw new RangeError(`fcm: every point needs ${dims} coordinates, got one with ${p.length}`);
    for (const x of p) if (!Number.isFinite(x)) throw new RangeError(`fcm: coordinates must be finite, got ${x}`);
  }
  return { m, maxIterations, epsilon };
}

/**
 * Clusters `points` into `options.clusters` fuzzy clusters. Alternates center and membership updates from
 * {@link initialCenters}; the result's centers are the ones its memberships were computed from. The points are
 * worked on in coordinate order internally, so permuting the input permutes the memberships' rows and changes
 * nothing else, to the bit. Squared distances between points must stay finite.
 */
export function fuzzyCMeans(points: readonly (readonly number[])[], options: FcmOptions): FcmResult {
  const { m, maxIterations, epsilon } = validate(points, options);
  if (points.length === 0) return { centers: [], memberships: [], iterations: 0 };

  // Identical points compare equal and contribute identical terms, so their relative order cannot change a sum.
  const order = points.map((_, i) => i).sort((a, b) => comparePoints(points[a]!, points[b]!));
  const pts = order.map((i) => points[i]!);

  let centers = initialCenters(pts, options.clusters);
  let u = membershipsOf(pts, centers, m);
  let iterations = 0;
  while (iterations < maxIterations) {
    centers = centersOf(pts, u, centers, m);
    const next = membershipsOf(pts, centers, m);
    let change = 0;
    for (let i = 0; i < pts.length; i++) {
      for (let k = 0; k < centers.length; k++) change = Math.max(change, Math.abs(next[i]![k]! - u[i]![k]!));
    }
    u = next;
    iterations++;
    if (change < epsilon) break;
  }

  const memberships = new Array<number[]>(points.length);
  order.forEach((original, sortedAt) => {
    memberships[original] = u[sortedAt]!;
  });
  return { centers, memberships, iterations };
}
