import { strict as assert } from 'node:assert';
import { offlineCycle } from '../../../../src/consensus/misbehavior/offline.js';
import { T0, ctxOf, inputsOf, prevote, replicaChain, shape } from './support.js';

describe('consensus/misbehavior/offline', () => {
  const chain = replicaChain();
  const vote = prevote(new Uint8Array(32).fill(5));
  const input = inputsOf(chain)[2]!;
  const state = (m: ReturnType<typeof offlineCycle>, now: number): string => {
    const ctx = ctxOf(chain, { now });
    const out = shape(m.outbound!(vote, ctx)).length > 0 ? 'sends' : 'silent';
    const inn = m.inbound!(input, ctx) ? 'hears' : 'deaf';
    return `${out}/${inn}`;
  };

  it('is online `on` seconds, then neither sends nor receives for `off` seconds, over and over', () => {
    const m = offlineCycle(2, 1);
    const at = [0, 1_999, 2_000, 2_999, 3_000, 4_999, 5_000, 6_000, 300_000 + 2_500];
    assert.deepEqual(
      at.map((dt) => state(m, T0 + dt)),
      ['sends/hears', 'sends/hears', 'silent/deaf', 'silent/deaf', 'sends/hears', 'sends/hears', 'silent/deaf', 'sends/hears', 'silent/deaf'],
    );
  });

  it('counts the cycle from the first time it is consulted', () => {
    const m = offlineCycle(10, 10);
    const start = T0 + 123_456;
    assert.equal(state(m, start), 'sends/hears');
    assert.equal(state(m, start + 9_999), 'sends/hears');
    assert.equal(state(m, start + 10_000), 'silent/deaf');
    assert.equal(state(m, start + 20_000), 'sends/hears');
  });
});
