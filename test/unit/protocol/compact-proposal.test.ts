import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { signedTxHash } from '../../../src/core/block.js';
import { type Hex, toHex } from '../../../src/core/bytes.js';
import { InvalidMessage } from '../../../src/core/errors.js';
import { signProposal, verifyProposalSignature } from '../../../src/core/votes.js';
import { CompactProposal, Proposal, type Tx } from '../../../src/core/wire/posplus.js';
import { MissingTransactions, compactProposal, expandProposal } from '../../../src/protocol/compact-proposal.js';
import { CHAIN, arbTx, key } from '../core/fixtures.js';

const proposer = key('compact-proposer');
const hash32 = (n: number) => new Uint8Array(32).fill(n);

function proposalOf(txs: Tx[]): Proposal {
  const header = { height: 4, round: 0, prevHash: hash32(1), timestamp: 7, proposer: proposer.publicKey, txRoot: hash32(2), evidenceRoot: hash32(3), stateRoot: hash32(4), lastCommitHash: hash32(5), ballotsRoot: hash32(6) };
  return signProposal(CHAIN, proposer, { block: { header, txs, evidence: [], ballots: [], calls: [], signature: hash32(8) }, round: 0, validRound: -1, pol: [] });
}

/** Transactions with distinct signed bytes (a block never holds one twice). */
const distinctTxs = fc.uniqueArray(arbTx, { maxLength: 24, selector: (tx) => toHex(signedTxHash(tx)) });
const poolOf = (txs: Tx[]) => {
  const byHash = new Map(txs.map((tx) => [toHex(signedTxHash(tx)), tx]));
  return (h: Hex) => byHash.get(h);
};
/** The compact form as a receiver gets it: through its own encoding. */
const wire = (c: CompactProposal): CompactProposal => CompactProposal.decode(CompactProposal.encode(c));

describe('protocol/compact-proposal: proposals name their transactions by hash', () => {
  it('a receiver rebuilds exactly the bytes the proposer signed, whichever transactions came along and which were pooled', () => {
    fc.assert(
      fc.property(distinctTxs, fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), (txs, sentMask) => {
        const p = proposalOf(txs);
        const sent = new Set(txs.filter((_, i) => sentMask[i]).map((tx) => toHex(signedTxHash(tx))));
        const c = wire(compactProposal(p, (h) => sent.has(h)));
        assert.equal(c.txs.length, sent.size);
        const back = expandProposal(c, poolOf(txs.filter((tx) => !sent.has(toHex(signedTxHash(tx))))), 2000);
        assert.deepEqual(Proposal.encode(back), Proposal.encode(p));
        verifyProposalSignature(CHAIN, back);
      }),
      { numRuns: 200 },
    );
  });

  it('is refused when a transaction is named twice, sent along without being named, or when the stripped block holds any', () => {
    fc.assert(
      fc.property(distinctTxs.filter((t) => t.length >= 2), (txs) => {
        const c = compactProposal(proposalOf(txs), () => true);
        const pool = poolOf(txs);
        assert.throws(() => expandProposal({ ...c, txHashes: [...c.txHashes, c.txHashes[0]!] }, pool, 2000), InvalidMessage);
        assert.throws(() => expandProposal({ ...c, txHashes: c.txHashes.slice(1) }, pool, 2000), InvalidMessage);
        const stuffed = { ...c, proposal: { ...c.proposal!, block: { ...c.proposal!.block!, txs: [txs[0]!] } } };
        assert.throws(() => expandProposal(stuffed, pool, 2000), InvalidMessage);
        assert.throws(() => expandProposal(c, pool, txs.length - 1), InvalidMessage);
      }),
      { numRuns: 50 },
    );
  });

  it('waits for a transaction it does not hold, and a forged or reordered list fails the signature check', () => {
    fc.assert(
      fc.property(distinctTxs.filter((t) => t.length >= 2), (txs) => {
        const c = compactProposal(proposalOf(txs), () => false);
        const missing = expandError(() => expandProposal(c, poolOf(txs.slice(1)), 2000));
        assert.ok(missing instanceof MissingTransactions && missing.missing.length === 1 && missing.missing[0] === toHex(signedTxHash(txs[0]!)));
        // A hash naming a transaction the proposer did not sign cannot be completed from an honest pool...
        const forged = { ...c, txHashes: [hash32(0xee), ...c.txHashes.slice(1)] };
        assert.ok(expandError(() => expandProposal(forged, poolOf(txs), 2000)) instanceof MissingTransactions);
        // ...and a list in another order rebuilds a proposal its signature does not cover.
        const swapped = { ...c, txHashes: [c.txHashes[1]!, c.txHashes[0]!, ...c.txHashes.slice(2)] };
        assert.throws(() => verifyProposalSignature(CHAIN, expandProposal(swapped, poolOf(txs), 2000)), InvalidMessage);
      }),
      { numRuns: 50 },
    );
  });
});

function expandError(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}
