import { strict as assert } from 'node:assert';
import { addressBytesOf, addressOf } from '../../../src/core/address.js';
import { signCall, signCallBallot } from '../../../src/core/ballots.js';
import { signedTxHash } from '../../../src/core/block.js';
import { toHex } from '../../../src/core/bytes.js';
import { signTx, transferBody } from '../../../src/core/tx.js';
import { signProposal, signVote } from '../../../src/core/votes.js';
import { MissingTransactions } from '../../../src/protocol/compact-proposal.js';
import { ConsensusEnvelope, Vote } from '../../../src/core/wire/posplus.js';
import type { Outbound } from '../../../src/consensus/engine.js';
import { MAX_BUNDLE_BALLOTS, MAX_TX_BATCH, type TxPool, decodeOutbound, encodeOutbound, encodeTxBatch, inputOf, topicsOf, wireOf } from '../../../src/protocol/codec.js';
import { type TopicRef, parseTopic, stringifyTopic, topicsFor } from '../../../src/protocol/topics.js';
import { CHAIN, key } from '../core/fixtures.js';

const me = key('codec-me');
const other = key('codec-other');
const vote = signVote(CHAIN, other, { type: Vote.Type.PREVOTE, height: 4, round: 1, blockHash: new Uint8Array(32).fill(7) });
const call = signCall(CHAIN, other, 4, 1, ['ab'.repeat(32)]);
const ballot = signCallBallot(CHAIN, me, call, () => true);
const certificate = { height: 4, round: 1, blockHash: new Uint8Array(32).fill(7), sigs: [{ voter: vote.voter, signature: vote.signature }] };

const NO_POOL: TxPool = { pooled: () => undefined, maxTxs: 2000 };

/** What a receiver makes of a message: the topic it travels on, its bytes decoded there (by `receiver`). */
const travel = (out: Outbound, receiver: Uint8Array): Outbound | undefined => {
  const [wire] = wireOf(out, 3, () => true);
  return decodeOutbound(wire!.ref, wire!.data, receiver, NO_POOL);
};

describe('protocol codec: one way for engine messages onto the wire and back', () => {
  it('every kind of message survives the trip, on the topic it belongs to', () => {
    const messages: Outbound[] = [
      { kind: 'vote', vote },
      { kind: 'vote', vote, to: me.publicKey },
      { kind: 'votes', votes: [vote] },
      { kind: 'certificate', certificate },
      { kind: 'call', call },
      { kind: 'ballot', ballot },
      { kind: 'ballot', ballot, to: me.publicKey },
      { kind: 'bundle', cell: 3, ballots: [ballot], to: me.publicKey },
    ];
    for (const out of messages) {
      const back = travel(out, me.publicKey);
      assert.equal(back?.kind, out.kind);
      assert.deepEqual(encodeOutbound(back!), encodeOutbound(out), `${out.kind} changed on the way`);
      assert.equal(inputOf(back!, 1).now, 1);
    }
    assert.deepEqual(topicsOf({ kind: 'vote', vote, to: me.publicKey }, 3), [{ kind: 'inbox', address: addressOf(me.publicKey) }]);
    assert.deepEqual(topicsOf({ kind: 'vote', vote }, 3), [{ kind: 'approval' }]);
  });

  it('a proposal goes in full to the nodes without a vote and compact to the validators, and both decode to it', () => {
    const txs = [1, 2, 3].map((n) => signTx(CHAIN, other, transferBody(addressBytesOf(me.publicKey), n, n)));
    const header = { height: 4, round: 0, prevHash: new Uint8Array(32), timestamp: 7, proposer: other.publicKey, txRoot: new Uint8Array(32), evidenceRoot: new Uint8Array(32), stateRoot: new Uint8Array(32), lastCommitHash: new Uint8Array(32), ballotsRoot: new Uint8Array(32) };
    const proposal = signProposal(CHAIN, other, { block: { header, txs, evidence: [], ballots: [], calls: [], signature: new Uint8Array(64) }, round: 0, validRound: -1, pol: [] });
    const out: Outbound = { kind: 'proposal', proposal };
    const inlined = toHex(signedTxHash(txs[0]!));
    const [full, compact] = wireOf(out, 3, (h) => h === inlined);
    assert.deepEqual([full!.ref, compact!.ref], [{ kind: 'proposal' }, { kind: 'approval' }]);
    assert.ok(compact!.data.byteLength < full!.data.byteLength);
    const pool: TxPool = { pooled: (h) => txs.find((tx) => toHex(signedTxHash(tx)) === h && h !== inlined), maxTxs: 2000 };
    for (const w of [full!, compact!]) assert.deepEqual(encodeOutbound(decodeOutbound(w.ref, w.data, me.publicKey, pool)!), encodeOutbound(out));
    assert.throws(() => decodeOutbound(compact!.ref, compact!.data, me.publicKey, NO_POOL), MissingTransactions);
  });

  it('an envelope with two messages, or one its topic does not carry, is refused', () => {
    const two = ConsensusEnvelope.encode({ vote, certificate, resend: 0, votes: [] });
    assert.throws(() => decodeOutbound({ kind: 'approval' }, two, me.publicKey, NO_POOL), /exactly one/);
    const aVote = ConsensusEnvelope.encode({ vote, resend: 0, votes: [] });
    assert.throws(() => decodeOutbound({ kind: 'block' }, aVote, me.publicKey, NO_POOL), /does not carry/);
    const aCertificate = ConsensusEnvelope.encode({ certificate, resend: 0, votes: [] });
    assert.throws(() => decodeOutbound({ kind: 'inbox', address: addressOf(me.publicKey) }, aCertificate, me.publicKey, NO_POOL), /does not carry/);
    const bundle = ConsensusEnvelope.encode({ votes: [vote], resend: 0 });
    assert.throws(() => decodeOutbound({ kind: 'inbox', address: addressOf(me.publicKey) }, bundle, me.publicKey, NO_POOL), /does not carry/);
  });

  it('topics parse back to what made them, inboxes included; only validators carry the approval topic, only the others the full proposals', () => {
    const refs: TopicRef[] = [
      { kind: 'tx', cell: 2 },
      { kind: 'cell-vote', cell: 8 },
      { kind: 'multi-vote' },
      { kind: 'block' },
      { kind: 'proposal' },
      { kind: 'approval' },
      { kind: 'inbox', address: addressOf(me.publicKey) },
      { kind: 'evidence' },
      { kind: 'genesis' },
    ];
    for (const ref of refs) assert.deepEqual(parseTopic(stringifyTopic(CHAIN, ref)), { chainId: CHAIN, ref });
    assert.equal(parseTopic(`/posplus/${CHAIN}/inbox/xyz`), undefined);
    const kinds = (role: 'normal' | 'validator') => topicsFor(role, 1, 9, addressOf(me.publicKey)).map((r) => r.kind);
    assert.ok(!kinds('normal').includes('approval') && kinds('validator').includes('approval'));
    assert.ok(kinds('normal').includes('proposal') && !kinds('validator').includes('proposal'), 'full proposals are for the nodes without a vote');
    assert.ok(kinds('normal').includes('inbox'));
  });

  it(`a transaction batch over ${MAX_TX_BATCH} is refused while it decodes`, () => {
    const tx = signTx(CHAIN, other, transferBody(addressBytesOf(me.publicKey), 1, 0));
    const ref: TopicRef = { kind: 'tx', cell: 3 };
    const full = decodeOutbound(ref, encodeTxBatch(Array(MAX_TX_BATCH).fill(tx), 1), me.publicKey, NO_POOL);
    assert.equal(full?.kind === 'txs' && full.txs.length, MAX_TX_BATCH);
    assert.throws(() => decodeOutbound(ref, encodeTxBatch(Array(MAX_TX_BATCH + 1).fill(tx), 1), me.publicKey, NO_POOL), /too many elements/);
  });

  it(`a ballot bundle over ${MAX_BUNDLE_BALLOTS} ballots, or a ballot naming more than a block's transactions, is refused while it decodes`, () => {
    const bundle = (n: number, to?: Uint8Array): Outbound => ({ kind: 'bundle', cell: 2, ballots: Array(n).fill(ballot), to });
    const multi: TopicRef = { kind: 'multi-vote' };
    const inbox: TopicRef = { kind: 'inbox', address: '0x' + '00'.repeat(20) };
    assert.equal(decodeOutbound(multi, encodeOutbound(bundle(MAX_BUNDLE_BALLOTS)), me.publicKey, NO_POOL)?.kind, 'bundle');
    assert.throws(() => decodeOutbound(multi, encodeOutbound(bundle(MAX_BUNDLE_BALLOTS + 1)), me.publicKey, NO_POOL), /too many elements/);
    assert.throws(() => decodeOutbound(inbox, encodeOutbound(bundle(MAX_BUNDLE_BALLOTS + 1, me.publicKey)), me.publicKey, NO_POOL), /too many elements/);
    const long = { ...ballot, yes: Array.from({ length: 3 }, (_, i) => new Uint8Array(32).fill(i)) };
    const small: TxPool = { ...NO_POOL, maxTxs: 2 };
    assert.throws(() => decodeOutbound({ kind: 'cell-vote', cell: 2 }, encodeOutbound({ kind: 'ballot', ballot: long }), me.publicKey, small), /too many elements/);
    assert.throws(() => decodeOutbound(multi, encodeOutbound({ kind: 'bundle', cell: 2, ballots: [long] }), me.publicKey, small), /too many elements/);
  });
});
