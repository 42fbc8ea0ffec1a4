/**
 * NCCA's first validators come from the genesis when its members declared positions: a 250-node chain does not
 * start with 250 validators. Without positions every registered node validates until the first election.
 */
import { strict as assert } from 'node:assert';
import { ChainState, DEFAULT_CHAIN_PARAMS } from '../../../../src/core/chain-state.js';
import { toHex } from '../../../../src/core/bytes.js';
import { type Genesis, makeGenesis } from '../../../../src/core/genesis.js';
import { engineRules } from '../../../../src/consensus/create-engine.js';
import { DEFAULT_NCCA_PARAMS } from '../../../../src/consensus/ncca/params.js';
import { CHAIN, SPEC, key } from '../../core/fixtures.js';

const members = Array.from({ length: 7 }, (_, i) => key(`placed-${i}`));

/** Members 0..4 in cell 0 (the 3 km square at the origin), 5 and 6 in cell 8 (the far corner). */
const places = new Map(members.map((k, i) => [toHex(k.publicKey), i < 5 ? { x: 100 + 10 * i, y: 100 } : { x: 8_900, y: 8_900 - i }]));

function validatorsAtHeight1(genesis: Genesis): string[] {
  const rules = engineRules('ncca', { ncca: DEFAULT_NCCA_PARAMS }, genesis);
  const head = { height: 0, hash: genesis.hash, timestamp: genesis.spec.timestamp };
  const chain = new ChainState({ ...DEFAULT_CHAIN_PARAMS, chainId: CHAIN }, genesis, members[0]!, rules.genesisState(), head, rules.block);
  return rules.bft.validatorsFor(chain).members.map((v) => v.key).sort();
}

describe('consensus/ncca: the first validators are elected at genesis', () => {
  it('placed members are elected per cell from block 1: ceil(0.6 · 5) = 3 in cell 0 and both of cell 8', () => {
    const elected = validatorsAtHeight1(makeGenesis(CHAIN, SPEC, members.map((k) => k.publicKey), places));
    assert.equal(elected.length, 5);
    const inCell0 = elected.filter((k) => [...places].some(([m, p]) => m === k && p.x < 3000));
    assert.equal(inCell0.length, 3);
    for (const k of [5, 6]) assert.ok(elected.includes(toHex(members[k]!.publicKey)));
  });

  it('without positions every member validates, as before the first election', () => {
    assert.equal(validatorsAtHeight1(makeGenesis(CHAIN, SPEC, members.map((k) => k.publicKey))).length, members.length);
  });

  it('a member without a position validates beside the elected ones (it counts in no cell)', () => {
    const someUnplaced = new Map([...places].filter(([k]) => k !== toHex(members[6]!.publicKey)));
    const elected = validatorsAtHeight1(makeGenesis(CHAIN, SPEC, members.map((k) => k.publicKey), someUnplaced));
    assert.ok(elected.includes(toHex(members[6]!.publicKey)));
    assert.equal(elected.length, 5);
  });
});
