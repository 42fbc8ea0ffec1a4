import { strict as assert } from 'node:assert';
import type { Hex } from '../../src/core/bytes.js';
import { txId } from '../../src/core/tx.js';
import type { Tx } from '../../src/core/wire/posplus.js';
import { equivocator } from '../../src/consensus/misbehavior/equivocate.js';
import { Prng } from '../../src/core/prng.js';
import { ReplicaNetwork, type ReplicaNetworkOptions } from '../../src/sim/replica-network.js';
import type { Replica } from '../../src/sim/replica.js';

/** Every tx id a replica has committed, with how often. */
function committedTxCounts(r: Replica): Map<Hex, number> {
  const out = new Map<Hex, number>();
  for (const c of r.log.values()) for (const id of c.txIds) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}

function allCommitted(net: ReplicaNetwork, ids: readonly Hex[], replicas: readonly number[] = net.replicas.map((r) => r.index)): boolean {
  return replicas.every((i) => {
    const counts = committedTxCounts(net.replica(i));
    return ids.every((id) => counts.has(id));
  });
}

/** The safety property, checked in every test: no two replicas ever commit different blocks at one height. */
function assertSafe(net: ReplicaNetwork): void {
  assert.deepEqual(net.violations, [], 'the harness saw a safety violation');
  assert.deepEqual(net.disagreements(), [], 'two replicas committed different blocks at one height');
}

/** Both replicas hold the same hash at every height both committed. */
function assertSameLog(a: Replica, b: Replica): void {
  for (const [h, hash] of a.commits) if (b.commits.has(h)) assert.equal(b.commits.get(h), hash, `height ${h}`);
}

/** One transfer from each of `from` to its neighbour, submitted at the sender. */
function submitRound(net: ReplicaNetwork, from: readonly number[]): Hex[] {
  const ids: Hex[] = [];
  for (const i of from) {
    const tx: Tx = net.transfer(i, (i + 1) % net.replicas.length, 1 + i);
    net.submit(i, [tx]);
    ids.push(txId(tx));
  }
  return ids;
}

/** `rounds` rounds of transfers `gapMs` apart, returning every id submitted. */
function submitMany(net: ReplicaNetwork, rounds: number, gapMs: number, from?: readonly number[]): Hex[] {
  const senders = from ?? net.replicas.map((r) => r.index);
  const ids: Hex[] = [];
  for (let k = 0; k < rounds; k++) {
    ids.push(...submitRound(net, senders));
    net.run(gapMs);
  }
  return ids;
}

function assertEveryTxOnceEverywhere(net: ReplicaNetwork, ids: readonly Hex[]): void {
  for (const r of net.replicas) {
    const counts = committedTxCounts(r);
    for (const id of ids) assert.equal(counts.get(id), 1, `replica ${r.index}: tx ${id} committed ${counts.get(id) ?? 0} times`);
  }
}

function assertSameState(net: ReplicaNetwork): void {
  const roots = net.replicas.map((r) => Buffer.from(r.chain.ledger.root()).toString('hex'));
  assert.equal(new Set(roots).size, 1, 'replicas at one height hold different ledgers');
}

function network(options: Partial<ReplicaNetworkOptions> & { seed: ReplicaNetworkOptions['seed'] }): ReplicaNetwork {
  return new ReplicaNetwork({ size: 4, ...options });
}

describe('sim: POS+ over the replica network', function () {
  this.timeout(60_000);

  for (const size of [4, 7]) {
    it(`${size} validators commit every submitted transaction and agree on every height`, () => {
      const net = network({ seed: `happy-${size}`, size });
      const ids = submitMany(net, 6, 300);
      assert.ok(net.runUntil(() => allCommitted(net, ids), 60_000), `not all committed; heights ${net.heights()}`);
      assert.ok(net.settle(10_000), 'network did not go quiet');
      assertSafe(net);
      assertEveryTxOnceEverywhere(net, ids);
      const heights = net.heights();
      assert.ok(heights[0]! >= 2, `expected several heights, got ${heights}`);
      assert.equal(new Set(heights).size, 1, `heights differ: ${heights}`);
      for (const r of net.replicas) assert.deepEqual([...r.commits.keys()], Array.from({ length: heights[0]! }, (_, i) => i + 1));
      assertSameState(net);
      // The senders paid: each sent 6 × (1 + i) and received 6 × (1 + its predecessor's index).
      const n = net.replicas.length;
      for (const r of net.replicas) {
        const prev = (r.index + n - 1) % n;
        assert.equal(r.chain.account(r.address).balance, 1_000_000 - 6 * (1 + r.index) + 6 * (1 + prev));
        assert.equal(r.chain.account(r.address).nonce, 6);
      }
    });
  }

  it('is deterministic: the same seed gives identical commit logs, times and traffic', () => {
    const runOnce = (seed: string) => {
      const net = network({ seed, dropRate: 0.1, jitterMs: 80 });
      submitMany(net, 5, 250);
      net.run(20_000);
      assertSafe(net);
      return {
        logs: net.replicas.map((r) => [...r.commits.entries()]),
        times: net.replicas.map((r) => [...r.commitTimes.entries()]),
        stats: { ...net.stats },
        wal: net.replicas.map((r) => (r.wal ? Buffer.from(r.wal).toString('hex') : '')),
      };
    };
    const a = runOnce('determinism');
    const b = runOnce('determinism');
    assert.ok(a.logs[0]!.length >= 2, 'the run should commit something');
    assert.deepEqual(a, b);
    const c = runOnce('determinism-2');
    assert.notDeepEqual(c.logs, a.logs);
  });

  it('commits and agrees with 20% message loss and random delay', () => {
    for (const seed of ['lossy-1', 'lossy-2', 'lossy-3']) {
      const net = network({ seed, dropRate: 0.2, baseDelayMs: 5, jitterMs: 150 });
      const ids = submitMany(net, 5, 400);
      assert.ok(net.runUntil(() => allCommitted(net, ids), 120_000), `${seed}: not all committed; heights ${net.heights()}`);
      net.run(5_000);
      assertSafe(net);
      assertEveryTxOnceEverywhere(net, ids);
      assert.ok(net.stats.dropped > 0, 'the network should actually have lost messages');
    }
  });

  it('a partitioned minority (1 of 4): the majority keeps committing, and after heal the isolated one catches up', () => {
    const net = network({ seed: 'minority' });
    const before = submitMany(net, 2, 300);
    assert.ok(net.runUntil(() => allCommitted(net, before), 20_000));
    const isolatedAt = net.replica(3).height;
    net.partition([0, 1, 2], [3]);
    const during = submitMany(net, 5, 3_000, [0, 1, 2]); // spaced out, so they cannot all share one block
    assert.ok(net.runUntil(() => allCommitted(net, during, [0, 1, 2]), 30_000), `majority stalled; heights ${net.heights()}`);
    assert.equal(net.replica(3).height, isolatedAt, 'the isolated replica cannot commit alone');
    assert.ok(net.replica(0).height >= isolatedAt + 2, `majority should have gone on; heights ${net.heights()}`);
    net.heal();
    const after = submitMany(net, 2, 300, [0, 1, 2]);
    const all = [...before, ...during, ...after];
    assert.ok(net.runUntil(() => allCommitted(net, all), 60_000), `the isolated replica did not catch up; heights ${net.heights()}`);
    assert.ok(net.stats.syncBlocks > 0, 'the isolated replica should have caught up through sync');
    net.run(5_000);
    assertSafe(net);
    for (const r of net.replicas) assertSameLog(net.replica(0), r);
    assertEveryTxOnceEverywhere(net, all);
  });

  it('a 2/2 split of 4 halts without disagreement and resumes after heal', () => {
    const net = network({ seed: 'split' });
    const before = submitMany(net, 2, 300);
    assert.ok(net.runUntil(() => allCommitted(net, before), 20_000));
    assert.ok(net.settle(10_000));
    const commitsBefore = net.replicas.map((r) => r.commits.size);
    net.partition([0, 1], [2, 3]);
    const during = submitMany(net, 4, 500);
    net.run(30_000);
    assert.deepEqual(
      net.replicas.map((r) => r.commits.size),
      commitsBefore,
      'neither half holds more than 2/3 of the stake, so nothing may commit while split',
    );
    assertSafe(net);
    net.heal();
    assert.ok(net.runUntil(() => allCommitted(net, [...before, ...during]), 90_000), `no progress after heal; heights ${net.heights()}`);
    net.run(5_000);
    assertSafe(net);
    assertEveryTxOnceEverywhere(net, [...before, ...during]);
  });

  describe('crash and restart from ChainState plus the last WAL', () => {
    const cases: { seed: string; what: 'PREVOTE' | 'PRECOMMIT' | 'proposal'; isolateOther: boolean }[] = [
      { seed: 'crash-1', what: 'PREVOTE', isolateOther: false },
      { seed: 'crash-2', what: 'PRECOMMIT', isolateOther: false },
      { seed: 'crash-3', what: 'PREVOTE', isolateOther: true },
      { seed: 'crash-4', what: 'PRECOMMIT', isolateOther: true },
      { seed: 'crash-5', what: 'proposal', isolateOther: true },
      { seed: 'crash-6', what: 'proposal', isolateOther: false },
    ];
    for (const { seed, what, isolateOther } of cases) {
      it(`crash right after a ${what}${isolateOther ? ', with another replica cut off so the height needs it back' : ''}: no equivocation, the chain goes on`, () => {
        const net = network({ seed });
        const victim = 1;
        const signedAtOrAfter = (h: number) =>
          [...net.replica(victim).signed.keys()].some((k) => {
            const parts = k.split('/');
            const height = Number(what === 'proposal' ? parts[1] : parts[2]);
            return (what === 'proposal' ? k.startsWith('proposal/') : k.startsWith(`vote/${what}/`)) && height >= h;
          });
        const ids: Hex[] = [];
        let crashed = false;
        for (let k = 0; k < 40 && !crashed; k++) {
          ids.push(...submitRound(net, [0, 1, 2, 3]));
          crashed = net.runUntil(() => signedAtOrAfter(3), 300);
        }
        assert.ok(crashed, `replica ${victim} never signed a ${what} at height ≥ 3`);
        const walBefore = net.replica(victim).wal;
        assert.ok(walBefore !== undefined, 'a replica that voted has written a WAL');
        net.crash(victim);
        if (isolateOther) net.isolate(3);
        net.run(3_000);
        net.restart(victim);
        const restartedAt = net.now;
        ids.push(...submitMany(net, 3, 400, [0, 2]));
        net.run(6_000);
        net.heal();
        ids.push(...submitMany(net, 3, 400, [0, 1, 2, 3]));
        assert.ok(net.runUntil(() => allCommitted(net, ids), 90_000), `stalled after restart; heights ${net.heights()}`);
        net.run(3_000);
        assertSafe(net); // includes: the victim never signed two different votes or proposals for one slot
        assertEveryTxOnceEverywhere(net, ids);
        const afterRestart = [...net.replica(victim).commitTimes.values()].filter((t) => t >= restartedAt);
        assert.ok(afterRestart.length > 0, 'the restarted replica commits again');
      });
    }
  });

  describe('byzantine: an equivocating validator', () => {
    function byzantineRun(seed: string, size: number, byzantine: readonly number[]) {
      const net = network({ seed, size, relay: true });
      const prng = Prng.from(seed).fork('byzantine');
      for (const b of byzantine) net.setBehaviour(b, equivocator(prng.fork(b)));
      const honest = net.replicas.map((r) => r.index).filter((i) => !byzantine.includes(i));
      const ids = submitMany(net, 4, 400, honest);
      const done = net.runUntil(() => allCommitted(net, ids, honest), 120_000);
      net.run(2_000);
      return { net, honest, ids, done };
    }

    it('4 validators, 1 equivocator (weight 1/4 < 1/3): safe over 50 seeds, and the equivocation is reported', () => {
      let committedEvidence = 0;
      const offenderOf = (net: ReplicaNetwork) => net.replica(3).address;
      for (let s = 0; s < 50; s++) {
        const { net, honest, done } = byzantineRun(`byz-${s}`, 4, [3]);
        assertSafe(net);
        assert.ok(done, `seed ${s}: the three honest replicas (3/4 of the stake) stalled; heights ${net.heights()}`);
        const reported = honest.flatMap((i) => net.replica(i).evidence.filter((e) => e.kind === 'equivocation'));
        assert.ok(reported.length > 0, `seed ${s}: no honest replica reported the equivocation`);
        for (const e of reported) assert.equal(e.offender, offenderOf(net), 'evidence must accuse the equivocator, and only it');
        for (const c of net.replica(honest[0]!).log.values()) committedEvidence += c.evidence.filter((e) => e.kind === 'equivocation').length;
      }
      assert.ok(committedEvidence > 0, 'equivocation evidence should make it into blocks');
    });

    it('7 validators, 2 equivocators (2/7 < 1/3): safe over 10 seeds', () => {
      for (let s = 0; s < 10; s++) {
        const { net, honest, done } = byzantineRun(`byz7-${s}`, 7, [2, 5]);
        assertSafe(net);
        assert.ok(done, `seed ${s}: honest replicas stalled; heights ${net.heights()}`);
        const offenders = new Set(honest.flatMap((i) => net.replica(i).evidence.map((e) => e.offender)));
        for (const o of offenders) assert.ok([net.replica(2).address, net.replica(5).address].includes(o), `honest replica accused: ${o}`);
        assert.ok(offenders.size > 0);
      }
    });
  });
});
