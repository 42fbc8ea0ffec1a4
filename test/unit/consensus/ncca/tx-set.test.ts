import { strict as assert } from 'node:assert';
import { signBallot } from '../../../../src/core/ballots.js';
import { buildBlock } from '../../../../src/core/block.js';
import { InvalidMessage } from '../../../../src/core/errors.js';
import { addressOf } from '../../../../src/core/address.js';
import { ElectedRole } from '../../../../src/core/ledger.js';
import { txId } from '../../../../src/core/tx.js';
import { DEFAULT_NCCA_PARAMS } from '../../../../src/consensus/ncca/params.js';
import { NccaTxSet } from '../../../../src/consensus/ncca/tx-set.js';
import { ObservationBook } from '../../../../src/consensus/detection/observation-book.js';
import { DEFAULT_AREA } from '../../../../src/core/genesis.js';
import { CHAIN, chainOf, genesisOf, key, recipient } from '../../core/fixtures.js';
import { signTx, transferBody } from '../../../../src/core/tx.js';

const keys = [0, 1, 2, 3].map((i) => key(`ts-${i}`));
const genesis = genesisOf(keys);
const NOW = genesis.spec.timestamp + 1_000;
const outsider = key('ts-outsider');

function setup() {
  const chain = chainOf(genesis, keys[0]!);
  const rules = new NccaTxSet(DEFAULT_NCCA_PARAMS, DEFAULT_AREA, 200, 1200, new ObservationBook());
  const a = signTx(CHAIN, keys[1]!, transferBody(recipient(keys[2]!), 5, 0));
  const b = signTx(CHAIN, keys[2]!, transferBody(recipient(keys[3]!), 7, 0));
  chain.admitTx(a, NOW);
  chain.admitTx(b, NOW);
  return { chain, rules, a, b };
}

const invalid = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof InvalidMessage && pattern.test(e.reason));

describe('NCCA transaction-set voting as the proposer and the validators run it', () => {
  it('confirms what (nearly) every voter holds, and the block carries the ballots that prove it', () => {
    const { chain, rules, a, b } = setup();
    // Everyone holds a; only one voter holds b.
    const ballots = [0, 1, 2, 3].map((i) => signBallot(CHAIN, keys[i]!, 1, 1, i === 0 ? [txId(a), txId(b)] : [txId(a)]));
    assert.equal(rules.receive(chain, ballots, true).verdict, 'accept');
    const { allowed, ballots: carried } = rules.select(chain);
    assert.deepEqual([...allowed], [txId(a)]);
    assert.equal(carried.length, 4);
    const block = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, rules.select(chain)));
    assert.deepEqual(block.txs.map(txId), [txId(a)]);
    assert.doesNotThrow(() => rules.check(chain, block));
  });

  it('a block with a transaction its ballots do not confirm is invalid, and so are ballots from outsiders or forged ones', () => {
    const { chain, rules, a, b } = setup();
    const ballots = [0, 1, 2, 3].map((i) => signBallot(CHAIN, keys[i]!, 1, 1, [txId(a)]));
    const sneaky = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(a), txId(b)]), ballots }));
    invalid(() => rules.check(chain, sneaky), /not confirmed/);
    const fromOutsider = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(a)]), ballots: [...ballots, signBallot(CHAIN, outsider, 1, 1, [txId(a)])] }));
    invalid(() => rules.check(chain, fromOutsider), /not a voter/);
    const forged = { ...ballots[3]!, yes: [...ballots[3]!.yes, Buffer.alloc(32, 1)] };
    const withForged = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(a)]), ballots: [...ballots.slice(0, 3), forged] }));
    invalid(() => rules.check(chain, withForged), /signature/);
  });

  it('leaving ballots out cannot confirm more: a lone yes is not a confirmation', () => {
    const { chain, rules, b } = setup();
    const lone = [signBallot(CHAIN, keys[0]!, 1, 1, [txId(b)])];
    const block = buildBlock(CHAIN, keys[0]!, chain.buildContent(NOW, 0, { allowed: new Set([txId(b)]), ballots: lone }));
    invalid(() => rules.check(chain, block), /not confirmed/);
  });

  it('a replica votes with what it holds, and ballots for old heights are ignored', () => {
    const { chain, rules, a, b } = setup();
    const [out] = rules.ballot(chain, 1);
    assert.equal(out?.kind, 'bundle', 'before any election every registered node is a validator and votes on the multi-region topic');
    const mine = out!.kind === 'bundle' ? out.ballots[0]! : undefined;
    assert.deepEqual(mine!.yes.map((x) => Buffer.from(x).toString('hex')).sort(), [txId(a), txId(b)].sort());
    assert.equal(rules.receive(chain, [signBallot(CHAIN, keys[1]!, 0, 1, [])], false).verdict, 'ignore');
  });

  it("a multi-region validator relays its cell's normal ballots together, in one bundle, when the relay window ends", () => {
    const { chain, rules } = setup();
    // 0 is the multi-region validator of cell 0, 1 and 2 normal nodes there, 3 a normal node of another cell.
    const roles = [ElectedRole.multiRegion, undefined, undefined, undefined];
    keys.forEach((k, i) => {
      const a = chain.ledger.get(addressOf(k.publicKey))!;
      chain.ledger.set(addressOf(k.publicKey), { ...a, role: roles[i], position: i < 3 ? { x: 10, y: 10 } : { x: 8000, y: 8000 } });
    });
    const ballot = (i: number) => signBallot(CHAIN, keys[i]!, 1, 1, []);
    for (const i of [1, 2]) assert.deepEqual(rules.receive(chain, [ballot(i)], false), { verdict: 'accept', publish: [], relayQueued: true });
    assert.deepEqual(rules.receive(chain, [ballot(3)], false), { verdict: 'accept', publish: [], relayQueued: false }, 'not of its cell');
    const [bundle, ...rest] = rules.flushRelay(chain);
    assert.equal(rest.length, 0);
    assert.equal(bundle?.kind, 'bundle');
    assert.deepEqual(bundle!.kind === 'bundle' ? bundle.ballots.map((b) => addressOf(b.voter)) : [], [1, 2].map((i) => addressOf(keys[i]!.publicKey)));
    assert.deepEqual(rules.flushRelay(chain), [], 'each ballot is relayed once');
  });
});
