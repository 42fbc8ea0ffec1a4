/** What every writer shows of one metric over the runs of one cell. */
export interface Stats {
  /** Runs with a value (a run whose metric is undefined or not finite does not count). */
  n: number;
  mean: number;
  /** Sample standard deviation (divides by n − 1); null for a single value, where it is not defined. */
  sd: number | null;
  min: number;
  max: number;
}

/**
 * n, mean, sample sd, min and max of the finite values in `values`; null when there are none. The values are
 * summed in ascending order, so the result does not depend on the order the runs came in.
 */
export function stats(values: readonly (number | undefined)[]): Stats | null {
  const xs = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return null;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = n < 2 ? null : Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return { n, mean, sd, min: xs[0]!, max: xs[n - 1]! };
}
