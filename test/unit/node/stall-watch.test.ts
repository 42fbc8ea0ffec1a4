import { strict as assert } from 'node:assert';
import { StallWatch } from '../../../src/node/stall-watch.js';

describe('StallWatch: what /health calls a stalled chain', () => {
  it('work pending for the limit without a commit is a stall; a commit or an empty pool ends it', () => {
    const w = new StallWatch(10_000);
    w.look(0, true);
    w.look(9_000, true);
    assert.equal(w.stalledFor(9_999), undefined);
    assert.equal(w.stalledFor(10_000), 10_000);
    w.committed();
    w.look(11_000, true);
    assert.equal(w.stalledFor(20_999), undefined, 'counted again from the first look after the commit');
    assert.equal(w.stalledFor(21_000), 10_000);
    w.look(21_500, false);
    assert.equal(w.stalledFor(50_000), undefined, 'nothing pending, nothing stalled');
  });

  it('an idle chain that gets work after a long quiet is not stalled at once', () => {
    const w = new StallWatch(10_000);
    for (let t = 0; t < 100_000; t += 1000) w.look(t, false);
    w.look(100_000, true);
    assert.equal(w.stalledFor(100_001), undefined);
  });
});
