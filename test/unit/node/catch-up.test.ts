/**
 * A catch-up pass over real libp2p hosts on 127.0.0.1, with peers that stall or lie beside an honest one: the pass
 * asks them all at once, takes the honest chain, and leaves the others out of the next passes.
 */
import { strict as assert } from 'node:assert';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import { CatchUp, type CatchUpTarget } from '../../../src/node/catch-up.js';
import { createLogger } from '../../../src/node/logger.js';
import { type P2pHost } from '../../../src/node/p2p-host.js';
import { PeerStanding } from '../../../src/node/peer-standing.js';
import { type CertifiedBlock, SyncRequest, SyncResponse } from '../../../src/core/wire/posplus.js';
import { syncProtocol } from '../../../src/protocol/topics.js';
import { testHost } from '../../support/test-host.js';

const CHAIN = 'posplus-catch-up-test';
const GENESIS = new Uint8Array(32).fill(7);
const HONEST_HEAD = 150;
/** A block the test's target tells apart by its round: 0 honest, 1 forged. */
function certified(height: number, round: number): CertifiedBlock {
  const zero = new Uint8Array(32);
  const header = { height, round, prevHash: zero, timestamp: 0, proposer: zero, txRoot: zero, evidenceRoot: zero, stateRoot: zero, lastCommitHash: zero, ballotsRoot: zero };
  return { block: { header, txs: [], evidence: [], ballots: [], calls: [], signature: new Uint8Array(64) }, certificate: { height, round, blockHash: zero, sigs: [] } };
}

/** Answers each request with up to `max` blocks from `fromHeight`, up to `head`, each made with `round`. */
async function serve(host: P2pHost, head: number, round: number, asked: string[]): Promise<void> {
  await host.handle(syncProtocol(CHAIN), async ({ stream, connection }) => {
    await pipe(
      stream.source,
      (source) => lp.decode(source),
      async function* (source) {
        for await (const frame of source) {
          const req = SyncRequest.decode(frame.subarray());
          asked.push(connection.remotePeer.toString());
          const blocks = [];
          for (let h = req.fromHeight; h <= Math.min(head, req.fromHeight + req.max - 1); h++) blocks.push(certified(h, round));
          yield SyncResponse.encode({ blocks, headHeight: head, genesisHash: GENESIS });
          return;
        }
      },
      (source) => lp.encode(source),
      stream.sink,
    );
  });
}

describe('catch-up beside silent and lying sync peers', function () {
  // Far below what three silent peers would cost asked one after another (3 × the 10 s deadline below).
  this.timeout(8_000);
  const log = createLogger('silent');
  let client: P2pHost;
  let honest: P2pHost;
  let liar: P2pHost;
  let silent: P2pHost[];
  const silentAsked: string[] = [];
  const honestAsked: string[] = [];
  let head = 0;
  const target: CatchUpTarget = {
    genesisHash: GENESIS,
    head: () => head,
    take: async (blocks) => {
      for (const b of blocks) {
        if (b.block!.header!.round !== 0) return 'invalid';
        if (b.block!.header!.height === head + 1) head++;
      }
      return blocks.length > 0 ? 'progressed' : 'stuck';
    },
    rank: () => 0,
    stopping: () => false,
  };

  before(async () => {
    [client, honest, liar, ...silent] = await Promise.all([0, 1, 2, 3, 4].map(() => testHost(CHAIN)));
    for (const s of silent) {
      await s.handle(syncProtocol(CHAIN), ({ stream, connection }) => {
        silentAsked.push(connection.remotePeer.toString());
        void (async () => {
          for await (const _ of stream.source);
        })().catch(() => undefined);
      });
    }
    await serve(honest, HONEST_HEAD, 0, honestAsked);
    // The liar claims the furthest head, so it is pulled from first, and serves forged blocks.
    await serve(liar, 1e9, 1, []);
    // The silent peers are connected first: a pass that asked peers one at a time would wait on each.
    for (const peer of [...silent, liar, honest]) await client.dial(peer.getMultiaddrs()[0]!);
  });

  after(async () => {
    await Promise.all([client, honest, liar, ...silent].map((h) => h.stop()));
  });

  it('takes the honest chain in one pass; stalled peers are set aside and the liar penalised', async () => {
    const standing = new PeerStanding(() => undefined);
    const catchUp = new CatchUp(client, CHAIN, standing, log, 300, 10_000);
    assert.equal(await catchUp.pass(target), true, 'peers ahead were seen');
    assert.equal(head, HONEST_HEAD);
    assert.equal(silentAsked.length, silent.length, 'every silent peer was probed once');
    const now = Date.now();
    for (const s of silent) assert.equal(catchUp.isAskable(s.peerId.toString(), now), false, 'a silent peer is set aside');
    assert.equal(standing.isPenalised(liar.peerId.toString(), now), true, 'the liar is penalised');
    assert.equal(catchUp.isAskable(honest.peerId.toString(), now), true);

    const honestBefore = honestAsked.length;
    assert.equal(await catchUp.pass(target), false, 'nobody is ahead any more');
    assert.equal(silentAsked.length, silent.length, 'the silent peers were not asked again');
    assert.equal(honestAsked.length, honestBefore + 1, 'the honest peer was probed again');
  });
});
