/**
 * RETAIN_BLOCKS on a real node: after 50 heights with RETAIN_BLOCKS=10 it answers "pruned" below its window,
 * serves the window (and nothing below it) to a syncing peer, restarts cleanly and keeps committing with the others.
 */
import { strict as assert } from 'node:assert';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { fromHex } from '../../src/core/bytes.js';
import { headerOf } from '../../src/core/block.js';
import { requestBlocks } from '../../src/node/sync.js';
import { testHost } from '../support/test-host.js';
import { oneNodePerCell, useCluster, waitFor } from './support/local-cluster.js';

const SINK = '0x00000000000000000000000000000000000000dd';
const RETAIN = 10;
const HEIGHTS = 50;

describe('e2e: a node that keeps only its newest blocks (RETAIN_BLOCKS)', function () {
  this.timeout(300_000);
  const cluster = useCluster(3, {}, (i) => ({ ...oneNodePerCell(i), ...(i === 0 ? { RETAIN_BLOCKS: String(RETAIN) } : {}) }));
  const early: string[] = [];

  it(`after ${HEIGHTS} heights answers "pruned" below its window and serves the window`, async () => {
    const pruned = cluster.nodes[0]!;
    for (let h = 1; h <= HEIGHTS; h++) {
      const { id } = await cluster.nodes[1 + (h % 2)]!.rpc.call<{ id: string }>('tx_send', { to: SINK, amount: 1 });
      if (h <= 3) early.push(id);
      await waitFor(`height ${h}`, async () => (await pruned.head()).height >= h);
    }
    const head = (await pruned.head()).height;
    const lowest = head - RETAIN + 1;
    await waitFor('the pruning to catch up with the head', async () => {
      const answer = await pruned.rpc.call('chain_block', { height: lowest - 1 }).catch((err: Error) => err);
      return answer instanceof Error;
    });
    await assert.rejects(pruned.rpc.call('chain_block', { height: 2 }), /pruned below height \d+/);
    await assert.rejects(pruned.rpc.call('chain_blocks', { from: 1, to: 5 }), /pruned below height \d+/);
    await assert.rejects(pruned.rpc.call('tx_get', { id: early[0]! }), /pruned below height \d+/);
    // Heights can still come (the nodes' own transactions): ask well inside the window as it is now.
    const inWindow = (await pruned.head()).height - 5;
    const kept = await pruned.rpc.call<{ height: number }>('chain_block', { height: inWindow });
    assert.equal(kept.height, inWindow);
    // The others keep everything: the same block 2 is still there.
    assert.equal((await cluster.nodes[1]!.rpc.call<{ height: number }>('chain_block', { height: 2 })).height, 2);

    // A syncing peer gets the window from it, and nothing below.
    const status = await pruned.rpc.call<{ peerId: string; chainId: string; genesis: { hash: string } }>('node_status');
    const peer = await testHost(status.chainId);
    try {
      await peer.dial(multiaddr(`/ip4/127.0.0.1/tcp/${pruned.p2pPort}/p2p/${status.peerId}`));
      const genesisHash = fromHex(status.genesis.hash);
      const window = await requestBlocks(peer, status.chainId, peerIdFromString(status.peerId), inWindow, genesisHash);
      assert.ok(window.blocks.length >= 1, 'blocks of the window');
      assert.equal(headerOf(window.blocks[0]!.block).height, inWindow);
      const below = await requestBlocks(peer, status.chainId, peerIdFromString(status.peerId), 1, genesisHash);
      assert.equal(below.blocks.length, 0, 'nothing below the window');
    } finally {
      await peer.stop();
    }
  });

  it('restarts with its window and keeps committing with the others', async () => {
    const pruned = cluster.nodes[0]!;
    await pruned.stop();
    pruned.start();
    const before = await waitFor('the restarted node to answer', async () => (await pruned.head().catch(() => undefined))?.height);
    await assert.rejects(pruned.rpc.call('chain_block', { height: 2 }), /pruned below height \d+/);
    for (let i = 0; i < 3; i++) await cluster.nodes[1]!.rpc.call('tx_send', { to: SINK, amount: 1 });
    const hashes = await cluster.waitForHeight(before + 1);
    assert.equal(new Set(hashes).size, 1, 'one chain');
  });
});
