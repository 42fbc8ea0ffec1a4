/**
 * report.md: the human-readable result of an experiment. It names the command that made it (so it can be made
 * again), the parameters, the metrics as the paper defines them, one table per metric (malicious count by engine,
 * mean ± sample sd over the seeds) and the four figures. Like the other files it has no date in it: the same runs
 * give the same bytes.
 */
import { COST_METRICS, detects, PAPER_METRICS, REPORTED_METRICS } from './metrics.js';
import { fixed } from './number-format.js';
import { enginesOf, loadsOf, maliciousCountsOf } from './run-order.js';
import type { ExperimentMeta, LoadName, RunResult } from './run-result.js';
import type { BehaviorSummary } from './behavior-summary.js';
import { type CellSummary, cellOf, summarize } from './summary.js';
import type { Stats } from './summary-stats.js';
import { FIGURE_FILES } from './figures.js';

/** `|` would end a table cell; nothing we write should contain one, but a command line might. */
const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** "mean ± sd" at the metric's decimals; the mean alone when sd is undefined (one seed). */
function meanSd(s: Stats, decimals: number): string {
  return s.sd === null ? fixed(s.mean, decimals) : `${fixed(s.mean, decimals)} ± ${fixed(s.sd, decimals)}`;
}

/** A code span that holds `s` whatever backticks it contains. */
function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

export function reportMarkdown(runs: readonly RunResult[], meta: ExperimentMeta): string {
  const cells = summarize(runs, meta.engines);
  const engines = enginesOf(runs, meta.engines);
  const malicious = maliciousCountsOf(runs);
  const loads = loadsOf(runs);
  const out: string[] = [
    '# posplus experiment report',
    '',
    'Made by:',
    '',
    '```sh',
    meta.command,
    '```',
    '',
    '## Parameters',
    '',
    '| parameter | value |',
    '| --- | --- |',
    `| preset | ${cell(meta.preset)} |`,
    `| nodes | ${meta.nodes} |`,
    `| engines | ${cell(meta.engines.join(', '))} |`,
    `| malicious nodes | ${meta.malicious.join(', ')} |`,
    `| seeds per cell | ${meta.seeds} |`,
    `| map | ${meta.areaM / 1000} km × ${meta.areaM / 1000} km in ${meta.cells} cells |`,
    `| offered load | ${meta.txRate} tx/s from honest nodes, in batches every ${meta.batchMs} ms |`,
    ...(meta.loads.includes('saturation')
      ? [`| saturating load | ${meta.saturation.txRate} tx/s, blocks of at most ${meta.saturation.maxBlockTxs} transactions: more than any engine commits, so throughput is capacity |`]
      : []),
    `| mobility | ${meta.speed[1] > 0 ? `random waypoint at ${meta.speed[0]}–${meta.speed[1]} m/s` : 'none: vehicles stay where they start'} |`,
    `| simulated duration per run | ${meta.durationS} s of load, then ${meta.drainS} s to drain |`,
    `| network | ${meta.network.baseMs} ms radio hop + ${meta.network.hopMs} ms per cell hop + ${meta.network.perKmMs} ms/km + jitter 0–${meta.network.jitterMs} ms; loss ${meta.network.loss * 100} % per packet |`,
    `| malicious behaviour | ${meta.behaviors === '' ? 'none' : code(cell(meta.behaviors))} |`,
    `| runs reported | ${runs.length} |`,
    '',
    '## Metrics',
    '',
    'As the paper defines them, per run:',
    '',
    ...PAPER_METRICS.map((m) => `- **${m.label}**${m.unit ? ` (${m.unit})` : ''} = ${m.definition}.`),
    '',
    'And the cost of the work done, which the packets per node hide when an engine makes fewer heights:',
    '',
    ...COST_METRICS.map((m) => `- **${m.label}** = ${m.definition}.`),
    '',
    'Each table cell is the mean ± the sample standard deviation (n − 1) over the seeds of that cell; ' +
      'a single value is a cell with one seed, "n/a" an engine that does not detect, "–" no value ' +
      '(no runs in the cell, or no precision because nothing was detected).',
  ];
  for (const load of loads) for (const m of REPORTED_METRICS) {
    const detection = m.key === 'recall' || m.key === 'precision';
    const under = loads.length > 1 || load !== 'paper' ? `, ${load === 'paper' ? 'offered load' : 'saturating load'}` : '';
    out.push('', `## ${m.label}${m.unit ? ` (${m.unit})` : ''}${under}`, '');
    out.push(`| malicious | ${engines.join(' | ')} |`, `| ---: | ${engines.map(() => '---:').join(' | ')} |`);
    for (const x of malicious) {
      const row = engines.map((e) => {
        const c = cellOf(cells, e, x, load);
        if (c === undefined) return '–';
        const s = c.metrics[m.key];
        if (s) return meanSd(s, m.decimals);
        return detection && !detects(runs, e) ? 'n/a' : '–';
      });
      out.push(`| ${x} | ${row.join(' | ')} |`);
    }
  }
  out.push(...behaviorTables(cells, engines, malicious, loads[0] ?? 'paper'));
  out.push('', '## Figures', '', 'Points are the mean over the seeds; error bars span min–max over the seeds.', '');
  for (const f of FIGURE_FILES) out.push(`![Fig ${f.fig}: ${f.caption}](${f.file})`, '');
  return out.join('\n');
}

/**
 * Per detecting engine, detection per behaviour of the mix: recall over the attackers dealt it, then over those
 * of them that acted at all (with how many did), and the seconds from an attacker's first act to its suspension.
 */
function behaviorTables(cells: readonly CellSummary[], engines: readonly string[], malicious: readonly number[], load: LoadName): string[] {
  const out: string[] = [];
  for (const engine of engines) {
    const rows = malicious.map((x) => ({ x, behaviors: cellOf(cells, engine, x, load)?.behaviors ?? [] })).filter((r) => r.behaviors.length > 0);
    if (rows.length === 0) continue;
    const labels = [...new Set(rows.flatMap((r) => r.behaviors.map((b) => b.behavior)))];
    const table = (title: string, explain: string, value: (b: BehaviorSummary) => string): void => {
      out.push('', `## ${title} (${engine})`, '', explain, '');
      out.push(`| malicious | ${labels.map((l) => code(cell(l))).join(' | ')} |`, `| ---: | ${labels.map(() => '---:').join(' | ')} |`);
      for (const r of rows) out.push(`| ${r.x} | ${labels.map((l) => r.behaviors.find((b) => b.behavior === l)).map((b) => (b ? value(b) : '–')).join(' | ')} |`);
    };
    table(
      'Recall per behaviour',
      'Confirmed attackers / attackers dealt the behaviour; in brackets the same over the attackers that acted at all, and how many of them did (summed over the seeds). Precision has no per-behaviour form: a wrongly confirmed honest node was dealt none.',
      (b) => `${b.recall ? fixed(b.recall.mean, 2) : '–'} (${b.recallActed ? fixed(b.recallActed.mean, 2) : '–'} of ${b.acted} acted)`,
    );
    table('Seconds from first act to suspension', 'Mean over the confirmed attackers that acted, then over the seeds.', (b) => (b.suspendSec ? meanSd(b.suspendSec, 1) : '–'));
  }
  return out;
}

