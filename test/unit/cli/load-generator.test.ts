import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../../src/core/bytes.js';
import { decodeTx, txId } from '../../../src/core/tx.js';
import { runLoad } from '../../../src/cli/load-generator.js';
import { writeNewKeyFile } from '../../../src/node/identity.js';
import { FakeRpc } from './fake-rpc.js';

describe('load generator', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'posplus-loadgen-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('counts a transaction the node commits before its answer to tx_submit arrives', async () => {
    const keyFile = join(dir, 'node.key');
    await writeNewKeyFile(keyFile);
    // Each submitted transaction is committed in a block of its own at once, and the node answers the
    // submission only after the load generator has read that block: a busy node's order of events.
    const blocks: string[][] = [];
    const readers = new Map<number, () => void>();
    const read = new Set<number>();
    const node = await new FakeRpc({
      node_status: () => ({ chainId: 'loadgen-test', genesis: { hash: '00'.repeat(32) } }),
      account_get: () => ({ nonce: 0, pendingNonce: 0, balance: 1_000_000 }),
      chain_head: () => ({ height: blocks.length }),
      chain_block: (p) => {
        const height = p!['height'] as number;
        read.add(height);
        readers.get(height)?.();
        return { txs: blocks[height - 1]!.map((id) => ({ id })) };
      },
      tx_submit: async (p) => {
        const id = txId(decodeTx(fromHex(p!['tx'] as string)));
        blocks.push([id]);
        const height = blocks.length;
        if (!read.has(height)) await new Promise<void>((ok) => readers.set(height, ok));
        return { id, status: 'pending' };
      },
    }).start();
    try {
      const result = await runLoad(
        { rpcUrls: [node.url], keyFiles: [keyFile], extraSenders: 0, durationSec: 1, warmupSec: 0, rate: 0, maxOutstanding: 4, window: 4, batch: 2, pollMs: 10, drainSec: 2 },
        () => {},
      );
      assert.ok(result.submitted > 4, `the closed loop went on past its first window (submitted ${result.submitted})`);
      assert.equal(result.committed, result.submitted);
      assert.equal(result.lost, 0);
    } finally {
      await node.stop();
    }
  });
});
