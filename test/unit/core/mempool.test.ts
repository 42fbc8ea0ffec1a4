import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { TxRejected } from '../../../src/core/errors.js';
import { genesisState } from '../../../src/core/genesis.js';
import { LedgerState } from '../../../src/core/ledger.js';
import { Mempool } from '../../../src/core/mempool.js';
import { encodeTx, signTx, transferBody, txId } from '../../../src/core/tx.js';
import type { Tx } from '../../../src/core/wire/posplus.js';
import { CHAIN, genesisOf, key, recipient } from './fixtures.js';

const [a, b, c] = [key('a'), key('b'), key('c')];
const state: LedgerState = genesisState(genesisOf([a, b])); // c has no funds
const pay = (from = a, amount: number, nonce: number): Tx => signTx(CHAIN, from, transferBody(recipient(c), amount, nonce));

function pool(txs: Tx[], capacity = 100): Mempool {
  const m = new Mempool(capacity);
  txs.forEach((tx, i) => m.add(txId(tx), tx, i));
  return m;
}

describe('core/mempool: selection order', () => {
  it('senders in order of first arrival, each sender by nonce', () => {
    const txs = [pay(b, 1, 1), pay(a, 1, 2), pay(b, 1, 0), pay(a, 1, 0), pay(a, 1, 1)];
    const { txs: chosen, ids } = pool(txs).select(state, 100);
    assert.deepEqual(
      chosen.map((t) => `${addressOf(t.sender) === addressOf(b.publicKey) ? 'b' : 'a'}${t.nonce}`),
      ['b0', 'b1', 'a0', 'a1', 'a2'],
    );
    assert.deepEqual(ids, chosen.map(txId));
  });

  it("stops a sender at a nonce gap or at the first transaction that does not apply, but not the others", () => {
    const txs = [pay(a, 1, 0), pay(a, 1, 2), pay(b, 600, 0), pay(b, 600, 1), pay(b, 1, 2), pay(c, 1, 0)];
    const { txs: chosen, overlay } = pool(txs).select(state, 100);
    // c had nothing at first, but b's selected transfer pays c, so c's own transfer applies after it.
    assert.deepEqual(chosen.map(txId), [txs[0], txs[2], txs[5]].map((t) => txId(t!)));
    assert.ok(pool([pay(c, 1, 0)]).select(state, 100).txs.length === 0, 'alone, c cannot pay');
    assert.equal(overlay.get(addressOf(b.publicKey))!.balance, 400, 'the overlay holds the effect of the chosen ones');
    assert.equal(state.get(addressOf(b.publicKey))!.balance, 1000, 'selection does not touch the committed state');
  });

  it('takes at most `max`', () => {
    const txs = Array.from({ length: 6 }, (_, i) => pay(a, 1, i));
    assert.equal(pool(txs).select(state, 4).txs.length, 4);
    assert.deepEqual(pool(txs).select(state, 4).txs.map((t) => t.nonce), [0, 1, 2, 3]);
  });

  it('indexes slots, reports stale transactions, removes, and refuses beyond capacity', () => {
    const t0 = pay(a, 1, 0);
    const m = pool([t0, pay(a, 1, 1)], 2);
    assert.equal(m.occupant(addressOf(a.publicKey), 0)?.tx, t0);
    assert.equal(m.occupant(addressOf(a.publicKey), 5), undefined);
    assert.throws(() => m.add('x', pay(a, 1, 2), 9), (e: unknown) => e instanceof TxRejected && e.code === 'mempool-full');
    const advanced = new LedgerState();
    for (const [addr, acc] of state.entries()) advanced.set(addr, acc);
    advanced.set(addressOf(a.publicKey), { ...state.get(addressOf(a.publicKey))!, nonce: 1 });
    assert.deepEqual(m.stale(advanced).map((e) => e.id), [txId(t0)]);
    m.remove(txId(t0));
    assert.equal(m.size, 1);
    assert.equal(m.occupant(addressOf(a.publicKey), 0), undefined);
    assert.ok(!m.has(txId(t0)));
  });
});

describe('core/mempool: bytes', () => {
  it('counts the encoded size of what is pending: up with each add, down with each removal, once per id', () => {
    const [x, y] = [pay(a, 1, 0), pay(b, 2, 0)];
    const m = pool([x, y]);
    assert.equal(m.bytes, encodeTx(x).byteLength + encodeTx(y).byteLength);
    m.add(txId(x), x, 5);
    assert.equal(m.bytes, encodeTx(x).byteLength + encodeTx(y).byteLength, 'the same id again is not counted twice');
    m.remove(txId(x));
    m.remove(txId(x));
    assert.equal(m.bytes, encodeTx(y).byteLength);
    m.remove(txId(y));
    assert.equal(m.bytes, 0);
  });
});
