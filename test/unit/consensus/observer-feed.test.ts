import { strict as assert } from 'node:assert';
import { signCall, signCallBallot } from '../../../src/core/ballots.js';
import { toHex } from '../../../src/core/bytes.js';
import type { Block } from '../../../src/core/wire/posplus.js';
import type { ConsensusObserver } from '../../../src/consensus/bft/bft-rules.js';
import { ObserverFeed } from '../../../src/consensus/bft/observer-feed.js';
import type { EngineInput, Verdict } from '../../../src/consensus/engine.js';
import { CHAIN, key } from '../core/fixtures.js';

/** An observer that records what it is told. */
function recorder(): ConsensusObserver & { notes: [string, Verdict][] } {
  const notes: [string, Verdict][] = [];
  return { notes, note: (signer, _h, _now, verdict) => void notes.push([signer, verdict]), proposed: () => undefined, close: () => undefined };
}

describe('the observer feed: each ballot counts once, however it arrived', () => {
  const voter = key('feed-voter');
  const call = signCall(CHAIN, key('feed-caller'), 3, 1, []);
  const ballot = signCallBallot(CHAIN, voter, call, () => false);
  const blockWith = { ballots: [ballot] } as unknown as Block;

  it('a ballot heard directly is not counted again when the block carries it', () => {
    const observer = recorder();
    const feed = new ObserverFeed(observer);
    const input: EngineInput = { type: 'ballots', ballots: [ballot], relayed: false, now: 1 };
    feed.noted(input, feed.signers(input, 3), 1, 'accept');
    feed.carried(blockWith, 3, 2);
    assert.deepEqual(observer.notes, [[toHex(voter.publicKey), 'accept']]);
  });

  it('a forged ballot naming a voter, rejected, does not hide the voter’s real ballot in the block', () => {
    const observer = recorder();
    const feed = new ObserverFeed(observer);
    const forged: EngineInput = { type: 'ballots', ballots: [{ ...ballot, signature: new Uint8Array(64) }], relayed: false, now: 1 };
    feed.noted(forged, feed.signers(forged, 3), 1, 'reject');
    feed.carried(blockWith, 3, 2);
    assert.deepEqual(observer.notes, [
      [toHex(voter.publicKey), 'reject'],
      [toHex(voter.publicKey), 'accept'],
    ]);
  });
});
