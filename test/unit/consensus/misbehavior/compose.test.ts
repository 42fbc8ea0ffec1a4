import { strict as assert } from 'node:assert';
import { parseBehaviors } from '../../../../src/core/behavior.js';
import { Prng } from '../../../../src/core/prng.js';
import { compose, misbehaviorOf } from '../../../../src/consensus/misbehavior/compose.js';
import type { Misbehavior } from '../../../../src/consensus/misbehavior/misbehavior.js';
import { T0, ctxOf, inputsOf, prevote, replicaChain, shape } from './support.js';

const of = (list: string, seed = list): Misbehavior => misbehaviorOf(parseBehaviors(list), Prng.from(seed))!;

describe('consensus/misbehavior/compose: misbehaviorOf a --behavior list', () => {
  const chain = replicaChain();
  const vote = prevote(new Uint8Array(32).fill(6));

  it('an empty list is honest: no Misbehavior at all', () => {
    assert.equal(misbehaviorOf([], Prng.from('x')), undefined);
  });

  it('does not depend on the order of the list', () => {
    const a = of('delay:40,equivocate,falsevote', 's').outbound!(vote, ctxOf(chain, { broadcast: true }));
    const b = of('falsevote,equivocate,delay:40', 's').outbound!(vote, ctxOf(chain, { broadcast: true }));
    assert.deepEqual(a, b);
    assert.deepEqual(shape(a), ['vote→6+40ms', 'vote→6+40ms']);
  });

  it('lies first and equivocates with the lie: falsevote + equivocate still sends two different votes', () => {
    const sent = of('falsevote,equivocate').outbound!(vote, ctxOf(chain, { broadcast: true }));
    const [x, y] = sent.map((e) => (e.msg.kind === 'vote' ? Buffer.from(e.msg.vote.blockHash).toString('hex') : '?'));
    assert.notEqual(x, y);
  });

  it('what a tick makes up goes through the later stages: delay does not hold transactions, offline silences them', () => {
    const made = of('doublespend,delay:70').tick!(ctxOf(chain));
    assert.deepEqual(made.map((e) => [e.msg.kind, e.delayMs]), [['txs', undefined], ['txs', undefined]]);
    const offline = of('doublespend,offline:1/1');
    assert.equal(offline.tick!(ctxOf(chain, { now: T0 })).length, 2, 'online at first');
    assert.deepEqual(offline.tick!(ctxOf(chain, { now: T0 + 5_500 })), [], 'offline then');
    assert.equal(offline.tick!(ctxOf(chain, { now: T0 + 12_000 })).length, 2, 'online again');
  });

  it('drop and offline filter what comes in, in front of everything else', () => {
    const inputs = inputsOf(chain);
    assert.deepEqual(
      inputs.map((i) => of('drop,equivocate').inbound!(i, ctxOf(chain))),
      [true, false, false, false, false, false, true],
    );
  });

  it('holds add up along the way, and parts without outbound are skipped', () => {
    const hold = (ms: number): Misbehavior => ({ outbound: (msg, ctx) => [{ to: ctx.peers, msg, delayMs: ms }] });
    const sent = compose([hold(10), {}, hold(5)]).outbound!(vote, ctxOf(chain));
    assert.deepEqual(shape(sent), ['vote→6+15ms']);
  });
});
