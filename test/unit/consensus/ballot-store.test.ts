import { strict as assert } from 'node:assert';
import { signCall, signCallBallot } from '../../../src/core/ballots.js';
import { BallotStore } from '../../../src/consensus/ballot-store.js';
import { CHAIN, key } from '../core/fixtures.js';

describe('BallotStore', () => {
  const voter = key('store-voter');
  const caller = key('store-caller');
  const ballotAt = (height: number) => signCallBallot(CHAIN, voter, signCall(CHAIN, caller, height, 1, []), () => false);

  it('a replica that only ever stores its own ballot keeps the last heights, not all of them', () => {
    const store = new BallotStore();
    for (let h = 1; h <= 200; h++) store.store(ballotAt(h));
    assert.equal(store.at(1), undefined, 'height 1 is forgotten');
    assert.equal(store.at(198), undefined);
    assert.equal(store.at(199)?.size, 1, 'the height before the last is kept');
    assert.equal(store.at(200)?.size, 1);
  });

  it('a ballot for the next height keeps the current one', () => {
    const store = new BallotStore();
    store.store(ballotAt(10));
    store.store(ballotAt(11));
    assert.equal(store.at(10)?.size, 1);
  });
});
