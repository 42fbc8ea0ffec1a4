/**
 * runs.csv: one row per simulator run, the raw material behind every figure. The columns the paper plots come
 * first (engine, malicious, seed, throughput_tps, latency_ms, packets_per_node, recall, precision) so the file
 * reads without the rest; then the run's size, then the cost per committed transaction (columns added later go
 * last, so a script that reads columns by position still reads the older ones). Numbers have fixed decimals and rows a fixed order, so the same
 * runs give the same bytes whatever order they finished in.
 */
import { ENGINE_NAMES, type EngineName } from '../../core/behavior.js';
import { COST_METRICS, type Metric, PAPER_METRICS, RUN_COUNTS } from './metrics.js';
import { fixed } from './number-format.js';
import { runComparator } from './run-order.js';
import type { RunResult } from './run-result.js';

interface Column {
  readonly name: string;
  readonly cell: (r: RunResult) => string;
}

const metricColumn = (m: Metric): Column => ({ name: m.key, cell: (r) => fixed(m.of(r), m.decimals) });
const intColumn = (name: string, of: (r: RunResult) => number): Column => ({ name, cell: (r) => fixed(of(r), 0) });

const COLUMNS: readonly Column[] = [
  { name: 'engine', cell: (r) => csvField(r.engine) },
  intColumn('malicious', (r) => r.malicious),
  intColumn('seed', (r) => r.seed),
  ...PAPER_METRICS.map(metricColumn),
  intColumn('nodes', (r) => r.nodes),
  ...RUN_COUNTS.map(metricColumn),
  ...COST_METRICS.map(metricColumn),
  { name: 'load', cell: (r) => csvField(r.load) },
];

export const RUNS_CSV_HEADER = COLUMNS.map((c) => c.name).join(',');

/** RFC 4180 quoting, for the one text column (engine names never need it, but a CSV must not depend on that). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * runs.csv for `runs`: the header, then one row per run sorted by engine (in `engineOrder`), malicious count and
 * seed; runs equal in all three are ordered by their row text, so even duplicates do not depend on input order.
 * recall/precision cells are empty when undefined. Lines end in \n, the last one too.
 */
export function runsCsv(runs: readonly RunResult[], engineOrder: readonly EngineName[] = ENGINE_NAMES): string {
  const byRun = runComparator(engineOrder);
  const rows = runs
    .map((r) => ({ r, line: COLUMNS.map((c) => c.cell(r)).join(',') }))
    .sort((a, b) => byRun(a.r, b.r) || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  return [RUNS_CSV_HEADER, ...rows.map((x) => x.line)].join('\n') + '\n';
}
