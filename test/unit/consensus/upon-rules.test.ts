import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { toHex } from '../../../src/core/bytes.js';
import { signVote } from '../../../src/core/votes.js';
import { type Block, type Proposal, Vote } from '../../../src/core/wire/posplus.js';
import { HeightState } from '../../../src/consensus/bft/height-state.js';
import { decidedUnheld, nextUpon, polkaTag } from '../../../src/consensus/bft/upon-rules.js';
import { ValidatorSet } from '../../../src/consensus/validator-set.js';
import { CHAIN, key } from '../core/fixtures.js';

const NAMES = ['a', 'b', 'c', 'd'];
const vs = new ValidatorSet(NAMES.map((n) => ({ publicKey: key(n).publicKey, key: toHex(key(n).publicKey), address: addressOf(key(n).publicKey), weight: 1 })));
const X = new Uint8Array(32).fill(7);
// The rules only pass a proposal's block on; they never look inside it.
const BLOCK_X = { txs: [] } as unknown as Block;

function vote(type: Vote.Type, who: string, round: number, hash: Uint8Array): Vote {
  return signVote(CHAIN, key(who), { type, height: 1, round, blockHash: hash });
}

function heightWithProposal(step: HeightState['step']): HeightState {
  const h = new HeightState();
  h.step = step;
  h.proposals.set(0, { proposal: { validRound: -1 } as Proposal, block: BLOCK_X, hash: toHex(X), valid: true });
  return h;
}

function count(h: HeightState, type: Vote.Type, round: number, hash: Uint8Array, voters: string[]): void {
  for (const who of voters) h.tallyOf(type, round).add(vote(type, who, round, hash), 1);
}

describe('consensus/bft/upon-rules', () => {
  it('a fresh valid proposal in the propose step is prevoted; nothing fires on an idle height', () => {
    assert.deepEqual(nextUpon(heightWithProposal('propose'), vs), { kind: 'prevote', hash: toHex(X) });
    assert.equal(nextUpon(heightWithProposal('idle'), vs), undefined);
  });

  it('deciding comes first: more than 2/3 precommits for a held valid block decide it, whatever the step', () => {
    const h = heightWithProposal('propose');
    count(h, Vote.Type.PRECOMMIT, 0, X, ['a', 'b']);
    assert.equal(nextUpon(h, vs)?.kind, 'prevote', 'two of four is no quorum');
    count(h, Vote.Type.PRECOMMIT, 0, X, ['c']);
    const upon = nextUpon(h, vs);
    assert.ok(upon?.kind === 'decide');
    assert.equal(upon.round, 0);
    assert.equal(upon.block, BLOCK_X);
    assert.equal(upon.certified, false);
    assert.equal(upon.precommits.length, 3);
  });

  it('a polka locks once per round; a nil polka precommits nil', () => {
    const h = heightWithProposal('prevote');
    count(h, Vote.Type.PREVOTE, 0, X, ['a', 'b', 'c']);
    assert.deepEqual(nextUpon(h, vs), { kind: 'polka', round: 0, block: BLOCK_X, hash: toHex(X) });
    h.once(polkaTag(0));
    assert.equal(nextUpon(h, vs), undefined);
    const nil = heightWithProposal('prevote');
    count(nil, Vote.Type.PREVOTE, 0, new Uint8Array(0), ['a', 'b', 'c']);
    assert.deepEqual(nextUpon(nil, vs), { kind: 'precommitNil' });
  });

  it('more than 1/3 of the weight in a later round moves the replica there', () => {
    const h = heightWithProposal('prevote');
    count(h, Vote.Type.PREVOTE, 2, new Uint8Array(0), ['a']);
    assert.equal(nextUpon(h, vs), undefined, 'one of four is not more than a third');
    count(h, Vote.Type.PRECOMMIT, 2, new Uint8Array(0), ['b']);
    assert.deepEqual(nextUpon(h, vs), { kind: 'skip', round: 2 });
  });

  it('a quorum of precommits for a block not held means the replica must fetch it', () => {
    const h = heightWithProposal('precommit');
    const other = new Uint8Array(32).fill(9);
    count(h, Vote.Type.PRECOMMIT, 0, other, ['a', 'b', 'c']);
    assert.ok(decidedUnheld(h, vs));
    assert.ok(!decidedUnheld(heightWithProposal('precommit'), vs));
  });
});
