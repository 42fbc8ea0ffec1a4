/**
 * The metrics of an experiment, as one table that every writer reads: the CSV columns, the summary.json keys,
 * the report tables and the figures all come from here, so a metric is named, rounded and defined the same way
 * in every file.
 */
import type { RunResult } from './run-result.js';

export interface Metric {
  /** Column name in runs.csv and key in summary.json. */
  readonly key: string;
  /** Human name, for report headings and chart axes. */
  readonly label: string;
  readonly unit: string;
  /** Digits after the point in runs.csv and report.md. */
  readonly decimals: number;
  /** The value of one run; undefined when the run has none (recall/precision of an engine that does not detect). */
  readonly of: (r: RunResult) => number | undefined;
  /** The definition from the paper, for report.md; only the paper's five metrics have one. */
  readonly definition?: string;
}

/** The five metrics the paper evaluates, in the paper's order. */
export const PAPER_METRICS = [
  {
    key: 'throughput_tps',
    label: 'Throughput',
    unit: 'tx/s',
    decimals: 3,
    of: (r) => r.throughput_tps,
    definition: 'transactions committed while the load was offered / the seconds it was offered (a transaction committed later, or never, counts as not committed)',
  },
  {
    key: 'latency_ms',
    label: 'Average latency',
    unit: 'ms',
    decimals: 3,
    of: (r) => r.latency_ms,
    definition: 'total submission-to-commit time / committed transactions',
  },
  {
    key: 'packets_per_node',
    label: 'Average packets per node',
    unit: 'packets',
    decimals: 3,
    of: (r) => r.packets_per_node,
    definition: 'packets sent by all nodes / nodes',
  },
  {
    key: 'recall',
    label: 'Recall',
    unit: '',
    decimals: 4,
    of: (r) => r.recall,
    definition: 'detected true malicious nodes / all true malicious nodes',
  },
  {
    key: 'precision',
    label: 'Precision',
    unit: '',
    decimals: 4,
    of: (r) => r.precision,
    definition: 'detected true malicious nodes / all nodes detected',
  },
] as const satisfies readonly Metric[];

/**
 * The cost of a unit of work: the paper counts packets per node, which falls when an engine makes fewer heights
 * (under attack, say); per committed transaction it cannot. Bytes as well as packets, since the engines' messages
 * differ in size.
 */
export const COST_METRICS = [
  {
    key: 'packets_per_tx',
    label: 'Packets per committed transaction',
    unit: 'packets/tx',
    decimals: 1,
    of: (r) => r.packets_per_tx,
    definition: 'packets sent by all nodes / transactions committed by the end of the run',
  },
  {
    key: 'bytes_per_tx',
    label: 'Bytes per committed transaction',
    unit: 'bytes/tx',
    decimals: 0,
    of: (r) => r.bytes_per_tx,
    definition: 'bytes of those packets (the encoded message, without transport framing) / the same transactions',
  },
] as const satisfies readonly Metric[];

/** The metrics report.md has a table for, in order. */
export const REPORTED_METRICS: readonly Metric[] = [...PAPER_METRICS, ...COST_METRICS];

/** What a run did besides the paper's metrics: its size, for reading the paper metrics against. */
export const RUN_COUNTS = [
  { key: 'heights', label: 'Committed heights', unit: 'heights', decimals: 0, of: (r) => r.heights },
  { key: 'submitted_txs', label: 'Submitted transactions', unit: 'tx', decimals: 0, of: (r) => r.submittedTxs },
  { key: 'committed_txs', label: 'Committed transactions', unit: 'tx', decimals: 0, of: (r) => r.committedTxs },
  { key: 'simulated_s', label: 'Simulated time', unit: 's', decimals: 3, of: (r) => r.simulatedMs / 1000 },
  { key: 'events', label: 'Simulator events', unit: 'events', decimals: 0, of: (r) => r.events },
  { key: 'offered_txs', label: 'Offered transactions', unit: 'tx', decimals: 0, of: (r) => r.offeredTxs },
] as const satisfies readonly Metric[];

/** Every metric that is aggregated per cell, in column order (runs.csv appends the newer ones at its end). */
export const METRICS: readonly Metric[] = [...PAPER_METRICS, ...RUN_COUNTS, ...COST_METRICS];

export type PaperMetricKey = (typeof PAPER_METRICS)[number]['key'];

export function paperMetric(key: PaperMetricKey): Metric {
  return PAPER_METRICS.find((m) => m.key === key)!;
}

/**
 * True when an engine detects malicious nodes: some run of it reports a recall or a precision. The runner leaves
 * both undefined for engines without detection.
 */
export function detects(runs: readonly RunResult[], engine: string): boolean {
  return runs.some((r) => r.engine === engine && (r.recall !== undefined || r.precision !== undefined));
}
