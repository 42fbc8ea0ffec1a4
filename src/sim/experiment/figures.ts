/**
 * The four figures of the paper's evaluation, redrawn from an experiment's runs: throughput (Fig 4), latency
 * (Fig 5), packets per node (Fig 6) against the number of malicious nodes, one line per engine, and detection
 * (Fig 7): recall and precision of the engines that detect. Each point is the mean over the seeds of a cell,
 * its error bar the min–max over those seeds (the spread actually seen, defined even for two seeds).
 */
import { ENGINE_NAMES, type EngineName } from '../../core/behavior.js';
import { detects, type Metric, type PaperMetricKey, paperMetric } from './metrics.js';
import { enginesOf, loadsOf } from './run-order.js';
import type { LoadName, RunResult } from './run-result.js';
import { type CellSummary, summarize } from './summary.js';
import { type ChartSeries, type LineChart, type MarkerShape, lineChartSvg } from './svg-chart.js';

/** A colour (Okabe–Ito, distinguishable with colour blindness) and a marker per engine, the same in every figure. */
const ENGINE_STYLE: Readonly<Record<EngineName, { color: string; marker: MarkerShape }>> = {
  ncca: { color: '#0072b2', marker: 'circle' },
  pos: { color: '#d55e00', marker: 'square' },
  rpca: { color: '#009e73', marker: 'triangle' },
  cdbft: { color: '#cc79a7', marker: 'diamond' },
  dpos: { color: '#e69f00', marker: 'cross' },
};
const FALLBACK_STYLE = { color: '#555555', marker: 'circle' } as const;

export interface FigureFile {
  fig: number;
  file: string;
  caption: string;
}

export const FIGURE_FILES = [
  { fig: 4, file: 'fig4-throughput.svg', caption: 'Throughput (tx/s) vs. malicious nodes' },
  { fig: 5, file: 'fig5-latency.svg', caption: 'Average latency (ms) vs. malicious nodes' },
  { fig: 6, file: 'fig6-packets.svg', caption: 'Average packets per node vs. malicious nodes' },
  { fig: 7, file: 'fig7-detection.svg', caption: 'Detection: recall and precision vs. malicious nodes' },
] as const satisfies readonly FigureFile[];

const X_TITLE = 'Malicious nodes';

function subtitle(cells: readonly CellSummary[]): string {
  const ns = cells.map((c) => c.runs);
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  const n = ns.length === 0 ? '0' : lo === hi ? `${lo}` : `${lo}–${hi}`;
  return `Points: mean over seeds (n = ${n} per point); error bars: min–max over the seeds`;
}

/** One series for `metric` of `engine`: a point per cell that has a value. */
function seriesOf(cells: readonly CellSummary[], engine: EngineName, metric: Metric, label: string, secondary: boolean): ChartSeries {
  const style = ENGINE_STYLE[engine] ?? FALLBACK_STYLE;
  const points = cells.flatMap((c) => {
    const s = c.engine === engine ? c.metrics[metric.key] : null;
    return s ? [{ x: c.malicious, mean: s.mean, lo: s.min, hi: s.max }] : [];
  });
  return { label, engine, color: style.color, marker: style.marker, secondary, points };
}

function caption(fig: number): string {
  return `Fig ${fig}. ${FIGURE_FILES.find((f) => f.fig === fig)!.caption}`;
}

function metricChart(fig: number, key: PaperMetricKey, cells: readonly CellSummary[], engines: readonly EngineName[]): LineChart {
  const m = paperMetric(key);
  return {
    title: caption(fig),
    subtitle: subtitle(cells),
    xTitle: X_TITLE,
    yTitle: `${m.label} (${m.unit})`,
    series: engines.map((e) => seriesOf(cells, e, m, e, false)),
    emptyMessage: 'No runs with a value for this metric',
  };
}

function detectionChart(cells: readonly CellSummary[], detecting: readonly EngineName[]): LineChart {
  const recall = paperMetric('recall');
  const precision = paperMetric('precision');
  return {
    title: caption(7),
    subtitle: subtitle(cells.filter((c) => detecting.includes(c.engine))),
    xTitle: X_TITLE,
    yTitle: 'Recall, precision (0–1)',
    series: detecting.flatMap((e) => [
      seriesOf(cells, e, recall, `${e} recall`, false),
      seriesOf(cells, e, precision, `${e} precision`, true),
    ]),
    yRange: [0, 1],
    emptyMessage: 'No engine in this experiment detects malicious nodes: recall and precision are undefined',
  };
}

/** The four figures as [file name, SVG text], in figure order. */
export function figureSvgs(runs: readonly RunResult[], engineOrder: readonly EngineName[] = ENGINE_NAMES): [string, string][] {
  const all = summarize(runs, engineOrder);
  const engines = enginesOf(runs, engineOrder);
  // Throughput is capacity, so Fig 4 shows the saturating load when there is one; the others the offered load.
  const loads = loadsOf(runs);
  const under = (load: LoadName) => all.filter((c) => c.load === load);
  const capacity = under(loads.includes('saturation') ? 'saturation' : (loads[0] ?? 'paper'));
  const cells = under(loads[0] ?? 'paper');
  const charts: LineChart[] = [
    metricChart(4, 'throughput_tps', capacity, engines),
    metricChart(5, 'latency_ms', cells, engines),
    metricChart(6, 'packets_per_node', cells, engines),
    detectionChart(cells, engines.filter((e) => detects(runs, e))),
  ];
  return charts.map((c, i) => [FIGURE_FILES[i]!.file, lineChartSvg(c)]);
}
