import { strict as assert } from 'node:assert';
import { callDigest, signCall, signCallBallot } from '../../../../src/core/ballots.js';
import { toHex } from '../../../../src/core/bytes.js';
import { DEFAULT_NCCA_PARAMS } from '../../../../src/consensus/ncca/params.js';
import { RunningTally } from '../../../../src/consensus/ncca/running-tally.js';
import type { Voter } from '../../../../src/consensus/ncca/tx-set-vote.js';
import { VoteCaller } from '../../../../src/consensus/ncca/vote-caller.js';
import { CHAIN, key } from '../../core/fixtures.js';

describe('NCCA vote caller', () => {
  it('counts each voter once, in time or late, so a late voter cannot make it check ballot after ballot', () => {
    const caller = new VoteCaller(1_200, 20);
    const call = signCall(CHAIN, key('vc-caller'), 1, 1, ['aa'.repeat(32)]);
    const voters = new Map<string, Voter>(['a', 'b', 'c'].map((address) => [address, { address, role: 'validator', cell: 0 }]));
    caller.begin(1);
    caller.called(call, toHex(callDigest(call)), new RunningTally(['aa'.repeat(32)], voters, new Map(), DEFAULT_NCCA_PARAMS, 1), 1_000);
    const round = caller.roundOf(signCallBallot(CHAIN, key('vc-voter'), call, () => true))!;
    assert.ok(round !== undefined, 'a ballot answering the call finds its round');
    caller.count(round, 'a', () => true, 1_010);
    caller.late(round, 'b', 1_400);
    assert.deepEqual(['a', 'b', 'c'].map((v) => caller.heard(round, v)), [true, true, false]);
  });
});
