import { strict as assert } from 'node:assert';
import { parseBehaviors } from '../../../../src/core/behavior.js';
import type { ChainState } from '../../../../src/core/chain-state.js';
import { Prng } from '../../../../src/core/prng.js';
import { misbehaviorOf } from '../../../../src/consensus/misbehavior/compose.js';
import { T0, ctxOf, everyKind, inputsOf, prevote, replicaChain, shape } from './support.js';

const atHeight = (chain: ChainState, height: number): void => {
  chain.head = { ...chain.head, height };
};

describe('consensus/misbehavior/dormant', () => {
  it('behaves until the head reaches H, then the other listed behaviours act', () => {
    const chain = replicaChain();
    const m = misbehaviorOf(parseBehaviors('dormant:5,delay:100'), Prng.from('dormant'))!;
    const vote = prevote(new Uint8Array(32).fill(9));
    atHeight(chain, 4);
    assert.deepEqual(shape(m.outbound!(vote, ctxOf(chain))), ['vote→6']);
    atHeight(chain, 5);
    assert.deepEqual(shape(m.outbound!(vote, ctxOf(chain))), ['vote→6+100ms']);
    atHeight(chain, 50);
    assert.deepEqual(shape(m.outbound!(vote, ctxOf(chain))), ['vote→6+100ms']);
  });

  it('alone, means drop from H on', () => {
    const chain = replicaChain();
    const m = misbehaviorOf(parseBehaviors('dormant:3'), Prng.from('dormant alone'))!;
    const heard = (): boolean[] => inputsOf(chain).map((input) => m.inbound!(input, ctxOf(chain)));
    const sent = (): string[] => shape(everyKind(chain).flatMap((msg) => m.outbound!(msg, ctxOf(chain))));
    atHeight(chain, 2);
    assert.deepEqual(heard(), [true, true, true, true, true, true, true]);
    assert.deepEqual(sent(), ['txs→6', 'proposal→6', 'vote→6', 'ballot→6', 'bundle→6', 'evidence→6']);
    atHeight(chain, 3);
    assert.deepEqual(heard(), [true, false, false, false, false, false, true]);
    assert.deepEqual(sent(), ['txs→6', 'evidence→6']);
  });

  it('starts the clocks of what it holds back at H: an offline cycle begins when the replica wakes', () => {
    const chain = replicaChain();
    const m = misbehaviorOf(parseBehaviors('offline:1/1,dormant:2'), Prng.from('dormant offline'))!;
    const vote = prevote(new Uint8Array(32).fill(4));
    const sends = (now: number): boolean => m.outbound!(vote, ctxOf(chain, { now })).length > 0;
    atHeight(chain, 1);
    assert.ok(sends(T0) && sends(T0 + 1_500), 'honest before H');
    atHeight(chain, 2);
    const woke = T0 + 1_700;
    assert.deepEqual([sends(woke), sends(woke + 999), sends(woke + 1_000), sends(woke + 2_000)], [true, true, false, true]);
  });

  it('makes nothing up before H (no double spend on a tick)', () => {
    const chain = replicaChain();
    const m = misbehaviorOf(parseBehaviors('doublespend,dormant:1'), Prng.from('dormant doublespend'))!;
    assert.deepEqual(m.tick!(ctxOf(chain)), []);
    atHeight(chain, 1);
    assert.equal(m.tick!(ctxOf(chain)).length, 2);
  });
});
