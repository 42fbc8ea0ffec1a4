import { strict as assert } from 'node:assert';
import { addressOf } from '../../../../src/core/address.js';
import { blockHashHex, headerOf } from '../../../../src/core/block.js';
import { toHex } from '../../../../src/core/bytes.js';
import { makeEquivocationEvidence, verifyEvidence } from '../../../../src/core/evidence.js';
import { Prng } from '../../../../src/core/prng.js';
import { verifyProposalSignature, verifyVote } from '../../../../src/core/votes.js';
import { type Proposal, Vote } from '../../../../src/core/wire/posplus.js';
import type { Outbound } from '../../../../src/consensus/engine.js';
import { equivocator } from '../../../../src/consensus/misbehavior/equivocate.js';
import type { Envelope } from '../../../../src/consensus/misbehavior/misbehavior.js';
import { CHAIN } from '../../core/fixtures.js';
import { PEERS, ctxOf, keys, prevote, proposal, replicaChain, txs } from './support.js';

const votesOf = (envelopes: readonly Envelope[]): Vote[] => envelopes.map((e) => (e.msg as Extract<Outbound, { kind: 'vote' }>).vote);
const proposalsOf = (envelopes: readonly Envelope[]): Proposal[] => envelopes.map((e) => (e.msg as Extract<Outbound, { kind: 'proposal' }>).proposal);

describe('consensus/misbehavior/equivocate', () => {
  it('under broadcast, sends two conflicting signed votes to every peer: evidence any receiver can prove', () => {
    const chain = replicaChain();
    const m = equivocator(Prng.from('eq vote'));
    for (let k = 0; k < 20; k++) {
      const msg = prevote(Prng.from(`hash ${k}`).bytes(32), 1 + k, k % 3);
      const sent = m.outbound!(msg, ctxOf(chain, { broadcast: true }));
      assert.deepEqual(sent.map((e) => e.to), [PEERS, PEERS]);
      const [a, b] = votesOf(sent) as [Vote, Vote];
      assert.equal(a, msg.vote, 'the engine’s vote is one of them');
      for (const v of [a, b]) verifyVote(CHAIN, v);
      assert.deepEqual([b.type, b.height, b.round, toHex(b.voter)], [a.type, a.height, a.round, toHex(a.voter)]);
      assert.notEqual(toHex(a.blockHash), toHex(b.blockHash));
      const summary = verifyEvidence(CHAIN, makeEquivocationEvidence(CHAIN, keys[1]!, Vote.encode(a), Vote.encode(b), 1));
      assert.equal(summary.offender, addressOf(keys[0]!.publicKey));
    }
  });

  it('as proposer, sends two different valid-looking blocks for one height and round', () => {
    const chain = replicaChain();
    const msg = proposal(chain);
    const sent = equivocator(Prng.from('eq proposal')).outbound!(msg, ctxOf(chain, { broadcast: true }));
    assert.deepEqual(sent.map((e) => e.to), [PEERS, PEERS]);
    const [a, b] = proposalsOf(sent) as [Proposal, Proposal];
    for (const p of [a, b]) verifyProposalSignature(CHAIN, p);
    assert.equal(headerOf(a.block).height, headerOf(b.block).height);
    assert.equal(a.round, b.round);
    assert.notEqual(blockHashHex(a.block!), blockHashHex(b.block!));
    assert.deepEqual(headerOf(a.block).stateRoot, headerOf(b.block).stateRoot, 'the twin differs in its timestamp only');
  });

  it('without broadcast, splits the peers: each side gets one version', () => {
    const chain = replicaChain();
    const m = equivocator(Prng.from('eq split'));
    for (let k = 0; k < 10; k++) {
      const [x, y] = m.outbound!(prevote(Prng.from(`h${k}`).bytes(32)), ctxOf(chain)) as [Envelope, Envelope];
      assert.ok(x.to.length > 0 && y.to.length > 0);
      assert.deepEqual([...x.to, ...y.to].sort(), [...PEERS].sort());
    }
    const sided = equivocator(Prng.from('eq side'), { side: [1, 2] }).outbound!(prevote(new Uint8Array(32).fill(2)), ctxOf(chain));
    assert.deepEqual(sided.map((e) => e.to), [[1, 2], [3, 4, 5, 6]]);
  });

  it('passes other messages and every input through', () => {
    const chain = replicaChain();
    const m = equivocator(Prng.from('eq other'));
    const msg = txs();
    assert.deepEqual(m.outbound!(msg, ctxOf(chain)), [{ to: PEERS, msg }]);
    assert.equal(m.inbound!({ type: 'txs', txs: [], now: 0, local: false }, ctxOf(chain)), true);
  });
});
