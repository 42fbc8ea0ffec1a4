/**
 * summary.json: the runs of each (engine, malicious) cell reduced to n, mean, sample standard deviation, min and
 * max per metric. This is what the figures and report.md show; the file keeps it in a form a script can read
 * without re-parsing runs.csv. Keys are written in a fixed order and values are rounded, so the file is
 * byte-identical for identical runs; it carries no wall-clock time for the same reason.
 */
import { ENGINE_NAMES, type EngineName } from '../../core/behavior.js';
import { METRICS } from './metrics.js';
import { rounded } from './number-format.js';
import { runComparator } from './run-order.js';
import type { ExperimentMeta, RunResult } from './run-result.js';

export interface Stats {
  /** Runs with a value (a run whose metric is undefined or not finite does not count). */
  n: number;
  mean: number;
  /** Sample standard deviation (divides by n − 1); null for a single value, where it is not defined. */
  sd: number | null;
  min: number;
  max: number;
}

export interface CellSummary {
  engine: EngineName;
  malicious: number;
  /** Runs in the cell. */
  runs: number;
  /** Their seeds, ascending. */
  seeds: number[];
  /** Per metric key (METRICS); null when no run of the cell has a value (recall of a non-detecting engine). */
  metrics: Record<string, Stats | null>;
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

/** One summary per (engine, malicious) cell present in `runs`, in engine order then malicious count. */
export function summarize(runs: readonly RunResult[], engineOrder: readonly EngineName[] = ENGINE_NAMES): CellSummary[] {
  const sorted = [...runs].sort(runComparator(engineOrder));
  const cells: RunResult[][] = [];
  for (const r of sorted) {
    const last = cells.at(-1);
    if (last && last[0]!.engine === r.engine && last[0]!.malicious === r.malicious) last.push(r);
    else cells.push([r]);
  }
  return cells.map((cell) => ({
    engine: cell[0]!.engine,
    malicious: cell[0]!.malicious,
    runs: cell.length,
    seeds: cell.map((r) => r.seed),
    metrics: Object.fromEntries(METRICS.map((m) => [m.key, stats(cell.map(m.of))])),
  }));
}

/** The summary of one cell, if the experiment has it. */
export function cellOf(cells: readonly CellSummary[], engine: string, malicious: number): CellSummary | undefined {
  return cells.find((c) => c.engine === engine && c.malicious === malicious);
}

/** Stats are rounded for the file: 6 decimals is below any metric's resolution and keeps the file readable. */
const JSON_DECIMALS = 6;

function statsJson(s: Stats | null): object | null {
  if (s === null) return null;
  const r = (x: number) => rounded(x, JSON_DECIMALS);
  return { n: s.n, mean: r(s.mean), sd: s.sd === null ? null : r(s.sd), min: r(s.min), max: r(s.max) };
}

/**
 * summary.json: `meta` (the experiment's parameters), the metrics' units, and one entry per cell with the stats
 * of every metric. 2-space indent, trailing newline; object keys always in the order written here.
 */
export function summaryJson(runs: readonly RunResult[], meta: ExperimentMeta): string {
  const doc = {
    meta: {
      command: meta.command,
      preset: meta.preset,
      nodes: meta.nodes,
      cells: meta.cells,
      areaM: meta.areaM,
      engines: [...meta.engines],
      malicious: [...meta.malicious],
      seeds: meta.seeds,
      durationS: meta.durationS,
      drainS: meta.drainS,
      behaviors: meta.behaviors,
      txRate: meta.txRate,
      batchMs: meta.batchMs,
      network: { ...meta.network },
      speed: [...meta.speed],
    },
    statistics: 'per cell over its seeds: n, mean, sample standard deviation (n-1; null when n<2), min, max',
    units: Object.fromEntries(METRICS.map((m) => [m.key, m.unit])),
    cells: summarize(runs, meta.engines).map((c) => ({
      engine: c.engine,
      malicious: c.malicious,
      runs: c.runs,
      seeds: c.seeds,
      ...Object.fromEntries(METRICS.map((m) => [m.key, statsJson(c.metrics[m.key] ?? null)])),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
