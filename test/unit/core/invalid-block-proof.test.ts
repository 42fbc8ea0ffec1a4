import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { buildBlock } from '../../../src/core/block.js';
import type { ChainState } from '../../../src/core/chain-state.js';
import { evidenceId, makeInvalidBlockEvidence, offenderOf, verifyEvidence } from '../../../src/core/evidence.js';
import { signTx, transferBody } from '../../../src/core/tx.js';
import type { Block, Tx } from '../../../src/core/wire/posplus.js';
import { CHAIN, chainOf, genesisOf, key, recipient } from './fixtures.js';

const node = key('node');
const alice = key('alice');
const bob = key('bob');
const NOW = 1_700_000_010_000;
const genesis = genesisOf([node, alice, bob]);

const pay = (amount: number, nonce: number): Tx => signTx(CHAIN, alice, transferBody(recipient(bob), amount, nonce));
const replica = (k = node): ChainState => chainOf(genesis, k);

/** A block `node` signs on the head of `chain` that the head's state refutes: alice pays more than she has. */
const overspend = (chain: ChainState, round = 0): Block => buildBlock(CHAIN, node, { ...chain.buildContent(NOW, round), txs: [pay(5_000_000, 0)] });

describe('core: invalid-block proofs, judged on the accused block’s parent', () => {
  it('a block its parent refutes (an overspend, a wrong state root) is proven there, and the proof goes into a block of the same height', () => {
    for (const make of [overspend, (c: ChainState) => buildBlock(CHAIN, node, { ...c.buildContent(NOW, 0), stateRoot: new Uint8Array(32) })]) {
      const reporter = replica(bob);
      const ev = reporter.evidence.proveRefuted(make(reporter));
      assert.ok(ev, 'a proof');
      const summary = verifyEvidence(CHAIN, ev);
      assert.equal(summary.kind, 'invalid-proposal');
      assert.equal(summary.offender, addressOf(node.publicKey));
      assert.equal(offenderOf(ev), addressOf(node.publicKey));
      assert.equal(evidenceId(ev), evidenceId(replica(alice).evidence.proveRefuted(make(replica(alice)))!), 'one offence, one id, whoever reports it');
      const proposer = replica(alice);
      assert.ok(proposer.evidence.admit(ev), 'another replica on the same head takes it');
      const next = buildBlock(CHAIN, alice, proposer.buildContent(NOW, 1));
      assert.deepEqual(next.evidence, [ev]);
      const executed = replica().execute(next);
      assert.deepEqual(executed.evidence.map((e) => e.id), [summary.id]);
    }
  });

  it('a valid block is not refuted: no proof, and a made-up one is refused in the pool and in a block', () => {
    const chain = replica(bob);
    const valid = buildBlock(CHAIN, node, chain.buildContent(NOW, 0));
    assert.equal(chain.evidence.proveRefuted(valid), undefined);
    const framing = makeInvalidBlockEvidence(CHAIN, bob, valid, 0);
    assert.throws(() => chain.evidence.admit(framing), /valid on its parent/);
    const carrying = buildBlock(CHAIN, alice, { ...chain.buildContent(NOW, 1), evidence: [framing] });
    assert.throws(() => replica().execute(carrying), /valid on its parent/);
  });

  it('judged only on that parent: once the height is committed the proof leaves the pool, is ignored, and refuses a block of the next height', () => {
    const chain = replica(bob);
    const ev = chain.evidence.proveRefuted(overspend(chain))!;
    assert.ok(chain.evidence.admit(ev));
    const honest = buildBlock(CHAIN, alice, { ...chain.buildContent(NOW, 1), evidence: [] });
    chain.commit(honest, chain.execute(honest));
    assert.deepEqual(chain.buildContent(NOW + 1, 0).evidence, [], 'no longer offered');
    assert.equal(chain.evidence.admit(ev), undefined, 'built on another head: ignored, not refused');
    const late = buildBlock(CHAIN, alice, { ...chain.buildContent(NOW + 1, 0), evidence: [ev] });
    assert.throws(() => chain.execute(late), /not built on this head/);
  });

  it('refused: a block altered after it was signed, and a block that carries such a proof itself', () => {
    const chain = replica(bob);
    const bad = overspend(chain);
    assert.throws(() => verifyEvidence(CHAIN, makeInvalidBlockEvidence(CHAIN, bob, { ...bad, txs: [] }, 0)), /tx root/);
    assert.equal(chain.evidence.proveRefuted({ ...bad, txs: [] }), undefined, 'no proof is raised for it');
    const nested = buildBlock(CHAIN, node, { ...chain.buildContent(NOW, 1), evidence: [chain.evidence.proveRefuted(bad)!], stateRoot: new Uint8Array(32) });
    assert.throws(() => verifyEvidence(CHAIN, makeInvalidBlockEvidence(CHAIN, bob, nested, 0)), /carries one itself/);
    assert.equal(chain.evidence.proveRefuted(nested), undefined, 'no proof is raised for it');
  });
});
