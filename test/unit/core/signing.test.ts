import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { buildBlock, verifyBlockIntegrity } from '../../../src/core/block.js';
import { utf8 } from '../../../src/core/bytes.js';
import { keyPairFromSeed, verifySignature } from '../../../src/core/keys.js';
import { type SigningKind, signAs, signingDomain, verifyAs } from '../../../src/core/signing.js';
import { signTx, transferBody, txId, verifyTx } from '../../../src/core/tx.js';
import { signProposal, signVote, verifyProposalSignature, verifyVote } from '../../../src/core/votes.js';
import { Vote } from '../../../src/core/wire/posplus.js';
import { CHAIN, bytes, key, recipient } from './fixtures.js';

const KINDS: SigningKind[] = ['tx', 'block', 'proposal', 'vote', 'evidence', 'candidacy', 'genesis'];

function flipBit(data: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(data);
  out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
  return out;
}

describe('core/signing', () => {
  it('keys from one seed are the same; the public key is 32 bytes and the seed must be 32 bytes', () => {
    const seed = new Uint8Array(32).fill(9);
    assert.deepEqual(keyPairFromSeed(seed).publicKey, keyPairFromSeed(seed).publicKey);
    assert.equal(keyPairFromSeed(seed).publicKey.byteLength, 32);
    assert.throws(() => keyPairFromSeed(new Uint8Array(31)), TypeError);
  });

  it('sign/verify (property): verifies as made; a flipped bit in message or signature, another chain, kind or key fails', () => {
    const k = key('signer');
    const other = key('other');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.constantFrom(...KINDS), fc.nat(), (payload, kind, bit) => {
        const sig = signAs(k, CHAIN, kind, payload);
        assert.equal(sig.byteLength, 64);
        assert.ok(verifyAs(k.publicKey, CHAIN, kind, payload, sig));
        assert.ok(!verifyAs(k.publicKey, CHAIN, kind, flipBit(payload, bit), sig), 'flipped message bit');
        assert.ok(!verifyAs(k.publicKey, CHAIN, kind, payload, flipBit(sig, bit)), 'flipped signature bit');
        assert.ok(!verifyAs(k.publicKey, `${CHAIN}-2`, kind, payload, sig), 'another chain id');
        const otherKind = KINDS[(KINDS.indexOf(kind) + 1) % KINDS.length]!;
        assert.ok(!verifyAs(k.publicKey, CHAIN, otherKind, payload, sig), 'another signing kind');
        assert.ok(!verifyAs(other.publicKey, CHAIN, kind, payload, sig), 'another key');
      }),
      { numRuns: 100 },
    );
  });

  it('a chain id that is a prefix of another does not collide with it', () => {
    const k = key('signer');
    const sig = signAs(k, 'ab', 'tx', utf8('c'));
    assert.ok(!verifyAs(k.publicKey, 'a', 'tx', utf8('bc'), sig));
  });

  it('verifySignature refuses malformed keys and signatures instead of throwing', () => {
    const k = key('signer');
    const sig = k.sign(utf8('m'));
    assert.ok(verifySignature(k.publicKey, utf8('m'), sig));
    assert.ok(!verifySignature(k.publicKey.subarray(0, 31), utf8('m'), sig));
    assert.ok(!verifySignature(k.publicKey, utf8('m'), sig.subarray(0, 63)));
    assert.ok(!verifySignature(new Uint8Array(32), utf8('m'), sig));
  });

  describe('signed messages', () => {
    const alice = key('alice');
    const bob = key('bob');

    it('transactions: any changed field or a signature for another chain fails verification, the id ignores the signature', () => {
      const tx = signTx(CHAIN, alice, transferBody(recipient(bob), 10, 0, 80));
      verifyTx(CHAIN, tx);
      assert.throws(() => verifyTx(`${CHAIN}-other`, tx), { name: 'TxRejected', code: 'bad-signature' });
      assert.throws(() => verifyTx(CHAIN, { ...tx, amount: 11 }), { code: 'bad-signature' });
      assert.throws(() => verifyTx(CHAIN, { ...tx, bpm: 81 }), { code: 'bad-signature' });
      assert.throws(() => verifyTx(CHAIN, { ...tx, signature: flipBit(tx.signature, 5) }), { code: 'bad-signature' });
      assert.throws(() => verifyTx(CHAIN, { ...tx, sender: bob.publicKey }), { code: 'bad-signature' });
      assert.equal(txId({ ...tx, signature: new Uint8Array(64) }), txId(tx));
    });

    it('a vote signature is not a proposal, block or transaction signature (kinds are separated)', () => {
      const vote = signVote(CHAIN, alice, { type: Vote.Type.PREVOTE, height: 1, round: 0, blockHash: new Uint8Array(32).fill(3) });
      verifyVote(CHAIN, vote);
      assert.throws(() => verifyVote(CHAIN, { ...vote, type: Vote.Type.PRECOMMIT }), { name: 'InvalidMessage' });
      assert.throws(() => verifyVote(CHAIN, { ...vote, round: 1 }), { name: 'InvalidMessage' });
      assert.throws(() => verifyVote(`${CHAIN}-other`, vote), { name: 'InvalidMessage' });
      assert.throws(() => verifyVote(CHAIN, { ...vote, blockHash: new Uint8Array(31) }), { name: 'InvalidMessage' });
      // The same payload bytes signed as a vote do not verify as any other kind.
      const payload = Vote.encode({ ...vote, signature: new Uint8Array(0) });
      for (const kind of KINDS.filter((k) => k !== 'vote')) assert.ok(!verifyAs(alice.publicKey, CHAIN, kind, payload, vote.signature));
    });

    it('blocks and proposals', () => {
      const block = buildBlock(CHAIN, alice, {
        height: 1,
        round: 0,
        prevHash: new Uint8Array(32),
        timestamp: 1_700_000_000_001,
        txs: [signTx(CHAIN, bob, transferBody(recipient(alice), 1, 0))],
        evidence: [],
        stateRoot: new Uint8Array(32),
      });
      verifyBlockIntegrity(CHAIN, block);
      assert.throws(() => verifyBlockIntegrity(`${CHAIN}-other`, block), /signature/);
      assert.throws(() => verifyBlockIntegrity(CHAIN, { ...block, header: { ...block.header!, timestamp: 5 } }), /signature/);
      assert.throws(() => verifyBlockIntegrity(CHAIN, { ...block, txs: [] }), /tx root/);
      const p = signProposal(CHAIN, alice, { block, round: 0, validRound: -1, pol: [] });
      verifyProposalSignature(CHAIN, p);
      assert.throws(() => verifyProposalSignature(CHAIN, { ...p, round: 1 }), { name: 'InvalidMessage' });
      assert.throws(() => verifyProposalSignature(CHAIN, { ...p, proposer: bob.publicKey }), { name: 'InvalidMessage' });
    });

    it('signatures are deterministic (ed25519): the same body signs to the same bytes', () => {
      fc.assert(
        fc.property(bytes(32), (hash) => {
          const a = signVote(CHAIN, alice, { type: Vote.Type.PRECOMMIT, height: 2, round: 1, blockHash: hash });
          const b = signVote(CHAIN, alice, { type: Vote.Type.PRECOMMIT, height: 2, round: 1, blockHash: hash });
          assert.deepEqual(a.signature, b.signature);
        }),
        { numRuns: 20 },
      );
    });
  });

  it('two chains with one chain id but different genesis hashes never accept each other\'s signatures', () => {
    const alice = key('alice');
    const a = signingDomain(CHAIN, new Uint8Array(32).fill(1));
    const b = signingDomain(CHAIN, new Uint8Array(32).fill(2));
    assert.notEqual(a, b);
    const tx = signTx(a, alice, transferBody(recipient(key('bob')), 5, 0));
    verifyTx(a, tx);
    assert.throws(() => verifyTx(b, tx), /signature/);
    const vote = signVote(a, alice, { type: Vote.Type.PRECOMMIT, height: 1, round: 0, blockHash: new Uint8Array(32) });
    assert.throws(() => verifyVote(b, vote), /signature/);
  });
});
