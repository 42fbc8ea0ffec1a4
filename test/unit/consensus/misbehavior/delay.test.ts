import { strict as assert } from 'node:assert';
import { parseBehaviors } from '../../../../src/core/behavior.js';
import { Prng } from '../../../../src/core/prng.js';
import { misbehaviorOf } from '../../../../src/consensus/misbehavior/compose.js';
import { delayed } from '../../../../src/consensus/misbehavior/delay.js';
import { PEERS, ctxOf, everyKind, prevote, replicaChain, shape } from './support.js';

describe('consensus/misbehavior/delay', () => {
  const chain = replicaChain();
  const ctx = ctxOf(chain);

  it('holds every consensus message `ms` (to the same peers, unchanged); plain transactions leave at once', () => {
    const messages = everyKind(chain);
    const sent = messages.flatMap((msg) => delayed(250).outbound!(msg, ctx));
    assert.deepEqual(shape(sent), ['txs→6', 'proposal→6+250ms', 'vote→6+250ms', 'ballot→6+250ms', 'bundle→6+250ms', 'evidence→6+250ms']);
    sent.forEach((e, i) => {
      assert.equal(e.msg, messages[i], 'the message itself is not changed');
      assert.deepEqual(e.to, PEERS);
    });
  });

  it('filters nothing coming in', () => {
    assert.equal(delayed(250).inbound, undefined);
  });

  it('composed after equivocate, holds both conflicting votes', () => {
    const m = misbehaviorOf(parseBehaviors('delay:80,equivocate'), Prng.from('delay+equivocate'))!;
    const sent = m.outbound!(prevote(new Uint8Array(32).fill(3)), ctxOf(chain, { broadcast: true }));
    assert.deepEqual(shape(sent), ['vote→6+80ms', 'vote→6+80ms']);
  });
});
