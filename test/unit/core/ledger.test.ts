import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { addressOf } from '../../../src/core/address.js';
import { TxRejected } from '../../../src/core/errors.js';
import { genesisState } from '../../../src/core/genesis.js';
import { type Account, EMPTY_ACCOUNT, LedgerState, StateOverlay, applyTx, checkTxShape } from '../../../src/core/ledger.js';
import { registerBody, signTx, transferBody, type TxBody, unregisterBody } from '../../../src/core/tx.js';
import { Tx } from '../../../src/core/wire/posplus.js';
import { CHAIN, genesisOf, key, recipient } from './fixtures.js';

const alice = key('alice');
const bob = key('bob');
const carol = key('carol');
const A = addressOf(alice.publicKey);
const B = addressOf(bob.publicKey);
const C = addressOf(carol.publicKey);

/** alice and bob are genesis members (balance 1000, stake 100); carol has nothing. */
function fresh(): LedgerState {
  return genesisState(genesisOf([alice, bob]));
}

const tx = (k = alice, body: TxBody) => signTx(CHAIN, k, body);

function rejects(fn: () => void, code: TxRejected['code']): void {
  assert.throws(fn, (err: unknown) => err instanceof TxRejected && err.code === code);
}

describe('core/ledger: the state transition', () => {
  it('transfer: moves the amount, advances the nonce, records the key, creates the recipient', () => {
    const base = fresh();
    const o = new StateOverlay(base);
    applyTx(o, tx(alice, transferBody(recipient(carol), 250, 0)));
    assert.equal(o.get(A)!.balance, 750);
    assert.equal(o.get(A)!.nonce, 1);
    assert.deepEqual(o.get(A)!.publicKey, alice.publicKey);
    assert.equal(o.get(C)!.balance, 250);
    assert.equal(o.get(C)!.nonce, 0);
    assert.equal(base.get(C), undefined, 'the base is untouched until the overlay is applied');
    base.apply(o.changes);
    assert.equal(base.get(C)!.balance, 250);
  });

  it('transfer of the whole balance is allowed; one more is insufficient-balance and changes nothing', () => {
    const o = new StateOverlay(fresh());
    rejects(() => applyTx(o, tx(alice, transferBody(recipient(bob), 1001, 0))), 'insufficient-balance');
    assert.equal(o.changes.size, 0);
    applyTx(o, tx(alice, transferBody(recipient(bob), 1000, 0)));
    assert.equal(o.get(A)!.balance, 0);
    assert.equal(o.get(B)!.balance, 2000);
    rejects(() => applyTx(o, tx(alice, transferBody(recipient(bob), 1, 1))), 'insufficient-balance');
  });

  it('an account that never received anything cannot send', () => {
    rejects(() => applyTx(new StateOverlay(fresh()), tx(carol, transferBody(recipient(alice), 1, 0))), 'insufficient-balance');
  });

  it('self transfer: only the nonce moves, but the balance must still cover the amount', () => {
    const o = new StateOverlay(fresh());
    applyTx(o, tx(alice, transferBody(recipient(alice), 400, 0)));
    assert.equal(o.get(A)!.balance, 1000);
    assert.equal(o.get(A)!.nonce, 1);
    rejects(() => applyTx(o, tx(alice, transferBody(recipient(alice), 1001, 1))), 'insufficient-balance');
  });

  it('nonces are used strictly in order: too low and too high are refused', () => {
    const o = new StateOverlay(fresh());
    rejects(() => applyTx(o, tx(alice, transferBody(recipient(bob), 1, 1))), 'nonce-too-high');
    applyTx(o, tx(alice, transferBody(recipient(bob), 1, 0)));
    rejects(() => applyTx(o, tx(alice, transferBody(recipient(bob), 2, 0))), 'nonce-too-low');
    applyTx(o, tx(alice, transferBody(recipient(bob), 1, 1)));
    assert.equal(o.get(A)!.nonce, 2);
  });

  it('register moves balance into stake and sets the capacity; unregister gives the stake back', () => {
    const o = new StateOverlay(fresh());
    applyTx(o, tx(alice, registerBody(300, 42, 0)));
    assert.deepEqual({ ...o.get(A)!, publicKey: undefined }, { publicKey: undefined, balance: 700, stake: 400, capacity: 42, nonce: 1 });
    rejects(() => applyTx(o, tx(alice, registerBody(701, 1, 1))), 'insufficient-balance');
    applyTx(o, tx(alice, unregisterBody(1)));
    assert.equal(o.get(A)!.balance, 1100);
    assert.equal(o.get(A)!.stake, 0);
    rejects(() => applyTx(o, tx(alice, unregisterBody(2))), 'not-registered');
  });

  it('an unregistered newcomer can register with funds it received', () => {
    const o = new StateOverlay(fresh());
    rejects(() => applyTx(o, tx(carol, unregisterBody(0))), 'not-registered');
    applyTx(o, tx(alice, transferBody(recipient(carol), 500, 0)));
    applyTx(o, tx(carol, registerBody(500, 7, 0)));
    assert.equal(o.get(C)!.stake, 500);
    assert.equal(o.get(C)!.balance, 0);
  });

  describe('shape checks (no state needed)', () => {
    const good = tx(alice, transferBody(recipient(bob), 5, 0, 70));
    const bad = (changes: Partial<Tx>, why: RegExp) =>
      assert.throws(() => checkTxShape({ ...good, ...changes }), (e: unknown) => e instanceof TxRejected && e.code === 'malformed' && why.test(e.reason));

    it('accepts well-formed transactions of every kind', () => {
      checkTxShape(good);
      checkTxShape(tx(alice, transferBody(recipient(bob), 5, 0)));
      checkTxShape(tx(alice, transferBody(recipient(bob), 5, 0, 400)));
      checkTxShape(tx(alice, transferBody(recipient(bob), 5, 0, 0)));
      checkTxShape(tx(alice, registerBody(1, 0, 0)));
      checkTxShape(tx(alice, unregisterBody(3)));
    });
    it('sender, signature and recipient lengths', () => {
      bad({ sender: new Uint8Array(31) }, /sender/);
      bad({ signature: new Uint8Array(63) }, /signature/);
      bad({ to: new Uint8Array(32) }, /recipient/);
      bad({ to: new Uint8Array(0) }, /recipient/);
    });
    it('numbers are non-negative safe integers', () => {
      bad({ amount: -1 }, /amount/);
      bad({ nonce: 2 ** 53 }, /nonce/);
      bad({ amount: 1.5 }, /amount/);
      bad({ stake: Number.NaN }, /stake/);
    });
    it('transfer: positive amount, no stake or capacity, bpm at most 400', () => {
      bad({ amount: 0 }, /positive/);
      bad({ stake: 1 }, /stake or capacity/);
      bad({ capacity: 1 }, /stake or capacity/);
      bad({ bpm: 401 }, /bpm/);
    });
    it('register: positive stake, no recipient, amount or bpm', () => {
      const reg = tx(alice, registerBody(10, 1, 0));
      const badReg = (changes: Partial<Tx>, why: RegExp) =>
        assert.throws(() => checkTxShape({ ...reg, ...changes }), (e: unknown) => e instanceof TxRejected && why.test(e.reason));
      badReg({ stake: 0 }, /positive stake/);
      badReg({ to: recipient(bob) }, /no recipient/);
      badReg({ amount: 1 }, /no recipient/);
      badReg({ bpm: 60 }, /no recipient/);
    });
    it('unregister: no recipient, amount, stake or bpm; unknown kinds are malformed', () => {
      const unreg = tx(alice, unregisterBody(0));
      for (const changes of [{ to: recipient(bob) }, { amount: 1 }, { stake: 1 }, { bpm: 1 }]) {
        assert.throws(() => checkTxShape({ ...unreg, ...changes }), { code: 'malformed' });
      }
      assert.throws(() => checkTxShape({ ...unreg, kind: 'BURN' as Tx.Kind }), /unknown transaction kind/);
    });
  });

  it('any sequence of transactions conserves balance + stake and moves each nonce by one per applied tx (property)', () => {
    const keys = [alice, bob, carol];
    const arbStep = fc.record(
      {
        from: fc.nat({ max: 2 }),
        to: fc.nat({ max: 2 }),
        kind: fc.constantFrom('transfer', 'register', 'unregister'),
        amount: fc.integer({ min: 1, max: 1500 }),
        nonceSkew: fc.constantFrom(0, 0, 0, 0, -1, 1),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 40 }), (steps) => {
        const base = fresh();
        const o = new StateOverlay(base);
        const supply = (s: StateOverlay) =>
          [A, B, C].reduce((sum, a) => {
            const acc: Account = s.get(a) ?? EMPTY_ACCOUNT;
            return sum + acc.balance + acc.stake;
          }, 0);
        const before = supply(o);
        for (const st of steps) {
          const k = keys[st.from]!;
          const sender = addressOf(k.publicKey);
          const nonce = Math.max(0, (o.get(sender) ?? EMPTY_ACCOUNT).nonce + st.nonceSkew);
          const body =
            st.kind === 'transfer'
              ? transferBody(recipient(keys[st.to]!), st.amount, nonce)
              : st.kind === 'register'
                ? registerBody(st.amount, 1, nonce)
                : unregisterBody(nonce);
          const nonceBefore = (o.get(sender) ?? EMPTY_ACCOUNT).nonce;
          const snapshot = new Map(o.changes);
          try {
            applyTx(o, tx(k, body));
            assert.equal(o.get(sender)!.nonce, nonceBefore + 1);
          } catch (err) {
            assert.ok(err instanceof TxRejected);
            assert.deepEqual(o.changes, snapshot, 'a rejected transaction changes nothing');
          }
          assert.equal(supply(o), before);
          for (const a of [A, B, C]) {
            const acc = o.get(a) ?? EMPTY_ACCOUNT;
            assert.ok(acc.balance >= 0 && acc.stake >= 0);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the state root is order-independent and covers every field', () => {
    const a = fresh();
    const b = new LedgerState();
    for (const [addr, acc] of [...a.entries()].reverse()) b.set(addr, acc);
    assert.deepEqual(a.root(), b.root());
    const changes = new Map([[A, { ...a.get(A)!, capacity: a.get(A)!.capacity + 1 }]]);
    assert.notDeepEqual(a.root(changes), a.root());
    assert.deepEqual(a.root(), b.root(), 'root(changes) does not modify the state');
  });
});
