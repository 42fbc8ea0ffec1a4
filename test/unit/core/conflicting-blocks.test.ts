import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { buildBlock } from '../../../src/core/block.js';
import { Evidence, evidenceId, makeConflictingBlocksEvidence, offenderOf, verifyEvidence } from '../../../src/core/evidence.js';
import { signMessage } from '../../../src/core/signing.js';
import { BlockHeader } from '../../../src/core/wire/posplus.js';
import { CHAIN, chainOf, genesisOf, key } from './fixtures.js';

const node = key('node');
const other = key('other');
const NOW = 1_700_000_010_000;

/** Two blocks `by` could make for height 1, differing only in timestamp (and `round` for the second). */
function twins(by = node, round = 0) {
  const content = chainOf(genesisOf([node, other]), node).buildContent(NOW, 0);
  return [buildBlock(CHAIN, by, content), buildBlock(CHAIN, by, { ...content, round, timestamp: NOW + 1 })] as const;
}

/** Evidence with chosen items, properly signed by a reporter: only the proof itself can be wrong. */
const forged = (items: Uint8Array[]): Evidence =>
  signMessage(Evidence, other, CHAIN, 'evidence', { kind: Evidence.Kind.CONFLICTING_BLOCKS, reporter: other.publicKey, items, height: 1, signature: new Uint8Array(0) });

describe('core/evidence: two blocks of one creator for one height and round', () => {
  it('proves an equivocating proposal: anyone can check it, it names the creator, whoever reports it', () => {
    const [a, b] = twins();
    const ev = makeConflictingBlocksEvidence(CHAIN, other, a, b, 1);
    const summary = verifyEvidence(CHAIN, ev);
    assert.equal(summary.kind, 'conflicting-blocks');
    assert.equal(summary.offender, addressOf(node.publicKey));
    assert.equal(offenderOf(ev), addressOf(node.publicKey));
    assert.equal(evidenceId(ev), evidenceId(makeConflictingBlocksEvidence(CHAIN, node, b, a, 3)), 'one id whoever reports it, in either order');
  });

  it('refuses the same block twice, blocks of two rounds or two creators, a forged signature, and missing items', () => {
    const [a, b] = twins();
    assert.throws(() => verifyEvidence(CHAIN, makeConflictingBlocksEvidence(CHAIN, other, a, a, 1)), /same block/);
    const [, later] = twins(node, 1);
    assert.throws(() => verifyEvidence(CHAIN, makeConflictingBlocksEvidence(CHAIN, other, a, later, 1)), /differ in creator, height or round/);
    const [, theirs] = twins(other);
    assert.throws(() => verifyEvidence(CHAIN, makeConflictingBlocksEvidence(CHAIN, other, a, theirs, 1)), /differ in creator/);
    const header = (x: typeof a) => BlockHeader.encode(x.header!);
    assert.throws(() => verifyEvidence(CHAIN, forged([header(a), a.signature, header(b), a.signature])), /signature does not match/);
    assert.throws(() => verifyEvidence(CHAIN, forged([header(a), a.signature])), /exactly 4 items/);
  });
});
