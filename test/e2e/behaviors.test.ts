import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { RpcCallError } from '../../src/cli/rpc-client.js';
import { MAX_BLOCK_RANGE } from '../../src/node/rpc/methods.js';
import { oneNodePerCell, useCluster, waitFor } from './support/local-cluster.js';

const SINK = '0x00000000000000000000000000000000000000cc';
const TARGET = 5;

interface Status {
  address: string;
  version: string;
  height: number;
  behaviors?: string;
}

interface Detection {
  evidence: { kind: string; offender: string; committed: boolean }[];
}

describe('e2e: a node started with --behavior', function () {
  this.timeout(240_000);

  describe('4 nodes, node 3 with --behavior equivocate', () => {
    const BAD = 3;
    // One per cell, so all four vote, the equivocator too.
    const cluster = useCluster(4, {}, oneNodePerCell, (i) => (i === BAD ? ['--behavior', 'equivocate'] : []));
    const honest = () => cluster.nodes.filter((_, i) => i !== BAD);

    it('says so: a loud warning in its log and `behaviors` in its node_status (and only in its)', async () => {
      const statuses = await Promise.all(cluster.nodes.map((n) => n.rpc.call<Status>('node_status')));
      assert.equal(statuses[BAD]!.behaviors, 'equivocate');
      statuses.forEach((s, i) => i !== BAD && assert.equal(s.behaviors, undefined, `node ${i} is honest`));
      assert.match(cluster.nodes[BAD]!.stderr, /test-network behaviour active: equivocate/);
      for (const node of honest()) assert.doesNotMatch(node.stderr, /test-network behaviour/);
    });

    it('says which build it is: version in node_status, and posplus_build_info in /metrics', async () => {
      const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
      const status = await cluster.nodes[0]!.rpc.call<Status & { chainId: string }>('node_status');
      assert.equal(status.version, version);
      const metrics = await (await fetch(`${cluster.nodes[0]!.url}/metrics`)).text();
      const info = metrics.split('\n').find((l) => l.startsWith('posplus_build_info{'));
      assert.ok(info !== undefined, 'posplus_build_info is exported');
      assert.match(info, new RegExp(`version="${version}"`));
      assert.match(info, /engine="ncca"/);
      assert.match(info, /chain="[^"]+"\} 1$/);
    });

    it('honest nodes record equivocation evidence naming it, and keep one hash per height', async () => {
      const offender = (await cluster.nodes[BAD]!.rpc.call<Status>('node_status')).address;
      let loading = true;
      const load = (async () => {
        for (let k = 0; loading; k++) {
          const node = honest()[k % 3]!;
          await node.rpc.call('tx_send', { to: SINK, amount: 1 }).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      try {
        for (const [i, node] of honest().entries()) {
          const found = await waitFor(
            `equivocation evidence naming node ${BAD} at honest node ${i}`,
            async () => {
              const d = await node.rpc.call<Detection>('detection_status');
              const mine = d.evidence.filter((e) => e.kind === 'equivocation');
              return mine.length > 0 && mine;
            },
            120_000,
          );
          for (const e of found) assert.equal(e.offender, offender, 'evidence accuses the equivocator, and only it');
        }
        // The honest three (3/4 of the stake) go on committing with the equivocator among them.
        await waitFor('the honest nodes to commit a few more heights', async () => {
          const heads = await Promise.all(honest().map((n) => n.head()));
          return heads.every((h) => h.height >= TARGET);
        }, 120_000);
      } finally {
        loading = false;
        await load;
      }
      const top = Math.min(...(await Promise.all(honest().map((n) => n.head()))).map((h) => h.height));
      for (let h = 1; h <= top; h++) {
        const hashes = await Promise.all(honest().map(async (n) => (await n.rpc.call<{ hash: string }>('chain_block', { height: h })).hash));
        assert.equal(new Set(hashes).size, 1, `height ${h}: honest nodes hold different blocks ${hashes.join(', ')}`);
      }
    });

    it('chain_blocks gives a range in height order, the blocks chain_block gives, and stops at the head', async () => {
      const node = cluster.nodes[0]!;
      const top = (await node.head()).height;
      assert.ok(top >= 2, `a few heights to read (head ${top})`);
      const range = await node.rpc.call<{ height: number; hash: string }[]>('chain_blocks', { from: 0, to: top + 50 });
      assert.ok(range.length >= top && range.length <= MAX_BLOCK_RANGE, `${range.length} blocks for heights 0..${top + 50} with the head at ${top}`);
      range.forEach((b, i) => assert.equal(b.height, i + 1));
      for (const b of range.slice(0, top)) assert.equal(b.hash, (await node.rpc.call<{ hash: string }>('chain_block', { height: b.height })).hash);
      assert.deepEqual((await node.rpc.call<{ height: number }[]>('chain_blocks', { from: 2, to: 2 })).map((b) => b.height), [2]);
      await assert.rejects(node.rpc.call('chain_blocks', { from: 5, to: 2 }), (err: RpcCallError) => err.code === -32602 && /to/.test(err.message));
    });
  });
});
