import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slopePerHour } from '../../../src/cli/growth.js';
import { directoryBytes, sampleNode } from '../../../src/cli/node-sampler.js';
import { sumOfFamily } from '../../../src/cli/prometheus-text.js';

const HOUR = 3_600_000;
const METRICS = [
  '# HELP posplus_mempool_size Pending transactions',
  '# TYPE posplus_mempool_size gauge',
  'posplus_mempool_size 17',
  'posplus_mempool_size_extra 5',
  'nodejs_heap_size_used_bytes 10485760',
  'posplus_messages_published_total{topic="block"} 3',
  'posplus_messages_published_total{topic="vote",kind="a b"} 4.5',
  '',
].join('\n');

describe('soak measures', () => {
  it('slopePerHour: the least-squares growth per hour, 0 for a flat line whatever its noise, none from one sample', () => {
    assert.equal(slopePerHour([{ atMs: 0, value: 100 }, { atMs: HOUR / 2, value: 150 }]), 100);
    const noisy = Array.from({ length: 60 }, (_, i) => ({ atMs: i * 60_000, value: 200 + (i % 2 === 0 ? 5 : -5) }));
    assert.ok(Math.abs(slopePerHour(noisy)!) < 1, `${slopePerHour(noisy)}`);
    const leak = noisy.map((s) => ({ ...s, value: s.value + (s.atMs / HOUR) * 30 }));
    assert.ok(Math.abs(slopePerHour(leak)! - 30) < 1, `${slopePerHour(leak)}`);
    assert.equal(slopePerHour([{ atMs: 5, value: 1 }]), undefined);
    assert.equal(slopePerHour([{ atMs: 5, value: 1 }, { atMs: 5, value: 2 }]), undefined);
  });

  it('sumOfFamily adds a family over its label sets, not a family whose name it prefixes; none when absent', () => {
    assert.equal(sumOfFamily(METRICS, 'posplus_mempool_size'), 17);
    assert.equal(sumOfFamily(METRICS, 'posplus_messages_published_total'), 7.5);
    assert.equal(sumOfFamily(METRICS, 'process_open_fds'), undefined);
  });

  describe('on this machine', () => {
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), 'posplus-soak-'))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('directoryBytes adds the files of every subdirectory, does not follow links, and is undefined without the directory', async () => {
      mkdirSync(join(dir, 'chain', 'deep'), { recursive: true });
      writeFileSync(join(dir, 'node.key'), Buffer.alloc(100));
      writeFileSync(join(dir, 'chain', 'deep', '000001.log'), Buffer.alloc(4000));
      symlinkSync('/usr', join(dir, 'link'));
      const bytes = await directoryBytes(dir);
      assert.ok(bytes! >= 4100 && bytes! < 4100 + 100, `${bytes}`);
      assert.equal(await directoryBytes(join(dir, 'missing')), undefined);
    });

    it("sampleNode reads this process's memory and descriptors from /proc, heap and mempool from /metrics", async () => {
      const server = createServer((_, res) => res.end(METRICS));
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      try {
        const port = (server.address() as { port: number }).port;
        const s = await sampleNode({ pid: process.pid, rpcUrl: `http://127.0.0.1:${port}`, dataDir: dir });
        assert.ok(s.rssMb! > 10 && s.fds! > 3, JSON.stringify(s));
        assert.deepEqual([s.heapMb, s.mempool], [10, 17]);
        assert.ok(s.diskMb! > 0);
        const gone = await sampleNode({ rpcUrl: 'http://127.0.0.1:1', dataDir: join(dir, 'missing') });
        assert.deepEqual(gone, { rssMb: undefined, heapMb: undefined, fds: undefined, diskMb: undefined, mempool: undefined });
      } finally {
        server.close();
      }
    });
  });
});
