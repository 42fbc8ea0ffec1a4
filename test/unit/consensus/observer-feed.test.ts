import { strict as assert } from 'node:assert';
import { signCall, signCallBallot, verifyBallot } from '../../../src/core/ballots.js';
import { signVote, verifyVote } from '../../../src/core/votes.js';
import { toHex } from '../../../src/core/bytes.js';
import { type Block, Vote } from '../../../src/core/wire/posplus.js';
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
  // As the engine does before it notes anything.
  verifyBallot(CHAIN, ballot);
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
    assert.deepEqual(observer.notes, [[toHex(voter.publicKey), 'accept']]);
  });

  it('ballots an accepted bundle carries unread (far-future heights, no valid signature) are not remembered', () => {
    const feed = new ObserverFeed(recorder());
    const junk = Array.from({ length: 500 }, (_, i) => ({ ...ballot, height: 1_000_000 + i, voter: new Uint8Array(4096).fill(i % 256) }));
    const input: EngineInput = { type: 'ballots', ballots: [ballot, ...junk], relayed: false, now: 1 };
    feed.noted(input, feed.signers(input, 3), 1, 'accept');
    feed.prune(3);
    assert.equal(feed.heightsHeld, 1, 'only the verified ballot’s height');
  });

  it('a ballot that says nothing counts for nobody, heard directly or carried in a block', () => {
    const observer = recorder();
    const feed = new ObserverFeed(observer, (b) => b === ballot);
    const input: EngineInput = { type: 'ballots', ballots: [ballot], relayed: false, now: 1 };
    assert.deepEqual(feed.signers(input, 3), []);
    feed.carried(blockWith, 3, 2);
    assert.deepEqual(observer.notes, []);
  });
});

describe('the observer feed: nothing counts against a signer whose signature did not verify', () => {
  const validator = key('framed-validator');
  const vote = signVote(CHAIN, validator, { type: Vote.Type.PREVOTE, height: 3, round: 0, blockHash: new Uint8Array(32).fill(1) });

  it('junk signed in a validator’s name and rejected is not noted against it', () => {
    const observer = recorder();
    const feed = new ObserverFeed(observer);
    for (let i = 0; i < 5; i++) {
      const junk: EngineInput = { type: 'vote', vote: { ...vote, signature: new Uint8Array(64).fill(i) }, now: 1 };
      assert.throws(() => verifyVote(CHAIN, (junk as { vote: typeof vote }).vote));
      feed.noted(junk, feed.signers(junk, 3), 1, 'reject');
    }
    assert.deepEqual(observer.notes, []);
  });

  it('a message whose signature verified is noted with its verdict, a rejection included', () => {
    const observer = recorder();
    const feed = new ObserverFeed(observer);
    const input: EngineInput = { type: 'vote', vote, now: 1 };
    verifyVote(CHAIN, vote);
    feed.noted(input, feed.signers(input, 3), 1, 'reject');
    assert.deepEqual(observer.notes, [[toHex(validator.publicKey), 'reject']]);
  });
});
