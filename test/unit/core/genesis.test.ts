import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { addressOf } from '../../../src/core/address.js';
import { compareBytes, toHex } from '../../../src/core/bytes.js';
import { genesisState, makeGenesis, parseGenesisSpec } from '../../../src/core/genesis.js';
import { CHAIN, SPEC, key } from './fixtures.js';

const members = Array.from({ length: 6 }, (_, i) => key(`member-${i}`).publicKey);

describe('core/genesis', () => {
  it('the same members in any order (and repeated) give the same hash (property)', () => {
    const reference = makeGenesis(CHAIN, SPEC, members);
    fc.assert(
      fc.property(fc.shuffledSubarray(members, { minLength: members.length }), fc.array(fc.nat({ max: members.length - 1 }), { maxLength: 3 }), (order, repeats) => {
        const g = makeGenesis(CHAIN, SPEC, [...order, ...repeats.map((i) => members[i]!)]);
        assert.equal(g.hashHex, reference.hashHex);
        assert.deepEqual(g.members, reference.members);
      }),
      { numRuns: 50 },
    );
    assert.deepEqual(reference.members, [...members].sort(compareBytes));
  });

  it('members\' places are part of the hash and of the state; places of non-members are dropped', () => {
    const plain = makeGenesis(CHAIN, SPEC, members);
    const at = (x: number) => new Map([[toHex(members[0]!), { x, y: 7 }]]);
    const placed = makeGenesis(CHAIN, SPEC, members, at(5));
    assert.notEqual(placed.hashHex, plain.hashHex);
    assert.notEqual(makeGenesis(CHAIN, SPEC, members, at(6)).hashHex, placed.hashHex, 'another position, another genesis');
    assert.equal(makeGenesis(CHAIN, SPEC, members, new Map([[toHex(key('stranger').publicKey), { x: 1, y: 1 }]])).hashHex, plain.hashHex);
    assert.deepEqual(genesisState(placed).get(addressOf(members[0]!))?.position, { x: 5, y: 7 });
    assert.equal(genesisState(placed).get(addressOf(members[1]!))?.position, undefined);
  });

  it('another member set, chain id or spec gives another hash', () => {
    const h = makeGenesis(CHAIN, SPEC, members).hashHex;
    assert.notEqual(makeGenesis(CHAIN, SPEC, members.slice(1)).hashHex, h);
    assert.notEqual(makeGenesis(`${CHAIN}-2`, SPEC, members).hashHex, h);
    assert.notEqual(makeGenesis(CHAIN, { ...SPEC, timestamp: SPEC.timestamp + 1 }, members).hashHex, h);
    assert.notEqual(makeGenesis(CHAIN, { ...SPEC, member: { ...SPEC.member, stake: 101 } }, members).hashHex, h);
  });

  it('the genesis state gives every member the member allocation and every listed account its balance', () => {
    const extra = '0x' + 'ab'.repeat(20);
    const g = makeGenesis(CHAIN, { ...SPEC, accounts: [{ address: extra, balance: 77 }] }, members);
    const state = genesisState(g);
    assert.equal(state.size, members.length + 1);
    for (const m of members) {
      const acc = state.get(addressOf(m))!;
      assert.deepEqual(acc.publicKey, m);
      assert.deepEqual({ b: acc.balance, s: acc.stake, c: acc.capacity, n: acc.nonce }, { b: 1_000, s: 100, c: 10, n: 0 });
    }
    assert.equal(state.get(extra)!.balance, 77);
    assert.deepEqual(genesisState(g).root(), state.root(), 'deterministic');
  });

  it('parseGenesisSpec validates its input', () => {
    assert.deepEqual(parseGenesisSpec({ timestamp: 1, member: { balance: 2, stake: 3, capacity: 4 } }), {
      timestamp: 1,
      member: { balance: 2, stake: 3, capacity: 4 },
      accounts: [],
    });
    assert.throws(() => parseGenesisSpec(null), /JSON object/);
    assert.throws(() => parseGenesisSpec({ timestamp: -1, member: { balance: 0, stake: 0, capacity: 0 } }), /timestamp/);
    assert.throws(() => parseGenesisSpec({ timestamp: 1 }), /member/);
    assert.throws(() => parseGenesisSpec({ timestamp: 1, member: { balance: 0, stake: 0, capacity: 0 }, accounts: [{ address: 'nope', balance: 1 }] }), /address/);
  });

  it('a pinned genesis names its members as sorted, distinct 64-hex-digit public keys', () => {
    const base = { timestamp: 1, member: { balance: 2, stake: 3, capacity: 4 } };
    const [a, b] = ['aa'.repeat(32), 'bb'.repeat(32)];
    assert.deepEqual(parseGenesisSpec({ ...base, members: [a, b] }).members, [a, b]);
    assert.throws(() => parseGenesisSpec({ ...base, members: [b, a] }), /sorted and distinct/);
    assert.throws(() => parseGenesisSpec({ ...base, members: [a, a] }), /sorted and distinct/);
    assert.throws(() => parseGenesisSpec({ ...base, members: ['AA'.repeat(32)] }), /64 lowercase hex/);
    assert.throws(() => parseGenesisSpec({ ...base, members: [] }), /non-empty/);
    assert.equal(parseGenesisSpec(base).members, undefined, 'a ceremony genesis has none');
  });
});
