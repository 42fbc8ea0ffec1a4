import { strict as assert } from 'node:assert';
import { FIGURE_FILES } from '../../../../src/sim/experiment/figures.js';
import { reportMarkdown } from '../../../../src/sim/experiment/report-md.js';
import { META, grid, shuffled } from './fixtures.js';

describe('sim/experiment/report-md', () => {
  const md = reportMarkdown(grid(), META);

  it('names the command that made it and the parameters', () => {
    assert.ok(md.startsWith('# '));
    assert.ok(md.includes('\n' + META.command + '\n'));
    for (const s of ['| preset | paper |', '| nodes | 100 |', '| seeds per cell | 3 |', '`falsevote`']) assert.ok(md.includes(s), s);
  });

  it('defines the metrics as the paper means them, and the cost per committed transaction', () => {
    const definitions = [
      'transactions committed while the load was offered / the seconds it was offered',
      'submission-to-commit time / committed transactions',
      'packets sent by all nodes / nodes',
      'detected true malicious nodes / all true malicious nodes',
      'detected true malicious nodes / all nodes detected',
      'packets sent by all nodes / transactions committed by the end of the run',
      'bytes of those packets',
    ];
    for (const s of definitions) assert.ok(md.includes(s), s);
  });

  it('one table per metric with a column per engine and a row per malicious count, cells mean ± sd', () => {
    const headers = md.split('\n').filter((l) => l.startsWith('| malicious |'));
    const perEngine = headers.filter((h) => h === '| malicious | ncca | pos |');
    assert.equal(perEngine.length, 7, 'the paper\'s five metrics, then packets and bytes per committed transaction');
    assert.equal(headers.length, perEngine.length + 2, 'and two per-behaviour tables for ncca');
    assert.ok(md.includes('| 10 | 0.9000 ± 0.1000 | n/a |'), 'recall row of m=10: ncca detects, pos does not');
    assert.match(md, /\| 0 \| \d+\.\d{3} ± \d+\.\d{3} \| \d+\.\d{3} ± \d+\.\d{3} \|/);
  });

  it('gives recall per behaviour and the time to suspension for the engine that detects, and only for it', () => {
    assert.ok(md.includes('## Recall per behaviour (ncca)'));
    assert.ok(!md.includes('(pos)'));
    assert.ok(md.includes('| malicious | `drop` | `dormant:30+drop` |'));
    assert.ok(md.includes('| 10 | 1.00 (1.00 of 15 acted) | 0.00 (– of 0 acted) |'), 'drop: all caught; dormant: never woke');
    assert.ok(md.includes('## Seconds from first act to suspension (ncca)'));
    assert.ok(md.includes('| 10 | 2.0 ± 1.0 | – |'));
  });

  it('with a saturating load too, every metric has a table per load, each saying which', () => {
    const both = reportMarkdown([...grid(), ...grid().map((r) => ({ ...r, load: 'saturation' as const }))], { ...META, loads: ['paper', 'saturation'] });
    assert.ok(both.includes('## Throughput (tx/s), offered load'));
    assert.ok(both.includes('## Throughput (tx/s), saturating load'));
    assert.ok(both.includes('| saturating load | 150 tx/s, blocks of at most 20 transactions'));
    assert.ok(!md.includes('saturating load'), 'a sweep of the offered load alone reads as before');
  });

  it('links the four figures', () => {
    for (const f of FIGURE_FILES) assert.match(md, new RegExp(`!\\[Fig ${f.fig}[^\\]]*\\]\\(${f.file.replace('.', '\\.')}\\)`));
  });

  it('is byte-identical for the same runs in any order', () => {
    assert.equal(reportMarkdown(shuffled(grid()), META), md);
  });
});
