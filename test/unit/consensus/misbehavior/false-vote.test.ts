import { strict as assert } from 'node:assert';
import { verifyBallot } from '../../../../src/core/ballots.js';
import { toHex } from '../../../../src/core/bytes.js';
import { Prng } from '../../../../src/core/prng.js';
import { verifyVote } from '../../../../src/core/votes.js';
import type { TxSetBallot } from '../../../../src/core/wire/posplus.js';
import type { Outbound } from '../../../../src/consensus/engine.js';
import { falseVoter } from '../../../../src/consensus/misbehavior/false-vote.js';
import type { Envelope } from '../../../../src/consensus/misbehavior/misbehavior.js';
import { CHAIN } from '../../core/fixtures.js';
import { PEERS, ballot, ctxOf, keys, prevote, replicaChain } from './support.js';

const only = <K extends Outbound['kind']>(envelopes: readonly Envelope[], kind: K): Extract<Outbound, { kind: K }> => {
  assert.equal(envelopes.length, 1);
  assert.deepEqual(envelopes[0]!.to, PEERS);
  assert.equal(envelopes[0]!.msg.kind, kind);
  return envelopes[0]!.msg as Extract<Outbound, { kind: K }>;
};

describe('consensus/misbehavior/falsevote', () => {
  it('votes against a block its engine found valid, and for something where its engine voted nil; the same lie on every resend', () => {
    const chain = replicaChain();
    const m = falseVoter(Prng.from('fv'));
    for (let k = 0; k < 20; k++) {
      const hash = k % 2 === 0 ? Prng.from(`b${k}`).bytes(32) : new Uint8Array(0);
      const vote = only(m.outbound!(prevote(hash, 1 + k), ctxOf(chain)), 'vote').vote;
      verifyVote(CHAIN, vote);
      assert.notEqual(toHex(vote.blockHash), toHex(hash));
      if (hash.length === 0) assert.notEqual(vote.blockHash.length, 0, 'yes for what the engine refused');
      const again = only(m.outbound!({ ...prevote(hash, 1 + k), resend: 1 }, ctxOf(chain)), 'vote');
      assert.equal(again.vote, vote);
      assert.equal(again.resend, 1);
    }
  });

  it('in NCCA ballots abstains on every transaction it holds and says yes to ones that do not exist, signed by itself', () => {
    const chain = replicaChain();
    const m = falseVoter(Prng.from('fv ballots'));
    const held = [1, 2, 3].map((i) => toHex(new Uint8Array(32).fill(i)));
    for (const round of [1, 2] as const) {
      const honest = ballot(held, round).ballot;
      const lie = only(m.outbound!({ kind: 'ballot', ballot: honest }, ctxOf(chain)), 'ballot').ballot;
      verifyBallot(CHAIN, lie);
      assert.deepEqual([lie.height, lie.round, toHex(lie.voter)], [honest.height, honest.round, toHex(keys[0]!.publicKey)]);
      assert.ok(lie.yes.length >= 1 && lie.yes.length <= 3);
      assert.ok(lie.yes.every((id) => id.length === 32 && !held.includes(toHex(id))));
      assert.equal(only(m.outbound!({ kind: 'ballot', ballot: honest }, ctxOf(chain)), 'ballot').ballot, lie, 'the same lie again');
    }
  });

  it('in a bundle replaces its own ballot and relays the others’ untouched', () => {
    const chain = replicaChain();
    const own = ballot([toHex(new Uint8Array(32).fill(8))]).ballot;
    const other: TxSetBallot = { ...own, voter: keys[1]!.publicKey };
    const sent = only(falseVoter(Prng.from('fv bundle')).outbound!({ kind: 'bundle', cell: 4, ballots: [own, other] }, ctxOf(chain)), 'bundle');
    assert.equal(sent.cell, 4);
    assert.notEqual(sent.ballots[0], own);
    assert.equal(sent.ballots[1], other);
  });

  it('with ballots: false, leaves ballots alone', () => {
    const chain = replicaChain();
    const msg = ballot([toHex(new Uint8Array(32).fill(8))]);
    assert.equal(only(falseVoter(Prng.from('fv off'), { ballots: false }).outbound!(msg, ctxOf(chain)), 'ballot'), msg);
  });
});
