/**
 * Per-connection stream bytes on two real libp2p hosts: what one side's streams send is what the other side's
 * receive, both ways, and a ping adds at least its 32 bytes each way.
 */
import { strict as assert } from 'node:assert';
import { ConnectionTraffic } from '../../../src/node/connection-traffic.js';
import type { P2pHost } from '../../../src/node/p2p-host.js';
import { waitFor } from '../../e2e/support/local-cluster.js';
import { testHost } from '../../support/test-host.js';

const CHAIN = 'posplus-traffic-test';

describe('ConnectionTraffic: each connection’s stream bytes, both ways', function () {
  this.timeout(30_000);
  const aTraffic = new ConnectionTraffic();
  const bTraffic = new ConnectionTraffic();
  let a: P2pHost;
  let b: P2pHost;

  before(async () => {
    [a, b] = await Promise.all([testHost(CHAIN, aTraffic), testHost(CHAIN, bTraffic)]);
  });

  after(async () => {
    await Promise.all([a.stop(), b.stop()]);
  });

  it('counts what each side sent as what the other received, and a ping adds at least 32 bytes each way', async () => {
    const aSide = await a.dial(b.getMultiaddrs()[0]!);
    const bSide = await waitFor('the connection on b', async () => b.getConnections()[0]);
    const settled = (): Promise<{ out: number; in: number }> =>
      waitFor('both sides to agree on the bytes (identify done)', async () => {
        const [x, y] = [aTraffic.of(aSide), bTraffic.of(bSide)];
        return x.out > 0 && x.in > 0 && x.out === y.in && x.in === y.out && { ...x };
      });
    const before = await settled();
    await (a.services.ping as { ping: (p: unknown) => Promise<number> }).ping(b.peerId);
    await waitFor('the ping counted', async () => aTraffic.of(aSide).out >= before.out + 32);
    const after = await settled();
    assert.ok(after.out - before.out >= 32 && after.in - before.in >= 32, `ping: +${after.out - before.out} out, +${after.in - before.in} in`);
    assert.deepEqual(new ConnectionTraffic().of(aSide), { in: 0, out: 0 }, 'another counter knows nothing of it');
  });
});
