/**
 * summary.json: the runs of each (engine, malicious) cell reduced to n, mean, sample standard deviation, min and
 * max per metric. This is what the figures and report.md show; the file keeps it in a form a script can read
 * without re-parsing runs.csv. Keys are written in a fixed order and values are rounded, so the file is
 * byte-identical for identical runs; it carries no wall-clock time for the same reason.
 */
import { ENGINE_NAMES, type EngineName } from '../../core/behavior.js';
import { type BehaviorSummary, summarizeBehaviors } from './behavior-summary.js';
import { METRICS } from './metrics.js';
import { rounded } from './number-format.js';
import { runComparator } from './run-order.js';
import type { ExperimentMeta, LoadName, RunResult } from './run-result.js';
import { type Stats, stats } from './summary-stats.js';

export interface CellSummary {
  engine: EngineName;
  load: LoadName;
  malicious: number;
  /** Runs in the cell. */
  runs: number;
  /** Their seeds, ascending. */
  seeds: number[];
  /** Per metric key (METRICS); null when no run of the cell has a value (recall of a non-detecting engine). */
  metrics: Record<string, Stats | null>;
  /** Detection per behaviour of the mix; [] for an engine that does not detect. */
  behaviors: BehaviorSummary[];
}

/** One summary per (engine, malicious, load) cell present in `runs`, in engine order, malicious count, then load. */
export function summarize(runs: readonly RunResult[], engineOrder: readonly EngineName[] = ENGINE_NAMES): CellSummary[] {
  const sorted = [...runs].sort(runComparator(engineOrder));
  const cells: RunResult[][] = [];
  for (const r of sorted) {
    const last = cells.at(-1);
    if (last && last[0]!.engine === r.engine && last[0]!.malicious === r.malicious && last[0]!.load === r.load) last.push(r);
    else cells.push([r]);
  }
  return cells.map((cell) => ({
    engine: cell[0]!.engine,
    load: cell[0]!.load,
    malicious: cell[0]!.malicious,
    runs: cell.length,
    seeds: cell.map((r) => r.seed),
    metrics: Object.fromEntries(METRICS.map((m) => [m.key, stats(cell.map(m.of))])),
    behaviors: summarizeBehaviors(cell),
  }));
}

/** The summary of one cell, if the experiment has it. */
export function cellOf(cells: readonly CellSummary[], engine: string, malicious: number, load: LoadName = 'paper'): CellSummary | undefined {
  return cells.find((c) => c.engine === engine && c.malicious === malicious && c.load === load);
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
      loads: [...meta.loads],
      saturation: { ...meta.saturation },
      network: { ...meta.network },
      speed: [...meta.speed],
    },
    statistics: 'per cell over its seeds: n, mean, sample standard deviation (n-1; null when n<2), min, max',
    units: Object.fromEntries(METRICS.map((m) => [m.key, m.unit])),
    cells: summarize(runs, meta.engines).map((c) => ({
      engine: c.engine,
      load: c.load,
      malicious: c.malicious,
      runs: c.runs,
      seeds: c.seeds,
      ...Object.fromEntries(METRICS.map((m) => [m.key, statsJson(c.metrics[m.key] ?? null)])),
      ...(c.behaviors.length > 0
        ? {
            behaviors: c.behaviors.map((b) => ({
              behavior: b.behavior,
              attackers: b.attackers,
              acted: b.acted,
              recall: statsJson(b.recall),
              recall_acted: statsJson(b.recallActed),
              suspend_s: statsJson(b.suspendSec),
            })),
          }
        : {}),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
