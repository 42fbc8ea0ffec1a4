/**
 * How fast a quantity grows over a run: the least-squares slope of its samples, per hour. The soak prints it for
 * each node's memory, descriptors, disk and mempool; a flat line is near 0 whatever the noise around it.
 */
export interface Sample {
  /** milliseconds since the start of the run */
  atMs: number;
  value: number;
}

/** The slope in units per hour, or undefined with fewer than two samples at distinct times. */
export function slopePerHour(samples: readonly Sample[]): number | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  const hours = samples.map((s) => s.atMs / 3_600_000);
  const meanT = hours.reduce((a, b) => a + b, 0) / n;
  const meanV = samples.reduce((a, s) => a + s.value, 0) / n;
  let cov = 0;
  let varT = 0;
  for (let i = 0; i < n; i++) {
    cov += (hours[i]! - meanT) * (samples[i]!.value - meanV);
    varT += (hours[i]! - meanT) ** 2;
  }
  return varT === 0 ? undefined : cov / varT;
}
