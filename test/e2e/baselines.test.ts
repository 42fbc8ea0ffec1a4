import { strict as assert } from 'node:assert';
import { runCli, useCluster, waitFor } from './support/local-cluster.js';

const SINK = '0x00000000000000000000000000000000000000bb';

interface TxState {
  status: 'pending' | 'committed' | 'rejected';
  height?: number;
}

/**
 * The paper's baselines are engines of the real node too (`--engine`, ENGINE), not only of the simulator: four
 * real nodes on 127.0.0.1 running each one commit a CLI transfer sent to every node, with one hash per height.
 */
describe('e2e: the baseline engines on real nodes', function () {
  this.timeout(180_000);

  for (const engine of ['rpca', 'cdbft', 'dpos'] as const) {
    describe(`ENGINE=${engine}`, () => {
      const cluster = useCluster(4, { ENGINE: engine });

      it('commits a transfer sent to every node, with identical head hashes', async () => {
        const ids: string[] = [];
        for (const node of cluster.nodes) {
          const r = await runCli(['tx', '--to', SINK, '--amount', '3', '--port', String(node.rpcPort)]);
          assert.equal(r.code, 0, r.stderr);
          ids.push(r.stdout.trim());
        }
        const heights = await waitFor(`the transfers to commit on every ${engine} node`, async () => {
          const states = await Promise.all(cluster.nodes.flatMap((n) => ids.map((id) => n.rpc.call<TxState>('tx_get', { id }))));
          return states.every((s) => s.status === 'committed') && states.map((s) => s.height!);
        });
        const top = Math.max(...heights);
        const hashes = await cluster.waitForHeight(top);
        assert.equal(new Set(hashes).size, 1, `different blocks at height ${top}: ${hashes.join(', ')}`);
        const status = await cluster.nodes[0]!.rpc.call<{ engine: string }>('node_status');
        assert.equal(status.engine, engine);
        const account = await cluster.nodes[3]!.rpc.call<{ balance: number }>('account_get', { address: SINK });
        assert.equal(account.balance, 3 * cluster.nodes.length);
      });
    });
  }
});
