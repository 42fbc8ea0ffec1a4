/**
 * A validator whose clock runs 30 s ahead (beyond maxClockDriftMs, 10 s), on real processes: libfaketime shifts
 * that one node's clock. The others refuse its blocks as stamped in their future, its rounds time out to the next
 * proposer, and the chain goes on as one chain. Needs Debian's `faketime` package (.ci/run installs it); skipped
 * with a message otherwise.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { DEFAULT_CHAIN_PARAMS } from '../../src/core/chain-state.js';
import { oneNodePerCell, useCluster, waitFor } from './support/local-cluster.js';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const SKEW_S = 30;
const SINK = '0x00000000000000000000000000000000000000aa';

const available = existsSync(LIBFAKETIME);
if (!available) process.stderr.write(`skipped: the clock-skew e2e test needs ${LIBFAKETIME} (apt-get install faketime)\n`);

(available ? describe : describe.skip)('e2e: a validator whose clock runs ahead', function () {
  this.timeout(120_000);
  const skewed = 3;
  // One per cell, so all four vote and propose in turn, the skewed one too.
  const cluster = useCluster(4, {}, (i): Record<string, string> => ({ ...oneNodePerCell(i), ...(i === skewed ? { LD_PRELOAD: LIBFAKETIME, FAKETIME: `+${SKEW_S}s` } : {}) }));

  it(`${SKEW_S} s ahead (more than maxClockDriftMs): its blocks are refused, and the others commit one chain without them`, async () => {
    assert.ok(SKEW_S * 1000 > DEFAULT_CHAIN_PARAMS.maxClockDriftMs);
    const sending = setInterval(() => void cluster.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 1 }).catch(() => undefined), 100);
    try {
      const start = (await cluster.nodes[0]!.head()).height;
      await waitFor('ten more heights', async () => (await cluster.nodes[0]!.head()).height >= start + 10, 90_000);
    } finally {
      clearInterval(sending);
    }
    const { address } = await cluster.nodes[skewed]!.rpc.call<{ address: string }>('node_status');
    const head = (await cluster.nodes[0]!.head()).height;
    const hashes = await cluster.waitForHeight(head, 60_000);
    assert.equal(new Set(hashes).size, 1, 'one chain everywhere, the skewed node included');
    const now = Date.now();
    for (let h = 1; h <= head; h++) {
      const block = await cluster.nodes[0]!.rpc.call<{ proposer: string; timestamp: number }>('chain_block', { height: h });
      assert.ok(block.timestamp <= now + DEFAULT_CHAIN_PARAMS.maxClockDriftMs, `block ${h} is stamped in the future`);
      assert.notEqual(block.proposer, address, `block ${h} is the skewed validator's`);
    }
  });
});
