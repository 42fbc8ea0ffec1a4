/**
 * Block sync against hostile peers, over two real libp2p hosts on 127.0.0.1: a peer that takes the protocol and
 * never answers cannot hold a node's sync, and one peer cannot make a node serve it without limit.
 */
import { strict as assert } from 'node:assert';
import { type P2pHost } from '../../../src/node/p2p-host.js';
import { PeerRate } from '../../../src/node/peer-rate.js';
import { SyncError, requestBlocks } from '../../../src/node/sync.js';
import { syncProtocol } from '../../../src/protocol/topics.js';
import { testHost } from '../../support/test-host.js';

const CHAIN = 'posplus-sync-test';

const host = (): Promise<P2pHost> => testHost(CHAIN);

describe('block sync against a hostile peer', function () {
  this.timeout(20_000);
  let client: P2pHost;
  let silent: P2pHost;

  before(async () => {
    [client, silent] = await Promise.all([host(), host()]);
    // Takes the protocol, reads the request, and never writes a byte back.
    await silent.handle(syncProtocol(CHAIN), ({ stream }) => {
      void (async () => {
        for await (const _ of stream.source) {
          // drain
        }
      })();
    });
    await client.dial(silent.getMultiaddrs()[0]!);
  });

  after(async () => {
    await Promise.all([client.stop(), silent.stop()]);
  });

  it('a peer that negotiates the protocol and never answers is cut off at the deadline', async () => {
    const started = Date.now();
    await assert.rejects(requestBlocks(client, CHAIN, silent.peerId, 1, new Uint8Array(32), 500), (err: Error) => {
      assert.ok(err instanceof SyncError, String(err));
      assert.match(err.message, /did not answer a sync request within 500 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000, 'well before the test would time out');
  });
});

describe('PeerRate', () => {
  it('allows a burst, then the steady rate, per peer, and forgets the oldest of too many peers', () => {
    const rate = new PeerRate(3, 2, 2);
    assert.deepEqual([0, 0, 0, 0].map(() => rate.take('a', 0)), [true, true, true, false]);
    assert.equal(rate.take('b', 0), true, 'another peer has its own bucket');
    assert.equal(rate.take('a', 499), false);
    assert.equal(rate.take('a', 500), true, 'one more token after half a second at 2 per second');
    assert.equal(rate.take('a', 500), false, 'a is empty again');
    rate.take('c', 500); // the map holds two peers: b, set longest ago, is forgotten
    rate.take('d', 500); // and then a
    assert.deepEqual([0, 0, 0, 0].map(() => rate.take('a', 500)), [true, true, true, false], 'a forgotten peer starts with a full bucket, no more');
  });
});
