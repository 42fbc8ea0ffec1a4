import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { signVote } from '../../src/core/votes.js';
import type { Engine } from '../../src/consensus/engine.js';
import { createEngine } from '../../src/consensus/create-engine.js';
import { EventQueue } from '../../src/sim/event-queue.js';
import { Prng } from '../../src/core/prng.js';
import { ReplicaNetwork, engineFactory } from '../../src/sim/replica-network.js';
import { txId } from '../../src/core/tx.js';

describe('sim harness', () => {
  describe('Prng', () => {
    it('is a pure function of its seed; strings, numbers and bytes are distinct seeds', () => {
      const draw = (p: Prng) => Array.from({ length: 20 }, () => p.nextU32());
      assert.deepEqual(draw(Prng.from('x')), draw(Prng.from('x')));
      assert.notDeepEqual(draw(Prng.from('x')), draw(Prng.from('y')));
      assert.notDeepEqual(draw(Prng.from(1)), draw(Prng.from('1')));
      assert.deepEqual(draw(Prng.from(new Uint8Array([1, 2]))), draw(Prng.from(new Uint8Array([1, 2]))));
    });

    it('forks are independent of how much the parent has drawn', () => {
      const a = Prng.from('parent');
      const b = Prng.from('parent');
      for (let i = 0; i < 100; i++) b.next();
      assert.equal(a.fork('child').nextU32(), b.fork('child').nextU32());
      assert.notEqual(a.fork('child').nextU32(), a.fork('other').nextU32());
    });

    it('int(n) stays in [0, n) and is close to uniform; next() in [0, 1); chance at the edges (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.string(), (n, seed) => {
          const p = Prng.from(seed);
          for (let i = 0; i < 50; i++) {
            const v = p.int(n);
            assert.ok(Number.isInteger(v) && v >= 0 && v < n);
            const f = p.next();
            assert.ok(f >= 0 && f < 1);
          }
          assert.equal(p.chance(0), false);
          assert.equal(p.chance(1), true);
        }),
        { numRuns: 100 },
      );
      const p = Prng.from('uniform');
      const counts = new Array<number>(6).fill(0);
      for (let i = 0; i < 60_000; i++) counts[p.int(6)]!++;
      for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `bucket ${c}`);
      assert.throws(() => p.int(0), RangeError);
    });

    it('shuffle permutes, pick picks, bytes has its length', () => {
      const p = Prng.from('s');
      const items = Array.from({ length: 30 }, (_, i) => i);
      const shuffled = p.shuffle(items);
      assert.deepEqual([...shuffled].sort((x, y) => x - y), items);
      assert.notDeepEqual(shuffled, items);
      assert.ok(items.includes(p.pick(items)));
      assert.throws(() => p.pick([]), RangeError);
      assert.equal(p.bytes(33).byteLength, 33);
    });
  });

  describe('EventQueue', () => {
    it('pops by time, and in push order among equal times (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
          const q = new EventQueue<number>();
          times.forEach((t, i) => q.push(t, i));
          const expected = times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((e) => e.i);
          assert.deepEqual(q.pending().map((e) => e.item), expected);
          const popped: number[] = [];
          for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push(e.item);
          assert.deepEqual(popped, expected);
          assert.equal(q.size, 0);
        }),
        { numRuns: 200 },
      );
    });

    it('remove keeps the order of what stays', () => {
      const q = new EventQueue<number>();
      for (let i = 0; i < 50; i++) q.push(i % 7, i);
      assert.equal(q.remove((x) => x % 2 === 0), 25);
      const rest: number[] = [];
      for (let e = q.pop(); e !== undefined; e = q.pop()) rest.push(e.item);
      assert.deepEqual(rest, Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 2 === 1).sort((a, b) => (a % 7) - (b % 7) || a - b));
    });
  });

  describe('ReplicaNetwork', () => {
    it('topology: cut, isolate, partition (unlisted replicas form one more group) and heal', () => {
      const net = new ReplicaNetwork({ seed: 'topo', size: 5 });
      assert.ok(net.canTalk(0, 1) && !net.canTalk(2, 2));
      net.cut(0, 1);
      assert.ok(!net.canTalk(0, 1) && !net.canTalk(1, 0) && net.canTalk(0, 2));
      net.isolate(4);
      assert.ok([0, 1, 2, 3].every((i) => !net.canTalk(4, i) && !net.canTalk(i, 4)));
      net.heal();
      assert.ok(net.canTalk(0, 1) && net.canTalk(4, 0));
      net.partition([0, 1], [2]);
      assert.ok(net.canTalk(0, 1) && !net.canTalk(1, 2) && net.canTalk(3, 4) && !net.canTalk(0, 3) && !net.canTalk(2, 4));
      net.heal();
      assert.ok(net.canTalk(1, 2));
    });

    it('with every message lost nothing commits; replicas still run their timers without disagreeing', () => {
      const net = new ReplicaNetwork({ seed: 'silence', size: 4, dropRate: 1 });
      net.submit(0, [net.transfer(0, 1, 5)]);
      net.run(20_000);
      assert.deepEqual(net.heights(), [0, 0, 0, 0]);
      assert.equal(net.stats.delivered, 0);
      assert.ok(net.stats.dropped > 0);
      assert.ok(net.replica(0).engine.status().round > 0, 'rounds time out and move on');
      assert.deepEqual(net.violations, []);
    });

    it('a submitted transaction reaches every replica and is committed once everywhere', () => {
      const net = new ReplicaNetwork({ seed: 'one-tx', size: 3 });
      const tx = net.transfer(2, 0, 7);
      net.submit(2, [tx]);
      assert.ok(net.runUntil(() => net.replicas.every((r) => r.height === 1), 10_000));
      for (const r of net.replicas) assert.deepEqual(r.log.get(1)!.txIds, [txId(tx)]);
      assert.ok(net.replica(2).txStatuses.some((s) => s.id === txId(tx) && s.status === 'pending'));
      assert.ok(net.settle(5_000));
      assert.equal(net.replica(0).chain.account(net.replica(0).address).balance, 1_000_007);
    });

    it('with gossip relay each replica hands a message to its engine once; the copies are counted as duplicates', () => {
      const stepped = new Map<number, Set<object>>();
      let made = 0;
      const net: ReplicaNetwork = new ReplicaNetwork({
        seed: 'relay-dedupe',
        size: 4,
        relay: true,
        engine: {
          ...engineFactory('pos'),
          engine: (chain, rules, timeouts, wal) => {
          const inner = createEngine(chain, rules, timeouts, wal);
          const index = made++;
          stepped.set(index, new Set());
          return {
            name: inner.name,
            status: () => inner.status(),
            validators: () => inner.validators(),
            step(input) {
              const message = input.type === 'vote' ? input.vote : input.type === 'proposal' ? input.proposal : undefined;
              if (message !== undefined) {
                assert.ok(!stepped.get(index)!.has(message), `replica ${index} was handed one ${input.type} twice`);
                stepped.get(index)!.add(message);
              }
              return inner.step(input);
            },
          };
          },
        },
      });
      net.submit(0, [net.transfer(0, 1, 3)]);
      assert.ok(net.runUntil(() => net.replicas.every((r) => r.height === 1), 10_000));
      assert.ok(net.stats.duplicates > 0, 'every replica forwards what it accepted, so copies arrive');
      assert.ok([...stepped.values()].every((s) => s.size > 0));
    });

    it('its safety checks have teeth: a double-signing engine and a diverging commit log are reported', () => {
      // Replica 0's engine signs a second, conflicting vote for every vote it makes.
      const doubleSigner = (inner: Engine): Engine => ({
        name: inner.name,
        status: () => inner.status(),
        validators: () => inner.validators(),
        step(input) {
          const ready = inner.step(input);
          const extra = ready.publish.flatMap((m) =>
            m.kind === 'vote'
              ? [{ kind: 'vote' as const, vote: signVote(net.chainId, net.replica(0).key, { ...m.vote, blockHash: new Uint8Array(32).fill(9) }) }]
              : [],
          );
          return { ...ready, publish: [...ready.publish, ...extra] };
        },
      });
      let made = 0;
      const net: ReplicaNetwork = new ReplicaNetwork({
        seed: 'teeth',
        size: 4,
        engine: {
          ...engineFactory('pos'),
          engine: (chain, rules, timeouts, wal) => {
            const engine = createEngine(chain, rules, timeouts, wal);
            return made++ === 0 ? doubleSigner(engine) : engine;
          },
        },
      });
      net.submit(1, [net.transfer(1, 2, 1)]);
      net.run(10_000);
      assert.ok(net.violations.some((v) => v.startsWith('replica 0 signed two different vote/')), net.violations.join('\n'));
      assert.ok(net.replicas.slice(1).some((r) => r.evidence.some((e) => e.kind === 'equivocation')), 'the honest replicas caught it too');
      assert.deepEqual(net.disagreements(), []);
      net.replica(3).commits.set(1, 'ff'.repeat(32));
      assert.equal(net.disagreements().length, 1);
    });
  });
});
