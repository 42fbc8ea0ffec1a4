import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { buildBlock } from '../../../src/core/block.js';
import { ChainState, DEFAULT_CHAIN_PARAMS, MEMPOOL_TTL_MS, NO_BLOCK_RULES } from '../../../src/core/chain-state.js';
import { MAX_EVIDENCE_AGE } from '../../../src/core/evidence-pool.js';
import { genesisState } from '../../../src/core/genesis.js';
import { InvalidMessage } from '../../../src/core/errors.js';
import { Evidence, evidenceId, makeDoubleSpendAlert, makeEquivocationEvidence, offenderOf, proveInvalidBlock, verifyEvidence } from '../../../src/core/evidence.js';
import { signMessage } from '../../../src/core/signing.js';
import { encodeTx, locateBody, signTx, transferBody, txId } from '../../../src/core/tx.js';
import { signVote } from '../../../src/core/votes.js';
import { Vote } from '../../../src/core/wire/posplus.js';
import type { Tx } from '../../../src/core/wire/posplus.js';
import { CHAIN, chainOf, genesisOf, key, recipient } from './fixtures.js';

const node = key('node');
const alice = key('alice');
const bob = key('bob');
const NOW = 1_700_000_010_000;

const pay = (amount: number, nonce: number, from = alice, to = bob): Tx => signTx(CHAIN, from, transferBody(recipient(to), amount, nonce));

function fresh(): ChainState {
  return chainOf(genesisOf([node, alice, bob]), node);
}

/** Builds, executes and commits the next block from this replica's own mempool. */
function commitNext(chain: ChainState, now = NOW) {
  const block = buildBlock(CHAIN, node, chain.buildContent(now, 0));
  return chain.commit(block, chain.execute(block));
}

describe('core/chain-state: admission and double spends', () => {
  it('admits a valid transaction as pending and commits it', () => {
    const chain = fresh();
    const tx = pay(10, 0);
    assert.deepEqual(chain.admitTx(tx, NOW).result, { id: txId(tx), status: 'pending' });
    const committed = commitNext(chain);
    assert.deepEqual(committed.txIds, [txId(tx)]);
    assert.equal(chain.head.height, 1);
    assert.equal(chain.account(addressOf(bob.publicKey)).balance, 1_010);
    assert.equal(chain.mempool.size, 0);
  });

  it('rejects what fails its own checks with the right code', () => {
    const chain = fresh();
    const tx = pay(10, 0);
    assert.equal(chain.admitTx({ ...tx, amount: 11 }, NOW).result.status, 'rejected');
    assert.equal((chain.admitTx({ ...tx, amount: 11 }, NOW).result as { code: string }).code, 'bad-signature');
    assert.equal((chain.admitTx(pay(10_000, 0), NOW).result as { code: string }).code, 'insufficient-balance');
    assert.equal((chain.admitTx(pay(1, 65), NOW).result as { code: string }).code, 'nonce-too-high');
    assert.equal(chain.admitTx(pay(1, 64), NOW).result.status, 'pending', 'up to maxNonceAhead ahead may wait');
  });

  describe('double spend, kind 1: the same transaction again', () => {
    it('a replayed pending transaction is a duplicate (no alert: it is not a conflict)', () => {
      const chain = fresh();
      const tx = pay(10, 0);
      chain.admitTx(tx, NOW);
      const again = chain.admitTx(tx, NOW);
      assert.equal(again.result.status, 'rejected');
      assert.equal((again.result as { code: string }).code, 'duplicate');
      assert.equal(again.alert, undefined);
    });

    it('a replayed committed transaction is a duplicate, even re-signed (the id ignores the signature)', () => {
      const chain = fresh();
      const tx = pay(10, 0);
      chain.admitTx(tx, NOW);
      commitNext(chain);
      const again = chain.admitTx(tx, NOW);
      assert.equal((again.result as { code: string }).code, 'duplicate');
      assert.match((again.result as { reason: string }).reason, /committed at height 1/);
      assert.equal(again.alert, undefined);
      const resigned = chain.admitTx({ ...tx, signature: new Uint8Array(64).fill(1) }, NOW);
      assert.equal((resigned.result as { code: string }).code, 'duplicate');
      assert.equal(resigned.result.id, txId(tx));
    });

    it('a block that repeats a committed transaction is invalid', () => {
      const chain = fresh();
      const tx = pay(10, 0);
      chain.admitTx(tx, NOW);
      commitNext(chain);
      const content = chain.buildContent(NOW + 1, 0);
      const replay = buildBlock(CHAIN, node, { ...content, txs: [tx] });
      assert.throws(() => chain.execute(replay), InvalidMessage);
    });
  });

  describe('double spend, kind 2: two different transactions with one sender and nonce', () => {
    /** The conflicting pair, smaller id first: every replica keeps the smaller one, whatever the order. */
    const pair = (): [Tx, Tx] => [pay(10, 0), pay(20, 0)].sort((a, b) => (txId(a) < txId(b) ? -1 : 1)) as [Tx, Tx];

    it('a second pending one with the larger id is a nonce-conflict with a signed alert that verifies', () => {
      const chain = fresh();
      const [first, second] = pair();
      chain.admitTx(first, NOW);
      const res = chain.admitTx(second, NOW);
      assert.equal(res.result.status, 'rejected');
      assert.equal((res.result as { code: string }).code, 'nonce-conflict');
      assert.match((res.result as { reason: string }).reason, new RegExp(txId(first)));
      assert.ok(res.alert, 'a double spend raises an alert');
      const summary = verifyEvidence(CHAIN, res.alert.evidence);
      assert.equal(summary.kind, 'double-spend');
      assert.equal(summary.offender, addressOf(alice.publicKey));
      assert.equal(summary.reporter, addressOf(node.publicKey));
      assert.deepEqual(summary.detail, { nonce: 0, txs: [txId(first), txId(second)] });
      assert.deepEqual(res.alert.summary, summary);
      assert.equal(chain.mempool.size, 1, 'only the first stays pending');
      assert.ok(chain.hasWork());
      // The same conflict seen again is already known: no second alert.
      assert.equal(chain.admitTx(second, NOW).alert, undefined);
    });

    it('a second one with the smaller id displaces the pending one: replicas converge on the same transaction', () => {
      const chain = fresh();
      const [small, large] = pair();
      chain.admitTx(large, NOW);
      const res = chain.admitTx(small, NOW);
      assert.deepEqual(res.result, { id: txId(small), status: 'pending' });
      assert.equal(res.displaced?.id, txId(large));
      assert.equal(res.displaced?.status, 'rejected');
      assert.ok(res.alert, 'the conflict is still a double spend');
      assert.ok(chain.mempool.has(txId(small)) && !chain.mempool.has(txId(large)));
      assert.deepEqual(commitNext(chain).txIds, [txId(small)]);
    });

    it('a conflict with an already committed transaction also raises an alert', () => {
      const chain = fresh();
      const first = pay(10, 0);
      chain.admitTx(first, NOW);
      commitNext(chain);
      const res = chain.admitTx(pay(30, 0), NOW);
      assert.equal((res.result as { code: string }).code, 'nonce-conflict');
      assert.match((res.result as { reason: string }).reason, /committed/);
      assert.ok(res.alert);
      assert.equal(verifyEvidence(CHAIN, res.alert.evidence).offender, addressOf(alice.publicKey));
    });

    it('a committed block that takes a slot another pending transaction held drops that one with an alert', () => {
      const chain = fresh();
      const other = fresh(); // a second replica that saw the other spend first
      const mine = pay(10, 0);
      const theirs = pay(99, 0);
      chain.admitTx(mine, NOW);
      other.admitTx(theirs, NOW);
      const block = buildBlock(CHAIN, node, other.buildContent(NOW, 0));
      const committed = chain.commit(block, chain.execute(block));
      assert.deepEqual(committed.txIds, [txId(theirs)]);
      assert.deepEqual(committed.dropped, [
        { id: txId(mine), status: 'rejected', code: 'nonce-conflict', reason: `double spend: nonce 0 was used by committed transaction ${txId(theirs)}` },
      ]);
      assert.equal(committed.alerts.length, 1);
      assert.equal(verifyEvidence(CHAIN, committed.alerts[0]!.evidence).kind, 'double-spend');
      assert.equal(chain.mempool.size, 0);
    });

    it('the alert goes into the next block once, and is then known on chain', () => {
      const chain = fresh();
      chain.admitTx(pay(10, 0), NOW);
      const { alert } = chain.admitTx(pay(20, 0), NOW);
      assert.ok(alert);
      const committed = commitNext(chain);
      assert.deepEqual(committed.evidence.map((e) => e.id), [alert.summary.id]);
      assert.equal(chain.evidence.admit(alert.evidence), undefined, 'already recorded');
      const replay = buildBlock(CHAIN, node, { ...chain.buildContent(NOW + 1, 0), evidence: [alert.evidence] });
      assert.throws(() => chain.execute(replay), /already recorded/);
    });
  });

  describe('transactions for later nonces', () => {
    it('from a key nobody funded are refused: they could never apply, and would fill the pool', () => {
      const chain = fresh();
      const ghost = key('ghost-future');
      for (let nonce = 1; nonce <= 5; nonce++) {
        const { result } = chain.admitTx(pay(1, nonce, ghost), NOW);
        assert.equal(result.status === 'rejected' && result.code, 'insufficient-balance');
      }
      assert.equal(chain.mempool.size, 0);
    });

    it(`expire after ${MEMPOOL_TTL_MS / 60_000} minutes in the pool: a nonce gap never filled does not hold a slot for good`, () => {
      const chain = fresh();
      const gap = pay(5, 1);
      assert.equal(chain.admitTx(gap, NOW).result.status, 'pending');
      assert.equal(commitNext(chain, NOW + MEMPOOL_TTL_MS).dropped.length, 0, 'not yet');
      const later = commitNext(chain, NOW + MEMPOOL_TTL_MS + 1);
      assert.deepEqual(later.dropped.map((d) => [d.id, d.status === 'rejected' && d.code]), [[txId(gap), 'expired']]);
      assert.equal(chain.mempool.size, 0);
    });

    it('are held only while the balance pays for the whole pending chain', () => {
      const chain = fresh();
      assert.equal(chain.admitTx(pay(600, 0), NOW).result.status, 'pending');
      assert.equal(chain.admitTx(pay(300, 1), NOW).result.status, 'pending');
      const third = chain.admitTx(pay(200, 2), NOW).result;
      assert.equal(third.status === 'rejected' && third.code, 'insufficient-balance');
      assert.equal(chain.admitTx(pay(100, 2), NOW).result.status, 'pending', 'exactly the balance is fine');
    });
  });

  describe('evidence about keys the chain does not know', () => {
    it('a double spend by an account that does not exist raises no alert, and its evidence is refused before any signature', () => {
      const chain = fresh();
      const ghost = key('ghost');
      // LOCATE needs no balance, so a key nobody funded can sign two valid ones for its nonce 0.
      const locate = (x: number) => signTx(CHAIN, ghost, locateBody(x, 0, 0));
      assert.equal(chain.admitTx(locate(1), NOW).result.status, 'pending');
      const { result, alert } = chain.admitTx(locate(2), NOW);
      assert.ok(result.status === 'pending' || result.code === 'nonce-conflict', 'a conflict for the slot, which the smaller id holds');
      assert.equal(alert, undefined, 'no alert against a key nobody funded');
      const ev = makeDoubleSpendAlert(CHAIN, node, locate(1), locate(2), 1);
      assert.throws(() => chain.evidence.admit({ ...ev, signature: new Uint8Array(64) }), /ghost|has no account/);
      const block = buildBlock(CHAIN, node, { ...chain.buildContent(NOW, 0), evidence: [ev] });
      assert.throws(() => chain.execute(block), /has no account/);
    });

    it('equivocation by a key that is not a registered node is refused', () => {
      const chain = fresh();
      const stranger = key('stranger');
      const v = (hash: number) => signVote(CHAIN, stranger, { type: Vote.Type.PREVOTE, height: 1, round: 0, blockHash: new Uint8Array(32).fill(hash) });
      const ev = makeEquivocationEvidence(CHAIN, node, Vote.encode(v(1)), Vote.encode(v(2)), 1);
      assert.throws(() => chain.evidence.admit(ev), /has no account|not a registered node/);
    });

    it(`misconduct more than ${MAX_EVIDENCE_AGE} heights old is refused; recent misconduct is recorded`, () => {
      const genesis = genesisOf([node, alice, bob]);
      const at = (height: number) =>
        new ChainState({ ...DEFAULT_CHAIN_PARAMS, chainId: CHAIN }, genesis, node, genesisState(genesis), { height, hash: genesis.hash, timestamp: genesis.spec.timestamp }, NO_BLOCK_RULES);
      const v = (hash: number) => Vote.encode(signVote(CHAIN, alice, { type: Vote.Type.PREVOTE, height: 5, round: 0, blockHash: new Uint8Array(32).fill(hash) }));
      const ev = makeEquivocationEvidence(CHAIN, node, v(1), v(2), 5);
      assert.ok(at(5 + MAX_EVIDENCE_AGE - 1).evidence.admit(ev), 'the oldest offence still recorded');
      assert.throws(() => at(5 + MAX_EVIDENCE_AGE).evidence.admit(ev), /more than 1000 heights old/);
    });

    it('a double spend by a funded account still raises its alert', () => {
      const chain = fresh();
      chain.admitTx(pay(10, 0), NOW);
      assert.ok(chain.admitTx(pay(20, 0), NOW).alert);
    });
  });

  describe('restart determinism', () => {
    it('a replica that restarted judges a block re-recording old evidence as one that did not: invalid', () => {
      const running = fresh();
      running.admitTx(pay(10, 0), NOW);
      const { alert } = running.admitTx(pay(20, 0), NOW);
      assert.ok(alert);
      commitNext(running);
      const replay = buildBlock(CHAIN, node, { ...running.buildContent(NOW + 1, 0), evidence: [alert.evidence] });
      assert.throws(() => running.execute(replay), /already recorded/);
      // The same head and state as a fresh process has them after reading its store.
      const restart = () => new ChainState(running.params, running.genesis, node, running.ledger, running.head, NO_BLOCK_RULES);
      const forgetful = restart();
      assert.doesNotThrow(() => forgetful.execute(replay), 'without the evidence on record a restarted replica would accept it');
      const restarted = restart();
      restarted.evidence.remember([alert.summary.id]);
      assert.throws(() => restarted.execute(replay), /already recorded/);
    });
  });

  describe('verifyEvidence refuses forged alerts', () => {
    const a = pay(10, 0);
    const b = pay(20, 0);

    it('a bad reporter signature', () => {
      const ev = makeDoubleSpendAlert(CHAIN, node, a, b, 3);
      assert.throws(() => verifyEvidence(CHAIN, { ...ev, height: 4 }), /signature/);
      assert.throws(() => verifyEvidence(CHAIN, { ...ev, reporter: bob.publicKey }), /signature/);
      assert.throws(() => verifyEvidence(`${CHAIN}-other`, ev), /signature|invalid/);
    });

    it('two transactions with different nonces, different senders, or the same transaction twice', () => {
      assert.throws(() => verifyEvidence(CHAIN, makeDoubleSpendAlert(CHAIN, node, a, pay(20, 1), 3)), /differ in sender or nonce/);
      assert.throws(() => verifyEvidence(CHAIN, makeDoubleSpendAlert(CHAIN, node, a, pay(20, 0, bob, alice), 3)), /differ in sender or nonce/);
      assert.throws(() => verifyEvidence(CHAIN, makeDoubleSpendAlert(CHAIN, node, a, a, 3)), /same transaction/);
    });

    it('an item that is not a validly signed transaction, or the wrong number of items', () => {
      assert.throws(() => verifyEvidence(CHAIN, makeDoubleSpendAlert(CHAIN, node, a, { ...b, amount: 21 }, 3)), /invalid transaction/);
      const ev = makeDoubleSpendAlert(CHAIN, node, a, b, 3);
      assert.throws(() => verifyEvidence(CHAIN, { ...ev, items: [ev.items[0]!] }), /exactly 2 items/);
    });

    it('the evidence id is independent of the reporter and of the order of the items', () => {
      const one = makeDoubleSpendAlert(CHAIN, node, a, b, 3);
      const two = makeDoubleSpendAlert(CHAIN, bob, b, a, 9);
      assert.equal(evidenceId(one), evidenceId(two));
      assert.equal(verifyEvidence(CHAIN, one).id, verifyEvidence(CHAIN, two).id);
    });
  });

  describe('equivocation evidence', () => {
    const vote = (hash: Uint8Array, round = 0, type = Vote.Type.PREVOTE) => Vote.encode(signVote(CHAIN, alice, { type, height: 5, round, blockHash: hash }));
    const x = new Uint8Array(32).fill(1);
    const y = new Uint8Array(32).fill(2);

    it('two votes of one validator for one slot and different blocks (or nil) prove equivocation', () => {
      const s = verifyEvidence(CHAIN, makeEquivocationEvidence(CHAIN, node, vote(x), vote(y), 5));
      assert.equal(s.kind, 'equivocation');
      assert.equal(s.offender, addressOf(alice.publicKey));
      verifyEvidence(CHAIN, makeEquivocationEvidence(CHAIN, node, vote(x), vote(new Uint8Array(0)), 5));
    });

    it('votes for the same block, of different rounds or types, or of different voters prove nothing', () => {
      assert.throws(() => verifyEvidence(CHAIN, makeEquivocationEvidence(CHAIN, node, vote(x), vote(x), 5)), /same block/);
      assert.throws(() => verifyEvidence(CHAIN, makeEquivocationEvidence(CHAIN, node, vote(x), vote(y, 1), 5)), /differ/);
      assert.throws(() => verifyEvidence(CHAIN, makeEquivocationEvidence(CHAIN, node, vote(x), vote(y, 0, Vote.Type.PRECOMMIT), 5)), /differ/);
      const bobs = Vote.encode(signVote(CHAIN, bob, { type: Vote.Type.PREVOTE, height: 5, round: 0, blockHash: y }));
      assert.throws(() => verifyEvidence(CHAIN, makeEquivocationEvidence(CHAIN, node, vote(x), bobs, 5)), /differ/);
      const ev = makeEquivocationEvidence(CHAIN, node, vote(x), vote(y), 5);
      assert.equal(ev.kind, Evidence.Kind.EQUIVOCATION);
    });
  });

  describe('invalid-proposal evidence', () => {
    /** A block by `node` at height 1 whose one transfer carries a broken signature, signed as intact. */
    function brokenBlock() {
      const good = pay(10, 0);
      const broken = { ...good, signature: Uint8Array.from(good.signature, (b, i) => (i === 0 ? b ^ 1 : b)) };
      const chain = fresh();
      return { good, broken, block: buildBlock(CHAIN, node, { ...chain.buildContent(NOW, 0), txs: [pay(5, 0, bob, alice), broken] }) };
    }

    it('a creator-signed block holding a transaction that fails verification proves itself: anyone can check it, it names the creator', () => {
      const { block, broken } = brokenBlock();
      const ev = proveInvalidBlock(CHAIN, bob, block, 7);
      assert.ok(ev);
      const summary = verifyEvidence(CHAIN, ev);
      assert.equal(summary.kind, 'invalid-proposal');
      assert.equal(summary.offender, addressOf(node.publicKey));
      assert.equal(summary.detail.tx, txId(broken));
      assert.equal(offenderOf(ev), addressOf(node.publicKey));
      assert.equal(evidenceId(ev), evidenceId(proveInvalidBlock(CHAIN, alice, block, 9)!), 'the same offence has one id whoever reports it');
      const chain = fresh();
      assert.ok(chain.evidence.admit(ev), 'a replica takes it for its next block');
    });

    it('no proof for a block whose fault needs state, or whose content does not match what its creator signed', () => {
      const chain = fresh();
      const intact = buildBlock(CHAIN, node, { ...chain.buildContent(NOW, 0), txs: [pay(5_000_000, 0)] });
      assert.equal(proveInvalidBlock(CHAIN, bob, intact, 1), undefined, 'an overspend is no stateless proof');
      const { block } = brokenBlock();
      assert.equal(proveInvalidBlock(CHAIN, bob, { ...block, txs: block.txs.slice(1) }, 1), undefined, 'content swapped under the signed header');
    });

    it('forged proofs are refused: a transaction that verifies, one not in the block, a header the creator did not sign, wrong hashes', () => {
      const { block, good } = brokenBlock();
      const ev = proveInvalidBlock(CHAIN, bob, block, 7)!;
      const [header, signature, hashes] = ev.items as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      const forge = (items: Uint8Array[]) => makeInvalidProposalForTest(items);
      assert.throws(() => verifyEvidence(CHAIN, forge([header, signature, hashes, encodeTx(good)])), /not in the block|verifies/);
      assert.throws(() => verifyEvidence(CHAIN, forge([header, signature, hashes, encodeTx(pay(99, 3))])), /not in the block/);
      assert.throws(() => verifyEvidence(CHAIN, forge([header, new Uint8Array(64), hashes, ev.items[3]!])), /signature does not match its creator/);
      assert.throws(() => verifyEvidence(CHAIN, forge([header, signature, hashes.subarray(32), ev.items[3]!])), /tx root/);
      assert.throws(() => verifyEvidence(CHAIN, { ...ev, items: ev.items.slice(0, 2) }), /exactly 4 items/);
    });

    /** Evidence with chosen items, properly signed by a reporter: only the proof itself can be wrong. */
    function makeInvalidProposalForTest(items: Uint8Array[]): Evidence {
      return signMessage(Evidence, bob, CHAIN, 'evidence', { kind: Evidence.Kind.INVALID_PROPOSAL, reporter: bob.publicKey, items, height: 7, signature: new Uint8Array(0) });
    }
  });
});
