import { strict as assert } from 'node:assert';
import type { Behavior, EngineName } from '../../src/core/behavior.js';
import { type Hex, toHex } from '../../src/core/bytes.js';
import type { EngineSettings } from '../../src/consensus/create-engine.js';
import { ReplicaNetwork, engineFactory } from '../../src/sim/replica-network.js';
import { allCommitted, range, send } from './support/ncca-sim.js';

type Baseline = Extract<EngineName, 'rpca' | 'cdbft' | 'dpos'>;

function network(engine: Baseline, seed: string, size: number, settings: Partial<EngineSettings> = {}): ReplicaNetwork {
  return new ReplicaNetwork({ seed, size, relay: true, engine: engineFactory(engine, settings) });
}

/** `rounds` rounds of one transfer from each sender to the next replica, `gapMs` apart. */
function transfers(net: ReplicaNetwork, senders: readonly number[], rounds: number, gapMs: number): Hex[] {
  const ids: Hex[] = [];
  for (let k = 0; k < rounds; k++) {
    for (const i of senders) ids.push(send(net, i, (i + 1) % net.replicas.length));
    net.run(gapMs);
  }
  return ids;
}

function assertSafe(net: ReplicaNetwork, what: string): void {
  assert.deepEqual(net.violations, [], `${what}: the harness saw a safety violation`);
  assert.deepEqual(net.disagreements(), [], `${what}: two replicas committed different blocks at one height`);
}

/** The replica with the lowest address: with equal stake and credit it is in every initial validator set. */
function firstByAddress(net: ReplicaNetwork): number {
  return [...net.replicas].sort((a, b) => (a.address < b.address ? -1 : 1))[0]!.index;
}

/** A replica on RPCA's UNL: the genesis members' first key (the UNL takes them in key order). */
function firstUnlMember(net: ReplicaNetwork): number {
  return net.replicas.find((r) => toHex(r.key.publicKey) === toHex(net.genesis.members[0]!))!.index;
}

/**
 * Each baseline's tolerated fault: RPCA under 20 % of the UNL (1 of the 7 UNL members of 11 nodes), CDBFT and DPoS under 1/3 of the
 * consensus nodes or delegates (CDBFT: 1 of the 5 consensus nodes of 7 registered; DPoS: 2 of 7 delegates).
 */
const CASES: { engine: Baseline; size: number; faulty: (net: ReplicaNetwork) => number[] }[] = [
  { engine: 'rpca', size: 11, faulty: (net) => [firstUnlMember(net)] },
  { engine: 'cdbft', size: 7, faulty: (net) => [firstByAddress(net)] },
  { engine: 'dpos', size: 7, faulty: () => [2, 5] },
];

const BEHAVIORS: Behavior[] = [{ kind: 'equivocate' }, { kind: 'drop' }, { kind: 'invalidblock' }];
const SEEDS = 5;

describe('sim: the baseline engines (RPCA, CDBFT, DPoS) over the replica network', function () {
  this.timeout(60_000);

  for (const { engine, size } of CASES) {
    it(`${engine}: ${size} honest replicas commit every submitted transfer on every replica`, () => {
      const net = network(engine, `${engine}-happy`, size);
      const ids = transfers(net, range(size), 4, 300);
      assert.ok(net.runUntil(() => allCommitted(net, ids, range(size)), 60_000), `not all committed; heights ${net.heights()}`);
      net.run(2_000);
      assertSafe(net, engine);
      const roots = net.replicas.map((r) => Buffer.from(r.chain.ledger.root()).toString('hex'));
      assert.equal(new Set(roots).size, 1, 'replicas hold different ledgers');
    });
  }

  for (const { engine, size, faulty } of CASES) {
    for (const behavior of BEHAVIORS) {
      it(`${engine}: safe and live with ${behavior.kind} replicas within the tolerated fault level (${SEEDS} seeds)`, () => {
        for (let s = 0; s < SEEDS; s++) {
          const seed = `${engine}-${behavior.kind}-${s}`;
          const net = network(engine, seed, size);
          const bad = faulty(net);
          for (const b of bad) net.setBehaviors(b, [behavior], `${seed}/${b}`);
          const honest = range(size).filter((i) => !bad.includes(i));
          // Transfers keep coming until every member's proposer slot has come round at least once.
          const ids: Hex[] = [];
          for (let k = 0; k < 60 && net.replica(honest[0]!).height <= size; k++) ids.push(...transfers(net, honest, 1, 500));
          const done = net.runUntil(() => allCommitted(net, ids, honest), 60_000);
          net.run(2_000);
          assertSafe(net, seed);
          assert.ok(done, `${seed}: the honest replicas stalled; heights ${net.heights()}`);
          assert.ok(net.replica(honest[0]!).height > size, `${seed}: too few heights to reach every proposer slot; heights ${net.heights()}`);
        }
      });
    }
  }

  it('cdbft: a consensus node whose precommits arrive after the first quorum is in every next certificate and keeps its credit', () => {
    // Every packet takes 10 ms; the slow node's take 50. Its precommit reaches the next primary after the quorum
    // that committed (4 of 5 consensus nodes), but before that primary proposes (commitMs = 100 later).
    const net = new ReplicaNetwork({ seed: 'cdbft-late', size: 7, delayMs: () => 10, engine: engineFactory('cdbft') });
    const slow = firstByAddress(net);
    for (let j = 0; j < 7; j++) if (j !== slow) net.slow(slow, j, 40);
    const ids = transfers(net, range(7), 6, 300);
    assert.ok(net.runUntil(() => allCommitted(net, ids, range(7)), 30_000), `not all committed; heights ${net.heights()}`);
    assertSafe(net, 'cdbft-late');
    const observer = net.replica((slow + 1) % 7);
    const signersAt = (h: number) => (observer.log.get(h)!.block.lastCommit?.sigs ?? []).map((s) => toHex(s.voter));
    assert.ok(observer.height >= 5, `too few heights: ${observer.height}`);
    for (let h = 2; h <= observer.height; h++) {
      assert.equal(signersAt(h).length, 5, `block ${h} carries every consensus node's precommit`);
      assert.ok(signersAt(h).includes(toHex(net.replica(slow).key.publicKey)), `block ${h} names the slow node`);
    }
    const views = net.replica(0).engine.validators();
    const credits = views.map((v) => `${v.address === net.replica(slow).address ? 'slow ' : ''}${v.role} ${v.credit}`);
    const consensus = views.filter((v) => v.role === 'validator');
    assert.equal(consensus.length, 5);
    assert.equal(new Set(consensus.map((v) => v.credit)).size, 1, `the slow node is credited like the others: ${credits.join(', ')}`);
  });

  it('dpos: with fewer delegates than nodes, a silent delegate is voted out and a standby takes its place', () => {
    const net = network('dpos', 'dpos-standby', 8, { dpos: { delegates: 5 } });
    const delegates = () => net.replica(0).engine.validators().filter((v) => v.role === 'validator').map((v) => v.address);
    const first = delegates();
    assert.equal(first.length, 5);
    const silent = net.replicas.find((r) => r.address === first[0])!.index;
    net.setBehaviors(silent, [{ kind: 'drop' }], 'standby');
    const honest = range(8).filter((i) => i !== silent);
    const replaced = () => {
      const now = delegates();
      return now.length === 5 && !now.includes(first[0]!);
    };
    let sawReplacement = false;
    for (let k = 0; k < 15 && !sawReplacement; k++) {
      transfers(net, honest, 1, 0);
      sawReplacement = net.runUntil(replaced, 1_500);
    }
    assert.ok(sawReplacement, `the silent delegate was never voted out and replaced; heights ${net.heights()}`);
    assertSafe(net, 'dpos-standby');
  });
});
