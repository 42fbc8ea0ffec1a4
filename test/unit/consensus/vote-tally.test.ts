import { strict as assert } from 'node:assert';
import { toHex } from '../../../src/core/bytes.js';
import { signVote } from '../../../src/core/votes.js';
import { Vote } from '../../../src/core/wire/posplus.js';
import { NIL, VoteTally } from '../../../src/consensus/bft/vote-tally.js';
import { CHAIN, key } from '../core/fixtures.js';

const X = new Uint8Array(32).fill(1);
const Y = new Uint8Array(32).fill(2);
const vote = (who: string, hash: Uint8Array) => signVote(CHAIN, key(who), { type: Vote.Type.PREVOTE, height: 1, round: 0, blockHash: hash });

describe('consensus/bft/vote-tally', () => {
  it('sums weight per block hash (nil included) and overall, once per voter', () => {
    const t = new VoteTally();
    assert.deepEqual(t.add(vote('a', X), 2), { added: true });
    assert.deepEqual(t.add(vote('b', X), 3), { added: true });
    assert.deepEqual(t.add(vote('c', new Uint8Array(0)), 1), { added: true });
    assert.equal(t.weightFor(toHex(X)), 5);
    assert.equal(t.weightFor(NIL), 1);
    assert.equal(t.weight, 6);
    assert.deepEqual(t.leader(), { hash: toHex(X), weight: 5 });
    assert.equal(t.votesFor(toHex(X)).length, 2);
    assert.deepEqual(t.voters().length, 3);
    assert.ok(t.has(toHex(key('a').publicKey)));
  });

  it('the same vote twice is not counted twice and is no conflict', () => {
    const t = new VoteTally();
    t.add(vote('a', X), 1);
    assert.deepEqual(t.add(vote('a', X), 1), { added: false });
    assert.equal(t.weight, 1);
  });

  it('detects equivocation: a second, different vote of one voter returns the first and is not counted', () => {
    const t = new VoteTally();
    const first = vote('a', X);
    t.add(first, 1);
    const res = t.add(vote('a', Y), 1);
    assert.equal(res.added, false);
    assert.equal(res.conflict, first);
    assert.equal(t.weightFor(toHex(Y)), 0);
    const nil = t.add(vote('a', new Uint8Array(0)), 1);
    assert.equal(nil.conflict, first, 'nil against a block is equivocation too');
    assert.equal(t.weight, 1);
  });

  it('a vote that comes with a proof of lock counts for its block even after a conflicting one, once, still reported', () => {
    const t = new VoteTally();
    const first = vote('a', X);
    t.add(first, 1);
    const res = t.addToProof(vote('a', Y), 1);
    assert.equal(res.added, true);
    assert.equal(res.conflict, first);
    assert.equal(t.weightFor(toHex(Y)), 1);
    assert.equal(t.weightFor(toHex(X)), 1);
    assert.equal(t.weight, 1, 'the voter still counts once toward "any" weight');
    assert.deepEqual(t.addToProof(vote('a', Y), 1), { added: false });
    assert.equal(t.votesFor(toHex(Y)).length, 1);
    const fresh = new VoteTally();
    assert.deepEqual(fresh.addToProof(vote('b', Y), 4), { added: true, conflict: undefined });
    assert.equal(fresh.weight, 4);
  });
});
