/**
 * Crash windows on real processes, in the manner of CometBFT's FAIL_TEST_INDEX: a validator is restarted again and
 * again under load, and in its k-th life it kills itself (SIGKILL) right after its k-th durable store write, for
 * k = 1..WINDOWS. Between them these lives crash between every pair of consecutive writes a restarted validator
 * makes (sync commits, WAL records of its votes, commits with the next WAL). A second validator is down meanwhile,
 * so no height can be decided without the victim: every crash leaves the others waiting in the round the victim
 * voted in, where a replica that forgot its votes would sign different ones.
 *
 * A watcher (support/vote-watch.ts) records every vote signed with the victim's key, and no two may differ for one
 * (height, round, type).
 */
import { strict as assert } from 'node:assert';
import { FAIL_AT_WRITE_ENV } from '../../src/node/fail-point.js';
import { LocalCluster, type LocalNode, oneNodePerCell, useCluster, waitFor } from './support/local-cluster.js';
import { watch } from './support/vote-watch.js';

const SINK = '0x00000000000000000000000000000000000000aa';
const WINDOWS = 10;
const EARLY_WINDOWS = 4;

async function roundsOf(nodes: LocalNode[]): Promise<string> {
  const all = await Promise.all(nodes.map((n) => n.rpc.call<{ height: number; round: number; step: string }>('node_status').then((s) => `${s.height}/${s.round}/${s.step}`, () => 'down')));
  return all.join(' ');
}

describe('e2e: a validator killed right after each of its durable writes', function () {
  this.timeout(300_000);
  // One per cell, so all four vote: with one down, no height is decided without the victim.
  const cluster = useCluster(4, {}, oneNodePerCell);

  it(`a kill after write k of a life, for k = 1..${WINDOWS}: it never signs two votes for one slot, the chain goes on, and stays one`, async () => {
    const victim = cluster.nodes[3]!;
    const absent = cluster.nodes[2]!;
    const { address } = await victim.rpc.call<{ address: string }>('node_status');
    const { host, votes } = await watch(cluster.nodes, victim);
    await absent.stop();
    const sending = setInterval(() => void cluster.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 1 }).catch(() => undefined), 50);
    try {
      await victim.stop();
      for (let k = 1; k <= WINDOWS; k++) {
        victim.env[FAIL_AT_WRITE_ENV] = String(k);
        victim.start();
        const proc = victim.proc!;
        const died = await waitFor(`life ${k} to die at its write ${k}`, async () => proc.signalCode ?? (proc.exitCode !== null ? `exit ${proc.exitCode}` : undefined), 60_000, 50).catch(async (err: Error) => {
          throw new Error(`${err.message}; height/round/step of each node: ${await roundsOf(cluster.nodes)}`);
        });
        assert.equal(died, 'SIGKILL', `life ${k} ended with ${died}, not the fail point's SIGKILL:\n${victim.stderr.slice(-2000)}`);
      }
      // Restarted for good, with the other validator still down: each height still needs the victim, whatever
      // lock its last life left it in.
      delete victim.env[FAIL_AT_WRITE_ENV];
      victim.start();
      const target = (await cluster.nodes[0]!.head()).height + 2;
      await waitFor('two more heights with the victim back', async () => (await victim.head()).height >= target, 60_000).catch(async (err: Error) => {
        throw new Error(`${err.message}; height/round/step of each node: ${await roundsOf(cluster.nodes)}`);
      });
      absent.start();
    } finally {
      clearInterval(sending);
      await host.stop();
    }
    assert.ok(votes.count > WINDOWS, `the watcher saw only ${votes.count} of the victim's votes`);
    assert.deepEqual(votes.doubles(), [], 'the victim signed two votes for one slot');
    const target = (await cluster.nodes[0]!.head()).height;
    const hashes = await cluster.waitForHeight(target, 60_000);
    assert.equal(new Set(hashes).size, 1, 'one chain');
    for (const node of cluster.nodes) {
      const { evidence } = await node.rpc.call<{ evidence: { kind: string; offender: string }[] }>('detection_status');
      assert.deepEqual(evidence.filter((e) => e.kind === 'equivocation' && e.offender === address), [], 'equivocation recorded against the victim');
    }
  });
});

describe('e2e: a genesis member killed right after each of its writes from the ceremony on', function () {
  this.timeout(300_000);
  let cluster: LocalCluster | undefined;

  after(async () => {
    await cluster?.stop();
  });

  it(`lives k = 1..${EARLY_WINDOWS}, the first killed right after it stored the genesis: it never signs two votes for one slot, and block 1 and on are one chain`, async () => {
    // Three members, so every height, block 1 first, needs the victim's votes.
    cluster = await LocalCluster.start(3, {}, (i): Record<string, string> => ({ ...oneNodePerCell(i), ...(i === 2 ? { [FAIL_AT_WRITE_ENV]: '1' } : {}) }), undefined, false);
    const victim = cluster.nodes[2]!;
    const diedOf = async (k: number): Promise<void> => {
      const proc = victim.proc!;
      const died = await waitFor(`life ${k} to die at its write ${k}`, async () => proc.signalCode ?? (proc.exitCode !== null ? `exit ${proc.exitCode}` : undefined), 60_000, 50);
      assert.equal(died, 'SIGKILL', `life ${k} ended with ${died}, not the fail point's SIGKILL:\n${victim.stderr.slice(-2000)}`);
    };
    await diedOf(1);
    await waitFor('node 0 on a genesis', async () => (await cluster!.nodes[0]!.rpc.call<{ genesis?: unknown }>('node_status')).genesis !== undefined, 60_000);
    const { host, votes } = await watch(cluster.nodes, victim);
    const sending = setInterval(() => void cluster!.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 1 }).catch(() => undefined), 100);
    try {
      for (let k = 2; k <= EARLY_WINDOWS; k++) {
        victim.env[FAIL_AT_WRITE_ENV] = String(k);
        victim.start();
        await diedOf(k);
      }
      delete victim.env[FAIL_AT_WRITE_ENV];
      victim.start();
      await cluster.waitForHeight(3, 60_000);
    } finally {
      clearInterval(sending);
      await host.stop();
    }
    assert.ok(votes.count > 0, 'the watcher saw none of the victim\'s votes');
    assert.deepEqual(votes.doubles(), [], 'the victim signed two votes for one slot');
    const hashes = await cluster.waitForHeight(3, 30_000);
    assert.equal(new Set(hashes).size, 1, 'one chain');
    const statuses = await Promise.all(cluster.nodes.map((n) => n.rpc.call<{ genesis: { hash: string; members: string[] } }>('node_status')));
    assert.equal(new Set(statuses.map((s) => s.genesis.hash)).size, 1, 'one genesis');
    assert.equal(statuses[0]!.genesis.members.length, 3, 'the victim is a member: its first life stored the genesis it was in');
  });
});
