import { strict as assert } from 'node:assert';
import { type LocalNode, useCluster, waitFor } from './support/local-cluster.js';

/**
 * End to end (issue 4): 9 real NCCA nodes, two started with `--behavior equivocate` and `--behavior drop`. Both end
 * up suspended on every honest node at the same height, the chain never forks, and it keeps committing afterwards.
 * With the default detection parameters the dropper is caught by the two rounds (grace 20 heights, round 1 every
 * 10, round 2 over the next heights); the equivocator by its evidence as soon as that is in a block.
 */
const SINK = '0x00000000000000000000000000000000000000dd';
const CELL_M = 3000;
const EQUIVOCATOR = 7;
const DROPPER = 8;
const BAD = [EQUIVOCATOR, DROPPER];
/**
 * Spread over six cells, at most two in a cell so that the genesis elects every node (a cell of three elects two):
 * the bad nodes vote, and share cells with honest ones, who are their neighbours.
 */
const PLACED = [0, 1, 2, 3, 6, 6, 8, 0, 2];

interface Suspension {
  address: string;
  height: number;
  until: number;
  active: boolean;
}

interface Detection {
  height: number;
  suspensions: Suspension[];
  confirmed: { address: string; confirmations: number }[];
  evidence: { kind: string; offender: string }[];
  attackProbability: Record<string, { probability: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e: detection on 9 real nodes, one equivocating and one dropping', function () {
  this.timeout(300_000);

  const cluster = useCluster(
    9,
    { ENGINE: 'ncca' },
    (i) => {
      const cell = PLACED[i]!;
      return { POSITION: `${(cell % 3) * CELL_M + 400 + 300 * (i % 3)},${Math.floor(cell / 3) * CELL_M + 400 + 300 * (i % 3)}` };
    },
    (i) => (i === EQUIVOCATOR ? ['--behavior', 'equivocate'] : i === DROPPER ? ['--behavior', 'drop'] : []),
  );
  const honest = (): LocalNode[] => cluster.nodes.filter((_, i) => !BAD.includes(i));

  it('suspends both on every honest node at the same height, without a fork, and the chain keeps committing', async () => {
    const addresses = await Promise.all(cluster.nodes.map(async (n) => (await n.rpc.call<{ address: string }>('node_status')).address));
    const bad = BAD.map((i) => addresses[i]!);
    let loading = true;
    let sent = 0;
    const load = (async () => {
      for (let k = 0; loading; k++) {
        await honest()[k % honest().length]!.rpc.call('tx_send', { to: SINK, amount: 1 }).then(
          () => sent++,
          () => undefined,
        );
        await sleep(150);
      }
    })();
    let suspendedAt: number;
    try {
      // Wait on one honest node for both suspensions, then check every other honest node has the same record.
      const first = await waitFor(
        'both malicious nodes suspended',
        async () => {
          const d = await honest()[0]!.rpc.call<Detection>('detection_status');
          const found = bad.map((a) => d.suspensions.find((s) => s.address === a));
          return found.every((s) => s !== undefined) && (found as Suspension[]);
        },
        240_000,
      );
      suspendedAt = Math.max(...first.map((s) => s.height));
      // The node suspended last says so itself while its suspension runs: peers ignore its gossip, so /health is 503
      // with the reason and it refuses a transaction (-32005) instead of holding one that would never leave it.
      const last = first.reduce((a, b) => (b.until > a.until ? b : a));
      const sidelined = cluster.nodes[BAD[bad.indexOf(last.address)]!]!;
      const refusal = await waitFor(
        `the suspended node ${last.address} to know it`,
        async () => {
          const health = await fetch(`${sidelined.url}/health`).then(async (r) => ({ status: r.status, body: await r.text() }));
          if (health.status !== 503 || !health.body.includes('suspended until')) return undefined;
          return sidelined.rpc.call('tx_send', { to: SINK, amount: 1 }).then(
            () => 'taken',
            (err: Error & { code?: number }) => `${err.code} ${err.message}`,
          );
        },
        Math.max(1_000, last.until - Date.now() - 2_000),
      );
      assert.match(refusal, /^-32005 this node is suspended until .* by the chain's detection: its peers ignore its gossip/);
      for (const [i, node] of honest().entries()) {
        await waitFor(`honest node ${i} to pass height ${suspendedAt}`, async () => (await node.head()).height >= suspendedAt, 60_000);
        const d = await node.rpc.call<Detection>('detection_status');
        for (const s of first) {
          const mine = d.suspensions.find((x) => x.address === s.address);
          assert.ok(mine, `honest node ${i} has no suspension of ${s.address}`);
          assert.equal(mine.height, s.height, `honest node ${i} suspended ${s.address} at another height`);
          assert.equal(mine.until, s.until, `honest node ${i} has another end for ${s.address}`);
        }
        // Nobody honest was confirmed anywhere.
        for (const c of d.confirmed) assert.ok(bad.includes(c.address), `honest node ${c.address} confirmed malicious`);
        assert.ok(d.evidence.some((e) => e.kind === 'equivocation' && e.offender === bad[0]), 'the equivocation evidence is on record');
      }
      // Throughput recovers: new transfers keep committing after the suspensions.
      const before = sent;
      const top = (await honest()[0]!.head()).height;
      await waitFor('more blocks after the suspensions', async () => (await honest()[0]!.head()).height >= top + 5 && sent > before + 10, 60_000);
    } finally {
      loading = false;
      await load;
    }

    // The validators list shows them suspended, and the chain never forked among the honest nodes.
    const validators = await honest()[1]!.rpc.call<{ address: string; role: string; suspendedUntil?: number }[]>('consensus_validators');
    const head = await honest()[1]!.rpc.call<Detection>('detection_status');
    for (const a of bad) {
      const row = validators.find((v) => v.address === a);
      const active = head.suspensions.find((s) => s.address === a)?.active;
      if (active) assert.equal(row?.role, 'suspended', `${a} is shown suspended while its suspension runs`);
    }
    const top = Math.min(...(await Promise.all(honest().map((n) => n.head()))).map((h) => h.height));
    for (let h = 1; h <= top; h++) {
      const hashes = await Promise.all(honest().map(async (n) => (await n.rpc.call<{ hash: string }>('chain_block', { height: h })).hash));
      assert.equal(new Set(hashes).size, 1, `height ${h}: honest nodes hold different blocks`);
    }
  });
});
