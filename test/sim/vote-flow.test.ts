import { strict as assert } from 'node:assert';
import { type Hex, bytesEqual } from '../../src/core/bytes.js';
import { asIs } from '../../src/consensus/misbehavior/misbehavior.js';
import type { EngineInput } from '../../src/consensus/engine.js';
import { ReplicaNetwork } from '../../src/sim/replica-network.js';
import { TopicRouter } from '../../src/sim/experiment/topic-router.js';
import { allCommitted, locateIn, mapOf, nccaEngine, nccaParams, range, send } from './support/ncca-sim.js';

/**
 * Issue 11: NCCA's votes climb to the round's collector and never reach the normal nodes, which learn every
 * decision from one certificate per height. Routed by the node's own topic plan (TopicRouter), as an experiment is.
 */

const EPOCH = 4;
const SIZE = 12;

/** 12 replicas in 3 cells of 4 (3 validators and 1 normal node each after the first election), topic-routed. */
function routedNetwork(seed: string): { net: ReplicaNetwork; heard: Map<number, EngineInput['type'][]> } {
  const cells = [0, 4, 8];
  const cellOfReplica = (i: number): number => cells[i % cells.length]!;
  let router: TopicRouter | undefined;
  const net = new ReplicaNetwork({
    seed,
    size: SIZE,
    engine: nccaEngine(nccaParams(EPOCH)),
    baseDelayMs: 5,
    jitterMs: 20,
    route: (from, msg) => router!.recipients(from, msg),
    syncPollMs: 0,
  });
  router = new TopicRouter(net.replicas, net.chainId, cellOfReplica, mapOf(net).grid ** 2);
  // What each replica's engine was handed while a normal node. Votes for the height after an election that made
  // it normal may have been sent to it while it was still a validator (it had not committed the election yet).
  const heard = new Map<number, EngineInput['type'][]>(range(SIZE).map((i) => [i, []]));
  const normalSince = new Map<number, number>();
  const heightOf = (input: EngineInput): number | undefined =>
    input.type === 'vote' ? input.vote.height : input.type === 'votes' ? input.votes[0]?.height : undefined;
  for (const r of net.replicas) {
    const step = r.engine.step.bind(r.engine);
    r.engine.step = (input) => {
      if (r.engine.status().role !== 'normal') normalSince.delete(r.index);
      else {
        if (!normalSince.has(r.index)) normalSince.set(r.index, r.height);
        const h = heightOf(input);
        if (h === undefined || h > normalSince.get(r.index)! + 1) heard.get(r.index)!.push(input.type);
      }
      return step(input);
    };
  }
  for (const i of range(SIZE)) locateIn(net, i, cellOfReplica(i));
  return { net, heard };
}

describe('sim: NCCA vote flow (votes to the collector, certificates to everyone)', () => {
  it('a normal node never hears a vote, yet commits exactly the blocks the validators commit, from certificates', () => {
    const { net, heard } = routedNetwork('vote-flow/normal');
    const ids: Hex[] = [];
    for (let k = 0; k < 3 * EPOCH; k++) {
      ids.push(send(net, k % SIZE, (k + 1) % SIZE));
      net.run(400);
    }
    assert.ok(net.runUntil(() => allCommitted(net, ids, range(SIZE)), 30_000), `not every transfer committed everywhere; heights ${net.heights()}`);
    assert.deepEqual(net.violations, []);
    assert.deepEqual(net.disagreements(), []);

    const normal = range(SIZE).filter((i) => net.replica(i).engine.status().role === 'normal');
    assert.equal(normal.length, 3, 'one normal node per cell of four');
    const validator = range(SIZE).find((i) => !normal.includes(i))!;
    for (const i of normal) {
      const kinds = heard.get(i)!;
      assert.ok(kinds.includes('certificate'), `normal replica ${i} heard no certificate`);
      assert.ok(!kinds.includes('vote') && !kinds.includes('votes'), `normal replica ${i} heard votes: ${[...new Set(kinds)]}`);
      assert.deepEqual([...net.replica(i).commits], [...net.replica(validator).commits].slice(0, net.replica(i).commits.size));
      assert.equal(net.replica(i).height, net.replica(validator).height);
    }
  });

  it('one height costs the packets protocols/README §10 counts: 3(N−1) + 4(V−1) + Σ_c u_c(n_c − 1) + relays + late precommits', () => {
    const { net } = routedNetwork('vote-flow/count');
    for (let k = 0; k < EPOCH + 1; k++) {
      const id = send(net, k % SIZE, (k + 1) % SIZE);
      assert.ok(net.runUntil(() => allCommitted(net, [id], range(SIZE)), 30_000));
    }
    assert.ok(net.settle(10_000));
    const roles = range(SIZE).map((i) => net.replica(i).engine.status().role);
    const cellOf = (i: number): number => [0, 4, 8][i % 3]!;
    const sender = roles.findIndex((r) => r !== 'normal');
    const before = net.stats.sent;
    const id = send(net, sender, (sender + 1) % SIZE);
    assert.ok(net.runUntil(() => allCommitted(net, [id], range(SIZE)), 30_000));
    assert.ok(net.settle(10_000));
    const sent = net.stats.sent - before;

    const N = SIZE;
    const V = roles.filter((r) => r !== 'normal').length;
    const cells = [0, 4, 8].map((c) => range(SIZE).filter((i) => cellOf(i) === c));
    const normalBallots = cells.reduce((n, members) => n + members.filter((i) => roles[i] === 'normal').length * (members.length - 1), 0);
    // Each cell's multi-region validator relays its normal ballots in one bundle, except to itself.
    const proposer = range(SIZE).find((i) => net.replica(i).address === net.replica(0).engine.status().recentProposers[0]!.proposer)!;
    const relays = cells.filter((members) => members.some((i) => roles[i] === 'normal') && !members.some((i) => i === proposer && roles[i] === 'multi-region')).length;
    // The transfer itself: its sender's cell, and every validator elsewhere.
    const txPackets = range(SIZE).filter((i) => i !== sender && (cellOf(i) === cellOf(sender) || roles[i] !== 'normal')).length;
    // The precommits after the collector's quorum go on to the next height's proposer, unless that is the collector
    // (the next transfer shows who it is).
    const quorum = net.replica(proposer).log.get(net.replica(proposer).height)!.certificate.sigs.length;
    const next = send(net, sender, (sender + 1) % SIZE);
    assert.ok(net.runUntil(() => allCommitted(net, [next], range(SIZE)), 30_000));
    const nextProposer = net.replica(0).engine.status().recentProposers[0]!.proposer;
    const late = nextProposer === net.replica(proposer).address ? 0 : V - quorum;
    assert.equal(sent - txPackets, 3 * (N - 1) + 4 * (V - 1) + normalBallots + relays + late, `roles ${roles}`);
    assert.ok(late > 0, 'this seed passes late precommits on');
    const carried = net.replica(0).log.get(net.replica(0).height)!.block.lastCommit!.sigs.length;
    assert.equal(carried, V, 'the next block carries every validator\'s precommit, not only the first quorum');
  });

  it("a normal node whose cell's relay withholds its ballots sends them to the caller itself from the next block on", () => {
    const { net } = routedNetwork('vote-flow/withheld');
    const validatorOf = (roles: string[]) => roles.findIndex((r) => r !== 'normal');
    for (let k = 0; k < EPOCH + 1; k++) {
      const id = send(net, k % SIZE, (k + 1) % SIZE);
      assert.ok(net.runUntil(() => allCommitted(net, [id], range(SIZE)), 30_000));
    }
    const roles = range(SIZE).map((i) => net.replica(i).engine.status().role);
    const cellOf = (i: number): number => i % 3;
    const normal = roles.indexOf('normal');
    const relay = range(SIZE).find((i) => roles[i] === 'multi-region' && cellOf(i) === cellOf(normal));
    assert.ok(normal >= 0 && relay !== undefined, `roles ${roles}`);
    net.setBehaviour(relay, { outbound: (msg, ctx) => (msg.kind === 'bundle' ? [] : asIs(msg, ctx)) });
    const sender = validatorOf(roles);
    const from = net.replica(sender).height;
    for (let k = 0; k < 2 * EPOCH; k++) {
      const id = send(net, sender, (sender + 1) % SIZE);
      assert.ok(net.runUntil(() => allCommitted(net, [id], range(SIZE)), 30_000), `heights ${net.heights()}`);
    }
    const key = net.replica(normal).key.publicKey;
    const counted = new Map([...net.replica(sender).log].filter(([h, c]) => h > from && c.block.ballots.length > 0).map(([h, c]) => [h, c.block] as const));
    const carries = (h: number): boolean => counted.get(h)!.ballots.some((x) => bytesEqual(x.voter, key));
    const missed = [...counted.keys()].filter((h) => !carries(h) && counted.has(h + 1));
    assert.ok(missed.length > 0, 'the withheld relay left the ballot out of some block');
    for (const h of missed) assert.ok(carries(h + 1), `the ballot is missing from block ${h} and from the next one`);
  });
});
