import { strict as assert } from 'node:assert';
import { callDigest, signCall, signCallBallot } from '../../../../src/core/ballots.js';
import { type Hex, toHex } from '../../../../src/core/bytes.js';
import { CallsHeard, HELD_BEFORE_CALL_MS } from '../../../../src/consensus/ncca/calls-heard.js';
import { CHAIN, key } from '../../core/fixtures.js';

describe('calls heard: a ballot that says nothing', () => {
  const caller = key('calls-caller');
  const voter = key('calls-voter');
  const [a, b] = ['aa'.repeat(32), 'bb'.repeat(32)] as Hex[];
  const call = signCall(CHAIN, caller, 5, 1, [a!, b!]);
  const heardAt = 10_000;
  const heard = (): CallsHeard => {
    const calls = new CallsHeard();
    calls.add(toHex(callDigest(call)), call, heardAt);
    return calls;
  };
  const abstains = signCallBallot(CHAIN, voter, call, () => false);
  const holdsOne = signCallBallot(CHAIN, voter, call, (id) => id === b);
  const long = heardAt - HELD_BEFORE_CALL_MS;

  it('abstaining on every id this replica held long before the call came says nothing', () => {
    assert.equal(heard().saysNothing(abstains, (id) => (id === a ? long : undefined)), true);
  });

  it('one yes is taking part, whatever the rest', () => {
    assert.equal(heard().saysNothing(holdsOne, () => long), false);
  });

  it('abstaining on ids this replica got only just before the call, or does not hold, is an honest answer', () => {
    assert.equal(heard().saysNothing(abstains, () => long + 1), false);
    assert.equal(heard().saysNothing(abstains, () => undefined), false);
  });

  it('a ballot on a call this replica did not hear is not judged', () => {
    assert.equal(new CallsHeard().saysNothing(abstains, () => long), false);
  });

  it('a call of a later height forgets the calls below it', () => {
    const calls = heard();
    const next = signCall(CHAIN, caller, 6, 1, [a!]);
    calls.add(toHex(callDigest(next)), next, heardAt + 1);
    assert.equal(calls.has(toHex(callDigest(call))), false);
    assert.equal(calls.get(toHex(callDigest(next))), next);
  });
});
