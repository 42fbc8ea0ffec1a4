import { strict as assert } from 'node:assert';
import { type Address, addressOf } from '../../../../src/core/address.js';
import { toHex } from '../../../../src/core/bytes.js';
import type { BlockFacts, HeadRecord } from '../../../../src/core/chain-state.js';
import { type Account, LedgerState, StateOverlay } from '../../../../src/core/ledger.js';
import { cdbftRules } from '../../../../src/consensus/cdbft/cdbft-rules.js';
import { consensusNodes } from '../../../../src/consensus/cdbft/consensus-nodes.js';
import { nextCdbftCredit } from '../../../../src/consensus/cdbft/credit.js';
import { DEFAULT_CDBFT_PARAMS as P } from '../../../../src/consensus/cdbft/params.js';
import { chainOf, genesisOf, key } from '../../core/fixtures.js';

const keys = Array.from({ length: 10 }, (_, i) => key(`cdbft-${i}`));
const addr = (i: number): Address => addressOf(keys[i]!.publicKey);

/** A ledger of `n` registered nodes with the given credits (undefined = never scored). */
function ledgerOf(n: number, credit: (i: number) => number | undefined = () => undefined): LedgerState {
  const state = new LedgerState();
  for (let i = 0; i < n; i++) {
    const c = credit(i);
    const account: Account = { publicKey: keys[i]!.publicKey, balance: 0, nonce: 0, stake: 100, capacity: 1, ...(c === undefined ? {} : { credit: c }) };
    state.set(addr(i), account);
  }
  return state;
}

const byAddress = (ids: number[]): string[] => ids.map(addr).sort();

describe('CDBFT: credit, consensus nodes and the primary', () => {
  it('vote reward and punishment: signers +0.02, silent consensus nodes −0.05, a failed primary −0.2 per failed round, offenders to 0', () => {
    const current = new Map([
      ['s', 600_000],
      ['top', 990_000],
      ['quiet', 600_000],
      ['primary', 600_000],
      ['liar', 900_000],
      ['low', 30_000],
    ]);
    const next = nextCdbftCredit(
      current,
      { validators: ['s', 'top', 'quiet', 'primary', 'liar', 'low'], signers: ['s', 'top', 'liar'], failedProposers: ['primary', 'primary'], offenders: ['liar'] },
      P,
    );
    assert.equal(next.get('s'), 620_000);
    assert.equal(next.get('top'), 1_000_000, 'capped at 1');
    assert.equal(next.get('quiet'), 550_000);
    assert.equal(next.get('primary'), 600_000 - 50_000 - 2 * 200_000, 'did not sign and failed two rounds');
    assert.equal(next.get('liar'), 0);
    assert.equal(next.get('low'), 0, 'floored at 0');
  });

  it('consensus nodes: credit at least 0.5, at most the top 60 % by credit (ties by address), one vote each', () => {
    // Ten nodes: 0..2 below the threshold, 3 scored highest, the rest at the initial 0.6.
    const state = ledgerOf(10, (i) => (i < 3 ? 400_000 : i === 3 ? 900_000 : undefined));
    const set = consensusNodes(state, P);
    assert.equal(set.members.length, 6, '60 % of 10');
    assert.ok(set.members.every((m) => m.weight === 1));
    const chosen = set.members.map((m) => m.address).sort();
    const rest = byAddress([4, 5, 6, 7, 8, 9]).slice(0, 5);
    assert.deepEqual(chosen, [addr(3), ...rest].sort(), 'the best credit first, then the initial-credit nodes in address order');
    for (const i of [0, 1, 2]) assert.ok(!chosen.includes(addr(i)), `node ${i} is below the threshold`);
  });

  it('with fewer than 4 nodes above the threshold every registered node takes part', () => {
    const state = ledgerOf(7, (i) => (i < 3 ? 600_000 : 100_000));
    assert.equal(consensusNodes(state, P).members.length, 7);
  });

  it('the primary of view height + round is the next consensus node in key order', () => {
    const genesis = genesisOf(keys.slice(0, 7));
    const chain = chainOf(genesis, keys[0]!);
    const rules = cdbftRules(P);
    const set = rules.validatorsFor(chain);
    assert.equal(set.members.length, 5, 'ceil(0.6 × 7)');
    const primaries = [0, 1, 2, 3, 4, 5].map((r) => toHex(rules.proposerOf(chain, set, r)));
    assert.deepEqual(primaries, [1, 2, 3, 4, 0, 1].map((i) => set.members[i]!.key));
  });

  it("a block's bookkeeping scores the previous commit's signers, the silent and the failed primary in the ledger", () => {
    const base = ledgerOf(7);
    const state = new StateOverlay(base);
    const head: HeadRecord = { validators: [0, 1, 2, 3, 4].map((i) => ({ publicKey: toHex(keys[i]!.publicKey), weight: 1 })), failedProposers: [addr(4)] };
    const block: BlockFacts = {
      height: 2,
      timestamp: 0,
      proposer: keys[0]!.publicKey,
      lastCommit: { height: 1, round: 1, blockHash: new Uint8Array(32), sigs: [0, 1, 2].map((i) => ({ voter: keys[i]!.publicKey, signature: new Uint8Array(64) })) },
      evidence: [],
      txs: [],
      ballots: [],
      calls: [],
    };
    cdbftRules(P).afterTxs!(state, block, head);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => state.get(addr(i))!.credit), [620_000, 620_000, 620_000, 550_000, 350_000]);
    // Of 7 registered, 5 may be consensus nodes: node 4 (0.35) is below the threshold, node 3 (0.55) is outranked.
    assert.deepEqual(consensusNodes(state, P).members.map((m) => m.address).sort(), byAddress([0, 1, 2, 5, 6]));
  });
});
