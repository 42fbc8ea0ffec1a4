import { strict as assert } from 'node:assert';
import { addressOf } from '../../../../src/core/address.js';
import { signCall, signCallBallot } from '../../../../src/core/ballots.js';
import { buildBlock } from '../../../../src/core/block.js';
import type { ChainState } from '../../../../src/core/chain-state.js';
import { InvalidMessage } from '../../../../src/core/errors.js';
import { DEFAULT_AREA } from '../../../../src/core/genesis.js';
import { ElectedRole } from '../../../../src/core/ledger.js';
import { signTx, transferBody, txId } from '../../../../src/core/tx.js';
import type { Tx, TxSetBallot, TxSetCall } from '../../../../src/core/wire/posplus.js';
import type { Outbound } from '../../../../src/consensus/engine.js';
import { ObservationBook } from '../../../../src/consensus/detection/observation-book.js';
import { DEFAULT_NCCA_PARAMS } from '../../../../src/consensus/ncca/params.js';
import { NccaTxSet } from '../../../../src/consensus/ncca/tx-set.js';
import { CHAIN, chainOf, genesisOf, key, recipient } from '../../core/fixtures.js';

const keys = [0, 1, 2, 3].map((i) => key(`ts-${i}`));
const genesis = genesisOf(keys);
const NOW = genesis.spec.timestamp + 1_000;
const outsider = key('ts-outsider');

/** Replica 0 as the round-0 proposer, holding transfers a and b. */
function setup() {
  const chain = chainOf(genesis, keys[0]!);
  const rules = new NccaTxSet(DEFAULT_NCCA_PARAMS, DEFAULT_AREA, 1200, new ObservationBook());
  const a = signTx(CHAIN, keys[1]!, transferBody(recipient(keys[2]!), 5, 0));
  const b = signTx(CHAIN, keys[2]!, transferBody(recipient(keys[3]!), 7, 0));
  chain.admitTx(a, NOW);
  chain.admitTx(b, NOW);
  return { chain, rules, a, b };
}

const invalid = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: unknown) => e instanceof InvalidMessage && pattern.test(e.reason));

const callIn = (out: readonly Outbound[]): TxSetCall => {
  const c = out.find((o) => o.kind === 'call');
  assert.ok(c?.kind === 'call', `no call in ${out.map((o) => o.kind)}`);
  return c.call;
};

/** Voter i's answer to a call: yes to the ids in `holds`. */
const answer = (i: number, call: TxSetCall, holds: readonly Tx[]): TxSetBallot =>
  signCallBallot(CHAIN, keys[i]!, call, (id) => holds.some((tx) => txId(tx) === id));

const relayed = (ballots: TxSetBallot[]) => ({ ballots, relayed: true });

function proposeWith(chain: ChainState, rules: NccaTxSet) {
  return buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, rules.select(chain)));
}

describe('NCCA transaction-set voting: the round-0 proposer calls it, the voters answer with bits', () => {
  it('goes ahead as soon as round 1 settles every id, and the block carries the call and ballots that confirm it', () => {
    const { chain, rules, a, b } = setup();
    const first = rules.poll(chain, NOW, NOW, true);
    assert.equal(first.ready, false, 'nothing settles before anyone but the proposer answered');
    const call = callIn(first.publish);
    assert.deepEqual(call.ids.map((x) => Buffer.from(x).toString('hex')).sort(), [txId(a), txId(b)].sort());
    // Everyone holds a; nobody else holds b. Two more answers settle a (confirmed) but not yet b.
    rules.receive(chain, relayed([answer(1, call, [a]), answer(2, call, [a])]), NOW);
    assert.equal(rules.poll(chain, NOW + 10, NOW, true).ready, false);
    assert.equal(rules.receive(chain, relayed([answer(3, call, [a])]), NOW).verdict, 'accept');
    const settled = rules.poll(chain, NOW + 20, NOW, true);
    assert.deepEqual(settled, { publish: [], ready: true }, 'every id settled in round 1: no round 2, no wait');
    const block = proposeWith(chain, rules);
    assert.deepEqual(block.txs.map(txId), [txId(a)]);
    assert.equal(block.calls.length, 1);
    assert.equal(block.ballots.length, 4);
    assert.doesNotThrow(() => rules.check(chain, block));
  });

  it('calls round 2 only on the ids round 1 carried', () => {
    const { chain, rules, a, b } = setup();
    const call = callIn(rules.poll(chain, NOW, NOW, true).publish);
    // b: the proposer and one more say yes, two abstain: carried (between v2 and v1).
    rules.receive(chain, relayed([answer(1, call, [a, b]), answer(2, call, [a]), answer(3, call, [a])]), NOW);
    const next = rules.poll(chain, NOW + 20, NOW, true);
    assert.equal(next.ready, false);
    const second = callIn(next.publish);
    assert.equal(second.round, 2);
    assert.deepEqual(second.ids.map((x) => Buffer.from(x).toString('hex')), [txId(b)]);
    rules.receive(chain, relayed([1, 2, 3].map((i) => answer(i, second, [b]))), NOW);
    assert.equal(rules.poll(chain, NOW + 40, NOW, true).ready, true);
    const block = proposeWith(chain, rules);
    assert.deepEqual(block.txs.map(txId).sort(), [txId(a), txId(b)].sort());
    assert.equal(block.calls.length, 2);
    assert.doesNotThrow(() => rules.check(chain, block));
  });

  it('a settled round waits two relay windows for the voters still silent (a call on nothing counts as settled three after it went out), and not at all once every voter answered', () => {
    const chain = chainOf(genesis, keys[0]!);
    const window = DEFAULT_NCCA_PARAMS.vote.relayWindowMs;
    const waiting = new NccaTxSet(DEFAULT_NCCA_PARAMS, DEFAULT_AREA, 1200, new ObservationBook());
    const first = waiting.poll(chain, NOW, NOW, true);
    assert.deepEqual([first.ready, first.wakeAt], [false, NOW + 5 * window], 'nothing to vote on settles before anyone could answer: the farthest voters still get their time');
    waiting.receive(chain, relayed([answer(1, callIn(first.publish), [])]), NOW);
    assert.equal(waiting.poll(chain, NOW + 5 * window - 1, NOW, true).ready, false);
    assert.equal(waiting.poll(chain, NOW + 5 * window, NOW, true).ready, true, 'two voters silent: no longer than that');
    const answered = new NccaTxSet(DEFAULT_NCCA_PARAMS, DEFAULT_AREA, 1200, new ObservationBook());
    const call = callIn(answered.poll(chain, NOW, NOW, true).publish);
    answered.receive(chain, relayed([1, 2, 3].map((i) => answer(i, call, []))), NOW);
    assert.equal(answered.poll(chain, NOW + 5, NOW, true).ready, true, 'every voter in: no wait');
  });

  it('proposes with what it has once its wait is over', () => {
    const { chain, rules } = setup();
    rules.poll(chain, NOW, NOW, true);
    assert.equal(rules.poll(chain, NOW + 1_199, NOW, true).ready, false);
    assert.equal(rules.poll(chain, NOW + 1_200, NOW, true).ready, true);
  });

  it('a block with a transaction its ballots do not confirm is invalid, and so are ballots from outsiders, forged bits or another call', () => {
    const { chain, rules, a, b } = setup();
    const call = callIn(rules.poll(chain, NOW, NOW, true).publish);
    const ballots = [1, 2, 3].map((i) => answer(i, call, [a]));
    rules.receive(chain, relayed(ballots), NOW);
    const choice = rules.select(chain);
    const build = (over: Partial<typeof choice>) => buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { ...choice, ...over }));
    invalid(() => rules.check(chain, build({ allowed: new Set([txId(a), txId(b)]) })), /not confirmed/);
    invalid(() => rules.check(chain, build({ ballots: [...choice.ballots, signCallBallot(CHAIN, outsider, call, () => true)] })), /not a voter/);
    const forged = { ...ballots[2]!, bits: Uint8Array.of(0xff) };
    invalid(() => rules.check(chain, build({ ballots: [...choice.ballots.filter((x) => x !== ballots[2]), forged] })), /signature/);
    const other = signCall(CHAIN, keys[0]!, 1, 1, [txId(b)]);
    invalid(() => rules.check(chain, build({ calls: [other] })), /call that is not there/);
    invalid(() => rules.check(chain, build({ calls: [...choice.calls!, other] })), /two of one round/);
  });

  it('ballots from unregistered keys, or with more bits than a block has transactions, are rejected before their signature and not kept', () => {
    const { chain, rules, a } = setup();
    const call = callIn(rules.poll(chain, NOW, NOW, true).publish);
    for (let i = 0; i < 3; i++) {
      const fresh = key(`ts-fresh-${i}`);
      invalid(() => rules.receive(chain, relayed([signCallBallot(CHAIN, fresh, call, () => true)]), NOW), /not registered/);
    }
    const oversized = { ...answer(1, call, [a]), bits: new Uint8Array(Math.ceil(chain.params.maxBlockTxs / 8) + 1) };
    invalid(() => rules.receive(chain, relayed([oversized]), NOW), /more than 2000 transactions/);
    const kept = rules.select(chain).ballots.map((b) => addressOf(b.voter));
    assert.ok(kept.every((v) => keys.some((k) => addressOf(k.publicKey) === v)), `kept ballots of ${kept}`);
  });

  it('leaving ballots out cannot confirm more: a lone yes is not a confirmation', () => {
    const { chain, rules, b } = setup();
    const call = signCall(CHAIN, keys[0]!, 1, 1, [txId(b)]);
    const lone = [answer(0, call, [b])];
    const block = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(b)]), ballots: lone, calls: [call] }));
    invalid(() => rules.check(chain, block), /not confirmed/);
  });

  it('a voter answers the rightful proposer’s call with what it holds, for the proposer alone; other calls are refused', () => {
    const { chain, rules, a, b } = setup();
    const voter = chainOf(genesis, keys[1]!);
    voter.admitTx(a, NOW);
    const call = signCall(CHAIN, keys[0]!, 1, 1, [txId(a), txId(b)]);
    const { verdict, publish } = rules.receive(voter, { call, caller: keys[0]!.publicKey }, NOW);
    assert.equal(verdict, 'accept');
    const [out] = publish;
    assert.ok(out?.kind === 'ballot' && out.to !== undefined, 'a validator answers into the caller’s inbox');
    assert.equal(addressOf(out.to), addressOf(keys[0]!.publicKey));
    const held = call.ids.map((x) => Buffer.from(x).toString('hex')).map((id) => id === txId(a));
    assert.deepEqual(held.map((yes, i) => ((out.ballot.bits[0]! >> i) & 1) === 1), held);
    assert.equal(rules.receive(voter, { call, caller: keys[0]!.publicKey }, NOW).verdict, 'ignore', 'answered once');
    const stranger = signCall(CHAIN, keys[2]!, 1, 1, [txId(b)]);
    invalid(() => rules.receive(voter, { call: stranger, caller: keys[0]!.publicKey }, NOW), /not the height's proposer/);
    assert.equal(rules.receive(chain, relayed([signCallBallot(CHAIN, keys[1]!, { ...call, height: 0 }, () => true)]), NOW).verdict, 'ignore', 'an old height');
  });

  it('a second, different answer of one voter to one call is turned in once, checked first; the same answer again is not', () => {
    const { chain, rules, a, b } = setup();
    const call = callIn(rules.poll(chain, NOW, NOW, true).publish);
    const first = answer(1, call, [a]);
    rules.receive(chain, relayed([first]), NOW);
    assert.equal(rules.receive(chain, relayed([answer(1, call, [a])]), NOW).conflicts, undefined, 'the same answer signed again');
    const second = answer(1, call, [a, b]);
    assert.deepEqual(rules.receive(chain, relayed([second]), NOW).conflicts, [[first, second]]);
    assert.equal(rules.receive(chain, relayed([answer(1, call, [b])]), NOW).conflicts, undefined, 'one proof per voter and round');
    const forged = { ...answer(2, call, [a]), bits: Uint8Array.of(3) };
    rules.receive(chain, relayed([answer(2, call, [a])]), NOW);
    invalid(() => rules.receive(chain, relayed([forged]), NOW), /signature/);
    assert.equal(rules.receive(chain, relayed([answer(2, call, [a, b])]), NOW).conflicts?.length, 1, 'a forgery does not use up the proof');
  });

  it('after a restart a voter answers a call it answered before (its WAL gives the ballot back) the same way', () => {
    const { a, b } = setup();
    const voter = chainOf(genesis, keys[1]!);
    voter.admitTx(a, NOW);
    const call = signCall(CHAIN, keys[0]!, 1, 1, [txId(a), txId(b)]);
    const before = new NccaTxSet(DEFAULT_NCCA_PARAMS, DEFAULT_AREA, 1200, new ObservationBook());
    const [sent] = before.receive(voter, { call, caller: keys[0]!.publicKey }, NOW).publish;
    assert.ok(sent?.kind === 'ballot');
    voter.admitTx(b, NOW); // it holds more now: a fresh answer would differ
    const restarted = new NccaTxSet(DEFAULT_NCCA_PARAMS, DEFAULT_AREA, 1200, new ObservationBook());
    restarted.restore(voter, sent.ballot);
    const [again] = restarted.receive(voter, { call, caller: keys[0]!.publicKey }, NOW).publish;
    assert.ok(again?.kind === 'ballot');
    assert.deepEqual(again.ballot, sent.ballot);
    // A caller restarted after its call went out does not answer that call again.
    const caller = new NccaTxSet(DEFAULT_NCCA_PARAMS, DEFAULT_AREA, 1200, new ObservationBook());
    assert.deepEqual(caller.receive(chainOf(genesis, keys[0]!), { call, caller: keys[0]!.publicKey }, NOW), { verdict: 'ignore', publish: [], relayQueued: false });
  });

  it("a multi-region validator relays its cell's normal ballots to their caller, together, when the relay window ends", () => {
    const { chain, rules } = setup();
    // 0 is the multi-region validator of cell 0, 1 and 2 normal nodes there, 3 a normal node of another cell.
    const roles = [ElectedRole.multiRegion, undefined, undefined, undefined];
    keys.forEach((k, i) => {
      const acc = chain.ledger.get(addressOf(k.publicKey))!;
      chain.ledger.set(addressOf(k.publicKey), { ...acc, role: roles[i], position: i < 3 ? { x: 10, y: 10 } : { x: 8000, y: 8000 } });
    });
    const caller = key('ts-caller');
    const call = signCall(CHAIN, caller, 1, 1, []);
    rules.receive(chain, { call: { ...call }, caller: caller.publicKey }, NOW);
    const ballot = (i: number) => answer(i, call, []);
    for (const i of [1, 2]) assert.deepEqual(rules.receive(chain, { ballots: [ballot(i)], relayed: false }, NOW), { verdict: 'accept', publish: [], relayQueued: true });
    assert.deepEqual(rules.receive(chain, { ballots: [ballot(3)], relayed: false }, NOW), { verdict: 'accept', publish: [], relayQueued: false }, 'not of its cell');
    const [bundle, ...rest] = rules.flushRelay(chain);
    assert.equal(rest.length, 0);
    assert.ok(bundle?.kind === 'bundle' && bundle.to !== undefined);
    assert.equal(addressOf(bundle.to), addressOf(caller.publicKey));
    assert.deepEqual(bundle.ballots.map((b) => addressOf(b.voter)), [1, 2].map((i) => addressOf(keys[i]!.publicKey)));
    assert.deepEqual(rules.flushRelay(chain), [], 'each ballot is relayed once');
  });
});
