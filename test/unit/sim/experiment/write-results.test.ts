import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeResults } from '../../../../src/sim/experiment/write-results.js';
import { META, grid } from './fixtures.js';

const FILES = ['fig4-throughput.svg', 'fig5-latency.svg', 'fig6-packets.svg', 'fig7-detection.svg', 'report.md', 'runs.csv', 'summary.json'];

describe('sim/experiment/write-results', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'posplus-results-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('creates the directory, writes every file, returns their paths and leaves no .tmp', async () => {
    const dir = join(tmp, 'a', 'b');
    const paths = await writeResults(dir, grid(), META);
    assert.deepEqual([...paths].sort(), FILES.map((f) => join(dir, f)));
    assert.deepEqual(readdirSync(dir).sort(), FILES);
    for (const p of paths) assert.ok(readFileSync(p, 'utf8').length > 0, p);
  });

  it('a second run over the same directory gives byte-identical files', async () => {
    const one = join(tmp, 'one');
    const two = join(tmp, 'two');
    await writeResults(one, grid(), META);
    await writeResults(two, [...grid()].reverse(), META);
    await writeResults(two, grid(), META);
    for (const f of FILES) assert.equal(readFileSync(join(two, f), 'utf8'), readFileSync(join(one, f), 'utf8'), f);
  });

  it('writeFileAtomic replaces an existing file and removes its .tmp when the rename fails', async () => {
    const p = join(tmp, 'x.txt');
    writeFileSync(p, 'old');
    await writeFileAtomic(p, 'new');
    assert.equal(readFileSync(p, 'utf8'), 'new');
    const dirTarget = join(tmp, 'sub');
    await writeResults(dirTarget, [], META); // a directory stands where the file would go
    await assert.rejects(writeFileAtomic(dirTarget, 'x'));
    assert.deepEqual(readdirSync(tmp).sort(), ['sub', 'x.txt']);
  });
});
