import { strict as assert } from 'node:assert';
import { buildBlock } from '../../../src/core/block.js';
import { toHex } from '../../../src/core/bytes.js';
import { signProposal, signVote } from '../../../src/core/votes.js';
import { Block, Proposal, TxSetBallot, Vote } from '../../../src/core/wire/posplus.js';
import { signCall, signCallBallot } from '../../../src/core/ballots.js';
import { type WalRecord, type WalState, encodeWal, readWal, setWal } from '../../../src/consensus/bft/wal-record.js';
import type { Ready } from '../../../src/consensus/engine.js';
import { CHAIN, key } from '../core/fixtures.js';

/** The format a WAL has always had: the UTF-8 JSON of the record with each message as hex of its encoding. */
function plainJson(w: WalState): Uint8Array {
  const rec: WalRecord = {
    ...w,
    lockedBlock: w.lockedBlock ? toHex(Block.encode(w.lockedBlock)) : undefined,
    validBlock: w.validBlock ? toHex(Block.encode(w.validBlock)) : undefined,
    proposals: w.proposals.map((p) => toHex(Proposal.encode(p))),
    votes: w.votes.map((v) => toHex(Vote.encode(v))),
    lockPolka: w.lockPolka.map((v) => toHex(Vote.encode(v))),
    ballots: w.ballots.map((b) => toHex(TxSetBallot.encode(b))),
  };
  return new TextEncoder().encode(JSON.stringify(rec));
}

describe('consensus/bft/wal-record', () => {
  const k = key('a');
  const block = buildBlock(CHAIN, k, { height: 3, round: 1, prevHash: new Uint8Array(32), timestamp: 5, txs: [], evidence: [], stateRoot: new Uint8Array(32) });
  const proposal = signProposal(CHAIN, k, { block, round: 1, validRound: 0, pol: [] });
  const ballot = signCallBallot(CHAIN, k, signCall(CHAIN, k, 3, 1, ['aa'.repeat(32)]), () => true);
  const vote = (round: number) => signVote(CHAIN, k, { type: Vote.Type.PREVOTE, height: 3, round, blockHash: new Uint8Array(32).fill(round) });

  it('is byte for byte JSON.stringify of the record, with and without locks, proposals and votes', () => {
    const states: WalState[] = [
      { height: 1, round: 0, step: 'idle', lockedRound: -1, validRound: -1, proposals: [], votes: [], lockPolka: [], ballots: [] },
      { height: 3, round: 1, step: 'prevote', lockedRound: 0, lockedBlock: block, validRound: 0, validBlock: block, proposals: [proposal], votes: [vote(0), vote(1)], lockPolka: [vote(0)], ballots: [ballot] },
      { height: 3, round: 2, step: 'precommit', lockedRound: -1, validRound: 1, validBlock: block, proposals: [proposal, proposal], votes: [vote(2)], lockPolka: [], ballots: [] },
    ];
    for (const w of states) {
      assert.deepEqual(encodeWal(w), plainJson(w));
      assert.deepEqual(encodeWal(w), plainJson(w)); // again, from the remembered pieces
    }
  });

  it('setWal gives the same bytes when read, as an ordinary enumerable property of the Ready', () => {
    const w: WalState = { height: 3, round: 1, step: 'prevote', lockedRound: -1, validRound: -1, proposals: [proposal], votes: [vote(1)], lockPolka: [], ballots: [] };
    const ready: Ready = { publish: [], commits: [], txStatuses: [], evidence: [], verdict: 'accept' };
    setWal(ready, w);
    assert.deepEqual(ready.wal, plainJson(w));
    assert.equal(ready.wal, ready.wal, 'encoded once');
    assert.deepEqual({ ...ready }.wal, plainJson(w));
    setWal(ready, { ...w, votes: [] });
    assert.deepEqual(ready.wal, plainJson({ ...w, votes: [] }), 'a later record replaces the earlier');
  });

  it('reads the lock\'s polka and the own ballots back, and a record written before they were kept as none', () => {
    const w: WalState = { height: 3, round: 1, step: 'prevote', lockedRound: 0, lockedBlock: block, validRound: 0, validBlock: block, proposals: [], votes: [vote(1)], lockPolka: [vote(0)], ballots: [ballot] };
    assert.deepEqual(readWal(encodeWal(w)).lockPolka, [vote(0)]);
    assert.deepEqual(readWal(encodeWal(w)).ballots, [ballot]);
    const { lockPolka: _, ballots: __, ...older } = JSON.parse(new TextDecoder().decode(encodeWal(w))) as WalRecord;
    assert.deepEqual(readWal(new TextEncoder().encode(JSON.stringify(older))).lockPolka, []);
    assert.deepEqual(readWal(new TextEncoder().encode(JSON.stringify(older))).ballots, []);
  });
});
