import type { BehaviorDetection, RunResult } from './run-result.js';
import { type Stats, stats } from './summary-stats.js';

/** Detection of one behaviour of the mix over the seeds of one (engine, malicious) cell. */
export interface BehaviorSummary {
  behavior: string;
  /** Summed over the cell's runs. */
  attackers: number;
  acted: number;
  /** Per run: detected / attackers dealt the behaviour. */
  recall: Stats | null;
  /** Per run: detected among those that acted / those that acted (no value for a run where none acted). */
  recallActed: Stats | null;
  /** Per run: the mean seconds from first act to first confirmation over its detected attackers that acted. */
  suspendSec: Stats | null;
}

const ratio = (a: number, b: number): number | undefined => (b === 0 ? undefined : a / b);
const mean = (xs: readonly number[]): number | undefined => (xs.length === 0 ? undefined : xs.reduce((s, x) => s + x, 0) / xs.length);

/**
 * Per behaviour of the mix, in the mix's order, for the runs of one cell; [] when none of them reports behaviours
 * (an engine that does not detect). Precision has no per-behaviour form: an honest node wrongly confirmed was
 * dealt no behaviour, so it stays one figure per run.
 */
export function summarizeBehaviors(cell: readonly RunResult[]): BehaviorSummary[] {
  const runs = cell.filter((r) => r.behaviors !== undefined);
  if (runs.length === 0) return [];
  const labels = [...new Set(runs.flatMap((r) => r.behaviors!.map((b) => b.behavior)))];
  return labels.map((behavior) => {
    const per = runs.map((r) => r.behaviors!.find((b) => b.behavior === behavior)).filter((b): b is BehaviorDetection => b !== undefined);
    return {
      behavior,
      attackers: per.reduce((n, b) => n + b.attackers, 0),
      acted: per.reduce((n, b) => n + b.acted, 0),
      recall: stats(per.map((b) => ratio(b.detected, b.attackers))),
      recallActed: stats(per.map((b) => ratio(b.detectedActed, b.acted))),
      suspendSec: stats(per.map((b) => mean(b.suspendSec))),
    };
  });
}
