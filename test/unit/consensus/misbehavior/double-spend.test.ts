import { strict as assert } from 'node:assert';
import { addressOf } from '../../../../src/core/address.js';
import { verifyEvidence } from '../../../../src/core/evidence.js';
import { Prng } from '../../../../src/core/prng.js';
import { signTx, transferBody, txId, verifyTx } from '../../../../src/core/tx.js';
import type { Tx } from '../../../../src/core/wire/posplus.js';
import type { Envelope } from '../../../../src/consensus/misbehavior/misbehavior.js';
import { DOUBLE_SPEND_EVERY_MS, doubleSpender } from '../../../../src/consensus/misbehavior/double-spend.js';
import { CHAIN, chainOf, recipient } from '../../core/fixtures.js';
import { PEERS, T0, ctxOf, genesis, keys, prevote, replicaChain, shape } from './support.js';

const spent = (envelopes: readonly Envelope[]): Tx[] => envelopes.flatMap((e) => (e.msg.kind === 'txs' ? e.msg.txs : []));

describe('consensus/misbehavior/doublespend', () => {
  it('signs two transfers of 1 from its own account with one nonce, to two addresses: a provable double spend', () => {
    const chain = replicaChain();
    const sent = doubleSpender(Prng.from('ds')).tick!(ctxOf(chain));
    assert.deepEqual(shape(sent).map((s) => s.split('→')[0]), ['txs', 'txs']);
    const [a, b] = spent(sent) as [Tx, Tx];
    for (const tx of [a, b]) {
      verifyTx(CHAIN, tx);
      assert.equal(addressOf(tx.sender), addressOf(keys[0]!.publicKey));
      assert.equal(tx.amount, 1);
      assert.equal(tx.nonce, 0);
    }
    assert.notEqual(txId(a), txId(b));
    assert.notDeepEqual(a.to, b.to);

    // An honest replica that gets both raises the alert, naming this replica.
    const honest = chainOf(genesis, keys[1]!);
    assert.equal(honest.admitTx(a, T0).result.status, 'pending');
    const second = honest.admitTx(b, T0);
    assert.ok(second.alert, 'the second transfer raises a double-spend alert');
    const summary = verifyEvidence(CHAIN, second.alert.evidence);
    assert.equal(summary.kind, 'double-spend');
    assert.equal(summary.offender, addressOf(keys[0]!.publicKey));
  });

  it('uses its account’s next free nonce, past its own pending transactions', () => {
    const chain = replicaChain();
    for (const nonce of [0, 1]) chain.admitTx(signTx(CHAIN, keys[0]!, transferBody(recipient(keys[1]!), 1, nonce)), T0);
    const [a, b] = spent(doubleSpender(Prng.from('ds nonce')).tick!(ctxOf(chain))) as [Tx, Tx];
    assert.deepEqual([a.nonce, b.nonce], [2, 2]);
  });

  it('sends one to each half of the peers, or both to everyone under broadcast', () => {
    const chain = replicaChain();
    const [x, y] = doubleSpender(Prng.from('ds sides')).tick!(ctxOf(chain)) as [Envelope, Envelope];
    assert.ok(x.to.length > 0 && y.to.length > 0);
    assert.deepEqual([...x.to, ...y.to].sort(), [...PEERS].sort(), 'the two halves split the peers');
    const both = doubleSpender(Prng.from('ds broadcast')).tick!(ctxOf(chain, { broadcast: true }));
    assert.deepEqual(
      both.map((e) => e.to),
      [PEERS, PEERS],
    );
    const lone = doubleSpender(Prng.from('ds lone')).tick!(ctxOf(chain, { peers: [4] }));
    assert.deepEqual(
      lone.map((e) => e.to),
      [[4], [4]],
      'a single peer gets both',
    );
  });

  it('at most once per period, on ticks and along with outgoing messages alike', () => {
    const chain = replicaChain();
    const m = doubleSpender(Prng.from('ds period'));
    const vote = prevote(new Uint8Array(32).fill(1));
    const at = (dt: number, how: 'tick' | 'send'): number => {
      const ctx = ctxOf(chain, { now: T0 + dt });
      return spent(how === 'tick' ? m.tick!(ctx) : m.outbound!(vote, ctx)).length;
    };
    assert.equal(at(0, 'send'), 2);
    assert.equal(at(1_000, 'tick'), 0);
    assert.equal(at(DOUBLE_SPEND_EVERY_MS - 1, 'send'), 0);
    assert.equal(at(DOUBLE_SPEND_EVERY_MS, 'tick'), 2);
    assert.equal(at(DOUBLE_SPEND_EVERY_MS + 10, 'tick'), 0);
    assert.equal(at(3 * DOUBLE_SPEND_EVERY_MS, 'send'), 2);
    // The engine's own message always leaves, unchanged.
    assert.deepEqual(shape(m.outbound!(vote, ctxOf(chain, { now: T0 + 3 * DOUBLE_SPEND_EVERY_MS + 1 }))), ['vote→6']);
  });
});
