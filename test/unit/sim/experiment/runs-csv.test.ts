import { strict as assert } from 'node:assert';
import { RUNS_CSV_HEADER, runsCsv } from '../../../../src/sim/experiment/runs-csv.js';
import { grid, run, shuffled } from './fixtures.js';

const REQUIRED = ['engine', 'malicious', 'seed', 'throughput_tps', 'latency_ms', 'packets_per_node', 'recall', 'precision'];

describe('sim/experiment/runs-csv', () => {
  it('the header starts with the required columns, in order, then the rest', () => {
    const header = runsCsv([]).split('\n')[0]!.split(',');
    assert.deepEqual(header.slice(0, REQUIRED.length), REQUIRED);
    assert.deepEqual(header.slice(REQUIRED.length), ['nodes', 'heights', 'submitted_txs', 'committed_txs', 'simulated_s', 'events', 'offered_txs', 'packets_per_tx', 'bytes_per_tx', 'load']);
    assert.equal(runsCsv([]), RUNS_CSV_HEADER + '\n');
  });

  it('one row per run, as many cells as columns, fixed decimals', () => {
    const runs = grid();
    const lines = runsCsv(runs).split('\n');
    assert.equal(lines.at(-1), '', 'ends in a newline');
    assert.equal(lines.length, runs.length + 2);
    for (const l of lines.slice(1, -1)) assert.equal(l.split(',').length, REQUIRED.length + 10, l);
    const one = runsCsv([run({ throughput_tps: 1 / 3, latency_ms: 2, packets_per_node: 1234.5678, recall: 2 / 3, simulatedMs: 1500 })]);
    assert.equal(one.split('\n')[1], 'ncca,0,1,0.333,2.000,1234.568,0.6667,0.9500,100,50,1000,900,1.500,12345,1010,33.3,4322,paper');
  });

  it('recall and precision are empty when undefined; non-finite numbers are empty too, never NaN', () => {
    const csv = runsCsv([run({ engine: 'pos', recall: undefined, precision: undefined, latency_ms: NaN })]);
    assert.equal(csv.split('\n')[1], 'pos,0,1,15.000,,300.000,,,100,50,1000,900,60.000,12345,1010,33.3,4322,paper');
    assert.ok(!csv.includes('NaN') && !csv.includes('undefined'));
  });

  it('rows are sorted by engine order, then malicious, then seed', () => {
    const at = (engine: 'ncca' | 'pos', malicious: number, seed: number) => run({ engine, malicious, seed });
    const runs = [at('pos', 10, 2), at('ncca', 10, 1), at('pos', 0, 3), at('ncca', 0, 2), at('ncca', 0, 1)];
    const keys = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(' '));
    assert.deepEqual(keys(runsCsv(runs)), ['ncca 0 1', 'ncca 0 2', 'ncca 10 1', 'pos 0 3', 'pos 10 2']);
    assert.deepEqual(keys(runsCsv(runs, ['pos', 'ncca'])), ['pos 0 3', 'pos 10 2', 'ncca 0 1', 'ncca 0 2', 'ncca 10 1']);
  });

  it('is deterministic: the same runs in any order give the same bytes, duplicates included', () => {
    const runs = [...grid(), run({ throughput_tps: 99 }), run({ throughput_tps: 98 })];
    const csv = runsCsv(runs);
    assert.equal(runsCsv(runs), csv);
    assert.equal(runsCsv(shuffled(runs)), csv);
    assert.equal(runsCsv([...runs].reverse()), csv);
  });

  it('a negative zero prints as 0', () => {
    assert.equal(runsCsv([run({ throughput_tps: -0.0001 })]).split('\n')[1]!.split(',')[3], '0.000');
  });
});
