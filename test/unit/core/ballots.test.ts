import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { callBookOf, signCall, signCallBallot, verifyBallot, verifyCall, yesIdsIn } from '../../../src/core/ballots.js';
import { toHex, utf8 } from '../../../src/core/bytes.js';
import { sha256 } from '../../../src/core/hash.js';
import { InvalidMessage } from '../../../src/core/errors.js';
import { TxSetBallot } from '../../../src/core/wire/posplus.js';
import { CHAIN, bytes, key } from './fixtures.js';

const voter = key('ballots-voter');
const caller = key('ballots-caller');

/** A call on `n` distinct ids, and a subset of them. */
const arbCallAndChoice = fc
  .uniqueArray(bytes(32), { minLength: 0, maxLength: 64, selector: (b) => toHex(b) })
  .chain((ids) => fc.tuple(fc.constant(ids.map(toHex)), fc.subarray(ids.map(toHex))));

describe('compact ballots: a ballot answers a call with one bit per id', () => {
  it('the verifier rebuilds exactly the signed bytes and the yes-ids from the call and the bits (property)', () => {
    fc.assert(
      fc.property(arbCallAndChoice, fc.integer({ min: 1, max: 2 }), ([ids, yes], round) => {
        const call = signCall(CHAIN, caller, 7, round as 1 | 2, ids);
        verifyCall(CHAIN, call, 2000);
        const chosen = new Set(yes);
        const ballot = signCallBallot(CHAIN, voter, call, (id) => chosen.has(id));
        // What travels is the encoding: decode it, as a receiver would, and check the signature over it.
        const received = TxSetBallot.decode(TxSetBallot.encode(ballot));
        verifyBallot(CHAIN, received);
        assert.deepEqual([...yesIdsIn(received, callBookOf([call]))].sort(), [...chosen].sort());
      }),
      { numRuns: 60 },
    );
  });

  it('a ballot naming 576 transactions is under 1 KB (it named each 32-byte id before)', () => {
    const ids = Array.from({ length: 576 }, (_, i) => toHex(sha256(utf8(`tx ${i}`))));
    const call = signCall(CHAIN, caller, 1, 1, ids);
    const ballot = signCallBallot(CHAIN, voter, call, () => true);
    const size = TxSetBallot.encode(ballot).byteLength;
    assert.ok(size < 1024, `${size} bytes`);
    assert.equal(yesIdsIn(ballot, callBookOf([call])).length, 576);
  });

  it('changed bits, another call or bits that do not fit the call are refused', () => {
    const call = signCall(CHAIN, caller, 1, 1, [toHex(new Uint8Array(32).fill(1)), toHex(new Uint8Array(32).fill(2))]);
    const ballot = signCallBallot(CHAIN, voter, call, () => false);
    assert.throws(() => verifyBallot(CHAIN, { ...ballot, bits: Uint8Array.of(1) }), InvalidMessage);
    const other = signCall(CHAIN, caller, 1, 1, [toHex(new Uint8Array(32).fill(3))]);
    assert.throws(() => yesIdsIn(ballot, callBookOf([other])), /not there/);
    const wide = signCallBallot(CHAIN, voter, { ...call, ids: [...call.ids, ...call.ids, ...call.ids, ...call.ids, ...call.ids] }, () => false);
    assert.throws(() => yesIdsIn({ ...wide, call: ballot.call }, callBookOf([call])), /do not fit/);
    assert.throws(() => verifyCall(CHAIN, { ...call, ids: [...call.ids].reverse() }, 2000), /sorted/);
    assert.throws(() => verifyCall(CHAIN, call, 1), /more than 1/);
  });
});
