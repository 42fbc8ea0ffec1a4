import { strict as assert } from 'node:assert';
import { addressOf } from '../../src/core/address.js';
import { parseBehaviors } from '../../src/core/behavior.js';
import { type Hex, toHex } from '../../src/core/bytes.js';
import { Prng } from '../../src/core/prng.js';
import { txId } from '../../src/core/tx.js';
import type { Vote } from '../../src/core/wire/posplus.js';
import { misbehaviorOf } from '../../src/consensus/misbehavior/compose.js';
import { ReplicaNetwork } from '../../src/sim/replica-network.js';
import type { Behaviour } from '../../src/sim/replica.js';
import { allCommitted, disagreementsAmong, locateIn, nccaEngine, nccaParams, range, send, violationsBy } from './support/ncca-sim.js';

/**
 * The `--behavior` list in the simulator: net.setBehaviors gives a replica exactly what a node started with
 * that flag runs (src/consensus/misbehavior/), here over the pos engine.
 */

/** One transfer from each of `from` to its neighbour, `rounds` times, `gapMs` apart. */
function traffic(net: ReplicaNetwork, from: readonly number[], rounds: number, gapMs: number): Hex[] {
  const ids: Hex[] = [];
  for (let k = 0; k < rounds; k++) {
    for (const i of from) {
      const tx = net.transfer(i, (i + 1) % net.replicas.length, 1);
      net.submit(i, [tx]);
      ids.push(txId(tx));
    }
    net.run(gapMs);
  }
  return ids;
}

const committedEverywhere = (net: ReplicaNetwork, ids: readonly Hex[], replicas: readonly number[]): boolean =>
  replicas.every((i) => {
    const r = net.replica(i);
    return ids.every((id) => [...r.log.values()].some((c) => c.txIds.includes(id)));
  });

function assertSafe(net: ReplicaNetwork, honest: readonly number[]): void {
  assert.deepEqual(net.violations.filter((v) => honest.some((i) => v.startsWith(`replica ${i} `))), []);
  assert.deepEqual(net.disagreements(), []);
}

describe('sim: --behavior lists on replicas (net.setBehaviors)', function () {
  this.timeout(120_000);

  it('equivocate: honest replicas stay safe and report evidence naming the equivocator (5 seeds)', () => {
    for (let s = 0; s < 5; s++) {
      const net = new ReplicaNetwork({ seed: `behaviors-eq-${s}`, size: 4, relay: true });
      net.setBehaviors(3, parseBehaviors('equivocate'), `eq-${s}`);
      const honest = [0, 1, 2];
      const ids = traffic(net, honest, 4, 400);
      assert.ok(net.runUntil(() => committedEverywhere(net, ids, honest), 120_000), `seed ${s}: stalled; heights ${net.heights()}`);
      assertSafe(net, honest);
      const offenders = new Set(honest.flatMap((i) => net.replica(i).evidence.filter((e) => e.kind === 'equivocation').map((e) => e.offender)));
      assert.deepEqual([...offenders], [net.replica(3).address], `seed ${s}`);
    }
  });

  it('doublespend: honest replicas raise the double-spend alert against it, and at most one of each pair commits', () => {
    const net = new ReplicaNetwork({ seed: 'behaviors-ds', size: 4, relay: true });
    net.setBehaviors(0, parseBehaviors('doublespend'), 'ds');
    const ids = traffic(net, [1, 2, 3], 20, 600);
    assert.ok(net.runUntil(() => committedEverywhere(net, ids, [1, 2, 3]), 60_000), `stalled; heights ${net.heights()}`);
    assertSafe(net, [1, 2, 3]);
    const spender = net.replica(0).address;
    for (const i of [1, 2, 3]) {
      const alerts = net.replica(i).evidence.filter((e) => e.kind === 'double-spend');
      assert.ok(alerts.length > 0, `replica ${i} raised no double-spend alert`);
      for (const a of alerts) assert.equal(a.offender, spender);
    }
    const nonces = [...net.replica(1).log.values()].flatMap((c) => c.block.txs.filter((tx) => addressOf(tx.sender) === spender).map((tx) => tx.nonce));
    assert.ok(nonces.length > 0, 'some of its transfers commit');
    assert.equal(new Set(nonces).size, nonces.length, 'two transfers with one nonce committed');
  });

  it('delay:ms holds each consensus message before it leaves (Envelope.delayMs in the harness)', () => {
    const net = new ReplicaNetwork({ seed: 'behaviors-delay', size: 4, baseDelayMs: 10, jitterMs: 40 });
    const HOLD = 400;
    const sentAt = new Map<string, number>();
    const keyOf = (v: Vote): string => `${v.type}/${v.height}/${v.round}/${toHex(v.blockHash)}`;
    const delay = misbehaviorOf(parseBehaviors(`delay:${HOLD}`), Prng.from('delay'))!;
    const sender: Behaviour = {
      outbound(msg, ctx) {
        if (msg.kind === 'vote' && !sentAt.has(keyOf(msg.vote))) sentAt.set(keyOf(msg.vote), ctx.now);
        return delay.outbound!(msg, ctx);
      },
    };
    const lags: number[] = [];
    const receiver: Behaviour = {
      inbound(input, ctx) {
        if (input.type === 'vote' && ctx.from === 0) lags.push(ctx.now - sentAt.get(keyOf(input.vote))!);
        return true;
      },
    };
    net.setBehaviour(0, sender);
    net.setBehaviour(1, receiver);
    const ids = traffic(net, [1, 2, 3], 3, 500);
    assert.ok(net.runUntil(() => committedEverywhere(net, ids, [0, 1, 2, 3]), 60_000), `stalled; heights ${net.heights()}`);
    assert.ok(lags.length > 0, 'replica 1 heard votes of replica 0');
    for (const lag of lags) assert.ok(lag >= HOLD && lag <= HOLD + 50, `a vote of replica 0 took ${lag} ms (held ${HOLD}, link 10–50 ms)`);
  });

  it('dormant:H alone: the replica votes until its head reaches H, then drops out (the others, 3/4, go on)', () => {
    const net = new ReplicaNetwork({ seed: 'behaviors-dormant', size: 4 });
    const H = 3;
    net.setBehaviors(3, parseBehaviors(`dormant:${H}`), 'dormant');
    const honest = [0, 1, 2];
    const ids = traffic(net, honest, 16, 500);
    assert.ok(net.runUntil(() => committedEverywhere(net, ids, honest), 120_000), `stalled; heights ${net.heights()}`);
    assertSafe(net, honest);
    const sleeper = toHex(net.replica(3).key.publicKey);
    const signedBy = (height: number): boolean => net.replica(0).log.get(height)!.certificate.sigs.some((s) => toHex(s.voter) === sleeper);
    const top = net.replica(0).height;
    assert.ok(top >= H + 4, `the chain went on without it (height ${top})`);
    assert.ok([1, 2, 3].some(signedBy), 'it signed certificates before H');
    for (let h = H + 2; h <= top; h++) assert.ok(!signedBy(h), `it signed the certificate of height ${h}, after H = ${H}`);
  });

  describe('falsevote on NCCA: false votes and false transaction-set ballots', () => {
    /** 7 validators, each LOCATEd in a cell of its own, `liars` of them falsevote; honest transfers. */
    function run(seed: string, liars: readonly number[], ms: number) {
      const net = new ReplicaNetwork({ seed, size: 7, engine: nccaEngine(nccaParams(2)), baseDelayMs: 5, jitterMs: 40, relay: true });
      for (const b of liars) net.setBehaviors(b, parseBehaviors('falsevote'), `${seed}/${b}`);
      for (const i of range(7)) locateIn(net, i, i);
      net.run(2_000);
      const honest = range(7).filter((i) => !liars.includes(i));
      const ids: Hex[] = [];
      for (let k = 0; k < 2; k++) {
        for (const [n, from] of honest.slice(0, 3).entries()) ids.push(send(net, from, honest[n + 1 + k]!));
        net.run(600);
      }
      const live = net.runUntil(() => allCommitted(net, ids, honest), ms);
      assert.deepEqual(disagreementsAmong(net, honest), [], `${seed}: honest replicas finalized different blocks`);
      assert.deepEqual(violationsBy(net, honest), [], `${seed}: a safety violation by an honest replica`);
      return { net, live };
    }

    it('1 of 7 lying: safe, and every transfer commits (one abstainer cannot hold a transaction below v1)', () => {
      for (let s = 0; s < 3; s++) {
        const { net, live } = run(`falsevote-1-${s}`, [s + 2], 60_000);
        assert.ok(live, `seed ${s}: transfers did not commit; heights ${net.heights()}`);
      }
    });

    it('2 of 7 lying: safe (whether transfers commit depends on who proposes: see support/ncca-sim.ts)', () => {
      for (let s = 0; s < 3; s++) run(`falsevote-2-${s}`, [s, s + 3], 20_000);
    });
  });
});
