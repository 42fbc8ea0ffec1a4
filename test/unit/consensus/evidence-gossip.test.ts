import { strict as assert } from 'node:assert';
import { makeEquivocationEvidence } from '../../../src/core/evidence.js';
import { signVote } from '../../../src/core/votes.js';
import { Vote } from '../../../src/core/wire/posplus.js';
import type { Engine, EngineInput, Ready } from '../../../src/consensus/engine.js';
import { DEFAULT_TIMEOUTS } from '../../../src/consensus/bft/bft-rules.js';
import { EVIDENCE_SPREAD_MS } from '../../../src/consensus/bft/evidence-outbox.js';
import { createEngine } from '../../../src/consensus/create-engine.js';
import { drive } from './drive.js';
import { CHAIN, genesisOf, key, posChainOf, posRulesOf } from '../core/fixtures.js';

const keys = [0, 1, 2, 3].map((i) => key(`evidence-gossip-${i}`));
const genesis = genesisOf(keys);
const T0 = genesis.spec.timestamp + 1_000;
const prevote = (by: number, hash: Uint8Array): Vote => signVote(CHAIN, keys[by]!, { type: Vote.Type.PREVOTE, height: 1, round: 0, blockHash: hash });
// Validator 3 signs two different prevotes for one slot.
const [one, two] = [prevote(3, new Uint8Array(32).fill(1)), prevote(3, new Uint8Array(32).fill(2))];

function engineOf(i: number): Engine {
  const chain = posChainOf(genesis, keys[i]!);
  return createEngine(chain, posRulesOf(genesis), DEFAULT_TIMEOUTS);
}

const gossiped = (readies: Ready[]) => readies.flatMap((r) => r.publish.filter((m) => m.kind === 'evidence'));
const caught: EngineInput[] = [
  { type: 'vote', vote: one, now: T0 },
  { type: 'vote', vote: two, now: T0 + 1 },
];

describe('consensus/bft: evidence a replica raises itself', () => {
  it('is kept for a block at once, and gossiped once, only after a delay of its own', () => {
    const readies = drive(engineOf(0), caught, T0 + EVIDENCE_SPREAD_MS + 10);
    assert.ok(readies[1]!.evidence.some((e) => e.kind === 'equivocation'), 'the offence is recorded when it is seen');
    assert.equal(gossiped(readies.slice(0, 2)).length, 0, 'not gossiped at once');
    assert.equal(gossiped(readies).length, 1, 'gossiped once the delay is over');
  });

  it('is never gossiped when a checked copy from another reporter arrives first', () => {
    const theirs = makeEquivocationEvidence(CHAIN, keys[1]!, Vote.encode(two), Vote.encode(one), 0);
    const readies = drive(engineOf(0), [...caught, { type: 'evidence', evidence: theirs, now: T0 + 2 }], T0 + 3 * EVIDENCE_SPREAD_MS);
    assert.equal(readies[2]!.verdict, 'accept', 'their copy is relayed');
    assert.equal(gossiped(readies).length, 0);
  });

  it('is still gossiped when the copy that came first is forged', () => {
    const theirs = makeEquivocationEvidence(CHAIN, keys[1]!, Vote.encode(two), Vote.encode(one), 0);
    const forged = { ...theirs, signature: theirs.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    const readies = drive(engineOf(0), [...caught, { type: 'evidence', evidence: forged, now: T0 + 2 }], T0 + EVIDENCE_SPREAD_MS + 10);
    assert.equal(readies[2]!.verdict, 'reject');
    assert.equal(gossiped(readies).length, 1);
  });
});
