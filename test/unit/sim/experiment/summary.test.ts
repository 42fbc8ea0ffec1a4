import { strict as assert } from 'node:assert';
import { summarize, summaryJson } from '../../../../src/sim/experiment/summary.js';
import { stats } from '../../../../src/sim/experiment/summary-stats.js';
import { META, grid, run, shuffled } from './fixtures.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('sim/experiment/summary', () => {
  it('stats: n, mean, sample sd, min, max on a hand-computed case', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum 32, sample variance 32/7.
    const s = stats([4, 9, 2, 4, 5, 7, 4, 5])!;
    assert.equal(s.n, 8);
    close(s.mean, 5, 'mean');
    close(s.sd!, Math.sqrt(32 / 7), 'sd');
    assert.equal(s.min, 2);
    assert.equal(s.max, 9);
  });

  it('stats: missing and non-finite values do not count; none gives null; one value has no sd', () => {
    assert.equal(stats([]), null);
    assert.equal(stats([undefined, NaN]), null);
    assert.deepEqual(stats([3, undefined, Infinity]), { n: 1, mean: 3, sd: null, min: 3, max: 3 });
    assert.deepEqual(stats([1, 3]), { n: 2, mean: 2, sd: Math.SQRT2, min: 1, max: 3 });
  });

  it('summarize: one cell per (engine, malicious), in engine then malicious order, with the cell statistics', () => {
    const runs = [
      run({ engine: 'pos', malicious: 10, seed: 1, throughput_tps: 10, recall: undefined, precision: undefined }),
      run({ engine: 'pos', malicious: 10, seed: 2, throughput_tps: 14, recall: undefined, precision: undefined }),
      run({ engine: 'ncca', malicious: 10, seed: 2, latency_ms: 900 }),
      run({ engine: 'ncca', malicious: 0, seed: 1 }),
    ];
    const cells = summarize(runs);
    assert.deepEqual(
      cells.map((c) => [c.engine, c.malicious, c.runs, c.seeds]),
      [
        ['ncca', 0, 1, [1]],
        ['ncca', 10, 1, [2]],
        ['pos', 10, 2, [1, 2]],
      ],
    );
    assert.deepEqual(cells[2]!.metrics.throughput_tps, { n: 2, mean: 12, sd: 2 * Math.SQRT2, min: 10, max: 14 });
    assert.equal(cells[2]!.metrics.recall, null);
    assert.equal(cells[1]!.metrics.latency_ms!.mean, 900);
    assert.equal(cells[0]!.metrics.simulated_s!.mean, 60);
  });

  it('summaryJson: meta and cells in a stable key order, 2-space indent, trailing newline, no dates', () => {
    const json = summaryJson(grid(), META);
    assert.ok(json.endsWith('}\n'));
    assert.ok(json.startsWith('{\n  "meta": {\n    "command": '));
    const doc = JSON.parse(json);
    assert.deepEqual(Object.keys(doc), ['meta', 'statistics', 'units', 'cells']);
    assert.deepEqual(Object.keys(doc.meta), ['command', 'preset', 'nodes', 'cells', 'areaM', 'engines', 'malicious', 'seeds', 'durationS', 'drainS', 'behaviors', 'txRate', 'batchMs', 'loads', 'saturation', 'network', 'speed']);
    assert.equal(doc.meta.command, META.command);
    assert.equal(doc.cells.length, 6);
    const c = doc.cells[0];
    assert.deepEqual(Object.keys(c).slice(0, 6), ['engine', 'load', 'malicious', 'runs', 'seeds', 'throughput_tps']);
    assert.deepEqual(Object.keys(c.throughput_tps), ['n', 'mean', 'sd', 'min', 'max']);
    assert.equal(doc.cells.find((x: { engine: string }) => x.engine === 'pos').recall, null);
    assert.equal(doc.cells.find((x: { engine: string }) => x.engine === 'pos').behaviors, undefined, 'no detection, no per-behaviour figures');
    const ncca10 = doc.cells.find((x: { engine: string; malicious: number }) => x.engine === 'ncca' && x.malicious === 10);
    assert.deepEqual(ncca10.behaviors.map((b: { behavior: string }) => b.behavior), ['drop', 'dormant:30+drop']);
    assert.deepEqual(Object.keys(ncca10.behaviors[0]), ['behavior', 'attackers', 'acted', 'recall', 'recall_acted', 'suspend_s']);
    assert.equal(ncca10.behaviors[0].attackers, 15);
    assert.equal(ncca10.behaviors[1].recall_acted, null, 'no attacker of the behaviour acted');
    assert.doesNotMatch(json, /\d{4}-\d\d-\d\d|T\d\d:\d\d/);
  });

  it('summaryJson is byte-identical for the same runs in any order', () => {
    const runs = grid();
    const json = summaryJson(runs, META);
    assert.equal(summaryJson(shuffled(runs), META), json);
    assert.equal(summaryJson([...runs].reverse(), META), json);
  });
});
