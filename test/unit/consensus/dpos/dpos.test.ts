import { strict as assert } from 'node:assert';
import { type Address, addressOf } from '../../../../src/core/address.js';
import { toHex } from '../../../../src/core/bytes.js';
import type { BlockFacts, HeadRecord } from '../../../../src/core/chain-state.js';
import { ElectedRole, LedgerState, StateOverlay } from '../../../../src/core/ledger.js';
import { delegatesOf, elect, holdElection, isVotedOut, voteOut } from '../../../../src/consensus/dpos/delegates.js';
import { dposRules } from '../../../../src/consensus/dpos/dpos-rules.js';
import type { DposParams } from '../../../../src/consensus/dpos/params.js';
import { chainOf, genesisOf, key } from '../../core/fixtures.js';

const keys = Array.from({ length: 8 }, (_, i) => key(`dpos-${i}`));
const addr = (i: number): Address => addressOf(keys[i]!.publicKey);
const K3: DposParams = { delegates: 3 };

/** Node i has stake `stakes[i]`. */
function ledgerOf(stakes: number[]): LedgerState {
  const state = new LedgerState();
  stakes.forEach((stake, i) => state.set(addr(i), { publicKey: keys[i]!.publicKey, balance: 0, nonce: 0, stake, capacity: 1 }));
  return state;
}

const names = (nodes: { address: Address }[]): Address[] => nodes.map((n) => n.address).sort();
const ids = (is: number[]): Address[] => is.map(addr).sort();

function blockAt(height: number): BlockFacts {
  return { height, timestamp: 0, proposer: keys[0]!.publicKey, evidence: [], txs: [], ballots: [], calls: [] };
}
const headWith = (failed: number[]): HeadRecord => ({ validators: [], failedProposers: failed.map(addr) });

describe('DPoS: delegates, rotation, misses and re-election', () => {
  it('elects the K nodes with the most stake (each stake votes for itself), ties by address; all of them when fewer', () => {
    const state = ledgerOf([50, 10, 40, 40, 5, 30]);
    assert.deepEqual(names(elect(state, K3)), ids([0, 2, 3]));
    const lower = [addr(2), addr(3)].sort()[0]!;
    assert.deepEqual(names(elect(state, { delegates: 2 })), [addr(0), lower].sort(), 'of two equal stakes the lower address wins');
    assert.equal(elect(state, { delegates: 21 }).length, 6);
    assert.deepEqual(names(delegatesOf(state, K3)), ids([0, 2, 3]), 'before any election is written, the delegates are who it would pick');
  });

  it('producers take turns in key order by height and round', () => {
    const chain = chainOf(genesisOf(keys.slice(0, 4)), keys[0]!);
    const rules = dposRules({ delegates: 21 });
    const set = rules.validatorsFor(chain);
    assert.equal(set.members.length, 4);
    assert.ok(set.members.every((m) => m.weight === 1));
    const producers = [0, 1, 2, 3, 4].map((r) => toHex(rules.proposerOf(chain, set, r)));
    assert.deepEqual(producers, [1, 2, 3, 0, 1].map((i) => set.members[i]!.key));
  });

  it('a delegate that misses is voted out and the next candidate by stake takes its place', () => {
    const state = new StateOverlay(ledgerOf([50, 10, 40, 45, 5, 30]));
    voteOut(state, addr(3), K3);
    assert.deepEqual(names(delegatesOf(state, K3)), ids([0, 2, 5]), 'node 5 (30) replaces node 3');
    assert.ok(isVotedOut(state.get(addr(3))));
    assert.equal(state.get(addr(3))!.role, undefined);
    voteOut(state, addr(4), K3);
    assert.deepEqual(names(delegatesOf(state, K3)), ids([0, 2, 5]), 'a node that is no delegate cannot be voted out');
    voteOut(state, addr(5), K3);
    assert.deepEqual(names(delegatesOf(state, K3)), ids([0, 1, 2]), 'the voted-out node 3 is not picked again this cycle');
  });

  it("the block's bookkeeping votes out the head's failed producer, and the cycle's re-election brings it back after that", () => {
    const rules = dposRules(K3);
    const base = ledgerOf([50, 10, 40, 45, 5, 30]);
    const mid = new StateOverlay(base);
    rules.afterTxs!(mid, blockAt(2), headWith([3]));
    assert.deepEqual(names(delegatesOf(mid, K3)), ids([0, 2, 5]));
    assert.equal(mid.get(addr(5))!.role, ElectedRole.validator);
    // The end of the cycle (height 3 = K): a full re-election by stake, and the old miss is forgiven.
    const end = new StateOverlay(mid);
    rules.afterTxs!(end, blockAt(3), headWith([]));
    assert.deepEqual(names(delegatesOf(end, K3)), ids([0, 2, 3]));
    assert.ok(!isVotedOut(end.get(addr(3))));
    // A miss in the head of the cycle's last block still costs the next block: the election runs first.
    const late = new StateOverlay(base);
    rules.afterTxs!(late, blockAt(3), headWith([0]));
    assert.deepEqual(names(delegatesOf(late, K3)), ids([2, 3, 5]));
  });

  it('a full re-election clears every voted-out mark and sets the roles to the top K', () => {
    const state = new StateOverlay(ledgerOf([50, 10, 40, 45, 5, 30]));
    voteOut(state, addr(0), K3);
    voteOut(state, addr(2), K3);
    assert.deepEqual(names(delegatesOf(state, K3)), ids([3, 5, 1]));
    holdElection(state, K3);
    assert.deepEqual(names(delegatesOf(state, K3)), ids([0, 2, 3]));
    for (let i = 0; i < 6; i++) assert.ok(!isVotedOut(state.get(addr(i))));
  });
});
