import { strict as assert } from 'node:assert';
import { addressOf } from '../../../../src/core/address.js';
import { signBallot } from '../../../../src/core/ballots.js';
import { buildBlock } from '../../../../src/core/block.js';
import { toHex } from '../../../../src/core/bytes.js';
import { InvalidMessage } from '../../../../src/core/errors.js';
import { signTx, transferBody, txId } from '../../../../src/core/tx.js';
import type { TxSetBallot } from '../../../../src/core/wire/posplus.js';
import { DEFAULT_RPCA_PARAMS, type RpcaParams, atLeast } from '../../../../src/consensus/rpca/params.js';

/** Every genesis member on the UNL, so the five-member cases below count all five. */
const P: RpcaParams = { ...DEFAULT_RPCA_PARAMS, unlRatio: 1 };
import { rpcaRules } from '../../../../src/consensus/rpca/rpca-rules.js';
import { RpcaTxSet } from '../../../../src/consensus/rpca/tx-set.js';
import { unlOf } from '../../../../src/consensus/rpca/unl.js';
import { CHAIN, chainOf, genesisOf, key, recipient } from '../../core/fixtures.js';

const keys = [0, 1, 2, 3, 4].map((i) => key(`rpca-${i}`));
const genesis = genesisOf(keys);
const NOW = genesis.spec.timestamp + 1_000;
const outsider = key('rpca-outsider');

function setup() {
  const chain = chainOf(genesis, keys[0]!);
  const txSet = new RpcaTxSet(P);
  const a = signTx(CHAIN, keys[1]!, transferBody(recipient(keys[2]!), 5, 0));
  const b = signTx(CHAIN, keys[2]!, transferBody(recipient(keys[3]!), 7, 0));
  chain.admitTx(a, NOW);
  chain.admitTx(b, NOW);
  return { chain, txSet, a, b };
}

/** Round-`round` ballots at height 1: voter i names the ids `yes(i)` gives. */
const ballots = (round: 1 | 2, yes: (i: number) => string[]): TxSetBallot[] => keys.map((k, i) => signBallot(CHAIN, k, 1, round, yes(i)));

const invalid = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof InvalidMessage && pattern.test(e.reason));

const bundled = (out: ReturnType<RpcaTxSet['ballot']>): TxSetBallot => {
  assert.equal(out.length, 1);
  assert.equal(out[0]!.kind, 'bundle');
  return out[0]!.kind === 'bundle' ? out[0]!.ballots[0]! : assert.fail();
};

describe('RPCA: UNL, proposer rotation and the transaction-set rounds', () => {
  it('the UNL is the genesis members, one vote each, final above 80 %; a later registrant does not join it', () => {
    const chain = chainOf(genesis, keys[0]!);
    chain.ledger.set(addressOf(outsider.publicKey), { publicKey: outsider.publicKey, balance: 0, nonce: 0, stake: 10_000, capacity: 1 });
    const unl = unlOf(chain, P);
    assert.deepEqual(unl.members.map((m) => m.key).sort(), keys.map((k) => toHex(k.publicKey)).sort());
    assert.ok(unl.members.every((m) => m.weight === 1));
    assert.equal(unl.isQuorum(4), false, '4 of 5 is exactly 80 %, not more');
    assert.equal(unl.isQuorum(5), true);
    assert.equal(unl.get(toHex(outsider.publicKey)), undefined);
  });

  it('by default the UNL is the first 60 % of the genesis members in key order (the validator ratio), at least 4', () => {
    const ten = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => key(`rpca-ten-${i}`));
    const big = genesisOf(ten);
    const unl = unlOf(chainOf(big, ten[0]!), DEFAULT_RPCA_PARAMS);
    assert.deepEqual(unl.members.map((m) => m.key), big.members.slice(0, 6).map(toHex));
    assert.equal(unlOf(chainOf(genesis, keys[0]!), DEFAULT_RPCA_PARAMS).members.length, 4, '0.6 of 5 is 3, raised to 4');
  });

  it('the proposer rotates over the UNL by height and round', () => {
    const chain = chainOf(genesis, keys[0]!);
    const rules = rpcaRules(P);
    const unl = rules.validatorsFor(chain);
    const proposers = [0, 1, 2, 3, 4, 5].map((r) => toHex(rules.proposerOf(chain, unl, r)));
    assert.deepEqual(proposers, [1, 2, 3, 4, 0, 1].map((i) => unl.members[i]!.key), 'height 1, round r: member (1 + r) mod 5');
  });

  it('thresholds are counted exactly: 4 of 5 is 80 %, 7 of 10 is 70 %', () => {
    assert.ok(atLeast(4, 5, 0.8));
    assert.ok(!atLeast(3, 5, 0.8));
    assert.ok(atLeast(7, 10, 0.7));
    assert.ok(!atLeast(6, 10, 0.7));
  });

  it('round 1 names everything held; round 2 keeps only what passed the intermediate thresholds (up to 70 %) in round 1', () => {
    const { chain, txSet, a, b } = setup();
    const mine = bundled(txSet.ballot(chain, 1));
    assert.deepEqual(mine.yes.map(toHex).sort(), [txId(a), txId(b)].sort());
    // a: all five hold it; b: voters 0 to 2, 60 % — past 50 % and 60 %, short of 70 %.
    txSet.receive(chain, { ballots: ballots(1, (i) => (i <= 2 ? [txId(a), txId(b)] : [txId(a)])).slice(1), relayed: true });
    assert.deepEqual(bundled(txSet.ballot(chain, 2)).yes.map(toHex), [txId(a)]);
  });

  it('under a backlog a member opens with two blocks of its oldest, and its final position takes up what the UNL proposed beyond them', () => {
    // Blocks of one transaction: member 0 holds a, b and c in that order, and opens with the oldest two.
    const chain = chainOf(genesis, keys[0]!, { maxBlockTxs: 1 });
    const txSet = new RpcaTxSet(P);
    const [a, b, c] = [1, 2, 3].map((i) => signTx(CHAIN, keys[i]!, transferBody(recipient(keys[0]!), 5, 0)));
    for (const tx of [a!, b!, c!]) chain.admitTx(tx, NOW);
    assert.deepEqual(bundled(txSet.ballot(chain, 1)).yes.map(toHex).sort(), [txId(a!), txId(b!)].sort());
    // The others got c first: everyone but member 0 opened with it.
    txSet.receive(chain, { ballots: ballots(1, () => [txId(c!), txId(a!)]).slice(1), relayed: true });
    assert.deepEqual(bundled(txSet.ballot(chain, 2)).yes.map(toHex).sort(), [txId(a!), txId(c!)].sort(), 'c passed 70 % of the UNL, and member 0 holds it');
  });

  it('a transaction named by 80 % of the UNL in the final round goes in; the proposer leaves out one short of it', () => {
    const { chain, txSet, a, b } = setup();
    // a: 4 of 5 (80 %); b: 3 of 5 (60 %).
    txSet.receive(chain, { ballots: ballots(2, (i) => (i < 3 ? [txId(a), txId(b)] : i === 3 ? [txId(a)] : [])), relayed: true });
    const selected = txSet.select(chain);
    assert.deepEqual([...selected.allowed], [txId(a)]);
    const block = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, selected));
    assert.deepEqual(block.txs.map(txId), [txId(a)]);
    assert.doesNotThrow(() => txSet.check(chain, block));
  });

  it('check rejects a block whose transaction lacks 80 % of the UNL in the final round, whatever the proposer claims', () => {
    const { chain, txSet, a, b } = setup();
    const final = ballots(2, (i) => (i < 3 ? [txId(a), txId(b)] : [txId(a)]));
    const sneaky = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(a), txId(b)]), ballots: final }));
    assert.equal(sneaky.txs.length, 2);
    invalid(() => txSet.check(chain, sneaky), /has 3 of 5 UNL votes in the final round, short of 80 %/);
    // Round-1 ballots do not count for the final rule, even when all five named the transaction.
    const early = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(b)]), ballots: [...ballots(1, () => [txId(b)]), ...final.slice(0, 3)] }));
    invalid(() => txSet.check(chain, early), /short of 80 %/);
  });

  it('ballots from outside the UNL are refused, in the gossip and in a block; a node outside the UNL does not vote', () => {
    const { chain, txSet, a } = setup();
    invalid(() => txSet.receive(chain, { ballots: [signBallot(CHAIN, outsider, 1, 1, [txId(a)])], relayed: true }), /not on the UNL/);
    const withOutsider = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(a)]), ballots: [...ballots(2, () => [txId(a)]), signBallot(CHAIN, outsider, 1, 2, [txId(a)])] }));
    invalid(() => txSet.check(chain, withOutsider), /not on the UNL/);
    const twice = ballots(2, () => [txId(a)]);
    const duplicate = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(a)]), ballots: [...twice, signBallot(CHAIN, keys[1]!, 1, 2, [])] }));
    invalid(() => txSet.check(chain, duplicate), /two round-2 ballots/);
    const outsiderChain = chainOf(genesis, outsider);
    assert.deepEqual(new RpcaTxSet(P).ballot(outsiderChain, 1), []);
  });

  it('the proposer goes ahead once every transaction under vote is settled, not before', () => {
    const { chain, txSet, a, b } = setup();
    txSet.receive(chain, { ballots: ballots(1, () => [txId(a), txId(b)]), relayed: true });
    assert.equal(txSet.haveBallots(chain), false, 'no final-round ballots yet');
    // Four final ballots: a has 4 of 5 (in); b has 3, and the one missing voter could still lift it to 4.
    txSet.receive(chain, { ballots: ballots(2, (i) => (i < 3 ? [txId(a), txId(b)] : [txId(a)])).slice(0, 4), relayed: true });
    assert.equal(txSet.haveBallots(chain), false);
    txSet.receive(chain, { ballots: [signBallot(CHAIN, keys[4]!, 1, 2, [txId(a)])], relayed: true });
    assert.equal(txSet.haveBallots(chain), true);
  });
});
