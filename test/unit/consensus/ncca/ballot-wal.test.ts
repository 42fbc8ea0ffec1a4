import { strict as assert } from 'node:assert';
import { signCall } from '../../../../src/core/ballots.js';
import { signTx, transferBody, txId } from '../../../../src/core/tx.js';
import type { TxSetBallot } from '../../../../src/core/wire/posplus.js';
import { DEFAULT_TIMEOUTS } from '../../../../src/consensus/bft/bft-rules.js';
import { createEngine, engineRules } from '../../../../src/consensus/create-engine.js';
import type { Ready } from '../../../../src/consensus/engine.js';
import { DEFAULT_NCCA_PARAMS } from '../../../../src/consensus/ncca/params.js';
import { CHAIN, chainOf, genesisOf, key, recipient } from '../../core/fixtures.js';

const keys = [0, 1, 2, 3].map((i) => key(`bw-${i}`));
const genesis = genesisOf(keys);
const NOW = genesis.spec.timestamp + 1_000;
const rules = () => engineRules('ncca', { ncca: DEFAULT_NCCA_PARAMS }, genesis);
const ballotsIn = (r: Ready): TxSetBallot[] => r.publish.flatMap((o) => (o.kind === 'ballot' ? [o.ballot] : []));

describe('NCCA ballots across a restart', () => {
  it('a voter that answered a call answers it the same way after a restart with its WAL, and differently without', () => {
    const a = signTx(CHAIN, keys[2]!, transferBody(recipient(keys[3]!), 5, 0));
    const b = signTx(CHAIN, keys[3]!, transferBody(recipient(keys[2]!), 7, 0));
    const ids = [txId(a), txId(b)];
    const voter = chainOf(genesis, keys[1]!, {}, rules().block);
    voter.admitTx(a, NOW);
    // The call of whichever replica is the round-0 proposer: only its call is answered.
    const calls = [0, 2, 3].map((i) => signCall(CHAIN, keys[i]!, 1, 1, ids));
    const first = createEngine(voter, rules(), DEFAULT_TIMEOUTS);
    const answered = calls.map((call) => ({ call, ready: first.step({ type: 'call', call, now: NOW }) })).find((x) => ballotsIn(x.ready).length > 0);
    assert.ok(answered, 'the rightful proposer’s call is answered');
    const [sent] = ballotsIn(answered.ready);
    assert.ok(answered.ready.wal, 'the ballot comes with a WAL record to persist before it goes out');

    voter.admitTx(b, NOW); // it holds more now: a fresh answer would say yes to b as well
    const restarted = createEngine(voter, rules(), DEFAULT_TIMEOUTS, answered.ready.wal);
    assert.deepEqual(ballotsIn(restarted.step({ type: 'call', call: answered.call, now: NOW + 10 })), [sent]);

    // Control: without the WAL it signs a second, different answer, which is evidence against it.
    const amnesiac = createEngine(voter, rules(), DEFAULT_TIMEOUTS);
    const [fresh] = ballotsIn(amnesiac.step({ type: 'call', call: answered.call, now: NOW + 10 }));
    assert.ok(fresh !== undefined && Buffer.compare(fresh.bits, sent!.bits) !== 0);
  });
});
