import { strict as assert } from 'node:assert';
import { addressOf } from '../../../src/core/address.js';
import { toHex } from '../../../src/core/bytes.js';
import { signVote } from '../../../src/core/votes.js';
import { Vote } from '../../../src/core/wire/posplus.js';
import { LateCommit } from '../../../src/consensus/bft/late-commit.js';
import { certificateOf } from '../../../src/consensus/bft/certificate-check.js';
import { ValidatorSet } from '../../../src/consensus/validator-set.js';
import { CHAIN, key } from '../core/fixtures.js';

const NAMES = ['a', 'b', 'c', 'd'];
const vs = new ValidatorSet(NAMES.map((n) => ({ publicKey: key(n).publicKey, key: toHex(key(n).publicKey), address: addressOf(key(n).publicKey), weight: 1 })));
const decided = new Uint8Array(32).fill(1);
const other = new Uint8Array(32).fill(2);
const precommit = (n: string, blockHash = decided, round = 0) => signVote(CHAIN, key(n), { type: Vote.Type.PRECOMMIT, height: 5, round, blockHash });
const header = { height: 5, round: 0, prevHash: new Uint8Array(32), timestamp: 1, proposer: key('a').publicKey, txRoot: new Uint8Array(32), evidenceRoot: new Uint8Array(32), stateRoot: new Uint8Array(32), lastCommitHash: new Uint8Array(32), ballotsRoot: new Uint8Array(32) };

describe('LateCommit: the decided height after its quorum', () => {
  function late() {
    const cert = { ...certificateOf(header, 0, [precommit('a'), precommit('b'), precommit('c')]), blockHash: decided };
    return new LateCommit(cert, vs);
  }

  it('widens the certificate with a new signer for the decided block, once; other rounds, types and heights add nothing', () => {
    const l = late();
    assert.deepEqual(l.add(CHAIN, precommit('d')), { added: true });
    assert.deepEqual(l.add(CHAIN, precommit('d')), { added: false });
    assert.equal(l.certificate().sigs.length, 4);
    assert.deepEqual(l.add(CHAIN, precommit('a', decided, 1)), { added: false });
    assert.deepEqual(l.add(CHAIN, signVote(CHAIN, key('a'), { type: Vote.Type.PREVOTE, height: 5, round: 0, blockHash: other })), { added: false });
    assert.throws(() => l.add(CHAIN, precommit('outsider')), /not a validator/);
  });

  it('a late precommit for another block of the round conflicts with its voter\'s other one, whichever came first', () => {
    const l = late();
    const twin = precommit('a', other);
    assert.equal(l.add(CHAIN, twin).conflict?.voter, precommit('a').voter, 'against the certificate');
    const first = precommit('d', other);
    assert.equal(l.add(CHAIN, first).conflict, undefined, 'nothing to compare with yet');
    const outcome = l.add(CHAIN, precommit('d'));
    assert.equal(outcome.added, true);
    assert.equal(toHex(outcome.conflict!.blockHash), toHex(other), 'the earlier one for another block');
  });
});
