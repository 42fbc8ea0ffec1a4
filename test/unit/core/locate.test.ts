import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { TxRejected } from '../../../src/core/errors.js';
import { LedgerState, MAX_COORDINATE, StateOverlay, applyTx, checkTxShape } from '../../../src/core/ledger.js';
import { locateBody, signTx, transferBody } from '../../../src/core/tx.js';
import { decodeAccount, encodeAccount } from '../../../src/node/store-keys.js';
import { CHAIN, key, recipient } from './fixtures.js';

const k = key('locate');
const me = addressOf(k.publicKey);

function ledgerWith(balance: number): LedgerState {
  const l = new LedgerState();
  l.set(me, { publicKey: k.publicKey, balance, nonce: 0, stake: 0, capacity: 0 });
  return l;
}

describe('LOCATE: an account declares its position on the map', () => {
  it('sets the position and uses a nonce; the state root covers the position', () => {
    const ledger = ledgerWith(0);
    const before = ledger.root();
    const overlay = new StateOverlay(ledger);
    applyTx(overlay, signTx(CHAIN, k, locateBody(4500.4, 120, 0)));
    assert.deepEqual(overlay.get(me)!.position, { x: 4500, y: 120 });
    assert.equal(overlay.get(me)!.nonce, 1);
    assert.notDeepEqual(ledger.root(overlay.changes), before);
  });

  it('needs both coordinates within range and carries nothing else; other kinds carry no position', () => {
    const shape = (tx: ReturnType<typeof signTx>) => assert.throws(() => checkTxShape(tx), (e: unknown) => e instanceof TxRejected && e.code === 'malformed');
    shape(signTx(CHAIN, k, { ...locateBody(1, 1, 0), y: undefined }));
    shape(signTx(CHAIN, k, locateBody(MAX_COORDINATE + 1, 1, 0)));
    shape(signTx(CHAIN, k, { ...locateBody(1, 1, 0), amount: 5 }));
    shape(signTx(CHAIN, k, { ...transferBody(recipient(key('other')), 1, 0), x: 3, y: 4 }));
    assert.doesNotThrow(() => checkTxShape(signTx(CHAIN, k, locateBody(0, 0, 0))));
  });

  it('the store keeps position and credit, and tells absent from zero', () => {
    const full = { publicKey: k.publicKey, balance: 5, nonce: 2, stake: 1, capacity: 3, position: { x: 0, y: 9000 }, credit: 0 };
    assert.deepEqual(decodeAccount(encodeAccount(full)), full);
    const bare = { balance: 7, nonce: 0, stake: 0, capacity: 0 };
    assert.deepEqual(decodeAccount(encodeAccount(bare)), bare);
  });
});
