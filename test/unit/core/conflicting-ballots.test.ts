import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { signCall, signCallBallot } from '../../../src/core/ballots.js';
import { Evidence, evidenceId, makeConflictingBallotsEvidence, offenceHeightOf, offenderOf, verifyEvidence } from '../../../src/core/evidence.js';
import { signMessage } from '../../../src/core/signing.js';
import { TxSetBallot } from '../../../src/core/wire/posplus.js';
import { CHAIN, key } from './fixtures.js';

const voter = key('voter');
const caller = key('caller');
const IDS = ['aa'.repeat(32), 'bb'.repeat(32)];
const call = signCall(CHAIN, caller, 7, 1, IDS);
/** `by`'s answer to `to`: yes to the ids `holds` names. */
const answer = (holds: string[], by = voter, to = call) => signCallBallot(CHAIN, by, to, (id) => holds.includes(id));

const forged = (items: Uint8Array[]): Evidence =>
  signMessage(Evidence, caller, CHAIN, 'evidence', { kind: Evidence.Kind.CONFLICTING_BALLOTS, reporter: caller.publicKey, items, height: 7, signature: new Uint8Array(0) });

describe('core/evidence: two answers of one voter to one call', () => {
  it('proves an equivocating voter: anyone can check it, it names the voter and the height, whoever reports it', () => {
    const [a, b] = [answer([IDS[0]!]), answer(IDS)];
    const ev = makeConflictingBallotsEvidence(CHAIN, caller, a, b, 7);
    const summary = verifyEvidence(CHAIN, ev);
    assert.equal(summary.kind, 'conflicting-ballots');
    assert.equal(summary.offender, addressOf(voter.publicKey));
    assert.equal(offenderOf(ev), addressOf(voter.publicKey));
    assert.equal(offenceHeightOf(ev), 7);
    assert.equal(evidenceId(ev), evidenceId(makeConflictingBallotsEvidence(CHAIN, voter, b, a, 9)), 'one id whoever reports it, in either order');
  });

  it('refuses the same ballot twice, answers to two calls or of two voters, a forged signature, and missing items', () => {
    const a = answer([IDS[0]!]);
    assert.throws(() => verifyEvidence(CHAIN, makeConflictingBallotsEvidence(CHAIN, caller, a, answer([IDS[0]!]), 7)), /same ballot/);
    const otherCall = signCall(CHAIN, caller, 7, 1, [IDS[0]!]);
    assert.throws(() => verifyEvidence(CHAIN, makeConflictingBallotsEvidence(CHAIN, caller, a, answer(IDS, voter, otherCall), 7)), /differ in voter, height, round or call/);
    assert.throws(() => verifyEvidence(CHAIN, makeConflictingBallotsEvidence(CHAIN, caller, a, answer(IDS, caller), 7)), /differ in voter/);
    const flipped = TxSetBallot.encode({ ...a, bits: Uint8Array.of(3) });
    assert.throws(() => verifyEvidence(CHAIN, forged([TxSetBallot.encode(a), flipped])), /signature does not match/);
    assert.throws(() => verifyEvidence(CHAIN, forged([TxSetBallot.encode(a)])), /exactly 2 items/);
  });
});
